//! The rows the store keeps, each read from a query's columns by name (`sqlx::FromRow`): ids
//! are kept as text and times as milliseconds. Byte fields named `key_*`, `wrapped_*`, `title`
//! and `fields` are ciphertext.

use jiff::Timestamp;
use uuid::Uuid;

/// A time as the store keeps it: milliseconds since 1970 (UTC), read into a [`Timestamp`].
#[derive(Debug, Clone, Copy, sqlx::Type)]
#[sqlx(transparent)]
pub struct Millis(pub i64);

impl TryFrom<Millis> for Timestamp {
    type Error = jiff::Error;

    fn try_from(m: Millis) -> Result<Timestamp, jiff::Error> {
        Timestamp::from_millisecond(m.0)
    }
}

/// An id the store may not have, kept as text, read into a [`Uuid`].
#[derive(Debug, Clone, sqlx::Type)]
#[sqlx(transparent)]
pub struct MaybeId(pub Option<String>);

impl TryFrom<MaybeId> for Option<Uuid> {
    type Error = uuid::Error;

    fn try_from(id: MaybeId) -> Result<Option<Uuid>, uuid::Error> {
        id.0.as_deref().map(Uuid::parse_str).transpose()
    }
}

/// A time the store may not have: milliseconds since 1970 (UTC), or NULL.
#[derive(Debug, Clone, Copy, sqlx::Type)]
#[sqlx(transparent)]
pub struct MaybeMillis(pub Option<i64>);

impl TryFrom<MaybeMillis> for Option<Timestamp> {
    type Error = jiff::Error;

    fn try_from(m: MaybeMillis) -> Result<Option<Timestamp>, jiff::Error> {
        m.0.map(Timestamp::from_millisecond).transpose()
    }
}

/// An account.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserRow {
    /// Account id.
    #[sqlx(try_from = "String")]
    pub id: Uuid,
    /// Sign-in name (not case content).
    pub username: String,
    /// Role name.
    pub role: String,
    /// Whether an administrator has disabled the account.
    pub disabled: bool,
    /// Argon2id parameters.
    pub kdf: String,
    /// Argon2id salt.
    pub salt: Vec<u8>,
    /// The account key wrapped under the password's key.
    pub key_by_password: Vec<u8>,
    /// The account key wrapped under the recovery key.
    pub key_by_recovery: Vec<u8>,
    /// Whether pages show a neutral title for this account.
    pub neutral_title: bool,
    /// When the account was made.
    #[sqlx(try_from = "Millis")]
    pub created_at: Timestamp,
    /// The account's public key, for cases shared with it; `None` until it first signs in
    /// (accounts made before sharing existed).
    pub public_key: Option<Vec<u8>>,
    /// The TOTP secret, sealed under the account key, when she has set one up.
    pub totp_secret: Option<Vec<u8>>,
    /// The last TOTP time step accepted (a code works once).
    pub totp_last_step: i64,
    /// The neutral name pages show her instead of "Lodge" (empty: "Notes").
    pub app_name: String,
    /// Her own idle time before sign-out, in minutes, if shorter than the organisation's.
    pub idle_minutes: Option<i64>,
}

/// A one-time invitation link, stored by the hash of its token.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct InvitationRow {
    /// Hash of the token in the link.
    pub token_hash: Vec<u8>,
    /// Role the new account gets.
    pub role: String,
    /// Who made it; `None` for the first-administrator link printed at first start.
    #[sqlx(try_from = "MaybeId")]
    pub created_by: Option<Uuid>,
    /// When it was made.
    #[sqlx(try_from = "Millis")]
    pub created_at: Timestamp,
    /// When it stops working.
    #[sqlx(try_from = "Millis")]
    pub expires_at: Timestamp,
    /// Who it is for, in the administrator's words, sealed.
    pub label: Option<Vec<u8>>,
}

/// A signed-in session, stored by the hash of its token. The account key inside is wrapped
/// under a key derived from the token, which only the client holds.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRow {
    /// Hash of the session token.
    pub id_hash: Vec<u8>,
    /// The account.
    #[sqlx(try_from = "String")]
    pub user_id: Uuid,
    /// The account key, wrapped under the token's key.
    pub wrapped_user_key: Vec<u8>,
    /// When it started.
    #[sqlx(try_from = "Millis")]
    pub created_at: Timestamp,
    /// Last request.
    #[sqlx(try_from = "Millis")]
    pub last_seen_at: Timestamp,
    /// When it ends whatever the activity.
    #[sqlx(try_from = "Millis")]
    pub expires_at: Timestamp,
    /// A short device summary, e.g. "Firefox on Android".
    pub device: String,
    /// Whether the password was right but the second factor is still to come.
    pub pending_second_factor: bool,
}

/// A case.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CaseRow {
    /// Case id.
    #[sqlx(try_from = "String")]
    pub id: Uuid,
    /// The survivor whose case it is.
    #[sqlx(try_from = "String")]
    pub owner_id: Uuid,
    /// Sealed title.
    pub title: Vec<u8>,
    /// When it was made.
    #[sqlx(try_from = "Millis")]
    pub created_at: Timestamp,
    /// Last change.
    #[sqlx(try_from = "Millis")]
    pub updated_at: Timestamp,
}

/// A case key wrapped for one account.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CaseKeyRow {
    /// The case.
    #[sqlx(try_from = "String")]
    pub case_id: Uuid,
    /// The account.
    #[sqlx(try_from = "String")]
    pub user_id: Uuid,
    /// The case key wrapped under the account key.
    pub wrapped_key: Vec<u8>,
    /// `owner`, or a grant's access level.
    pub access: String,
}

/// One version of a record in a case.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RecordRow {
    /// The case.
    #[sqlx(try_from = "String")]
    pub case_id: Uuid,
    /// The record.
    #[sqlx(try_from = "String")]
    pub id: Uuid,
    /// Version, from 1.
    pub version: i64,
    /// `incident`, `person` or `evidence`.
    pub kind: String,
    /// When this version was written.
    #[sqlx(try_from = "Millis")]
    pub created_at: Timestamp,
    /// When version 1 was written. Filled in on reads; ignored on writes.
    #[sqlx(try_from = "Millis")]
    pub first_created_at: Timestamp,
    /// Who wrote it.
    #[sqlx(try_from = "String")]
    pub author_id: Uuid,
    /// Whether this version is a tombstone.
    pub deleted: bool,
    /// Sealed fields; empty once erased.
    pub fields: Vec<u8>,
}

/// One leaf of a case's log, with the tree hashes its append adds.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LeafRow {
    /// The case.
    #[sqlx(try_from = "String")]
    pub case_id: Uuid,
    /// Its place in the log, from 0.
    #[sqlx(rename = "idx")]
    pub index: i64,
    /// When it was appended.
    #[sqlx(try_from = "Millis")]
    pub created_at: Timestamp,
    /// The salted commitment (32 bytes): the leaf's data in the tree.
    pub commitment: Vec<u8>,
    /// The entry and salt, sealed under the case key.
    pub opening: Vec<u8>,
    /// Index of the first stored tree hash this append adds. Ignored on reads.
    #[sqlx(skip)]
    pub first_hash: i64,
    /// The stored tree hashes this append adds, in order. Empty on reads.
    #[sqlx(skip)]
    pub hashes: Vec<[u8; 32]>,
}

/// A signed checkpoint of a case's log.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CheckpointRow {
    /// The case.
    #[sqlx(try_from = "String")]
    pub case_id: Uuid,
    /// How many leaves it covers.
    pub size: i64,
    /// The signed note.
    pub note: String,
    /// When it was signed.
    #[sqlx(try_from = "Millis")]
    pub created_at: Timestamp,
    /// An RFC 3161 timestamp token over the note, if a TSA is configured.
    pub timestamp_token: Option<Vec<u8>>,
}

/// A durable job: long work for one case, taken up again after a restart where it stopped.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct JobRow {
    /// Job id.
    #[sqlx(try_from = "String")]
    pub id: Uuid,
    /// The case it works for.
    #[sqlx(try_from = "String")]
    pub case_id: Uuid,
    /// Who started it (the author of what it writes).
    #[sqlx(try_from = "String")]
    pub user_id: Uuid,
    /// What kind of work (`scan`, …).
    pub kind: String,
    /// `queued`, `running`, `done`, `failed` or `cancelled`.
    pub state: String,
    /// What it works on and what it has found so far, sealed under the case key.
    pub payload: Vec<u8>,
    /// Steps done.
    pub done: i64,
    /// Steps in all.
    pub total: i64,
    /// How many times it has been started.
    pub attempts: i64,
    /// Not to be started before this.
    #[sqlx(try_from = "Millis")]
    pub run_after: Timestamp,
    /// The node holding it, while it runs.
    pub lease_owner: String,
    /// The node's hold ends then unless renewed.
    #[sqlx(try_from = "Millis")]
    pub lease_until: Timestamp,
    /// Why it failed, in words for her (never case content).
    pub error: String,
    /// When it was made.
    #[sqlx(try_from = "Millis")]
    pub created_at: Timestamp,
    /// Last change.
    #[sqlx(try_from = "Millis")]
    pub updated_at: Timestamp,
}

/// A read-only link for police. It opens a frozen report sealed under keys of its own, which
/// the row holds wrapped under the key that only the link (and its passphrase, if it has one)
/// gives, and sealed to the case so that she can refresh what it shows. It never opens the case.
#[derive(Debug, Clone)]
pub struct ShareRow {
    /// Share id (also the id of its record in the case).
    pub id: Uuid,
    /// The case.
    pub case_id: Uuid,
    /// Hash of the token in the link.
    pub token_hash: Vec<u8>,
    /// The link's own keys, wrapped under the link's key.
    pub wrapped_key: Vec<u8>,
    /// The link's own keys, sealed to the case.
    pub content_key: Vec<u8>,
    /// The case's public key, that each use of the link is sealed to (kept current on rotation).
    pub case_public_key: Vec<u8>,
    /// Argon2id salt and parameters, when a passphrase is needed too.
    pub passphrase: Option<(Vec<u8>, String)>,
    /// The folder of what it shows now, and when that was made; `None` until first made.
    pub content: Option<(String, Timestamp)>,
    /// When it was made.
    pub created_at: Timestamp,
    /// When it stops working.
    pub expires_at: Timestamp,
}

/// One use of a police link, sealed to the case's public key.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ShareAccessRow {
    /// Its id (also the record id its log entry names).
    #[sqlx(try_from = "String")]
    pub id: Uuid,
    /// The case.
    #[sqlx(try_from = "String")]
    pub case_id: Uuid,
    /// The link used.
    #[sqlx(try_from = "String")]
    pub share_id: Uuid,
    /// When.
    #[sqlx(try_from = "Millis")]
    pub at: Timestamp,
    /// Who and what, sealed.
    pub body: Vec<u8>,
}

/// One Your Voice response: the day it arrived and what it says, sealed.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FeedbackRow {
    /// Response id.
    #[sqlx(try_from = "String")]
    pub id: Uuid,
    /// The day it arrived, `YYYY-MM-DD`.
    pub received_on: String,
    /// What it says, sealed.
    pub body: Vec<u8>,
}

/// A link she gave someone to report into her inbox.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct InboxLinkRow {
    /// Link id (also the id of its record in the case).
    #[sqlx(try_from = "String")]
    pub id: Uuid,
    /// The case.
    #[sqlx(try_from = "String")]
    pub case_id: Uuid,
    /// Hash of the token in the link.
    pub token_hash: Vec<u8>,
    /// The case's public key submissions are sealed to (generation and key).
    pub public_key: Vec<u8>,
    /// When it was made.
    #[sqlx(try_from = "Millis")]
    pub created_at: Timestamp,
    /// When she withdrew it.
    #[sqlx(try_from = "MaybeMillis")]
    pub revoked_at: Option<Timestamp>,
}

/// A submission waiting in her inbox.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SubmissionRow {
    /// Submission id.
    #[sqlx(try_from = "String")]
    pub id: Uuid,
    /// The case.
    #[sqlx(try_from = "String")]
    pub case_id: Uuid,
    /// The link it came through.
    #[sqlx(try_from = "String")]
    pub link_id: Uuid,
    /// When it arrived.
    #[sqlx(try_from = "Millis")]
    pub received_at: Timestamp,
    /// What it says, sealed to the case.
    pub body: Vec<u8>,
    /// The keys of its files, sealed to the case.
    pub file_keys: Vec<u8>,
}

/// A passkey registered to an account.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PasskeyRow {
    /// Passkey id.
    #[sqlx(try_from = "String")]
    pub id: Uuid,
    /// The account.
    #[sqlx(try_from = "String")]
    pub user_id: Uuid,
    /// The WebAuthn credential id.
    pub credential_id: Vec<u8>,
    /// The name she gave it.
    pub name: String,
    /// The credential as `webauthn-rs` keeps it (public key and counter), JSON.
    pub passkey: String,
    /// The account key wrapped under the registering device's key, when it may sign in
    /// without a password.
    pub wrapped_key: Option<Vec<u8>>,
    /// When it was added.
    #[sqlx(try_from = "Millis")]
    pub created_at: Timestamp,
    /// When it was last used.
    #[sqlx(try_from = "MaybeMillis")]
    pub last_used_at: Option<Timestamp>,
}

/// A WebAuthn ceremony under way.
#[derive(Debug, Clone)]
pub struct WebauthnStateRow {
    /// Ceremony id.
    pub id: Uuid,
    /// The account; none for a sign-in started for a name with no passkey or no account.
    pub user_id: Option<Uuid>,
    /// What it is for (`register`, `sign_in`, `second_factor`).
    pub purpose: String,
    /// The ceremony's state, JSON.
    pub state: String,
    /// When it stops being usable.
    pub expires_at: Timestamp,
}
