//! The case log page: every change to her case, deletions included, and the signed
//! checkpoint that lets anyone check later that nothing was quietly changed.

use axum::response::IntoResponse;
use lodge_domain::Access;
use lodge_service::LogLine;
use lodge_service::case_log::{Action, Entry, Subject};
use maud::{Markup, html};
use uuid::Uuid;

use super::layout::page;
use crate::State;
use crate::extract::ReadCase;
use crate::failure::PageResult;

pub(crate) async fn show(axum::extract::State(state): State, ReadCase(s, open): ReadCase) -> PageResult {
    let case = open.id.0;
    let checkpoint = open.checkpoint().await?;
    let lines = open.log_lines().await?;
    let body = html! {
        p { a href={ "/cases/" (case) } { "← " (open.title) } }
        h1 { "Case log" }
        p { "Every change to this case is recorded here, in order, deletions included: a deleted incident's words are gone, but the log still shows that it existed and when it was deleted." }
        p { "Lodge signs a summary of this log, called a checkpoint. A report made from this case carries it, so police or a court can check that nothing in the log was changed or removed afterwards, without seeing anything you did not include." }
        h2 { "Latest checkpoint" }
        dl.details {
            dt { "Entries" } dd { (checkpoint.size) }
            dt { "Signed" } dd { (checkpoint.signed_at.strftime("%-d %b %Y, %H:%M UTC")) }
            dt { "Key to check it with" } dd.verbatim { (checkpoint.verifier_key) }
        }
        details {
            summary { "The signed checkpoint, as text" }
            pre.verbatim { (checkpoint.note) }
        }
        h2 { "Entries" }
        table.reflow {
            thead { tr { th scope="col" { "#" } th scope="col" { "When" } th scope="col" { "What" } th scope="col" { "By" } } }
            tbody {
                @for line in lines.iter().rev() {
                    tr {
                        td data-label="#" { (line.index + 1) }
                        td data-label="When" { (line.at.strftime("%-d %b %Y, %H:%M UTC")) }
                        td data-label="What" { (what(case, line, open.access == Access::Owner)) }
                        td data-label="By" { @if line.entry.by == s.user_id.0 { "You" } @else { "Another account" } }
                    }
                }
            }
        }
    };
    Ok(page(Some(&*s), &state.config, "Case log", body).into_response())
}

/// One entry in plain words, linked to what it is about while that still exists (sharing and
/// the inbox only for her: nobody she shares with may open them).
fn what(case: Uuid, line: &LogLine, owner: bool) -> Markup {
    let Entry { subject, action, record, version, .. } = &line.entry;
    let noun = match subject {
        Subject::Case => "Case",
        Subject::Incident => "Incident",
        Subject::Evidence => "File",
        Subject::Person => "Person",
        Subject::Report => "Report",
        Subject::Share => "Share",
        Subject::Content => "Your content",
        Subject::FoundCopy => "Copy found online",
        Subject::Notice => "Takedown notice",
        Subject::Watch => "Name watch",
        Subject::Inbox => "Report to your inbox",
    };
    let verb = match (subject, action) {
        (Subject::Case, Action::Created) => "started",
        (Subject::Case, Action::Edited) => "renamed",
        (Subject::Incident, Action::Created) => "logged",
        (Subject::Evidence, Action::Created) => "added",
        (Subject::Evidence, Action::Edited) => "attached to an incident",
        (Subject::Person, Action::Created) => "added",
        (Subject::Inbox, Action::Created) => "received",
        (_, Action::Created) => "created",
        (_, Action::Edited) => "edited",
        (_, Action::Deleted) => "deleted",
        (_, Action::Exported) => "exported",
        (Subject::Share, Action::Granted) => "given",
        (_, Action::Accepted) => "accepted",
        (_, Action::Declined) => "declined",
        (_, Action::Granted) => "granted",
        (_, Action::Accessed) => "viewed by someone you shared it with",
        (_, Action::Revoked) => "withdrawn",
    };
    let link = match (subject, record, action) {
        (_, _, Action::Deleted) | (_, None, _) => None,
        (Subject::Share | Subject::Inbox, _, _) if !owner => None,
        (Subject::Incident, Some(id), _) => Some(format!("/cases/{case}/incidents/{id}")),
        (Subject::Evidence, Some(id), _) => Some(format!("/cases/{case}/evidence/{id}")),
        (Subject::Person, Some(id), _) => Some(format!("/cases/{case}/people/{id}")),
        (Subject::Share, Some(_), Action::Accessed) => Some(format!("/cases/{case}/access")),
        (Subject::Inbox, Some(_), Action::Created) => Some(format!("/cases/{case}/inbox")),
        (Subject::Share, Some(_), _) => Some(format!("/cases/{case}/sharing")),
        _ => None,
    };
    html! {
        @match link {
            Some(href) => a href=(href) { (noun) " " (verb) },
            None => { (noun) " " (verb) },
        }
        @if let Some(v) = version.filter(|v| *v > 1 && *action == Action::Edited) { " (version " (v) ")" }
    }
}
