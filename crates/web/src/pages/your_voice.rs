//! Your Voice: the organisation's public, anonymous feedback form, and the staff pages that
//! read the responses and export them as CSV. The form needs no account, sets no cookie and
//! keeps no address.

use axum::Form;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use lodge_domain::{Feedback, MAX_FEEDBACK, Problems};
use lodge_service::{FeedbackEntry, ServiceError};
use maud::{Markup, html};

use super::layout::{Input, notice, page, problem_summary, text_field, textarea_field};
use super::{FormData, error_page};
use crate::State;
use crate::extract::Viewer;
use crate::failure::PageResult;

fn form_body(organisation: &str, form: &FormData, problems: &Problems) -> Markup {
    html! {
        h1 { "Your Voice" }
        p { "Tell " (organisation) " what helped, what did not, and what we should change. You do not need an account. We do not keep your name, your address on the internet or the time you wrote, and this page sets no cookie." }
        (problem_summary(problems))
        form method="post" action="/your-voice" {
            (textarea_field("message", "What would you like to tell us?", Some(&format!("Up to {MAX_FEEDBACK} characters.")), form.get("message"), problems))
            fieldset.choices {
                legend { "How was our service for you? (optional)" }
                @for (value, label) in [("5", "Very good"), ("4", "Good"), ("3", "All right"), ("2", "Poor"), ("1", "Very poor")] {
                    label { input type="radio" name="rating" value=(value) checked[form.get("rating") == value]; (label) }
                }
            }
            (text_field("contact", "A way to reach you (optional)", Some("Only if you want a reply: an email address or phone number. Leave it empty to stay anonymous."), form.get("contact"), problems, Input::Text))
            div.actions { button type="submit" { "Send" } }
        }
    }
}

pub(crate) async fn show(axum::extract::State(state): State) -> Markup {
    page(
        None,
        &state.config,
        "Your Voice",
        form_body(&state.config.organisation, &FormData::default(), &Problems::default()),
    )
}

pub(crate) async fn submit(
    axum::extract::State(state): State,
    address: crate::auth::ClientAddress,
    Form(form): Form<FormData>,
) -> Response {
    let rating = form.get("rating").parse().ok();
    let feedback =
        Feedback { message: form.get("message").to_owned(), rating, contact: form.get("contact").trim().to_owned() };
    match state.lodge.submit_feedback(&feedback, address.0.as_deref()).await {
        Ok(()) => {
            let body = html! {
                h1 { "Thank you" }
                (notice("ok", "We have your message. Staff read every one."))
                p { a href="/your-voice" { "Write another" } }
            };
            page(None, &state.config, "Your Voice", body).into_response()
        }
        Err(ServiceError::Invalid(p)) => {
            let body = form_body(&state.config.organisation, &form, &p);
            (StatusCode::BAD_REQUEST, page(None, &state.config, "Your Voice", body)).into_response()
        }
        Err(e) => error_page(None, &state.config, e),
    }
}

fn rating_text(rating: Option<u8>) -> &'static str {
    match rating {
        Some(5) => "Very good",
        Some(4) => "Good",
        Some(3) => "All right",
        Some(2) => "Poor",
        Some(1) => "Very poor",
        _ => "",
    }
}

pub(crate) async fn responses(axum::extract::State(state): State, Viewer(s): Viewer) -> PageResult {
    let entries = match state.lodge.feedback(&s).await? {
        Some(e) => e,
        None => {
            let body = html! {
                h1 { "Your Voice responses" }
                p { "Responses are sealed so that only staff accounts can read them, not the server. Your account has not received the key to read them yet: it will as soon as a colleague who already reads Your Voice opens this page. Ask one of them to, then come back." }
            };
            return Ok(page(Some(&*s), &state.config, "Your Voice responses", body).into_response());
        }
    };
    let body = html! {
        h1 { "Your Voice responses" }
        p { "Anonymous feedback sent through " a href="/your-voice" { "the Your Voice form" } ". Only the day each arrived is kept, and only staff accounts can read what was sent." }
        p { a.button.secondary href="/staff/your-voice.csv" { "Download as CSV" } }
        @if entries.is_empty() { p { "No responses yet." } }
        @for e in &entries {
            article.card {
                p.hint { (e.received_on) @if e.feedback.rating.is_some() { " · " (rating_text(e.feedback.rating)) } }
                p.verbatim { (e.feedback.message) }
                @if !e.feedback.contact.is_empty() { p { "Contact: " (e.feedback.contact) } }
            }
        }
    };
    Ok(page(Some(&*s), &state.config, "Your Voice responses", body).into_response())
}

/// A cell that a spreadsheet will show as text, never run as a formula.
fn cell(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{text}") } else { text.to_owned() }
}

fn csv(entries: &[FeedbackEntry]) -> Result<Vec<u8>, csv::Error> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(["received_on", "rating", "message", "contact"])?;
    for e in entries {
        let rating = e.feedback.rating.map(|r| r.to_string()).unwrap_or_default();
        out.write_record([e.received_on.as_str(), &rating, &cell(&e.feedback.message), &cell(&e.feedback.contact)])?;
    }
    out.into_inner().map_err(|e| e.into_error().into())
}

/// Every response as a CSV download.
pub(crate) fn csv_download(entries: &[FeedbackEntry]) -> Result<Response, ServiceError> {
    let bytes = csv(entries).map_err(|e| ServiceError::Internal(e.to_string()))?;
    Ok(crate::http::download::attachment(bytes.into(), "text/csv; charset=utf-8", "your-voice.csv"))
}

pub(crate) async fn export(axum::extract::State(state): State, Viewer(s): Viewer) -> PageResult {
    let entries = state.lodge.feedback(&s).await?.ok_or(ServiceError::Forbidden)?;
    Ok(csv_download(&entries)?)
}
