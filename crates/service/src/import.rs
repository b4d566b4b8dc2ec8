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
use lodge_import::export::{self, Format, Handle, Item, Stamp};
use lodge_import::identifiers::{self, Country, Found};
use lodge_store::Batched;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::ServiceError;
use crate::case::{Entry, OpenCase};
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
}

/// One conversation in a preview.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversationPreview {
    /// Its name.
    pub name: String,
    /// Messages in it.
    pub messages: u64,
    /// First and last message times.
    pub first: Option<Timestamp>,
    /// See `first`.
    pub last: Option<Timestamp>,
}

/// One sender in a preview.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SenderPreview {
    /// The name the export gives.
    pub name: String,
    /// Their number, email or user id, if the export gives one.
    pub handle: Option<String>,
    /// Whether the export says this is her.
    pub mine: bool,
    /// Messages from them.
    pub messages: u64,
    /// The person in the case they match, with that person's label.
    pub person: Option<(PersonId, String)>,
}

/// An identifier found in message text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mention {
    /// What kind: "phone number", "email address", "handle" or "web address".
    pub kind: &'static str,
    /// The number (E.164), address, handle or link.
    pub value: String,
    /// The person in the case it belongs to, if any.
    pub person: Option<(PersonId, String)>,
}

/// What an export holds, before anything is saved.
#[derive(Debug, Clone)]
pub struct ImportPreview {
    /// The export.
    pub staged: Staged,
    /// The format it was read as.
    pub format: Format,
    /// Messages (calls, emails, photos) read.
    pub messages: u64,
    /// Messages already in the case (imported before).
    pub already: u64,
    /// First and last message times.
    pub first: Option<Timestamp>,
    /// See `first`.
    pub last: Option<Timestamp>,
    /// Conversations, in the order first seen.
    pub conversations: Vec<ConversationPreview>,
    /// Senders, in the order first seen.
    pub senders: Vec<SenderPreview>,
    /// Numbers, emails, handles and links found in the messages.
    pub mentions: Vec<Mention>,
    /// Things she should know about how it was read.
    pub notes: Vec<String>,
    /// What is broken in the file, if a part could not be read (the counts are of what came
    /// before it).
    pub problem: Option<String>,
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

/// A blob read as a file, never whole in memory: forward reads decrypt as they go, and a read
/// before where the stream stands starts it again from the beginning. Its last bytes are kept
/// once its end is sought, since a zip is read from its end (its directory) before its entries.
struct BlobFile {
    open: Box<dyn Fn() -> Result<PlainStream, ServiceError> + Send>,
    stream: PlainStream,
    buffer: Bytes,
    /// Where the stream stands.
    streamed: u64,
    /// Where the next read begins.
    position: u64,
    /// The file's last bytes and where they begin, once its end has been sought.
    tail: Option<(u64, Vec<u8>)>,
    /// Bytes decrypted so far, over every time the stream began again.
    pulled: u64,
}

/// How many times over a zip may be decrypted while it is read: a real one is read in order, in
/// three or four passes; one whose entries are laid out to be read backwards would otherwise
/// make the stream begin again for each of them.
const PASSES: u64 = 8;

/// How much of the end of a file is kept (a zip's directory: 20,000 entries of about 100 bytes).
const TAIL: usize = 4 * 1024 * 1024;

impl BlobFile {
    fn new(open: Box<dyn Fn() -> Result<PlainStream, ServiceError> + Send>) -> Result<BlobFile, ServiceError> {
        let stream = open()?;
        Ok(BlobFile { open, stream, buffer: Bytes::new(), streamed: 0, position: 0, tail: None, pulled: 0 })
    }

    /// Takes the stream's next chunk into the (empty) buffer; false at its end.
    fn pull(&mut self) -> std::io::Result<bool> {
        match tokio::runtime::Handle::current().block_on(self.stream.next()) {
            Some(Ok(chunk)) => {
                self.streamed += chunk.len() as u64;
                self.pulled += chunk.len() as u64;
                if let Some((start, bytes)) = &self.tail
                    && self.pulled > PASSES * (start + bytes.len() as u64) + (64 << 20)
                {
                    return Err(std::io::Error::other(
                        "its entries are out of order, so it cannot be read in a few passes",
                    ));
                }
                self.buffer = chunk;
                Ok(true)
            }
            Some(Err(e)) => Err(std::io::Error::other(e.to_string())),
            None => Ok(false),
        }
    }

    /// Where the buffer's first byte is in the file.
    fn buffer_start(&self) -> u64 {
        self.streamed - self.buffer.len() as u64
    }

    /// Brings the buffer to begin at `position` (empty at the end of the file), starting the
    /// stream again from the beginning if it has passed it.
    fn stream_to_position(&mut self) -> std::io::Result<()> {
        if self.position < self.buffer_start() {
            self.stream = (self.open)().map_err(|e| std::io::Error::other(e.to_string()))?;
            (self.buffer, self.streamed) = (Bytes::new(), 0);
        }
        loop {
            if self.position < self.streamed {
                let skip = (self.position - self.buffer_start()) as usize;
                let _ = self.buffer.split_to(skip);
                return Ok(());
            }
            self.buffer = Bytes::new();
            if !self.pull()? {
                return Ok(());
            }
        }
    }

    /// Reads to the end, keeping the last [`TAIL`] bytes; returns the file's length.
    fn keep_tail(&mut self) -> std::io::Result<u64> {
        if let Some((start, bytes)) = &self.tail {
            return Ok(start + bytes.len() as u64);
        }
        let mut start = self.buffer_start();
        let mut kept = std::mem::take(&mut self.buffer).to_vec();
        while self.pull()? {
            kept.extend_from_slice(&std::mem::take(&mut self.buffer));
            if kept.len() > 2 * TAIL {
                let drop = kept.len() - TAIL;
                kept.drain(..drop);
                start += drop as u64;
            }
        }
        let length = start + kept.len() as u64;
        self.tail = Some((start, kept));
        Ok(length)
    }
}

impl Read for BlobFile {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if let Some((start, bytes)) = &self.tail
            && self.position >= *start
        {
            let from = ((self.position - start) as usize).min(bytes.len());
            let n = out.len().min(bytes.len() - from);
            out[..n].copy_from_slice(&bytes[from..from + n]);
            self.position += n as u64;
            return Ok(n);
        }
        self.stream_to_position()?;
        let n = out.len().min(self.buffer.len());
        out[..n].copy_from_slice(&self.buffer.split_to(n));
        self.position += n as u64;
        Ok(n)
    }
}

impl Seek for BlobFile {
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        let invalid = || std::io::Error::from(std::io::ErrorKind::InvalidInput);
        self.position = match to {
            SeekFrom::Start(t) => t,
            SeekFrom::Current(d) => self.position.checked_add_signed(d).ok_or_else(invalid)?,
            SeekFrom::End(d) => self.keep_tail()?.checked_add_signed(d).ok_or_else(invalid)?,
        };
        Ok(self.position)
    }
}

/// A file that can be read and sought in.
trait ReadSeek: Read + Seek {}

impl<T: Read + Seek> ReadSeek for T {}

/// Runs `read` on a received export, streamed from the blob store as it decrypts.
fn as_file<T>(
    open: Box<dyn Fn() -> Result<PlainStream, ServiceError> + Send>,
    read: impl FnOnce(&mut dyn ReadSeek) -> T,
) -> Result<T, ServiceError> {
    let mut file = BlobFile::new(open)?;
    Ok(read(&mut file))
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

fn handle_text(handle: &Handle) -> &str {
    match handle {
        Handle::Phone(v) | Handle::Email(v) | Handle::UserId(v) => v,
    }
}

/// People already in the case, by the ways they can be recognised.
struct Directory {
    by_identifier: HashMap<String, (PersonId, String)>,
    by_name: HashMap<String, (PersonId, String)>,
    /// Each person's latest version, to add an identifier the export gives.
    people: HashMap<PersonId, (i64, Person)>,
}

fn normalise(kind: IdentifierKind, value: &str, region: Country) -> String {
    match kind {
        IdentifierKind::Phone => identifiers::phone(value, region).unwrap_or_else(|| value.trim().to_owned()),
        IdentifierKind::Username => value.trim().trim_start_matches('@').to_lowercase(),
        _ => value.trim().to_lowercase(),
    }
}

impl Directory {
    fn new(people: &[Entry<Person>], region: Country) -> Directory {
        let mut d = Directory { by_identifier: HashMap::new(), by_name: HashMap::new(), people: HashMap::new() };
        for entry in people {
            let Some(p) = &entry.body else { continue };
            let shown = if p.label.trim().is_empty() {
                p.identifiers.first().map(|i| i.value.clone()).unwrap_or_else(|| "a person with no name".into())
            } else {
                p.label.clone()
            };
            let who = (PersonId(entry.id), shown);
            d.people.insert(PersonId(entry.id), (entry.version, p.clone()));
            if !p.label.trim().is_empty() {
                d.by_name.insert(p.label.trim().to_lowercase(), who.clone());
            }
            for i in &p.identifiers {
                d.by_identifier.insert(normalise(i.kind, &i.value, region), who.clone());
                if matches!(i.kind, IdentifierKind::Nickname | IdentifierKind::Username) {
                    d.by_name.insert(i.value.trim().trim_start_matches('@').to_lowercase(), who.clone());
                }
            }
        }
        d
    }

    fn sender(&self, name: &str, handle: Option<&Handle>) -> Option<(PersonId, String)> {
        handle
            .and_then(|h| self.by_identifier.get(&handle_text(h).to_lowercase()))
            .or_else(|| self.by_name.get(&name.trim().trim_start_matches('@').to_lowercase()))
            .cloned()
    }

    fn mention(&self, found: &Found) -> Option<(PersonId, String)> {
        match found {
            Found::Phone(v) | Found::Email(v) | Found::Url(v) => self.by_identifier.get(&v.to_lowercase()).cloned(),
            Found::Handle(h) => {
                let bare = h.trim_start_matches('@').to_lowercase();
                self.by_identifier.get(&bare).or_else(|| self.by_name.get(&bare)).cloned()
            }
        }
    }
}

/// The identifier an export's handle becomes.
fn identifier_of(format: Format, handle: &Handle) -> Identifier {
    let (kind, value) = match handle {
        Handle::Phone(v) => (IdentifierKind::Phone, v),
        Handle::Email(v) => (IdentifierKind::Email, v),
        Handle::UserId(v) => (IdentifierKind::PlatformUserId, v),
    };
    Identifier { kind, platform: format.platform().to_owned(), value: value.clone(), first_seen: None, last_seen: None }
}

/// A person for a sender not yet in the case.
fn new_person(format: Format, name: &str, handle: Option<&Handle>) -> Person {
    let mut identifiers: Vec<Identifier> = handle.map(|h| identifier_of(format, h)).into_iter().collect();
    if handle.is_none_or(|h| handle_text(h) != name) {
        identifiers.push(Identifier {
            kind: IdentifierKind::Nickname,
            platform: format.platform().to_owned(),
            value: name.to_owned(),
            first_seen: None,
            last_seen: None,
        });
    }
    Person {
        label: name.to_owned(),
        identifiers,
        name: String::new(),
        address: String::new(),
        vehicle: String::new(),
        notes: format!("Added from a {} import.", format.platform()),
    }
}

/// Messages on their way to becoming one incident.
struct Group {
    messages: Vec<Message>,
    people: Vec<PersonId>,
    first: Option<Timestamp>,
    last: Option<Timestamp>,
    chars: usize,
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

    fn region(&self) -> Country {
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
    fn read_staged(&self, staged: &Staged, format: Format) -> (tokio::sync::mpsc::Receiver<Item>, Reading) {
        let open = self.open_blob(staged.id);
        let region = self.region();
        let (sender, receiver) = tokio::sync::mpsc::channel::<Item>(QUEUE);
        let reader = tokio::task::spawn_blocking(move || -> Result<Result<export::Outcome, String>, ServiceError> {
            as_file(open, |file| {
                export::read(format, file, region, &mut |item| {
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
        let incidents: Vec<Entry<Incident>> = self.latest(RecordKind::Incident).await?;
        Ok(incidents
            .iter()
            .filter_map(|e| e.body.as_ref())
            .flat_map(|i| i.messages.iter().map(|m| m.key.clone()))
            .collect())
    }

    /// Reads a received export and says what it holds, saving nothing. Times written without a
    /// zone are read in `zone`.
    pub async fn preview_import(
        &self,
        staged: &Staged,
        format: Option<Format>,
        zone: &str,
    ) -> Result<ImportPreview, ServiceError> {
        self.check_staged(staged).await?;
        let tz = zone_of(zone)?;
        let region = self.region();
        let people: Vec<Entry<Person>> = self.latest(RecordKind::Person).await?;
        let directory = Directory::new(&people, region);
        let known = self.imported_keys().await?;
        let mut conversations: Vec<ConversationPreview> = Vec::new();
        let mut senders: Vec<SenderPreview> = Vec::new();
        let mut mentions: Vec<Mention> = Vec::new();
        let mut conversation_index: HashMap<String, usize> = HashMap::new();
        let mut sender_index: HashMap<String, usize> = HashMap::new();
        let (mut messages, mut already, mut unlisted) = (0u64, 0u64, false);
        let format = self.detect_staged(staged, format).await?;
        let (mut items, reading) = self.read_staged(staged, format);
        while let Some(item) = items.recv().await {
            messages += 1;
            if known.contains(&message_key(&item)) {
                already += 1;
            }
            let at = item.time.and_then(|t| instant(t, &tz));
            let next = conversations.len();
            let index = match conversation_index.get(&item.conversation) {
                Some(index) => *index,
                None if next < LISTED => *conversation_index.entry(item.conversation.clone()).or_insert(next),
                None => {
                    unlisted = true;
                    usize::MAX
                }
            };
            if index == next {
                conversations.push(ConversationPreview {
                    name: item.conversation.clone(),
                    messages: 0,
                    first: None,
                    last: None,
                });
            }
            if let Some(c) = conversations.get_mut(index) {
                c.messages += 1;
                c.first = earliest(c.first, at);
                c.last = c.last.max(at);
            }
            let next = senders.len();
            let index = match sender_index.get(&item.sender.name) {
                Some(index) => *index,
                None if next < LISTED => *sender_index.entry(item.sender.name.clone()).or_insert(next),
                None => {
                    unlisted = true;
                    usize::MAX
                }
            };
            match index {
                usize::MAX => {}
                i if i < next => {
                    if let Some(s) = senders.get_mut(i) {
                        s.messages += 1;
                    }
                }
                _ => senders.push(SenderPreview {
                    person: (!item.sender.mine)
                        .then(|| directory.sender(&item.sender.name, item.sender.handle.as_ref()))
                        .flatten(),
                    name: item.sender.name.clone(),
                    handle: item.sender.handle.as_ref().map(|h| handle_text(h).to_owned()),
                    mine: item.sender.mine,
                    messages: 1,
                }),
            }
            if !item.sender.mine && mentions.len() < MENTIONS {
                for found in identifiers::find(&item.text, region) {
                    let (kind, value) = match &found {
                        Found::Phone(v) => ("phone number", v),
                        Found::Email(v) => ("email address", v),
                        Found::Handle(v) => ("handle", v),
                        Found::Url(v) => ("web address", v),
                    };
                    if mentions.len() < MENTIONS && !mentions.iter().any(|m| &m.value == value) {
                        mentions.push(Mention { kind, value: value.clone(), person: directory.mention(&found) });
                    }
                }
            }
        }
        let read = finished(reading).await?;
        let (mut notes, problem) = match read {
            Ok(outcome) => (outcome.notes, None),
            Err(e) => (Vec::new(), Some(e)),
        };
        if unlisted {
            notes.push(format!(
                "This export names more than {LISTED} conversations or senders: only the first {LISTED} of each are listed here, and messages from the others are counted but not shown by name."
            ));
        }
        let first = conversations.iter().filter_map(|c| c.first).min();
        let last = conversations.iter().filter_map(|c| c.last).max();
        Ok(ImportPreview {
            staged: staged.clone(),
            format,
            messages,
            already,
            first,
            last,
            conversations,
            senders,
            mentions,
            notes,
            problem,
        })
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
        let existing: Vec<Entry<Evidence>> = self.evidence_list().await?;
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

        let people: Vec<Entry<Person>> = self.latest(RecordKind::Person).await?;
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
        let (mut items, reading) = self.read_staged(staged, format);
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

/// The state of one import as items arrive.
struct Importer<'a> {
    case: &'a OpenCase,
    choices: &'a ImportChoices,
    format: Format,
    tz: TimeZone,
    file_name: &'a str,
    exhibit_id: EvidenceId,
    /// The exhibit's record, until it is written with the first message.
    exhibit: Option<Evidence>,
    directory: Directory,
    known: HashSet<String>,
    leaves: LeafBatch,
    batch: tokio::sync::mpsc::Sender<Batched>,
    persons: HashMap<(String, Option<Handle>), PersonId>,
    groups: BTreeMap<String, Group>,
    /// The id the next incident takes, when it was chosen ahead (a photo's exhibit names it).
    next_incident: Option<IncidentId>,
    outcome: ImportOutcome,
}

impl Importer<'_> {
    /// Seals a new record, logs it and sends both to the open transaction.
    async fn write<T: serde::Serialize>(&mut self, kind: RecordKind, id: Uuid, body: &T) -> Result<(), ServiceError> {
        self.write_version(kind, id, 1, body).await
    }

    /// Seals version `version` of a record, logs it and sends both to the open transaction.
    async fn write_version<T: serde::Serialize>(
        &mut self,
        kind: RecordKind,
        id: Uuid,
        version: i64,
        body: &T,
    ) -> Result<(), ServiceError> {
        let case = self.case;
        let action = if version == 1 { lodge_ledger::Action::Created } else { lodge_ledger::Action::Edited };
        let (row, entry) = case.sealed_version(kind, id, version, action, body)?;
        let leaf = case.lodge().batch_leaf(&mut self.leaves, &case.keys, &entry).await?;
        self.batch
            .send(Batched::Record(Box::new(row), Box::new(leaf)))
            .await
            .map_err(|_| ServiceError::Internal("the import's transaction ended early".into()))
    }

    async fn write_incident(&mut self, conversation: &str, group: Group) -> Result<(), ServiceError> {
        let incident = incident_of(
            conversation,
            group,
            self.format,
            self.exhibit_id,
            &self.choices.zone,
            self.file_name,
            &self.tz,
        );
        let id = self.next_incident.take().unwrap_or_default();
        self.write(RecordKind::Incident, id.0, &incident).await?;
        self.outcome.incidents += 1;
        Ok(())
    }

    /// The person a sender is: found in the case, met earlier in this import, or new.
    async fn person(&mut self, name: &str, handle: Option<&Handle>) -> Result<PersonId, ServiceError> {
        let who = (name.to_owned(), handle.cloned());
        if let Some(id) = self.persons.get(&who) {
            return Ok(*id);
        }
        let id = match self.directory.sender(name, handle) {
            Some((id, _)) => {
                self.add_handle(id, handle).await?;
                id
            }
            None => {
                let id = PersonId::new();
                self.write(RecordKind::Person, id.0, &new_person(self.format, name, handle)).await?;
                self.outcome.people_added += 1;
                id
            }
        };
        self.persons.insert(who, id);
        Ok(id)
    }

    /// Adds the export's number, email or user id to a person found by name who lacks it.
    async fn add_handle(&mut self, id: PersonId, handle: Option<&Handle>) -> Result<(), ServiceError> {
        let Some(handle) = handle else { return Ok(()) };
        let key = handle_text(handle).to_lowercase();
        if self.directory.by_identifier.contains_key(&key) {
            return Ok(());
        }
        let Some((version, mut person)) = self.directory.people.remove(&id) else { return Ok(()) };
        person.identifiers.push(identifier_of(self.format, handle));
        self.write_version(RecordKind::Person, id.0, version + 1, &person).await?;
        self.directory.by_identifier.insert(key, (id, person.label.clone()));
        self.directory.people.insert(id, (version + 1, person));
        Ok(())
    }

    async fn take(&mut self, item: Item) -> Result<(), ServiceError> {
        let choices = self.choices;
        if (!choices.conversations.is_empty() && !choices.conversations.contains(&item.conversation))
            || choices.left_out.contains(&item.sender.name)
        {
            return Ok(());
        }
        let key = message_key(&item);
        if self.known.contains(&key) {
            self.outcome.duplicates += 1;
            return Ok(());
        }
        if let Some(exhibit) = self.exhibit.take() {
            self.write(RecordKind::Evidence, self.exhibit_id.0, &exhibit).await?;
        }
        let mine = item.sender.mine || choices.me.contains(&item.sender.name);
        let person = if mine { None } else { Some(self.person(&item.sender.name, item.sender.handle.as_ref()).await?) };
        let at = item.time.and_then(|t| instant(t, &self.tz));
        let message = Message {
            at,
            sender: item.sender.name,
            mine,
            person,
            text: item.text,
            attachments: item
                .attachments
                .into_iter()
                .map(|a| Attachment {
                    name: a.name,
                    sha256: a.held.as_ref().map(|h| h.0.clone()),
                    size: a.held.map(|h| h.1),
                })
                .collect(),
            place: item.place.to_string(),
            details: item.details,
            location: item.location,
            key,
        };
        self.outcome.messages += 1;
        let chars = message.text.chars().count() + message.sender.len() + 24;
        let split = self.groups.get(&item.conversation).is_some_and(|g| {
            self.format == Format::Image
                || g.messages.len() >= GROUP_MESSAGES
                || g.chars + chars > GROUP_CHARS
                || match (g.last, at) {
                    (Some(last), Some(now)) if now >= last => match choices.grouping {
                        Grouping::Day => day(last, &self.tz) != day(now, &self.tz),
                        Grouping::Burst(minutes) => {
                            now.duration_since(last) > jiff::SignedDuration::from_mins(i64::from(minutes))
                        }
                    },
                    _ => true,
                }
        });
        if let Some(done) = split.then(|| self.groups.remove(&item.conversation)).flatten() {
            self.write_incident(&item.conversation, done).await?;
        }
        let group = self.groups.entry(item.conversation).or_insert_with(|| Group {
            messages: Vec::new(),
            people: Vec::new(),
            first: at,
            last: at,
            chars: 0,
        });
        if let Some(p) = person.filter(|p| !group.people.contains(p)) {
            group.people.push(p);
        }
        group.last = at.or(group.last);
        group.chars += chars;
        group.messages.push(message);
        Ok(())
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

/// The incident a group of messages becomes.
fn incident_of(
    conversation: &str,
    group: Group,
    format: Format,
    exhibit: EvidenceId,
    zone: &str,
    file_name: &str,
    tz: &TimeZone,
) -> Incident {
    let occurred = match group.first {
        Some(t) => When::Exact { at: t.to_zoned(tz.clone()) },
        None => When::Approximate { description: "The file holds no time".into(), around: None },
    };
    let several_days = match (group.first, group.last) {
        (Some(a), Some(b)) => day(a, tz) != day(b, tz),
        _ => false,
    };
    let mut verbatim = String::new();
    for m in group.messages.iter().filter(|_| format != Format::Image) {
        let time = m.at.map(|t| {
            let z = t.to_zoned(tz.clone());
            if several_days { z.strftime("%Y-%m-%d %H:%M").to_string() } else { z.strftime("%H:%M").to_string() }
        });
        let text = if m.text.is_empty() && !m.attachments.is_empty() {
            format!("[{}]", m.attachments.iter().map(|a| a.name.as_str()).collect::<Vec<_>>().join(", "))
        } else {
            m.text.clone()
        };
        match time {
            Some(t) => verbatim.push_str(&format!("[{t}] {}: {text}\n", m.sender)),
            None => verbatim.push_str(&format!("{}: {text}\n", m.sender)),
        }
    }
    let count = group.messages.len();
    let what = match format {
        Format::Image => format!("Photo or screenshot {file_name}"),
        Format::Email => format!("{count} email{} from {conversation}", if count == 1 { "" } else { "s" }),
        _ => format!(
            "{count} message{} in {} on {}",
            if count == 1 { "" } else { "s" },
            if conversation.is_empty() { "the chat" } else { conversation },
            format.platform()
        ),
    };
    let verbatim = if verbatim.chars().count() > 190_000 { verbatim.chars().take(190_000).collect() } else { verbatim };
    Incident {
        occurred,
        discovered: None,
        platform: format.platform().to_owned(),
        url: String::new(),
        place: String::new(),
        description: format!("{what}, imported from {file_name}."),
        verbatim,
        conduct: Vec::new(),
        effects: Vec::new(),
        effect_words: String::new(),
        witnesses: String::new(),
        asked_to_stop: Default::default(),
        police_reference: String::new(),
        people: group.people,
        messages: group.messages,
        source: Some(ImportSource {
            exhibit,
            format: format.platform().to_owned(),
            conversation: conversation.to_owned(),
            zone: zone.to_owned(),
        }),
        submitted_by: String::new(),
    }
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
