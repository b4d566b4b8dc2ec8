//! The canary rule: a unique marker sent through every input path never appears in plaintext
//! in the database files (WAL included; a dump for PostgreSQL), the file store or the
//! server's log, and reads back intact.

use std::path::Path;

use serde_json::json;

use crate::harness::{Backend, Server, backends, csrf, png};

pub(crate) fn files_containing(dir: &Path, needle: &[u8]) -> Vec<String> {
    let mut hits = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if std::fs::read(&path).unwrap().windows(needle.len()).any(|w| w == needle) {
                hits.push(path.display().to_string());
            }
        }
    }
    hits
}

pub(crate) fn pg_dump(url: &str) -> Vec<u8> {
    let out = std::process::Command::new("pg_dump").arg("--data-only").arg(url).output().expect("pg_dump is installed");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

#[tokio::test]
async fn canary_never_reaches_disk_or_logs_in_plaintext() {
    for backend in backends().await {
        let server = Server::start_with(
            backend.clone(),
            &[
                ("LODGE_SCAN_ALLOW_PRIVATE", "true"),
                ("LODGE_SCAN_INTERVAL_MS", "0"),
                ("LODGE_WATCH_SITES", "[{name=\"Nowhere\", search_url=\"http://127.0.0.1:9/search?q={query}\"}]"),
            ],
        )
        .await;
        server.add_user("survivor", "alice");
        let api = server.api("alice").await;
        let canary = format!("CANARY{}", uuid_like());
        let c = |field: &str| format!("{canary}-{field}");

        // Through the API: case title, person and identifiers, every incident field, evidence.
        let case = api.create_case(&c("title")).await;
        let person = api
            .json(
                api.post(&format!("/api/v1/cases/{case}/people")).json(&json!({
                    "label": c("label"), "name": c("name"), "address": c("address"), "vehicle": c("vehicle"), "notes": c("notes"),
                    "identifiers": [
                        {"kind": "username", "platform": c("platform"), "value": c("username"), "first_seen": "2025-01-01"},
                        {"kind": "phone", "value": c("phone")}
                    ]
                })),
                201,
            )
            .await;
        let person_id = person["id"].as_str().unwrap().to_owned();
        let incident = json!({
            "occurred": {"kind": "approximate", "description": c("occurred"), "around": "2025-05-03"},
            "discovered": {"kind": "exact", "at": "2025-05-04T09:00:00+01:00[Europe/London]"},
            "platform": c("where"), "url": format!("https://example.com/{}", c("url")), "place": c("place"),
            "description": c("description"), "verbatim": c("verbatim"), "conduct": ["threats", "contacting"],
            "effects": ["fear"], "effect_words": c("effect"), "witnesses": c("witnesses"), "asked_to_stop": "yes",
            "police_reference": c("police"), "people": [person_id]
        });
        let created = api.create_incident(&case, incident.clone()).await;
        let incident_id = created["id"].as_str().unwrap().to_owned();
        let file_content = c("file-content").repeat(5000).into_bytes();
        let evidence =
            api.upload(&case, Some(&incident_id), &format!("{}.txt", c("file-name")), file_content.clone()).await;
        let mut image = png(64, 64);
        image.extend_from_slice(c("image-trailer").as_bytes());
        api.upload(&case, Some(&incident_id), &format!("{}.png", c("image-name")), image).await;
        // An imported chat: sender, text and file name.
        let chat = format!("[03/05/2024, 21:15:40] {}: {}\n", c("sender"), c("chat-text"));
        let staged = crate::imports::stage(&api, &case, &format!("{}.txt", c("export")), chat.as_bytes(), 201).await;
        let imported = crate::imports::import(&api, &case, &staged, json!({}), 201).await;
        assert_eq!(imported["messages"], 1);
        // Her own content: its label and where it was first published.
        let content = reqwest::multipart::Form::new()
            .text("label", c("content-label"))
            .text("first_published", format!("https://example.com/{}", c("published")))
            .part("file", reqwest::multipart::Part::bytes(png(64, 64)).file_name("mine.png"));
        api.json(api.post(&format!("/api/v1/cases/{case}/content")).multipart(content), 201).await;
        // Her fingerprints are case content too.
        let registered = api.json(api.get(&format!("/api/v1/cases/{case}/content")), 200).await;
        let fingerprint = registered[0]["body"]["pdq"][0].as_str().unwrap().to_owned();
        assert_eq!(fingerprint.len(), 64);

        // Her own account, and a scan: the addresses (in the job), the copy found, the page and
        // image kept for her review.
        let account = json!({"address": format!("https://fans.example/{}", c("account"))});
        api.json(api.post(&format!("/api/v1/cases/{case}/accounts")).json(&account), 201).await;
        let pen = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/vectors/pdq/images/pen-and-coaster.png"
        ))
        .unwrap();
        let content = reqwest::multipart::Form::new()
            .text("label", c("pen-label"))
            .part("file", reqwest::multipart::Part::bytes(pen.clone()).file_name("pen.png"));
        api.json(api.post(&format!("/api/v1/cases/{case}/content")).multipart(content), 201).await;
        let site_dir = tempfile::tempdir().unwrap();
        std::fs::write(site_dir.path().join(format!("{}.png", c("image"))), &pen).unwrap();
        std::fs::write(
            site_dir.path().join(format!("{}.html", c("page"))),
            format!("<p>{}</p><img src=\"{}.png\">", c("page-text"), c("image")),
        )
        .unwrap();
        let site = lodge_testkit::site::serve(site_dir);
        let address = format!("{}{}.html", site.url, c("page"));
        let started = api
            .json(api.post(&format!("/api/v1/cases/{case}/scans")).json(&json!({"addresses": [address]})), 202)
            .await;
        let scan = format!("/api/v1/cases/{case}/scans/{}", started["id"].as_str().unwrap());
        for _ in 0..600 {
            if api.json(api.get(&scan), 200).await["state"] == "done" {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        let copies = api.json(api.get(&format!("/api/v1/cases/{case}/copies")), 200).await;
        assert_eq!(copies[0]["body"]["page"], address.as_str(), "the scan found the copy");
        assert_eq!(copies[0]["body"]["kept_files"], true);

        // A saved search for her name.
        api.json(api.post(&format!("/api/v1/cases/{case}/watches")).json(&json!({"query": c("watch")})), 201).await;

        // Through the pages: a new incident with a file, by multipart form.
        let browser = server.browser("alice").await;
        let html = browser
            .get(format!("{}/cases/{case}/incidents/new", server.url))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let form = reqwest::multipart::Form::new()
            .text("csrf", csrf(&html))
            .text("occurred_kind", "exact")
            .text("occurred_date", "2025-06-01")
            .text("occurred_time", "23:10")
            .text("occurred_zone", "Europe/London")
            .text("description", c("page-description"))
            .text("verbatim", c("page-verbatim"))
            .part("files", reqwest::multipart::Part::bytes(c("page-file").into_bytes()).file_name(c("page-file-name")));
        let res = browser.post(format!("{}/cases/{case}/incidents", server.url)).multipart(form).send().await.unwrap();
        assert_eq!(res.status(), 303);

        // Everything reads back intact.
        let back = api.json(api.get(&format!("/api/v1/cases/{case}/incidents/{incident_id}")), 200).await;
        for field in
            ["platform", "url", "place", "description", "verbatim", "effect_words", "witnesses", "police_reference"]
        {
            assert_eq!(back["body"][field], incident[field], "{field}");
        }
        assert_eq!(back["body"]["occurred"]["description"], c("occurred"));
        let cases = api.json(api.get("/api/v1/cases"), 200).await;
        assert_eq!(cases[0]["title"], c("title"));
        let p = api.json(api.get(&format!("/api/v1/cases/{case}/people/{person_id}")), 200).await;
        assert_eq!(p["body"]["identifiers"][0]["value"], c("username"));
        let ev = evidence["id"].as_str().unwrap();
        let content = api.bytes(&format!("/api/v1/cases/{case}/evidence/{ev}/content")).await;
        assert_eq!(content, file_content);
        assert_eq!(evidence["body"]["file_name"], format!("{}.txt", c("file-name")));
        let timeline = browser.get(format!("{}/cases/{case}", server.url)).send().await.unwrap().text().await.unwrap();
        assert!(timeline.contains(&c("page-description")));

        // Reports carry it out to her, and leave nothing behind on the server.
        for format in ["pdf", "bundle"] {
            let report = api
                .post(&format!("/api/v1/cases/{case}/reports"))
                .json(&serde_json::json!({ "format": format, "subject_name": c("report-name") }))
                .send()
                .await
                .unwrap();
            assert_eq!(report.status(), 200, "{format}");
            let bytes = report.bytes().await.unwrap();
            if format == "bundle" {
                assert!(bytes.windows(canary.len()).any(|w| w == canary.as_bytes()), "the bundle holds her files");
            }
        }

        // And none of it is on disk or in the log in plaintext.
        let needle = canary.as_bytes();
        assert_eq!(files_containing(server.data_dir.path(), needle), Vec::<String>::new(), "{backend:?}");
        assert_eq!(
            files_containing(server.data_dir.path(), fingerprint.as_bytes()),
            Vec::<String>::new(),
            "{backend:?}"
        );
        assert!(std::fs::read_dir(server.data_dir.path()).unwrap().count() > 0);
        if matches!(backend, Backend::Sqlite) {
            assert!(server.data_dir.path().join("lodge.db-wal").exists(), "the WAL is checked too");
        }
        let metrics = server.metrics().await;
        assert!(
            metrics.contains("lodge_http_requests_total") && !metrics.contains(&canary),
            "metrics hold case content"
        );
        // Requests refused before Lodge reads them, with the canary where a value goes: the
        // framework's explanations quote such values, and the log (at debug level) must not.
        let raw = reqwest::Client::new();
        let bearer = api.token.clone();
        for (path, body) in [
            (format!("/api/v1/cases/{canary}"), None),
            (format!("/api/v1/cases/{case}/checkpoint/consistency?from={canary}"), None),
            (format!("/api/v1/cases/{case}/content/hash-list?format={canary}"), None),
            (format!("/api/v1/cases/{case}/incidents"), Some(format!("{{\"description\": {canary}"))),
            (format!("/api/v1/cases/{case}/incidents"), Some(format!("{{\"description\": \"{canary}\", \"x\": 1}}"))),
        ] {
            let req = match body {
                Some(body) => {
                    raw.post(format!("{}{path}", server.url)).header("content-type", "application/json").body(body)
                }
                None => raw.get(format!("{}{path}", server.url)),
            };
            let status = req.bearer_auth(&bearer).send().await.unwrap().status();
            assert!(status.is_client_error(), "{path}: {status}");
        }
        let log = server.log();
        assert!(log.contains("listening"), "the log was captured");
        assert!(
            !log.contains(&canary),
            "the server log holds case content: {}",
            log.lines().filter(|l| l.contains(&canary)).collect::<Vec<_>>().join("\n")
        );
        if let Backend::Postgres(url) = &backend {
            let dump = pg_dump(url);
            assert!(dump.windows(5).any(|w| w == b"COPY "), "the dump has table data");
            assert!(!dump.windows(needle.len()).any(|w| w == needle), "the PostgreSQL tables hold case content");
            assert!(!dump.windows(64).any(|w| w == fingerprint.as_bytes()), "the PostgreSQL tables hold a fingerprint");
        }
    }
}

fn uuid_like() -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    format!("{nanos:x}{}", std::process::id())
}
