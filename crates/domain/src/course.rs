//! Course of conduct: what a log shows when its incidents are read together — how many
//! separate occasions, over what dates, how often week by week and whether that is rising,
//! which channels and kinds of conduct, signs of escalation, the legal tests the record may
//! bear on (`reference/law.md`) and risk themes worth talking through with a support service.
//!
//! Everything here describes the log. The wording says "your log records…", never what a
//! court would decide.

use std::collections::{BTreeMap, BTreeSet};

use jiff::ToSpan;
use jiff::civil::Date;
use serde::Serialize;

use crate::{ConductKind, Effect, Incident, IncidentId, PersonId, StopRequest};

/// Fewer dated occasions than this, or a shorter span in weeks, and no trend is claimed.
const TREND_MIN_OCCASIONS: usize = 4;
const TREND_MIN_WEEKS: usize = 2;

/// Conduct that happens in the physical world rather than online.
const OFFLINE_CONDUCT: &[ConductKind] =
    &[ConductKind::Following, ConductKind::Loitering, ConductKind::Property, ConductKind::Items, ConductKind::Watching];

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
    /// "Your log records…".
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

/// "Your log records threats on 2 occasions and fear or alarm on 1 occasion." Kinds recorded on
/// no occasion are left out.
fn records(kinds: &[(&str, usize)]) -> String {
    let parts: Vec<String> = kinds
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(what, n)| format!("{what} on {}", plural(*n, "occasion", "occasions")))
        .collect();
    format!("Your log records {}.", parts.join(" and "))
}

fn ids<'a, O: std::borrow::Borrow<Occasion<'a>>>(occasions: &[O]) -> Vec<IncidentId> {
    occasions.iter().map(|o| o.borrow().id).collect()
}

fn escalation(occasions: &[Occasion<'_>], trend: Trend) -> Vec<Signal> {
    let mut signals = Vec::new();
    if let Trend::Rising { .. } = trend {
        signals.push(Signal {
            kind: SignalKind::FrequencyRising,
            text: format!("Your log records contact becoming more frequent. {}", trend.sentence()),
            incidents: Vec::new(),
        });
    }

    // A channel first used after contact had begun somewhere else.
    let mut seen: BTreeSet<String> = BTreeSet::new();
    for o in occasions.iter().filter(|o| o.day.is_some()) {
        let Some(channel) = o.channel() else { continue };
        if !seen.is_empty() && !seen.contains(&channel) {
            signals.push(Signal {
                kind: SignalKind::NewChannel,
                text: format!("Your log records a new channel, {channel}, first used on {}.", day_text(o.day)),
                incidents: vec![o.id],
            });
        }
        seen.insert(channel);
    }

    let threats: Vec<&Occasion<'_>> = occasions.iter().filter(|o| o.has(ConductKind::Threats)).collect();
    if let Some(first) = threats.first() {
        signals.push(Signal {
            kind: SignalKind::Threats,
            text: format!(
                "Your log records threats on {}, the first on {}.",
                plural(threats.len(), "occasion", "occasions"),
                day_text(first.day)
            ),
            incidents: ids(&threats),
        });
    }

    let first_online = occasions.iter().position(|o| !o.offline());
    let first_offline = occasions.iter().position(|o| o.offline() && o.day.is_some());
    if let (Some(online), Some(offline)) = (first_online, first_offline)
        && online < offline
    {
        let o = &occasions[offline];
        signals.push(Signal {
            kind: SignalKind::OnlineToOffline,
            text: format!("Your log records contact moving from online to the physical world on {}.", day_text(o.day)),
            incidents: vec![o.id],
        });
    }

    let proxies: Vec<&Occasion<'_>> = occasions.iter().filter(|o| o.has(ConductKind::ThirdParties)).collect();
    if !proxies.is_empty() {
        signals.push(Signal {
            kind: SignalKind::ThirdParties,
            text: format!(
                "Your log records other people being contacted about you on {}.",
                plural(proxies.len(), "occasion", "occasions")
            ),
            incidents: ids(&proxies),
        });
    }

    let after_stop: Vec<&Occasion<'_>> =
        occasions.iter().filter(|o| o.incident.asked_to_stop == StopRequest::Yes).collect();
    if !after_stop.is_empty() {
        signals.push(Signal {
            kind: SignalKind::AfterStopRequest,
            text: format!(
                "Your log records contact after you had asked them to stop, on {}.",
                plural(after_stop.len(), "occasion", "occasions")
            ),
            incidents: ids(&after_stop),
        });
    }
    signals
}

fn legal_tests(occasions: &[Occasion<'_>]) -> Vec<LegalTest> {
    let with =
        |f: &dyn Fn(&Occasion<'_>) -> bool| -> Vec<&Occasion<'_>> { occasions.iter().filter(|o| f(o)).collect() };
    let n = occasions.len();
    let feared = with(&|o| o.felt(Effect::Fear) || o.felt(Effect::Alarm));
    let distressed = with(&|o| o.felt(Effect::Alarm) || o.felt(Effect::Distress));
    let violence = with(&|o| o.felt(Effect::FearOfViolence));
    let daily = with(&|o| o.felt(Effect::DailyLife));
    let threats = with(&|o| o.has(ConductKind::Threats));
    let images = with(&|o| o.has(ConductKind::IntimateImages));
    let publishing = with(&|o| o.has(ConductKind::Publishing));
    let online_threats = with(&|o| o.has(ConductKind::Threats) && !o.offline());
    let stop = with(&|o| o.incident.asked_to_stop == StopRequest::Yes);
    let occasions_text = plural(n, "occasion", "separate occasions");
    let mut tests = Vec::new();

    if n >= 2 {
        let mut could_add = Vec::new();
        if feared.is_empty() {
            could_add.push("How it made you feel on each occasion, in your own words: fear or alarm.");
        }
        if stop.is_empty() {
            could_add.push("That they knew it was unwanted: a message asking them to stop, and contact after it.");
        }
        tests.push(LegalTest {
            jurisdiction: Jurisdiction::Scotland,
            provision: "Criminal Justice and Licensing (Scotland) Act 2010, s.39 (stalking)",
            looks_at: "A course of conduct, on at least two occasions, that caused fear or alarm, which the person intended or knew or ought to have known would.",
            records: format!(
                "Your log records {occasions_text}, with fear or alarm recorded on {}.",
                plural(feared.len(), "of them", "of them")
            ),
            could_add,
            incidents: ids(occasions),
        });
        let mut could_add = Vec::new();
        if distressed.is_empty() {
            could_add.push("How it affected you on each occasion: alarm or distress.");
        }
        could_add.push("Which accounts you believe are the same person, and why.");
        tests.push(LegalTest {
            jurisdiction: Jurisdiction::EnglandAndWales,
            provision: "Protection from Harassment Act 1997, s.2 and s.2A (harassment, stalking)",
            looks_at: "A course of conduct, on at least two occasions, amounting to harassment (alarm or distress), which the person knew or ought to have known; s.2A where it also amounts to stalking.",
            records: format!(
                "Your log records {occasions_text}, with alarm or distress recorded on {}.",
                plural(distressed.len(), "of them", "of them")
            ),
            could_add,
            incidents: ids(occasions),
        });
    }
    if !threats.is_empty() || !feared.is_empty() {
        let basis = if threats.is_empty() { &feared } else { &threats };
        tests.push(LegalTest {
            jurisdiction: Jurisdiction::Scotland,
            provision: "Criminal Justice and Licensing (Scotland) Act 2010, s.38 (threatening or abusive behaviour)",
            looks_at: "One act or a course of conduct, threatening or abusive, likely to cause a reasonable person fear or alarm. One incident can be enough.",
            records: records(&[("threats", threats.len()), ("fear or alarm", feared.len())]),
            could_add: vec!["The exact words or images, the channel, and a screenshot or the raw message."],
            incidents: ids(basis),
        });
    }
    if violence.len() >= 2 || !daily.is_empty() {
        let mut could_add = Vec::new();
        if daily.is_empty() {
            could_add.push("Changes to your daily life: moving, new routes, stopping work, closing accounts, lost income, seeing a doctor or counsellor.");
        }
        if violence.len() < 2 {
            could_add.push("Whether you feared violence, on each occasion you did.");
        }
        tests.push(LegalTest {
            jurisdiction: Jurisdiction::EnglandAndWales,
            provision: "Protection from Harassment Act 1997, s.4 and s.4A",
            looks_at: "Fear of violence on at least two occasions; or (s.4A) serious alarm or distress with a substantial effect on usual day-to-day activities.",
            records: records(&[("fear of violence", violence.len()), ("changes to your daily life", daily.len())]),
            could_add,
            incidents: ids(&with(&|o| o.felt(Effect::FearOfViolence) || o.felt(Effect::DailyLife))),
        });
    }
    if !images.is_empty() {
        let records = format!(
            "Your log records intimate images shared, threatened or faked on {}.",
            plural(images.len(), "occasion", "occasions")
        );
        tests.push(LegalTest {
            jurisdiction: Jurisdiction::Scotland,
            provision: "Abusive Behaviour and Sexual Harm (Scotland) Act 2016, s.2",
            looks_at: "Disclosing, or threatening to disclose, a photo or film showing or appearing to show her in an intimate situation, not already made public by her or with her consent.",
            records: records.clone(),
            could_add: vec![
                "Where the image came from: private, sold to subscribers, or fake. Paid subscriber content may count as already disclosed to a section of the public.",
                "The threat text, and who it was sent to.",
            ],
            incidents: ids(&images),
        });
        tests.push(LegalTest {
            jurisdiction: Jurisdiction::EnglandAndWales,
            provision: "Sexual Offences Act 2003, s.66B",
            looks_at: "Sharing, or threatening to share, an image showing or appearing to show her in an intimate state without consent, including manipulated and fake images.",
            records,
            could_add: vec![
                "Whether you ever consented, and to what.",
                "Whether the image is real or fake, what they said about why, and who it reached.",
            ],
            incidents: ids(&images),
        });
    }
    if !online_threats.is_empty() || !publishing.is_empty() {
        let incidents =
            ids(&with(&|o| (o.has(ConductKind::Threats) && !o.offline()) || o.has(ConductKind::Publishing)));
        tests.push(LegalTest {
            jurisdiction: Jurisdiction::EnglandAndWales,
            provision: "Online Safety Act 2023, s.179 and s.181",
            looks_at: "False communications, known to be false and meant to cause harm (6-month time limit); threatening communications of death or serious harm.",
            records: records(&[
                ("threats sent online", online_threats.len()),
                ("things published about you", publishing.len()),
            ]),
            could_add: vec![
                "The exact wording and the date you received it.",
                "For a false claim, what shows it is false.",
            ],
            incidents,
        });
    }
    tests
}

fn risks(occasions: &[Occasion<'_>], trend: Trend) -> Vec<RiskTheme> {
    let any = |f: &dyn Fn(&Occasion<'_>) -> bool| occasions.iter().any(f);
    let mut themes = Vec::new();
    if any(&|o| o.has(ConductKind::Threats) || o.felt(Effect::FearOfViolence)) {
        themes.push(RiskTheme::ViolenceThreatened);
    }
    if any(&|o| o.has(ConductKind::Property)) {
        themes.push(RiskTheme::PropertyDamage);
    }
    if any(&|o| o.has(ConductKind::Loitering) || o.has(ConductKind::Following) || o.has(ConductKind::Watching)) {
        themes.push(RiskTheme::Visits);
    }
    if any(&|o| o.has(ConductKind::ThirdParties)) {
        themes.push(RiskTheme::OthersTargeted);
    }
    if any(&|o| o.has(ConductKind::IntimateImages)) {
        themes.push(RiskTheme::IntimateImages);
    }
    if matches!(trend, Trend::Rising { .. }) {
        themes.push(RiskTheme::Escalating);
    }
    if any(&|o| o.felt(Effect::Fear) || o.felt(Effect::DailyLife)) {
        themes.push(RiskTheme::Frightened);
    }
    themes
}
