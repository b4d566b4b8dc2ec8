//! The incident form: reading an incident from what she typed (every problem collected, so the
//! form comes back whole), filling the form from an incident, and drawing it.

use lodge_domain::{ConductKind, Effect, Evidence, Incident, Person, PersonId, Problems, StopRequest, When};
use lodge_service::{OpenCase, ServiceError, Session, Version};
use maud::{Markup, html};
use uuid::Uuid;

use super::FormData;
use super::cases::{non_empty, people_names};
use super::layout::{Input, csrf, field_id, problem_summary, text_field, textarea_field};
use crate::AppState;

/// Reads the incident from the form, collecting every problem.
/// Problems the service found, each put next to the form field it concerns (the service names
/// an incident's times as the API does: `occurred`, `discovered`).
pub(super) fn on_the_form(mut problems: Problems, form: &FormData) -> Problems {
    for p in &mut problems.fields {
        p.field = match p.field.as_str() {
            "occurred" if form.get("occurred_kind") == "approximate" => "occurred_approx_date".into(),
            "occurred" => "occurred_date".into(),
            "discovered" => "discovered_date".into(),
            // The newcomer's checks, as a person's.
            "label" | "identifiers.0.value" => "new_person".into(),
            _ => continue,
        };
    }
    problems
}

pub(super) fn incident_from_form(form: &FormData) -> Result<Incident, Problems> {
    let mut problems = Problems::default();
    let zone = form.get("occurred_zone");
    let occurred = if form.get("occurred_kind") == "approximate" {
        When::approximate_from_parts(form.get("occurred_approx"), form.get("occurred_approx_date"))
            .map_err(|m| ("occurred_approx", m))
    } else {
        When::exact_from_parts(form.get("occurred_date"), form.get("occurred_time"), zone).map_err(|m| {
            (
                if form.get("occurred_date").trim().is_empty() || m.contains("date") {
                    "occurred_date"
                } else {
                    "occurred_time"
                },
                m,
            )
        })
    };
    let occurred = occurred.map_err(|(field, m)| problems.add(field, m)).ok();
    let (d_date, d_time) = (form.get("discovered_date").trim(), form.get("discovered_time").trim());
    let discovered = match (d_date.is_empty(), d_time.is_empty()) {
        (true, true) => None,
        (true, false) => {
            problems.add("discovered_date", "Add the date you found out, or clear the time.");
            None
        }
        (false, true) => When::approximate_from_parts("", d_date).map_err(|m| problems.add("discovered_date", m)).ok(),
        (false, false) => {
            When::exact_from_parts(d_date, d_time, zone).map_err(|m| problems.add("discovered_date", m)).ok()
        }
    };
    let incident = Incident {
        occurred: occurred.unwrap_or(When::Approximate { description: String::new(), around: None }),
        discovered,
        platform: form.get("platform").trim().to_owned(),
        url: form.get("url").trim().to_owned(),
        place: form.get("place").trim().to_owned(),
        description: form.get("description").to_owned(),
        verbatim: form.get("verbatim").to_owned(),
        conduct: form.all("conduct").into_iter().filter_map(ConductKind::from_key).collect(),
        effects: form.all("effects").into_iter().filter_map(Effect::from_key).collect(),
        effect_words: form.get("effect_words").to_owned(),
        witnesses: form.get("witnesses").to_owned(),
        asked_to_stop: StopRequest::from_key(form.get("asked_to_stop")).unwrap_or_default(),
        police_reference: form.get("police_reference").trim().to_owned(),
        people: form.all("people").into_iter().filter_map(|p| p.parse().ok()).collect(),
        messages: Vec::new(),
        source: None,
        submitted_by: String::new(),
    };
    problems.extend(incident.check());
    if problems.is_empty() { Ok(incident) } else { Err(problems) }
}

/// The form values that show an existing incident.
pub(super) fn form_from_incident(i: &Incident, version: i64) -> FormData {
    let mut f = FormData::default();
    f.push("version", version.to_string());
    match &i.occurred {
        When::Exact { at } => {
            f.push("occurred_kind", "exact");
            f.push("occurred_date", at.date().to_string());
            f.push("occurred_time", at.time().strftime("%H:%M").to_string());
            f.push("occurred_zone", at.time_zone().iana_name().unwrap_or("UTC"));
        }
        When::Approximate { description, around } => {
            f.push("occurred_kind", "approximate");
            f.push("occurred_approx", description.clone());
            f.push("occurred_approx_date", around.map(|d| d.to_string()).unwrap_or_default());
        }
    }
    match &i.discovered {
        Some(When::Exact { at }) => {
            f.push("discovered_date", at.date().to_string());
            f.push("discovered_time", at.time().strftime("%H:%M").to_string());
        }
        Some(When::Approximate { around: Some(d), .. }) => f.push("discovered_date", d.to_string()),
        _ => {}
    }
    for (name, value) in [
        ("platform", &i.platform),
        ("url", &i.url),
        ("place", &i.place),
        ("description", &i.description),
        ("verbatim", &i.verbatim),
        ("effect_words", &i.effect_words),
        ("witnesses", &i.witnesses),
        ("police_reference", &i.police_reference),
    ] {
        f.push(name, value.clone());
    }
    i.conduct.iter().for_each(|c| f.push("conduct", c.key()));
    i.effects.iter().for_each(|e| f.push("effects", e.key()));
    f.push("asked_to_stop", i.asked_to_stop.key());
    i.people.iter().for_each(|p| f.push("people", p.to_string()));
    f
}

pub(super) struct FormPage<'a> {
    case: Uuid,
    action: String,
    heading: &'a str,
    people: Vec<(PersonId, String)>,
    kept: Vec<Version<Evidence>>,
    default_zone: &'a str,
}

fn checkbox_group(
    legend: &str,
    hint: Option<&str>,
    name: &str,
    options: &[(String, String)],
    form: &FormData,
) -> Markup {
    html! {
        fieldset id=(field_id(name)) {
            legend { (legend) }
            @if let Some(h) = hint { span.hint { (h) } }
            div.choices {
                @for (value, label) in options {
                    label { input type="checkbox" name=(name) value=(value) checked[form.has(name, value)]; span { (label) } }
                }
            }
        }
    }
}

/// Fields of the fold "More about it": opened when any of them holds something or a problem.
const MORE: &[&str] = &[
    "discovered_date",
    "discovered_time",
    "verbatim",
    "platform",
    "place",
    "url",
    "conduct",
    "effects",
    "effect_words",
    "witnesses",
    "police_reference",
];

/// The incident form, shortest first: when, what happened and who (with a field for someone
/// not yet in the case, so she never leaves a half-written incident to add them), her files,
/// and the rest folded away. Exact and rough times each show only their own fields once she
/// has chosen (CSS; a browser without it shows both groups).
pub(super) fn incident_form(s: &Session, p: &FormPage<'_>, form: &FormData, problems: &Problems) -> Markup {
    let exact = form.get("occurred_kind") != "approximate";
    let zone = non_empty(form.get("occurred_zone"), p.default_zone);
    let conduct: Vec<(String, String)> = ConductKind::ALL.iter().map(|c| (c.key().into(), c.label().into())).collect();
    let effects: Vec<(String, String)> = Effect::ALL.iter().map(|e| (e.key().into(), e.label().into())).collect();
    let people: Vec<(String, String)> = p.people.iter().map(|(id, n)| (id.to_string(), n.clone())).collect();
    let more_open = MORE.iter().any(|f| !form.get(f).trim().is_empty() || problems.for_field(f).is_some())
        || !matches!(form.get("asked_to_stop"), "" | "not_recorded");
    html! {
        h1 { (p.heading) }
        (problem_summary(problems))
        form method="post" action=(p.action) enctype="multipart/form-data" {
            (csrf(s))
            @if !form.get("version").is_empty() { input type="hidden" name="version" value=(form.get("version")); }
            fieldset.when {
                legend { "When did it happen?" }
                div.choices {
                    label { input #f-occurred_kind-exact type="radio" name="occurred_kind" value="exact" checked[exact]; span { "I know the date and time" } }
                    label { input #f-occurred_kind-rough type="radio" name="occurred_kind" value="approximate" checked[!exact]; span { "I know roughly when" } }
                }
                div.when-exact {
                    div.row {
                        (text_field("occurred_date", "Date", None, form.get("occurred_date"), problems, Input::Date))
                        (text_field("occurred_time", "Time", None, form.get("occurred_time"), problems, Input::Time))
                    }
                    div.field {
                        label for="f-occurred_zone" { "Time zone" }
                        select #f-occurred_zone name="occurred_zone" {
                            @for name in time_zones() {
                                option value=(name) selected[name == zone] { (name) }
                            }
                        }
                    }
                }
                div.when-rough {
                    (text_field("occurred_approx", "Roughly when, in your words", Some("For example: \"evening of 3 May\" or \"a few days before my birthday\"."), form.get("occurred_approx"), problems, Input::Text))
                    (text_field("occurred_approx_date", "Roughly which day (if you know)", None, form.get("occurred_approx_date"), problems, Input::Date))
                }
            }
            (textarea_field("description", "What happened?", Some("In your own words. Write it as you would tell it."), form.get("description"), problems))
            fieldset #f-people {
                legend { "Who was it?" }
                @if !people.is_empty() {
                    div.choices {
                        @for (value, label) in &people {
                            label { input type="checkbox" name="people" value=(value) checked[form.has("people", value)]; span { (label) } }
                        }
                    }
                }
                (text_field("new_person", if people.is_empty() { "Their username, number, address or link" } else { "Someone not listed: their username, number, address or link" }, Some("A username is enough. They are added to the case's people when you save."), form.get("new_person"), problems, Input::Text))
                (text_field("new_person_platform", "Platform or service (if any)", None, form.get("new_person_platform"), problems, Input::Text))
            }
            details.more open[more_open] {
                summary { "More about it (optional): exact words, where, what kind of behaviour, how it affected you" }
                fieldset {
                    legend { "When did you find out? (only if later)" }
                    div.row {
                        (text_field("discovered_date", "Date", None, form.get("discovered_date"), problems, Input::Date))
                        (text_field("discovered_time", "Time", None, form.get("discovered_time"), problems, Input::Time))
                    }
                }
                (textarea_field("verbatim", "Exact words of messages or posts", Some("Copy or type them exactly as they were, including spelling."), form.get("verbatim"), problems))
                div.row {
                    (text_field("platform", "Where: app, site or channel", Some("For example Instagram, text message, email, in person."), form.get("platform"), problems, Input::Text))
                    (text_field("place", "Where: a place", Some("If it happened somewhere physical."), form.get("place"), problems, Input::Text))
                }
                (text_field("url", "Web address (if there is one)", Some("The link to the message, post or profile."), form.get("url"), problems, Input::Url))
                (checkbox_group("What kind of behaviour was it?", Some("Tick all that fit."), "conduct", &conduct, form))
                (checkbox_group("How did it affect you?", Some("Tick all that fit."), "effects", &effects, form))
                (textarea_field("effect_words", "How it affected you, in your words", Some("For example: what you were afraid of, what you changed in your life."), form.get("effect_words"), problems))
                (textarea_field("witnesses", "Witnesses", Some("Who saw it, or who you told."), form.get("witnesses"), problems))
                fieldset id="f-asked_to_stop" {
                    legend { "Had you asked them to stop?" }
                    div.choices {
                        @for o in StopRequest::ALL {
                            label { input type="radio" name="asked_to_stop" value=(o.key()) checked[form.get("asked_to_stop") == o.key() || (form.get("asked_to_stop").is_empty() && *o == StopRequest::NotRecorded)]; span { (o.label()) } }
                        }
                    }
                }
                (text_field("police_reference", "Police reference number", Some("If you reported it."), form.get("police_reference"), problems, Input::Text))
            }
            @if !p.kept.is_empty() {
                div.notice.ok {
                    p { "These files were kept and will be attached when you save:" }
                    ul {
                        @for k in &p.kept {
                            @if let Some(b) = &k.body {
                                li { (b.file_name) input type="hidden" name="kept" value=(k.id); }
                            }
                        }
                    }
                }
            }
            // Last: the form is read in order, and the incident is saved when the first file
            // arrives, so every other field must come before this one.
            div.field {
                label for="f-files" { "Screenshots, recordings or other files" }
                span.hint #f-files-hint { "You can choose several. Each is fingerprinted (SHA-256) when it arrives and stored encrypted." }
                input #f-files type="file" name="files" multiple aria-describedby="f-files-hint";
            }
            div.actions { button type="submit" { "Save" } a href={ "/cases/" (p.case) } { "Cancel" } }
        }
    }
}

/// Someone she names in the incident form who is not yet in the case, if she named anyone.
pub(super) fn newcomer_from_form(form: &FormData) -> Option<Person> {
    let value = form.get("new_person").trim();
    (!value.is_empty()).then(|| Person::known_by(value, form.get("new_person_platform")))
}

pub(crate) fn time_zones() -> Vec<String> {
    let mut zones: Vec<String> = jiff::tz::db().available().map(|n| n.to_string()).collect();
    zones.sort();
    zones
}

pub(super) async fn form_page<'a>(
    state: &'a AppState,
    open: &OpenCase,
    action: String,
    heading: &'a str,
    kept: Vec<Version<Evidence>>,
) -> Result<FormPage<'a>, ServiceError> {
    let mut people: Vec<(PersonId, String)> = people_names(open).await?.into_iter().collect();
    people.sort_by_key(|(_, n)| n.to_lowercase());
    Ok(FormPage { case: open.id.0, action, heading, people, kept, default_zone: &state.config.default_time_zone })
}
