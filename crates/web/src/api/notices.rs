//! Takedown notices through the API: made from confirmed copies on one site along a chosen
//! route (refused, naming each missing element, when incomplete), sent by the organisation's
//! mail server or marked sent, tracked through their statuses, re-checked, and summed up per site.

use axum::Json;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::Response;
use lodge_domain::{CopyId, NoticeId};
use lodge_service::{CaseNotice, NoticeDetails, OpenCase, ServiceError, SiteSummary, Version};
use lodge_takedown::notice::{Confirmed, Draft, Recipient, Sender};
use lodge_takedown::route::Route;
use lodge_takedown::tracking::Due;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{ApiError, ErrorBody};
use crate::extract::{ReadCase, WriteCase};

/// A notice and where it stands.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct NoticeBody {
    id: Uuid,
    version: i64,
    /// The route's short name (`dmca`, `dsa`, `delist-copyright`, `delist-ncii`, `delist-fake`,
    /// `platform-ncii`, `platform-fake`).
    route: String,
    /// The notice itself: host, recipient, subject, body, the draft it was made from, the Lumen
    /// record, status and history, the copies it reports and whether each has gone.
    #[schema(value_type = Object)]
    notice: serde_json::Value,
    /// What is due next: `follow_up` or `escalate`, and when.
    due: Option<DueBody>,
}

/// What is due next for a sent notice.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct DueBody {
    /// `follow_up` or `escalate`.
    action: &'static str,
    #[schema(value_type = String, format = DateTime)]
    at: jiff::Timestamp,
}

fn body(open: &OpenCase, e: Version<CaseNotice>) -> Result<NoticeBody, ServiceError> {
    let notice = e.body.ok_or(ServiceError::NotFound)?;
    let due = open.notice_due(&notice).map(|d| match d {
        Due::FollowUp(at) => DueBody { action: "follow_up", at },
        Due::Escalate(at) => DueBody { action: "escalate", at },
    });
    Ok(NoticeBody {
        id: e.id,
        version: e.version,
        route: notice.route.name().into(),
        notice: serde_json::to_value(&notice).map_err(|e| ServiceError::Internal(e.to_string()))?,
        due,
    })
}

#[utoipa::path(get, path = "/api/v1/cases/{case}/notices", tag = "notices", security(("bearer" = [])),
    params(("case" = Uuid, Path)),
    responses((status = 200, body = [NoticeBody]), (status = 404, body = ErrorBody)))]
pub(crate) async fn list_notices(ReadCase(_, open): ReadCase) -> Result<Json<Vec<NoticeBody>>, ApiError> {
    let notices = open.notices().await?;
    Ok(Json(notices.into_iter().map(|e| body(&open, e)).collect::<Result<_, _>>()?))
}

/// A new notice.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewNotice {
    /// The route's short name.
    #[schema(pattern = "^(dmca|dsa|delist-copyright|delist-ncii|delist-fake|platform-ncii|platform-fake)$")]
    route: String,
    /// Confirmed copies, all on one site.
    copies: Vec<Uuid>,
    draft: DraftInput,
}

/// A notice's draft as she writes it: sender, recipient, work, law, country, whether she is
/// paid, and her confirmations. The copies' addresses and the date are Lodge's to fill in.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct DraftInput {
    sender: Sender,
    recipient: Recipient,
    /// Her original work, described ("Photo set 'Red room', published March 2024").
    #[serde(default)]
    work: String,
    /// Where her original is published.
    #[serde(default)]
    original_urls: Vec<String>,
    /// Why the content is illegal, naming the law (DSA; the legal basis of an NCII report).
    #[serde(default)]
    law: String,
    /// The country she lives in (search delisting).
    #[serde(default)]
    country: String,
    /// Whether she is currently paid for this content; leave it out if she has not said.
    #[serde(default)]
    paid: Option<bool>,
    /// Ask the platform not to tell the uploader who reported.
    #[serde(default)]
    anonymous: bool,
    /// Ask the search engine to filter similar results too.
    #[serde(default)]
    filter_similar: bool,
    /// Her StopNCII case number, if she has one.
    #[serde(default)]
    stopncii_case: String,
    #[serde(default)]
    confirmed: Confirmed,
}

impl From<DraftInput> for Draft {
    fn from(d: DraftInput) -> Draft {
        Draft {
            sender: d.sender,
            recipient: d.recipient,
            work: d.work,
            original_urls: d.original_urls,
            law: d.law,
            country: d.country,
            paid: d.paid,
            anonymous: d.anonymous,
            filter_similar: d.filter_similar,
            stopncii_case: d.stopncii_case,
            confirmed: d.confirmed,
            ..Draft::default()
        }
    }
}

impl super::body::RequestBody for NewNotice {
    const SERVER_OWNED: &'static [&'static str] = &["/draft/urls", "/draft/date"];
}

#[utoipa::path(post, path = "/api/v1/cases/{case}/notices", tag = "notices", security(("bearer" = [])),
    params(("case" = Uuid, Path)), request_body = NewNotice,
    responses((status = 201, body = NoticeBody), (status = 400, body = ErrorBody, description = "Each missing element named"), (status = 404, body = ErrorBody)))]
pub(crate) async fn create_notice(
    WriteCase(_, open): WriteCase,
    super::body::Body(new): super::body::Body<NewNotice>,
) -> Result<(StatusCode, Json<NoticeBody>), ApiError> {
    let route: Route = Route::from_name(&new.route).ok_or_else(|| {
        ServiceError::invalid(
            "route",
            "Use dmca, dsa, delist-copyright, delist-ncii, delist-fake, platform-ncii or platform-fake.",
        )
    })?;
    let details =
        NoticeDetails { route, copies: new.copies.into_iter().map(CopyId).collect(), draft: new.draft.into() };
    let id = open.draft_notice(details).await?;
    let made = open.notice(id).await?;
    Ok((StatusCode::CREATED, Json(body(&open, made)?)))
}

#[utoipa::path(get, path = "/api/v1/cases/{case}/notices/{notice}", tag = "notices", security(("bearer" = [])),
    params(("case" = Uuid, Path), ("notice" = Uuid, Path)),
    responses((status = 200, body = NoticeBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn get_notice(
    ReadCase(_, open): ReadCase,
    Path((_, notice)): Path<(Uuid, Uuid)>,
) -> Result<Json<NoticeBody>, ApiError> {
    let entry = open.notice(NoticeId(notice)).await?;
    Ok(Json(body(&open, entry)?))
}

/// Which form of the letter.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct LetterFormat {
    /// `text` (the email, the default), `pdf` or `lumen`.
    #[serde(default)]
    format: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/cases/{case}/notices/{notice}/letter", tag = "notices", security(("bearer" = [])),
    params(("case" = Uuid, Path), ("notice" = Uuid, Path), LetterFormat),
    responses((status = 200, description = "The notice as a plain-text email, a PDF, or Lumen JSON", content(("text/plain"), ("application/pdf"), ("application/json"))),
        (status = 404, body = ErrorBody)))]
pub(crate) async fn letter(
    ReadCase(_, open): ReadCase,
    Path((_, notice)): Path<(Uuid, Uuid)>,
    Query(format): Query<LetterFormat>,
) -> Result<Response, ApiError> {
    let letter = open.notice_letter(NoticeId(notice), format.format.as_deref().unwrap_or("")).await?;
    Ok(crate::http::download::attachment(letter.bytes.into(), letter.content_type, &letter.file_name))
}

#[utoipa::path(post, path = "/api/v1/cases/{case}/notices/{notice}/send", tag = "notices", security(("bearer" = [])),
    params(("case" = Uuid, Path), ("notice" = Uuid, Path)),
    responses((status = 200, body = NoticeBody), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn send_notice(
    WriteCase(_, open): WriteCase,
    Path((_, notice)): Path<(Uuid, Uuid)>,
) -> Result<Json<NoticeBody>, ApiError> {
    open.send_notice(NoticeId(notice)).await?;
    let entry = open.notice(NoticeId(notice)).await?;
    Ok(Json(body(&open, entry)?))
}

/// A change of status.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct StatusUpdate {
    /// `sent`, `acknowledged`, `removed`, `partly_removed`, `refused`, `counter_notice` or
    /// `restored`; or `followed_up` to record a follow-up.
    #[schema(pattern = "^(sent|acknowledged|removed|partly_removed|refused|counter_notice|restored|followed_up)$")]
    status: String,
    /// What happened.
    #[serde(default)]
    note: String,
}

impl super::body::RequestBody for StatusUpdate {}

#[utoipa::path(post, path = "/api/v1/cases/{case}/notices/{notice}/status", tag = "notices", security(("bearer" = [])),
    params(("case" = Uuid, Path), ("notice" = Uuid, Path)), request_body = StatusUpdate,
    responses((status = 200, body = NoticeBody), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn set_status(
    WriteCase(_, open): WriteCase,
    Path((_, notice)): Path<(Uuid, Uuid)>,
    super::body::Body(update): super::body::Body<StatusUpdate>,
) -> Result<Json<NoticeBody>, ApiError> {
    let id = NoticeId(notice);
    open.update_notice(id, &update.status, &update.note).await?;
    let entry = open.notice(id).await?;
    Ok(Json(body(&open, entry)?))
}

#[utoipa::path(post, path = "/api/v1/cases/{case}/rechecks", tag = "notices", security(("bearer" = [])),
    params(("case" = Uuid, Path)),
    responses((status = 202, description = "The addresses of open notices will be looked at again now"), (status = 404, body = ErrorBody)))]
pub(crate) async fn recheck(WriteCase(_, open): WriteCase) -> Result<StatusCode, ApiError> {
    open.recheck_now().await?;
    Ok(StatusCode::ACCEPTED)
}

/// How one site answers her notices.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct SiteBody {
    host: String,
    notices: usize,
    open: usize,
    reported: usize,
    removed: usize,
    /// Removed ÷ reported.
    removal_rate: f64,
    /// Median hours from sending to removal.
    median_hours_to_removal: Option<f64>,
}

impl From<SiteSummary> for SiteBody {
    fn from(s: SiteSummary) -> Self {
        SiteBody {
            host: s.host,
            notices: s.notices,
            open: s.open,
            reported: s.reported,
            removed: s.removed,
            removal_rate: s.removal_rate,
            median_hours_to_removal: s.median_time_to_removal.map(|d| d.as_secs_f64() / 3600.0),
        }
    }
}

#[utoipa::path(get, path = "/api/v1/cases/{case}/sites", tag = "notices", security(("bearer" = [])),
    params(("case" = Uuid, Path)),
    responses((status = 200, body = [SiteBody]), (status = 404, body = ErrorBody)))]
pub(crate) async fn sites(ReadCase(_, open): ReadCase) -> Result<Json<Vec<SiteBody>>, ApiError> {
    Ok(Json(open.site_summaries().await?.into_iter().map(Into::into).collect()))
}
