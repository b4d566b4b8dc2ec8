//! What a handler is handed. The route guard resolves who is asking once per request — the
//! session, and for a case's address the case opened with her key — and leaves it in the
//! request as a [`Caller`]; these extractors hand it on: [`Viewer`] and [`ApiSession`] a
//! signed-in person, [`ReadCase`], [`WriteCase`] and [`OwnCase`] an opened case she may read,
//! change or share, and [`SignedForm`] a form whose anti-forgery token is already checked.
//! Each refuses with a [`Failure`] the guard renders for the page or the API.

use std::sync::{Arc, Mutex};

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::response::Redirect;
use axum_extra::extract::cookie::{Cookie, CookieJar};
use lodge_domain::CaseId;
use lodge_service::{OpenCase, ServiceError, Session};

use crate::AppState;
use crate::auth::{COOKIE, bearer_token};
use crate::failure::{Face, Failure};
use crate::pages::FormData;
use crate::routes::Allowed;

/// Who is asking, as far as their session goes.
#[derive(Debug, Clone)]
pub(crate) enum Resolved {
    /// No session was offered.
    Anonymous,
    /// A live session.
    Signed(Arc<Session>),
    /// A session was offered and did not resume (ended, waiting for its second step, …).
    Refused(ServiceError),
}

impl Resolved {
    /// Resumes the session the request offers: the cookie for a page, the bearer token for
    /// the API. What the request does is noted on it for her access log.
    pub(crate) async fn of(parts: &Parts, face: Face, state: &AppState) -> Resolved {
        let token = match face {
            Face::Api => bearer_token(&parts.headers).map(str::to_owned),
            Face::Page => CookieJar::from_headers(&parts.headers).get(COOKIE).map(|c| c.value().to_owned()),
        };
        let Some(token) = token else { return Resolved::Anonymous };
        match state.lodge.resume(&token).await {
            Ok(mut session) => {
                session.doing = doing(parts);
                Resolved::Signed(Arc::new(session))
            }
            Err(e) => Resolved::Refused(e),
        }
    }

    /// The session, if there is one.
    pub(crate) fn session(&self) -> Option<&Arc<Session>> {
        match self {
            Resolved::Signed(s) => Some(s),
            _ => None,
        }
    }

    /// The session, or the answer to someone without one: a page sends them to sign in
    /// (clearing a cookie that no longer works); the API says 401.
    fn signed(&self, face: Face, headers: &axum::http::HeaderMap) -> Result<Arc<Session>, Failure> {
        match (self, face) {
            (Resolved::Signed(s), _) => Ok(Arc::clone(s)),
            (Resolved::Anonymous, Face::Api) => Err(Failure::Service(ServiceError::SessionEnded)),
            (Resolved::Anonymous, Face::Page) => Err(Failure::answered(Redirect::to("/login"))),
            (Resolved::Refused(e), Face::Api) => Err(Failure::Service(e.clone())),
            (Resolved::Refused(ServiceError::SecondFactorNeeded), Face::Page) => {
                Err(Failure::answered(Redirect::to("/login/code")))
            }
            (Resolved::Refused(ServiceError::SessionEnded | ServiceError::AccountDisabled), Face::Page) => {
                let jar = CookieJar::from_headers(headers).remove(Cookie::build(COOKIE).path("/"));
                Err(Failure::answered((jar, Redirect::to("/login?ended=1"))))
            }
            (Resolved::Refused(e), Face::Page) => Err(Failure::Service(e.clone())),
        }
    }
}

/// What the guard resolved for a request, kept in its extensions.
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    pub face: Face,
    pub resolved: Resolved,
    /// The case of a case's address, opened once; the first case extractor takes it.
    case: Arc<Mutex<Option<Result<OpenCase, ServiceError>>>>,
}

impl Caller {
    pub(crate) fn new(face: Face, resolved: Resolved) -> Caller {
        Caller { face, resolved, case: Arc::default() }
    }

    /// Keeps the case the request's address names, as opened for it.
    pub(crate) fn keep_case(&self, opened: Result<OpenCase, ServiceError>) {
        if let Ok(mut slot) = self.case.lock() {
            *slot = Some(opened);
        }
    }

    fn take_case(&self) -> Option<Result<OpenCase, ServiceError>> {
        self.case.lock().ok().and_then(|mut slot| slot.take())
    }
}

/// What a request does, for her access log when someone she shared her case with makes it:
/// the address, which holds ids but no case content. Pictures inside a page are part of
/// viewing that page, so they are not listed on their own.
fn doing(parts: &Parts) -> Option<String> {
    // Within the API the router sees the path without `/api/v1`; the original has it.
    let path = parts.extensions.get::<axum::extract::OriginalUri>().map_or(parts.uri.path(), |o| o.0.path());
    if path.ends_with("/thumbnail") {
        return None;
    }
    let verb = if parts.method == axum::http::Method::GET { "Viewed" } else { "Changed" };
    Some(format!("{verb} {path}"))
}

/// The caller the guard resolved; for a request it did not resolve, resolved now.
async fn caller(parts: &mut Parts, state: &Arc<AppState>) -> Caller {
    if let Some(caller) = parts.extensions.get::<Caller>() {
        return caller.clone();
    }
    let path = parts.extensions.get::<axum::extract::OriginalUri>().map_or(parts.uri.path(), |o| o.0.path());
    let face = Face::of(path);
    let caller = Caller::new(face, Resolved::of(parts, face, state).await);
    parts.extensions.insert(caller.clone());
    caller
}

async fn signed(parts: &mut Parts, state: &Arc<AppState>) -> Result<(Caller, Arc<Session>), Failure> {
    let caller = caller(parts, state).await;
    let session = caller.resolved.signed(caller.face, &parts.headers)?;
    Ok((caller, session))
}

/// A signed-in person on a page request. Without a live session, pages redirect to sign-in.
#[derive(Debug)]
pub(crate) struct Viewer(pub Arc<Session>);

impl FromRequestParts<Arc<AppState>> for Viewer {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<AppState>) -> Result<Self, Self::Rejection> {
        Ok(Viewer(signed(parts, state).await?.1))
    }
}

/// A signed-in client on an API request, by `Authorization: Bearer …`.
#[derive(Debug)]
pub(crate) struct ApiSession(pub Arc<Session>);

impl FromRequestParts<Arc<AppState>> for ApiSession {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<AppState>) -> Result<Self, Self::Rejection> {
        Ok(ApiSession(signed(parts, state).await?.1))
    }
}

/// The case the address names, opened for the signed-in person, with what she may do in it.
async fn opened(parts: &mut Parts, state: &Arc<AppState>) -> Result<(Arc<Session>, OpenCase), Failure> {
    let (caller, session) = signed(parts, state).await?;
    let case = match caller.take_case() {
        Some(opened) => opened?,
        None => {
            let id = case_in_path(parts).ok_or(ServiceError::NotFound)?;
            state.lodge.open_case(&session, id).await?
        }
    };
    Ok((session, case))
}

/// The case id of a case's address (`/cases/{case}/…`, under the API's prefix or not).
pub(crate) fn case_in_path(parts: &Parts) -> Option<CaseId> {
    let path = parts.extensions.get::<axum::extract::OriginalUri>().map_or(parts.uri.path(), |o| o.0.path());
    let mut segments = path.split('/');
    segments.find(|s| *s == "cases")?;
    segments.next()?.parse().ok().map(CaseId)
}

/// A case she may read, opened.
pub(crate) struct ReadCase(pub Arc<Session>, pub OpenCase);

impl FromRequestParts<Arc<AppState>> for ReadCase {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<AppState>) -> Result<Self, Self::Rejection> {
        let (session, case) = opened(parts, state).await?;
        Ok(ReadCase(session, case))
    }
}

/// A case she may change (hers, or granted with read and add), opened.
pub(crate) struct WriteCase(pub Arc<Session>, pub OpenCase);

impl FromRequestParts<Arc<AppState>> for WriteCase {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<AppState>) -> Result<Self, Self::Rejection> {
        let (session, case) = opened(parts, state).await?;
        if let Some(refused) = Allowed::CaseWrite.refuses(case.access) {
            return Err(refused.into());
        }
        Ok(WriteCase(session, case))
    }
}

/// Her own case (for sharing it and reading who looked), opened.
pub(crate) struct OwnCase(pub Arc<Session>, pub OpenCase);

impl FromRequestParts<Arc<AppState>> for OwnCase {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<AppState>) -> Result<Self, Self::Rejection> {
        let (session, case) = opened(parts, state).await?;
        if let Some(refused) = Allowed::CaseOwner.refuses(case.access) {
            return Err(refused.into());
        }
        Ok(OwnCase(session, case))
    }
}

/// A signed-in form whose anti-forgery token matched; a stale one is refused with the page
/// that says to reload and send it again.
pub(crate) struct SignedForm(pub FormData);

impl FromRequest<Arc<AppState>> for SignedForm {
    type Rejection = Failure;

    async fn from_request(request: Request, state: &Arc<AppState>) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = request.into_parts();
        let (_, session) = signed(&mut parts, state).await?;
        let request = Request::from_parts(parts, body);
        let axum::Form(form) = axum::Form::<FormData>::from_request(request, state).await.map_err(Failure::answered)?;
        if !session.form_token_matches(form.get("csrf")) {
            return Err(Failure::StaleForm);
        }
        Ok(SignedForm(form))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(uri: &str) -> Parts {
        axum::http::Request::builder().uri(uri).body(()).unwrap().into_parts().0
    }

    #[test]
    fn the_case_is_read_from_a_page_or_an_api_address() {
        let id = uuid::Uuid::new_v4();
        assert_eq!(case_in_path(&parts(&format!("/cases/{id}"))), Some(CaseId(id)));
        assert_eq!(case_in_path(&parts(&format!("/cases/{id}/people/{}", uuid::Uuid::new_v4()))), Some(CaseId(id)));
        assert_eq!(case_in_path(&parts(&format!("/api/v1/cases/{id}/incidents"))), Some(CaseId(id)));
        assert_eq!(case_in_path(&parts("/cases")), None);
        assert_eq!(case_in_path(&parts("/cases/not-an-id/log")), None);
    }

    #[test]
    fn only_the_api_prefix_makes_an_api_request() {
        assert_eq!(Face::of("/api/v1/cases"), Face::Api);
        assert_eq!(Face::of("/api"), Face::Api);
        assert_eq!(Face::of("/apiary"), Face::Page);
        assert_eq!(Face::of("/cases/api/v1"), Face::Page);
    }
}
