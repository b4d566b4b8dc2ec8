//! [`ReportDocument`]: everything a police report shows, already chosen, redacted and worded
//! by the caller. The PDF template only lays it out, so what goes into a report is decided in
//! one place and can be checked without rendering.

use serde::{Deserialize, Serialize};

/// A police report, ready to lay out.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ReportDocument {
    /// The report's title, e.g. "Stalking and harassment: incident log".
    pub title: String,
    /// The case reference printed on every page.
    pub case_reference: String,
    /// The name she chose to appear: working name or legal name.
    pub subject_name: String,
    /// Who prepared the report (her, or a support worker on her behalf).
    pub prepared_by: String,
    /// Who the report is for, e.g. "Police Scotland" (may be empty).
    pub prepared_for: String,
    /// When the report was prepared, as shown.
    pub prepared_at: String,
    /// The period the report covers, as shown.
    pub period: String,
    /// The facts an officer reads first, as label and value (who, what, since when, how
    /// often, the latest, escalation).
    #[serde(default)]
    pub key_facts: Vec<(String, String)>,
    /// What she asks of the police, one sentence each (may be empty).
    #[serde(default)]
    pub wishes: Vec<String>,
    /// How to contact her safely, as label and value (may be empty).
    #[serde(default)]
    pub contact: Vec<(String, String)>,
    /// Her support organisation and how to reach it (may be empty).
    #[serde(default)]
    pub support: String,
    /// Her answers to the stalking risk questions: S-DASH item, what it is about, her answer.
    #[serde(default)]
    pub risk: Vec<(String, String, String)>,
    /// Anything she added to her answers, in her words (may be empty).
    #[serde(default)]
    pub risk_note: String,
    /// A plain-English summary, one paragraph per item.
    pub summary: Vec<String>,
    /// The people involved, each with their identifiers (usernames first).
    pub people: Vec<ReportPerson>,
    /// One row per incident, oldest first.
    pub chronology: Vec<ChronologyRow>,
    /// Every exhibit, in number order.
    pub exhibits: Vec<ExhibitRow>,
    /// The course of conduct, as sentences and figures.
    pub course: CourseSection,
    /// The integrity statement and how to check it.
    pub integrity: IntegritySection,
    /// Fields she chose to leave out, named so the report says honestly that it is partial.
    pub left_out: Vec<String>,
    /// Each incident deleted from the log, in a sentence ("An incident logged on 3 May 2026
    /// was deleted on 9 May 2026."), oldest deletion first: a report hides no deletion.
    pub deletions: Vec<String>,
    /// What was found changed outside Lodge and so left out, in sentences; empty when
    /// everything matched the log.
    pub changed: Vec<String>,
}

/// A person, with the ways they are known.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ReportPerson {
    /// What she calls them.
    pub label: String,
    /// Identifiers, usernames first.
    pub identifiers: Vec<ReportIdentifier>,
    /// Other details (real name, address, vehicle, notes) as label and value; empty ones left out.
    pub details: Vec<(String, String)>,
    /// Their course of conduct in this report, in a sentence or two (may be empty).
    pub course: String,
}

/// One identifier of a person.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ReportIdentifier {
    /// Kind, e.g. "Username".
    pub kind: String,
    /// The platform, if any.
    pub platform: String,
    /// The value itself.
    pub value: String,
    /// First and last seen, as shown (may be empty).
    pub seen: String,
}

/// One incident in the chronology.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ChronologyRow {
    /// Its number in this report, from 1.
    pub number: usize,
    /// Date as shown.
    pub date: String,
    /// Time and time zone as shown, or her words for an approximate time.
    pub time: String,
    /// What happened.
    pub what: String,
    /// The exact words, if recorded.
    pub verbatim: String,
    /// Where: platform, web address, place.
    pub place: String,
    /// Kinds of conduct.
    pub conduct: String,
    /// Effect on her.
    pub effect: String,
    /// Who was involved.
    pub people: String,
    /// Exhibit numbers, e.g. "EX-003, EX-004".
    pub exhibits: String,
}

/// One exhibit.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ExhibitRow {
    /// Its number, e.g. "EX-001".
    pub number: String,
    /// The file name as it arrived.
    pub file_name: String,
    /// Media type.
    pub kind: String,
    /// Size as shown.
    pub size: String,
    /// SHA-256, 64 hex digits.
    pub sha256: String,
    /// When it was added to the log, as shown.
    pub added: String,
    /// The incident it belongs to, by chronology number.
    pub incident: Option<usize>,
    /// Name of the picture shown for it, if it is an image (see [`crate::Picture`]).
    pub picture: Option<String>,
}

/// The course of conduct, worded.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CourseSection {
    /// Opening sentences: occasions, days, period, trend.
    pub overview: Vec<String>,
    /// Occasions per week: (Monday as shown, count), for the chart.
    pub weeks: Vec<(String, usize)>,
    /// Channels with counts, e.g. "Instagram (12)".
    pub channels: Vec<String>,
    /// Conduct kinds with counts.
    pub conduct: Vec<String>,
    /// Escalation signs, as sentences.
    pub escalation: Vec<String>,
    /// Legal tests the log may bear on.
    pub legal: Vec<LegalRow>,
    /// The note that this is not legal advice.
    pub caveat: String,
}

/// A legal test, worded.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LegalRow {
    /// "Scotland" or "England and Wales".
    pub jurisdiction: String,
    /// The provision.
    pub provision: String,
    /// What it looks at.
    pub looks_at: String,
    /// What the log records.
    pub records: String,
    /// Incident numbers it rests on.
    pub incidents: String,
}

/// The signed checkpoint and how to verify the report against it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct IntegritySection {
    /// A paragraph saying what the log is and what the checkpoint proves.
    pub statement: String,
    /// The log's name (the checkpoint origin).
    pub origin: String,
    /// Entries in the log when the report was made.
    pub size: u64,
    /// The tree root, base64.
    pub root: String,
    /// The signed checkpoint note, verbatim.
    pub note: String,
    /// The key that verifies it (signed-note verifier key).
    pub verifier_key: String,
    /// Trusted time, if a timestamp authority was used.
    pub timestamp: String,
    /// Steps to verify, one per item.
    pub how_to_verify: Vec<String>,
}
