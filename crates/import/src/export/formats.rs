//! Each format's records as [`Item`]s: the readers of `crate`'s format modules, turned into
//! the one shape [`super::read_as`] hands on.

use std::collections::HashMap;
use std::io::{BufRead, Read, Seek};

use phonenumber::country::Id as Country;

use super::{Attached, Handle, Item, Party, Place, Stamp, discord_index, sha256_hex};
use crate::zipped::{Entry, SafeZip};
use crate::{ImportError, Partial, discord, identifiers, meta, sms_xml, telegram, x_archive};

/// Distinct numbers remembered while reading an SMS backup.
const NUMBER_CACHE: usize = 10_000;

pub(super) fn read_sms<R: BufRead>(
    reader: R,
    region: Country,
    deliver: &mut dyn FnMut(Item),
) -> Result<(), ImportError> {
    // Reading a number with libphonenumber's rules is the slowest step per message, and a
    // backup holds few distinct numbers: each is read once (the cache is capped all the same).
    let mut numbers: HashMap<String, String> = HashMap::new();
    sms_xml::parse(reader, |r| {
        let mut read_number = |raw: &str| match numbers.get(raw) {
            Some(n) => n.clone(),
            None => {
                let n = identifiers::phone(raw, region).unwrap_or_else(|| raw.trim().to_owned());
                if numbers.len() < NUMBER_CACHE {
                    numbers.insert(raw.to_owned(), n.clone());
                }
                n
            }
        };
        let number = read_number(&r.address);
        // In a group (members joined with `~`), the one who sent it is its `from` address, not
        // the group; the group stays the conversation.
        let group = r.address.contains('~');
        let them = if group && !r.from.trim().is_empty() && r.from.trim() != "insert-address-token" {
            let from = read_number(&r.from);
            Party { name: from.clone(), handle: Some(Handle::Phone(from)), mine: false }
        } else {
            Party {
                name: if r.contact_name.trim().is_empty() || r.contact_name == "(Unknown)" || group {
                    number.clone()
                } else {
                    r.contact_name.clone()
                },
                handle: (!number.is_empty()).then(|| Handle::Phone(number.clone())),
                mine: false,
            }
        };
        let me = Party { name: "Me".into(), handle: None, mine: true };
        let (sender, text) = match r.kind {
            sms_xml::Kind::Call => {
                let what = match r.direction {
                    sms_xml::Direction::Received => format!("Incoming call, {} seconds", r.duration),
                    sms_xml::Direction::Sent => format!("Outgoing call, {} seconds", r.duration),
                    sms_xml::Direction::Missed => "Missed or rejected call".to_owned(),
                };
                (if r.direction == sms_xml::Direction::Sent { me } else { them }, what)
            }
            _ => {
                // An MMS's SMIL layout and the word "null" that some phones write for no text
                // are not what anyone wrote.
                let mut text = if r.body.trim() == "null" { String::new() } else { r.body.clone() };
                let written = |p: &&sms_xml::Part| {
                    !p.text.is_empty()
                        && p.text.trim() != "null"
                        && !p.content_type.eq_ignore_ascii_case("application/smil")
                };
                for part in r.parts.iter().filter(written) {
                    if !text.is_empty() {
                        text.push('\n');
                    }
                    text.push_str(&part.text);
                }
                (if r.direction == sms_xml::Direction::Sent { me } else { them }, text)
            }
        };
        let mut item = Item::new(&number, sender, Some(Stamp::Exact(r.time)), text, Place::Offset(r.offset));
        for part in r.parts.iter().filter(|p| !p.data.is_empty()) {
            item.attachments.push(Attached {
                name: if part.name.is_empty() { part.content_type.clone() } else { part.name.clone() },
                held: Some((sha256_hex(&part.data), part.data.len() as u64)),
            });
        }
        deliver(item);
    })?;
    Ok(())
}

pub(super) fn read_telegram(reader: impl Read, file: &str, deliver: &mut dyn FnMut(Item)) -> Result<(), ImportError> {
    telegram::read(reader, |chat, index, m| {
        if m.service {
            return Ok(());
        }
        let handle = (!m.from_id.is_empty()).then(|| Handle::UserId(m.from_id.clone()));
        let mut item = Item::new(
            chat,
            Party { name: m.from, handle, mine: false },
            Some(m.time),
            m.text,
            Place::Record { file: file.to_owned(), index },
        );
        match m.edited {
            Some(Stamp::Exact(at)) => item.details.push(("Edited".into(), at.to_string())),
            Some(Stamp::Local(at)) => item.details.push(("Edited".into(), at.to_string())),
            None => {}
        }
        if let Some(from) = m.forwarded_from {
            item.details.push(("Forwarded from".into(), from));
        }
        if let Some(name) = m.file {
            item.attachments.push(Attached { name, held: None });
        }
        deliver(item);
        Ok(())
    })
}

pub(super) fn read_meta(bytes: &[u8], file: &str, deliver: &mut dyn FnMut(Item)) -> Result<(), ImportError> {
    let Partial { read: thread, broken } = meta::parse(bytes)?;
    for m in thread.messages {
        let mut text = m.text;
        if let Some(link) = m.link.filter(|l| !text.contains(l.as_str())) {
            text = if text.is_empty() { link } else { format!("{text}\n{link}") };
        }
        let mut item = Item::new(
            &thread.title,
            Party { name: m.sender, handle: None, mine: false },
            Some(Stamp::Exact(m.time)),
            text,
            Place::Record { file: file.to_owned(), index: m.index as u64 },
        );
        item.attachments = m.files.into_iter().map(|name| Attached { name, held: None }).collect();
        deliver(item);
    }
    broken.map_or(Ok(()), Err)
}

pub(super) fn read_x(bytes: &[u8], file: &str, deliver: &mut dyn FnMut(Item)) -> Result<(), ImportError> {
    let Partial { read: conversations, broken } = x_archive::parse(bytes)?;
    for conversation in conversations {
        for (index, m) in conversation.messages.into_iter().enumerate() {
            let mut item = Item::new(
                &conversation.id,
                Party { name: m.sender_id.clone(), handle: Some(Handle::UserId(m.sender_id)), mine: false },
                Some(Stamp::Exact(m.time)),
                m.text,
                Place::Record { file: file.to_owned(), index: index as u64 },
            );
            item.details.push(("Message id".into(), m.id));
            item.attachments = m.media.into_iter().map(|name| Attached { name, held: None }).collect();
            deliver(item);
        }
    }
    broken.map_or(Ok(()), Err)
}

pub(super) fn read_discord<R: Read + Seek>(
    zip: &mut SafeZip<R>,
    entries: &[Entry],
    deliver: &mut dyn FnMut(Item),
) -> Result<Vec<String>, ImportError> {
    let index_entry = discord_index(entries).ok_or_else(|| ImportError::BrokenAt {
        offset: 0,
        reason: "the package has no messages folder (an index.json beside channel folders)".into(),
    })?;
    let names = discord::index(&zip.read(index_entry, discord::MAX_FILE)?)?;
    let root = index_entry.path.trim_end_matches("index.json").to_owned();
    for (id, index_name) in names {
        // Newer packages name the folder `c<id>`, older ones `<id>`.
        let folder = entries.iter().find(|e| {
            e.path.eq_ignore_ascii_case(&format!("{root}c{id}/channel.json"))
                || e.path.eq_ignore_ascii_case(&format!("{root}{id}/channel.json"))
        });
        let Some(channel_entry) = folder else { continue };
        let dir = channel_entry.path.trim_end_matches("channel.json").to_owned();
        let channel = discord::channel(&zip.read(channel_entry, discord::MAX_FILE)?, &index_name)?;
        let messages_entry = entries
            .iter()
            .find(|e| e.path.eq_ignore_ascii_case(&format!("{dir}messages.json")))
            .or_else(|| entries.iter().find(|e| e.path.eq_ignore_ascii_case(&format!("{dir}messages.csv"))));
        let Some(messages_entry) = messages_entry else { continue };
        let csv = messages_entry.name.to_ascii_lowercase().ends_with(".csv");
        let Partial { read: messages, broken } = discord::messages(&zip.read(messages_entry, discord::MAX_FILE)?, csv)?;
        for (index, m) in messages.into_iter().enumerate() {
            let mut item = Item::new(
                &channel.name,
                Party { name: "Me".into(), handle: None, mine: true },
                Some(Stamp::Exact(m.time)),
                m.text,
                Place::Record { file: messages_entry.path.clone(), index: index as u64 },
            );
            item.details.push(("Message id".into(), m.id));
            item.attachments = m.attachments.into_iter().map(|name| Attached { name, held: None }).collect();
            deliver(item);
        }
        if let Some(e) = broken {
            return Err(e);
        }
    }
    Ok(vec!["A Discord data package holds only the messages she sent, not the ones sent to her.".into()])
}
