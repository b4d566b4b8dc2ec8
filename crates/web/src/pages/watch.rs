//! "Name watch": her saved searches for her name (fakes, impersonation, leaks), run on the
//! search pages the organisation names; what each run found that was not there before, to
//! review or to scan for copies of her content. Links found are shown as text: the page loads
//! nothing from those sites.

use axum::Form;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use lodge_domain::{CaseId, Problems, Watch, WatchId};
use lodge_service::{Entry, Job, ServiceError, Session, WatchRun};
use maud::{Markup, html};
use uuid::Uuid;

use super::layout::{Input, csrf, problem_summary, refreshing_page, text_field};
use super::{FormData, act_then_redirect, error_page, stale_form};
use crate::State;
use crate::auth::Viewer;

fn body(
    s: &Session,
    case: Uuid,
    sites: &[String],
    watches: &[Entry<Watch>],
    last: Option<&Job<WatchRun>>,
    form: &FormData,
    problems: &Problems,
) -> Markup {
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
        form method="post" action={ "/cases/" (case) "/watch" } {
            (csrf(s))
            (text_field("query", "Search for", Some("For example: Ruby Red leaked"), form.get("query"), problems, Input::Text))
            button type="submit" { "Save and run this search" }
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
        @if !watches.is_empty() {
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
                                    form method="post" action={ "/cases/" (case) "/content/scan" } {
                                        (csrf(s))
                                        input type="hidden" name="addresses" value=(r.url);
                                        button.secondary type="submit" { "Look for copies of my content here" }
                                    }
                                }
                            }
                        }
                        form method="post" action={ "/cases/" (case) "/watch/" (w.id) "/reviewed" } {
                            (csrf(s))
                            button type="submit" { "I have looked at these" }
                        }
                    }
                    form method="post" action={ "/cases/" (case) "/watch/" (w.id) "/delete" } {
                        (csrf(s))
                        button.secondary type="submit" aria-label={ "Remove the search " (b.query) } { "Remove this search" }
                    }
                }
            }
        }
    }
}

async fn show_page(state: &crate::AppState, s: &Session, case: Uuid, form: &FormData, problems: &Problems) -> Response {
    let loaded = async {
        let open = state.lodge.open_case(s, CaseId(case)).await?;
        Ok::<_, ServiceError>((open.watches().await?, open.watch_runs().await?.into_iter().next()))
    };
    match loaded.await {
        Ok((watches, last)) => {
            let sites: Vec<String> = state.lodge.config().watch_sites.iter().map(|w| w.name.clone()).collect();
            let busy = last.as_ref().is_some_and(|j| j.state.unfinished());
            let status = if problems.is_empty() { StatusCode::OK } else { StatusCode::BAD_REQUEST };
            let markup = body(s, case, &sites, &watches, last.as_ref(), form, problems);
            let refresh = (busy && problems.is_empty()).then_some(5);
            (status, refreshing_page(Some(s), &state.config, "Name watch", markup, refresh)).into_response()
        }
        Err(e) => error_page(Some(s), &state.config, e),
    }
}

/// The page.
pub(crate) async fn show(axum::extract::State(state): State, Viewer(s): Viewer, Path(case): Path<Uuid>) -> Response {
    show_page(&state, &s, case, &FormData::default(), &Problems::default()).await
}

/// Saves a search and runs it.
pub(crate) async fn add(
    axum::extract::State(state): State,
    Viewer(s): Viewer,
    Path(case): Path<Uuid>,
    Form(form): Form<FormData>,
) -> Response {
    if !s.form_token_matches(form.get("csrf")) {
        return stale_form(&s, &state.config);
    }
    let result = match state.lodge.open_case(&s, CaseId(case)).await {
        Ok(open) => open.add_watch(form.get("query")).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Redirect::to(&format!("/cases/{case}/watch")).into_response(),
        Err(ServiceError::Invalid(problems)) => show_page(&state, &s, case, &form, &problems).await,
        Err(e) => error_page(Some(&s), &state.config, e),
    }
}

/// Runs her searches now.
pub(crate) async fn run(
    axum::extract::State(state): State,
    Viewer(s): Viewer,
    Path(case): Path<Uuid>,
    Form(form): Form<FormData>,
) -> Response {
    let to = format!("/cases/{case}/watch");
    act_then_redirect(&state, &s, &form, &to, async {
        state.lodge.open_case(&s, CaseId(case)).await?.run_watches_now().await
    })
    .await
}

/// Marks a search's results as looked at.
pub(crate) async fn reviewed(
    axum::extract::State(state): State,
    Viewer(s): Viewer,
    Path((case, watch)): Path<(Uuid, Uuid)>,
    Form(form): Form<FormData>,
) -> Response {
    let to = format!("/cases/{case}/watch");
    act_then_redirect(&state, &s, &form, &to, async {
        state.lodge.open_case(&s, CaseId(case)).await?.mark_watch_reviewed(WatchId(watch)).await
    })
    .await
}

/// Removes a search.
pub(crate) async fn delete(
    axum::extract::State(state): State,
    Viewer(s): Viewer,
    Path((case, watch)): Path<(Uuid, Uuid)>,
    Form(form): Form<FormData>,
) -> Response {
    let to = format!("/cases/{case}/watch");
    act_then_redirect(&state, &s, &form, &to, async {
        state.lodge.open_case(&s, CaseId(case)).await?.delete_watch(WatchId(watch)).await
    })
    .await
}
