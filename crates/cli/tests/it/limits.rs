//! Guessing limits, tried as her stalker would: he has her password and guesses her codes in
//! fresh sign-ins and API requests; he guesses a police link's passphrase, or her recovery key;
//! he sends a burst of sign-ins at once. Each secret is counted before it is checked, held back
//! after five, answered 429 with `Retry-After` (never 500), and while held the right secret
//! waits too.

use std::process::Stdio;

use serde_json::json;

use crate::harness::{Backend, PASSWORD, Server, backends, csrf};
use crate::safety::{at_start_of_a_step, between, code, page_sign_in};

/// Turns on her authenticator app; returns its secret.
async fn turn_on_codes(server: &Server, username: &str) -> String {
    let browser = server.browser(username).await;
    let account = browser.get(format!("{}/account", server.url)).send().await.unwrap().text().await.unwrap();
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
    let fields =
        [("csrf", token), ("secret", secret.clone()), ("password", PASSWORD.into()), ("code", code(&secret, 0))];
    let on = browser.post(format!("{}/account/two-step/confirm", server.url)).form(&fields).send().await.unwrap();
    assert!(on.text().await.unwrap().contains("Two-step sign-in is on."));
    secret
}

fn held(res: &reqwest::Response) -> bool {
    res.status() == 429 && res.headers().contains_key("retry-after")
}

#[tokio::test]
async fn second_step_codes_are_held_back_after_five_across_fresh_sign_ins_and_api_requests() {
    for backend in backends().await {
        at_start_of_a_step().await;
        let server = Server::start(backend).await;
        server.add_user("survivor", "alice");
        let secret = turn_on_codes(&server, "alice").await;
        let api = reqwest::Client::new();
        let by_api = |code: String| {
            api.post(format!("{}/api/v1/session", server.url))
                .json(&json!({"username": "alice", "password": PASSWORD, "code": code}))
                .send()
        };
        let mut checked = 0;
        let mut refused = 0;
        for n in 0..40 {
            // Alternate: a fresh page sign-in with a wrong code, and an API request with both.
            let wrong = format!("{:06}", (n * 7919 + 1) % 1_000_000);
            let res = if n % 2 == 0 {
                let (client, signed) = page_sign_in(&server, "alice", PASSWORD).await;
                assert_eq!(signed.status(), 303, "her password is right");
                client.post(format!("{}/login/code", server.url)).form(&[("code", wrong)]).send().await.unwrap()
            } else {
                by_api(wrong).await.unwrap()
            };
            assert!(res.status() != 500);
            if held(&res) {
                refused += 1;
            } else {
                checked += 1;
            }
        }
        assert_eq!((checked, refused), (5, 35), "five codes checked, the rest held back");
        // The right code waits too.
        assert!(held(&by_api(code(&secret, 0)).await.unwrap()));
        let (client, _) = page_sign_in(&server, "alice", PASSWORD).await;
        let right = client.post(format!("{}/login/code", server.url)).form(&[("code", code(&secret, 0))]).send().await;
        assert!(held(&right.unwrap()));
    }
}

#[tokio::test]
async fn a_police_link_passphrase_is_held_back_after_five() {
    let server = Server::start(Backend::Sqlite).await;
    let (_, link, _) = crate::police_links::case_with_a_link(&server, "blue kettle lamp").await;
    crate::police_links::open_when_ready(&server, &link, "blue kettle lamp").await;
    let mut statuses = Vec::new();
    for n in 0..12 {
        statuses.push(crate::police_links::open_link(&server, &link, &format!("wrong guess {n}")).await.0);
    }
    assert_eq!(statuses.iter().filter(|s| **s == 400).count(), 5, "{statuses:?}");
    assert!(statuses[5..].iter().all(|s| *s == 429), "{statuses:?}");
    let (status, html) = crate::police_links::open_link(&server, &link, "blue kettle lamp").await;
    assert_eq!(status, 429, "the right passphrase waits too");
    assert!(html.contains("Too many tries"));
}

#[tokio::test]
async fn recovery_keys_are_held_back_after_five() {
    let server = Server::start(Backend::Sqlite).await;
    let mut child = server
        .command(&["admin", "user", "add", "--role", "survivor", "--username", "alice", "--password-stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), format!("{PASSWORD}\n").as_bytes()).unwrap();
    let out = String::from_utf8(child.wait_with_output().unwrap().stdout).unwrap();
    let key = out.lines().find_map(|l| l.split("account holder): ").nth(1)).unwrap().trim().to_owned();
    let recover = |key: String| {
        reqwest::Client::new()
            .post(format!("{}/recover", server.url))
            .form(&[
                ("username", "alice".to_owned()),
                ("recovery_key", key),
                ("password", "a brand new password".into()),
            ])
            .send()
    };
    let mut statuses = Vec::new();
    for _ in 0..8 {
        let guess = lodge_crypto::RecoveryKey::generate().unwrap().display_text().to_string();
        let res = recover(guess).await.unwrap();
        statuses.push((res.status().as_u16(), res.headers().contains_key("retry-after")));
    }
    assert!(statuses[..5].iter().all(|s| s.0 == 400), "{statuses:?}");
    assert!(statuses[5..].iter().all(|s| *s == (429, true)), "{statuses:?}");
    assert_eq!(recover(key).await.unwrap().status(), 429, "the right key waits too");
}

#[tokio::test]
async fn a_burst_of_sign_ins_at_the_default_cost_is_counted_before_it_is_checked() {
    for backend in backends().await {
        // The default Argon2 cost (19 MiB, 2 passes), as an organisation runs it.
        let server =
            Server::start_with(backend, &[("LODGE_ARGON2_MEMORY_KIB", "19456"), ("LODGE_ARGON2_ITERATIONS", "2")])
                .await;
        server.add_user("survivor", "alice");
        let client = reqwest::Client::new();
        let tries = (0..40).map(|n| {
            client
                .post(format!("{}/api/v1/session", server.url))
                .json(&json!({"username": "alice", "password": format!("guess {n}")}))
                .send()
        });
        let statuses: Vec<u16> =
            futures_util::future::join_all(tries).await.into_iter().map(|r| r.unwrap().status().as_u16()).collect();
        assert!(!statuses.contains(&500), "{statuses:?}");
        assert_eq!(statuses.iter().filter(|s| **s == 401).count(), 5, "only five were checked: {statuses:?}");
        assert!(statuses.iter().all(|s| *s == 401 || *s == 429), "{statuses:?}");
    }
}

#[tokio::test]
async fn a_flood_of_text_fields_through_an_inbox_link_is_refused_in_bounded_memory() {
    let server = Server::start(Backend::Sqlite).await;
    server.add_user("survivor", "alice");
    let alice = server.api("alice").await;
    let case = alice.create_case("Messages from @wolf").await;
    let browser = server.browser("alice").await;
    let inbox = format!("/cases/{case}/inbox");
    let (_, html) =
        crate::sharing::post_form(&browser, &server, &inbox, &format!("{inbox}/links"), &[("inbox_label", "Sam")])
            .await;
    let start = html.find("/inbox/").unwrap();
    let link = html[start..start + html[start..].find(['"', '<']).unwrap()].to_owned();
    let friend = reqwest::Client::new();
    // A form that is right in itself is still refused for its size: 200 fields of 20 KiB.
    let mut many = reqwest::multipart::Form::new().text("from", "Sam").text("description", "he followed her");
    for n in 0..200 {
        many = many.text(format!("extra{n}"), "x".repeat(20 * 1024));
    }
    let refused = friend.post(format!("{}{link}", server.url)).multipart(many).send().await.unwrap();
    assert_eq!(refused.status(), 400);
    assert!(refused.text().await.unwrap().contains("too much text to send in one go"));

    // 400 fields of 1 MiB (400 MiB, no account needed): refused, and the server's memory
    // grows by a small part of it (the old code held every field).
    let before = server.peak_memory_kib().unwrap();
    let mut flood = reqwest::multipart::Form::new();
    for n in 0..400 {
        flood = flood.text(format!("f{n}"), "y".repeat(1024 * 1024));
    }
    let answered = friend.post(format!("{}{link}", server.url)).multipart(flood).send().await;
    if let Ok(res) = answered {
        assert!(res.status() == 400 || res.status() == 413, "{}", res.status());
    }
    let grew_mib = (server.peak_memory_kib().unwrap().saturating_sub(before)) / 1024;
    assert!(grew_mib < 96, "the server's peak memory grew by {grew_mib} MiB");
}

#[tokio::test]
async fn one_invitation_cannot_list_the_names_taken_and_your_voice_cannot_be_flooded() {
    let server = Server::start(Backend::Sqlite).await;
    server.add_user("administrator", "admin");
    let link = server.invitation(&server.browser("admin").await, "survivor").await;
    let client = reqwest::Client::new();
    let mut answers = Vec::new();
    // Each try a name that is taken (the administrator's), as someone listing names would.
    for _ in 0..8 {
        let res = client.post(&link).form(&[("username", "admin"), ("password", PASSWORD)]).send().await.unwrap();
        let status = (res.status().as_u16(), res.headers().contains_key("retry-after"));
        answers.push((status, res.text().await.unwrap()));
    }
    let said = |n: usize, what: &str| answers[n].0 == (400, false) && answers[n].1.contains(what);
    assert!(said(0, "That username is taken. Choose another.") && said(1, "That username is taken. Choose another."));
    assert!(said(2, "this invitation link is now used up"), "the third answer uses the link up");
    for (n, answer) in answers.iter().enumerate().skip(3) {
        assert!(said(n, "This invitation link has been used or has expired"), "{answer:?}");
    }
    // The link is used up for a free name too.
    let free = client.post(&link).form(&[("username", "newcomer"), ("password", PASSWORD)]).send().await.unwrap();
    assert!(free.text().await.unwrap().contains("This invitation link has been used or has expired"));

    let mut sent = Vec::new();
    for n in 0..25 {
        let res = client
            .post(format!("{}/your-voice", server.url))
            .form(&[("message", format!("response {n}"))])
            .send()
            .await
            .unwrap();
        sent.push(res.status().as_u16());
    }
    assert!(sent[..20].iter().all(|s| *s == 200) && sent[20..].iter().all(|s| *s == 429), "{sent:?}");
}

/// The shape of a JSON value: its keys and the kinds of its values, recursively, with the
/// number of items of each list.
fn shape(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Object(map) => {
            let inner: Vec<String> = map.iter().map(|(k, v)| format!("{k}:{}", shape(v))).collect();
            format!("{{{}}}", inner.join(","))
        }
        serde_json::Value::Array(items) => format!("[{}]", items.iter().map(shape).collect::<Vec<_>>().join(",")),
        serde_json::Value::String(_) => "s".into(),
        serde_json::Value::Number(_) => "n".into(),
        serde_json::Value::Bool(_) => "b".into(),
        serde_json::Value::Null => "null".into(),
    }
}

#[tokio::test]
async fn a_passkey_sign_in_answers_alike_for_a_name_with_a_passkey_without_one_and_unknown() {
    let server = Server::start_with(Backend::Sqlite, &[("LODGE_PUBLIC_URL", "http://localhost")]).await;
    server.add_user("survivor", "alice");
    server.add_user("survivor", "bob");
    let browser = server.browser("alice").await;
    crate::shredding::add_passkey(&server, &browser).await;
    let start = |name: &'static str| {
        let server = &server;
        async move {
            let res = reqwest::Client::new()
                .post(format!("{}/login/passkey/start", server.url))
                .json(&json!({"username": name}))
                .send()
                .await
                .unwrap();
            let status = res.status().as_u16();
            (status, res.json::<serde_json::Value>().await.unwrap())
        }
    };
    let (with, real) = start("alice").await;
    let (without, none) = start("bob").await;
    let (unknown, nobody) = start("nobody-at-all").await;
    assert_eq!((with, without, unknown), (200, 200, 200));
    assert_eq!(shape(&real), shape(&none), "{real}\n{none}");
    assert_eq!(shape(&real), shape(&nobody));
    // A made-up credential is the same for the same name every time, as a real one is.
    let again = start("nobody-at-all").await.1;
    let id = |v: &serde_json::Value| v["options"]["publicKey"]["allowCredentials"][0]["id"].clone();
    assert_eq!(id(&nobody), id(&again));
    assert_ne!(id(&nobody), id(&none));
    // Finishing a made-up ceremony fails as a wrong passkey does.
    let finish = reqwest::Client::new()
        .post(format!("{}/login/passkey/finish", server.url))
        .json(&json!({"ceremony": nobody["ceremony"], "answer": {}}))
        .send()
        .await
        .unwrap();
    assert_eq!(finish.status(), 400);
    assert!(finish.text().await.unwrap().contains("did not answer as expected"));
}
