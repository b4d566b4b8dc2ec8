//! Who is asking: the session cookie for pages, the bearer token for the API, and the
//! anti-forgery token on every signed-in form.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use axum_extra::extract::cookie::{Cookie, SameSite};

use crate::AppState;

/// The session cookie's name: neutral, so it says nothing to someone looking at the browser.
pub(crate) const COOKIE: &str = "sid";

/// The token of `Authorization: Bearer …`, if the request has one.
pub(crate) fn bearer_token(headers: &axum::http::HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
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
