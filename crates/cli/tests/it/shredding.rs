//! "Delete my data" reaches the disk: after it, none of her wrapped keys (her account key under
//! her password and her recovery key, her case keys, her police link's key, her passkey's
//! wrapped key) is in any of the database's files, her password opens nothing from a copy of
//! them, and no passkey, session or authenticator secret of hers is left.

use serde_json::json;

use crate::harness::{Backend, PASSWORD, Server, backends, incident};
use crate::safety::{form_token, post_json};
use crate::sharing::{link_in, post_form};

/// Adds a passkey that signs in on its own, as her phone would.
pub async fn add_passkey(server: &Server, browser: &reqwest::Client) {
    use webauthn_authenticator_rs::WebauthnAuthenticator;
    use webauthn_authenticator_rs::prelude::{CreationChallengeResponse, Url};
    use webauthn_authenticator_rs::softpasskey::SoftPasskey;

    let port = server.url.rsplit(':').next().unwrap().to_owned();
    let origin = Url::parse(&format!("http://localhost:{port}")).unwrap();
    let mut phone = WebauthnAuthenticator::new(SoftPasskey::new(true));
    let account = browser.get(format!("{}/account", server.url)).send().await.unwrap().text().await.unwrap();
    let token = form_token(&account);
    let (_, started) =
        post_json(browser, server, "/account/passkeys/start", &token, json!({"password": PASSWORD})).await;
    let options: CreationChallengeResponse = serde_json::from_value(started["options"].clone()).unwrap();
    let answer = phone.do_registration(origin, options).unwrap();
    let body = json!({"ceremony": started["ceremony"], "answer": answer, "name": "my phone", "signs_in": true});
    let (status, done) = post_json(browser, server, "/account/passkeys/finish", &token, body).await;
    assert_eq!(status, 200, "{done}");
}

/// The non-empty blobs a one-column query selects for `bind`.
async fn blobs(server: &Server, query: &str, bind: &str) -> Vec<Vec<u8>> {
    server.sql_bytes(query, bind).await.into_iter().filter(|b| !b.is_empty()).collect()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test]
async fn after_delete_my_data_no_key_of_hers_is_in_any_file() {
    for backend in backends().await {
        let server = Server::start_with(backend.clone(), &[("LODGE_PUBLIC_URL", "http://localhost")]).await;
        server.add_user("survivor", "alice");
        let api = server.api("alice").await;
        let case = api.create_case("Messages from @wolf").await;
        api.create_incident(&case, incident("he found my new number")).await;
        let browser = server.browser("alice").await;
        add_passkey(&server, &browser).await;
        let sharing = format!("/cases/{case}/sharing");
        let fields = [("label", "PC Smith"), ("subject_name", "Alice"), ("days", "30")];
        let (_, html) = post_form(&browser, &server, &sharing, &format!("{sharing}/links"), &fields).await;
        assert!(link_in(&html).starts_with("/shared#"));

        const HERS: &str = "(SELECT id FROM users WHERE username = $1)";
        let mut keys = Vec::new();
        for column in [
            "key_by_password FROM users WHERE id",
            "key_by_recovery FROM users WHERE id",
            "wrapped_key FROM case_keys WHERE user_id",
            "wrapped_key FROM passkeys WHERE user_id",
            "wrapped_user_key FROM sessions WHERE user_id",
        ] {
            keys.extend(blobs(&server, &format!("SELECT {column} = {HERS}"), "alice").await);
        }
        keys.extend(blobs(&server, "SELECT wrapped_key FROM shares WHERE case_id = $1", &case).await);
        assert!(keys.len() >= 7, "her two account keys, her case key, her passkey's, the link's, her sessions'");

        let (status, _) =
            post_form(&browser, &server, "/account", "/account/delete", &[("password", PASSWORD), ("confirm", "yes")])
                .await;
        assert_eq!(status, 303);

        for column in [
            "wrapped_user_key FROM sessions WHERE user_id",
            "wrapped_key FROM passkeys WHERE user_id",
            "wrapped_key FROM case_keys WHERE user_id",
            "totp_secret FROM users WHERE totp_secret IS NOT NULL AND id",
        ] {
            let left = server.sql_bytes(&format!("SELECT {column} = {HERS}"), "alice").await;
            assert!(left.is_empty(), "{backend:?}: {column} still holds a row of hers");
        }

        if let Backend::Sqlite = backend {
            // A copy of the files as they are now, taken while the server runs.
            let copy = tempfile::tempdir().unwrap();
            for name in ["lodge.db", "lodge.db-wal", "lodge.db-shm"] {
                let from = server.data_dir.path().join(name);
                let Ok(bytes) = std::fs::read(&from) else { continue };
                for key in &keys {
                    assert!(!contains(&bytes, key), "a wrapped key of hers is still in {name}");
                }
                std::fs::write(copy.path().join(name), bytes).unwrap();
            }
            std::fs::copy(server.data_dir.path().join("server.key"), copy.path().join("server.key")).unwrap();
            let from_copy = Server::start_in(copy, Backend::Sqlite, &[]).await;
            let signin = reqwest::Client::new()
                .post(format!("{}/api/v1/session", from_copy.url))
                .json(&json!({"username": "alice", "password": PASSWORD}))
                .send()
                .await
                .unwrap();
            assert_eq!(signin.status(), 401, "her password opens nothing from a copy of the files");
        }
    }
}
