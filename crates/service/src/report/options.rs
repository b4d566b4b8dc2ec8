//! What she chooses to put in a report: dates, incidents, the name shown, fields left out,
//! and which fields a bundle's `records.json` shows.

use std::collections::BTreeSet;

use jiff::civil::Date;
use lodge_domain::{Incident, IncidentId, RecordKind};
use serde::{Deserialize, Serialize};

use crate::ServiceError;

/// A field she can leave out of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Redact {
    /// The exact words of messages.
    Verbatim,
    /// How it affected her, in her words.
    EffectWords,
    /// Witnesses.
    Witnesses,
    /// Physical places.
    Places,
    /// Web addresses.
    WebAddresses,
    /// Police reference numbers.
    PoliceReferences,
    /// A person's real name, address, vehicle and notes.
    PersonDetails,
    /// Pictures of image exhibits inside the PDF (the files stay in a bundle).
    Pictures,
}

impl Redact {
    /// Every field, in the order the form lists them.
    pub const ALL: &'static [Redact] = &[
        Redact::Verbatim,
        Redact::EffectWords,
        Redact::Witnesses,
        Redact::Places,
        Redact::WebAddresses,
        Redact::PoliceReferences,
        Redact::PersonDetails,
        Redact::Pictures,
    ];

    /// The stable name used in forms and the API.
    pub fn key(self) -> &'static str {
        match self {
            Redact::Verbatim => "verbatim",
            Redact::EffectWords => "effect_words",
            Redact::Witnesses => "witnesses",
            Redact::Places => "places",
            Redact::WebAddresses => "web_addresses",
            Redact::PoliceReferences => "police_references",
            Redact::PersonDetails => "person_details",
            Redact::Pictures => "pictures",
        }
    }

    /// How it is named to her and in the report.
    pub fn label(self) -> &'static str {
        match self {
            Redact::Verbatim => "Exact words of messages",
            Redact::EffectWords => "How it affected you, in your words",
            Redact::Witnesses => "Witnesses",
            Redact::Places => "Places",
            Redact::WebAddresses => "Web addresses",
            Redact::PoliceReferences => "Police reference numbers",
            Redact::PersonDetails => "Real names, addresses, vehicles and notes about people",
            Redact::Pictures => "Pictures of image exhibits in the PDF",
        }
    }

    /// Reads a stable name.
    pub fn from_key(key: &str) -> Option<Redact> {
        Redact::ALL.iter().copied().find(|r| r.key() == key)
    }
}

/// What she chose to put in a report.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ReportOptions {
    /// Only incidents on or after this day.
    pub from: Option<Date>,
    /// Only incidents on or before this day.
    pub to: Option<Date>,
    /// Only these incidents; `None` for all in the date range.
    pub incidents: Option<BTreeSet<IncidentId>>,
    /// The name the report is about: her working name or her legal name, as she chooses.
    pub subject_name: String,
    /// Who prepared it.
    pub prepared_by: String,
    /// Who it is for (may be empty).
    pub prepared_for: String,
    /// Fields left out.
    pub redact: BTreeSet<Redact>,
    /// Put where imported photos were taken (GPS from their EXIF) in the chronology. Off
    /// unless she chooses: a location can tell where she lives or works.
    pub photo_locations: bool,
    /// What she asks of the police, and how to contact her safely.
    #[serde(default)]
    pub wishes: lodge_domain::Wishes,
    /// Her answers to the stalking risk questions, if she gave any.
    #[serde(default)]
    pub risk: lodge_domain::RiskAnswers,
}

impl ReportOptions {
    pub(crate) fn check(&self) -> Result<(), ServiceError> {
        if self.subject_name.trim().is_empty() {
            return Err(ServiceError::invalid(
                "subject_name",
                "Enter the name the report should use: your working name or your legal name.",
            ));
        }
        if let (Some(from), Some(to)) = (self.from, self.to)
            && to < from
        {
            return Err(ServiceError::invalid("to", "The end date is before the start date: check the dates."));
        }
        let mut problems = lodge_domain::Problems::default();
        self.wishes.check(&mut problems);
        problems.check_length("risk_note", &self.risk.note, 5000);
        if !problems.is_empty() {
            return Err(ServiceError::Invalid(problems));
        }
        Ok(())
    }

    pub(super) fn keeps(&self, id: IncidentId, incident: &Incident) -> bool {
        let day = incident.occurred.day();
        let in_range = match (self.from, self.to, day) {
            (None, None, _) => true,
            (_, _, None) => false,
            (from, to, Some(d)) => from.is_none_or(|f| d >= f) && to.is_none_or(|t| d <= t),
        };
        in_range && self.incidents.as_ref().is_none_or(|chosen| chosen.contains(&id))
    }

    pub(super) fn shows(&self, field: Redact) -> bool {
        !self.redact.contains(&field)
    }

    /// Whether a bundle's `records.json` shows a record's field: what the report shows, and
    /// nothing it leaves out (the rest is proved by its hash alone).
    pub(super) fn proves(&self, kind: RecordKind, field: &str) -> bool {
        match (kind, field) {
            (RecordKind::Incident, "occurred" | "discovered" | "platform" | "description" | "conduct" | "effects")
            | (RecordKind::Incident, "asked_to_stop" | "people")
            | (RecordKind::Person, "label" | "identifiers") => true,
            (RecordKind::Incident, "url") => self.shows(Redact::WebAddresses),
            (RecordKind::Incident, "place") => self.shows(Redact::Places),
            (RecordKind::Incident, "verbatim") => self.shows(Redact::Verbatim),
            (RecordKind::Incident, "effect_words") => self.shows(Redact::EffectWords),
            (RecordKind::Incident, "witnesses") => self.shows(Redact::Witnesses),
            (RecordKind::Incident, "police_reference") => self.shows(Redact::PoliceReferences),
            (RecordKind::Person, "name" | "address" | "vehicle" | "notes") => self.shows(Redact::PersonDetails),
            _ => false,
        }
    }
}
