//! Discord data package: `messages/index.json` maps channel ids to names; each
//! `messages/c<id>/` holds `channel.json` and `messages.json` (older packages: `messages.csv`
//! with `ID,Timestamp,Contents,Attachments`). The package holds only the owner's own messages,
//! so it shows what she sent and where, and the channel and its recipients.

use jiff::Timestamp;
use serde::Deserialize;

use crate::{ImportError, Partial, cut_short};

/// Largest file read whole.
pub const MAX_FILE: usize = 16 * 1024 * 1024;

/// A channel (a direct message, a group, or a server channel).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Channel {
    /// Discord's channel id.
    pub id: String,
    /// Its name, or for a direct message the name the index gives it.
    pub name: String,
    /// The user ids taking part, for direct messages.
    pub recipients: Vec<String>,
}

/// One of her messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Discord's message id.
    pub id: String,
    /// When she sent it.
    pub time: Timestamp,
    /// The text.
    pub text: String,
    /// Attachment addresses.
    pub attachments: Vec<String>,
}

#[derive(Deserialize)]
struct RawChannel {
    id: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    recipients: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawMessage {
    #[serde(alias = "id")]
    #[serde(rename = "ID")]
    id: serde_json::Value,
    #[serde(alias = "timestamp")]
    timestamp: String,
    #[serde(default, alias = "contents")]
    contents: String,
    #[serde(default, alias = "attachments")]
    attachments: String,
}

fn malformed(what: &str, e: impl std::fmt::Display) -> ImportError {
    ImportError::Malformed { line: 1, reason: format!("this is not a Discord {what} ({e})") }
}

fn time(text: &str, id: &str) -> Result<Timestamp, ImportError> {
    // Newer packages write "2024-03-05 21:15:00", older ones RFC 3339 with an offset.
    let text = text.trim();
    text.parse::<Timestamp>().or_else(|_| format!("{}Z", text.replace(' ', "T")).parse::<Timestamp>()).map_err(|_| {
        ImportError::BrokenAt { offset: 0, reason: format!("message {id} has an unreadable time {text:?}") }
    })
}

/// Reads `messages/index.json`: channel id to name.
pub fn index(bytes: &[u8]) -> Result<Vec<(String, String)>, ImportError> {
    let map: std::collections::BTreeMap<String, Option<String>> =
        serde_json::from_slice(bytes).map_err(|e| malformed("message index", e))?;
    Ok(map.into_iter().map(|(id, name)| (id, name.unwrap_or_default())).collect())
}

/// Reads a `channel.json`; `index_name` is the name `index.json` gives it.
pub fn channel(bytes: &[u8], index_name: &str) -> Result<Channel, ImportError> {
    let raw: RawChannel = serde_json::from_slice(bytes).map_err(|e| malformed("channel file", e))?;
    Ok(Channel { id: raw.id, name: raw.name.unwrap_or_else(|| index_name.to_owned()), recipients: raw.recipients })
}

fn message(raw: RawMessage) -> Result<Message, ImportError> {
    let id = match raw.id {
        serde_json::Value::String(s) => s,
        other => other.to_string(),
    };
    Ok(Message {
        time: time(&raw.timestamp, &id)?,
        text: raw.contents,
        attachments: raw.attachments.split_whitespace().map(str::to_owned).collect(),
        id,
    })
}

/// Reads a channel's `messages.json` or (older packages) `messages.csv`, oldest first; of a file
/// cut short, the messages before the break.
pub fn messages(bytes: &[u8], csv: bool) -> Result<Partial<Vec<Message>>, ImportError> {
    if bytes.len() > MAX_FILE {
        return Err(ImportError::BrokenAt { offset: 0, reason: "the file is too large".into() });
    }
    let (raw, broken): (Vec<RawMessage>, Option<ImportError>) = if csv {
        let mut raw = Vec::new();
        let mut broken = None;
        for (row, record) in csv::ReaderBuilder::new().has_headers(true).from_reader(bytes).deserialize().enumerate() {
            match record {
                Ok(m) => raw.push(m),
                Err(e) if row == 0 => return Err(malformed("message file", e)),
                Err(e) => {
                    let line = e.position().map_or(row as u64 + 2, |p| p.line());
                    let ends_early = matches!(e.kind(), csv::ErrorKind::UnequalLengths { .. });
                    broken = Some(cut_short::Break { line, ends_early }.error(raw.len(), "messages"));
                    break;
                }
            }
        }
        (raw, broken)
    } else {
        let (raw, broken): (Vec<RawMessage>, _) = cut_short::read(bytes).map_err(|e| malformed("message file", e))?;
        let read = raw.len();
        (raw, broken.map(|b| b.error(read, "messages")))
    };
    let mut out = raw.into_iter().map(message).collect::<Result<Vec<_>, _>>()?;
    out.sort_by_key(|m| m.time);
    Ok(Partial { read: out, broken })
}
