//! One shape for every format: [`detect`] says what a file is (looking inside zips), and
//! [`read`] streams it as [`Item`]s — a conversation, a sender with the identifier the export
//! gives them, a time (exact, or as written when the export has no zone), the text, attached
//! files and the place in the file it came from.

use std::collections::HashMap;
use std::fmt;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};

use jiff::Timestamp;
use jiff::civil::DateTime;
use phonenumber::country::Id as Country;
use sha2::{Digest, Sha256};

pub use crate::format::Format;
use crate::zipped::{Entry, Limits, SafeZip};
use crate::{ImportError, discord, email, identifiers, image, meta, sms_xml, telegram, whatsapp, x_archive};

/// Distinct numbers remembered while reading an SMS backup.
const NUMBER_CACHE: usize = 10_000;

/// Bytes looked at to tell formats apart.
const HEAD: usize = 8 * 1024;

/// When a message was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stamp {
    /// An instant: the export gave a zone, an offset or epoch time.
    Exact(Timestamp),
    /// A clock time as written, with no zone: it is read in the zone she confirms.
    Local(DateTime),
}

/// Where in the file an item came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// A line (from 1) starting at a byte offset.
    Line {
        /// Line number, from 1.
        line: u64,
        /// Byte offset of the line's start.
        offset: u64,
    },
    /// A byte offset.
    Offset(u64),
    /// The nth record (from 0) of a file inside the export.
    Record {
        /// The file inside the export (empty when the export is that file).
        file: String,
        /// Its index there.
        index: u64,
    },
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Place::Line { line, offset } => write!(f, "line {line} (byte {offset})"),
            Place::Offset(offset) => write!(f, "byte {offset}"),
            Place::Record { file, index } if file.is_empty() => write!(f, "message {}", index + 1),
            Place::Record { file, index } => write!(f, "{file}, message {}", index + 1),
        }
    }
}

/// How the export names someone, besides their display name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Handle {
    /// A phone number, E.164 when it could be read as one.
    Phone(String),
    /// An email address, lowercased.
    Email(String),
    /// The platform's own id for the account.
    UserId(String),
}

/// Who sent an item.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Party {
    /// The name the export shows.
    pub name: String,
    /// How the export identifies them, if it does.
    pub handle: Option<Handle>,
    /// Whether the export itself says she sent it (SMS "sent", her own Discord messages, her
    /// photos). Otherwise she says which of the senders is her.
    pub mine: bool,
}

/// A file attached to a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attached {
    /// Its name as the export gives it.
    pub name: String,
    /// SHA-256 and size, when the file itself is in the export.
    pub held: Option<(String, u64)>,
}

/// One message, call, email or photo.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// The conversation (chat, thread, number, mailbox sender) it belongs to.
    pub conversation: String,
    /// Who sent it.
    pub sender: Party,
    /// When; `None` when the file holds no time (a photo without EXIF).
    pub time: Option<Stamp>,
    /// The text, exactly as exported.
    pub text: String,
    /// Attached files.
    pub attachments: Vec<Attached>,
    /// Where in the file it came from.
    pub place: Place,
    /// Evidential details: email headers, call length, edits, forwarding.
    pub details: Vec<(String, String)>,
    /// Where a photo was taken (latitude, longitude). Shown to her only; reports leave it out
    /// unless she chooses.
    pub location: Option<(f64, f64)>,
}

impl Item {
    pub(crate) fn new(conversation: &str, sender: Party, time: Option<Stamp>, text: String, place: Place) -> Item {
        Item {
            conversation: conversation.to_owned(),
            sender,
            time,
            text,
            attachments: Vec::new(),
            place,
            details: Vec::new(),
            location: None,
        }
    }
}

/// What reading a file found besides its items.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Items delivered.
    pub items: u64,
    /// Notices and other lines that are not messages, left out.
    pub left_out: u64,
    /// Things she should know, in plain words ("day and month order assumed…").
    pub notes: Vec<String>,
}

fn sha256_hex(bytes: &[u8]) -> String {
    data_encoding::HEXLOWER.encode(&Sha256::digest(bytes))
}

fn is_zip(head: &[u8]) -> bool {
    head.starts_with(b"PK\x03\x04")
}

fn head_of<R: Read + Seek>(file: &mut R) -> Result<Vec<u8>, ImportError> {
    file.seek(SeekFrom::Start(0))?;
    let mut head = Vec::with_capacity(HEAD);
    file.by_ref().take(HEAD as u64).read_to_end(&mut head)?;
    file.seek(SeekFrom::Start(0))?;
    Ok(head)
}

/// What a file is, from its name and content (looking inside zips). `None` when it is none
/// of the formats Lodge reads.
pub fn detect<R: Read + Seek>(name: &str, file: &mut R) -> Result<Option<Format>, ImportError> {
    let head = head_of(file)?;
    if is_zip(&head) {
        let zip = SafeZip::open(&mut *file, Limits::default())?;
        let found = detect_zip(zip.entries());
        file.seek(SeekFrom::Start(0))?;
        return Ok(found);
    }
    let lower = name.to_ascii_lowercase();
    Ok(if image::detect(&head) {
        Some(Format::Image)
    } else if sms_xml::detect(&head) {
        Some(Format::SmsXml)
    } else if x_archive::detect(&head) {
        Some(Format::X)
    } else if telegram::detect(&head) {
        Some(Format::Telegram)
    } else if meta::detect(&head) {
        Some(if lower.contains("facebook") || lower.contains("messenger") {
            Format::Facebook
        } else {
            Format::Instagram
        })
    } else if whatsapp::detect(&head) {
        Some(Format::WhatsApp)
    } else if email::detect(&head) || lower.ends_with(".eml") || lower.ends_with(".mbox") {
        Some(Format::Email)
    } else {
        None
    })
}

fn detect_zip(entries: &[Entry]) -> Option<Format> {
    let has = |test: &dyn Fn(&Entry) -> bool| entries.iter().any(test);
    if has(&|e| e.name == "result.json") {
        Some(Format::Telegram)
    } else if has(&|e| e.name == "direct-messages.js") {
        Some(Format::X)
    } else if has(&|e| is_discord_index(&e.path)) {
        Some(Format::Discord)
    } else if has(&|e| is_meta_thread(&e.path)) {
        Some(if has(&|e| e.path.contains("instagram")) { Format::Instagram } else { Format::Facebook })
    } else if has(&|e| e.name.ends_with(".txt")) {
        Some(Format::WhatsApp)
    } else {
        None
    }
}

/// A Discord package's channel index: `messages/index.json`, or `Messages/index.json` in
/// packages made since mid-2025 (Discord's folder names are matched whatever their case).
fn is_discord_index(path: &str) -> bool {
    path.to_ascii_lowercase().ends_with("messages/index.json")
}

fn is_meta_thread(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    path.contains("messages/") && name.starts_with("message_") && name.ends_with(".json")
}

/// Reads a whole file (for formats that are one JSON document), up to `max` bytes.
fn whole<R: Read>(file: R, max: usize) -> Result<Vec<u8>, ImportError> {
    let mut bytes = Vec::new();
    file.take(max as u64 + 1).read_to_end(&mut bytes)?;
    if bytes.len() > max {
        return Err(ImportError::BrokenAt { offset: max as u64, reason: "the file is too large to read".into() });
    }
    Ok(bytes)
}

/// Reads `file` as `format`, calling `each` with every item in the file's own order. Numbers
/// without a country code are read as numbers of `region`. On an error, the items before it
/// have been delivered; the error names the line or offset.
pub fn read<R: Read + Seek>(
    format: Format,
    mut file: R,
    region: Country,
    each: &mut dyn FnMut(Item),
) -> Result<Outcome, ImportError> {
    let head = head_of(&mut file)?;
    let mut outcome = Outcome::default();
    let mut deliver = |item: Item| {
        outcome.items += 1;
        each(item);
    };
    if is_zip(&head) && format != Format::Image {
        let mut zip = SafeZip::open(file, Limits::default())?;
        let notes = read_zip(format, &mut zip, region, &mut deliver)?;
        outcome.notes = notes;
        return Ok(outcome);
    }
    let mut notes = Vec::new();
    let mut left_out = 0;
    match format {
        Format::WhatsApp => {
            let mut file = BufReader::new(file);
            let start = file.stream_position()?;
            let order = whatsapp::date_order(&mut file)?;
            file.seek(SeekFrom::Start(start))?;
            let (n, l) = read_whatsapp(file, order, &[], &mut deliver)?;
            notes = n;
            left_out = l;
        }
        Format::SmsXml => read_sms(BufReader::new(file), region, &mut deliver)?,
        Format::Telegram => read_telegram(file, "", &mut deliver)?,
        Format::Instagram | Format::Facebook => read_meta(&whole(file, meta::MAX_FILE)?, "", &mut deliver)?,
        Format::X => read_x(&whole(file, x_archive::MAX_FILE)?, "", &mut deliver)?,
        Format::Discord => {
            return Err(ImportError::BrokenAt {
                offset: 0,
                reason: "a Discord data package is a zip file: choose the whole package.zip".into(),
            });
        }
        Format::Email => email::read(BufReader::new(file), &mut deliver)?,
        Format::Image => deliver(image::read(file)?),
    }
    outcome.notes = notes;
    outcome.left_out = left_out;
    Ok(outcome)
}

fn read_zip<R: Read + Seek>(
    format: Format,
    zip: &mut SafeZip<R>,
    region: Country,
    deliver: &mut dyn FnMut(Item),
) -> Result<Vec<String>, ImportError> {
    let entries = zip.entries().to_vec();
    let missing = |what: &str| ImportError::BrokenAt { offset: 0, reason: format!("the zip file has no {what} in it") };
    match format {
        Format::WhatsApp => {
            let chat = entries
                .iter()
                .find(|e| e.name == "_chat.txt")
                .or_else(|| entries.iter().find(|e| e.name.ends_with(".txt")))
                .ok_or_else(|| missing("chat text file"))?;
            // Read as a stream, twice: once for the order of day and month, once for the messages.
            let order = whatsapp::date_order(BufReader::new(zip.reader_within(chat, whatsapp::MAX_CHAT)?))?;
            let mut media = Vec::new();
            for entry in entries.iter().filter(|e| e.path != chat.path) {
                let mut hasher = HashingSink(Sha256::new());
                let size = zip.copy(entry, &mut hasher)?;
                media.push((entry.name.clone(), data_encoding::HEXLOWER.encode(&hasher.0.finalize()), size));
            }
            Ok(read_whatsapp(BufReader::new(zip.reader(chat)?), order, &media, deliver)?.0)
        }
        Format::SmsXml => {
            let entry = entries.iter().find(|e| e.name.ends_with(".xml")).ok_or_else(|| missing("XML backup"))?;
            read_sms(BufReader::new(zip.reader(entry)?), region, deliver)?;
            Ok(Vec::new())
        }
        Format::Telegram => {
            let entry = entries.iter().find(|e| e.name == "result.json").ok_or_else(|| missing("result.json"))?;
            read_telegram(zip.reader(entry)?, &entry.path, deliver)?;
            Ok(Vec::new())
        }
        Format::Instagram | Format::Facebook => {
            let mut threads: Vec<&Entry> = entries.iter().filter(|e| is_meta_thread(&e.path)).collect();
            if threads.is_empty() {
                return Err(missing("message_1.json"));
            }
            threads.sort_by(|a, b| a.path.cmp(&b.path));
            for entry in threads {
                read_meta(&zip.read(entry, meta::MAX_FILE)?, &entry.path, deliver)?;
            }
            Ok(Vec::new())
        }
        Format::X => {
            let entry =
                entries.iter().find(|e| e.name == "direct-messages.js").ok_or_else(|| missing("direct-messages.js"))?;
            read_x(&zip.read(entry, x_archive::MAX_FILE)?, &entry.path, deliver)?;
            Ok(Vec::new())
        }
        Format::Discord => read_discord(zip, &entries, deliver),
        Format::Email => {
            for entry in entries.iter().filter(|e| e.name.ends_with(".eml") || e.name.ends_with(".mbox")) {
                email::read(BufReader::new(zip.reader(entry)?), deliver)?;
            }
            Ok(Vec::new())
        }
        Format::Image => Err(missing("photo")),
    }
}

struct HashingSink(Sha256);

impl std::io::Write for HashingSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn read_whatsapp<R: BufRead>(
    reader: R,
    (order, order_assumed): (whatsapp::DateOrder, bool),
    media: &[(String, String, u64)],
    deliver: &mut dyn FnMut(Item),
) -> Result<(Vec<String>, u64), ImportError> {
    let mut left_out = 0;
    let summary = whatsapp::messages(reader, order, order_assumed, |m| {
        let Some(sender) = m.sender else {
            left_out += 1;
            return;
        };
        let mut item = Item::new(
            "",
            Party { name: sender, handle: None, mine: false },
            Some(Stamp::Local(m.time)),
            m.text,
            Place::Line { line: m.line, offset: m.offset },
        );
        item.details.push(("Time as written".into(), m.written_time));
        for a in m.attachments {
            item.attachments.push(match a {
                whatsapp::Attachment::File(name) => {
                    let held = media.iter().find(|(n, ..)| *n == name).map(|(_, h, s)| (h.clone(), *s));
                    Attached { name, held }
                }
                whatsapp::Attachment::Omitted => Attached { name: "media omitted from the export".into(), held: None },
            });
        }
        deliver(item);
    })?;
    let mut notes = Vec::new();
    if summary.order_assumed {
        notes.push(
            "No date in the chat settles whether the day or the month comes first, so day first was assumed.".into(),
        );
    }
    Ok((notes, left_out))
}

fn read_sms<R: BufRead>(reader: R, region: Country, deliver: &mut dyn FnMut(Item)) -> Result<(), ImportError> {
    // Reading a number with libphonenumber's rules is the slowest step per message, and a
    // backup holds few distinct numbers: each is read once (the cache is capped all the same).
    let mut numbers: HashMap<String, String> = HashMap::new();
    sms_xml::parse(reader, |r| {
        let mut read_number = |raw: &str| match numbers.get(raw) {
            Some(n) => n.clone(),
            None => {
                let n = identifiers::phone(raw, region).unwrap_or_else(|| raw.trim().to_owned());
                if numbers.len() < NUMBER_CACHE {
                    numbers.insert(raw.to_owned(), n.clone());
                }
                n
            }
        };
        let number = read_number(&r.address);
        // In a group (members joined with `~`), the one who sent it is its `from` address, not
        // the group; the group stays the conversation.
        let group = r.address.contains('~');
        let them = if group && !r.from.trim().is_empty() && r.from.trim() != "insert-address-token" {
            let from = read_number(&r.from);
            Party { name: from.clone(), handle: Some(Handle::Phone(from)), mine: false }
        } else {
            Party {
                name: if r.contact_name.trim().is_empty() || r.contact_name == "(Unknown)" || group {
                    number.clone()
                } else {
                    r.contact_name.clone()
                },
                handle: (!number.is_empty()).then(|| Handle::Phone(number.clone())),
                mine: false,
            }
        };
        let me = Party { name: "Me".into(), handle: None, mine: true };
        let (sender, text) = match r.kind {
            sms_xml::Kind::Call => {
                let what = match r.direction {
                    sms_xml::Direction::Received => format!("Incoming call, {} seconds", r.duration),
                    sms_xml::Direction::Sent => format!("Outgoing call, {} seconds", r.duration),
                    sms_xml::Direction::Missed => "Missed or rejected call".to_owned(),
                };
                (if r.direction == sms_xml::Direction::Sent { me } else { them }, what)
            }
            _ => {
                // An MMS's SMIL layout and the word "null" that some phones write for no text
                // are not what anyone wrote.
                let mut text = if r.body.trim() == "null" { String::new() } else { r.body.clone() };
                let written = |p: &&sms_xml::Part| {
                    !p.text.is_empty()
                        && p.text.trim() != "null"
                        && !p.content_type.eq_ignore_ascii_case("application/smil")
                };
                for part in r.parts.iter().filter(written) {
                    if !text.is_empty() {
                        text.push('\n');
                    }
                    text.push_str(&part.text);
                }
                (if r.direction == sms_xml::Direction::Sent { me } else { them }, text)
            }
        };
        let mut item = Item::new(&number, sender, Some(Stamp::Exact(r.time)), text, Place::Offset(r.offset));
        for part in r.parts.iter().filter(|p| !p.data.is_empty()) {
            item.attachments.push(Attached {
                name: if part.name.is_empty() { part.content_type.clone() } else { part.name.clone() },
                held: Some((sha256_hex(&part.data), part.data.len() as u64)),
            });
        }
        deliver(item);
    })?;
    Ok(())
}

fn read_telegram(reader: impl Read, file: &str, deliver: &mut dyn FnMut(Item)) -> Result<(), ImportError> {
    telegram::read(reader, |chat, index, m| {
        if m.service {
            return Ok(());
        }
        let handle = (!m.from_id.is_empty()).then(|| Handle::UserId(m.from_id.clone()));
        let mut item = Item::new(
            chat,
            Party { name: m.from, handle, mine: false },
            Some(m.time),
            m.text,
            Place::Record { file: file.to_owned(), index },
        );
        match m.edited {
            Some(Stamp::Exact(at)) => item.details.push(("Edited".into(), at.to_string())),
            Some(Stamp::Local(at)) => item.details.push(("Edited".into(), at.to_string())),
            None => {}
        }
        if let Some(from) = m.forwarded_from {
            item.details.push(("Forwarded from".into(), from));
        }
        if let Some(name) = m.file {
            item.attachments.push(Attached { name, held: None });
        }
        deliver(item);
        Ok(())
    })
}

fn read_meta(bytes: &[u8], file: &str, deliver: &mut dyn FnMut(Item)) -> Result<(), ImportError> {
    let thread = meta::parse(bytes)?;
    for m in thread.messages {
        let mut text = m.text;
        if let Some(link) = m.link.filter(|l| !text.contains(l.as_str())) {
            text = if text.is_empty() { link } else { format!("{text}\n{link}") };
        }
        let mut item = Item::new(
            &thread.title,
            Party { name: m.sender, handle: None, mine: false },
            Some(Stamp::Exact(m.time)),
            text,
            Place::Record { file: file.to_owned(), index: m.index as u64 },
        );
        item.attachments = m.files.into_iter().map(|name| Attached { name, held: None }).collect();
        deliver(item);
    }
    Ok(())
}

fn read_x(bytes: &[u8], file: &str, deliver: &mut dyn FnMut(Item)) -> Result<(), ImportError> {
    for conversation in x_archive::parse(bytes)? {
        for (index, m) in conversation.messages.into_iter().enumerate() {
            let mut item = Item::new(
                &conversation.id,
                Party { name: m.sender_id.clone(), handle: Some(Handle::UserId(m.sender_id)), mine: false },
                Some(Stamp::Exact(m.time)),
                m.text,
                Place::Record { file: file.to_owned(), index: index as u64 },
            );
            item.details.push(("Message id".into(), m.id));
            item.attachments = m.media.into_iter().map(|name| Attached { name, held: None }).collect();
            deliver(item);
        }
    }
    Ok(())
}

fn read_discord<R: Read + Seek>(
    zip: &mut SafeZip<R>,
    entries: &[Entry],
    deliver: &mut dyn FnMut(Item),
) -> Result<Vec<String>, ImportError> {
    let index_entry = entries
        .iter()
        .find(|e| is_discord_index(&e.path))
        .ok_or_else(|| ImportError::BrokenAt { offset: 0, reason: "the package has no messages/index.json".into() })?;
    let names = discord::index(&zip.read(index_entry, discord::MAX_FILE)?)?;
    let root = index_entry.path.trim_end_matches("index.json").to_owned();
    for (id, index_name) in names {
        // Newer packages name the folder `c<id>`, older ones `<id>`.
        let folder = entries.iter().find(|e| {
            e.path.eq_ignore_ascii_case(&format!("{root}c{id}/channel.json"))
                || e.path.eq_ignore_ascii_case(&format!("{root}{id}/channel.json"))
        });
        let Some(channel_entry) = folder else { continue };
        let dir = channel_entry.path.trim_end_matches("channel.json").to_owned();
        let channel = discord::channel(&zip.read(channel_entry, discord::MAX_FILE)?, &index_name)?;
        let messages_entry = entries
            .iter()
            .find(|e| e.path.eq_ignore_ascii_case(&format!("{dir}messages.json")))
            .or_else(|| entries.iter().find(|e| e.path.eq_ignore_ascii_case(&format!("{dir}messages.csv"))));
        let Some(messages_entry) = messages_entry else { continue };
        let csv = messages_entry.name.to_ascii_lowercase().ends_with(".csv");
        for (index, m) in discord::messages(&zip.read(messages_entry, discord::MAX_FILE)?, csv)?.into_iter().enumerate()
        {
            let mut item = Item::new(
                &channel.name,
                Party { name: "Me".into(), handle: None, mine: true },
                Some(Stamp::Exact(m.time)),
                m.text,
                Place::Record { file: messages_entry.path.clone(), index: index as u64 },
            );
            item.details.push(("Message id".into(), m.id));
            item.attachments = m.attachments.into_iter().map(|name| Attached { name, held: None }).collect();
            deliver(item);
        }
    }
    Ok(vec!["A Discord data package holds only the messages she sent, not the ones sent to her.".into()])
}
