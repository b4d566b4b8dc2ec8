//! [`Person`]: someone in a case, known perhaps only by a username. A person is a set of
//! [`Identifier`]s; a real name, address or vehicle is optional and never required.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::Problems;

/// A person in a case. Every field is case content and is encrypted at rest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Person {
    /// What she calls them, e.g. "the Twitch account" or "@darkwolf".
    pub label: String,
    /// Usernames, numbers, addresses and other ways they are known.
    #[serde(default)]
    pub identifiers: Vec<Identifier>,
    /// Real name, if known.
    #[serde(default)]
    pub name: String,
    /// Address, if known.
    #[serde(default)]
    pub address: String,
    /// Vehicle, if known.
    #[serde(default)]
    pub vehicle: String,
    /// Anything else about them.
    #[serde(default)]
    pub notes: String,
}

/// One way a person is known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Identifier {
    /// What kind of identifier this is.
    pub kind: IdentifierKind,
    /// The platform or service, where it matters (Instagram, OnlyFans, PayPal…).
    #[serde(default)]
    pub platform: String,
    /// The username, number, address or link itself.
    pub value: String,
    /// When she first saw it used.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Date, pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]
    pub first_seen: Option<Date>,
    /// When she last saw it used.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Date, pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]
    pub last_seen: Option<Date>,
}

/// Kinds of identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum IdentifierKind {
    /// A username or handle on a platform.
    Username,
    /// A link to a profile.
    ProfileUrl,
    /// A platform's numeric or internal user id.
    PlatformUserId,
    /// A phone number.
    Phone,
    /// An email address.
    Email,
    /// A payment handle (PayPal, Cash App, bank reference…).
    PaymentHandle,
    /// A website.
    Website,
    /// A nickname or name they use.
    Nickname,
}

impl IdentifierKind {
    /// Every kind, usernames first.
    pub const ALL: &'static [IdentifierKind] = &[
        IdentifierKind::Username,
        IdentifierKind::ProfileUrl,
        IdentifierKind::PlatformUserId,
        IdentifierKind::Phone,
        IdentifierKind::Email,
        IdentifierKind::PaymentHandle,
        IdentifierKind::Website,
        IdentifierKind::Nickname,
    ];

    /// The stable name used in forms and storage.
    pub fn key(self) -> &'static str {
        match self {
            IdentifierKind::Username => "username",
            IdentifierKind::ProfileUrl => "profile_url",
            IdentifierKind::PlatformUserId => "platform_user_id",
            IdentifierKind::Phone => "phone",
            IdentifierKind::Email => "email",
            IdentifierKind::PaymentHandle => "payment_handle",
            IdentifierKind::Website => "website",
            IdentifierKind::Nickname => "nickname",
        }
    }

    /// Reads a stable name.
    pub fn from_key(key: &str) -> Option<IdentifierKind> {
        IdentifierKind::ALL.iter().copied().find(|k| k.key() == key)
    }

    /// The kind a value most likely is, when she typed it without saying: a link, an email
    /// address, a phone number (digits with the usual separators), or else a username.
    pub fn guess(value: &str) -> IdentifierKind {
        let value = value.trim();
        let lower = value.to_lowercase();
        let digits = value.chars().filter(char::is_ascii_digit).count();
        if lower.starts_with("http://") || lower.starts_with("https://") {
            IdentifierKind::ProfileUrl
        } else if !value.starts_with('@')
            && !value.contains(char::is_whitespace)
            && value.split_once('@').is_some_and(|(u, d)| !u.is_empty() && d.contains('.'))
        {
            IdentifierKind::Email
        } else if digits >= 7 && value.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c)) {
            IdentifierKind::Phone
        } else {
            IdentifierKind::Username
        }
    }

    /// How it is shown.
    pub fn label(self) -> &'static str {
        match self {
            IdentifierKind::Username => "Username",
            IdentifierKind::ProfileUrl => "Profile link",
            IdentifierKind::PlatformUserId => "Platform user id",
            IdentifierKind::Phone => "Phone number",
            IdentifierKind::Email => "Email address",
            IdentifierKind::PaymentHandle => "Payment handle",
            IdentifierKind::Website => "Website",
            IdentifierKind::Nickname => "Nickname",
        }
    }
}

impl Person {
    /// Someone known only by one identifier (a username is enough), such as a person she names
    /// while logging an incident.
    pub fn known_by(value: &str, platform: &str) -> Person {
        let value = value.trim();
        Person {
            label: String::new(),
            identifiers: vec![Identifier {
                kind: IdentifierKind::guess(value),
                platform: platform.trim().to_owned(),
                value: value.to_owned(),
                first_seen: None,
                last_seen: None,
            }],
            name: String::new(),
            address: String::new(),
            vehicle: String::new(),
            notes: String::new(),
        }
    }

    /// Checks a person before saving: a label or one identifier is enough.
    pub fn check(&self) -> Problems {
        let mut p = Problems::default();
        if self.label.trim().is_empty() && self.identifiers.iter().all(|i| i.value.trim().is_empty()) {
            p.add("label", "Give them a name you will recognise, or add a username. A username is enough.");
        }
        p.check_length("label", &self.label, 200);
        for (i, id) in self.identifiers.iter().enumerate() {
            p.check_length(&format!("identifiers.{i}.value"), &id.value, 2000);
            if let (Some(first), Some(last)) = (id.first_seen, id.last_seen)
                && last < first
            {
                p.add(format!("identifiers.{i}.last_seen"), "Last seen is before first seen: check the dates.");
            }
        }
        for (field, value) in [("name", &self.name), ("address", &self.address), ("vehicle", &self.vehicle)] {
            p.check_length(field, value, 2000);
        }
        p.check_length("notes", &self.notes, 50_000);
        p
    }

    /// The name to show: her label, or the first identifier.
    pub fn display_name(&self) -> String {
        if !self.label.trim().is_empty() {
            return self.label.clone();
        }
        self.identifiers
            .iter()
            .find(|i| !i.value.trim().is_empty())
            .map(|i| if i.platform.is_empty() { i.value.clone() } else { format!("{} on {}", i.value, i.platform) })
            .unwrap_or_else(|| "Unnamed person".to_owned())
    }
}

#[cfg(test)]
mod guess_tests {
    use super::IdentifierKind::{self, *};

    #[test]
    fn a_typed_identifier_is_read_as_what_it_looks_like() {
        for (value, kind) in [
            ("darkwolf", Username),
            ("@darkwolf", Username),
            ("@darkwolf@mastodon.social", Username),
            ("https://x.com/darkwolf", ProfileUrl),
            ("dark.wolf@example.com", Email),
            ("+44 7700 900123", Phone),
            ("07700 900123", Phone),
            ("1234", Username),
            ("dark wolf", Username),
        ] {
            assert_eq!(IdentifierKind::guess(value), kind, "{value}");
        }
    }
}
