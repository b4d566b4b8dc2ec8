//! Cases and the versioned records they hold: opening a case through its wrapped key, and
//! writing, editing (with full history) and deleting (with a visible tombstone) any record.
//! What each kind of record means is beside it: incidents and the timeline in `incidents.rs`,
//! people in `people.rs`, evidence in `evidence.rs`.
//!
//! A case is found only through the account's wrapped case key, so a case she holds no key
//! for is indistinguishable from one that does not exist.

use jiff::Timestamp;
use lodge_crypto::{Aad, Keyring};
use lodge_domain::{Access, Case, CaseId, ConductKind, PersonId, RecordKind, UserId};
use lodge_ledger::{Action, Entry as LogEntry, Subject};
use lodge_store::{CaseKeyRow, CaseRow, RecordRow};
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::integrity::Integrity;
use crate::ledger::Change;
use crate::sealing::{Opened, Place, open_record, seal_record};
use crate::{Lodge, ServiceError, Session};
use lodge_domain::Role;

/// A case in a list.
#[derive(Debug, Clone)]
pub struct CaseSummary {
    /// The case.
    pub id: CaseId,
    /// Its title, decrypted.
    pub title: String,
    /// When it was made.
    pub created_at: Timestamp,
    /// Last change.
    pub updated_at: Timestamp,
    /// How she holds it: her own, or granted to her.
    pub access: Access,
}

/// One version of a record, decrypted. `body` is `None` for a tombstone and for a version
/// whose content was erased by a deletion.
#[derive(Debug, Clone)]
pub struct Version<T> {
    /// The record.
    pub id: Uuid,
    /// This version's number, from 1.
    pub version: i64,
    /// When the record was first saved (version 1): when she logged it, when a file arrived.
    pub created_at: Timestamp,
    /// When this version was written.
    pub saved_at: Timestamp,
    /// Who wrote it.
    pub author: UserId,
    /// Whether this version records a deletion.
    pub deleted: bool,
    /// The content; `None` also when it was changed outside Lodge (see `integrity`).
    pub body: Option<T>,
    /// Whether it is what the case's log recorded.
    pub integrity: Integrity,
}

/// Which incidents the timeline shows, and in what order.
#[derive(Debug, Clone, Default)]
pub struct TimelineFilter {
    /// Only incidents linked to this person.
    pub person: Option<PersonId>,
    /// Only incidents with this kind of conduct.
    pub conduct: Option<ConductKind>,
    /// Oldest first instead of newest first.
    pub oldest_first: bool,
}

pub(crate) fn case_key_aad(case: Uuid, user: Uuid) -> Aad {
    Aad::from_parts(&[b"case key", case.as_bytes(), user.as_bytes()])
}

pub(crate) fn grant_aad(case: Uuid, user: Uuid) -> Aad {
    Aad::from_parts(&[b"case key granted", case.as_bytes(), user.as_bytes()])
}

/// Opens the case keys an account holds: her own wrapped under her account key, a grant
/// sealed to the account's public key.
pub(crate) fn unwrap_case_keys(session: &Session, key_row: &CaseKeyRow) -> Result<(Keyring, Access), ServiceError> {
    let access =
        Access::parse(&key_row.access).ok_or_else(|| ServiceError::Internal("unknown access stored".into()))?;
    let (case, user) = (key_row.case_id, key_row.user_id);
    let keys = match access {
        Access::Owner => Keyring::unwrap(&session.key, &case_key_aad(case, user), &key_row.wrapped_key)?,
        Access::Read | Access::Write => {
            Keyring::open_with(&session.key_pair(), &grant_aad(case, user), &key_row.wrapped_key)?
        }
        Access::Police => return Err(ServiceError::Internal("an account holds a police share".into())),
    };
    Ok((keys, access))
}

/// Where a case's title is sealed: it has one version, replaced on each rename; its log
/// entries say which title is the newest.
fn title_place(case: Uuid) -> Place<'static> {
    Place { case, kind: "case", id: case, version: 1 }
}

/// A case opened by someone who holds its key, for the length of one request.
#[derive(Debug)]
pub struct OpenCase {
    lodge: Lodge,
    /// The case.
    pub id: CaseId,
    /// Its title.
    pub title: String,
    /// When it was made.
    pub created_at: Timestamp,
    pub(crate) keys: Keyring,
    pub(crate) user: UserId,
    /// How whoever opened it holds it.
    pub access: Access,
    /// What the title's log entry must say; `None` for a job, which does not read the title.
    pub(crate) title_commitment: Option<crate::sealing::Commitment>,
    /// The case's log as read for this request, and what checking records against it found.
    pub(crate) checks: crate::integrity::Checks,
}

impl Lodge {
    /// The cases she holds a key for, most recently changed first.
    pub async fn cases(&self, session: &Session) -> Result<Vec<CaseSummary>, ServiceError> {
        let rows = self.store().cases_for_user(session.user_id.0).await?;
        rows.into_iter()
            .map(|(case, key_row)| {
                let (keys, access) = unwrap_case_keys(session, &key_row)?;
                let title: Opened<Case> = open_record(&keys, title_place(case.id), &case.title)?;
                Ok(CaseSummary {
                    id: CaseId(case.id),
                    title: title.value.title,
                    created_at: case.created_at,
                    updated_at: case.updated_at,
                    access,
                })
            })
            .collect()
    }

    /// Creates a case with a fresh case key, wrapped for her account. Support workers and
    /// administrators keep no cases of their own: theirs are the ones granted to them.
    pub async fn create_case(&self, session: &Session, case: &Case) -> Result<CaseId, ServiceError> {
        if session.role != Role::Survivor {
            return Err(ServiceError::Forbidden);
        }
        let problems = case.check();
        if !problems.is_empty() {
            return Err(ServiceError::Invalid(problems));
        }
        let id = Uuid::new_v4();
        let keys = Keyring::generate()?;
        let at = self.now();
        let title = seal_record(&keys, title_place(id), case)?;
        let row = CaseRow { id, owner_id: session.user_id.0, title: title.bytes, created_at: at, updated_at: at };
        let key_row = CaseKeyRow {
            case_id: id,
            user_id: session.user_id.0,
            wrapped_key: keys.wrap(&session.key, &case_key_aad(id, session.user_id.0))?,
            access: Access::Owner.as_str().into(),
        };
        let entry = LogEntry {
            subject: Subject::Case,
            action: Action::Created,
            record: Some(id),
            version: Some(1),
            at_ms: at.as_millisecond(),
            by: session.user_id.0,
            sha256: None,
            record_digest: Some(title.digest),
        };
        self.logged(id, &keys, &entry, Change::NewCase(&row, &key_row)).await?;
        Ok(CaseId(id))
    }

    /// How she holds a case, without opening it; `None` if she holds no key for it.
    pub async fn case_access(&self, session: &Session, id: CaseId) -> Result<Option<Access>, ServiceError> {
        let row = self.store().case_for_user(id.0, session.user_id.0).await?;
        Ok(row.and_then(|(_, key_row)| Access::parse(&key_row.access)))
    }

    /// Opens a case she holds a key for; [`ServiceError::NotFound`] otherwise. When
    /// someone other than her opens it, what they are doing (`session.doing`) goes in her
    /// access log.
    pub async fn open_case(&self, session: &Session, id: CaseId) -> Result<OpenCase, ServiceError> {
        let (row, key_row) =
            self.store().case_for_user(id.0, session.user_id.0).await?.ok_or(ServiceError::NotFound)?;
        let (keys, access) = unwrap_case_keys(session, &key_row)?;
        let case: Opened<Case> = open_record(&keys, title_place(id.0), &row.title)?;
        self.arm_jobs(id.0, &keys).await?;
        let open = OpenCase {
            lodge: self.clone(),
            id,
            title: case.value.title,
            title_commitment: Some(case.commitment),
            checks: Default::default(),
            created_at: row.created_at,
            keys,
            user: session.user_id,
            access,
        };
        if access != Access::Owner
            && let Some(what) = &session.doing
        {
            let who = format!("{} ({})", session.username, session.role.label().to_lowercase());
            open.record_access(&who, what).await?;
        }
        Ok(open)
    }
}

/// Which record rows to read with the log.
#[derive(Debug, Clone, Copy)]
enum Rows {
    /// The latest version of every record of a kind.
    OfKind(RecordKind),
    /// Every version of one record.
    VersionsOf(Uuid),
}

impl OpenCase {
    /// The case as a job works on it, for the account that started the job.
    /// Jobs were queued by someone who could change the case.
    pub(crate) fn for_job(lodge: &Lodge, case: Uuid, keys: Keyring, user: UserId) -> OpenCase {
        OpenCase {
            lodge: lodge.clone(),
            id: CaseId(case),
            title: String::new(),
            title_commitment: None,
            checks: Default::default(),
            created_at: lodge.now(),
            keys,
            user,
            access: Access::Write,
        }
    }

    /// Fails unless whoever opened the case may change it.
    pub(crate) fn may_write(&self) -> Result<(), ServiceError> {
        if self.access.can_write() { Ok(()) } else { Err(ServiceError::ReadOnly) }
    }

    /// Fails unless the case is hers.
    pub(crate) fn must_own(&self) -> Result<(), ServiceError> {
        if self.access == Access::Owner { Ok(()) } else { Err(ServiceError::OwnerOnly) }
    }

    /// Makes a change to the case with its leaf, if whoever opened it may change it.
    pub(crate) async fn change(&self, entry: &LogEntry, change: Change<'_>) -> Result<(), ServiceError> {
        self.may_write()?;
        self.lodge.logged(self.id.0, &self.keys, entry, change).await
    }

    pub(crate) fn lodge(&self) -> &Lodge {
        &self.lodge
    }

    /// Renames the case.
    pub async fn rename(&mut self, case: &Case) -> Result<(), ServiceError> {
        self.may_write()?;
        let problems = case.check();
        if !problems.is_empty() {
            return Err(ServiceError::Invalid(problems));
        }
        let sealed = seal_record(&self.keys, title_place(self.id.0), case)?;
        let mut entry = self.log_entry(Subject::Case, Action::Edited, Some(self.id.0), None, None);
        entry.record_digest = Some(sealed.digest);
        self.change(&entry, Change::Title(&sealed.bytes)).await?;
        self.title = case.title.clone();
        Ok(())
    }

    /// One version as read, opened and checked against the log: a version that does not open,
    /// or does not match what the log recorded, comes back without a body and marked changed.
    fn entry<T: DeserializeOwned>(
        &self,
        kind: RecordKind,
        row: RecordRow,
        log: &crate::integrity::LogIndex,
        newest: bool,
    ) -> Version<T> {
        let opened = if row.deleted || row.fields.is_empty() {
            None
        } else {
            let place = Place { case: self.id.0, kind: kind.as_str(), id: row.id, version: row.version };
            Some(open_record::<T>(&self.keys, place, &row.fields))
        };
        let integrity = log.check(&row, opened.as_ref().map(|o| o.as_ref().map(|o| &o.commitment)), newest);
        let body = match (opened, &integrity) {
            (Some(Ok(opened)), Integrity::Intact) => Some(opened.value),
            _ => None,
        };
        self.found(kind, row.id, integrity, log);
        Version {
            id: row.id,
            version: row.version,
            created_at: row.first_created_at,
            saved_at: row.created_at,
            author: UserId(row.author_id),
            deleted: row.deleted,
            body,
            integrity,
        }
    }

    /// Rows read with `read`, and the log as it was when they were read. A record version and
    /// its leaf are written together, so if the log did not grow while the rows were read, no
    /// row is newer or older than the log; otherwise (someone wrote meanwhile) both are read
    /// again, a few times at most, so a write in between is never taken for tampering.
    async fn rows_with_log(
        &self,
        which: Rows,
    ) -> Result<(Vec<RecordRow>, std::sync::Arc<crate::integrity::LogIndex>), ServiceError> {
        let store = self.lodge.store();
        let mut tries = 0;
        loop {
            let before = store.ledger_size(self.id.0).await?;
            let rows = match which {
                Rows::OfKind(kind) => store.records(self.id.0, kind.as_str()).await?,
                Rows::VersionsOf(id) => store.record_versions(self.id.0, id).await?,
            };
            let log = self.log_index().await?;
            tries += 1;
            if log.read_at(before) || tries == 5 {
                return Ok((rows, log));
            }
        }
    }

    /// The latest version of every record of a kind, tombstones included, each checked
    /// against the log; a record the log has but the store lost is noted as changed.
    pub(crate) async fn latest<T: DeserializeOwned>(&self, kind: RecordKind) -> Result<Vec<Version<T>>, ServiceError> {
        let (rows, log) = self.rows_with_log(Rows::OfKind(kind)).await?;
        let entries: Vec<Version<T>> = rows.into_iter().map(|r| self.entry(kind, r, &log, true)).collect();
        self.found_all(log.missing(kind, entries.iter().map(|e| e.id)));
        Ok(entries)
    }

    /// Every version of one record, oldest first, each checked against the log; NotFound if
    /// it is not in this case.
    pub(crate) async fn versions<T: DeserializeOwned>(
        &self,
        kind: RecordKind,
        id: Uuid,
    ) -> Result<Vec<Version<T>>, ServiceError> {
        let (rows, log) = self.rows_with_log(Rows::VersionsOf(id)).await?;
        if rows.is_empty() || rows.iter().any(|r| r.kind != kind.as_str()) {
            return Err(ServiceError::NotFound);
        }
        let last = rows.len() - 1;
        Ok(rows.into_iter().enumerate().map(|(n, r)| self.entry(kind, r, &log, n == last)).collect())
    }

    /// The latest version of one record.
    pub(crate) async fn current<T: DeserializeOwned>(
        &self,
        kind: RecordKind,
        id: Uuid,
    ) -> Result<Version<T>, ServiceError> {
        self.versions(kind, id).await?.pop().ok_or(ServiceError::NotFound)
    }

    /// Writes version `version` of a record; fails with a conflict if it already exists.
    pub(crate) async fn write<T: Serialize>(
        &self,
        kind: RecordKind,
        id: Uuid,
        version: i64,
        body: &T,
    ) -> Result<(), ServiceError> {
        let action = if version == 1 { Action::Created } else { Action::Edited };
        let (row, entry) = self.sealed_version(kind, id, version, action, body)?;
        self.change(&entry, Change::Record(&row)).await
    }

    /// Version `version` of a record, sealed, and the log entry that records it: the
    /// version's digest, and for a file the file's SHA-256.
    pub(crate) fn sealed_version<T: Serialize>(
        &self,
        kind: RecordKind,
        id: Uuid,
        version: i64,
        action: Action,
        body: &T,
    ) -> Result<(RecordRow, LogEntry), ServiceError> {
        let sealed = seal_record(&self.keys, Place { case: self.id.0, kind: kind.as_str(), id, version }, body)?;
        let mut entry = self.log_entry(subject(kind), action, Some(id), Some(version), sealed.file_sha256);
        entry.record_digest = Some(sealed.digest);
        Ok((self.version_row(kind, id, version, sealed.bytes), entry))
    }

    /// A new version of a record by whoever has the case open; empty `fields` for a tombstone.
    pub(crate) fn version_row(&self, kind: RecordKind, id: Uuid, version: i64, fields: Vec<u8>) -> RecordRow {
        RecordRow {
            case_id: self.id.0,
            id,
            version,
            kind: kind.as_str().into(),
            created_at: self.lodge().now(),
            first_created_at: self.lodge().now(),
            author_id: self.user.0,
            deleted: fields.is_empty(),
            fields,
        }
    }

    /// Saves an edit of an existing record, as a new version after `expected_version`.
    pub(crate) async fn edit<T: Serialize + DeserializeOwned>(
        &self,
        kind: RecordKind,
        id: Uuid,
        expected_version: i64,
        body: &T,
    ) -> Result<i64, ServiceError> {
        let current: Version<T> = self.current(kind, id).await?;
        if current.deleted {
            return Err(ServiceError::NotFound);
        }
        if current.integrity != Integrity::Intact {
            return Err(ServiceError::ChangedOutside);
        }
        if current.version != expected_version {
            return Err(ServiceError::Conflict);
        }
        self.write(kind, id, expected_version + 1, body).await?;
        Ok(expected_version + 1)
    }

    /// Deletes a record: every version's content is erased and a tombstone is appended, so the
    /// log still shows that something was deleted, and when.
    pub(crate) async fn erase(&self, kind: RecordKind, id: Uuid) -> Result<(), ServiceError> {
        let current: Version<serde_json::Value> = self.current(kind, id).await?;
        if current.deleted {
            return Ok(());
        }
        let version = current.version + 1;
        let tombstone = self.version_row(kind, id, version, Vec::new());
        let entry = self.log_entry(subject(kind), Action::Deleted, Some(id), Some(version), None);
        self.change(&entry, Change::Erase(&tombstone)).await
    }
}

pub(crate) fn subject(kind: RecordKind) -> Subject {
    match kind {
        RecordKind::Incident => Subject::Incident,
        RecordKind::Person => Subject::Person,
        RecordKind::Evidence => Subject::Evidence,
        RecordKind::Content | RecordKind::OwnAccount => Subject::Content,
        RecordKind::FoundCopy => Subject::FoundCopy,
        RecordKind::Notice => Subject::Notice,
        RecordKind::Watch => Subject::Watch,
        RecordKind::Grant | RecordKind::Share | RecordKind::Access | RecordKind::InboxLink => Subject::Share,
    }
}

pub(crate) fn checked(problems: lodge_domain::Problems) -> Result<(), ServiceError> {
    if problems.is_empty() { Ok(()) } else { Err(ServiceError::Invalid(problems)) }
}
