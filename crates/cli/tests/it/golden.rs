//! Golden data: what earlier versions of Lodge wrote, pinned against today's code.
//!
//! Each folder under `tests/golden/` holds a backup (records, the case log, checkpoints and
//! files, all as written then), the server key it was made with, an evidence bundle, and
//! `expected.json`: what the API answered then. Today's code must restore each backup onto
//! SQLite and PostgreSQL, open every record version to the same values, find every log and
//! checkpoint intact, verify the bundle offline, and seal the next edit in today's format. A
//! renamed field, a changed sealing, log or backup format fails here.
//!
//! `golden_data_made_now_opens_and_verifies` wrote them (see `tests/golden/README.md`); on
//! every run it makes a fresh folder the same way and checks it too.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::harness::{Api, Backend, Server, incident, png};
use crate::imports::{import, stage};
use crate::reports::verify;

/// The name the golden servers signed their checkpoints with.
const SERVER_NAME: (&str, &str) = ("LODGE_SERVER_NAME", "golden.lodge.example");

fn golden_dirs() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let mut dirs: Vec<PathBuf> =
        std::fs::read_dir(&root).unwrap().map(|e| e.unwrap().path()).filter(|p| p.is_dir()).collect();
    dirs.sort();
    dirs
}

fn lodge(args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_lodge")).args(args).envs(env.iter().copied()).output().unwrap()
}

/// Every key in `expected` has the same value in `got`, recursively; `got` may hold more (a
/// later version may answer with new fields, but never lose or rename one).
fn holds(got: &Value, expected: &Value, at: &str) {
    match (got, expected) {
        (Value::Object(g), Value::Object(e)) => {
            for (key, value) in e {
                let field = format!("{at}.{key}");
                let Some(found) = g.get(key) else { panic!("{field} is missing: expected {value}") };
                holds(found, value, &field);
            }
        }
        (Value::Array(g), Value::Array(e)) => {
            assert_eq!(g.len(), e.len(), "{at}: {got}");
            for (n, (g, e)) in g.iter().zip(e).enumerate() {
                holds(g, e, &format!("{at}[{n}]"));
            }
        }
        _ => assert_eq!(got, expected, "{at}"),
    }
}

/// What the API answers about the golden case: the same questions `make_golden_data` asked.
async fn answers(api: &Api) -> Value {
    let cases = api.json(api.get("/api/v1/cases"), 200).await;
    let case = cases[0]["id"].as_str().unwrap().to_owned();
    let incidents = api.json(api.get(&format!("/api/v1/cases/{case}/incidents")), 200).await;
    let mut history = serde_json::Map::new();
    for i in incidents.as_array().unwrap() {
        let id = i["id"].as_str().unwrap();
        history.insert(
            id.to_owned(),
            api.json(api.get(&format!("/api/v1/cases/{case}/incidents/{id}/history")), 200).await,
        );
    }
    let evidence = api.json(api.get(&format!("/api/v1/cases/{case}/evidence")), 200).await;
    let mut files = serde_json::Map::new();
    for e in evidence.as_array().unwrap() {
        let id = e["id"].as_str().unwrap();
        let bytes = api.get(&format!("/api/v1/cases/{case}/evidence/{id}/content")).send().await.unwrap();
        files.insert(
            id.to_owned(),
            json!(data_encoding::HEXLOWER.encode(&Sha256::digest(bytes.bytes().await.unwrap()))),
        );
    }
    json!({
        "cases": cases,
        "incidents": incidents,
        "history": history,
        "people": api.json(api.get(&format!("/api/v1/cases/{case}/people")), 200).await,
        "evidence": evidence,
        "files": files,
        "checkpoint": api.json(api.get(&format!("/api/v1/cases/{case}/checkpoint")), 200).await,
    })
}

#[tokio::test]
async fn data_written_by_every_earlier_version_opens_and_verifies() {
    let dirs = golden_dirs();
    assert!(dirs.len() >= 2, "golden data from before and after whole-record sealing: {dirs:?}");
    for dir in dirs {
        opens_and_verifies(&dir).await;
    }
}

/// Restores a golden folder onto each backend and checks everything it holds.
async fn opens_and_verifies(dir: &Path) {
    let expected: Value = serde_json::from_slice(&std::fs::read(dir.join("expected.json")).unwrap()).unwrap();
    let key = dir.join("server.key").display().to_string();
    let env = [("LODGE_SERVER_KEY_FILE", key.as_str()), SERVER_NAME];
    let mut targets = vec![Backend::Sqlite];
    if let Ok(admin) = std::env::var("LODGE_TEST_POSTGRES_URL") {
        targets.push(Backend::Postgres(lodge_store::create_scratch_postgres_database(&admin).await.unwrap()));
    }
    for target in targets {
        let what = format!("{} on {target:?}", dir.display());
        let data = tempfile::tempdir().unwrap();
        let path = data.path().display().to_string();
        let backup = dir.join("lodge.backup").display().to_string();
        let mut args = vec!["restore", "--from", &backup, "--data-dir", &path];
        if let Backend::Postgres(url) = &target {
            args.extend(["--database-url", url.as_str()]);
        }
        let out = lodge(&args, &env);
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success() && said.contains("Every case log verifies (1 case)"), "{what}: {said}");

        let server = Server::start_in(data, target, &env).await;
        let api = server.api("ruby").await;
        holds(&answers(&api).await, &expected, &what);
        let case = expected["cases"][0]["id"].as_str().unwrap();
        let check = api.json(api.get(&format!("/api/v1/cases/{case}/checkpoint/verify")), 200).await;
        assert_eq!(
            (check["ok"].as_bool(), check["changed"].as_array().map(Vec::len)),
            (Some(true), Some(0)),
            "{what}: {check}"
        );

        // Her next edit is sealed in today's format and checks out like the rest.
        let first = &expected["incidents"][0];
        let id = first["id"].as_str().unwrap();
        let version = first["version"].as_i64().unwrap();
        let edit = json!({"version": version, "body": incident("edited after an upgrade")});
        api.json(api.put(&format!("/api/v1/cases/{case}/incidents/{id}")).json(&edit), 200).await;
        let check = api.json(api.get(&format!("/api/v1/cases/{case}/checkpoint/verify")), 200).await;
        assert_eq!(check["ok"], true, "{what}: {check}");
    }

    let bundle = std::fs::read(dir.join("bundle.zip")).unwrap();
    let verifier = expected["checkpoint"]["verifier_key"].as_str().unwrap();
    let (ok, out, err) = verify(&bundle, Some(verifier));
    assert!(ok, "{}: {out}{err}", dir.display());
}

/// A field removed from a version sealed field by field, before whole-record sealing, is found.
#[tokio::test]
async fn a_field_removed_from_an_older_record_is_found() {
    let dir = golden_dirs().into_iter().next().unwrap();
    let expected: Value = serde_json::from_slice(&std::fs::read(dir.join("expected.json")).unwrap()).unwrap();
    let key = dir.join("server.key").display().to_string();
    let env = [("LODGE_SERVER_KEY_FILE", key.as_str()), SERVER_NAME];
    let data = tempfile::tempdir().unwrap();
    let (backup, path) = (dir.join("lodge.backup").display().to_string(), data.path().display().to_string());
    assert!(lodge(&["restore", "--from", &backup, "--data-dir", &path], &env).status.success());
    let server = Server::start_in(data, Backend::Sqlite, &env).await;
    let case = expected["cases"][0]["id"].as_str().unwrap();
    let incident = expected["incidents"].as_array().unwrap().iter().find(|i| i["body"]["witnesses"] != "").unwrap();
    let (id, version) = (incident["id"].as_str().unwrap(), incident["version"].as_i64().unwrap());

    let query = format!("SELECT fields FROM records WHERE id = $1 AND version = {version}");
    let sealed = server.sql_bytes(&query, id).await.remove(0);
    assert_eq!(sealed.first(), Some(&b'{'), "{} was sealed field by field", dir.display());
    let mut fields: serde_json::Map<String, Value> = serde_json::from_slice(&sealed).unwrap();
    assert!(fields.remove("witnesses").is_some());
    let statement = format!("UPDATE records SET fields = $1 WHERE id = $2 AND version = {version}");
    server.sql_set_bytes(&statement, &serde_json::to_vec(&fields).unwrap(), id).await;

    let api = server.api("ruby").await;
    let check = api.json(api.get(&format!("/api/v1/cases/{case}/checkpoint/verify")), 200).await;
    let changed: Vec<&str> = check["changed"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
    assert_eq!(changed.len(), 1, "{check}");
    assert!(changed[0].contains("incident"), "{check}");
}

/// Writes a golden folder from this version of Lodge, and checks it as the kept ones are
/// checked. It goes into `$LODGE_GOLDEN_OUT` when set (to keep it: tests/golden/README.md),
/// else into a folder that is thrown away.
#[tokio::test]
async fn golden_data_made_now_opens_and_verifies() {
    let scratch = tempfile::tempdir().unwrap();
    let out = std::env::var("LODGE_GOLDEN_OUT").map_or_else(|_| scratch.path().to_owned(), PathBuf::from);
    std::fs::create_dir_all(&out).unwrap();
    let server = Server::start_with(Backend::Sqlite, &[SERVER_NAME]).await;
    server.add_user("survivor", "ruby");
    let api = server.api("ruby").await;
    let case = api.create_case("Messages from darkwolf").await;
    let person = json!({
        "label": "darkwolf",
        "identifiers": [
            {"kind": "username", "platform": "Instagram", "value": "darkwolf_99", "first_seen": "2025-04-01", "last_seen": "2025-05-03"},
            {"kind": "phone", "value": "+44 7911 123456"}
        ],
        "name": "", "address": "", "vehicle": "Blue Ford Fiesta", "notes": "Also messages from new accounts."
    });
    let person = api.json(api.post(&format!("/api/v1/cases/{case}/people")).json(&person), 201).await;
    let full = json!({
        "occurred": {"kind": "exact", "at": "2025-05-03T21:15:00+01:00[Europe/London]"},
        "discovered": {"kind": "approximate", "description": "the next morning", "around": "2025-05-04"},
        "platform": "Instagram", "url": "https://www.instagram.com/darkwolf_99/", "place": "",
        "description": "He sent a photo of my front door.", "verbatim": "nice door. see you soon",
        "conduct": ["threats", "intimate_images"], "effects": ["fear", "fear_of_violence"],
        "effect_words": "I could not sleep.", "witnesses": "My flatmate saw the message.",
        "asked_to_stop": "yes", "police_reference": "PS-2025-0503-117", "people": [person["id"]]
    });
    let first = api.create_incident(&case, full).await;
    let second = api
        .create_incident(&case, json!({"occurred": {"kind": "approximate", "description": "early May"}, "description": "He followed me home."}))
        .await;
    let edit = json!({"version": 1, "body": {"occurred": {"kind": "approximate", "description": "early May", "around": "2025-05-06"}, "description": "He followed me home from the studio."}});
    api.json(api.put(&format!("/api/v1/cases/{case}/incidents/{}", second["id"].as_str().unwrap())).json(&edit), 200)
        .await;
    let gone = api.create_incident(&case, incident("logged by mistake")).await;
    api.json(api.delete(&format!("/api/v1/cases/{case}/incidents/{}", gone["id"].as_str().unwrap())), 204).await;
    api.upload(&case, Some(first["id"].as_str().unwrap()), "front door.png", png(40, 30)).await;
    let chat =
        "[03/05/2025, 21:15:40] darkwolf: you can't hide\nfrom me\n[03/05/2025, 21:16:00] Ruby: Stop contacting me.\n";
    let preview = stage(&api, &case, "WhatsApp Chat with darkwolf.txt", chat.as_bytes(), 201).await;
    import(&api, &case, &preview, json!({"me": ["Ruby"], "zone": "Europe/London"}), 201).await;

    let bundle =
        api.post(&format!("/api/v1/cases/{case}/reports")).json(&json!({"subject_name": "Ruby"})).send().await.unwrap();
    assert_eq!(bundle.status(), 200);
    std::fs::write(out.join("bundle.zip"), bundle.bytes().await.unwrap()).unwrap();
    std::fs::write(out.join("expected.json"), serde_json::to_vec_pretty(&answers(&api).await).unwrap()).unwrap();
    let backup = out.join("lodge.backup").display().to_string();
    let data = server.data_dir.path().display().to_string();
    assert!(lodge(&["backup", "--to", &backup, "--data-dir", &data], &[]).status.success());
    std::fs::copy(server.data_dir.path().join("server.key"), out.join("server.key")).unwrap();
    drop(server);
    opens_and_verifies(&out).await;
}
