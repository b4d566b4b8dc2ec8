//! Telegram Desktop's JSON export (`result.json`): one chat (`{name, type, id, messages}`) or a
//! full export (`{chats: {list: [...]}}`). Times come from `date_unixtime` (UTC) where the
//! export has it; exports from versions before it (2021) write only the local `date`, which is
//! read as a clock time in the zone she confirms. Ids are text (`user123…`) or, in those older
//! exports, numbers. Text is a string or a list of strings and entities (links, mentions,
//! bold…), joined.

use std::io::Read;

use jiff::Timestamp;
use jiff::civil::DateTime;
use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::export::Stamp;
use crate::{ImportError, cut_short};

/// One chat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chat {
    /// Its name as Telegram shows it.
    pub name: String,
    /// Messages in order, Telegram's notices ("service" messages) included.
    pub messages: Vec<Message>,
}

/// One message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Telegram's message id within the chat (trimmed exports leave it out).
    pub id: Option<i64>,
    /// When it was sent.
    pub time: Stamp,
    /// When it was last edited, if it was.
    pub edited: Option<Stamp>,
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
struct RawMessage {
    #[serde(default)]
    id: Option<i64>,
    #[serde(default, rename = "type")]
    kind: String,
    #[serde(default)]
    date_unixtime: Option<String>,
    #[serde(default)]
    date: Option<String>,
    #[serde(default)]
    edited_unixtime: Option<String>,
    #[serde(default)]
    edited: Option<String>,
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    from_id: Option<IdText>,
    #[serde(default)]
    actor: Option<String>,
    #[serde(default)]
    text: Text,
    #[serde(default)]
    photo: Option<String>,
    #[serde(default)]
    file: Option<String>,
    #[serde(default)]
    forwarded_from: Option<String>,
}

/// A message's text: a string, or a list of strings and entities (`{"type": "link", "text":
/// …}`), joined as it is read, so that nothing else in it is kept.
#[derive(Default)]
struct Text(String);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Text, D::Error> {
        let mut text = String::new();
        deserializer.deserialize_any(TextPart(&mut text))?;
        Ok(Text(text))
    }
}

/// Appends what a part of a text says to the text.
struct TextPart<'a>(&'a mut String);

impl<'de> Visitor<'de> for TextPart<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a text")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        self.0.push_str(v);
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut parts: A) -> Result<(), A::Error> {
        while parts.next_element_seed(TextSeed(&mut *self.0))?.is_some() {}
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut entity: A) -> Result<(), A::Error> {
        while let Some(key) = entity.next_key::<Key>()? {
            match key {
                Key::Text => entity.next_value_seed(TextSeed(&mut *self.0))?,
                _ => entity.next_value::<IgnoredAny>().map(|_| ())?,
            }
        }
        Ok(())
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
}

struct TextSeed<'a>(&'a mut String);

impl<'de> DeserializeSeed<'de> for TextSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(TextPart(self.0))
    }
}

/// The keys the reader acts on; every other is skipped without being kept.
#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "lowercase")]
enum Key {
    Chats,
    List,
    Name,
    Messages,
    Text,
    #[serde(other)]
    Other,
}

/// Where each message goes as it is read: the chat's name, its place in the chat, the message.
type Each<'a> = &'a mut dyn FnMut(&str, u64, Message) -> Result<(), ImportError>;

/// Reads a chat object (the whole file, for one chat), or the full export around its chats.
struct ChatSeed<'a, 'b> {
    each: &'b mut Each<'a>,
    /// The first problem a message had (not a JSON one), kept to be returned as it is.
    problem: &'b mut Option<ImportError>,
}

impl<'de> DeserializeSeed<'de> for ChatSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ChatSeed<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a Telegram chat")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut name = String::new();
        while let Some(key) = map.next_key::<Key>()? {
            match key {
                // A full export: its chats are `{"chats": {"list": [...]}}`.
                Key::Chats | Key::List => map.next_value_seed(ChatSeed { each: self.each, problem: self.problem })?,
                Key::Name => name = map.next_value::<Option<String>>()?.unwrap_or_default(),
                Key::Messages => {
                    map.next_value_seed(Messages { name: &name, seed: &mut *self.each, problem: self.problem })?
                }
                _ => map.next_value::<IgnoredAny>().map(|_| ())?,
            }
        }
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut chats: A) -> Result<(), A::Error> {
        while chats.next_element_seed(ChatSeed { each: &mut *self.each, problem: &mut *self.problem })?.is_some() {}
        Ok(())
    }
}

/// A chat's messages, each handed on as it is read and then dropped.
struct Messages<'n, 'a, 'b> {
    name: &'n str,
    seed: &'b mut Each<'a>,
    problem: &'b mut Option<ImportError>,
}

impl<'de> DeserializeSeed<'de> for Messages<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Messages<'_, '_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a list of messages")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut messages: A) -> Result<(), A::Error> {
        let mut index = 0;
        while let Some(raw) = messages.next_element::<RawMessage>()? {
            if let Err(e) = message(raw).and_then(|m| (self.seed)(self.name, index, m)) {
                *self.problem = Some(e);
                return Err(de::Error::custom("stopped"));
            }
            index += 1;
        }
        Ok(())
    }
}

fn message(m: RawMessage) -> Result<Message, ImportError> {
    // Files left out of the export are named "(File not included. …)".
    let file = m.photo.or(m.file).filter(|f| !f.starts_with('('));
    Ok(Message {
        id: m.id,
        time: stamp(m.date_unixtime.as_deref(), m.date.as_deref(), m.id)?
            .ok_or_else(|| ImportError::BrokenAt { offset: 0, reason: format!("{} has no time", named(m.id)) })?,
        edited: stamp(m.edited_unixtime.as_deref(), m.edited.as_deref(), m.id)?,
        from: m.from.or(m.actor).unwrap_or_default(),
        from_id: m.from_id.map(|i| i.0).unwrap_or_default(),
        text: m.text.0,
        file,
        service: m.kind == "service",
        forwarded_from: m.forwarded_from,
    })
}

/// A time from its epoch seconds if the export gave them, or else from its local clock time.
fn stamp(unix: Option<&str>, local: Option<&str>, id: Option<i64>) -> Result<Option<Stamp>, ImportError> {
    let unreadable = || ImportError::BrokenAt { offset: 0, reason: format!("{} has an unreadable time", named(id)) };
    match (unix, local) {
        (Some(unix), _) => {
            let seconds: i64 = unix.trim().parse().map_err(|_| unreadable())?;
            Ok(Some(Stamp::Exact(Timestamp::from_second(seconds).map_err(|_| unreadable())?)))
        }
        (None, Some(local)) => Ok(Some(Stamp::Local(local.trim().parse::<DateTime>().map_err(|_| unreadable())?))),
        (None, None) => Ok(None),
    }
}

/// A message as an error names it.
fn named(id: Option<i64>) -> String {
    id.map_or_else(|| "a message".to_owned(), |id| format!("message {id}"))
}

/// An id as text, whether the export wrote it as text or as a number.
struct IdText(String);

impl<'de> Deserialize<'de> for IdText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<IdText, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Either {
            Text(String),
            Number(i64),
        }
        Ok(IdText(match Either::deserialize(deserializer)? {
            Either::Text(t) => t,
            Either::Number(n) => n.to_string(),
        }))
    }
}

/// Whether a file looks like a Telegram export.
pub fn detect(head: &[u8]) -> bool {
    let text = String::from_utf8_lossy(head);
    text.contains("\"date_unixtime\"")
        || (text.contains("\"chats\"") && text.contains("\"about\""))
        || (text.contains("\"messages\"") && text.contains("\"date\"") && text.contains("\"from_id\""))
}

/// Reads `result.json` as a stream, handing on each message (with its chat's name and place
/// in the chat) as it is read: however large the file, one message at a time is held. Stops at
/// the first problem `each` returns, or the first thing that cannot be read.
pub fn read<R: Read>(
    reader: R,
    mut each: impl FnMut(&str, u64, Message) -> Result<(), ImportError>,
) -> Result<(), ImportError> {
    let mut count = 0;
    let mut problem = None;
    let read = {
        let mut counted = |chat: &str, index: u64, m: Message| {
            count += 1;
            each(chat, index, m)
        };
        let mut each: Each = &mut counted;
        let mut json = serde_json::Deserializer::from_reader(std::io::BufReader::new(reader));
        ChatSeed { each: &mut each, problem: &mut problem }.deserialize(&mut json).and_then(|()| json.end())
    };
    match (read, problem) {
        (_, Some(problem)) => Err(problem),
        (Ok(()), None) => Ok(()),
        // Every message before the damage has been handed on.
        (Err(e), None) if count > 0 => {
            Err(cut_short::Break { line: e.line() as u64, ends_early: e.is_eof() }.error(count, "messages"))
        }
        (Err(e), None) => Err(ImportError::Malformed {
            line: e.line() as u64,
            reason: format!("this is not a Telegram export ({e})"),
        }),
    }
}

/// Reads `result.json` whole: every chat in it, in order.
pub fn parse(bytes: &[u8]) -> Result<Vec<Chat>, ImportError> {
    let mut chats: Vec<Chat> = Vec::new();
    read(bytes, |name, index, m| {
        if index == 0 || chats.is_empty() {
            chats.push(Chat { name: name.to_owned(), messages: Vec::new() });
        }
        if let Some(chat) = chats.last_mut() {
            chat.messages.push(m);
        }
        Ok(())
    })?;
    Ok(chats)
}
