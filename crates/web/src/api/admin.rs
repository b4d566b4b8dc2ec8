//! Administration through the API, as the administration page has it: accounts (listed,
//! switched off and on), invitations (made with a role and label, listed while open,
//! withdrawn) and whether anyone may sign up without one. Administrators only.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use lodge_domain::{Role, UserId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::body::{Body, RequestBody};
use super::{ApiError, ErrorBody};
use crate::extract::ApiSession;

/// An account, as administrators see it (nothing of what it keeps).
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct AccountSummary {
    id: Uuid,
    username: String,
    role: Role,
    /// Switched off: it cannot sign in; its records stay.
    disabled: bool,
    #[schema(value_type = String, format = DateTime)]
    created_at: jiff::Timestamp,
}

/// An invitation that has not been used, withdrawn or run out.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct OpenInvitation {
    /// Its id, to withdraw it.
    id: String,
    role: Role,
    /// Who it is for, in the words of whoever made it.
    label: String,
    #[schema(value_type = String, format = DateTime)]
    made_at: jiff::Timestamp,
    #[schema(value_type = String, format = DateTime)]
    expires_at: jiff::Timestamp,
}

/// An invitation to make.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewInvitation {
    /// The role the account will have.
    role: Role,
    /// Who it is for, so that it can be told apart in the list.
    #[serde(default)]
    #[schema(max_length = 100)]
    label: String,
}

/// An invitation, made: the link is shown this once and Lodge keeps no copy.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct InvitationMade {
    #[schema(format = "uri")]
    link: String,
    /// The token in the link, for `POST /api/v1/accounts`.
    token: String,
}

/// Whether anyone may make a survivor's account without an invitation.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SignUp {
    open: bool,
}

impl RequestBody for NewInvitation {}
impl RequestBody for SignUp {}

#[utoipa::path(get, path = "/api/v1/admin/accounts", tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = [AccountSummary]), (status = 403, body = ErrorBody)))]
pub(crate) async fn list_accounts(
    State(state): crate::State,
    ApiSession(s): ApiSession,
) -> Result<Json<Vec<AccountSummary>>, ApiError> {
    let users = state.lodge.users(&s).await?;
    Ok(Json(
        users
            .into_iter()
            .map(|u| AccountSummary {
                id: u.id.0,
                username: u.username,
                role: u.role,
                disabled: u.disabled,
                created_at: u.created_at,
            })
            .collect(),
    ))
}

async fn switch(
    state: &crate::AppState,
    s: &lodge_service::Session,
    user: Uuid,
    off: bool,
) -> Result<StatusCode, ApiError> {
    state.lodge.set_account_disabled(s, UserId(user), off).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/admin/accounts/{user}/disable", tag = "admin", security(("bearer" = [])),
    params(("user" = Uuid, Path)),
    responses((status = 204, description = "Switched off; its sessions ended"), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub(crate) async fn disable(
    State(state): crate::State,
    ApiSession(s): ApiSession,
    Path(user): Path<Uuid>,
) -> Result<StatusCode, ApiError> {
    switch(&state, &s, user, true).await
}

#[utoipa::path(post, path = "/api/v1/admin/accounts/{user}/enable", tag = "admin", security(("bearer" = [])),
    params(("user" = Uuid, Path)),
    responses((status = 204, description = "Switched on again"), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub(crate) async fn enable(
    State(state): crate::State,
    ApiSession(s): ApiSession,
    Path(user): Path<Uuid>,
) -> Result<StatusCode, ApiError> {
    switch(&state, &s, user, false).await
}

#[utoipa::path(get, path = "/api/v1/admin/invitations", tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = [OpenInvitation]), (status = 403, body = ErrorBody)))]
pub(crate) async fn invitations(
    State(state): crate::State,
    ApiSession(s): ApiSession,
) -> Result<Json<Vec<OpenInvitation>>, ApiError> {
    let open = state.lodge.invitations(&s).await?;
    Ok(Json(
        open.into_iter()
            .map(|i| OpenInvitation {
                id: i.id,
                role: i.role,
                label: i.label,
                made_at: i.made_at,
                expires_at: i.expires_at,
            })
            .collect(),
    ))
}

#[utoipa::path(post, path = "/api/v1/admin/invitations", tag = "admin", security(("bearer" = [])),
    request_body = NewInvitation,
    responses((status = 201, body = InvitationMade), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn invite(
    State(state): crate::State,
    ApiSession(s): ApiSession,
    Body(new): Body<NewInvitation>,
) -> Result<(StatusCode, Json<InvitationMade>), ApiError> {
    let token = state.lodge.invite(&s, new.role, &new.label).await?.to_text();
    let link = format!("{}/join/{token}", state.config.public_url.trim_end_matches('/'));
    Ok((StatusCode::CREATED, Json(InvitationMade { link, token })))
}

#[utoipa::path(delete, path = "/api/v1/admin/invitations/{invitation}", tag = "admin", security(("bearer" = [])),
    params(("invitation" = String, Path)),
    responses((status = 204, description = "Withdrawn: the link no longer works"), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub(crate) async fn withdraw_invitation(
    State(state): crate::State,
    ApiSession(s): ApiSession,
    Path(invitation): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.lodge.withdraw_invitation(&s, &invitation).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/admin/sign-up", tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = SignUp), (status = 403, body = ErrorBody)))]
pub(crate) async fn sign_up_setting(
    State(state): crate::State,
    ApiSession(_): ApiSession,
) -> Result<Json<SignUp>, ApiError> {
    Ok(Json(SignUp { open: state.lodge.signup_open().await? }))
}

#[utoipa::path(put, path = "/api/v1/admin/sign-up", tag = "admin", security(("bearer" = [])),
    request_body = SignUp, responses((status = 200, body = SignUp), (status = 403, body = ErrorBody)))]
pub(crate) async fn set_sign_up_setting(
    State(state): crate::State,
    ApiSession(s): ApiSession,
    Body(setting): Body<SignUp>,
) -> Result<Json<SignUp>, ApiError> {
    state.lodge.set_signup_open(&s, setting.open).await?;
    Ok(Json(setting))
}
