//! Log entries and their salted commitments.
//!
//! An [`Entry`] says what happened. Its [`Opening`] is the entry's exact bytes with a fresh
//! 32-byte salt; the leaf is the commitment to the opening. The salt makes a leaf unguessable
//! even for an entry whose every field could be guessed (a deletion at a known time).

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::LedgerError;

/// Separates Lodge's leaf commitments from any other use of SHA-256.
const DOMAIN: &[u8] = b"lodge ledger leaf v1\n";

/// What an entry is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Subject {
    /// The case itself (its title).
    Case,
    /// An incident.
    Incident,
    /// A piece of evidence.
    Evidence,
    /// A person and their identifiers.
    Person,
    /// A report or bundle made from the case.
    Report,
    /// A share of the case with someone else.
    Share,
    /// A piece of her own content, registered by its fingerprints, or one of her own accounts.
    Content,
    /// A copy of her content found online.
    FoundCopy,
    /// A takedown notice.
    Notice,
    /// A saved search for her name.
    Watch,
    /// Something reported into her inbox on her behalf.
    Inbox,
}

/// What was done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Created.
    Created,
    /// Edited: a new version.
    Edited,
    /// Deleted: content erased, the leaf kept.
    Deleted,
    /// Exported (a report or bundle).
    Exported,
    /// Granted (a share).
    Granted,
    /// Looked at or downloaded by someone other than the owner.
    Accessed,
    /// Revoked (a grant or a share link).
    Revoked,
    /// Accepted (a submission to her inbox).
    Accepted,
    /// Declined (a submission to her inbox).
    Declined,
}

/// One change to a case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// What it is about.
    pub subject: Subject,
    /// What was done.
    pub action: Action,
    /// The record changed, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<Uuid>,
    /// The record's version after the change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
    /// When, in milliseconds since the Unix epoch.
    pub at_ms: i64,
    /// Who: the account that made the change.
    pub by: Uuid,
    /// SHA-256 (hex) of bytes the entry vouches for: the file's bytes for evidence, the
    /// report's or manifest's bytes for an export. In entries written before record digests
    /// existed, the SHA-256 of the record's JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// The record version's digest ([`crate::record::RecordBody::digest`]): what the sealed
    /// record must still match when it is read, field by field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record_digest: Option<String>,
}

/// An entry's exact bytes and its salt: what a leaf commits to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Opening {
    /// 32 random bytes, hex.
    pub salt: String,
    /// The entry as JSON, exactly as committed.
    pub entry: String,
}

impl Opening {
    /// Commits to a new entry with a fresh salt.
    pub fn new(entry: &Entry) -> Result<Opening, LedgerError> {
        let mut salt = [0u8; 32];
        lodge_crypto::random_bytes(&mut salt)?;
        let entry = serde_json::to_string(entry).map_err(|e| LedgerError::Entry(e.to_string()))?;
        Ok(Opening { salt: hex(&salt), entry })
    }

    /// The leaf data: `SHA-256(domain ‖ salt ‖ entry)`.
    pub fn commitment(&self) -> Result<[u8; 32], LedgerError> {
        let salt = unhex(&self.salt).filter(|s| s.len() == 32).ok_or_else(|| LedgerError::Entry("bad salt".into()))?;
        let mut h = Sha256::new();
        h.update(DOMAIN);
        h.update(&salt);
        h.update(self.entry.as_bytes());
        Ok(h.finalize().into())
    }

    /// The entry this opens.
    pub fn entry(&self) -> Result<Entry, LedgerError> {
        serde_json::from_str(&self.entry).map_err(|e| LedgerError::Entry(e.to_string()))
    }
}

/// Lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    data_encoding::HEXLOWER.encode(bytes)
}

/// Reads lowercase or uppercase hex.
pub fn unhex(text: &str) -> Option<Vec<u8>> {
    data_encoding::HEXLOWER_PERMISSIVE.decode(text.as_bytes()).ok()
}
