//! Writing an import: its messages grouped into incidents, its senders into people, each
//! record sealed and logged and sent to the one open transaction.

use super::*;

/// Messages on their way to becoming one incident.
pub(super) struct Group {
    pub(super) messages: Vec<Message>,
    pub(super) people: Vec<PersonId>,
    pub(super) first: Option<Timestamp>,
    pub(super) last: Option<Timestamp>,
    pub(super) chars: usize,
}

/// The state of one import as items arrive.
pub(super) struct Importer<'a> {
    pub(super) case: &'a OpenCase,
    pub(super) choices: &'a ImportChoices,
    pub(super) format: Format,
    pub(super) tz: TimeZone,
    pub(super) file_name: &'a str,
    pub(super) exhibit_id: EvidenceId,
    /// The exhibit's record, until it is written with the first message.
    pub(super) exhibit: Option<Evidence>,
    pub(super) directory: Directory,
    pub(super) known: HashSet<String>,
    pub(super) leaves: LeafBatch,
    pub(super) batch: tokio::sync::mpsc::Sender<Batched>,
    pub(super) persons: HashMap<(String, Option<Handle>), PersonId>,
    pub(super) groups: BTreeMap<String, Group>,
    /// The id the next incident takes, when it was chosen ahead (a photo's exhibit names it).
    pub(super) next_incident: Option<IncidentId>,
    pub(super) outcome: ImportOutcome,
}

impl Importer<'_> {
    /// Seals a new record, logs it and sends both to the open transaction.
    pub(super) async fn write<T: serde::Serialize>(
        &mut self,
        kind: RecordKind,
        id: Uuid,
        body: &T,
    ) -> Result<(), ServiceError> {
        self.write_version(kind, id, 1, body).await
    }

    /// Seals version `version` of a record, logs it and sends both to the open transaction.
    pub(super) async fn write_version<T: serde::Serialize>(
        &mut self,
        kind: RecordKind,
        id: Uuid,
        version: i64,
        body: &T,
    ) -> Result<(), ServiceError> {
        let case = self.case;
        let action = if version == 1 { lodge_ledger::Action::Created } else { lodge_ledger::Action::Edited };
        let (row, entry) = case.sealed_version(kind, id, version, action, body)?;
        let leaf = case.lodge().batch_leaf(&mut self.leaves, &case.keys, &entry).await?;
        self.batch
            .send(Batched::Record(Box::new(row), Box::new(leaf)))
            .await
            .map_err(|_| ServiceError::Internal("the import's transaction ended early".into()))
    }

    pub(super) async fn write_incident(&mut self, conversation: &str, group: Group) -> Result<(), ServiceError> {
        let incident = incident_of(
            conversation,
            group,
            self.format,
            self.exhibit_id,
            &self.choices.zone,
            self.file_name,
            &self.tz,
        );
        let id = self.next_incident.take().unwrap_or_default();
        self.write(RecordKind::Incident, id.0, &incident).await?;
        self.outcome.incidents += 1;
        Ok(())
    }

    /// The person a sender is: found in the case, met earlier in this import, or new.
    pub(super) async fn person(&mut self, name: &str, handle: Option<&Handle>) -> Result<PersonId, ServiceError> {
        let who = (name.to_owned(), handle.cloned());
        if let Some(id) = self.persons.get(&who) {
            return Ok(*id);
        }
        let id = match self.directory.sender(name, handle) {
            Some((id, _)) => {
                self.add_handle(id, handle).await?;
                id
            }
            None => {
                let id = PersonId::new();
                self.write(RecordKind::Person, id.0, &new_person(self.format, name, handle)).await?;
                self.outcome.people_added += 1;
                id
            }
        };
        self.persons.insert(who, id);
        Ok(id)
    }

    /// Adds the export's number, email or user id to a person found by name who lacks it.
    pub(super) async fn add_handle(&mut self, id: PersonId, handle: Option<&Handle>) -> Result<(), ServiceError> {
        let Some(handle) = handle else { return Ok(()) };
        let key = handle_text(handle).to_lowercase();
        if self.directory.by_identifier.contains_key(&key) {
            return Ok(());
        }
        let Some((version, mut person)) = self.directory.people.remove(&id) else { return Ok(()) };
        person.identifiers.push(identifier_of(self.format, handle));
        self.write_version(RecordKind::Person, id.0, version + 1, &person).await?;
        self.directory.by_identifier.insert(key, (id, person.label.clone()));
        self.directory.people.insert(id, (version + 1, person));
        Ok(())
    }

    pub(super) async fn take(&mut self, item: Item) -> Result<(), ServiceError> {
        let choices = self.choices;
        if (!choices.conversations.is_empty() && !choices.conversations.contains(&item.conversation))
            || choices.left_out.contains(&item.sender.name)
        {
            return Ok(());
        }
        let key = message_key(&item);
        if self.known.contains(&key) {
            self.outcome.duplicates += 1;
            return Ok(());
        }
        if let Some(exhibit) = self.exhibit.take() {
            self.write(RecordKind::Evidence, self.exhibit_id.0, &exhibit).await?;
        }
        let mine = item.sender.mine || choices.me.contains(&item.sender.name);
        let person = if mine { None } else { Some(self.person(&item.sender.name, item.sender.handle.as_ref()).await?) };
        let at = item.time.and_then(|t| instant(t, &self.tz));
        let message = Message {
            at,
            sender: item.sender.name,
            mine,
            person,
            text: item.text,
            attachments: item
                .attachments
                .into_iter()
                .map(|a| Attachment {
                    name: a.name,
                    sha256: a.held.as_ref().map(|h| h.0.clone()),
                    size: a.held.map(|h| h.1),
                })
                .collect(),
            place: item.place.to_string(),
            details: item.details,
            location: item.location,
            key,
        };
        self.outcome.messages += 1;
        let chars = message.text.chars().count() + message.sender.len() + 24;
        let split = self.groups.get(&item.conversation).is_some_and(|g| {
            self.format == Format::Image
                || g.messages.len() >= GROUP_MESSAGES
                || g.chars + chars > GROUP_CHARS
                || match (g.last, at) {
                    (Some(last), Some(now)) if now >= last => match choices.grouping {
                        Grouping::Day => day(last, &self.tz) != day(now, &self.tz),
                        Grouping::Burst(minutes) => {
                            now.duration_since(last) > jiff::SignedDuration::from_mins(i64::from(minutes))
                        }
                    },
                    _ => true,
                }
        });
        if let Some(done) = split.then(|| self.groups.remove(&item.conversation)).flatten() {
            self.write_incident(&item.conversation, done).await?;
        }
        let group = self.groups.entry(item.conversation).or_insert_with(|| Group {
            messages: Vec::new(),
            people: Vec::new(),
            first: at,
            last: at,
            chars: 0,
        });
        if let Some(p) = person.filter(|p| !group.people.contains(p)) {
            group.people.push(p);
        }
        group.last = at.or(group.last);
        group.chars += chars;
        group.messages.push(message);
        Ok(())
    }
}

/// The incident a group of messages becomes.
pub(super) fn incident_of(
    conversation: &str,
    group: Group,
    format: Format,
    exhibit: EvidenceId,
    zone: &str,
    file_name: &str,
    tz: &TimeZone,
) -> Incident {
    let occurred = match group.first {
        Some(t) => When::Exact { at: t.to_zoned(tz.clone()) },
        None => When::Approximate { description: "The file holds no time".into(), around: None },
    };
    let several_days = match (group.first, group.last) {
        (Some(a), Some(b)) => day(a, tz) != day(b, tz),
        _ => false,
    };
    let mut verbatim = String::new();
    for m in group.messages.iter().filter(|_| format != Format::Image) {
        let time = m.at.map(|t| {
            let z = t.to_zoned(tz.clone());
            if several_days { z.strftime("%Y-%m-%d %H:%M").to_string() } else { z.strftime("%H:%M").to_string() }
        });
        let text = if m.text.is_empty() && !m.attachments.is_empty() {
            format!("[{}]", m.attachments.iter().map(|a| a.name.as_str()).collect::<Vec<_>>().join(", "))
        } else {
            m.text.clone()
        };
        match time {
            Some(t) => verbatim.push_str(&format!("[{t}] {}: {text}\n", m.sender)),
            None => verbatim.push_str(&format!("{}: {text}\n", m.sender)),
        }
    }
    let count = group.messages.len();
    let what = match format {
        Format::Image => format!("Photo or screenshot {file_name}"),
        Format::Email => format!("{count} email{} from {conversation}", if count == 1 { "" } else { "s" }),
        _ => format!(
            "{count} message{} in {} on {}",
            if count == 1 { "" } else { "s" },
            if conversation.is_empty() { "the chat" } else { conversation },
            format.platform()
        ),
    };
    let verbatim = if verbatim.chars().count() > 190_000 { verbatim.chars().take(190_000).collect() } else { verbatim };
    Incident {
        platform: format.platform().to_owned(),
        description: format!("{what}, imported from {file_name}."),
        verbatim,
        people: group.people,
        messages: group.messages,
        source: Some(ImportSource {
            exhibit,
            format: format.platform().to_owned(),
            conversation: conversation.to_owned(),
            zone: zone.to_owned(),
        }),
        ..Incident::at(occurred)
    }
}
