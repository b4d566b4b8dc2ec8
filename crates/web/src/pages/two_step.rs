//! Two-step sign-in with an authenticator app on her account page: the section that says
//! whether it is on, setting it up (the key and a code, with her password), and turning it off.

use axum::response::{IntoResponse, Response};
use lodge_domain::Problems;
use lodge_service::{Password, ServiceError};
use maud::{Markup, html};

use super::accounts::{account_response, on_account_page};
use super::layout::{Input, csrf, page, problem_summary, text_field};
use crate::State;
use crate::extract::{SignedForm, Viewer};
use crate::failure::PageResult;

pub(crate) fn section(s: &lodge_service::Session, on: bool, problems: &Problems) -> Markup {
    html! {
        h2 { "Two-step sign-in" }
        @if on {
            p { "On: signing in needs your password and a code from your authenticator app." }
            form method="post" action="/account/two-step/off" {
                (csrf(s))
                (text_field("password", "Your password, to turn it off", None, "", problems, Input::Password))
                div.actions { button.secondary type="submit" { "Turn two-step sign-in off" } }
            }
        } @else {
            p { "Off. With it on, someone who learns your password still cannot sign in without the code your authenticator app makes (such as Aegis, Google Authenticator or 2FAS)." }
            form method="post" action="/account/two-step" {
                (csrf(s))
                div.actions { button type="submit" { "Set up an authenticator app" } }
            }
        }
    }
}

pub(crate) async fn start_two_step(
    axum::extract::State(state): State,
    Viewer(s): Viewer,
    SignedForm(_form): SignedForm,
) -> PageResult {
    let setup = state.lodge.start_totp(&s)?;
    Ok(two_step_setup_page(&state, &s, &setup.secret, &setup.url, &Problems::default()))
}

fn two_step_setup_page(
    state: &crate::AppState,
    s: &lodge_service::Session,
    secret: &str,
    url: &str,
    problems: &Problems,
) -> Response {
    let body = html! {
        h1 { "Set up an authenticator app" }
        ol {
            li {
                "On this phone, " a href=(url) { "open your authenticator app with this account" } "; or, in the app, add an account by typing this key:"
                p.secret aria-label="Key for your authenticator app" { (secret) }
            }
            li { "Type the six-digit code the app shows." }
        }
        p.hint { "The app's entry is named \"" (if s.neutral_title { "Notes" } else { "Lodge" }) "\" and your username. You can rename it in the app." }
        (problem_summary(problems))
        form method="post" action="/account/two-step/confirm" {
            (csrf(s))
            input type="hidden" name="secret" value=(secret);
            input type="hidden" name="url" value=(url);
            (text_field("password", "Your password", Some("So that only you can turn this on."), "", problems, Input::Password))
            div.field.invalid[problems.for_field("code").is_some()] {
                label for="code" { "Code" }
                @if let Some(p) = problems.for_field("code") { p.problem { (p) } }
                input #code type="text" name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="8";
            }
            div.actions { button type="submit" { "Turn on two-step sign-in" } }
        }
        p { a href="/account" { "Cancel" } }
    };
    let status = super::layout::form_status(problems);
    (status, page(Some(s), &state.config, "Set up an authenticator app", body)).into_response()
}

pub(crate) async fn confirm_two_step(
    axum::extract::State(state): State,
    Viewer(s): Viewer,
    SignedForm(form): SignedForm,
) -> PageResult {
    let password = Password::new(form.get("password").to_owned());
    match state.lodge.confirm_totp(&s, password, form.get("secret"), form.get("code")).await {
        Ok(()) => account_response(&state, &s, &Problems::default(), Some("Two-step sign-in is on.")).await,
        Err(ServiceError::Invalid(p)) => Ok(two_step_setup_page(&state, &s, form.get("secret"), form.get("url"), &p)),
        Err(e) => Err(e.into()),
    }
}

pub(crate) async fn two_step_off(
    axum::extract::State(state): State,
    Viewer(s): Viewer,
    SignedForm(form): SignedForm,
) -> PageResult {
    let action = state.lodge.disable_totp(&s, Password::new(form.get("password").to_owned()));
    on_account_page(&state, &s, &form, "Two-step sign-in is off.", action).await
}
