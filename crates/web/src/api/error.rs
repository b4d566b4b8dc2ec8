//! How the API says no: Lodge's own JSON error for every refusal, its own or the framework's.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use lodge_domain::FieldProblem;
use lodge_service::ServiceError;
use serde::Serialize;
use utoipa::ToSchema;

/// Answers a request the framework refused before Lodge saw it (a body that is not JSON, the
/// wrong content type, an id that is not a UUID, a broken multipart body) as Lodge's own JSON
/// error with status 400 (413 for a body too large), as the API description says.
pub(super) async fn json_errors(response: Response) -> Response {
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

/// A [`ServiceError`] answered as JSON. A body that does not match its schema is 400; one
/// that does, but that Lodge refuses (a rule the schema cannot say, such as an end before its
/// start), is 422 with the same shape.
#[derive(Debug)]
pub(crate) struct ApiError {
    error: ServiceError,
    unreadable: bool,
}

impl ApiError {
    /// A body that could not be read as its request type.
    pub(crate) fn unreadable(error: ServiceError) -> ApiError {
        ApiError { error, unreadable: true }
    }
}

impl From<ServiceError> for ApiError {
    fn from(error: ServiceError) -> Self {
        ApiError { error, unreadable: false }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = match &self.error {
            ServiceError::NotFound => StatusCode::NOT_FOUND,
            ServiceError::Invalid(_) if self.unreadable => StatusCode::BAD_REQUEST,
            ServiceError::Invalid(_) | ServiceError::InvitationInvalid => StatusCode::UNPROCESSABLE_ENTITY,
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
            error: self.error.user_message(),
            problems: self.error.problems().map(|p| p.fields.clone()).unwrap_or_default(),
        };
        let mut response = crate::pages::retry_after((status, Json(body)).into_response(), &self.error);
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(axum::http::header::WWW_AUTHENTICATE, axum::http::HeaderValue::from_static("Bearer"));
        }
        response
    }
}
