//! The administrator's page: what to do first on a new server, accounts (switch off and on),
//! invitations (made with a label, listed while open, withdrawn), and whether survivors may
//! sign up without one. Administrators manage accounts; they read no case.

use axum::extract::Path;
use axum::response::IntoResponse;
use lodge_domain::{Problems, Role};
use lodge_service::ServiceError;
use maud::{Markup, html};

use super::layout::{Input, csrf, link_to_pass_on, page, text_field};
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
    let invitations = state.lodge.invitations(s).await?;
    let alone = users.len() <= 1;
    Ok(html! {
        h1 { "Administration" }
        p { "Administrators manage accounts. They cannot read anyone's records." }
        @if alone {
            div.notice {
                h2 { "What to do first" }
                ol {
                    li { "Invite your support workers: choose \"Support worker\" below and send each their link privately." }
                    li { "Invite the survivors you support, or let them sign up without an invitation." }
                    li { "Turn on two-step sign-in for your own account, on " a href="/account" { "your account page" } "." }
                }
            }
        }
        @if let Some((url, role)) = &link {
            div.notice.ok role="status" {
                p { "Invitation link for a new " (role.label().to_lowercase()) ". It works once and expires in 7 days. Send it privately:" }
                (link_to_pass_on(url))
            }
        }
        h2 { "Invite someone" }
        form method="post" action="/admin/invitations" {
            (csrf(s))
            (text_field("label", "Who it is for (optional)", Some("Only administrators see this, to know which link is whose. Initials or a first name are enough."), "", &Problems::default(), Input::Text))
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
        h2 { "Open invitations" }
        @if invitations.is_empty() { p { "None: every link made has been used, withdrawn or has expired." } }
        ul.plain {
            @for i in &invitations {
                li {
                    strong { @if i.label.is_empty() { "No label" } @else { (i.label) } }
                    " — " (i.role.label().to_lowercase())
                    br;
                    span.hint { "Made " (i.made_at.strftime("%-d %b %Y")) ", works until " (i.expires_at.strftime("%-d %b %Y")) "." }
                    form.inline method="post" action={ "/admin/invitations/" (i.id) "/withdraw" } {
                        (csrf(s))
                        button.secondary type="submit" { "Withdraw" span.visually-hidden { " the invitation" @if !i.label.is_empty() { " for " (i.label) } } }
                    }
                }
            }
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
        table.reflow {
            thead { tr { th scope="col" { "Username" } th scope="col" { "Role" } th scope="col" { "Since" } th scope="col" { "Switch" } } }
            tbody {
                @for u in &users {
                    tr {
                        td data-label="Username" { (u.username) }
                        td data-label="Role" { (u.role.label()) @if u.disabled { " (switched off)" } }
                        td data-label="Since" { (u.created_at.strftime("%-d %b %Y")) }
                        td data-label="Switch" {
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
    let token = state.lodge.invite(&s, role, form.get("label")).await?;
    let url = format!("{}/join/{}", state.config.public_url.trim_end_matches('/'), token.to_text());
    let body = admin_body(&state, &s, Some((url, role))).await?;
    Ok(page(Some(&*s), &state.config, "Administration", body).into_response())
}

pub(crate) async fn withdraw_invitation(
    axum::extract::State(state): State,
    Viewer(s): Viewer,
    Path(invitation): Path<String>,
    SignedForm(_form): SignedForm,
) -> PageResult {
    state.lodge.withdraw_invitation(&s, &invitation).await?;
    see_other("/admin")
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
