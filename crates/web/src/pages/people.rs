//! People pages: the people in a case, each known by one or more identifiers — a username
//! is enough. Name, address and vehicle are optional and never required.

use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use lodge_domain::{CourseOfConduct, Identifier, IdentifierKind, Incident, IncidentId, Person, PersonId, Problems};
use lodge_service::{OpenCase, ServiceError, Session};
use maud::{Markup, html};
use uuid::Uuid;

use super::FormData;
use super::cases::non_empty;
use super::layout::{Input, csrf, field_id, page, problem_summary, text_field, textarea_field};
use crate::State;
use crate::extract::{ReadCase, SignedForm, WriteCase};
use crate::failure::{PageResult, see_other};

/// Blank identifier rows offered on a form.
const BLANK_ROWS: usize = 2;

fn person_from_form(form: &FormData) -> Result<Person, Problems> {
    let mut problems = Problems::default();
    let rows: usize = form.get("rows").parse().unwrap_or(BLANK_ROWS).min(200);
    let mut identifiers = Vec::new();
    for i in 0..rows {
        let value = form.get(&format!("id_value_{i}")).trim().to_owned();
        if value.is_empty() {
            continue;
        }
        let mut date = |suffix: &str| {
            let name = format!("id_{suffix}_{i}");
            let text = form.get(&name).trim();
            if text.is_empty() {
                return None;
            }
            let day = lodge_domain::day_from_form(text);
            if day.is_none() {
                problems.add(name, lodge_domain::DATE_PROBLEM_OPTIONAL);
            }
            day
        };
        let (first_seen, last_seen) = (date("first"), date("last"));
        identifiers.push(Identifier {
            kind: IdentifierKind::from_key(form.get(&format!("id_kind_{i}"))).unwrap_or(IdentifierKind::Username),
            platform: form.get(&format!("id_platform_{i}")).trim().to_owned(),
            value,
            first_seen,
            last_seen,
        });
    }
    let person = Person {
        label: form.get("label").trim().to_owned(),
        identifiers,
        name: form.get("name").trim().to_owned(),
        address: form.get("address").to_owned(),
        vehicle: form.get("vehicle").trim().to_owned(),
        notes: form.get("notes").to_owned(),
    };
    problems.extend(person.check());
    if problems.is_empty() { Ok(person) } else { Err(problems) }
}

fn form_from_person(p: &Person, version: i64) -> FormData {
    let mut f = FormData::default();
    f.push("version", version.to_string());
    for (name, value) in
        [("label", &p.label), ("name", &p.name), ("address", &p.address), ("vehicle", &p.vehicle), ("notes", &p.notes)]
    {
        f.push(name, value.clone());
    }
    for (i, id) in p.identifiers.iter().enumerate() {
        f.push(&format!("id_kind_{i}"), id.kind.key());
        f.push(&format!("id_platform_{i}"), id.platform.clone());
        f.push(&format!("id_value_{i}"), id.value.clone());
        f.push(&format!("id_first_{i}"), id.first_seen.map(|d| d.to_string()).unwrap_or_default());
        f.push(&format!("id_last_{i}"), id.last_seen.map(|d| d.to_string()).unwrap_or_default());
    }
    f.push("rows", (p.identifiers.len() + BLANK_ROWS).to_string());
    f
}

fn person_form(s: &Session, action: &str, heading: &str, form: &FormData, problems: &Problems) -> Markup {
    let rows: usize = form.get("rows").parse().unwrap_or(BLANK_ROWS).clamp(1, 200);
    html! {
        h1 { (heading) }
        div.notice {
            p { strong { "A username is enough." } " Police can investigate even when you only know someone's username or number. Name, address and vehicle are optional." }
        }
        (problem_summary(problems))
        form method="post" action=(action) {
            (csrf(s))
            input type="hidden" name="rows" value=(rows);
            @if !form.get("version").is_empty() { input type="hidden" name="version" value=(form.get("version")); }
            (text_field("label", "What you call them", Some("For example \"the Twitch account\" or \"@darkwolf\". Only you see this."), form.get("label"), problems, Input::Text))
            h2 { "How they are known" }
            @for i in 0..rows {
                fieldset id=(field_id(&format!("identifiers.{i}.value"))) {
                    legend { "Identifier " (i + 1) }
                    div.row {
                        div.field {
                            label for={ "f-id_kind_" (i) } { "Kind" }
                            select id={ "f-id_kind_" (i) } name={ "id_kind_" (i) } {
                                @for k in IdentifierKind::ALL {
                                    option value=(k.key()) selected[form.get(&format!("id_kind_{i}")) == k.key()] { (k.label()) }
                                }
                            }
                        }
                        (text_field(&format!("id_platform_{i}"), "Platform or service", None, form.get(&format!("id_platform_{i}")), problems, Input::Text))
                    }
                    (text_field(&format!("id_value_{i}"), "Username, number, address or link", None, form.get(&format!("id_value_{i}")), problems, Input::Text))
                    div.row {
                        (text_field(&format!("id_first_{i}"), "First seen", None, form.get(&format!("id_first_{i}")), problems, Input::Date))
                        (text_field(&format!("id_last_{i}"), "Last seen", None, form.get(&format!("id_last_{i}")), problems, Input::Date))
                    }
                }
            }
            div.actions { button.secondary type="submit" name="action" value="add_row" { "Add another identifier" } }
            details {
                summary { "Name, address, vehicle (optional)" }
                (text_field("name", "Real name, if known", None, form.get("name"), problems, Input::Text))
                (textarea_field("address", "Address, if known", None, form.get("address"), problems))
                (text_field("vehicle", "Vehicle, if known", None, form.get("vehicle"), problems, Input::Text))
            }
            (textarea_field("notes", "Notes", Some("Why you think accounts belong to the same person, anything else."), form.get("notes"), problems))
            div.actions { button type="submit" name="action" value="save" { "Save" } }
        }
    }
}

pub(crate) async fn list(axum::extract::State(state): State, ReadCase(s, open): ReadCase) -> PageResult {
    let people = open.people().await?;
    let case = open.id.0;
    Ok(page(Some(&*s), &state.config, "People", html! {
        p { a href={ "/cases/" (case) } { "← " (open.title) } }
        h1 { "People in this case" }
        @if open.access.can_write() { p { a.button href={ "/cases/" (case) "/people/new" } { "Add a person" } } }
        @if people.is_empty() { p { "Nobody yet. A username is enough to add someone." } }
        ul.plain {
            @for p in &people {
                @if let Some(b) = &p.body {
                    li {
                        a href={ "/cases/" (case) "/people/" (p.id) } { (b.display_name()) }
                        @if !b.identifiers.is_empty() {
                            br;
                            span.hint { (b.identifiers.iter().map(|i| i.value.as_str()).collect::<Vec<_>>().join(", ")) }
                        }
                    }
                }
            }
        }
    })
    .into_response())
}

pub(crate) async fn new_page(axum::extract::State(state): State, WriteCase(s, open): WriteCase) -> Response {
    let form = person_form(
        &s,
        &format!("/cases/{}/people", open.id.0),
        "Add a person",
        &FormData::default(),
        &Problems::default(),
    );
    page(Some(&*s), &state.config, "Add a person", form).into_response()
}

async fn save(
    state: &crate::AppState,
    s: &Session,
    open: &OpenCase,
    existing: Option<PersonId>,
    mut form: FormData,
) -> PageResult {
    let case = open.id.0;
    let (action, heading) = match existing {
        None => (format!("/cases/{case}/people"), "Add a person"),
        Some(id) => (format!("/cases/{case}/people/{id}"), "Edit person"),
    };
    if form.get("action") == "add_row" {
        let rows: usize = form.get("rows").parse().unwrap_or(BLANK_ROWS);
        form.set("rows", (rows + 1).min(200).to_string());
        return Ok(page(
            Some(s),
            &state.config,
            heading,
            person_form(s, &action, heading, &form, &Problems::default()),
        )
        .into_response());
    }
    let result = match person_from_form(&form) {
        Err(p) => Err(ServiceError::Invalid(p)),
        Ok(person) => write(open, existing, &form, &person).await,
    };
    let (status, problems) = match result {
        Ok(id) => return see_other(&format!("/cases/{case}/people/{id}")),
        Err(ServiceError::Invalid(p)) => (StatusCode::BAD_REQUEST, p),
        Err(ServiceError::Conflict) => {
            let mut p = Problems::default();
            p.add("label", ServiceError::Conflict.user_message());
            (StatusCode::CONFLICT, p)
        }
        Err(e) => return Err(e.into()),
    };
    Ok((status, page(Some(s), &state.config, heading, person_form(s, &action, heading, &form, &problems)))
        .into_response())
}

async fn write(
    open: &OpenCase,
    existing: Option<PersonId>,
    form: &FormData,
    person: &Person,
) -> Result<PersonId, ServiceError> {
    match existing {
        None => open.add_person(person).await,
        Some(id) => open.edit_person(id, form.get("version").parse().unwrap_or(0), person).await.map(|_| id),
    }
}

pub(crate) async fn create(
    axum::extract::State(state): State,
    WriteCase(s, open): WriteCase,
    SignedForm(form): SignedForm,
) -> PageResult {
    save(&state, &s, &open, None, form).await
}

pub(crate) async fn update(
    axum::extract::State(state): State,
    WriteCase(s, open): WriteCase,
    Path((_, person)): Path<(Uuid, Uuid)>,
    SignedForm(form): SignedForm,
) -> PageResult {
    save(&state, &s, &open, Some(PersonId(person)), form).await
}

pub(crate) async fn edit_page(
    axum::extract::State(state): State,
    WriteCase(s, open): WriteCase,
    Path((case, person)): Path<(Uuid, Uuid)>,
) -> PageResult {
    let entry = open.person(PersonId(person)).await?;
    let body = entry.body.ok_or(ServiceError::NotFound)?;
    let form = form_from_person(&body, entry.version);
    let action = format!("/cases/{case}/people/{person}");
    Ok(page(
        Some(&*s),
        &state.config,
        "Edit person",
        person_form(&s, &action, "Edit person", &form, &Problems::default()),
    )
    .into_response())
}

pub(crate) async fn show(
    axum::extract::State(state): State,
    ReadCase(s, open): ReadCase,
    Path((case, person)): Path<(Uuid, Uuid)>,
) -> PageResult {
    let entry = open.person(PersonId(person)).await?;
    let filter = lodge_service::TimelineFilter { person: Some(PersonId(person)), conduct: None, oldest_first: true };
    let incidents = open.timeline(&filter).await?;
    let Some(p) = &entry.body else {
        let body = html! {
            h1 { "Deleted person" }
            p { "This person was removed from the case on " (entry.saved_at.strftime("%-d %B %Y")) "." }
        };
        return Ok(page(Some(&*s), &state.config, "Deleted person", body).into_response());
    };
    let incidents: Vec<(Uuid, &Incident)> =
        incidents.iter().filter_map(|e| e.body.as_ref().map(|b| (e.id, b))).collect();
    Ok(page(
        Some(&*s),
        &state.config,
        "Person",
        html! {
            p { a href={ "/cases/" (case) "/people" } { "← People" } }
            h1 { (p.display_name()) }
            h2 { "Identifiers" }
            @if p.identifiers.is_empty() { p { "None recorded." } }
            table.reflow {
                thead { tr { th scope="col" { "Kind" } th scope="col" { "Identifier" } th scope="col" { "Seen" } } }
                tbody {
                    @for i in &p.identifiers {
                        tr {
                            td data-label="Kind" { (i.kind.label()) @if !i.platform.is_empty() { " (" (i.platform) ")" } }
                            td.hash data-label="Identifier" { (i.value) }
                            td data-label="Seen" {
                                @match (i.first_seen, i.last_seen) {
                                    (Some(f), Some(l)) => { (f) " to " (l) },
                                    (Some(f), None) => { "from " (f) },
                                    (None, Some(l)) => { "until " (l) },
                                    (None, None) => { "—" },
                                }
                            }
                        }
                    }
                }
            }
            @if !p.name.is_empty() || !p.address.is_empty() || !p.vehicle.is_empty() || !p.notes.is_empty() {
                dl.details {
                    @if !p.name.is_empty() { dt { "Name" } dd { (p.name) } }
                    @if !p.address.is_empty() { dt { "Address" } dd { (p.address) } }
                    @if !p.vehicle.is_empty() { dt { "Vehicle" } dd { (p.vehicle) } }
                    @if !p.notes.is_empty() { dt { "Notes" } dd { (p.notes) } }
                }
            }
            h2 { "Incidents" }
            @if incidents.is_empty() { p { "No incidents linked yet." } }
            ul.plain {
                @for (id, i) in &incidents {
                    li {
                        span.hint { (i.occurred.display()) } br;
                        a href={ "/cases/" (case) "/incidents/" (id) } { (non_empty(&i.headline(), "Incident")) }
                    }
                }
            }
            @if !incidents.is_empty() {
                (super::course::block(case, &CourseOfConduct::of_person(PersonId(person), incidents.iter().map(|(id, i)| (IncidentId(*id), *i))), &state.config))
            }
            @if open.access.can_write() {
                div.actions {
                    a.button href={ "/cases/" (case) "/people/" (person) "/edit" } { "Edit" }
                    form method="post" action={ "/cases/" (case) "/people/" (person) "/delete" } {
                        (csrf(&s))
                        button.secondary type="submit" { "Remove from case" }
                    }
                }
            }
        },
    )
    .into_response())
}

pub(crate) async fn delete(
    WriteCase(_, open): WriteCase,
    Path((case, person)): Path<(Uuid, Uuid)>,
    SignedForm(_): SignedForm,
) -> PageResult {
    open.delete_person(PersonId(person)).await?;
    see_other(&format!("/cases/{case}/people"))
}
