//! The proofs a bundle carries for what its report says: for each incident, person and
//! deletion in the report, the log entry that recorded that version, its inclusion proof, and
//! the fields the report shows with the hashes of those it leaves out.

use std::collections::HashMap;

use lodge_domain::RecordKind;
use lodge_ledger::Opening;
use lodge_report::records::{FORMAT, ProvenKind, ProvenRecord, RecordsFile};
use uuid::Uuid;

use crate::sealing::{Place, open_body};
use crate::{OpenCase, ServiceError};

/// A record version the report shows, to be proved.
#[derive(Debug, Clone)]
pub(crate) struct Wanted {
    pub kind: ProvenKind,
    pub label: String,
    pub record_kind: RecordKind,
    pub id: Uuid,
    pub version: i64,
}

/// The log entries that recorded record versions, by record and version.
pub(crate) type RecordLeaves = HashMap<(Uuid, i64), (u64, Opening)>;

impl OpenCase {
    /// Every log entry that recorded a record version, by record and version.
    pub(crate) async fn record_leaves(&self) -> Result<RecordLeaves, ServiceError> {
        let mut found = HashMap::new();
        for (index, opening) in self.openings().await? {
            let Ok(entry) = opening.entry() else { continue };
            if let (Some(record), Some(version)) = (entry.record, entry.version) {
                found.entry((record, version)).or_insert((index, opening));
            }
        }
        Ok(found)
    }

    /// Proves each wanted version against the log at a checkpoint of `size` leaves. `shown`
    /// says which fields of a kind the report shows; the others are proved by hash alone.
    pub(crate) async fn prove_records(
        &self,
        wanted: Vec<Wanted>,
        leaves: &RecordLeaves,
        size: u64,
        shown: &(dyn Fn(RecordKind, &str) -> bool + Sync),
    ) -> Result<RecordsFile, ServiceError> {
        let mut rows = HashMap::new();
        for kind in [RecordKind::Incident, RecordKind::Person] {
            for row in self.lodge().store().records(self.id.0, kind.as_str()).await? {
                rows.insert((row.id, row.version), row);
            }
        }
        let mut records = Vec::with_capacity(wanted.len());
        for want in wanted {
            let Some((leaf_index, opening)) = leaves.get(&(want.id, want.version)).cloned() else {
                return Err(ServiceError::Internal("a record in a report has no entry in the case log".into()));
            };
            let fields = match (want.kind, rows.get(&(want.id, want.version))) {
                (ProvenKind::Deletion, _) | (_, None) => None,
                (_, Some(row)) => {
                    let place =
                        Place { case: self.id.0, kind: want.record_kind.as_str(), id: want.id, version: want.version };
                    match open_body(&self.keys, place, &row.fields)? {
                        Some(body) => Some(
                            body.prove(&|name| shown(want.record_kind, name))
                                .map_err(|e| ServiceError::Internal(e.to_string()))?,
                        ),
                        None => None,
                    }
                }
            };
            let inclusion_proof = self.inclusion_proof(size, leaf_index).await?;
            records.push(ProvenRecord {
                kind: want.kind,
                label: want.label,
                record: want.id.to_string(),
                version: want.version,
                leaf_index,
                opening,
                inclusion_proof,
                fields,
            });
        }
        Ok(RecordsFile { format: FORMAT.to_owned(), records, changed: Vec::new() })
    }
}
