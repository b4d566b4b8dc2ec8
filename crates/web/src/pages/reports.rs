//! "Prepare a report": she chooses the dates, the incidents, the name shown and what to leave
//! out, then downloads the police report (PDF) or the evidence bundle (zip). The page also
//! shows her log's course of conduct and lists the reports already made from the case.

use std::collections::BTreeSet;

use axum::Form;
use axum::body::Body;
use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use lodge_domain::{CaseId, CourseOfConduct, Incident, IncidentId, Problems, When};
use lodge_service::SecretString;
use lodge_service::integrity::Subject;
use lodge_service::{OpenCase, PreparedReport, Redact, ReportOptions, Seal, ServiceError, Session, TimelineFilter};
use maud::{Markup, html};
use uuid::Uuid;

use super::form::FormData;
use super::layout::{Input, csrf, page, problem_summary, text_field};
use super::{error_page, stale_form};
use crate::auth::Viewer;
use crate::{State, WebConfig};

/// What the report is downloaded as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    /// The PDF alone.
    Pdf,
    /// The zip with the PDF, exhibits, manifest and proofs.
    Bundle,
}

/// The download, streamed: exhibits are decrypted as they go out.
pub(crate) async fn download(
    open: OpenCase,
    options: &ReportOptions,
    format: Format,
    seal: Option<Seal>,
) -> Result<Response, ServiceError> {
    let reference: String = open.id.to_string().chars().take(8).collect();
    let (body, content_type, name) = match format {
        Format::Pdf => {
            (Body::from(open.report_pdf(options).await?), "application/pdf", format!("lodge-report-{reference}.pdf"))
        }
        Format::Bundle => {
            let (kind, extension) =
                if seal.is_some() { ("application/octet-stream", "zip.age") } else { ("application/zip", "zip") };
            (
                Body::from_stream(open.bundle(options, seal).await?),
                kind,
                format!("lodge-bundle-{reference}.{extension}"),
            )
        }
    };
    Ok(attachment(body, content_type, &name))
}

/// A file to download, under an ASCII name Lodge chose.
pub(crate) fn attachment(body: Body, content_type: &'static str, name: &str) -> Response {
    let mut response = body.into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The seal she chose for a bundle, if any.
fn seal_from_form(form: &FormData, problems: &mut Problems) -> Option<Seal> {
    let result = match form.get("protect") {
        "passphrase" => {
            Seal::passphrase(SecretString::from(form.get("passphrase").to_owned())).map_err(|e| ("passphrase", e))
        }
        "recipient" => Seal::recipients(form.get("recipient").split([',', ' ', '\n']).filter(|k| !k.trim().is_empty()))
            .map_err(|e| ("recipient", e)),
        _ => return None,
    };
    match result {
        Ok(seal) => Some(seal),
        Err((field, e)) => {
            problems.add(field, e.to_string());
            None
        }
    }
}

/// Reads her choices from the form. Problems name the field and say what to do.
pub(crate) fn options_from_form(form: &FormData) -> Result<ReportOptions, Problems> {
    let mut problems = Problems::default();
    let mut date = |field: &str| {
        let text = form.get(field).trim();
        if text.is_empty() {
            return None;
        }
        let parsed = text.parse().ok();
        if parsed.is_none() {
            problems.add(field, "Enter the date as year-month-day, for example 2025-05-03, or leave it empty.");
        }
        parsed
    };
    let (from, to) = (date("from"), date("to"));
    let incidents = if form.get("choose") == "some" {
        Some(form.all("incident").iter().filter_map(|i| i.parse().ok()).map(IncidentId).collect::<BTreeSet<_>>())
    } else {
        None
    };
    if incidents.as_ref().is_some_and(BTreeSet::is_empty) {
        problems.add("choose", "Tick at least one incident, or choose to include them all.");
    }
    let options = ReportOptions {
        from,
        to,
        incidents,
        subject_name: form.get("subject_name").to_owned(),
        prepared_by: form.get("prepared_by").to_owned(),
        prepared_for: form.get("prepared_for").to_owned(),
        redact: form.all("redact").iter().filter_map(|r| Redact::from_key(r)).collect(),
        photo_locations: form.has("photo_locations", "yes"),
    };
    if problems.is_empty() { Ok(options) } else { Err(problems) }
}

fn first_visit(s: &Session) -> FormData {
    let mut form = FormData::default();
    form.push("subject_name", s.username.clone());
    form.push("prepared_by", s.username.clone());
    form.push("choose", "all");
    form
}

struct PageData {
    incidents: Vec<(IncidentId, Incident)>,
    exports: Vec<(String, String)>,
    preview: Option<PreparedReport>,
}

/// What the report will hold, before she downloads it.
pub(crate) fn preview(prepared: &PreparedReport) -> Markup {
    let d = &prepared.document;
    html! {
        section.preview aria-labelledby="preview" {
            h2 id="preview" { "Preview" }
            p.hint { "This is what the report will hold. Change your choices below, then download." }
            dl.details {
                dt { "Name shown" } dd { (d.subject_name) }
                dt { "Prepared by" } dd { (d.prepared_by) }
                @if !d.prepared_for.is_empty() { dt { "Prepared for" } dd { (d.prepared_for) } }
                dt { "Period" } dd { (d.period) }
                dt { "Incidents" } dd { (d.chronology.len()) }
                dt { "Exhibits" } dd { (d.exhibits.len()) }
                @if !d.left_out.is_empty() { dt { "Left out" } dd { (d.left_out.join(", ")) } }
            }
            h3 { "Summary" }
            @for paragraph in &d.summary { p { (paragraph) } }
            @if !d.people.is_empty() {
                h3 { "People" }
                ul {
                    @for person in &d.people {
                        li {
                            strong { (person.label) } ": "
                            (person.identifiers.iter().map(|i| i.value.as_str()).collect::<Vec<_>>().join(", "))
                            @if !person.course.is_empty() { br; span.hint { (person.course) } }
                        }
                    }
                }
            }
            h3 { "Chronology" }
            table {
                thead { tr { th scope="col" { "No." } th scope="col" { "When" } th scope="col" { "What" } th scope="col" { "Exhibits" } } }
                tbody {
                    @for row in &d.chronology {
                        tr { td { (row.number) } td { (row.date) br; span.hint { (row.time) } } td { (row.what) } td { (row.exhibits) } }
                    }
                }
            }
            @if !d.exhibits.is_empty() {
                h3 { "Exhibits" }
                ul.plain {
                    @for e in &d.exhibits {
                        li { strong { (e.number) } " " (e.file_name) " (" (e.size) ")" br; span.verbatim { (e.sha256) } }
                    }
                }
            }
        }
    }
}

async fn page_data(open: &OpenCase) -> Result<PageData, ServiceError> {
    let timeline = open.timeline(&TimelineFilter { oldest_first: true, ..TimelineFilter::default() }).await?;
    let incidents = timeline.into_iter().filter_map(|e| e.body.map(|b| (IncidentId(e.id), b))).collect();
    let exports = open
        .log_lines()
        .await?
        .into_iter()
        .rev()
        .filter(|l| l.entry.subject == Subject::Report)
        .map(|l| (l.at.strftime("%-d %b %Y, %H:%M UTC").to_string(), l.entry.sha256.unwrap_or_default()))
        .collect();
    Ok(PageData { incidents, exports, preview: None })
}

fn report_form(
    s: &Session,
    config: &WebConfig,
    case: Uuid,
    data: &PageData,
    form: &FormData,
    problems: &Problems,
) -> Markup {
    let chosen: BTreeSet<&str> = form.all("incident").into_iter().collect();
    let some = form.get("choose") == "some";
    html! {
        p { a href={ "/cases/" (case) } { "← Back to the case" } }
        h1 { "Prepare a report" }
        @if let Some(prepared) = &data.preview { (preview(prepared)) }
        p { "Make a report for the police, a lawyer or a court: a PDF, or an evidence bundle that also holds every exhibit exactly as you added it and the proofs that let them check nothing was changed." }
        p { strong { "The report may be shown to the person you are reporting." } " You choose what goes in it. Nothing is sent anywhere: you download it and decide who gets it." }
        (problem_summary(problems))
        form method="post" action={ "/cases/" (case) "/report" } {
            (csrf(s))
            (text_field("subject_name", "Your name as the report should show it", Some("Your working name or your legal name. The police may need your legal name later; you can give it to them yourself."), form.get("subject_name"), problems, Input::Text))
            (text_field("prepared_by", "Prepared by", Some("You, or the support worker helping you."), form.get("prepared_by"), problems, Input::Text))
            (text_field("prepared_for", "Prepared for (optional)", Some("For example: Police Scotland, or the name of your solicitor."), form.get("prepared_for"), problems, Input::Text))
            fieldset {
                legend { "Dates" }
                p.hint { "Leave both empty to include everything. Incidents without a date are left out when you choose dates." }
                (text_field("from", "From", None, form.get("from"), problems, Input::Date))
                (text_field("to", "To", None, form.get("to"), problems, Input::Date))
            }
            fieldset id="f-choose" {
                legend { "Incidents" }
                @if let Some(p) = problems.for_field("choose") { p.problem { (p) } }
                div.choices {
                    label { input type="radio" name="choose" value="all" checked[!some]; "All incidents in those dates" }
                    label { input type="radio" name="choose" value="some" checked[some]; "Only the ones I tick below" }
                }
                div.choices {
                    @for (id, incident) in &data.incidents {
                        @let key = id.to_string();
                        label {
                            input type="checkbox" name="incident" value=(key) checked[!some || chosen.contains(key.as_str())];
                            (when_short(&incident.occurred)) ": " (incident.headline())
                        }
                    }
                }
            }
            fieldset {
                legend { "Leave out" }
                p.hint { "Ticked fields are left out of the report. The report says which kinds of detail were left out, not what they were. Files you attached (screenshots, exports) go into the evidence bundle exactly as they are: to keep a file out, leave its incident out." }
                div.choices {
                    @for r in Redact::ALL {
                        label { input type="checkbox" name="redact" value=(r.key()) checked[form.has("redact", r.key())]; (r.label()) }
                    }
                }
            }
            fieldset {
                legend { "Where photos were taken" }
                p.hint { "Photos you imported may hold the place they were taken. It is left out unless you tick this: a place can show where you live or work." }
                div.choices {
                    label { input type="checkbox" name="photo_locations" value="yes" checked[form.has("photo_locations", "yes")]; "Put where photos were taken in the report" }
                }
            }
            fieldset {
                legend { "Protect the evidence bundle" }
                p.hint { "If you will send the bundle by email or upload it, lock it. Give the passphrase to the officer another way, for example by phone. The PDF on its own is never locked." }
                div.choices {
                    label { input type="radio" name="protect" value="none" checked[!matches!(form.get("protect"), "passphrase" | "recipient")]; "Do not lock it" }
                    label { input type="radio" name="protect" value="passphrase" checked[form.get("protect") == "passphrase"]; "Lock it with a passphrase" }
                    label { input type="radio" name="protect" value="recipient" checked[form.get("protect") == "recipient"]; "Lock it for an officer's age key" }
                }
                (text_field("passphrase", "Passphrase", Some("At least 12 characters, for example four unrelated words."), "", problems, Input::NewPassword))
                (text_field("recipient", "Officer's age key", Some("Starts with age1. The officer can tell you theirs."), form.get("recipient"), problems, Input::Text))
            }
            div.actions {
                button.secondary type="submit" name="format" value="preview" { "Preview" }
                button type="submit" name="format" value="pdf" { "Download the report (PDF)" }
                button.secondary type="submit" name="format" value="bundle" { "Download the evidence bundle (zip)" }
            }
        }
        @if !data.exports.is_empty() {
            h2 { "Reports made from this case" }
            p { "Each one is recorded in the case log with its SHA-256 (for a bundle, of its manifest)." }
            table {
                thead { tr { th scope="col" { "When" } th scope="col" { "SHA-256" } } }
                tbody { @for (at, sha) in &data.exports { tr { td { (at) } td.verbatim { (sha) } } } }
            }
        }
        (super::course::block(case, &CourseOfConduct::of_case(data.incidents.iter().map(|(id, i)| (*id, i))), config))
    }
}

fn when_short(when: &When) -> String {
    match when {
        When::Exact { at } => at.strftime("%-d %b %Y").to_string(),
        other => other.display(),
    }
}

pub(crate) async fn show(axum::extract::State(state): State, Viewer(s): Viewer, Path(case): Path<Uuid>) -> Response {
    let result = async {
        let open = state.lodge.open_case(&s, CaseId(case)).await?;
        page_data(&open).await
    }
    .await;
    match result {
        Ok(data) => page(
            Some(&s),
            &state.config,
            "Prepare a report",
            report_form(&s, &state.config, case, &data, &first_visit(&s), &Problems::default()),
        )
        .into_response(),
        Err(e) => error_page(Some(&s), &state.config, e),
    }
}

pub(crate) async fn make(
    axum::extract::State(state): State,
    Viewer(s): Viewer,
    Path(case): Path<Uuid>,
    Form(form): Form<FormData>,
) -> Response {
    if !s.form_token_matches(form.get("csrf")) {
        return stale_form(&s, &state.config);
    }
    let open = match state.lodge.open_case(&s, CaseId(case)).await {
        Ok(o) => o,
        Err(e) => return error_page(Some(&s), &state.config, e),
    };
    if form.get("format") == "preview" {
        return show_preview(&state, &s, case, open, &form).await;
    }
    let format = if form.get("format") == "bundle" { Format::Bundle } else { Format::Pdf };
    let mut seal_problems = Problems::default();
    let seal = if format == Format::Bundle { seal_from_form(&form, &mut seal_problems) } else { None };
    let problems = match options_from_form(&form) {
        Ok(_) if !seal_problems.is_empty() => seal_problems,
        Ok(options) => match download(open, &options, format, seal).await {
            Ok(response) => return response,
            Err(ServiceError::Invalid(p)) => p,
            Err(e) => return error_page(Some(&s), &state.config, e),
        },
        Err(p) => p,
    };
    // Show the form again with her choices and what to fix.
    let data = match state.lodge.open_case(&s, CaseId(case)).await {
        Ok(open) => page_data(&open).await,
        Err(e) => Err(e),
    };
    match data {
        Ok(data) => (
            StatusCode::BAD_REQUEST,
            page(
                Some(&s),
                &state.config,
                "Prepare a report",
                report_form(&s, &state.config, case, &data, &form, &problems),
            ),
        )
            .into_response(),
        Err(e) => error_page(Some(&s), &state.config, e),
    }
}

/// The form again with her choices, and the preview or what to fix.
async fn show_preview(state: &crate::AppState, s: &Session, case: Uuid, open: OpenCase, form: &FormData) -> Response {
    let prepared = match options_from_form(form) {
        Ok(options) => open.prepare_report(&options).await,
        Err(p) => Err(ServiceError::Invalid(p)),
    };
    let (status, problems, preview) = match prepared {
        Ok(p) => (StatusCode::OK, Problems::default(), Some(p)),
        Err(ServiceError::Invalid(p)) => (StatusCode::BAD_REQUEST, p, None),
        Err(e) => return error_page(Some(s), &state.config, e),
    };
    match page_data(&open).await {
        Ok(data) => {
            let data = PageData { preview, ..data };
            (
                status,
                page(
                    Some(s),
                    &state.config,
                    "Prepare a report",
                    report_form(s, &state.config, case, &data, form, &problems),
                ),
            )
                .into_response()
        }
        Err(e) => error_page(Some(s), &state.config, e),
    }
}
