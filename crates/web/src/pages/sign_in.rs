//! Signing in and out: the password (or a passkey), the second step when she has one, and
//! signing out, which ends the session on the server.

use axum::Form;
use axum::extract::Query;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use lodge_domain::Problems;
use lodge_service::{Password, ServiceError, SignIn};
use maud::{Markup, html};
use serde::Deserialize;

use super::layout::{Input, notice, page, problem_summary, text_field};
use super::{FormData, error_page, leave};
use crate::State;
use crate::auth::{ClientAddress, device_summary, session_cookie};

#[derive(Debug, Deserialize)]
pub(crate) struct LoginQuery {
    #[serde(default)]
    ended: Option<String>,
    #[serde(default)]
    deleted: Option<String>,
}

/// What the sign-in page offers besides a password: passkeys, and (only where the
/// organisation allows it) creating an account without an invitation.
struct Offers {
    passkeys: bool,
    signup: bool,
}

impl Offers {
    async fn of(state: &crate::AppState) -> Offers {
        Offers { passkeys: state.lodge.passkeys_available(), signup: state.lodge.signup_open().await.unwrap_or(false) }
    }
}

fn login_form(username: &str, problems: &Problems, message: Option<&str>, offers: &Offers) -> Markup {
    html! {
        h1 { "Sign in" }
        @if let Some(m) = message { (notice("error", m)) }
        (problem_summary(problems))
        form method="post" action="/login" {
            (text_field("username", "Username", None, username, problems, Input::Text))
            (text_field("password", "Password", None, "", problems, Input::Password))
            div.actions {
                button type="submit" { "Sign in" }
                @if offers.passkeys { button.secondary type="button" data-passkey="sign-in" hidden { "Sign in with a passkey" } }
            }
            p.problem role="alert" data-passkey-message {}
        }
        p { a href="/recover" { "Forgotten your password? Use your recovery key." } }
        @if offers.signup { p { a href="/signup" { "Create an account" } } }
    }
}

pub(crate) async fn login_page(axum::extract::State(state): State, Query(q): Query<LoginQuery>) -> Markup {
    let message = match (q.ended, q.deleted) {
        (_, Some(_)) => Some("Your data has been deleted. Nobody can open it again."),
        (Some(_), None) => Some("You were signed out. Sign in again to carry on."),
        (None, None) => None,
    };
    page(None, &state.config, "Sign in", login_form("", &Problems::default(), message, &Offers::of(&state).await))
}

pub(crate) async fn login(
    axum::extract::State(state): State,
    jar: CookieJar,
    headers: HeaderMap,
    address: ClientAddress,
    Form(form): Form<FormData>,
) -> Response {
    let username = form.get("username").to_owned();
    let password = Password::new(form.get("password").to_owned());
    drop(form);
    match state.lodge.sign_in(&username, password, &device_summary(&headers), address.0.as_deref()).await {
        Ok((token, outcome)) => {
            let next = match outcome {
                SignIn::Ready(_) => "/cases",
                SignIn::NeedsCode => "/login/code",
            };
            (jar.add(session_cookie(token.to_text(), state.config.secure_cookies())), Redirect::to(next))
                .into_response()
        }
        Err(
            e @ (ServiceError::SignInFailed
            | ServiceError::AccountDisabled
            | ServiceError::TooManyAttempts { .. }
            | ServiceError::Busy),
        ) => {
            let status = if e.retry_after().is_some() {
                axum::http::StatusCode::TOO_MANY_REQUESTS
            } else {
                axum::http::StatusCode::UNAUTHORIZED
            };
            let form = login_form(&username, &Problems::default(), Some(&e.user_message()), &Offers::of(&state).await);
            super::retry_after((status, page(None, &state.config, "Sign in", form)).into_response(), &e)
        }
        Err(e) => error_page(None, &state.config, e),
    }
}

fn code_form(problems: &Problems, code: bool, passkey: bool) -> Markup {
    html! {
        h1 { "One more step" }
        (problem_summary(problems))
        @if passkey {
            form method="post" action="/login/code" data-passkey="second" {
                p { "Use your passkey: this phone's fingerprint, face or screen lock." }
                p.problem role="alert" data-passkey-message {}
                div.actions { button type="submit" { "Use my passkey" } }
            }
        }
        @if code {
        p { "Open your authenticator app and type the six-digit code it shows for this account." }
        form method="post" action="/login/code" {
            div.field.invalid[problems.for_field("code").is_some()] {
                label for="code" { "Code" }
                @if let Some(p) = problems.for_field("code") { p.problem { (p) } }
                input #code type="text" name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="8";
            }
            div.actions { button type="submit" { "Sign in" } }
        }
        }
        p { "Lost your authenticator or passkey? " a href="/recover" { "Use your recovery key" } ": it sets a new password and turns two-step sign-in off." }
    }
}

/// The second-step page for the waiting sign-in the cookie names.
async fn code_response(
    state: &crate::AppState,
    jar: &CookieJar,
    problems: &Problems,
    status: axum::http::StatusCode,
) -> Response {
    let Some(cookie) = jar.get(crate::auth::COOKIE) else { return Redirect::to("/login").into_response() };
    if state.lodge.resume(cookie.value()).await.is_ok() {
        return Redirect::to("/cases").into_response();
    }
    match state.lodge.second_factors(cookie.value()).await {
        Ok((code, passkey)) => {
            (status, page(None, &state.config, "One more step", code_form(problems, code, passkey))).into_response()
        }
        Err(e) => error_page(None, &state.config, e),
    }
}

pub(crate) async fn code_page(axum::extract::State(state): State, jar: CookieJar) -> Response {
    code_response(&state, &jar, &Problems::default(), axum::http::StatusCode::OK).await
}

pub(crate) async fn code(axum::extract::State(state): State, jar: CookieJar, Form(form): Form<FormData>) -> Response {
    let Some(cookie) = jar.get(crate::auth::COOKIE) else { return Redirect::to("/login").into_response() };
    match state.lodge.second_factor(cookie.value(), form.get("code")).await {
        Ok(_) => Redirect::to("/cases").into_response(),
        Err(ServiceError::Invalid(p)) => code_response(&state, &jar, &p, axum::http::StatusCode::BAD_REQUEST).await,
        Err(e @ (ServiceError::TooManyAttempts { .. } | ServiceError::Busy)) => {
            let mut p = Problems::default();
            p.add("code", e.user_message());
            super::retry_after(code_response(&state, &jar, &p, axum::http::StatusCode::TOO_MANY_REQUESTS).await, &e)
        }
        Err(e) => error_page(None, &state.config, e),
    }
}

pub(crate) async fn logout(axum::extract::State(state): State, jar: CookieJar) -> Response {
    leave(&state, &jar, "/login").await
}
