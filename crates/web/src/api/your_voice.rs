//! Your Voice through the API: anyone may send the organisation anonymous feedback (no
//! account, nothing of who sent it kept); staff read the responses and export them as CSV.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use lodge_domain::Feedback;
use lodge_service::ServiceError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::body::{Body, RequestBody};
use super::{ApiError, ErrorBody};
use crate::auth::ClientAddress;
use crate::extract::ApiSession;

/// Feedback for the organisation.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewFeedback {
    /// What they want to say.
    #[schema(min_length = 1, max_length = 5000)]
    message: String,
    /// How the service was, 1 (very poor) to 5 (very good), if they say.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 5)]
    rating: Option<u8>,
    /// A way to reach them, only if they want a reply.
    #[serde(default)]
    #[schema(max_length = 200)]
    contact: String,
}

impl RequestBody for NewFeedback {}

/// One response, as staff read it. Only the day it arrived is kept.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct FeedbackResponse {
    #[schema(format = Date)]
    received_on: String,
    message: String,
    rating: Option<u8>,
    contact: String,
}

/// The responses, once this staff account holds the key to read them.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Responses {
    /// False until a colleague who reads Your Voice has opened it since this account was made.
    readable: bool,
    responses: Vec<FeedbackResponse>,
}

#[utoipa::path(post, path = "/api/v1/your-voice", tag = "your voice", request_body = NewFeedback,
    responses((status = 202, description = "Received"), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub(crate) async fn send_feedback(
    State(state): crate::State,
    address: ClientAddress,
    Body(new): Body<NewFeedback>,
) -> Result<StatusCode, ApiError> {
    let feedback = Feedback { message: new.message, rating: new.rating, contact: new.contact.trim().to_owned() };
    state.lodge.submit_feedback(&feedback, address.0.as_deref()).await?;
    Ok(StatusCode::ACCEPTED)
}

#[utoipa::path(get, path = "/api/v1/your-voice", tag = "your voice", security(("bearer" = [])),
    responses((status = 200, body = Responses), (status = 403, body = ErrorBody)))]
pub(crate) async fn read(State(state): crate::State, ApiSession(s): ApiSession) -> Result<Json<Responses>, ApiError> {
    let Some(entries) = state.lodge.feedback(&s).await? else {
        return Ok(Json(Responses { readable: false, responses: Vec::new() }));
    };
    let responses = entries
        .into_iter()
        .map(|e| FeedbackResponse {
            received_on: e.received_on,
            message: e.feedback.message,
            rating: e.feedback.rating,
            contact: e.feedback.contact,
        })
        .collect();
    Ok(Json(Responses { readable: true, responses }))
}

#[utoipa::path(get, path = "/api/v1/your-voice.csv", tag = "your voice", security(("bearer" = [])),
    responses((status = 200, description = "Every response as CSV", content_type = "text/csv"),
        (status = 403, body = ErrorBody)))]
pub(crate) async fn export(State(state): crate::State, ApiSession(s): ApiSession) -> Result<Response, ApiError> {
    let entries = state.lodge.feedback(&s).await?.ok_or(ServiceError::Forbidden)?;
    Ok(crate::pages::your_voice::csv_download(&entries)?)
}
