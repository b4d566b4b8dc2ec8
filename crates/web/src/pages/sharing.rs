//! Sharing pages: who she has shared her case with (support workers, police links), making,
//! refreshing and withdrawing each, and her access log. What a police link opens is in
//! `shared`.

use axum::extract::Path;
use axum::response::{IntoResponse, Response};
use lodge_domain::{Access, CaseId, Problems, UserId};
use lodge_service::{
    AccessLine, GrantSummary, NewShare, OpenCase, Password, ServiceError, Session, ShareState, ShareSummary,
};
use maud::{Markup, html};
use uuid::Uuid;

use super::FormData;
use super::layout::{Input, csrf, link_to_pass_on, notice, page, problem_summary, text_field};
use super::reports::options_from_form;
use crate::extract::{OwnCase, SignedForm};
use crate::failure::{PageResult, see_other};
use crate::{AppState, State};

const DAY: &str = "%-d %b %Y";
const MINUTE: &str = "%-d %b %Y, %H:%M UTC";

struct Sharing {
    grants: Vec<GrantSummary>,
    shares: Vec<ShareSummary>,
}

async fn sharing_of(open: &OpenCase) -> Result<Sharing, ServiceError> {
    Ok(Sharing { grants: open.grants().await?, shares: open.shares().await? })
}

fn first_visit(s: &Session, config: &crate::WebConfig) -> FormData {
    let mut form = super::report_wishes::first_visit(s, config);
    form.set("days", "30");
    form.set("access", "read");
    form
}

fn sharing_body(s: &Session, open: &OpenCase, data: &Sharing, form: &FormData, problems: &Problems) -> Markup {
    let case = open.id;
    html! {
        p { a href={ "/cases/" (case) } { "← " (open.title) } }
        h1 { "Sharing" }
        p { "Nobody sees this case unless you share it. You can stop sharing at any time, and " a href={ "/cases/" (case) "/access" } { "you can see every time someone looked" } "." }
        (problem_summary(problems))
        h2 { "Support workers" }
        @if data.grants.is_empty() {
            p { "You have not shared this case with anyone at the organisation." }
        } @else {
            ul.plain {
                @for g in &data.grants {
                    li {
                        strong { (g.username) } " — " (g.access.label())
                        form.inline method="post" action={ "/cases/" (case) "/sharing/grants/" (g.user) "/revoke" } {
                            (csrf(s))
                            button.secondary type="submit" { "Stop sharing with " (g.username) }
                        }
                    }
                }
            }
            p.hint { "When you stop sharing with someone, Lodge changes this case's keys, so nothing you add afterwards can be read with what they had." }
        }
        form method="post" action={ "/cases/" (case) "/sharing/grants" } {
            (csrf(s))
            (text_field("username", "Support worker's username", Some("Ask them for it. They see only this case."), form.get("username"), problems, Input::Text))
            fieldset.choices {
                legend { "What they can do" }
                label { input type="radio" name="access" value="read" checked[form.get("access") != "write"]; "Read only" }
                label { input type="radio" name="access" value="write" checked[form.get("access") == "write"]; "Read and add (log incidents, add evidence)" }
            }
            div.actions { button type="submit" { "Share with this worker" } }
        }
        h2 { "Police links" }
        p { "A police link shows one report, as it was when the link was made, with its exhibits and how to check them, and lets the officer download the evidence bundle. It opens nothing else of your case and cannot change anything. The key to open it is in the link itself: Lodge does not keep it, so copy the link when it is shown." }
        @if !data.shares.is_empty() {
            ul.plain {
                @for share in &data.shares { li { (share_line(s, case, share)) } }
            }
        }
        form method="post" action={ "/cases/" (case) "/sharing/links" } {
            (csrf(s))
            (text_field("label", "Who the link is for", Some("For example the officer's name and the crime reference number."), form.get("label"), problems, Input::Text))
            (text_field("subject_name", "Name the report uses", Some("Your working name or your legal name."), form.get("subject_name"), problems, Input::Text))
            (text_field("prepared_by", "Prepared by", None, form.get("prepared_by"), problems, Input::Text))
            (text_field("from", "Incidents from (optional)", Some("Leave empty for all."), form.get("from"), problems, Input::Date))
            (text_field("to", "Incidents to (optional)", None, form.get("to"), problems, Input::Date))
            (text_field("days", "Days the link works", Some("From 1 to 365. 30 is usual."), form.get("days"), problems, Input::Text))
            (text_field("passphrase", "Passphrase (optional)", Some("If you set one, give it to the officer separately, for example by phone. Lodge cannot show it again."), "", problems, Input::NewPassword))
            (super::reports::leave_out(form))
            (super::report_wishes::fields(form, problems))
            (super::report_wishes::risk_fields(form, problems))
            div.actions { button type="submit" { "Make a police link" } }
        }
    }
}

fn share_line(s: &Session, case: CaseId, share: &ShareSummary) -> Markup {
    html! {
        strong { (share.details.label) }
        br;
        span.hint {
            "Made " (share.created_at.strftime(DAY)) ". "
            @match share.state {
                ShareState::Preparing => { "Its report is being prepared. " }
                ShareState::Live => { "Works until " (share.details.expires_at.strftime(DAY)) ". " }
                ShareState::Withdrawn => { "Withdrawn. " }
                ShareState::Expired => { "Expired. " }
                ShareState::Ended => { "No longer works: it was made before Lodge gave each link a report of its own. Make a new one if it is still needed. " }
            }
            @if let (true, Some(made)) = (share.live(), share.content_made_at) { "Report prepared " (made.strftime(MINUTE)) ". " }
            @if share.details.passphrase { "Needs a passphrase. " }
            "Opened " (share.accesses) " times."
        }
        @if share.live() {
            form.inline method="post" action={ "/cases/" (case) "/sharing/links/" (share.id) "/refresh" } {
                (csrf(s))
                button.secondary type="submit" { "Bring its report up to date" }
            }
            form.inline method="post" action={ "/cases/" (case) "/sharing/links/" (share.id) "/revoke" } {
                (csrf(s))
                button.secondary type="submit" { "Withdraw this link" }
            }
        }
    }
}

fn sharing_page(
    s: &Session,
    state: &AppState,
    open: &OpenCase,
    data: &Sharing,
    form: &FormData,
    problems: &Problems,
) -> Response {
    let status = super::layout::form_status(problems);
    (status, page(Some(s), &state.config, "Sharing", sharing_body(s, open, data, form, problems))).into_response()
}

pub(crate) async fn show(axum::extract::State(state): State, OwnCase(s, open): OwnCase) -> PageResult {
    let data = sharing_of(&open).await?;
    Ok(sharing_page(&s, &state, &open, &data, &first_visit(&s, &state.config), &Problems::default()))
}

/// After a change to who holds the case: back to the sharing page, or the page again with her
/// choices and what to fix.
async fn after(
    state: &AppState,
    s: &Session,
    open: &OpenCase,
    form: &FormData,
    changed: Result<(), ServiceError>,
) -> PageResult {
    match changed {
        Ok(()) => see_other(&format!("/cases/{}/sharing", open.id.0)),
        Err(ServiceError::Invalid(problems)) => {
            let data = sharing_of(open).await?;
            Ok(sharing_page(s, state, open, &data, form, &problems))
        }
        Err(e) => Err(e.into()),
    }
}

/// Shares the case with someone else at the organisation.
pub(crate) async fn grant(
    axum::extract::State(state): State,
    OwnCase(s, open): OwnCase,
    SignedForm(form): SignedForm,
) -> PageResult {
    let access = if form.get("access") == "write" { Access::Write } else { Access::Read };
    let granted = open.grant(form.get("username"), access).await;
    after(&state, &s, &open, &form, granted).await
}

/// Stops sharing the case with someone.
pub(crate) async fn revoke(
    OwnCase(s, mut open): OwnCase,
    Path((case, user)): Path<(Uuid, Uuid)>,
    SignedForm(_): SignedForm,
) -> PageResult {
    open.revoke(&s, UserId(user)).await?;
    see_other(&format!("/cases/{case}/sharing"))
}

/// Makes a police link; the page shows it once.
pub(crate) async fn create_link(
    axum::extract::State(state): State,
    OwnCase(s, open): OwnCase,
    SignedForm(form): SignedForm,
) -> PageResult {
    match police_link(&state, &open, &form).await {
        Ok(shown) => Ok(page(Some(&*s), &state.config, "Police link made", shown).into_response()),
        Err(e) => after(&state, &s, &open, &form, Err(e)).await,
    }
}

/// Makes the link the form asks for, and the page that shows it.
async fn police_link(state: &AppState, open: &OpenCase, form: &FormData) -> Result<Markup, ServiceError> {
    let public_url = state.config.public_url.trim_end_matches('/');
    let mut problems = Problems::default();
    let days = form.get("days").trim().parse::<i64>().unwrap_or_else(|_| {
        problems.add("days", "Enter a number of days, from 1 to 365.");
        30
    });
    let report = match options_from_form(form) {
        Ok(mut options) => {
            options.prepared_for = form.get("label").to_owned();
            options
        }
        Err(more) => {
            problems.extend(more);
            Default::default()
        }
    };
    if !problems.is_empty() {
        return Err(ServiceError::Invalid(problems));
    }
    let passphrase = Some(form.get("passphrase")).filter(|p| !p.is_empty()).map(|p| Password::new(p.to_owned()));
    let request = NewShare { label: form.get("label").to_owned(), report, days, passphrase };
    let (_, token) = open.create_share(request).await?;
    // The secret follows `#`: browsers never send it, so no server or proxy logs it.
    let link = format!("{public_url}/shared#{}", token.to_text());
    let shown = html! {
        h1 { "Police link made" }
        (notice("success", "Copy this link now and send it to the officer. Lodge keeps no copy of it: if it is lost, make a new one and withdraw this one."))
        (link_to_pass_on(&link))
        p { "Its report is being prepared now; the link opens it once it is ready, usually within a minute. Anyone with the link can open the report until it expires, so send it only to the officer, and give any passphrase separately." }
        p { a.button href={ "/cases/" (open.id) "/sharing" } { "Back to sharing" } }
    };
    Ok(shown)
}

/// Makes a police link's report again from the case as it is now.
pub(crate) async fn refresh_link(
    OwnCase(_, open): OwnCase,
    Path((case, share)): Path<(Uuid, Uuid)>,
    SignedForm(_): SignedForm,
) -> PageResult {
    open.refresh_share(share).await?;
    see_other(&format!("/cases/{case}/sharing"))
}

/// Withdraws a police link.
pub(crate) async fn revoke_link(
    OwnCase(_, open): OwnCase,
    Path((case, share)): Path<(Uuid, Uuid)>,
    SignedForm(_): SignedForm,
) -> PageResult {
    open.revoke_share(share).await?;
    see_other(&format!("/cases/{case}/sharing"))
}

/// What someone did in her case, in words.
struct Did {
    /// "Looked at", "Sent a change to", or a police link's own words.
    verb: String,
    /// Where: "a person", "the timeline"…
    place: &'static str,
    /// The page of the record they opened, if it was one.
    record: Option<String>,
    /// Whether it was through the API.
    through_api: bool,
}

/// What an access-log entry says, in words: the log keeps the address that was asked for
/// ("Viewed /cases/…/people/…"), which says nothing to her. A police link's entries are
/// words already.
fn in_words(what: &str) -> Did {
    let Some((verb, path)) = what.split_once(' ').filter(|(_, p)| p.starts_with('/')) else {
        return Did { verb: what.to_owned(), place: "", record: None, through_api: false };
    };
    let api = path.starts_with("/api/");
    let mut parts = path.split('/').filter(|p| !p.is_empty()).skip_while(|p| *p != "cases").skip(2);
    let (first, second, third) = (parts.next(), parts.next(), parts.next());
    let place = match (first, second, third) {
        (None, _, _) => "the timeline",
        (Some("incidents"), None, _) => "the list of incidents",
        (Some("incidents"), Some("new"), _) => "the form for a new incident",
        (Some("incidents"), Some(_), Some("history")) => "an incident's earlier versions",
        (Some("incidents"), Some(_), Some("edit")) => "the form to change an incident",
        (Some("incidents"), Some(_), Some("evidence")) => "the files of an incident",
        (Some("incidents"), Some(_), _) => "an incident",
        (Some("people"), None, _) => "the people in the case",
        (Some("people"), Some(_), _) => "a person",
        (Some("evidence"), Some(_), Some("content")) => "a file, downloading it",
        (Some("evidence"), _, _) => "a file",
        (Some("report" | "reports" | "report-files"), _, _) => "the reports",
        (Some("log" | "checkpoint"), _, _) => "the case log",
        (Some("content" | "copies" | "scans" | "fingerprinting" | "accounts"), _, _) => "her content and copies found",
        (Some("notices" | "rechecks" | "sites"), _, _) => "the takedown notices",
        (Some("watch" | "watches"), _, _) => "name watch",
        (Some("import" | "imports"), _, _) => "the imports",
        _ => "a page of the case",
    };
    let verb = if verb == "Viewed" { "Looked at" } else { "Sent a change to" };
    let record = match (first, second) {
        (Some(kind @ ("incidents" | "people" | "evidence")), Some(id)) if id.parse::<uuid::Uuid>().is_ok() => {
            let case = path.split('/').skip_while(|p| *p != "cases").nth(1).unwrap_or("");
            Some(format!("/cases/{case}/{kind}/{id}"))
        }
        _ => None,
    };
    Did { verb: verb.to_owned(), place, record, through_api: api }
}

fn access_line(line: &AccessLine) -> Markup {
    let e = &line.entry;
    let how = match e.access {
        Access::Police => "police link",
        Access::Write => "shared to read and add",
        Access::Read => "shared to read",
        Access::Owner => "you",
    };
    html! {
        tr {
            td data-label="When" { (line.at.strftime(MINUTE)) }
            td data-label="Who" { (e.who) br; span.hint { (how) } }
            td data-label="What" {
                @let did = in_words(&e.what);
                (did.verb) " "
                @match &did.record { Some(href) => { a href=(href) { (did.place) } }, None => { (did.place) } }
                @if did.through_api { " (through the API)" }
            }
        }
    }
}

pub(crate) async fn access_log(axum::extract::State(state): State, OwnCase(s, open): OwnCase) -> PageResult {
    let case = open.id.0;
    let lines = open.access_log().await?;
    let body = html! {
        p { a href={ "/cases/" (case) } { "← " (open.title) } }
        h1 { "Who looked" }
        p { "Every time someone you shared this case with opened it, or a police link was used, it is listed here and recorded in the case log. Only you can see this page." }
        @if lines.is_empty() {
            p { "Nobody but you has looked at this case." }
        } @else {
            table.reflow {
                thead { tr { th scope="col" { "When" } th scope="col" { "Who" } th scope="col" { "What" } } }
                tbody { @for line in &lines { (access_line(line)) } }
            }
        }
        p { a href={ "/cases/" (case) "/sharing" } { "Change who this case is shared with" } }
    };
    Ok(page(Some(&*s), &state.config, "Who looked", body).into_response())
}

#[cfg(test)]
mod tests {
    use super::in_words;

    fn said(what: &str) -> String {
        let did = in_words(what);
        let how = if did.through_api { " (through the API)" } else { "" };
        format!("{} {}{how}", did.verb, did.place).trim().to_owned()
    }

    #[test]
    fn who_looked_says_what_in_words() {
        let id = "b76d0c1e-9a1f-4e5b-8c2d-3f4a5b6c7d8e";
        assert_eq!(said(&format!("Viewed /cases/{id}")), "Looked at the timeline");
        assert_eq!(said(&format!("Viewed /cases/{id}/people/{id}")), "Looked at a person");
        assert_eq!(said(&format!("Changed /cases/{id}/incidents")), "Sent a change to the list of incidents");
        assert_eq!(
            said(&format!("Viewed /api/v1/cases/{id}/evidence/{id}/content")),
            "Looked at a file, downloading it (through the API)"
        );
        assert_eq!(said("Opened the shared report"), "Opened the shared report");
        assert!(!said(&format!("Viewed /cases/{id}/log")).contains(id));
        // The record opened is linked on her own pages.
        let did = in_words(&format!("Viewed /api/v1/cases/{id}/incidents/{id}"));
        assert_eq!(did.record, Some(format!("/cases/{id}/incidents/{id}")));
    }
}
