//! Passkeys on the web: adding and removing them on her account page, signing in with one
//! instead of a password, and using one as the second step after her password. The
//! ceremonies need the browser's WebAuthn API, so these few routes speak JSON to Lodge's own
//! script; without JavaScript the pages say so and everything else still works.

use axum::Json;
use axum::extract::Path;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use lodge_service::{Ceremony, ServiceError, Session};
use maud::html;
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::layout::page;
use crate::State;
use crate::auth::{ClientAddress, device_summary, session_cookie};
use crate::extract::{SignedForm, Viewer};
use crate::failure::PageResult;

/// The cookie that keeps a passkey's device key, only on the address that signs in with it.
const DEVICE_COOKIE: &str = "dk";
const DEVICE_COOKIE_PATH: &str = "/login/passkey";

/// What the browser sends back from a ceremony.
#[derive(Debug, Deserialize)]
pub(crate) struct Answer {
    ceremony: Uuid,
    answer: serde_json::Value,
    #[serde(default)]
    name: String,
    #[serde(default)]
    signs_in: bool,
}

/// Who starts signing in with a passkey.
#[derive(Debug, Deserialize)]
pub(crate) struct Who {
    username: String,
}

fn ceremony(c: Ceremony) -> Response {
    Json(json!({ "ceremony": c.id, "options": c.options })).into_response()
}

/// An error for the script to show: the message says what to do.
fn failed(e: &ServiceError) -> Response {
    let message = match e.problems().and_then(|p| p.fields.first()) {
        Some(problem) => problem.message.clone(),
        None => e.user_message(),
    };
    let status = match e {
        ServiceError::Invalid(_) => StatusCode::BAD_REQUEST,
        ServiceError::TooManyAttempts { .. } | ServiceError::Busy => StatusCode::TOO_MANY_REQUESTS,
        ServiceError::Internal(detail) => {
            tracing::error!(%detail, "internal error");
            StatusCode::INTERNAL_SERVER_ERROR
        }
        _ => StatusCode::UNAUTHORIZED,
    };
    super::retry_after((status, Json(json!({ "error": message }))).into_response(), e)
}

fn form_token_ok(s: &Session, headers: &HeaderMap) -> bool {
    headers.get("x-lodge-form").and_then(|v| v.to_str().ok()).is_some_and(|t| s.form_token_matches(t))
}

fn stale() -> Response {
    failed(&ServiceError::invalid("passkey", "This page was open too long. Reload it and try again."))
}

/// Her password, before a passkey is added.
#[derive(Deserialize)]
pub(crate) struct RegisterStart {
    #[serde(default)]
    password: String,
}

pub(crate) async fn register_start(
    axum::extract::State(state): State,
    Viewer(s): Viewer,
    headers: HeaderMap,
    Json(start): Json<RegisterStart>,
) -> Response {
    if !form_token_ok(&s, &headers) {
        return stale();
    }
    match state.lodge.start_passkey_registration(&s, lodge_service::Password::new(start.password)).await {
        Ok(c) => ceremony(c),
        Err(e) => failed(&e),
    }
}

pub(crate) async fn register_finish(
    axum::extract::State(state): State,
    Viewer(s): Viewer,
    jar: CookieJar,
    headers: HeaderMap,
    Json(a): Json<Answer>,
) -> Response {
    if !form_token_ok(&s, &headers) {
        return stale();
    }
    match state.lodge.finish_passkey_registration(&s, a.ceremony, a.answer, &a.name, a.signs_in).await {
        Ok(device) => {
            let jar = match device {
                Some(token) => jar.add(
                    Cookie::build((DEVICE_COOKIE, token.to_text()))
                        .path(DEVICE_COOKIE_PATH)
                        .http_only(true)
                        .same_site(SameSite::Strict)
                        .secure(state.config.secure_cookies())
                        .permanent()
                        .build(),
                ),
                None => jar,
            };
            (jar, Json(json!({ "next": "/account" }))).into_response()
        }
        Err(e) => failed(&e),
    }
}

/// The account page's passkey form, sent without JavaScript.
pub(crate) async fn needs_script(axum::extract::State(state): State, Viewer(s): Viewer) -> Response {
    let body = html! {
        h1 { "Passkeys need JavaScript" }
        p { "Adding or using a passkey needs your browser's passkey support, which runs as a script. Turn JavaScript on for this site, or keep using your password and an authenticator app." }
        p { a href="/account" { "Back to your account" } }
    };
    page(Some(&*s), &state.config, "Passkeys", body).into_response()
}

pub(crate) async fn remove(
    axum::extract::State(state): State,
    Viewer(s): Viewer,
    Path(passkey): Path<Uuid>,
    SignedForm(form): SignedForm,
) -> PageResult {
    let password = lodge_service::Password::new(form.get("passkey_password").to_owned());
    let action = state.lodge.remove_passkey(&s, passkey, password);
    super::accounts::on_account_page(&state, &s, &form, "The passkey was removed.", action).await
}

pub(crate) async fn sign_in_start(
    axum::extract::State(state): State,
    address: ClientAddress,
    Json(who): Json<Who>,
) -> Response {
    match state.lodge.start_passkey_sign_in(&who.username, address.0.as_deref()).await {
        Ok(c) => ceremony(c),
        Err(e) => failed(&e),
    }
}

pub(crate) async fn sign_in_finish(
    axum::extract::State(state): State,
    jar: CookieJar,
    headers: HeaderMap,
    Json(a): Json<Answer>,
) -> Response {
    let device_key = jar.get(DEVICE_COOKIE).map(|c| c.value().to_owned());
    let result = state
        .lodge
        .finish_passkey_sign_in(a.ceremony, a.answer, device_key.as_deref(), &device_summary(&headers))
        .await;
    match result {
        Ok((token, _)) => {
            let jar = jar.add(session_cookie(token.to_text(), state.config.secure_cookies()));
            (jar, Json(json!({ "next": "/cases" }))).into_response()
        }
        Err(e) => failed(&e),
    }
}

fn pending_token(jar: &CookieJar) -> Result<String, ServiceError> {
    jar.get(crate::auth::COOKIE).map(|c| c.value().to_owned()).ok_or(ServiceError::SessionEnded)
}

pub(crate) async fn second_start(axum::extract::State(state): State, jar: CookieJar) -> Response {
    let started = async { state.lodge.start_passkey_second_factor(&pending_token(&jar)?).await };
    match started.await {
        Ok(c) => ceremony(c),
        Err(e) => failed(&e),
    }
}

pub(crate) async fn second_finish(
    axum::extract::State(state): State,
    jar: CookieJar,
    Json(a): Json<Answer>,
) -> Response {
    let done = async { state.lodge.finish_passkey_second_factor(&pending_token(&jar)?, a.ceremony, a.answer).await };
    match done.await {
        Ok(_) => Json(json!({ "next": "/cases" })).into_response(),
        Err(e) => failed(&e),
    }
}
