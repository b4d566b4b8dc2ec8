//! Each case's log as the service keeps it: a leaf for every change, written in the same
//! transaction as the change; signed checkpoints; proofs; and the log opened for her to read.
//!
//! Appends to one case are taken in turn within a node (a lock per case), so they never
//! race here. Across nodes they are optimistic: the next leaf is built from the log's current
//! size; if another node took that place first, the store refuses the whole write and it is
//! built again after a short, growing pause.

use std::collections::HashMap;
use std::sync::{Arc, Weak};

use jiff::Timestamp;
use lodge_crypto::{Aad, Key, Keyring};
use lodge_ledger::checkpoint::origin;
use lodge_ledger::timestamp;
use lodge_ledger::tree::{self, Fetched, Hash, Proof};
use lodge_ledger::{Action, Checkpoint, Entry, Opening, SigningKey, Subject, Verifier};
use lodge_store::{
    CaseKeyRow, CaseRow, CheckpointRow, InboxLinkRow, LeafRow, RecordRow, ShareAccessRow, ShareRow, Store, StoreError,
    SubmissionRow,
};
use uuid::Uuid;

use crate::{Lodge, OpenCase, ServiceError};

/// What checking a whole log found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogCheck {
    /// Leaves checked.
    pub size: u64,
    /// The root rebuilt from the leaves, hex.
    pub root: String,
    /// Kept checkpoints checked.
    pub checkpoints: usize,
    /// The first thing wrong, if anything is.
    pub problem: Option<String>,
    /// Everything found changed outside Lodge, in plain words.
    pub changed: Vec<String>,
}

/// How often an append is tried again after losing a race for its place.
const APPEND_ATTEMPTS: usize = 16;

/// The setting holding the sealed checkpoint key.
const SIGNING_KEY_SETTING: &str = "ledger_signing_key";

/// Leaves being built for appends that are written together (see [`Lodge::batch_leaf`]).
#[derive(Debug)]
pub(crate) struct LeafBatch {
    case: Uuid,
    next: u64,
    made: HashMap<u64, Hash>,
}

/// The server's checkpoint signer: its name (the first part of every log origin) and key.
#[derive(Debug)]
pub struct CheckpointSigner {
    /// The server's name in log origins, such as `lodge.example.org`.
    pub server_name: String,
    /// The Ed25519 key.
    pub key: SigningKey,
}

impl CheckpointSigner {
    /// Opens the server's checkpoint key, sealed in the database under `kek`, or makes one
    /// at first start.
    pub async fn load_or_create(store: &dyn Store, kek: &Key, server_name: &str) -> Result<Self, ServiceError> {
        let key = match store.setting(SIGNING_KEY_SETTING).await? {
            Some(sealed) => {
                let sealed = data_encoding::BASE64
                    .decode(sealed.as_bytes())
                    .map_err(|_| ServiceError::Internal("the stored checkpoint key is not base64".into()))?;
                SigningKey::open(kek, &sealed).map_err(|_| {
                    ServiceError::Internal(
                        "the checkpoint key does not open with this server key file: is it the file this database was made with?"
                            .into(),
                    )
                })?
            }
            None => {
                let key = SigningKey::generate().map_err(ledger_error)?;
                let sealed = key.seal(kek).map_err(ledger_error)?;
                store.set_setting(SIGNING_KEY_SETTING, &data_encoding::BASE64.encode(&sealed)).await?;
                key
            }
        };
        Ok(CheckpointSigner { server_name: server_name.to_owned(), key })
    }
}

fn ledger_error(e: lodge_ledger::LedgerError) -> ServiceError {
    ServiceError::Internal(e.to_string())
}

fn opening_aad(case: Uuid, index: i64) -> Aad {
    Aad::from_parts(&[b"ledger opening", case.as_bytes(), &index.to_be_bytes()])
}

/// What seals a leaf's opening: the case's keys, or (for someone who may add to the case but
/// not read it) the case's public key. Either way, the case's keys open it.
pub(crate) trait Sealer: Sync {
    fn seal_opening(&self, aad: &Aad, plain: &[u8]) -> Result<Vec<u8>, lodge_crypto::CryptoError>;
}

impl Sealer for Keyring {
    fn seal_opening(&self, aad: &Aad, plain: &[u8]) -> Result<Vec<u8>, lodge_crypto::CryptoError> {
        self.seal(aad, plain)
    }
}

impl Sealer for lodge_crypto::CasePublicKey {
    fn seal_opening(&self, aad: &Aad, plain: &[u8]) -> Result<Vec<u8>, lodge_crypto::CryptoError> {
        self.seal(aad, plain)
    }
}

/// The change a leaf goes with, written in the same transaction.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Change<'a> {
    /// A new case and its owner's key.
    NewCase(&'a CaseRow, &'a CaseKeyRow),
    /// A new sealed case title.
    Title(&'a [u8]),
    /// A new record version.
    Record(&'a RecordRow),
    /// A deletion: erase every version, append this tombstone.
    Erase(&'a RecordRow),
    /// Nothing but the leaf (an export).
    Leaf,
    /// Someone's access to the case, and the grant record.
    Grant(&'a CaseKeyRow, &'a RecordRow),
    /// Every holder's keys after a rotation, and the revocation record.
    Rekey(&'a [CaseKeyRow], &'a [u8], &'a RecordRow),
    /// A new police link and its record.
    Share(&'a ShareRow, &'a RecordRow),
    /// A police link withdrawn, and the record saying so.
    RevokeShare(Uuid, &'a RecordRow),
    /// A new inbox link and its record.
    InboxLink(&'a InboxLinkRow, &'a RecordRow),
    /// An inbox link withdrawn, and the record saying so.
    RevokeInboxLink(Uuid, &'a RecordRow),
    /// A submission arriving in her inbox.
    Submission(&'a SubmissionRow),
    /// A submission leaving her inbox (accepted or declined).
    RemoveSubmission(Uuid),
    /// A use of a police link, sealed to the case.
    ShareAccess(&'a ShareAccessRow),
}

/// One leaf of her log, opened.
#[derive(Debug, Clone)]
pub struct LogLine {
    /// Its place in the log, from 0.
    pub index: u64,
    /// What happened.
    pub entry: Entry,
    /// When it was appended.
    pub at: Timestamp,
}

/// A signed checkpoint with what is needed to check it.
#[derive(Debug, Clone)]
pub struct SignedCheckpoint {
    /// The log's origin line.
    pub origin: String,
    /// Leaves covered.
    pub size: u64,
    /// The RFC 6962 root hash.
    pub root: Hash,
    /// The signed note.
    pub note: String,
    /// The signed-note verifier key for this log.
    pub verifier_key: String,
    /// The server's Ed25519 public key, base64.
    pub public_key: String,
    /// When it was signed.
    pub signed_at: Timestamp,
    /// An RFC 3161 timestamp token over the note (DER), when a timestamp authority is set.
    pub timestamp_token: Option<Vec<u8>>,
}

impl Lodge {
    pub(crate) fn signer(&self) -> &CheckpointSigner {
        &self.inner.signer
    }

    /// Builds the leaf for `entry` at the end of `case`'s log.
    async fn next_leaf(&self, case: Uuid, keys: &dyn Sealer, entry: &Entry) -> Result<LeafRow, ServiceError> {
        let mut batch = self.leaf_batch(case).await?;
        self.batch_leaf(&mut batch, keys, entry).await
    }

    /// Starts building leaves for appends made together, from the end of `case`'s log.
    pub(crate) async fn leaf_batch(&self, case: Uuid) -> Result<LeafBatch, ServiceError> {
        let size = self.store().ledger_size(case).await?;
        let next = u64::try_from(size).map_err(|_| ServiceError::Internal("negative log size".into()))?;
        Ok(LeafBatch { case, next, made: HashMap::new() })
    }

    /// The next leaf of a batch: hashes made earlier in the batch come from the batch, older
    /// ones from the store.
    pub(crate) async fn batch_leaf(
        &self,
        batch: &mut LeafBatch,
        keys: &dyn Sealer,
        entry: &Entry,
    ) -> Result<LeafRow, ServiceError> {
        let position = batch.next;
        let opening = Opening::new(entry).map_err(ledger_error)?;
        let commitment = opening.commitment().map_err(ledger_error)?;
        let needs = tree::append_needs(position);
        let stored: Vec<u64> = needs.iter().copied().filter(|i| !batch.made.contains_key(i)).collect();
        let mut from_store = self.read_hashes(batch.case, &stored).await?.into_iter();
        let mut have = Vec::with_capacity(needs.len());
        for i in &needs {
            match batch.made.get(i) {
                Some(hash) => have.push(*hash),
                None => have.push(from_store.next().ok_or(ServiceError::Internal("a tree hash is missing".into()))?),
            }
        }
        let (first, hashes) =
            tree::append(position, tree::leaf_hash(&commitment), &Fetched::new(needs, have)).map_err(ledger_error)?;
        for (i, hash) in hashes.iter().enumerate() {
            batch.made.insert(first + i as u64, *hash);
        }
        let index = i64::try_from(position).map_err(|_| ServiceError::Internal("log too long".into()))?;
        let plain = serde_json::to_vec(&opening).map_err(|e| ServiceError::Internal(e.to_string()))?;
        batch.next += 1;
        Ok(LeafRow {
            case_id: batch.case,
            index,
            created_at: self.now(),
            commitment: commitment.to_vec(),
            opening: keys.seal_opening(&opening_aad(batch.case, index), &plain)?,
            first_hash: first as i64,
            hashes: hashes.into_iter().map(|h| h.0).collect(),
        })
    }

    /// Makes `change` with a fresh leaf for `entry`, in one transaction, trying again with a
    /// new leaf while other appends race it.
    pub(crate) async fn logged(
        &self,
        case: Uuid,
        keys: &dyn Sealer,
        entry: &Entry,
        change: Change<'_>,
    ) -> Result<(), ServiceError> {
        let store = self.store();
        let turn = self.append_lock(case);
        let _turn = turn.lock().await;
        for attempt in 0..APPEND_ATTEMPTS {
            if attempt > 0 {
                tokio::time::sleep(std::time::Duration::from_millis(2 << attempt.min(6))).await;
            }
            let leaf = self.next_leaf(case, keys, entry).await?;
            let written = match change {
                Change::NewCase(row, key_row) => store.create_case(row, key_row, &leaf).await,
                Change::Title(title) => store.update_case_title(case, title, leaf.created_at, &leaf).await,
                Change::Record(row) => store.insert_record(row, &leaf).await,
                Change::Erase(tombstone) => store.erase_record(tombstone, &leaf).await,
                Change::Leaf => store.append_leaf(&leaf).await,
                Change::Grant(key, row) => store.grant_case_key(key, row, &leaf).await,
                Change::Rekey(keys, public_key, row) => store.rekey_case(case, keys, public_key, row, &leaf).await,
                Change::Share(share, row) => store.create_share(share, row, &leaf).await,
                Change::RevokeShare(id, row) => store.revoke_share(case, id, row, &leaf).await.map(|_| ()),
                Change::InboxLink(link, row) => store.create_inbox_link(link, row, &leaf).await,
                Change::RevokeInboxLink(id, row) => store.revoke_inbox_link(case, id, row, &leaf).await.map(|_| ()),
                Change::Submission(sub) => store.add_submission(sub, &leaf).await,
                Change::RemoveSubmission(id) => store.remove_submission(case, id, &leaf).await.map(|_| ()),
                Change::ShareAccess(access) => store.add_share_access(access, &leaf).await,
            };
            match written {
                Err(StoreError::Conflict(lodge_store::Conflict::Ledger)) => continue,
                other => return Ok(other?),
            }
        }
        Err(ServiceError::Internal("the case log was too busy to append to".into()))
    }

    /// An RFC 3161 token over `note` from the configured authority. A checkpoint without one
    /// is still signed; a failure is logged (without content: only a digest was sent).
    async fn trusted_time(&self, note: &[u8]) -> Option<Vec<u8>> {
        let url = self.config().timestamp_url.as_deref()?;
        let attempt = async {
            let request = timestamp::request(note).map_err(|e| e.to_string())?;
            let client = reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(15))
                .build()
                .map_err(|e| e.to_string())?;
            let reply = client
                .post(url)
                .header(reqwest::header::CONTENT_TYPE, timestamp::QUERY_MEDIA_TYPE)
                .body(request.der.clone())
                .send()
                .await
                .and_then(reqwest::Response::error_for_status)
                .map_err(|e| e.to_string())?;
            let body = reply.bytes().await.map_err(|e| e.to_string())?;
            if body.len() > 1024 * 1024 {
                return Err("the reply is too large".to_owned());
            }
            request.accept(&body).map_err(|e| e.to_string())
        };
        match attempt.await {
            Ok(token) => Some(token),
            Err(error) => {
                tracing::warn!(%error, "the timestamp authority did not give a token; the checkpoint is signed without one");
                None
            }
        }
    }

    /// The lock that takes this node's appends to one case in turn.
    pub(crate) fn append_lock(&self, case: Uuid) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self.inner.append_locks.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        locks.retain(|_, lock| lock.strong_count() > 0);
        if let Some(lock) = locks.get(&case).and_then(Weak::upgrade) {
            return lock;
        }
        let lock = Arc::new(tokio::sync::Mutex::new(()));
        locks.insert(case, Arc::downgrade(&lock));
        lock
    }

    async fn read_hashes(&self, case: Uuid, indexes: &[u64]) -> Result<Vec<Hash>, ServiceError> {
        let wanted: Vec<i64> = indexes.iter().map(|&i| i as i64).collect();
        Ok(self.store().ledger_hashes(case, &wanted).await?.into_iter().map(Hash).collect())
    }

    /// Every case's id.
    pub async fn case_ids(&self) -> Result<Vec<Uuid>, ServiceError> {
        Ok(self.store().case_ids().await?)
    }

    /// Checks a case's log without opening any of it (so without the case key, as after a
    /// restore): the leaves are numbered without gaps, the tree rebuilt from the leaves alone
    /// has the root the stored hashes give, and every checkpoint kept is signed by this server
    /// and consistent with the log as it is now.
    /// Without keys it also sees a current record version sealed to the case's public key
    /// (which anyone who saw that key could write).
    pub async fn verify_case_log(&self, case: Uuid) -> Result<LogCheck, ServiceError> {
        let rows = self.store().ledger_leaves(case).await?;
        let mut check = self.check_log(case, &rows).await?;
        for kind in lodge_domain::RecordKind::ALL {
            for row in self.store().records(case, kind.as_str()).await? {
                if crate::sealing::sealed_to_public_key(&row.fields) {
                    check.changed.push(format!(
                        "{} record {} is sealed to the case's public key: someone without the case's keys wrote it",
                        kind.as_str(),
                        row.id
                    ));
                }
            }
        }
        if check.problem.is_none() {
            check.problem = check.changed.first().cloned();
        }
        Ok(check)
    }

    /// [`Lodge::verify_case_log`] on leaves already read.
    async fn check_log(&self, case: Uuid, rows: &[LeafRow]) -> Result<LogCheck, ServiceError> {
        let size = rows.len() as u64;
        let mut check = LogCheck { size, root: String::new(), checkpoints: 0, problem: None, changed: Vec::new() };
        let mut leaves = Vec::with_capacity(rows.len());
        for (i, row) in rows.iter().enumerate() {
            let commitment: Option<[u8; 32]> = row.commitment.as_slice().try_into().ok();
            match commitment {
                Some(c) if row.index == i as i64 => leaves.push(tree::leaf_hash(&c)),
                _ => {
                    check.problem = Some(format!("leaf {i} is missing or malformed"));
                    return Ok(check);
                }
            }
        }
        let rebuilt = tree::root_of_leaves(&leaves).map_err(ledger_error)?;
        check.root = lodge_ledger::entry::hex(&rebuilt.0);
        let stored = tree::root(size, &self.fetch(case, tree::root_needs(size)).await?).map_err(ledger_error)?;
        if stored != rebuilt {
            check.problem = Some("the stored tree does not match the leaves".into());
            return Ok(check);
        }
        let origin = origin(&self.signer().server_name, case);
        let verifier = Verifier::new(&self.signer().key.verifier_key(&origin)).map_err(ledger_error)?;
        for row in self.store().checkpoints(case).await? {
            let Ok(checkpoint) = verifier.open(row.note.as_bytes()) else {
                let made_for = row.note.lines().next().unwrap_or("");
                check.problem = Some(if made_for != origin {
                    format!("its checkpoints were made for {made_for}: set server_name to the name they were made with")
                } else {
                    "a kept checkpoint's signature is not valid".into()
                });
                return Ok(check);
            };
            let consistent = checkpoint.size <= size && {
                let proof = if checkpoint.size == 0 {
                    Proof::new()
                } else {
                    let have = self.fetch(case, tree::consistency_needs(checkpoint.size, size)).await?;
                    tree::consistency(checkpoint.size, size, &have).map_err(ledger_error)?
                };
                tree::verify_consistency(&proof, checkpoint.size, checkpoint.root, size, rebuilt).is_ok()
            };
            if !consistent {
                check.problem =
                    Some(format!("the checkpoint at size {} is not consistent with the log", checkpoint.size));
                return Ok(check);
            }
            check.checkpoints += 1;
        }
        Ok(check)
    }

    pub(crate) async fn fetch(&self, case: Uuid, indexes: Vec<u64>) -> Result<Fetched, ServiceError> {
        let hashes = self.read_hashes(case, &indexes).await?;
        Ok(Fetched::new(indexes, hashes))
    }
}

impl OpenCase {
    /// An entry by her (or whoever has the case open) about now.
    pub(crate) fn log_entry(
        &self,
        subject: Subject,
        action: Action,
        record: Option<Uuid>,
        version: Option<i64>,
        sha256: Option<String>,
    ) -> Entry {
        Entry {
            subject,
            action,
            record,
            version,
            at_ms: self.lodge().now().as_millisecond(),
            by: self.user.0,
            sha256,
            record_digest: None,
        }
    }

    /// How many leaves the log has.
    pub async fn log_size(&self) -> Result<u64, ServiceError> {
        let size = self.lodge().store().ledger_size(self.id.0).await?;
        u64::try_from(size).map_err(|_| ServiceError::Internal("negative log size".into()))
    }

    /// Her log, opened, oldest first. An entry changed outside Lodge is left out here; the
    /// case's pages say that the log was changed ([`crate::integrity`]).
    pub async fn log_lines(&self) -> Result<Vec<LogLine>, ServiceError> {
        let rows = self.lodge().store().ledger_leaves(self.id.0).await?;
        Ok(rows
            .into_iter()
            .filter_map(|row| {
                let entry = self.opening(&row).ok()?.entry().ok()?;
                Some(LogLine { index: row.index as u64, entry, at: row.created_at })
            })
            .collect())
    }

    /// Every leaf's opening with its index, oldest first, leaving out any that no longer
    /// matches its commitment (nothing can be proved with it).
    pub(crate) async fn openings(&self) -> Result<Vec<(u64, Opening)>, ServiceError> {
        let rows = self.lodge().store().ledger_leaves(self.id.0).await?;
        Ok(rows.iter().filter_map(|row| Some((row.index as u64, self.opening(row).ok()?))).collect())
    }

    /// Proof that leaf `index` is in the log of `size` leaves, as a bundle writes it (base64).
    pub(crate) async fn inclusion_proof(&self, size: u64, index: u64) -> Result<Vec<String>, ServiceError> {
        let have = self.lodge().fetch(self.id.0, tree::inclusion_needs(size, index)).await?;
        let proof = tree::inclusion(size, index, &have).map_err(ledger_error)?;
        Ok(proof.iter().map(|h| data_encoding::BASE64.encode(&h.0)).collect())
    }

    /// The opening of one leaf, checked against the leaf's commitment. An opening sealed to
    /// the case's public key is taken only for what such a key seals: a submission arriving
    /// in her inbox, or a use of a police link.
    pub(crate) fn opening(&self, row: &LeafRow) -> Result<Opening, ServiceError> {
        let aad = opening_aad(self.id.0, row.index);
        let (plain, sent) = match self.keys.open(&aad, &row.opening) {
            Ok(plain) => (plain, false),
            Err(lodge_crypto::CryptoError::SentByAnyone) => (self.keys.open_sent(&aad, &row.opening)?, true),
            Err(e) => return Err(e.into()),
        };
        let opening: Opening = serde_json::from_slice(&plain).map_err(|e| ServiceError::Internal(e.to_string()))?;
        if opening.commitment().map_err(ledger_error)?.as_slice() != row.commitment.as_slice() {
            return Err(ServiceError::Internal("a log leaf does not match its opening".into()));
        }
        if sent {
            let entry = opening.entry().map_err(ledger_error)?;
            let sendable = matches!(
                (entry.subject, entry.action, entry.version),
                (Subject::Inbox, Action::Created, _) | (Subject::Share, Action::Accessed, None)
            );
            if !sendable {
                return Err(ServiceError::Internal(
                    "a log leaf sealed to the public key records something else".into(),
                ));
            }
        }
        Ok(opening)
    }

    /// Checks her whole log from scratch: every leaf opens and matches its commitment, every
    /// record of every kind matches the entry that recorded it, and then everything
    /// [`Lodge::verify_case_log`] checks.
    pub async fn verify_log(&self) -> Result<LogCheck, ServiceError> {
        let rows = self.lodge().store().ledger_leaves(self.id.0).await?;
        let mut check = self.lodge().check_log(self.id.0, &rows).await?;
        check.changed = self.check_everything().await?.iter().map(|f| f.sentence()).collect();
        if let Some(row) = rows.iter().find(|row| self.opening(row).is_err()) {
            check.problem = Some(format!("leaf {} does not match what it records", row.index));
        }
        if check.problem.is_none() {
            check.problem = check.changed.first().cloned();
        }
        Ok(check)
    }

    /// The log origin of this case.
    pub fn log_origin(&self) -> String {
        origin(&self.lodge().signer().server_name, self.id.0)
    }

    /// A signed checkpoint of the log as it is now, made and kept if the log has grown since
    /// the last one.
    pub async fn checkpoint(&self) -> Result<SignedCheckpoint, ServiceError> {
        let lodge = self.lodge();
        let size = self.log_size().await?;
        let kept = match lodge.store().checkpoint(self.id.0, size as i64).await? {
            Some(row) => row,
            None => {
                let root =
                    tree::root(size, &lodge.fetch(self.id.0, tree::root_needs(size)).await?).map_err(ledger_error)?;
                let checkpoint = Checkpoint { origin: self.log_origin(), size, root };
                let note = lodge.signer().key.sign(&checkpoint).map_err(ledger_error)?;
                let timestamp_token = lodge.trusted_time(note.as_bytes()).await;
                let row = CheckpointRow {
                    case_id: self.id.0,
                    size: size as i64,
                    note,
                    created_at: self.lodge().now(),
                    timestamp_token,
                };
                lodge.store().insert_checkpoint(&row).await?;
                // Another request may have kept one for this size first; that one stands.
                lodge.store().checkpoint(self.id.0, row.size).await?.unwrap_or(row)
            }
        };
        self.signed(kept)
    }

    fn signed(&self, row: CheckpointRow) -> Result<SignedCheckpoint, ServiceError> {
        let key = &self.lodge().signer().key;
        // A checkpoint names the log as the server was called when it was signed (its first
        // line); a server renamed since still opens it, with its own key.
        let origin = row.note.lines().next().filter(|o| !o.is_empty()).map_or_else(|| self.log_origin(), str::to_owned);
        let verifier = Verifier::new(&key.verifier_key(&origin)).map_err(ledger_error)?;
        let checkpoint = verifier.open(row.note.as_bytes()).map_err(ledger_error)?;
        Ok(SignedCheckpoint {
            origin,
            size: checkpoint.size,
            root: checkpoint.root,
            note: row.note,
            verifier_key: verifier.key().to_owned(),
            public_key: key.public_key(),
            signed_at: row.created_at,
            timestamp_token: row.timestamp_token,
        })
    }

    /// Proof that the log of `old` leaves is a prefix of the log of `new`.
    pub async fn consistency_proof(&self, old: u64, new: u64) -> Result<Proof, ServiceError> {
        if new > self.log_size().await? || old > new {
            return Err(ServiceError::NotFound);
        }
        if old == 0 {
            return Ok(Proof::new());
        }
        let have = self.lodge().fetch(self.id.0, tree::consistency_needs(old, new)).await?;
        tree::consistency(old, new, &have).map_err(|_| ServiceError::NotFound)
    }
}
