//! Throughput and latency of a real `lodge serve` over loopback: incidents created per second
//! through the API, and the timeline page's p50/p99 for a case with 1,000 incidents; on SQLite
//! and, when `LODGE_TEST_POSTGRES_URL` is set, on PostgreSQL.
//!
//! Run: `cargo bench -p lodge --bench api` (results go in docs/benchmarks.md).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../tests/it/harness.rs"]
#[allow(dead_code)]
mod harness;

use std::time::{Duration, Instant};

use harness::{Backend, Server, incident};

const INCIDENTS: usize = 1_000;
const CONCURRENCY: usize = 8;
const TIMELINE_REQUESTS: usize = 200;
const UPLOAD_MIB: u64 = 1024;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

async fn run(backend: Backend) {
    let name = match backend {
        Backend::Sqlite => "SQLite",
        Backend::Postgres(_) => "PostgreSQL",
    };
    let server = Server::start_with(backend, &[("LODGE_LOG", "warn")]).await;
    server.add_user("survivor", "bench");
    let api = std::sync::Arc::new(server.api("bench").await);
    let case = api.create_case("Benchmark").await;

    let started = Instant::now();
    let mut workers = Vec::new();
    for w in 0..CONCURRENCY {
        let api = api.clone();
        let case = case.clone();
        workers.push(tokio::spawn(async move {
            for i in (w..INCIDENTS).step_by(CONCURRENCY) {
                let mut body = incident(&format!("Message {i}: he wrote again from a new account."));
                body["verbatim"] = serde_json::json!("you can't hide from me ".repeat(10));
                body["conduct"] = serde_json::json!(["contacting", "threats"]);
                api.create_incident(&case, body).await;
            }
        }));
    }
    for w in workers {
        w.await.unwrap();
    }
    let elapsed = started.elapsed();
    println!(
        "{name}: created {INCIDENTS} incidents with {CONCURRENCY} concurrent clients in {:.2} s = {:.0} incidents/s",
        elapsed.as_secs_f64(),
        INCIDENTS as f64 / elapsed.as_secs_f64()
    );

    let browser = server.browser("bench").await;
    let url = format!("{}/cases/{case}", server.url);
    let first = browser.get(&url).send().await.unwrap().text().await.unwrap();
    assert_eq!(first.matches("he wrote again").count(), INCIDENTS, "the timeline shows every incident");
    let mut times = Vec::with_capacity(TIMELINE_REQUESTS);
    for _ in 0..TIMELINE_REQUESTS {
        let t = Instant::now();
        let res = browser.get(&url).send().await.unwrap();
        assert_eq!(res.status(), 200);
        res.bytes().await.unwrap();
        times.push(t.elapsed());
    }
    times.sort();
    println!(
        "{name}: timeline page with {INCIDENTS} incidents, {TIMELINE_REQUESTS} requests: p50 {:.1} ms, p99 {:.1} ms",
        percentile(&times, 0.50).as_secs_f64() * 1000.0,
        percentile(&times, 0.99).as_secs_f64() * 1000.0
    );

    // One large upload, streamed from the client so neither side need hold it: the server's
    // peak memory shows whether the file passed through in pieces.
    let before = server.peak_memory_kib().unwrap_or(0);
    let t = Instant::now();
    let res = api.upload_streamed(&case, UPLOAD_MIB).await;
    assert_eq!(res.status(), 201);
    let secs = t.elapsed().as_secs_f64();
    println!(
        "{name}: {UPLOAD_MIB} MiB upload in {secs:.1} s = {:.0} MiB/s; server peak memory {} MiB before, {} MiB after",
        UPLOAD_MIB as f64 / secs,
        before / 1024,
        server.peak_memory_kib().unwrap_or(0) / 1024
    );
}

#[tokio::main]
async fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    for backend in harness::backends().await {
        run(backend).await;
    }
}
