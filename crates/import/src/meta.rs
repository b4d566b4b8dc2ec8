//! Instagram and Facebook "Download your information" messages, JSON format: one
//! `message_N.json` per part of a thread (under `messages/inbox/<thread>/`, or
//! `your_instagram_activity/messages/inbox/<thread>/` in newer exports).
//!
//! The export writes text as mojibake: each UTF-8 byte as its own `\u00XX` escape. Text is
//! repaired by reading those characters back as bytes and decoding the bytes as UTF-8 (only when
//! every character fits in a byte and the bytes are valid UTF-8, so clean text is left alone).
//! Messages come newest first; they are returned oldest first, each with its place in the file's
//! `messages` array.

use jiff::Timestamp;
use serde::Deserialize;

use crate::{ImportError, Partial, cut_short};

/// Largest file read whole (a thread's parts are split by the export well below this).
pub const MAX_FILE: usize = 8 * 1024 * 1024;

/// One message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Its index in the file's `messages` array (which runs newest first).
    pub index: usize,
    /// When it was sent.
    pub time: Timestamp,
    /// Who sent it, as the export names them.
    pub sender: String,
    /// The text, repaired.
    pub text: String,
    /// Files named in it (photos, videos, audio, other files), as paths inside the export.
    pub files: Vec<String>,
    /// A shared link, if any.
    pub link: Option<String>,
}

/// One part of a thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Thread {
    /// The thread's title (usually the other person's name), repaired.
    pub title: String,
    /// The participants' names, repaired.
    pub participants: Vec<String>,
    /// Messages, oldest first.
    pub messages: Vec<Message>,
}

#[derive(Deserialize)]
struct RawThread {
    #[serde(default)]
    participants: Vec<RawName>,
    #[serde(default)]
    messages: Vec<RawMessage>,
    #[serde(default)]
    title: String,
}

#[derive(Deserialize)]
struct RawName {
    name: String,
}

#[derive(Deserialize)]
struct RawFile {
    uri: String,
}

#[derive(Deserialize)]
struct RawShare {
    #[serde(default)]
    link: Option<String>,
}

#[derive(Deserialize)]
struct RawMessage {
    sender_name: String,
    timestamp_ms: i64,
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    photos: Vec<RawFile>,
    #[serde(default)]
    videos: Vec<RawFile>,
    #[serde(default)]
    audio_files: Vec<RawFile>,
    #[serde(default)]
    files: Vec<RawFile>,
    #[serde(default)]
    gifs: Vec<RawFile>,
    #[serde(default)]
    share: Option<RawShare>,
}

/// Undoes the export's mojibake: `Ã°Â\u{9f}Â\u{98}Â\u{8e}`-style text back to `😎`.
pub fn repair(text: &str) -> String {
    let bytes: Option<Vec<u8>> = text.chars().map(|c| u8::try_from(u32::from(c)).ok()).collect();
    match bytes.map(String::from_utf8) {
        Some(Ok(fixed)) => fixed,
        _ => text.to_owned(),
    }
}

/// Whether a file looks like one of these message files.
pub fn detect(head: &[u8]) -> bool {
    let text = String::from_utf8_lossy(head);
    text.contains("\"participants\"") && (text.contains("\"sender_name\"") || text.contains("\"messages\""))
}

/// Reads one `message_N.json`; of a file cut short, the messages before the break.
pub fn parse(bytes: &[u8]) -> Result<Partial<Thread>, ImportError> {
    if bytes.len() > MAX_FILE {
        return Err(ImportError::BrokenAt { offset: 0, reason: "the file is too large for a message file".into() });
    }
    let (raw, broken): (RawThread, _) = cut_short::read(bytes).map_err(|e| ImportError::Malformed {
        line: e.line() as u64,
        reason: format!("this is not an Instagram or Facebook message file ({e})"),
    })?;
    let mut messages = Vec::with_capacity(raw.messages.len());
    for (index, m) in raw.messages.into_iter().enumerate() {
        let time = Timestamp::from_millisecond(m.timestamp_ms).map_err(|_| ImportError::BrokenAt {
            offset: 0,
            reason: format!("message {index} has a time out of range"),
        })?;
        let files = [m.photos, m.videos, m.audio_files, m.files, m.gifs].into_iter().flatten().map(|f| f.uri).collect();
        messages.push(Message {
            index,
            time,
            sender: repair(&m.sender_name),
            text: m.content.as_deref().map(repair).unwrap_or_default(),
            files,
            link: m.share.and_then(|s| s.link),
        });
    }
    messages.reverse();
    let broken = broken.map(|b| b.error(messages.len(), "messages"));
    let read = Thread {
        title: repair(&raw.title),
        participants: raw.participants.iter().map(|p| repair(&p.name)).collect(),
        messages,
    };
    Ok(Partial { read, broken })
}
