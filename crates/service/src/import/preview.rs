//! The preview of an import: what a received export holds — conversations, senders, the
//! identifiers in its messages, its first and last times, and what she must decide (a date
//! that reads two ways) — read from the blob store, saving nothing.

use std::collections::HashMap;

use jiff::Timestamp;
use lodge_domain::{Person, PersonId, RecordKind};
use lodge_import::export::Format;
use lodge_import::identifiers::{self, Found};

use super::{
    DateOrder, Directory, InList, LISTED, MENTIONS, Staged, Undecided, earliest, finished, handle_text, in_list,
    instant, message_key, zone_of,
};
use crate::ServiceError;
use crate::case::{OpenCase, Version};

/// One conversation in a preview.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversationPreview {
    /// Its name.
    pub name: String,
    /// Messages in it.
    pub messages: u64,
    /// First and last message times.
    pub first: Option<Timestamp>,
    /// See `first`.
    pub last: Option<Timestamp>,
}

/// One sender in a preview.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SenderPreview {
    /// The name the export gives.
    pub name: String,
    /// Their number, email or user id, if the export gives one.
    pub handle: Option<String>,
    /// Whether the export says this is her.
    pub mine: bool,
    /// Messages from them.
    pub messages: u64,
    /// The person in the case they match, with that person's label.
    pub person: Option<(PersonId, String)>,
}

/// An identifier found in message text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mention {
    /// What kind: "phone number", "email address", "handle" or "web address".
    pub kind: &'static str,
    /// The number (E.164), address, handle or link.
    pub value: String,
    /// The person in the case it belongs to, if any.
    pub person: Option<(PersonId, String)>,
}

/// What an export holds, before anything is saved.
#[derive(Debug, Clone)]
pub struct ImportPreview {
    /// The export.
    pub staged: Staged,
    /// The format it was read as.
    pub format: Format,
    /// Messages (calls, emails, photos) read.
    pub messages: u64,
    /// Messages already in the case (imported before).
    pub already: u64,
    /// First and last message times.
    pub first: Option<Timestamp>,
    /// See `first`.
    pub last: Option<Timestamp>,
    /// Conversations, in the order first seen.
    pub conversations: Vec<ConversationPreview>,
    /// Senders, in the order first seen.
    pub senders: Vec<SenderPreview>,
    /// Numbers, emails, handles and links found in the messages.
    pub mentions: Vec<Mention>,
    /// Things she should know about how it was read.
    pub notes: Vec<String>,
    /// A date that reads two ways, with both readings, when nothing in the export says which
    /// and she has not chosen: she chooses before importing.
    pub undecided: Option<Undecided>,
    /// What is broken in the file, if a part could not be read (the counts are of what came
    /// before it).
    pub problem: Option<String>,
}

impl OpenCase {
    /// Reads a received export and says what it holds, saving nothing. Times written without a
    /// zone are read in `zone`; dates that could be either way round, in `date_order` if she
    /// chose one.
    pub async fn preview_import(
        &self,
        staged: &Staged,
        format: Option<Format>,
        zone: &str,
        date_order: Option<DateOrder>,
    ) -> Result<ImportPreview, ServiceError> {
        self.check_staged(staged).await?;
        let tz = zone_of(zone)?;
        let region = self.region();
        let people: Vec<Version<Person>> = self.latest(RecordKind::Person).await?;
        let directory = Directory::new(&people, region);
        let known = self.imported_keys().await?;
        let mut conversations: Vec<ConversationPreview> = Vec::new();
        let mut senders: Vec<SenderPreview> = Vec::new();
        let mut mentions: Vec<Mention> = Vec::new();
        let mut conversation_index: HashMap<String, usize> = HashMap::new();
        let mut sender_index: HashMap<String, usize> = HashMap::new();
        let (mut messages, mut already, mut unlisted) = (0u64, 0u64, false);
        let format = self.detect_staged(staged, format).await?;
        let (mut items, reading) = self.read_staged(staged, format, date_order);
        while let Some(item) = items.recv().await {
            messages += 1;
            if known.contains(&message_key(&item)) {
                already += 1;
            }
            let at = item.time.and_then(|t| instant(t, &tz));
            match in_list(&mut conversation_index, &item.conversation, conversations.len()) {
                InList::Seen(i) => {
                    if let Some(c) = conversations.get_mut(i) {
                        c.messages += 1;
                        c.first = earliest(c.first, at);
                        c.last = c.last.max(at);
                    }
                }
                InList::New => conversations.push(ConversationPreview {
                    name: item.conversation.clone(),
                    messages: 1,
                    first: at,
                    last: at,
                }),
                InList::Past => unlisted = true,
            }
            match in_list(&mut sender_index, &item.sender.name, senders.len()) {
                InList::Seen(i) => {
                    if let Some(s) = senders.get_mut(i) {
                        s.messages += 1;
                    }
                }
                InList::New => senders.push(SenderPreview {
                    person: (!item.sender.mine)
                        .then(|| directory.sender(&item.sender.name, item.sender.handle.as_ref()))
                        .flatten(),
                    name: item.sender.name.clone(),
                    handle: item.sender.handle.as_ref().map(|h| handle_text(h).to_owned()),
                    mine: item.sender.mine,
                    messages: 1,
                }),
                InList::Past => unlisted = true,
            }
            if !item.sender.mine && mentions.len() < MENTIONS {
                for found in identifiers::find(&item.text, region) {
                    let (kind, value) = match &found {
                        Found::Phone(v) => ("phone number", v),
                        Found::Email(v) => ("email address", v),
                        Found::Handle(v) => ("handle", v),
                        Found::Url(v) => ("web address", v),
                    };
                    if mentions.len() < MENTIONS && !mentions.iter().any(|m| &m.value == value) {
                        mentions.push(Mention { kind, value: value.clone(), person: directory.mention(&found) });
                    }
                }
            }
        }
        let read = finished(reading).await?;
        let (mut notes, undecided, problem) = match read {
            Ok(outcome) => (outcome.notes, outcome.undecided, None),
            Err(e) => (Vec::new(), None, Some(e)),
        };
        if unlisted {
            notes.push(format!(
                "This export names more than {LISTED} conversations or senders: only the first {LISTED} of each are listed here, and messages from the others are counted but not shown by name."
            ));
        }
        let first = conversations.iter().filter_map(|c| c.first).min();
        let last = conversations.iter().filter_map(|c| c.last).max();
        Ok(ImportPreview {
            staged: staged.clone(),
            format,
            messages,
            already,
            first,
            last,
            conversations,
            senders,
            mentions,
            notes,
            undecided,
            problem,
        })
    }
}
