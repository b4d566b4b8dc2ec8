//! Name watch through the API: her saved searches, what they found, and running them now.

use axum::Json;
use axum::extract::Path;
use axum::http::StatusCode;
use lodge_domain::{Watch, WatchId};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{ApiError, ErrorBody, Versioned};
use crate::extract::{ReadCase, WriteCase};

#[utoipa::path(get, path = "/api/v1/cases/{case}/watches", tag = "content", security(("bearer" = [])),
    params(("case" = Uuid, Path)),
    responses((status = 200, body = [Versioned<Watch>]), (status = 404, body = ErrorBody)))]
pub(crate) async fn list_watches(ReadCase(_, open): ReadCase) -> Result<Json<Vec<Versioned<Watch>>>, ApiError> {
    Ok(Json(open.watches().await?.into_iter().map(Into::into).collect()))
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
pub(crate) async fn add_watch(
    WriteCase(_, open): WriteCase,
    super::body::Body(new): super::body::Body<NewWatch>,
) -> Result<(StatusCode, Json<Uuid>), ApiError> {
    let id = open.add_watch(&new.query).await?;
    Ok((StatusCode::CREATED, Json(id.0)))
}

#[utoipa::path(delete, path = "/api/v1/cases/{case}/watches/{watch}", tag = "content", security(("bearer" = [])),
    params(("case" = Uuid, Path), ("watch" = Uuid, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub(crate) async fn delete_watch(
    WriteCase(_, open): WriteCase,
    Path((_, watch)): Path<(Uuid, Uuid)>,
) -> Result<StatusCode, ApiError> {
    open.delete_watch(WatchId(watch)).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/cases/{case}/watches/{watch}/reviewed", tag = "content", security(("bearer" = [])),
    params(("case" = Uuid, Path), ("watch" = Uuid, Path)),
    responses((status = 204, description = "Every result marked as looked at"), (status = 404, body = ErrorBody)))]
pub(crate) async fn reviewed(
    WriteCase(_, open): WriteCase,
    Path((_, watch)): Path<(Uuid, Uuid)>,
) -> Result<StatusCode, ApiError> {
    open.mark_watch_reviewed(WatchId(watch)).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/cases/{case}/watches/run", tag = "content", security(("bearer" = [])),
    params(("case" = Uuid, Path)),
    responses((status = 202, description = "Her saved searches run now"), (status = 404, body = ErrorBody)))]
pub(crate) async fn run(WriteCase(_, open): WriteCase) -> Result<StatusCode, ApiError> {
    open.run_watches_now().await?;
    Ok(StatusCode::ACCEPTED)
}
