//! Telegram Desktop's JSON export (`result.json`): one chat (`{name, type, id, messages}`) or a
//! full export (`{chats: {list: [...]}}`). Times come from `date_unixtime` (UTC), not the local
//! `date`. Text is a string or a list of strings and entities (links, mentions, bold…), joined.

use jiff::Timestamp;
use serde::Deserialize;
use serde_json::Value;

use crate::ImportError;

/// Largest file read whole.
pub const MAX_FILE: usize = 512 * 1024 * 1024;

/// One chat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chat {
    /// Its name as Telegram shows it.
    pub name: String,
    /// Telegram's chat id.
    pub id: i64,
    /// Messages in order, Telegram's notices ("service" messages) included.
    pub messages: Vec<Message>,
}

/// One message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Telegram's message id within the chat.
    pub id: i64,
    /// When it was sent.
    pub time: Timestamp,
    /// When it was last edited, if it was.
    pub edited: Option<Timestamp>,
    /// The sender's display name, and Telegram's id for them (`user123…`).
    pub from: String,
    /// See `from`.
    pub from_id: String,
    /// The text, entities joined.
    pub text: String,
    /// A photo or file in the export (a relative path), if one was included.
    pub file: Option<String>,
    /// Whether this is one of Telegram's own notices.
    pub service: bool,
    /// Who it was forwarded from, if anyone.
    pub forwarded_from: Option<String>,
}

#[derive(Deserialize)]
struct RawChat {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    id: i64,
    #[serde(default)]
    messages: Vec<RawMessage>,
}

#[derive(Deserialize)]
struct RawMessage {
    id: i64,
    #[serde(default, rename = "type")]
    kind: String,
    date_unixtime: String,
    #[serde(default)]
    edited_unixtime: Option<String>,
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    from_id: Option<String>,
    #[serde(default)]
    actor: Option<String>,
    #[serde(default)]
    text: Value,
    #[serde(default)]
    photo: Option<String>,
    #[serde(default)]
    file: Option<String>,
    #[serde(default)]
    forwarded_from: Option<String>,
}

fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Array(parts) => parts
            .iter()
            .map(|p| match p {
                Value::String(s) => s.clone(),
                Value::Object(entity) => entity.get("text").and_then(Value::as_str).unwrap_or("").to_owned(),
                _ => String::new(),
            })
            .collect(),
        _ => String::new(),
    }
}

fn unix(text: &str, id: i64) -> Result<Timestamp, ImportError> {
    text.trim()
        .parse::<i64>()
        .ok()
        .and_then(|s| Timestamp::from_second(s).ok())
        .ok_or_else(|| ImportError::BrokenAt { offset: 0, reason: format!("message {id} has an unreadable time") })
}

fn chat(raw: RawChat) -> Result<Chat, ImportError> {
    let mut messages = Vec::with_capacity(raw.messages.len());
    for m in raw.messages {
        // Files left out of the export are named "(File not included. …)".
        let file = m.photo.or(m.file).filter(|f| !f.starts_with('('));
        messages.push(Message {
            id: m.id,
            time: unix(&m.date_unixtime, m.id)?,
            edited: m.edited_unixtime.as_deref().map(|t| unix(t, m.id)).transpose()?,
            from: m.from.or(m.actor).unwrap_or_default(),
            from_id: m.from_id.unwrap_or_default(),
            text: text_of(&m.text),
            file,
            service: m.kind == "service",
            forwarded_from: m.forwarded_from,
        });
    }
    Ok(Chat { name: raw.name.unwrap_or_default(), id: raw.id, messages })
}

/// Whether a file looks like a Telegram export.
pub fn detect(head: &[u8]) -> bool {
    let text = String::from_utf8_lossy(head);
    text.contains("\"date_unixtime\"") || (text.contains("\"chats\"") && text.contains("\"about\""))
}

/// Reads `result.json`: every chat in it.
pub fn parse(bytes: &[u8]) -> Result<Vec<Chat>, ImportError> {
    if bytes.len() > MAX_FILE {
        return Err(ImportError::BrokenAt { offset: 0, reason: "the file is too large".into() });
    }
    let malformed = |e: serde_json::Error| ImportError::Malformed {
        line: e.line() as u64,
        reason: format!("this is not a Telegram export ({e})"),
    };
    let value: Value = serde_json::from_slice(bytes).map_err(malformed)?;
    let chats: Vec<RawChat> = match value.pointer("/chats/list") {
        Some(list) => serde_json::from_value(list.clone()).map_err(malformed)?,
        None => vec![serde_json::from_value(value).map_err(malformed)?],
    };
    chats.into_iter().map(chat).collect()
}
