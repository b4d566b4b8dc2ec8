//! The key facts an officer reads first, in the third person and only from what the log
//! holds: who (every identifier of every person, and the numbers, addresses and handles that
//! appear only in the incidents' words), what, since when, how often, the latest, and the
//! signs of escalation with the incidents they rest on.

use std::collections::{BTreeMap, BTreeSet};

use lodge_domain::{CourseOfConduct, Incident, IncidentId, Trend};
use lodge_import::identifiers::{self, Country, Found};
use lodge_report::ReportPerson;

/// The key facts, as label and value.
pub(super) fn key_facts(
    course: &CourseOfConduct,
    people: &[ReportPerson],
    incidents: &[(IncidentId, Incident)],
    numbers: &BTreeMap<IncidentId, usize>,
    region: Country,
) -> Vec<(String, String)> {
    let mut facts = Vec::new();
    let mut known: BTreeSet<String> = BTreeSet::new();
    for person in people {
        let ids: Vec<String> = person
            .identifiers
            .iter()
            .map(|i| {
                known.insert(plain(&i.value, region));
                if i.platform.is_empty() {
                    format!("{} {}", i.kind, i.value)
                } else {
                    format!("{} {} ({})", i.kind, i.value, i.platform)
                }
            })
            .collect();
        let who = if ids.is_empty() { person.label.clone() } else { format!("{}: {}", person.label, ids.join("; ")) };
        facts.push(("Who".to_owned(), who));
    }
    if people.is_empty() {
        facts.push(("Who".to_owned(), "No person is named in these incidents.".to_owned()));
    }
    let mentioned = mentioned(incidents, numbers, region, &known);
    if !mentioned.is_empty() {
        facts.push(("Also in the incidents' words".to_owned(), mentioned.join("; ")));
    }
    if !course.conduct.is_empty() {
        let what: Vec<String> = course.conduct.iter().map(|t| format!("{} ({})", t.what.label(), t.count)).collect();
        facts.push(("What".to_owned(), what.join("; ")));
    }
    let day = |d: jiff::civil::Date| d.strftime("%-d %B %Y").to_string();
    if let Some(first) = course.first {
        facts.push(("Since".to_owned(), day(first)));
    }
    let mut often = format!(
        "{} occasion{} on {} day{}",
        course.occasions,
        if course.occasions == 1 { "" } else { "s" },
        course.days,
        if course.days == 1 { "" } else { "s" }
    );
    if course.undated > 0 {
        often.push_str(&format!(", and {} without a known date", course.undated));
    }
    if course.trend != Trend::TooFewToTell {
        often.push_str(&format!(". {}", course.trend.sentence()));
    }
    facts.push(("How often".to_owned(), often));
    if let Some(last) = course.last {
        facts.push(("Latest".to_owned(), day(last)));
    }
    for signal in &course.escalation {
        facts.push(("Escalation".to_owned(), super::resting_on(&signal.text, &signal.incidents, numbers)));
    }
    facts
}

/// An identifier as compared: a phone number as E.164, anything else without spaces and
/// lowercased.
pub(super) fn plain(value: &str, region: Country) -> String {
    identifiers::phone(value, region)
        .unwrap_or_else(|| value.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_lowercase())
}

/// Numbers, email addresses and handles written in the incidents but on no person's list,
/// each with the incidents it appears in.
pub(super) fn mentioned(
    incidents: &[(IncidentId, Incident)],
    numbers: &BTreeMap<IncidentId, usize>,
    region: Country,
    known: &BTreeSet<String>,
) -> Vec<String> {
    let mut seen: BTreeMap<String, BTreeSet<usize>> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    for (id, incident) in incidents {
        let text = format!("{}\n{}", incident.description, incident.verbatim);
        for found in identifiers::find(&text, region) {
            let value = match found {
                Found::Phone(v) | Found::Email(v) | Found::Handle(v) => v,
                Found::Url(_) => continue,
            };
            if known.contains(&plain(&value, region)) {
                continue;
            }
            if !seen.contains_key(&value) {
                order.push(value.clone());
            }
            if let Some(n) = numbers.get(id) {
                seen.entry(value).or_default().insert(*n);
            }
        }
    }
    order
        .into_iter()
        .map(|value| {
            let at: Vec<String> = seen.get(&value).into_iter().flatten().map(|n| n.to_string()).collect();
            format!("{value} (incidents {})", at.join(", "))
        })
        .collect()
}
