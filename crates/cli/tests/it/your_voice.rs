//! Your Voice: the public feedback form works with no account and sets no cookie; the
//! sender's address is kept nowhere (the canary rule applied to the client address) and what
//! they wrote is never on disk in plaintext; staff read and export it, survivors cannot.

use crate::canary::{files_containing, pg_dump};
use crate::harness::{Backend, Server, backends};

#[tokio::test]
async fn your_voice_needs_no_account_sets_no_cookie_and_keeps_no_address() {
    for backend in backends().await {
        let server = Server::start(backend.clone()).await;
        server.add_user("administrator", "admin");
        server.add_user("support_worker", "wendy");
        server.add_user("survivor", "alice");
        let public = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let address = "203.0.113.77";
        let marker = format!("yv-canary-{}", uuid::Uuid::new_v4().simple());

        let form = public.get(format!("{}/your-voice", server.url)).send().await.unwrap();
        assert_eq!(form.status(), 200);
        assert!(form.headers().get("set-cookie").is_none());
        assert!(form.text().await.unwrap().contains("this page sets no cookie"));

        // A problem is named and what they typed is kept.
        let empty = public
            .post(format!("{}/your-voice", server.url))
            .form(&[("message", "  "), ("contact", "me@example.org")])
            .send()
            .await
            .unwrap();
        assert_eq!(empty.status(), 400);
        let html = empty.text().await.unwrap();
        assert!(html.contains("Write what you would like to tell us") && html.contains("me@example.org"));

        let message = format!("The worker listened. {marker}");
        let formula = "=HYPERLINK(\"http://evil.example\")";
        for (text, contact) in [(message.as_str(), ""), (formula, "")] {
            let sent = public
                .post(format!("{}/your-voice", server.url))
                .header("x-forwarded-for", address)
                .header("x-real-ip", address)
                .form(&[("message", text), ("rating", "5"), ("contact", contact)])
                .send()
                .await
                .unwrap();
            assert_eq!(sent.status(), 200);
            assert!(sent.headers().get("set-cookie").is_none());
        }

        // Staff read it and export it; a survivor cannot.
        let admin = server.browser("admin").await;
        let page = admin.get(format!("{}/staff/your-voice", server.url)).send().await.unwrap().text().await.unwrap();
        assert!(page.contains(&marker) && page.contains("Very good"));
        let worker = server.browser("wendy").await;
        let csv = worker.get(format!("{}/staff/your-voice.csv", server.url)).send().await.unwrap();
        assert_eq!(csv.status(), 200);
        assert!(csv.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
        let csv = csv.text().await.unwrap();
        assert!(csv.starts_with("received_on,rating,message,contact"));
        assert!(csv.contains(&marker));
        assert!(csv.contains("'=HYPERLINK"), "a formula is exported as text: {csv}");
        let survivor = server.browser("alice").await;
        assert_eq!(survivor.get(format!("{}/staff/your-voice", server.url)).send().await.unwrap().status(), 403);

        // The address is nowhere, and the message is nowhere in plaintext: not in the
        // database, the files or the log.
        let log = server.log();
        for needle in [address.as_bytes(), marker.as_bytes()] {
            let hits = files_containing(server.data_dir.path(), needle);
            assert!(hits.is_empty(), "{} found in {hits:?}", String::from_utf8_lossy(needle));
            assert!(!log.as_bytes().windows(needle.len()).any(|w| w == needle), "in the log");
            if let Backend::Postgres(url) = &backend {
                let dump = pg_dump(url);
                assert!(!dump.windows(needle.len()).any(|w| w == needle), "in the PostgreSQL dump");
            }
        }
        // Only the day is kept.
        for row in csv.lines().skip(1) {
            let day = row.split(',').next().unwrap();
            assert!(day.len() == "2026-01-01".len() && day.parse::<jiff::civil::Date>().is_ok(), "{row}");
        }
    }
}

/// The key the server once sealed responses under, derived from the server key file as the
/// server derives it: what an adversary with a copy of the data directory derives too.
fn key_from_server_key_file(server: &Server) -> lodge_crypto::Key {
    let text = std::fs::read_to_string(server.data_dir.path().join("server.key")).unwrap();
    let bytes = data_encoding::BASE64.decode(text.trim().as_bytes()).unwrap();
    let server_key = lodge_crypto::Key::derive(&bytes, "lodge server key");
    lodge_crypto::Key::derive_from(&server_key, "your voice")
}

fn response_aad(id: &str) -> lodge_crypto::Aad {
    lodge_crypto::Aad::from_parts(&[b"your voice", uuid::Uuid::parse_str(id).unwrap().as_bytes()])
}

async fn responses(server: &Server) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for id in server.sql_texts("SELECT id FROM feedback WHERE id <> $1", "").await {
        let body = server.sql_bytes("SELECT body FROM feedback WHERE id = $1", &id).await.remove(0);
        out.push((id, body));
    }
    out
}

#[tokio::test]
async fn a_copy_of_the_data_directory_with_its_server_key_reads_no_response() {
    for backend in backends().await {
        let server = Server::start(backend.clone()).await;
        server.add_user("administrator", "admin");
        let public = reqwest::Client::new();
        let sent = public
            .post(format!("{}/your-voice", server.url))
            .form(&[("message", "The night line helped me"), ("rating", "5")])
            .send()
            .await
            .unwrap();
        assert_eq!(sent.status(), 200);

        // A response from before, sealed under the key derived from the server key: the
        // adversary's derivation opens it (so the derivation is right).
        let legacy_key = key_from_server_key_file(&server);
        let id = uuid::Uuid::new_v4().to_string();
        let plain =
            serde_json::to_vec(&serde_json::json!({"message": "An older response", "rating": 4, "contact": ""}))
                .unwrap();
        let sealed = lodge_crypto::seal(&legacy_key, &response_aad(&id), &plain).unwrap();
        server
            .sql_set_bytes("INSERT INTO feedback (id, received_on, body) VALUES ($2, '2026-01-01', $1)", &sealed, &id)
            .await;
        let opened = |rows: &[(String, Vec<u8>)]| {
            rows.iter().filter(|(id, body)| lodge_crypto::open(&legacy_key, &response_aad(id), body).is_ok()).count()
        };
        let before = responses(&server).await;
        assert_eq!((before.len(), opened(&before)), (2, 1), "only the older response opens with the server's key");

        // Staff read both; the older one is sealed again to the staff's key.
        let admin = server.browser("admin").await;
        let page = admin.get(format!("{}/staff/your-voice", server.url)).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("The night line helped me") && page.contains("An older response"), "{page}");
        let after = responses(&server).await;
        assert_eq!((after.len(), opened(&after)), (2, 0), "the server key opens no response");
        if matches!(backend, Backend::Sqlite) {
            let hits = files_containing(server.data_dir.path(), &sealed);
            assert!(hits.is_empty(), "the old sealing is still on disk in {hits:?}");
        }

        // A worker who joins later reads nothing until a colleague who reads Your Voice opens
        // it; then she does. Switched off, her account loses the key.
        server.add_user("support_worker", "wendy");
        let wendy = server.browser("wendy").await;
        let waiting = wendy.get(format!("{}/staff/your-voice", server.url)).send().await.unwrap().text().await.unwrap();
        assert!(waiting.contains("has not received the key") && !waiting.contains("The night line"), "{waiting}");
        admin.get(format!("{}/staff/your-voice", server.url)).send().await.unwrap();
        let reads = wendy.get(format!("{}/staff/your-voice", server.url)).send().await.unwrap().text().await.unwrap();
        assert!(reads.contains("The night line helped me"), "{reads}");
        let wendy_id = server.sql_texts("SELECT id FROM users WHERE username = $1", "wendy").await.remove(0);
        assert_eq!(server.sql_bytes("SELECT sealed_key FROM voice_keys WHERE user_id = $1", &wendy_id).await.len(), 1);
        let (status, _) =
            crate::sharing::post_form(&admin, &server, "/admin", &format!("/admin/users/{wendy_id}/disable"), &[])
                .await;
        assert_eq!(status, 303);
        assert!(server.sql_bytes("SELECT sealed_key FROM voice_keys WHERE user_id = $1", &wendy_id).await.is_empty());
    }
}
