//! Sharing by consent: she grants a support worker her case (the case keys sealed to the
//! worker's public key) and revokes it (the keys rotate, so what is written afterwards is
//! out of the revoked worker's reach); and every look by anyone but her is an entry in her
//! access log and a leaf in the case's log. Police links are in [`crate::police_links`].

use jiff::Timestamp;
use lodge_crypto::PublicKey;
use lodge_domain::{Access, AccessEntry, Grant, RecordKind, Role, UserId};
use lodge_ledger::Action;
use lodge_store::CaseKeyRow;
use uuid::Uuid;

use crate::case::{case_key_aad, grant_aad};
use crate::ledger::Change;
use crate::{OpenCase, ServiceError, Session};

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

/// One line of her access log.
#[derive(Debug, Clone)]
pub struct AccessLine {
    /// When.
    pub at: Timestamp,
    /// Who and what.
    pub entry: AccessEntry,
}

/// The id of the record of one person's grant in one case (record ids are unique across cases).
fn grant_record(case: Uuid, user: Uuid) -> Uuid {
    let digest = lodge_crypto::sha256(&[case.as_bytes().as_slice(), user.as_bytes()].concat());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_random_bytes(bytes).into_uuid()
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
        lines.extend(self.police_link_uses().await?);
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
    pub(crate) async fn next_share_version<T: serde::Serialize>(
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
}
