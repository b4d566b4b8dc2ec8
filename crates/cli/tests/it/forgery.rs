//! Cross-site request forgery, from the route table: every form a signed-in person sends —
//! url-encoded or with files — is refused with the page that says to reload and send it again
//! when its anti-forgery token is not hers, and changes nothing. A page added without the
//! check fails here.

use serde_json::json;

use crate::authorization::{Ids, fill, with_body};
use crate::harness::{Backend, Server, incident, png};

/// Signed-in page routes that take no form: the page a passkey form without JavaScript
/// lands on (it only says JavaScript is needed), and the passkey ceremonies, whose token
/// travels in a header (checked below).
const NO_FORM: &[&str] = &["/account/passkeys", "/account/passkeys/start", "/account/passkeys/finish"];

#[tokio::test]
async fn every_signed_in_form_refuses_a_forged_token() {
    let server = Server::start(Backend::Sqlite).await;
    server.add_user("survivor", "alice");
    server.add_user("administrator", "admin");
    let api = server.api("alice").await;
    let case = api.create_case("Alice's case").await;
    let person =
        api.json(api.post(&format!("/api/v1/cases/{case}/people")).json(&json!({"label": "@wolf"})), 201).await;
    let inc = api.create_incident(&case, incident("first message")).await;
    let evidence = api.upload(&case, inc["id"].as_str(), "shot.png", png(40, 40)).await;
    let ids = Ids {
        case: case.clone(),
        incident: inc["id"].as_str().unwrap().into(),
        person: person["id"].as_str().unwrap().into(),
        evidence: evidence["id"].as_str().unwrap().into(),
    };
    let (alice, admin) = (server.browser("alice").await, server.browser("admin").await);
    use lodge_web::Allowed::*;
    let mut checked = 0;
    for route in lodge_web::route_table() {
        let signed_in = matches!(route.allowed, SignedIn | Survivor | Admin | Staff | CaseRead | CaseWrite | CaseOwner);
        if route.method != "POST" || route.path.starts_with("/api/") || !signed_in || NO_FORM.contains(&&*route.path) {
            continue;
        }
        let (path, _) = fill(&route, &ids, "");
        let browser = if route.allowed == Admin { &admin } else { &alice };
        let req =
            with_body(browser.post(format!("{}{path}", server.url)), "POST", &path, route.takes_files, "forged", &ids);
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        let body = res.text().await.unwrap();
        assert_eq!(status, 403, "POST {} with a forged token gave {status}", route.path);
        assert!(body.contains("Please try again"), "POST {} does not say to reload and send again", route.path);
        checked += 1;
    }
    assert!(checked > 50, "only {checked} forms were checked");

    // The passkey ceremonies carry the token in a header.
    for path in ["/account/passkeys/start", "/account/passkeys/finish"] {
        let res = alice
            .post(format!("{}{path}", server.url))
            .header("x-lodge-form", "forged")
            .json(&json!({"password": "x", "ceremony": uuid::Uuid::new_v4(), "answer": {}, "name": "x", "signs_in": false}))
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        let body = res.text().await.unwrap();
        assert!(status == 400 && body.contains("open too long"), "{path} with a forged token gave {status}: {body}");
    }

    // Nothing changed: the case, its incident and its file are as they were.
    let still = api.json(api.get(&format!("/api/v1/cases/{case}/incidents/{}", ids.incident)), 200).await;
    assert_eq!(still["version"], 1);
    let files = api.json(api.get(&format!("/api/v1/cases/{case}/evidence")), 200).await;
    assert_eq!(files.as_array().unwrap().len(), 1);
    assert_eq!(api.json(api.get(&format!("/api/v1/cases/{case}")), 200).await["title"], "Alice's case");
}
