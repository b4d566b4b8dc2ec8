//! The API as a client developer meets it: a description that validates as OpenAPI 3.1
//! (openapi-spec-validator), and a Python client generated from it by a standard generator
//! (openapi-python-client; both installed by `.ci/run`), used
//! unchanged by `tests/api-client/story.py`. The generated models parse every response
//! (UUIDs, dates, enums), so a description that says something other than what Lodge sends
//! stops the story; what it made is then checked against Lodge itself.

use std::path::Path;
use std::process::Command;

use crate::harness::{PASSWORD, Server, png};

/// Generates the client package `lodge_api_client` into `dir` from Lodge's description.
fn generate_client(dir: &Path) {
    let description = dir.join("openapi.json");
    std::fs::write(&description, lodge_web::openapi_json()).unwrap();
    // The generator's formatting hooks (ruff) change nothing a client runs.
    let config = dir.join("config.yml");
    std::fs::write(&config, "post_hooks: []\npackage_name_override: lodge_api_client\n").unwrap();
    let out = Command::new("openapi-python-client")
        .args(["generate", "--meta", "none", "--path"])
        .arg(&description)
        .arg("--config")
        .arg(&config)
        .arg("--output-path")
        .arg(dir.join("lodge_api_client"))
        .output()
        .expect("openapi-python-client is installed (.ci/run installs it: pip install openapi-python-client)");
    let said = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "the generator refused the description:\n{said}");
    let checked = Command::new("openapi-spec-validator")
        .arg(&description)
        .output()
        .expect("openapi-spec-validator is installed (.ci/run installs it: pip install openapi-spec-validator)");
    let verdict = String::from_utf8_lossy(&checked.stdout).into_owned() + &String::from_utf8_lossy(&checked.stderr);
    assert!(checked.status.success() && verdict.contains("OK"), "not valid OpenAPI 3.1:\n{verdict}");
    // Only the three picture responses (image/jpeg, which it does not parse) may be left out.
    for line in said.lines().filter(|l| l.starts_with("WARNING parsing")) {
        assert!(
            line.ends_with("/thumbnail within content.") || line.ends_with("/thumbnail within evidence."),
            "{said}"
        );
    }
}

#[tokio::test]
async fn a_generated_client_runs_the_whole_story() {
    let server = Server::start(crate::harness::Backend::Sqlite).await;
    server.add_user("survivor", "ruby");
    server.add_user("support_worker", "wren");
    // A worker can be granted a case once she has signed in (her public key is made then).
    let wren = server.api("wren").await;

    let dir = tempfile::tempdir().unwrap();
    generate_client(dir.path());
    let screenshot = dir.path().join("screenshot.png");
    std::fs::write(&screenshot, png(120, 80)).unwrap();
    let story = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/api-client/story.py");
    let out = Command::new("python3")
        .arg(story)
        .env("PYTHONPATH", dir.path())
        .env("LODGE_URL", &server.url)
        .env("LODGE_USERNAME", "ruby")
        .env("LODGE_PASSWORD", PASSWORD)
        .env("LODGE_WORKER", "wren")
        .env("LODGE_SCREENSHOT", &screenshot)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "the story stopped:\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let told: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();

    let ruby = server.api("ruby").await;
    let case = told["case"].as_str().unwrap();
    let incident = ruby
        .json(ruby.get(&format!("/api/v1/cases/{case}/incidents/{}", told["incident"].as_str().unwrap())), 200)
        .await;
    let people = ruby.json(ruby.get(&format!("/api/v1/cases/{case}/people")), 200).await;
    assert_eq!(people[0]["body"]["identifiers"][0]["value"], "@darkwolf_99");
    assert_eq!(incident["body"]["people"][0], people[0]["id"], "the incident names the person known by a username");
    assert_eq!(told["exhibit_sha256"], told["screenshot_sha256"], "the screenshot arrived whole");
    assert_eq!(told["granted"], "wren");
    wren.json(wren.get(&format!("/api/v1/cases/{case}/incidents")), 200).await;
    assert!(told["police_link"].as_str().unwrap().contains("/shared#"));
    assert_eq!(told["downloaded_starts"], "%PDF-");
    assert_eq!(told["report_sha256"], told["downloaded_sha256"], "the file downloaded is the one her log records");
}
