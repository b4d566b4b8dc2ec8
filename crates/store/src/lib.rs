//! Lodge's storage interface, [`Store`], with an SQLite implementation (the embedded default)
//! and a PostgreSQL one. Both run the same SQL, with their own migrations; the conformance
//! suite in `tests/it` runs against each.
//!
//! The store sees only what it must to find things: ids, usernames, roles, times and
//! ciphertext. Every piece of case content arrives already sealed by the service layer.
//! A write returns only after the database has made it durable (SQLite runs with
//! `synchronous=FULL`; PostgreSQL commits with its default `fsync`).

mod backend;
mod copy;
mod rows;

use std::sync::Arc;

pub use backend::{PostgresStore, SqliteStore, create_scratch_postgres_database};
pub use copy::{CopiedRow, Value as CopiedValue};
pub use rows::{
    CaseKeyRow, CaseRow, CheckpointRow, FeedbackRow, InboxLinkRow, InvitationRow, JobRow, LeafRow, PasskeyRow,
    RecordRow, SessionRow, ShareAccessRow, ShareRow, SubmissionRow, UserRow, WebauthnStateRow,
};

use jiff::Timestamp;
use uuid::Uuid;

/// What already existed when a write needed it not to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Conflict {
    /// The username is taken.
    #[error("username")]
    Username,
    /// The record's version was written by someone else first.
    #[error("version")]
    Version,
    /// The case log's next position was taken by another writer.
    #[error("ledger")]
    Ledger,
    /// The case id exists.
    #[error("case")]
    Case,
    /// The passkey (its credential id) is registered.
    #[error("passkey")]
    Passkey,
    /// The session id exists.
    #[error("session")]
    Session,
    /// The invitation token exists.
    #[error("invitation")]
    Invitation,
    /// The inbox link's token exists.
    #[error("inbox link")]
    InboxLink,
    /// The police link's token exists.
    #[error("share")]
    Share,
    /// The job id exists.
    #[error("job")]
    Job,
    /// A backup is restored only into a database without accounts.
    #[error("a database that already has accounts")]
    AccountsExist,
}

/// What can go wrong in storage.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A row that must be unique already exists (a taken username, an existing version).
    #[error("already exists: {0}")]
    Conflict(Conflict),
    /// An invitation was missing, used or expired.
    #[error("the invitation is not valid")]
    InvalidInvitation,
    /// A stored value could not be read.
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// The database failed.
    #[error("database error: {0}")]
    Database(#[source] sqlx::Error),
    /// Migrations failed.
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A maintenance step could not finish now: readers held the SQLite write-ahead log.
    #[error("the database is busy: {0}")]
    Busy(&'static str),
    /// The URL names no supported database.
    #[error("unsupported database URL (use sqlite:// or postgres://)")]
    UnsupportedUrl,
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        StoreError::Database(e)
    }
}

/// Result of a storage call.
pub type Result<T> = std::result::Result<T, StoreError>;

/// One step of [`Store::insert_batch`].
#[derive(Debug)]
pub enum Batched {
    /// A record version and the leaf that logs it.
    Record(Box<RecordRow>, Box<LeafRow>),
    /// Keep everything sent so far.
    Commit,
}

/// Accounts: users, their keys and settings, invitations, and the organisation's settings.
#[async_trait::async_trait]
pub trait Accounts: Send + Sync {
    /// How many accounts exist.
    async fn count_users(&self) -> Result<i64>;

    /// Creates an account, consuming `invitation` (its token hash) in the same transaction if given.
    async fn create_user(&self, user: &UserRow, invitation: Option<&[u8]>, now: Timestamp) -> Result<()>;

    /// Finds an account by username.
    async fn user_by_username(&self, username: &str) -> Result<Option<UserRow>>;

    /// Finds an account by id.
    async fn user(&self, id: Uuid) -> Result<Option<UserRow>>;

    /// All accounts, by username.
    async fn users(&self) -> Result<Vec<UserRow>>;

    /// Replaces an account's key material after a password change or recovery.
    async fn update_user_keys(&self, user: &UserRow) -> Result<()>;

    /// Sets (or, with `None`, removes) the sealed address an account's reminders go to.
    async fn set_reminder_email(&self, user: Uuid, sealed: Option<&[u8]>) -> Result<()>;

    /// The sealed address an account's reminders go to, if it set one.
    async fn reminder_email(&self, user: Uuid) -> Result<Option<Vec<u8>>>;

    /// Sets an account's safety settings, stored in plain (they are not case content): the
    /// neutral title and the name it shows, and her own idle sign-out time.
    async fn set_user_safety(
        &self,
        id: Uuid,
        neutral_title: bool,
        app_name: &str,
        idle_minutes: Option<i64>,
    ) -> Result<()>;

    /// Switches an account off (or on again). Switched off, it loses Your Voice's key.
    async fn set_user_disabled(&self, id: Uuid, disabled: bool) -> Result<()>;

    /// Records an account's public key (made at its first sign-in since sharing existed).
    async fn set_user_public_key(&self, id: Uuid, public_key: &[u8]) -> Result<()>;

    /// Stores a new invitation.
    async fn create_invitation(&self, invitation: &InvitationRow) -> Result<()>;

    /// A usable (unused, unexpired) invitation by token hash.
    async fn invitation(&self, token_hash: &[u8], now: Timestamp) -> Result<Option<InvitationRow>>;

    /// Counts one "that name is taken" answer given to `token_hash`; at `most` the invitation is
    /// used up. Returns whether it is used up (or was already).
    async fn invitation_name_taken(&self, token_hash: &[u8], now: Timestamp, most: i64) -> Result<bool>;

    /// The invitations an administrator made that are still usable, newest first.
    async fn open_invitations(&self, now: Timestamp) -> Result<Vec<InvitationRow>>;

    /// Withdraws an unused invitation; false if there was none to withdraw.
    async fn withdraw_invitation(&self, token_hash: &[u8]) -> Result<bool>;

    /// Removes unused invitations that no account created (first-administrator links).
    async fn delete_setup_invitations(&self) -> Result<()>;

    /// A setting of the organisation.
    async fn setting(&self, name: &str) -> Result<Option<String>>;

    /// Changes a setting of the organisation.
    async fn set_setting(&self, name: &str, value: &str) -> Result<()>;
}

/// Signing in: sessions, second factors, passkeys and their ceremonies, and the counts that hold guessing back.
#[async_trait::async_trait]
pub trait SignIns: Send + Sync {
    /// Stores a new session.
    async fn create_session(&self, session: &SessionRow) -> Result<()>;

    /// A session by the hash of its token.
    async fn session(&self, id_hash: &[u8]) -> Result<Option<SessionRow>>;

    /// Records activity on a session.
    async fn touch_session(&self, id_hash: &[u8], now: Timestamp) -> Result<()>;

    /// Marks a session's second factor as given.
    async fn complete_session(&self, id_hash: &[u8]) -> Result<()>;

    /// An account's signed-in sessions, most recently used first.
    async fn user_sessions(&self, user: Uuid) -> Result<Vec<SessionRow>>;

    /// Sets (or with `None` removes) an account's sealed TOTP secret.
    async fn set_user_totp(&self, user: Uuid, secret: Option<&[u8]>) -> Result<()>;

    /// Accepts a TOTP time step for an account only if it is later than the last accepted
    /// one, so a code works once. False if it was already used.
    async fn use_totp_step(&self, user: Uuid, step: i64) -> Result<bool>;

    /// Until when a key (an account, an address, a link) is held back after attempts.
    async fn blocked_until(&self, key: &[u8]) -> Result<Option<Timestamp>>;

    /// Counts an attempt for `key` before its secret is checked, in one atomic statement, so
    /// that every node and every concurrent request sees every other's count. Refused (`None`,
    /// nothing counted) while the key is held back. The count restarts when the last window
    /// began before `window_start`; an attempt that brings it to `threshold` or beyond holds
    /// the key back from `now` for `holds[count - threshold]` (the last entry beyond). Returns
    /// the count with this attempt.
    async fn count_attempt(
        &self,
        key: &[u8],
        now: Timestamp,
        window_start: Timestamp,
        threshold: i64,
        holds: &[jiff::SignedDuration],
    ) -> Result<Option<i64>>;

    /// Forgets the attempts counted for `key` (after a success).
    async fn attempts_cleared(&self, key: &[u8]) -> Result<()>;

    /// Adds a passkey.
    async fn add_passkey(&self, passkey: &PasskeyRow) -> Result<()>;

    /// An account's passkeys, oldest first.
    async fn passkeys(&self, user: Uuid) -> Result<Vec<PasskeyRow>>;

    /// Records a passkey's use (its updated counter).
    async fn passkey_used(&self, id: Uuid, passkey: &str, at: Timestamp) -> Result<()>;

    /// Removes one of an account's passkeys. False if it had none by that id.
    async fn remove_passkey(&self, user: Uuid, id: Uuid) -> Result<bool>;

    /// Keeps a ceremony's state.
    async fn put_webauthn_state(&self, state: &WebauthnStateRow) -> Result<()>;

    /// Takes (reads and deletes) a ceremony's state, if it is for `purpose` and not expired.
    async fn take_webauthn_state(&self, id: Uuid, purpose: &str, now: Timestamp) -> Result<Option<WebauthnStateRow>>;

    /// Ends one session.
    async fn delete_session(&self, id_hash: &[u8]) -> Result<()>;

    /// Ends every session of an account, except `keep`.
    async fn delete_user_sessions(&self, user: Uuid, keep: Option<&[u8]>) -> Result<()>;

    /// Ends sessions idle since before `idle_before` or past their expiry.
    async fn delete_stale_sessions(&self, idle_before: Timestamp, now: Timestamp) -> Result<u64>;
}

/// Cases: who holds their keys, their sealed records, and shredding.
#[async_trait::async_trait]
pub trait Cases: Send + Sync {
    /// Creates a case with its owner's wrapped key and the first leaf of its log.
    async fn create_case(&self, case: &CaseRow, owner_key: &CaseKeyRow, leaf: &LeafRow) -> Result<()>;

    /// Every case an account holds a key for, newest first.
    async fn cases_for_user(&self, user: Uuid) -> Result<Vec<(CaseRow, CaseKeyRow)>>;

    /// One case, only if `user` holds a key for it.
    async fn case_for_user(&self, case: Uuid, user: Uuid) -> Result<Option<(CaseRow, CaseKeyRow)>>;

    /// Everyone who holds a case's keys: its owner and those she granted it to.
    async fn case_keys(&self, case: Uuid) -> Result<Vec<CaseKeyRow>>;

    /// Gives (or changes) someone's access to a case, with the record and leaf that log it.
    async fn grant_case_key(&self, key: &CaseKeyRow, record: &RecordRow, leaf: &LeafRow) -> Result<()>;

    /// Replaces every holder's wrapped keys of a case at once (after a revocation rotated
    /// them: whoever is not in `keys` loses access), points every inbox link still open at
    /// `public_key` (the new generation's), with the record and leaf that log it.
    async fn rekey_case(
        &self,
        case: Uuid,
        keys: &[CaseKeyRow],
        public_key: &[u8],
        record: &RecordRow,
        leaf: &LeafRow,
    ) -> Result<()>;

    /// Crypto-shredding: removes every holder's wrapped keys of a case, its share links and
    /// its jobs, so nothing of it can be opened again. Its sealed records and its log stay.
    async fn shred_case(&self, case: Uuid) -> Result<()>;

    /// Replaces an account's wrapped keys with `noise`, removes its public key, its
    /// authenticator secret, its passkeys and every case key wrapped for it, switches it off
    /// and ends its sessions: nothing it held can be unwrapped again.
    async fn shred_account(&self, user: Uuid, noise: &[u8]) -> Result<()>;

    /// After shredding: on SQLite, moves everything in the write-ahead log into the database
    /// and empties the log, so deleted bytes (already zeroed in the database by
    /// `secure_delete`) are in no file; on PostgreSQL, rewrites the tables that held keys
    /// (`VACUUM FULL`), so no dead row holding one is left in them.
    async fn reclaim(&self) -> Result<()>;

    /// Replaces a case's sealed title, appending `leaf` to its log.
    async fn update_case_title(&self, case: Uuid, title: &[u8], now: Timestamp, leaf: &LeafRow) -> Result<()>;

    /// Appends a version of a record and `leaf` to the case's log, together. Fails with
    /// [`StoreError::Conflict`]`("version")` if that version exists, and
    /// [`StoreError::Conflict`]`("ledger")` if another append took the leaf's place first.
    async fn insert_record(&self, record: &RecordRow, leaf: &LeafRow) -> Result<()>;

    /// The latest version of every record of `kind` in a case.
    async fn records(&self, case: Uuid, kind: &str) -> Result<Vec<RecordRow>>;

    /// Every version of one record in a case, oldest first. Empty if it is not in that case.
    async fn record_versions(&self, case: Uuid, id: Uuid) -> Result<Vec<RecordRow>>;

    /// Erases the content of every version of a record and appends `tombstone` and `leaf`.
    async fn erase_record(&self, tombstone: &RecordRow, leaf: &LeafRow) -> Result<()>;

    /// Appends record versions, each with its leaf, as they arrive on `batch`, all in one
    /// transaction. Everything is committed when [`Batched::Commit`] arrives; if the channel
    /// closes without it, or any insert fails, nothing is kept. Returns the records kept (0 when rolled back).
    async fn insert_batch(&self, batch: tokio::sync::mpsc::Receiver<Batched>) -> Result<u64>;

    /// Every case's id.
    async fn case_ids(&self) -> Result<Vec<Uuid>>;
}

/// What leaves a case: police links and their uses, inbox links and what arrives through them.
#[async_trait::async_trait]
pub trait Sharing: Send + Sync {
    /// Adds a police share link with the record and leaf that log it.
    async fn create_share(&self, share: &ShareRow, record: &RecordRow, leaf: &LeafRow) -> Result<()>;

    /// Withdraws a share link: deletes its row (and with it the link's wrapped keys) in the
    /// transaction that writes the record and leaf that log it. False if it was not there.
    async fn revoke_share(&self, case: Uuid, id: Uuid, record: &RecordRow, leaf: &LeafRow) -> Result<bool>;

    /// A share link by the hash of its token, expired ones included.
    async fn share_by_token(&self, token_hash: &[u8]) -> Result<Option<ShareRow>>;

    /// One share link of a case.
    async fn share(&self, case: Uuid, id: Uuid) -> Result<Option<ShareRow>>;

    /// A case's share links, newest first.
    async fn shares(&self, case: Uuid) -> Result<Vec<ShareRow>>;

    /// Points a share link at newly made content. False if the link is gone.
    async fn set_share_content(&self, id: Uuid, folder: &str, made_at: Timestamp) -> Result<bool>;

    /// Share links (case and id) that expired by `now`.
    async fn expired_shares(&self, now: Timestamp) -> Result<Vec<(Uuid, Uuid)>>;

    /// Deletes a share link's row. False if it was not there.
    async fn delete_share(&self, id: Uuid) -> Result<bool>;

    /// Keeps one use of a share link with the leaf that logs it.
    async fn add_share_access(&self, access: &ShareAccessRow, leaf: &LeafRow) -> Result<()>;

    /// A case's uses of its share links, oldest first.
    async fn share_accesses(&self, case: Uuid) -> Result<Vec<ShareAccessRow>>;

    /// Adds an inbox link with the record and leaf that log it.
    async fn create_inbox_link(&self, link: &InboxLinkRow, record: &RecordRow, leaf: &LeafRow) -> Result<()>;

    /// Withdraws an inbox link, with the record and leaf that log it. False if it was not live.
    async fn revoke_inbox_link(&self, case: Uuid, id: Uuid, record: &RecordRow, leaf: &LeafRow) -> Result<bool>;

    /// An inbox link by the hash of its token, withdrawn ones included.
    async fn inbox_link_by_token(&self, token_hash: &[u8]) -> Result<Option<InboxLinkRow>>;

    /// A case's inbox links, newest first.
    async fn inbox_links(&self, case: Uuid) -> Result<Vec<InboxLinkRow>>;

    /// Keeps a submission with the leaf that logs its arrival.
    async fn add_submission(&self, submission: &SubmissionRow, leaf: &LeafRow) -> Result<()>;

    /// A case's waiting submissions, oldest first.
    async fn submissions(&self, case: Uuid) -> Result<Vec<SubmissionRow>>;

    /// Removes a submission (accepted or declined) with the leaf that logs it. False if it
    /// was not there.
    async fn remove_submission(&self, case: Uuid, id: Uuid, leaf: &LeafRow) -> Result<bool>;
}

/// Each case's log: its leaves, tree hashes and signed checkpoints.
#[async_trait::async_trait]
pub trait Ledger: Send + Sync {
    /// Appends a leaf that goes with no record (an export, an access).
    async fn append_leaf(&self, leaf: &LeafRow) -> Result<()>;

    /// How many leaves a case's log has.
    async fn ledger_size(&self, case: Uuid) -> Result<i64>;

    /// Stored tree hashes by index, in the order asked; [`StoreError::Corrupt`] if one is missing.
    async fn ledger_hashes(&self, case: Uuid, indexes: &[i64]) -> Result<Vec<[u8; 32]>>;

    /// Every leaf of a case's log, in order (without tree hashes).
    async fn ledger_leaves(&self, case: Uuid) -> Result<Vec<LeafRow>>;

    /// A case's leaves from index `from` on, in order.
    async fn ledger_leaves_from(&self, case: Uuid, from: i64) -> Result<Vec<LeafRow>>;

    /// Keeps a signed checkpoint; one already kept for that size stays.
    async fn insert_checkpoint(&self, checkpoint: &CheckpointRow) -> Result<()>;

    /// A case's checkpoints, smallest first.
    async fn checkpoints(&self, case: Uuid) -> Result<Vec<CheckpointRow>>;

    /// The checkpoint kept for one size of a case's log, if any.
    async fn checkpoint(&self, case: Uuid, size: i64) -> Result<Option<CheckpointRow>>;
}

/// Durable jobs: queued, claimed under a lease, progressed, released.
#[async_trait::async_trait]
pub trait Jobs: Send + Sync {
    /// Adds a job.
    async fn create_job(&self, job: &JobRow) -> Result<()>;

    /// One job of a case.
    async fn job(&self, case: Uuid, id: Uuid) -> Result<Option<JobRow>>;

    /// A case's jobs of one kind, newest first.
    async fn jobs(&self, case: Uuid, kind: &str) -> Result<Vec<JobRow>>;

    /// Whether a case has a job queued or running that is due by `now`.
    async fn has_due_jobs(&self, case: Uuid, now: Timestamp) -> Result<bool>;

    /// A case's jobs that are queued or running, oldest first.
    async fn unfinished_jobs(&self, case: Uuid) -> Result<Vec<JobRow>>;

    /// Takes a queued job, or a running one whose holder's lease ran out, for `owner` until
    /// `lease_until`. False if it is not due, finished, or held by a live node.
    async fn claim_job(&self, id: Uuid, owner: &str, lease_until: Timestamp, now: Timestamp) -> Result<bool>;

    /// Records progress (and renews the lease) on a job `owner` holds. False if it no longer
    /// holds it (the job was cancelled, or another node took it).
    async fn job_progress(
        &self,
        id: Uuid,
        owner: &str,
        done: i64,
        payload: Option<&[u8]>,
        lease_until: Timestamp,
        now: Timestamp,
    ) -> Result<bool>;

    /// Ends a job `owner` holds: `done` or `failed` (with `error`), or back to `queued` until
    /// `run_after` to be tried again.
    async fn release_job(
        &self,
        id: Uuid,
        owner: &str,
        state: &str,
        error: &str,
        run_after: Timestamp,
        now: Timestamp,
    ) -> Result<()>;

    /// Stops a case's job that has not finished. False if there was none to stop.
    async fn cancel_job(&self, case: Uuid, id: Uuid, now: Timestamp) -> Result<bool>;

    /// Jobs of `kind`, in any case, queued or held by a node whose lease ran out, due by
    /// `now`: work a node does without a case's key (reminders).
    async fn due_jobs(&self, kind: &str, now: Timestamp) -> Result<Vec<JobRow>>;

    /// Deletes jobs that ended (done, failed or stopped) before `before`, except finished jobs
    /// of `keep_kind` (whose results someone still has to fetch). Returns how many went.
    async fn delete_ended_jobs(&self, before: Timestamp, keep_kind: &str) -> Result<u64>;

    /// How many jobs there are of each kind in each state, across all cases: `(kind, state, count)`.
    async fn job_counts(&self) -> Result<Vec<(String, String, i64)>>;

    /// Deletes a case's job, whatever its state (a report she no longer wants). False if there
    /// was none.
    async fn delete_job(&self, case: Uuid, id: Uuid) -> Result<bool>;
}

/// Your Voice: anonymous feedback sealed to staff, and the staff keys it is sealed to.
#[async_trait::async_trait]
pub trait Voice: Send + Sync {
    /// Keeps a Your Voice response.
    async fn add_feedback(&self, feedback: &FeedbackRow) -> Result<()>;

    /// Replaces a response's sealed body (a response sealed the old way, sealed again).
    async fn update_feedback(&self, id: Uuid, body: &[u8]) -> Result<()>;

    /// Starts Your Voice's staff key: keeps its public half as the setting `name` and the key
    /// sealed to each of `holders`, unless the setting exists already (then false, and nothing
    /// is written).
    async fn start_voice_key(&self, name: &str, public: &str, holders: &[(Uuid, Vec<u8>)]) -> Result<bool>;

    /// Your Voice's key sealed to one staff account, if it holds it.
    async fn voice_key(&self, user: Uuid) -> Result<Option<Vec<u8>>>;

    /// Gives one staff account Your Voice's key, sealed to it.
    async fn add_voice_key(&self, user: Uuid, sealed: &[u8]) -> Result<()>;

    /// Staff accounts (switched on, signed in once) that do not hold Your Voice's key, with
    /// their public keys.
    async fn staff_without_voice_key(&self) -> Result<Vec<(Uuid, Vec<u8>)>>;

    /// Every Your Voice response, newest day first.
    async fn feedback(&self) -> Result<Vec<FeedbackRow>>;
}

/// Backups: every row out, and into an empty database.
#[async_trait::async_trait]
pub trait Backup: Send + Sync {
    /// Sends every row of the organisation's data to `out`, table by table in foreign-key
    /// order, from one consistent snapshot (for a backup). Returns the rows sent.
    async fn export_rows(&self, out: tokio::sync::mpsc::Sender<CopiedRow>) -> Result<u64>;

    /// Inserts rows as [`Store::export_rows`] sent them, all in one transaction, into a
    /// database that has no accounts yet (for a restore); nothing is kept if any row fails
    /// or the channel closes early without `done`. Returns the rows written.
    async fn import_rows(&self, rows: tokio::sync::mpsc::Receiver<Option<CopiedRow>>) -> Result<u64>;
}

/// The storage interface: every concern's methods, and the backend's own. Every method is
/// one transaction. A `dyn Store` answers every concern's methods.
#[async_trait::async_trait]
pub trait Store:
    Accounts + SignIns + Cases + Sharing + Ledger + Jobs + Voice + Backup + Send + Sync + std::fmt::Debug
{
    /// Which backend this is, for logs and the health check.
    fn backend(&self) -> &'static str;

    /// Checks that the database answers.
    async fn ping(&self) -> Result<()>;
}

/// Opens the store a URL names (`sqlite://PATH` or `postgres://…`) and brings its schema up to date.
pub async fn open(url: &str) -> Result<Arc<dyn Store>> {
    if url.starts_with("sqlite:") {
        Ok(Arc::new(SqliteStore::open(url).await?))
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        Ok(Arc::new(PostgresStore::open(url).await?))
    } else {
        Err(StoreError::UnsupportedUrl)
    }
}

/// Milliseconds since the Unix epoch, as stored.
pub fn to_millis(t: Timestamp) -> i64 {
    t.as_millisecond()
}

/// A stored time.
pub fn from_millis(ms: i64) -> Result<Timestamp> {
    Timestamp::from_millisecond(ms).map_err(|e| StoreError::Corrupt(e.to_string()))
}
