//! The JSON API under `/api/v1`, mirroring the pages, with bearer tokens from
//! `POST /api/v1/session` and an OpenAPI description at `/api/v1/openapi.json`.

use std::sync::Arc;

use axum::extract::{Multipart, Path};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use lodge_domain::{Evidence, EvidenceId, FieldProblem, IncidentId};
use lodge_service::{Entry, OpenCase, Password, ServiceError, Upload};
use serde::{Deserialize, Serialize};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};
use uuid::Uuid;

use crate::extract::{ApiSession, ReadCase, WriteCase};
use crate::routes::Allowed::*;
use crate::routes::{RouteInfo, Table};
use crate::{AppState, State};

mod body;
mod cases;
mod checkpoint;
mod content;
mod imports;
mod incidents;
pub(crate) mod notices;
mod people;
mod report_files;
mod reports;
mod watch;

/// The API routes, and who may use each.
pub(crate) fn routes() -> (Router<Arc<AppState>>, Vec<RouteInfo>) {
    let (router, routes) = Table::new("/api/v1")
        .get("/openapi.json", Public, openapi)
        .post("/session", Public, create_session)
        .delete("/session", SignedIn, delete_session)
        .get("/cases", SignedIn, cases::list_cases)
        .post("/cases", Survivor, cases::create_case)
        .get("/cases/{case}", CaseRead, cases::get_case)
        .put("/cases/{case}", CaseWrite, cases::rename_case)
        .get("/cases/{case}/incidents", CaseRead, incidents::list_incidents)
        .post("/cases/{case}/incidents", CaseWrite, incidents::create_incident)
        .get("/cases/{case}/incidents/{incident}", CaseRead, incidents::get_incident)
        .put("/cases/{case}/incidents/{incident}", CaseWrite, incidents::update_incident)
        .delete("/cases/{case}/incidents/{incident}", CaseWrite, incidents::delete_incident)
        .get("/cases/{case}/incidents/{incident}/history", CaseRead, incidents::incident_history)
        .get("/cases/{case}/evidence", CaseRead, list_evidence)
        .upload("/cases/{case}/evidence", CaseWrite, upload_evidence)
        .get("/cases/{case}/evidence/{evidence}", CaseRead, get_evidence)
        .put("/cases/{case}/evidence/{evidence}", CaseWrite, attach_evidence)
        .delete("/cases/{case}/evidence/{evidence}", CaseWrite, delete_evidence)
        .get("/cases/{case}/evidence/{evidence}/content", CaseRead, evidence_content)
        .get("/cases/{case}/evidence/{evidence}/thumbnail", CaseRead, evidence_thumbnail)
        .get("/cases/{case}/people", CaseRead, people::list_people)
        .post("/cases/{case}/people", CaseWrite, people::create_person)
        .get("/cases/{case}/people/{person}", CaseRead, people::get_person)
        .put("/cases/{case}/people/{person}", CaseWrite, people::update_person)
        .delete("/cases/{case}/people/{person}", CaseWrite, people::delete_person)
        .get("/cases/{case}/checkpoint", CaseRead, checkpoint::get_checkpoint)
        .get("/cases/{case}/checkpoint/consistency", CaseRead, checkpoint::get_consistency)
        .get("/cases/{case}/checkpoint/verify", CaseRead, checkpoint::verify_log)
        .post("/cases/{case}/reports", CaseRead, reports::create_report)
        .get("/cases/{case}/report-files", CaseRead, report_files::list)
        .post("/cases/{case}/report-files", CaseRead, report_files::create)
        .get("/cases/{case}/report-files/{file}", CaseRead, report_files::get)
        .get("/cases/{case}/report-files/{file}/content", CaseRead, report_files::content)
        .delete("/cases/{case}/report-files/{file}", CaseRead, report_files::delete)
        .get("/cases/{case}/content", CaseRead, content::list)
        .upload("/cases/{case}/content", CaseWrite, content::add)
        .get("/cases/{case}/content/hash-list", CaseRead, content::hash_list)
        .upload("/cases/{case}/content/check", CaseRead, content::check)
        .delete("/cases/{case}/content/{content}", CaseWrite, content::delete)
        .get("/cases/{case}/content/{content}/thumbnail", CaseRead, content::content_thumbnail)
        .get("/cases/{case}/fingerprinting/{job}", CaseRead, content::fingerprinting)
        .delete("/cases/{case}/fingerprinting/{job}", CaseWrite, content::cancel_fingerprinting)
        .get("/cases/{case}/scans", CaseRead, content::scans)
        .post("/cases/{case}/scans", CaseWrite, content::start_scan)
        .get("/cases/{case}/scans/{scan}", CaseRead, content::scan)
        .delete("/cases/{case}/scans/{scan}", CaseWrite, content::cancel_scan)
        .get("/cases/{case}/copies", CaseRead, content::copies)
        .post("/cases/{case}/copies/{copy}/confirm", CaseWrite, content::confirm_copy)
        .post("/cases/{case}/copies/{copy}/whitelist", CaseWrite, content::whitelist_copy)
        .get("/cases/{case}/copies/{copy}/thumbnail", CaseRead, content::copy_thumbnail)
        .get("/cases/{case}/accounts", CaseRead, content::accounts)
        .post("/cases/{case}/accounts", CaseWrite, content::add_account)
        .get("/cases/{case}/notices", CaseRead, notices::list)
        .post("/cases/{case}/notices", CaseWrite, notices::create)
        .get("/cases/{case}/notices/{notice}", CaseRead, notices::get)
        .get("/cases/{case}/notices/{notice}/letter", CaseRead, notices::letter)
        .post("/cases/{case}/notices/{notice}/send", CaseWrite, notices::send)
        .post("/cases/{case}/notices/{notice}/status", CaseWrite, notices::set_status)
        .post("/cases/{case}/rechecks", CaseWrite, notices::recheck)
        .get("/cases/{case}/sites", CaseRead, notices::sites)
        .get("/cases/{case}/watches", CaseRead, watch::list)
        .post("/cases/{case}/watches", CaseWrite, watch::add)
        .post("/cases/{case}/watches/run", CaseWrite, watch::run)
        .delete("/cases/{case}/watches/{watch}", CaseWrite, watch::delete)
        .post("/cases/{case}/watches/{watch}/reviewed", CaseWrite, watch::reviewed)
        .delete("/cases/{case}/accounts/{account}", CaseWrite, content::delete_account)
        .upload("/cases/{case}/imports", CaseWrite, imports::stage)
        .get("/cases/{case}/imports/{import}", CaseRead, imports::preview)
        .post("/cases/{case}/imports/{import}", CaseWrite, imports::import)
        .delete("/cases/{case}/imports/{import}", CaseWrite, imports::discard)
        .finish();
    (router.layer(axum::middleware::map_response(json_errors)), routes)
}
/// Answers a request the framework refused before Lodge saw it (a body that is not JSON, the
/// wrong content type, an id that is not a UUID, a broken multipart body) as Lodge's own JSON
/// error with status 400 (413 for a body too large), as the API description says.
async fn json_errors(response: Response) -> Response {
    let status = response.status();
    let refused = matches!(status.as_u16(), 400 | 405 | 413 | 415 | 422);
    let is_json = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .is_some_and(|t| t.as_bytes().starts_with(b"application/json"));
    if !refused || is_json {
        return response;
    }
    // The framework's explanation can quote what was sent (a path segment, a query value):
    // neither it nor anything else of the request is logged.
    tracing::debug!(status = status.as_u16(), "request refused before Lodge read it");
    let (status, error) = match status.as_u16() {
        413 => (StatusCode::PAYLOAD_TOO_LARGE, "The request is too large."),
        405 => (StatusCode::METHOD_NOT_ALLOWED, "This address does not take that method."),
        _ => (StatusCode::BAD_REQUEST, "The request could not be read. Check its format against the API description."),
    };
    (status, Json(ErrorBody { error: error.into(), problems: Vec::new() })).into_response()
}

/// An error as the API reports it.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ErrorBody {
    /// What went wrong and what to do, in plain words.
    error: String,
    /// Problems with particular fields.
    problems: Vec<FieldProblem>,
}

/// A [`ServiceError`] answered as JSON.
#[derive(Debug)]
pub(crate) struct ApiError(pub ServiceError);

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        ApiError(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = match &self.0 {
            ServiceError::NotFound => StatusCode::NOT_FOUND,
            ServiceError::Invalid(_) | ServiceError::InvitationInvalid => StatusCode::BAD_REQUEST,
            ServiceError::SignInFailed
            | ServiceError::SessionEnded
            | ServiceError::AccountDisabled
            | ServiceError::SecondFactorNeeded => StatusCode::UNAUTHORIZED,
            ServiceError::TooManyAttempts { .. } | ServiceError::Busy => StatusCode::TOO_MANY_REQUESTS,
            ServiceError::Forbidden | ServiceError::SignupClosed | ServiceError::ReadOnly | ServiceError::OwnerOnly => {
                StatusCode::FORBIDDEN
            }
            ServiceError::ShareEnded => StatusCode::NOT_FOUND,
            ServiceError::Conflict | ServiceError::ChangedOutside => StatusCode::CONFLICT,
            ServiceError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ServiceError::Internal(detail) => {
                tracing::error!(%detail, "internal error");
                StatusCode::INTERNAL_SERVER_ERROR
            }
        };
        let body = ErrorBody {
            error: self.0.user_message(),
            problems: self.0.problems().map(|p| p.fields.clone()).unwrap_or_default(),
        };
        let mut response = crate::pages::retry_after((status, Json(body)).into_response(), &self.0);
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(axum::http::header::WWW_AUTHENTICATE, axum::http::HeaderValue::from_static("Bearer"));
        }
        response
    }
}

type ApiResult<T> = Result<Json<T>, ApiError>;

/// Credentials for a new API session.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SessionRequest {
    username: String,
    password: String,
    /// The code from her authenticator app, when the account has two-step sign-in.
    #[serde(default)]
    code: Option<String>,
}

impl body::RequestBody for SessionRequest {}

/// A new API session.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct SessionResponse {
    /// Send as `Authorization: Bearer <token>`.
    token: String,
}

#[utoipa::path(post, path = "/api/v1/session", tag = "session", request_body = SessionRequest,
    responses(
        (status = 200, body = SessionResponse),
        (status = 401, body = ErrorBody),
        (status = 429, description = "Too many failed attempts: wait for the Retry-After seconds.", body = ErrorBody,
            headers(("retry-after" = u64, description = "Seconds to wait.")))
    ))]
async fn create_session(
    axum::extract::State(state): State,
    address: crate::auth::ClientAddress,
    body::Body(req): body::Body<SessionRequest>,
) -> ApiResult<SessionResponse> {
    let password = Password::new(req.password);
    let (token, outcome) = state.lodge.sign_in(&req.username, password, "API client", address.0.as_deref()).await?;
    if let lodge_service::SignIn::NeedsCode = outcome {
        let Some(code) = req.code.filter(|c| !c.trim().is_empty()) else {
            state.lodge.sign_out(&token.to_text()).await?;
            // The answer says a code is needed (send it as `code`); nothing is kept meanwhile.
            return Err(ApiError(ServiceError::SecondFactorNeeded));
        };
        state.lodge.second_factor(&token.to_text(), &code).await?;
    }
    Ok(Json(SessionResponse { token: token.to_text() }))
}

#[utoipa::path(delete, path = "/api/v1/session", tag = "session", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = ErrorBody)))]
async fn delete_session(
    axum::extract::State(state): State,
    headers: axum::http::HeaderMap,
    ApiSession(_): ApiSession,
) -> Result<StatusCode, ApiError> {
    state.lodge.sign_out(crate::auth::bearer_token(&headers).unwrap_or("")).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A versioned record: its latest version, or a tombstone (`deleted`, no body).
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Versioned<T> {
    id: Uuid,
    version: i64,
    /// When version 1 was saved.
    #[schema(value_type = String, format = DateTime)]
    created_at: jiff::Timestamp,
    /// When this version was saved.
    #[schema(value_type = String, format = DateTime)]
    saved_at: jiff::Timestamp,
    deleted: bool,
    body: Option<T>,
}

impl<T> From<Entry<T>> for Versioned<T> {
    fn from(e: Entry<T>) -> Self {
        Versioned {
            id: e.id,
            version: e.version,
            created_at: e.created_at,
            saved_at: e.saved_at,
            deleted: e.deleted,
            body: e.body,
        }
    }
}

/// An edit: the version it replaces, and the new content.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Update<T> {
    version: i64,
    body: T,
}

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
async fn upload_evidence(
    WriteCase(_, open): WriteCase,
    mut multipart: Multipart,
) -> Result<(StatusCode, Json<Vec<Versioned<Evidence>>>), ApiError> {
    let result = receive_evidence(&open, &mut multipart).await;
    if result.is_err() {
        crate::pages::drain(&mut multipart).await;
    }
    Ok((StatusCode::CREATED, Json(result?)))
}

async fn receive_evidence(open: &OpenCase, multipart: &mut Multipart) -> Result<Vec<Versioned<Evidence>>, ApiError> {
    let mut incident = None;
    let mut stored = Vec::new();
    let broken = || ServiceError::invalid("file", "The upload did not arrive whole. Send it again.");
    let mut texts = crate::pages::TextBudget::new();
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
async fn list_evidence(ReadCase(_, open): ReadCase) -> ApiResult<Vec<Versioned<Evidence>>> {
    let all = open.evidence_list().await?;
    Ok(Json(all.into_iter().map(Versioned::from).collect()))
}

#[utoipa::path(get, path = "/api/v1/cases/{case}/evidence/{evidence}", tag = "evidence", security(("bearer" = [])),
    params(("case" = Uuid, Path), ("evidence" = Uuid, Path)),
    responses((status = 200, body = Versioned<Evidence>), (status = 404, body = ErrorBody)))]
async fn get_evidence(
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
async fn attach_evidence(
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
async fn delete_evidence(
    WriteCase(_, open): WriteCase,
    Path((_, evidence)): Path<(Uuid, Uuid)>,
) -> Result<StatusCode, ApiError> {
    open.delete_evidence(EvidenceId(evidence)).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/cases/{case}/evidence/{evidence}/thumbnail", tag = "evidence", security(("bearer" = [])),
    params(("case" = Uuid, Path), ("evidence" = Uuid, Path)),
    responses((status = 200, description = "A JPEG thumbnail without metadata", content_type = "image/jpeg"), (status = 404, body = ErrorBody)))]
async fn evidence_thumbnail(
    ReadCase(_, open): ReadCase,
    Path((_, evidence)): Path<(Uuid, Uuid)>,
) -> Result<Response, ApiError> {
    let jpeg = open.thumbnail(EvidenceId(evidence)).await?;
    Ok(([(axum::http::header::CONTENT_TYPE, "image/jpeg")], jpeg).into_response())
}

#[utoipa::path(get, path = "/api/v1/cases/{case}/evidence/{evidence}/content", tag = "evidence", security(("bearer" = [])),
    params(("case" = Uuid, Path), ("evidence" = Uuid, Path)),
    responses((status = 200, description = "The file, byte for byte", content_type = "application/octet-stream"), (status = 404, body = ErrorBody)))]
async fn evidence_content(
    ReadCase(_, open): ReadCase,
    Path((_, evidence)): Path<(Uuid, Uuid)>,
) -> Result<Response, ApiError> {
    let (body, stream) = open.evidence_content(EvidenceId(evidence)).await?;
    Ok(crate::pages::download(&body, stream))
}

/// Health of this node: the database and the file store both answer.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Health {
    status: String,
    database: String,
}

#[utoipa::path(get, path = "/healthz", tag = "health",
    responses((status = 200, body = Health), (status = 503, body = Health)))]
pub(crate) async fn health(axum::extract::State(state): State) -> (StatusCode, Json<Health>) {
    match state.lodge.health().await {
        Ok(()) => (StatusCode::OK, Json(Health { status: "ok".into(), database: state.lodge.backend().into() })),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(Health { status: "unavailable".into(), database: state.lodge.backend().into() }),
            )
        }
    }
}

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(components) = openapi.components.as_mut() {
            components.add_security_scheme(
                "bearer",
                SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
            );
        }
        // What any operation can answer besides its own responses: a request that cannot be
        // read (400) and, where a token is needed, a missing or ended session (401).
        let error = |text: &str| {
            utoipa::openapi::ResponseBuilder::new()
                .description(text)
                .content(
                    "application/json",
                    utoipa::openapi::ContentBuilder::new()
                        .schema(Some(utoipa::openapi::Ref::from_schema_name("ErrorBody")))
                        .build(),
                )
                .build()
        };
        for item in openapi.paths.paths.values_mut() {
            for op in [&mut item.get, &mut item.put, &mut item.post, &mut item.delete].into_iter().flatten() {
                let responses = &mut op.responses.responses;
                responses.entry("400".into()).or_insert_with(|| error("The request could not be read").into());
                if op.security.as_ref().is_some_and(|s| !s.is_empty()) {
                    responses.entry("401".into()).or_insert_with(|| error("No session, or it has ended").into());
                }
            }
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Lodge API", description = "A survivor's encrypted case log: cases, incidents, people and evidence, and the signed checkpoints that make it tamper-evident."),
    paths(create_session, delete_session, cases::list_cases, cases::create_case, cases::get_case, cases::rename_case,
          incidents::list_incidents, incidents::create_incident, incidents::get_incident, incidents::update_incident,
          incidents::delete_incident, incidents::incident_history, upload_evidence, list_evidence, get_evidence,
          attach_evidence, delete_evidence, evidence_thumbnail, evidence_content,
          people::list_people, people::create_person, people::get_person, people::update_person, people::delete_person,
          checkpoint::get_checkpoint, checkpoint::verify_log, checkpoint::get_consistency, reports::create_report,
          report_files::create, report_files::list, report_files::get, report_files::content, report_files::delete,
          imports::stage, imports::preview, imports::import, imports::discard,
          content::list, content::add, content::delete, content::hash_list, content::check, content::content_thumbnail,
          content::fingerprinting, content::cancel_fingerprinting,
          content::start_scan, content::scans, content::scan, content::cancel_scan, content::copies,
          content::confirm_copy, content::whitelist_copy, content::copy_thumbnail, content::accounts,
          content::add_account, content::delete_account, notices::list, notices::create, notices::get,
          notices::letter, notices::send, notices::set_status, notices::recheck, notices::sites, watch::list,
          watch::add, watch::delete, watch::reviewed, watch::run, health),
    modifiers(&BearerAuth)
)]
struct ApiDoc;

/// The OpenAPI description of the API, as JSON.
pub fn openapi_json() -> String {
    ApiDoc::openapi().to_pretty_json().unwrap_or_default()
}

async fn openapi() -> impl IntoResponse {
    ([(axum::http::header::CONTENT_TYPE, "application/json")], openapi_json())
}
