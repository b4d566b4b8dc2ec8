//! The JSON API under `/api/v1`, mirroring the pages, with bearer tokens from
//! `POST /api/v1/session` and an OpenAPI description at `/api/v1/openapi.json`.

use std::sync::Arc;

use axum::http::StatusCode;
use axum::{Json, Router};
use lodge_service::Version;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::routes::Allowed::*;
use crate::routes::{RouteInfo, Table};
use crate::{AppState, State};

mod account;
mod admin;
mod body;
mod cases;
mod checkpoint;
mod content;
mod error;
mod evidence;
mod imports;
mod inbox;
mod incidents;
mod joining;
pub(crate) mod notices;
mod openapi;
mod people;
mod report_files;
mod reports;
mod second_steps;
mod session;
mod sharing;
mod uploads;
mod watch;
mod when;
mod your_voice;

pub(crate) use error::{ApiError, ErrorBody};
pub use openapi::openapi_json;

/// The API routes, and who may use each.
pub(crate) fn routes() -> (Router<Arc<AppState>>, Vec<RouteInfo>) {
    let (router, routes) = Table::new("/api/v1")
        .get("/openapi.json", Public, openapi::openapi)
        .post("/session", Public, session::create_session)
        .delete("/session", SignedIn, session::delete_session)
        .post("/session/passkey/start", Public, second_steps::start_sign_in)
        .post("/session/passkey/finish", Public, second_steps::finish_sign_in)
        .post("/session/second-step/passkey/start", Public, second_steps::start_second_step)
        .post("/session/second-step/passkey/finish", Public, second_steps::finish_second_step)
        .post("/accounts", Public, joining::create_account)
        .post("/recover", Public, joining::recover)
        .post("/your-voice", Public, your_voice::send_feedback)
        .get("/your-voice", Staff, your_voice::read)
        .get("/your-voice.csv", Staff, your_voice::export)
        .get("/account", SignedIn, account::show)
        .put("/account/password", SignedIn, account::change_password)
        .post("/account/recovery-key", SignedIn, account::replace_recovery_key)
        .put("/account/safety", SignedIn, account::set_safety)
        .put("/account/reminders", SignedIn, account::set_reminders)
        .post("/account/delete", SignedIn, account::delete_my_data)
        .get("/account/sessions", SignedIn, account::sessions)
        .post("/account/sessions/end-others", SignedIn, account::end_other_sessions)
        .delete("/account/sessions/{session}", SignedIn, account::end_session)
        .post("/account/two-step", SignedIn, second_steps::start_app)
        .post("/account/two-step/confirm", SignedIn, second_steps::confirm_app)
        .post("/account/two-step/off", SignedIn, second_steps::app_off)
        .post("/account/passkeys/start", SignedIn, second_steps::start_passkey)
        .post("/account/passkeys/finish", SignedIn, second_steps::finish_passkey)
        .post("/account/passkeys/{passkey}/remove", SignedIn, second_steps::remove_passkey)
        .get("/admin/accounts", Admin, admin::list_accounts)
        .post("/admin/accounts/{user}/disable", Admin, admin::disable)
        .post("/admin/accounts/{user}/enable", Admin, admin::enable)
        .get("/admin/invitations", Admin, admin::invitations)
        .post("/admin/invitations", Admin, admin::invite)
        .delete("/admin/invitations/{invitation}", Admin, admin::withdraw_invitation)
        .get("/admin/sign-up", Admin, admin::sign_up_setting)
        .put("/admin/sign-up", Admin, admin::set_sign_up_setting)
        .get("/cases", SignedIn, cases::list_cases)
        .post("/cases", Survivor, cases::create_case)
        .get("/cases/{case}", CaseRead, cases::get_case)
        .put("/cases/{case}", CaseWrite, cases::rename_case)
        .get("/cases/{case}/grants", CaseOwner, sharing::list_grants)
        .post("/cases/{case}/grants", CaseOwner, sharing::grant)
        .put("/cases/{case}/grants/{user}", CaseOwner, sharing::change_grant)
        .delete("/cases/{case}/grants/{user}", CaseOwner, sharing::revoke_grant)
        .get("/cases/{case}/police-links", CaseOwner, sharing::list_police_links)
        .post("/cases/{case}/police-links", CaseOwner, sharing::create_police_link)
        .post("/cases/{case}/police-links/{share}/refresh", CaseOwner, sharing::refresh_link)
        .delete("/cases/{case}/police-links/{share}", CaseOwner, sharing::withdraw_police_link)
        .get("/cases/{case}/access-log", CaseOwner, sharing::access_log)
        .get("/cases/{case}/inbox-links", CaseOwner, inbox::list_inbox_links)
        .post("/cases/{case}/inbox-links", CaseOwner, inbox::create_inbox_link)
        .delete("/cases/{case}/inbox-links/{link}", CaseOwner, inbox::withdraw_inbox_link)
        .get("/cases/{case}/inbox", CaseOwner, inbox::waiting)
        .get("/cases/{case}/inbox/{submission}/files/{n}", CaseOwner, inbox::file)
        .post("/cases/{case}/inbox/{submission}/accept", CaseOwner, inbox::accept)
        .post("/cases/{case}/inbox/{submission}/decline", CaseOwner, inbox::decline)
        .get("/cases/{case}/incidents", CaseRead, incidents::list_incidents)
        .post("/cases/{case}/incidents", CaseWrite, incidents::create_incident)
        .get("/cases/{case}/incidents/{incident}", CaseRead, incidents::get_incident)
        .put("/cases/{case}/incidents/{incident}", CaseWrite, incidents::update_incident)
        .delete("/cases/{case}/incidents/{incident}", CaseWrite, incidents::delete_incident)
        .get("/cases/{case}/incidents/{incident}/history", CaseRead, incidents::incident_history)
        .get("/cases/{case}/evidence", CaseRead, evidence::list_evidence)
        .upload("/cases/{case}/evidence", CaseWrite, evidence::upload_evidence)
        .get("/cases/{case}/evidence/{evidence}", CaseRead, evidence::get_evidence)
        .put("/cases/{case}/evidence/{evidence}", CaseWrite, evidence::attach_evidence)
        .delete("/cases/{case}/evidence/{evidence}", CaseWrite, evidence::delete_evidence)
        .get("/cases/{case}/evidence/{evidence}/content", CaseRead, evidence::evidence_content)
        .get("/cases/{case}/evidence/{evidence}/thumbnail", CaseRead, evidence::evidence_thumbnail)
        .get("/cases/{case}/people", CaseRead, people::list_people)
        .post("/cases/{case}/people", CaseWrite, people::create_person)
        .get("/cases/{case}/people/{person}", CaseRead, people::get_person)
        .put("/cases/{case}/people/{person}", CaseWrite, people::update_person)
        .delete("/cases/{case}/people/{person}", CaseWrite, people::delete_person)
        .get("/cases/{case}/checkpoint", CaseRead, checkpoint::get_checkpoint)
        .get("/cases/{case}/checkpoint/consistency", CaseRead, checkpoint::get_consistency)
        .get("/cases/{case}/checkpoint/verify", CaseRead, checkpoint::verify_log)
        .post("/cases/{case}/reports", CaseRead, reports::create_report)
        .get("/cases/{case}/report-files", CaseRead, report_files::list_report_files)
        .post("/cases/{case}/report-files", CaseRead, report_files::create_report_file)
        .get("/cases/{case}/report-files/{file}", CaseRead, report_files::get_report_file)
        .get("/cases/{case}/report-files/{file}/content", CaseRead, report_files::download_report_file)
        .delete("/cases/{case}/report-files/{file}", CaseRead, report_files::delete_report_file)
        .get("/cases/{case}/content", CaseRead, content::list_content)
        .upload("/cases/{case}/content", CaseWrite, content::add_content)
        .get("/cases/{case}/content/hash-list", CaseRead, content::hash_list)
        .upload("/cases/{case}/content/check", CaseRead, content::check)
        .delete("/cases/{case}/content/{content}", CaseWrite, content::delete_content)
        .get("/cases/{case}/content/{content}/thumbnail", CaseRead, content::content_thumbnail)
        .get("/cases/{case}/fingerprinting/{job}", CaseRead, content::fingerprinting)
        .delete("/cases/{case}/fingerprinting/{job}", CaseWrite, content::cancel_fingerprinting)
        .get("/cases/{case}/scans", CaseRead, content::scans)
        .post("/cases/{case}/scans", CaseWrite, content::start_scan)
        .get("/cases/{case}/scans/{scan}", CaseRead, content::scan)
        .delete("/cases/{case}/scans/{scan}", CaseWrite, content::cancel_scan)
        .get("/cases/{case}/copies", CaseRead, content::copies)
        .post("/cases/{case}/copies/{copy}/confirm", CaseWrite, content::confirm_copy)
        .post("/cases/{case}/captures", CaseWrite, content::capture_page)
        .post("/cases/{case}/copies/{copy}/whitelist", CaseWrite, content::whitelist_copy)
        .get("/cases/{case}/copies/{copy}/thumbnail", CaseRead, content::copy_thumbnail)
        .get("/cases/{case}/accounts", CaseRead, content::list_own_accounts)
        .post("/cases/{case}/accounts", CaseWrite, content::add_account)
        .get("/cases/{case}/notices", CaseRead, notices::list_notices)
        .post("/cases/{case}/notices", CaseWrite, notices::create_notice)
        .get("/cases/{case}/notices/{notice}", CaseRead, notices::get_notice)
        .get("/cases/{case}/notices/{notice}/letter", CaseRead, notices::letter)
        .post("/cases/{case}/notices/{notice}/send", CaseWrite, notices::send_notice)
        .post("/cases/{case}/notices/{notice}/status", CaseWrite, notices::set_status)
        .post("/cases/{case}/rechecks", CaseWrite, notices::recheck)
        .get("/cases/{case}/sites", CaseRead, notices::sites)
        .get("/cases/{case}/watches", CaseRead, watch::list_watches)
        .post("/cases/{case}/watches", CaseWrite, watch::add_watch)
        .post("/cases/{case}/watches/run", CaseWrite, watch::run)
        .delete("/cases/{case}/watches/{watch}", CaseWrite, watch::delete_watch)
        .post("/cases/{case}/watches/{watch}/reviewed", CaseWrite, watch::reviewed)
        .delete("/cases/{case}/accounts/{account}", CaseWrite, content::delete_account)
        .upload("/cases/{case}/imports", CaseWrite, imports::stage)
        .get("/cases/{case}/imports/{import}", CaseRead, imports::preview)
        .post("/cases/{case}/imports/{import}", CaseWrite, imports::import)
        .delete("/cases/{case}/imports/{import}", CaseWrite, imports::discard)
        .finish();
    (router.layer(axum::middleware::map_response(error::json_errors)), routes)
}
type ApiResult<T> = Result<Json<T>, ApiError>;

/// A versioned record: its latest version, or a tombstone (`deleted`, no body).
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Versioned<T> {
    id: Uuid,
    version: i64,
    /// When version 1 was saved.
    #[schema(value_type = String, format = DateTime)]
    created_at: jiff::Timestamp,
    /// When this version was saved.
    #[schema(value_type = String, format = DateTime)]
    saved_at: jiff::Timestamp,
    deleted: bool,
    body: Option<T>,
}

impl<T> From<Version<T>> for Versioned<T> {
    fn from(e: Version<T>) -> Self {
        Versioned {
            id: e.id,
            version: e.version,
            created_at: e.created_at,
            saved_at: e.saved_at,
            deleted: e.deleted,
            body: e.body,
        }
    }
}

/// An edit: the version it replaces, and the new content.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Update<T> {
    version: i64,
    body: T,
}

/// Where a background job stands.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum JobStatus {
    Queued,
    Running,
    Done,
    Failed,
    Cancelled,
}

impl From<lodge_service::JobState> for JobStatus {
    fn from(s: lodge_service::JobState) -> JobStatus {
        use lodge_service::JobState;
        match s {
            JobState::Queued => JobStatus::Queued,
            JobState::Running => JobStatus::Running,
            JobState::Done => JobStatus::Done,
            JobState::Failed => JobStatus::Failed,
            JobState::Cancelled => JobStatus::Cancelled,
        }
    }
}

/// Health of this node: the database and the file store both answer.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Health {
    status: String,
    database: String,
}

#[utoipa::path(get, path = "/healthz", tag = "health",
    responses((status = 200, body = Health), (status = 503, body = Health)))]
pub(crate) async fn health(axum::extract::State(state): State) -> (StatusCode, Json<Health>) {
    match state.lodge.health().await {
        Ok(()) => (StatusCode::OK, Json(Health { status: "ok".into(), database: state.lodge.backend().into() })),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(Health { status: "unavailable".into(), database: state.lodge.backend().into() }),
            )
        }
    }
}
