//! Sharing her case through the API, as the sharing page does it: who at the organisation
//! holds it (grants, changed and ended), police links (made with the report they show,
//! refreshed and withdrawn), and who looked. Only the case's owner may use these.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use lodge_domain::{Access, UserId};
use lodge_service::{NewShare, Password, ServiceError, ShareState};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::body::{Body, RequestBody};
use super::reports::ReportChoices;
use super::{ApiError, ErrorBody};
use crate::extract::OwnCase;

/// Someone at the organisation who holds her case.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Grant {
    user: Uuid,
    username: String,
    /// `read`, or `write` (read and add).
    access: Access,
}

/// Whom to share with, and how.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewGrant {
    /// Their username at the organisation.
    #[schema(min_length = 1, max_length = 64)]
    username: String,
    /// `read` (the default), or `write` to let them add records too.
    #[serde(default = "read")]
    access: GrantAccess,
}

/// What a grant allows.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum GrantAccess {
    /// Read her case.
    Read,
    /// Read it and add records.
    Write,
}

fn read() -> GrantAccess {
    GrantAccess::Read
}

impl From<GrantAccess> for Access {
    fn from(a: GrantAccess) -> Access {
        match a {
            GrantAccess::Read => Access::Read,
            GrantAccess::Write => Access::Write,
        }
    }
}

/// A change to a grant.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct GrantChange {
    access: GrantAccess,
}

impl RequestBody for NewGrant {}
impl RequestBody for GrantChange {}

async fn grants(open: &lodge_service::OpenCase) -> Result<Vec<Grant>, ServiceError> {
    Ok(open
        .grants()
        .await?
        .into_iter()
        .map(|g| Grant { user: g.user.0, username: g.username, access: g.access })
        .collect())
}

#[utoipa::path(get, path = "/api/v1/cases/{case}/grants", tag = "sharing", security(("bearer" = [])),
    params(("case" = Uuid, Path)),
    responses((status = 200, body = [Grant]), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn list_grants(OwnCase(_, open): OwnCase) -> Result<Json<Vec<Grant>>, ApiError> {
    Ok(Json(grants(&open).await?))
}

#[utoipa::path(post, path = "/api/v1/cases/{case}/grants", tag = "sharing", security(("bearer" = [])),
    params(("case" = Uuid, Path)), request_body = NewGrant,
    responses((status = 201, body = Grant), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub(crate) async fn grant(
    OwnCase(_, open): OwnCase,
    Body(new): Body<NewGrant>,
) -> Result<(StatusCode, Json<Grant>), ApiError> {
    open.grant(&new.username, new.access.into()).await?;
    let made = grants(&open).await?.into_iter().find(|g| g.username.eq_ignore_ascii_case(new.username.trim()));
    Ok((StatusCode::CREATED, Json(made.ok_or(ServiceError::NotFound)?)))
}

#[utoipa::path(put, path = "/api/v1/cases/{case}/grants/{user}", tag = "sharing", security(("bearer" = [])),
    params(("case" = Uuid, Path), ("user" = Uuid, Path)), request_body = GrantChange,
    responses((status = 200, body = Grant), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn change_grant(
    OwnCase(_, open): OwnCase,
    Path((_, user)): Path<(Uuid, Uuid)>,
    Body(change): Body<GrantChange>,
) -> Result<Json<Grant>, ApiError> {
    let held = grants(&open).await?.into_iter().find(|g| g.user == user).ok_or(ServiceError::NotFound)?;
    open.grant(&held.username, change.access.into()).await?;
    Ok(Json(Grant { access: change.access.into(), ..held }))
}

#[utoipa::path(delete, path = "/api/v1/cases/{case}/grants/{user}", tag = "sharing", security(("bearer" = [])),
    params(("case" = Uuid, Path), ("user" = Uuid, Path)),
    responses((status = 204, description = "They no longer hold her case; its keys were changed"),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn revoke_grant(
    OwnCase(s, mut open): OwnCase,
    Path((_, user)): Path<(Uuid, Uuid)>,
) -> Result<StatusCode, ApiError> {
    open.revoke(&s, UserId(user)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Where a police link stands.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum LinkState {
    Preparing,
    Live,
    Withdrawn,
    Expired,
    Ended,
}

/// A police link as she sees it in her list (the link itself is shown once, when made).
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct PoliceLink {
    id: Uuid,
    /// Who it is for.
    label: String,
    /// The name its report uses.
    subject_name: String,
    prepared_by: String,
    #[schema(value_type = Option<String>, format = Date)]
    from: Option<jiff::civil::Date>,
    #[schema(value_type = Option<String>, format = Date)]
    to: Option<jiff::civil::Date>,
    /// Report fields left out.
    redact: Vec<String>,
    /// Whether opening it needs a passphrase as well.
    passphrase: bool,
    state: LinkState,
    #[schema(value_type = String, format = DateTime)]
    created_at: jiff::Timestamp,
    #[schema(value_type = String, format = DateTime)]
    expires_at: jiff::Timestamp,
    /// When its report was made or last refreshed.
    #[schema(value_type = Option<String>, format = DateTime)]
    content_made_at: Option<jiff::Timestamp>,
    /// How many times it was opened or downloaded from.
    accesses: usize,
}

impl From<lodge_service::ShareSummary> for PoliceLink {
    fn from(s: lodge_service::ShareSummary) -> Self {
        let d = s.details;
        PoliceLink {
            id: s.id,
            label: d.label,
            subject_name: d.subject_name,
            prepared_by: d.prepared_by,
            from: d.from,
            to: d.to,
            redact: d.redact,
            passphrase: d.passphrase,
            state: match s.state {
                ShareState::Preparing => LinkState::Preparing,
                ShareState::Live => LinkState::Live,
                ShareState::Withdrawn => LinkState::Withdrawn,
                ShareState::Expired => LinkState::Expired,
                ShareState::Ended => LinkState::Ended,
            },
            created_at: s.created_at,
            expires_at: d.expires_at,
            content_made_at: s.content_made_at,
            accesses: s.accesses,
        }
    }
}

/// A police link to make: who it is for, how long it works, and the report it shows.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewPoliceLink {
    /// Who it is for ("PC Smith, reference 123").
    #[schema(max_length = 200)]
    label: String,
    /// How many days it works.
    #[schema(minimum = 1, maximum = 365)]
    days: i64,
    /// A passphrase to give the officer separately, if she wants one (at least 12 characters).
    #[serde(default)]
    #[schema(min_length = 12, max_length = 1024)]
    passphrase: Option<String>,
    /// The report the link shows.
    report: ReportChoices,
}

impl RequestBody for NewPoliceLink {}

/// A police link, made: the link is shown this once and Lodge keeps no copy.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct PoliceLinkMade {
    id: Uuid,
    /// Send this to the officer. The secret after `#` never reaches a server's logs.
    #[schema(format = "uri")]
    link: String,
}

#[utoipa::path(get, path = "/api/v1/cases/{case}/police-links", tag = "sharing", security(("bearer" = [])),
    params(("case" = Uuid, Path)),
    responses((status = 200, body = [PoliceLink]), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn list_police_links(OwnCase(_, open): OwnCase) -> Result<Json<Vec<PoliceLink>>, ApiError> {
    Ok(Json(open.shares().await?.into_iter().map(Into::into).collect()))
}

#[utoipa::path(post, path = "/api/v1/cases/{case}/police-links", tag = "sharing", security(("bearer" = [])),
    params(("case" = Uuid, Path)), request_body = NewPoliceLink,
    responses((status = 201, body = PoliceLinkMade, description = "Made; its report is prepared in the background"),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn create_police_link(
    State(state): crate::State,
    OwnCase(_, open): OwnCase,
    Body(new): Body<NewPoliceLink>,
) -> Result<(StatusCode, Json<PoliceLinkMade>), ApiError> {
    let mut report = new.report.options();
    report.prepared_for = new.label.clone();
    let passphrase = new.passphrase.filter(|p| !p.is_empty()).map(Password::new);
    let request = NewShare { label: new.label, report, days: new.days, passphrase };
    let (id, token) = open.create_share(request).await?;
    let link = format!("{}/shared#{}", state.config.public_url.trim_end_matches('/'), token.to_text());
    Ok((StatusCode::CREATED, Json(PoliceLinkMade { id, link })))
}

#[utoipa::path(post, path = "/api/v1/cases/{case}/police-links/{share}/refresh", tag = "sharing", security(("bearer" = [])),
    params(("case" = Uuid, Path), ("share" = Uuid, Path)),
    responses((status = 202, description = "Its report is made again from the case as it is now"),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn refresh_link(
    OwnCase(_, open): OwnCase,
    Path((_, share)): Path<(Uuid, Uuid)>,
) -> Result<StatusCode, ApiError> {
    open.refresh_share(share).await?;
    Ok(StatusCode::ACCEPTED)
}

#[utoipa::path(delete, path = "/api/v1/cases/{case}/police-links/{share}", tag = "sharing", security(("bearer" = [])),
    params(("case" = Uuid, Path), ("share" = Uuid, Path)),
    responses((status = 204, description = "Withdrawn: the link opens nothing from now on"),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn withdraw_police_link(
    OwnCase(_, open): OwnCase,
    Path((_, share)): Path<(Uuid, Uuid)>,
) -> Result<StatusCode, ApiError> {
    open.revoke_share(share).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// One look at her case by someone other than her.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Look {
    #[schema(value_type = String, format = DateTime)]
    at: jiff::Timestamp,
    /// How they held the case.
    access: Access,
    /// The account, or the police link.
    by: Uuid,
    /// Their username, or the link's label.
    who: String,
    /// What they looked at or did.
    what: String,
}

#[utoipa::path(get, path = "/api/v1/cases/{case}/access-log", tag = "sharing", security(("bearer" = [])),
    params(("case" = Uuid, Path)),
    responses((status = 200, body = [Look], description = "Newest first"), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub(crate) async fn access_log(OwnCase(_, open): OwnCase) -> Result<Json<Vec<Look>>, ApiError> {
    let lines = open.access_log().await?;
    Ok(Json(
        lines
            .into_iter()
            .map(|l| Look { at: l.at, access: l.entry.access, by: l.entry.by, who: l.entry.who, what: l.entry.what })
            .collect(),
    ))
}
