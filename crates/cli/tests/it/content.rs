//! Her content through the API: registered from the image itself or from `lodge hash` output,
//! exported as a hash list, and scanned for on a local site in the background (a scan survives
//! `kill -9` of the server); copies reviewed, confirmed into evidence or whitelisted; her own
//! accounts left alone.

use std::process::Command;

use serde_json::{Value, json};
use sha2::Digest;

use crate::harness::{Api, Server, backends};
use lodge_testkit::site::serve;

const IMAGES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/vectors/pdq/images/");

fn vector(name: &str) -> Vec<u8> {
    std::fs::read(format!("{IMAGES}{name}")).unwrap()
}

/// Starts a scan of `addresses` and waits for it to finish; returns the finished scan.
async fn scan(api: &Api, case: &str, addresses: &[&str]) -> Value {
    let started =
        api.json(api.post(&format!("/api/v1/cases/{case}/scans")).json(&json!({ "addresses": addresses })), 202).await;
    wait_for_scan(api, case, started["id"].as_str().unwrap()).await
}

async fn wait_for_scan(api: &Api, case: &str, id: &str) -> Value {
    for _ in 0..600 {
        let scan = api.json(api.get(&format!("/api/v1/cases/{case}/scans/{id}")), 200).await;
        if !["queued", "running"].contains(&scan["state"].as_str().unwrap()) {
            return scan;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the scan did not finish");
}

async fn copies(api: &Api, case: &str) -> Vec<Value> {
    let list = api.json(api.get(&format!("/api/v1/cases/{case}/copies")), 200).await;
    let mut list = list.as_array().unwrap().clone();
    list.sort_by_key(|c| c["body"]["media"].as_str().unwrap().to_owned());
    list
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
    let site_dir_path = site_dir.path().to_owned();
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
                422,
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
        assert!(add(&api, &case, bad, 422).await.to_string().contains("line 1"));

        let list = api.json(api.get(&format!("/api/v1/cases/{case}/content")), 200).await;
        let list = list.as_array().unwrap();
        assert_eq!(list.len(), 2);
        let pen_entry = list.iter().find(|c| c["id"] == pen).unwrap();
        assert_eq!(
            pen_entry["body"]["pdq"].as_array().unwrap().len(),
            8 + 33,
            "8 rotations and flips, 11 crops at each of 5, 10 and 15 %"
        );
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

        let done = scan(&api, &case, &[site.url.as_str()]).await;
        assert_eq!(
            (done["state"].as_str(), done["done"].as_i64(), done["total"].as_i64()),
            (Some("done"), Some(1), Some(1))
        );
        assert_eq!((done["images"].as_i64(), done["found"].as_i64()), (Some(3), Some(2)), "{done}");
        let found = copies(&api, &case).await;
        let media: Vec<&str> =
            found.iter().map(|f| f["body"]["media"].as_str().unwrap().rsplit('/').next().unwrap()).collect();
        assert_eq!(media, ["leak.jpg", "pen.png"], "{found:?}");
        let (leak, pen_copy) = (&found[0], &found[1]);
        assert_eq!(leak["body"]["content"], bridge);
        assert_eq!(pen_copy["body"]["content"], pen);
        assert_eq!(pen_copy["body"]["distance"], 0);
        assert_eq!(pen_copy["body"]["status"], "new");
        assert_eq!(pen_copy["body"]["thumbnail"], true);

        // Side by side: her picture (kept because she uploaded the image) and what was found.
        for path in
            [format!("content/{pen}/thumbnail"), format!("copies/{}/thumbnail", pen_copy["id"].as_str().unwrap())]
        {
            let res = api.get(&format!("/api/v1/cases/{case}/{path}")).send().await.unwrap();
            assert_eq!(res.status(), 200, "{path}");
            image::load_from_memory(&res.bytes().await.unwrap()).unwrap();
        }
        let res = api.get(&format!("/api/v1/cases/{case}/content/{bridge}/thumbnail")).send().await.unwrap();
        assert_eq!(res.status(), 404, "no picture is kept of content registered by its fingerprints");

        // Confirmed: an incident with the page as fetched and the image, their SHA-256 and the time.
        let pen_copy_id = pen_copy["id"].as_str().unwrap();
        let confirmed = api.json(api.post(&format!("/api/v1/cases/{case}/copies/{pen_copy_id}/confirm")), 200).await;
        let incident_id = confirmed["incident"].as_str().unwrap();
        let incident = api.json(api.get(&format!("/api/v1/cases/{case}/incidents/{incident_id}")), 200).await;
        let description = incident["body"]["description"].as_str().unwrap();
        let sha = pen_copy["body"]["sha256"].as_str().unwrap();
        assert!(description.contains(sha) && description.contains("pen.png"), "{description}");
        assert_eq!(incident["body"]["url"], site.url.as_str());
        let evidence = api.json(api.get(&format!("/api/v1/cases/{case}/evidence")), 200).await;
        let evidence: Vec<&Value> =
            evidence.as_array().unwrap().iter().filter(|e| e["body"]["incident"] == incident_id).collect();
        assert_eq!(
            evidence.len(),
            4,
            "the page copy, the image, and the page as the browser showed it and archived it"
        );
        for (kind, starts) in [("image/png", &b"\x89PNG"[..]), ("application/warc", &b"WARC/1.1"[..])] {
            let item =
                evidence.iter().find(|e| e["body"]["content_type"] == kind && e["body"]["file_name"] != "pen.png");
            let item = item.unwrap_or_else(|| panic!("no {kind} evidence: {evidence:?}"));
            let id = item["id"].as_str().unwrap();
            let bytes = api.bytes(&format!("/api/v1/cases/{case}/evidence/{id}/content")).await;
            assert!(bytes.starts_with(starts), "{kind}");
            let digest = data_encoding::HEXLOWER.encode(&sha2::Sha256::digest(&bytes));
            assert_eq!(item["body"]["sha256"], digest, "the SHA-256 her log holds is the file's");
            if kind == "application/warc" {
                let text = String::from_utf8_lossy(&bytes);
                assert!(
                    text.contains(&format!("{}pen.png", site.url)) && text.contains("resource"),
                    "the archive holds the image it showed"
                );
            }
        }
        let image = evidence.iter().find(|e| e["body"]["file_name"] == "pen.png").unwrap();
        assert_eq!(image["body"]["sha256"], sha);
        assert_eq!(image["body"]["content_type"], "image/png");
        let page = evidence.iter().find(|e| e["body"]["content_type"] == "text/html").unwrap();
        let page_id = page["id"].as_str().unwrap();
        let html = api.get(&format!("/api/v1/cases/{case}/evidence/{page_id}/content")).send().await.unwrap();
        assert!(html.text().await.unwrap().contains("<img src=pen.png>"), "the page as it was fetched");
        let again = api.json(api.post(&format!("/api/v1/cases/{case}/copies/{pen_copy_id}/confirm")), 200).await;
        assert_eq!(again["incident"], incident_id, "confirming twice makes one incident");

        // Any public page she names is captured the same way, as an incident of its own.
        let bad = api
            .json(api.post(&format!("/api/v1/cases/{case}/captures")).json(&json!({"address": "not a page"})), 422)
            .await;
        assert!(bad.to_string().contains("address"), "{bad}");
        let captured = api
            .json(api.post(&format!("/api/v1/cases/{case}/captures")).json(&json!({"address": site.url.as_str()})), 201)
            .await;
        let captured = captured["incident"].as_str().unwrap();
        let evidence = api.json(api.get(&format!("/api/v1/cases/{case}/evidence")), 200).await;
        let kinds: Vec<&str> = evidence
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["body"]["incident"] == captured)
            .map(|e| e["body"]["content_type"].as_str().unwrap())
            .collect();
        assert_eq!(kinds.len(), 3, "the page, its screenshot and its archive: {kinds:?}");
        assert!(kinds.contains(&"image/png") && kinds.contains(&"application/warc"), "{kinds:?}");
        // The report lists the screenshot and the archive with their SHA-256; the bundle holds them.
        let shas: Vec<String> = evidence
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["body"]["incident"] == captured && e["body"]["content_type"] != "text/html")
            .map(|e| e["body"]["sha256"].as_str().unwrap().to_owned())
            .collect();
        let only = json!({"format": "pdf", "subject_name": "Ruby", "incidents": [captured]});
        let (pdf, _) = crate::reports::report(&api, &case, only, 200).await;
        let text = crate::reports::squash(&crate::reports::pdf_text(&pdf));
        assert!(shas.iter().all(|sha| text.contains(sha.as_str())), "{shas:?} in the report");
        let bundled = json!({"format": "bundle", "subject_name": "Ruby", "incidents": [captured]});
        let (bundle, _) = crate::reports::report(&api, &case, bundled, 200).await;
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(&bundle)).unwrap();
        let names: Vec<String> =
            (0..zip.len()).map(|i| zip.by_index(i).unwrap().name().unwrap().into_owned()).collect();
        assert!(names.iter().any(|n| n.ends_with(".warc")) && names.iter().any(|n| n.ends_with(".png")), "{names:?}");

        // Whitelisted: later scans leave it out; a copy already listed is not listed again.
        let leak_id = leak["id"].as_str().unwrap();
        api.json(api.post(&format!("/api/v1/cases/{case}/copies/{leak_id}/whitelist")), 204).await;
        let rescan = scan(&api, &case, &[site.url.as_str()]).await;
        assert_eq!(rescan["found"], 0, "{rescan}");
        let statuses: Vec<String> =
            copies(&api, &case).await.iter().map(|c| c["body"]["status"].as_str().unwrap().to_owned()).collect();
        assert_eq!(statuses, ["whitelisted", "confirmed"]);

        // Her own accounts are never scanned, and nothing on them is listed.
        let own = format!("{}own/", site.url);
        let account =
            api.json(api.post(&format!("/api/v1/cases/{case}/accounts")).json(&json!({"address": own})), 201).await;
        let refused = api
            .json(
                api.post(&format!("/api/v1/cases/{case}/scans")).json(&json!({"addresses": [format!("{own}page")]})),
                422,
            )
            .await;
        assert!(refused.to_string().contains("not your own accounts"), "{refused}");
        let bad = api
            .json(api.post(&format!("/api/v1/cases/{case}/accounts")).json(&json!({"address": "onlyfans"})), 422)
            .await;
        assert!(bad.to_string().contains("https://"));
        let accounts = api.json(api.get(&format!("/api/v1/cases/{case}/accounts")), 200).await;
        assert_eq!(accounts[0]["body"]["address"], own.as_str());
        api.json(api.delete(&format!("/api/v1/cases/{case}/accounts/{}", account.as_str().unwrap())), 204).await;

        // Files she has, checked against her content and not kept.
        let flipped = std::fs::read(site_dir_path.join("leak.jpg")).unwrap();
        let form = reqwest::multipart::Form::new()
            .part("files", reqwest::multipart::Part::bytes(flipped).file_name("saved.jpg"))
            .part("files", reqwest::multipart::Part::bytes(vector("q1050.jpg")).file_name("other.jpg"))
            .part("files", reqwest::multipart::Part::bytes(b"not media".to_vec()).file_name("notes.txt"));
        let checked = api.json(api.post(&format!("/api/v1/cases/{case}/content/check")).multipart(form), 200).await;
        assert_eq!(checked[0]["content"], bridge, "{checked}");
        assert!(checked[0]["distance"].as_u64().unwrap() <= 31);
        assert!(checked[1]["content"].is_null() && checked[1]["error"].is_null(), "{checked}");
        assert!(checked[2]["error"].as_str().unwrap().contains("neither an image nor a readable video"));

        api.json(api.delete(&format!("/api/v1/cases/{case}/content/{pen}")), 204).await;
        assert_eq!(api.json(api.get(&format!("/api/v1/cases/{case}/content")), 200).await.as_array().unwrap().len(), 1);
    }
}

#[tokio::test]
async fn the_page_registers_fingerprints_and_lists_copies_without_loading_them() {
    let site_dir = site_with_leak();
    std::fs::write(site_dir.path().join("index.html"), "<img src=leak.jpg>").unwrap();
    let site_path = site_dir.path().to_owned();
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

    // A file she has, checked and not kept.
    let leak = std::fs::read(site_path.join("leak.jpg")).unwrap();
    let form = reqwest::multipart::Form::new()
        .text("csrf", token.clone())
        .part("files", reqwest::multipart::Part::bytes(leak).file_name("saved.jpg"));
    let res = browser.post(format!("{url}/check")).multipart(form).send().await.unwrap();
    let checked = res.text().await.unwrap();
    assert!(
        checked.contains("saved.jpg") && checked.contains("a copy of “Bridge photo: bridge-1-original.jpg”"),
        "{checked}"
    );

    let res = browser
        .post(format!("{url}/scan"))
        .form(&[("csrf", token.as_str()), ("addresses", &format!("{}\n\n", site.url))])
        .send()
        .await
        .unwrap();
    assert!(res.status().is_redirection(), "{}", res.status());
    let mut progress = String::new();
    for _ in 0..600 {
        progress = browser.get(&url).send().await.unwrap().text().await.unwrap();
        if progress.contains("Finished") {
            break;
        }
        assert!(progress.contains("<progress") && progress.contains("http-equiv=\"refresh\""), "{progress}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(progress.contains("1 copy found") && progress.contains("1 copy found to review"), "{progress}");
    assert!(!progress.contains("http-equiv"), "a finished scan stops the page reloading");

    let copies = browser.get(format!("{}/cases/{case}/copies", server.url)).send().await.unwrap().text().await.unwrap();
    assert!(copies.contains("leak.jpg") && copies.contains("SHA-256") && copies.contains("Found on 127.0.0.1"));
    assert!(copies.contains("No picture kept (registered by fingerprints only"), "{copies}");
    assert!(copies.contains("/thumbnail\" alt=\"What was found at 127.0.0.1:"), "the site with its port: {copies}");
    assert!(!copies.contains("<img src=\"http"), "the page never loads anything from the site");
    let confirm = copies.split("action=\"").find(|a| a.contains("/confirm")).unwrap().split('"').next().unwrap();
    let res = browser.post(format!("{}{confirm}", server.url)).form(&[("csrf", token.as_str())]).send().await.unwrap();
    let incident = res.headers()["location"].to_str().unwrap().to_owned();
    assert!(incident.contains("/incidents/"), "{incident}");
    let shown = browser.get(format!("{}{incident}", server.url)).send().await.unwrap().text().await.unwrap();
    assert!(shown.contains("leak.jpg") && shown.contains("page 127.0.0.1"), "the page copy and the image are evidence");
    let copies = browser.get(format!("{}/cases/{case}/copies", server.url)).send().await.unwrap().text().await.unwrap();
    assert!(copies.contains("Nothing to review") && copies.contains("see it on your timeline"));
}

/// A scan of many addresses, with the server killed part way: after the restart it carries on
/// from where it stopped once she opens her case, and finds every copy exactly once.
#[tokio::test]
async fn a_scan_survives_the_server_being_killed() {
    let site_dir = site_with_leak();
    std::fs::write(site_dir.path().join("pen.png"), vector("pen-and-coaster.png")).unwrap();
    std::fs::write(site_dir.path().join("other.jpg"), vector("q1050.jpg")).unwrap();
    std::fs::create_dir(site_dir.path().join("mine")).unwrap();
    std::fs::write(site_dir.path().join("mine/pen.png"), vector("pen-and-coaster.png")).unwrap();
    let pages =
        ["other.jpg", "leak.jpg", "other.jpg", "other.jpg", "pen.png", "mine/pen.png", "other.jpg", "other.jpg"];
    for (i, image) in pages.iter().enumerate() {
        std::fs::write(site_dir.path().join(format!("p{i}.html")), format!("<img src=\"{image}\">")).unwrap();
    }
    let site = serve(site_dir);
    for backend in backends().await {
        let mut server =
            Server::start_with(backend, &[("LODGE_SCAN_ALLOW_PRIVATE", "true"), ("LODGE_SCAN_INTERVAL_MS", "400")])
                .await;
        server.add_user("survivor", "ruby");
        let api = server.api("ruby").await;
        let case = api.create_case("Durable scan").await;
        for (label, file) in [("Bridge", "bridge-1-original.jpg"), ("Pen", "pen-and-coaster.png")] {
            let form = reqwest::multipart::Form::new()
                .text("label", label)
                .part("file", reqwest::multipart::Part::bytes(vector(file)).file_name(file.to_owned()));
            add(&api, &case, form, 201).await;
        }
        let mine = format!("{}mine/", site.url);
        api.json(api.post(&format!("/api/v1/cases/{case}/accounts")).json(&json!({ "address": mine })), 201).await;
        let addresses: Vec<String> = (0..pages.len()).map(|i| format!("{}p{i}.html", site.url)).collect();
        let started = api
            .json(api.post(&format!("/api/v1/cases/{case}/scans")).json(&json!({ "addresses": addresses })), 202)
            .await;
        let id = started["id"].as_str().unwrap().to_owned();
        let mut before = 0;
        for _ in 0..600 {
            before =
                api.json(api.get(&format!("/api/v1/cases/{case}/scans/{id}")), 200).await["done"].as_i64().unwrap();
            if before >= 2 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert!((2..pages.len() as i64).contains(&before), "killed part way ({before})");
        server.kill_and_restart().await;

        // Her session still works; opening the case lets this node hold its key and carry on.
        let after = api.json(api.get(&format!("/api/v1/cases/{case}/scans/{id}")), 200).await;
        assert!(after["done"].as_i64().unwrap() >= before, "progress is kept: {after}");
        let done = wait_for_scan(&api, &case, &id).await;
        assert_eq!((done["state"].as_str(), done["done"].as_i64()), (Some("done"), Some(pages.len() as i64)), "{done}");
        let found: Vec<String> = copies(&api, &case)
            .await
            .iter()
            .map(|c| c["body"]["media"].as_str().unwrap().trim_start_matches(site.url.as_str()).to_owned())
            .collect();
        assert_eq!(found, ["leak.jpg", "pen.png"], "each copy once; nothing on her own account");
    }
}

/// Files kept for jobs (videos waiting for their fingerprints, reports made) in the server's file store.
pub fn job_files(server: &Server) -> Vec<String> {
    walkdir(&server.data_dir.path().join("files")).into_iter().filter(|p| p.contains("/jobs/")).collect()
}

fn walkdir(root: &std::path::Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut dirs = vec![root.to_owned()];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.map(Result::unwrap) {
            if entry.path().is_dir() {
                dirs.push(entry.path());
            } else {
                found.push(entry.path().display().to_string());
            }
        }
    }
    found
}

async fn wait_for_fingerprints(api: &Api, case: &str, id: &str) -> Value {
    for _ in 0..1200 {
        let job = api.json(api.get(&format!("/api/v1/cases/{case}/fingerprinting/{id}")), 200).await;
        if !["queued", "running"].contains(&job["state"].as_str().unwrap()) {
            return job;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the video was not fingerprinted");
}

#[tokio::test]
async fn a_video_is_fingerprinted_by_a_job_that_survives_a_kill() {
    let videos = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/vectors/vpdq/videos/");
    let video = std::fs::read(format!("{videos}pattern-sd-grey-bar.mp4")).unwrap();
    let md5 = {
        let out = Command::new("md5sum").arg(format!("{videos}pattern-sd-grey-bar.mp4")).output().unwrap();
        String::from_utf8(out.stdout).unwrap().split_whitespace().next().unwrap().to_owned()
    };
    for backend in backends().await {
        let mut server = Server::start(backend).await;
        server.add_user("survivor", "ruby");
        let api = server.api("ruby").await;
        let case = api.create_case("Videos").await;
        let form = |label: &str, bytes: Vec<u8>, name: &str| {
            reqwest::multipart::Form::new().text("label", label.to_owned()).part(
                "file",
                reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()).mime_str("video/mp4").unwrap(),
            )
        };

        // Not a video: she hears at once, and nothing is kept.
        let refused = add(&api, &case, form("Broken", b"not a video at all".to_vec(), "broken.mp4"), 422).await;
        assert!(refused.to_string().contains("cannot be fingerprinted"), "{refused}");
        assert_eq!(job_files(&server), Vec::<String>::new());

        // A video: accepted at once, kept encrypted for its job; the server is killed straight away.
        let started = add(&api, &case, form("Pattern clip", video.clone(), "clip.mp4"), 202).await;
        let id = started["id"].as_str().unwrap().to_owned();
        assert_eq!((started["total"].as_i64(), started["content"].as_str()), (Some(100), None), "{started}");
        server.kill_and_restart().await;

        // Opening the case again lets the restarted node carry the job on to the end.
        let done = wait_for_fingerprints(&api, &case, &id).await;
        assert_eq!((done["state"].as_str(), done["done"].as_i64()), (Some("done"), Some(100)), "{done}");
        assert_eq!(done["content"].as_str(), Some(id.as_str()), "the piece has the job's id");
        let list = api.json(api.get(&format!("/api/v1/cases/{case}/content")), 200).await;
        let pieces = list.as_array().unwrap();
        assert_eq!(pieces.len(), 1, "registered once, however often the job ran: {list}");
        let body = &pieces[0]["body"];
        assert_eq!((body["label"].as_str(), body["md5"].as_str()), (Some("Pattern clip"), Some(md5.as_str())));
        let frames: Vec<&str> = body["vpdq"].as_array().unwrap().iter().map(|l| l.as_str().unwrap()).collect();
        assert_eq!(frames.len(), 7, "one frame a second of a 6.9 second clip: {frames:?}");
        assert!(frames[1].starts_with("30,"), "{frames:?}");
        assert_eq!(job_files(&server), Vec::<String>::new(), "the video is deleted once fingerprinted");
        let metrics = server.metrics().await;
        assert!(metrics.contains("lodge_jobs{kind=\"video\",state=\"done\"} 1"), "{metrics}");
        let csv =
            api.get(&format!("/api/v1/cases/{case}/content/hash-list")).send().await.unwrap().text().await.unwrap();
        assert!(csv.lines().any(|l| l.starts_with(&format!("vpdq,{id},"))), "{csv}");

        // Stopped: the video goes, and nothing is registered. (The job may already have run.)
        let second = add(&api, &case, form("Second clip", video.clone(), "second.mp4"), 202).await;
        let second_id = second["id"].as_str().unwrap();
        api.json(api.delete(&format!("/api/v1/cases/{case}/fingerprinting/{second_id}")), 204).await;
        let stopped = wait_for_fingerprints(&api, &case, second_id).await;
        let registered = api.json(api.get(&format!("/api/v1/cases/{case}/content")), 200).await;
        match stopped["state"].as_str() {
            Some("cancelled") => assert_eq!(registered.as_array().unwrap().len(), 1),
            Some("done") => assert_eq!(registered.as_array().unwrap().len(), 2),
            other => panic!("{other:?}"),
        }
        assert_eq!(job_files(&server), Vec::<String>::new(), "a stopped job's video is deleted");
        assert_eq!(
            api.get(&format!("/api/v1/cases/{case}/scans/{second_id}")).send().await.unwrap().status(),
            404,
            "a video's job is not a scan"
        );

        // The page shows the work in progress and reloads itself while it runs.
        let browser = server.browser("ruby").await;
        let page =
            browser.get(format!("{}/cases/{case}/content", server.url)).send().await.unwrap().text().await.unwrap();
        let token = crate::harness::csrf(&page);
        let upload = reqwest::multipart::Form::new()
            .text("csrf", token)
            .text("label", "From the page")
            .text("made_by", "her")
            .part(
                "file",
                reqwest::multipart::Part::bytes(video.clone()).file_name("page.mp4").mime_str("video/mp4").unwrap(),
            );
        let res = browser.post(format!("{}/cases/{case}/content", server.url)).multipart(upload).send().await.unwrap();
        assert_eq!(res.status(), 303);
        let mut seen_working = false;
        for _ in 0..600 {
            let page =
                browser.get(format!("{}/cases/{case}/content", server.url)).send().await.unwrap().text().await.unwrap();
            if page.contains("Fingerprinting “From the page”") {
                seen_working = true;
                assert!(page.contains("http-equiv=\"refresh\""), "the page reloads while it works");
                assert!(page.contains("Stop and delete this video"));
            } else if page.contains("<strong>From the page</strong>") {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        let page =
            browser.get(format!("{}/cases/{case}/content", server.url)).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("<strong>From the page</strong>") && !page.contains("http-equiv=\"refresh\""), "{page}");
        println!("the page showed the video being fingerprinted: {seen_working}");
    }
}
