//! The case service: everything Lodge does with accounts and cases, independent of how it is
//! reached (web pages, the JSON API, the command line).
//!
//! It owns the key hierarchy in use: it unwraps an account key from a session, a case key
//! from the account key, and seals and opens every piece of case content on its way to and
//! from the [`lodge_store::Store`] and [`lodge_blobs::Blobs`]. Nothing below this layer ever
//! sees plaintext case content.

mod accounts;
pub mod backup;
mod capture;
mod case;
mod clock;
mod content;
mod copies;
mod evidence;
mod feedback;
mod import;
mod inbox;
mod incidents;
pub mod integrity;
mod invitations;
mod jobs;
mod joining;
mod ledger;
mod limits;
mod notices;
mod orphans;
mod passkeys;
mod people;
mod police_links;
mod proofs;
mod recovery;
mod reminders;
mod report;
mod report_files;
mod sealing;
mod sharing;
mod shredding;
mod two_step;
mod watch;

use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use lodge_blobs::Blobs;
use lodge_crypto::password::KdfParams;
use lodge_domain::Problems;
use lodge_store::Store;

pub use accounts::{Session, SessionSummary, SignIn, UserSummary};
pub use case::{CaseSummary, OpenCase, TimelineFilter, Version};
pub use clock::Clock;
pub use content::{ContentDetails, ContentSource, FileCheck, Fingerprinting, Registered};
pub use copies::{Scan, ScanWork};
pub use evidence::Upload;
pub use feedback::FeedbackEntry;
pub use import::{
    ConversationPreview, DateOrder, Grouping, ImportChoices, ImportOutcome, ImportPreview, Mention, SenderPreview,
    Staged, Undecided,
};
pub use inbox::{InboxDrop, InboxLinkSummary, MAX_SUBMITTED_FILES, Waiting};
pub use invitations::Invitation;
pub use jobs::{Job, JobState};
pub use ledger::{CheckpointSigner, LogCheck, LogLine, SignedCheckpoint};
pub use lodge_blobs::PlainStream;
pub use lodge_crypto::RecoveryKey;
pub use lodge_crypto::password::Password;
pub use lodge_crypto::token::Token;
pub use lodge_import::export::Format as ImportFormat;
pub use lodge_ledger as case_log;
pub use lodge_report::{ReportDocument, Seal, SealError, SecretString};
pub use lodge_scan::Closeness;
pub use lodge_scan::hashlist::{Listed, to_csv as hash_list_csv, to_json as hash_list_json};
pub use lodge_scan::watch::SearchSite;
pub use notices::{CaseNotice, Letter, NoticeDetails, ReportedCopy, SiteSummary, StatusChange};
pub use passkeys::{Ceremony, PasskeySummary};
pub use police_links::{LONGEST_SHARE_DAYS, NewShare, ShareState, ShareSummary, SharedContent, SharedReport};
pub use report::{PreparedReport, Redact, ReportOptions};
pub use report_files::{PreparedFile, ReportFile, ReportWork};
pub use sharing::{AccessLine, GrantSummary};
pub use two_step::TotpSetup;
pub use watch::WatchRun;

/// Settings the service needs, taken from Lodge's configuration.
#[derive(Debug, Clone)]
pub struct ServiceConfig {
    /// A session ends after this long without a request.
    pub session_idle: SignedDuration,
    /// A session ends after this long whatever the activity.
    pub session_max: SignedDuration,
    /// Argon2id cost for new passwords.
    pub kdf: KdfParams,
    /// Largest evidence file accepted, in bytes.
    pub max_upload_bytes: u64,
    /// How long invitation links work.
    pub invitation_lifetime: SignedDuration,
    /// An RFC 3161 timestamp authority (`http://…`) for checkpoints, if the organisation uses one.
    pub timestamp_url: Option<String>,
    /// The country numbers written without a country code belong to (two letters, e.g. `GB`).
    pub phone_region: String,
    /// How scans fetch pages: user agent, limits, pause per site, robots.txt.
    pub scan: lodge_scan::fetch::FetchSettings,
    /// How scans and name watch render pages with a browser; `None` to read pages without one.
    pub browser: Option<lodge_scan::browser::BrowserSettings>,
    /// The organisation's SMTP server, if notices are sent from Lodge.
    pub smtp: Option<Arc<lodge_takedown::send::Smtp>>,
    /// When a sent notice needs a follow-up, and when to escalate.
    pub schedule: lodge_takedown::tracking::Schedule,
    /// How often the addresses in open notices are looked at again.
    pub recheck_every: SignedDuration,
    /// The search pages her saved searches run on.
    pub watch_sites: Vec<lodge_scan::watch::SearchSite>,
    /// How often her saved searches run.
    pub watch_every: SignedDuration,
    /// The address people reach Lodge at (passkeys are bound to its name).
    pub public_url: String,
    /// Where Lodge reads the time: the system's clock, or a test's.
    pub clock: Clock,
}

impl Default for ServiceConfig {
    fn default() -> Self {
        ServiceConfig {
            session_idle: SignedDuration::from_mins(30),
            session_max: SignedDuration::from_hours(12),
            kdf: KdfParams::RECOMMENDED,
            max_upload_bytes: 2 * 1024 * 1024 * 1024,
            invitation_lifetime: SignedDuration::from_hours(24 * 7),
            timestamp_url: None,
            phone_region: "GB".into(),
            scan: lodge_scan::fetch::FetchSettings::default(),
            browser: None,
            smtp: None,
            schedule: lodge_takedown::tracking::Schedule::default(),
            recheck_every: SignedDuration::from_hours(24),
            watch_sites: Vec::new(),
            watch_every: SignedDuration::from_hours(24),
            public_url: String::new(),
            clock: Clock::system(),
        }
    }
}

/// Lodge's case service. Cheap to clone; clones share the store and blobs.
#[derive(Debug, Clone)]
pub struct Lodge {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    store: Arc<dyn Store>,
    blobs: Blobs,
    config: ServiceConfig,
    signer: CheckpointSigner,
    /// Seals Your Voice responses; derived from the server key.
    feedback_key: lodge_crypto::Key,
    /// Keys the attempt counters; derived from the server key.
    limits_key: lodge_crypto::Key,
    /// Seals the addresses reminders go to; derived from the server key.
    reminders_key: lodge_crypto::Key,
    invitations_key: lodge_crypto::Key,
    /// The WebAuthn relying party, when Lodge is reached by a name passkeys can use.
    webauthn: Option<webauthn_rs::Webauthn>,
    /// The jobs this node may run.
    jobs: jobs::Jobs,
    /// The case log entries this node has opened.
    opened_leaves: integrity::OpenedLeaves,
    /// Password checks (Argon2) running at once on this node: one per core, so a burst of
    /// sign-ins waits its turn instead of exhausting memory.
    password_checks: tokio::sync::Semaphore,
    /// Per-case locks that take this node's log appends in turn.
    append_locks: std::sync::Mutex<std::collections::HashMap<uuid::Uuid, std::sync::Weak<tokio::sync::Mutex<()>>>>,
}

impl Lodge {
    /// A service over the given store and blobs, signing checkpoints with `signer`. The
    /// server key seals what belongs to the organisation rather than to a case (Your Voice).
    pub fn new(
        store: Arc<dyn Store>,
        blobs: Blobs,
        config: ServiceConfig,
        signer: CheckpointSigner,
        server_key: &lodge_crypto::Key,
    ) -> Lodge {
        let webauthn = passkeys::relying_party(&config.public_url);
        Lodge {
            inner: Arc::new(Inner {
                store,
                blobs,
                config,
                signer,
                feedback_key: lodge_crypto::Key::derive_from(server_key, "your voice"),
                limits_key: lodge_crypto::Key::derive_from(server_key, "attempt counters"),
                reminders_key: lodge_crypto::Key::derive_from(server_key, "reminder addresses"),
                invitations_key: lodge_crypto::Key::derive_from(server_key, "invitation labels"),
                webauthn,
                jobs: jobs::Jobs::new(),
                opened_leaves: Default::default(),
                password_checks: tokio::sync::Semaphore::new(
                    std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get),
                ),
                append_locks: Default::default(),
            }),
        }
    }

    pub(crate) fn store(&self) -> &dyn Store {
        &*self.inner.store
    }

    /// The store, for a task that outlives the call (an import's transaction).
    pub(crate) fn shared_store(&self) -> Arc<dyn Store> {
        self.inner.store.clone()
    }

    pub(crate) fn jobs(&self) -> &jobs::Jobs {
        &self.inner.jobs
    }

    pub(crate) fn opened_leaves(&self) -> &integrity::OpenedLeaves {
        &self.inner.opened_leaves
    }

    pub(crate) fn blobs(&self) -> &Blobs {
        &self.inner.blobs
    }

    /// The service's settings.
    pub fn config(&self) -> &ServiceConfig {
        &self.inner.config
    }

    /// Checks that the database and the file store answer.
    pub async fn health(&self) -> Result<(), ServiceError> {
        self.store().ping().await?;
        self.blobs().ping().await?;
        Ok(())
    }

    /// How many jobs there are of each kind in each state, for monitoring: `(kind, state,
    /// count)`. Kinds and states only; nothing of any case.
    pub async fn job_counts(&self) -> Result<Vec<(String, String, i64)>, ServiceError> {
        Ok(self.store().job_counts().await?)
    }

    /// The time now, by Lodge's clock.
    pub(crate) fn now(&self) -> Timestamp {
        self.config().clock.now()
    }

    /// Which database backend is in use.
    pub fn backend(&self) -> &'static str {
        self.inner.store.backend()
    }
}

/// The system's time, at the millisecond precision the store keeps: for what is stamped with
/// the real world's time whatever Lodge's clock says (authenticator codes, the date in a PDF or a
/// backup, how long to wait). Everything Lodge keeps or expires reads [`Lodge::now`].
pub(crate) fn system_now() -> Timestamp {
    Clock::system().now()
}

/// What can go wrong, split into what a person is told ([`ServiceError::user_message`]) and
/// what is logged (the `Display` text, which never holds case content).
#[derive(Debug, Clone, thiserror::Error)]
pub enum ServiceError {
    /// No such thing, or not hers to see: the two are never told apart.
    #[error("not found")]
    NotFound,
    /// Something she typed needs fixing.
    #[error("invalid input")]
    Invalid(Problems),
    /// Wrong username or password.
    #[error("sign-in failed")]
    SignInFailed,
    /// The account was disabled by an administrator.
    #[error("account disabled")]
    AccountDisabled,
    /// The session has ended.
    #[error("session ended")]
    SessionEnded,
    /// The password was right; the second factor is still to come.
    #[error("second factor needed")]
    SecondFactorNeeded,
    /// Too many failed attempts: held back until then.
    #[error("too many attempts")]
    TooManyAttempts {
        /// When it may be tried again.
        until: Timestamp,
    },
    /// Too many passwords are being checked at once on this node: try again in a moment.
    #[error("busy checking passwords")]
    Busy,
    /// The invitation link is used, expired or wrong.
    #[error("invitation not valid")]
    InvitationInvalid,
    /// The organisation does not allow sign-up without an invitation.
    #[error("sign-up closed")]
    SignupClosed,
    /// The account's role does not allow this.
    #[error("not allowed for this role")]
    Forbidden,
    /// A case granted to read only, and this would change it.
    #[error("read-only access")]
    ReadOnly,
    /// Only the person whose case it is may do this (share it, read who looked).
    #[error("owner only")]
    OwnerOnly,
    /// A share link that has expired or was withdrawn.
    #[error("share link ended")]
    ShareEnded,
    /// Someone saved a newer version first.
    #[error("edit conflict")]
    Conflict,
    /// The record was changed outside Lodge (it no longer matches the case's log), so it is
    /// not changed further.
    #[error("record changed outside Lodge")]
    ChangedOutside,
    /// An uploaded file is larger than the limit.
    #[error("file too large")]
    TooLarge {
        /// The limit in bytes.
        limit: u64,
    },
    /// A failure inside Lodge; the detail is for the log only.
    #[error("internal error: {0}")]
    Internal(String),
}

/// An unexpected failure, its detail kept for the log.
pub(crate) fn internal(e: impl std::fmt::Display) -> ServiceError {
    ServiceError::Internal(e.to_string())
}

impl ServiceError {
    /// For an error that passes with time (held back, busy), the seconds to wait before
    /// trying again: what a `Retry-After` header says.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            ServiceError::TooManyAttempts { until } => Some(until.duration_since(system_now()).as_secs().max(1) as u64),
            ServiceError::Busy => Some(5),
            _ => None,
        }
    }

    /// The message shown to the person, saying what to do.
    pub fn user_message(&self) -> String {
        match self {
            ServiceError::NotFound => "This page does not exist, or you do not have access to it.".into(),
            ServiceError::Invalid(_) => "Some answers need fixing: see the notes next to them.".into(),
            ServiceError::SignInFailed => "That username and password do not match. Check them and try again.".into(),
            ServiceError::AccountDisabled => "This account has been switched off. Contact your organisation.".into(),
            ServiceError::SessionEnded => "You were signed out. Sign in again to carry on.".into(),
            ServiceError::SecondFactorNeeded => "Enter the code from your authenticator app to finish signing in.".into(),
            ServiceError::TooManyAttempts { until } => {
                let wait = until.duration_since(system_now()).as_secs().max(1);
                let wait = if wait < 90 { format!("{wait} seconds") } else { format!("{} minutes", (wait + 59) / 60) };
                format!("Too many tries. For your safety, wait {wait} and try again.")
            }
            ServiceError::Busy => "Lodge is busy just now. Wait a few seconds and try again.".into(),
            ServiceError::InvitationInvalid => {
                "This invitation link has been used or has expired. Ask for a new one.".into()
            }
            ServiceError::SignupClosed => "New accounts need an invitation from the organisation.".into(),
            ServiceError::Forbidden => "Your account cannot do this.".into(),
            ServiceError::ReadOnly => {
                "You can read this case but not change it. Ask the person whose case it is for read and add access.".into()
            }
            ServiceError::OwnerOnly => "Only the person whose case this is can do this.".into(),
            ServiceError::ShareEnded => {
                "This link has expired or was withdrawn. Ask the person who sent it to you for a new one.".into()
            }
            ServiceError::Conflict => {
                "This was changed somewhere else while you were editing. Your text is below: check the latest version and save again.".into()
            }
            ServiceError::ChangedOutside => "This was changed outside Lodge, so it cannot be changed here. Nothing else in your case is affected. Tell the organisation's administrator.".into(),
            ServiceError::TooLarge { limit } => format!(
                "That file is too large. Files can be up to {}. Try a shorter recording or a smaller export.",
                human_size(*limit)
            ),
            ServiceError::Internal(_) => "Something went wrong on our side. Nothing you saved before was lost; please try again.".into(),
        }
    }

    /// Problems tied to form fields, if this is an input error.
    pub fn problems(&self) -> Option<&Problems> {
        match self {
            ServiceError::Invalid(p) => Some(p),
            _ => None,
        }
    }

    /// An input error about one field.
    pub fn invalid(field: &str, message: &str) -> ServiceError {
        let mut p = Problems::default();
        p.add(field, message);
        ServiceError::Invalid(p)
    }
}

impl From<lodge_store::StoreError> for ServiceError {
    fn from(e: lodge_store::StoreError) -> Self {
        match e {
            lodge_store::StoreError::Conflict(lodge_store::Conflict::Version) => ServiceError::Conflict,
            lodge_store::StoreError::InvalidInvitation => ServiceError::InvitationInvalid,
            e => ServiceError::Internal(e.to_string()),
        }
    }
}

impl From<lodge_blobs::BlobError> for ServiceError {
    fn from(e: lodge_blobs::BlobError) -> Self {
        match e {
            lodge_blobs::BlobError::NotFound => ServiceError::NotFound,
            e => ServiceError::Internal(e.to_string()),
        }
    }
}

impl From<lodge_crypto::CryptoError> for ServiceError {
    fn from(e: lodge_crypto::CryptoError) -> Self {
        ServiceError::Internal(e.to_string())
    }
}

/// A byte count for people: `2 GiB`, `350 KiB`.
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["bytes", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} bytes")
    } else if value.fract() < 0.05 {
        format!("{value:.0} {}", UNITS[unit])
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}
