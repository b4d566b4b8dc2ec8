//! [`Incident`]: one occasion of unwanted conduct, recorded as she would tell it.

use serde::{Deserialize, Serialize};

use crate::{ConductKind, Effect, ImportSource, Message, PersonId, Problems, StopRequest, When};

/// One incident in a case. Every field is case content and is encrypted at rest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Incident {
    /// When it happened.
    pub occurred: When,
    /// When she found out, if later.
    #[serde(default)]
    pub discovered: Option<When>,
    /// Platform or channel: Instagram, text message, email, in person…
    #[serde(default)]
    pub platform: String,
    /// Web address of the message, post or profile.
    #[serde(default)]
    pub url: String,
    /// A physical place, if it happened somewhere.
    #[serde(default)]
    pub place: String,
    /// What happened, in her words.
    #[serde(default)]
    pub description: String,
    /// The exact words of messages or posts, copied as they were.
    #[serde(default)]
    pub verbatim: String,
    /// Kinds of conduct.
    #[serde(default)]
    pub conduct: Vec<ConductKind>,
    /// How it affected her.
    #[serde(default)]
    pub effects: Vec<Effect>,
    /// How it affected her, in her words.
    #[serde(default)]
    pub effect_words: String,
    /// Who saw or knows about it.
    #[serde(default)]
    pub witnesses: String,
    /// Whether she had asked them to stop.
    #[serde(default)]
    pub asked_to_stop: StopRequest,
    /// Police reference number, if she reported it.
    #[serde(default)]
    pub police_reference: String,
    /// The people involved.
    #[serde(default)]
    #[schema(value_type = Vec<uuid::Uuid>)]
    pub people: Vec<PersonId>,
    /// Messages imported from an export, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub messages: Vec<Message>,
    /// The export the messages came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<ImportSource>,
    /// Who reported it on her behalf, when it came through her inbox.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub submitted_by: String,
}

impl Incident {
    /// An incident at `occurred` with nothing else recorded yet, for filling in the rest.
    pub fn at(occurred: When) -> Incident {
        Incident {
            occurred,
            discovered: None,
            platform: String::new(),
            url: String::new(),
            place: String::new(),
            description: String::new(),
            verbatim: String::new(),
            conduct: Vec::new(),
            effects: Vec::new(),
            effect_words: String::new(),
            witnesses: String::new(),
            asked_to_stop: StopRequest::default(),
            police_reference: String::new(),
            people: Vec::new(),
            messages: Vec::new(),
            source: None,
            submitted_by: String::new(),
        }
    }

    /// The fields only Lodge sets that this incident has: an import's messages and source, and
    /// who reported it through her inbox.
    pub fn provenance(&self) -> Vec<&'static str> {
        let set = [
            ("messages", !self.messages.is_empty()),
            ("source", self.source.is_some()),
            ("submitted_by", !self.submitted_by.is_empty()),
        ];
        set.into_iter().filter_map(|(field, set)| set.then_some(field)).collect()
    }

    /// Checks an incident before it is saved. Only what happened is required.
    pub fn check(&self) -> Problems {
        let mut p = Problems::default();
        if self.description.trim().is_empty() && self.verbatim.trim().is_empty() {
            p.add("description", "Say what happened, in your own words or by pasting the message.");
        }
        let url = self.url.trim();
        if !(url.is_empty() || url.starts_with("https://") || url.starts_with("http://")) {
            p.add("url", "Enter a full web address starting with https://, or leave it empty.");
        }
        for (field, value, max) in [
            ("platform", &self.platform, 200),
            ("url", &self.url, 4000),
            ("place", &self.place, 1000),
            ("description", &self.description, 100_000),
            ("verbatim", &self.verbatim, 200_000),
            ("effect_words", &self.effect_words, 20_000),
            ("witnesses", &self.witnesses, 10_000),
            ("police_reference", &self.police_reference, 200),
        ] {
            p.check_length(field, value, max);
        }
        p
    }

    /// Checks its times against `now`: nothing can have happened, or been found out, in the
    /// future, and she cannot have found out before it happened. A day is judged by the
    /// earliest it could be anywhere (a time zone can be 14 hours ahead of UTC).
    pub fn check_times(&self, now: jiff::Timestamp) -> Problems {
        let mut p = Problems::default();
        let future = |when: &When| match when {
            When::Exact { at } => at.timestamp() > now + jiff::SignedDuration::from_mins(10),
            When::Approximate { around, .. } => {
                let latest = (now + jiff::SignedDuration::from_hours(14)).to_zoned(jiff::tz::TimeZone::UTC).date();
                around.is_some_and(|d| d > latest)
            }
        };
        if future(&self.occurred) {
            p.add("occurred", "This is in the future. Enter when it happened, or roughly when.");
        }
        if let Some(discovered) = &self.discovered {
            if future(discovered) {
                p.add("discovered", "This is in the future. Enter the day you found out.");
            } else if found_before(discovered, &self.occurred) {
                p.add("discovered", "You found out before it happened: check both dates.");
            }
        }
        p
    }

    /// A one-line summary for the timeline.
    pub fn headline(&self) -> String {
        let text = if self.description.trim().is_empty() { &self.verbatim } else { &self.description };
        let line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("").trim();
        if line.chars().count() > 140 {
            let cut: String = line.chars().take(139).collect();
            format!("{cut}…")
        } else {
            line.to_owned()
        }
    }
}

/// Whether `discovered` is before `occurred`: by the instant when both are exact, otherwise by
/// the day when both have one.
fn found_before(discovered: &When, occurred: &When) -> bool {
    match (discovered, occurred) {
        (When::Exact { at: d }, When::Exact { at: o }) => d.timestamp() < o.timestamp(),
        _ => matches!((discovered.day(), occurred.day()), (Some(d), Some(o)) if d < o),
    }
}
