//! What only the pages could do before, through the API, with the pages' rules: sharing (a
//! grant made, changed and ended, a police link made, opened by the officer and withdrawn,
//! the access log), her inbox (a link, a report through it, accepted), her account (password,
//! recovery key, safety, reminders, sessions, the authenticator app and passkeys — their
//! ceremonies as JSON, signing in with one and as the second step), administration and
//! Your Voice; and a malformed body named by its field.

use serde_json::{Value, json};
use webauthn_authenticator_rs::WebauthnAuthenticator;
use webauthn_authenticator_rs::prelude::{CreationChallengeResponse, RequestChallengeResponse, Url};
use webauthn_authenticator_rs::softpasskey::SoftPasskey;

use crate::harness::{Api, PASSWORD, Server, backends, incident};
use crate::safety::{at_start_of_a_step, code};

async fn status(req: reqwest::RequestBuilder) -> (u16, Value) {
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn sharing_and_the_inbox_through_the_api() {
    for backend in backends().await {
        let server = Server::start_with(backend, &[("LODGE_PUBLIC_URL", "http://lodge.example")]).await;
        server.add_user("survivor", "alice");
        server.add_user("support_worker", "sam");
        let alice = server.api("alice").await;
        let sam = server.api("sam").await;
        let case = alice.create_case("Messages from @wolf").await;
        alice.create_incident(&case, incident("he found my new number")).await;

        // A grant, as read; then changed to read-and-add; then ended.
        let granted = alice
            .json(alice.post(&format!("/api/v1/cases/{case}/grants")).json(&json!({"username": "sam"})), 201)
            .await;
        assert_eq!(granted["access"], "read");
        let user = granted["user"].as_str().unwrap().to_owned();
        let (refused, _) = status(sam.post(&format!("/api/v1/cases/{case}/incidents")).json(&incident("x"))).await;
        assert_eq!(refused, 403, "a reader cannot add");
        let (owner_only, _) = status(sam.get(&format!("/api/v1/cases/{case}/grants"))).await;
        assert_eq!(owner_only, 403, "only she shares her case");
        let changed = alice
            .json(alice.put(&format!("/api/v1/cases/{case}/grants/{user}")).json(&json!({"access": "write"})), 200)
            .await;
        assert_eq!(changed["access"], "write");
        sam.create_incident(&case, incident("Sam adds what she told him")).await;
        let log = alice.json(alice.get(&format!("/api/v1/cases/{case}/access-log")), 200).await;
        assert!(log.as_array().unwrap().iter().any(|l| l["who"].as_str().unwrap().starts_with("sam")), "{log}");
        let (ended, _) = status(alice.delete(&format!("/api/v1/cases/{case}/grants/{user}"))).await;
        assert_eq!(ended, 204);
        let (gone, _) = status(sam.get(&format!("/api/v1/cases/{case}/incidents"))).await;
        assert_eq!(gone, 404, "his access ended with the grant");

        // A police link, made with the report it shows; the officer opens it; withdrawn.
        let made = alice
            .json(
                alice.post(&format!("/api/v1/cases/{case}/police-links")).json(&json!({
                    "label": "PC Smith", "days": 30,
                    "report": {"subject_name": "Alice", "redact": ["places"], "from": "2025-01-01"}
                })),
                201,
            )
            .await;
        let link = made["link"].as_str().unwrap();
        assert!(link.starts_with("http://lodge.example/shared#"), "{link}");
        let secret = link.split('#').nth(1).unwrap().to_owned();
        let links = alice.json(alice.get(&format!("/api/v1/cases/{case}/police-links")), 200).await;
        assert_eq!((links[0]["label"].as_str(), links[0]["from"].as_str()), (Some("PC Smith"), Some("2025-01-01")));
        assert_eq!(links[0]["redact"], json!(["places"]));
        let officer = crate::harness::browser_client();
        let opened = crate::police_links::open_when_ready(&server, &secret, "").await;
        assert!(opened.contains("he found my new number"));
        let share = made["id"].as_str().unwrap();
        let (withdrawn, _) = status(alice.delete(&format!("/api/v1/cases/{case}/police-links/{share}"))).await;
        assert_eq!(withdrawn, 204);
        let after = officer.post(format!("{}/shared", server.url)).form(&[("link", secret.as_str())]).send().await;
        assert_ne!(after.unwrap().status(), 200, "a withdrawn link opens nothing");

        // Her inbox: a link, a report through it, accepted as an incident.
        let made = alice
            .json(alice.post(&format!("/api/v1/cases/{case}/inbox-links")).json(&json!({"label": "Jo"})), 201)
            .await;
        let inbox = made["link"].as_str().unwrap().replace("http://lodge.example", &server.url);
        let form = reqwest::multipart::Form::new()
            .text("from", "Jo")
            .text("when", "Saturday evening")
            .text("description", "I saw him outside her flat")
            .part("files", reqwest::multipart::Part::bytes(b"photo".to_vec()).file_name("outside.jpg"));
        let sent = officer.post(&inbox).multipart(form).send().await.unwrap();
        assert!(sent.status().is_success(), "{}", sent.status());
        let waiting = alice.json(alice.get(&format!("/api/v1/cases/{case}/inbox")), 200).await;
        assert_eq!(waiting[0]["from"], "Jo");
        assert_eq!(waiting[0]["files"][0]["size"], 5);
        let submission = waiting[0]["id"].as_str().unwrap();
        let file = alice.get(&format!("/api/v1/cases/{case}/inbox/{submission}/files/0")).send().await.unwrap();
        assert_eq!(file.bytes().await.unwrap().as_ref(), b"photo");
        let accepted = alice.json(alice.post(&format!("/api/v1/cases/{case}/inbox/{submission}/accept")), 201).await;
        let incident_id = accepted["incident"].as_str().unwrap();
        let kept = alice.json(alice.get(&format!("/api/v1/cases/{case}/incidents/{incident_id}")), 200).await;
        assert_eq!(kept["body"]["submitted_by"], "Jo");
        let links = alice.json(alice.get(&format!("/api/v1/cases/{case}/inbox-links")), 200).await;
        let link_id = links[0]["id"].as_str().unwrap();
        let (withdrawn, _) = status(alice.delete(&format!("/api/v1/cases/{case}/inbox-links/{link_id}"))).await;
        assert_eq!(withdrawn, 204);
        let links = alice.json(alice.get(&format!("/api/v1/cases/{case}/inbox-links")), 200).await;
        assert_eq!(links[0]["live"], false);
    }
}

#[tokio::test]
async fn her_account_and_second_steps_through_the_api() {
    let server = Server::start_with(crate::harness::Backend::Sqlite, &[("LODGE_PUBLIC_URL", "http://localhost")]).await;
    server.add_user("survivor", "ruby");
    let ruby = server.api("ruby").await;
    let account = ruby.json(ruby.get("/api/v1/account"), 200).await;
    assert_eq!((account["username"].as_str(), account["two_step"].as_bool()), (Some("ruby"), Some(false)));

    // A wrong current password is her mistake, named by its field; the session stays.
    let wrong = json!({"current_password": "not my password", "new_password": "a whole new passphrase"});
    let (got, body) = status(ruby.put("/api/v1/account/password").json(&wrong)).await;
    assert_eq!((got, body["problems"][0]["field"].as_str()), (422, Some("current_password")));
    let (got, body) = status(ruby.post("/api/v1/account/recovery-key").json(&json!({"password": "wrong"}))).await;
    assert_eq!((got, body["problems"][0]["field"].as_str()), (422, Some("password")));
    let fresh = ruby.json(ruby.post("/api/v1/account/recovery-key").json(&json!({"password": PASSWORD})), 201).await;
    assert_eq!(fresh["recovery_key"].as_str().unwrap().split('-').count(), 13);

    let safety = json!({"neutral_title": true, "app_name": "Recipes", "idle_minutes": 15});
    assert_eq!(status(ruby.put("/api/v1/account/safety").json(&safety)).await.0, 204);
    let account = ruby.json(ruby.get("/api/v1/account"), 200).await;
    assert_eq!(account["safety"], safety);

    // The authenticator app: set up and confirmed with a code; signing in then needs one.
    let key = ruby.json(ruby.post("/api/v1/account/two-step"), 201).await;
    let secret = key["secret"].as_str().unwrap().to_owned();
    at_start_of_a_step().await;
    let confirm = json!({"password": PASSWORD, "secret": secret, "code": code(&secret, 0)});
    assert_eq!(status(ruby.post("/api/v1/account/two-step/confirm").json(&confirm)).await.0, 204);
    let bare = reqwest::Client::new();
    let sign_in = |body: Value| bare.post(format!("{}/api/v1/session", server.url)).json(&body);
    let (needs, _) = status(sign_in(json!({"username": "ruby", "password": PASSWORD}))).await;
    assert_eq!(needs, 401, "no code, no session");
    let (with_code, _) =
        status(sign_in(json!({"username": "ruby", "password": PASSWORD, "code": code(&secret, 1)}))).await;
    assert_eq!(with_code, 200);

    // A passkey, added by its ceremony as JSON, signing in on its own with the device key.
    let origin = Url::parse(&format!("http://localhost:{}", server.url.rsplit(':').next().unwrap())).unwrap();
    let mut phone = WebauthnAuthenticator::new(SoftPasskey::new(true));
    let started =
        ruby.json(ruby.post("/api/v1/account/passkeys/start").json(&json!({"password": PASSWORD})), 201).await;
    let options: CreationChallengeResponse = serde_json::from_value(started["options"].clone()).unwrap();
    let answer = phone.do_registration(origin.clone(), options).unwrap();
    let body = json!({"ceremony": started["ceremony"], "answer": answer, "name": "my phone", "signs_in": true});
    let added = ruby.json(ruby.post("/api/v1/account/passkeys/finish").json(&body), 201).await;
    let device_key = added["device_key"].as_str().unwrap().to_owned();
    let public = |path: &str, body: Value| bare.post(format!("{}/api/v1{path}", server.url)).json(&body);
    let (got, started) = status(public("/session/passkey/start", json!({"username": "ruby"}))).await;
    assert_eq!(got, 201);
    let options: RequestChallengeResponse = serde_json::from_value(started["options"].clone()).unwrap();
    let answer = phone.do_authentication(origin.clone(), options).unwrap();
    let finish = json!({"ceremony": started["ceremony"], "answer": answer, "device_key": device_key});
    let (got, session) = status(public("/session/passkey/finish", finish)).await;
    assert_eq!(got, 201, "{session}");
    let by_passkey =
        Api { client: bare.clone(), base: server.url.clone(), token: session["token"].as_str().unwrap().into() };
    by_passkey.json(by_passkey.get("/api/v1/cases"), 200).await;

    // The passkey as the second step after her password; the waiting session opens nothing.
    let first = json!({"username": "ruby", "password": PASSWORD});
    let (got, started) = status(public("/session/second-step/passkey/start", first)).await;
    assert_eq!(got, 201, "{started}");
    let pending = started["pending"].as_str().unwrap().to_owned();
    let waiting = Api { client: bare.clone(), base: server.url.clone(), token: pending.clone() };
    assert_eq!(status(waiting.get("/api/v1/cases")).await.0, 401, "half signed in is not signed in");
    let options: RequestChallengeResponse = serde_json::from_value(started["options"].clone()).unwrap();
    let answer = phone.do_authentication(origin, options).unwrap();
    let finish = json!({"pending": pending, "ceremony": started["ceremony"], "answer": answer});
    let (got, _) = status(public("/session/second-step/passkey/finish", finish)).await;
    assert_eq!(got, 201);
    waiting.json(waiting.get("/api/v1/cases"), 200).await;

    // Where she is signed in; the others signed out; the passkey and the app removed.
    let places = ruby.json(ruby.get("/api/v1/account/sessions"), 200).await;
    assert!(places.as_array().unwrap().len() >= 3, "{places}");
    assert_eq!(status(ruby.post("/api/v1/account/sessions/end-others")).await.0, 204);
    assert_eq!(status(waiting.get("/api/v1/cases")).await.0, 401);
    let account = ruby.json(ruby.get("/api/v1/account"), 200).await;
    let passkey = account["passkeys"][0]["id"].as_str().unwrap();
    let remove = ruby.post(&format!("/api/v1/account/passkeys/{passkey}/remove")).json(&json!({"password": PASSWORD}));
    assert_eq!(status(remove).await.0, 204);
    assert_eq!(status(ruby.post("/api/v1/account/two-step/off").json(&json!({"password": PASSWORD}))).await.0, 204);
    let account = ruby.json(ruby.get("/api/v1/account"), 200).await;
    assert_eq!((account["two_step"].as_bool(), account["passkeys"].as_array().map(Vec::len)), (Some(false), Some(0)));

    // Deleting her data needs her password and a plain yes; then the token opens nothing.
    let (got, body) =
        status(ruby.post("/api/v1/account/delete").json(&json!({"password": PASSWORD, "confirm": false}))).await;
    assert_eq!((got, body["problems"][0]["field"].as_str()), (422, Some("confirm")));
    assert_eq!(
        status(ruby.post("/api/v1/account/delete").json(&json!({"password": PASSWORD, "confirm": true}))).await.0,
        204
    );
    assert_eq!(status(ruby.get("/api/v1/account")).await.0, 401);
}

#[tokio::test]
async fn administration_joining_and_your_voice_through_the_api() {
    let server =
        Server::start_with(crate::harness::Backend::Sqlite, &[("LODGE_PUBLIC_URL", "http://lodge.example")]).await;
    server.add_user("administrator", "ada");
    server.add_user("survivor", "alice");
    let ada = server.api("ada").await;
    let alice = server.api("alice").await;
    assert_eq!(status(alice.get("/api/v1/admin/accounts")).await.0, 403);

    // An invitation, listed while open; an account made with it; another withdrawn.
    let made = ada
        .json(
            ada.post("/api/v1/admin/invitations").json(&json!({"role": "support_worker", "label": "new caseworker"})),
            201,
        )
        .await;
    assert!(made["link"].as_str().unwrap().starts_with("http://lodge.example/join/"));
    let open = ada.json(ada.get("/api/v1/admin/invitations"), 200).await;
    assert_eq!((open[0]["label"].as_str(), open[0]["role"].as_str()), (Some("new caseworker"), Some("support_worker")));
    let bare = reqwest::Client::new();
    let join = json!({"username": "wren", "password": "a long enough password", "invitation": made["token"]});
    let (got, joined) = status(bare.post(format!("{}/api/v1/accounts", server.url)).json(&join)).await;
    assert_eq!(got, 201, "{joined}");
    assert_eq!(joined["recovery_key"].as_str().unwrap().split('-').count(), 13);
    let wren = Api { client: bare.clone(), base: server.url.clone(), token: joined["token"].as_str().unwrap().into() };
    assert_eq!(wren.json(wren.get("/api/v1/account"), 200).await["role"], "support_worker");
    let other = ada.json(ada.post("/api/v1/admin/invitations").json(&json!({"role": "survivor"})), 201).await;
    let id = ada.json(ada.get("/api/v1/admin/invitations"), 200).await[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(status(ada.delete(&format!("/api/v1/admin/invitations/{id}"))).await.0, 204);
    let late = json!({"username": "late", "password": "a long enough password", "invitation": other["token"]});
    let (got, _) = status(bare.post(format!("{}/api/v1/accounts", server.url)).json(&late)).await;
    assert_eq!(got, 422, "a withdrawn invitation makes no account");

    // Sign-up without an invitation: closed, then opened.
    let open_sign_up = json!({"username": "mira", "password": "a long enough password"});
    let (got, _) = status(bare.post(format!("{}/api/v1/accounts", server.url)).json(&open_sign_up)).await;
    assert_eq!(got, 403);
    assert_eq!(ada.json(ada.put("/api/v1/admin/sign-up").json(&json!({"open": true})), 200).await["open"], true);
    let (got, _) = status(bare.post(format!("{}/api/v1/accounts", server.url)).json(&open_sign_up)).await;
    assert_eq!(got, 201);

    // An account switched off cannot use its token; switched on, it signs in again.
    let accounts = ada.json(ada.get("/api/v1/admin/accounts"), 200).await;
    let alices = accounts.as_array().unwrap().iter().find(|a| a["username"] == "alice").unwrap()["id"].clone();
    let alices = alices.as_str().unwrap();
    assert_eq!(status(ada.post(&format!("/api/v1/admin/accounts/{alices}/disable"))).await.0, 204);
    assert_eq!(status(alice.get("/api/v1/cases")).await.0, 401);
    assert_eq!(status(ada.post(&format!("/api/v1/admin/accounts/{alices}/enable"))).await.0, 204);
    let alice = server.api("alice").await;

    // Your Voice: anyone sends; staff read and export; a survivor cannot read.
    let feedback = json!({"message": "The inbox link helped my sister help me", "rating": 5});
    assert_eq!(status(bare.post(format!("{}/api/v1/your-voice", server.url)).json(&feedback)).await.0, 202);
    let read = ada.json(ada.get("/api/v1/your-voice"), 200).await;
    assert_eq!(read["readable"], true);
    assert_eq!(read["responses"][0]["rating"], 5);
    let csv = ada.get("/api/v1/your-voice.csv").send().await.unwrap().text().await.unwrap();
    assert!(csv.contains("The inbox link helped my sister help me"));
    assert_eq!(status(alice.get("/api/v1/your-voice")).await.0, 403);
}

#[tokio::test]
async fn a_malformed_body_is_answered_with_its_field_and_why() {
    let server = Server::start(crate::harness::Backend::Sqlite).await;
    server.add_user("survivor", "alice");
    let alice = server.api("alice").await;
    let case = alice.create_case("a case").await;
    let post = |body: Value| alice.post(&format!("/api/v1/cases/{case}/incidents")).json(&body);

    // Not the shape the schema gives: 400, named by its path.
    let (got, body) = status(post(json!({"occurred": {"kind": "exact", "at": 5}, "description": "x"}))).await;
    assert_eq!((got, body["problems"][0]["field"].as_str()), (400, Some("occurred.at")), "{body}");
    let (got, body) = status(post(json!({"occurred": {"kind": "sometime"}, "description": "x"}))).await;
    assert_eq!((got, body["problems"][0]["field"].as_str()), (400, Some("occurred.kind")), "{body}");
    let (got, body) = status(post(json!({"occurred": {"kind": "exact"}, "description": "x"}))).await;
    assert_eq!((got, body["problems"][0]["field"].as_str()), (422, Some("occurred.at")), "{body}");
    let (got, body) = status(post(json!({"description": "x"}))).await;
    assert_eq!((got, body["problems"][0]["field"].as_str()), (400, Some("occurred")), "{body}");
    assert!(body["problems"][0]["message"].as_str().unwrap().contains("needed"), "{body}");

    // The shape is right but it names nothing Lodge can use (no clock has that time, no person
    // has that id, April has no 31st): 422, the same field and why.
    let (got, body) =
        status(post(json!({"occurred": {"kind": "exact", "at": "2025-05-03T21:15:00+01:00[Nowhere/Atlantis]"}}))).await;
    assert_eq!((got, body["problems"][0]["field"].as_str()), (422, Some("occurred.at")), "{body}");
    assert!(body["problems"][0]["message"].as_str().unwrap().contains("RFC 9557"), "{body}");
    let at = "2025-05-03T21:15:00+01:00[Europe/London]";
    let (got, body) = status(post(json!({"occurred": {"kind": "exact", "at": at}, "people": ["him"]}))).await;
    assert_eq!((got, body["problems"][0]["field"].as_str()), (422, Some("people[0]")), "{body}");
    assert!(body["problems"][0]["message"].as_str().unwrap().contains("UUID"), "{body}");
    let report =
        alice.post(&format!("/api/v1/cases/{case}/reports")).json(&json!({"subject_name": "A", "from": "2025-04-31"}));
    let (got, body) = status(report).await;
    assert_eq!((got, body["problems"][0]["field"].as_str()), (422, Some("from")), "{body}");
}
