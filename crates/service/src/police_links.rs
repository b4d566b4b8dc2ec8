//! Police links: a frozen report under keys of its own.
//!
//! When she makes a link, a job renders the report she chose (her dates, what she left out),
//! its PDF and its evidence bundle, and seals them in the file store under a fresh keyring. The
//! link's row holds that keyring twice: wrapped under the key only the link (and its passphrase,
//! if it has one) gives, and sealed to the case so that she can refresh what the link shows.
//! The link never holds the case's keys: with the link and a copy of every file and row, one
//! reads the report she chose and nothing else. Withdrawal and expiry delete the row (both
//! copies of the keyring) and the files; any node sweeps links that expired. Each use of a
//! link is sealed to the case's public key and logged, so it reaches her access log.

use crate::jobs::JobKind;
use jiff::{SignedDuration, Timestamp};
use lodge_crypto::password::{self, KdfParams, Password};
use lodge_crypto::token::Token;
use lodge_crypto::{Aad, CasePublicKey, Key, Keyring};
use lodge_domain::{Access, AccessEntry, JobId, RecordKind, ShareDetails};
use lodge_ledger::{Action, Entry, Subject};
use lodge_report::ReportDocument;
use lodge_store::{JobRow, ShareAccessRow, ShareRow};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::jobs::Step;
use crate::ledger::Change;
use crate::limits::Attempt;
use crate::report::{Redact, ReportOptions};
use crate::{Lodge, OpenCase, PlainStream, ReportFile, ServiceError, internal};

/// Longest a police link may last.
pub const LONGEST_SHARE_DAYS: i64 = 365;

/// Steps besides the exhibits: gathering, the PDF, saving.
const FIXED_STEPS: i64 = 3;

/// Where a police link stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShareState {
    /// Made; its report is still being prepared.
    Preparing,
    /// Opens its report.
    Live,
    /// She withdrew it.
    Withdrawn,
    /// Its time ran out.
    Expired,
    /// Ended when Lodge changed how links keep their report (made before that change).
    Ended,
}

/// A police link as she sees it in her list.
#[derive(Debug, Clone)]
pub struct ShareSummary {
    /// The share.
    pub id: Uuid,
    /// What she made it with.
    pub details: ShareDetails,
    /// When she made it.
    pub created_at: Timestamp,
    /// When what it shows was made (or last refreshed).
    pub content_made_at: Option<Timestamp>,
    /// Where it stands.
    pub state: ShareState,
    /// How many times it was opened or downloaded from.
    pub accesses: usize,
}

impl ShareSummary {
    /// Whether the link still opens (or will, once its report is ready).
    pub fn live(&self) -> bool {
        matches!(self.state, ShareState::Preparing | ShareState::Live)
    }
}

/// What she asks for when she makes a police link.
#[derive(Debug)]
pub struct NewShare {
    /// Who it is for.
    pub label: String,
    /// The report it shows.
    pub report: ReportOptions,
    /// How many days it works (1 to [`LONGEST_SHARE_DAYS`]).
    pub days: i64,
    /// A passphrase to give separately, if she wants one.
    pub passphrase: Option<Password>,
}

/// What a police link shows, frozen when it was made or refreshed.
#[derive(Debug, Serialize, Deserialize)]
pub struct SharedContent {
    /// What she made the link with.
    pub details: ShareDetails,
    /// The report, as its PDF shows it.
    pub document: ReportDocument,
    /// When it was made.
    pub made_at: Timestamp,
    /// The PDF's size in bytes.
    pub pdf_size: u64,
    /// The bundle's size in bytes.
    pub bundle_size: u64,
}

/// A police link opened: its frozen report, and the keys to read its files.
#[derive(Debug)]
pub struct SharedReport {
    /// The share.
    pub id: Uuid,
    /// What it shows.
    pub content: SharedContent,
    lodge: Lodge,
    case: Uuid,
    folder: String,
    keys: Keyring,
    case_public_key: CasePublicKey,
}

/// The job's payload: which link.
#[derive(Debug, Serialize, Deserialize)]
struct ShareWork {
    share: Uuid,
}

fn link_aad(share: Uuid) -> Aad {
    Aad::from_parts(&[b"keys of a police link, under the link's key", share.as_bytes()])
}

fn content_key_aad(case: Uuid, share: Uuid) -> Aad {
    Aad::from_parts(&[b"keys of a police link, sealed to its case", case.as_bytes(), share.as_bytes()])
}

fn access_aad(case: Uuid, id: Uuid) -> Aad {
    Aad::from_parts(&[b"a use of a police link", case.as_bytes(), id.as_bytes()])
}

/// Every file of one link.
fn share_files(case: Uuid, share: Uuid) -> String {
    format!("cases/{case}/shares/{share}/")
}

/// One file of one version of what a link shows.
fn share_file(case: Uuid, share: Uuid, folder: &str, part: &str) -> String {
    format!("{}{folder}/{part}", share_files(case, share))
}

fn part_of(file: ReportFile) -> &'static str {
    match file {
        ReportFile::Pdf => "report.pdf",
        ReportFile::Bundle => "bundle.zip",
    }
}

/// The token in what the officer pasted: the whole link, or what follows its `#`.
fn token_in(link: &str) -> Option<Token> {
    let link = link.trim();
    let text = link.rsplit(['#', '/']).next().unwrap_or(link);
    Token::parse(text)
}

/// The key a link (and its passphrase, if it has one) gives.
async fn link_key(
    lodge: &Lodge,
    token: &Token,
    passphrase: Option<(Password, Vec<u8>, KdfParams)>,
) -> Result<Key, ServiceError> {
    let link = token.wrapping_key();
    let Some((passphrase, salt, params)) = passphrase else { return Ok(link) };
    let from_passphrase = lodge.derive(passphrase, salt, params).await?;
    Ok(link.combine(&from_passphrase, "share link with passphrase"))
}

/// The report a link's choices make.
fn report_options(d: &ShareDetails) -> ReportOptions {
    ReportOptions {
        from: d.from,
        to: d.to,
        incidents: None,
        subject_name: d.subject_name.clone(),
        prepared_by: d.prepared_by.clone(),
        prepared_for: d.label.clone(),
        redact: d.redact.iter().filter_map(|k| Redact::from_key(k)).collect(),
        photo_locations: false,
        wishes: d.wishes.clone(),
        risk: d.risk.clone(),
    }
}

impl OpenCase {
    /// Her police links, newest first, with how often each was used.
    pub async fn shares(&self) -> Result<Vec<ShareSummary>, ServiceError> {
        self.must_own()?;
        let details = self.latest::<ShareDetails>(RecordKind::Share).await?;
        let rows = self.lodge().store().shares(self.id.0).await?;
        let uses = self.access_log().await?;
        let at = self.lodge().now();
        let mut out: Vec<ShareSummary> = details
            .into_iter()
            .filter_map(|entry| {
                let details = entry.body?;
                let row = rows.iter().find(|r| r.id == entry.id);
                let state = match row {
                    _ if details.revoked => ShareState::Withdrawn,
                    _ if details.expires_at <= at => ShareState::Expired,
                    Some(row) if row.content.is_none() => ShareState::Preparing,
                    Some(_) => ShareState::Live,
                    None => ShareState::Ended,
                };
                Some(ShareSummary {
                    id: entry.id,
                    created_at: entry.created_at,
                    content_made_at: row.and_then(|r| r.content.as_ref()).map(|(_, made)| *made),
                    state,
                    accesses: uses.iter().filter(|u| u.entry.by == entry.id).count(),
                    details,
                })
            })
            .collect();
        out.sort_by_key(|s| std::cmp::Reverse(s.created_at));
        Ok(out)
    }

    /// Makes a police link and starts the job that prepares its report. Returns the share and
    /// the link's token, to be shown to her once: Lodge keeps only its hash, so a lost link
    /// cannot be shown again (she makes a new one).
    pub async fn create_share(&self, request: NewShare) -> Result<(Uuid, Token), ServiceError> {
        self.must_own()?;
        let mut problems = lodge_domain::Problems::default();
        let label = request.label.trim().to_owned();
        if label.is_empty() || label.chars().count() > 200 {
            problems.add("label", "Say who the link is for, such as the officer's name and the crime reference.");
        }
        if !(1..=LONGEST_SHARE_DAYS).contains(&request.days) {
            problems.add("days", "Choose between 1 and 365 days.");
        }
        if let Some(p) = &request.passphrase
            && p.expose().chars().count() < 8
        {
            problems.add("passphrase", "Use at least 8 characters, or leave it empty for no passphrase.");
        }
        if let Err(ServiceError::Invalid(more)) = request.report.check() {
            problems.extend(more);
        }
        if !problems.is_empty() {
            return Err(ServiceError::Invalid(problems));
        }
        // She hears at once if what she chose makes no report.
        let exhibits = self.prepare_report(&request.report).await?.exhibit_count() as i64;
        let id = Uuid::new_v4();
        let token = Token::generate()?;
        let at = self.lodge().now();
        let expires_at = at + SignedDuration::from_hours(24 * request.days);
        let params = self.lodge().config().kdf;
        let salt = password::new_salt()?.to_vec();
        let has_passphrase = request.passphrase.is_some();
        let kek = link_key(self.lodge(), &token, request.passphrase.map(|p| (p, salt.clone(), params))).await?;
        let link_keys = Keyring::generate()?;
        let case_public_key = self.keys.public_key()?;
        let share = ShareRow {
            id,
            case_id: self.id.0,
            token_hash: token.lookup_hash(),
            wrapped_key: link_keys.wrap(&kek, &link_aad(id))?,
            content_key: link_keys.seal_to_case(&case_public_key, &content_key_aad(self.id.0, id))?,
            case_public_key: case_public_key.to_bytes(),
            passphrase: has_passphrase.then(|| (salt, params.encode())),
            content: None,
            created_at: at,
            expires_at,
        };
        let r = &request.report;
        let details = ShareDetails {
            label,
            subject_name: r.subject_name.trim().to_owned(),
            prepared_by: r.prepared_by.trim().to_owned(),
            from: r.from,
            to: r.to,
            redact: r.redact.iter().map(|x| x.key().to_owned()).collect(),
            passphrase: has_passphrase,
            expires_at,
            revoked: false,
            wishes: r.wishes.clone(),
            risk: r.risk.clone(),
        };
        let (row, entry) = self.next_share_version(RecordKind::Share, id, Action::Granted, &details).await?;
        self.lodge().logged(self.id.0, &self.keys, &entry, Change::Share(&share, &row)).await?;
        self.enqueue_job(JobId::new(), JobKind::Share, FIXED_STEPS + exhibits, &ShareWork { share: id }, at).await?;
        Ok((id, token))
    }

    /// Makes what a live link shows again, from the case as it is now (new incidents
    /// included), with the choices she made it with.
    pub async fn refresh_share(&self, id: Uuid) -> Result<(), ServiceError> {
        self.must_own()?;
        let row = self.lodge().store().share(self.id.0, id).await?.ok_or(ServiceError::ShareEnded)?;
        let details = self.share_details(id).await?;
        let exhibits = self.prepare_report(&report_options(&details)).await?.exhibit_count() as i64;
        self.enqueue_job(
            JobId::new(),
            JobKind::Share,
            FIXED_STEPS + exhibits,
            &ShareWork { share: row.id },
            self.lodge().now(),
        )
        .await?;
        Ok(())
    }

    /// Withdraws a police link at once: its keys and its files are deleted.
    pub async fn revoke_share(&self, id: Uuid) -> Result<(), ServiceError> {
        self.must_own()?;
        let mut details = self.share_details(id).await?;
        if !details.revoked {
            details.revoked = true;
            let (row, entry) = self.next_share_version(RecordKind::Share, id, Action::Revoked, &details).await?;
            self.lodge().logged(self.id.0, &self.keys, &entry, Change::RevokeShare(id, &row)).await?;
        }
        self.lodge().end_share(self.id.0, id).await
    }

    async fn share_details(&self, id: Uuid) -> Result<ShareDetails, ServiceError> {
        let versions = self.versions::<ShareDetails>(RecordKind::Share, id).await?;
        versions.last().and_then(|v| v.body.clone()).ok_or(ServiceError::NotFound)
    }

    /// Makes what a link shows: the report, its PDF and its bundle, sealed under the link's
    /// own keys in a folder of their own; then points the link at them and deletes what it
    /// showed before. If the link ended meanwhile, what was made is deleted.
    pub(crate) async fn run_share(&self, job: &JobRow, step: &Step) -> Result<(), ServiceError> {
        let work: ShareWork = self.job_payload(job)?;
        let (case, id) = (self.id.0, work.share);
        let Some(share) = self.lodge().store().share(case, id).await? else { return Ok(()) };
        let keys = Keyring::open_from_case(&self.keys, &content_key_aad(case, id), &share.content_key)?;
        let details = self.share_details(id).await?;
        let prepared = self.prepare_report(&report_options(&details)).await?;
        step.progress(1, &work).await?;
        let pdf = self.render(&prepared).await?;
        step.progress(2, &work).await?;
        let folder = job.id.to_string();
        let file = |part: &str| share_file(case, id, &folder, part);
        let blobs = self.lodge().blobs();
        blobs.put(&file(part_of(ReportFile::Pdf)), &keys, &pdf).await?;
        let document = prepared.document.clone();
        let bundle = file(part_of(ReportFile::Bundle));
        let (sha256, bundle_size) = self.write_bundle_blob(&bundle, &keys, prepared, &pdf, None, step).await?;
        let made_at = self.lodge().now();
        let content = SharedContent { details, document, made_at, pdf_size: pdf.len() as u64, bundle_size };
        let json = zeroize::Zeroizing::new(serde_json::to_vec(&content).map_err(internal)?);
        blobs.put(&file("content"), &keys, &json).await?;
        if step.lost() || !self.lodge().store().set_share_content(id, &folder, made_at).await? {
            self.lodge().delete_files(&format!("{}{folder}/", share_files(case, id))).await?;
            return Ok(());
        }
        if let Some((before, _)) = share.content.filter(|(before, _)| *before != folder) {
            self.lodge().delete_files(&format!("{}{before}/", share_files(case, id))).await?;
        }
        self.record_export(sha256).await?;
        step.progress(job.total, &work).await
    }

    /// Every use of her police links, as lines of her access log.
    pub(crate) async fn police_link_uses(&self) -> Result<Vec<crate::AccessLine>, ServiceError> {
        let mut lines = Vec::new();
        for row in self.lodge().store().share_accesses(self.id.0).await? {
            let plain = self.keys.open_sent(&access_aad(self.id.0, row.id), &row.body)?;
            let entry: AccessEntry = serde_json::from_slice(&plain).map_err(internal)?;
            lines.push(crate::AccessLine { at: row.at, entry });
        }
        Ok(lines)
    }
}

impl Lodge {
    /// Opens a police link from what the officer pasted or the page sent (the whole link, or
    /// the part after its `#`). `None` while its report is still being prepared. An unknown,
    /// expired or withdrawn link is [`ServiceError::ShareEnded`]; a link that needs a
    /// passphrase and got none or a wrong one is an input problem on `passphrase`.
    pub async fn open_share(
        &self,
        link: &str,
        passphrase: Option<Password>,
    ) -> Result<Option<SharedReport>, ServiceError> {
        let token = token_in(link).ok_or(ServiceError::ShareEnded)?;
        let row = self.store().share_by_token(&token.lookup_hash()).await?.ok_or(ServiceError::ShareEnded)?;
        if row.expires_at <= self.now() {
            self.end_share(row.case_id, row.id).await?;
            return Err(ServiceError::ShareEnded);
        }
        let attempts = [Attempt::Passphrase(row.id)];
        let passphrase = match (&row.passphrase, passphrase) {
            (None, _) => None,
            (Some(_), None) => {
                return Err(ServiceError::invalid(
                    "passphrase",
                    "This link needs the passphrase that was sent with it.",
                ));
            }
            (Some((salt, kdf)), Some(p)) => {
                self.attempt(&attempts).await?;
                Some((p, salt.clone(), KdfParams::decode(kdf)?))
            }
        };
        let guessed = passphrase.is_some();
        let kek = link_key(self, &token, passphrase).await?;
        let keys = Keyring::unwrap(&kek, &link_aad(row.id), &row.wrapped_key).map_err(|_| {
            ServiceError::invalid(
                "passphrase",
                "That passphrase is not right. Check it with the person who sent the link.",
            )
        })?;
        if guessed {
            self.attempts_cleared(&attempts).await?;
        }
        let Some((folder, _)) = row.content else { return Ok(None) };
        // A refresh writes the new report, points the link at it, then deletes the old one: a
        // read that saw the old folder just before it went finds it gone, and is told, as
        // while it was first made, that the report is being prepared.
        let json = match self.blobs().read_all(&share_file(row.case_id, row.id, &folder, "content"), &keys).await {
            Err(lodge_blobs::BlobError::NotFound) => return Ok(None),
            read => read?,
        };
        let content = serde_json::from_slice(&json).map_err(internal)?;
        Ok(Some(SharedReport {
            id: row.id,
            content,
            lodge: self.clone(),
            case: row.case_id,
            folder,
            keys,
            case_public_key: CasePublicKey::from_bytes(&row.case_public_key)?,
        }))
    }

    /// Ends police links whose time ran out: their keys and files are deleted. Any node may
    /// run it; returns how many ended.
    pub async fn end_expired_shares(&self) -> Result<usize, ServiceError> {
        let expired = self.store().expired_shares(self.now()).await?;
        for (case, id) in &expired {
            self.end_share(*case, *id).await?;
        }
        if !expired.is_empty() {
            tracing::info!(links = expired.len(), "police links expired and were deleted");
        }
        Ok(expired.len())
    }

    /// Deletes a link's row (both copies of its keys) and its files, and moves what the
    /// database deleted out of its write-ahead log.
    async fn end_share(&self, case: Uuid, id: Uuid) -> Result<(), ServiceError> {
        self.store().delete_share(id).await?;
        self.delete_files(&share_files(case, id)).await?;
        if let Err(e) = self.store().reclaim().await {
            tracing::warn!(error = %e, "could not yet reclaim the space of an ended police link");
        }
        Ok(())
    }

    /// Deletes every stored file whose name starts with `prefix`.
    async fn delete_files(&self, prefix: &str) -> Result<(), ServiceError> {
        for file in self.blobs().list(prefix).await? {
            self.blobs().delete(&file.name).await?;
        }
        Ok(())
    }
}

impl SharedReport {
    /// Notes in her access log, sealed to her case, that the link was used for `what`.
    pub async fn record_access(&self, what: &str) -> Result<(), ServiceError> {
        let entry = AccessEntry {
            access: Access::Police,
            by: self.id,
            who: self.content.details.label.clone(),
            what: what.chars().take(300).collect(),
        };
        let plain = zeroize::Zeroizing::new(serde_json::to_vec(&entry).map_err(internal)?);
        let id = Uuid::new_v4();
        let at = self.lodge.now();
        let row = ShareAccessRow {
            id,
            case_id: self.case,
            share_id: self.id,
            at,
            body: self.case_public_key.seal(&access_aad(self.case, id), &plain)?,
        };
        let leaf = Entry {
            subject: Subject::Share,
            action: Action::Accessed,
            record: Some(id),
            version: None,
            at_ms: at.as_millisecond(),
            by: self.id,
            sha256: Some(lodge_ledger::entry::hex(&Sha256::digest(&plain[..]))),
            record_digest: None,
        };
        self.lodge.logged(self.case, &self.case_public_key, &leaf, Change::ShareAccess(&row)).await
    }

    /// The report's PDF or its evidence bundle, decrypting as it streams.
    pub async fn file(&self, file: ReportFile) -> Result<PlainStream, ServiceError> {
        let name = share_file(self.case, self.id, &self.folder, part_of(file));
        Ok(self.lodge.blobs().reader(&name, &self.keys).await?)
    }
}
