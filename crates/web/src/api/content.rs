//! Her content and scans through the API: register images, videos (fingerprinted in the
//! background) or `lodge hash` output, list and remove them, export her hash list, list her
//! own accounts, scan web addresses for copies in the background, and review the copies found.

use axum::Json;
use axum::extract::{Multipart, Path, Query};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use lodge_domain::{AccountId, Content, ContentId, CopyId, FoundCopy, JobId, MadeBy, OwnAccount};
use lodge_service::{
    Closeness, ContentDetails, ContentSource, Fingerprinting, JobState, Registered, Scan, ServiceError,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{ApiError, ErrorBody, Versioned};
use crate::extract::{ReadCase, WriteCase};

/// Largest image or video registered through the API.
const MAX_CONTENT_FILE: usize = 512 * 1024 * 1024;

#[utoipa::path(get, path = "/api/v1/cases/{case}/content", tag = "content", security(("bearer" = [])),
    params(("case" = Uuid, Path)),
    responses((status = 200, body = [Versioned<Content>]), (status = 404, body = ErrorBody)))]
pub(crate) async fn list_content(ReadCase(_, open): ReadCase) -> Result<Json<Vec<Versioned<Content>>>, ApiError> {
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

/// A video being fingerprinted in the background: it survives a restart, and when it is done
/// the video is registered as `content` (and the video itself deleted).
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct FingerprintingBody {
    id: Uuid,
    state: super::JobStatus,
    /// Per cent of the video fingerprinted.
    done: i64,
    /// 100.
    total: i64,
    /// Her name for it.
    label: String,
    /// The piece of content it became, once done.
    content: Option<Uuid>,
    /// Why it failed, if it did.
    error: String,
    #[schema(value_type = String, format = DateTime)]
    created_at: jiff::Timestamp,
    #[schema(value_type = String, format = DateTime)]
    updated_at: jiff::Timestamp,
}

impl From<Fingerprinting> for FingerprintingBody {
    fn from(j: Fingerprinting) -> Self {
        FingerprintingBody {
            id: j.id.0,
            content: (j.state == JobState::Done).then_some(j.id.0),
            state: j.state.into(),
            done: j.done,
            total: j.total,
            label: j.payload.label,
            error: j.error,
            created_at: j.created_at,
            updated_at: j.updated_at,
        }
    }
}

#[utoipa::path(post, path = "/api/v1/cases/{case}/content", tag = "content", security(("bearer" = [])),
    params(("case" = Uuid, Path)),
    request_body(content = super::uploads::ContentUpload, content_type = "multipart/form-data"),
    responses((status = 201, body = [Uuid], description = "Registered: the id of each piece"),
        (status = 202, body = FingerprintingBody, description = "A video: fingerprinted in the background"),
        (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn add_content(WriteCase(_, open): WriteCase, mut multipart: Multipart) -> Result<Response, ApiError> {
    let broken = || ServiceError::invalid("file", "The upload did not arrive whole. Send it again.");
    let mut details =
        ContentDetails { label: String::new(), made_by: MadeBy::Her, first_published: String::new(), intimate: false };
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
            "intimate" => details.intimate = matches!(text()?.trim(), "yes" | "true" | "on"),
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
    Ok(match open.add_content(details, source).await? {
        Registered::Added(ids) => {
            (StatusCode::CREATED, Json(ids.into_iter().map(|id| id.0).collect::<Vec<Uuid>>())).into_response()
        }
        Registered::Fingerprinting(id) => {
            let job = FingerprintingBody::from(open.fingerprinting_job(id).await?);
            let location = format!("/api/v1/cases/{}/fingerprinting/{}", open.id.0, id.0);
            (StatusCode::ACCEPTED, [(header::LOCATION, location)], Json(job)).into_response()
        }
    })
}

#[utoipa::path(get, path = "/api/v1/cases/{case}/fingerprinting/{job}", tag = "content", security(("bearer" = [])),
    params(("case" = Uuid, Path), ("job" = Uuid, Path)),
    responses((status = 200, body = FingerprintingBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn fingerprinting(
    ReadCase(_, open): ReadCase,
    Path((_, job)): Path<(Uuid, Uuid)>,
) -> Result<Json<FingerprintingBody>, ApiError> {
    Ok(Json(open.fingerprinting_job(JobId(job)).await?.into()))
}

#[utoipa::path(delete, path = "/api/v1/cases/{case}/fingerprinting/{job}", tag = "content", security(("bearer" = [])),
    params(("case" = Uuid, Path), ("job" = Uuid, Path)),
    responses((status = 204, description = "Stopped; the video is deleted"), (status = 404, body = ErrorBody)))]
pub(crate) async fn cancel_fingerprinting(
    WriteCase(_, open): WriteCase,
    Path((_, job)): Path<(Uuid, Uuid)>,
) -> Result<StatusCode, ApiError> {
    open.cancel_fingerprinting(JobId(job)).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(delete, path = "/api/v1/cases/{case}/content/{content}", tag = "content", security(("bearer" = [])),
    params(("case" = Uuid, Path), ("content" = Uuid, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub(crate) async fn delete_content(
    WriteCase(_, open): WriteCase,
    Path((_, content)): Path<(Uuid, Uuid)>,
) -> Result<StatusCode, ApiError> {
    open.delete_content(ContentId(content)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Which hash-list format.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
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
    ReadCase(_, open): ReadCase,
    Query(format): Query<ListFormat>,
) -> Result<Response, ApiError> {
    let items = open.hash_list().await?;
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
#[serde(deny_unknown_fields)]
pub(crate) struct ScanRequest {
    /// Pages, images or videos to look at (at most 100). Her own accounts are left out.
    addresses: Vec<String>,
}

impl super::body::RequestBody for ScanRequest {}

/// A scan: it runs in the background, survives a restart, and lists what it finds as copies.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ScanBody {
    id: Uuid,
    state: super::JobStatus,
    /// Addresses looked at so far.
    done: i64,
    /// Addresses in all.
    total: i64,
    addresses: Vec<String>,
    pages: usize,
    images: usize,
    videos: usize,
    /// Copies found and listed for review.
    found: usize,
    /// Addresses not read, and why: each a pair of address and reason.
    #[schema(value_type = Vec<Vec<String>>)]
    skipped: Vec<(String, String)>,
    /// Why it failed, if it did.
    error: String,
    #[schema(value_type = String, format = DateTime)]
    created_at: jiff::Timestamp,
    #[schema(value_type = String, format = DateTime)]
    updated_at: jiff::Timestamp,
}

impl From<Scan> for ScanBody {
    fn from(s: Scan) -> Self {
        ScanBody {
            id: s.id.0,
            state: s.state.into(),
            done: s.done,
            total: s.total,
            addresses: s.payload.addresses,
            pages: s.payload.pages,
            images: s.payload.images,
            videos: s.payload.videos,
            found: s.payload.found,
            skipped: s.payload.skipped,
            error: s.error,
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }
}

#[utoipa::path(post, path = "/api/v1/cases/{case}/scans", tag = "content", security(("bearer" = [])),
    params(("case" = Uuid, Path)), request_body = ScanRequest,
    responses((status = 202, body = ScanBody), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn start_scan(
    WriteCase(_, open): WriteCase,
    super::body::Body(request): super::body::Body<ScanRequest>,
) -> Result<(StatusCode, [(header::HeaderName, String); 1], Json<ScanBody>), ApiError> {
    let id = open.start_scan(&request.addresses).await?;
    let scan = open.scan_job(id).await?;
    Ok((
        StatusCode::ACCEPTED,
        [(header::LOCATION, format!("/api/v1/cases/{}/scans/{}", open.id.0, id.0))],
        Json(scan.into()),
    ))
}

#[utoipa::path(get, path = "/api/v1/cases/{case}/scans", tag = "content", security(("bearer" = [])),
    params(("case" = Uuid, Path)),
    responses((status = 200, body = [ScanBody]), (status = 404, body = ErrorBody)))]
pub(crate) async fn scans(ReadCase(_, open): ReadCase) -> Result<Json<Vec<ScanBody>>, ApiError> {
    Ok(Json(open.scan_jobs().await?.into_iter().map(Into::into).collect()))
}

#[utoipa::path(get, path = "/api/v1/cases/{case}/scans/{scan}", tag = "content", security(("bearer" = [])),
    params(("case" = Uuid, Path), ("scan" = Uuid, Path)),
    responses((status = 200, body = ScanBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn scan(
    ReadCase(_, open): ReadCase,
    Path((_, scan)): Path<(Uuid, Uuid)>,
) -> Result<Json<ScanBody>, ApiError> {
    Ok(Json(open.scan_job(JobId(scan)).await?.into()))
}

#[utoipa::path(delete, path = "/api/v1/cases/{case}/scans/{scan}", tag = "content", security(("bearer" = [])),
    params(("case" = Uuid, Path), ("scan" = Uuid, Path)),
    responses((status = 204, description = "Stopped; copies found so far are kept"), (status = 404, body = ErrorBody)))]
pub(crate) async fn cancel_scan(
    WriteCase(_, open): WriteCase,
    Path((_, scan)): Path<(Uuid, Uuid)>,
) -> Result<StatusCode, ApiError> {
    open.cancel_scan(JobId(scan)).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/cases/{case}/copies", tag = "content", security(("bearer" = [])),
    params(("case" = Uuid, Path)),
    responses((status = 200, body = [Versioned<FoundCopy>]), (status = 404, body = ErrorBody)))]
pub(crate) async fn copies(ReadCase(_, open): ReadCase) -> Result<Json<Vec<Versioned<FoundCopy>>>, ApiError> {
    Ok(Json(open.copies().await?.into_iter().map(Into::into).collect()))
}

/// The incident a confirmed copy or a captured page became.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Confirmed {
    incident: Uuid,
}

#[utoipa::path(post, path = "/api/v1/cases/{case}/copies/{copy}/confirm", tag = "content", security(("bearer" = [])),
    params(("case" = Uuid, Path), ("copy" = Uuid, Path)),
    responses((status = 200, body = Confirmed, description = "Now an incident with the page copy and the image as evidence"), (status = 404, body = ErrorBody)))]
pub(crate) async fn confirm_copy(
    WriteCase(_, open): WriteCase,
    Path((_, copy)): Path<(Uuid, Uuid)>,
) -> Result<Json<Confirmed>, ApiError> {
    let incident = open.confirm_copy(CopyId(copy)).await?;
    Ok(Json(Confirmed { incident: incident.0 }))
}

#[utoipa::path(post, path = "/api/v1/cases/{case}/copies/{copy}/whitelist", tag = "content", security(("bearer" = [])),
    params(("case" = Uuid, Path), ("copy" = Uuid, Path)),
    responses((status = 204, description = "Later scans leave this file out"), (status = 404, body = ErrorBody)))]
pub(crate) async fn whitelist_copy(
    WriteCase(_, open): WriteCase,
    Path((_, copy)): Path<(Uuid, Uuid)>,
) -> Result<StatusCode, ApiError> {
    open.whitelist_copy(CopyId(copy)).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/cases/{case}/copies/{copy}/thumbnail", tag = "content", security(("bearer" = [])),
    params(("case" = Uuid, Path), ("copy" = Uuid, Path)),
    responses((status = 200, description = "A small JPEG of what was found, without metadata", content_type = "image/jpeg"), (status = 404, body = ErrorBody)))]
pub(crate) async fn copy_thumbnail(
    ReadCase(_, open): ReadCase,
    Path((_, copy)): Path<(Uuid, Uuid)>,
) -> Result<Response, ApiError> {
    Ok(crate::http::jpeg(open.copy_thumbnail(CopyId(copy)).await?))
}

#[utoipa::path(get, path = "/api/v1/cases/{case}/content/{content}/thumbnail", tag = "content", security(("bearer" = [])),
    params(("case" = Uuid, Path), ("content" = Uuid, Path)),
    responses((status = 200, description = "A small JPEG of her image, without metadata", content_type = "image/jpeg"), (status = 404, body = ErrorBody)))]
pub(crate) async fn content_thumbnail(
    ReadCase(_, open): ReadCase,
    Path((_, content)): Path<(Uuid, Uuid)>,
) -> Result<Response, ApiError> {
    Ok(crate::http::jpeg(open.content_thumbnail(ContentId(content)).await?))
}

#[utoipa::path(get, path = "/api/v1/cases/{case}/accounts", tag = "content", security(("bearer" = [])),
    params(("case" = Uuid, Path)),
    responses((status = 200, body = [Versioned<OwnAccount>]), (status = 404, body = ErrorBody)))]
pub(crate) async fn list_own_accounts(
    ReadCase(_, open): ReadCase,
) -> Result<Json<Vec<Versioned<OwnAccount>>>, ApiError> {
    Ok(Json(open.own_accounts().await?.into_iter().map(Into::into).collect()))
}

/// One of her own accounts, as a client names it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct OwnAccountInput {
    /// The address of the account or page; everything under it is hers.
    address: String,
}

impl super::body::RequestBody for OwnAccountInput {}

#[utoipa::path(post, path = "/api/v1/cases/{case}/accounts", tag = "content", security(("bearer" = [])),
    params(("case" = Uuid, Path)), request_body = OwnAccountInput,
    responses((status = 201, body = Uuid), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn add_account(
    WriteCase(_, open): WriteCase,
    super::body::Body(account): super::body::Body<OwnAccountInput>,
) -> Result<(StatusCode, Json<Uuid>), ApiError> {
    let id = open.add_own_account(&OwnAccount { address: account.address }).await?;
    Ok((StatusCode::CREATED, Json(id.0)))
}

/// A public page to capture into her case.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CaptureInput {
    /// The page's address (`https://…`).
    #[schema(example = "https://social.example/darkwolf/status/1")]
    address: String,
}

impl super::body::RequestBody for CaptureInput {}

#[utoipa::path(post, path = "/api/v1/cases/{case}/captures", tag = "content", security(("bearer" = [])),
    params(("case" = Uuid, Path)), request_body = CaptureInput,
    responses((status = 201, body = Confirmed, description = "A new incident with the page as fetched, a screenshot of it (where the server has a browser) and a web archive as evidence"),
        (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn capture_page(
    WriteCase(_, open): WriteCase,
    super::body::Body(page): super::body::Body<CaptureInput>,
) -> Result<(StatusCode, Json<Confirmed>), ApiError> {
    let incident = open.capture_page(&page.address).await?;
    Ok((StatusCode::CREATED, Json(Confirmed { incident: incident.0 })))
}

#[utoipa::path(delete, path = "/api/v1/cases/{case}/accounts/{account}", tag = "content", security(("bearer" = [])),
    params(("case" = Uuid, Path), ("account" = Uuid, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub(crate) async fn delete_account(
    WriteCase(_, open): WriteCase,
    Path((_, account)): Path<(Uuid, Uuid)>,
) -> Result<StatusCode, ApiError> {
    open.delete_own_account(AccountId(account)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What one checked file matched.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct FileCheckBody {
    name: String,
    /// The piece of her content it copies, if any.
    content: Option<Uuid>,
    /// PDQ distance, for an image that matched.
    distance: Option<u32>,
    /// Share of frames matched, in percent, for a video that matched.
    frames_matched: Option<f64>,
    /// Why it could not be checked.
    error: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/cases/{case}/content/check", tag = "content", security(("bearer" = [])),
    params(("case" = Uuid, Path)),
    request_body(content = super::uploads::CheckUpload, content_type = "multipart/form-data"),
    responses((status = 200, body = [FileCheckBody]), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn check(
    ReadCase(_, open): ReadCase,
    mut multipart: Multipart,
) -> Result<Json<Vec<FileCheckBody>>, ApiError> {
    let broken = || ServiceError::invalid("files", "The upload did not arrive whole. Send it again.");
    let (mut files, mut total) = (Vec::new(), 0usize);
    while let Some(mut field) = multipart.next_field().await.map_err(|_| broken())? {
        let name = field.file_name().unwrap_or("").to_owned();
        let mut bytes = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(|_| broken())? {
            total += chunk.len();
            if total > MAX_CONTENT_FILE {
                return Err(ServiceError::TooLarge { limit: MAX_CONTENT_FILE as u64 }.into());
            }
            bytes.extend_from_slice(&chunk);
        }
        if files.len() == 50 {
            return Err(ServiceError::invalid("files", "Check at most 50 files at a time.").into());
        }
        files.push((name, bytes));
    }
    let checked = open.check_files(files).await?;
    Ok(Json(
        checked
            .into_iter()
            .map(|c| {
                let (content, distance, frames_matched, error) = match c.found {
                    Ok(Some((content, Closeness::Distance(d)))) => (content.id.parse().ok(), Some(d), None, None),
                    Ok(Some((content, Closeness::FramesMatched(p)))) => (content.id.parse().ok(), None, Some(p), None),
                    Ok(None) => (None, None, None, None),
                    Err(why) => (None, None, None, Some(why)),
                };
                FileCheckBody { name: c.name, content, distance, frames_matched, error }
            })
            .collect(),
    ))
}
