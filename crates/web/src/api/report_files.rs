//! Report files through the API: a report (PDF) or an evidence bundle made in the background
//! by a durable job, then downloaded as often as needed until it is deleted. (`POST
//! /cases/{case}/reports` streams the same file straight back instead.)

use axum::Json;
use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::Response;
use lodge_domain::JobId;
use lodge_service::{PreparedFile, ReportFile};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::reports::ReportRequest;
use super::{ApiError, ErrorBody};
use crate::extract::ReadCase;

/// A report file being made, or made.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ReportFileBody {
    id: Uuid,
    state: super::JobStatus,
    format: super::reports::ReportFormat,
    /// Whether the bundle is locked.
    locked: bool,
    /// Steps done: gathering, the PDF, each exhibit, saving.
    done: i64,
    /// Steps in all.
    total: i64,
    /// Exhibits in the bundle.
    exhibits: i64,
    /// The PDF's SHA-256, or the bundle manifest's, as her log records it; once made.
    sha256: String,
    /// The file's size in bytes, once made.
    size: u64,
    /// Why it could not be made, if it could not.
    error: String,
    #[schema(value_type = String, format = DateTime)]
    created_at: jiff::Timestamp,
    #[schema(value_type = String, format = DateTime)]
    updated_at: jiff::Timestamp,
}

impl From<PreparedFile> for ReportFileBody {
    fn from(f: PreparedFile) -> Self {
        ReportFileBody {
            id: f.id.0,
            state: f.state.into(),
            format: match f.payload.file {
                ReportFile::Pdf => super::reports::ReportFormat::Pdf,
                ReportFile::Bundle => super::reports::ReportFormat::Bundle,
            },
            locked: f.payload.locked,
            done: f.done,
            total: f.total,
            exhibits: f.payload.exhibits,
            sha256: f.payload.sha256,
            size: f.payload.size,
            error: f.error,
            created_at: f.created_at,
            updated_at: f.updated_at,
        }
    }
}

#[utoipa::path(post, path = "/api/v1/cases/{case}/report-files", tag = "integrity", security(("bearer" = [])),
    params(("case" = Uuid, Path)), request_body = ReportRequest,
    responses((status = 202, body = ReportFileBody, description = "Being made in the background"),
        (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn create_report_file(
    ReadCase(_, open): ReadCase,
    super::body::Body(request): super::body::Body<ReportRequest>,
) -> Result<(StatusCode, [(header::HeaderName, String); 1], Json<ReportFileBody>), ApiError> {
    let (options, file, seal) = request.choices()?;
    let id = open.prepare_file(options, file, seal).await?;
    let made = open.prepared_file(id).await?;
    let location = format!("/api/v1/cases/{}/report-files/{}", open.id.0, id.0);
    Ok((StatusCode::ACCEPTED, [(header::LOCATION, location)], Json(made.into())))
}

#[utoipa::path(get, path = "/api/v1/cases/{case}/report-files", tag = "integrity", security(("bearer" = [])),
    params(("case" = Uuid, Path)),
    responses((status = 200, body = [ReportFileBody]), (status = 404, body = ErrorBody)))]
pub(crate) async fn list_report_files(ReadCase(_, open): ReadCase) -> Result<Json<Vec<ReportFileBody>>, ApiError> {
    Ok(Json(open.prepared_files().await?.into_iter().map(Into::into).collect()))
}

#[utoipa::path(get, path = "/api/v1/cases/{case}/report-files/{file}", tag = "integrity", security(("bearer" = [])),
    params(("case" = Uuid, Path), ("file" = Uuid, Path)),
    responses((status = 200, body = ReportFileBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn get_report_file(
    ReadCase(_, open): ReadCase,
    Path((_, file)): Path<(Uuid, Uuid)>,
) -> Result<Json<ReportFileBody>, ApiError> {
    Ok(Json(open.prepared_file(JobId(file)).await?.into()))
}

#[utoipa::path(get, path = "/api/v1/cases/{case}/report-files/{file}/content", tag = "integrity", security(("bearer" = [])),
    params(("case" = Uuid, Path), ("file" = Uuid, Path)),
    responses(
        (status = 200, description = "The file: PDF, zip, or age-encrypted zip when locked",
            content(("application/pdf"), ("application/zip"), ("application/octet-stream"))),
        (status = 404, body = ErrorBody, description = "No such file, or not made yet")))]
pub(crate) async fn download_report_file(
    ReadCase(_, open): ReadCase,
    Path((_, file)): Path<(Uuid, Uuid)>,
) -> Result<Response, ApiError> {
    let (made, stream) = open.prepared_file_content(JobId(file)).await?;
    Ok(crate::http::download::prepared_file(open.id.0, &made, stream))
}

#[utoipa::path(delete, path = "/api/v1/cases/{case}/report-files/{file}", tag = "integrity", security(("bearer" = [])),
    params(("case" = Uuid, Path), ("file" = Uuid, Path)),
    responses((status = 204, description = "Deleted (or stopped), with its file"), (status = 404, body = ErrorBody)))]
pub(crate) async fn delete_report_file(
    ReadCase(_, open): ReadCase,
    Path((_, file)): Path<(Uuid, Uuid)>,
) -> Result<StatusCode, ApiError> {
    open.delete_prepared_file(JobId(file)).await?;
    Ok(StatusCode::NO_CONTENT)
}
