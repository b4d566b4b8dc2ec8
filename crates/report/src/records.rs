//! `records.json` in a bundle: what the report says for each incident and person, and each
//! deletion, as data, each with the proof that the case's log recorded exactly that.
//!
//! Each record carries its log entry (the salted opening), the inclusion proof of that entry
//! against the bundle's checkpoint, and a [`FieldProof`]: the fields the report shows, with
//! their salts, and only the hash of each field left out. `lodge verify` recomputes the
//! record's digest from the fields and compares it with the entry, so one changed word fails
//! and names the record, while what she left out stays out.

use serde::{Deserialize, Serialize};

use lodge_ledger::{Action, FieldProof, Opening, tree};

/// The file's format name.
pub const FORMAT: &str = "lodge-records/1";

/// What a bundle's `records.json` holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordsFile {
    /// Always [`FORMAT`].
    pub format: String,
    /// Every incident and person in the report, and every deletion, in report order.
    pub records: Vec<ProvenRecord>,
    /// What was found changed outside Lodge when the bundle was made, and so left out of it,
    /// in sentences. `lodge verify` repeats them.
    #[serde(default)]
    pub changed: Vec<String>,
}

/// What a proven record is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProvenKind {
    /// An incident in the chronology.
    Incident,
    /// A person named in the report.
    Person,
    /// An incident deleted from the log: the entry that recorded the deletion.
    Deletion,
}

/// One record version with its place in the log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProvenRecord {
    /// What it is.
    pub kind: ProvenKind,
    /// How the report names it ("Incident 3", "Person: @wolf_99", "Deleted incident").
    pub label: String,
    /// The record's id.
    pub record: String,
    /// The version the report shows.
    pub version: i64,
    /// The index of the log entry that recorded that version.
    pub leaf_index: u64,
    /// That entry, with its salt.
    pub opening: Opening,
    /// The entry's inclusion proof against the bundle's checkpoint, base64 hashes.
    pub inclusion_proof: Vec<String>,
    /// The fields shown and the hashes of those left out. `None` for a deletion, and for a
    /// version saved before Lodge committed to fields one by one (only its entry is proved).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fields: Option<FieldProof>,
}

impl ProvenRecord {
    /// Checks the record against the log at the checkpoint of `size` leaves with `root`;
    /// says what is wrong if it fails.
    pub fn check(&self, size: u64, root: tree::Hash) -> Result<(), String> {
        let entry = self.opening.entry().map_err(|_| "its log entry cannot be read".to_owned())?;
        if entry.record.map(|r| r.to_string()) != Some(self.record.clone()) || entry.version != Some(self.version) {
            return Err("its log entry is for another record or version".into());
        }
        match (&self.fields, self.kind) {
            (_, ProvenKind::Deletion) if entry.action != Action::Deleted => {
                return Err("its log entry does not record a deletion".into());
            }
            (Some(fields), ProvenKind::Incident | ProvenKind::Person) => {
                let digest = fields.digest().map_err(|e| format!("its fields cannot be read: {e}"))?;
                if entry.record_digest.as_deref() != Some(digest.as_str()) {
                    return Err("what it says does not match what the log recorded: it was changed".into());
                }
            }
            (None, ProvenKind::Incident | ProvenKind::Person) if entry.record_digest.is_some() => {
                return Err("its fields are missing".into());
            }
            _ => {}
        }
        let commitment = self.opening.commitment().map_err(|_| "its log entry cannot be read".to_owned())?;
        let proof = decode_proof(&self.inclusion_proof).ok_or_else(|| "its inclusion proof is malformed".to_owned())?;
        tree::verify_inclusion(&proof, size, root, self.leaf_index, tree::leaf_hash(&commitment))
            .map_err(|_| "it is not in the log at this checkpoint: its inclusion proof fails".to_owned())
    }

    /// A shown field's value, parsed, for reading a bundle.
    pub fn field(&self, name: &str) -> Option<serde_json::Value> {
        let shown = self.fields.as_ref()?.shown.get(name)?;
        serde_json::from_str(&shown.json).ok()
    }
}

/// An inclusion proof as a bundle writes it (base64 hashes), read back; `None` if malformed.
pub(crate) fn decode_proof(hashes: &[String]) -> Option<Vec<tree::Hash>> {
    hashes
        .iter()
        .map(|hash| {
            let bytes: [u8; 32] = data_encoding::BASE64.decode(hash.as_bytes()).ok()?.try_into().ok()?;
            Some(tree::Hash(bytes))
        })
        .collect()
}
