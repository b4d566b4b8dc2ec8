//! WhatsApp "Export chat" text (`_chat.txt` from iOS, `WhatsApp Chat with … .txt` from
//! Android), read as a stream.
//!
//! - iOS lines look like `[05/03/2024, 21:15:02] Name: text`; Android like
//!   `05/03/2024, 21:15 - Name: text`. The phone's locale decides the rest ([`header`] reads
//!   them all: separators, 12- or 24-hour clock, the Buddhist era, Unicode spaces).
//! - The day/month order is read from the whole file first: a first number above 12 means day
//!   first, a second number above 12 month first. If no date settles it, day first is assumed
//!   and [`Summary::order_assumed`] says so, so she can be asked; her answer is then given to
//!   [`messages`] in place of the guess.
//! - WhatsApp's own notices (encryption, group changes, security codes) have no sender: they
//!   are told from people's messages by their structure, in any language ([`notices`]).
//! - Direction and spacing marks (U+200E, U+202F and friends) are removed or made plain spaces.
//! - A line without a timestamp continues the message before it.
//! - Attachments appear as `<Media omitted>`, `<attached: NAME>` or `NAME (file attached)`, in
//!   the phone's language.
//! - No time zone is written in the file: times are civil, to be read in a zone she confirms.

use std::io::{BufRead, Seek, SeekFrom};

use jiff::civil::DateTime;

use crate::ImportError;

mod header;
mod notices;

pub use header::reading;
use header::{header, numbers, read_date, read_time};
use notices::{Marks, TitleSearch, attachments, is_mark, is_notice, leading_marks, raw_tail};

/// Longest line read, and longest message kept; a longer one is refused, naming its line.
const MAX_LINE: usize = 1024 * 1024;
/// Largest chat text taken from a zipped export (years of a busy chat are tens of MiB); it is
/// read as a stream all the same.
pub const MAX_CHAT: usize = 128 * 1024 * 1024;

/// Which number of a date comes first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateOrder {
    /// 05/03/2024 is 5 March.
    DayFirst,
    /// 03/05/2024 is 5 March.
    MonthFirst,
}

/// One message as exported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The line it starts on, from 1.
    pub line: u64,
    /// The byte offset of that line in the file.
    pub offset: u64,
    /// The date and time exactly as written.
    pub written_time: String,
    /// The time read from it, without a zone.
    pub time: DateTime,
    /// Who sent it, as the export names them; `None` for WhatsApp's own notices.
    pub sender: Option<String>,
    /// The text, continuation lines joined with newlines.
    pub text: String,
    /// Attached files named in the message (`None` inside for "media omitted").
    pub attachments: Vec<Attachment>,
}

/// An attachment marker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attachment {
    /// A file by name, found in the export's zip when it has media.
    File(String),
    /// Exported without media: the file is not in the export.
    Omitted,
}

/// What a whole chat holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// How dates were read.
    pub order: DateOrder,
    /// Whether no date settled the order, so day first was assumed.
    pub order_assumed: bool,
    /// Messages read, WhatsApp's notices among them.
    pub messages: u64,
    /// First and last message times.
    pub first: Option<DateTime>,
    /// See `first`.
    pub last: Option<DateTime>,
}

/// What the first reading of a chat found, for the second to read it by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Survey {
    /// How to read dates.
    pub order: DateOrder,
    /// Whether no date settled the order, so day first was assumed.
    pub order_assumed: bool,
    /// Names that are the chat's title rather than a person (a group's name on its notices).
    titles: Vec<String>,
}

impl Survey {
    /// The same survey, with dates read in the order she chose.
    pub fn with_order(self, order: DateOrder) -> Survey {
        Survey { order, order_assumed: false, ..self }
    }
}

/// Removes direction marks and makes narrow and non-breaking spaces plain.
fn plain(line: &str) -> String {
    line.chars()
        .filter(|c| survives(*c))
        .map(|c| if matches!(c, '\u{202f}' | '\u{00a0}' | '\u{2007}') { ' ' } else { c })
        .collect()
}

/// Whether a character is kept by [`plain`].
fn survives(c: char) -> bool {
    !matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

/// Whether the start of a file looks like a WhatsApp chat export.
pub fn detect(head: &[u8]) -> bool {
    let text = String::from_utf8_lossy(head);
    text.lines().map(plain).find(|l| !l.trim().is_empty()).is_some_and(|l| header(&l).is_some())
}

/// A line with a header, split into its parts.
struct Parsed {
    date: String,
    time: String,
    /// The name before `: `, if any.
    name: Option<String>,
    text: String,
    marks: Marks,
}

/// Reads a header line: its plain form for the parts, its raw form for WhatsApp's marks.
fn parse_line(raw: &str, line: &str) -> Option<Parsed> {
    let h = header(line)?;
    // Most lines have no marks (every Android line, most iOS ones): nothing to look for.
    let marked = raw.contains(is_mark);
    let raw = raw.trim_start_matches('\u{feff}');
    let rest_raw = if marked { raw_tail(raw, h.rest.chars().count(), survives) } else { "" };
    let mut marks = Marks { line: raw.starts_with(is_mark), rest: rest_raw.starts_with(is_mark), text: 0 };
    let (name, text) = match h.rest.split_once(": ") {
        Some((name, text)) if !name.trim().is_empty() && !marks.rest => {
            if marked {
                marks.text = leading_marks(raw_tail(rest_raw, text.chars().count(), survives));
            }
            (Some(name.trim().to_owned()), text.to_owned())
        }
        _ => (None, h.rest.to_owned()),
    };
    Some(Parsed { date: h.date.to_owned(), time: h.time.to_owned(), name, text, marks })
}

/// One line read: its number, its byte offset, the text as written and its plain form.
struct Line {
    number: u64,
    offset: u64,
    raw: String,
    plain: String,
}

/// Reads lines with their byte offsets, refusing a line longer than [`MAX_LINE`].
struct Lines<R> {
    reader: R,
    line: u64,
    offset: u64,
    buffer: Vec<u8>,
}

impl<R: BufRead> Lines<R> {
    fn new(reader: R) -> Self {
        Lines { reader, line: 0, offset: 0, buffer: Vec::new() }
    }

    fn next(&mut self) -> Result<Option<Line>, ImportError> {
        self.buffer.clear();
        let read = std::io::Read::take(&mut self.reader, MAX_LINE as u64 + 1).read_until(b'\n', &mut self.buffer)?;
        if read == 0 {
            return Ok(None);
        }
        self.line += 1;
        if read > MAX_LINE {
            return Err(ImportError::Malformed {
                line: self.line,
                reason: "this line is far too long for a chat".into(),
            });
        }
        let offset = self.offset;
        self.offset += read as u64;
        let raw = String::from_utf8_lossy(&self.buffer).trim_end_matches(['\n', '\r']).to_owned();
        let plain = plain(&raw);
        Ok(Some(Line { number: self.line, offset, raw, plain }))
    }
}

/// Reads the whole chat, calling `each` with every message in order, and returns a summary.
/// The file is read twice: once to survey it, once to read the messages.
pub fn parse<R: BufRead + Seek>(mut reader: R, each: impl FnMut(Message)) -> Result<Summary, ImportError> {
    let start = reader.stream_position()?;
    let found = survey(&mut reader)?;
    reader.seek(SeekFrom::Start(start))?;
    messages(reader, &found, each)
}

/// The first of the two readings: the order of day and month (and whether no date settled
/// it, so day first is assumed), and the chat's title if its notices carry one.
pub fn survey<R: BufRead>(reader: R) -> Result<Survey, ImportError> {
    let (mut day_first, mut month_first) = (false, false);
    let mut lines = Lines::new(reader);
    let mut titles = TitleSearch::default();
    let mut any = false;
    // A line that cannot be read ends this first reading: the second stops there too, after
    // handing on every message before it, so that she can keep them.
    let mut broken = None;
    loop {
        let line = match lines.next() {
            Ok(Some(next)) => next,
            Ok(None) => break,
            Err(e) => {
                broken = Some(e);
                break;
            }
        };
        match parse_line(&line.raw, &line.plain) {
            Some(parsed) => {
                any = true;
                if let Some([a, b, _]) = numbers(&parsed.date).filter(|[a, ..]| *a <= 31) {
                    day_first |= a > 12;
                    month_first |= b > 12;
                }
                if let Some(name) = &parsed.name {
                    titles.saw(name, parsed.marks);
                }
            }
            None if !any && !line.plain.trim().is_empty() => {
                return Err(ImportError::Malformed {
                    line: line.number,
                    reason: "this does not look like a WhatsApp chat export: it should start with a date and time"
                        .into(),
                });
            }
            None => {}
        }
    }
    if !any {
        return Err(broken.unwrap_or(ImportError::Malformed { line: 1, reason: "the file holds no messages".into() }));
    }
    let (order, order_assumed) = match (day_first, month_first) {
        (true, true) => {
            return Err(ImportError::Malformed {
                line: 1,
                reason: "the dates mix day-first and month-first order; export the chat again".into(),
            });
        }
        (false, true) => (DateOrder::MonthFirst, false),
        (true, false) => (DateOrder::DayFirst, false),
        (false, false) => (DateOrder::DayFirst, true),
    };
    Ok(Survey { order, order_assumed, titles: titles.titles() })
}

/// A message being read, with how its header was marked.
struct Reading {
    message: Message,
    marks: Marks,
}

/// The second reading: every message, in order, with dates read as `survey` says.
pub fn messages<R: BufRead>(reader: R, survey: &Survey, mut each: impl FnMut(Message)) -> Result<Summary, ImportError> {
    let mut lines = Lines::new(reader);
    let mut summary =
        Summary { order: survey.order, order_assumed: survey.order_assumed, messages: 0, first: None, last: None };
    let mut current: Option<Reading> = None;
    let mut finish = |reading: Reading, summary: &mut Summary| {
        let Reading { mut message, marks } = reading;
        message.attachments = if message.sender.is_some() { attachments(&message.text, marks) } else { Vec::new() };
        summary.messages += 1;
        summary.first = summary.first.or(Some(message.time));
        summary.last = Some(message.time);
        each(message);
    };
    loop {
        let line = match lines.next() {
            Ok(Some(next)) => next,
            Ok(None) => break,
            Err(e) => {
                // What came before the damage is handed on whole; the error says where it is.
                if let Some(done) = current.take() {
                    finish(done, &mut summary);
                }
                return Err(e);
            }
        };
        match parse_line(&line.raw, &line.plain) {
            Some(parsed) => {
                let number = line.number;
                let bad =
                    |what: &str| ImportError::Malformed { line: number, reason: format!("{what} cannot be read") };
                let date =
                    read_date(&parsed.date, survey.order).ok_or_else(|| bad(&format!("the date {:?}", parsed.date)))?;
                let time = read_time(&parsed.time).ok_or_else(|| bad(&format!("the time {:?}", parsed.time)))?;
                let first = summary.messages == 0 && current.is_none();
                let sender =
                    parsed.name.filter(|name| !is_notice(name, &parsed.text, parsed.marks, first, &survey.titles));
                if let Some(done) = current.take() {
                    finish(done, &mut summary);
                }
                current = Some(Reading {
                    message: Message {
                        line: number,
                        offset: line.offset,
                        written_time: format!("{}, {}", parsed.date, parsed.time),
                        time: date.to_datetime(time),
                        sender,
                        text: parsed.text,
                        attachments: Vec::new(),
                    },
                    marks: parsed.marks,
                });
            }
            None => {
                if let Some(reading) = current.as_mut() {
                    let message = &mut reading.message;
                    if message.text.len() + line.plain.len() > MAX_LINE {
                        return Err(ImportError::Malformed {
                            line: line.number,
                            reason: "a message is far too long".into(),
                        });
                    }
                    message.text.push('\n');
                    message.text.push_str(&line.plain);
                }
            }
        }
    }
    if let Some(done) = current.take() {
        finish(done, &mut summary);
    }
    Ok(summary)
}
