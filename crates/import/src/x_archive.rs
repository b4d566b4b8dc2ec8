//! X (Twitter) archive direct messages: `data/direct-messages.js` (and `-group`, `-partN`),
//! a JavaScript assignment around JSON. Times are ISO 8601 UTC. The owner's id is in
//! `data/account.js`; the other party is whichever id is not hers.

use jiff::Timestamp;
use serde::Deserialize;

use crate::{ImportError, Partial, cut_short};

/// Largest file read whole.
pub const MAX_FILE: usize = 16 * 1024 * 1024;

/// One conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conversation {
    /// X's conversation id (`<id>-<id>` for one-to-one).
    pub id: String,
    /// Messages, oldest first.
    pub messages: Vec<Message>,
}

/// One direct message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// X's message id.
    pub id: String,
    /// When it was sent.
    pub time: Timestamp,
    /// Sender's and recipient's numeric user ids.
    pub sender_id: String,
    /// See `sender_id`.
    pub recipient_id: String,
    /// The text.
    pub text: String,
    /// Media addresses (the files are in `data/direct_messages_media/`).
    pub media: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Item {
    dm_conversation: RawConversation,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawConversation {
    conversation_id: String,
    #[serde(default)]
    messages: Vec<RawEvent>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawEvent {
    #[serde(default)]
    message_create: Option<RawMessage>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawMessage {
    id: String,
    sender_id: String,
    #[serde(default)]
    recipient_id: String,
    #[serde(default)]
    text: String,
    created_at: String,
    #[serde(default)]
    media_urls: Vec<String>,
}

/// Whether a file looks like an X direct-messages file.
pub fn detect(head: &[u8]) -> bool {
    String::from_utf8_lossy(head).trim_start().starts_with("window.YTD.direct_messages")
}

/// Reads one direct-messages file; of a file cut short, the messages before the break.
pub fn parse(bytes: &[u8]) -> Result<Partial<Vec<Conversation>>, ImportError> {
    if bytes.len() > MAX_FILE {
        return Err(ImportError::BrokenAt { offset: 0, reason: "the file is too large".into() });
    }
    let json =
        bytes.iter().position(|b| *b == b'=').filter(|_| detect(bytes)).map(|eq| &bytes[eq + 1..]).ok_or_else(
            || ImportError::Malformed { line: 1, reason: "this is not an X direct-messages file".into() },
        )?;
    let (items, broken): (Vec<Item>, _) = cut_short::read(json).map_err(|e| ImportError::Malformed {
        line: e.line() as u64,
        reason: format!("this is not an X direct-messages file ({e})"),
    })?;
    let mut conversations = Vec::with_capacity(items.len());
    for item in items {
        let mut messages = Vec::new();
        for event in item.dm_conversation.messages {
            let Some(m) = event.message_create else { continue };
            let time: Timestamp = m.created_at.parse().map_err(|_| ImportError::BrokenAt {
                offset: 0,
                reason: format!("message {} has an unreadable time {:?}", m.id, m.created_at),
            })?;
            messages.push(Message {
                id: m.id,
                time,
                sender_id: m.sender_id,
                recipient_id: m.recipient_id,
                text: m.text,
                media: m.media_urls,
            });
        }
        messages.sort_by_key(|m| m.time);
        conversations.push(Conversation { id: item.dm_conversation.conversation_id, messages });
    }
    let read: usize = conversations.iter().map(|c| c.messages.len()).sum();
    Ok(Partial { read: conversations, broken: broken.map(|b| b.error(read, "messages")) })
}
