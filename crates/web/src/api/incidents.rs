//! Incidents through the API. A client writes an [`IncidentInput`]: what she would type on
//! the form. What only an import or her inbox sets (imported messages, their source, who
//! reported it) is refused by name.

use axum::Json;
use axum::extract::Path;
use axum::http::StatusCode;
use lodge_domain::{ConductKind, Effect, Incident, IncidentId, PersonId, StopRequest, When};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::body::{Body, RequestBody};
use super::{ApiError, ApiResult, ErrorBody, Update, Versioned};
use crate::extract::{ReadCase, WriteCase};

/// An incident as a client may write it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct IncidentInput {
    /// When it happened.
    occurred: When,
    /// When she found out, if later.
    #[serde(default)]
    discovered: Option<When>,
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
    #[schema(value_type = Vec<String>)]
    people: Vec<PersonId>,
}

/// What an import or her inbox sets on an incident, never a client.
impl RequestBody for IncidentInput {
    const SERVER_OWNED: &'static [&'static str] = &["/messages", "/source", "/submitted_by"];
}

impl RequestBody for Update<IncidentInput> {
    const SERVER_OWNED: &'static [&'static str] = &["/body/messages", "/body/source", "/body/submitted_by"];
}

impl From<IncidentInput> for Incident {
    fn from(i: IncidentInput) -> Incident {
        Incident {
            discovered: i.discovered,
            platform: i.platform,
            url: i.url,
            place: i.place,
            description: i.description,
            verbatim: i.verbatim,
            conduct: i.conduct,
            effects: i.effects,
            effect_words: i.effect_words,
            witnesses: i.witnesses,
            asked_to_stop: i.asked_to_stop,
            police_reference: i.police_reference,
            people: i.people,
            ..Incident::at(i.occurred)
        }
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
    let id = open.add_incident(&incident.into()).await?;
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
    open.edit_incident(IncidentId(incident), update.version, &update.body.into()).await?;
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
