//! The load test at length, on a release build: 32 sessions for 20 s each, over loopback, on
//! SQLite (one node) and, when `LODGE_TEST_POSTGRES_URL` is set, PostgreSQL with one node and
//! with two nodes sharing the database (sessions spread over both). Prints throughput, p50, p99
//! and errors for each.
//!
//! Run: `cargo bench -p lodge --bench load` (results go in docs/benchmarks.md).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../tests/it/harness.rs"]
#[allow(dead_code)]
mod harness;
#[path = "../tests/it/load.rs"]
mod load;

use std::time::Duration;

use harness::{Backend, Server};

const SESSIONS: usize = 32;
const DURATION: Duration = Duration::from_secs(20);

#[tokio::main]
async fn main() {
    let shared = tempfile::tempdir().unwrap();
    let key = shared.path().join("server.key").display().to_string();
    let env = [("LODGE_LOG", "warn"), ("LODGE_SERVER_KEY_FILE", key.as_str())];
    let sqlite = Server::start_with(Backend::Sqlite, &env).await;
    println!("SQLite, 1 node, {SESSIONS} sessions: {}", load::run(&[&sqlite], SESSIONS, DURATION).await);
    drop(sqlite);
    let Ok(admin) = std::env::var("LODGE_TEST_POSTGRES_URL") else {
        println!("(set LODGE_TEST_POSTGRES_URL for PostgreSQL)");
        return;
    };
    for nodes in [1, 2] {
        let url = lodge_store::create_scratch_postgres_database(&admin).await.unwrap();
        let mut servers = Vec::new();
        for _ in 0..nodes {
            servers.push(Server::start_with(Backend::Postgres(url.clone()), &env).await);
        }
        let refs: Vec<&Server> = servers.iter().collect();
        println!("PostgreSQL, {nodes} node(s), {SESSIONS} sessions: {}", load::run(&refs, SESSIONS, DURATION).await);
    }
}
