//! `lodge route`, `lodge notice` (refused, printed, as a Lumen record, sent to a real SMTP
//! server) and `lodge scan` against a local site.

use std::process::{Command, Output};

use serde_json::json;

use lodge_testkit::site::serve;
use lodge_testkit::smtp::Server as SmtpServer;

fn lodge(args: &[&str], env: &[(&str, String)]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_lodge"));
    cmd.current_dir(dir.path()).args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn route_names_the_routes_and_why_some_are_left_out() {
    let out = lodge(&["route", "--maker", "her", "--paid", "--eu"], &[]);
    assert!(out.status.success());
    let stdout = text(&out.stdout);
    let routes: Vec<&str> =
        stdout.lines().filter(|l| !l.starts_with("note:")).map(|l| l.split(' ').next().unwrap()).collect();
    assert_eq!(routes, ["dmca", "delist-copyright", "dsa"]);
    let studio = text(&lodge(&["route", "--maker", "studio", "--paid"], &[]).stdout);
    assert!(!studio.contains("dmca") && studio.contains("studio owns the copyright"), "{studio}");
    assert!(!lodge(&["route", "--maker", "nobody"], &[]).status.success());
}

#[tokio::test]
async fn notice_refuses_an_incomplete_draft_and_sends_a_complete_one() {
    let dir = tempfile::tempdir().unwrap();
    let mut draft = json!({
        "sender": {"name": "Ruby Red", "email": "ruby@fans.example", "phone": "+44 7700 900123", "signature": "Ruby Red"},
        "recipient": {"name": "Example Tube", "email": "abuse@tube.example"},
        "urls": ["https://tube.example/v/1", "https://www.tube.example/v/2"],
        "work": "Video 'Red room'",
        "date": "2025-05-04",
        "confirmed": {"good_faith": true}
    });
    let path = dir.path().join("draft.json");
    std::fs::write(&path, draft.to_string()).unwrap();
    let p = path.to_str().unwrap();
    let refused = lodge(&["notice", "--route", "dmca", p], &[]);
    assert!(!refused.status.success());
    assert!(
        text(&refused.stderr).contains("missing the statement that the notice is accurate, under penalty of perjury")
    );

    draft["confirmed"]["accurate_under_penalty_of_perjury"] = json!(true);
    std::fs::write(&path, draft.to_string()).unwrap();
    let printed = lodge(&["notice", "--route", "dmca", p], &[]);
    assert!(printed.status.success(), "{}", text(&printed.stderr));
    let email = text(&printed.stdout);
    assert!(email.starts_with("To: abuse@tube.example\nSubject: DMCA copyright notice: 2 addresses on tube.example"));
    assert!(email.contains("5. I have a good faith belief"));
    let lumen: serde_json::Value =
        serde_json::from_slice(&lodge(&["notice", "--route", "dmca", "--lumen", p], &[]).stdout).unwrap();
    assert_eq!(lumen["notice"]["type"], "DMCA");

    let pdf_path = dir.path().join("notice.pdf");
    let pdf = lodge(&["notice", "--route", "dmca", "--pdf", pdf_path.to_str().unwrap(), p], &[]);
    assert!(pdf.status.success(), "{}", text(&pdf.stderr));
    let words = crate::reports::pdf_text(&std::fs::read(&pdf_path).unwrap());
    for needle in [
        "DMCA copyright notice: 2 addresses on tube.example",
        "1. Signature: /Ruby Red/",
        "https://www.tube.example/v/2",
        "6. The information in this notification is accurate, and under penalty of perjury",
    ] {
        assert!(words.contains(needle), "{needle:?} not in the PDF: {words}");
    }

    let smtp = SmtpServer::start();
    let env = [
        ("LODGE_SMTP_HOST", "127.0.0.1".to_owned()),
        ("LODGE_SMTP_PORT", smtp.port.to_string()),
        ("LODGE_SMTP_SECURITY", "none".to_owned()),
        ("LODGE_SMTP_FROM", "takedowns@safeharbour.example".to_owned()),
    ];
    let sent = lodge(&["notice", "--route", "dmca", "--send", p], &env);
    assert!(sent.status.success(), "{}", text(&sent.stderr));
    assert!(text(&sent.stdout).starts_with("Sent to abuse@tube.example"));
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let received = smtp.output();
    assert!(received.contains("RCPT TO: abuse@tube.example"), "{received}");
    assert!(received.contains("Reply-To: ruby@fans.example"), "{received}");
    assert!(received.contains("   https://www.tube.example/v/2"), "{received}");
}

#[test]
fn scan_prints_each_copy_of_her_image_on_a_page() {
    let site_dir = tempfile::tempdir().unwrap();
    let her =
        std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/vectors/pdq/images/bridge-1-original.jpg"))
            .unwrap();
    let flipped = image::load_from_memory(&her).unwrap().fliph();
    flipped.save(site_dir.path().join("leak.jpg")).unwrap();
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/vectors/pdq/images/q1050.jpg"),
        site_dir.path().join("other.jpg"),
    )
    .unwrap();
    std::fs::write(site_dir.path().join("index.html"), "<img src=leak.jpg><img src=other.jpg>").unwrap();
    let site = serve(site_dir);
    let mine = tempfile::tempdir().unwrap();
    std::fs::write(mine.path().join("red-room.jpg"), &her).unwrap();
    let out = lodge(
        &[
            "scan",
            "--content",
            mine.path().to_str().unwrap(),
            "--allow-private",
            "--interval-ms",
            "0",
            site.url.as_str(),
        ],
        &[],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let rows: Vec<&str> = stdout.lines().skip(1).collect();
    assert_eq!(rows.len(), 1, "{stdout}");
    assert!(rows[0].contains("/leak.jpg,") && rows[0].contains("red-room.jpg,distance "), "{stdout}");
    assert!(text(&out.stderr).contains("1 pages, 2 images and 0 videos read; 1 copies found"));
    // The same from hashes made on her computer: her image itself is not needed.
    let listed = lodge(&["hash", "--dihedral", mine.path().join("red-room.jpg").to_str().unwrap()], &[]);
    let list = mine.path().join("hashes.txt");
    std::fs::write(&list, &listed.stdout).unwrap();
    std::fs::remove_file(mine.path().join("red-room.jpg")).unwrap();
    let from_hashes = lodge(
        &["scan", "--hashes", list.to_str().unwrap(), "--allow-private", "--interval-ms", "0", site.url.as_str()],
        &[],
    );
    let stdout = text(&from_hashes.stdout);
    assert_eq!(stdout.lines().count(), 2, "{stdout}{}", text(&from_hashes.stderr));
    assert!(stdout.contains("/leak.jpg,") && stdout.contains("red-room.jpg,distance "), "{stdout}");
    // Without --allow-private a loopback site is refused, and the reason is given.
    let refused = lodge(&["scan", "--hashes", list.to_str().unwrap(), site.url.as_str()], &[]);
    assert!(text(&refused.stderr).contains("private network"), "{}", text(&refused.stderr));
}

/// A listener that counts the connections it is sent.
fn counting_listener() -> (u16, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let count = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = count.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            drop(stream);
        }
    });
    (port, count)
}

#[test]
fn scans_never_use_a_proxy_from_the_environment_and_check_names_before_a_chosen_one() {
    let (proxy, to_proxy) = counting_listener();
    let (site, to_site) = counting_listener();
    let list = tempfile::tempdir().unwrap();
    let hashes = list.path().join("hashes.txt");
    let image = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/vectors/pdq/images/bridge-1-original.jpg");
    std::fs::write(&hashes, lodge(&["hash", "--dihedral", image], &[]).stdout).unwrap();
    let hashes = hashes.to_str().unwrap();
    let target = format!("http://localhost:{site}/page");
    let proxied: Vec<(&str, String)> =
        ["HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"]
            .into_iter()
            .map(|k| (k, format!("http://127.0.0.1:{proxy}")))
            .collect();
    let from_env = lodge(&["scan", "--hashes", hashes, "--interval-ms", "0", &target], &proxied);
    assert!(text(&from_env.stderr).contains("skipped"), "{}", text(&from_env.stderr));
    let chosen = format!("http://127.0.0.1:{proxy}");
    let through = lodge(&["scan", "--hashes", hashes, "--interval-ms", "0", "--proxy", &chosen, &target], &[]);
    assert!(text(&through.stderr).contains("private network"), "{}", text(&through.stderr));
    std::thread::sleep(std::time::Duration::from_millis(200));
    let counts =
        (to_proxy.load(std::sync::atomic::Ordering::SeqCst), to_site.load(std::sync::atomic::Ordering::SeqCst));
    assert_eq!(counts, (0, 0), "neither the proxy nor the private address was reached");
}
