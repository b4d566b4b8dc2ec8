//! Police links, tried as an adversary would: with the link and a copy of every file and row,
//! one reads the frozen report she chose and nothing else of her case; once the link is
//! withdrawn or expires, the link and a fresh copy open nothing; its secret (after `#`)
//! reaches no log. And as an officer would: passphrase, downloads, refresh, her access log.

use std::io::Read;

use lodge_blobs::Blobs;
use lodge_crypto::token::Token;
use lodge_crypto::{Aad, Keyring};
use serde_json::json;

use crate::harness::{Backend, Server, backends, png};
use crate::sharing::{link_in, post_form};

/// Posts to the page a police link opens, as an officer's browser does; returns status and body.
pub async fn open_link(server: &Server, link: &str, passphrase: &str) -> (u16, String) {
    let res = reqwest::Client::new()
        .post(format!("{}/shared", server.url))
        .form(&[("link", link), ("passphrase", passphrase)])
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.text().await.unwrap())
}

/// Opens a link once its report is ready (a job prepares it).
pub async fn open_when_ready(server: &Server, link: &str, passphrase: &str) -> String {
    for _ in 0..600 {
        let (status, html) = open_link(server, link, passphrase).await;
        assert_eq!(status, 200, "{html}");
        if html.contains("Checking it") {
            return html;
        }
        assert!(html.contains("still being prepared"), "{html}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the link's report was never ready");
}

fn secret(link: &str) -> &str {
    link.rsplit('#').next().unwrap()
}

/// What an adversary holding the link gets from the share's row: the link's own keys.
fn link_keys(link: &str, share: uuid::Uuid, wrapped: &[u8]) -> Option<Keyring> {
    let kek = Token::parse(secret(link)).unwrap().wrapping_key();
    let aad = Aad::from_parts(&[b"keys of a police link, under the link's key", share.as_bytes()]);
    Keyring::unwrap(&kek, &aad, wrapped).ok()
}

/// Every stored file of the server, by name, and which of them `keys` opens.
async fn files_opened_by(server: &Server, keys: &Keyring) -> (Vec<String>, Vec<(String, Vec<u8>)>) {
    let blobs = Blobs::local(&server.data_dir.path().join("files")).unwrap();
    let mut all = Vec::new();
    let mut opened = Vec::new();
    for file in blobs.list("").await.unwrap() {
        if let Ok(plain) = blobs.read_all(&file.name, keys).await {
            opened.push((file.name.clone(), plain));
        }
        all.push(file.name);
    }
    (all, opened)
}

fn texts_in_zip(bytes: &[u8]) -> String {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut all = String::new();
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).unwrap();
        let mut content = Vec::new();
        entry.read_to_end(&mut content).unwrap();
        if entry.name().unwrap().ends_with(".pdf") {
            all.push_str(&pdf_text(&content));
        }
        all.push_str(&String::from_utf8_lossy(&content));
    }
    all
}

fn pdf_text(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("r.pdf"), pdf).unwrap();
    let out = std::process::Command::new("pdftotext").arg(dir.path().join("r.pdf")).arg("-").output().unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn database_files(server: &Server) -> Vec<Vec<u8>> {
    ["lodge.db", "lodge.db-wal", "lodge.db-shm"]
        .iter()
        .filter_map(|f| std::fs::read(server.data_dir.path().join(f)).ok())
        .collect()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Her case: one incident inside the link's dates (with a place she leaves out), one outside,
/// a screenshot. Returns the case and the link made for 2026 onwards without places.
pub async fn case_with_a_link(server: &Server, passphrase: &str) -> (String, String, uuid::Uuid) {
    server.add_user("survivor", "alice");
    let alice = server.api("alice").await;
    let case = alice.create_case("Messages from @wolf").await;
    let inside = json!({
        "occurred": {"kind": "exact", "at": "2026-03-10T21:15:00+00:00[Europe/London]"},
        "description": "he waited outside my flat",
        "place": "PLACESECRET Leith Walk",
    });
    let made = alice.create_incident(&case, inside).await;
    alice.upload(&case, made["id"].as_str(), "shot.png", png(20, 20)).await;
    let outside = json!({
        "occurred": {"kind": "exact", "at": "2025-06-01T10:00:00+01:00[Europe/London]"},
        "description": "OUTSIDERANGE he phoned my mother",
    });
    alice.create_incident(&case, outside).await;
    let browser = server.browser("alice").await;
    let sharing = format!("/cases/{case}/sharing");
    let mut fields = vec![
        ("label", "PC Smith, ref 123"),
        ("subject_name", "Alice"),
        ("prepared_by", "Alice"),
        ("from", "2026-01-01"),
        ("days", "30"),
        ("redact", "places"),
    ];
    if !passphrase.is_empty() {
        fields.push(("passphrase", passphrase));
    }
    let (status, html) = post_form(&browser, server, &sharing, &format!("{sharing}/links"), &fields).await;
    assert_eq!(status, 200, "{html}");
    let link = link_in(&html);
    assert!(link.starts_with("/shared#"), "the secret follows #: {link}");
    let list = browser.get(format!("{}{sharing}", server.url)).send().await.unwrap().text().await.unwrap();
    let share = list.split("/sharing/links/").nth(1).unwrap().split('/').next().unwrap().parse().unwrap();
    (case, link, share)
}

#[tokio::test]
async fn a_police_link_opens_only_the_report_she_chose_and_nothing_once_it_ends() {
    for backend in backends().await {
        let mut server = Server::start(backend.clone()).await;
        let (case, link, share) = case_with_a_link(&server, "").await;
        let page = open_when_ready(&server, &link, "").await;
        assert!(page.contains("he waited outside my flat") && !page.contains("OUTSIDERANGE"));
        assert!(!page.contains("PLACESECRET"));

        // The adversary: the link, and a copy of the database and the files.
        let wrapped = server.sql_bytes("SELECT wrapped_key FROM shares WHERE case_id = $1", &case).await;
        let keys = link_keys(&link, share, &wrapped[0]).expect("the link opens its own keys");
        let (all, opened) = files_opened_by(&server, &keys).await;
        let own = format!("cases/{case}/shares/{share}/");
        assert!(all.iter().any(|f| f.contains("/evidence/")), "her screenshot is stored: {all:?}");
        assert!(opened.iter().all(|(name, _)| name.starts_with(&own)), "opened beyond the link: {opened:?}");
        assert_eq!(opened.len(), 3, "the report, its PDF, its bundle: {opened:?}");
        let mut everything = String::new();
        for (name, plain) in &opened {
            everything.push_str(&String::from_utf8_lossy(plain));
            if name.ends_with(".pdf") {
                everything.push_str(&pdf_text(plain));
            }
            if name.ends_with(".zip") {
                everything.push_str(&texts_in_zip(plain));
            }
        }
        assert!(everything.contains("he waited outside my flat"), "what she chose is there");
        assert!(!everything.contains("OUTSIDERANGE"), "an incident outside her dates is not");
        assert!(!everything.contains("PLACESECRET"), "what she left out is not");
        // Nor do the link's keys open any sealed row of the case (each under its own binding).
        for (kind, id, version, fields) in records(&server, &case).await {
            let aad = Aad::from_parts(&[
                b"record v2",
                case.as_bytes(),
                kind.as_bytes(),
                id.as_bytes(),
                &version.to_be_bytes(),
            ]);
            assert!(keys.open(&aad, &fields).is_err(), "the link's keys opened a {kind} record");
        }

        // Withdrawn: the row and the files go; the link and a fresh copy open nothing.
        let browser = server.browser("alice").await;
        let sharing = format!("/cases/{case}/sharing");
        let (status, _) = post_form(&browser, &server, &sharing, &format!("{sharing}/links/{share}/revoke"), &[]).await;
        assert_eq!(status, 303);
        assert!(server.sql_bytes("SELECT wrapped_key FROM shares WHERE case_id = $1", &case).await.is_empty());
        assert!(server.sql_bytes("SELECT content_key FROM shares WHERE case_id = $1", &case).await.is_empty());
        let (_, opened) = files_opened_by(&server, &keys).await;
        assert!(opened.is_empty(), "files of a withdrawn link remain: {opened:?}");
        if matches!(backend, Backend::Sqlite) {
            for file in database_files(&server) {
                assert!(!contains(&file, &wrapped[0]), "the withdrawn link's wrapped keys are still on disk");
            }
        }
        let (status, html) = open_link(&server, &link, "").await;
        assert_eq!(status, 404);
        assert!(html.contains("expired or was withdrawn"));
        let list = browser.get(format!("{}{sharing}", server.url)).send().await.unwrap().text().await.unwrap();
        assert!(list.contains("Withdrawn.") && list.contains("Opened 1 times"), "{list}");

        // Expired: ended by whichever node sweeps next (here, at start), though nobody opens it.
        let fields = [("label", "DC Jones"), ("subject_name", "Alice"), ("days", "1")];
        let (_, html) = post_form(&browser, &server, &sharing, &format!("{sharing}/links"), &fields).await;
        let second = link_in(&html);
        open_when_ready(&server, &second, "").await;
        let files = server.data_dir.path().join("files").join("cases").join(&case).join("shares");
        assert_eq!(crate::sharing::walk(&files).len(), 3);
        // Uses of links are logged in her case's log, which still verifies.
        let check = server.api("alice").await;
        let check = check.json(check.get(&format!("/api/v1/cases/{case}/checkpoint/verify")), 200).await;
        assert!(check["problem"].is_null(), "{check}");
        server.sql("UPDATE shares SET expires_at = 0 WHERE case_id = $1", &case).await;
        server.kill_and_restart().await;
        // The sweep deletes the row (the keys) first, then the files.
        for _ in 0..100 {
            let rows = server.sql_bytes("SELECT wrapped_key FROM shares WHERE case_id = $1", &case).await;
            if rows.is_empty() && crate::sharing::walk(&files).is_empty() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert!(server.sql_bytes("SELECT wrapped_key FROM shares WHERE case_id = $1", &case).await.is_empty());
        assert!(crate::sharing::walk(&files).is_empty(), "files of an expired link remain");
        assert_eq!(open_link(&server, &second, "").await.0, 404);
    }
}

/// Every sealed record version of a case: kind, id, version, sealed bytes.
async fn records(server: &Server, case: &str) -> Vec<(String, uuid::Uuid, i64, Vec<u8>)> {
    let query = "SELECT kind, id, version, fields FROM records WHERE case_id = $1";
    let rows: Vec<(String, String, i64, Vec<u8>)> = match &server.backend {
        Backend::Sqlite => {
            let url = format!("sqlite://{}", server.data_dir.path().join("lodge.db").display());
            let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
            sqlx::query_as(query).bind(case).fetch_all(&pool).await.unwrap()
        }
        Backend::Postgres(url) => {
            let pool = sqlx::PgPool::connect(url).await.unwrap();
            sqlx::query_as(query).bind(case).fetch_all(&pool).await.unwrap()
        }
    };
    assert!(rows.len() >= 3, "her incidents and her file are records");
    rows.into_iter().map(|(k, id, v, f)| (k, id.parse().unwrap(), v, f)).collect()
}

#[tokio::test]
async fn an_officer_opens_downloads_and_sees_it_refreshed_and_she_sees_each_use() {
    let server = Server::start_with(Backend::Sqlite, &[("LODGE_LOG", "trace")]).await;
    let (case, link, share) = case_with_a_link(&server, "blue kettle lamp").await;
    let police = reqwest::Client::new();

    // The page a link lands on sends nothing secret and sets no cookie; without JavaScript
    // the officer pastes the link.
    let landing = police.get(format!("{}/shared", server.url)).send().await.unwrap();
    assert!(landing.headers().get("set-cookie").is_none());
    let landing = landing.text().await.unwrap();
    assert!(landing.contains("paste the whole link") && landing.contains("id=\"open-shared\""));
    let (status, html) = open_link(&server, "", "").await;
    assert_eq!(status, 400);
    assert!(html.contains("Paste the whole link you were sent"));

    // The passphrase is asked for, and a wrong one is refused.
    let (status, html) = open_link(&server, &link, "").await;
    assert_eq!(status, 200);
    assert!(html.contains("protected by a passphrase") && html.contains("name=\"link\""));
    assert!(
        !html.contains("Please fix") && !html.contains("role=\"alert\""),
        "no error before the officer typed anything"
    );
    let (status, html) = open_link(&server, &link, "red kettle lamp").await;
    assert_eq!(status, 400);
    assert!(html.contains("That passphrase is not right"));
    let full = format!("{}{link}", server.url);
    let page = open_when_ready(&server, &full, "blue kettle lamp").await;
    assert!(page.contains("he waited outside my flat") && page.contains("shot.png") && page.contains("PC Smith"));

    let download = |what: &'static str| {
        let police = police.clone();
        let (url, link) = (server.url.clone(), link.clone());
        async move {
            let res = police
                .post(format!("{url}/shared/{what}"))
                .form(&[("link", link.as_str()), ("passphrase", "blue kettle lamp")])
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200);
            res.bytes().await.unwrap().to_vec()
        }
    };
    assert_eq!(&download("bundle.zip").await[..2], b"PK");
    let pdf = download("report.pdf").await;
    assert_eq!(&pdf[..5], b"%PDF-");
    assert!(!pdf_text(&pdf).contains("he sent flowers"));

    // A new incident reaches the link only when she brings its report up to date.
    let alice = server.api("alice").await;
    let newer = json!({
        "occurred": {"kind": "exact", "at": "2026-04-02T09:00:00+01:00[Europe/London]"},
        "description": "he sent flowers to my work",
    });
    alice.create_incident(&case, newer).await;
    let page = open_when_ready(&server, &link, "blue kettle lamp").await;
    assert!(!page.contains("he sent flowers"), "what a link shows is frozen");
    let browser = server.browser("alice").await;
    let sharing = format!("/cases/{case}/sharing");
    let (status, _) = post_form(&browser, &server, &sharing, &format!("{sharing}/links/{share}/refresh"), &[]).await;
    assert_eq!(status, 303);
    let mut refreshed = false;
    for _ in 0..600 {
        if open_when_ready(&server, &link, "blue kettle lamp").await.contains("he sent flowers") {
            refreshed = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(refreshed, "the refreshed report shows the new incident");
    // The job deletes what the link showed before just after pointing it at the new report.
    let files = server.data_dir.path().join("files").join("cases").join(&case).join("shares");
    for _ in 0..100 {
        if crate::sharing::walk(&files).len() == 3 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(crate::sharing::walk(&files).len(), 3, "what it showed before is deleted");

    // Each use is in her access log, with the link's label.
    let access = browser.get(format!("{}/cases/{case}/access", server.url)).send().await.unwrap().text().await.unwrap();
    for what in ["Opened the shared report", "Downloaded the evidence bundle", "Downloaded the report (PDF)"] {
        assert!(access.contains(what), "{what}");
    }
    assert!(access.contains("PC Smith, ref 123") && access.contains("police link"));
    let list = browser.get(format!("{}{sharing}", server.url)).send().await.unwrap().text().await.unwrap();
    assert!(list.contains("Report prepared") && list.contains("Needs a passphrase"), "{list}");

    // At the most detailed level, no line of Lodge's log carries the link's secret.
    let log = server.log();
    assert!(!log.is_empty(), "the server logs");
    assert!(!log.contains(secret(&link)), "the link's secret is in the log");
    let check = alice.json(alice.get(&format!("/api/v1/cases/{case}/checkpoint/verify")), 200).await;
    assert!(check["problem"].is_null(), "{check}");
}
