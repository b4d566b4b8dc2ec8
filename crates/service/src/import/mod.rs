//! Importing an export into a case. The file is first received like any evidence file
//! (encrypted as it arrives); a preview then reads it from the blob store, decrypting as it
//! goes, and says who is in it, how many messages, the dates and the conversations. The import
//! reads it again and writes, in one transaction: the export itself as an exhibit with its
//! SHA-256, a person for each sender (matched to people already in the case by number, email,
//! user id or name), and incidents grouping the messages by day or by burst, each message keeping
//! its place in the export. Messages already in the case are recognised and skipped, so the
//! same export imported twice adds nothing.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{Read, Seek, SeekFrom};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use lodge_blobs::PlainStream;
use lodge_domain::{
    Attachment, Evidence, EvidenceId, Identifier, IdentifierKind, ImportSource, Incident, IncidentId, Message, Person,
    PersonId, RecordKind, When,
};
pub use lodge_import::export::Undecided;
use lodge_import::export::{self, Format, Handle, Item, Reading as HowToRead, Stamp};
use lodge_import::identifiers::{self, Country, Found};
pub use lodge_import::whatsapp::DateOrder;
use lodge_store::Batched;
use sha2::{Digest, Sha256};
use uuid::Uuid;

mod directory;
mod file;
mod importer;
mod preview;

use directory::*;
use file::*;
use importer::*;
pub use preview::{ConversationPreview, ImportPreview, Mention, SenderPreview};

use crate::ServiceError;
use crate::case::{OpenCase, Version};
use crate::evidence::{THUMBNAIL_SOURCE_MAX, make_thumbnail};
use crate::ledger::LeafBatch;

/// Messages in one incident at most; a longer run is split.
const GROUP_MESSAGES: usize = 500;
/// Characters of an incident's verbatim text at most; a longer run is split.
const GROUP_CHARS: usize = 150_000;
/// Items waiting between the reader and the writer.
const QUEUE: usize = 256;
/// Identifiers found in message text listed in a preview at most.
const MENTIONS: usize = 50;
/// Most conversations, and most senders, a preview lists (a real export has far fewer; a file
/// made to have a new one on every line would otherwise fill memory).
const LISTED: usize = 1_000;

/// An export received and waiting for her to look at the preview and choose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Staged {
    /// Its id: the exhibit's id once imported.
    pub id: EvidenceId,
    /// The file name as sent.
    pub file_name: String,
}

/// How messages are grouped into incidents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grouping {
    /// One incident per conversation per day.
    Day,
    /// A new incident whenever this many minutes pass without a message.
    Burst(u32),
}

/// Her choices for an import.
#[derive(Debug, Clone)]
pub struct ImportChoices {
    /// The format, or `None` to detect it.
    pub format: Option<Format>,
    /// The time zone for times written without one (IANA name).
    pub zone: String,
    /// The conversations to import; empty for all.
    pub conversations: Vec<String>,
    /// Senders who are her.
    pub me: Vec<String>,
    /// Senders whose messages are left out.
    pub left_out: Vec<String>,
    /// How messages become incidents.
    pub grouping: Grouping,
    /// Keep what was read before a broken part of the file, instead of nothing.
    pub keep_partial: bool,
    /// The order of day and month, where the export does not say; `None` to work it out.
    pub date_order: Option<DateOrder>,
}

/// What an import saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportOutcome {
    /// The exhibit holding the original export.
    pub exhibit: EvidenceId,
    /// Incidents added.
    pub incidents: u64,
    /// Messages added.
    pub messages: u64,
    /// Messages skipped because they were already in the case.
    pub duplicates: u64,
    /// People added.
    pub people_added: u64,
    /// What could not be read, when she chose to keep what could.
    pub problem: Option<String>,
}

/// Where a name stands in one of a preview's lists.
enum InList {
    /// Listed already, at this place.
    Seen(usize),
    /// Listed now, at the end.
    New,
    /// Past the end of a full list: counted, not listed.
    Past,
}

/// Finds `name` in a list of `listed` names (by `index`), adding it if the list has room.
fn in_list(index: &mut HashMap<String, usize>, name: &str, listed: usize) -> InList {
    match index.get(name) {
        Some(i) => InList::Seen(*i),
        None if listed < LISTED => {
            index.insert(name.to_owned(), listed);
            InList::New
        }
        None => InList::Past,
    }
}

/// The instant a stamp names, reading clock times in `zone`.
fn instant(stamp: Stamp, zone: &TimeZone) -> Option<Timestamp> {
    match stamp {
        Stamp::Exact(t) => Some(t),
        Stamp::Local(dt) => zone.to_ambiguous_zoned(dt).compatible().ok().map(|z| z.timestamp()),
    }
}

/// The digest that recognises a message imported before.
fn message_key(item: &Item) -> String {
    let time = match item.time {
        Some(Stamp::Exact(t)) => t.to_string(),
        Some(Stamp::Local(dt)) => dt.to_string(),
        None => String::new(),
    };
    let mut hasher = Sha256::new();
    for part in [&item.conversation, &item.sender.name, &time, &item.text] {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    data_encoding::HEXLOWER.encode(&hasher.finalize()[..16])
}

impl OpenCase {
    fn open_blob(&self, id: EvidenceId) -> Box<dyn Fn() -> Result<PlainStream, ServiceError> + Send> {
        let blobs = self.lodge().blobs().clone();
        let name = self.evidence_blob(id);
        let key = self.keys.duplicate();
        Box::new(move || {
            tokio::runtime::Handle::current().block_on(blobs.reader(&name, &key)).map_err(ServiceError::from)
        })
    }

    pub(crate) fn region(&self) -> Country {
        identifiers::region(&self.lodge().config().phone_region).unwrap_or(Country::GB)
    }

    /// Receives an export (encrypted as it arrives) for a preview and an import.
    pub async fn stage_import<S, E>(&self, file_name: &str, body: S) -> Result<Staged, ServiceError>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        self.may_write()?;
        let id = EvidenceId::new();
        self.receive(&self.evidence_blob(id), body, false).await?;
        Ok(Staged { id, file_name: crate::evidence::clean_file_name(file_name) })
    }

    /// Throws away an export that was received but not imported.
    pub async fn discard_import(&self, staged: &Staged) -> Result<(), ServiceError> {
        self.may_write()?;
        if self.evidence(staged.id).await.is_ok() {
            return Ok(());
        }
        self.check_staged(staged).await?;
        self.remove_blobs(staged.id).await;
        Ok(())
    }

    /// NotFound unless `staged` was received into this case (and opens with its key).
    async fn check_staged(&self, staged: &Staged) -> Result<(), ServiceError> {
        let _received = self.lodge().blobs().reader(&self.evidence_blob(staged.id), &self.keys).await?;
        Ok(())
    }

    /// What `staged` is: `hint` if she said, otherwise what its content shows.
    async fn detect_staged(&self, staged: &Staged, hint: Option<Format>) -> Result<Format, ServiceError> {
        if let Some(format) = hint {
            return Ok(format);
        }
        let open = self.open_blob(staged.id);
        let name = staged.file_name.clone();
        tokio::task::spawn_blocking(move || match as_file(open, |mut file| export::detect(&name, &mut file))? {
            Ok(Some(format)) => Ok(format),
            Ok(None) => Err(ServiceError::invalid(
                "format",
                "Lodge could not tell what kind of export this is. Choose the format and try again.",
            )),
            Err(e) => Err(ServiceError::invalid("file", &format!("This file cannot be read: {e}."))),
        })
        .await
        .map_err(|e| ServiceError::Internal(e.to_string()))?
    }

    /// Starts reading `staged` as `format` in a blocking task: items arrive on the receiver,
    /// and the task ends with what went wrong in the file, if anything did.
    fn read_staged(
        &self,
        staged: &Staged,
        format: Format,
        date_order: Option<DateOrder>,
    ) -> (tokio::sync::mpsc::Receiver<Item>, Reading) {
        let open = self.open_blob(staged.id);
        let how = HowToRead { region: self.region(), date_order };
        let (sender, receiver) = tokio::sync::mpsc::channel::<Item>(QUEUE);
        let reader = tokio::task::spawn_blocking(move || -> Result<Result<export::Outcome, String>, ServiceError> {
            as_file(open, |file| {
                export::read_as(format, file, how, &mut |item| {
                    // Sending fails only once the writer has failed; its error is the one reported.
                    let _ = sender.blocking_send(item);
                })
                .map_err(|e| e.to_string())
            })
        });
        (receiver, reader)
    }

    /// Keys of every message already in the case.
    async fn imported_keys(&self) -> Result<HashSet<String>, ServiceError> {
        let incidents: Vec<Version<Incident>> = self.latest(RecordKind::Incident).await?;
        Ok(incidents
            .iter()
            .filter_map(|e| e.body.as_ref())
            .flat_map(|i| i.messages.iter().map(|m| m.key.clone()))
            .collect())
    }

    /// Imports a received export as she chose, in one transaction. `progress` counts the
    /// messages read so far.
    pub async fn import(
        &self,
        staged: &Staged,
        choices: &ImportChoices,
        progress: Option<Arc<AtomicU64>>,
    ) -> Result<ImportOutcome, ServiceError> {
        self.may_write()?;
        self.check_staged(staged).await?;
        let tz = zone_of(&choices.zone)?;
        let format = self.detect_staged(staged, choices.format).await?;
        let lodge = self.lodge().clone();
        let turn = lodge.append_lock(self.id.0);
        let _turn = turn.lock().await;

        // The exhibit: the export itself, unless the same file is already in the case.
        let (size, sha256) = self.blob_digest(staged.id).await?;
        let existing: Vec<Version<Evidence>> = self.evidence_list().await?;
        let reused =
            existing.iter().find(|e| e.body.as_ref().is_some_and(|b| b.sha256 == sha256)).map(|e| EvidenceId(e.id));
        // A photo is its own exhibit, on its incident, with a thumbnail (made without metadata).
        let photo_incident = (format == Format::Image).then(IncidentId::new);
        let mut exhibit = Evidence {
            file_name: staged.file_name.clone(),
            content_type: "application/octet-stream".into(),
            size,
            sha256,
            incident: photo_incident,
            thumbnail: false,
        };
        if photo_incident.is_some() && reused.is_none() && size <= THUMBNAIL_SOURCE_MAX as u64 {
            let bytes = self.lodge().blobs().read_all(&self.evidence_blob(staged.id), &self.keys).await?;
            exhibit.content_type = image_type(&bytes).into();
            let thumbnail = tokio::task::spawn_blocking(move || make_thumbnail(&bytes)).await.ok().flatten();
            if let Some(jpeg) = thumbnail {
                self.lodge().blobs().put(&self.thumbnail_blob(staged.id), &self.keys, &jpeg).await?;
                exhibit.thumbnail = true;
            }
        }

        let people: Vec<Version<Person>> = self.latest(RecordKind::Person).await?;
        let (batch, batch_rx) = tokio::sync::mpsc::channel::<Batched>(64);
        let store = lodge.shared_store();
        let writer = tokio::spawn(async move { store.insert_batch(batch_rx).await });
        let mut importer = Importer {
            case: self,
            choices,
            format,
            tz,
            file_name: &staged.file_name,
            exhibit_id: reused.unwrap_or(staged.id),
            exhibit: reused.is_none().then_some(exhibit),
            directory: Directory::new(&people, self.region()),
            known: self.imported_keys().await?,
            leaves: lodge.leaf_batch(self.id.0).await?,
            batch,
            persons: HashMap::new(),
            groups: BTreeMap::new(),
            next_incident: photo_incident,
            outcome: ImportOutcome {
                exhibit: reused.unwrap_or(staged.id),
                incidents: 0,
                messages: 0,
                duplicates: 0,
                people_added: 0,
                problem: None,
            },
        };
        let (mut items, reading) = self.read_staged(staged, format, choices.date_order);
        while let Some(item) = items.recv().await {
            if let Some(p) = &progress {
                p.fetch_add(1, Ordering::Relaxed);
            }
            if let Err(e) = importer.take(item).await {
                items.close();
                let _ = reading.await;
                return Err(e);
            }
        }
        let read = finished(reading).await?;
        for (conversation, group) in std::mem::take(&mut importer.groups) {
            importer.write_incident(&conversation, group).await?;
        }
        if let Err(problem) = read {
            if !choices.keep_partial {
                drop(importer);
                let _ = writer.await;
                return Err(ServiceError::invalid(
                    "file",
                    &format!(
                        "Part of this file cannot be read ({problem}). Nothing was saved. You can import what comes before that point by choosing to keep what could be read."
                    ),
                ));
            }
            importer.outcome.problem = Some(problem);
        }
        let outcome = importer.outcome.clone();
        let commit = importer.batch.send(Batched::Commit).await;
        drop(importer);
        let written = writer.await.map_err(|e| ServiceError::Internal(e.to_string()))??;
        if commit.is_err() || (written == 0 && outcome.messages > 0) {
            return Err(ServiceError::Internal("the import's transaction was not committed".into()));
        }
        if reused.is_some() || outcome.messages == 0 {
            self.remove_blobs(staged.id).await;
        }
        tracing::info!(incidents = outcome.incidents, messages = outcome.messages, "export imported");
        Ok(outcome)
    }

    /// Size and SHA-256 of a stored blob, read through once.
    async fn blob_digest(&self, id: EvidenceId) -> Result<(u64, String), ServiceError> {
        let mut stream = self.lodge().blobs().reader(&self.evidence_blob(id), &self.keys).await?;
        let mut hasher = Sha256::new();
        let mut size = 0u64;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk?;
            size += chunk.len() as u64;
            hasher.update(&chunk);
        }
        Ok((size, data_encoding::HEXLOWER.encode(&hasher.finalize())))
    }
}

/// The reading task of an import or preview.
type Reading = tokio::task::JoinHandle<Result<Result<export::Outcome, String>, ServiceError>>;

async fn finished(reading: Reading) -> Result<Result<export::Outcome, String>, ServiceError> {
    reading.await.map_err(|e| ServiceError::Internal(e.to_string()))?
}

/// The media type of a photo Lodge reads, from its first bytes.
fn image_type(bytes: &[u8]) -> &'static str {
    match bytes {
        [0xff, 0xd8, 0xff, ..] => "image/jpeg",
        [0x89, b'P', b'N', b'G', ..] => "image/png",
        [b'R', b'I', b'F', b'F', _, _, _, _, b'W', b'E', b'B', b'P', ..] => "image/webp",
        [b'I', b'I', b'*', 0, ..] | [b'M', b'M', 0, b'*', ..] => "image/tiff",
        _ => "image/heic",
    }
}

fn earliest(a: Option<Timestamp>, b: Option<Timestamp>) -> Option<Timestamp> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn zone_of(zone: &str) -> Result<TimeZone, ServiceError> {
    TimeZone::get(zone.trim()).map_err(|_| ServiceError::invalid("zone", "Choose a time zone from the list."))
}

fn day(t: Timestamp, tz: &TimeZone) -> Date {
    t.to_zoned(tz.clone()).date()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_times_are_read_in_her_zone_and_instants_are_left_alone() {
        let london = TimeZone::get("Europe/London").unwrap();
        let summer = Stamp::Local("2024-05-03T21:15:00".parse().unwrap());
        assert_eq!(instant(summer, &london).unwrap().to_string(), "2024-05-03T20:15:00Z");
        let exact: Timestamp = "2024-05-03T20:15:00Z".parse().unwrap();
        assert_eq!(instant(Stamp::Exact(exact), &TimeZone::get("Asia/Tokyo").unwrap()), Some(exact));
    }
}
