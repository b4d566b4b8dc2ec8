//! API sessions: a bearer token from a username and password (and the code of her
//! authenticator app, when she has two-step sign-in), and signing out.

use axum::Json;
use axum::http::StatusCode;
use lodge_service::{Password, ServiceError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::body::{self};
use super::{ApiError, ApiResult, ErrorBody};
use crate::State;
use crate::extract::ApiSession;

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

impl SessionResponse {
    pub(crate) fn new(token: String) -> SessionResponse {
        SessionResponse { token }
    }
}

#[utoipa::path(post, path = "/api/v1/session", tag = "session", request_body = SessionRequest,
    responses(
        (status = 200, body = SessionResponse),
        (status = 401, body = ErrorBody),
        (status = 429, description = "Too many failed attempts: wait for the Retry-After seconds.", body = ErrorBody,
            headers(("retry-after" = u64, description = "Seconds to wait.")))
    ))]
pub(super) async fn create_session(
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
            return Err(ServiceError::SecondFactorNeeded.into());
        };
        state.lodge.second_factor(&token.to_text(), &code).await?;
    }
    Ok(Json(SessionResponse { token: token.to_text() }))
}

#[utoipa::path(delete, path = "/api/v1/session", tag = "session", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = ErrorBody)))]
pub(super) async fn delete_session(
    axum::extract::State(state): State,
    headers: axum::http::HeaderMap,
    ApiSession(_): ApiSession,
) -> Result<StatusCode, ApiError> {
    state.lodge.sign_out(crate::auth::bearer_token(&headers).unwrap_or("")).await?;
    Ok(StatusCode::NO_CONTENT)
}
