//! Incidents through the API. A client writes an [`IncidentInput`]: what she would type on
//! the form. What only an import or her inbox sets (imported messages, their source, who
//! reported it) is refused by name.

use axum::Json;
use axum::extract::Path;
use axum::http::StatusCode;
use lodge_domain::{ConductKind, Effect, Incident, IncidentId, PersonId, Problems, StopRequest};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::body::{Body, RequestBody};
use super::when::WhenInput;
use super::{ApiError, ApiResult, ErrorBody, Update, Versioned};
use crate::extract::{ReadCase, WriteCase};

/// An incident as a client may write it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct IncidentInput {
    /// When it happened.
    occurred: WhenInput,
    /// When she found out, if later.
    #[serde(default)]
    discovered: Option<WhenInput>,
    /// Platform or channel: Instagram, text message, email, in person…
    #[serde(default)]
    platform: String,
    /// Web address of the message, post or profile.
    #[serde(default)]
    url: String,
    /// A physical place, if it happened somewhere.
    #[serde(default)]
    place: String,
    /// What happened, in her words.
    #[serde(default)]
    description: String,
    /// The exact words of messages or posts, copied as they were.
    #[serde(default)]
    verbatim: String,
    /// Kinds of conduct.
    #[serde(default)]
    conduct: Vec<ConductKind>,
    /// How it affected her.
    #[serde(default)]
    effects: Vec<Effect>,
    /// How it affected her, in her words.
    #[serde(default)]
    effect_words: String,
    /// Who saw or knows about it.
    #[serde(default)]
    witnesses: String,
    /// Whether she had asked them to stop.
    #[serde(default)]
    asked_to_stop: StopRequest,
    /// Police reference number, if she reported it.
    #[serde(default)]
    police_reference: String,
    /// The people involved.
    #[serde(default)]
    #[schema(value_type = Vec<Uuid>)]
    people: Vec<PersonId>,
}

/// What an import or her inbox sets on an incident, never a client.
impl RequestBody for IncidentInput {
    const SERVER_OWNED: &'static [&'static str] = &["/messages", "/source", "/submitted_by"];
}

impl RequestBody for Update<IncidentInput> {
    const SERVER_OWNED: &'static [&'static str] = &["/body/messages", "/body/source", "/body/submitted_by"];
}

impl IncidentInput {
    /// The incident it describes, once its times are read.
    fn incident(self, prefix: &str) -> Result<Incident, lodge_service::ServiceError> {
        let mut problems = Problems::default();
        let occurred = self.occurred.read(&format!("{prefix}occurred"), &mut problems);
        let discovered = self.discovered.and_then(|d| d.read(&format!("{prefix}discovered"), &mut problems));
        let Some(occurred) = occurred.filter(|_| problems.is_empty()) else {
            return Err(lodge_service::ServiceError::Invalid(problems));
        };
        Ok(Incident {
            discovered,
            platform: self.platform,
            url: self.url,
            place: self.place,
            description: self.description,
            verbatim: self.verbatim,
            conduct: self.conduct,
            effects: self.effects,
            effect_words: self.effect_words,
            witnesses: self.witnesses,
            asked_to_stop: self.asked_to_stop,
            police_reference: self.police_reference,
            people: self.people,
            ..Incident::at(occurred)
        })
    }
}

#[utoipa::path(get, path = "/api/v1/cases/{case}/incidents", tag = "incidents", security(("bearer" = [])), params(("case" = Uuid, Path)),
    responses((status = 200, body = [Versioned<Incident>]), (status = 404, body = ErrorBody)))]
pub(crate) async fn list_incidents(ReadCase(_, open): ReadCase) -> ApiResult<Vec<Versioned<Incident>>> {
    let entries = open.timeline(&lodge_service::TimelineFilter { oldest_first: true, ..Default::default() }).await?;
    Ok(Json(entries.into_iter().map(Versioned::from).collect()))
}

#[utoipa::path(post, path = "/api/v1/cases/{case}/incidents", tag = "incidents", security(("bearer" = [])), params(("case" = Uuid, Path)), request_body = IncidentInput,
    responses((status = 201, body = Versioned<Incident>), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn create_incident(
    WriteCase(_, open): WriteCase,
    Body(incident): Body<IncidentInput>,
) -> Result<(StatusCode, Json<Versioned<Incident>>), ApiError> {
    let id = open.add_incident(&incident.incident("")?).await?;
    Ok((StatusCode::CREATED, Json(open.incident(id).await?.into())))
}

#[utoipa::path(get, path = "/api/v1/cases/{case}/incidents/{incident}", tag = "incidents", security(("bearer" = [])),
    params(("case" = Uuid, Path), ("incident" = Uuid, Path)),
    responses((status = 200, body = Versioned<Incident>), (status = 404, body = ErrorBody)))]
pub(crate) async fn get_incident(
    ReadCase(_, open): ReadCase,
    Path((_, incident)): Path<(Uuid, Uuid)>,
) -> ApiResult<Versioned<Incident>> {
    Ok(Json(open.incident(IncidentId(incident)).await?.into()))
}

#[utoipa::path(put, path = "/api/v1/cases/{case}/incidents/{incident}", tag = "incidents", security(("bearer" = [])),
    params(("case" = Uuid, Path), ("incident" = Uuid, Path)), request_body = Update<IncidentInput>,
    responses((status = 200, body = Versioned<Incident>), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(crate) async fn update_incident(
    WriteCase(_, open): WriteCase,
    Path((_, incident)): Path<(Uuid, Uuid)>,
    Body(update): Body<Update<IncidentInput>>,
) -> ApiResult<Versioned<Incident>> {
    open.edit_incident(IncidentId(incident), update.version, &update.body.incident("body.")?).await?;
    Ok(Json(open.incident(IncidentId(incident)).await?.into()))
}

#[utoipa::path(delete, path = "/api/v1/cases/{case}/incidents/{incident}", tag = "incidents", security(("bearer" = [])),
    params(("case" = Uuid, Path), ("incident" = Uuid, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub(crate) async fn delete_incident(
    WriteCase(_, open): WriteCase,
    Path((_, incident)): Path<(Uuid, Uuid)>,
) -> Result<StatusCode, ApiError> {
    open.delete_incident(IncidentId(incident)).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/cases/{case}/incidents/{incident}/history", tag = "incidents", security(("bearer" = [])),
    params(("case" = Uuid, Path), ("incident" = Uuid, Path)),
    responses((status = 200, body = [Versioned<Incident>]), (status = 404, body = ErrorBody)))]
pub(crate) async fn incident_history(
    ReadCase(_, open): ReadCase,
    Path((_, incident)): Path<(Uuid, Uuid)>,
) -> ApiResult<Vec<Versioned<Incident>>> {
    let versions = open.incident_history(IncidentId(incident)).await?;
    Ok(Json(versions.into_iter().map(Versioned::from).collect()))
}
