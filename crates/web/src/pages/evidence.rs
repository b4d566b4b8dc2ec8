//! Evidence pages: adding files to an incident, a file's details (with its SHA-256), the file
//! itself (always as a download, never rendered by the browser: a stalker may have made
//! it), its thumbnail, and deleting it.

use axum::extract::{Multipart, Path};
use axum::response::{IntoResponse, Redirect};
use lodge_domain::{Evidence, EvidenceId, IncidentId};
use lodge_service::{ServiceError, Upload, Version, human_size};
use maud::{Markup, html};
use uuid::Uuid;

use super::FormData;
use super::layout::{csrf, page};
use crate::State;
use crate::extract::{ReadCase, SignedForm, WriteCase};
use crate::failure::{Failure, PageResult, see_other};
use crate::http::multipart::{TextBudget, drain, upload_case};

/// An evidence file as shown on an incident page.
pub(crate) fn evidence_figure(case: Uuid, e: &Version<Evidence>) -> Markup {
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
        // A form with no file changes nothing, but a forged one is still told so.
        if !s.form_token_matches(form.get("csrf")) {
            return Err(ServiceError::Forbidden);
        }
        Ok(())
    }
    .await;
    if result.is_err() {
        drain(&mut multipart).await;
    }
    match result {
        Ok(()) => see_other(&format!("/cases/{case_id}/incidents/{incident}")),
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
    let writable = open.access.can_write();
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
        @if writable && b.incident.is_none() && incidents.iter().any(|i| i.body.is_some()) {
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
            @if writable {
                form method="post" action={ "/cases/" (case) "/evidence/" (evidence) "/delete" } {
                    (csrf(&s))
                    button.secondary type="submit" { "Delete file" }
                }
            }
        }
    };
    Ok(page(Some(&*s), &state.config, "Evidence", body).into_response())
}

pub(crate) async fn content(ReadCase(_, open): ReadCase, Path((_, evidence)): Path<(Uuid, Uuid)>) -> PageResult {
    let (body, stream) = open.evidence_content(EvidenceId(evidence)).await?;
    Ok(crate::http::download::evidence(&body, stream))
}

pub(crate) async fn thumbnail(ReadCase(_, open): ReadCase, Path((_, evidence)): Path<(Uuid, Uuid)>) -> PageResult {
    Ok(crate::http::jpeg(open.thumbnail(EvidenceId(evidence)).await?))
}

pub(crate) async fn attach(
    WriteCase(_, open): WriteCase,
    Path((case, evidence)): Path<(Uuid, Uuid)>,
    SignedForm(form): SignedForm,
) -> PageResult {
    let incident: Uuid = form.get("incident").parse().map_err(|_| ServiceError::NotFound)?;
    open.attach_evidence(EvidenceId(evidence), IncidentId(incident)).await?;
    see_other(&format!("/cases/{case}/incidents/{incident}"))
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
