//! Her inbox: the links she gives people she trusts to report on her behalf, what they send
//! (which she accepts or declines), and the page the link opens for them, which shows
//! nothing of her case.

use axum::extract::{Multipart, Path};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use lodge_domain::{CaseId, Problems, Submission, When};
use lodge_service::{InboxLinkSummary, MAX_SUBMITTED_FILES, OpenCase, ServiceError, Session, Waiting, human_size};
use maud::{Markup, html};
use uuid::Uuid;

use super::layout::{Input, csrf, link_to_pass_on, notice, page, problem_summary, text_field, textarea_field};
use super::{FormData, error_page};
use crate::extract::{OwnCase, SignedForm};
use crate::failure::{PageResult, see_other};
use crate::http::multipart::{TextBudget, drain};
use crate::{AppState, State};

const MINUTE: &str = "%-d %b %Y, %H:%M UTC";

fn waiting_item(s: &Session, case: CaseId, w: &Waiting) -> Markup {
    let sub = &w.submission;
    html! {
        article.card {
            p.hint { "From " strong { (sub.from) } " (link for " (w.link) "), " (w.received_at.strftime(MINUTE)) }
            dl.details {
                dt { "When" } dd { (sub.occurred.display()) }
                @if !sub.platform.is_empty() { dt { "App, site or channel" } dd { (sub.platform) } }
                @if !sub.url.is_empty() { dt { "Web address" } dd { (sub.url) } }
                dt { "What happened" } dd { (sub.description) }
                @if !sub.verbatim.is_empty() { dt { "Exact words" } dd.verbatim { (sub.verbatim) } }
                @if !sub.files.is_empty() {
                    dt { "Files" }
                    dd {
                        ul.plain {
                            @for (n, f) in sub.files.iter().enumerate() {
                                li {
                                    a href={ "/cases/" (case) "/inbox/" (w.id) "/files/" (n) } { (f.file_name) }
                                    " · " (human_size(f.size)) br; span.hash { "SHA-256 " (f.sha256) }
                                }
                            }
                        }
                    }
                }
            }
            div.actions {
                form.inline method="post" action={ "/cases/" (case) "/inbox/" (w.id) "/accept" } {
                    (csrf(s))
                    button type="submit" { "Accept: add it to my timeline" }
                }
                form.inline method="post" action={ "/cases/" (case) "/inbox/" (w.id) "/decline" } {
                    (csrf(s))
                    button.secondary type="submit" { "Decline and delete" }
                }
            }
        }
    }
}

fn inbox_body(
    s: &Session,
    open: &OpenCase,
    waiting: &[Waiting],
    links: &[InboxLinkSummary],
    label: &str,
    problems: &Problems,
) -> Markup {
    let case = open.id;
    html! {
        p { a href={ "/cases/" (case) } { "← " (open.title) } }
        h1 { "Inbox" }
        p { "Someone you trust can report what they saw on your behalf, through a link you give them. They cannot see anything in your case, not even what they sent. Nothing they send is in your case until you accept it; an accepted report keeps who sent it." }
        h2 { "Waiting for you" }
        @if waiting.is_empty() { p { "Nothing is waiting." } }
        @for w in waiting { (waiting_item(s, case, w)) }
        h2 { "Links you gave" }
        @if !links.is_empty() {
            ul.plain {
                @for l in links {
                    li {
                        strong { (l.label) } br;
                        span.hint { "Made " (l.created_at.strftime("%-d %b %Y")) ". " @if !l.live { "Withdrawn." } }
                        @if l.live {
                            form.inline method="post" action={ "/cases/" (case) "/inbox/links/" (l.id) "/revoke" } {
                                (csrf(s))
                                button.secondary type="submit" { "Withdraw this link" }
                            }
                        }
                    }
                }
            }
        }
        (problem_summary(problems))
        form method="post" action={ "/cases/" (case) "/inbox/links" } {
            (csrf(s))
            (text_field("inbox_label", "Who the link is for", Some("Their first name is enough. Only you see it."), label, problems, Input::Text))
            div.actions { button type="submit" { "Make a link" } }
        }
    }
}

async fn inbox_page(state: &AppState, s: &Session, open: &OpenCase, label: &str, problems: &Problems) -> PageResult {
    let waiting = open.inbox().await?;
    let links = open.inbox_links().await?;
    let status = super::layout::form_status(problems);
    let body = inbox_body(s, open, &waiting, &links, label, problems);
    Ok((status, page(Some(s), &state.config, "Inbox", body)).into_response())
}

pub(crate) async fn show(axum::extract::State(state): State, OwnCase(s, open): OwnCase) -> PageResult {
    inbox_page(&state, &s, &open, "", &Problems::default()).await
}

pub(crate) async fn create_link(
    axum::extract::State(state): State,
    OwnCase(s, open): OwnCase,
    SignedForm(form): SignedForm,
) -> PageResult {
    let case = open.id.0;
    match open.create_inbox_link(form.get("inbox_label")).await {
        Ok((_, token)) => {
            let link = format!("{}/inbox/{}", state.config.public_url.trim_end_matches('/'), token.to_text());
            let body = html! {
                h1 { "Inbox link made" }
                (notice("ok", "Copy this link now and send it to them privately. Lodge keeps no copy of it."))
                (link_to_pass_on(&link))
                p { "With it they can send you reports and files, and nothing else: they cannot see your case. Withdraw it whenever you like." }
                p { a.button href={ "/cases/" (case) "/inbox" } { "Back to the inbox" } }
            };
            Ok(page(Some(&*s), &state.config, "Inbox link made", body).into_response())
        }
        Err(ServiceError::Invalid(p)) => inbox_page(&state, &s, &open, form.get("inbox_label"), &p).await,
        Err(e) => Err(e.into()),
    }
}

pub(crate) async fn revoke_link(
    OwnCase(_, open): OwnCase,
    Path((case, link)): Path<(Uuid, Uuid)>,
    SignedForm(_): SignedForm,
) -> PageResult {
    open.revoke_inbox_link(link).await?;
    see_other(&format!("/cases/{case}/inbox"))
}

pub(crate) async fn accept(
    OwnCase(_, open): OwnCase,
    Path((case, submission)): Path<(Uuid, Uuid)>,
    SignedForm(_): SignedForm,
) -> PageResult {
    let incident = open.accept_submission(submission).await?;
    see_other(&format!("/cases/{case}/incidents/{incident}"))
}

pub(crate) async fn decline(
    OwnCase(_, open): OwnCase,
    Path((case, submission)): Path<(Uuid, Uuid)>,
    SignedForm(_): SignedForm,
) -> PageResult {
    open.decline_submission(submission).await?;
    see_other(&format!("/cases/{case}/inbox"))
}

pub(crate) async fn file(OwnCase(_, open): OwnCase, Path((_, submission, n)): Path<(Uuid, Uuid, usize)>) -> PageResult {
    let (file, stream) = open.submitted_file(submission, n).await?;
    let content_type = "application/octet-stream";
    Ok(crate::http::download::attachment(
        axum::body::Body::from_stream(stream),
        content_type,
        &crate::http::download::ascii_name(&file.file_name),
    ))
}

fn report_form(token: &str, form: &FormData, problems: &Problems) -> Markup {
    html! {
        h1 { "Report on someone's behalf" }
        p { "Someone you know asked you to send what you saw. Only they will read it. You cannot see their records, and you will not be able to see this report once it is sent." }
        (problem_summary(problems))
        form method="post" action={ "/inbox/" (token) } enctype="multipart/form-data" {
            (text_field("from", "Your name", Some("So she knows who sent it."), form.get("from"), problems, Input::Text))
            (text_field("when", "When it happened", Some("In your words, for example \"Saturday evening\"."), form.get("when"), problems, Input::Text))
            (text_field("date", "Date (optional)", None, form.get("date"), problems, Input::Date))
            (text_field("platform", "App, site or channel (optional)", None, form.get("platform"), problems, Input::Text))
            (text_field("url", "Web address (optional)", None, form.get("url"), problems, Input::Url))
            (textarea_field("description", "What happened", None, form.get("description"), problems))
            (textarea_field("verbatim", "Exact words (optional)", Some("Copy messages or posts exactly as they were."), form.get("verbatim"), problems))
            div.field {
                label for="files" { "Screenshots or other files (optional)" }
                span.hint { "Up to " (MAX_SUBMITTED_FILES) " files. If something needs fixing above, you will be asked to attach them again." }
                input #files type="file" name="files" multiple;
            }
            div.actions { button type="submit" { "Send to her" } }
        }
    }
}

pub(crate) async fn report_page(axum::extract::State(state): State, Path(token): Path<String>) -> Response {
    match state.lodge.open_inbox(&token).await {
        Ok(_) => page(None, &state.config, "Report", report_form(&token, &FormData::default(), &Problems::default()))
            .into_response(),
        Err(e) => error_page(None, &state.config, e),
    }
}

/// What they wrote, as a submission; problems name the fields.
fn submission_from(form: &FormData) -> Result<Submission, Problems> {
    let mut problems = Problems::default();
    let occurred =
        When::approximate_from_parts(form.get("when"), form.get("date")).map_err(|m| problems.add("when", m)).ok();
    let submission = Submission {
        from: form.get("from").trim().to_owned(),
        occurred: occurred.unwrap_or(When::Approximate { description: String::new(), around: None }),
        platform: form.get("platform").trim().to_owned(),
        url: form.get("url").trim().to_owned(),
        description: form.get("description").to_owned(),
        verbatim: form.get("verbatim").to_owned(),
        files: Vec::new(),
    };
    problems.extend(submission.check());
    if problems.is_empty() { Ok(submission) } else { Err(problems) }
}

pub(crate) async fn report(
    axum::extract::State(state): State,
    Path(token): Path<String>,
    mut multipart: Multipart,
) -> Response {
    let mut drop = match state.lodge.open_inbox(&token).await {
        Ok(d) => d,
        Err(e) => {
            drain(&mut multipart).await;
            return error_page(None, &state.config, e);
        }
    };
    let mut form = FormData::default();
    let mut texts = TextBudget::new();
    let mut checked: Option<Submission> = None;
    let outcome = async {
        while let Some(field) = multipart.next_field().await.map_err(|_| {
            ServiceError::invalid("files", "The form did not arrive whole. Check your connection and send it again.")
        })? {
            let name = field.name().unwrap_or("").to_owned();
            match field.file_name().map(str::to_owned) {
                None => form.push(&name, texts.read(field).await?),
                Some(file_name) if file_name.is_empty() => {}
                Some(file_name) => {
                    // What they wrote comes first in the form: check it before taking files.
                    if checked.is_none() {
                        checked = Some(submission_from(&form).map_err(ServiceError::Invalid)?);
                    }
                    let content_type = field.content_type().unwrap_or("application/octet-stream").to_owned();
                    drop.add_file(&file_name, &content_type, field).await?;
                }
            }
        }
        let submission = match checked.take() {
            Some(s) => s,
            None => submission_from(&form).map_err(ServiceError::Invalid)?,
        };
        Ok::<_, ServiceError>(submission)
    };
    let result = match outcome.await {
        Ok(submission) => drop.send(submission).await,
        Err(e) => {
            drop.discard().await;
            drain(&mut multipart).await;
            Err(e)
        }
    };
    match result {
        Ok(()) => {
            let body = html! {
                h1 { "Sent" }
                (notice("ok", "Your report is waiting for her. Thank you for helping."))
                p { "You can close this page. To send another, open the link again." }
            };
            page(None, &state.config, "Sent", body).into_response()
        }
        Err(ServiceError::Invalid(p)) => {
            (StatusCode::BAD_REQUEST, page(None, &state.config, "Report", report_form(&token, &form, &p)))
                .into_response()
        }
        Err(e) => error_page(None, &state.config, e),
    }
}
