//! The API's OpenAPI description, served at `/api/v1/openapi.json`.

use axum::response::IntoResponse;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{
    cases, checkpoint, content, evidence, imports, incidents, notices, people, report_files, reports, session, watch,
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
        // What any operation can answer besides its own responses: a request that cannot be
        // read (400) and, where a token is needed, a missing or ended session (401).
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
          report_files::create, report_files::list, report_files::get, report_files::content, report_files::delete,
          imports::stage, imports::preview, imports::import, imports::discard,
          content::list, content::add, content::delete, content::hash_list, content::check, content::content_thumbnail,
          content::fingerprinting, content::cancel_fingerprinting,
          content::start_scan, content::scans, content::scan, content::cancel_scan, content::copies,
          content::confirm_copy, content::whitelist_copy, content::copy_thumbnail, content::accounts,
          content::add_account, content::delete_account, notices::list, notices::create, notices::get,
          notices::letter, notices::send, notices::set_status, notices::recheck, notices::sites, watch::list,
          watch::add, watch::delete, watch::reviewed, watch::run, super::health),
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
