//! WhatsApp "Export chat" text (`_chat.txt` from iOS, `WhatsApp Chat with … .txt` from
//! Android), read as a stream.
//!
//! - iOS lines look like `[05/03/2024, 21:15:02] Name: text`; Android like
//!   `05/03/2024, 21:15 - Name: text` (French: `05/03/2024 à 21:15 - `). The phone's locale decides the day/month order, 2- or
//!   4-digit years, the 12- or 24-hour clock and the separators.
//! - The day/month order is read from the whole file first: a first number above 12 means day
//!   first, a second number above 12 month first. If no date settles it, day first is assumed
//!   and [`Summary::order_assumed`] says so, so she can be asked; her answer is then given to
//!   [`messages`] in place of the guess.
//! - Direction and spacing marks (U+200E, U+202F and friends) are removed or made plain spaces.
//! - A line without a timestamp continues the message before it.
//! - Attachments appear as `<Media omitted>`, `<attached: NAME>` or `NAME (file attached)`.
//! - No time zone is written in the file: times are civil, to be read in a zone she confirms.

use std::io::{BufRead, Seek, SeekFrom};
use std::sync::LazyLock;

use jiff::civil::{Date, DateTime, Time};
use regex::Regex;

use crate::ImportError;

/// Longest line read, and longest message kept; a longer one is refused, naming its line.
const MAX_LINE: usize = 1024 * 1024;
/// Largest chat text taken from a zipped export (years of a busy chat are tens of MiB); it is
/// read as a stream all the same.
pub const MAX_CHAT: usize = 128 * 1024 * 1024;

/// `[date, time] rest` (iOS) or `date, time - rest` (Android), after marks are removed. Digits
/// are ASCII 0-9 only; a line in other digits is not taken for a header.
static HEADER: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r"(?x)^
        (?: \[ (?P<d1>[0-9]{1,4}[./-][0-9]{1,2}[./-][0-9]{1,4}) (?:,?\s|\sà\s) (?P<t1>[0-9]{1,2}[:.][0-9]{2}(?:[:.][0-9]{2})?(?:\s?[aApP]\.?\s?[mM]\.?)?) \]\s
          | (?P<d2>[0-9]{1,4}[./-][0-9]{1,2}[./-][0-9]{1,4}) (?:,?\s|\sà\s) (?P<t2>[0-9]{1,2}[:.][0-9]{2}(?:[:.][0-9]{2})?(?:\s?[aApP]\.?\s?[mM]\.?)?) \s[-–]\s
        )
        (?P<rest>.*)$",
    )
    .ok()
});

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
    /// Messages read.
    pub messages: u64,
    /// First and last message times.
    pub first: Option<DateTime>,
    /// See `first`.
    pub last: Option<DateTime>,
}

/// Removes direction marks and makes narrow and non-breaking spaces plain.
fn plain(line: &str) -> String {
    line.chars()
        .filter(
            |c| !matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}'),
        )
        .map(|c| if matches!(c, '\u{202f}' | '\u{00a0}' | '\u{2007}') { ' ' } else { c })
        .collect()
}

struct Header<'a> {
    date: &'a str,
    time: &'a str,
    rest: &'a str,
}

fn header(line: &str) -> Option<Header<'_>> {
    let caps = HEADER.as_ref()?.captures(line)?;
    let date = caps.name("d1").or_else(|| caps.name("d2"))?.as_str();
    let time = caps.name("t1").or_else(|| caps.name("t2"))?.as_str();
    Some(Header { date, time, rest: caps.name("rest")?.as_str() })
}

/// Whether the start of a file looks like a WhatsApp chat export.
pub fn detect(head: &[u8]) -> bool {
    let text = String::from_utf8_lossy(head);
    text.lines().map(plain).find(|l| !l.trim().is_empty()).is_some_and(|l| header(&l).is_some())
}

fn numbers(date: &str) -> Option<[u32; 3]> {
    let mut parts = date.split(['/', '.', '-']).map(|p| p.parse::<u32>().ok());
    Some([parts.next()??, parts.next()??, parts.next()??])
}

/// A time as [`Message::written_time`] has it, read with the day and month in `order`.
pub fn reading(written: &str, order: DateOrder) -> Option<DateTime> {
    let (date, time) = written.split_once(", ")?;
    Some(read_date(date, order)?.to_datetime(read_time(time)?))
}

fn read_date(date: &str, order: DateOrder) -> Option<Date> {
    let [a, b, c] = numbers(date)?;
    // A year written first (2024-03-05) is always year, month, day.
    let (year, month, day) = if a > 31 {
        (a, b, c)
    } else {
        match order {
            DateOrder::DayFirst => (c, b, a),
            DateOrder::MonthFirst => (c, a, b),
        }
    };
    let year = if year < 100 { 2000 + year } else { year };
    Date::new(i16::try_from(year).ok()?, i8::try_from(month).ok()?, i8::try_from(day).ok()?).ok()
}

fn read_time(time: &str) -> Option<Time> {
    let lower = time.to_ascii_lowercase().replace(['.', ' '], "");
    let (clock, pm) = match (lower.strip_suffix("am"), lower.strip_suffix("pm")) {
        (Some(c), _) => (c.to_owned(), Some(false)),
        (_, Some(c)) => (c.to_owned(), Some(true)),
        _ => (time.replace('.', ":"), None),
    };
    // After removing dots from "9.15 p.m.", put the separator back for "915".
    let clock = if clock.contains(':') {
        clock
    } else if let Some((h, m)) = clock.len().checked_sub(2).and_then(|at| clock.split_at_checked(at)) {
        format!("{h}:{m}")
    } else {
        return None;
    };
    let mut parts = clock.split(':').map(|p| p.trim().parse::<i8>().ok());
    let (mut hour, minute, second) = (parts.next()??, parts.next()??, parts.next().flatten().unwrap_or(0));
    match pm {
        Some(true) if hour < 12 => hour += 12,
        Some(false) if hour == 12 => hour = 0,
        _ => {}
    }
    Time::new(hour, minute, second, 0).ok()
}

fn attachments(text: &str) -> Vec<Attachment> {
    let mut found = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.eq_ignore_ascii_case("<media omitted>") || line.eq_ignore_ascii_case("<média omis>") {
            found.push(Attachment::Omitted);
        } else if let Some(name) = line.strip_prefix("<attached: ").and_then(|l| l.strip_suffix('>')) {
            found.push(Attachment::File(name.trim().to_owned()));
        } else if let Some(name) = line.strip_suffix(" (file attached)") {
            found.push(Attachment::File(name.trim().to_owned()));
        }
    }
    found
}

/// Reads lines with their byte offsets, refusing a line longer than [`MAX_LINE`].
struct Lines<R> {
    reader: R,
    line: u64,
    offset: u64,
    buffer: Vec<u8>,
}

impl<R: BufRead> Lines<R> {
    fn next(&mut self) -> Result<Option<(u64, u64, String)>, ImportError> {
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
        let start = self.offset;
        self.offset += read as u64;
        let text = String::from_utf8_lossy(&self.buffer);
        Ok(Some((self.line, start, plain(text.trim_end_matches(['\n', '\r'])))))
    }
}

/// Reads the whole chat, calling `each` with every message in order, and returns a summary.
/// The file is read twice: once to settle the date order, once to read the messages.
pub fn parse<R: BufRead + Seek>(mut reader: R, each: impl FnMut(Message)) -> Result<Summary, ImportError> {
    let start = reader.stream_position()?;
    let (order, order_assumed) = date_order(&mut reader)?;
    reader.seek(SeekFrom::Start(start))?;
    messages(reader, order, order_assumed, each)
}

/// The first of the two readings: the order of day and month, and whether no date settled it
/// (day first is then assumed).
pub fn date_order<R: BufRead>(reader: R) -> Result<(DateOrder, bool), ImportError> {
    let (mut day_first, mut month_first) = (false, false);
    let mut lines = Lines { reader, line: 0, offset: 0, buffer: Vec::new() };
    let mut any = false;
    // A line that cannot be read ends this first reading: the second stops there too, after
    // handing on every message before it, so that she can keep them.
    let mut broken = None;
    loop {
        let (number, _, line) = match lines.next() {
            Ok(Some(next)) => next,
            Ok(None) => break,
            Err(e) => {
                broken = Some(e);
                break;
            }
        };
        match header(&line) {
            Some(h) => {
                any = true;
                if let Some([a, b, _]) = numbers(h.date).filter(|[a, ..]| *a <= 31) {
                    day_first |= a > 12;
                    month_first |= b > 12;
                }
            }
            None if !any && !line.trim().is_empty() => {
                return Err(ImportError::Malformed {
                    line: number,
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
    Ok(match (day_first, month_first) {
        (true, true) => {
            return Err(ImportError::Malformed {
                line: 1,
                reason: "the dates mix day-first and month-first order; export the chat again".into(),
            });
        }
        (false, true) => (DateOrder::MonthFirst, false),
        (true, false) => (DateOrder::DayFirst, false),
        (false, false) => (DateOrder::DayFirst, true),
    })
}

/// The second reading: every message, in order, with dates read in `order`.
pub fn messages<R: BufRead>(
    reader: R,
    order: DateOrder,
    order_assumed: bool,
    mut each: impl FnMut(Message),
) -> Result<Summary, ImportError> {
    let mut lines = Lines { reader, line: 0, offset: 0, buffer: Vec::new() };
    let mut summary = Summary { order, order_assumed, messages: 0, first: None, last: None };
    let mut current: Option<Message> = None;
    let mut finish = |message: Message, summary: &mut Summary| {
        let mut message = message;
        message.attachments = attachments(&message.text);
        summary.messages += 1;
        summary.first = summary.first.or(Some(message.time));
        summary.last = Some(message.time);
        each(message);
    };
    loop {
        let (number, offset, line) = match lines.next() {
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
        match header(&line) {
            Some(h) => {
                let bad =
                    |what: &str| ImportError::Malformed { line: number, reason: format!("{what} cannot be read") };
                let date = read_date(h.date, order).ok_or_else(|| bad(&format!("the date {:?}", h.date)))?;
                let time = read_time(h.time).ok_or_else(|| bad(&format!("the time {:?}", h.time)))?;
                let (sender, text) = match h.rest.split_once(": ") {
                    Some((name, text)) if !name.is_empty() => (Some(name.trim().to_owned()), text.to_owned()),
                    _ => (None, h.rest.to_owned()),
                };
                if let Some(done) = current.take() {
                    finish(done, &mut summary);
                }
                current = Some(Message {
                    line: number,
                    offset,
                    written_time: format!("{}, {}", h.date, h.time),
                    time: date.to_datetime(time),
                    sender,
                    text,
                    attachments: Vec::new(),
                });
            }
            None => {
                if let Some(message) = current.as_mut() {
                    if message.text.len() + line.len() > MAX_LINE {
                        return Err(ImportError::Malformed {
                            line: number,
                            reason: "a message is far too long".into(),
                        });
                    }
                    message.text.push('\n');
                    message.text.push_str(&line);
                }
            }
        }
    }
    if let Some(done) = current.take() {
        finish(done, &mut summary);
    }
    Ok(summary)
}
