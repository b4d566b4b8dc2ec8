//! A handler's failure, and how it is answered. Handlers and extractors return [`Failure`]
//! (a [`ServiceError`] converts with `?`); the route guard ([`crate::routes::guard`]), which
//! knows who is asking and whether the request came through the API, renders it: a page with
//! the signed-in frame and a message saying what to do, or the API's JSON error.

use axum::response::{IntoResponse, Response};
use lodge_service::ServiceError;

/// Which face of Lodge a request came through, which decides how a failure is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Face {
    /// A page, for a browser.
    Page,
    /// The JSON API under `/api/v1`.
    Api,
}

impl Face {
    /// The face of a request to `path` (the whole path, before any router strips a prefix).
    pub(crate) fn of(path: &str) -> Face {
        if path == "/api" || path.starts_with("/api/") { Face::Api } else { Face::Page }
    }
}

/// Why a request could not be answered as its handler meant to.
#[derive(Debug)]
pub(crate) enum Failure {
    /// What the service refused or could not do.
    Service(ServiceError),
    /// A signed-in form whose anti-forgery token did not match (open too long, or sent from
    /// another site).
    StaleForm,
    /// An answer already made (a redirect to sign in).
    Answered(Box<Response>),
}

impl Failure {
    /// A failure answered with `response` as it is.
    pub(crate) fn answered(response: impl IntoResponse) -> Failure {
        Failure::Answered(Box::new(response.into_response()))
    }
}

impl From<ServiceError> for Failure {
    fn from(e: ServiceError) -> Failure {
        Failure::Service(e)
    }
}

/// The failure a response carries to the guard, which renders it.
#[derive(Debug, Clone)]
pub(crate) enum Failed {
    Service(ServiceError),
    StaleForm,
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let failed = match self {
            Failure::Answered(response) => return *response,
            Failure::Service(e) => Failed::Service(e),
            Failure::StaleForm => Failed::StaleForm,
        };
        // A bare 500 until the guard renders it, so nothing on the way mistakes it for a
        // refusal of its own.
        let mut response = axum::http::StatusCode::INTERNAL_SERVER_ERROR.into_response();
        response.extensions_mut().insert(failed);
        response
    }
}

/// What a page handler returns: its page, or a failure the guard renders.
pub(crate) type PageResult = Result<Response, Failure>;

/// A page handler's answer that sends the browser on to `to` (after a form, so that reloading
/// does not send it again).
pub(crate) fn see_other(to: &str) -> PageResult {
    Ok(axum::response::Redirect::to(to).into_response())
}
