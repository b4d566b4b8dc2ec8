//! Email: one message (`.eml`) or a mailbox (mbox), read with `mail-parser`. The original bytes
//! stay in the kept export; each message records its byte offset, the SHA-256 of its own bytes
//! and its evidential headers (Received chain, Message-ID, authentication results…). Only text
//! is taken: an HTML-only message is turned into plain text, so no HTML is ever shown and no
//! remote content (tracking pixels, images) is ever fetched.

use std::io::BufRead;

use jiff::Timestamp;
use mail_parser::{MessageParser, MimeHeaders};
use sha2::{Digest, Sha256};

use crate::ImportError;
use crate::export::{Attached, Handle, Item, Party, Place, Stamp};

/// Largest single message read.
pub const MAX_MESSAGE: usize = 64 * 1024 * 1024;

/// Headers kept with each message, as written.
const EVIDENTIAL: &[&str] = &[
    "Date",
    "From",
    "Sender",
    "Reply-To",
    "To",
    "Cc",
    "Subject",
    "Message-ID",
    "In-Reply-To",
    "Return-Path",
    "Received",
    "Received-SPF",
    "Authentication-Results",
    "ARC-Authentication-Results",
    "DKIM-Signature",
    "X-Originating-IP",
    "X-Mailer",
];

/// Whether the start of a file looks like an email or a mailbox.
pub fn detect(head: &[u8]) -> bool {
    let text = String::from_utf8_lossy(head);
    if text.starts_with("From ") {
        return true;
    }
    let lower = text.to_ascii_lowercase();
    let header_start = text
        .split_once(':')
        .is_some_and(|(name, _)| !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'));
    header_start && (lower.starts_with("from:") || lower.contains("\nfrom:")) && lower.contains("date:")
}

/// Reads an `.eml` file or an mbox, calling `deliver` with each message in order.
pub fn read<R: BufRead>(mut reader: R, deliver: &mut dyn FnMut(Item)) -> Result<(), ImportError> {
    let mut message: Vec<u8> = Vec::new();
    let mut start: u64 = 0;
    let mut offset: u64 = 0;
    let mut line = Vec::new();
    let mut previous_blank = true;
    let mut mbox = false;
    loop {
        line.clear();
        let read = std::io::Read::take(&mut reader, MAX_MESSAGE as u64).read_until(b'\n', &mut line)?;
        if read == 0 {
            break;
        }
        let is_separator = previous_blank && line.starts_with(b"From ");
        if is_separator && (offset == 0 || mbox) {
            if !message.is_empty() {
                one(&message, start, deliver)?;
                message.clear();
            }
            mbox = true;
            start = offset + read as u64;
        } else {
            // mboxrd quotes body lines that begin "From " with '>'; take one away.
            let unquoted = if mbox && line.starts_with(b">") && line.trim_ascii_start().starts_with(b">") {
                let from = line.iter().position(|b| *b != b'>').unwrap_or(0);
                if line[from..].starts_with(b"From ") { &line[1..] } else { &line[..] }
            } else {
                &line[..]
            };
            message.extend_from_slice(unquoted);
            if message.len() > MAX_MESSAGE {
                return Err(ImportError::BrokenAt { offset: start, reason: "this message is far too large".into() });
            }
        }
        previous_blank = line.trim_ascii().is_empty();
        offset += read as u64;
    }
    if !message.iter().all(u8::is_ascii_whitespace) {
        one(&message, start, deliver)?;
    }
    Ok(())
}

fn one(raw: &[u8], offset: u64, deliver: &mut dyn FnMut(Item)) -> Result<(), ImportError> {
    let broken = |why: &str| ImportError::BrokenAt { offset, reason: format!("this email {why}") };
    let parsed = MessageParser::default().parse(raw).ok_or_else(|| broken("cannot be read"))?;
    if parsed.headers().is_empty() {
        return Err(broken("has no headers"));
    }
    let from = parsed.from().and_then(|a| a.first());
    let address = from.and_then(|a| a.address()).map(str::to_lowercase).unwrap_or_default();
    let name = from.and_then(|a| a.name()).map(str::to_owned).unwrap_or_else(|| address.clone());
    let time = parsed.date().and_then(|d| Timestamp::from_second(d.to_timestamp()).ok()).map(Stamp::Exact);
    let subject = parsed.subject().unwrap_or("").to_owned();
    let body = parsed.body_text(0).map(|b| b.into_owned()).unwrap_or_default();
    let text = if subject.is_empty() { body } else { format!("Subject: {subject}\n\n{body}") };
    let sender = Party {
        name: if name.is_empty() { "Unknown sender".into() } else { name },
        handle: (!address.is_empty()).then(|| Handle::Email(address.clone())),
        mine: false,
    };
    let mut item = Item::new(&address, sender, time, text, Place::Offset(offset));
    item.details.push(("SHA-256 of the message".into(), data_encoding::HEXLOWER.encode(&Sha256::digest(raw))));
    for (header, value) in parsed.headers_raw() {
        if EVIDENTIAL.iter().any(|h| h.eq_ignore_ascii_case(header)) {
            let value: String = value.split_whitespace().collect::<Vec<_>>().join(" ");
            item.details.push((header.to_owned(), value));
        }
    }
    for part in parsed.attachments() {
        let contents = part.contents();
        item.attachments.push(Attached {
            name: part.attachment_name().unwrap_or("attachment").to_owned(),
            held: Some((data_encoding::HEXLOWER.encode(&Sha256::digest(contents)), contents.len() as u64)),
        });
    }
    deliver(item);
    Ok(())
}
