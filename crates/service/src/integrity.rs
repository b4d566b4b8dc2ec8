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
//!
//! A node remembers the log entries it has opened ([`OpenedLeaves`]): a leaf whose commitment
//! is the one it opened before is not opened again, since the commitment binds the entry.

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
    fn of(entry: &Entry) -> Logged {
        Logged {
            version: entry.version,
            action: entry.action,
            subject: entry.subject,
            at: Timestamp::from_millisecond(entry.at_ms).unwrap_or(Timestamp::UNIX_EPOCH),
            sha256: entry.sha256.clone(),
            record_digest: entry.record_digest.clone(),
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

/// One log entry this node has opened, under the commitment it opened against.
#[derive(Debug, Clone)]
struct OpenedLeaf {
    commitment: [u8; 32],
    record: Option<Uuid>,
    logged: Logged,
}

/// Most log entries a node remembers; when more would be, it forgets them all and opens
/// again as cases are read (about 200 bytes each).
const REMEMBERED_LEAVES: usize = 100_000;

/// The log entries this node has opened, per case, from the first leaf on, and the tree root
/// of exactly those leaves. A leaf whose commitment is the one remembered recorded what was
/// opened then: the commitment binds the entry and its salt. Holds no case content: kinds,
/// ids, versions, times and digests.
#[derive(Debug, Default)]
pub(crate) struct OpenedLeaves {
    cases: Mutex<(HashMap<Uuid, Remembered>, usize)>,
}

/// One case's remembered leaves and their root.
#[derive(Debug, Clone)]
struct Remembered {
    leaves: Arc<[OpenedLeaf]>,
    /// The entries of `leaves` by record, when `root` is known.
    records: Arc<HashMap<Uuid, Vec<Logged>>>,
    root: Option<tree::Hash>,
    at: std::time::Instant,
}

/// How long a node trusts leaves it opened before, while the stored tree still holds them;
/// after that it opens every leaf again, so a leaf damaged in the database where the tree was
/// not is found within this time (at once by the verify route and by reports).
const REMEMBER_FOR: std::time::Duration = std::time::Duration::from_secs(600);

impl OpenedLeaves {
    fn of(&self, case: Uuid) -> Remembered {
        let cases = self.cases.lock().unwrap_or_else(|p| p.into_inner());
        cases.0.get(&case).filter(|r| r.at.elapsed() < REMEMBER_FOR).cloned().unwrap_or_else(|| Remembered {
            leaves: Arc::from(Vec::new()),
            records: Arc::default(),
            root: None,
            at: std::time::Instant::now(),
        })
    }

    fn remember(&self, case: Uuid, remembered: Remembered) {
        let mut cases = self.forget_in(case);
        let (map, total) = &mut *cases;
        if *total + remembered.leaves.len() > REMEMBERED_LEAVES {
            map.clear();
            *total = 0;
        }
        *total += remembered.leaves.len();
        map.insert(case, remembered);
    }

    /// Forgets a case's entries (when the case is deleted).
    pub(crate) fn forget(&self, case: Uuid) {
        drop(self.forget_in(case));
    }

    /// Forgets a case's entries and hands back the lock, for what comes next.
    fn forget_in(&self, case: Uuid) -> std::sync::MutexGuard<'_, (HashMap<Uuid, Remembered>, usize)> {
        let mut cases = self.cases.lock().unwrap_or_else(|p| p.into_inner());
        let (map, total) = &mut *cases;
        if let Some(old) = map.remove(&case) {
            *total -= old.leaves.len();
        }
        cases
    }
}

/// A case's log, opened and indexed by record.
#[derive(Debug, Default)]
pub(crate) struct LogIndex {
    size: u64,
    records: Arc<HashMap<Uuid, Vec<Logged>>>,
    problem: Option<Finding>,
    /// Takes every record as intact, to measure what checking costs (benchmarks only).
    #[cfg(feature = "bench")]
    trusting: bool,
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
    /// Whether this is the log as it was when it had `size` entries (an index that trusts
    /// every record, for benchmarks, fits any size).
    pub(crate) fn read_at(&self, size: i64) -> bool {
        #[cfg(feature = "bench")]
        if self.trusting {
            return true;
        }
        i64::try_from(self.size).is_ok_and(|own| own == size)
    }

    /// Checks one record version as read: `opened` is `None` when the row holds no content,
    /// else whether it opened and what its entry must say. `newest` when it is served as the
    /// record's current version.
    pub(crate) fn check(
        &self,
        row: &RecordRow,
        opened: Option<Result<&Commitment, &ServiceError>>,
        newest: bool,
    ) -> Integrity {
        #[cfg(feature = "bench")]
        if self.trusting {
            return Integrity::Intact;
        }
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
        #[cfg(feature = "bench")]
        if self.trusting {
            return Vec::new();
        }
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
    #[cfg(feature = "bench")]
    off: bool,
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

    /// Every record of every kind checked against every leaf of the log opened afresh, for a
    /// report or an administrator's check.
    pub async fn check_everything(&self) -> Result<Vec<Finding>, ServiceError> {
        self.lodge().opened_leaves().forget(self.id.0);
        *self.checks.index.lock().unwrap_or_else(|p| p.into_inner()) = None;
        for kind in RecordKind::ALL {
            self.latest::<serde_json::Value>(*kind).await?;
        }
        self.findings().await
    }

    /// The case's log as it is now, opened and indexed; read again only when it has grown.
    pub(crate) async fn log_index(&self) -> Result<Arc<LogIndex>, ServiceError> {
        #[cfg(feature = "bench")]
        if self.checks.off {
            return Ok(Arc::new(LogIndex { trusting: true, ..LogIndex::default() }));
        }
        let store = self.lodge().store();
        let size = u64::try_from(store.ledger_size(self.id.0).await?).unwrap_or(0);
        if let Some(index) = self.checks.index.lock().unwrap_or_else(|p| p.into_inner()).as_ref()
            && index.size == size
        {
            return Ok(index.clone());
        }
        let index = Arc::new(self.index_log(size).await?);
        if let Some(problem) = &index.problem {
            self.checks.note(problem.clone());
        }
        if let Some(finding) = self.title_commitment.as_ref().and_then(|title| index.check_title(self.id.0, title)) {
            self.checks.note(finding);
        }
        *self.checks.index.lock().unwrap_or_else(|p| p.into_inner()) = Some(index.clone());
        Ok(index)
    }

    /// The log's entries: those this node opened before, while the stored tree at their size
    /// is still the tree of them, and the rest opened now; then the tree of them all checked
    /// against the stored tree.
    async fn index_log(&self, size: u64) -> Result<LogIndex, ServiceError> {
        let remembered = self.lodge().opened_leaves().of(self.id.0);
        let kept = remembered.leaves.len() as u64;
        let stored = self.stored_root(size).await?;
        let from = match remembered.root {
            Some(root) if kept == size && stored == Some(root) => kept,
            Some(root) if kept < size && self.stored_root(kept).await? == Some(root) => kept,
            _ => 0,
        };
        let mut index = LogIndex { size, ..LogIndex::default() };
        let mut opened: Vec<OpenedLeaf> = remembered.leaves.iter().take(from as usize).cloned().collect();
        let mut root = remembered.root.filter(|_| from == size);
        if from < size {
            let rows = self.lodge().store().ledger_leaves_from(self.id.0, from as i64).await?;
            let mut leaves: Vec<tree::Hash> = opened.iter().map(|leaf| tree::leaf_hash(&leaf.commitment)).collect();
            for (n, row) in rows.iter().take((size - from) as usize).enumerate() {
                let n = from as usize + n;
                let commitment: [u8; 32] = row.commitment.as_slice().try_into().unwrap_or([0; 32]);
                leaves.push(tree::leaf_hash(&commitment));
                match (row.index == n as i64, self.leaf_entry(row)) {
                    (true, Some(entry)) if opened.len() == n => {
                        opened.push(OpenedLeaf { commitment, record: entry.record, logged: Logged::of(&entry) });
                    }
                    (true, Some(_)) => {}
                    // What this entry recorded is unknown now; the rest of the log still counts.
                    _ => {
                        index.problem.get_or_insert(Finding::Log { index: Some(n as u64), at: Some(row.created_at) });
                    }
                }
            }
            root = tree::root_of_leaves(&leaves).ok().filter(|_| leaves.len() as u64 == size);
        }
        // The stored tree, from which proofs are made, must be the tree of these entries.
        if root.is_none() || stored != root {
            index.problem.get_or_insert(Finding::Log { index: None, at: None });
        }
        index.records = if from == size {
            remembered.records.clone()
        } else {
            let mut records: HashMap<Uuid, Vec<Logged>> = HashMap::new();
            for leaf in &opened {
                if let Some(record) = leaf.record {
                    records.entry(record).or_default().push(leaf.logged.clone());
                }
            }
            Arc::new(records)
        };
        let whole = opened.len() as u64 == size && index.problem.is_none();
        let at = if from > 0 { remembered.at } else { std::time::Instant::now() };
        let keep =
            Remembered { leaves: Arc::from(opened), records: index.records.clone(), root: root.filter(|_| whole), at };
        self.lodge().opened_leaves().remember(self.id.0, keep);
        Ok(index)
    }

    /// The root of the stored tree at `size`.
    async fn stored_root(&self, size: u64) -> Result<Option<tree::Hash>, ServiceError> {
        Ok(tree::root(size, &self.lodge().fetch(self.id.0, tree::root_needs(size)).await?).ok())
    }

    /// A leaf's entry, if its opening opens and matches its commitment.
    fn leaf_entry(&self, row: &LeafRow) -> Option<Entry> {
        self.opening(row).ok()?.entry().ok()
    }
}

/// What benchmarks need to measure the checks against no checks; not built otherwise.
#[cfg(feature = "bench")]
impl OpenCase {
    /// This view of the case, reading records without checking them against the log.
    #[doc(hidden)]
    pub fn without_checks(mut self) -> OpenCase {
        self.checks.off = true;
        self
    }
}

#[cfg(feature = "bench")]
impl crate::Lodge {
    /// Forgets every log entry this node has opened, as after a restart.
    #[doc(hidden)]
    pub fn forget_opened_leaves(&self) {
        *self.opened_leaves().cases.lock().unwrap_or_else(|p| p.into_inner()) = Default::default();
    }
}
