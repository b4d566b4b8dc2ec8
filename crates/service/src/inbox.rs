//! Her inbox: someone she trusts reports on her behalf through a link she gave them. What
//! they send is sealed to the case's public key (files under keys of their own, themselves
//! sealed to the case), so the sender can add to her case but read nothing of it, not even
//! what they sent. Each arrival is a leaf in the case's log. She accepts a submission (it
//! becomes an incident that keeps who reported it, with its files as evidence) or declines
//! it (it and its files are deleted); either is logged.

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use jiff::Timestamp;
use lodge_crypto::token::Token;
use lodge_crypto::{Aad, CasePublicKey, Keyring};
use lodge_domain::{InboxLink, IncidentId, RecordKind, Submission, SubmittedFile};
use lodge_ledger::{Action, Entry, Subject};
use lodge_store::{InboxLinkRow, SubmissionRow};
use uuid::Uuid;

use crate::evidence::{Upload, clean_file_name, receive_into};
use crate::ledger::Change;
use crate::{Lodge, OpenCase, PlainStream, ServiceError, internal};

/// Most files one submission may carry.
pub const MAX_SUBMITTED_FILES: usize = 10;

/// An inbox link in her list.
#[derive(Debug, Clone)]
pub struct InboxLinkSummary {
    /// The link.
    pub id: Uuid,
    /// Who she gave it to.
    pub label: String,
    /// When she made it.
    pub created_at: Timestamp,
    /// Whether it still works.
    pub live: bool,
}

/// A submission waiting for her, opened.
#[derive(Debug, Clone)]
pub struct Waiting {
    /// The submission.
    pub id: Uuid,
    /// When it arrived.
    pub received_at: Timestamp,
    /// The label of the link it came through.
    pub link: String,
    /// What it says.
    pub submission: Submission,
}

fn submission_aad(case: Uuid, id: Uuid) -> Aad {
    Aad::from_parts(&[b"inbox submission", case.as_bytes(), id.as_bytes()])
}

fn file_keys_aad(case: Uuid, id: Uuid) -> Aad {
    Aad::from_parts(&[b"inbox file keys", case.as_bytes(), id.as_bytes()])
}

fn file_blob(case: Uuid, id: Uuid, n: usize) -> String {
    format!("cases/{case}/inbox/{id}/{n}")
}

/// A submission being received through an inbox link: files arrive first (each encrypted as
/// it streams), then what the sender wrote. Dropped without [`InboxDrop::send`], its files belong
/// to no submission and the orphan sweep removes them.
#[derive(Debug)]
pub struct InboxDrop {
    lodge: Lodge,
    link: Uuid,
    case: Uuid,
    public_key: CasePublicKey,
    id: Uuid,
    file_keys: Keyring,
    files: Vec<SubmittedFile>,
}

impl Lodge {
    /// Opens an inbox link for someone to report through; [`ServiceError::ShareEnded`] when
    /// it is unknown or withdrawn.
    pub async fn open_inbox(&self, token_text: &str) -> Result<InboxDrop, ServiceError> {
        let token = Token::parse(token_text).ok_or(ServiceError::ShareEnded)?;
        let row = self.store().inbox_link_by_token(&token.lookup_hash()).await?.ok_or(ServiceError::ShareEnded)?;
        if row.revoked_at.is_some() {
            return Err(ServiceError::ShareEnded);
        }
        Ok(InboxDrop {
            lodge: self.clone(),
            link: row.id,
            case: row.case_id,
            public_key: CasePublicKey::from_bytes(&row.public_key)?,
            id: Uuid::new_v4(),
            file_keys: Keyring::generate()?,
            files: Vec::new(),
        })
    }
}

impl InboxDrop {
    /// Receives one file, encrypted as it streams.
    pub async fn add_file<S, E>(&mut self, file_name: &str, content_type: &str, body: S) -> Result<(), ServiceError>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        if self.files.len() >= MAX_SUBMITTED_FILES {
            return Err(ServiceError::invalid(
                "files",
                "Send at most 10 files at a time. Send the rest in another report.",
            ));
        }
        let name = file_blob(self.case, self.id, self.files.len());
        let received = receive_into(&self.lodge, &self.file_keys, &name, body, false).await?;
        self.files.push(SubmittedFile {
            file_name: clean_file_name(file_name),
            content_type: content_type.to_owned(),
            size: received.size,
            sha256: received.sha256,
        });
        Ok(())
    }

    /// Sends what they wrote with the files received so far.
    pub async fn send(mut self, mut submission: Submission) -> Result<(), ServiceError> {
        let problems = submission.check();
        if !problems.is_empty() {
            self.discard().await;
            return Err(ServiceError::Invalid(problems));
        }
        submission.files = std::mem::take(&mut self.files);
        let plain = zeroize::Zeroizing::new(serde_json::to_vec(&submission).map_err(internal)?);
        let row = SubmissionRow {
            id: self.id,
            case_id: self.case,
            link_id: self.link,
            received_at: self.lodge.now(),
            body: self.public_key.seal(&submission_aad(self.case, self.id), &plain)?,
            file_keys: self.file_keys.seal_to_case(&self.public_key, &file_keys_aad(self.case, self.id))?,
        };
        let entry = Entry {
            subject: Subject::Inbox,
            action: Action::Created,
            record: Some(self.id),
            version: None,
            at_ms: self.lodge.now().as_millisecond(),
            by: self.link,
            sha256: Some(submission_digest(&submission)?),
            record_digest: None,
        };
        self.lodge.logged(self.case, &self.public_key, &entry, Change::Submission(&row)).await?;
        tracing::info!("a submission arrived in an inbox");
        Ok(())
    }

    /// Deletes the files received so far.
    pub async fn discard(&self) {
        for n in 0..self.files.len() {
            let _ = self.lodge.blobs().delete(&file_blob(self.case, self.id, n)).await;
        }
    }
}

/// What a submission's log entry holds: the SHA-256 of what was sent, as JSON.
fn submission_digest(submission: &Submission) -> Result<String, ServiceError> {
    let bytes = zeroize::Zeroizing::new(serde_json::to_vec(submission).map_err(internal)?);
    Ok(data_encoding::HEXLOWER.encode(&lodge_crypto::sha256(&bytes)))
}

impl OpenCase {
    /// Makes an inbox link for someone she trusts. Returns it and its token, shown once.
    pub async fn create_inbox_link(&self, label: &str) -> Result<(Uuid, Token), ServiceError> {
        self.must_own()?;
        let label = label.trim();
        if label.is_empty() || label.chars().count() > 200 {
            return Err(ServiceError::invalid("inbox_label", "Say who the link is for, such as their first name."));
        }
        let id = Uuid::new_v4();
        let token = Token::generate()?;
        let link = InboxLinkRow {
            id,
            case_id: self.id.0,
            token_hash: token.lookup_hash(),
            public_key: self.keys.public_key()?.to_bytes(),
            created_at: self.lodge().now(),
            revoked_at: None,
        };
        let body = InboxLink { label: label.to_owned(), revoked: false };
        let (row, entry) = self.sealed_version(RecordKind::InboxLink, id, 1, Action::Granted, &body)?;
        self.lodge().logged(self.id.0, &self.keys, &entry, Change::InboxLink(&link, &row)).await?;
        Ok((id, token))
    }

    /// Her inbox links, newest first.
    pub async fn inbox_links(&self) -> Result<Vec<InboxLinkSummary>, ServiceError> {
        self.must_own()?;
        let records = self.latest::<InboxLink>(RecordKind::InboxLink).await?;
        Ok(self
            .lodge()
            .store()
            .inbox_links(self.id.0)
            .await?
            .into_iter()
            .filter_map(|row| {
                let label = records.iter().find(|r| r.id == row.id)?.body.as_ref()?.label.clone();
                Some(InboxLinkSummary { id: row.id, label, created_at: row.created_at, live: row.revoked_at.is_none() })
            })
            .collect())
    }

    /// Withdraws an inbox link at once.
    pub async fn revoke_inbox_link(&self, id: Uuid) -> Result<(), ServiceError> {
        self.must_own()?;
        let current = self.current::<InboxLink>(RecordKind::InboxLink, id).await?;
        let Some(mut body) = current.body else { return Err(ServiceError::NotFound) };
        if body.revoked {
            return Ok(());
        }
        body.revoked = true;
        let version = current.version + 1;
        let (row, entry) = self.sealed_version(RecordKind::InboxLink, id, version, Action::Revoked, &body)?;
        self.lodge().logged(self.id.0, &self.keys, &entry, Change::RevokeInboxLink(id, &row)).await
    }

    /// What waits in her inbox, oldest first.
    pub async fn inbox(&self) -> Result<Vec<Waiting>, ServiceError> {
        self.must_own()?;
        let links = self.latest::<InboxLink>(RecordKind::InboxLink).await?;
        let rows = self.lodge().store().submissions(self.id.0).await?;
        rows.iter().map(|row| self.opened(row, &links)).collect()
    }

    /// A submission as she reads it, with the label of the link it came through.
    fn opened(&self, row: &SubmissionRow, links: &[crate::Version<InboxLink>]) -> Result<Waiting, ServiceError> {
        let plain = self.keys.open_sent(&submission_aad(self.id.0, row.id), &row.body)?;
        let submission: Submission = serde_json::from_slice(&plain).map_err(internal)?;
        let link = links
            .iter()
            .find(|l| l.id == row.link_id)
            .and_then(|l| l.body.as_ref())
            .map(|l| l.label.clone())
            .unwrap_or_default();
        Ok(Waiting { id: row.id, received_at: row.received_at, link, submission })
    }

    /// One waiting submission, opened, with the keys of its files.
    async fn waiting(&self, id: Uuid) -> Result<(Waiting, Keyring), ServiceError> {
        self.must_own()?;
        let rows = self.lodge().store().submissions(self.id.0).await?;
        let row = rows.iter().find(|r| r.id == id).ok_or(ServiceError::NotFound)?;
        let keys = Keyring::open_from_case(&self.keys, &file_keys_aad(self.id.0, id), &row.file_keys)?;
        let links = self.latest::<InboxLink>(RecordKind::InboxLink).await?;
        Ok((self.opened(row, &links)?, keys))
    }

    /// One file of a waiting submission, decrypted as it streams.
    pub async fn submitted_file(&self, id: Uuid, n: usize) -> Result<(SubmittedFile, PlainStream), ServiceError> {
        let (waiting, keys) = self.waiting(id).await?;
        let file = waiting.submission.files.get(n).cloned().ok_or(ServiceError::NotFound)?;
        let stream = self.lodge().blobs().reader(&file_blob(self.id.0, id, n), &keys).await?;
        Ok((file, stream))
    }

    /// Accepts a submission: it becomes an incident that keeps who reported it, its files
    /// evidence of that incident; then it leaves her inbox.
    pub async fn accept_submission(&self, id: Uuid) -> Result<IncidentId, ServiceError> {
        let (waiting, keys) = self.waiting(id).await?;
        let incident = self.record_incident(&waiting.submission.to_incident()).await?;
        for (n, file) in waiting.submission.files.iter().enumerate() {
            let stream = self.lodge().blobs().reader(&file_blob(self.id.0, id, n), &keys).await?;
            let upload = Upload {
                file_name: file.file_name.clone(),
                content_type: file.content_type.clone(),
                incident: Some(incident),
            };
            self.add_evidence(upload, stream.map(|c| c.map_err(|e| e.to_string()))).await?;
        }
        self.leave_inbox(&waiting, Action::Accepted).await?;
        Ok(incident)
    }

    /// Declines a submission: it and its files are deleted; the log keeps that it came.
    pub async fn decline_submission(&self, id: Uuid) -> Result<(), ServiceError> {
        let (waiting, _) = self.waiting(id).await?;
        self.leave_inbox(&waiting, Action::Declined).await
    }

    async fn leave_inbox(&self, waiting: &Waiting, action: Action) -> Result<(), ServiceError> {
        let entry = self.log_entry(Subject::Inbox, action, Some(waiting.id), None, None);
        self.change(&entry, Change::RemoveSubmission(waiting.id)).await?;
        for n in 0..waiting.submission.files.len() {
            self.lodge().blobs().delete(&file_blob(self.id.0, waiting.id, n)).await?;
        }
        Ok(())
    }
}
