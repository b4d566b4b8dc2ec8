//! Imports through a real `lodge serve` (SQLite): a 1,000,000-message SMS backup and a
//! 1,000,000-line WhatsApp chat, each also at 100,000 to show memory staying flat. For each:
//! the upload (received and encrypted), the preview (read once), the import (read again and
//! written in one transaction), and the server's peak memory. The reference, in the same run:
//! the same file stored as a plain evidence file (received, hashed and encrypted, nothing read).
//!
//! Run: `cargo bench -p lodge --bench import` (results go in docs/benchmarks.md).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../tests/it/harness.rs"]
#[allow(dead_code)]
mod harness;

use std::time::Instant;

use harness::{Api, Backend, Server};
use serde_json::{Value, json};

async fn stage(api: &Api, case: &str, name: &str, bytes: Vec<u8>) -> Value {
    let form = reqwest::multipart::Form::new()
        .text("zone", "Europe/London")
        .part("file", reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()));
    api.json(api.post(&format!("/api/v1/cases/{case}/imports")).multipart(form), 201).await
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    println!(
        "{:<10} {:>9} {:>7} {:>10} {:>10} {:>10} {:>12} {:>13} {:>9}",
        "input", "messages", "MB", "upload s", "preview s", "import s", "import msg/s", "reference s", "peak MiB"
    );
    for (kind, n) in [("sms-xml", 100_000u64), ("sms-xml", 1_000_000), ("whatsapp", 100_000), ("whatsapp", 1_000_000)] {
        let path = dir.path().join(format!("{kind}-{n}"));
        if kind == "sms-xml" {
            lodge_testkit::exports::write_sms(&path, n)
        } else {
            lodge_testkit::exports::write_chat(&path, n)
        }
        let bytes = std::fs::read(&path).unwrap();
        let server = Server::start(Backend::Sqlite).await;
        server.add_user("survivor", "bench");
        let api = server.api("bench").await;
        let case = api.create_case("Bench").await;

        let t = Instant::now();
        api.upload(&case, None, "reference.bin", bytes.clone()).await;
        let reference = t.elapsed().as_secs_f64();

        let t = Instant::now();
        let staged =
            stage(&api, &case, &format!("{kind}.{}", if kind == "sms-xml" { "xml" } else { "txt" }), bytes.clone())
                .await;
        let staged_and_previewed = t.elapsed().as_secs_f64();
        let id = staged["id"].as_str().unwrap();
        let t = Instant::now();
        let preview =
            api.json(api.get(&format!("/api/v1/cases/{case}/imports/{id}?file_name=x&zone=Europe/London")), 200).await;
        let preview_secs = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let done = api
            .json(
                api.post(&format!("/api/v1/cases/{case}/imports/{id}"))
                    .json(&json!({"file_name": staged["file_name"], "me": ["Ruby"]})),
                201,
            )
            .await;
        let import_secs = t.elapsed().as_secs_f64();
        let messages = done["messages"].as_u64().unwrap();
        assert_eq!(preview["messages"].as_u64(), Some(messages));
        println!(
            "{:<10} {:>9} {:>7.1} {:>10.2} {:>10.2} {:>10.2} {:>12.0} {:>13.2} {:>9}",
            kind,
            messages,
            bytes.len() as f64 / 1e6,
            (staged_and_previewed - preview_secs).max(0.0),
            preview_secs,
            import_secs,
            messages as f64 / import_secs,
            reference,
            server.peak_memory_kib().unwrap_or(0) / 1024
        );
    }
}
