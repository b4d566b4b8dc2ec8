//! The administrator's page: accounts (switch off and on), invitations, and whether survivors
//! may sign up without one. Administrators manage accounts; they read no case.

use axum::extract::Path;
use axum::response::IntoResponse;
use lodge_domain::Role;
use lodge_service::ServiceError;
use maud::{Markup, html};

use super::layout::{csrf, page};
use crate::State;
use crate::extract::{SignedForm, Viewer};
use crate::failure::{PageResult, see_other};

async fn admin_body(
    state: &crate::AppState,
    s: &lodge_service::Session,
    link: Option<(String, Role)>,
) -> Result<Markup, ServiceError> {
    let users = state.lodge.users(s).await?;
    let signup_open = state.lodge.signup_open().await?;
    Ok(html! {
        h1 { "Administration" }
        p { "Administrators manage accounts. They cannot read anyone's records." }
        @if let Some((url, role)) = &link {
            div.notice.ok role="status" {
                p { "Invitation link for a new " (role.label().to_lowercase()) ". It works once and expires in 7 days. Send it privately:" }
                p.secret { (url) }
            }
        }
        h2 { "Invite someone" }
        form method="post" action="/admin/invitations" {
            (csrf(s))
            fieldset {
                legend { "Their role" }
                div.choices {
                    @for role in [Role::Survivor, Role::SupportWorker, Role::Administrator] {
                        label { input type="radio" name="role" value=(role.as_str()) checked[role == Role::Survivor]; span { (role.label()) } }
                    }
                }
            }
            div.actions { button type="submit" { "Make invitation link" } }
        }
        h2 { "Sign-up" }
        form method="post" action="/admin/signup" {
            (csrf(s))
            div.choices {
                label {
                    input type="checkbox" name="open" value="on" checked[signup_open];
                    span { "Let survivors create an account without an invitation" }
                }
            }
            div.actions { button.secondary type="submit" { "Save" } }
        }
        h2 { "Accounts" }
        p { "Administrators cannot read anyone's records, nor reset their password. Someone who has lost both their password and their recovery key can be invited again, but gets a new, empty account: the records of the old one stay locked for good. Switching an account off signs it out everywhere and keeps its records as they are." }
        table {
            thead { tr { th scope="col" { "Username" } th scope="col" { "Role" } th scope="col" { "Since" } th scope="col" { "Switch" } } }
            tbody {
                @for u in &users {
                    tr {
                        td { (u.username) }
                        td { (u.role.label()) @if u.disabled { " (switched off)" } }
                        td { (u.created_at.strftime("%-d %b %Y")) }
                        td {
                            @if u.id != s.user_id {
                                form.inline method="post" action={ "/admin/users/" (u.id) (if u.disabled { "/enable" } else { "/disable" }) } {
                                    (csrf(s))
                                    button.secondary type="submit" { (if u.disabled { "Switch on" } else { "Switch off" }) }
                                }
                            }
                        }
                    }
                }
            }
        }
    })
}

pub(crate) async fn admin_page(axum::extract::State(state): State, Viewer(s): Viewer) -> PageResult {
    let body = admin_body(&state, &s, None).await?;
    Ok(page(Some(&*s), &state.config, "Administration", body).into_response())
}

pub(crate) async fn invite(
    axum::extract::State(state): State,
    Viewer(s): Viewer,
    SignedForm(form): SignedForm,
) -> PageResult {
    let role = Role::parse(form.get("role")).unwrap_or(Role::Survivor);
    let token = state.lodge.invite(&s, role).await?;
    let url = format!("{}/join/{}", state.config.public_url.trim_end_matches('/'), token.to_text());
    let body = admin_body(&state, &s, Some((url, role))).await?;
    Ok(page(Some(&*s), &state.config, "Administration", body).into_response())
}

pub(crate) async fn signup_setting(
    axum::extract::State(state): State,
    Viewer(s): Viewer,
    SignedForm(form): SignedForm,
) -> PageResult {
    let open = form.has("open", "on");
    state.lodge.set_signup_open(&s, open).await?;
    see_other("/admin")
}

pub(crate) async fn disable_account(
    axum::extract::State(state): State,
    Viewer(s): Viewer,
    Path(user): Path<uuid::Uuid>,
    SignedForm(_form): SignedForm,
) -> PageResult {
    let action = state.lodge.set_account_disabled(&s, lodge_domain::UserId(user), true);
    action.await?;
    see_other("/admin")
}

pub(crate) async fn enable_account(
    axum::extract::State(state): State,
    Viewer(s): Viewer,
    Path(user): Path<uuid::Uuid>,
    SignedForm(_form): SignedForm,
) -> PageResult {
    let action = state.lodge.set_account_disabled(&s, lodge_domain::UserId(user), false);
    action.await?;
    see_other("/admin")
}
