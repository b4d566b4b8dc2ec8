//! Her account: password, recovery key, second factors, passkeys, sessions, safety settings
//! (neutral title, idle time), reminder address, and deleting her data.

use axum::response::IntoResponse;
use axum_extra::extract::cookie::CookieJar;
use lodge_domain::Problems;
use lodge_service::{PasskeySummary, Password, ServiceError, SessionSummary};
use maud::{Markup, html};

use super::layout::{Input, csrf, notice, page, problem_summary, text_field};
use super::{FormData, leave};
use crate::State;
use crate::extract::{SignedForm, Viewer};
use crate::failure::{PageResult, see_other};

/// What the account page shows besides the forms.
struct AccountData {
    two_step: bool,
    sessions: Vec<SessionSummary>,
    passkeys: Option<Vec<PasskeySummary>>,
    /// Where reminders go ("" for nowhere), when the organisation can send them.
    reminder_email: Option<String>,
}

/// The account page, with `problems` next to their fields and `done` confirmed at the top.
pub(crate) async fn account_response(
    state: &crate::AppState,
    s: &lodge_service::Session,
    problems: &Problems,
    done: Option<&str>,
) -> PageResult {
    account_response_typed(state, s, problems, done, None).await
}

/// The account page showing the reminder address she typed, not the one kept.
async fn account_response_typed(
    state: &crate::AppState,
    s: &lodge_service::Session,
    problems: &Problems,
    done: Option<&str>,
    typed_reminder_email: Option<&str>,
) -> PageResult {
    let reminder_email = match (state.lodge.reminders_available(), typed_reminder_email) {
        (false, _) => None,
        (true, Some(typed)) => Some(typed.to_owned()),
        (true, None) => Some(state.lodge.reminder_email(s).await?),
    };
    let data = AccountData {
        two_step: state.lodge.totp_enabled(s).await?,
        sessions: state.lodge.sessions(s).await?,
        passkeys: if state.lodge.passkeys_available() { Some(state.lodge.passkeys_of(s).await?) } else { None },
        reminder_email,
    };
    let status = super::layout::form_status(problems);
    Ok((status, page(Some(s), &state.config, "Your account", account_body(s, &data, problems, done))).into_response())
}

/// Runs an account form's action, then shows the account page: `done` confirmed on success,
/// the problems next to their fields otherwise.
pub(crate) async fn on_account_page(
    state: &crate::AppState,
    s: &lodge_service::Session,
    form: &FormData,
    done: &str,
    action: impl std::future::Future<Output = Result<(), ServiceError>>,
) -> PageResult {
    match action.await {
        Ok(()) => account_response(state, s, &Problems::default(), Some(done)).await,
        // What she typed stays in the box (the reminder address is the one field kept, not blanked).
        Err(ServiceError::Invalid(p)) => {
            let typed = form.all("reminder_email").first().copied();
            account_response_typed(state, s, &p, None, typed).await
        }
        Err(e) => Err(e.into()),
    }
}

fn reminders_section(s: &lodge_service::Session, address: &str, problems: &Problems) -> Markup {
    html! {
        h2 #reminders { "Reminders by email" }
        p { "When a takedown notice needs a follow-up, Lodge can email you. The email says only that something needs you, with a link to sign in: nothing about your case. Only use an address nobody else reads." }
        form method="post" action="/account/reminders" {
            (csrf(s))
            (text_field("reminder_email", "Email address for reminders", Some("Leave it empty for no reminders."), address, problems, Input::Email))
            div.actions { button.secondary type="submit" { "Save" } }
        }
    }
}

fn passkey_section(s: &lodge_service::Session, passkeys: &[PasskeySummary], problems: &Problems) -> Markup {
    html! {
        h2 { "Passkeys" }
        p { "A passkey uses this phone's fingerprint, face or screen lock. With one, signing in with your password also asks for the passkey; one added for signing in lets you sign in on this device without your password. Quick exit makes this device forget that, and you sign in with your password next time." }
        @if !passkeys.is_empty() {
            ul.plain {
                @for p in passkeys {
                    li {
                        strong { (p.name) } br;
                        span.hint {
                            "Added " (p.created_at.strftime("%-d %b %Y")) ". "
                            @if let Some(used) = p.last_used_at { "Last used " (used.strftime("%-d %b %Y")) ". " }
                            @if p.signs_in { "Signs in on the device that added it." }
                        }
                        form method="post" action={ "/account/passkeys/" (p.id) "/remove" } {
                            (csrf(s))
                            (text_field("passkey_password", "Your password, to remove it", None, "", problems, Input::Password))
                            button.secondary type="submit" { "Remove" }
                        }
                    }
                }
            }
        }
        form method="post" action="/account/passkeys" data-passkey="register" data-form-token=(s.form_token) {
            (csrf(s))
            (text_field("passkey_name", "Name for it", Some("Such as \"my phone\"."), "", &Problems::default(), Input::Text))
            (text_field("passkey_password", "Your password", Some("So that only you can add one."), "", &Problems::default(), Input::Password))
            div.choices {
                label { input type="checkbox" name="signs_in" value="yes"; span { "Also sign in on this device without my password" } }
            }
            p.problem role="alert" data-passkey-message {}
            div.actions { button type="submit" { "Add a passkey" } }
        }
    }
}

fn account_body(s: &lodge_service::Session, data: &AccountData, problems: &Problems, done: Option<&str>) -> Markup {
    html! {
        h1 { "Your account" }
        @if let Some(d) = done { (notice("ok", d)) }
        p { "Signed in as " strong { (s.username) } " (" (s.role.label()) ")." }
        h2 { "Change your password" }
        p { "Your records stay as they are; only the lock on your key changes. Other places you are signed in will be signed out." }
        (problem_summary(problems))
        form method="post" action="/account/password" {
            (csrf(s))
            (text_field("current_password", "Current password", None, "", problems, Input::Password))
            (text_field("new_password", "New password", Some("At least 10 characters."), "", problems, Input::NewPassword))
            div.actions { button type="submit" { "Change password" } }
        }
        h2 { "Safety settings" }
        form method="post" action="/account/safety" {
            (csrf(s))
            div.choices {
                label {
                    input type="checkbox" name="neutral_title" value="on" checked[s.neutral_title];
                    span { "Hide the name \"Lodge\": show a neutral name in the browser tab, history and page header." }
                }
            }
            (text_field("app_name", "Neutral name", Some("What the tab shows instead, such as \"Recipes\". Empty for \"Notes\"."), if s.app_name == "Notes" { "" } else { &s.app_name }, problems, Input::Text))
            div.field.invalid[problems.for_field("idle_minutes").is_some()] {
                label for="idle_minutes" { "Sign me out when I stop using it for" }
                @if let Some(p) = problems.for_field("idle_minutes") { p.problem { (p) } }
                select #idle_minutes name="idle_minutes" {
                    option value="" selected[s.idle_minutes.is_none()] { "The organisation's time" }
                    @for m in [5i64, 10, 15] {
                        option value=(m) selected[s.idle_minutes == Some(m)] { (m) " minutes" }
                    }
                }
            }
            div.actions { button.secondary type="submit" { "Save" } }
        }
        @if let Some(address) = &data.reminder_email { (reminders_section(s, address, problems)) }
        (super::two_step::section(s, data.two_step, problems))
        @if let Some(passkeys) = &data.passkeys { (passkey_section(s, passkeys, problems)) }
        (super::sessions::section(s, &data.sessions))
        (super::recovery::section(s, problems))
        h2 { "Delete my data" }
        p { "This destroys every case you own, at once: its records, files, shares and police links can never be opened again, by anyone, including you and the organisation. The case log keeps only the fact that the case existed and was deleted. Your account is switched off. This cannot be undone, and no one can restore it." }
        p { "A backup the organisation made before today still holds your data, sealed: with your password, someone who has that backup could open it. Ask the organisation how long they keep backups." }
        form method="post" action="/account/delete" {
            (csrf(s))
            (text_field("password", "Your password", Some("To make sure it is you."), "", problems, Input::Password))
            div.choices.invalid[problems.for_field("confirm").is_some()] {
                @if let Some(p) = problems.for_field("confirm") { p.problem { (p) } }
                label {
                    input type="checkbox" name="confirm" value="yes";
                    span { "I understand that my data will be gone for good." }
                }
            }
            div.actions { button.danger type="submit" { "Delete my data" } }
        }
    }
}

pub(crate) async fn delete_my_data(
    axum::extract::State(state): State,
    Viewer(s): Viewer,
    jar: CookieJar,
    SignedForm(form): SignedForm,
) -> PageResult {
    let result = if form.has("confirm", "yes") {
        state.lodge.delete_my_data(&s, Password::new(form.get("password").to_owned())).await.map(|_| ())
    } else {
        Err(ServiceError::invalid("confirm", "Tick the box to confirm that you want your data gone for good."))
    };
    match result {
        Ok(()) => Ok(leave(&state, &jar, "/login?deleted=1").await),
        Err(ServiceError::Invalid(p)) => account_response(&state, &s, &p, None).await,
        Err(e) => Err(e.into()),
    }
}

pub(crate) async fn account_page(axum::extract::State(state): State, Viewer(s): Viewer) -> PageResult {
    account_response(&state, &s, &Problems::default(), None).await
}

pub(crate) async fn change_password(
    axum::extract::State(state): State,
    Viewer(s): Viewer,
    SignedForm(form): SignedForm,
) -> PageResult {
    let current = Password::new(form.get("current_password").to_owned());
    let new = Password::new(form.get("new_password").to_owned());
    let action = state.lodge.change_password(&s, current, new);
    on_account_page(&state, &s, &form, "Your password has been changed.", action).await
}

pub(crate) async fn safety(
    axum::extract::State(state): State,
    Viewer(s): Viewer,
    SignedForm(form): SignedForm,
) -> PageResult {
    let on = form.has("neutral_title", "on");
    let idle = form.get("idle_minutes").trim();
    let idle = if idle.is_empty() { Ok(None) } else { idle.parse::<i64>().map(Some) };
    let result = match idle {
        Ok(idle) => state.lodge.set_safety(&s, on, form.get("app_name"), idle).await,
        Err(_) => Err(ServiceError::invalid("idle_minutes", "Choose a time from the list.")),
    };
    match result {
        Ok(()) => see_other("/account"),
        Err(ServiceError::Invalid(p)) => account_response(&state, &s, &p, None).await,
        Err(e) => Err(e.into()),
    }
}

/// Sets (or clears) where her reminders go.
pub(crate) async fn reminders(
    axum::extract::State(state): State,
    Viewer(s): Viewer,
    SignedForm(form): SignedForm,
) -> PageResult {
    let typed = form.get("reminder_email");
    let done = if typed.trim().is_empty() {
        "No reminders will be emailed."
    } else {
        "Reminders will be emailed to that address."
    };
    on_account_page(&state, &s, &form, done, state.lodge.set_reminder_email(&s, typed)).await
}
