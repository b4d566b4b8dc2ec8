//! The evidence bundle: one zip holding the report, every exhibit byte for byte, a manifest, the
//! case log's signed checkpoint and an inclusion proof for each exhibit.
//!
//! Layout:
//! - `README.txt`: what the bundle is and how to check it;
//! - `verify.html`: a page that checks every file and both signatures in a browser, offline;
//! - `report.pdf`;
//! - `exhibits/EX-001 <file name>` …;
//! - `checkpoint.txt`: the signed checkpoint (C2SP signed note);
//! - `checkpoint.tsr`: an RFC 3161 timestamp over the checkpoint, when one was obtained;
//! - `records.json`: what the report says for each incident and person, and each deletion,
//!   with the log entry that recorded it and its inclusion proof ([`crate::records`]);
//! - `manifest.json`: every other file's SHA-256 and size, and for each exhibit its leaf in the
//!   log (the salted opening) and the inclusion proof against the checkpoint;
//! - `manifest.sig`: a signed note over the manifest's SHA-256.
//!
//! The zip's own comment carries a last signed note over the SHA-256 of every byte before it,
//! so a change anywhere in the file, even in the zip's headers, is caught. The bundle is written
//! as a stream and every file is stored uncompressed: exhibits are usually compressed already,
//! and a reader can find any byte without inflating.

use std::io::{self, Read, Write};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use lodge_ledger::{Opening, SigningKey};

use crate::ReportError;

/// The manifest's format name: bundles of format 2 carry `records.json`.
pub const FORMAT: &str = "lodge-bundle/2";
/// The format of bundles made before `records.json`; they still verify.
pub const FORMAT_1: &str = "lodge-bundle/1";
/// Fixed names inside a bundle.
pub const MANIFEST: &str = "manifest.json";
/// See [`MANIFEST`].
pub const MANIFEST_SIGNATURE: &str = "manifest.sig";
/// See [`MANIFEST`].
pub const CHECKPOINT: &str = "checkpoint.txt";
/// See [`MANIFEST`].
pub const TIMESTAMP: &str = "checkpoint.tsr";
/// See [`MANIFEST`].
pub const REPORT: &str = "report.pdf";
/// See [`MANIFEST`].
pub const README: &str = "README.txt";
/// The page that checks a bundle in a browser, offline.
pub const VERIFY_PAGE: &str = "verify.html";
/// See [`MANIFEST`].
pub const RECORDS: &str = "records.json";

/// What a bundle's manifest says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Always [`FORMAT`].
    pub format: String,
    /// The case log the bundle was made from.
    pub log: LogInfo,
    /// When the bundle was made (RFC 3339).
    pub created: String,
    /// Every file in the bundle except the manifest and its signature.
    pub files: Vec<ManifestFile>,
    /// Each exhibit's place in the log.
    pub exhibits: Vec<ManifestExhibit>,
}

/// The log and checkpoint a bundle refers to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogInfo {
    /// `<server name>/case/<case id>`.
    pub origin: String,
    /// Entries in the log at the checkpoint.
    pub size: u64,
    /// The tree root at the checkpoint, base64.
    pub root: String,
    /// The signed-note verifier key for the log.
    pub verifier_key: String,
}

/// One file and its digest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManifestFile {
    /// Path inside the bundle.
    pub path: String,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256, lowercase hex.
    pub sha256: String,
}

/// An exhibit and the proof that the log recorded it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManifestExhibit {
    /// Its number, e.g. "EX-001".
    pub number: String,
    /// Path inside the bundle.
    pub path: String,
    /// The incident it belongs to (record id), if any.
    pub incident: Option<String>,
    /// The index of the leaf that recorded it.
    pub leaf_index: u64,
    /// The leaf's opening: the entry (with the file's SHA-256) and its salt.
    pub opening: Opening,
    /// The inclusion proof of that leaf in the checkpoint's tree, base64 hashes.
    pub inclusion_proof: Vec<String>,
}

/// An exhibit to put in a bundle.
#[derive(Debug, Clone)]
pub struct ExhibitSource {
    /// Its number, e.g. "EX-001".
    pub number: String,
    /// The file name as it arrived.
    pub file_name: String,
    /// Its size in bytes.
    pub size: u64,
    /// The incident it belongs to, if any.
    pub incident: Option<String>,
    /// The leaf that recorded it, its opening and its inclusion proof.
    pub leaf_index: u64,
    /// See `leaf_index`.
    pub opening: Opening,
    /// See `leaf_index`.
    pub inclusion_proof: Vec<String>,
}

/// The text signed in `manifest.sig`.
pub fn manifest_statement(manifest_sha256: &[u8]) -> String {
    format!("lodge bundle manifest v1\nsha256 {}\n", lodge_ledger::entry::hex(manifest_sha256))
}

/// The text signed in the zip comment.
pub fn archive_statement(archive_sha256: &[u8]) -> String {
    format!("lodge bundle archive v1\nsha256 {}\n", lodge_ledger::entry::hex(archive_sha256))
}

/// A name safe inside a zip on any system: no folders, no control characters, not too long.
fn safe_name(name: &str) -> String {
    let cleaned: String =
        name.chars()
            .map(|c| {
                if c.is_control() || matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|') {
                    '_'
                } else {
                    c
                }
            })
            .take(120)
            .collect();
    let trimmed = cleaned.trim().trim_start_matches('.');
    if trimmed.is_empty() { "file".to_owned() } else { trimmed.to_owned() }
}

/// Passes bytes through to `inner`, hashing them, but always holds back the last `hold`
/// bytes: the zip comment, which is replaced by a signature over everything before it.
struct HoldBack<W> {
    inner: W,
    hold: usize,
    held: Vec<u8>,
    hash: Sha256,
}

impl<W: Write> HoldBack<W> {
    fn pass(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.hash.update(bytes);
        self.inner.write_all(bytes)
    }
}

impl<W: Write> Write for HoldBack<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if buf.len() >= self.hold {
            // The held bytes and all but the end of `buf` pass straight through.
            let held = std::mem::take(&mut self.held);
            self.pass(&held)?;
            let split = buf.len() - self.hold;
            self.pass(&buf[..split])?;
            self.held = held;
            self.held.clear();
            self.held.extend_from_slice(&buf[split..]);
        } else {
            self.held.extend_from_slice(buf);
            if self.held.len() > self.hold {
                let out = self.held.len() - self.hold;
                let held = std::mem::take(&mut self.held);
                self.pass(&held[..out])?;
                self.held = held;
                self.held.drain(..out);
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Hashes what passes through a reader.
struct Hashing<R> {
    inner: R,
    hash: Sha256,
    size: u64,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hash.update(&buf[..n]);
        self.size += n as u64;
        Ok(n)
    }
}

/// Writes a bundle as a stream.
pub struct BundleWriter<'k, W: Write> {
    zip: ZipWriter<zip::write::StreamWriter<HoldBack<W>>>,
    key: &'k SigningKey,
    hold: usize,
    manifest: Manifest,
}

impl<W: Write> std::fmt::Debug for BundleWriter<'_, W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BundleWriter").field("log", &self.manifest.log.origin).finish_non_exhaustive()
    }
}

fn zip_error(e: zip::result::ZipError) -> ReportError {
    ReportError::Bundle(e.to_string())
}

fn io_error(e: io::Error) -> ReportError {
    ReportError::Bundle(e.to_string())
}

impl<'k, W: Write> BundleWriter<'k, W> {
    /// Starts a bundle for the log `log` at the signed checkpoint `checkpoint_note`, to be
    /// signed with `key` (the key that signed the checkpoint).
    pub fn new(
        out: W,
        key: &'k SigningKey,
        log: LogInfo,
        checkpoint_note: &str,
        created: String,
    ) -> Result<Self, ReportError> {
        // The comment's length must be known before the zip ends; a signature over any digest
        // has the same length.
        let hold = key.sign_text(&log.origin, &archive_statement(&[0; 32]))?.len();
        let sink = HoldBack { inner: out, hold, held: Vec::with_capacity(hold * 2), hash: Sha256::new() };
        let mut writer = BundleWriter {
            zip: ZipWriter::new_stream(sink),
            key,
            hold,
            manifest: Manifest { format: FORMAT.to_owned(), log, created, files: Vec::new(), exhibits: Vec::new() },
        };
        let readme = readme(&writer.manifest.log);
        writer.add_file(README, readme.as_bytes())?;
        writer.add_file(VERIFY_PAGE, include_bytes!("verify.html"))?;
        writer.add_file(CHECKPOINT, checkpoint_note.as_bytes())?;
        Ok(writer)
    }

    fn options(size: u64) -> SimpleFileOptions {
        SimpleFileOptions::default()
            .compression_method(CompressionMethod::Stored)
            .unix_permissions(0o644)
            .large_file(size >= u64::from(u32::MAX))
    }

    fn copy(&mut self, path: &str, size: u64, content: impl Read) -> Result<ManifestFile, ReportError> {
        if self.manifest.files.iter().any(|f| f.path == path) {
            return Err(ReportError::Bundle(format!("{path} is in the bundle twice")));
        }
        self.zip.start_file(path, Self::options(size)).map_err(zip_error)?;
        let mut reader = Hashing { inner: content, hash: Sha256::new(), size: 0 };
        io::copy(&mut reader, &mut self.zip).map_err(io_error)?;
        let file = ManifestFile {
            path: path.to_owned(),
            size: reader.size,
            sha256: lodge_ledger::entry::hex(&reader.hash.finalize()),
        };
        self.manifest.files.push(file.clone());
        Ok(file)
    }

    /// Adds a file from memory (the report, a timestamp token).
    pub fn add_file(&mut self, path: &str, bytes: &[u8]) -> Result<(), ReportError> {
        self.copy(path, bytes.len() as u64, bytes).map(|_| ())
    }

    /// Adds `records.json`: the report's records with their proofs.
    pub fn add_records(&mut self, records: &crate::records::RecordsFile) -> Result<(), ReportError> {
        let json = serde_json::to_vec_pretty(records).map_err(|e| ReportError::Bundle(e.to_string()))?;
        self.add_file(RECORDS, &json)
    }

    /// Adds an exhibit, streaming its bytes. Fails, and the bundle must be abandoned, if the
    /// bytes are not the ones the log recorded.
    pub fn add_exhibit(&mut self, exhibit: ExhibitSource, content: impl Read) -> Result<(), ReportError> {
        let path = format!("exhibits/{} {}", exhibit.number, safe_name(&exhibit.file_name));
        let file = self.copy(&path, exhibit.size, content)?;
        let logged = exhibit.opening.entry()?.sha256.unwrap_or_default();
        if !logged.eq_ignore_ascii_case(&file.sha256) {
            return Err(ReportError::ExhibitChanged(exhibit.number));
        }
        self.manifest.exhibits.push(ManifestExhibit {
            number: exhibit.number,
            path,
            incident: exhibit.incident,
            leaf_index: exhibit.leaf_index,
            opening: exhibit.opening,
            inclusion_proof: exhibit.inclusion_proof,
        });
        Ok(())
    }

    /// Writes the manifest and the signatures, and returns the writer and the manifest's
    /// SHA-256 (hex), which the case log records as the export.
    pub fn finish(mut self) -> Result<(W, String), ReportError> {
        let manifest = serde_json::to_vec_pretty(&self.manifest).map_err(|e| ReportError::Bundle(e.to_string()))?;
        let digest = Sha256::digest(&manifest);
        let signature = self.key.sign_text(&self.manifest.log.origin, &manifest_statement(&digest))?;
        for (path, bytes) in [(MANIFEST, &manifest[..]), (MANIFEST_SIGNATURE, signature.as_bytes())] {
            self.zip.start_file(path, Self::options(bytes.len() as u64)).map_err(zip_error)?;
            self.zip.write_all(bytes).map_err(io_error)?;
        }
        self.zip.set_raw_comment(vec![b' '; self.hold].into_boxed_slice()).map_err(zip_error)?;
        // Everything but the placeholder comment has passed through and been hashed.
        let HoldBack { mut inner, held, hash, .. } = self.zip.finish().map_err(zip_error)?.into_inner();
        let comment = self.key.sign_text(&self.manifest.log.origin, &archive_statement(&hash.finalize()))?;
        if comment.len() != held.len() {
            return Err(ReportError::Bundle("the archive signature changed length".into()));
        }
        inner.write_all(comment.as_bytes()).map_err(io_error)?;
        inner.flush().map_err(io_error)?;
        Ok((inner, lodge_ledger::entry::hex(&digest)))
    }
}

fn readme(log: &LogInfo) -> String {
    format!(
        "Evidence bundle made by Lodge\n\
         =============================\n\n\
         report.pdf      the report\n\
         exhibits/       every exhibit, exactly as it was added to the log\n\
         checkpoint.txt  the case log's signed checkpoint (C2SP signed note)\n\
         records.json    what the report says for each incident, person and deletion, with the\n                \
         log entry that recorded it and its inclusion proof\n\
         manifest.json   the SHA-256 of every file, and each exhibit's entry in the log with its\n                \
         inclusion proof\n\
         manifest.sig    the server's signature over manifest.json\n\
         verify.html     a page that checks the files and the signatures in a browser\n\n\
         To check this bundle in a browser, unzip it, open verify.html and choose the folder:\n\
         it checks every file's SHA-256 and the server's signatures on this computer alone.\n\n\
         To check it fully, offline, without any network access:\n\n    \
         lodge verify --key '{key}' THIS-FILE.zip\n\n\
         It checks every file against the manifest, the signatures, that each exhibit was\n\
         recorded in the log at the checkpoint, and that each incident's words are the ones the\n\
         log recorded. It names any file or incident that was changed.\n\n\
         Log:          {origin}\n\
         Entries:      {size}\n\
         Root hash:    {root}\n\
         Verifier key: {key}\n\n\
         Compare the verifier key with the one the organisation publishes for its Lodge server.\n",
        key = log.verifier_key,
        origin = log.origin,
        size = log.size,
        root = log.root,
    )
}
