//! Where she is signed in: the list on her account page, and signing out one device or every
//! other one.

use axum::extract::Path;
use lodge_service::SessionSummary;
use maud::{Markup, html};

use super::layout::csrf;

use crate::State;
use crate::extract::{SignedForm, Viewer};
use crate::failure::{PageResult, see_other};

/// The account page's list of places she is signed in.
pub(crate) fn section(s: &lodge_service::Session, sessions: &[SessionSummary]) -> Markup {
    html! {
        h2 { "Where you are signed in" }
        p { "If you see a device you do not know, sign it out and change your password." }
        table.reflow {
            thead { tr { th scope="col" { "Device" } th scope="col" { "Signed in" } th scope="col" { "Last used" } th scope="col" { "Sign out" } } }
            tbody {
                @for session in sessions {
                    tr {
                        td data-label="Device" { (session.device) @if session.this { br; span.hint { "This device" } } }
                        td data-label="Signed in" { (session.started.strftime("%-d %b %Y, %H:%M UTC")) }
                        td data-label="Last used" { (session.last_seen.strftime("%-d %b %Y, %H:%M UTC")) }
                        td data-label="Sign out" {
                            @if !session.this {
                                form.inline method="post" action={ "/account/sessions/" (session.id) "/end" } {
                                    (csrf(s))
                                    button.secondary type="submit" { "Sign out" }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if sessions.len() > 1 {
            form method="post" action="/account/sessions/end-others" {
                (csrf(s))
                div.actions { button.secondary type="submit" { "Sign out everywhere else" } }
            }
        }
    }
}

pub(crate) async fn end_other_sessions(
    axum::extract::State(state): State,
    Viewer(s): Viewer,
    SignedForm(_form): SignedForm,
) -> PageResult {
    state.lodge.end_other_sessions(&s).await?;
    see_other("/account")
}

pub(crate) async fn end_session(
    axum::extract::State(state): State,
    Viewer(s): Viewer,
    Path(session): Path<String>,
    SignedForm(_form): SignedForm,
) -> PageResult {
    state.lodge.end_session(&s, &session).await?;
    see_other("/account")
}
