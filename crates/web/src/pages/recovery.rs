//! Her recovery key on the web: the page that shows a new key once (after sign-up, after she
//! used the old one, or when she replaces it), the recovery form, and replacing it from her
//! account page with her password.

use axum::Form;
use axum::response::{IntoResponse, Response};
use lodge_domain::Problems;
use lodge_service::{Password, RecoveryKey, ServiceError, Session};
use maud::{Markup, html};

use super::layout::{Input, page, problem_summary, text_field};
use super::{FormData, error_page};
use crate::State;
use crate::extract::{SignedForm, Viewer};
use crate::failure::PageResult;

/// The page that shows a recovery key, the only time it is shown; `done` says what just
/// happened, and where she goes next depends on whether she is signed in.
pub(crate) fn key_page(
    state: &crate::AppState,
    s: Option<&Session>,
    recovery: &RecoveryKey,
    done: Option<Markup>,
) -> Markup {
    let text = recovery.display_text();
    let next = if s.is_some() {
        ("/cases", "I have saved it — continue")
    } else {
        ("/login", "I have saved it — sign in")
    };
    page(
        s,
        &state.config,
        "Your recovery key",
        html! {
            @if let Some(done) = done { (done) }
            h1 { "Save your recovery key" }
            p { "Everything you keep in Lodge is locked with your password. If you forget your password, this recovery key is the only other way to open it. It works once: using it gives you a new one." }
            p.secret aria-label="Recovery key" {
                @for (i, group) in text.split('-').enumerate() {
                    @if i > 0 { "-" }
                    span.group { (group) }
                }
            }
            div.notice.error {
                p { strong { "This is the only time it is shown." } }
                p { "Write it down or keep it somewhere safe that others cannot see. Without your password or this key, nobody — not even the people who run this service — can get your records back." }
            }
            p { a.button href=(next.0) { (next.1) } }
        },
    )
}

fn recover_form(username: &str, key: &str, problems: &Problems) -> Markup {
    html! {
        h1 { "Set a new password with your recovery key" }
        p { "Your recovery key was shown when you made your account, or when you last replaced or used it. With it you can set a new password and keep everything you saved." }
        p { "If you have neither your password nor your recovery key, your records cannot be opened by anyone. A new invitation from your organisation gives you a new, empty account." }
        (problem_summary(problems))
        form method="post" action="/recover" {
            (text_field("username", "Username", None, username, problems, Input::Text))
            (text_field("recovery_key", "Recovery key", Some("13 groups of 4 letters and numbers. Dashes and spaces do not matter."), key, problems, Input::Text))
            (text_field("password", "New password", Some("At least 10 characters."), "", problems, Input::NewPassword))
            div.actions { button type="submit" { "Set new password" } }
        }
    }
}

pub(crate) async fn recover_page(axum::extract::State(state): State) -> Markup {
    page(None, &state.config, "Recover your account", recover_form("", "", &Problems::default()))
}

pub(crate) async fn recover(axum::extract::State(state): State, Form(form): Form<FormData>) -> Response {
    let (username, key) = (form.get("username"), form.get("recovery_key"));
    match state.lodge.recover(username, key, Password::new(form.get("password").to_owned())).await {
        Ok(fresh) => {
            let done = html! {
                div.notice role="status" {
                    p { strong { "Your password has been changed." } " Your records are safe." }
                    p { "Every place you were signed in has been signed out. Two-step sign-in and your passkeys are off: set them up again from your account page. The recovery key you used no longer works; here is your new one." }
                }
            };
            key_page(&state, None, &fresh, Some(done)).into_response()
        }
        Err(ServiceError::Invalid(p)) => (
            axum::http::StatusCode::BAD_REQUEST,
            page(None, &state.config, "Recover your account", recover_form(username, key, &p)),
        )
            .into_response(),
        Err(e) => error_page(None, &state.config, e),
    }
}

/// The account page's section for replacing the key.
pub(crate) fn section(s: &Session, problems: &Problems) -> Markup {
    html! {
        h2 { "Recovery key" }
        p { "If someone may have seen your recovery key, replace it. The old one stops working at once." }
        form method="post" action="/account/recovery-key" {
            (super::layout::csrf(s))
            (text_field("recovery_password", "Your password, to replace it", None, "", problems, Input::Password))
            div.actions { button.secondary type="submit" { "Replace my recovery key" } }
        }
    }
}

pub(crate) async fn replace(
    axum::extract::State(state): State,
    Viewer(s): Viewer,
    SignedForm(form): SignedForm,
) -> PageResult {
    match state.lodge.replace_recovery_key(&s, Password::new(form.get("recovery_password").to_owned())).await {
        Ok(fresh) => {
            let done = html! { div.notice role="status" { p { "Your old recovery key no longer works. Here is your new one." } } };
            Ok(key_page(&state, Some(&*s), &fresh, Some(done)).into_response())
        }
        Err(ServiceError::Invalid(p)) => super::accounts::account_response(&state, &s, &p, None).await,
        Err(e) => Err(e.into()),
    }
}
