//! Joining: an account made from an invitation link (the first administrator's too) or, where
//! the organisation allows it, by open sign-up; the recovery key is shown once.

use axum::Form;
use axum::extract::Path;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::CookieJar;
use lodge_domain::{Problems, Role};
use lodge_service::{Password, ServiceError};
use maud::{Markup, html};

use super::layout::{Input, page, problem_summary, text_field};
use super::{FormData, error_page};
use crate::State;
use crate::auth::{ClientAddress, device_summary, session_cookie};

fn account_form(action: &str, heading: &str, intro: Markup, username: &str, problems: &Problems) -> Markup {
    html! {
        h1 { (heading) }
        (intro)
        (problem_summary(problems))
        form method="post" action=(action) {
            (text_field("username", "Choose a username", Some("It need not be your real name. Letters, numbers, dots, dashes and underscores."), username, problems, Input::Text))
            (text_field("password", "Choose a password", Some("At least 10 characters. A few unrelated words work well."), "", problems, Input::NewPassword))
            div.actions { button type="submit" { "Create account" } }
        }
    }
}

async fn create_account(
    state: &crate::AppState,
    jar: CookieJar,
    headers: &HeaderMap,
    form: FormData,
    invitation: Option<&str>,
    address: ClientAddress,
) -> Result<Response, (String, Problems, ServiceError)> {
    let username = form.get("username").to_owned();
    let password = form.get("password").to_owned();
    let result =
        state.lodge.sign_up(&username, Password::new(password.clone()), invitation, address.0.as_deref()).await;
    let (_, recovery) = match result {
        Ok(r) => r,
        Err(ServiceError::Invalid(p)) => return Err((username, p.clone(), ServiceError::Invalid(p))),
        Err(e) => return Err((username, Problems::default(), e)),
    };
    let jar = match state.lodge.sign_in(&username, Password::new(password), &device_summary(headers), None).await {
        Ok((token, _)) => jar.add(session_cookie(token.to_text(), state.config.secure_cookies())),
        Err(_) => jar,
    };
    Ok((jar, super::recovery::key_page(state, None, &recovery, None)).into_response())
}

fn join_intro(role: Role) -> Markup {
    html! {
        @if role == Role::Administrator {
            p { "This link sets up the first administrator of this Lodge. It works once." }
        } @else {
            p { "You have been invited to join as: " strong { (role.label()) } "." }
        }
    }
}

pub(crate) async fn join_page(axum::extract::State(state): State, Path(token): Path<String>) -> Response {
    match state.lodge.invitation_role(&token).await {
        Ok(role) => page(
            None,
            &state.config,
            "Create your account",
            account_form(&format!("/join/{token}"), "Create your account", join_intro(role), "", &Problems::default()),
        )
        .into_response(),
        Err(e) => error_page(None, &state.config, e),
    }
}

pub(crate) async fn join(
    axum::extract::State(state): State,
    Path(token): Path<String>,
    jar: CookieJar,
    headers: HeaderMap,
    address: ClientAddress,
    Form(form): Form<FormData>,
) -> Response {
    match create_account(&state, jar, &headers, form, Some(&token), address).await {
        Ok(r) => r,
        Err((username, problems, ServiceError::Invalid(_))) => {
            let role = state.lodge.invitation_role(&token).await.unwrap_or(Role::Survivor);
            (
                axum::http::StatusCode::BAD_REQUEST,
                page(
                    None,
                    &state.config,
                    "Create your account",
                    account_form(
                        &format!("/join/{token}"),
                        "Create your account",
                        join_intro(role),
                        &username,
                        &problems,
                    ),
                ),
            )
                .into_response()
        }
        Err((_, _, e)) => error_page(None, &state.config, e),
    }
}

fn signup_intro() -> Markup {
    html! { p { "An account lets you keep a private record of what is happening to you. Only you can read it unless you choose to share it." } }
}

pub(crate) async fn signup_page(axum::extract::State(state): State) -> Response {
    match state.lodge.signup_open().await {
        Ok(true) => page(
            None,
            &state.config,
            "Create an account",
            account_form("/signup", "Create an account", signup_intro(), "", &Problems::default()),
        )
        .into_response(),
        Ok(false) => error_page(None, &state.config, ServiceError::SignupClosed),
        Err(e) => error_page(None, &state.config, e),
    }
}

pub(crate) async fn signup(
    axum::extract::State(state): State,
    jar: CookieJar,
    headers: HeaderMap,
    address: ClientAddress,
    Form(form): Form<FormData>,
) -> Response {
    match create_account(&state, jar, &headers, form, None, address).await {
        Ok(r) => r,
        Err((username, problems, ServiceError::Invalid(_))) => (
            axum::http::StatusCode::BAD_REQUEST,
            page(
                None,
                &state.config,
                "Create an account",
                account_form("/signup", "Create an account", signup_intro(), &username, &problems),
            ),
        )
            .into_response(),
        Err((_, _, e)) => error_page(None, &state.config, e),
    }
}
