//! The people already in a case, by the ways an export's senders can be recognised, and the
//! person a new sender becomes.

use super::*;

pub(super) fn handle_text(handle: &Handle) -> &str {
    match handle {
        Handle::Phone(v) | Handle::Email(v) | Handle::UserId(v) => v,
    }
}

/// People already in the case, by the ways they can be recognised.
pub(super) struct Directory {
    pub(super) by_identifier: HashMap<String, (PersonId, String)>,
    pub(super) by_name: HashMap<String, (PersonId, String)>,
    /// Each person's latest version, to add an identifier the export gives.
    pub(super) people: HashMap<PersonId, (i64, Person)>,
}

pub(super) fn normalise(kind: IdentifierKind, value: &str, region: Country) -> String {
    match kind {
        IdentifierKind::Phone => identifiers::phone(value, region).unwrap_or_else(|| value.trim().to_owned()),
        IdentifierKind::Username => value.trim().trim_start_matches('@').to_lowercase(),
        _ => value.trim().to_lowercase(),
    }
}

impl Directory {
    pub(super) fn new(people: &[Version<Person>], region: Country) -> Directory {
        let mut d = Directory { by_identifier: HashMap::new(), by_name: HashMap::new(), people: HashMap::new() };
        for entry in people {
            let Some(p) = &entry.body else { continue };
            let shown = if p.label.trim().is_empty() {
                p.identifiers.first().map(|i| i.value.clone()).unwrap_or_else(|| "a person with no name".into())
            } else {
                p.label.clone()
            };
            let who = (PersonId(entry.id), shown);
            d.people.insert(PersonId(entry.id), (entry.version, p.clone()));
            if !p.label.trim().is_empty() {
                d.by_name.insert(p.label.trim().to_lowercase(), who.clone());
            }
            for i in &p.identifiers {
                d.by_identifier.insert(normalise(i.kind, &i.value, region), who.clone());
                if matches!(i.kind, IdentifierKind::Nickname | IdentifierKind::Username) {
                    d.by_name.insert(i.value.trim().trim_start_matches('@').to_lowercase(), who.clone());
                }
            }
        }
        d
    }

    pub(super) fn sender(&self, name: &str, handle: Option<&Handle>) -> Option<(PersonId, String)> {
        handle
            .and_then(|h| self.by_identifier.get(&handle_text(h).to_lowercase()))
            .or_else(|| self.by_name.get(&name.trim().trim_start_matches('@').to_lowercase()))
            .cloned()
    }

    pub(super) fn mention(&self, found: &Found) -> Option<(PersonId, String)> {
        match found {
            Found::Phone(v) | Found::Email(v) | Found::Url(v) => self.by_identifier.get(&v.to_lowercase()).cloned(),
            Found::Handle(h) => {
                let bare = h.trim_start_matches('@').to_lowercase();
                self.by_identifier.get(&bare).or_else(|| self.by_name.get(&bare)).cloned()
            }
        }
    }
}

/// The identifier an export's handle becomes.
pub(super) fn identifier_of(format: Format, handle: &Handle) -> Identifier {
    let (kind, value) = match handle {
        Handle::Phone(v) => (IdentifierKind::Phone, v),
        Handle::Email(v) => (IdentifierKind::Email, v),
        Handle::UserId(v) => (IdentifierKind::PlatformUserId, v),
    };
    Identifier { kind, platform: format.platform().to_owned(), value: value.clone(), first_seen: None, last_seen: None }
}

/// A person for a sender not yet in the case.
pub(super) fn new_person(format: Format, name: &str, handle: Option<&Handle>) -> Person {
    let mut identifiers: Vec<Identifier> = handle.map(|h| identifier_of(format, h)).into_iter().collect();
    if handle.is_none_or(|h| handle_text(h) != name) {
        identifiers.push(Identifier {
            kind: IdentifierKind::Nickname,
            platform: format.platform().to_owned(),
            value: name.to_owned(),
            first_seen: None,
            last_seen: None,
        });
    }
    Person {
        label: name.to_owned(),
        identifiers,
        name: String::new(),
        address: String::new(),
        vehicle: String::new(),
        notes: format!("Added from a {} import.", format.platform()),
    }
}
