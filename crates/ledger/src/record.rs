//! What a log entry commits to for the content of a record version: each field's exact JSON
//! under a salt of its own, then the sorted list of field names and hashes.
//!
//! A record version is written as a [`RecordBody`]: a random salt and every field as the exact
//! JSON text it was saved with. Its [`RecordBody::digest`] goes into the version's log entry
//! (`Entry::record_digest`). Because each field is hashed on its own, a report's bundle can show
//! some fields (with their salts) and give only the hash of the others ([`FieldProof`]); anyone
//! can recompute the digest and compare it with the entry, and a field left out cannot be
//! guessed from its hash. Keeping the exact JSON text, rather than re-serialising a value, means
//! the digest never depends on how a later version of the code writes the same value.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::Zeroize;

use crate::LedgerError;
use crate::entry::{hex, unhex};

const SALT_DOMAIN: &[u8] = b"lodge record field salt v1\n";
const FIELD_DOMAIN: &[u8] = b"lodge record field v1\n";
const RECORD_DOMAIN: &[u8] = b"lodge record v2\n";

/// A record version as it is sealed: a salt and every field's exact JSON text.
#[derive(Serialize, Deserialize)]
pub struct RecordBody {
    /// 32 random bytes, hex.
    pub salt: String,
    /// Each field's name and exact JSON text.
    pub fields: BTreeMap<String, String>,
}

impl std::fmt::Debug for RecordBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RecordBody(<{} fields, redacted>)", self.fields.len())
    }
}

impl Drop for RecordBody {
    fn drop(&mut self) {
        for (_, mut value) in std::mem::take(&mut self.fields) {
            value.zeroize();
        }
        self.salt.zeroize();
    }
}

/// A field shown in a bundle: its salt and exact JSON text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShownField {
    /// The field's own salt, hex.
    pub salt: String,
    /// The field's exact JSON text.
    pub json: String,
}

/// Enough of a record version to recompute its digest: the fields shown, and the hash of each
/// field left out.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct FieldProof {
    /// Fields shown, by name.
    pub shown: BTreeMap<String, ShownField>,
    /// Hashes (hex) of the fields left out, by name.
    pub withheld: BTreeMap<String, String>,
}

fn salt_bytes(salt: &str) -> Result<Vec<u8>, LedgerError> {
    unhex(salt).filter(|s| s.len() == 32).ok_or_else(|| LedgerError::Entry("a record's salt is malformed".into()))
}

fn field_hash(salt: &[u8], name: &str, json: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(FIELD_DOMAIN);
    h.update(salt);
    h.update((name.len() as u64).to_be_bytes());
    h.update(name.as_bytes());
    h.update(json.as_bytes());
    h.finalize().into()
}

fn record_digest<'a>(hashes: impl Iterator<Item = (&'a str, [u8; 32])>) -> String {
    let mut h = Sha256::new();
    h.update(RECORD_DOMAIN);
    for (name, hash) in hashes {
        h.update((name.len() as u64).to_be_bytes());
        h.update(name.as_bytes());
        h.update(hash);
    }
    hex(&h.finalize())
}

impl RecordBody {
    /// A body for `fields` with a fresh salt.
    pub fn new(fields: BTreeMap<String, String>) -> Result<RecordBody, LedgerError> {
        let mut salt = [0u8; 32];
        lodge_crypto::random_bytes(&mut salt)?;
        Ok(RecordBody { salt: hex(&salt), fields })
    }

    fn field_salt(record_salt: &[u8], name: &str) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(SALT_DOMAIN);
        h.update(record_salt);
        h.update((name.len() as u64).to_be_bytes());
        h.update(name.as_bytes());
        h.finalize().into()
    }

    /// The digest its log entry holds.
    pub fn digest(&self) -> Result<String, LedgerError> {
        let salt = salt_bytes(&self.salt)?;
        Ok(record_digest(
            self.fields
                .iter()
                .map(|(name, json)| (name.as_str(), field_hash(&Self::field_salt(&salt, name), name, json))),
        ))
    }

    /// Shows the fields `shown` names and withholds the rest.
    pub fn prove(&self, shown: &dyn Fn(&str) -> bool) -> Result<FieldProof, LedgerError> {
        let salt = salt_bytes(&self.salt)?;
        let mut proof = FieldProof::default();
        for (name, json) in &self.fields {
            let field_salt = Self::field_salt(&salt, name);
            if shown(name) {
                proof.shown.insert(name.clone(), ShownField { salt: hex(&field_salt), json: json.clone() });
            } else {
                proof.withheld.insert(name.clone(), hex(&field_hash(&field_salt, name, json)));
            }
        }
        Ok(proof)
    }
}

impl FieldProof {
    /// The digest of the record version it proves, to compare with its log entry.
    pub fn digest(&self) -> Result<String, LedgerError> {
        let mut hashes = BTreeMap::new();
        for (name, field) in &self.shown {
            let salt = salt_bytes(&field.salt)?;
            hashes.insert(name.as_str(), field_hash(&salt, name, &field.json));
        }
        for (name, hash) in &self.withheld {
            let hash: [u8; 32] = unhex(hash)
                .and_then(|h| h.try_into().ok())
                .ok_or_else(|| LedgerError::Entry(format!("the hash of {name} is malformed")))?;
            if hashes.insert(name.as_str(), hash).is_some() {
                return Err(LedgerError::Entry(format!("{name} is both shown and withheld")));
            }
        }
        Ok(record_digest(hashes.into_iter()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body() -> RecordBody {
        let fields = BTreeMap::from([
            ("description".to_owned(), "\"he waited outside\"".to_owned()),
            ("place".to_owned(), "\"12 Hill Street\"".to_owned()),
            ("conduct".to_owned(), "[\"following\"]".to_owned()),
        ]);
        RecordBody::new(fields).unwrap()
    }

    #[test]
    fn a_proof_with_fields_left_out_gives_the_same_digest() {
        let body = body();
        let digest = body.digest().unwrap();
        let proof = body.prove(&|name| name != "place").unwrap();
        assert_eq!(proof.digest().unwrap(), digest);
        assert!(!serde_json::to_string(&proof).unwrap().contains("Hill"));
        assert_eq!(body.prove(&|_| true).unwrap().digest().unwrap(), digest);
    }

    #[test]
    fn a_changed_word_a_dropped_field_or_a_moved_field_changes_the_digest() {
        let body = body();
        let digest = body.digest().unwrap();
        let proof = body.prove(&|_| true).unwrap();
        let mut changed = proof.clone();
        changed.shown.get_mut("description").unwrap().json = "\"he waited inside\"".into();
        assert_ne!(changed.digest().unwrap(), digest);
        let mut dropped = proof.clone();
        dropped.shown.remove("conduct");
        assert_ne!(dropped.digest().unwrap(), digest);
        let mut moved = proof;
        let field = moved.shown.remove("place").unwrap();
        moved.shown.insert("placf".into(), field);
        assert_ne!(moved.digest().unwrap(), digest);
        // Another salt, the same words: another digest.
        let again = RecordBody::new(body.fields.clone()).unwrap();
        assert_ne!(again.digest().unwrap(), digest);
    }
}
