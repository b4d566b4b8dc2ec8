//! A database writer against her record: each way of changing a case's rows behind Lodge's
//! back is found when she opens the case, named on the page and by the verify route, left out
//! of reports (which say so), and a bundle made before still verifies while a hand-edited one
//! fails and names the incident.

use lodge_crypto::{Aad, CasePublicKey};
use lodge_ledger::RecordBody;
use serde_json::{Value, json};

use crate::harness::{Api, Server, backends, csrf, incident};
use crate::reports::{pdf_text, report, verify};

/// What the verify route says was changed outside Lodge.
async fn changed(api: &Api, case: &str) -> Vec<String> {
    let check = api.json(api.get(&format!("/api/v1/cases/{case}/checkpoint/verify")), 200).await;
    check["changed"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_owned()).collect()
}

async fn fields(server: &Server, id: &str, version: i64) -> Vec<u8> {
    let rows = server.sql_bytes(&format!("SELECT fields FROM records WHERE id = $1 AND version = {version}"), id).await;
    rows.into_iter().next().unwrap()
}

async fn set_fields(server: &Server, id: &str, version: i64, bytes: &[u8]) {
    let statement = format!("UPDATE records SET fields = $1 WHERE id = $2 AND version = {version}");
    server.sql_set_bytes(&statement, bytes, id).await;
}

/// A record version sealed to the case's public key, as anyone who saw it could.
fn forged(public: &[u8], case: &str, id: &str) -> Vec<u8> {
    let fields = [
        ("description", json!("FORGED-7d1e: she made it all up")),
        ("occurred", json!({ "kind": "approximate", "description": "May" })),
    ];
    let body = RecordBody::new(fields.iter().map(|(k, v)| ((*k).to_owned(), v.to_string())).collect()).unwrap();
    let (case, id) = (uuid::Uuid::parse_str(case).unwrap(), uuid::Uuid::parse_str(id).unwrap());
    let aad = Aad::from_parts(&[b"record v2", case.as_bytes(), b"incident", id.as_bytes(), &1i64.to_be_bytes()]);
    let mut out = vec![2];
    out.extend(CasePublicKey::from_bytes(public).unwrap().seal(&aad, &serde_json::to_vec(&body).unwrap()).unwrap());
    out
}

/// The bundle unzipped, one incident's words changed in `records.json`, zipped again.
fn edited_by_hand(bundle: &[u8], from: &str, to: &str) -> Vec<u8> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bundle)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).unwrap();
        let name = file.name().unwrap().to_string();
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut file, &mut bytes).unwrap();
        if name == "records.json" {
            bytes = String::from_utf8(bytes).unwrap().replace(from, to).into();
        }
        out.start_file(name, zip::write::SimpleFileOptions::default()).unwrap();
        std::io::Write::write_all(&mut out, &bytes).unwrap();
    }
    out.finish().unwrap().into_inner()
}

#[tokio::test]
async fn a_database_writer_is_caught_wherever_she_reads() {
    for backend in backends().await {
        let server = Server::start(backend).await;
        server.add_user("survivor", "alice");
        let api = server.api("alice").await;
        let browser = server.browser("alice").await;
        let case = api.create_case("Integrity").await;
        let mut ids = Vec::new();
        for text in ["first words", "second words", "third words", "fourth words", "fifth words", "sixth words"] {
            ids.push(api.create_incident(&case, incident(text)).await["id"].as_str().unwrap().to_owned());
        }
        for n in [0, 3] {
            let edit = json!({ "version": 1, "body": incident(&format!("edited words {n}")) });
            api.json(api.put(&format!("/api/v1/cases/{case}/incidents/{}", ids[n])).json(&edit), 200).await;
        }
        let key = api.json(api.get(&format!("/api/v1/cases/{case}/checkpoint")), 200).await["verifier_key"]
            .as_str()
            .unwrap()
            .to_owned();
        let (before, _) = report(&api, &case, json!({ "format": "bundle", "subject_name": "Ruby" }), 200).await;
        let page_url = format!("{}/cases/{case}", server.url);
        let page = browser.get(&page_url).send().await.unwrap().text().await.unwrap();
        assert!(!page.contains("changed outside Lodge"));
        // An inbox link stores the case's public key in the clear.
        let made = browser
            .post(format!("{page_url}/inbox/links"))
            .form(&[("csrf", csrf(&page).as_str()), ("inbox_label", "Sam")])
            .send()
            .await
            .unwrap();
        assert!(made.status().is_success());
        let public = server.sql_bytes("SELECT public_key FROM inbox_links WHERE case_id = $1", &case).await.remove(0);
        assert!(changed(&api, &case).await.is_empty());

        // (a) An older version served as the newest: version 1's sealed words under version 2.
        let old = fields(&server, &ids[0], 1).await;
        set_fields(&server, &ids[0], 2, &old).await;
        // (b) A field cut away: the sealed body loses its end.
        let whole = fields(&server, &ids[1], 1).await;
        set_fields(&server, &ids[1], 1, &whole[..whole.len() - 20]).await;
        // (c) Another record's fields copied in.
        let other = fields(&server, &ids[5], 1).await;
        set_fields(&server, &ids[2], 1, &other).await;
        // (d) Words sealed to the case's public key.
        set_fields(&server, &ids[4], 1, &forged(&public, &case, &ids[4])).await;
        // (e) The newest version deleted.
        server.sql("DELETE FROM records WHERE id = $1 AND version = 2", &ids[3]).await;

        let found = changed(&api, &case).await;
        assert_eq!(found.len(), 5, "{found:?}");
        assert!(
            found.iter().all(|f| f.starts_with("An incident logged on ") && f.contains("was changed outside Lodge"))
        );
        let page = browser.get(&page_url).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("Something in this case was changed outside Lodge."));
        assert_eq!(
            page.matches("was changed outside Lodge on or after").count(),
            10,
            "five in the notice, five in the timeline"
        );
        for hidden in ["FORGED-7d1e", "first words", "edited words 3", "third words"] {
            assert!(!page.contains(hidden), "{hidden} is shown");
        }
        assert!(page.contains("sixth words"), "what was not touched is still shown");
        // A changed incident cannot be edited further.
        let edit = json!({ "version": 2, "body": incident("covering it up") });
        api.json(api.put(&format!("/api/v1/cases/{case}/incidents/{}", ids[0])).json(&edit), 409).await;

        // (f) A log entry changed: the last leaf's opening replaced by the one before.
        let openings =
            server.sql_bytes("SELECT opening FROM ledger_leaves WHERE case_id = $1 ORDER BY idx", &case).await;
        let last = openings.len() - 1;
        let statement = format!("UPDATE ledger_leaves SET opening = $1 WHERE case_id = $2 AND idx = {last}");
        server.sql_set_bytes(&statement, &openings[last - 1], &case).await;
        let found = changed(&api, &case).await;
        assert!(found.iter().any(|f| f.starts_with("The case's log was changed outside Lodge")), "{found:?}");
        let page = browser.get(&page_url).send().await.unwrap().text().await.unwrap();
        assert!(
            page.contains("The case&#39;s log was changed outside Lodge")
                || page.contains("The case's log was changed outside Lodge")
        );
        // Without keys, `lodge admin check-logs` sees the changed entry and the forged seal.
        let out = server.command(&["admin", "check-logs"]).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{text}");
        assert!(text.contains("sealed to the case's public key"), "{text}");

        // A report made now leaves the changes out and says so.
        let (pdf, _) = report(&api, &case, json!({ "format": "pdf", "subject_name": "Ruby" }), 200).await;
        let text = pdf_text(&pdf);
        assert!(text.contains("Changed outside Lodge."), "{text}");
        assert!(!text.contains("FORGED-7d1e") && !text.contains("first words") && text.contains("sixth words"));

        // The bundle made before still verifies; edited by hand, it names the incident.
        let (ok, out, err) = verify(&before, Some(&key));
        assert!(ok, "{out}{err}");
        assert!(out.contains("6 incidents, people and deletions say what the case log recorded"), "{out}");
        let (ok, _, err) = verify(&edited_by_hand(&before, "second words", "SECOND words"), Some(&key));
        assert!(!ok);
        assert!(
            err.contains("records.json: Incident 2") && err.contains("does not match what the log recorded"),
            "{err}"
        );
    }
}

#[tokio::test]
async fn reports_and_bundles_list_every_deletion() {
    for backend in backends().await {
        let server = Server::start(backend).await;
        server.add_user("survivor", "alice");
        let api = server.api("alice").await;
        let case = api.create_case("Deletions").await;
        let kept = api.create_incident(&case, incident("kept words")).await;
        let gone = api.create_incident(&case, incident("DELETED-41c2 words")).await["id"].as_str().unwrap().to_owned();
        api.json(api.delete(&format!("/api/v1/cases/{case}/incidents/{gone}")), 204).await;
        assert!(kept["id"].is_string());
        let (pdf, _) = report(&api, &case, json!({ "format": "pdf", "subject_name": "Ruby" }), 200).await;
        let text = pdf_text(&pdf);
        assert!(text.contains("Deleted from the log"), "{text}");
        assert!(text.contains("An incident logged on") && text.contains("was deleted on"), "{text}");
        assert!(!text.contains("DELETED-41c2"));
        let (bundle, _) = report(&api, &case, json!({ "format": "bundle", "subject_name": "Ruby" }), 200).await;
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(&bundle)).unwrap();
        let records: Value = serde_json::from_reader(zip.by_name("records.json").unwrap()).unwrap();
        let deletion = records["records"].as_array().unwrap().iter().find(|r| r["kind"] == "deletion").unwrap();
        assert_eq!(deletion["record"], gone);
        assert!(deletion["opening"]["entry"].as_str().unwrap().contains("\"action\":\"deleted\""));
        let (ok, out, err) = verify(&bundle, None);
        assert!(ok, "{out}{err}");
    }
}

/// The fields of the answer's `problems`, in order.
fn refused_fields(answer: &Value) -> Vec<String> {
    answer["problems"].as_array().unwrap().iter().map(|p| p["field"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn a_client_can_set_only_what_she_may_type() {
    for backend in backends().await {
        let server = Server::start(backend).await;
        server.add_user("survivor", "alice");
        let api = server.api("alice").await;
        let case = api.create_case("Provenance").await;
        let incidents = format!("/api/v1/cases/{case}/incidents");
        let forged = [
            ("messages", json!([{"sender": "darkwolf", "text": "forged", "sent": "2025-05-03T20:00:00Z"}])),
            ("source", json!({"format": "whatsapp", "file_name": "chat.txt", "sha256": "00", "zone": "UTC"})),
            ("submitted_by", json!("Detective Constable Smith")),
        ];
        for (field, value) in &forged {
            let mut body = incident("she typed this");
            body[field] = value.clone();
            let answer = api.json(api.post(&incidents).json(&body), 400).await;
            assert_eq!(refused_fields(&answer), [*field], "{answer}");
        }
        let kept = api.create_incident(&case, incident("she typed this")).await;
        let id = kept["id"].as_str().unwrap();
        for (field, value) in &forged {
            let mut body = incident("edited");
            body[field] = value.clone();
            let answer =
                api.json(api.put(&format!("{incidents}/{id}")).json(&json!({"version": 1, "body": body})), 400).await;
            assert_eq!(refused_fields(&answer), [format!("body.{field}")], "{answer}");
        }

        // Fields Lodge does not know, and values of the wrong shape, are named too.
        let mut unknown = incident("x");
        unknown["colour"] = json!("red");
        assert_eq!(refused_fields(&api.json(api.post(&incidents).json(&unknown), 400).await), ["colour"]);
        let update = json!({"version": 1, "body": incident("x"), "author": "someone"});
        assert_eq!(
            refused_fields(&api.json(api.put(&format!("{incidents}/{id}")).json(&update), 400).await),
            ["author"]
        );
        let wrong =
            json!({"occurred": {"kind": "exact", "at": "2025-05-03T21:15:00+01:00[Europe/London]"}, "people": "bob"});
        assert_eq!(refused_fields(&api.json(api.post(&incidents).json(&wrong), 400).await), ["people"]);
        assert_eq!(
            refused_fields(&api.json(api.post(&incidents).json(&json!({"description": "x"})), 400).await),
            ["occurred"]
        );
        let not_json = api.post(&incidents).header("content-type", "text/plain").body("occurred: yesterday");
        assert_eq!(refused_fields(&api.json(not_json, 400).await), ["body"]);
        let person = json!({"label": "darkwolf", "verified": true});
        let answer = api.json(api.post(&format!("/api/v1/cases/{case}/people")).json(&person), 400).await;
        assert_eq!(refused_fields(&answer), ["verified"]);
        let answer = api.json(api.post("/api/v1/cases").json(&json!({"title": "x", "owner": "bob"})), 400).await;
        assert_eq!(refused_fields(&answer), ["owner"]);
        let notice =
            json!({"route": "dmca", "copies": [], "draft": {"date": "2020-01-01", "urls": ["https://a.example/x"]}});
        let answer = api.json(api.post(&format!("/api/v1/cases/{case}/notices")).json(&notice), 400).await;
        assert_eq!(refused_fields(&answer), ["draft.urls", "draft.date"]);

        // Nothing refused was kept, and what she typed was kept as she typed it.
        let all = api.json(api.get(&incidents), 200).await;
        assert_eq!(all.as_array().unwrap().len(), 1, "{all}");
        assert_eq!(all[0]["version"], 1);
        assert!(all[0]["body"].get("submitted_by").is_none() && all[0]["body"].get("messages").is_none());
    }
}

#[tokio::test]
async fn a_write_while_she_reads_is_never_taken_for_tampering() {
    for backend in backends().await {
        let server = Server::start(backend).await;
        server.add_user("survivor", "alice");
        let api = server.api("alice").await;
        let case = api.create_case("Messages from @wolf").await;
        let made = api.create_incident(&case, incident("he called at night")).await;
        let id = made["id"].as_str().unwrap().to_owned();
        let path = format!("/api/v1/cases/{case}/incidents/{id}");
        // One client edits the incident again and again while another reads it: a read that
        // falls between a version's row and its log entry must not see a mismatch.
        let reader = server.api("alice").await;
        let read = async || {
            let mut statuses = Vec::new();
            for _ in 0..60 {
                statuses.push(reader.get(&path).send().await.unwrap().status().as_u16());
            }
            statuses
        };
        let reads = async {
            let (a, b, c, d) = tokio::join!(read(), read(), read(), read());
            [a, b, c, d].concat()
        };
        let writes = async {
            for version in 1..=40 {
                let body = json!({"version": version, "body": incident(&format!("he called at night, {version}"))});
                api.json(api.put(&path).json(&body), 200).await;
            }
        };
        let (statuses, ()) = tokio::join!(reads, writes);
        assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
        assert!(changed(&api, &case).await.is_empty());
    }
}
