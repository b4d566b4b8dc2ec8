//! Sharing by consent: she grants a support worker her case (the case keys sealed to the
//! worker's public key) and revokes it (the keys rotate, so what is written afterwards is
//! out of the revoked worker's reach); she makes read-only police links (the case keys
//! wrapped under a key that only the link, and its passphrase, give); and every look by
//! anyone but her is an entry in her access log and a leaf in the case's log.

use jiff::{SignedDuration, Timestamp};
use lodge_crypto::password::{self, KdfParams, Password};
use lodge_crypto::token::Token;
use lodge_crypto::{Aad, Key, Keyring, PublicKey};
use lodge_domain::{Access, AccessEntry, Grant, RecordKind, Role, ShareDetails, UserId};
use lodge_ledger::Action;
use lodge_store::{CaseKeyRow, ShareRow};
use uuid::Uuid;

use crate::case::{case_key_aad, grant_aad};
use crate::ledger::Change;
use crate::report::{Redact, ReportOptions};
use crate::{Lodge, OpenCase, ServiceError, Session, now};

/// Longest a police link may last.
pub const LONGEST_SHARE_DAYS: i64 = 365;

/// Someone she has granted her case to.
#[derive(Debug, Clone)]
pub struct GrantSummary {
    /// Their account.
    pub user: UserId,
    /// Their username.
    pub username: String,
    /// Read, or read and add.
    pub access: Access,
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
    /// When she withdrew it.
    pub revoked_at: Option<Timestamp>,
    /// How many times it was opened or downloaded from.
    pub accesses: usize,
}

impl ShareSummary {
    /// Whether the link still opens.
    pub fn live(&self) -> bool {
        self.revoked_at.is_none() && self.details.expires_at > now()
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

/// One line of her access log.
#[derive(Debug, Clone)]
pub struct AccessLine {
    /// When.
    pub at: Timestamp,
    /// Who and what.
    pub entry: AccessEntry,
}

/// A case opened through a police link.
#[derive(Debug)]
pub struct SharedCase {
    /// The case, read-only.
    pub case: OpenCase,
    /// The share.
    pub id: Uuid,
    /// What she chose to show.
    pub details: ShareDetails,
}

impl SharedCase {
    /// The report she chose, as options to prepare it with.
    pub fn report_options(&self) -> ReportOptions {
        let d = &self.details;
        ReportOptions {
            from: d.from,
            to: d.to,
            incidents: None,
            subject_name: d.subject_name.clone(),
            prepared_by: d.prepared_by.clone(),
            prepared_for: d.label.clone(),
            redact: d.redact.iter().filter_map(|k| Redact::from_key(k)).collect(),
            photo_locations: false,
        }
    }

    /// Notes in her access log that the link was used for `what`.
    pub async fn record_access(&self, what: &str) -> Result<(), ServiceError> {
        self.case.record_access_as(Access::Police, self.id, &self.details.label, what).await
    }
}

/// The id of the record of one person's grant in one case (record ids are unique across cases).
fn grant_record(case: Uuid, user: Uuid) -> Uuid {
    let digest = lodge_crypto::sha256(&[case.as_bytes().as_slice(), user.as_bytes()].concat());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}

fn share_aad(share: Uuid) -> Aad {
    Aad::from_parts(&[b"case keys for a share link", share.as_bytes()])
}

/// The key a link (and its passphrase, if it has one) gives.
async fn link_key(token: &Token, passphrase: Option<(Password, Vec<u8>, KdfParams)>) -> Result<Key, ServiceError> {
    let link = token.wrapping_key();
    let Some((passphrase, salt, params)) = passphrase else { return Ok(link) };
    let from_passphrase = tokio::task::spawn_blocking(move || password::derive_key(&passphrase, &salt, params))
        .await
        .map_err(|e| ServiceError::Internal(e.to_string()))??;
    Ok(link.combine(&from_passphrase, "share link with passphrase"))
}

impl OpenCase {
    /// Notes in her access log (and her case's log) that someone other than her did `what`.
    pub(crate) async fn record_access(&self, who: &str, what: &str) -> Result<(), ServiceError> {
        self.record_access_as(self.access, self.user.0, who, what).await
    }

    async fn record_access_as(&self, access: Access, by: Uuid, who: &str, what: &str) -> Result<(), ServiceError> {
        let entry = AccessEntry { access, by, who: who.to_owned(), what: what.chars().take(300).collect() };
        let id = Uuid::new_v4();
        let (row, leaf) = self.sealed_version(RecordKind::Access, id, 1, Action::Accessed, &entry)?;
        // Anyone who may look may be logged looking, read-only or not.
        self.lodge().logged(self.id.0, &self.keys, &leaf, Change::Record(&row)).await
    }

    /// Her access log, newest first (hers to read only).
    pub async fn access_log(&self) -> Result<Vec<AccessLine>, ServiceError> {
        self.must_own()?;
        let mut lines: Vec<AccessLine> = self
            .latest::<AccessEntry>(RecordKind::Access)
            .await?
            .into_iter()
            .filter_map(|e| Some(AccessLine { at: e.saved_at, entry: e.body? }))
            .collect();
        lines.sort_by_key(|l| std::cmp::Reverse(l.at));
        Ok(lines)
    }

    /// Who she has granted the case to.
    pub async fn grants(&self) -> Result<Vec<GrantSummary>, ServiceError> {
        self.must_own()?;
        let mut out = Vec::new();
        for row in self.lodge().store().case_keys(self.id.0).await? {
            let Some(access) = Access::parse(&row.access).filter(|a| *a != Access::Owner) else { continue };
            let Some(user) = self.lodge().store().user(row.user_id).await? else { continue };
            out.push(GrantSummary { user: UserId(user.id), username: user.username, access });
        }
        out.sort_by(|a, b| a.username.cmp(&b.username));
        Ok(out)
    }

    /// Grants the case to a support worker (or an administrator) by username, to read or to
    /// read and add; granting again changes the access.
    pub async fn grant(&self, username: &str, access: Access) -> Result<(), ServiceError> {
        self.must_own()?;
        if !matches!(access, Access::Read | Access::Write) {
            return Err(ServiceError::invalid("access", "Choose read only, or read and add."));
        }
        let nobody =
            || ServiceError::invalid("username", "There is no support worker with that username. Check it with them.");
        let user = self.lodge().store().user_by_username(username.trim()).await?.ok_or_else(nobody)?;
        let role = Role::parse(&user.role).ok_or_else(|| ServiceError::Internal("unknown role stored".into()))?;
        if role == Role::Survivor || user.disabled || user.id == self.user.0 {
            return Err(nobody());
        }
        let Some(public) = user.public_key.as_deref() else {
            return Err(ServiceError::invalid(
                "username",
                "This person has not signed in since their account was made. Ask them to sign in once, then share again.",
            ));
        };
        let key_row = CaseKeyRow {
            case_id: self.id.0,
            user_id: user.id,
            wrapped_key: self.keys.seal_to(&PublicKey::from_bytes(public)?, &grant_aad(self.id.0, user.id))?,
            access: access.as_str().into(),
        };
        let body = Grant { username: user.username.clone(), access: Some(access) };
        let (row, entry) = self
            .next_share_version(RecordKind::Grant, grant_record(self.id.0, user.id), Action::Granted, &body)
            .await?;
        self.lodge().logged(self.id.0, &self.keys, &entry, Change::Grant(&key_row, &row)).await
    }

    /// Ends someone's access. The case keys rotate: everything written from now on, and
    /// everything sent through her inbox links, is sealed under a new generation that only she
    /// and those still granted receive.
    pub async fn revoke(&mut self, session: &Session, user: UserId) -> Result<(), ServiceError> {
        self.must_own()?;
        let holders = self.lodge().store().case_keys(self.id.0).await?;
        let Some(revoked) = holders.iter().find(|k| k.user_id == user.0 && k.access != Access::Owner.as_str()) else {
            return Err(ServiceError::NotFound);
        };
        let username = self.lodge().store().user(revoked.user_id).await?.map(|u| u.username).unwrap_or_default();
        let mut keys = self.keys.duplicate();
        keys.rotate()?;
        let mut rows = Vec::with_capacity(holders.len());
        for holder in holders.iter().filter(|k| k.user_id != user.0) {
            let wrapped_key = if holder.access == Access::Owner.as_str() {
                keys.wrap(&session.key, &case_key_aad(self.id.0, holder.user_id))?
            } else {
                let Some(public) = self.lodge().store().user(holder.user_id).await?.and_then(|u| u.public_key) else {
                    continue;
                };
                keys.seal_to(&PublicKey::from_bytes(&public)?, &grant_aad(self.id.0, holder.user_id))?
            };
            rows.push(CaseKeyRow { wrapped_key, ..holder.clone() });
        }
        let body = Grant { username, access: None };
        let (row, entry) =
            self.next_share_version(RecordKind::Grant, grant_record(self.id.0, user.0), Action::Revoked, &body).await?;
        let case = self.id.0;
        // Her inbox links seal what friends send to the new generation, which the revoked
        // worker never holds.
        let public_key = keys.public_key()?.to_bytes();
        self.lodge().logged(case, &self.keys, &entry, Change::Rekey(&rows, &public_key, &row)).await?;
        tracing::info!("a grant was revoked and the case keys rotated");
        self.keys = keys;
        self.lodge().arm_jobs(case, &self.keys).await
    }

    /// The record version (and its log entry) that follows the latest of a grant or share.
    async fn next_share_version<T: serde::Serialize>(
        &self,
        kind: RecordKind,
        id: Uuid,
        action: Action,
        body: &T,
    ) -> Result<(lodge_store::RecordRow, lodge_ledger::Entry), ServiceError> {
        let version = match self.versions::<serde_json::Value>(kind, id).await {
            Ok(versions) => versions.last().map_or(1, |v| v.version + 1),
            Err(ServiceError::NotFound) => 1,
            Err(e) => return Err(e),
        };
        self.sealed_version(kind, id, version, action, body)
    }

    /// Her police links, newest first, with how often each was used.
    pub async fn shares(&self) -> Result<Vec<ShareSummary>, ServiceError> {
        self.must_own()?;
        let details = self.latest::<ShareDetails>(RecordKind::Share).await?;
        let accesses = self.latest::<AccessEntry>(RecordKind::Access).await?;
        let mut out = Vec::new();
        for row in self.lodge().store().shares(self.id.0).await? {
            let Some(found) = details.iter().find(|d| d.id == row.id).and_then(|d| d.body.clone()) else { continue };
            let used = accesses.iter().filter(|a| a.body.as_ref().is_some_and(|b| b.by == row.id)).count();
            out.push(ShareSummary {
                id: row.id,
                details: found,
                created_at: row.created_at,
                revoked_at: row.revoked_at,
                accesses: used,
            });
        }
        Ok(out)
    }

    /// Makes a police link. Returns the share and the link's token, to be shown to her once:
    /// Lodge keeps only its hash, so a lost link cannot be shown again (she makes a new one).
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
        let id = Uuid::new_v4();
        let token = Token::generate()?;
        let at = now();
        let expires_at = at + SignedDuration::from_hours(24 * request.days);
        let params = self.lodge().config().kdf;
        let salt = password::new_salt()?.to_vec();
        let has_passphrase = request.passphrase.is_some();
        let kek = link_key(&token, request.passphrase.map(|p| (p, salt.clone(), params))).await?;
        let share = ShareRow {
            id,
            case_id: self.id.0,
            token_hash: token.lookup_hash(),
            wrapped_key: self.keys.wrap(&kek, &share_aad(id))?,
            passphrase: has_passphrase.then(|| (salt, params.encode())),
            created_at: at,
            expires_at,
            revoked_at: None,
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
        };
        let (row, entry) = self.next_share_version(RecordKind::Share, id, Action::Granted, &details).await?;
        self.lodge().logged(self.id.0, &self.keys, &entry, Change::Share(&share, &row)).await?;
        Ok((id, token))
    }

    /// Withdraws a police link at once.
    pub async fn revoke_share(&self, id: Uuid) -> Result<(), ServiceError> {
        self.must_own()?;
        let current = self.versions::<ShareDetails>(RecordKind::Share, id).await?;
        let Some(mut details) = current.last().and_then(|v| v.body.clone()) else { return Err(ServiceError::NotFound) };
        if details.revoked {
            return Ok(());
        }
        details.revoked = true;
        let (row, entry) = self.next_share_version(RecordKind::Share, id, Action::Revoked, &details).await?;
        self.lodge().logged(self.id.0, &self.keys, &entry, Change::RevokeShare(id, &row)).await
    }
}

impl Lodge {
    /// Opens a police link. An unknown, expired or withdrawn link is [`ServiceError::ShareEnded`];
    /// a link that needs a passphrase and got none or a wrong one is an input problem on
    /// `passphrase`.
    pub async fn open_share(&self, token_text: &str, passphrase: Option<Password>) -> Result<SharedCase, ServiceError> {
        let token = Token::parse(token_text).ok_or(ServiceError::ShareEnded)?;
        let row = self.store().share_by_token(&token.lookup_hash()).await?.ok_or(ServiceError::ShareEnded)?;
        if row.revoked_at.is_some() || row.expires_at <= now() {
            return Err(ServiceError::ShareEnded);
        }
        let passphrase = match (&row.passphrase, passphrase) {
            (None, _) => None,
            (Some(_), None) => {
                return Err(ServiceError::invalid(
                    "passphrase",
                    "This link needs the passphrase that was sent with it.",
                ));
            }
            (Some((salt, kdf)), Some(p)) => Some((p, salt.clone(), KdfParams::decode(kdf)?)),
        };
        let kek = link_key(&token, passphrase).await?;
        let keys = Keyring::unwrap(&kek, &share_aad(row.id), &row.wrapped_key).map_err(|_| {
            ServiceError::invalid(
                "passphrase",
                "That passphrase is not right. Check it with the person who sent the link.",
            )
        })?;
        let case = self.open_case_with(row.case_id, keys, row.id).await?;
        let details = case
            .versions::<ShareDetails>(RecordKind::Share, row.id)
            .await?
            .pop()
            .and_then(|v| v.body)
            .ok_or(ServiceError::ShareEnded)?;
        Ok(SharedCase { case, id: row.id, details })
    }
}
