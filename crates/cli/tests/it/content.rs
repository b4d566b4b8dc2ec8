//! Her content through the API: registered from the image itself or from `lodge hash` output,
//! exported as a hash list, and scanned for on a local site.

use std::process::Command;

use serde_json::{Value, json};

use crate::harness::{Api, Server, backends};
use crate::web::serve;

const IMAGES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/vectors/pdq/images/");

fn vector(name: &str) -> Vec<u8> {
    std::fs::read(format!("{IMAGES}{name}")).unwrap()
}

async fn add(api: &Api, case: &str, form: reqwest::multipart::Form, status: u16) -> Value {
    api.json(api.post(&format!("/api/v1/cases/{case}/content")).multipart(form), status).await
}

/// A folder for a site holding a flipped copy of the bridge photo as `leak.jpg`.
fn site_with_leak() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    image::load_from_memory(&vector("bridge-1-original.jpg"))
        .unwrap()
        .fliph()
        .save(dir.path().join("leak.jpg"))
        .unwrap();
    dir
}

#[tokio::test]
async fn her_content_is_registered_exported_and_found() {
    let site_dir = site_with_leak();
    std::fs::write(site_dir.path().join("pen.png"), vector("pen-and-coaster.png")).unwrap();
    std::fs::write(site_dir.path().join("other.jpg"), vector("q1050.jpg")).unwrap();
    std::fs::write(site_dir.path().join("index.html"), "<img src=leak.jpg><img src=pen.png><img src=other.jpg>")
        .unwrap();
    let site = serve(site_dir);

    for backend in backends().await {
        let server =
            Server::start_with(backend, &[("LODGE_SCAN_ALLOW_PRIVATE", "true"), ("LODGE_SCAN_INTERVAL_MS", "0")]).await;
        server.add_user("survivor", "ruby");
        let api = server.api("ruby").await;
        let case = api.create_case("My content").await;

        let nothing = api
            .json(
                api.post(&format!("/api/v1/cases/{case}/scans")).json(&json!({"addresses": [site.url.as_str()]})),
                400,
            )
            .await;
        assert!(nothing.to_string().contains("Register your own images or videos first"), "{nothing}");

        // The image itself: only its fingerprints are kept.
        let form = reqwest::multipart::Form::new()
            .text("label", "Pen set, photo 1")
            .text("made_by", "her")
            .text("first_published", "https://fans.example/ruby/pen")
            .part("file", reqwest::multipart::Part::bytes(vector("pen-and-coaster.png")).file_name("pen.png"));
        let pen = add(&api, &case, form, 201).await[0].as_str().unwrap().to_owned();

        // Hash-only: `lodge hash --dihedral` output made on her own computer.
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("bridge.jpg"), vector("bridge-1-original.jpg")).unwrap();
        let hashed = Command::new(env!("CARGO_BIN_EXE_lodge"))
            .arg("hash")
            .arg("--dihedral")
            .arg(dir.path().join("bridge.jpg"))
            .output()
            .unwrap();
        assert!(hashed.status.success());
        let form = reqwest::multipart::Form::new()
            .text("label", "Bridge")
            .text("made_by", "studio")
            .text("hashes", String::from_utf8(hashed.stdout).unwrap());
        let bridge = add(&api, &case, form, 201).await[0].as_str().unwrap().to_owned();
        let bad = reqwest::multipart::Form::new().text("label", "x").text("hashes", "not a hash line");
        assert!(add(&api, &case, bad, 400).await.to_string().contains("line 1"));

        let list = api.json(api.get(&format!("/api/v1/cases/{case}/content")), 200).await;
        let list = list.as_array().unwrap();
        assert_eq!(list.len(), 2);
        let pen_entry = list.iter().find(|c| c["id"] == pen).unwrap();
        assert_eq!(pen_entry["body"]["pdq"].as_array().unwrap().len(), 8 + 11, "8 rotations and flips, 11 crops");
        assert_eq!(pen_entry["body"]["hash_only"], false);
        let bridge_entry = list.iter().find(|c| c["id"] == bridge).unwrap();
        assert_eq!(
            (bridge_entry["body"]["hash_only"].as_bool(), bridge_entry["body"]["made_by"].as_str()),
            (Some(true), Some("studio"))
        );
        assert!(bridge_entry["body"]["label"].as_str().unwrap().starts_with("Bridge: bridge.jpg"));

        let csv =
            api.get(&format!("/api/v1/cases/{case}/content/hash-list")).send().await.unwrap().text().await.unwrap();
        let rows: Vec<&str> = csv.lines().collect();
        assert_eq!(rows[0], "kind,id,hash,quality,md5,frame,timestamp");
        assert_eq!(rows.len(), 3, "{csv}");
        assert!(rows.iter().any(|r| r.starts_with(&format!("pdq,{pen},"))));
        assert!(!csv.contains("Pen set"), "her names for her content are never in the list");
        let json = api.json(api.get(&format!("/api/v1/cases/{case}/content/hash-list?format=json")), 200).await;
        assert_eq!(json["pdq"].as_array().unwrap().len(), 2);

        let found = api
            .json(
                api.post(&format!("/api/v1/cases/{case}/scans")).json(&json!({"addresses": [site.url.as_str()]})),
                200,
            )
            .await;
        let findings = found["findings"].as_array().unwrap();
        let media: Vec<&str> =
            findings.iter().map(|f| f["media"].as_str().unwrap().rsplit('/').next().unwrap()).collect();
        assert_eq!(media, ["leak.jpg", "pen.png"], "{found}");
        assert_eq!(findings[0]["content"], bridge);
        assert_eq!(findings[1]["content"], pen);
        assert_eq!(findings[1]["distance"], 0);
        assert_eq!(found["images"], 3);

        api.json(api.delete(&format!("/api/v1/cases/{case}/content/{pen}")), 204).await;
        assert_eq!(api.json(api.get(&format!("/api/v1/cases/{case}/content")), 200).await.as_array().unwrap().len(), 1);
    }
}

#[tokio::test]
async fn the_page_registers_fingerprints_and_lists_copies_without_loading_them() {
    let site_dir = site_with_leak();
    std::fs::write(site_dir.path().join("index.html"), "<img src=leak.jpg>").unwrap();
    let site = serve(site_dir);
    let backend = backends().await.remove(0);
    let server =
        Server::start_with(backend, &[("LODGE_SCAN_ALLOW_PRIVATE", "true"), ("LODGE_SCAN_INTERVAL_MS", "0")]).await;
    server.add_user("survivor", "ruby");
    let api = server.api("ruby").await;
    let case = api.create_case("Pirated").await;
    let browser = server.browser("ruby").await;
    let url = format!("{}/cases/{case}/content", server.url);
    let html = browser.get(&url).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Nothing registered yet") && html.contains("quick-exit"));
    let token = crate::harness::csrf(&html);

    // Nothing chosen: the form comes back with what she typed.
    let empty = reqwest::multipart::Form::new().text("csrf", token.clone()).text("label", "Bridge photo");
    let res = browser.post(&url).multipart(empty).send().await.unwrap();
    assert_eq!(res.status(), 400);
    let again = res.text().await.unwrap();
    assert!(again.contains("Choose the image or video") && again.contains("value=\"Bridge photo\""));

    let hashed = Command::new(env!("CARGO_BIN_EXE_lodge"))
        .arg("hash")
        .arg("--dihedral")
        .arg(format!("{IMAGES}bridge-1-original.jpg"))
        .output()
        .unwrap();
    let form = reqwest::multipart::Form::new()
        .text("csrf", token.clone())
        .text("label", "Bridge photo")
        .text("made_by", "her")
        .text("hashes", String::from_utf8(hashed.stdout).unwrap());
    let res = browser.post(&url).multipart(form).send().await.unwrap();
    assert!(res.status().is_redirection(), "{}", res.status());
    let listed = browser.get(&url).send().await.unwrap().text().await.unwrap();
    assert!(listed.contains("Bridge photo: bridge-1-original.jpg") && listed.contains("fingerprints only"), "{listed}");

    let res = browser
        .post(format!("{url}/scan"))
        .form(&[("csrf", token.as_str()), ("addresses", &format!("{}\n\n", site.url))])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let found = res.text().await.unwrap();
    assert!(found.contains("1 copy of your content"), "{found}");
    assert!(found.contains("leak.jpg") && found.contains("SHA-256"));
    assert!(!found.contains("<img src=\"http"), "the page never loads anything from the site");
}
