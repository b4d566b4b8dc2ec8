//! Backup and restore: `lodge backup` of a running SQLite server, taken while it serves; the
//! backup holds no case content in plaintext; `lodge restore` brings it back onto a new data
//! directory and onto an empty PostgreSQL database; every case log verifies; she signs in on the
//! restored server and finds her case, files and checkpoints as they were. A cut-short backup
//! and a non-empty target are refused.

use std::process::Command;

use crate::harness::{Backend, Server, incident};

fn lodge(args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_lodge"));
    cmd.args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("LODGE_ARGON2_MEMORY_KIB", "256")
        .env("LODGE_ARGON2_ITERATIONS", "1")
        .env("LODGE_ARGON2_BELOW_MINIMUM_FOR_TESTS", "true");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test]
async fn a_backup_restores_onto_a_new_directory_and_onto_postgresql_and_every_log_verifies() {
    // The checkpoints name the server: the restored one must carry the same name.
    let name = ("LODGE_SERVER_NAME", "lodge.example.org");
    let source = Server::start_with(Backend::Sqlite, &[name]).await;
    source.add_user("survivor", "ruby");
    let api = source.api("ruby").await;
    let canary = format!("CANARY{}", uuid::Uuid::new_v4().simple());
    let case = api.create_case(&format!("{canary}-title")).await;
    let made = api.create_incident(&case, incident(&format!("{canary}-what happened"))).await;
    let file = format!("{canary}-recording ").repeat(30_000).into_bytes();
    let evidence = api.upload(&case, Some(made["id"].as_str().unwrap()), "recording.bin", file.clone()).await;
    let checkpoint = api.json(api.get(&format!("/api/v1/cases/{case}/checkpoint")), 200).await;

    // Taken while the server runs.
    let dir = tempfile::tempdir().unwrap();
    let backup = dir.path().join("lodge.backup");
    let data = source.data_dir.path().display().to_string();
    let out = lodge(&["backup", "--to", backup.to_str().unwrap(), "--data-dir", &data], &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("The server key is not in the backup"), "{}", text(&out.stderr));
    let bytes = std::fs::read(&backup).unwrap();
    assert!(bytes.len() > file.len(), "the files are in it");
    assert!(!bytes.windows(canary.len()).any(|w| w == canary.as_bytes()), "the backup holds case content");
    let again = lodge(&["backup", "--to", backup.to_str().unwrap(), "--data-dir", &data], &[]);
    assert!(!again.status.success(), "an existing file is never overwritten");

    let key = source.data_dir.path().join("server.key").display().to_string();
    let mut targets = vec![Backend::Sqlite];
    if let Ok(admin) = std::env::var("LODGE_TEST_POSTGRES_URL") {
        targets.push(Backend::Postgres(lodge_store::create_scratch_postgres_database(&admin).await.unwrap()));
    }
    for target in targets {
        let restored_dir = tempfile::tempdir().unwrap();
        let path = restored_dir.path().display().to_string();
        let mut args = vec!["restore", "--from", backup.to_str().unwrap(), "--data-dir", &path];
        if let Backend::Postgres(url) = &target {
            args.extend(["--database-url", url.as_str()]);
        }
        let without_key = lodge(&args, &[]);
        assert!(text(&without_key.stderr).contains("the server key the backup was made with is needed"));
        let env = [("LODGE_SERVER_KEY_FILE", key.as_str()), name];
        let out = lodge(&args, &env);
        assert!(out.status.success(), "{target:?}: {}", text(&out.stderr));
        assert!(text(&out.stderr).contains("Every case log verifies (1 case)"), "{}", text(&out.stderr));
        let twice = lodge(&args, &env);
        assert!(!twice.status.success(), "a database with accounts is never restored over");

        let server = Server::start_in(restored_dir, target.clone(), &env).await;
        let api = server.api("ruby").await;
        let cases = api.json(api.get("/api/v1/cases"), 200).await;
        assert_eq!(cases[0]["title"], format!("{canary}-title"));
        let back =
            api.json(api.get(&format!("/api/v1/cases/{case}/incidents/{}", made["id"].as_str().unwrap())), 200).await;
        assert_eq!(back["body"]["description"], format!("{canary}-what happened"));
        let id = evidence["id"].as_str().unwrap();
        let content = api.get(&format!("/api/v1/cases/{case}/evidence/{id}/content")).send().await.unwrap();
        assert!(content.bytes().await.unwrap() == file, "{target:?}: the file reads back byte for byte");
        let check = api.json(api.get(&format!("/api/v1/cases/{case}/checkpoint/verify")), 200).await;
        assert_eq!((check["ok"].as_bool(), check["checkpoints"].as_u64()), (Some(true), Some(1)), "{check}");
        let now = api.json(api.get(&format!("/api/v1/cases/{case}/checkpoint")), 200).await;
        assert_eq!(now["note"], checkpoint["note"], "the checkpoint given out before still stands");
        api.json(api.post(&format!("/api/v1/cases/{case}/incidents")).json(&incident("after the restore")), 201).await;
    }

    // A backup cut short is refused, and nothing is restored from it.
    let cut = dir.path().join("cut.backup");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let empty = tempfile::tempdir().unwrap();
    std::fs::copy(source.data_dir.path().join("server.key"), empty.path().join("server.key")).unwrap();
    let path = empty.path().display().to_string();
    let out = lodge(&["restore", "--from", cut.to_str().unwrap(), "--data-dir", &path], &[]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("not a complete Lodge backup"), "{}", text(&out.stderr));
}
