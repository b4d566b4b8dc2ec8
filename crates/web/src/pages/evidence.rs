//! Evidence pages: adding files to an incident, a file's details (with its SHA-256), the file
//! itself (always as a download, never rendered by the browser: a stalker may have made
//! it), its thumbnail, and deleting it.

use axum::body::Body;
use axum::extract::multipart::Field;
use axum::extract::{Multipart, Path};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use lodge_domain::{Evidence, EvidenceId, IncidentId};
use lodge_service::{Entry, ServiceError, Upload, human_size};
use maud::{Markup, html};
use uuid::Uuid;

use super::FormData;
use super::layout::{csrf, page};
use crate::State;
use crate::extract::{ReadCase, SignedForm, WriteCase};
use crate::failure::{Failure, PageResult};

/// Largest text field accepted in a multipart form.
const TEXT_FIELD_MAX: usize = 1024 * 1024;
/// Most text one multipart form may hold, all its text fields together.
const TEXT_TOTAL_MAX: usize = 2 * 1024 * 1024;
/// Most text fields one multipart form may hold (a real form has a few dozen).
const TEXT_FIELDS_MAX: usize = 300;

/// What text one multipart form may still hold, so that a flood of text fields (sent with
/// nothing but an inbox link) cannot fill the server's memory.
pub(crate) struct TextBudget {
    left: usize,
    fields: usize,
}

impl TextBudget {
    pub(crate) fn new() -> TextBudget {
        TextBudget { left: TEXT_TOTAL_MAX, fields: 0 }
    }

    /// Reads one text field, within what is left.
    pub(crate) async fn read(&mut self, field: Field<'_>) -> Result<String, ServiceError> {
        self.fields += 1;
        if self.fields > TEXT_FIELDS_MAX {
            return Err(too_much_text());
        }
        let text = read_text(field, TEXT_FIELD_MAX.min(self.left)).await?;
        self.left -= text.len();
        Ok(text)
    }
}

fn too_much_text() -> ServiceError {
    ServiceError::invalid("description", "This is too much text to send in one go: split it into several parts.")
}

/// Reads a text field of a multipart form, up to `max` bytes.
async fn read_text(mut field: Field<'_>, max: usize) -> Result<String, ServiceError> {
    let mut bytes = Vec::new();
    loop {
        match field.chunk().await {
            Ok(Some(chunk)) => {
                if bytes.len() + chunk.len() > max {
                    return Err(too_much_text());
                }
                bytes.extend_from_slice(&chunk);
            }
            Ok(None) => break,
            Err(_) => {
                return Err(ServiceError::invalid(
                    "files",
                    "The form did not arrive whole. Check your connection and send it again.",
                ));
            }
        }
    }
    String::from_utf8(bytes)
        .map_err(|_| ServiceError::invalid("description", "Some text could not be read. Try sending it again."))
}

/// How much of a refused upload is still read, so the browser receives the answer instead of
/// a reset connection. Beyond this the connection is closed.
const DRAIN_MAX: u64 = 64 * 1024 * 1024;

/// Reads and discards what is left of a multipart body after an error.
pub(crate) async fn drain(multipart: &mut Multipart) {
    let mut read = 0u64;
    while let Ok(Some(mut field)) = multipart.next_field().await {
        while let Ok(Some(chunk)) = field.chunk().await {
            read += chunk.len() as u64;
            if read > DRAIN_MAX {
                return;
            }
        }
    }
}

/// An evidence file as shown on an incident page.
pub(crate) fn evidence_figure(case: Uuid, e: &Entry<Evidence>) -> Markup {
    let Some(b) = &e.body else { return html! {} };
    html! {
        figure.evidence {
            @if b.thumbnail {
                a href={ "/cases/" (case) "/evidence/" (e.id) } {
                    img src={ "/cases/" (case) "/evidence/" (e.id) "/thumbnail" } alt={ "Preview of " (b.file_name) };
                }
            }
            figcaption {
                a href={ "/cases/" (case) "/evidence/" (e.id) } { (b.file_name) }
                " · " (human_size(b.size))
                br;
                span.hash { "SHA-256 " (b.sha256) }
            }
        }
    }
}

/// The case an upload goes to. When it is refused, the body is read to its end first, so a
/// browser still sending the file sees the answer rather than a broken connection.
pub(crate) async fn upload_case(
    case: Result<WriteCase, Failure>,
    multipart: &mut Multipart,
) -> Result<WriteCase, Failure> {
    if case.is_err() {
        drain(multipart).await;
    }
    case
}

pub(crate) async fn upload(
    case: Result<WriteCase, Failure>,
    Path((case_id, incident)): Path<(Uuid, Uuid)>,
    mut multipart: Multipart,
) -> PageResult {
    let WriteCase(s, open) = upload_case(case, &mut multipart).await?;
    let result = async {
        open.incident(IncidentId(incident)).await?.body.ok_or(ServiceError::NotFound)?;
        let mut form = FormData::default();
        let mut texts = TextBudget::new();
        while let Some(field) = multipart
            .next_field()
            .await
            .map_err(|_| ServiceError::invalid("files", "The upload did not arrive whole. Try again."))?
        {
            match field.file_name().map(str::to_owned) {
                None => {
                    let name = field.name().unwrap_or("").to_owned();
                    form.push(&name, texts.read(field).await?);
                }
                Some(name) if name.is_empty() => {}
                Some(file_name) => {
                    if !s.form_token_matches(form.get("csrf")) {
                        return Err(ServiceError::Forbidden);
                    }
                    let content_type = field.content_type().unwrap_or("").to_owned();
                    open.add_evidence(Upload { file_name, content_type, incident: Some(IncidentId(incident)) }, field)
                        .await?;
                }
            }
        }
        Ok(())
    }
    .await;
    if result.is_err() {
        drain(&mut multipart).await;
    }
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/cases/{case_id}/incidents/{incident}")).into_response()),
        Err(ServiceError::Forbidden) => Err(Failure::StaleForm),
        Err(e) => Err(e.into()),
    }
}

pub(crate) async fn show(
    axum::extract::State(state): State,
    ReadCase(s, open): ReadCase,
    Path((case, evidence)): Path<(Uuid, Uuid)>,
) -> PageResult {
    let entry = open.evidence(EvidenceId(evidence)).await?;
    let incidents = open.timeline(&lodge_service::TimelineFilter::default()).await?;
    let Some(b) = &entry.body else {
        return Ok(page(Some(&*s), &state.config, "Deleted file", html! {
            h1 { "Deleted file" }
            p { "This file was deleted on " (entry.saved_at.strftime("%-d %B %Y at %H:%M UTC")) ". The log keeps this note." }
        })
        .into_response());
    };
    let body = html! {
        @if let Some(i) = b.incident { p { a href={ "/cases/" (case) "/incidents/" (i) } { "← Incident" } } }
        h1 { (b.file_name) }
        (evidence_figure(case, &entry))
        dl.details {
            dt { "Type" } dd { (b.content_type) }
            dt { "Size" } dd { (human_size(b.size)) " (" (b.size) " bytes)" }
            dt { "SHA-256 fingerprint" } dd.hash { (b.sha256) }
            dt { "Received" } dd { (entry.created_at.strftime("%-d %B %Y at %H:%M:%S UTC")) }
        }
        p { "The fingerprint was computed from the exact bytes when the file arrived. Anyone can check a copy against it." }
        @if b.incident.is_none() && incidents.iter().any(|i| i.body.is_some()) {
            form method="post" action={ "/cases/" (case) "/evidence/" (evidence) "/attach" } {
                (csrf(&s))
                div.field {
                    label for="f-incident" { "Attach to an incident" }
                    select #f-incident name="incident" {
                        @for i in &incidents {
                            @if let Some(body) = &i.body {
                                option value=(i.id) { (body.occurred.display()) " — " (body.headline()) }
                            }
                        }
                    }
                }
                button.secondary type="submit" { "Attach" }
            }
        }
        div.actions {
            a.button href={ "/cases/" (case) "/evidence/" (evidence) "/content" } { "Download" }
            form method="post" action={ "/cases/" (case) "/evidence/" (evidence) "/delete" } {
                (csrf(&s))
                button.secondary type="submit" { "Delete file" }
            }
        }
    };
    Ok(page(Some(&*s), &state.config, "Evidence", body).into_response())
}

pub(crate) async fn content(ReadCase(_, open): ReadCase, Path((_, evidence)): Path<(Uuid, Uuid)>) -> PageResult {
    let (body, stream) = open.evidence_content(EvidenceId(evidence)).await?;
    Ok(download(&body, stream))
}

/// Streams a decrypted evidence file as a download.
pub(crate) fn download(body: &Evidence, stream: lodge_service::PlainStream) -> Response {
    let mut response = Body::from_stream(stream).into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/octet-stream"));
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(body.size));
    let ascii: String =
        body.file_name.chars().map(|c| if c.is_ascii_alphanumeric() || ".-_ ".contains(c) { c } else { '_' }).collect();
    let encoded: String = body
        .file_name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b".-_".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") }
        })
        .collect();
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    response
}

pub(crate) async fn thumbnail(ReadCase(_, open): ReadCase, Path((_, evidence)): Path<(Uuid, Uuid)>) -> PageResult {
    let jpeg = open.thumbnail(EvidenceId(evidence)).await?;
    Ok(([(header::CONTENT_TYPE, "image/jpeg")], jpeg).into_response())
}

pub(crate) async fn attach(
    WriteCase(_, open): WriteCase,
    Path((case, evidence)): Path<(Uuid, Uuid)>,
    SignedForm(form): SignedForm,
) -> PageResult {
    let incident: Uuid = form.get("incident").parse().map_err(|_| ServiceError::NotFound)?;
    open.attach_evidence(EvidenceId(evidence), IncidentId(incident)).await?;
    Ok(Redirect::to(&format!("/cases/{case}/incidents/{incident}")).into_response())
}

pub(crate) async fn delete(
    WriteCase(_, open): WriteCase,
    Path((case, evidence)): Path<(Uuid, Uuid)>,
    SignedForm(_): SignedForm,
) -> PageResult {
    let incident = open.evidence(EvidenceId(evidence)).await?.body.and_then(|b| b.incident);
    open.delete_evidence(EvidenceId(evidence)).await?;
    Ok(match incident {
        Some(i) => Redirect::to(&format!("/cases/{case}/incidents/{i}")),
        None => Redirect::to(&format!("/cases/{case}")),
    }
    .into_response())
}
