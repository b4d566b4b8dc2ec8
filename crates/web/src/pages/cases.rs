//! Case pages: her list of cases, a new case, and a case's timeline with its filters.

use std::collections::HashMap;

use axum::extract::Query;
use axum::response::IntoResponse;
use lodge_domain::{Access, Case, ConductKind, Incident, PersonId, Problems, Role};
use lodge_service::{OpenCase, ServiceError, TimelineFilter, Version};
use maud::{Markup, html};
use serde::Deserialize;
use uuid::Uuid;

use super::evidence::evidence_figure;
use super::layout::{Input, csrf, page, problem_summary, text_field};
use crate::State;
use crate::extract::{ReadCase, SignedForm, Viewer, WriteCase};
use crate::failure::{PageResult, see_other};

fn list_body(
    s: &lodge_service::Session,
    cases: &[lodge_service::CaseSummary],
    title: &str,
    problems: &Problems,
) -> Markup {
    html! {
        h1 { "Your cases" }
        @if cases.is_empty() {
            p { "A case is a private log of what one person, or several, are doing to you. Start one to record what happened." }
        } @else {
            ul.plain {
                @for c in cases {
                    li {
                        a href={ "/cases/" (c.id) } { (c.title) }
                        br;
                        span.hint {
                            @if c.access != Access::Owner { "Shared with you: " (c.access.label().to_lowercase()) ". " }
                            "Last change " (c.updated_at.strftime("%-d %b %Y"))
                        }
                    }
                }
            }
        }
        @if s.role == Role::Administrator {
            div.notice { p { "You run this Lodge server: start in " a href="/admin" { "Administration" } " to invite the people who will use it and choose whether anyone may sign up." } }
        }
        @if s.role == Role::Survivor {
            h2 { "Start a new case" }
            (problem_summary(problems))
            form method="post" action="/cases" {
                (csrf(s))
                (text_field("title", "Name of the case", Some("Only you, and people you choose to share it with, can see this. For example: \"Messages from the Twitch account\"."), title, problems, Input::Text))
                div.actions { button type="submit" { "Start case" } }
            }
        } @else if cases.is_empty() {
            p { "Cases appear here when a survivor shares hers with you." }
        }
    }
}

pub(crate) async fn list(axum::extract::State(state): State, Viewer(s): Viewer) -> PageResult {
    let cases = state.lodge.cases(&s).await?;
    Ok(page(Some(&*s), &state.config, "Your cases", list_body(&s, &cases, "", &Problems::default())).into_response())
}

pub(crate) async fn create(
    axum::extract::State(state): State,
    Viewer(s): Viewer,
    SignedForm(form): SignedForm,
) -> PageResult {
    let case = Case { title: form.get("title").trim().to_owned() };
    match state.lodge.create_case(&s, &case).await {
        Ok(id) => see_other(&format!("/cases/{id}")),
        Err(ServiceError::Invalid(p)) => {
            let cases = state.lodge.cases(&s).await?;
            let body = list_body(&s, &cases, form.get("title"), &p);
            Ok((axum::http::StatusCode::BAD_REQUEST, page(Some(&*s), &state.config, "Your cases", body))
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub(crate) async fn rename(WriteCase(_, mut open): WriteCase, SignedForm(form): SignedForm) -> PageResult {
    open.rename(&Case { title: form.get("title").trim().to_owned() }).await?;
    see_other(&format!("/cases/{}", open.id.0))
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct TimelineQuery {
    #[serde(default)]
    person: String,
    #[serde(default)]
    conduct: String,
    #[serde(default)]
    order: String,
}

/// Names of the people in a case, by id, for showing links.
pub(crate) async fn people_names(open: &OpenCase) -> Result<HashMap<PersonId, String>, ServiceError> {
    Ok(open.people().await?.into_iter().filter_map(|p| p.body.map(|b| (PersonId(p.id), b.display_name()))).collect())
}

pub(crate) async fn timeline(
    axum::extract::State(state): State,
    ReadCase(s, open): ReadCase,
    Query(q): Query<TimelineQuery>,
) -> PageResult {
    let filter = TimelineFilter {
        person: q.person.parse().ok(),
        conduct: ConductKind::from_key(&q.conduct),
        oldest_first: q.order == "oldest",
    };
    let case = open.id.0;
    let entries = open.timeline(&filter).await?;
    let names = people_names(&open).await?;
    let evidence = open.evidence_list().await?;
    let findings = open.findings().await?;
    let mut people: Vec<(&PersonId, &String)> = names.iter().collect();
    people.sort_by_key(|(_, n)| n.to_lowercase());
    let files_for = |id: Uuid| {
        evidence.iter().filter(|e| e.body.as_ref().is_some_and(|b| b.incident.map(|i| i.0) == Some(id))).count()
    };
    let body = html! {
        h1 { (open.title) }
        (super::layout::changed_outside(&findings))
        @match open.access {
            Access::Read => (super::layout::notice("info", "She shared this case with you to read. You cannot change it.")),
            Access::Write => (super::layout::notice("info", "She shared this case with you to read and add to. Everything you open is listed for her.")),
            _ => {}
        }
        @if open.access.can_write() {
            p { a.button href={ "/cases/" (case) "/incidents/new" } { "Log an incident" } }
        }
        // The case's other pages, folded into one menu so the timeline is the first thing
        // on a phone; a details element, so it opens without JavaScript.
        details.case-menu {
            summary { "Case menu" }
            nav aria-label="This case" {
                ul {
                    li { a href={ "/cases/" (case) "/people" } { "People" } }
                    @if open.access.can_write() { li { a href={ "/cases/" (case) "/import" } { "Import messages" } } }
                    li { a href={ "/cases/" (case) "/content" } { "Your content" } }
                    li { a href={ "/cases/" (case) "/notices" } { "Takedown notices" } }
                    li { a href={ "/cases/" (case) "/report" } { "Prepare a report" } }
                    li { a href={ "/cases/" (case) "/log" } { "Case log" } }
                    @if open.access == Access::Owner {
                        li { a href={ "/cases/" (case) "/inbox" } { "Inbox" } }
                        li { a href={ "/cases/" (case) "/sharing" } { "Sharing" } }
                        li { a href={ "/cases/" (case) "/access" } { "Who looked" } }
                    }
                }
            }
        }
        details.filters-box open[filter.person.is_some() || filter.conduct.is_some() || filter.oldest_first] {
            summary { "Filter the timeline" }
            form.filters method="get" action={ "/cases/" (case) } aria-label="Filter the timeline" {
                div.field {
                    label for="f-person" { "Person" }
                    select #f-person name="person" {
                        option value="" { "Everyone" }
                        @for (id, name) in &people {
                            option value=(id) selected[filter.person == Some(**id)] { (name) }
                        }
                    }
                }
                div.field {
                    label for="f-conduct" { "Kind of conduct" }
                    select #f-conduct name="conduct" {
                        option value="" { "Any" }
                        @for c in ConductKind::ALL {
                            option value=(c.key()) selected[filter.conduct == Some(*c)] { (c.label()) }
                        }
                    }
                }
                div.field {
                    label for="f-order" { "Order" }
                    select #f-order name="order" {
                        option value="newest" selected[!filter.oldest_first] { "Newest first" }
                        option value="oldest" selected[filter.oldest_first] { "Oldest first" }
                    }
                }
                button.secondary type="submit" { "Show" }
            }
        }
        h2 { "Timeline" }
        @if entries.is_empty() {
            p { "Nothing logged yet" @if filter.person.is_some() || filter.conduct.is_some() { " that matches these choices" } "." }
        }
        ol.timeline {
            @for e in &entries {
                (timeline_item(case, e, &names, files_for(e.id)))
            }
        }
        @let loose: Vec<_> = evidence.iter().filter(|e| e.body.as_ref().is_some_and(|b| b.incident.is_none())).collect();
        @if !loose.is_empty() {
            h2 { "Files not attached to an incident" }
            @for e in loose { (evidence_figure(case, e)) }
        }
        @if open.access.can_write() {
            details {
                summary { "Rename this case" }
                form method="post" action={ "/cases/" (case) "/rename" } {
                    (csrf(&s))
                    (text_field("title", "New name", None, &open.title, &Problems::default(), Input::Text))
                    button.secondary type="submit" { "Rename" }
                }
            }
        }
    };
    // The page title, which the browser keeps in its history, never carries the case's name
    // (often the stalker's username).
    Ok(page(Some(&*s), &state.config, "Case", body).into_response())
}

fn timeline_item(case: Uuid, e: &Version<Incident>, names: &HashMap<PersonId, String>, files: usize) -> Markup {
    html! {
        @match &e.body {
            Some(i) => li {
                p.when { (i.occurred.display()) @if !i.platform.is_empty() { " · " (i.platform) } }
                p { a href={ "/cases/" (case) "/incidents/" (e.id) } { (non_empty(&i.headline(), "Incident")) } }
                @if !i.conduct.is_empty() {
                    ul.tags aria-label="Kinds of conduct" { @for c in &i.conduct { li { (c.label()) } } }
                }
                @let linked: Vec<&String> = i.people.iter().filter_map(|p| names.get(p)).collect();
                @if !linked.is_empty() || files > 0 {
                    p.hint {
                        @if !linked.is_empty() { "People: " (linked.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")) }
                        @if !linked.is_empty() && files > 0 { " · " }
                        @if files > 0 { (files) @if files == 1 { " file" } @else { " files" } }
                    }
                }
            },
            None if e.deleted => li.tombstone {
                p { "An incident was deleted on " (e.saved_at.strftime("%-d %B %Y at %H:%M UTC")) ". Its content is gone; this note stays so the log is complete." }
            },
            None => li.tombstone {
                p { (changed_sentence(e.created_at, &e.integrity)) }
            },
        }
    }
}

/// A record shown without its content because it no longer matches the log.
pub(crate) fn changed_sentence(logged: jiff::Timestamp, integrity: &lodge_service::integrity::Integrity) -> String {
    let since = match integrity {
        lodge_service::integrity::Integrity::Changed { since } => *since,
        lodge_service::integrity::Integrity::Intact => logged,
    };
    format!(
        "An incident logged on {} was changed outside Lodge on or after {}. What it says now is not shown.",
        logged.strftime("%-d %B %Y"),
        since.strftime("%-d %B %Y")
    )
}

pub(crate) fn non_empty<'a>(text: &'a str, fallback: &'a str) -> &'a str {
    if text.trim().is_empty() { fallback } else { text }
}
