//! One shape for every format: [`detect`] says what a file is (looking inside zips), and
//! [`read`] streams it as [`Item`]s — a conversation, a sender with the identifier the export
//! gives them, a time (exact, or as written when the export has no zone), the text, attached
//! files and the place in the file it came from.

use std::fmt;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};

use jiff::Timestamp;
use jiff::civil::DateTime;
use phonenumber::country::Id as Country;
use sha2::{Digest, Sha256};

pub use crate::format::Format;
use crate::zipped::{Entry, Limits, SafeZip};
use crate::{ImportError, email, image, meta, sms_xml, telegram, whatsapp, x_archive};

mod formats;
use formats::{read_discord, read_meta, read_sms, read_telegram, read_x};

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
    /// When nothing in the file says whether the day or the month comes first (and it was not
    /// chosen): a message whose date reads differently either way, for her to choose.
    pub undecided: Option<Undecided>,
}

/// A date that reads two ways, and both readings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Undecided {
    /// The date and time as the export writes them ("05/03/2024, 21:15").
    pub written: String,
    /// Read day first (5 March), as it is unless she chooses otherwise.
    pub day_first: DateTime,
    /// Read month first (3 May).
    pub month_first: DateTime,
}

/// How to read an export.
#[derive(Debug, Clone, Copy)]
pub struct Reading {
    /// Numbers without a country code are numbers of this country.
    pub region: Country,
    /// The order of day and month she chose, where the export does not say; `None` to work it
    /// out from the dates (day first when nothing settles it).
    pub date_order: Option<whatsapp::DateOrder>,
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
    } else if discord_index(entries).is_some() {
        Some(Format::Discord)
    } else if has(&|e| is_meta_thread(&e.path)) {
        Some(if has(&|e| e.path.contains("instagram")) { Format::Instagram } else { Format::Facebook })
    } else if has(&|e| e.name.ends_with(".txt")) {
        Some(Format::WhatsApp)
    } else {
        None
    }
}

/// A Discord package's channel index: `messages/index.json` — `Messages/`, or the folder's name
/// in her language (`Wiadomości/`, `Nachrichten/`…), in packages made since mid-2025. Found by
/// its shape whatever the folder is called: an `index.json` beside channel folders
/// (`c<id>/channel.json`, or `<id>/channel.json` in older packages).
fn discord_index(entries: &[Entry]) -> Option<&Entry> {
    let is_channel_of = |dir: &str, e: &Entry| {
        e.name.eq_ignore_ascii_case("channel.json")
            && e.path.get(..dir.len()).is_some_and(|p| p.eq_ignore_ascii_case(dir))
            && e.path[dir.len()..].split_once('/').is_some_and(|(folder, rest)| {
                let id = folder.strip_prefix(['c', 'C']).unwrap_or(folder);
                !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) && !rest.contains('/')
            })
    };
    entries.iter().filter(|e| e.name.eq_ignore_ascii_case("index.json")).find(|index| {
        let dir = &index.path[..index.path.len() - index.name.len()];
        entries.iter().any(|e| is_channel_of(dir, e))
    })
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
    file: R,
    region: Country,
    each: &mut dyn FnMut(Item),
) -> Result<Outcome, ImportError> {
    read_as(format, file, Reading { region, date_order: None }, each)
}

/// [`read`], as `how` says.
pub fn read_as<R: Read + Seek>(
    format: Format,
    mut file: R,
    how: Reading,
    each: &mut dyn FnMut(Item),
) -> Result<Outcome, ImportError> {
    let Reading { region, date_order } = how;
    let head = head_of(&mut file)?;
    let mut outcome = Outcome::default();
    let mut deliver = |item: Item| {
        outcome.items += 1;
        each(item);
    };
    if is_zip(&head) && format != Format::Image {
        let mut zip = SafeZip::open(file, Limits::default())?;
        let chat = read_zip(format, &mut zip, how, &mut deliver)?;
        return Ok(chat.into_outcome(outcome));
    }
    let mut chat = Chat::default();
    match format {
        Format::WhatsApp => {
            let mut file = BufReader::new(file);
            let start = file.stream_position()?;
            let survey = chosen(whatsapp::survey(&mut file)?, date_order);
            file.seek(SeekFrom::Start(start))?;
            chat = read_whatsapp(file, &survey, &[], &mut deliver)?;
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
    Ok(chat.into_outcome(outcome))
}

/// The order of day and month to read with: hers if she chose, else what the file showed.
fn chosen(found: whatsapp::Survey, hers: Option<whatsapp::DateOrder>) -> whatsapp::Survey {
    match hers {
        Some(order) => found.with_order(order),
        None => found,
    }
}

/// What reading a chat found besides its messages.
#[derive(Debug, Default)]
struct Chat {
    notes: Vec<String>,
    left_out: u64,
    undecided: Option<Undecided>,
}

impl Chat {
    fn into_outcome(self, items: Outcome) -> Outcome {
        Outcome { notes: self.notes, left_out: self.left_out, undecided: self.undecided, ..items }
    }
}

fn read_zip<R: Read + Seek>(
    format: Format,
    zip: &mut SafeZip<R>,
    how: Reading,
    deliver: &mut dyn FnMut(Item),
) -> Result<Chat, ImportError> {
    let region = how.region;
    let notes = |notes: Vec<String>| Chat { notes, ..Chat::default() };
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
            let found = whatsapp::survey(BufReader::new(zip.reader_within(chat, whatsapp::MAX_CHAT)?))?;
            let survey = chosen(found, how.date_order);
            let mut media = Vec::new();
            for entry in entries.iter().filter(|e| e.path != chat.path) {
                let mut hasher = HashingSink(Sha256::new());
                let size = zip.copy(entry, &mut hasher)?;
                media.push((entry.name.clone(), data_encoding::HEXLOWER.encode(&hasher.0.finalize()), size));
            }
            read_whatsapp(BufReader::new(zip.reader(chat)?), &survey, &media, deliver)
        }
        Format::SmsXml => {
            let entry = entries.iter().find(|e| e.name.ends_with(".xml")).ok_or_else(|| missing("XML backup"))?;
            read_sms(BufReader::new(zip.reader(entry)?), region, deliver)?;
            Ok(Chat::default())
        }
        Format::Telegram => {
            let entry = entries.iter().find(|e| e.name == "result.json").ok_or_else(|| missing("result.json"))?;
            read_telegram(zip.reader(entry)?, &entry.path, deliver)?;
            Ok(Chat::default())
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
            Ok(Chat::default())
        }
        Format::X => {
            let entry =
                entries.iter().find(|e| e.name == "direct-messages.js").ok_or_else(|| missing("direct-messages.js"))?;
            read_x(&zip.read(entry, x_archive::MAX_FILE)?, &entry.path, deliver)?;
            Ok(Chat::default())
        }
        Format::Discord => read_discord(zip, &entries, deliver).map(notes),
        Format::Email => {
            for entry in entries.iter().filter(|e| e.name.ends_with(".eml") || e.name.ends_with(".mbox")) {
                email::read(BufReader::new(zip.reader(entry)?), deliver)?;
            }
            Ok(Chat::default())
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
    survey: &whatsapp::Survey,
    media: &[(String, String, u64)],
    deliver: &mut dyn FnMut(Item),
) -> Result<Chat, ImportError> {
    let mut chat = Chat::default();
    let order_assumed = survey.order_assumed;
    let summary = whatsapp::messages(reader, survey, |m| {
        // The first date that reads differently either way is the one to ask her about.
        if order_assumed && chat.undecided.is_none() {
            let month_first = whatsapp::reading(&m.written_time, whatsapp::DateOrder::MonthFirst);
            if let Some(month_first) = month_first.filter(|t| *t != m.time) {
                chat.undecided = Some(Undecided { written: m.written_time.clone(), day_first: m.time, month_first });
            }
        }
        let Some(sender) = m.sender else {
            chat.left_out += 1;
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
    // Dates that read the same either way (05/05) need no answer.
    if summary.order_assumed && chat.undecided.is_some() {
        chat.notes.push(
            "No date in the chat says whether the day or the month comes first, so day first was assumed: check a date you know, and choose month first if it is wrong.".into(),
        );
    }
    Ok(chat)
}
