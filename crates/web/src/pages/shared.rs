//! The pages a police link opens. The link's secret follows a `#`, which a browser never sends:
//! the page's script posts it in a form body (and takes it out of the address bar), and without
//! JavaScript the officer pastes the link into the same form. So the secret is in no address a
//! server or a proxy logs. Each download posts it again, with the passphrase if there is one.

use axum::Form;
use axum::body::Body;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use lodge_domain::Problems;
use lodge_service::{Password, ReportFile, ServiceError, SharedReport};
use maud::{Markup, html};

use super::layout::{Input, page, problem_summary, text_field};
use super::reports::report_summary;
use super::{FormData, error_page};
use crate::http::download::attachment;
use crate::{AppState, State};

const DAY: &str = "%-d %b %Y";
const MINUTE: &str = "%-d %b %Y, %H:%M UTC";
const TITLE: &str = "Shared report";

/// The form that carries the link (and passphrase) on to the next request, hidden.
fn carried(link: &str, passphrase: &str) -> Markup {
    html! {
        input type="hidden" name="link" value=(link);
        @if !passphrase.is_empty() { input type="hidden" name="passphrase" value=(passphrase); }
    }
}

fn paste_form(link: &str, problems: &Problems) -> Markup {
    html! {
        h1 { (TITLE) }
        p { "Someone has shared a report with you through Lodge. To open it, paste the whole link you were sent, including the part after the # sign." }
        (problem_summary(problems))
        form #open-shared method="post" action="/shared" {
            (text_field("link", "The link you were sent", Some("It ends with # and a long code."), link, problems, Input::Secret))
            div.actions { button type="submit" { "Open the report" } }
        }
    }
}

fn passphrase_form(link: &str, problems: &Problems) -> Markup {
    html! {
        h1 { (TITLE) }
        p { "This report is protected by a passphrase. The person who sent you the link will have given it to you separately." }
        (problem_summary(problems))
        form method="post" action="/shared" {
            (carried(link, ""))
            (text_field("passphrase", "Passphrase", None, "", problems, Input::Password))
            div.actions { button type="submit" { "Open the report" } }
        }
    }
}

fn preparing(link: &str, passphrase: &str) -> Markup {
    html! {
        h1 { (TITLE) }
        p { "The report for this link is still being prepared. This can take a few minutes for a large case." }
        form method="post" action="/shared" {
            (carried(link, passphrase))
            div.actions { button type="submit" { "Try again" } }
        }
    }
}

fn report_page(shared: &SharedReport, link: &str, passphrase: &str) -> Markup {
    let content = &shared.content;
    let integrity = &content.document.integrity;
    let download = |what: &str, label: &str| {
        html! {
            form.inline method="post" action={ "/shared/" (what) } {
                (carried(link, passphrase))
                button type="submit" { (label) }
            }
        }
    };
    html! {
        h1 { (TITLE) }
        p {
            "Shared with " (content.details.label) ". This report was prepared on " (content.made_at.strftime(MINUTE))
            " and the link works until " (content.details.expires_at.strftime(DAY))
            ". Each time it is used, the person who shared it can see when."
        }
        div.actions {
            (download("report.pdf", "Download the report (PDF)"))
            (download("bundle.zip", "Download the evidence bundle (zip)"))
        }
        section.preview aria-labelledby="report" {
            h2 #report { "The report" }
            (report_summary(&content.document))
        }
        h2 { "Checking it" }
        p { (integrity.statement) }
        dl.details {
            dt { "Log" } dd.verbatim { (integrity.origin) }
            dt { "Entries" } dd { (integrity.size) }
            dt { "Root" } dd.verbatim { (integrity.root) }
            dt { "Key to check it with" } dd.verbatim { (integrity.verifier_key) }
            @if !integrity.timestamp.is_empty() { dt { "Trusted time" } dd { (integrity.timestamp) } }
        }
        ol { @for step in &integrity.how_to_verify { li { (step) } } }
    }
}

fn shown(status: StatusCode, state: &AppState, body: Markup) -> Response {
    (status, page(None, &state.config, TITLE, body)).into_response()
}

/// What the officer sent: the link, and the passphrase if one was asked for.
fn sent(form: &FormData) -> (&str, &str) {
    (form.get("link").trim(), form.get("passphrase"))
}

/// Opens the link the form carries; on anything but success, the page that says what to do.
async fn opened(state: &AppState, form: &FormData) -> Result<SharedReport, Response> {
    let (link, passphrase) = sent(form);
    if link.is_empty() {
        let mut problems = Problems::default();
        problems.add("link", "Paste the whole link you were sent, including the part after the # sign.");
        return Err(shown(StatusCode::BAD_REQUEST, state, paste_form("", &problems)));
    }
    let given = Some(passphrase).filter(|p| !p.is_empty()).map(|p| Password::new(p.to_owned()));
    match state.lodge.open_share(link, given).await {
        Ok(Some(shared)) => Ok(shared),
        Ok(None) => Err(shown(StatusCode::OK, state, preparing(link, passphrase))),
        // Asked for the first time, the passphrase is a question, not a mistake: no error yet.
        Err(ServiceError::Invalid(_)) if passphrase.is_empty() => {
            Err(shown(StatusCode::OK, state, passphrase_form(link, &Problems::default())))
        }
        Err(ServiceError::Invalid(problems)) => {
            Err(shown(StatusCode::BAD_REQUEST, state, passphrase_form(link, &problems)))
        }
        Err(e) => Err(error_page(None, &state.config, e)),
    }
}

/// The page a police link lands on: the form its script fills from the address, or that the
/// officer pastes the link into.
pub(crate) async fn start(axum::extract::State(state): State) -> Response {
    shown(StatusCode::OK, &state, paste_form("", &Problems::default()))
}

/// A link from before links kept their secret after `#`: it no longer works.
pub(crate) async fn old_link(axum::extract::State(state): State) -> Response {
    error_page(None, &state.config, ServiceError::ShareEnded)
}

/// Opens the report.
pub(crate) async fn open(axum::extract::State(state): State, Form(form): Form<FormData>) -> Response {
    let shared = match opened(&state, &form).await {
        Ok(shared) => shared,
        Err(page) => return page,
    };
    if let Err(e) = shared.record_access("Opened the shared report").await {
        return error_page(None, &state.config, e);
    }
    let (link, passphrase) = sent(&form);
    shown(StatusCode::OK, &state, report_page(&shared, link, passphrase))
}

async fn file(state: &AppState, form: &FormData, file: ReportFile) -> Response {
    let shared = match opened(state, form).await {
        Ok(shared) => shared,
        Err(page) => return page,
    };
    let (what, content_type, name) = match file {
        ReportFile::Pdf => ("Downloaded the report (PDF)", "application/pdf", "report"),
        ReportFile::Bundle => ("Downloaded the evidence bundle", "application/zip", "bundle"),
    };
    let result = async {
        shared.record_access(what).await?;
        shared.file(file).await
    };
    match result.await {
        Ok(stream) => {
            let reference: String = shared.id.to_string().chars().take(8).collect();
            let extension = if file == ReportFile::Pdf { "pdf" } else { "zip" };
            attachment(Body::from_stream(stream), content_type, &format!("lodge-{name}-{reference}.{extension}"))
        }
        Err(e) => error_page(None, &state.config, e),
    }
}

/// Downloads the report's PDF.
pub(crate) async fn pdf(axum::extract::State(state): State, Form(form): Form<FormData>) -> Response {
    file(&state, &form, ReportFile::Pdf).await
}

/// Downloads the evidence bundle.
pub(crate) async fn bundle(axum::extract::State(state): State, Form(form): Form<FormData>) -> Response {
    file(&state, &form, ReportFile::Bundle).await
}
