//! "Copies found": each copy found by a scan, beside her own picture, with its distance, to
//! confirm (it becomes evidence) or whitelist. The pictures shown are the small copies Lodge keeps;
//! the pages never load anything from those sites.

use axum::Form;
use axum::extract::Path;
use axum::response::{IntoResponse, Redirect, Response};
use lodge_domain::{CaseId, ContentId, CopyId, CopyStatus, FoundCopy};
use lodge_service::{Entry, ServiceError, Session};
use maud::{Markup, html};
use uuid::Uuid;

use super::layout::{csrf, page};
use super::{FormData, act_then_redirect, error_page, stale_form};
use crate::State;
use crate::auth::Viewer;

fn closeness(c: &FoundCopy) -> String {
    match (c.distance, c.frames_matched) {
        (Some(d), _) => format!("fingerprint distance {d} of 256 (0 is identical)"),
        (_, Some(p)) => format!("{p:.0}% of the video's frames match"),
        _ => String::new(),
    }
}

fn copy_details(c: &FoundCopy) -> Markup {
    html! {
        dl.details {
            dt { "Found on page" } dd { code { (c.page) } }
            dt { "File" } dd { code { (c.media) } }
            dt { "SHA-256" } dd.hash { (c.sha256) }
            dt { "Captured" } dd { (c.captured.strftime("%-d %B %Y, %H:%M:%S UTC")) }
            dt { "How close" } dd { (closeness(c)) }
        }
    }
}

fn copies_body(s: &Session, case: Uuid, copies: &[Entry<FoundCopy>], pictured: &[ContentId]) -> Markup {
    let with = |status: CopyStatus| copies.iter().filter(move |c| c.body.as_ref().is_some_and(|b| b.status == status));
    html! {
        p { a href={ "/cases/" (case) "/content" } { "← Your content" } }
        h1 { "Copies found" }
        p { "Each copy is shown beside your own picture. If it is yours, keep it as evidence: it goes on your timeline with a copy of the page, the file's SHA-256 and when it was captured, ready for a report or a takedown notice. If it is not yours, or it is somewhere you allow, ignore it and later scans will leave it out." }
        h2 { "To review" }
        @if with(CopyStatus::New).next().is_none() { p { "Nothing to review." } }
        ul.plain {
            @for c in with(CopyStatus::New) {
                @if let Some(b) = &c.body {
                    li {
                        h3 { (b.label) }
                        div.side-by-side {
                            figure {
                                @if pictured.contains(&b.content) {
                                    img src={ "/cases/" (case) "/content/" (b.content) "/thumbnail" } alt={ "Your " (b.label) };
                                } @else {
                                    p.no-picture { "No picture kept (registered by fingerprints only, or a video)." }
                                }
                                figcaption { "Yours" }
                            }
                            figure {
                                @if b.thumbnail {
                                    img src={ "/cases/" (case) "/copies/" (c.id) "/thumbnail" } alt={ "What was found at " (b.site()) };
                                } @else {
                                    p.no-picture { "No picture kept (a video)." }
                                }
                                figcaption { "Found on " (b.site()) }
                            }
                        }
                        (copy_details(b))
                        div.actions {
                            form method="post" action={ "/cases/" (case) "/copies/" (c.id) "/confirm" } {
                                (csrf(s))
                                button type="submit" { "It is mine: keep as evidence" }
                            }
                            form method="post" action={ "/cases/" (case) "/copies/" (c.id) "/whitelist" } {
                                (csrf(s))
                                button.secondary type="submit" { "Not mine, or allowed: ignore" }
                            }
                        }
                    }
                }
            }
        }
        h2 { "Kept as evidence" }
        @if with(CopyStatus::Confirmed).next().is_none() { p { "None yet." } }
        @let sites: std::collections::BTreeSet<&str> = with(CopyStatus::Confirmed).filter_map(|c| c.body.as_ref()).map(FoundCopy::site).collect();
        @if !sites.is_empty() {
            p { "To ask a site to take them down: " }
            ul {
                @for site in &sites {
                    li { a href={ "/cases/" (case) "/notices/new?site=" (site) } { "Ask " (site) " for removal" } }
                }
            }
            p { a href={ "/cases/" (case) "/notices" } { "Your takedown notices" } }
        }
        ul.plain {
            @for c in with(CopyStatus::Confirmed) {
                @if let Some(b) = &c.body {
                    li {
                        strong { (b.label) } " on " (b.site())
                        @if let Some(incident) = b.incident { " — " a href={ "/cases/" (case) "/incidents/" (incident) } { "see it on your timeline" } }
                        (copy_details(b))
                    }
                }
            }
        }
        h2 { "Ignored" }
        @if with(CopyStatus::Whitelisted).next().is_none() { p { "None." } }
        ul.plain {
            @for c in with(CopyStatus::Whitelisted) {
                @if let Some(b) = &c.body { li { (b.label) " · " code { (b.media) } } }
            }
        }
    }
}

/// The copies found, to review side by side with hers.
pub(crate) async fn copies(axum::extract::State(state): State, Viewer(s): Viewer, Path(case): Path<Uuid>) -> Response {
    let loaded = async {
        let open = state.lodge.open_case(&s, CaseId(case)).await?;
        let pictured: Vec<ContentId> = open
            .contents()
            .await?
            .iter()
            .filter(|c| c.body.as_ref().is_some_and(|b| b.thumbnail))
            .map(|c| ContentId(c.id))
            .collect();
        Ok::<_, ServiceError>((open.copies().await?, pictured))
    };
    match loaded.await {
        Ok((copies, pictured)) => {
            page(Some(&s), &state.config, "Copies found", copies_body(&s, case, &copies, &pictured)).into_response()
        }
        Err(e) => error_page(Some(&s), &state.config, e),
    }
}

/// She confirms a copy is hers; it opens as an incident on her timeline.
pub(crate) async fn confirm_copy(
    axum::extract::State(state): State,
    Viewer(s): Viewer,
    Path((case, copy)): Path<(Uuid, Uuid)>,
    Form(form): Form<FormData>,
) -> Response {
    if !s.form_token_matches(form.get("csrf")) {
        return stale_form(&s, &state.config);
    }
    let result = match state.lodge.open_case(&s, CaseId(case)).await {
        Ok(open) => open.confirm_copy(CopyId(copy)).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(incident) => Redirect::to(&format!("/cases/{case}/incidents/{incident}")).into_response(),
        Err(e) => error_page(Some(&s), &state.config, e),
    }
}

/// She says a copy is not hers, or allowed.
pub(crate) async fn whitelist_copy(
    axum::extract::State(state): State,
    Viewer(s): Viewer,
    Path((case, copy)): Path<(Uuid, Uuid)>,
    Form(form): Form<FormData>,
) -> Response {
    let to = format!("/cases/{case}/copies");
    act_then_redirect(&state, &s, &form, &to, async {
        state.lodge.open_case(&s, CaseId(case)).await?.whitelist_copy(CopyId(copy)).await
    })
    .await
}

pub(super) fn jpeg(result: Result<Vec<u8>, ServiceError>, s: &Session, state: &crate::AppState) -> Response {
    match result {
        Ok(bytes) => ([(axum::http::header::CONTENT_TYPE, "image/jpeg")], bytes).into_response(),
        Err(e) => error_page(Some(s), &state.config, e),
    }
}

/// The small picture of what was found.
pub(crate) async fn copy_thumbnail(
    axum::extract::State(state): State,
    Viewer(s): Viewer,
    Path((case, copy)): Path<(Uuid, Uuid)>,
) -> Response {
    let result = match state.lodge.open_case(&s, CaseId(case)).await {
        Ok(open) => open.copy_thumbnail(CopyId(copy)).await,
        Err(e) => Err(e),
    };
    jpeg(result, &s, &state)
}
