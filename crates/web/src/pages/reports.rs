//! "Prepare a report": she chooses the dates, the incidents, the name shown and what to leave
//! out, previews it, then has the police report (PDF) or the evidence bundle (zip) made in the
//! background; the page shows how far it has got (reloading itself while it works) and offers
//! each file made for download until she deletes it. The page also shows her log's course of
//! conduct and lists the reports already made from the case.

use std::collections::BTreeSet;

use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use lodge_domain::{CourseOfConduct, Incident, IncidentId, JobId, Problems, When};
use lodge_service::case_log::Subject;
use lodge_service::{
    JobState, OpenCase, PreparedFile, PreparedReport, Redact, ReportDocument, ReportFile, ReportOptions, Seal,
    SecretString, ServiceError, Session, TimelineFilter, human_size,
};
use maud::{Markup, html};
use uuid::Uuid;

use super::form::FormData;
use super::layout::{Input, csrf, page, problem_summary, refreshing_page, text_field};
use crate::extract::{ReadCase, SignedForm};
use crate::failure::{PageResult, see_other};
use crate::{State, WebConfig};

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
        let parsed = lodge_domain::day_from_form(text);
        if parsed.is_none() {
            problems.add(field, lodge_domain::DATE_PROBLEM_OPTIONAL);
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
        wishes: super::report_wishes::from_form(form),
        risk: super::report_wishes::risk_from_form(form),
    };
    if problems.is_empty() { Ok(options) } else { Err(problems) }
}

fn first_visit(s: &Session, config: &WebConfig) -> FormData {
    let mut form = super::report_wishes::first_visit(s, config);
    form.set("choose", "all");
    form
}

struct PageData {
    incidents: Vec<(IncidentId, Incident)>,
    exports: Vec<(String, String)>,
    preview: Option<PreparedReport>,
    /// Files being made, and made.
    files: Vec<PreparedFile>,
    /// Numbers and handles in her incidents that are on no person's list.
    unlisted: Vec<String>,
}

/// The files made (and being made) from the case, newest first.
const FILES_SHOWN: usize = 10;

fn file_label(file: &PreparedFile) -> &'static str {
    match (file.payload.file, file.payload.locked) {
        (ReportFile::Pdf, _) => "Report (PDF)",
        (ReportFile::Bundle, false) => "Evidence bundle (zip)",
        (ReportFile::Bundle, true) => "Evidence bundle (zip, locked)",
    }
}

fn made_file(s: &Session, case: Uuid, file: &PreparedFile) -> Markup {
    let w = &file.payload;
    html! {
        li {
            strong { (file_label(file)) }
            @if !w.options.prepared_for.trim().is_empty() { " for " (w.options.prepared_for) }
            " · asked for " (file.created_at.strftime("%-d %b %Y, %H:%M UTC"))
            @match file.state {
                JobState::Queued | JobState::Running => {
                    br;
                    label for={ "file-" (file.id) } {
                        @if file.done == 0 { "Waiting to start" }
                        @else if file.done < 2 { "Writing the report" }
                        @else if w.file == ReportFile::Bundle && file.done < file.total - 1 { "Adding exhibit " (file.done - 1) " of " (w.exhibits) }
                        @else { "Saving" }
                    }
                    progress id={ "file-" (file.id) } max=(file.total) value=(file.done) { (file.done) " of " (file.total) }
                }
                JobState::Done => {
                    " · " (human_size(w.size))
                    br;
                    a.button href={ "/cases/" (case) "/reports/" (file.id) "/download" } download { "Download" }
                    " "
                    span.hint.verbatim { "SHA-256 " (w.sha256) }
                }
                _ => {
                    br;
                    span.problem { "It could not be made. " (file.error) }
                }
            }
            form.inline method="post" action={ "/cases/" (case) "/reports/" (file.id) "/delete" } {
                (csrf(s))
                button.secondary type="submit" {
                    @if file.state.unfinished() { "Stop" } @else { "Delete" }
                }
            }
        }
    }
}

/// What the report will hold, before she downloads it.
pub(crate) fn preview(prepared: &PreparedReport) -> Markup {
    html! {
        section.preview aria-labelledby="preview" {
            h2 id="preview" { "Preview" }
            p.hint { "This is what the report will hold. Change your choices below, then download." }
            (report_summary(&prepared.document))
        }
    }
}

/// What a report holds, as a page shows it: its details, summary, people, chronology and exhibits.
pub(crate) fn report_summary(d: &ReportDocument) -> Markup {
    html! {
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
            table.reflow {
                thead { tr { th scope="col" { "No." } th scope="col" { "When" } th scope="col" { "What" } th scope="col" { "Exhibits" } } }
                tbody {
                    @for row in &d.chronology {
                        tr { td data-label="No." { (row.number) } td data-label="When" { (row.date) br; span.hint { (row.time) } } td data-label="What" { (row.what) } td data-label="Exhibits" { (row.exhibits) } }
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

async fn page_data(open: &OpenCase) -> Result<PageData, ServiceError> {
    let timeline = open.timeline(&TimelineFilter { oldest_first: true, ..TimelineFilter::default() }).await?;
    let incidents: Vec<(IncidentId, Incident)> =
        timeline.into_iter().filter_map(|e| e.body.map(|b| (IncidentId(e.id), b))).collect();
    let unlisted = open.unlisted_identifiers(&incidents).await?;
    let exports = open
        .log_lines()
        .await?
        .into_iter()
        .rev()
        .filter(|l| l.entry.subject == Subject::Report)
        .map(|l| (l.at.strftime("%-d %b %Y, %H:%M UTC").to_string(), l.entry.sha256.unwrap_or_default()))
        .collect();
    let mut files = open.prepared_files().await?;
    files.truncate(FILES_SHOWN);
    Ok(PageData { incidents, exports, preview: None, files, unlisted })
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
        @if !data.files.is_empty() {
            section aria-labelledby="made" {
                h2 #made { "Your files" }
                p.hint { "Lodge makes them in the background: you can leave this page. Each is kept, encrypted, until you delete it." }
                ul.plain #file-list data-progress { @for file in &data.files { (made_file(s, case, file)) } }
            }
        }
        @if !data.unlisted.is_empty() {
            div.notice {
                p { "These are in your incidents but on nobody's list of identifiers, so the report only mentions them: " strong { (data.unlisted.join(", ")) } "." }
                p { a href={ "/cases/" (case) "/people" } { "Add them to the person they belong to" } " and the report lists them with that person." }
            }
        }
        (problem_summary(problems))
        form method="post" action={ "/cases/" (case) "/report" } {
            (csrf(s))
            (text_field("subject_name", "Your name as the report should show it", Some("Your working name or your legal name. The police may need your legal name later; you can give it to them yourself."), form.get("subject_name"), problems, Input::Text))
            (text_field("prepared_by", "Prepared by", Some("The organisation helping you, a support worker, or you."), form.get("prepared_by"), problems, Input::Text))
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
            (super::report_wishes::fields(form, problems))
            (super::report_wishes::risk_fields(form, problems))
            (leave_out(form))
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
                button type="submit" name="format" value="pdf" { "Make the report (PDF)" }
                button.secondary type="submit" name="format" value="bundle" { "Make the evidence bundle (zip)" }
            }
        }
        @if !data.exports.is_empty() {
            h2 { "Reports made from this case" }
            p { "Each one is recorded in the case log with its SHA-256 (for a bundle, of its manifest)." }
            table.reflow {
                thead { tr { th scope="col" { "When" } th scope="col" { "SHA-256" } } }
                tbody { @for (at, sha) in &data.exports { tr { td data-label="When" { (at) } td.verbatim data-label="SHA-256" { (sha) } } } }
            }
        }
        (super::course::block(case, &CourseOfConduct::of_case(data.incidents.iter().map(|(id, i)| (*id, i))), config))
    }
}

/// The fields she may leave out of a report, ticked as she chose.
pub(super) fn leave_out(form: &FormData) -> Markup {
    html! {
        fieldset {
            legend { "Leave out" }
            p.hint { "Ticked fields are left out of the report. The report says which kinds of detail were left out, not what they were. Files you attached (screenshots, exports) go into the evidence bundle exactly as they are: to keep a file out, leave its incident out." }
            div.choices {
                @for r in Redact::ALL {
                    label { input type="checkbox" name="redact" value=(r.key()) checked[form.has("redact", r.key())]; (r.label()) }
                }
            }
        }
    }
}

fn when_short(when: &When) -> String {
    match when {
        When::Exact { at } => at.strftime("%-d %b %Y").to_string(),
        other => other.display(),
    }
}

pub(crate) async fn show(axum::extract::State(state): State, ReadCase(s, open): ReadCase) -> PageResult {
    let data = page_data(&open).await?;
    // While a file is being made, the page reloads itself to show how far it has got.
    let busy = data.files.iter().any(|f| f.state.unfinished());
    let body = report_form(&s, &state.config, open.id.0, &data, &first_visit(&s, &state.config), &Problems::default());
    Ok(refreshing_page(Some(&*s), &state.config, "Prepare a report", body, busy.then_some(3)).into_response())
}

pub(crate) async fn make(
    axum::extract::State(state): State,
    ReadCase(s, open): ReadCase,
    SignedForm(form): SignedForm,
) -> PageResult {
    if form.get("format") == "preview" {
        return show_preview(&state, &s, open, &form).await;
    }
    let case = open.id.0;
    let file = if form.get("format") == "bundle" { ReportFile::Bundle } else { ReportFile::Pdf };
    let mut seal_problems = Problems::default();
    let seal = if file == ReportFile::Bundle { seal_from_form(&form, &mut seal_problems) } else { None };
    let problems = match options_from_form(&form) {
        Ok(_) if !seal_problems.is_empty() => seal_problems,
        Ok(options) => match open.prepare_file(options, file, seal).await {
            Ok(_) => return see_other(&format!("/cases/{case}/report#made")),
            Err(ServiceError::Invalid(p)) => p,
            Err(e) => return Err(e.into()),
        },
        Err(p) => p,
    };
    // Show the form again with her choices and what to fix.
    let data = page_data(&open).await?;
    let body = report_form(&s, &state.config, case, &data, &form, &problems);
    Ok((StatusCode::BAD_REQUEST, page(Some(&*s), &state.config, "Prepare a report", body)).into_response())
}

/// The form again with her choices, and the preview or what to fix.
async fn show_preview(state: &crate::AppState, s: &Session, open: OpenCase, form: &FormData) -> PageResult {
    let prepared = match options_from_form(form) {
        Ok(options) => open.prepare_report(&options).await,
        Err(p) => Err(ServiceError::Invalid(p)),
    };
    let (status, problems, preview) = match prepared {
        Ok(p) => (StatusCode::OK, Problems::default(), Some(p)),
        Err(ServiceError::Invalid(p)) => (StatusCode::BAD_REQUEST, p, None),
        Err(e) => return Err(e.into()),
    };
    let data = PageData { preview, ..page_data(&open).await? };
    let body = report_form(s, &state.config, open.id.0, &data, form, &problems);
    Ok((status, page(Some(s), &state.config, "Prepare a report", body)).into_response())
}

/// A file made from the case, decrypted as it streams.
pub(crate) async fn download_file(ReadCase(_, open): ReadCase, Path((case, file)): Path<(Uuid, Uuid)>) -> PageResult {
    let (made, stream) = open.prepared_file_content(JobId(file)).await?;
    Ok(crate::http::download::prepared_file(case, &made, stream))
}

/// Deletes a file made from the case, or stops one being made.
pub(crate) async fn delete_file(
    ReadCase(_, open): ReadCase,
    Path((case, file)): Path<(Uuid, Uuid)>,
    SignedForm(_): SignedForm,
) -> PageResult {
    open.delete_prepared_file(JobId(file)).await?;
    see_other(&format!("/cases/{case}/report#made"))
}
