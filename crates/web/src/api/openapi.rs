//! The API's OpenAPI description, served at `/api/v1/openapi.json`.

use axum::response::IntoResponse;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{
    account, admin, cases, checkpoint, content, evidence, imports, inbox, incidents, joining, notices, people,
    report_files, reports, second_steps, session, sharing, watch, your_voice,
};

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(components) = openapi.components.as_mut() {
            components.add_security_scheme(
                "bearer",
                SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
            );
        }
        // What any operation can answer besides its own responses: a request that does not
        // match its schema (400), one that does but that Lodge refuses (422) and, where a
        // token is needed, a missing or ended session (401).
        let error = |text: &str| {
            utoipa::openapi::ResponseBuilder::new()
                .description(text)
                .content(
                    "application/json",
                    utoipa::openapi::ContentBuilder::new()
                        .schema(Some(utoipa::openapi::Ref::from_schema_name("ErrorBody")))
                        .build(),
                )
                .build()
        };
        for item in openapi.paths.paths.values_mut() {
            for op in [&mut item.get, &mut item.put, &mut item.post, &mut item.delete].into_iter().flatten() {
                let responses = &mut op.responses.responses;
                responses.entry("400".into()).or_insert_with(|| error("The request could not be read").into());
                responses
                    .entry("422".into())
                    .or_insert_with(|| error("Read, and refused: `problems` says what to change").into());
                if op.security.as_ref().is_some_and(|s| !s.is_empty()) {
                    responses.entry("401".into()).or_insert_with(|| error("No session, or it has ended").into());
                }
            }
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Lodge API", description = "A survivor's encrypted case log: cases, incidents, people and evidence, and the signed checkpoints that make it tamper-evident."),
    paths(session::create_session, session::delete_session, cases::list_cases, cases::create_case, cases::get_case, cases::rename_case,
          incidents::list_incidents, incidents::create_incident, incidents::get_incident, incidents::update_incident,
          incidents::delete_incident, incidents::incident_history, evidence::upload_evidence, evidence::list_evidence,
          evidence::get_evidence, evidence::attach_evidence, evidence::delete_evidence, evidence::evidence_thumbnail,
          evidence::evidence_content,
          people::list_people, people::create_person, people::get_person, people::update_person, people::delete_person,
          checkpoint::get_checkpoint, checkpoint::verify_log, checkpoint::get_consistency, reports::create_report,
          report_files::create_report_file, report_files::list_report_files, report_files::get_report_file, report_files::download_report_file, report_files::delete_report_file,
          imports::stage, imports::preview, imports::import, imports::discard,
          content::list_content, content::add_content, content::delete_content, content::hash_list, content::check, content::content_thumbnail,
          content::fingerprinting, content::cancel_fingerprinting,
          content::start_scan, content::scans, content::scan, content::cancel_scan, content::copies, content::capture_page,
          content::confirm_copy, content::whitelist_copy, content::copy_thumbnail, content::list_own_accounts,
          content::add_account, content::delete_account, notices::list_notices, notices::create_notice, notices::get_notice,
          notices::letter, notices::send_notice, notices::set_status, notices::recheck, notices::sites, watch::list_watches,
          watch::add_watch, watch::delete_watch, watch::reviewed, watch::run, super::health,
          second_steps::start_sign_in, second_steps::finish_sign_in, second_steps::start_second_step,
          second_steps::finish_second_step, joining::create_account, joining::recover, your_voice::send_feedback, your_voice::read,
          your_voice::export, account::show, account::change_password, account::replace_recovery_key,
          account::set_safety, account::set_reminders, account::delete_my_data, account::sessions,
          account::end_other_sessions, account::end_session, second_steps::start_app, second_steps::confirm_app,
          second_steps::app_off, second_steps::start_passkey, second_steps::finish_passkey,
          second_steps::remove_passkey, admin::list_accounts, admin::disable, admin::enable, admin::invitations,
          admin::invite, admin::withdraw_invitation, admin::sign_up_setting, admin::set_sign_up_setting, sharing::list_grants,
          sharing::grant, sharing::change_grant, sharing::revoke_grant, sharing::list_police_links, sharing::create_police_link,
          sharing::refresh_link, sharing::withdraw_police_link, sharing::access_log, inbox::list_inbox_links, inbox::create_inbox_link,
          inbox::withdraw_inbox_link, inbox::waiting, inbox::file, inbox::accept, inbox::decline),
    modifiers(&BearerAuth)
)]
struct ApiDoc;

/// The OpenAPI description of the API, as JSON.
pub fn openapi_json() -> String {
    ApiDoc::openapi().to_pretty_json().unwrap_or_default()
}

pub(super) async fn openapi() -> impl IntoResponse {
    ([(axum::http::header::CONTENT_TYPE, "application/json")], openapi_json())
}
