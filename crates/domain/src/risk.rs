//! Stalking risk questions: an optional section of the report in which she answers, in
//! Lodge's own plain words, questions covering the risk factors UK police screen for in
//! stalking cases (the S-DASH 2009 checklist). The report gives each answer beside the number
//! of the S-DASH item it speaks to, so an officer can carry it across to their own form. Her
//! answers only: Lodge adds no score.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A question, by the S-DASH item it speaks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RiskQuestion {
    /// Item 1: fear.
    Frightened,
    /// Item 2: harassment before.
    EarlierHarassment,
    /// Item 3: property.
    Property,
    /// Item 4: visits.
    Visits,
    /// Item 5: loitering.
    Loitering,
    /// Item 6: threats of violence.
    Threats,
    /// Item 7: people around her.
    OthersHarassed,
    /// Item 8: violence now.
    Violence,
    /// Item 9: others recruited.
    Recruited,
    /// Item 10: drink, drugs, mental health.
    Substances,
    /// Item 11: violence before.
    PastViolence,
}

impl RiskQuestion {
    /// Every question, in the checklist's order.
    pub const ALL: &'static [RiskQuestion] = &[
        RiskQuestion::Frightened,
        RiskQuestion::EarlierHarassment,
        RiskQuestion::Property,
        RiskQuestion::Visits,
        RiskQuestion::Loitering,
        RiskQuestion::Threats,
        RiskQuestion::OthersHarassed,
        RiskQuestion::Violence,
        RiskQuestion::Recruited,
        RiskQuestion::Substances,
        RiskQuestion::PastViolence,
    ];

    /// The number of the S-DASH 2009 item it speaks to.
    pub fn item(self) -> u8 {
        RiskQuestion::ALL.iter().position(|q| *q == self).map_or(0, |i| i as u8 + 1)
    }

    /// The stable name used in forms and the API.
    pub fn key(self) -> &'static str {
        match self {
            RiskQuestion::Frightened => "frightened",
            RiskQuestion::EarlierHarassment => "earlier_harassment",
            RiskQuestion::Property => "property",
            RiskQuestion::Visits => "visits",
            RiskQuestion::Loitering => "loitering",
            RiskQuestion::Threats => "threats",
            RiskQuestion::OthersHarassed => "others_harassed",
            RiskQuestion::Violence => "violence",
            RiskQuestion::Recruited => "recruited",
            RiskQuestion::Substances => "substances",
            RiskQuestion::PastViolence => "past_violence",
        }
    }

    /// How she is asked, in Lodge's words.
    pub fn question(self) -> &'static str {
        match self {
            RiskQuestion::Frightened => "Are you very frightened of them?",
            RiskQuestion::EarlierHarassment => "Have they harassed or stalked you, or anyone else, before this?",
            RiskQuestion::Property => "Have they damaged or broken anything of yours?",
            RiskQuestion::Visits => "Do they come to your home, work or other places you go, several times a week?",
            RiskQuestion::Loitering => "Have they waited or hung around near your home, work or places you go?",
            RiskQuestion::Threats => "Have they threatened to hurt you physically or sexually?",
            RiskQuestion::OthersHarassed => {
                "Have they harassed people around you: family, friends, clients, colleagues or neighbours?"
            }
            RiskQuestion::Violence => "Have they been violent to anyone while this has been going on?",
            RiskQuestion::Recruited => "Have they got other people to help them, knowingly or not?",
            RiskQuestion::Substances => {
                "As far as you know, do they have problems with drink, drugs or their mental health?"
            }
            RiskQuestion::PastViolence => {
                "As far as you know, have they been violent before, or in trouble with the police?"
            }
        }
    }

    /// What it is about, for the officer.
    pub fn topic(self) -> &'static str {
        match self {
            RiskQuestion::Frightened => "She is very frightened",
            RiskQuestion::EarlierHarassment => "Harassment or stalking before this, of her or others",
            RiskQuestion::Property => "Her property damaged",
            RiskQuestion::Visits => "Visits to her home, work or places she goes, several times a week",
            RiskQuestion::Loitering => "Loitering near her home, work or places she goes",
            RiskQuestion::Threats => "Threats of physical or sexual violence",
            RiskQuestion::OthersHarassed => "People around her harassed",
            RiskQuestion::Violence => "Violence to anyone during this",
            RiskQuestion::Recruited => "Others drawn in to help",
            RiskQuestion::Substances => "Drink, drugs or mental health problems",
            RiskQuestion::PastViolence => "Violence before, or trouble with the police",
        }
    }

    /// Reads a stable name.
    pub fn from_key(key: &str) -> Option<RiskQuestion> {
        RiskQuestion::ALL.iter().copied().find(|q| q.key() == key)
    }
}

/// Her answer to one question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RiskAnswer {
    /// Yes.
    Yes,
    /// No.
    No,
    /// She does not know.
    NotSure,
}

impl RiskAnswer {
    /// Every answer, in the order the form offers them.
    pub const ALL: &'static [RiskAnswer] = &[RiskAnswer::Yes, RiskAnswer::No, RiskAnswer::NotSure];

    /// The stable name used in forms and the API.
    pub fn key(self) -> &'static str {
        match self {
            RiskAnswer::Yes => "yes",
            RiskAnswer::No => "no",
            RiskAnswer::NotSure => "not_sure",
        }
    }

    /// How it is shown.
    pub fn label(self) -> &'static str {
        match self {
            RiskAnswer::Yes => "Yes",
            RiskAnswer::No => "No",
            RiskAnswer::NotSure => "Not sure",
        }
    }

    /// Reads a stable name.
    pub fn from_key(key: &str) -> Option<RiskAnswer> {
        RiskAnswer::ALL.iter().copied().find(|a| a.key() == key)
    }
}

/// Her answers; questions she left unanswered are absent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct RiskAnswers {
    /// Her answer to each question she answered.
    pub answers: BTreeMap<RiskQuestion, RiskAnswer>,
    /// Anything she wants to add, in her words.
    pub note: String,
}

impl RiskAnswers {
    /// The report's rows: S-DASH item, what it is about, her answer; in the checklist's order.
    pub fn rows(&self) -> Vec<(String, String, String)> {
        RiskQuestion::ALL
            .iter()
            .filter_map(|q| {
                self.answers.get(q).map(|a| (q.item().to_string(), q.topic().to_owned(), a.label().to_owned()))
            })
            .collect()
    }
}
