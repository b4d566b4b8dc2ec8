//! Reports from a case: what she chose to include, worded for police and courts, as a PDF on
//! its own or inside an evidence bundle with every exhibit and the proofs from her log.
//!
//! She decides what goes in: a date range, which incidents, the name shown, and fields left out
//! (the report may be disclosed to the accused). Every export appends a leaf to her log.

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::Date;
use lodge_domain::{
    CourseOfConduct, Evidence, IdentifierKind, Incident, IncidentId, Person, PersonId, RecordKind, Trend, When,
};
use lodge_ledger::{Action, Subject};
use lodge_report::bundle::ExhibitSource;
use lodge_report::records::{ProvenKind, RecordsFile};
use lodge_report::{
    ChronologyRow, CourseSection, ExhibitRow, IntegritySection, LegalRow, Picture, ReportDocument, ReportIdentifier,
    ReportPerson,
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::case::{OpenCase, TimelineFilter, Version};
use crate::ledger::Change;
use crate::proofs::Wanted;
use crate::{ServiceError, SignedCheckpoint, human_size, system_now};

mod key_facts;
mod options;
mod stream;
pub use options::{Redact, ReportOptions};

/// A report ready to render or bundle.
#[derive(Debug)]
pub struct PreparedReport {
    /// What the PDF shows.
    pub document: ReportDocument,
    /// Thumbnails shown for image exhibits.
    pub pictures: Vec<Picture>,
    /// The exhibits, numbered, with their leaf in the log.
    exhibits: Vec<(lodge_domain::EvidenceId, ExhibitSource)>,
    /// What the report says of each incident, person and deletion, with proofs.
    records: RecordsFile,
    checkpoint: SignedCheckpoint,
}

impl PreparedReport {
    /// How many exhibits a bundle of it holds.
    pub(crate) fn exhibit_count(&self) -> usize {
        self.exhibits.len()
    }
}

fn date_text(d: Date) -> String {
    d.strftime("%-d %B %Y").to_string()
}

fn when_parts(when: &When) -> (String, String) {
    match when {
        When::Exact { at } => (
            date_text(at.date()),
            format!("{} ({})", at.strftime("%H:%M %Z"), at.time_zone().iana_name().unwrap_or("fixed offset")),
        ),
        // Her words stay beside the day, which is only ever "around".
        When::Approximate { description, around } => (
            around.map(|d| format!("around {}", date_text(d))).unwrap_or_else(|| "Date not known".to_owned()),
            description.clone(),
        ),
    }
}

fn join_nonempty(parts: &[&str], separator: &str) -> String {
    parts.iter().map(|p| p.trim()).filter(|p| !p.is_empty()).collect::<Vec<_>>().join(separator)
}

fn person_section(person: &Person, course: &CourseOfConduct, options: &ReportOptions) -> ReportPerson {
    let mut identifiers: Vec<_> = person.identifiers.iter().filter(|i| !i.value.trim().is_empty()).collect();
    identifiers.sort_by_key(|i| IdentifierKind::ALL.iter().position(|k| *k == i.kind));
    let seen = |first: Option<Date>, last: Option<Date>| match (first, last) {
        (Some(f), Some(l)) => format!("{} – {}", date_text(f), date_text(l)),
        (Some(f), None) => format!("from {}", date_text(f)),
        (None, Some(l)) => format!("until {}", date_text(l)),
        (None, None) => String::new(),
    };
    let mut details = Vec::new();
    if options.shows(Redact::PersonDetails) {
        for (label, value) in [
            ("Real name", &person.name),
            ("Address", &person.address),
            ("Vehicle", &person.vehicle),
            ("Notes", &person.notes),
        ] {
            if !value.trim().is_empty() {
                details.push((label.to_owned(), value.trim().to_owned()));
            }
        }
    }
    ReportPerson {
        label: person.display_name(),
        identifiers: identifiers
            .into_iter()
            .map(|i| ReportIdentifier {
                kind: i.kind.label().to_owned(),
                platform: i.platform.clone(),
                value: i.value.clone(),
                seen: seen(i.first_seen, i.last_seen),
            })
            .collect(),
        details,
        course: person_course(course),
    }
}

fn person_course(course: &CourseOfConduct) -> String {
    let mut text = format!(
        "Appears in {} of the incidents in this report{}.",
        course.occasions,
        match (course.first, course.last) {
            (Some(f), Some(l)) if f != l => format!(", from {} to {}", date_text(f), date_text(l)),
            (Some(f), _) => format!(", on {}", date_text(f)),
            _ => String::new(),
        }
    );
    if course.trend != Trend::TooFewToTell {
        text.push(' ');
        text.push_str(&course.trend.sentence());
    }
    text
}

fn course_section(course: &CourseOfConduct, numbers: &BTreeMap<IncidentId, usize>) -> CourseSection {
    let mut overview = Vec::new();
    let period = match (course.first, course.last) {
        (Some(f), Some(l)) if f == l => format!(" on {}", date_text(f)),
        (Some(f), Some(l)) => format!(" between {} and {}", date_text(f), date_text(l)),
        _ => String::new(),
    };
    overview.push(format!(
        "The log records {} separate occasion{}{period}, on {} different day{}.",
        course.occasions,
        if course.occasions == 1 { "" } else { "s" },
        course.days,
        if course.days == 1 { "" } else { "s" },
    ));
    if course.undated > 0 {
        overview.push(format!("{} of them have no known date.", course.undated));
    }
    if course.trend != Trend::TooFewToTell || course.occasions > 1 {
        overview.push(course.trend.sentence());
    }
    CourseSection {
        overview,
        // The chart shows the last two years at most.
        weeks: course
            .weeks
            .iter()
            .rev()
            .take(104)
            .rev()
            .map(|w| (w.week.strftime("%-d %b %Y").to_string(), w.count))
            .collect(),
        channels: course.channels.iter().map(|t| format!("{} ({})", t.what, t.count)).collect(),
        conduct: course.conduct.iter().map(|t| format!("{} ({})", t.what.label(), t.count)).collect(),
        escalation: course.escalation.iter().map(|s| resting_on(&s.text, &s.incidents, numbers)).collect(),
        legal: course
            .legal
            .iter()
            .map(|t| LegalRow {
                jurisdiction: t.jurisdiction.label().to_owned(),
                provision: t.provision.to_owned(),
                looks_at: t.looks_at.to_owned(),
                records: t.records.clone(),
                incidents: numbered(&t.incidents, numbers),
            })
            .collect(),
        caveat: "This lists what the log records next to what each provision looks at. It is not legal advice; \
                 the police, the procurator fiscal or the Crown Prosecution Service decide what applies."
            .to_owned(),
    }
}

/// Incidents by their numbers in the report: "1, 3".
fn numbered(ids: &[IncidentId], numbers: &BTreeMap<IncidentId, usize>) -> String {
    ids.iter().filter_map(|id| numbers.get(id)).map(|n| n.to_string()).collect::<Vec<_>>().join(", ")
}

/// A sentence about the log with the incidents it rests on, by their numbers in the report.
pub(super) fn resting_on(text: &str, ids: &[IncidentId], numbers: &BTreeMap<IncidentId, usize>) -> String {
    let incidents = numbered(ids, numbers);
    if incidents.is_empty() { text.to_owned() } else { format!("{text} (incidents {incidents})") }
}

fn integrity_section(checkpoint: &SignedCheckpoint) -> IntegritySection {
    let timestamp = checkpoint
        .timestamp_token
        .as_deref()
        .and_then(|token| lodge_ledger::timestamp::read(token, checkpoint.note.as_bytes()).ok())
        .map(|info| {
            format!(
                "{} (RFC 3161 token from the organisation's timestamp authority, serial {}; in the bundle as checkpoint.tsr)",
                info.time, info.serial
            )
        })
        .unwrap_or_default();
    let root = data_encoding::BASE64.encode(&checkpoint.root.0);
    IntegritySection {
        statement: format!(
            "Every change to this case (each incident, person and exhibit added, edited or deleted) was appended \
             to the case's tamper-evident log as it happened. Each exhibit's SHA-256 was recorded when it arrived. \
             The server signed the log's state when this report was made: {} entries with root hash {}. Anyone \
             holding a later checkpoint can prove the earlier entries were not changed or removed.",
            checkpoint.size, root
        ),
        origin: checkpoint.origin.clone(),
        size: checkpoint.size,
        root,
        note: checkpoint.note.clone(),
        verifier_key: checkpoint.verifier_key.clone(),
        timestamp,
        how_to_verify: vec![
            "Ask for the evidence bundle (a zip file) that goes with this report.".to_owned(),
            "In any current browser, with no software to install: unzip the bundle, open verify.html from it and \
             choose the unzipped folder. It checks every file's SHA-256 and the server's signatures on that computer \
             alone, and names any file that was changed."
                .to_owned(),
            format!(
                "For the full check, with the lodge program (from the organisation, or built from Lodge's public \
                 source): lodge verify --key '{}' bundle.zip. It also checks that each exhibit was recorded in the \
                 log at this checkpoint, and works offline.",
                checkpoint.verifier_key
            ),
            "Compare the verifier key above with the one the organisation publishes for its Lodge server.".to_owned(),
        ],
    }
}

impl OpenCase {
    /// Gathers what a report shows, applying her choices.
    pub async fn prepare_report(&self, options: &ReportOptions) -> Result<PreparedReport, ServiceError> {
        options.check()?;
        let timeline = self.timeline(&TimelineFilter { oldest_first: true, ..TimelineFilter::default() }).await?;
        // A report hides no deletion, and shows nothing that no longer matches the log.
        let mut deleted: Vec<&Version<Incident>> = timeline.iter().filter(|e| e.deleted).collect();
        deleted.sort_by_key(|e| e.saved_at);
        let deletions: Vec<String> = deleted
            .iter()
            .map(|e| {
                format!(
                    "An incident logged on {} was deleted on {}.",
                    e.created_at.strftime("%-d %B %Y"),
                    e.saved_at.strftime("%-d %B %Y")
                )
            })
            .collect();
        let changed: Vec<String> = self.check_everything().await?.iter().map(|f| f.sentence()).collect();
        let versions: BTreeMap<Uuid, i64> = timeline.iter().map(|e| (e.id, e.version)).collect();
        let mut wanted: Vec<Wanted> = deleted
            .iter()
            .map(|e| Wanted {
                kind: ProvenKind::Deletion,
                label: "Deleted incident".to_owned(),
                record_kind: RecordKind::Incident,
                id: e.id,
                version: e.version,
            })
            .collect();
        let incidents: Vec<(IncidentId, Incident)> = timeline
            .into_iter()
            .filter_map(|e| e.body.map(|b| (IncidentId(e.id), b)))
            .filter(|(id, i)| options.keeps(*id, i))
            .collect();
        if incidents.is_empty() {
            return Err(ServiceError::invalid(
                "incidents",
                "No incidents match these choices. Widen the dates or choose at least one incident.",
            ));
        }
        let numbers: BTreeMap<IncidentId, usize> =
            incidents.iter().enumerate().map(|(n, (id, _))| (*id, n + 1)).collect();
        let mut person_versions = BTreeMap::new();
        let people: BTreeMap<PersonId, Person> = self
            .people()
            .await?
            .into_iter()
            .filter_map(|e| {
                person_versions.insert(PersonId(e.id), e.version);
                e.body.map(|b| (PersonId(e.id), b))
            })
            .collect();

        // Exhibits: files attached to the chosen incidents, in chronology order; files not
        // attached to any incident only when the whole log is reported.
        let whole_log = options.from.is_none() && options.to.is_none() && options.incidents.is_none();
        let mut files: Vec<Version<Evidence>> = self.evidence_list().await?;
        files.retain(|e| {
            e.body.as_ref().is_some_and(|b| match b.incident {
                Some(i) => numbers.contains_key(&i),
                None => whole_log,
            })
        });
        files.sort_by_key(|e| {
            (
                e.body.as_ref().and_then(|b| b.incident).and_then(|i| numbers.get(&i).copied()).unwrap_or(usize::MAX),
                e.created_at,
            )
        });

        let checkpoint = self.checkpoint().await?;
        let leaves = self.record_leaves().await?;
        let mut exhibit_rows = Vec::new();
        let mut exhibits = Vec::new();
        let mut pictures = Vec::new();
        let mut by_incident: BTreeMap<IncidentId, Vec<String>> = BTreeMap::new();
        for (n, entry) in files.into_iter().enumerate() {
            let Some(evidence) = entry.body else { continue };
            let id = lodge_domain::EvidenceId(entry.id);
            let number = format!("EX-{:03}", n + 1);
            let (leaf_index, opening) = leaves
                .get(&(entry.id, 1))
                .cloned()
                .ok_or_else(|| ServiceError::Internal("an exhibit has no entry in the case log".into()))?;
            let mut picture = None;
            if evidence.thumbnail && options.shows(Redact::Pictures) {
                let name = format!("{}.jpg", number.to_ascii_lowercase());
                pictures.push(Picture { name: name.clone(), bytes: self.thumbnail(id).await? });
                picture = Some(name);
            }
            if let Some(incident) = evidence.incident {
                by_incident.entry(incident).or_default().push(number.clone());
            }
            exhibit_rows.push(ExhibitRow {
                number: number.clone(),
                file_name: evidence.file_name.clone(),
                kind: evidence.content_type.clone(),
                size: human_size(evidence.size),
                sha256: evidence.sha256.clone(),
                added: entry.created_at.strftime("%-d %B %Y, %H:%M UTC").to_string(),
                incident: evidence.incident.and_then(|i| numbers.get(&i).copied()),
                picture,
            });
            let source = ExhibitSource {
                number,
                file_name: evidence.file_name.clone(),
                size: evidence.size,
                incident: evidence.incident.map(|i| i.to_string()),
                leaf_index,
                opening,
                inclusion_proof: self.inclusion_proof(checkpoint.size, leaf_index).await?,
            };
            exhibits.push((id, source));
        }

        let chronology = incidents
            .iter()
            .map(|(id, i)| {
                let (date, time) = when_parts(&i.occurred);
                let located: Vec<String> = if options.photo_locations {
                    i.messages
                        .iter()
                        .filter_map(|m| m.location)
                        .map(|(lat, lon)| format!("Photo taken at {lat:.5}, {lon:.5}"))
                        .collect()
                } else {
                    Vec::new()
                };
                let place = join_nonempty(
                    &[
                        &i.platform,
                        if options.shows(Redact::WebAddresses) { &i.url } else { "" },
                        if options.shows(Redact::Places) { &i.place } else { "" },
                        &located.join("\n"),
                    ],
                    "\n",
                );
                let mut effect: Vec<String> = i.effects.iter().map(|e| e.label().to_owned()).collect();
                if options.shows(Redact::EffectWords) && !i.effect_words.trim().is_empty() {
                    effect.push(format!("“{}”", i.effect_words.trim()));
                }
                let mut what = i.description.trim().to_owned();
                if options.shows(Redact::Witnesses) && !i.witnesses.trim().is_empty() {
                    what.push_str(&format!("\nWitnesses: {}", i.witnesses.trim()));
                }
                if options.shows(Redact::PoliceReferences) && !i.police_reference.trim().is_empty() {
                    what.push_str(&format!("\nPolice reference: {}", i.police_reference.trim()));
                }
                ChronologyRow {
                    number: numbers.get(id).copied().unwrap_or_default(),
                    date,
                    time,
                    what,
                    verbatim: if options.shows(Redact::Verbatim) {
                        i.verbatim.trim().to_owned()
                    } else {
                        String::new()
                    },
                    place,
                    conduct: i.conduct.iter().map(|c| c.label()).collect::<Vec<_>>().join("; "),
                    effect: effect.join("; "),
                    people: i
                        .people
                        .iter()
                        .filter_map(|p| people.get(p))
                        .map(Person::display_name)
                        .collect::<Vec<_>>()
                        .join(", "),
                    exhibits: by_incident.get(id).map(|v| v.join(", ")).unwrap_or_default(),
                }
            })
            .collect();

        let course = CourseOfConduct::of_case(incidents.iter().map(|(id, i)| (*id, i)));
        let named: BTreeSet<PersonId> = incidents.iter().flat_map(|(_, i)| i.people.iter().copied()).collect();
        let report_people: Vec<ReportPerson> = named
            .iter()
            .filter_map(|id| {
                let course = CourseOfConduct::of_person(*id, incidents.iter().map(|(i, inc)| (*i, inc)));
                people.get(id).map(|p| person_section(p, &course, options))
            })
            .collect();

        wanted.extend(incidents.iter().map(|(id, _)| Wanted {
            kind: ProvenKind::Incident,
            label: format!("Incident {}", numbers.get(id).copied().unwrap_or_default()),
            record_kind: RecordKind::Incident,
            id: id.0,
            version: versions.get(&id.0).copied().unwrap_or(1),
        }));
        wanted.extend(named.iter().filter(|id| people.contains_key(id)).map(|id| Wanted {
            kind: ProvenKind::Person,
            label: format!("Person: {}", people.get(id).map(Person::display_name).unwrap_or_default()),
            record_kind: RecordKind::Person,
            id: id.0,
            version: person_versions.get(id).copied().unwrap_or(1),
        }));
        let mut records =
            self.prove_records(wanted, &leaves, checkpoint.size, &|kind, field| options.proves(kind, field)).await?;
        records.changed = changed.clone();

        let period = match (course.first, course.last) {
            (Some(f), Some(l)) => format!("{} to {}", date_text(f), date_text(l)),
            _ => "Dates not known".to_owned(),
        };
        let mut summary = vec![format!(
            "This report sets out {} incident{} that {} recorded in Lodge, a secure log kept by a support organisation, \
             {}. It lists {} exhibit{}, each with the SHA-256 it had when it was added.",
            incidents.len(),
            if incidents.len() == 1 { "" } else { "s" },
            options.subject_name.trim(),
            if period == "Dates not known" {
                "at times she could not date".to_owned()
            } else {
                format!("from {period}")
            },
            exhibits.len(),
            if exhibits.len() == 1 { "" } else { "s" },
        )];
        summary.push(match report_people.as_slice() {
            [] => "No person is named in these incidents.".to_owned(),
            [one] if one.details.is_empty() => format!(
                "The person responsible is known to her only by the identifiers listed below, beginning with {}. \
                 A username is enough to report: platforms can identify the account holder when the police ask.",
                one.identifiers.first().map(|i| i.value.as_str()).unwrap_or(one.label.as_str())
            ),
            many => format!("{} people are named; their identifiers are listed below, usernames first.", many.len()),
        });
        summary.extend(course.escalation.iter().map(|s| resting_on(&s.text, &s.incidents, &numbers)));

        let document = ReportDocument {
            title: "Stalking and harassment: incident log".to_owned(),
            case_reference: self.id.to_string().chars().take(8).collect(),
            subject_name: options.subject_name.trim().to_owned(),
            // Prepared by her unless she names someone else.
            prepared_by: if options.prepared_by.trim().is_empty() {
                options.subject_name.trim().to_owned()
            } else {
                options.prepared_by.trim().to_owned()
            },
            prepared_for: options.prepared_for.trim().to_owned(),
            prepared_at: self.lodge().now().strftime("%-d %B %Y, %H:%M UTC").to_string(),
            period,
            key_facts: key_facts::key_facts(&course, &report_people, &incidents, &numbers, self.region()),
            wishes: options.wishes.asked(),
            contact: options.wishes.contact(),
            support: options.wishes.support.trim().to_owned(),
            risk: options.risk.rows(),
            risk_note: options.risk.note.trim().to_owned(),
            summary,
            people: report_people,
            chronology,
            exhibits: exhibit_rows,
            course: course_section(&course, &numbers),
            integrity: integrity_section(&checkpoint),
            left_out: options.redact.iter().map(|r| r.label().to_owned()).collect(),
            deletions,
            changed,
        };
        Ok(PreparedReport { document, pictures, exhibits, records, checkpoint })
    }

    /// Numbers, email addresses and handles written in `incidents` (her timeline, oldest
    /// first, as the caller read it) that are on no person's list of identifiers, each with the
    /// incidents it appears in: for her to add to the person they belong to, so a report lists
    /// them.
    pub async fn unlisted_identifiers(
        &self,
        incidents: &[(IncidentId, Incident)],
    ) -> Result<Vec<String>, ServiceError> {
        let numbers: BTreeMap<IncidentId, usize> =
            incidents.iter().enumerate().map(|(n, (id, _))| (*id, n + 1)).collect();
        let region = self.region();
        let known: BTreeSet<String> = self
            .people()
            .await?
            .into_iter()
            .filter_map(|p| p.body)
            .flat_map(|p| p.identifiers.into_iter().map(|i| key_facts::plain(&i.value, region)))
            .collect();
        Ok(key_facts::mentioned(incidents, &numbers, region, &known))
    }

    /// Renders a prepared report as PDF (on a blocking thread: layout is CPU work).
    pub async fn render(&self, prepared: &PreparedReport) -> Result<Vec<u8>, ServiceError> {
        let document = prepared.document.clone();
        let pictures = prepared.pictures.clone();
        let created = pdf_time();
        tokio::task::spawn_blocking(move || lodge_report::render_pdf(&document, &pictures, created))
            .await
            .map_err(|e| ServiceError::Internal(e.to_string()))?
            .map_err(report_error)
    }

    /// The report as PDF. Appends an "exported" leaf with the PDF's SHA-256.
    pub async fn report_pdf(&self, options: &ReportOptions) -> Result<Vec<u8>, ServiceError> {
        let prepared = self.prepare_report(options).await?;
        let pdf = self.render(&prepared).await?;
        self.record_export(lodge_ledger::entry::hex(&Sha256::digest(&pdf))).await?;
        Ok(pdf)
    }

    pub(crate) async fn record_export(&self, sha256: String) -> Result<(), ServiceError> {
        let entry = self.log_entry(Subject::Report, Action::Exported, None, None, Some(sha256));
        self.lodge().logged(self.id.0, &self.keys, &entry, Change::Leaf).await
    }
}

fn report_error(e: lodge_report::ReportError) -> ServiceError {
    match e {
        lodge_report::ReportError::ExhibitChanged(number) => {
            ServiceError::Internal(format!("exhibit {number} no longer matches the SHA-256 the log recorded"))
        }
        other => ServiceError::Internal(other.to_string()),
    }
}

/// Now, in UTC, as a PDF's creation time.
pub(crate) fn pdf_time() -> (i32, u8, u8, u8, u8, u8) {
    let t = system_now().to_zoned(jiff::tz::TimeZone::UTC);
    (t.year() as i32, t.month() as u8, t.day() as u8, t.hour() as u8, t.minute() as u8, t.second() as u8)
}
