//! What checking every record against the case's log costs when a case is read: a case with
//! 1,000 incidents (each edited once, so its log has 2,001 entries) opened and its timeline
//! read, with the checks and without them, in one run, on SQLite and, when
//! `LODGE_TEST_POSTGRES_URL` is set, on PostgreSQL. "Checked, first read" is a node that has
//! not opened this log before (after a restart); "checked" is every read after that.
//!
//! Run: `cargo bench -p lodge-service --bench open_case --features bench` (results go in
//! docs/benchmarks.md).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use lodge_domain::{Case, Incident};
use lodge_service::{CheckpointSigner, Lodge, Password, ServiceConfig, Session, SignIn, TimelineFilter};

const INCIDENTS: usize = 1_000;
const ROUNDS: usize = 30;

async fn lodge(url: &str, dir: &std::path::Path) -> Lodge {
    let store = lodge_store::open(url).await.unwrap();
    let blobs = lodge_blobs::Blobs::local(&dir.join("files")).unwrap();
    let kek = lodge_crypto::Key::generate().unwrap();
    let signer = CheckpointSigner::load_or_create(&*store, &kek, "bench.lodge.example").await.unwrap();
    let kdf = lodge_crypto::password::KdfParams { memory_kib: 256, iterations: 1, parallelism: 1 };
    let config = ServiceConfig { kdf, ..ServiceConfig::default() };
    Lodge::new(store, blobs, config, signer, &kek)
}

fn incident(n: usize) -> Incident {
    serde_json::from_value(serde_json::json!({
        "occurred": {"kind": "exact", "at": "2025-05-03T21:15:00+01:00[Europe/London]"},
        "description": format!("Message {n}: he wrote again from a new account."),
        "verbatim": "you can't hide from me ".repeat(10),
        "conduct": ["contacting", "threats"],
    }))
    .unwrap()
}

async fn read(lodge: &Lodge, session: &Session, case: lodge_domain::CaseId, checked: bool) -> Duration {
    let started = Instant::now();
    let open = lodge.open_case(session, case).await.unwrap();
    let open = if checked { open } else { open.without_checks() };
    let timeline = open.timeline(&TimelineFilter::default()).await.unwrap();
    assert_eq!(timeline.len(), INCIDENTS);
    if checked {
        assert!(open.findings().await.unwrap().is_empty());
    }
    started.elapsed()
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

async fn run(name: &str, url: &str, dir: &std::path::Path) {
    let lodge = lodge(url, dir).await;
    let password = || Password::new("correct horse battery staple".to_owned());
    lodge.add_user("bench", password(), lodge_domain::Role::Survivor).await.unwrap();
    let (_, signed_in) = lodge.sign_in("bench", password(), "bench", None).await.unwrap();
    let SignIn::Ready(session) = signed_in else { panic!("no second factor here") };
    let case = lodge.create_case(&session, &Case { title: "Benchmark".into() }).await.unwrap();
    let open = lodge.open_case(&session, case).await.unwrap();
    for n in 0..INCIDENTS {
        let id = open.add_incident(&incident(n)).await.unwrap();
        open.edit_incident(id, 1, &incident(n)).await.unwrap();
    }

    let (mut cold, mut warm, mut unchecked) = (Vec::new(), Vec::new(), Vec::new());
    read(&lodge, &session, case, true).await;
    for _ in 0..ROUNDS {
        lodge.forget_opened_leaves();
        cold.push(read(&lodge, &session, case, true).await);
        warm.push(read(&lodge, &session, case, true).await);
        unchecked.push(read(&lodge, &session, case, false).await);
    }
    let (cold, warm, unchecked) = (median(cold), median(warm), median(unchecked));
    let cost = |t: Duration| (t.as_secs_f64() / unchecked.as_secs_f64() - 1.0) * 100.0;
    println!("| {name} | {unchecked:.1?} | {warm:.1?} ({:+.1} %) | {cold:.1?} ({:+.1} %) |", cost(warm), cost(cold));
}

#[tokio::main]
async fn main() {
    println!("| backend | not checked | checked | checked, first read on this node |");
    println!("| --- | ---: | ---: | ---: |");
    let dir = tempfile::tempdir().unwrap();
    run("SQLite", &format!("sqlite://{}", dir.path().join("lodge.db").display()), dir.path()).await;
    if let Ok(admin) = std::env::var("LODGE_TEST_POSTGRES_URL") {
        let url = lodge_store::create_scratch_postgres_database(&admin).await.unwrap();
        run("PostgreSQL", &url, dir.path()).await;
    }
}
