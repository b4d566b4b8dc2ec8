//! Course of conduct: what a log shows when its incidents are read together — how many
//! separate occasions, over what dates, how often week by week and whether that is rising,
//! which channels and kinds of conduct, signs of escalation, the legal tests the record may
//! bear on (`reference/law.md`) and risk themes worth talking through with a support service.
//!
//! Everything here describes the log, and only what it records: each sentence names the
//! incidents it rests on, says "the log records…" (never what a court would decide), and
//! counts occasions by when they happened, never by when something was found or imported.

mod law;
mod signals;

use std::collections::{BTreeMap, BTreeSet};

use jiff::ToSpan;
use jiff::civil::Date;
use law::legal_tests;
use serde::Serialize;
use signals::{escalation, risks};

use crate::{ConductKind, Effect, Incident, IncidentId, PersonId};

/// Fewer dated occasions than this, or a shorter span in weeks, and no trend is claimed.
const TREND_MIN_OCCASIONS: usize = 4;
const TREND_MIN_WEEKS: usize = 2;

/// Conduct that happens in the physical world rather than online. Watching or spying is not
/// among them: it is as often done through her accounts as in person, so on its own it says
/// nothing about where.
const OFFLINE_CONDUCT: &[ConductKind] =
    &[ConductKind::Following, ConductKind::Loitering, ConductKind::Property, ConductKind::Items];

/// The course of conduct of one person, or of everyone in a case.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CourseOfConduct {
    /// Separate occasions: each incident recorded is one.
    pub occasions: usize,
    /// How many of them have no date, so sit outside the weekly count.
    pub undated: usize,
    /// How many different days the dated occasions fall on.
    pub days: usize,
    /// The first and last dated occasion.
    pub first: Option<Date>,
    /// See `first`.
    pub last: Option<Date>,
    /// Occasions per week (weeks start on Monday), every week from the first to the last.
    pub weeks: Vec<WeekCount>,
    /// Whether the frequency is rising, steady or falling.
    pub trend: Trend,
    /// Channels and platforms, most used first.
    pub channels: Vec<Tally<String>>,
    /// Kinds of conduct, most recorded first.
    pub conduct: Vec<Tally<ConductKind>>,
    /// Signs that things are getting worse.
    pub escalation: Vec<Signal>,
    /// The legal tests the record may bear on.
    pub legal: Vec<LegalTest>,
    /// Risk themes found in the log.
    pub risks: Vec<RiskTheme>,
}

/// Occasions in the week starting on `week`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct WeekCount {
    /// The Monday the week starts on.
    pub week: Date,
    /// Occasions that week.
    pub count: usize,
}

/// How often something appears.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tally<T> {
    /// What was counted.
    pub what: T,
    /// On how many occasions.
    pub count: usize,
}

/// The direction of the weekly frequency, comparing the first half of the period with the second.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "direction", rename_all = "snake_case")]
pub enum Trend {
    /// Too few dated occasions, or too short a period, to say.
    TooFewToTell,
    /// More occasions in the second half of the period than in the first.
    Rising {
        /// Occasions in the first half.
        earlier: usize,
        /// Occasions in the second half.
        later: usize,
    },
    /// About the same in both halves.
    Steady {
        /// Occasions in the first half.
        earlier: usize,
        /// Occasions in the second half.
        later: usize,
    },
    /// Fewer in the second half.
    Falling {
        /// Occasions in the first half.
        earlier: usize,
        /// Occasions in the second half.
        later: usize,
    },
}

impl Trend {
    /// A sentence about the trend.
    pub fn sentence(&self) -> String {
        match self {
            Trend::TooFewToTell => "There are not yet enough dated occasions to show a trend.".to_owned(),
            Trend::Rising { earlier, later } => format!(
                "Contact is becoming more frequent: {earlier} in the first half of the period, {later} in the second."
            ),
            Trend::Steady { earlier, later } => {
                format!(
                    "Contact is about as frequent as before: {earlier} in the first half of the period, {later} in the second."
                )
            }
            Trend::Falling { earlier, later } => {
                format!(
                    "Contact is less frequent than before: {earlier} in the first half of the period, {later} in the second."
                )
            }
        }
    }
}

/// A sign of escalation, with the incidents that show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Signal {
    /// Which sign.
    pub kind: SignalKind,
    /// What the log records, in a sentence.
    pub text: String,
    /// The incidents that show it, oldest first.
    pub incidents: Vec<IncidentId>,
}

/// Kinds of escalation sign.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SignalKind {
    /// Occasions are becoming more frequent.
    FrequencyRising,
    /// A channel not used before.
    NewChannel,
    /// Threats.
    Threats,
    /// Conduct moved from online to the physical world.
    OnlineToOffline,
    /// Other people were contacted about her.
    ThirdParties,
    /// Contact continued after she asked them to stop.
    AfterStopRequest,
}

/// Where a law applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Jurisdiction {
    /// Scotland.
    Scotland,
    /// England and Wales.
    EnglandAndWales,
}

impl Jurisdiction {
    /// How it is named.
    pub fn label(self) -> &'static str {
        match self {
            Jurisdiction::Scotland => "Scotland",
            Jurisdiction::EnglandAndWales => "England and Wales",
        }
    }
}

/// A legal test the record may bear on. Not advice: what the log holds next to what the
/// provision looks at.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LegalTest {
    /// Where it applies.
    pub jurisdiction: Jurisdiction,
    /// The provision, e.g. "Protection from Harassment Act 1997, s.2".
    pub provision: &'static str,
    /// What the provision looks at, in plain words.
    pub looks_at: &'static str,
    /// "The log records…".
    pub records: String,
    /// What else the log could hold for this test.
    pub could_add: Vec<&'static str>,
    /// The incidents it rests on, oldest first.
    pub incidents: Vec<IncidentId>,
}

/// A risk theme the log shows (summarised from published risk-screening themes, in our words).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RiskTheme {
    /// Threats of physical or sexual violence, or fear of violence.
    ViolenceThreatened,
    /// Damage or interference with property.
    PropertyDamage,
    /// Coming to or hanging around her home or work, or following her.
    Visits,
    /// Family, friends or clients contacted or harassed.
    OthersTargeted,
    /// Intimate images shared or threatened.
    IntimateImages,
    /// Contact is becoming more frequent.
    Escalating,
    /// She records being very frightened or changing her daily life.
    Frightened,
}

impl RiskTheme {
    /// How it is shown to her.
    pub fn label(self) -> &'static str {
        match self {
            RiskTheme::ViolenceThreatened => "Threats of violence, or you fear violence",
            RiskTheme::PropertyDamage => "Damage to or interference with your property",
            RiskTheme::Visits => "Following you, or coming to your home or work",
            RiskTheme::OthersTargeted => "Contacting your family, friends or clients",
            RiskTheme::IntimateImages => "Sharing or threatening to share intimate images",
            RiskTheme::Escalating => "Contact becoming more frequent",
            RiskTheme::Frightened => "You are frightened or have had to change your daily life",
        }
    }
}

impl CourseOfConduct {
    /// Whether several risk themes are present, so a page suggests talking to a support service
    /// and, in urgent danger, calling 999.
    pub fn several_risks(&self) -> bool {
        self.risks.len() >= 2
    }

    /// Reads the course of conduct of everyone in `incidents`.
    pub fn of_case<'a>(incidents: impl IntoIterator<Item = (IncidentId, &'a Incident)>) -> CourseOfConduct {
        analyse(incidents.into_iter().collect())
    }

    /// Reads the course of conduct of one person: the incidents that name them.
    pub fn of_person<'a>(
        person: PersonId,
        incidents: impl IntoIterator<Item = (IncidentId, &'a Incident)>,
    ) -> CourseOfConduct {
        analyse(incidents.into_iter().filter(|(_, i)| i.people.contains(&person)).collect())
    }
}

/// One incident as the analysis sees it.
struct Occasion<'a> {
    id: IncidentId,
    day: Option<Date>,
    incident: &'a Incident,
}

impl Occasion<'_> {
    fn has(&self, kind: ConductKind) -> bool {
        self.incident.conduct.contains(&kind)
    }

    fn felt(&self, effect: Effect) -> bool {
        self.incident.effects.contains(&effect)
    }

    fn offline(&self) -> bool {
        !self.incident.place.trim().is_empty() || OFFLINE_CONDUCT.iter().any(|k| self.has(*k))
    }

    fn channel(&self) -> Option<String> {
        let platform = self.incident.platform.trim();
        (!platform.is_empty()).then(|| platform.to_owned())
    }
}

fn analyse(incidents: Vec<(IncidentId, &Incident)>) -> CourseOfConduct {
    let mut occasions: Vec<Occasion<'_>> =
        incidents.into_iter().map(|(id, incident)| Occasion { id, day: incident.occurred.day(), incident }).collect();
    // Dated first in date order (undated last), then by exact time within a day.
    occasions.sort_by_key(|o| (o.day.is_none(), o.day, o.incident.occurred.sort_key()));

    let dated: Vec<Date> = occasions.iter().filter_map(|o| o.day).collect();
    let first = dated.first().copied();
    let last = dated.last().copied();
    let weeks = weekly(&dated);
    let trend = trend(&dated);

    let mut channels: BTreeMap<String, usize> = BTreeMap::new();
    let mut conduct: BTreeMap<ConductKind, usize> = BTreeMap::new();
    for o in &occasions {
        if let Some(c) = o.channel() {
            *channels.entry(c).or_default() += 1;
        }
        for k in o.incident.conduct.iter().collect::<BTreeSet<_>>() {
            *conduct.entry(*k).or_default() += 1;
        }
    }

    let escalation = escalation(&occasions, trend);
    let legal = legal_tests(&occasions);
    let risks = risks(&occasions, trend);
    CourseOfConduct {
        occasions: occasions.len(),
        undated: occasions.len() - dated.len(),
        days: dated.iter().collect::<BTreeSet<_>>().len(),
        first,
        last,
        weeks,
        trend,
        channels: ranked(channels),
        conduct: ranked(conduct),
        escalation,
        legal,
        risks,
    }
}

fn ranked<T: Ord>(counts: BTreeMap<T, usize>) -> Vec<Tally<T>> {
    let mut list: Vec<Tally<T>> = counts.into_iter().map(|(what, count)| Tally { what, count }).collect();
    // Stable: ties keep their natural order.
    list.sort_by_key(|t| std::cmp::Reverse(t.count));
    list
}

fn monday(day: Date) -> Date {
    let back = i64::from(day.weekday().to_monday_zero_offset());
    day.checked_sub(back.days()).unwrap_or(day)
}

/// Counts per week, every week from the first to the last, given dates in order.
fn weekly(dated: &[Date]) -> Vec<WeekCount> {
    let (Some(first), Some(last)) = (dated.first(), dated.last()) else { return Vec::new() };
    let mut weeks = Vec::new();
    let mut week = monday(*first);
    let end = monday(*last);
    let mut rest = dated.iter().peekable();
    while week <= end {
        let Ok(next) = week.checked_add(7.days()) else { break };
        let mut count = 0;
        while rest.next_if(|d| **d < next).is_some() {
            count += 1;
        }
        weeks.push(WeekCount { week, count });
        week = next;
    }
    weeks
}

/// Compares the first half of the period with the second, given dates in order.
fn trend(dated: &[Date]) -> Trend {
    let (Some(first), Some(last)) = (dated.first(), dated.last()) else { return Trend::TooFewToTell };
    let span_days = first.until(*last).map(|s| s.get_days()).unwrap_or(0);
    if dated.len() < TREND_MIN_OCCASIONS || (span_days / 7) < TREND_MIN_WEEKS as i32 {
        return Trend::TooFewToTell;
    }
    let middle = first.checked_add((span_days / 2).days()).unwrap_or(*first);
    let earlier = dated.iter().filter(|d| **d <= middle).count();
    let later = dated.len() - earlier;
    // A change counts when one half has at least half as many again as the other, and at
    // least two more, so one extra message does not make a trend.
    if later * 2 >= earlier * 3 && later >= earlier + 2 {
        Trend::Rising { earlier, later }
    } else if earlier * 2 >= later * 3 && earlier >= later + 2 {
        Trend::Falling { earlier, later }
    } else {
        Trend::Steady { earlier, later }
    }
}

fn day_text(day: Option<Date>) -> String {
    day.map(|d| d.strftime("%-d %B %Y").to_string()).unwrap_or_else(|| "an undated occasion".to_owned())
}

fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 { format!("1 {one}") } else { format!("{n} {many}") }
}

/// "The log records threats on 2 occasions and fear or alarm on 1 occasion." Kinds recorded on
/// no occasion are left out.
fn records(kinds: &[(&str, usize)]) -> String {
    let parts: Vec<String> = kinds
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(what, n)| format!("{what} on {}", plural(*n, "occasion", "occasions")))
        .collect();
    format!("The log records {}.", parts.join(" and "))
}

fn ids<'a, O: std::borrow::Borrow<Occasion<'a>>>(occasions: &[O]) -> Vec<IncidentId> {
    occasions.iter().map(|o| o.borrow().id).collect()
}
