//! Every record read from a case, checked against the log entry that recorded it.
//!
//! Sealing binds a record version to its case, kind, id and version, so nobody without the
//! case's keys can forge or move one. What sealing cannot show is which versions exist: someone
//! who can write to the database could delete the newest version (serving an older one as
//! current), empty a record, or remove it. So whenever a case is read, its log is opened (each
//! leaf against its commitment, and the tree's root against the stored tree) and every record
//! version read is compared with the entry that recorded it: the same version, the newest the
//! log knows, a tombstone only where the log recorded a deletion, and the same digest.
//!
//! A record that fails is shown to whoever opened the case in plain words, without its
//! content; reports leave it out and say so. Each finding is logged (kind, id and time only)
//! and counted in `/metrics` (`lodge_records_changed_outside_total`).

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use jiff::Timestamp;
use lodge_domain::RecordKind;
use lodge_ledger::tree;
use lodge_ledger::{Action, Entry, Subject};
use lodge_store::{LeafRow, RecordRow};
use uuid::Uuid;

use crate::sealing::Commitment;
use crate::{OpenCase, ServiceError};

/// How many records this process has found changed outside Lodge, for `/metrics`.
static FOUND: AtomicU64 = AtomicU64::new(0);

/// Records found changed outside Lodge since this process started.
pub fn changed_outside_total() -> u64 {
    FOUND.load(Ordering::Relaxed)
}

/// Whether a record version is what the case's log recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Integrity {
    /// It is the version the log recorded, with the content the log recorded.
    Intact,
    /// It was changed outside Lodge: it does not open, does not match its log entry, or is not
    /// the newest version the log knows. `since` is the last change the log recorded to it.
    Changed {
        /// The last change to it that the log recorded.
        since: Timestamp,
    },
}

/// Something in a case found changed outside Lodge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    /// A record (an incident, a person, …) that does not match the log, or is missing.
    Record {
        /// Its kind.
        kind: RecordKind,
        /// Its id.
        id: Uuid,
        /// When the log first recorded it, if it did.
        logged: Option<Timestamp>,
        /// The last change to it the log recorded.
        since: Timestamp,
    },
    /// The case's title.
    Title {
        /// The last rename the log recorded.
        since: Timestamp,
    },
    /// The log itself: an entry that does not match its commitment, or a tree that does not
    /// match its entries.
    Log {
        /// The first entry found wrong, if one was.
        index: Option<u64>,
        /// When that entry was made.
        at: Option<Timestamp>,
    },
}

fn day(t: Timestamp) -> String {
    t.to_zoned(jiff::tz::TimeZone::UTC).strftime("%-d %B %Y").to_string()
}

impl Finding {
    /// The finding in plain words, for her and for a report.
    pub fn sentence(&self) -> String {
        match self {
            Finding::Record { kind, logged, since, .. } => {
                let what = match kind {
                    RecordKind::Incident => "An incident",
                    RecordKind::Person => "A person",
                    RecordKind::Evidence => "A file's details",
                    RecordKind::Notice => "A takedown notice",
                    RecordKind::FoundCopy => "A copy found online",
                    RecordKind::Content | RecordKind::OwnAccount => "A record of your content",
                    RecordKind::Watch => "A saved search",
                    RecordKind::Grant | RecordKind::Share | RecordKind::Access | RecordKind::InboxLink => {
                        "A sharing record"
                    }
                };
                let logged = logged.map(|t| format!(" logged on {}", day(t))).unwrap_or_default();
                format!("{what}{logged} was changed outside Lodge on or after {}.", day(*since))
            }
            Finding::Title { since } => {
                format!("The case's title was changed outside Lodge on or after {}.", day(*since))
            }
            Finding::Log { at: Some(at), .. } => {
                format!("The case's log was changed outside Lodge: an entry made on {} no longer matches.", day(*at))
            }
            Finding::Log { at: None, .. } => {
                "The case's log was changed outside Lodge: its entries no longer match its tree.".to_owned()
            }
        }
    }
}

/// What the log recorded for one record version.
#[derive(Debug, Clone)]
struct Logged {
    version: Option<i64>,
    action: Action,
    subject: Subject,
    at: Timestamp,
    sha256: Option<String>,
    record_digest: Option<String>,
}

impl Logged {
    fn of(entry: Entry) -> Logged {
        Logged {
            version: entry.version,
            action: entry.action,
            subject: entry.subject,
            at: Timestamp::from_millisecond(entry.at_ms).unwrap_or(Timestamp::UNIX_EPOCH),
            sha256: entry.sha256,
            record_digest: entry.record_digest,
        }
    }

    fn matches(&self, commitment: &Commitment) -> bool {
        match commitment {
            Commitment::Whole(digest) => self.record_digest.as_deref() == Some(digest.as_str()),
            Commitment::FieldByField(digest) => {
                self.record_digest.is_none() && self.sha256.as_deref().is_some_and(|d| d.eq_ignore_ascii_case(digest))
            }
        }
    }
}

/// A case's log, opened and indexed by record.
#[derive(Debug, Default)]
pub(crate) struct LogIndex {
    size: u64,
    records: HashMap<Uuid, Vec<Logged>>,
    problem: Option<Finding>,
}

/// The subject a kind's entries are logged under, where no other kind shares it.
fn sole_subject(kind: RecordKind) -> Option<Subject> {
    match kind {
        RecordKind::Incident => Some(Subject::Incident),
        RecordKind::Person => Some(Subject::Person),
        RecordKind::Evidence => Some(Subject::Evidence),
        RecordKind::FoundCopy => Some(Subject::FoundCopy),
        RecordKind::Notice => Some(Subject::Notice),
        RecordKind::Watch => Some(Subject::Watch),
        _ => None,
    }
}

impl LogIndex {
    /// Checks one record version as read: `opened` is `None` when the row holds no content,
    /// else whether it opened and what its entry must say. `newest` when it is served as the
    /// record's current version.
    pub(crate) fn check(
        &self,
        row: &RecordRow,
        opened: Option<Result<&Commitment, &ServiceError>>,
        newest: bool,
    ) -> Integrity {
        let Some(logged) = self.records.get(&row.id) else {
            return Integrity::Changed { since: row.created_at };
        };
        let since = logged.last().map_or(row.created_at, |l| l.at);
        let changed = Integrity::Changed { since };
        let Some(this) = logged.iter().rev().find(|l| l.version == Some(row.version)) else { return changed };
        if newest && logged.iter().filter_map(|l| l.version).max() != Some(row.version) {
            return changed;
        }
        let fine = match opened {
            // A tombstone, or a version whose content a later deletion erased.
            None if row.deleted => this.action == Action::Deleted,
            None => !newest && logged.iter().any(|l| l.action == Action::Deleted),
            Some(Err(_)) => false,
            Some(Ok(commitment)) => this.action != Action::Deleted && this.matches(commitment),
        };
        if fine { Integrity::Intact } else { changed }
    }

    /// Records of `kind` the log recorded but the store no longer has.
    pub(crate) fn missing(&self, kind: RecordKind, present: impl Iterator<Item = Uuid>) -> Vec<(Uuid, Finding)> {
        let Some(subject) = sole_subject(kind) else { return Vec::new() };
        let present: HashSet<Uuid> = present.collect();
        let mut missing: Vec<(Uuid, Finding)> = self
            .records
            .iter()
            .filter(|(id, logged)| {
                !present.contains(id) && logged.iter().any(|l| l.subject == subject && l.version.is_some())
            })
            .map(|(id, logged)| {
                let finding = Finding::Record {
                    kind,
                    id: *id,
                    logged: logged.first().map(|l| l.at),
                    since: logged.last().map_or(Timestamp::UNIX_EPOCH, |l| l.at),
                };
                (*id, finding)
            })
            .collect();
        missing
            .sort_by_key(|(_, f)| if let Finding::Record { since, .. } = f { *since } else { Timestamp::UNIX_EPOCH });
        missing
    }

    /// When the log first recorded a record.
    fn logged(&self, id: Uuid) -> Option<Timestamp> {
        self.records.get(&id).and_then(|l| l.first()).map(|l| l.at)
    }

    /// Checks the case's title against its newest rename.
    fn check_title(&self, case: Uuid, commitment: &Commitment) -> Option<Finding> {
        let renames: Vec<&Logged> = self
            .records
            .get(&case)
            .map(|l| {
                l.iter()
                    .filter(|l| l.subject == Subject::Case && matches!(l.action, Action::Created | Action::Edited))
                    .collect()
            })
            .unwrap_or_default();
        let last = renames.last()?;
        (!last.matches(commitment)).then_some(Finding::Title { since: last.at })
    }
}

/// What reading a case in one request found: the log as read, and each finding once.
#[derive(Debug, Default)]
pub(crate) struct Checks {
    index: Mutex<Option<Arc<LogIndex>>>,
    found: Mutex<Vec<Finding>>,
}

impl Checks {
    fn note(&self, finding: Finding) {
        let mut found = self.found.lock().unwrap_or_else(|p| p.into_inner());
        if found.contains(&finding) {
            return;
        }
        FOUND.fetch_add(1, Ordering::Relaxed);
        match &finding {
            Finding::Record { kind, id, .. } => {
                tracing::warn!(kind = kind.as_str(), record = %id, "a record does not match the case's log: changed outside Lodge");
            }
            Finding::Title { .. } => tracing::warn!("a case's title does not match its log: changed outside Lodge"),
            Finding::Log { index, .. } => {
                tracing::warn!(leaf = ?index, "a case's log does not match its commitments: changed outside Lodge");
            }
        }
        found.push(finding);
    }
}

impl OpenCase {
    /// Notes a record found changed (see [`Finding`]).
    pub(crate) fn found(&self, kind: RecordKind, id: Uuid, integrity: Integrity, log: &LogIndex) {
        if let Integrity::Changed { since } = integrity {
            self.checks.note(Finding::Record { kind, id, logged: log.logged(id), since });
        }
    }

    /// Notes findings already made.
    pub(crate) fn found_all(&self, findings: Vec<(Uuid, Finding)>) {
        for (_, finding) in findings {
            self.checks.note(finding);
        }
    }

    /// What reading this case has found changed outside Lodge so far in this request: the
    /// log itself and the title always, and every record read.
    pub async fn findings(&self) -> Result<Vec<Finding>, ServiceError> {
        self.log_index().await?;
        Ok(self.checks.found.lock().unwrap_or_else(|p| p.into_inner()).clone())
    }

    /// Every record of every kind checked, for a report or an administrator's check.
    pub async fn check_everything(&self) -> Result<Vec<Finding>, ServiceError> {
        for kind in RecordKind::ALL {
            self.latest::<serde_json::Value>(*kind).await?;
        }
        self.findings().await
    }

    /// The case's log as it is now, opened and indexed; read again only when it has grown.
    pub(crate) async fn log_index(&self) -> Result<Arc<LogIndex>, ServiceError> {
        let store = self.lodge().store();
        let size = u64::try_from(store.ledger_size(self.id.0).await?).unwrap_or(0);
        if let Some(index) = self.checks.index.lock().unwrap_or_else(|p| p.into_inner()).as_ref()
            && index.size == size
        {
            return Ok(index.clone());
        }
        let rows = store.ledger_leaves(self.id.0).await?;
        let index = Arc::new(self.index_log(&rows).await?);
        if let Some(problem) = &index.problem {
            self.checks.note(problem.clone());
        }
        if let Some(finding) = self.title_commitment.as_ref().and_then(|title| index.check_title(self.id.0, title)) {
            self.checks.note(finding);
        }
        *self.checks.index.lock().unwrap_or_else(|p| p.into_inner()) = Some(index.clone());
        Ok(index)
    }

    async fn index_log(&self, rows: &[LeafRow]) -> Result<LogIndex, ServiceError> {
        let mut index = LogIndex { size: rows.len() as u64, ..LogIndex::default() };
        let mut leaves = Vec::with_capacity(rows.len());
        for (n, row) in rows.iter().enumerate() {
            leaves.push(tree::leaf_hash(&row.commitment.as_slice().try_into().unwrap_or([0; 32])));
            let entry = match (row.index == n as i64, self.leaf_entry(row)) {
                (true, Some(entry)) => entry,
                _ => {
                    // What this entry recorded is unknown now; the rest of the log still counts.
                    let broken = Finding::Log { index: Some(n as u64), at: Some(row.created_at) };
                    index.problem.get_or_insert(broken);
                    continue;
                }
            };
            if let Some(record) = entry.record {
                index.records.entry(record).or_default().push(Logged::of(entry));
            }
        }
        // The stored tree, from which proofs are made, must be the tree of these entries.
        let size = index.size;
        let stored = tree::root(size, &self.lodge().fetch(self.id.0, tree::root_needs(size)).await?).ok();
        if stored != tree::root_of_leaves(&leaves).ok() {
            index.problem.get_or_insert(Finding::Log { index: None, at: None });
        }
        Ok(index)
    }

    /// A leaf's entry, if its opening opens and matches its commitment.
    fn leaf_entry(&self, row: &LeafRow) -> Option<Entry> {
        self.opening(row).ok()?.entry().ok()
    }
}
