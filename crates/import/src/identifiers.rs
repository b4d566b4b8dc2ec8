//! Identifiers in message text: phone numbers (normalised to E.164 with libphonenumber's
//! rules), email addresses and web addresses (found by `linkify`, which gets the boundaries right
//! next to punctuation), and @handles. Lodge suggests linking each to a person in the case.

use std::sync::LazyLock;

use linkify::{LinkFinder, LinkKind};
pub use phonenumber::country::Id as Country;
use phonenumber::{Mode, PhoneNumber};
use regex::Regex;

/// Runs of digits, spaces and phone punctuation long enough to be a number.
static PHONE_CANDIDATE: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"(?:\+|00)?\(?\d[\d\s().\-]{5,20}\d").ok());
/// `@name` not preceded by a word character (so not the middle of an email address).
static HANDLE: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"(?:^|[^\w@.])@([A-Za-z0-9_](?:[A-Za-z0-9_.]{0,28}[A-Za-z0-9_])?)").ok());

/// A country by its two-letter code (`GB`, `IE`…), for reading numbers written without a
/// country code; `None` if the code is not one.
pub fn region(code: &str) -> Option<Country> {
    code.trim().to_ascii_uppercase().parse().ok()
}

/// An identifier found in text.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Found {
    /// A valid phone number, as E.164 (`+447700900123`).
    Phone(String),
    /// An email address, lowercased.
    Email(String),
    /// A handle, with its `@`.
    Handle(String),
    /// A web address, as written.
    Url(String),
}

/// Every identifier in `text`, each once, in the order first seen. Numbers without a country
/// code are read as numbers of `region` (the organisation's country).
pub fn find(text: &str, region: Country) -> Vec<Found> {
    let mut found: Vec<Found> = Vec::new();
    let mut push = |f: Found| {
        if !found.contains(&f) {
            found.push(f);
        }
    };
    let mut taken: Vec<std::ops::Range<usize>> = Vec::new();
    for link in LinkFinder::new().links(text) {
        taken.push(link.start()..link.end());
        match link.kind() {
            LinkKind::Email => push(Found::Email(link.as_str().to_lowercase())),
            LinkKind::Url => push(Found::Url(link.as_str().to_owned())),
            _ => {}
        }
    }
    let outside_links = |start: usize, end: usize| !taken.iter().any(|r| start < r.end && end > r.start);
    if let Some(handles) = HANDLE.as_ref() {
        for caps in handles.captures_iter(text) {
            if let Some(name) = caps.get(1)
                && outside_links(name.start(), name.end())
            {
                push(Found::Handle(format!("@{}", name.as_str())));
            }
        }
    }
    if let Some(phones) = PHONE_CANDIDATE.as_ref() {
        for candidate in phones.find_iter(text) {
            if !outside_links(candidate.start(), candidate.end()) {
                continue;
            }
            if let Some(number) = phone(candidate.as_str(), region) {
                push(Found::Phone(number));
            }
        }
    }
    found
}

/// A phone number as E.164, if it is a valid number.
pub fn phone(text: &str, region: Country) -> Option<String> {
    let text = text.trim();
    let text = match text.strip_prefix("00") {
        Some(rest) => format!("+{rest}"),
        None => text.to_owned(),
    };
    let number: PhoneNumber = phonenumber::parse(Some(region), &text).ok()?;
    phonenumber::is_valid(&number).then(|| number.format().mode(Mode::E164).to_string())
}
