//! Second factors through the API: her authenticator app (set up with her password and a
//! code, turned off with her password) and passkeys, whose WebAuthn ceremonies travel as
//! JSON — adding and removing one, signing in with one, and using one as the second step
//! after her password. A client holding a session waiting for its second step can do nothing
//! else with it, as with the pages.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use lodge_service::{Ceremony, Password, ServiceError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::account::{PasswordCheck, as_field};
use super::body::{Body, RequestBody};
use super::session::SessionResponse;
use super::{ApiError, ErrorBody};
use crate::auth::ClientAddress;
use crate::extract::ApiSession;

/// A key for her authenticator app, not yet turned on.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct AppKey {
    /// The key to type into the app (base 32).
    secret: String,
    /// The same as an `otpauth://` address, to open the app with or show as a QR code.
    url: String,
}

/// Turning the authenticator app on: the key she added, a code it shows now, her password.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct AppConfirm {
    #[schema(min_length = 1, max_length = 1024)]
    password: String,
    /// The key from `POST /account/two-step`.
    #[schema(min_length = 16, max_length = 128)]
    secret: String,
    /// The six-digit code the app shows now.
    #[schema(pattern = "^[0-9]{6}$", example = "123456")]
    code: String,
}

/// A WebAuthn ceremony begun: pass `options` to the authenticator, and send its answer back
/// with `ceremony`.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct CeremonyStarted {
    ceremony: Uuid,
    /// The WebAuthn options (`publicKey` …), as `navigator.credentials` takes them.
    #[schema(value_type = Object)]
    options: serde_json::Value,
}

impl From<Ceremony> for CeremonyStarted {
    fn from(c: Ceremony) -> Self {
        CeremonyStarted { ceremony: c.id, options: c.options }
    }
}

/// A new passkey's answer, with what to call it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewPasskey {
    ceremony: Uuid,
    #[schema(value_type = Object)]
    answer: serde_json::Value,
    /// What to call it ("my phone").
    #[serde(default)]
    #[schema(max_length = 100)]
    name: String,
    /// Whether it may sign in on its own, without her password, on this client.
    #[serde(default)]
    signs_in: bool,
}

/// A passkey added.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct PasskeyAdded {
    /// For a passkey that signs in on its own: the device key this client keeps, and sends
    /// with the passkey's answer when signing in. Lodge keeps no copy.
    device_key: Option<String>,
}

/// Who starts signing in with a passkey.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PasskeySignIn {
    #[schema(min_length = 1, max_length = 64)]
    username: String,
}

/// The answer to a passkey sign-in, with this client's device key.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PasskeySignInAnswer {
    ceremony: Uuid,
    #[schema(value_type = Object)]
    answer: serde_json::Value,
    /// The device key from when the passkey was added on this client.
    #[schema(min_length = 1, max_length = 200)]
    device_key: String,
}

/// Her username and password, before a passkey as the second step.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PasswordFirst {
    #[schema(min_length = 1, max_length = 64)]
    username: String,
    #[schema(min_length = 1, max_length = 1024)]
    password: String,
}

/// Her password was right; the passkey step is next.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct SecondStepStarted {
    /// The waiting session, good for nothing but finishing this step.
    pending: String,
    ceremony: Uuid,
    #[schema(value_type = Object)]
    options: serde_json::Value,
}

/// The passkey's answer for the second step.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SecondStepAnswer {
    #[schema(min_length = 1, max_length = 200)]
    pending: String,
    ceremony: Uuid,
    #[schema(value_type = Object)]
    answer: serde_json::Value,
}

impl RequestBody for AppConfirm {}
impl RequestBody for NewPasskey {}
impl RequestBody for PasskeySignIn {}
impl RequestBody for PasskeySignInAnswer {}
impl RequestBody for PasswordFirst {}
impl RequestBody for SecondStepAnswer {}

#[utoipa::path(post, path = "/api/v1/account/two-step", tag = "account", security(("bearer" = [])),
    responses((status = 201, body = AppKey, description = "Add it to the app, then confirm with a code")))]
pub(crate) async fn start_app(
    State(state): crate::State,
    ApiSession(s): ApiSession,
) -> Result<(StatusCode, Json<AppKey>), ApiError> {
    let setup = state.lodge.start_totp(&s)?;
    Ok((StatusCode::CREATED, Json(AppKey { secret: setup.secret, url: setup.url })))
}

#[utoipa::path(post, path = "/api/v1/account/two-step/confirm", tag = "account", security(("bearer" = [])),
    request_body = AppConfirm,
    responses((status = 204, description = "Two-step sign-in is on"), (status = 422, body = ErrorBody),
        (status = 429, body = ErrorBody)))]
pub(crate) async fn confirm_app(
    State(state): crate::State,
    ApiSession(s): ApiSession,
    Body(confirm): Body<AppConfirm>,
) -> Result<StatusCode, ApiError> {
    state.lodge.confirm_totp(&s, Password::new(confirm.password), &confirm.secret, &confirm.code).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/account/two-step/off", tag = "account", security(("bearer" = [])),
    request_body = PasswordCheck,
    responses((status = 204, description = "Two-step sign-in is off"), (status = 422, body = ErrorBody),
        (status = 429, body = ErrorBody)))]
pub(crate) async fn app_off(
    State(state): crate::State,
    ApiSession(s): ApiSession,
    Body(check): Body<PasswordCheck>,
) -> Result<StatusCode, ApiError> {
    state.lodge.disable_totp(&s, Password::new(check.password)).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/account/passkeys/start", tag = "account", security(("bearer" = [])),
    request_body = PasswordCheck,
    responses((status = 201, body = CeremonyStarted), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub(crate) async fn start_passkey(
    State(state): crate::State,
    ApiSession(s): ApiSession,
    Body(check): Body<PasswordCheck>,
) -> Result<(StatusCode, Json<CeremonyStarted>), ApiError> {
    let started = state
        .lodge
        .start_passkey_registration(&s, Password::new(check.password))
        .await
        .map_err(|e| as_field(e, "passkey_password", "password"))?;
    Ok((StatusCode::CREATED, Json(started.into())))
}

#[utoipa::path(post, path = "/api/v1/account/passkeys/finish", tag = "account", security(("bearer" = [])),
    request_body = NewPasskey,
    responses((status = 201, body = PasskeyAdded), (status = 422, body = ErrorBody)))]
pub(crate) async fn finish_passkey(
    State(state): crate::State,
    ApiSession(s): ApiSession,
    Body(new): Body<NewPasskey>,
) -> Result<(StatusCode, Json<PasskeyAdded>), ApiError> {
    let device = state.lodge.finish_passkey_registration(&s, new.ceremony, new.answer, &new.name, new.signs_in).await?;
    Ok((StatusCode::CREATED, Json(PasskeyAdded { device_key: device.map(|t| t.to_text()) })))
}

#[utoipa::path(post, path = "/api/v1/account/passkeys/{passkey}/remove", tag = "account", security(("bearer" = [])),
    params(("passkey" = Uuid, Path)), request_body = PasswordCheck,
    responses((status = 204), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 429, body = ErrorBody)))]
pub(crate) async fn remove_passkey(
    State(state): crate::State,
    ApiSession(s): ApiSession,
    Path(passkey): Path<Uuid>,
    Body(check): Body<PasswordCheck>,
) -> Result<StatusCode, ApiError> {
    let removed = state.lodge.remove_passkey(&s, passkey, Password::new(check.password)).await;
    removed.map_err(|e| as_field(e, "passkey_password", "password"))?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/session/passkey/start", tag = "session", request_body = PasskeySignIn,
    responses((status = 201, body = CeremonyStarted), (status = 429, body = ErrorBody)))]
pub(crate) async fn start_sign_in(
    State(state): crate::State,
    address: ClientAddress,
    Body(who): Body<PasskeySignIn>,
) -> Result<(StatusCode, Json<CeremonyStarted>), ApiError> {
    let started = state.lodge.start_passkey_sign_in(&who.username, address.0.as_deref()).await?;
    Ok((StatusCode::CREATED, Json(started.into())))
}

#[utoipa::path(post, path = "/api/v1/session/passkey/finish", tag = "session", request_body = PasskeySignInAnswer,
    responses((status = 201, body = SessionResponse), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn finish_sign_in(
    State(state): crate::State,
    Body(a): Body<PasskeySignInAnswer>,
) -> Result<(StatusCode, Json<SessionResponse>), ApiError> {
    let (token, _) =
        state.lodge.finish_passkey_sign_in(a.ceremony, a.answer, Some(&a.device_key), "API client").await?;
    Ok((StatusCode::CREATED, Json(SessionResponse::new(token.to_text()))))
}

#[utoipa::path(post, path = "/api/v1/session/second-step/passkey/start", tag = "session", request_body = PasswordFirst,
    responses((status = 201, body = SecondStepStarted), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 429, body = ErrorBody)))]
pub(crate) async fn start_second_step(
    State(state): crate::State,
    address: ClientAddress,
    Body(who): Body<PasswordFirst>,
) -> Result<(StatusCode, Json<SecondStepStarted>), ApiError> {
    let password = Password::new(who.password);
    let (token, outcome) = state.lodge.sign_in(&who.username, password, "API client", address.0.as_deref()).await?;
    let pending = token.to_text();
    if let lodge_service::SignIn::Ready(_) = outcome {
        // Nothing waits for a second step: this is not the way in for such an account.
        state.lodge.sign_out(&pending).await?;
        return Err(
            ServiceError::invalid("passkey", "This account has no second step: sign in with POST /session.").into()
        );
    }
    match state.lodge.start_passkey_second_factor(&pending).await {
        Ok(c) => Ok((StatusCode::CREATED, Json(SecondStepStarted { pending, ceremony: c.id, options: c.options }))),
        Err(e) => {
            state.lodge.sign_out(&pending).await?;
            Err(e.into())
        }
    }
}

#[utoipa::path(post, path = "/api/v1/session/second-step/passkey/finish", tag = "session", request_body = SecondStepAnswer,
    responses((status = 201, body = SessionResponse, description = "The session is whole now: use it as the token"),
        (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn finish_second_step(
    State(state): crate::State,
    Body(a): Body<SecondStepAnswer>,
) -> Result<(StatusCode, Json<SessionResponse>), ApiError> {
    state.lodge.finish_passkey_second_factor(&a.pending, a.ceremony, a.answer).await?;
    Ok((StatusCode::CREATED, Json(SessionResponse::new(a.pending))))
}
