//! Who is asking: the session cookie for pages, the bearer token for the API, and the
//! anti-forgery token on every signed-in form.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use lodge_service::{ServiceError, Session};

use crate::AppState;

/// The session cookie's name: neutral, so it says nothing to someone looking at the browser.
pub(crate) const COOKIE: &str = "sid";

/// A signed-in person on a page request. Without a live session, pages redirect to sign-in.
#[derive(Debug)]
pub(crate) struct Viewer(pub Session);

impl FromRequestParts<Arc<AppState>> for Viewer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<AppState>) -> Result<Self, Self::Rejection> {
        let jar = CookieJar::from_headers(&parts.headers);
        let Some(cookie) = jar.get(COOKIE) else {
            return Err(Redirect::to("/login").into_response());
        };
        match state.lodge.resume(cookie.value()).await {
            Ok(mut session) => {
                session.doing = doing(parts);
                Ok(Viewer(session))
            }
            Err(ServiceError::SecondFactorNeeded) => Err(Redirect::to("/login/code").into_response()),
            Err(ServiceError::SessionEnded | ServiceError::AccountDisabled) => {
                let jar = jar.remove(Cookie::build(COOKIE).path("/"));
                Err((jar, Redirect::to("/login?ended=1")).into_response())
            }
            Err(e) => Err(crate::pages::error_page(None, &state.config, e)),
        }
    }
}

/// The token of `Authorization: Bearer …`, if the request has one.
pub(crate) fn bearer_token(headers: &axum::http::HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
}

/// A signed-in client on an API request, by `Authorization: Bearer …`.
#[derive(Debug)]
pub(crate) struct ApiSession(pub Session);

impl FromRequestParts<Arc<AppState>> for ApiSession {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<AppState>) -> Result<Self, Self::Rejection> {
        let Some(token) = bearer_token(&parts.headers) else {
            return Err(crate::api::ApiError(ServiceError::SessionEnded).into_response());
        };
        let mut session = state.lodge.resume(token).await.map_err(|e| crate::api::ApiError(e).into_response())?;
        session.doing = doing(parts);
        Ok(ApiSession(session))
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

/// The cookie that carries a new session.
pub(crate) fn session_cookie(token: String, secure: bool) -> Cookie<'static> {
    Cookie::build((COOKIE, token)).path("/").http_only(true).same_site(SameSite::Strict).secure(secure).build()
}

/// A short, non-identifying description of the browser, for the login activity list.
pub(crate) fn device_summary(parts_headers: &axum::http::HeaderMap) -> String {
    let ua = parts_headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or("");
    let browser = ["Edg", "Firefox", "Chrome", "Safari"]
        .into_iter()
        .find(|b| ua.contains(b))
        .map(|b| if b == "Edg" { "Edge" } else { b });
    let system = [
        ("Android", "Android"),
        ("iPhone", "iPhone"),
        ("iPad", "iPad"),
        ("Windows", "Windows"),
        ("Mac OS", "macOS"),
        ("Linux", "Linux"),
    ]
    .into_iter()
    .find(|(k, _)| ua.contains(k))
    .map(|(_, v)| v);
    match (browser, system) {
        (Some(b), Some(s)) => format!("{b} on {s}"),
        (Some(b), None) => b.to_owned(),
        (None, Some(s)) => s.to_owned(),
        (None, None) => "Unknown device".to_owned(),
    }
}

/// The client's address, for back-off on sign-in only (it is never stored: the attempt
/// counters keep a keyed hash of it). Behind a reverse proxy, with `trust_forwarded_for`
/// set, it is the last address the proxy added to `X-Forwarded-For`.
#[derive(Debug)]
pub(crate) struct ClientAddress(pub Option<String>);

impl FromRequestParts<Arc<AppState>> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<AppState>) -> Result<Self, Self::Rejection> {
        let forwarded = state
            .config
            .trust_forwarded_for
            .then(|| parts.headers.get("x-forwarded-for").and_then(|v| v.to_str().ok()))
            .flatten()
            .and_then(|v| v.rsplit(',').next())
            .map(|a| a.trim().to_owned())
            .filter(|a| !a.is_empty());
        let peer =
            || parts.extensions.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().map(|c| c.0.ip().to_string());
        Ok(ClientAddress(forwarded.or_else(peer)))
    }
}
