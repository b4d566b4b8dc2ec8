//! What she asks of the police and how they may contact her safely. All optional: she fills
//! them on "Prepare a report" (or when she makes a police link); they are sealed with the rest
//! of the report's choices and shown on its first page, in her own words where she gave them.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

/// Something she asks the police to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Wish {
    /// Keep a record, nothing more for now.
    Record,
    /// Investigate.
    Investigation,
    /// Warn the person.
    Warning,
    /// Help her get a protective order.
    ProtectiveOrder,
    /// Help get content of hers taken down.
    Removal,
    /// She is not sure yet.
    NotSure,
}

impl Wish {
    /// Every wish, in the order the form lists them.
    pub const ALL: &'static [Wish] =
        &[Wish::Record, Wish::Investigation, Wish::Warning, Wish::ProtectiveOrder, Wish::Removal, Wish::NotSure];

    /// The stable name used in forms and the API.
    pub fn key(self) -> &'static str {
        match self {
            Wish::Record => "record",
            Wish::Investigation => "investigation",
            Wish::Warning => "warning",
            Wish::ProtectiveOrder => "protective_order",
            Wish::Removal => "removal",
            Wish::NotSure => "not_sure",
        }
    }

    /// How she is asked on the form.
    pub fn label(self) -> &'static str {
        match self {
            Wish::Record => "Keep a record of it, nothing more for now",
            Wish::Investigation => "Investigate it",
            Wish::Warning => "Warn them to stop",
            Wish::ProtectiveOrder => "Help me get a protective order",
            Wish::Removal => "Help me get my content taken down",
            Wish::NotSure => "I am not sure yet",
        }
    }

    /// How the report says it, to the officer.
    pub fn asks(self) -> &'static str {
        match self {
            Wish::Record => "A record kept, and nothing more for now.",
            Wish::Investigation => "An investigation.",
            Wish::Warning => "A warning given to the person responsible.",
            Wish::ProtectiveOrder => {
                "Help with a protective order (a non-harassment order, or a stalking protection order)."
            }
            Wish::Removal => "Help getting content of hers taken down.",
            Wish::NotSure => "She is not sure yet what she wants to happen.",
        }
    }

    /// Reads a stable name.
    pub fn from_key(key: &str) -> Option<Wish> {
        Wish::ALL.iter().copied().find(|w| w.key() == key)
    }
}

/// What she asks, and how to reach her. Every field may be empty.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Wishes {
    /// What she asks the police to do.
    pub asks: BTreeSet<Wish>,
    /// How to contact her safely: a number, an address, "only through my support worker".
    pub contact_how: String,
    /// When it is safe to contact her.
    pub contact_times: String,
    /// Contact her through her support worker.
    pub through_support: bool,
    /// She asks to speak with a female officer.
    pub female_officer: bool,
    /// The language she needs an interpreter for, if any.
    pub interpreter: String,
    /// Her support organisation, and how to reach it.
    pub support: String,
}

impl Wishes {
    /// What she asks, one sentence each.
    pub fn asked(&self) -> Vec<String> {
        self.asks.iter().map(|w| w.asks().to_owned()).collect()
    }

    /// How to contact her, as label and value; what she left empty is left out.
    pub fn contact(&self) -> Vec<(String, String)> {
        let mut rows = Vec::new();
        let mut row = |label: &str, value: &str| {
            if !value.trim().is_empty() {
                rows.push((label.to_owned(), value.trim().to_owned()));
            }
        };
        row("How", &self.contact_how);
        row("When", &self.contact_times);
        row(
            "Through her support worker",
            if self.through_support { "Yes: contact her through her support worker." } else { "" },
        );
        row("Officer", if self.female_officer { "She asks to speak with a female officer." } else { "" });
        row("Interpreter", &self.interpreter);
        rows
    }

    /// Checks lengths.
    pub fn check(&self, problems: &mut crate::Problems) {
        for (field, value, max) in [
            ("contact_how", &self.contact_how, 1000),
            ("contact_times", &self.contact_times, 1000),
            ("interpreter", &self.interpreter, 200),
            ("support", &self.support, 2000),
        ] {
            problems.check_length(field, value, max);
        }
    }
}
