//! `lodge verify`: checks an evidence bundle offline and names the first file that fails.
//!
//! In order: the zip can be read and holds only safe names; the manifest's signature; the
//! checkpoint's signature and that it is the checkpoint the manifest names; every file against
//! its SHA-256 and size, with nothing missing and nothing extra; each exhibit's entry in the log
//! against the file and its inclusion proof against the checkpoint; last, the signature over the
//! whole archive, which catches a change to the zip's own headers.

use std::collections::BTreeSet;
use std::io::{self, Read, Seek, SeekFrom};

use sha2::{Digest, Sha256};
use zip::ZipArchive;

use lodge_ledger::{Verifier, tree};

use crate::bundle::{
    CHECKPOINT, FORMAT, FORMAT_1, MANIFEST, MANIFEST_SIGNATURE, Manifest, RECORDS, TIMESTAMP, archive_statement,
    manifest_statement,
};
use crate::records::{RecordsFile, decode_proof};

/// Manifests and signatures larger than this are not read.
const SMALL_FILE_MAX: u64 = 64 * 1024 * 1024;

/// Why a bundle failed, naming the file where there is one.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// One file in the bundle is wrong.
    #[error("{file}: {reason}")]
    File {
        /// The file's path inside the bundle.
        file: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The bundle as a whole is wrong (not a zip, or its structure was changed).
    #[error("the bundle {0}")]
    Bundle(String),
}

impl VerifyError {
    fn file(file: &str, reason: impl Into<String>) -> VerifyError {
        VerifyError::File { file: file.to_owned(), reason: reason.into() }
    }

    /// The file that failed, if the failure is in one file.
    pub fn file_name(&self) -> Option<&str> {
        match self {
            VerifyError::File { file, .. } => Some(file),
            VerifyError::Bundle(_) => None,
        }
    }
}

/// What a bundle that verified holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Verified {
    /// The case log it was made from.
    pub origin: String,
    /// Entries in the log at its checkpoint.
    pub size: u64,
    /// The root at its checkpoint, base64.
    pub root: String,
    /// The key that signed it.
    pub verifier_key: String,
    /// Files checked.
    pub files: usize,
    /// Exhibits proved to be in the log.
    pub exhibits: usize,
    /// Incidents, people and deletions proved to be what the log recorded.
    pub records: usize,
    /// What the bundle says was found changed outside Lodge, and left out, when it was made.
    pub changed: Vec<String>,
    /// The trusted time of its checkpoint (RFC 3161), if it carries a token.
    pub timestamp: Option<String>,
    /// When it was made.
    pub created: String,
}

fn read_small<R: Read + Seek>(zip: &mut ZipArchive<R>, name: &str) -> Result<Vec<u8>, VerifyError> {
    let file = zip.by_name(name).map_err(|_| VerifyError::file(name, "is missing"))?;
    if file.size() > SMALL_FILE_MAX {
        return Err(VerifyError::file(name, "is too large"));
    }
    let mut bytes = Vec::new();
    file.take(SMALL_FILE_MAX)
        .read_to_end(&mut bytes)
        .map_err(|e| VerifyError::file(name, format!("cannot be read: {e}")))?;
    Ok(bytes)
}

fn hash_entry<R: Read + Seek>(zip: &mut ZipArchive<R>, name: &str) -> Result<(u64, String), VerifyError> {
    let mut file = zip.by_name(name).map_err(|e| VerifyError::file(name, format!("cannot be read: {e}")))?;
    let mut hash = Sha256::new();
    let size = io::copy(&mut file, &mut hash).map_err(|e| VerifyError::file(name, format!("cannot be read: {e}")))?;
    Ok((size, lodge_ledger::entry::hex(&hash.finalize())))
}

/// Verifies a bundle. With `trusted_key` (the verifier key the organisation publishes) the
/// bundle must be signed by that key; without it, the key inside the bundle is used and
/// returned, for the reader to compare with the published one.
pub fn verify_bundle<R: Read + Seek>(reader: R, trusted_key: Option<&str>) -> Result<Verified, VerifyError> {
    let mut zip =
        ZipArchive::new(reader).map_err(|e| VerifyError::Bundle(format!("is not a readable zip file: {e}")))?;

    let mut names = BTreeSet::new();
    for i in 0..zip.len() {
        let file = zip.by_index_raw(i).map_err(|e| VerifyError::Bundle(format!("cannot be read: {e}")))?;
        let name =
            file.name().map_err(|e| VerifyError::Bundle(format!("has an unreadable file name: {e}")))?.to_string();
        if file.enclosed_name().is_none() || name.contains('\\') {
            return Err(VerifyError::file(&name, "has an unsafe path"));
        }
        if !names.insert(name.clone()) {
            return Err(VerifyError::file(&name, "appears twice"));
        }
    }

    // The manifest, and its signature.
    let manifest_bytes = read_small(&mut zip, MANIFEST)?;
    let manifest: Manifest = serde_json::from_slice(&manifest_bytes)
        .map_err(|e| VerifyError::file(MANIFEST, format!("is not a valid manifest: {e}")))?;
    if manifest.format != FORMAT && manifest.format != FORMAT_1 {
        return Err(VerifyError::file(MANIFEST, format!("is in format {:?}, not {FORMAT}", manifest.format)));
    }
    let key = trusted_key.unwrap_or(&manifest.log.verifier_key);
    let verifier = Verifier::new(key).map_err(|e| VerifyError::Bundle(format!("cannot be checked: {e}")))?;
    if key.split('+').next() != Some(manifest.log.origin.as_str()) {
        return Err(VerifyError::file(MANIFEST, "names a different log from the key it is checked with"));
    }
    let signature = read_small(&mut zip, MANIFEST_SIGNATURE)?;
    let signed = verifier.open_text(&signature).map_err(|e| VerifyError::file(MANIFEST_SIGNATURE, e.to_string()))?;
    if signed != manifest_statement(&Sha256::digest(&manifest_bytes)).as_bytes() {
        return Err(VerifyError::file(MANIFEST, "was changed after it was signed"));
    }

    // The checkpoint.
    let note = read_small(&mut zip, CHECKPOINT)?;
    let checkpoint = verifier.open(&note).map_err(|e| VerifyError::file(CHECKPOINT, e.to_string()))?;
    let root = data_encoding::BASE64.encode(&checkpoint.root.0);
    if checkpoint.origin != manifest.log.origin || checkpoint.size != manifest.log.size || root != manifest.log.root {
        return Err(VerifyError::file(CHECKPOINT, "is not the checkpoint the manifest names"));
    }

    // Trusted time, if any: the token must be over this checkpoint note.
    let timestamp = if names.contains(TIMESTAMP) {
        let token = read_small(&mut zip, TIMESTAMP)?;
        let info =
            lodge_ledger::timestamp::read(&token, &note).map_err(|e| VerifyError::file(TIMESTAMP, e.to_string()))?;
        Some(info.time)
    } else {
        None
    };

    // What the report says of each incident, person and deletion is what the log recorded.
    // Checked before the files' digests, so that a changed word names its incident.
    let (records, changed) = if manifest.format == FORMAT {
        let bytes = read_small(&mut zip, RECORDS)?;
        let records: RecordsFile =
            serde_json::from_slice(&bytes).map_err(|e| VerifyError::file(RECORDS, format!("cannot be read: {e}")))?;
        if records.format != crate::records::FORMAT {
            return Err(VerifyError::file(RECORDS, format!("is in format {:?}", records.format)));
        }
        for record in &records.records {
            record.check(checkpoint.size, checkpoint.root).map_err(|reason| {
                VerifyError::file(RECORDS, format!("{} (record {}): {reason}", record.label, record.record))
            })?;
        }
        (records.records.len(), records.changed)
    } else {
        (0, Vec::new())
    };

    // Every file, nothing missing and nothing extra.
    let mut listed = BTreeSet::from([MANIFEST.to_owned(), MANIFEST_SIGNATURE.to_owned()]);
    for file in &manifest.files {
        if !listed.insert(file.path.clone()) {
            return Err(VerifyError::file(MANIFEST, format!("lists {} twice", file.path)));
        }
        if !names.contains(&file.path) {
            return Err(VerifyError::file(&file.path, "is missing"));
        }
        let (size, sha256) = hash_entry(&mut zip, &file.path)?;
        if size != file.size || !sha256.eq_ignore_ascii_case(&file.sha256) {
            return Err(VerifyError::file(&file.path, "was changed: its SHA-256 does not match the manifest"));
        }
    }
    if let Some(extra) = names.difference(&listed).next() {
        return Err(VerifyError::file(extra, "is not in the manifest"));
    }

    // Each exhibit was recorded in the log, with these exact bytes.
    for exhibit in &manifest.exhibits {
        let fail = |reason: &str| VerifyError::file(&exhibit.path, reason);
        let file =
            manifest.files.iter().find(|f| f.path == exhibit.path).ok_or_else(|| fail("is not in the manifest"))?;
        let entry = exhibit.opening.entry().map_err(|_| fail("has an unreadable log entry"))?;
        if !entry.sha256.as_deref().is_some_and(|h| h.eq_ignore_ascii_case(&file.sha256)) {
            return Err(fail("is not the file its log entry recorded"));
        }
        let commitment = exhibit.opening.commitment().map_err(|_| fail("has an unreadable log entry"))?;
        let proof = decode_proof(&exhibit.inclusion_proof).ok_or_else(|| fail("has a malformed inclusion proof"))?;
        tree::verify_inclusion(
            &proof,
            checkpoint.size,
            checkpoint.root,
            exhibit.leaf_index,
            tree::leaf_hash(&commitment),
        )
        .map_err(|_| fail("is not in the log at this checkpoint: its inclusion proof fails"))?;
    }

    // The archive as a whole.
    let comment = zip.comment().to_vec();
    let mut reader = zip.into_inner();
    let end = reader.seek(SeekFrom::End(0)).map_err(|e| VerifyError::Bundle(format!("cannot be read: {e}")))?;
    let signed_length =
        end.checked_sub(comment.len() as u64).ok_or_else(|| VerifyError::Bundle("is truncated".into()))?;
    reader.seek(SeekFrom::Start(0)).map_err(|e| VerifyError::Bundle(format!("cannot be read: {e}")))?;
    let mut hash = Sha256::new();
    let copied = io::copy(&mut (&mut reader).take(signed_length), &mut hash)
        .map_err(|e| VerifyError::Bundle(format!("cannot be read: {e}")))?;
    let signed = verifier.open_text(&comment).ok();
    if copied != signed_length || signed.as_deref() != Some(archive_statement(&hash.finalize()).as_bytes()) {
        return Err(VerifyError::Bundle(
            "was changed outside its files: the zip structure does not match its signature".into(),
        ));
    }

    Ok(Verified {
        origin: manifest.log.origin,
        size: manifest.log.size,
        root: manifest.log.root,
        verifier_key: verifier.key().to_owned(),
        files: manifest.files.len(),
        exhibits: manifest.exhibits.len(),
        records,
        changed,
        timestamp,
        created: manifest.created,
    })
}
