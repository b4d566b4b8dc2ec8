//! The crash test: rounds of `kill -9` while several clients write (incidents and files) at
//! once. After each restart every write the server acknowledged is there and reads back intact,
//! the case's log verifies from scratch, and no file is left that no record refers to, nor any
//! half-written one. It prints the rounds and the writes lost, which must be 0.
//!
//! `LODGE_CRASH_ROUNDS` sets the rounds (3 by default, as in CI; `scripts/crash-test` runs more).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::harness::{Api, Server, backends, incident};

#[derive(Debug, Clone)]
enum Write {
    Incident { id: String, text: String },
    File { id: String, sha256: String },
}

/// Writes until told to stop, noting each write the server acknowledged.
async fn writer(api: Arc<Api>, case: String, who: usize, stop: Arc<AtomicBool>, acked: Arc<Mutex<Vec<Write>>>) {
    let mut n = 0usize;
    while !stop.load(Ordering::SeqCst) {
        n += 1;
        if n.is_multiple_of(3) {
            let bytes: Vec<u8> = (0..40_000 + 7_919 * (n % 13)).map(|i| (i * 31 + who * 7 + n) as u8).collect();
            let form = reqwest::multipart::Form::new()
                .part("files", reqwest::multipart::Part::bytes(bytes.clone()).file_name(format!("w{who}-{n}.bin")));
            let Ok(res) = api.post(&format!("/api/v1/cases/{case}/evidence")).multipart(form).send().await else {
                break;
            };
            if res.status() == 201 {
                let Ok(body) = res.json::<serde_json::Value>().await else { break };
                let id = body[0]["id"].as_str().unwrap().to_owned();
                acked.lock().unwrap().push(Write::File { id, sha256: hex(&Sha256::digest(&bytes)) });
            }
        } else {
            let text = format!("writer {who}, write {n}");
            let Ok(res) = api.post(&format!("/api/v1/cases/{case}/incidents")).json(&incident(&text)).send().await
            else {
                break;
            };
            if res.status() == 201 {
                let Ok(body) = res.json::<serde_json::Value>().await else { break };
                acked.lock().unwrap().push(Write::Incident { id: body["id"].as_str().unwrap().to_owned(), text });
            }
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// How many acknowledged writes are missing or changed.
async fn lost(api: &Api, case: &str, acked: &[Write]) -> usize {
    let mut lost = 0;
    for w in acked {
        let intact = match w {
            Write::Incident { id, text } => {
                let res = api.get(&format!("/api/v1/cases/{case}/incidents/{id}")).send().await.unwrap();
                res.status() == 200 && res.json::<serde_json::Value>().await.unwrap()["body"]["description"] == *text
            }
            Write::File { id, sha256 } => {
                let res = api.get(&format!("/api/v1/cases/{case}/evidence/{id}/content")).send().await.unwrap();
                res.status() == 200 && hex(&Sha256::digest(res.bytes().await.unwrap())) == *sha256
            }
        };
        if !intact {
            eprintln!("lost: {w:?}");
            lost += 1;
        }
    }
    lost
}

/// Files under the case's folder that no evidence record refers to, and half-written files.
fn strays(server: &Server, evidence: &[String]) -> Vec<String> {
    let mut found = Vec::new();
    let mut dirs = vec![server.data_dir.path().join("files")];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.map(Result::unwrap) {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if path.is_dir() {
                dirs.push(path);
            } else if name.contains('#') || (path.to_string_lossy().contains("/evidence/") && !evidence.contains(&name))
            {
                found.push(path.display().to_string());
            }
        }
    }
    found
}

#[tokio::test]
async fn kill_9_during_concurrent_writes_loses_nothing_acknowledged() {
    let rounds: usize = std::env::var("LODGE_CRASH_ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(3);
    for backend in backends().await {
        let name = format!("{backend:?}").split('(').next().unwrap_or("").to_owned();
        let mut server = Server::start_with(backend, &[("LODGE_ORPHAN_GRACE_MINUTES", "0")]).await;
        server.add_user("survivor", "ruby");
        let api = Arc::new(server.api("ruby").await);
        let case = api.create_case("Crash test").await;
        let acked = Arc::new(Mutex::new(Vec::new()));
        for round in 0..rounds {
            let stop = Arc::new(AtomicBool::new(false));
            let writers: Vec<_> = (0..4)
                .map(|who| tokio::spawn(writer(api.clone(), case.clone(), who, stop.clone(), acked.clone())))
                .collect();
            tokio::time::sleep(Duration::from_millis(400 + (round as u64 * 170) % 600)).await;
            server.kill();
            stop.store(true, Ordering::SeqCst);
            for w in writers {
                w.await.unwrap();
            }
            server.start_again().await;
            let so_far = acked.lock().unwrap().clone();
            assert_eq!(lost(&api, &case, &so_far).await, 0, "round {round}: acknowledged writes lost");
            let check = api.json(api.get(&format!("/api/v1/cases/{case}/checkpoint/verify")), 200).await;
            assert_eq!(check["ok"], true, "round {round}: {check}");
        }
        let acked = acked.lock().unwrap().clone();
        let lost = lost(&api, &case, &acked).await;
        let evidence: Vec<String> = api
            .json(api.get(&format!("/api/v1/cases/{case}/evidence")), 200)
            .await
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["id"].as_str().unwrap().to_owned())
            .collect();
        let mut left = strays(&server, &evidence);
        for _ in 0..100 {
            if left.is_empty() {
                break;
            }
            // The sweep runs at start; give it a moment.
            tokio::time::sleep(Duration::from_millis(100)).await;
            left = strays(&server, &evidence);
        }
        println!("crash test ({name}): {rounds} rounds of kill -9, {} acknowledged writes, {lost} lost", acked.len());
        assert!(acked.len() >= rounds * 4, "the writers got writes through ({})", acked.len());
        assert_eq!(lost, 0);
        assert_eq!(left, Vec::<String>::new(), "files no record refers to, or half-written");
    }
}
