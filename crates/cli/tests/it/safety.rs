//! Account safety: two-step sign-in with an authenticator app (set up, sign in with a code,
//! a code works once, wrong codes end the half-made session, turned off with the password),
//! back-off after failed passwords, and the list of places she is signed in, which she can
//! sign out of.

use serde_json::json;
use totp_rs::{Algorithm, Secret, TOTP};

use crate::harness::{PASSWORD, Server, backends, browser_client, csrf};

pub fn between<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let from = html.find(start).unwrap() + start.len();
    &html[from..from + html[from..].find(end).unwrap()]
}

/// The code her app would show `offset` steps from now.
pub fn code(secret: &str, offset: i64) -> String {
    let bytes = Secret::Encoded(secret.to_owned()).to_bytes().unwrap();
    let totp = TOTP::new_unchecked(Algorithm::SHA1, 6, 0, 30, bytes, None, String::new());
    let now = jiff::Timestamp::now().as_second();
    totp.generate(u64::try_from(now + offset * 30).unwrap())
}

/// Waits until a fresh 30-second step has begun, so codes made here and checked by the server
/// fall in the same step.
pub async fn at_start_of_a_step() {
    let into = jiff::Timestamp::now().as_second() % 30;
    if into > 20 {
        tokio::time::sleep(std::time::Duration::from_secs(u64::try_from(31 - into).unwrap())).await;
    }
}

pub async fn page_sign_in(server: &Server, username: &str, password: &str) -> (reqwest::Client, reqwest::Response) {
    let client = browser_client();
    let res = client
        .post(format!("{}/login", server.url))
        .form(&[("username", username), ("password", password)])
        .send()
        .await
        .unwrap();
    (client, res)
}

#[tokio::test]
async fn two_step_sign_in_with_an_authenticator_app() {
    for backend in backends().await {
        at_start_of_a_step().await;
        let server = Server::start(backend).await;
        server.add_user("survivor", "alice");
        let browser = server.browser("alice").await;
        let account = browser.get(format!("{}/account", server.url)).send().await.unwrap().text().await.unwrap();
        assert!(account.contains("Off. With it on"));
        let token = csrf(&account);
        let setup = browser
            .post(format!("{}/account/two-step", server.url))
            .form(&[("csrf", token.as_str())])
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let secret = between(&setup, r#"aria-label="Key for your authenticator app">"#, "<").to_owned();
        assert!(setup.contains("otpauth://totp/Lodge:alice?secret="));
        let confirm = |password: &str, code: String| {
            let fields = [
                ("csrf", token.clone()),
                ("secret", secret.clone()),
                ("password", password.to_owned()),
                ("code", code),
            ];
            browser.post(format!("{}/account/two-step/confirm", server.url)).form(&fields).send()
        };
        // Someone at her unlocked phone, without her password, cannot turn it on.
        let without = confirm("not her password", code(&secret, 0)).await.unwrap();
        assert_eq!(without.status(), 400);
        assert!(without.text().await.unwrap().contains("That is not your current password"));
        let wrong = confirm(PASSWORD, "000000".into()).await.unwrap();
        assert_eq!(wrong.status(), 400);
        assert!(wrong.text().await.unwrap().contains("That code is not right"));
        let on = confirm(PASSWORD, code(&secret, -1)).await.unwrap();
        assert_eq!(on.status(), 200);
        assert!(on.text().await.unwrap().contains("Two-step sign-in is on."));

        // The API needs the code too.
        let api = reqwest::Client::new();
        let session = |code: Option<String>| {
            let mut body = json!({"username": "alice", "password": PASSWORD});
            if let Some(c) = code {
                body["code"] = json!(c);
            }
            api.post(format!("{}/api/v1/session", server.url)).json(&body).send()
        };
        let no_code = session(None).await.unwrap();
        assert_eq!(no_code.status(), 401);
        assert!(no_code.text().await.unwrap().contains("code from your authenticator app"));
        assert_eq!(session(Some(code(&secret, 0))).await.unwrap().status(), 200);

        // Pages: the password gives a half-made session that opens nothing until the code.
        let (client, res) = page_sign_in(&server, "alice", PASSWORD).await;
        assert_eq!(res.status(), 303);
        assert_eq!(res.headers()["location"], "/login/code");
        let cases = client.get(format!("{}/cases", server.url)).send().await.unwrap();
        assert_eq!(cases.headers()["location"], "/login/code");
        // A code works once: the one the API just used is refused.
        let used =
            client.post(format!("{}/login/code", server.url)).form(&[("code", code(&secret, 0))]).send().await.unwrap();
        assert_eq!(used.status(), 400);
        assert!(used.text().await.unwrap().contains("That code was just used"));
        let done =
            client.post(format!("{}/login/code", server.url)).form(&[("code", code(&secret, 1))]).send().await.unwrap();
        assert_eq!(done.status(), 303);
        assert_eq!(client.get(format!("{}/cases", server.url)).send().await.unwrap().status(), 200);

        // Five wrong codes end the half-made session.
        let (client, _) = page_sign_in(&server, "alice", PASSWORD).await;
        for _ in 0..4 {
            let res =
                client.post(format!("{}/login/code", server.url)).form(&[("code", "123456")]).send().await.unwrap();
            assert_eq!(res.status(), 400);
        }
        let fifth = client.post(format!("{}/login/code", server.url)).form(&[("code", "123456")]).send().await.unwrap();
        assert_eq!(fifth.headers()["location"], "/login?ended=1");
        let after =
            client.post(format!("{}/login/code", server.url)).form(&[("code", code(&secret, 1))]).send().await.unwrap();
        assert_eq!(after.headers()["location"], "/login?ended=1");

        // Turned off with her password: the password alone signs in again.
        let html = browser.get(format!("{}/account", server.url)).send().await.unwrap().text().await.unwrap();
        assert!(html.contains("On: signing in needs your password and a code"));
        let off = browser
            .post(format!("{}/account/two-step/off", server.url))
            .form(&[("csrf", token.as_str()), ("password", PASSWORD)])
            .send()
            .await
            .unwrap();
        assert!(off.text().await.unwrap().contains("Two-step sign-in is off."));
        let (_, res) = page_sign_in(&server, "alice", PASSWORD).await;
        assert_eq!(res.headers()["location"], "/cases");
    }
}

#[tokio::test]
async fn failed_passwords_back_off_and_she_can_sign_out_other_devices() {
    for backend in backends().await {
        let server = Server::start(backend).await;
        server.add_user("survivor", "alice");
        server.add_user("survivor", "bob");
        for _ in 0..5 {
            let (_, res) = page_sign_in(&server, "alice", "not her password").await;
            assert_eq!(res.status(), 401);
        }
        // Held back, even with the right password; another account is not.
        let (_, res) = page_sign_in(&server, "alice", PASSWORD).await;
        assert_eq!(res.status(), 429);
        assert!(res.text().await.unwrap().contains("Too many tries. For your safety, wait"));
        let api = reqwest::Client::new()
            .post(format!("{}/api/v1/session", server.url))
            .json(&json!({"username": "Alice", "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(api.status(), 429);
        assert!(api.headers().contains_key("retry-after"));
        let (_, res) = page_sign_in(&server, "bob", PASSWORD).await;
        assert_eq!(res.status(), 303);

        // Login activity: Bob sees both his sessions and signs the other out.
        let phone = server.browser("bob").await;
        let laptop = server.browser("bob").await;
        let html = laptop.get(format!("{}/account", server.url)).send().await.unwrap().text().await.unwrap();
        assert!(html.contains("Where you are signed in") && html.contains("This device"));
        assert_eq!(html.matches("/end\"").count(), 2, "two other sessions: the sign-in above and the phone");
        let res = laptop
            .post(format!("{}/account/sessions/end-others", server.url))
            .form(&[("csrf", csrf(&html).as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303);
        let res = phone.get(format!("{}/cases", server.url)).send().await.unwrap();
        assert_eq!(res.headers()["location"], "/login?ended=1");
        assert_eq!(laptop.get(format!("{}/cases", server.url)).send().await.unwrap().status(), 200);
    }
}

/// The account page's form token for the passkey script.
pub fn form_token(html: &str) -> String {
    between(html, r#"data-form-token=""#, "\"").to_owned()
}

pub async fn post_json(
    client: &reqwest::Client,
    server: &Server,
    path: &str,
    token: &str,
    body: serde_json::Value,
) -> (u16, serde_json::Value) {
    let res =
        client.post(format!("{}{path}", server.url)).header("x-lodge-form", token).json(&body).send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap())
}

#[tokio::test]
async fn passkeys_as_a_second_step_and_to_sign_in_without_a_password() {
    use webauthn_authenticator_rs::WebauthnAuthenticator;
    use webauthn_authenticator_rs::prelude::{CreationChallengeResponse, RequestChallengeResponse, Url};
    use webauthn_authenticator_rs::softpasskey::SoftPasskey;

    for backend in backends().await {
        let server = Server::start_with(backend, &[("LODGE_PUBLIC_URL", "http://localhost")]).await;
        server.add_user("survivor", "alice");
        let port = server.url.rsplit(':').next().unwrap().to_owned();
        let origin = Url::parse(&format!("http://localhost:{port}")).unwrap();
        // A software authenticator that, like a phone, checks who is holding it.
        let mut phone = WebauthnAuthenticator::new(SoftPasskey::new(true));

        let browser = server.browser("alice").await;
        let account = browser.get(format!("{}/account", server.url)).send().await.unwrap().text().await.unwrap();
        assert!(account.contains("Passkeys"));
        let token = form_token(&account);
        let (status, _) = post_json(&browser, &server, "/account/passkeys/start", "wrong", json!({})).await;
        assert_eq!(status, 400, "the form token is checked");
        let (status, refused) = post_json(&browser, &server, "/account/passkeys/start", &token, json!({})).await;
        assert_eq!(status, 400, "someone at her unlocked phone cannot add a passkey without her password");
        assert!(refused["error"].as_str().unwrap().contains("not your current password"), "{refused}");
        let (status, started) =
            post_json(&browser, &server, "/account/passkeys/start", &token, json!({"password": PASSWORD})).await;
        assert_eq!(status, 200);
        let options: CreationChallengeResponse = serde_json::from_value(started["options"].clone()).unwrap();
        let answer = phone.do_registration(origin.clone(), options).unwrap();
        let (status, done) = post_json(
            &browser,
            &server,
            "/account/passkeys/finish",
            &token,
            json!({"ceremony": started["ceremony"], "answer": answer, "name": "my phone", "signs_in": true}),
        )
        .await;
        assert_eq!(status, 200, "{done}");
        let account = browser.get(format!("{}/account", server.url)).send().await.unwrap().text().await.unwrap();
        assert!(account.contains("my phone") && account.contains("Signs in on the device that added it"));

        // As a second step: the password alone is not enough any more.
        let (other, res) = page_sign_in(&server, "alice", PASSWORD).await;
        assert_eq!(res.headers()["location"], "/login/code");
        let step = other.get(format!("{}/login/code", server.url)).send().await.unwrap().text().await.unwrap();
        assert!(step.contains("Use my passkey") && !step.contains("six-digit code"));
        let (_, started) = post_json(&other, &server, "/login/code/passkey/start", "", json!({})).await;
        let options: RequestChallengeResponse = serde_json::from_value(started["options"].clone()).unwrap();
        let mut answer = serde_json::to_value(phone.do_authentication(origin.clone(), options).unwrap()).unwrap();
        // A forged answer is refused, and the ceremony cannot be replayed after.
        let genuine = answer.clone();
        answer["response"]["signature"] = json!("AAAA");
        let (status, refused) = post_json(
            &other,
            &server,
            "/login/code/passkey/finish",
            "",
            json!({"ceremony": started["ceremony"], "answer": answer}),
        )
        .await;
        assert_eq!(status, 400, "{refused}");
        let (status, _) = post_json(
            &other,
            &server,
            "/login/code/passkey/finish",
            "",
            json!({"ceremony": started["ceremony"], "answer": genuine}),
        )
        .await;
        assert_eq!(status, 400, "a ceremony is used once");
        let (_, started) = post_json(&other, &server, "/login/code/passkey/start", "", json!({})).await;
        let options: RequestChallengeResponse = serde_json::from_value(started["options"].clone()).unwrap();
        let answer = phone.do_authentication(origin.clone(), options).unwrap();
        let (status, done) = post_json(
            &other,
            &server,
            "/login/code/passkey/finish",
            "",
            json!({"ceremony": started["ceremony"], "answer": answer}),
        )
        .await;
        assert_eq!((status, done["next"].as_str()), (200, Some("/cases")));
        assert_eq!(other.get(format!("{}/cases", server.url)).send().await.unwrap().status(), 200);

        // Without a password: only on the device that added it (it keeps the device key).
        let (_, started) = post_json(&browser, &server, "/login/passkey/start", "", json!({"username": "alice"})).await;
        let options: RequestChallengeResponse = serde_json::from_value(started["options"].clone()).unwrap();
        let answer = phone.do_authentication(origin.clone(), options).unwrap();
        let (status, done) = post_json(
            &browser,
            &server,
            "/login/passkey/finish",
            "",
            json!({"ceremony": started["ceremony"], "answer": answer}),
        )
        .await;
        assert_eq!((status, done["next"].as_str()), (200, Some("/cases")), "{done}");
        let stranger = browser_client();
        let (_, started) =
            post_json(&stranger, &server, "/login/passkey/start", "", json!({"username": "alice"})).await;
        let options: RequestChallengeResponse = serde_json::from_value(started["options"].clone()).unwrap();
        let answer = phone.do_authentication(origin.clone(), options).unwrap();
        let (status, refused) = post_json(
            &stranger,
            &server,
            "/login/passkey/finish",
            "",
            json!({"ceremony": started["ceremony"], "answer": answer}),
        )
        .await;
        assert_eq!(status, 400);
        assert!(refused["error"].as_str().unwrap().contains("cannot sign in on this device without your password"));

        // Removed, the password alone signs in again.
        let account = browser.get(format!("{}/account", server.url)).send().await.unwrap().text().await.unwrap();
        let id = between(&account, "/account/passkeys/", "/remove").to_owned();
        let remove = |password: &'static str| {
            let form = [("csrf", csrf(&account)), ("passkey_password", password.to_owned())];
            browser.post(format!("{}/account/passkeys/{id}/remove", server.url)).form(&form).send()
        };
        let res = remove("not her password").await.unwrap();
        assert_eq!(res.status(), 400);
        assert!(res.text().await.unwrap().contains("That is not your current password"));
        assert_eq!(remove(PASSWORD).await.unwrap().status(), 200);
        let (_, res) = page_sign_in(&server, "alice", PASSWORD).await;
        assert_eq!(res.headers()["location"], "/cases");
    }
}
