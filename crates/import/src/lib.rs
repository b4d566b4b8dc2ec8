//! Importing what she already has: streaming parsers for the exports on her phone and in her
//! accounts, each keeping where in the file every message came from, and the identifiers
//! (numbers, emails, handles, links) found in message text.
//!
//! - [`whatsapp`]: WhatsApp "Export chat" text, iOS and Android layouts, any locale's date order;
//! - [`sms_xml`]: SMS Backup & Restore XML (SMS, MMS with their parts, calls);
//! - [`meta`]: Instagram and Facebook message files, mojibake repaired;
//! - [`telegram`]: Telegram Desktop `result.json`, one chat or a full export;
//! - [`x_archive`]: X (Twitter) archive direct messages;
//! - [`discord`]: Discord data package (index, channels, her messages, JSON or CSV);
//! - [`email`]: one email or a mailbox, with its evidential headers;
//! - [`image`]: photos and screenshots, with EXIF time and place;
//! - [`export`]: every format above as one stream of [`export::Item`]s, and [`export::detect`];
//! - [`zipped`]: zip archives read safely (links, path tricks and zip bombs refused);
//! - [`identifiers`]: phone numbers as E.164, email addresses, @handles and web addresses.
//!
//! Every parser treats its input as hostile: lines and messages have size limits, and a file
//! that is not what it claims to be gets an error naming the line.

mod cut_short;
pub mod discord;
pub mod email;
pub mod export;
mod format;
pub mod identifiers;
pub mod image;
pub mod meta;
pub mod sms_xml;
pub mod telegram;
pub mod whatsapp;
pub mod x_archive;
pub mod zipped;

/// What a reader read, and the damage that stopped it early, if any: the records before the
/// damage are kept, so that she can choose to import them.
#[derive(Debug)]
pub struct Partial<T> {
    /// What was read.
    pub read: T,
    /// What stopped the reading early; `None` when the file was read whole.
    pub broken: Option<ImportError>,
}

impl<T> Partial<T> {
    /// What was read, or the damage if she must choose to keep it.
    pub fn whole(self) -> Result<T, ImportError> {
        match self.broken {
            Some(e) => Err(e),
            None => Ok(self.read),
        }
    }
}

/// What can go wrong reading an export. The message says what is wrong and where.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file is not in the expected format, or a part of it is broken.
    #[error("line {line}: {reason}")]
    Malformed {
        /// Line number, from 1.
        line: u64,
        /// What is wrong, in plain words.
        reason: String,
    },
    /// A part of the file is broken, at a byte offset (for formats without lines).
    #[error("at byte {offset}: {reason}")]
    BrokenAt {
        /// Byte offset in the file.
        offset: u64,
        /// What is wrong, in plain words.
        reason: String,
    },
    /// Reading the file failed.
    #[error("the file could not be read: {0}")]
    Io(#[from] std::io::Error),
}
