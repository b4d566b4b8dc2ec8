//! Importing an export from the pages: she chooses the file (and, if she likes, its format and
//! time zone), sees what it holds — who is in it, how many messages, the dates, the
//! conversations, numbers and names that match people already in her case — chooses, and
//! imports. Nothing is saved until she presses Import, and a broken file is saved only if she
//! chooses to keep what could be read.

use axum::extract::{Multipart, Path};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use lodge_domain::{EvidenceId, Problems};
use lodge_service::{
    DateOrder, Grouping, ImportChoices, ImportFormat, ImportOutcome, ImportPreview, OpenCase, ServiceError, Session,
    Staged,
};
use maud::{Markup, html};
use uuid::Uuid;

use super::FormData;
use super::incident_form::time_zones;
use super::layout::{csrf, notice, page, problem_summary};
use crate::extract::{SignedForm, WriteCase};
use crate::failure::{Failure, PageResult, see_other};
use crate::http::multipart::TextBudget;
use crate::http::multipart::drain;
use crate::http::multipart::upload_case;
use crate::{State, WebConfig};

fn format_select(chosen: &str) -> Markup {
    html! {
        div.field {
            label for="f-format" { "What kind of export is it?" }
            span.hint id="f-format-hint" { "Lodge can usually tell by itself." }
            select #f-format name="format" aria-describedby="f-format-hint" {
                option value="auto" selected[chosen.is_empty() || chosen == "auto"] { "Let Lodge tell" }
                @for f in ImportFormat::ALL {
                    option value=(f.code()) selected[chosen == f.code()] { (f.platform()) }
                }
            }
        }
    }
}

fn zone_select(chosen: &str) -> Markup {
    html! {
        div.field {
            label for="f-zone" { "Time zone of the phone or computer it came from" }
            span.hint id="f-zone-hint" { "Some exports write times without a zone; they are read in this one, and your choice is recorded." }
            select #f-zone name="zone" aria-describedby="f-zone-hint" {
                @for name in time_zones() {
                    option value=(name) selected[name == chosen] { (name) }
                }
            }
        }
    }
}

fn upload_form(s: &Session, config: &WebConfig, case: Uuid, problems: &Problems) -> Markup {
    html! {
        h1 { "Import messages" }
        p { "Bring in a chat export, a text-message backup, emails or photos from your phone or accounts. You see what is in it before anything is saved. The file itself is kept, encrypted, as an exhibit." }
        (problem_summary(problems))
        form method="post" action={"/cases/" (case) "/import"} enctype="multipart/form-data" {
            (csrf(s))
            (format_select(""))
            (zone_select(&config.default_time_zone))
            div.field.invalid[problems.for_field("file").is_some()] {
                label for="f-file" { "The export" }
                span.hint id="f-file-hint" { "WhatsApp .txt or .zip, SMS Backup & Restore .xml, Telegram result.json, Instagram or Facebook message_1.json or download .zip, X direct-messages.js, Discord package .zip, .eml or .mbox, or a photo." }
                @if let Some(p) = problems.for_field("file").or(problems.for_field("format")) { p.problem { (p) } }
                input #f-file type="file" name="file" required aria-describedby="f-file-hint";
            }
            button type="submit" { "Read the file" }
        }
    }
}

/// "1 message", "2 messages"; "1 new person", "2 new people".
fn count(n: u64, one: &str) -> String {
    match (n, one.strip_suffix("person")) {
        (1, _) => format!("1 {one}"),
        (_, Some(stem)) => format!("{n} {stem}people"),
        _ => format!("{n} {one}s"),
    }
}

fn when(t: Option<jiff::Timestamp>, zone: &str) -> String {
    let Some(t) = t else { return "no time".into() };
    match jiff::tz::TimeZone::get(zone) {
        Ok(tz) => t.to_zoned(tz).strftime("%-d %B %Y, %H:%M").to_string(),
        Err(_) => t.to_string(),
    }
}

fn preview_page(
    s: &Session,
    case: Uuid,
    p: &ImportPreview,
    zone: &str,
    form: &FormData,
    problems: &Problems,
) -> Markup {
    let first_visit = form.get("action").is_empty();
    html! {
        h1 { "What is in " (p.staged.file_name) }
        (problem_summary(problems))
        p { (p.format.platform()) " export: " strong { (count(p.messages, "message")) } " from " (when(p.first, zone)) " to " (when(p.last, zone)) "." }
        @if p.already > 0 { (notice("info", &format!("{} of them are already in your case and will not be added again.", p.already))) }
        @for note in &p.notes { (notice("info", note)) }
        @if let Some(problem) = &p.problem {
            (notice("warning", &format!("Part of this file cannot be read: {problem}. The counts are of what comes before that point.")))
        }
        form method="post" action={"/cases/" (case) "/import/" (p.staged.id)} {
            (csrf(s))
            input type="hidden" name="file_name" value=(p.staged.file_name);
            input type="hidden" name="format" value=(p.format.code());
            fieldset {
                legend { "Conversations to import" }
                div.choices {
                    @for c in &p.conversations {
                        label {
                            input type="checkbox" name="conversations" value=(c.name)
                                checked[first_visit || form.has("conversations", &c.name)];
                            span { (if c.name.is_empty() { "The chat" } else { c.name.as_str() }) " — " (count(c.messages, "message")) ", " (when(c.first, zone)) " to " (when(c.last, zone)) }
                        }
                    }
                }
            }
            fieldset {
                legend { "People in it" }
                p.hint { "Tick which name is you. Messages from the others are linked to a person in your case: the one shown, or a new one." }
                @for sender in &p.senders {
                    div.sender {
                        p {
                            strong { (sender.name) } @if let Some(h) = &sender.handle { " (" (h) ")" }
                            " · " (count(sender.messages, "message")) " · "
                            @if sender.mine { "you" } @else if let Some((_, label)) = &sender.person { "already in your case as " strong { (label) } } @else { "becomes a new person" }
                        }
                        div.choices {
                            @if !sender.mine {
                                label { input type="checkbox" name="me" value=(sender.name) checked[form.has("me", &sender.name)]; span { "This is me" } }
                            }
                            label { input type="checkbox" name="left_out" value=(sender.name) checked[form.has("left_out", &sender.name)]; span { "Leave out their messages" } }
                        }
                    }
                }
            }
            @if !p.mentions.is_empty() {
                h2 { "Numbers, addresses and names in the messages" }
                ul {
                    @for m in &p.mentions {
                        li { (m.kind) " " (m.value) @if let Some((_, label)) = &m.person { " — already known as " strong { (label) } } }
                    }
                }
            }
            fieldset {
                legend { "Grouping into incidents" }
                div.choices {
                    label { input type="radio" name="grouping" value="day" checked[form.get("grouping") != "burst"]; span { "One incident per conversation per day" } }
                    label { input type="radio" name="grouping" value="burst" checked[form.get("grouping") == "burst"]; span { "A new incident after a quiet gap" } }
                }
                div.field {
                    label for="f-burst_minutes" { "Quiet gap, in minutes" }
                    input #f-burst_minutes type="number" min="1" max="10080" name="burst_minutes"
                        value=(if form.get("burst_minutes").is_empty() { "60" } else { form.get("burst_minutes") });
                }
            }
            @if let Some(u) = &p.undecided {
                fieldset {
                    legend { "Which comes first in its dates: the day or the month?" }
                    p.hint { "The export does not say. Its first message that could be either is dated " strong { (u.written) } ". Which is right?" }
                    div.choices {
                        label { input type="radio" name="date_order" value="day_first" checked[form.get("date_order") != "month_first"]; span { (u.day_first.strftime("%-d %B %Y, %H:%M")) " (day first)" } }
                        label { input type="radio" name="date_order" value="month_first" checked[form.get("date_order") == "month_first"]; span { (u.month_first.strftime("%-d %B %Y, %H:%M")) " (month first, as phones set to US English write it)" } }
                    }
                }
            }
            (zone_select(zone))
            @if p.problem.is_some() {
                div.choices {
                    label { input type="checkbox" name="keep_partial" value="yes" checked[form.has("keep_partial", "yes")]; span { "Keep what could be read (otherwise nothing is saved)" } }
                }
            }
            div.actions {
                button type="submit" name="action" value="import" { "Import" }
                button.secondary type="submit" name="action" value="refresh" { "Show again with these choices" }
                button.secondary type="submit" name="action" value="cancel" { "Cancel and delete the file" }
            }
        }
    }
}

fn done_page(case: Uuid, outcome: &ImportOutcome) -> Markup {
    html! {
        h1 { "Imported" }
        p { (count(outcome.messages, "message")) " became " (count(outcome.incidents, "incident"))
            @if outcome.people_added > 0 { ", and " (count(outcome.people_added, "new person")) " added" } "." }
        @if outcome.duplicates > 0 { p { (outcome.duplicates) " messages were already in your case and were not added again." } }
        @if let Some(problem) = &outcome.problem { (notice("warning", &format!("What comes after this point was not read: {problem}."))) }
        p { "The original file is kept as an exhibit with its SHA-256, so you can delete it from your phone if you want to." }
        p { a href={"/cases/" (case)} { "See your timeline" } " · " a href={"/cases/" (case) "/evidence/" (outcome.exhibit)} { "See the exhibit" } }
    }
}

/// The form to choose an export.
pub(crate) async fn show(axum::extract::State(state): State, WriteCase(s, open): WriteCase) -> Response {
    let form = upload_form(&s, &state.config, open.id.0, &Problems::default());
    page(Some(&*s), &state.config, "Import messages", form).into_response()
}

async fn receive(open: &OpenCase, multipart: &mut Multipart, s: &Session) -> Result<(Staged, FormData), ServiceError> {
    let mut form = FormData::default();
    let mut texts = TextBudget::new();
    let broken =
        || ServiceError::invalid("file", "The file did not arrive whole. Check your connection and try again.");
    while let Some(field) = multipart.next_field().await.map_err(|_| broken())? {
        let name = field.name().unwrap_or("").to_owned();
        if name == "file" {
            if !s.form_token_matches(form.get("csrf")) {
                return Err(ServiceError::Forbidden);
            }
            let file_name = field.file_name().unwrap_or("export").to_owned();
            if file_name.is_empty() {
                return Err(ServiceError::invalid("file", "Choose the file to import."));
            }
            return Ok((open.stage_import(&file_name, field).await?, form));
        }
        form.push(&name, texts.read(field).await?);
    }
    if !s.form_token_matches(form.get("csrf")) {
        return Err(ServiceError::Forbidden);
    }
    Err(ServiceError::invalid("file", "Choose the file to import."))
}

fn format_of(form: &FormData) -> Option<ImportFormat> {
    ImportFormat::from_code(form.get("format"))
}

/// Receives the export and shows what it holds.
pub(crate) async fn upload(
    axum::extract::State(state): State,
    case: Result<WriteCase, Failure>,
    mut multipart: Multipart,
) -> PageResult {
    let WriteCase(s, open) = upload_case(case, &mut multipart).await?;
    let case = open.id.0;
    let (staged, form) = match receive(&open, &mut multipart, &s).await {
        Ok(r) => r,
        Err(ServiceError::Forbidden) => return Err(Failure::StaleForm),
        Err(e) => {
            drain(&mut multipart).await;
            return again(&s, &state.config, case, e);
        }
    };
    let zone =
        if form.get("zone").is_empty() { state.config.default_time_zone.clone() } else { form.get("zone").to_owned() };
    match open.preview_import(&staged, format_of(&form), &zone, None).await {
        Ok(p) => {
            let preview = preview_page(&s, case, &p, &zone, &FormData::default(), &Problems::default());
            Ok(page(Some(&*s), &state.config, "What is in the file", preview).into_response())
        }
        Err(e) => {
            let _ = open.discard_import(&staged).await;
            again(&s, &state.config, case, e)
        }
    }
}

/// The upload form again, saying what to fix.
fn again(s: &Session, config: &WebConfig, case: Uuid, e: ServiceError) -> PageResult {
    match e {
        ServiceError::Invalid(problems) => Ok((
            StatusCode::BAD_REQUEST,
            page(Some(s), config, "Import messages", upload_form(s, config, case, &problems)),
        )
            .into_response()),
        other => Err(other.into()),
    }
}

/// Imports as she chose, shows the preview again, or throws the file away.
pub(crate) async fn choose(
    axum::extract::State(state): State,
    WriteCase(s, open): WriteCase,
    Path((case, import)): Path<(Uuid, Uuid)>,
    SignedForm(form): SignedForm,
) -> PageResult {
    let staged = Staged { id: EvidenceId(import), file_name: form.get("file_name").to_owned() };
    let zone = form.get("zone").to_owned();
    let mut problems = Problems::default();
    match form.get("action") {
        "cancel" => {
            open.discard_import(&staged).await?;
            return see_other(&format!("/cases/{case}"));
        }
        "import" => {
            let grouping = match (form.get("grouping"), form.get("burst_minutes").trim().parse::<u32>()) {
                ("burst", Ok(m)) if (1..=10_080).contains(&m) => Some(Grouping::Burst(m)),
                ("burst", _) => {
                    problems.add("burst_minutes", "Enter the quiet gap as a number of minutes, from 1 to 10080.");
                    None
                }
                _ => Some(Grouping::Day),
            };
            if let Some(grouping) = grouping {
                let choices = ImportChoices {
                    format: format_of(&form),
                    zone: zone.clone(),
                    conversations: form.all("conversations").into_iter().map(str::to_owned).collect(),
                    me: form.all("me").into_iter().map(str::to_owned).collect(),
                    left_out: form.all("left_out").into_iter().map(str::to_owned).collect(),
                    grouping,
                    keep_partial: form.has("keep_partial", "yes"),
                    date_order: date_order_of(&form),
                };
                if choices.conversations.is_empty() {
                    problems.add("conversations", "Choose at least one conversation to import.");
                } else {
                    match open.import(&staged, &choices, None).await {
                        Ok(outcome) => {
                            return Ok(
                                page(Some(&*s), &state.config, "Imported", done_page(case, &outcome)).into_response()
                            );
                        }
                        Err(ServiceError::Invalid(p)) => problems = p,
                        Err(e) => return Err(e.into()),
                    }
                }
            }
        }
        _ => {}
    }
    let p = preview_as_chosen(&open, &staged, &form, &zone).await?;
    let status = super::layout::form_status(&problems);
    let preview = preview_page(&s, case, &p, &zone, &form, &problems);
    Ok((status, page(Some(&*s), &state.config, "What is in the file", preview)).into_response())
}

/// The order of day and month she chose, if she did.
fn date_order_of(form: &FormData) -> Option<DateOrder> {
    match form.get("date_order") {
        "day_first" => Some(DateOrder::DayFirst),
        "month_first" => Some(DateOrder::MonthFirst),
        _ => None,
    }
}

/// The preview as she chose to read it, still asking which way round its dates go when the
/// export does not say (her answer so far is ticked).
async fn preview_as_chosen(
    open: &OpenCase,
    staged: &Staged,
    form: &FormData,
    zone: &str,
) -> Result<ImportPreview, ServiceError> {
    let p = open.preview_import(staged, format_of(form), zone, None).await?;
    match (date_order_of(form), p.undecided.clone()) {
        (Some(DateOrder::MonthFirst), Some(undecided)) => {
            let chosen = open.preview_import(staged, format_of(form), zone, Some(DateOrder::MonthFirst)).await?;
            Ok(ImportPreview { undecided: Some(undecided), ..chosen })
        }
        _ => Ok(p),
    }
}
