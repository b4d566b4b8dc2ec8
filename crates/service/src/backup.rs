//! Backup and restore. A backup is one zip file written as a stream: `lodge-backup.json` (what
//! it is), `database.jsonl` (every row of the organisation's data from one consistent snapshot,
//! see [`lodge_store::Store::export_rows`]), every stored file exactly as stored under `files/`,
//! and `end.json` (how many rows and files, so a truncated backup is refused). Case content is
//! in it only as the ciphertext it is at rest, so the canary rule holds for backups; the server
//! key is not in it (back that up apart).
//!
//! Files are listed after the snapshot, so every file a row refers to is in the backup (a file
//! is stored before its record commits); a file deleted in between is the one exception, and a
//! file no row refers to is tidied away by the orphan sweep after a restore.
//!
//! A restore goes into a new, empty database and file store, in one transaction for the rows;
//! afterwards every case's log is checked (see [`Lodge::verify_case_log`]).

use std::io::{Read, Seek, Write};
use std::sync::Arc;

use futures_util::StreamExt;
use lodge_blobs::Blobs;
use lodge_store::{CopiedRow, Store};
use serde::{Deserialize, Serialize};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

use crate::{ServiceError, system_now};

const HEADER: &str = "lodge-backup.json";
const DATABASE: &str = "database.jsonl";
const END: &str = "end.json";
const FILES: &str = "files/";

/// What a backup says about itself.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Header {
    format: String,
    version: u32,
    created: String,
    backend: String,
}

/// How much a backup holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupSummary {
    /// Database rows.
    pub rows: u64,
    /// Stored files.
    pub files: u64,
    /// Bytes of stored files.
    pub file_bytes: u64,
}

fn failed(e: impl std::fmt::Display) -> ServiceError {
    ServiceError::Internal(format!("backup: {e}"))
}

fn options(large: bool) -> SimpleFileOptions {
    SimpleFileOptions::default().compression_method(CompressionMethod::Stored).unix_permissions(0o600).large_file(large)
}

/// Writes a backup of everything in `store` and `blobs` to `out`, as a stream (no seeking, so
/// `out` may be a pipe). Runs the writing on a blocking thread.
pub async fn backup<W: Write + Send + 'static>(
    store: Arc<dyn Store>,
    blobs: &Blobs,
    out: W,
) -> Result<BackupSummary, ServiceError> {
    let (tx, rx) = std::sync::mpsc::sync_channel::<Part>(64);
    let writer = tokio::task::spawn_blocking(move || write_zip(out, rx));
    let header = Header {
        format: "lodge-backup".into(),
        version: 1,
        created: system_now().to_string(),
        backend: store.backend().into(),
    };
    let mut summary = BackupSummary::default();
    let send = |part: Part| tx.send(part).map_err(|_| failed("the backup file stopped being written"));
    send(Part::Start(HEADER.into(), serde_json::to_vec(&header).map_err(failed)?, false))?;
    send(Part::Start(DATABASE.into(), Vec::new(), true))?;
    let (rows_tx, mut rows_rx) = tokio::sync::mpsc::channel::<CopiedRow>(256);
    let export = {
        let store = store.clone();
        tokio::spawn(async move { store.export_rows(rows_tx).await })
    };
    while let Some(row) = rows_rx.recv().await {
        let mut line = serde_json::to_vec(&row).map_err(failed)?;
        line.push(b'\n');
        send(Part::More(line))?;
    }
    summary.rows = export.await.map_err(failed)??;
    for listed in blobs.list("").await? {
        if listed.name.starts_with("health/") {
            continue;
        }
        send(Part::Start(format!("{FILES}{}", listed.name), Vec::new(), listed.size >= u64::from(u32::MAX)))?;
        let mut stream = blobs.raw_reader(&listed.name).await?;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk?;
            summary.file_bytes += chunk.len() as u64;
            send(Part::More(chunk.to_vec()))?;
        }
        summary.files += 1;
    }
    send(Part::Start(END.into(), serde_json::to_vec(&summary).map_err(failed)?, false))?;
    drop(tx);
    writer.await.map_err(failed)??;
    Ok(summary)
}

/// A piece of the zip being written: a new entry (name, first bytes, whether it may pass
/// 4 GiB), or more bytes of the current one.
enum Part {
    Start(String, Vec<u8>, bool),
    More(Vec<u8>),
}

fn write_zip<W: Write>(out: W, parts: std::sync::mpsc::Receiver<Part>) -> Result<(), ServiceError> {
    let mut zip = ZipWriter::new_stream(out);
    for part in parts {
        match part {
            Part::Start(name, bytes, large) => {
                zip.start_file(name, options(large)).map_err(failed)?;
                zip.write_all(&bytes).map_err(failed)?;
            }
            Part::More(bytes) => zip.write_all(&bytes).map_err(failed)?,
        }
    }
    zip.finish().map_err(failed)?.flush().map_err(failed)
}

/// Restores a backup into `store` (a new database: it must have no accounts) and `blobs`.
/// Nothing is written to the database unless every row goes in; files are written first.
pub async fn restore<R: Read + Seek + Send + 'static>(
    store: Arc<dyn Store>,
    blobs: &Blobs,
    input: R,
) -> Result<BackupSummary, ServiceError> {
    let refuse = |why: &str| ServiceError::invalid("backup", &format!("This is not a complete Lodge backup: {why}."));
    let mut zip = ZipArchive::new(input).map_err(|_| refuse("it is not a zip file"))?;
    let header: Header = read_json(&mut zip, HEADER).ok_or_else(|| refuse("it has no header"))?;
    if header.format != "lodge-backup" || header.version != 1 {
        return Err(refuse("its format is not one this Lodge reads"));
    }
    let expected: BackupSummary = read_json(&mut zip, END).ok_or_else(|| refuse("it was cut short"))?;
    let mut summary = BackupSummary::default();
    let names: Vec<String> = zip
        .file_names()
        .map(|n| n.map(|n| n.into_owned()))
        .collect::<Result<Vec<String>, _>>()
        .map_err(|_| refuse("a file has a name that cannot be read"))?
        .into_iter()
        .filter(|n| n.starts_with(FILES))
        .collect();
    for name in names {
        let blob = &name[FILES.len()..];
        if blob.is_empty() || blob.split('/').any(|part| part.is_empty() || part == "." || part == "..") {
            return Err(refuse("a file has a name that is not allowed"));
        }
        let mut writer = blobs.raw_writer(blob);
        let mut entry = zip.by_name(&name).map_err(failed)?;
        let mut buf = vec![0u8; 1024 * 1024];
        loop {
            let n = entry.read(&mut buf).map_err(failed)?;
            if n == 0 {
                break;
            }
            summary.file_bytes += n as u64;
            writer.write(&buf[..n]).await?;
        }
        drop(entry);
        writer.finish().await?;
        summary.files += 1;
    }
    let (tx, rx) = tokio::sync::mpsc::channel::<Option<CopiedRow>>(256);
    let import = {
        let store = store.clone();
        tokio::spawn(async move { store.import_rows(rx).await })
    };
    let mut entry = zip.by_name(DATABASE).map_err(|_| refuse("it has no database"))?;
    let mut reader = std::io::BufReader::new(&mut entry);
    let mut line = String::new();
    let mut sent = 0u64;
    let mut complete = summary.files == expected.files;
    while complete {
        line.clear();
        let n = std::io::BufRead::read_line(&mut reader, &mut line).map_err(failed)?;
        if n == 0 {
            break;
        }
        let Ok(row) = serde_json::from_str::<CopiedRow>(&line) else {
            complete = false;
            break;
        };
        if tx.send(Some(row)).await.is_err() {
            break;
        }
        sent += 1;
    }
    // The rows are kept only if all of them arrived: otherwise the transaction is dropped.
    if complete && sent == expected.rows {
        let _ = tx.send(None).await;
    }
    drop(tx);
    let imported = import.await.map_err(failed)?;
    if !(complete && sent == expected.rows) {
        return Err(refuse("it holds less than it says"));
    }
    summary.rows = imported?;
    Ok(summary)
}

fn read_json<R: Read + Seek, T: serde::de::DeserializeOwned>(zip: &mut ZipArchive<R>, name: &str) -> Option<T> {
    let mut text = Vec::new();
    zip.by_name(name).ok()?.read_to_end(&mut text).ok()?;
    serde_json::from_slice(&text).ok()
}
