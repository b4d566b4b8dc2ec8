//! Each case's log through the real server: every change is a leaf, checkpoints are signed
//! notes that verify with the published key, consistency proofs link any two checkpoints, and
//! a history rewritten in the database fails them.

use lodge_ledger::tree::{self, Fetched, Hash};
use lodge_ledger::{LedgerError, Verifier};
use serde_json::{Value, json};

use crate::harness::{Api, Backend, Server, backends, incident};

fn b64(text: &Value) -> [u8; 32] {
    data_encoding::BASE64.decode(text.as_str().unwrap().as_bytes()).unwrap().try_into().unwrap()
}

/// Fetches the case's checkpoint and checks its signature with the published key.
async fn checkpoint(api: &Api, case: &str) -> (u64, Hash) {
    let c = api.json(api.get(&format!("/api/v1/cases/{case}/checkpoint")), 200).await;
    assert!(c["origin"].as_str().unwrap().ends_with(&format!("/case/{case}")));
    let verifier = Verifier::for_log(c["public_key"].as_str().unwrap(), c["origin"].as_str().unwrap()).unwrap();
    assert_eq!(verifier.key(), c["verifier_key"]);
    let opened = verifier.open(c["note"].as_str().unwrap().as_bytes()).unwrap();
    assert_eq!(opened.size, c["size"].as_u64().unwrap());
    assert_eq!(opened.root.0, b64(&c["root"]));
    (opened.size, opened.root)
}

async fn consistency(api: &Api, case: &str, from: u64, to: u64) -> Vec<Hash> {
    let p = api.json(api.get(&format!("/api/v1/cases/{case}/checkpoint/consistency?from={from}&to={to}")), 200).await;
    p["proof"].as_array().unwrap().iter().map(|h| Hash(b64(h))).collect()
}

#[tokio::test]
async fn every_change_is_logged_and_checkpoints_stay_consistent() {
    for backend in backends().await {
        let server = Server::start(backend).await;
        server.add_user("survivor", "alice");
        let api = server.api("alice").await;
        let case = api.create_case("Log").await;
        let mut ids = Vec::new();
        for text in ["messages all night", "waited outside", "new account after the block"] {
            ids.push(api.create_incident(&case, incident(text)).await["id"].as_str().unwrap().to_owned());
        }
        let first = checkpoint(&api, &case).await;
        // Case created, three incidents.
        assert_eq!(first.0, 4);

        let edit = json!({ "version": 1, "body": incident("waited outside the studio, 9pm") });
        api.json(api.put(&format!("/api/v1/cases/{case}/incidents/{}", ids[1])).json(&edit), 200).await;
        api.json(api.delete(&format!("/api/v1/cases/{case}/incidents/{}", ids[2])), 204).await;
        api.upload(&case, Some(&ids[0]), "screenshot.png", crate::harness::png(40, 30)).await;
        api.json(api.put(&format!("/api/v1/cases/{case}")).json(&json!({ "title": "Log, renamed" })), 200).await;
        let second = checkpoint(&api, &case).await;
        // An edit, a deletion (its leaf stays), a file, a rename.
        assert_eq!(second.0, 8);
        // Asking again without changes gives the same signed checkpoint.
        assert_eq!(checkpoint(&api, &case).await, second);

        for (from, to) in [(first.0, second.0), (1, second.0), (second.0, second.0)] {
            let proof = consistency(&api, &case, from, to).await;
            let old_root = if from == first.0 {
                first.1
            } else if from == second.0 {
                second.1
            } else {
                continue;
            };
            tree::verify_consistency(&proof, from, old_root, to, second.1).unwrap();
        }
        // She reads the same log as a page: the deletion is there, its words are not.
        let browser = server.browser("alice").await;
        let page = browser.get(format!("{}/cases/{case}/log", server.url)).send().await.unwrap().text().await.unwrap();
        for line in
            ["Case started", "Incident logged", "Incident edited", "Incident deleted", "File added", "Case renamed"]
        {
            assert!(page.contains(line), "the log page lacks {line:?}");
        }
        assert!(!page.contains("new account after the block"));
        let verifier_key =
            api.json(api.get(&format!("/api/v1/cases/{case}/checkpoint")), 200).await["verifier_key"].clone();
        assert!(page.contains(verifier_key.as_str().unwrap()));

        // Sizes the log never had are not there.
        let past = api.get(&format!("/api/v1/cases/{case}/checkpoint/consistency?from=2&to=99")).send().await.unwrap();
        assert_eq!(past.status(), 404);
    }
}

#[tokio::test]
async fn a_history_rewritten_in_the_database_fails_the_consistency_proof() {
    let mut server = Server::start(Backend::Sqlite).await;
    server.add_user("survivor", "alice");
    let api = server.api("alice").await;
    let case = api.create_case("Rewrite").await;
    for text in ["one", "two", "three", "four", "five"] {
        api.create_incident(&case, incident(text)).await;
    }
    let before = checkpoint(&api, &case).await;
    server.kill();

    // Someone with the database swaps leaf 2 for one of their own and rebuilds the tree.
    let url = format!("sqlite://{}", server.data_dir.path().join("lodge.db").display());
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    let rows: Vec<(i64, Vec<u8>)> =
        sqlx::query_as("SELECT idx, commitment FROM ledger_leaves WHERE case_id = $1 ORDER BY idx")
            .bind(&case)
            .fetch_all(&pool)
            .await
            .unwrap();
    let mut stored: Vec<Hash> = Vec::new();
    for (idx, commitment) in &rows {
        let mut commitment: [u8; 32] = commitment.clone().try_into().unwrap();
        if *idx == 2 {
            commitment[0] ^= 0xff;
        }
        let needs = tree::append_needs(*idx as u64);
        let have = needs.iter().map(|&n| stored[n as usize]).collect();
        stored.extend(tree::append(*idx as u64, tree::leaf_hash(&commitment), &Fetched::new(needs, have)).unwrap().1);
    }
    sqlx::query("DELETE FROM ledger_hashes WHERE case_id = $1").bind(&case).execute(&pool).await.unwrap();
    for (i, h) in stored.iter().enumerate() {
        sqlx::query("INSERT INTO ledger_hashes (case_id, idx, hash) VALUES ($1, $2, $3)")
            .bind(&case)
            .bind(i as i64)
            .bind(&h.0[..])
            .execute(&pool)
            .await
            .unwrap();
    }
    pool.close().await;

    server.kill_and_restart().await;
    api.create_incident(&case, incident("six")).await;
    let after = checkpoint(&api, &case).await;
    assert_eq!(after.0, before.0 + 1);
    let proof = consistency(&api, &case, before.0, after.0).await;
    let err = tree::verify_consistency(&proof, before.0, before.1, after.0, after.1).unwrap_err();
    assert!(matches!(err, LedgerError::InvalidProof), "{err:?}");
}

#[tokio::test]
async fn concurrent_writers_each_get_their_own_leaf() {
    for backend in backends().await {
        let server = Server::start(backend).await;
        server.add_user("survivor", "alice");
        let api = std::sync::Arc::new(server.api("alice").await);
        let case = api.create_case("Busy").await;
        let mut writers = Vec::new();
        for w in 0..8 {
            let (api, case) = (api.clone(), case.clone());
            writers.push(tokio::spawn(async move {
                for i in 0..15 {
                    let res = api
                        .post(&format!("/api/v1/cases/{case}/incidents"))
                        .json(&incident(&format!("writer {w}, message {i}")))
                        .send()
                        .await
                        .unwrap();
                    if res.status() != 201 {
                        return Err(res.text().await.unwrap());
                    }
                }
                Ok(())
            }));
        }
        for w in writers {
            if let Err(body) = w.await.unwrap() {
                panic!("a write failed: {body}\n{}", server.log());
            }
        }
        let (size, _) = checkpoint(&api, &case).await;
        assert_eq!(size, 1 + 8 * 15);
    }
}
