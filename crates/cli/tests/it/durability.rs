//! Durability: what the API acknowledged survives `kill -9` of the server and a restart, and
//! decrypts.

use crate::harness::{Server, backends, incident};

#[tokio::test]
async fn acknowledged_writes_survive_kill_9() {
    for backend in backends().await {
        let mut server = Server::start(backend).await;
        server.add_user("survivor", "alice");
        let api = server.api("alice").await;
        let case = api.create_case("Durability").await;
        let created = api.create_incident(&case, incident("he waited outside the studio")).await;
        let id = created["id"].as_str().unwrap().to_owned();
        let bytes: Vec<u8> = (0..3_000_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let evidence = api.upload(&case, Some(&id), "recording.bin", bytes.clone()).await;
        let ev = evidence["id"].as_str().unwrap().to_owned();

        // No graceful shutdown: the process dies the moment the acknowledgements arrived.
        server.kill_and_restart().await;

        // The session survives too: it lives in the database, not in the process.
        let got = api.json(api.get(&format!("/api/v1/cases/{case}/incidents/{id}")), 200).await;
        assert_eq!(got["body"]["description"], "he waited outside the studio");
        let content = api.get(&format!("/api/v1/cases/{case}/evidence/{ev}/content")).send().await.unwrap();
        assert_eq!(content.status(), 200);
        assert_eq!(content.bytes().await.unwrap().to_vec(), bytes);
        let meta = api.json(api.get(&format!("/api/v1/cases/{case}/evidence/{ev}")), 200).await;
        assert_eq!(meta["body"]["sha256"], evidence["body"]["sha256"]);
    }
}

#[tokio::test]
async fn uploads_stream_through_bounded_memory() {
    let server = Server::start(crate::harness::Backend::Sqlite).await;
    server.add_user("survivor", "alice");
    let api = server.api("alice").await;
    let case = api.create_case("Large file").await;
    const MIB: u64 = 48;
    let before = server.peak_memory_kib().unwrap();
    let res = api.upload_streamed(&case, MIB).await;
    assert_eq!(res.status(), 201);
    let grew = server.peak_memory_kib().unwrap() - before;
    // Holding the file would take 48 MiB; streaming takes its buffers (8 MiB to the store).
    assert!(grew < 32 * 1024, "peak memory grew by {grew} KiB during a {MIB} MiB upload");
    let stored: u64 = walk_size(&server.data_dir.path().join("files"));
    assert_eq!(stored, lodge_crypto::stream::encrypted_len(MIB * 1024 * 1024));
}

fn walk_size(dir: &std::path::Path) -> u64 {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| if p.is_dir() { walk_size(&p) } else { std::fs::metadata(&p).unwrap().len() })
        .sum()
}
