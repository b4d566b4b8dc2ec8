//! Her content and scans through the API: register images, videos or `lodge hash` output, list
//! and remove them, export her hash list, and scan web addresses for copies.

use axum::Json;
use axum::extract::{Multipart, Path, Query};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use lodge_domain::{Content, ContentId, MadeBy};
use lodge_service::{Closeness, ContentDetails, ContentSource, ServiceError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{ApiError, ErrorBody, Versioned, open};
use crate::State;
use crate::auth::ApiSession;

/// Largest image or video registered through the API.
const MAX_CONTENT_FILE: usize = 512 * 1024 * 1024;

#[utoipa::path(get, path = "/api/v1/cases/{case}/content", tag = "content", security(("bearer" = [])),
    params(("case" = Uuid, Path)),
    responses((status = 200, body = [Versioned<Content>]), (status = 404, body = ErrorBody)))]
pub(crate) async fn list(
    axum::extract::State(state): State,
    ApiSession(s): ApiSession,
    Path(case): Path<Uuid>,
) -> Result<Json<Vec<Versioned<Content>>>, ApiError> {
    let open = open(&state, &s, case).await?;
    Ok(Json(open.contents().await?.into_iter().map(Into::into).collect()))
}

fn made_by(text: &str) -> Result<MadeBy, ServiceError> {
    match text.trim() {
        "" | "her" => Ok(MadeBy::Her),
        "studio" => Ok(MadeBy::Studio),
        "someone_else" => Ok(MadeBy::SomeoneElse),
        _ => Err(ServiceError::invalid("made_by", "Use her, studio or someone_else.")),
    }
}

#[utoipa::path(post, path = "/api/v1/cases/{case}/content", tag = "content", security(("bearer" = [])),
    params(("case" = Uuid, Path)),
    request_body(content_type = "multipart/form-data", description = "Text parts `label`, `made_by` (her, studio, someone_else) and `first_published`, then the image or video in a part named `file`, or `lodge hash` output in a part named `hashes`."),
    responses((status = 201, body = [Uuid]), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn add(
    axum::extract::State(state): State,
    ApiSession(s): ApiSession,
    Path(case): Path<Uuid>,
    mut multipart: Multipart,
) -> Result<(StatusCode, Json<Vec<Uuid>>), ApiError> {
    let open = open(&state, &s, case).await?;
    let broken = || ServiceError::invalid("file", "The upload did not arrive whole. Send it again.");
    let mut details = ContentDetails { label: String::new(), made_by: MadeBy::Her, first_published: String::new() };
    let mut source = None;
    while let Some(mut field) = multipart.next_field().await.map_err(|_| broken())? {
        let name = field.name().unwrap_or("").to_owned();
        let video = field.content_type().is_some_and(|t| t.starts_with("video/"))
            || field.file_name().is_some_and(|n| {
                let n = n.to_ascii_lowercase();
                [".mp4", ".mov", ".webm", ".mkv", ".m4v", ".avi"].iter().any(|e| n.ends_with(e))
            });
        let mut bytes = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(|_| broken())? {
            if bytes.len() + chunk.len() > MAX_CONTENT_FILE {
                return Err(ServiceError::TooLarge { limit: MAX_CONTENT_FILE as u64 }.into());
            }
            bytes.extend_from_slice(&chunk);
        }
        let text = || String::from_utf8(bytes.clone()).map_err(|_| ServiceError::invalid(&name, "Send this as text."));
        match name.as_str() {
            "label" => details.label = text()?,
            "made_by" => details.made_by = made_by(&text()?)?,
            "first_published" => details.first_published = text()?,
            "hashes" => source = Some(ContentSource::Hashes(text()?)),
            "file" if video => source = Some(ContentSource::Video(bytes)),
            "file" => source = Some(ContentSource::Image(bytes)),
            _ => {}
        }
    }
    let source = source.ok_or_else(|| {
        ServiceError::invalid(
            "file",
            "Send the image or video in a part named \"file\", or hashes in one named \"hashes\".",
        )
    })?;
    let ids = open.add_content(details, source).await?;
    Ok((StatusCode::CREATED, Json(ids.into_iter().map(|id| id.0).collect())))
}

#[utoipa::path(delete, path = "/api/v1/cases/{case}/content/{content}", tag = "content", security(("bearer" = [])),
    params(("case" = Uuid, Path), ("content" = Uuid, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub(crate) async fn delete(
    axum::extract::State(state): State,
    ApiSession(s): ApiSession,
    Path((case, content)): Path<(Uuid, Uuid)>,
) -> Result<StatusCode, ApiError> {
    open(&state, &s, case).await?.delete_content(ContentId(content)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Which hash-list format.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub(crate) struct ListFormat {
    /// `csv` (the default) or `json`.
    #[serde(default)]
    format: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/cases/{case}/content/hash-list", tag = "content", security(("bearer" = [])),
    params(("case" = Uuid, Path), ListFormat),
    responses((status = 200, description = "PDQ with quality (below 50 left out), MD5 and vPDQ lines", content(("text/csv"), ("application/json"))),
        (status = 404, body = ErrorBody)))]
pub(crate) async fn hash_list(
    axum::extract::State(state): State,
    ApiSession(s): ApiSession,
    Path(case): Path<Uuid>,
    Query(format): Query<ListFormat>,
) -> Result<Response, ApiError> {
    let items = open(&state, &s, case).await?.hash_list().await?;
    Ok(match format.format.as_deref() {
        Some("json") => Json(lodge_service::hash_list_json(&items)).into_response(),
        None | Some("csv") => {
            ([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], lodge_service::hash_list_csv(&items)).into_response()
        }
        Some(_) => return Err(ServiceError::invalid("format", "Use csv or json.").into()),
    })
}

/// Addresses to scan.
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct ScanRequest {
    /// Pages, images or videos to look at (at most 100).
    addresses: Vec<String>,
}

/// A copy found.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct FindingBody {
    page: String,
    media: String,
    sha256: String,
    /// When it was fetched (RFC 3339).
    captured: String,
    /// Her content it copies.
    content: Uuid,
    /// PDQ distance, for an image.
    distance: Option<u32>,
    /// Share of frames matched, in percent, for a video.
    frames_matched: Option<f64>,
}

/// What a scan found.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ScanBody {
    findings: Vec<FindingBody>,
    pages: usize,
    images: usize,
    videos: usize,
    /// Addresses not read, and why.
    skipped: Vec<(String, String)>,
}

#[utoipa::path(post, path = "/api/v1/cases/{case}/scans", tag = "content", security(("bearer" = [])),
    params(("case" = Uuid, Path)), request_body = ScanRequest,
    responses((status = 200, body = ScanBody), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn scan(
    axum::extract::State(state): State,
    ApiSession(s): ApiSession,
    Path(case): Path<Uuid>,
    Json(request): Json<ScanRequest>,
) -> Result<Json<ScanBody>, ApiError> {
    let report = open(&state, &s, case).await?.scan(&request.addresses).await?;
    Ok(Json(ScanBody {
        findings: report
            .findings
            .into_iter()
            .map(|f| FindingBody {
                page: f.page,
                media: f.media,
                sha256: f.sha256,
                captured: f.captured.to_string(),
                content: f.content.id.parse().unwrap_or_default(),
                distance: match f.closeness {
                    Closeness::Distance(d) => Some(d),
                    Closeness::FramesMatched(_) => None,
                },
                frames_matched: match f.closeness {
                    Closeness::FramesMatched(p) => Some(p),
                    Closeness::Distance(_) => None,
                },
            })
            .collect(),
        pages: report.pages,
        images: report.images,
        videos: report.videos,
        skipped: report.skipped,
    }))
}
