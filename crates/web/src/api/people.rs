//! People through the API: someone in a case, known perhaps only by a username.

use axum::Json;
use axum::extract::Path;
use axum::http::StatusCode;
use lodge_domain::{Identifier, Person, PersonId};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::body::{Body, RequestBody};
use super::{ApiError, ApiResult, ErrorBody, Update, Versioned};
use crate::extract::{ReadCase, WriteCase};

/// A person as a client may write them.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PersonInput {
    /// What she calls them, e.g. "the Twitch account" or "@darkwolf".
    label: String,
    /// Usernames, numbers, addresses and other ways they are known.
    #[serde(default)]
    identifiers: Vec<Identifier>,
    /// Real name, if known.
    #[serde(default)]
    name: String,
    /// Address, if known.
    #[serde(default)]
    address: String,
    /// Vehicle, if known.
    #[serde(default)]
    vehicle: String,
    /// Anything else about them.
    #[serde(default)]
    notes: String,
}

impl RequestBody for PersonInput {}
impl RequestBody for Update<PersonInput> {}

impl From<PersonInput> for Person {
    fn from(p: PersonInput) -> Person {
        Person {
            label: p.label,
            identifiers: p.identifiers,
            name: p.name,
            address: p.address,
            vehicle: p.vehicle,
            notes: p.notes,
        }
    }
}

#[utoipa::path(get, path = "/api/v1/cases/{case}/people", tag = "people", security(("bearer" = [])), params(("case" = Uuid, Path)),
    responses((status = 200, body = [Versioned<Person>]), (status = 404, body = ErrorBody)))]
pub(crate) async fn list_people(ReadCase(_, open): ReadCase) -> ApiResult<Vec<Versioned<Person>>> {
    let people = open.people().await?;
    Ok(Json(people.into_iter().map(Versioned::from).collect()))
}

#[utoipa::path(post, path = "/api/v1/cases/{case}/people", tag = "people", security(("bearer" = [])), params(("case" = Uuid, Path)), request_body = PersonInput,
    responses((status = 201, body = Versioned<Person>), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn create_person(
    WriteCase(_, open): WriteCase,
    Body(person): Body<PersonInput>,
) -> Result<(StatusCode, Json<Versioned<Person>>), ApiError> {
    let id = open.add_person(&person.into()).await?;
    Ok((StatusCode::CREATED, Json(open.person(id).await?.into())))
}

#[utoipa::path(get, path = "/api/v1/cases/{case}/people/{person}", tag = "people", security(("bearer" = [])),
    params(("case" = Uuid, Path), ("person" = Uuid, Path)),
    responses((status = 200, body = Versioned<Person>), (status = 404, body = ErrorBody)))]
pub(crate) async fn get_person(
    ReadCase(_, open): ReadCase,
    Path((_, person)): Path<(Uuid, Uuid)>,
) -> ApiResult<Versioned<Person>> {
    Ok(Json(open.person(PersonId(person)).await?.into()))
}

#[utoipa::path(put, path = "/api/v1/cases/{case}/people/{person}", tag = "people", security(("bearer" = [])),
    params(("case" = Uuid, Path), ("person" = Uuid, Path)), request_body = Update<PersonInput>,
    responses((status = 200, body = Versioned<Person>), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(crate) async fn update_person(
    WriteCase(_, open): WriteCase,
    Path((_, person)): Path<(Uuid, Uuid)>,
    Body(update): Body<Update<PersonInput>>,
) -> ApiResult<Versioned<Person>> {
    open.edit_person(PersonId(person), update.version, &update.body.into()).await?;
    Ok(Json(open.person(PersonId(person)).await?.into()))
}

#[utoipa::path(delete, path = "/api/v1/cases/{case}/people/{person}", tag = "people", security(("bearer" = [])),
    params(("case" = Uuid, Path), ("person" = Uuid, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub(crate) async fn delete_person(
    WriteCase(_, open): WriteCase,
    Path((_, person)): Path<(Uuid, Uuid)>,
) -> Result<StatusCode, ApiError> {
    open.delete_person(PersonId(person)).await?;
    Ok(StatusCode::NO_CONTENT)
}
