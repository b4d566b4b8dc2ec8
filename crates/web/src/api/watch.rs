//! Name watch through the API: her saved searches, what they found, and running them now.

use axum::Json;
use axum::extract::Path;
use axum::http::StatusCode;
use lodge_domain::{Watch, WatchId};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{ApiError, ErrorBody, Versioned, open};
use crate::State;
use crate::auth::ApiSession;

#[utoipa::path(get, path = "/api/v1/cases/{case}/watches", tag = "content", security(("bearer" = [])),
    params(("case" = Uuid, Path)),
    responses((status = 200, body = [Versioned<Watch>]), (status = 404, body = ErrorBody)))]
pub(crate) async fn list(
    axum::extract::State(state): State,
    ApiSession(s): ApiSession,
    Path(case): Path<Uuid>,
) -> Result<Json<Vec<Versioned<Watch>>>, ApiError> {
    Ok(Json(open(&state, &s, case).await?.watches().await?.into_iter().map(Into::into).collect()))
}

/// A new saved search.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewWatch {
    /// What to search for, such as "Ruby Red leaked".
    query: String,
}

impl super::body::RequestBody for NewWatch {}

#[utoipa::path(post, path = "/api/v1/cases/{case}/watches", tag = "content", security(("bearer" = [])),
    params(("case" = Uuid, Path)), request_body = NewWatch,
    responses((status = 201, body = Uuid, description = "Saved, and running now"), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn add(
    axum::extract::State(state): State,
    ApiSession(s): ApiSession,
    Path(case): Path<Uuid>,
    super::body::Body(new): super::body::Body<NewWatch>,
) -> Result<(StatusCode, Json<Uuid>), ApiError> {
    let id = open(&state, &s, case).await?.add_watch(&new.query).await?;
    Ok((StatusCode::CREATED, Json(id.0)))
}

#[utoipa::path(delete, path = "/api/v1/cases/{case}/watches/{watch}", tag = "content", security(("bearer" = [])),
    params(("case" = Uuid, Path), ("watch" = Uuid, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub(crate) async fn delete(
    axum::extract::State(state): State,
    ApiSession(s): ApiSession,
    Path((case, watch)): Path<(Uuid, Uuid)>,
) -> Result<StatusCode, ApiError> {
    open(&state, &s, case).await?.delete_watch(WatchId(watch)).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/cases/{case}/watches/{watch}/reviewed", tag = "content", security(("bearer" = [])),
    params(("case" = Uuid, Path), ("watch" = Uuid, Path)),
    responses((status = 204, description = "Every result marked as looked at"), (status = 404, body = ErrorBody)))]
pub(crate) async fn reviewed(
    axum::extract::State(state): State,
    ApiSession(s): ApiSession,
    Path((case, watch)): Path<(Uuid, Uuid)>,
) -> Result<StatusCode, ApiError> {
    open(&state, &s, case).await?.mark_watch_reviewed(WatchId(watch)).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/cases/{case}/watches/run", tag = "content", security(("bearer" = [])),
    params(("case" = Uuid, Path)),
    responses((status = 202, description = "Her saved searches run now"), (status = 404, body = ErrorBody)))]
pub(crate) async fn run(
    axum::extract::State(state): State,
    ApiSession(s): ApiSession,
    Path(case): Path<Uuid>,
) -> Result<StatusCode, ApiError> {
    open(&state, &s, case).await?.run_watches_now().await?;
    Ok(StatusCode::ACCEPTED)
}
