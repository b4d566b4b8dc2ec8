//! Incident pages: logging an incident (with files attached in the same form), viewing it,
//! editing it with every earlier version kept, its history, and deleting it.
//!
//! A form with a mistake comes back with everything she typed. Files sent with such a form
//! are kept (as evidence not yet attached) and listed, so she never has to pick them again.

use axum::extract::{Multipart, Path};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use lodge_domain::{Evidence, EvidenceId, Incident, IncidentId, PersonId, Problems};
use lodge_service::{OpenCase, ServiceError, Session, Upload, Version};
use maud::{Markup, html};
use uuid::Uuid;

use super::FormData;
use super::cases::{non_empty, people_names};
use super::evidence::evidence_figure;
use super::layout::{csrf, page};
use crate::extract::{ReadCase, SignedForm, WriteCase};
use crate::failure::{Failure, PageResult, see_other};
use crate::http::multipart::{TextBudget, drain, upload_case};
use crate::{AppState, State};

use super::incident_form::{
    form_from_incident, form_page, incident_form, incident_from_form, newcomer_from_form, on_the_form,
};

pub(crate) async fn new_page(axum::extract::State(state): State, WriteCase(s, open): WriteCase) -> PageResult {
    let action = format!("/cases/{}/incidents", open.id.0);
    let p = form_page(&state, &open, action, "Log an incident", Vec::new()).await?;
    let form = incident_form(&s, &p, &FormData::default(), &Problems::default());
    Ok(page(Some(&*s), &state.config, "Log an incident", form).into_response())
}

/// What the multipart incident form decided once its text fields were read.
enum Outcome {
    Saved(IncidentId),
    Problems(Problems),
}

/// Reads a multipart incident form: text fields first, then files, which are stored as they
/// stream in (attached to the incident when it saved, kept aside when the form had problems).
async fn receive(
    open: &OpenCase,
    s: &Session,
    multipart: &mut Multipart,
    existing: Option<IncidentId>,
) -> Result<(FormData, Outcome, Vec<Version<Evidence>>), ServiceError> {
    let mut form = FormData::default();
    let mut texts = TextBudget::new();
    let mut outcome: Option<Outcome> = None;
    let mut kept = Vec::new();
    let mut files = 0usize;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                tracing::info!(error = %e, "malformed form");
                return Err(ServiceError::invalid(
                    "files",
                    "The form did not arrive whole. Check your connection and send it again.",
                ));
            }
        };
        let name = field.name().unwrap_or("").to_owned();
        let file_name = field.file_name().map(str::to_owned);
        match file_name {
            None => {
                let text = texts.read(field).await?;
                form.push(&name, text);
            }
            Some(file_name) if file_name.is_empty() => {}
            Some(file_name) => {
                if outcome.is_none() {
                    outcome = Some(decide(open, s, &form, existing).await?);
                }
                files += 1;
                if files > 100 {
                    return Err(ServiceError::invalid("files", "Send at most 100 files at once."));
                }
                let incident = match &outcome {
                    Some(Outcome::Saved(id)) => Some(*id),
                    _ => None,
                };
                let content_type = field.content_type().unwrap_or("").to_owned();
                let entry = open.add_evidence(Upload { file_name, content_type, incident }, field).await?;
                if incident.is_none() {
                    kept.push(entry);
                }
            }
        }
    }
    let outcome = match outcome {
        Some(o) => o,
        None => decide(open, s, &form, existing).await?,
    };
    Ok((form, outcome, kept))
}

async fn decide(
    open: &OpenCase,
    s: &Session,
    form: &FormData,
    existing: Option<IncidentId>,
) -> Result<Outcome, ServiceError> {
    if !s.form_token_matches(form.get("csrf")) {
        return Err(ServiceError::Forbidden);
    }
    let incident = match incident_from_form(form) {
        Ok(i) => i,
        Err(p) => return Ok(Outcome::Problems(p)),
    };
    let version = form.get("version").parse().unwrap_or(0);
    let result = match (existing, newcomer_from_form(form)) {
        (None, None) => open.add_incident(&incident).await,
        (None, Some(newcomer)) => open.add_incident_with_newcomer(&incident, &newcomer).await,
        (Some(id), None) => open.edit_incident(id, version, &incident).await.map(|_| id),
        (Some(id), Some(newcomer)) => {
            open.edit_incident_with_newcomer(id, version, &incident, &newcomer).await.map(|_| id)
        }
    };
    match result {
        Ok(id) => Ok(Outcome::Saved(id)),
        Err(ServiceError::Invalid(p)) => Ok(Outcome::Problems(on_the_form(p, form))),
        Err(ServiceError::Conflict) => {
            let mut p = Problems::default();
            p.add("description", ServiceError::Conflict.user_message());
            Ok(Outcome::Problems(p))
        }
        Err(e) => Err(e),
    }
}

async fn save(
    state: &AppState,
    case: Result<WriteCase, Failure>,
    mut multipart: Multipart,
    existing: Option<IncidentId>,
) -> PageResult {
    let WriteCase(s, open) = upload_case(case, &mut multipart).await?;
    let (s, case) = (&*s, open.id.0);
    let result = async {
        if let Some(id) = existing {
            open.incident(id).await?.body.ok_or(ServiceError::NotFound)?;
        }
        let (form, outcome, mut kept) = receive(&open, s, &mut multipart, existing).await?;
        let earlier: Vec<EvidenceId> = form.all("kept").into_iter().filter_map(|k| k.parse().ok()).collect();
        match outcome {
            Outcome::Saved(id) => {
                for e in earlier {
                    open.attach_evidence(e, id).await?;
                }
                for e in &kept {
                    open.attach_evidence(EvidenceId(e.id), id).await?;
                }
                Ok(Redirect::to(&format!("/cases/{case}/incidents/{id}")).into_response())
            }
            Outcome::Problems(problems) => {
                for e in earlier {
                    if let Ok(entry) = open.evidence(e).await {
                        kept.insert(0, entry);
                    }
                }
                let (action, heading) = match existing {
                    None => (format!("/cases/{case}/incidents"), "Log an incident"),
                    Some(id) => (format!("/cases/{case}/incidents/{id}"), "Edit incident"),
                };
                let p = form_page(state, &open, action, heading, kept).await?;
                Ok((
                    StatusCode::BAD_REQUEST,
                    page(Some(s), &state.config, heading, incident_form(s, &p, &form, &problems)),
                )
                    .into_response())
            }
        }
    }
    .await;
    if result.is_err() {
        drain(&mut multipart).await;
    }
    match result {
        Ok(r) => Ok(r),
        Err(ServiceError::Forbidden) => Err(Failure::StaleForm),
        Err(e) => Err(e.into()),
    }
}

pub(crate) async fn create(
    axum::extract::State(state): State,
    case: Result<WriteCase, Failure>,
    multipart: Multipart,
) -> PageResult {
    save(&state, case, multipart, None).await
}

pub(crate) async fn update(
    axum::extract::State(state): State,
    case: Result<WriteCase, Failure>,
    Path((_, incident)): Path<(Uuid, Uuid)>,
    multipart: Multipart,
) -> PageResult {
    save(&state, case, multipart, Some(IncidentId(incident))).await
}

pub(crate) async fn edit_page(
    axum::extract::State(state): State,
    WriteCase(s, open): WriteCase,
    Path((case, incident)): Path<(Uuid, Uuid)>,
) -> PageResult {
    let result = async {
        let entry = open.incident(IncidentId(incident)).await?;
        let body = entry.body.ok_or(ServiceError::NotFound)?;
        let p = form_page(&state, &open, format!("/cases/{case}/incidents/{incident}"), "Edit incident", Vec::new())
            .await?;
        Ok::<_, ServiceError>(incident_form(&s, &p, &form_from_incident(&body, entry.version), &Problems::default()))
    }
    .await;
    Ok(page(Some(&*s), &state.config, "Edit incident", result?).into_response())
}

fn details(i: &Incident, names: &std::collections::HashMap<PersonId, String>, case: Uuid) -> Markup {
    html! {
        dl.details {
            dt { "When" } dd { (i.occurred.display()) }
            @if let Some(d) = &i.discovered { dt { "Found out" } dd { (d.display()) } }
            @if !i.platform.is_empty() { dt { "App, site or channel" } dd { (i.platform) } }
            @if !i.url.is_empty() { dt { "Web address" } dd { (i.url) } }
            @if !i.place.is_empty() { dt { "Place" } dd { (i.place) } }
            @if !i.description.is_empty() { dt { "What happened" } dd { (i.description) } }
            @if !i.verbatim.is_empty() { dt { "Exact words" } dd.verbatim { (i.verbatim) } }
            @if !i.conduct.is_empty() { dt { "Kinds of behaviour" } dd { ul.tags { @for c in &i.conduct { li { (c.label()) } } } } }
            @if !i.effects.is_empty() { dt { "How it affected you" } dd { ul.tags { @for e in &i.effects { li { (e.label()) } } } } }
            @if !i.effect_words.is_empty() { dt { "In your words" } dd { (i.effect_words) } }
            @if !i.people.is_empty() {
                dt { "People" }
                dd { ul { @for p in &i.people { li { a href={ "/cases/" (case) "/people/" (p) } { (names.get(p).map(String::as_str).unwrap_or("A deleted person")) } } } } }
            }
            @if !i.witnesses.is_empty() { dt { "Witnesses" } dd { (i.witnesses) } }
            dt { "Had you asked them to stop?" } dd { (i.asked_to_stop.label()) }
            @if !i.police_reference.is_empty() { dt { "Police reference" } dd { (i.police_reference) } }
            @if !i.submitted_by.is_empty() { dt { "Reported by" } dd { (i.submitted_by) " (through your inbox)" } }
        }
    }
}

pub(crate) async fn show(
    axum::extract::State(state): State,
    ReadCase(s, open): ReadCase,
    Path((case, incident)): Path<(Uuid, Uuid)>,
) -> PageResult {
    let entry = open.incident(IncidentId(incident)).await?;
    let names = people_names(&open).await?;
    let files = open.evidence_for(IncidentId(incident)).await?;
    let findings = open.findings().await?;
    let body = match &entry.body {
        None if !entry.deleted => html! {
            h1 { "Changed outside Lodge" }
            (super::layout::changed_outside(&findings))
            p { (super::cases::changed_sentence(entry.created_at, &entry.integrity)) }
            p { a href={ "/cases/" (case) "/incidents/" (incident) "/history" } { "Its history" } " · " a href={ "/cases/" (case) } { "Back to the timeline" } }
        },
        None => html! {
            h1 { "Deleted incident" }
            p { "This incident was deleted on " (entry.saved_at.strftime("%-d %B %Y at %H:%M UTC")) ". Its content is gone; the log keeps this note so it stays complete." }
            p { a href={ "/cases/" (case) } { "Back to the timeline" } }
        },
        Some(i) => html! {
            p { a href={ "/cases/" (case) } { "← Timeline" } }
            h1 { (non_empty(&i.headline(), "Incident")) }
            (super::layout::changed_outside(&findings))
            p.hint {
                "Logged " (entry.created_at.strftime("%-d %B %Y at %H:%M UTC"))
                @if entry.version > 1 { " · edited " (entry.version - 1) @if entry.version == 2 { " time" } @else { " times" } }
            }
            (details(i, &names, case))
            @if let Some(source) = &i.source { (imported(case, source, &i.messages)) }
            h2 { "Evidence" }
            @if files.is_empty() { p { "No files attached yet." } }
            @for f in &files { (evidence_figure(case, f)) }
            @if open.access.can_write() {
                form method="post" action={ "/cases/" (case) "/incidents/" (incident) "/evidence" } enctype="multipart/form-data" {
                    (csrf(&s))
                    div.field {
                        label for="f-files" { "Add files" }
                        span.hint #f-files-hint { "Screenshots, recordings, exports. You can choose several." }
                        input #f-files type="file" name="files" multiple aria-describedby="f-files-hint";
                    }
                    button.secondary type="submit" { "Upload" }
                }
            }
            div.actions {
                @if open.access.can_write() { a.button href={ "/cases/" (case) "/incidents/" (incident) "/edit" } { "Edit" } }
                a.button.secondary href={ "/cases/" (case) "/incidents/" (incident) "/history" } { "History" }
                @if open.access.can_write() { a.button.secondary href={ "/cases/" (case) "/incidents/" (incident) "/delete" } { "Delete" } }
            }
        },
    };
    Ok(page(Some(&*s), &state.config, "Incident", body).into_response())
}

/// The messages an incident was imported with: each with its time, sender, place in the
/// export, attachments and evidential details. A photo's location is shown here, to her; reports
/// leave it out.
fn imported(case: Uuid, source: &lodge_domain::ImportSource, messages: &[lodge_domain::Message]) -> Markup {
    let zone = jiff::tz::TimeZone::get(&source.zone).unwrap_or(jiff::tz::TimeZone::UTC);
    html! {
        h2 { "From the export" }
        p.hint {
            (source.format) " export, kept as "
            a href={ "/cases/" (case) "/evidence/" (source.exhibit) } { "an exhibit" }
            ". Times without a zone were read as " (source.zone) "."
        }
        ol.messages {
            @for m in messages {
                li {
                    p {
                        strong { (m.sender) } @if m.mine { " (you)" } " · "
                        @match m.at {
                            Some(t) => { (t.to_zoned(zone.clone()).strftime("%-d %B %Y, %H:%M:%S %Z")) }
                            None => { "no time in the file" }
                        }
                    }
                    @if !m.text.is_empty() { p.verbatim { (m.text) } }
                    @for a in &m.attachments {
                        p.hint { "Attached: " (a.name)
                            @if let Some(sha) = &a.sha256 { " · in the export, SHA-256 " code { (sha) } } }
                    }
                    @if let Some((lat, lon)) = m.location {
                        p.hint { "Taken at " (format!("{lat:.5}, {lon:.5}")) " (only you see this; reports leave it out)" }
                    }
                    details {
                        summary { "Where it came from" }
                        dl {
                            dt { "Place in the export" } dd { (m.place) }
                            @for (k, v) in &m.details { dt { (k) } dd { (v) } }
                        }
                    }
                }
            }
        }
    }
}

pub(crate) async fn history(
    axum::extract::State(state): State,
    ReadCase(s, open): ReadCase,
    Path((case, incident)): Path<(Uuid, Uuid)>,
) -> PageResult {
    let versions = open.incident_history(IncidentId(incident)).await?;
    let names = people_names(&open).await?;
    let body = html! {
        p { a href={ "/cases/" (case) "/incidents/" (incident) } { "← Incident" } }
        h1 { "History of this incident" }
        p { "Every saved version is kept. Nothing is overwritten." }
        ol.timeline {
            @for v in versions.iter().rev() {
                li {
                    h2 { "Version " (v.version) }
                    p.hint { "Saved " (v.saved_at.strftime("%-d %B %Y at %H:%M:%S UTC")) }
                    @match &v.body {
                        Some(i) => (details(i, &names, case)),
                        None if v.deleted => p.tombstone { "Deleted." },
                        None if v.integrity != lodge_service::integrity::Integrity::Intact => p.tombstone { "Changed outside Lodge: not shown." },
                        None => p.tombstone { "Content removed when the incident was deleted." },
                    }
                }
            }
        }
    };
    Ok(page(Some(&*s), &state.config, "History", body).into_response())
}

pub(crate) async fn delete_page(
    axum::extract::State(state): State,
    WriteCase(s, open): WriteCase,
    Path((case, incident)): Path<(Uuid, Uuid)>,
) -> PageResult {
    let i = open.incident(IncidentId(incident)).await?.body.ok_or(ServiceError::NotFound)?;
    Ok(page(Some(&*s), &state.config, "Delete incident", html! {
        h1 { "Delete this incident?" }
        p { strong { (non_empty(&i.headline(), "Incident")) } }
        p { "Its content and every earlier version will be removed for good. The log will keep a note that an incident was deleted, and when, so a report stays honest." }
        p { "Files attached to it stay in the case." }
        form method="post" action={ "/cases/" (case) "/incidents/" (incident) "/delete" } {
            (csrf(&s))
            div.actions {
                button.danger type="submit" { "Delete it" }
                a href={ "/cases/" (case) "/incidents/" (incident) } { "Keep it" }
            }
        }
    })
    .into_response())
}

pub(crate) async fn delete(
    WriteCase(_, open): WriteCase,
    Path((case, incident)): Path<(Uuid, Uuid)>,
    SignedForm(_): SignedForm,
) -> PageResult {
    open.delete_incident(IncidentId(incident)).await?;
    see_other(&format!("/cases/{case}"))
}
