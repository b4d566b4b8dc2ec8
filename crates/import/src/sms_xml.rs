//! SMS Backup & Restore (Android) XML: `sms-*.xml` with `<sms>` and `<mms>` elements, and the
//! separate `calls-*.xml` with `<call>` elements. Read as a stream with `quick-xml` (these files
//! reach gigabytes), one record at a time, each with its byte offset in the file.
//!
//! The app writes emoji as UTF-16 surrogate pairs in character references (`&#55357;&#56846;`),
//! which XML forbids; attribute values are therefore unescaped here, joining such pairs.

use std::io::BufRead;

use jiff::Timestamp;
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use crate::ImportError;

/// Largest MMS part decoded; a larger one is refused, naming its offset.
const MAX_PART: usize = 64 * 1024 * 1024;

/// Which way a message or call went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// She received it.
    Received,
    /// She sent it (or it was a draft, queued or failed outgoing message).
    Sent,
    /// A call she missed, rejected or blocked.
    Missed,
}

/// What a record is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A text message.
    Sms,
    /// A multimedia message.
    Mms,
    /// A phone call.
    Call,
}

/// One part of an MMS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// Its media type, e.g. `image/jpeg` or `text/plain`.
    pub content_type: String,
    /// Its file name, if it has one.
    pub name: String,
    /// Its text, for text parts.
    pub text: String,
    /// Its bytes, for files.
    pub data: Vec<u8>,
}

/// One message or call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Byte offset of the element in the file.
    pub offset: u64,
    /// Message or call.
    pub kind: Kind,
    /// Which way it went.
    pub direction: Direction,
    /// When, as the phone recorded it (milliseconds since the epoch, so no zone is needed).
    pub time: Timestamp,
    /// The other party's number or address, as written; for a group, every member's, joined
    /// with `~`.
    pub address: String,
    /// In a group MMS or RCS message she received, who sent it (the `addr` of type 137).
    pub from: String,
    /// The name her phone had for them, if any.
    pub contact_name: String,
    /// The text of an SMS.
    pub body: String,
    /// The parts of an MMS.
    pub parts: Vec<Part>,
    /// Call length in seconds.
    pub duration: u64,
}

/// Whether the start of a file looks like an SMS Backup & Restore export.
pub fn detect(head: &[u8]) -> bool {
    let text = String::from_utf8_lossy(head);
    text.contains("<smses") || text.contains("<calls")
}

/// Unescapes an attribute value: the five XML entities and numeric references, joining UTF-16
/// surrogate pairs. Anything else is kept as written.
pub fn unescape(raw: &[u8]) -> String {
    let text = String::from_utf8_lossy(raw);
    let mut out = String::with_capacity(text.len());
    let mut rest: &str = &text;
    let mut pending_high: Option<u32> = None;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let Some(semi) = after.find(';').filter(|s| *s <= 10) else {
            out.push('&');
            rest = after;
            continue;
        };
        let entity = &after[..semi];
        let code = match entity {
            "lt" => Some('<' as u32),
            "gt" => Some('>' as u32),
            "amp" => Some('&' as u32),
            "quot" => Some('"' as u32),
            "apos" => Some('\'' as u32),
            _ => entity
                .strip_prefix("#x")
                .or_else(|| entity.strip_prefix("#X"))
                .map(|h| u32::from_str_radix(h, 16).ok())
                .unwrap_or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok())),
        };
        match code {
            Some(high @ 0xD800..=0xDBFF) => pending_high = Some(high),
            Some(low @ 0xDC00..=0xDFFF) => {
                if let Some(high) = pending_high.take() {
                    let joined = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
                    out.push(char::from_u32(joined).unwrap_or(char::REPLACEMENT_CHARACTER));
                } else {
                    out.push(char::REPLACEMENT_CHARACTER);
                }
            }
            Some(c) => {
                if pending_high.take().is_some() {
                    out.push(char::REPLACEMENT_CHARACTER);
                }
                out.push(char::from_u32(c).unwrap_or(char::REPLACEMENT_CHARACTER));
            }
            None => {
                out.push('&');
                out.push_str(entity);
                out.push(';');
            }
        }
        rest = &after[semi + 1..];
    }
    if pending_high.is_some() {
        out.push(char::REPLACEMENT_CHARACTER);
    }
    out.push_str(rest);
    out
}

fn attribute(element: &BytesStart<'_>, name: &str) -> String {
    element
        .attributes()
        .with_checks(false)
        .flatten()
        .find(|a| a.key.as_ref() == name)
        .map(|a| unescape(a.value.as_bytes()))
        .unwrap_or_default()
}

fn start_record(element: &BytesStart<'_>, kind: Kind, offset: u64) -> Result<Record, ImportError> {
    let bad = |what: &str| ImportError::BrokenAt { offset, reason: what.to_owned() };
    let millis: i64 = attribute(element, "date").trim().parse().map_err(|_| bad("the date is not a number"))?;
    let time = Timestamp::from_millisecond(millis).map_err(|_| bad("the date is out of range"))?;
    let code = |name: &str| attribute(element, name).trim().parse::<u32>().unwrap_or(0);
    let direction = match kind {
        Kind::Sms => {
            if code("type") == 1 {
                Direction::Received
            } else {
                Direction::Sent
            }
        }
        Kind::Mms => {
            if code("msg_box") == 1 {
                Direction::Received
            } else {
                Direction::Sent
            }
        }
        Kind::Call => match code("type") {
            1 => Direction::Received,
            2 => Direction::Sent,
            _ => Direction::Missed,
        },
    };
    let address = if kind == Kind::Call { attribute(element, "number") } else { attribute(element, "address") };
    Ok(Record {
        offset,
        kind,
        direction,
        time,
        address,
        from: String::new(),
        contact_name: attribute(element, "contact_name").replace("(Unknown)", ""),
        body: attribute(element, "body"),
        parts: Vec::new(),
        duration: attribute(element, "duration").trim().parse().unwrap_or(0),
    })
}

fn part(element: &BytesStart<'_>, offset: u64) -> Result<Part, ImportError> {
    let data = attribute(element, "data");
    if data.len() > MAX_PART / 3 * 4 + 4 {
        return Err(ImportError::BrokenAt { offset, reason: "an MMS part is too large".into() });
    }
    let cleaned: String = data.chars().filter(|c| !c.is_whitespace()).collect();
    let bytes = if cleaned.is_empty() {
        Vec::new()
    } else {
        data_encoding::BASE64
            .decode(cleaned.as_bytes())
            .map_err(|_| ImportError::BrokenAt { offset, reason: "an MMS part's data is not base64".into() })?
    };
    let name = [attribute(element, "name"), attribute(element, "cl")]
        .into_iter()
        .find(|n| !n.is_empty() && n != "null")
        .unwrap_or_default();
    Ok(Part { content_type: attribute(element, "ct"), name, text: attribute(element, "text"), data: bytes })
}

/// Reads every message or call, calling `each` in file order. Returns how many were read.
pub fn parse<R: BufRead>(reader: R, mut each: impl FnMut(Record)) -> Result<u64, ImportError> {
    let mut xml = Reader::from_reader(reader);
    let mut buffer = Vec::new();
    let mut current: Option<Record> = None;
    let mut count = 0;
    // The backup says how many records it holds, and ends by closing its root element: a file
    // cut short is told by either.
    let mut declared: Option<u64> = None;
    let mut root_open = false;
    loop {
        let offset = xml.buffer_position();
        let event = xml.read_event_into(&mut buffer).map_err(|e| ImportError::BrokenAt {
            offset: xml.error_position(),
            reason: format!("the XML is broken ({e})"),
        })?;
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let empty = matches!(event, Event::Empty(_));
                match e.local_name().as_ref() {
                    "sms" | "call" => {
                        let kind = if e.local_name().as_ref() == "sms" { Kind::Sms } else { Kind::Call };
                        let record = start_record(e, kind, offset)?;
                        if empty {
                            count += 1;
                            each(record);
                        } else {
                            current = Some(record);
                        }
                    }
                    "mms" => {
                        let record = start_record(e, Kind::Mms, offset)?;
                        if empty {
                            count += 1;
                            each(record);
                        } else {
                            current = Some(record);
                        }
                    }
                    "part" => {
                        if let Some(record) = current.as_mut() {
                            record.parts.push(part(e, offset)?);
                        }
                    }
                    "addr" => {
                        // In a received MMS the sender is the address of type 137 (from), in a
                        // group as much as with one person.
                        if let Some(record) = current.as_mut()
                            && attribute(e, "type") == "137"
                        {
                            record.from = attribute(e, "address");
                            if record.address.is_empty() {
                                record.address = record.from.clone();
                            }
                        }
                    }
                    "smses" | "calls" => {
                        declared = attribute(e, "count").trim().parse().ok();
                        root_open = !empty;
                    }
                    _ => {}
                }
            }
            Event::End(ref e) if matches!(e.local_name().as_ref(), "smses" | "calls") => root_open = false,
            Event::End(ref e) if matches!(e.local_name().as_ref(), "sms" | "mms" | "call") => {
                if let Some(record) = current.take() {
                    count += 1;
                    each(record);
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buffer.clear();
    }
    if count == 0 {
        return Err(ImportError::BrokenAt { offset: 0, reason: "the file holds no messages or calls".into() });
    }
    let end = xml.buffer_position();
    match declared {
        Some(declared) if count < declared => Err(ImportError::BrokenAt {
            offset: end,
            reason: format!("the backup declares {declared} records and {count} were read: it was cut short"),
        }),
        _ if root_open || current.is_some() => Err(ImportError::BrokenAt {
            offset: end,
            reason: format!("the backup ends before its last line: it was cut short after {count} records"),
        }),
        _ => Ok(count),
    }
}
