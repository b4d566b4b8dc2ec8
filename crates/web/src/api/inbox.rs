//! Her inbox through the API: the links she gives people she trusts (made, listed and
//! withdrawn), what they sent (read, its files downloaded, accepted as an incident or
//! declined). Only the case's owner may use these; what a trusted person sends comes
//! through the page their link opens.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use lodge_domain::{SubmittedFile, When};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::body::{Body, RequestBody};
use super::{ApiError, ErrorBody};
use crate::extract::OwnCase;

/// An inbox link as she sees it in her list (the link itself is shown once, when made).
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct InboxLink {
    id: Uuid,
    /// Who she gave it to.
    label: String,
    #[schema(value_type = String, format = DateTime)]
    created_at: jiff::Timestamp,
    /// Whether it still takes reports.
    live: bool,
}

/// A new inbox link.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewInboxLink {
    /// Who she gives it to, in her words.
    #[schema(min_length = 1, max_length = 200)]
    label: String,
}

impl RequestBody for NewInboxLink {}

/// An inbox link, made: the link is shown this once and Lodge keeps no copy.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct InboxLinkMade {
    id: Uuid,
    /// Send this to them privately.
    #[schema(format = "uri")]
    link: String,
}

/// A file sent with a report.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct SentFile {
    /// Its name as sent.
    file_name: String,
    /// Its media type as sent.
    content_type: String,
    /// Its size in bytes.
    size: u64,
    /// SHA-256 (hex) of its bytes as they arrived.
    #[schema(pattern = "^[0-9a-f]{64}$")]
    sha256: String,
}

impl From<SubmittedFile> for SentFile {
    fn from(f: SubmittedFile) -> Self {
        SentFile { file_name: f.file_name, content_type: f.content_type, size: f.size, sha256: f.sha256 }
    }
}

/// Something reported into her inbox, waiting for her.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Waiting {
    id: Uuid,
    #[schema(value_type = String, format = DateTime)]
    received_at: jiff::Timestamp,
    /// The label of the link it came through.
    link: String,
    /// Who they say they are.
    from: String,
    /// When it happened.
    occurred: When,
    platform: String,
    url: String,
    /// What happened, in their words.
    description: String,
    /// Exact words, copied as they were.
    verbatim: String,
    /// Files they sent; download each by its place in this list.
    files: Vec<SentFile>,
}

impl From<lodge_service::Waiting> for Waiting {
    fn from(w: lodge_service::Waiting) -> Self {
        let s = w.submission;
        Waiting {
            id: w.id,
            received_at: w.received_at,
            link: w.link,
            from: s.from,
            occurred: s.occurred,
            platform: s.platform,
            url: s.url,
            description: s.description,
            verbatim: s.verbatim,
            files: s.files.into_iter().map(Into::into).collect(),
        }
    }
}

/// The incident a report became.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Accepted {
    incident: Uuid,
}

#[utoipa::path(get, path = "/api/v1/cases/{case}/inbox-links", tag = "inbox", security(("bearer" = [])),
    params(("case" = Uuid, Path)),
    responses((status = 200, body = [InboxLink]), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn list_inbox_links(OwnCase(_, open): OwnCase) -> Result<Json<Vec<InboxLink>>, ApiError> {
    let links = open.inbox_links().await?;
    Ok(Json(
        links
            .into_iter()
            .map(|l| InboxLink { id: l.id, label: l.label, created_at: l.created_at, live: l.live })
            .collect(),
    ))
}

#[utoipa::path(post, path = "/api/v1/cases/{case}/inbox-links", tag = "inbox", security(("bearer" = [])),
    params(("case" = Uuid, Path)), request_body = NewInboxLink,
    responses((status = 201, body = InboxLinkMade), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub(crate) async fn create_inbox_link(
    State(state): crate::State,
    OwnCase(_, open): OwnCase,
    Body(new): Body<NewInboxLink>,
) -> Result<(StatusCode, Json<InboxLinkMade>), ApiError> {
    let (id, token) = open.create_inbox_link(&new.label).await?;
    let link = format!("{}/inbox/{}", state.config.public_url.trim_end_matches('/'), token.to_text());
    Ok((StatusCode::CREATED, Json(InboxLinkMade { id, link })))
}

#[utoipa::path(delete, path = "/api/v1/cases/{case}/inbox-links/{link}", tag = "inbox", security(("bearer" = [])),
    params(("case" = Uuid, Path), ("link" = Uuid, Path)),
    responses((status = 204, description = "Withdrawn: it takes no more reports"), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub(crate) async fn withdraw_inbox_link(
    OwnCase(_, open): OwnCase,
    Path((_, link)): Path<(Uuid, Uuid)>,
) -> Result<StatusCode, ApiError> {
    open.revoke_inbox_link(link).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/cases/{case}/inbox", tag = "inbox", security(("bearer" = [])),
    params(("case" = Uuid, Path)),
    responses((status = 200, body = [Waiting]), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn waiting(OwnCase(_, open): OwnCase) -> Result<Json<Vec<Waiting>>, ApiError> {
    Ok(Json(open.inbox().await?.into_iter().map(Into::into).collect()))
}

#[utoipa::path(get, path = "/api/v1/cases/{case}/inbox/{submission}/files/{n}", tag = "inbox", security(("bearer" = [])),
    params(("case" = Uuid, Path), ("submission" = Uuid, Path), ("n" = u32, Path, description = "The file's place in the list, from 0")),
    responses((status = 200, description = "The file as it was sent", content_type = "application/octet-stream"),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn file(
    OwnCase(_, open): OwnCase,
    Path((_, submission, n)): Path<(Uuid, Uuid, u32)>,
) -> Result<Response, ApiError> {
    let n = usize::try_from(n).map_err(|_| lodge_service::ServiceError::NotFound)?;
    let (file, stream) = open.submitted_file(submission, n).await?;
    Ok(crate::http::download::attachment(
        axum::body::Body::from_stream(stream),
        "application/octet-stream",
        &crate::http::download::ascii_name(&file.file_name),
    ))
}

#[utoipa::path(post, path = "/api/v1/cases/{case}/inbox/{submission}/accept", tag = "inbox", security(("bearer" = [])),
    params(("case" = Uuid, Path), ("submission" = Uuid, Path)),
    responses((status = 201, body = Accepted, description = "It is an incident now, noting who reported it"),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn accept(
    OwnCase(_, open): OwnCase,
    Path((_, submission)): Path<(Uuid, Uuid)>,
) -> Result<(StatusCode, Json<Accepted>), ApiError> {
    let incident = open.accept_submission(submission).await?;
    Ok((StatusCode::CREATED, Json(Accepted { incident: incident.0 })))
}

#[utoipa::path(post, path = "/api/v1/cases/{case}/inbox/{submission}/decline", tag = "inbox", security(("bearer" = [])),
    params(("case" = Uuid, Path), ("submission" = Uuid, Path)),
    responses((status = 204, description = "Declined: it and its files are gone"), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub(crate) async fn decline(
    OwnCase(_, open): OwnCase,
    Path((_, submission)): Path<(Uuid, Uuid)>,
) -> Result<StatusCode, ApiError> {
    open.decline_submission(submission).await?;
    Ok(StatusCode::NO_CONTENT)
}
