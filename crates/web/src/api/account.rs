//! Her account through the API, as the account page has it: what is set, her password and
//! recovery key, safety settings, where reminders go, where she is signed in, and deleting
//! her data. Anything that could lock her out or give her account away asks for her
//! password again, as the page does.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use lodge_domain::Role;
use lodge_service::{Password, ServiceError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::body::{Body, RequestBody};
use super::{ApiError, ErrorBody};
use crate::extract::ApiSession;

/// Her account as the account page shows it.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Account {
    id: Uuid,
    username: String,
    role: Role,
    /// Whether signing in needs a code from her authenticator app.
    two_step: bool,
    /// Her passkeys; empty where this server has no passkey support.
    passkeys: Vec<Passkey>,
    /// Whether this server can email reminders.
    reminders_available: bool,
    /// Where reminders go ("" for nowhere).
    reminder_email: String,
    safety: Safety,
}

/// Her safety settings.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Safety {
    /// Show a neutral title (and `app_name`) instead of "Lodge".
    neutral_title: bool,
    /// The name shown instead of "Lodge": up to 30 letters, numbers and spaces.
    #[serde(default)]
    #[schema(max_length = 30, example = "Recipes")]
    app_name: String,
    /// Sign her out after this many idle minutes (5 up to the organisation's limit); none for
    /// the organisation's limit.
    #[serde(default)]
    #[schema(minimum = 5)]
    idle_minutes: Option<i64>,
}

/// One of her passkeys.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Passkey {
    id: Uuid,
    name: String,
    #[schema(value_type = String, format = DateTime)]
    created_at: jiff::Timestamp,
    #[schema(value_type = Option<String>, format = DateTime)]
    last_used_at: Option<jiff::Timestamp>,
    /// Whether it signs in on its own, without her password.
    signs_in: bool,
}

impl From<lodge_service::PasskeySummary> for Passkey {
    fn from(p: lodge_service::PasskeySummary) -> Self {
        Passkey { id: p.id, name: p.name, created_at: p.created_at, last_used_at: p.last_used_at, signs_in: p.signs_in }
    }
}

/// A place she is signed in.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct SignedInPlace {
    /// Its id, to sign it out.
    id: String,
    /// Whether it is the session asking.
    this: bool,
    /// Browser and system, as they said.
    device: String,
    #[schema(value_type = String, format = DateTime)]
    started: jiff::Timestamp,
    #[schema(value_type = String, format = DateTime)]
    last_seen: jiff::Timestamp,
}

/// Her password, to confirm a change that needs it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PasswordCheck {
    #[schema(min_length = 1, max_length = 1024)]
    pub(super) password: String,
}

/// A new password.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PasswordChange {
    #[schema(min_length = 1, max_length = 1024)]
    current_password: String,
    /// At least 10 characters.
    #[schema(min_length = 10, max_length = 1024)]
    new_password: String,
}

/// Where reminders go.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Reminders {
    /// An email address, or "" for no reminders.
    #[schema(max_length = 254, example = "me@example.org")]
    email: String,
}

/// Deleting her data for good.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Deletion {
    #[schema(min_length = 1, max_length = 1024)]
    password: String,
    /// Must be `true`: her cases, files and account are destroyed and cannot be brought back.
    confirm: bool,
}

/// A recovery key, shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct RecoveryKey {
    /// 13 groups of 4 letters and numbers. Keep it somewhere safe, away from this phone.
    recovery_key: String,
}

impl RequestBody for Safety {}
impl RequestBody for PasswordCheck {}
impl RequestBody for PasswordChange {}
impl RequestBody for Reminders {}
impl RequestBody for Deletion {}

/// A problem the service names by a page's field, named by the body's field instead.
pub(super) fn as_field(e: ServiceError, page_field: &str, field: &str) -> ServiceError {
    match e {
        ServiceError::Invalid(mut p) => {
            for f in &mut p.fields {
                if f.field == page_field {
                    f.field = field.to_owned();
                }
            }
            ServiceError::Invalid(p)
        }
        other => other,
    }
}

#[utoipa::path(get, path = "/api/v1/account", tag = "account", security(("bearer" = [])),
    responses((status = 200, body = Account)))]
pub(crate) async fn show(State(state): crate::State, ApiSession(s): ApiSession) -> Result<Json<Account>, ApiError> {
    let lodge = &state.lodge;
    let passkeys = if lodge.passkeys_available() { lodge.passkeys_of(&s).await? } else { Vec::new() };
    let reminders_available = lodge.reminders_available();
    Ok(Json(Account {
        id: s.user_id.0,
        username: s.username.clone(),
        role: s.role,
        two_step: lodge.totp_enabled(&s).await?,
        passkeys: passkeys.into_iter().map(Into::into).collect(),
        reminders_available,
        reminder_email: if reminders_available { lodge.reminder_email(&s).await? } else { String::new() },
        safety: Safety { neutral_title: s.neutral_title, app_name: s.app_name.clone(), idle_minutes: s.idle_minutes },
    }))
}

#[utoipa::path(put, path = "/api/v1/account/password", tag = "account", security(("bearer" = [])),
    request_body = PasswordChange,
    responses((status = 204, description = "Changed; every other session of hers has ended"),
        (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub(crate) async fn change_password(
    State(state): crate::State,
    ApiSession(s): ApiSession,
    Body(change): Body<PasswordChange>,
) -> Result<StatusCode, ApiError> {
    let (current, new) = (Password::new(change.current_password), Password::new(change.new_password));
    state.lodge.change_password(&s, current, new).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/account/recovery-key", tag = "account", security(("bearer" = [])),
    request_body = PasswordCheck,
    responses((status = 201, body = RecoveryKey, description = "The old key no longer works"),
        (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub(crate) async fn replace_recovery_key(
    State(state): crate::State,
    ApiSession(s): ApiSession,
    Body(check): Body<PasswordCheck>,
) -> Result<(StatusCode, Json<RecoveryKey>), ApiError> {
    let fresh = state
        .lodge
        .replace_recovery_key(&s, Password::new(check.password))
        .await
        .map_err(|e| as_field(e, "recovery_password", "password"))?;
    Ok((StatusCode::CREATED, Json(RecoveryKey { recovery_key: fresh.display_text().to_string() })))
}

#[utoipa::path(put, path = "/api/v1/account/safety", tag = "account", security(("bearer" = [])),
    request_body = Safety, responses((status = 204), (status = 422, body = ErrorBody)))]
pub(crate) async fn set_safety(
    State(state): crate::State,
    ApiSession(s): ApiSession,
    Body(safety): Body<Safety>,
) -> Result<StatusCode, ApiError> {
    state.lodge.set_safety(&s, safety.neutral_title, &safety.app_name, safety.idle_minutes).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(put, path = "/api/v1/account/reminders", tag = "account", security(("bearer" = [])),
    request_body = Reminders, responses((status = 204), (status = 422, body = ErrorBody)))]
pub(crate) async fn set_reminders(
    State(state): crate::State,
    ApiSession(s): ApiSession,
    Body(reminders): Body<Reminders>,
) -> Result<StatusCode, ApiError> {
    state.lodge.set_reminder_email(&s, &reminders.email).await.map_err(|e| as_field(e, "reminder_email", "email"))?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/account/delete", tag = "account", security(("bearer" = [])),
    request_body = Deletion,
    responses((status = 204, description = "Her cases, files and account are gone, and this session with them"),
        (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub(crate) async fn delete_my_data(
    State(state): crate::State,
    ApiSession(s): ApiSession,
    Body(deletion): Body<Deletion>,
) -> Result<StatusCode, ApiError> {
    if !deletion.confirm {
        return Err(
            ServiceError::invalid("confirm", "Send true to confirm that you want your data gone for good.").into()
        );
    }
    state.lodge.delete_my_data(&s, Password::new(deletion.password)).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/account/sessions", tag = "account", security(("bearer" = [])),
    responses((status = 200, body = [SignedInPlace])))]
pub(crate) async fn sessions(
    State(state): crate::State,
    ApiSession(s): ApiSession,
) -> Result<Json<Vec<SignedInPlace>>, ApiError> {
    let places = state.lodge.sessions(&s).await?;
    Ok(Json(
        places
            .into_iter()
            .map(|p| SignedInPlace {
                id: p.id,
                this: p.this,
                device: p.device,
                started: p.started,
                last_seen: p.last_seen,
            })
            .collect(),
    ))
}

#[utoipa::path(post, path = "/api/v1/account/sessions/end-others", tag = "account", security(("bearer" = [])),
    responses((status = 204, description = "Signed out everywhere but this session")))]
pub(crate) async fn end_other_sessions(
    State(state): crate::State,
    ApiSession(s): ApiSession,
) -> Result<StatusCode, ApiError> {
    state.lodge.end_other_sessions(&s).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(delete, path = "/api/v1/account/sessions/{session}", tag = "account", security(("bearer" = [])),
    params(("session" = String, Path, description = "A session's id, from the list")),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub(crate) async fn end_session(
    State(state): crate::State,
    ApiSession(s): ApiSession,
    Path(session): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.lodge.end_session(&s, &session).await?;
    Ok(StatusCode::NO_CONTENT)
}
