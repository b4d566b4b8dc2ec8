//! Accounts: the first administrator's one-time link, invitations, open sign-up, the recovery
//! key, password change and recovery without losing data, and administrators who cannot read
//! cases.

use reqwest::header;
use serde_json::json;

use crate::harness::{Backend, PASSWORD, Server, browser_client, csrf};

fn recovery_key(html: &str) -> String {
    let at =
        html.find(r#"aria-label="Recovery key">"#).expect("recovery key shown") + r#"aria-label="Recovery key">"#.len();
    let shown = &html[at..html[at..].find("</p>").unwrap() + at];
    // The groups are drawn apart (so none breaks across lines); the text is the key.
    let mut key = String::new();
    let mut inside = false;
    for c in shown.chars() {
        match c {
            '<' => inside = true,
            '>' => inside = false,
            c if !inside => key.push(c),
            _ => {}
        }
    }
    key
}

#[tokio::test]
async fn the_first_start_link_creates_the_administrator_once() {
    let mut server = Server::start(Backend::Sqlite).await;
    let link = server.first_link.clone().expect("first start writes a link for the operator");
    assert!(!server.log().contains("/join/"), "the link is in no log");
    assert!(link.starts_with(&format!("{}/join/", server.url)));
    let browser = browser_client();
    let page = browser.get(&link).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("first administrator"));
    let res = browser.post(&link).form(&[("username", "admin"), ("password", "short")]).send().await.unwrap();
    assert_eq!(res.status(), 400);
    let page = res.text().await.unwrap();
    assert!(page.contains("at least 10 characters") && page.contains(r#"value="admin""#));
    let res = browser.post(&link).form(&[("username", "admin"), ("password", PASSWORD)]).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers().get(header::SET_COOKIE).is_some(), "she is signed in");
    let page = res.text().await.unwrap();
    assert_eq!(recovery_key(&page).len(), 64, "13 groups of 4 characters");
    assert!(page.contains("only time it is shown") && page.contains("nobody"));
    let admin_page = browser.get(format!("{}/admin", server.url)).send().await.unwrap();
    assert_eq!(admin_page.status(), 200);

    let again =
        browser_client().post(&link).form(&[("username", "admin2"), ("password", PASSWORD)]).send().await.unwrap();
    assert_eq!(again.status(), 400);
    assert!(again.text().await.unwrap().contains("has been used or has expired"));
    server.first_link = None;
    server.kill_and_restart().await;
    assert!(server.first_link.is_none(), "no new link once an account exists");
    assert!(!server.data_dir.path().join("first-administrator-link.txt").exists(), "the used link's file is gone");
}

#[tokio::test]
async fn invitation_recovery_key_and_password_changes_keep_her_data() {
    for backend in crate::harness::backends().await {
        let server = Server::start(backend).await;
        server.add_user("administrator", "admin");
        let admin = server.browser("admin").await;
        let html = admin.get(format!("{}/admin", server.url)).send().await.unwrap().text().await.unwrap();
        assert!(html.contains("cannot read anyone's records"));
        let link = server.invitation(&admin, "survivor").await;

        let her = browser_client();
        let page = her
            .post(&link)
            .form(&[("username", "sam"), ("password", PASSWORD)])
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let key = recovery_key(&page);
        let api = server.api("sam").await;
        let case = api.create_case("Sam's log").await;

        // The administrator sees no case and cannot open hers.
        let admin_api = server.api("admin").await;
        assert_eq!(admin_api.json(admin_api.get("/api/v1/cases"), 200).await, json!([]));
        admin_api.json(admin_api.get(&format!("/api/v1/cases/{case}")), 404).await;

        // Password change: wrong current password is named; the right one re-wraps her key.
        let html = her.get(format!("{}/account", server.url)).send().await.unwrap().text().await.unwrap();
        let token = csrf(&html);
        let new_password = "a different long password";
        let res = her
            .post(format!("{}/account/password", server.url))
            .form(&[("csrf", token.as_str()), ("current_password", "nope nope nope"), ("new_password", new_password)])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400);
        assert!(res.text().await.unwrap().contains("not your current password"));
        let res = her
            .post(format!("{}/account/password", server.url))
            .form(&[("csrf", token.as_str()), ("current_password", PASSWORD), ("new_password", new_password)])
            .send()
            .await
            .unwrap();
        assert!(res.text().await.unwrap().contains("Your password has been changed"));
        let old = browser_client()
            .post(format!("{}/login", server.url))
            .form(&[("username", "sam"), ("password", PASSWORD)])
            .send()
            .await
            .unwrap();
        assert_eq!(old.status(), 401);
        let api = sign_in(&server, "sam", new_password).await;
        let cases = api.json(api.get("/api/v1/cases"), 200).await;
        assert_eq!(cases[0]["title"], "Sam's log");

        // Recovery with the key shown once: a wrong key is refused, the right one restores access.
        let res = browser_client()
            .post(format!("{}/recover", server.url))
            .form(&[("username", "sam"), ("recovery_key", "AAAA-BBBB"), ("password", "third password here")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400);
        let res = browser_client()
            .post(format!("{}/recover", server.url))
            .form(&[
                ("username", "sam"),
                ("recovery_key", key.to_lowercase().replace('-', " ").as_str()),
                ("password", "third password here"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let page = res.text().await.unwrap();
        assert!(page.contains("Two-step sign-in and your passkeys are off"), "she is told what was reset");
        let fresh = recovery_key(&page);
        assert_ne!(fresh, key, "using the recovery key issues a new one");
        let api = sign_in(&server, "sam", "third password here").await;
        let cases = api.json(api.get("/api/v1/cases"), 200).await;
        assert_eq!(cases[0]["title"], "Sam's log", "her data opens after recovery");
        assert_eq!(her.get(format!("{}/cases", server.url)).send().await.unwrap().status(), 303, "old sessions ended");

        // The key she used works once; the new one works, and she can replace it herself.
        let recover = |key: String, password: &'static str| {
            let form = [("username", "sam".to_owned()), ("recovery_key", key), ("password", password.to_owned())];
            browser_client().post(format!("{}/recover", server.url)).form(&form).send()
        };
        assert_eq!(
            recover(key.clone(), "fourth password here").await.unwrap().status(),
            400,
            "the old key opens nothing"
        );
        let res = recover(fresh.clone(), "fourth password here").await.unwrap();
        assert_eq!(res.status(), 200);
        let newer = recovery_key(&res.text().await.unwrap());
        let browser = browser_client();
        let res = browser
            .post(format!("{}/login", server.url))
            .form(&[("username", "sam"), ("password", "fourth password here")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303);
        let account = browser.get(format!("{}/account", server.url)).send().await.unwrap().text().await.unwrap();
        let token = csrf(&account);
        let replace = |password: &'static str| {
            let form = [("csrf", token.clone()), ("recovery_password", password.to_owned())];
            browser.post(format!("{}/account/recovery-key", server.url)).form(&form).send()
        };
        let refused = replace("not my password").await.unwrap();
        assert_eq!(refused.status(), 400);
        assert!(refused.text().await.unwrap().contains("That is not your current password"));
        let replaced = replace("fourth password here").await.unwrap().text().await.unwrap();
        let replacement = recovery_key(&replaced);
        assert_ne!(replacement, newer);
        assert_eq!(recover(newer, "fifth password here").await.unwrap().status(), 400, "a replaced key opens nothing");
        assert_eq!(recover(replacement, "fifth password here").await.unwrap().status(), 200);
    }
}

async fn sign_in(server: &Server, username: &str, password: &str) -> crate::harness::Api {
    let client = reqwest::Client::new();
    let res = client
        .post(format!("{}/api/v1/session", server.url))
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let token = res.json::<serde_json::Value>().await.unwrap()["token"].as_str().unwrap().to_owned();
    crate::harness::Api { client, base: server.url.clone(), token }
}

#[tokio::test]
async fn sign_up_is_closed_until_the_organisation_opens_it() {
    let server = Server::start(Backend::Sqlite).await;
    server.add_user("administrator", "admin");
    let visitor = browser_client();
    let login = |client: reqwest::Client| {
        let url = format!("{}/login", server.url);
        async move { client.get(url).send().await.unwrap().text().await.unwrap() }
    };
    assert!(!login(visitor.clone()).await.contains("Create an account"), "no way offered that leads to an error");
    let res = visitor.get(format!("{}/signup", server.url)).send().await.unwrap();
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("need an invitation"));
    let res = visitor
        .post(format!("{}/signup", server.url))
        .form(&[("username", "eve"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);

    let admin = server.browser("admin").await;
    let html = admin.get(format!("{}/admin", server.url)).send().await.unwrap().text().await.unwrap();
    admin
        .post(format!("{}/admin/signup", server.url))
        .form(&[("csrf", csrf(&html).as_str()), ("open", "on")])
        .send()
        .await
        .unwrap();
    assert!(login(visitor.clone()).await.contains("Create an account"), "offered once sign-up is open");
    let res = visitor
        .post(format!("{}/signup", server.url))
        .form(&[("username", "eve"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("Save your recovery key"));
    let taken = browser_client()
        .post(format!("{}/signup", server.url))
        .form(&[("username", "eve"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert!(taken.text().await.unwrap().contains("That username is taken"));
}

#[tokio::test]
async fn the_api_is_described_by_openapi() {
    let server = Server::start(Backend::Sqlite).await;
    let spec: serde_json::Value =
        reqwest::get(format!("{}/api/v1/openapi.json", server.url)).await.unwrap().json().await.unwrap();
    assert!(spec["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/api/v1/session",
        "/api/v1/cases",
        "/api/v1/cases/{case}/incidents",
        "/api/v1/cases/{case}/incidents/{incident}",
        "/api/v1/cases/{case}/evidence",
        "/api/v1/cases/{case}/evidence/{evidence}/content",
        "/api/v1/cases/{case}/people",
        "/healthz",
    ] {
        assert!(spec["paths"][path].is_object(), "{path}");
    }
    assert!(spec["components"]["securitySchemes"]["bearer"].is_object());
    let unauthorised = reqwest::get(format!("{}/api/v1/cases", server.url)).await.unwrap();
    assert_eq!(unauthorised.status(), 401);
}

#[tokio::test]
async fn using_the_recovery_key_turns_every_second_factor_off() {
    for backend in crate::harness::backends().await {
        let server = Server::start_with(backend, &[("LODGE_PUBLIC_URL", "http://localhost")]).await;
        let mut add = server
            .command(&["admin", "user", "add", "--role", "survivor", "--username", "ruby", "--password-stdin"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        std::io::Write::write_all(&mut add.stdin.take().unwrap(), format!("{PASSWORD}\n").as_bytes()).unwrap();
        let printed = String::from_utf8(add.wait_with_output().unwrap().stdout).unwrap();
        let key = printed.split(": ").last().unwrap().trim().to_owned();
        let browser = server.browser("ruby").await;
        crate::shredding::add_passkey(&server, &browser).await;
        let passkeys = "SELECT wrapped_key FROM passkeys WHERE user_id = (SELECT id FROM users WHERE username = $1)";
        assert_eq!(server.sql_bytes(passkeys, "ruby").await.len(), 1);

        let form = [("username", "ruby"), ("recovery_key", key.as_str()), ("password", "a new long password")];
        let res = browser_client().post(format!("{}/recover", server.url)).form(&form).send().await.unwrap();
        assert_eq!(res.status(), 200);
        assert!(server.sql_bytes(passkeys, "ruby").await.is_empty(), "her passkeys are off");
        let (status, answer) = {
            let res = browser_client()
                .post(format!("{}/login/passkey/start", server.url))
                .json(&json!({"username": "ruby"}))
                .send()
                .await
                .unwrap();
            (res.status().as_u16(), res.text().await.unwrap())
        };
        // Her passkeys are gone: the answer is a made-up ceremony, as for any name without one.
        assert_eq!(status, 200, "{answer}");
        assert!(!answer.contains("There is no passkey"));
    }
}

#[test]
fn a_server_refuses_password_costs_below_the_owasp_minimum() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_lodge"))
        .args(["admin", "user", "add", "--role", "survivor", "--username", "alice", "--password-stdin", "--data-dir"])
        .arg(dir.path())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("LODGE_ARGON2_MEMORY_KIB", "4096")
        .env("LODGE_ARGON2_ITERATIONS", "1")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("below OWASP's minimum"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
