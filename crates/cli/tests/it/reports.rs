//! Reports through the real server and `lodge verify` as an officer would run it: a case that
//! knows the stalker only by a username gives a PDF with no empty holes and a bundle that
//! verifies offline; a changed byte is named; fields she leaves out appear nowhere.

use std::io::Read;
use std::process::Command;

use serde_json::{Value, json};

use crate::harness::{Api, Server, backends, png};

const MARKER: &str = "LEAVE-OUT-2f9c41";

pub fn pdf_text(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("r.pdf"), pdf).unwrap();
    let out =
        Command::new("pdftotext").arg(dir.path().join("r.pdf")).arg("-").output().expect("pdftotext is installed");
    assert!(out.status.success());
    // Lines wrap wherever the layout puts them: compare words, not line breaks.
    String::from_utf8(out.stdout).unwrap().split_whitespace().collect::<Vec<_>>().join(" ")
}

pub fn squash(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

pub async fn report(api: &Api, case: &str, body: Value, status: u16) -> (Vec<u8>, String) {
    let res = api.post(&format!("/api/v1/cases/{case}/reports")).json(&body).send().await.unwrap();
    let got = res.status().as_u16();
    let kind = res.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    let bytes = res.bytes().await.unwrap().to_vec();
    assert_eq!(got, status, "{}", String::from_utf8_lossy(&bytes));
    (bytes, kind)
}

pub fn verify(bundle: &[u8], key: Option<&str>) -> (bool, String, String) {
    let key_args: Vec<&str> = key.map(|k| vec!["--key", k]).unwrap_or_default();
    verify_with(bundle, &key_args, "")
}

/// `lodge verify` with extra arguments and what is typed on standard input.
fn verify_with(bundle: &[u8], args: &[&str], stdin: &str) -> (bool, String, String) {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bundle.zip");
    std::fs::write(&path, bundle).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_lodge"))
        .arg("verify")
        .args(args)
        .arg(&path)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    (out.status.success(), String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
}

/// A case with one person known only by a username, three incidents, a screenshot and a text file.
async fn username_only_case(api: &Api) -> (String, Vec<String>) {
    let case = api.create_case("Instagram account").await;
    let person = api
        .json(
            api.post(&format!("/api/v1/cases/{case}/people")).json(&json!({
                "label": "",
                "identifiers": [{ "kind": "username", "platform": "Instagram", "value": "@darkwolf_99" }]
            })),
            201,
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut incidents = Vec::new();
    for (day, text, verbatim) in [
        ("2025-03-03", "Messages all night from the account", MARKER),
        ("2025-03-10", "Commented on every post", ""),
        ("2025-03-17", "Threatened to send my photos to my family", ""),
    ] {
        let body = json!({
            "occurred": { "kind": "exact", "at": format!("{day}T21:15:00+00:00[Europe/London]") },
            "platform": "Instagram",
            "description": text,
            "verbatim": verbatim,
            "conduct": ["contacting", "threats"],
            "effects": ["fear"],
            "people": [person],
        });
        incidents.push(api.create_incident(&case, body).await["id"].as_str().unwrap().to_owned());
    }
    let mut shas = Vec::new();
    shas.push(
        api.upload(&case, Some(&incidents[0]), "screenshot.png", png(64, 48)).await["body"]["sha256"]
            .as_str()
            .unwrap()
            .to_owned(),
    );
    shas.push(
        api.upload(&case, Some(&incidents[2]), "chat.txt", b"[17/03/2025] darkwolf: I'll send them".to_vec()).await["body"]["sha256"]
            .as_str()
            .unwrap()
            .to_owned(),
    );
    (case, shas)
}

#[tokio::test]
async fn a_username_only_case_gives_a_full_report_and_a_bundle_that_verifies_offline() {
    for backend in backends().await {
        let server = Server::start(backend).await;
        server.add_user("survivor", "ruby");
        let api = server.api("ruby").await;
        let (case, shas) = username_only_case(&api).await;

        let (pdf, kind) = report(&api, &case, json!({ "format": "pdf", "subject_name": "Ruby Starr" }), 200).await;
        assert_eq!(kind, "application/pdf");
        let text = pdf_text(&pdf);
        for expected in [
            "Ruby Starr",
            "@darkwolf_99",
            "Messages all night from the account",
            "Threatened to send my photos",
            "EX-001",
            "EX-002",
            "screenshot.png",
            MARKER,
        ] {
            assert!(text.contains(expected), "{expected:?} missing from the report:\n{text}");
        }
        for sha in &shas {
            assert!(squash(&text).contains(sha.as_str()), "exhibit hash {sha} missing");
        }
        // Known only by a username: the report says so, and has no empty details.
        assert!(text.contains("A username is enough to report"), "{text}");
        assert!(
            text.contains("Appears in 3 of the incidents in this report, from 3 March 2025 to 17 March 2025."),
            "her course of conduct per person: {text}"
        );
        for hole in ["Real name", "Address:", "Date not known", "null", "Prepared for"] {
            assert!(!text.contains(hole), "{hole:?} in a username-only report:\n{text}");
        }

        let key = api.json(api.get(&format!("/api/v1/cases/{case}/checkpoint")), 200).await["verifier_key"]
            .as_str()
            .unwrap()
            .to_owned();
        let (bundle, kind) =
            report(&api, &case, json!({ "format": "bundle", "subject_name": "Ruby Starr" }), 200).await;
        assert_eq!(kind, "application/zip");
        let (ok, out, err) = verify(&bundle, Some(&key));
        assert!(ok, "{out}{err}");
        assert!(out.contains("2 exhibits"), "{out}");

        // One changed byte inside the screenshot: named, exit status 1.
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(&bundle)).unwrap();
        let start = zip.by_name("exhibits/EX-001 screenshot.png").unwrap().data_start().unwrap() as usize;
        let mut changed = bundle.clone();
        changed[start + 20] ^= 0x80;
        let (ok, _, err) = verify(&changed, Some(&key));
        assert!(!ok);
        assert!(err.contains("exhibits/EX-001 screenshot.png"), "{err}");

        // Exports are in her log and listed on the report page.
        let log = api.json(api.get(&format!("/api/v1/cases/{case}/checkpoint")), 200).await;
        assert_eq!(log["size"].as_u64().unwrap(), 1 + 1 + 3 + 2 + 2, "case, person, incidents, files, two exports");
    }
}

#[tokio::test]
async fn what_she_leaves_out_is_nowhere_in_the_report_or_the_bundle() {
    let server = Server::start(crate::harness::Backend::Sqlite).await;
    server.add_user("survivor", "ruby");
    let api = server.api("ruby").await;
    let (case, _) = username_only_case(&api).await;
    let choices =
        |format: &str| json!({ "format": format, "subject_name": "Ruby", "redact": ["verbatim", "pictures"] });

    let (pdf, _) = report(&api, &case, choices("pdf"), 200).await;
    let text = pdf_text(&pdf);
    assert!(!text.contains(MARKER), "a left-out field is in the PDF");
    assert!(text.contains("Exact words of messages"), "the report says which kinds of detail were left out");

    let (bundle, _) = report(&api, &case, choices("bundle"), 200).await;
    assert!(!bundle.windows(MARKER.len()).any(|w| w == MARKER.as_bytes()), "a left-out field is in the bundle's bytes");
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(&bundle)).unwrap();
    for i in 0..zip.len() {
        let mut file = zip.by_index(i).unwrap();
        let name = file.name().unwrap().to_string();
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).unwrap();
        let readable =
            if name.ends_with(".pdf") { pdf_text(&bytes) } else { String::from_utf8_lossy(&bytes).into_owned() };
        assert!(!readable.contains(MARKER), "{name} holds a left-out field");
    }

    // A date range and a chosen incident narrow the report; bad choices are explained.
    let (pdf, _) = report(
        &api,
        &case,
        json!({ "format": "pdf", "subject_name": "Ruby", "from": "2025-03-09", "to": "2025-03-12" }),
        200,
    )
    .await;
    let text = pdf_text(&pdf);
    assert!(text.contains("Commented on every post") && !text.contains("Messages all night"), "{text}");
    let err = api
        .json(
            api.post(&format!("/api/v1/cases/{case}/reports")).json(&json!({ "format": "pdf", "subject_name": " " })),
            422,
        )
        .await;
    assert_eq!(err["problems"][0]["field"], "subject_name");
    let err = api
        .json(
            api.post(&format!("/api/v1/cases/{case}/reports"))
                .json(&json!({ "format": "pdf", "subject_name": "Ruby", "from": "2030-01-01" })),
            422,
        )
        .await;
    assert_eq!(err["problems"][0]["field"], "incidents");
    let err = api
        .json(
            api.post(&format!("/api/v1/cases/{case}/reports"))
                .json(&json!({ "format": "pdf", "subject_name": "Ruby", "redact": ["everything"] })),
            400,
        )
        .await;
    assert_eq!(err["problems"][0]["field"], "redact[0]");
}

#[tokio::test]
async fn with_a_timestamp_authority_the_bundle_carries_trusted_time_that_openssl_accepts() {
    let tsa = crate::harness::TimestampAuthority::start().await;
    let server = Server::start_with(crate::harness::Backend::Sqlite, &[("LODGE_TIMESTAMP_URL", &tsa.url)]).await;
    server.add_user("survivor", "ruby");
    let api = server.api("ruby").await;
    let (case, _) = username_only_case(&api).await;

    let (bundle, _) = report(&api, &case, json!({ "format": "bundle", "subject_name": "Ruby" }), 200).await;
    let (ok, out, err) = verify(&bundle, None);
    assert!(ok, "{out}{err}");
    assert!(out.contains("Trusted time: 20"), "{out}");

    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(&bundle)).unwrap();
    let mut read = |name: &str| {
        let mut bytes = Vec::new();
        zip.by_name(name).unwrap().read_to_end(&mut bytes).unwrap();
        bytes
    };
    let (note, token, pdf) = (read("checkpoint.txt"), read("checkpoint.tsr"), read("report.pdf"));
    assert!(tsa.openssl_verifies(&note, &token), "the token verifies with openssl against the authority's CA");
    assert!(pdf_text(&pdf).contains("RFC 3161 token from the organisation's timestamp authority"));

    // A changed token is named.
    let start = zip::ZipArchive::new(std::io::Cursor::new(&bundle))
        .unwrap()
        .by_name("checkpoint.tsr")
        .unwrap()
        .data_start()
        .unwrap() as usize;
    let mut changed = bundle.clone();
    changed[start + 40] ^= 0x01;
    let (ok, _, err) = verify(&changed, None);
    assert!(!ok);
    assert!(err.contains("checkpoint.tsr"), "{err}");
}

#[tokio::test]
async fn a_locked_bundle_opens_only_with_its_passphrase() {
    let server = Server::start(crate::harness::Backend::Sqlite).await;
    server.add_user("survivor", "ruby");
    let api = server.api("ruby").await;
    let (case, _) = username_only_case(&api).await;
    let passphrase = "purple lantern quietly ferries";
    let body = json!({ "format": "bundle", "subject_name": "Ruby", "seal": { "passphrase": passphrase } });
    let (sealed, kind) = report(&api, &case, body, 200).await;
    assert_eq!(kind, "application/octet-stream");
    assert!(sealed.starts_with(b"age-encryption.org/v1"));
    assert!(!sealed.windows(MARKER.len()).any(|w| w == MARKER.as_bytes()));

    let (ok, out, err) = verify_with(&sealed, &[], &format!("{passphrase}\n"));
    assert!(ok, "{out}{err}");
    assert!(out.contains("2 exhibits"), "{out}");
    let (ok, _, err) = verify_with(&sealed, &[], "not the passphrase\n");
    assert!(!ok);
    assert!(err.contains("cannot be opened"), "{err}");

    // Too short a passphrase, a key that is not one, or a locked PDF: told what to do.
    for (seal, field) in [
        (json!({ "passphrase": "short" }), "seal.passphrase"),
        (json!({ "recipients": ["age1notakey"] }), "seal.recipients"),
    ] {
        let err = api
            .json(
                api.post(&format!("/api/v1/cases/{case}/reports"))
                    .json(&json!({ "format": "bundle", "subject_name": "Ruby", "seal": seal })),
                422,
            )
            .await;
        assert_eq!(err["problems"][0]["field"], field);
    }
    let err = api
        .json(
            api.post(&format!("/api/v1/cases/{case}/reports"))
                .json(&json!({ "format": "pdf", "subject_name": "Ruby", "seal": { "passphrase": passphrase } })),
            422,
        )
        .await;
    assert_eq!(err["problems"][0]["field"], "seal");
}

#[tokio::test]
async fn the_report_page_shows_the_course_of_conduct_with_the_organisation_s_own_services() {
    let services = r#"[{name="Stalking helpline", phone="0808 802 0300", hours="weekdays 9 to 5", url="https://helpline.example.org"}]"#;
    let mut server = Server::start_with(crate::harness::Backend::Sqlite, &[("LODGE_SUPPORT_SERVICES", services)]).await;
    server.add_user("survivor", "ruby");
    let api = server.api("ruby").await;
    let (case, _) = username_only_case(&api).await;
    let browser = server.browser("ruby").await;
    let page = browser.get(format!("{}/cases/{case}/report", server.url)).send().await.unwrap().text().await.unwrap();
    for expected in [
        "Your log records 3 separate occasions between 3 March 2025 and 17 March 2025.",
        "Laws your log may bear on",
        "Criminal Justice and Licensing (Scotland) Act 2010, s.39 (stalking)",
        "Threats of violence, or you fear violence",
        "Stalking helpline",
        "href=\"tel:08088020300\"",
        "weekdays 9 to 5",
        "call 999",
    ] {
        assert!(page.contains(expected), "{expected:?} not on the report page");
    }

    // A weak passphrase gets the form back with her choices and the reason.
    let form = [
        ("csrf", crate::harness::csrf(&page)),
        ("subject_name", "Ruby Starr".to_owned()),
        ("prepared_for", "Police Scotland".to_owned()),
        ("choose", "all".to_owned()),
        ("protect", "passphrase".to_owned()),
        ("passphrase", "short".to_owned()),
        ("format", "bundle".to_owned()),
    ];
    let res = browser.post(format!("{}/cases/{case}/report", server.url)).form(&form).send().await.unwrap();
    assert_eq!(res.status(), 400);
    let again = res.text().await.unwrap();
    assert!(again.contains("at least 12 characters"), "the problem is explained");
    assert!(again.contains("value=\"Police Scotland\""), "what she typed is kept");

    // A preview shows what the report will hold and makes no report.
    let size = || async {
        api.json(api.get(&format!("/api/v1/cases/{case}/checkpoint")), 200).await["size"].as_u64().unwrap()
    };
    let before = size().await;
    let mut preview = form.to_vec();
    preview.retain(|(k, _)| *k != "format" && *k != "protect");
    preview.push(("format", "preview".to_owned()));
    let res = browser.post(format!("{}/cases/{case}/report", server.url)).form(&preview).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let shown = res.text().await.unwrap();
    for expected in [
        "id=\"preview\"",
        "Threatened to send my photos to my family",
        "screenshot.png",
        "@darkwolf_99",
        "value=\"Police Scotland\"",
    ] {
        assert!(shown.contains(expected), "{expected:?} not in the preview");
    }
    assert_eq!(size().await, before, "a preview is not an export");

    // The same form with a good choice has the PDF made in the background; the page shows it
    // being made, then offers it to download.
    let mut form = form.to_vec();
    form.retain(|(k, _)| *k != "format" && *k != "protect");
    form.push(("format", "pdf".to_owned()));
    let res = browser.post(format!("{}/cases/{case}/report", server.url)).form(&form).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], format!("/cases/{case}/report#made"));
    let page = made(&browser, &server.url, &case, 1).await;
    assert!(page.contains("Report (PDF)</strong> for Police Scotland"), "{page}");
    let links = downloads(&page);
    let res = browser.get(format!("{}{}", server.url, links[0])).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    let pdf = res.bytes().await.unwrap();
    assert!(pdf_text(&pdf).contains("Police Scotland"));
    assert!(page.contains("Reports made from this case"));
    let sha = data_encoding::HEXLOWER.encode(&<sha2::Sha256 as sha2::Digest>::digest(&pdf));
    assert!(page.contains(&sha), "the file's SHA-256 is shown and in her log");

    // A locked bundle: the server is killed while it is being made, and it is made all the same
    // once the case is opened again. The file kept is the locked one.
    let passphrase = "purple lantern quietly ferries";
    let mut bundle_form = form.clone();
    bundle_form.retain(|(k, _)| *k != "format" && *k != "passphrase");
    bundle_form.extend([
        ("format", "bundle".to_owned()),
        ("protect", "passphrase".to_owned()),
        ("passphrase", passphrase.to_owned()),
    ]);
    let res = browser.post(format!("{}/cases/{case}/report", server.url)).form(&bundle_form).send().await.unwrap();
    assert_eq!(res.status(), 303);
    server.kill_and_restart().await;
    let browser = server.browser("ruby").await;
    let page = made(&browser, &server.url, &case, 2).await;
    assert!(page.contains("Evidence bundle (zip, locked)"), "{page}");
    let links = downloads(&page);
    assert_eq!(links.len(), 2, "{page}");
    let res = browser.get(format!("{}{}", server.url, links[0])).send().await.unwrap();
    assert_eq!(res.headers()["content-type"], "application/octet-stream");
    assert!(res.headers()["content-disposition"].to_str().unwrap().ends_with(".zip.age\""));
    let sealed = res.bytes().await.unwrap();
    assert!(sealed.starts_with(b"age-encryption.org/v1"));
    let (ok, out, err) = verify_with(&sealed, &[], &format!("{passphrase}\n"));
    assert!(ok, "{out}{err}");
    assert!(out.contains("2 exhibits"), "{out}");

    // Deleted: the file goes, and the link with it.
    let before = crate::content::job_files(&server);
    assert_eq!(before.len(), 2, "{before:?}");
    let res = browser
        .post(format!("{}{}", server.url, links[0].replace("/download", "/delete")))
        .form(&[("csrf", crate::harness::csrf(&page))])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(browser.get(format!("{}{}", server.url, links[0])).send().await.unwrap().status(), 404);
    assert_eq!(crate::content::job_files(&server).len(), 1);
}

/// The report page once `count` files are made, waiting while they are made (the page says it
/// reloads itself meanwhile).
async fn made(browser: &reqwest::Client, url: &str, case: &str, count: usize) -> String {
    let mut page = String::new();
    for _ in 0..1200 {
        page = browser.get(format!("{url}/cases/{case}/report")).send().await.unwrap().text().await.unwrap();
        if downloads(&page).len() == count {
            return page;
        }
        assert!(page.contains("http-equiv=\"refresh\""), "the page reloads while a file is made: {page}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the files were not made: {page}");
}

/// The download links on the report page, newest first.
fn downloads(page: &str) -> Vec<String> {
    page.split("href=\"")
        .skip(1)
        .filter_map(|h| h.split('"').next())
        .filter(|h| h.ends_with("/download"))
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn report_files_are_made_in_the_background_through_the_api_and_kept_until_deleted() {
    for backend in backends().await {
        let server = Server::start(backend).await;
        server.add_user("survivor", "ruby");
        let api = server.api("ruby").await;
        let (case, _) = username_only_case(&api).await;
        let files = format!("/api/v1/cases/{case}/report-files");

        let refused = api.json(api.post(&files).json(&json!({ "format": "bundle", "subject_name": " " })), 422).await;
        assert_eq!(refused["problems"][0]["field"], "subject_name", "checked before anything is queued");
        let refused = api
            .json(
                api.post(&files)
                    .json(&json!({ "format": "pdf", "subject_name": "Ruby", "seal": { "passphrase": "long enough passphrase" } })),
                422,
            )
            .await;
        assert_eq!(refused["problems"][0]["field"], "seal");

        let started =
            api.json(api.post(&files).json(&json!({ "format": "bundle", "subject_name": "Ruby Starr" })), 202).await;
        assert_eq!(
            (started["format"].as_str(), started["exhibits"].as_i64(), started["total"].as_i64()),
            (Some("bundle"), Some(2), Some(5))
        );
        let id = started["id"].as_str().unwrap().to_owned();
        let mut made = started;
        for _ in 0..600 {
            made = api.json(api.get(&format!("{files}/{id}")), 200).await;
            if made["state"] != "queued" && made["state"] != "running" {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert_eq!((made["state"].as_str(), made["done"].as_i64()), (Some("done"), Some(5)), "{made}");

        let res = api.get(&format!("{files}/{id}/content")).send().await.unwrap();
        assert_eq!(res.headers()["content-type"], "application/zip");
        let bundle = res.bytes().await.unwrap().to_vec();
        assert_eq!(made["size"].as_u64(), Some(bundle.len() as u64));
        let key = api.json(api.get(&format!("/api/v1/cases/{case}/checkpoint")), 200).await["verifier_key"]
            .as_str()
            .unwrap()
            .to_owned();
        let (ok, out, err) = verify(&bundle, Some(&key));
        assert!(ok && out.contains("2 exhibits"), "{out}{err}");
        let again = api.get(&format!("{files}/{id}/content")).send().await.unwrap().bytes().await.unwrap();
        assert_eq!(again.to_vec(), bundle, "the same file, as often as she needs it");
        let log = api.json(api.get(&format!("/api/v1/cases/{case}/checkpoint")), 200).await;
        assert_eq!(log["size"].as_u64().unwrap(), 1 + 1 + 3 + 2 + 1, "one export, however often downloaded");
        assert_eq!(api.json(api.get(&files), 200).await.as_array().unwrap().len(), 1);

        api.json(api.delete(&format!("{files}/{id}")), 204).await;
        assert_eq!(api.get(&format!("{files}/{id}")).send().await.unwrap().status(), 404);
        assert_eq!(api.get(&format!("{files}/{id}/content")).send().await.unwrap().status(), 404);
        assert_eq!(crate::content::job_files(&server), Vec::<String>::new(), "its file is gone");
    }
}
