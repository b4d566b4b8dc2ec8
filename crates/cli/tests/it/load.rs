//! The load test: many signed-in sessions at once, for a fixed time, each doing a mix of reads
//! (the case, its incidents, one incident), writes (a new incident) and uploads (a 64 KiB
//! file), against one or several nodes over loopback. It reports requests per second, p50, p99
//! and errors. Bounded: a fixed number of sessions, each waiting for its answer before asking
//! again. The short form runs in the test suite; `cargo bench -p lodge --bench load` runs the
//! long one.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::harness::{Api, Server, incident};

/// What a run measured.
#[derive(Debug)]
pub struct LoadReport {
    /// Requests answered with the expected status.
    pub ok: usize,
    /// Requests that failed (connection errors or unexpected status).
    pub errors: usize,
    /// How long the run lasted.
    pub elapsed: Duration,
    /// Median latency.
    pub p50: Duration,
    /// 99th-percentile latency.
    pub p99: Duration,
}

impl LoadReport {
    /// Requests per second.
    pub fn throughput(&self) -> f64 {
        self.ok as f64 / self.elapsed.as_secs_f64()
    }
}

impl std::fmt::Display for LoadReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} requests in {:.1} s = {:.0}/s, p50 {:.1} ms, p99 {:.1} ms, {} errors",
            self.ok,
            self.elapsed.as_secs_f64(),
            self.throughput(),
            self.p50.as_secs_f64() * 1000.0,
            self.p99.as_secs_f64() * 1000.0,
            self.errors
        )
    }
}

/// A session with its own case, on one node.
struct Session {
    api: Api,
    case: String,
    incident: String,
}

/// Signs in `sessions` survivors (one account and case each), spread over `nodes`.
async fn sessions(nodes: &[&Server], sessions: usize) -> Vec<Session> {
    let mut out = Vec::with_capacity(sessions);
    for i in 0..sessions {
        let node = nodes[i % nodes.len()];
        let name = format!("load{i}");
        nodes[0].add_user("survivor", &name);
        let api = node.api(&name).await;
        let case = api.create_case(&format!("Load {i}")).await;
        let first = api.create_incident(&case, incident("the first message")).await;
        out.push(Session { api, case, incident: first["id"].as_str().unwrap_or_default().to_owned() });
    }
    out
}

/// One request of the mix: 60 % reads, 30 % new incidents, 10 % uploads.
async fn one(s: &Session, n: usize, file: &[u8]) -> bool {
    let (request, expect) = match n % 10 {
        0 => {
            let form = reqwest::multipart::Form::new()
                .part("files", reqwest::multipart::Part::bytes(file.to_vec()).file_name("photo.bin"));
            (s.api.post(&format!("/api/v1/cases/{}/evidence", s.case)).multipart(form), 201)
        }
        1..=3 => (
            s.api
                .post(&format!("/api/v1/cases/{}/incidents", s.case))
                .json(&incident(&format!("message {n}: he wrote again"))),
            201,
        ),
        4 | 5 => (s.api.get(&format!("/api/v1/cases/{}/incidents", s.case)), 200),
        6 | 7 => (s.api.get(&format!("/api/v1/cases/{}/incidents/{}", s.case, s.incident)), 200),
        _ => (s.api.get(&format!("/api/v1/cases/{}", s.case)), 200),
    };
    match request.send().await {
        Ok(res) => res.status().as_u16() == expect && res.bytes().await.is_ok(),
        Err(_) => false,
    }
}

/// Runs `sessions` sessions spread over `nodes` for `duration`.
pub async fn run(nodes: &[&Server], sessions_count: usize, duration: Duration) -> LoadReport {
    let sessions = sessions(nodes, sessions_count).await;
    let file: Arc<Vec<u8>> = Arc::new((0..64 * 1024u32).map(|i| (i * 13 % 251) as u8).collect());
    let started = Instant::now();
    let deadline = started + duration;
    let workers: Vec<_> = sessions
        .into_iter()
        .enumerate()
        .map(|(w, s)| {
            let file = file.clone();
            tokio::spawn(async move {
                let (mut times, mut errors, mut n) = (Vec::new(), 0usize, w);
                while Instant::now() < deadline {
                    let t = Instant::now();
                    if one(&s, n, &file).await {
                        times.push(t.elapsed());
                    } else {
                        errors += 1;
                    }
                    n += 1;
                }
                (times, errors)
            })
        })
        .collect();
    let (mut times, mut errors) = (Vec::new(), 0);
    for w in workers {
        match w.await {
            Ok((t, e)) => {
                times.extend(t);
                errors += e;
            }
            Err(_) => errors += 1,
        }
    }
    let elapsed = started.elapsed();
    times.sort();
    let at = |p: f64| times.get(((times.len() as f64 - 1.0) * p).round() as usize).copied().unwrap_or_default();
    LoadReport { ok: times.len(), errors, elapsed, p50: at(0.5), p99: at(0.99) }
}

#[tokio::test]
async fn a_short_load_run_on_two_nodes_has_no_errors() {
    let backend = crate::harness::backends().await.pop().unwrap();
    let shared = tempfile::tempdir().unwrap();
    let key = shared.path().join("server.key").display().to_string();
    let env = [("LODGE_LOG", "warn"), ("LODGE_SERVER_KEY_FILE", key.as_str())];
    // Two nodes when there is PostgreSQL to share; one on SQLite.
    let a = Server::start_with(backend.clone(), &env).await;
    let b = match &backend {
        crate::harness::Backend::Postgres(_) => Some(Server::start_with(backend.clone(), &env).await),
        crate::harness::Backend::Sqlite => None,
    };
    let nodes: Vec<&Server> = std::iter::once(&a).chain(b.as_ref()).collect();
    let report = run(&nodes, 8, Duration::from_secs(3)).await;
    println!("load test ({} node(s)): {report}", nodes.len());
    assert!(report.ok > 0);
    assert_eq!(report.errors, 0, "{report}");
}
