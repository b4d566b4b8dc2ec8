//! Evidence through the API: files sent with a case (and attached to an incident), read back
//! as they arrived, with their SHA-256.

use axum::Json;
use axum::extract::{Multipart, Path};
use axum::http::StatusCode;
use axum::response::Response;
use lodge_domain::{Evidence, EvidenceId, IncidentId};
use lodge_service::{OpenCase, ServiceError, Upload};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::body::{self};
use super::{ApiError, ApiResult, ErrorBody, Versioned};
use crate::extract::{ReadCase, WriteCase};

/// The multipart form for evidence uploads: any number of `file` parts, and optionally an
/// `incident` field (before the files) naming the incident to attach them to.
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub(crate) struct EvidenceUpload {
    incident: Option<Uuid>,
    #[schema(value_type = Vec<String>, format = Binary)]
    file: Vec<u8>,
}

#[utoipa::path(post, path = "/api/v1/cases/{case}/evidence", tag = "evidence", security(("bearer" = [])), params(("case" = Uuid, Path)),
    request_body(content = EvidenceUpload, content_type = "multipart/form-data"),
    responses((status = 201, body = [Versioned<Evidence>]), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody)))]
pub(super) async fn upload_evidence(
    WriteCase(_, open): WriteCase,
    mut multipart: Multipart,
) -> Result<(StatusCode, Json<Vec<Versioned<Evidence>>>), ApiError> {
    let result = receive_evidence(&open, &mut multipart).await;
    if result.is_err() {
        crate::http::multipart::drain(&mut multipart).await;
    }
    Ok((StatusCode::CREATED, Json(result?)))
}

pub(super) async fn receive_evidence(
    open: &OpenCase,
    multipart: &mut Multipart,
) -> Result<Vec<Versioned<Evidence>>, ApiError> {
    let mut incident = None;
    let mut stored = Vec::new();
    let broken = || ServiceError::invalid("file", "The upload did not arrive whole. Send it again.");
    let mut texts = crate::http::multipart::TextBudget::new();
    while let Some(field) = multipart.next_field().await.map_err(|_| broken())? {
        if field.name() == Some("incident") {
            let text = texts.read(field).await?;
            let id: Uuid =
                text.trim().parse().map_err(|_| ServiceError::invalid("incident", "That is not an incident id."))?;
            incident = Some(IncidentId(id));
            continue;
        }
        let file_name = field.file_name().unwrap_or("").to_owned();
        let content_type = field.content_type().unwrap_or("").to_owned();
        stored.push(open.add_evidence(Upload { file_name, content_type, incident }, field).await?.into());
    }
    if stored.is_empty() {
        return Err(ServiceError::invalid("file", "Send at least one file in a part named \"file\".").into());
    }
    Ok(stored)
}

#[utoipa::path(get, path = "/api/v1/cases/{case}/evidence", tag = "evidence", security(("bearer" = [])), params(("case" = Uuid, Path)),
    responses((status = 200, body = [Versioned<Evidence>]), (status = 404, body = ErrorBody)))]
pub(super) async fn list_evidence(ReadCase(_, open): ReadCase) -> ApiResult<Vec<Versioned<Evidence>>> {
    let all = open.evidence_list().await?;
    Ok(Json(all.into_iter().map(Versioned::from).collect()))
}

#[utoipa::path(get, path = "/api/v1/cases/{case}/evidence/{evidence}", tag = "evidence", security(("bearer" = [])),
    params(("case" = Uuid, Path), ("evidence" = Uuid, Path)),
    responses((status = 200, body = Versioned<Evidence>), (status = 404, body = ErrorBody)))]
pub(super) async fn get_evidence(
    ReadCase(_, open): ReadCase,
    Path((_, evidence)): Path<(Uuid, Uuid)>,
) -> ApiResult<Versioned<Evidence>> {
    Ok(Json(open.evidence(EvidenceId(evidence)).await?.into()))
}

/// Which incident an evidence file belongs to.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Attachment {
    incident: Uuid,
}

impl body::RequestBody for Attachment {}

#[utoipa::path(put, path = "/api/v1/cases/{case}/evidence/{evidence}", tag = "evidence", security(("bearer" = [])),
    params(("case" = Uuid, Path), ("evidence" = Uuid, Path)), request_body = Attachment,
    responses((status = 200, body = Versioned<Evidence>), (status = 404, body = ErrorBody)))]
pub(super) async fn attach_evidence(
    WriteCase(_, open): WriteCase,
    Path((_, evidence)): Path<(Uuid, Uuid)>,
    body::Body(body): body::Body<Attachment>,
) -> ApiResult<Versioned<Evidence>> {
    open.attach_evidence(EvidenceId(evidence), IncidentId(body.incident)).await?;
    Ok(Json(open.evidence(EvidenceId(evidence)).await?.into()))
}

#[utoipa::path(delete, path = "/api/v1/cases/{case}/evidence/{evidence}", tag = "evidence", security(("bearer" = [])),
    params(("case" = Uuid, Path), ("evidence" = Uuid, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub(super) async fn delete_evidence(
    WriteCase(_, open): WriteCase,
    Path((_, evidence)): Path<(Uuid, Uuid)>,
) -> Result<StatusCode, ApiError> {
    open.delete_evidence(EvidenceId(evidence)).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/cases/{case}/evidence/{evidence}/thumbnail", tag = "evidence", security(("bearer" = [])),
    params(("case" = Uuid, Path), ("evidence" = Uuid, Path)),
    responses((status = 200, description = "A JPEG thumbnail without metadata", content_type = "image/jpeg"), (status = 404, body = ErrorBody)))]
pub(super) async fn evidence_thumbnail(
    ReadCase(_, open): ReadCase,
    Path((_, evidence)): Path<(Uuid, Uuid)>,
) -> Result<Response, ApiError> {
    Ok(crate::http::jpeg(open.thumbnail(EvidenceId(evidence)).await?))
}

#[utoipa::path(get, path = "/api/v1/cases/{case}/evidence/{evidence}/content", tag = "evidence", security(("bearer" = [])),
    params(("case" = Uuid, Path), ("evidence" = Uuid, Path)),
    responses((status = 200, description = "The file, byte for byte", content_type = "application/octet-stream"), (status = 404, body = ErrorBody)))]
pub(super) async fn evidence_content(
    ReadCase(_, open): ReadCase,
    Path((_, evidence)): Path<(Uuid, Uuid)>,
) -> Result<Response, ApiError> {
    let (body, stream) = open.evidence_content(EvidenceId(evidence)).await?;
    Ok(crate::http::download::evidence(&body, stream))
}
