//! Cases through the API: list, create, open and rename.

use axum::Json;
use axum::http::StatusCode;
use lodge_domain::Case;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::body::{Body, RequestBody};
use super::{ApiError, ApiResult, ErrorBody};
use crate::State;
use crate::extract::{ApiSession, ReadCase, WriteCase};

/// A case as a client names it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CaseInput {
    /// Her name for the case, e.g. "Messages from the Twitch account".
    title: String,
}

impl RequestBody for CaseInput {}

impl From<CaseInput> for Case {
    fn from(input: CaseInput) -> Case {
        Case { title: input.title }
    }
}

/// A case.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct CaseOut {
    id: Uuid,
    title: String,
    #[schema(value_type = String, format = DateTime)]
    created_at: jiff::Timestamp,
}

#[utoipa::path(get, path = "/api/v1/cases", tag = "cases", security(("bearer" = [])),
    responses((status = 200, body = [CaseOut]), (status = 401, body = ErrorBody)))]
pub(crate) async fn list_cases(
    axum::extract::State(state): State,
    ApiSession(s): ApiSession,
) -> ApiResult<Vec<CaseOut>> {
    let cases = state.lodge.cases(&s).await?;
    Ok(Json(cases.into_iter().map(|c| CaseOut { id: c.id.0, title: c.title, created_at: c.created_at }).collect()))
}

#[utoipa::path(post, path = "/api/v1/cases", tag = "cases", security(("bearer" = [])), request_body = CaseInput,
    responses((status = 201, body = CaseOut), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub(crate) async fn create_case(
    axum::extract::State(state): State,
    ApiSession(s): ApiSession,
    Body(case): Body<CaseInput>,
) -> Result<(StatusCode, Json<CaseOut>), ApiError> {
    let id = state.lodge.create_case(&s, &case.into()).await?;
    let open = state.lodge.open_case(&s, id).await?;
    Ok((StatusCode::CREATED, Json(CaseOut { id: id.0, title: open.title, created_at: open.created_at })))
}

#[utoipa::path(get, path = "/api/v1/cases/{case}", tag = "cases", security(("bearer" = [])), params(("case" = Uuid, Path)),
    responses((status = 200, body = CaseOut), (status = 404, body = ErrorBody)))]
pub(crate) async fn get_case(ReadCase(_, open): ReadCase) -> ApiResult<CaseOut> {
    Ok(Json(CaseOut { id: open.id.0, title: open.title, created_at: open.created_at }))
}

#[utoipa::path(put, path = "/api/v1/cases/{case}", tag = "cases", security(("bearer" = [])), params(("case" = Uuid, Path)),
    request_body = CaseInput,
    responses((status = 200, body = CaseOut), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn rename_case(WriteCase(_, mut open): WriteCase, Body(body): Body<CaseInput>) -> ApiResult<CaseOut> {
    open.rename(&body.into()).await?;
    Ok(Json(CaseOut { id: open.id.0, title: open.title, created_at: open.created_at }))
}
