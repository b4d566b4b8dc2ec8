//! Joining and getting back in through the API, as the public pages do it: making an
//! account (with an invitation's token, or without one where the organisation allows
//! survivors to sign up), and setting a new password with the recovery key.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use lodge_service::Password;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::body::{Body, RequestBody};
use super::{ApiError, ErrorBody};
use crate::auth::ClientAddress;

/// A new account.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewAccount {
    /// Letters, numbers, dots, dashes and underscores; it need not be her real name.
    #[schema(min_length = 1, max_length = 64, pattern = r"^[A-Za-z0-9._-]+$")]
    username: String,
    /// At least 10 characters.
    #[schema(min_length = 10, max_length = 1024)]
    password: String,
    /// The token of the invitation link (the part after `/join/`); leave it out to sign up as
    /// a survivor where the organisation allows that.
    #[serde(default)]
    #[schema(max_length = 200)]
    invitation: Option<String>,
}

/// An account made, and signed in.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct AccountMade {
    /// Shown this once: with it she can set a new password if she forgets hers.
    recovery_key: String,
    /// A session, as from `POST /session`.
    token: String,
}

/// A new password, with the recovery key.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Recovery {
    #[schema(min_length = 1, max_length = 64)]
    username: String,
    /// 13 groups of 4 letters and numbers; dashes and spaces do not matter.
    #[schema(min_length = 1, max_length = 200)]
    recovery_key: String,
    /// At least 10 characters.
    #[schema(min_length = 10, max_length = 1024)]
    password: String,
}

/// The recovery key that replaces the one used.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Recovered {
    /// The old key no longer works; every session has ended, and her second factors are off.
    recovery_key: String,
}

impl RequestBody for NewAccount {}
impl RequestBody for Recovery {}

#[utoipa::path(post, path = "/api/v1/accounts", tag = "session", request_body = NewAccount,
    responses((status = 201, body = AccountMade), (status = 403, body = ErrorBody, description = "Sign-up needs an invitation here"),
        (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub(crate) async fn create_account(
    State(state): crate::State,
    address: ClientAddress,
    Body(new): Body<NewAccount>,
) -> Result<(StatusCode, Json<AccountMade>), ApiError> {
    let lodge = &state.lodge;
    let invitation = new.invitation.as_deref().filter(|t| !t.trim().is_empty());
    let (_, recovery) =
        lodge.sign_up(&new.username, Password::new(new.password.clone()), invitation, address.0.as_deref()).await?;
    let (token, _) = lodge.sign_in(&new.username, Password::new(new.password), "API client", None).await?;
    let made = AccountMade { recovery_key: recovery.display_text().to_string(), token: token.to_text() };
    Ok((StatusCode::CREATED, Json(made)))
}

#[utoipa::path(post, path = "/api/v1/recover", tag = "session", request_body = Recovery,
    responses((status = 200, body = Recovered), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub(crate) async fn recover(State(state): crate::State, Body(r): Body<Recovery>) -> Result<Json<Recovered>, ApiError> {
    let fresh = state.lodge.recover(&r.username, &r.recovery_key, Password::new(r.password)).await?;
    Ok(Json(Recovered { recovery_key: fresh.display_text().to_string() }))
}
