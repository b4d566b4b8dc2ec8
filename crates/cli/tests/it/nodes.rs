//! Two `lodge serve` nodes on one PostgreSQL database and one S3-compatible bucket (moto):
//! a session started on one works on the other, a file uploaded through one downloads through
//! the other, the bucket holds only ciphertext, and a scan whose node is killed is finished by
//! the other once she opens her case there.

use serde_json::json;

use crate::harness::{Api, Backend, Server, backends};
use lodge_testkit::s3::S3Server;
use lodge_testkit::site::serve;

const IMAGES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/vectors/pdq/images/");

#[tokio::test]
async fn two_nodes_share_sessions_files_and_jobs() {
    let url = backends()
        .await
        .into_iter()
        .find_map(|b| match b {
            Backend::Postgres(url) => Some(url),
            Backend::Sqlite => None,
        })
        .expect("several nodes need PostgreSQL: set LODGE_TEST_POSTGRES_URL");
    let s3 = S3Server::start();
    s3.bucket("lodge");
    let shared = tempfile::tempdir().unwrap();
    let key_file = shared.path().join("server.key").display().to_string();
    let site_dir = tempfile::tempdir().unwrap();
    std::fs::copy(format!("{IMAGES}pen-and-coaster.png"), site_dir.path().join("pen.png")).unwrap();
    for i in 0..6 {
        let image = if i == 4 { "pen.png" } else { "missing.png" };
        std::fs::write(site_dir.path().join(format!("p{i}.html")), format!("<img src={image}>")).unwrap();
    }
    let site = serve(site_dir);
    let env = [
        ("LODGE_S3_BUCKET", "lodge"),
        ("LODGE_S3_ENDPOINT", s3.url.as_str()),
        ("LODGE_S3_ACCESS_KEY_ID", "test"),
        ("LODGE_S3_SECRET_ACCESS_KEY", "test"),
        ("LODGE_SERVER_KEY_FILE", key_file.as_str()),
        ("LODGE_SCAN_ALLOW_PRIVATE", "true"),
        ("LODGE_SCAN_INTERVAL_MS", "700"),
    ];
    let mut a = Server::start_with(Backend::Postgres(url.clone()), &env).await;
    let b = Server::start_with(Backend::Postgres(url), &env).await;
    a.add_user("survivor", "ruby");

    // A session started on node A works on node B.
    let on_a = a.api("ruby").await;
    let on_b = Api { client: on_a.client.clone(), base: b.url.clone(), token: on_a.token.clone() };
    let marker = format!("CANARY{}", uuid::Uuid::new_v4().simple());
    let case = on_a.create_case(&format!("{marker}-title")).await;
    let file = format!("{marker}-file ").repeat(20_000).into_bytes();
    let evidence = on_a.upload(&case, None, "proof.txt", file.clone()).await;
    let id = evidence["id"].as_str().unwrap();
    let back = on_b.get(&format!("/api/v1/cases/{case}/evidence/{id}/content")).send().await.unwrap();
    assert_eq!(back.status(), 200);
    assert!(back.bytes().await.unwrap() == file, "a file uploaded through A downloads through B");
    let made_on_b = on_b.create_incident(&case, crate::harness::incident("written through node B")).await;
    let on_a_list = on_a.json(on_a.get(&format!("/api/v1/cases/{case}/incidents")), 200).await;
    assert_eq!(on_a_list[0]["id"], made_on_b["id"]);
    let browser = a.browser("ruby").await;
    let page = browser.get(format!("{}/cases/{case}", b.url)).send().await.unwrap();
    assert_eq!(page.status(), 200, "a browser session made on A is served by B");
    assert!(page.text().await.unwrap().contains(&format!("{marker}-title")));

    // The bucket holds files, all of them ciphertext.
    let objects = s3.all_objects("lodge");
    assert!(objects.len() > file.len(), "the files are in the bucket");
    assert!(!objects.windows(marker.len()).any(|w| w == marker.as_bytes()), "the bucket holds case content");

    // A scan on A; A is killed part way; B finishes it once she opens her case there.
    let form = reqwest::multipart::Form::new().text("label", "Pen").part(
        "file",
        reqwest::multipart::Part::bytes(std::fs::read(format!("{IMAGES}pen-and-coaster.png")).unwrap())
            .file_name("pen.png"),
    );
    on_a.json(on_a.post(&format!("/api/v1/cases/{case}/content")).multipart(form), 201).await;
    let addresses: Vec<String> = (0..6).map(|i| format!("{}p{i}.html", site.url)).collect();
    let started = on_a
        .json(on_a.post(&format!("/api/v1/cases/{case}/scans")).json(&json!({ "addresses": addresses })), 202)
        .await;
    let scan = format!("/api/v1/cases/{case}/scans/{}", started["id"].as_str().unwrap());
    for _ in 0..600 {
        if on_a.json(on_a.get(&scan), 200).await["done"].as_i64().unwrap() >= 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    a.kill();
    let mut last = serde_json::Value::Null;
    for _ in 0..1200 {
        last = on_b.json(on_b.get(&scan), 200).await;
        if last["state"] == "done" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!((last["state"].as_str(), last["done"].as_i64()), (Some("done"), Some(6)), "{last}");
    let copies = on_b.json(on_b.get(&format!("/api/v1/cases/{case}/copies")), 200).await;
    assert_eq!(copies.as_array().unwrap().len(), 1, "{copies}");
    assert_eq!(reqwest::get(format!("{}/healthz", b.url)).await.unwrap().status(), 200);

    // The bucket goes away: the health check says so.
    drop(s3);
    assert_eq!(reqwest::get(format!("{}/healthz", b.url)).await.unwrap().status(), 503);
}
