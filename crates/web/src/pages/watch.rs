//! "Name watch": her saved searches for her name (fakes, impersonation, leaks), run on the
//! search pages the organisation names; what each run found that was not there before, to
//! review or to scan for copies of her content. Links found are shown as text: the page loads
//! nothing from those sites.

use axum::extract::Path;
use axum::response::IntoResponse;
use lodge_domain::{Problems, Watch, WatchId};
use lodge_service::{Job, OpenCase, ServiceError, Session, Version, WatchRun};
use maud::{Markup, html};
use uuid::Uuid;

use super::FormData;
use super::layout::{Input, csrf, problem_summary, refreshing_page, text_field};
use crate::State;
use crate::extract::{ReadCase, SignedForm, WriteCase};
use crate::failure::{PageResult, see_other};

fn body(
    s: &Session,
    open: &OpenCase,
    sites: &[String],
    watches: &[Version<Watch>],
    last: Option<&Job<WatchRun>>,
    form: &FormData,
    problems: &Problems,
) -> Markup {
    let (case, writable) = (open.id.0, open.access.can_write());
    html! {
        p { a href={ "/cases/" (case) "/content" } { "← Your content" } }
        h1 { "Name watch" }
        p { "Save searches such as your stage name with “leaked” or “fake”. Lodge runs them every day on the sites the organisation chose, and lists here what is new since the last run." }
        @if sites.is_empty() {
            p.notice { "The organisation has not named any sites to search yet." }
        } @else {
            p { "Sites searched: " (sites.join(", ")) "." }
        }
        (problem_summary(problems))
        @if writable {
            form method="post" action={ "/cases/" (case) "/watch" } {
                (csrf(s))
                (text_field("query", "Search for", Some("For example: Ruby Red leaked"), form.get("query"), problems, Input::Text))
                button type="submit" { "Save and run this search" }
            }
        }
        @if let Some(run) = last {
            div #watch-run data-progress {
                @if run.state.unfinished() {
                    label for="watch-progress" { "Searching: " (run.done) " of " (run.total) }
                    progress #watch-progress max=(run.total) value=(run.done) { (run.done) " of " (run.total) }
                } @else {
                    p {
                        "Last run " (run.updated_at.strftime("%-d %B %Y, %H:%M UTC")) ": " (run.payload.new) " new."
                        @for (site, why) in &run.payload.skipped { " " (site) " could not be searched (" (why) ")." }
                    }
                }
            }
        }
        @if writable && !watches.is_empty() {
            form method="post" action={ "/cases/" (case) "/watch/run" } {
                (csrf(s))
                button.secondary type="submit" { "Run my searches now" }
            }
        }
        @for w in watches {
            @if let Some(b) = &w.body {
                section {
                    h2 { "“" (b.query) "”" }
                    @let new: Vec<_> = b.unreviewed().collect();
                    @if new.is_empty() {
                        p { "Nothing new." @if let Some(at) = b.last_run { " Last searched " (at.strftime("%-d %B %Y")) "." } }
                    } @else {
                        p { (new.len()) " new since you last looked:" }
                        ul.plain {
                            @for r in &new {
                                li {
                                    strong { (r.text) } " · " (r.site)
                                    br; code { (r.url) }
                                    @if writable {
                                        form method="post" action={ "/cases/" (case) "/content/scan" } {
                                            (csrf(s))
                                            input type="hidden" name="addresses" value=(r.url);
                                            button.secondary type="submit" { "Look for copies of my content here" }
                                        }
                                    }
                                }
                            }
                        }
                        @if writable {
                            form method="post" action={ "/cases/" (case) "/watch/" (w.id) "/reviewed" } {
                                (csrf(s))
                                button type="submit" { "I have looked at these" }
                            }
                        }
                    }
                    @if writable {
                        form method="post" action={ "/cases/" (case) "/watch/" (w.id) "/delete" } {
                            (csrf(s))
                            button.secondary type="submit" aria-label={ "Remove the search " (b.query) } { "Remove this search" }
                        }
                    }
                }
            }
        }
    }
}

async fn show_page(
    state: &crate::AppState,
    s: &Session,
    open: &OpenCase,
    form: &FormData,
    problems: &Problems,
) -> PageResult {
    let watches = open.watches().await?;
    let last = open.watch_runs().await?.into_iter().next();
    let sites: Vec<String> = state.lodge.config().watch_sites.iter().map(|w| w.name.clone()).collect();
    let busy = last.as_ref().is_some_and(|j| j.state.unfinished());
    let status = super::layout::form_status(problems);
    let markup = body(s, open, &sites, &watches, last.as_ref(), form, problems);
    let refresh = (busy && problems.is_empty()).then_some(5);
    Ok((status, refreshing_page(Some(s), &state.config, "Name watch", markup, refresh)).into_response())
}

/// The page.
pub(crate) async fn show(axum::extract::State(state): State, ReadCase(s, open): ReadCase) -> PageResult {
    show_page(&state, &s, &open, &FormData::default(), &Problems::default()).await
}

/// Saves a search and runs it.
pub(crate) async fn add(
    axum::extract::State(state): State,
    WriteCase(s, open): WriteCase,
    SignedForm(form): SignedForm,
) -> PageResult {
    match open.add_watch(form.get("query")).await {
        Ok(_) => see_other(&format!("/cases/{}/watch", open.id.0)),
        Err(ServiceError::Invalid(problems)) => show_page(&state, &s, &open, &form, &problems).await,
        Err(e) => Err(e.into()),
    }
}

/// Runs her searches now.
pub(crate) async fn run(WriteCase(_, open): WriteCase, SignedForm(_): SignedForm) -> PageResult {
    open.run_watches_now().await?;
    see_other(&format!("/cases/{}/watch", open.id.0))
}

/// Marks a search's results as looked at.
pub(crate) async fn reviewed(
    WriteCase(_, open): WriteCase,
    Path((case, watch)): Path<(Uuid, Uuid)>,
    SignedForm(_): SignedForm,
) -> PageResult {
    open.mark_watch_reviewed(WatchId(watch)).await?;
    see_other(&format!("/cases/{case}/watch"))
}

/// Removes a search.
pub(crate) async fn delete(
    WriteCase(_, open): WriteCase,
    Path((case, watch)): Path<(Uuid, Uuid)>,
    SignedForm(_): SignedForm,
) -> PageResult {
    open.delete_watch(WatchId(watch)).await?;
    see_other(&format!("/cases/{case}/watch"))
}
