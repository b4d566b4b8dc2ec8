//! Reports and bundles from a real `lodge serve` (SQLite): the PDF and the evidence bundle for
//! cases of 100 and 1,000 incidents (one image exhibit per five incidents), and `lodge verify`
//! on a bundle holding a 1 GiB exhibit, measured beside `sha256sum` of the same file (one pass
//! of SHA-256 over every byte: the least any check of every byte can cost).
//!
//! Run: `cargo bench -p lodge --bench report` (results go in docs/benchmarks.md).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../tests/it/harness.rs"]
#[allow(dead_code)]
mod harness;

use std::io::Write;
use std::process::Command;
use std::time::{Duration, Instant};

use harness::{Api, Backend, Server, incident, png};
use serde_json::json;

const RUNS: usize = 3;

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

async fn download(api: &Api, case: &str, format: &str, to: Option<&std::path::Path>) -> (Duration, u64) {
    let t = Instant::now();
    let mut res = api
        .post(&format!("/api/v1/cases/{case}/reports"))
        .json(&json!({ "format": format, "subject_name": "Bench" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let mut file = to.map(|p| std::fs::File::create(p).unwrap());
    let mut size = 0u64;
    while let Some(chunk) = res.chunk().await.unwrap() {
        size += chunk.len() as u64;
        if let Some(f) = file.as_mut() {
            f.write_all(&chunk).unwrap();
        }
    }
    (t.elapsed(), size)
}

async fn reports(api: &Api, incidents: usize) {
    let case = api.create_case(&format!("{incidents} incidents")).await;
    let person = api
        .json(
            api.post(&format!("/api/v1/cases/{case}/people"))
                .json(&json!({ "label": "", "identifiers": [{ "kind": "username", "value": "@bench" }] })),
            201,
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let image = png(800, 600);
    for i in 0..incidents {
        let mut body = incident(&format!("Message {i}: he wrote again from a new account."));
        body["verbatim"] = json!("you can't hide from me ".repeat(8));
        body["conduct"] = json!(["contacting", "threats"]);
        body["people"] = json!([person]);
        let id = api.create_incident(&case, body).await["id"].as_str().unwrap().to_owned();
        if i % 5 == 0 {
            api.upload(&case, Some(&id), &format!("screenshot-{i}.png"), image.clone()).await;
        }
    }
    for format in ["pdf", "bundle"] {
        let mut times = Vec::new();
        let mut size = 0;
        for _ in 0..RUNS {
            let (t, s) = download(api, &case, format, None).await;
            times.push(t);
            size = s;
        }
        println!(
            "{incidents} incidents, {} images: {format} in {:.2} s (median of {RUNS}), {:.1} MiB",
            incidents / 5,
            median(times).as_secs_f64(),
            size as f64 / 1048576.0
        );
    }
}

fn timed(cmd: &mut Command) -> Duration {
    let t = Instant::now();
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    t.elapsed()
}

#[tokio::main]
async fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let server = Server::start_with(Backend::Sqlite, &[("LODGE_LOG", "warn")]).await;
    server.add_user("survivor", "bench");
    let api = server.api("bench").await;
    for incidents in [100, 1000] {
        reports(&api, incidents).await;
    }

    // A bundle with a 1 GiB exhibit, written to disk by the client, then verified.
    let case = api.create_case("Large exhibit").await;
    api.create_incident(&case, incident("One long recording.")).await;
    assert_eq!(api.upload_streamed(&case, 1024).await.status(), 201);
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("bundle.zip");
    let (t, size) = download(&api, &case, "bundle", Some(&bundle)).await;
    println!(
        "1 GiB exhibit: bundle streamed to the client in {:.1} s ({:.0} MiB)",
        t.as_secs_f64(),
        size as f64 / 1048576.0
    );
    let (mut verify, mut coreutils, mut openssl) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..RUNS {
        verify.push(timed(Command::new(env!("CARGO_BIN_EXE_lodge")).arg("verify").arg(&bundle)));
        coreutils.push(timed(Command::new("sha256sum").arg(&bundle)));
        openssl.push(timed(Command::new("openssl").args(["dgst", "-sha256"]).arg(&bundle)));
    }
    let (v, c, o) = (median(verify), median(coreutils), median(openssl));
    println!(
        "lodge verify, 1 GiB bundle: {:.2} s; one SHA-256 pass over the same file: sha256sum {:.2} s, openssl dgst {:.2} s (medians of {RUNS}, alternated)",
        v.as_secs_f64(),
        c.as_secs_f64(),
        o.as_secs_f64()
    );
}
