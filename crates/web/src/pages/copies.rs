//! "Copies found": each copy found by a scan, beside her own picture, with its distance, to
//! confirm (it becomes evidence) or whitelist. The pictures shown are the small copies Lodge keeps;
//! the pages never load anything from those sites.

use axum::extract::Path;
use axum::response::IntoResponse;
use lodge_domain::{ContentId, CopyId, CopyStatus, FoundCopy};
use lodge_service::{OpenCase, Session, Version};
use maud::{Markup, html};
use uuid::Uuid;

use super::layout::{csrf, page};
use crate::State;
use crate::extract::{ReadCase, SignedForm, WriteCase};
use crate::failure::{PageResult, see_other};

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

fn copies_body(s: &Session, open: &OpenCase, copies: &[Version<FoundCopy>], pictured: &[ContentId]) -> Markup {
    let case = open.id.0;
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
                        @if open.access.can_write() {
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
        }
        h2 { "Kept as evidence" }
        @if with(CopyStatus::Confirmed).next().is_none() { p { "None yet." } }
        @let sites: std::collections::BTreeSet<&str> = with(CopyStatus::Confirmed).filter_map(|c| c.body.as_ref()).map(FoundCopy::site).collect();
        @if !sites.is_empty() {
            p { "To ask a site to take them down: " }
            ul {
                @for site in &sites {
                    @if open.access.can_write() { li { a href={ "/cases/" (case) "/notices/new?site=" (site) } { "Ask " (site) " for removal" } } }
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
pub(crate) async fn copies(axum::extract::State(state): State, ReadCase(s, open): ReadCase) -> PageResult {
    let contents = open.contents().await?;
    let pictured: Vec<ContentId> =
        contents.iter().filter(|c| c.body.as_ref().is_some_and(|b| b.thumbnail)).map(|c| ContentId(c.id)).collect();
    let copies = open.copies().await?;
    Ok(page(Some(&*s), &state.config, "Copies found", copies_body(&s, &open, &copies, &pictured)).into_response())
}

/// She confirms a copy is hers; it opens as an incident on her timeline.
pub(crate) async fn confirm_copy(
    WriteCase(_, open): WriteCase,
    Path((case, copy)): Path<(Uuid, Uuid)>,
    SignedForm(_): SignedForm,
) -> PageResult {
    let incident = open.confirm_copy(CopyId(copy)).await?;
    see_other(&format!("/cases/{case}/incidents/{incident}"))
}

/// She says a copy is not hers, or allowed.
pub(crate) async fn whitelist_copy(
    WriteCase(_, open): WriteCase,
    Path((case, copy)): Path<(Uuid, Uuid)>,
    SignedForm(_): SignedForm,
) -> PageResult {
    open.whitelist_copy(CopyId(copy)).await?;
    see_other(&format!("/cases/{case}/copies"))
}

/// The small picture of what was found.
pub(crate) async fn copy_thumbnail(ReadCase(_, open): ReadCase, Path((_, copy)): Path<(Uuid, Uuid)>) -> PageResult {
    Ok(crate::http::jpeg(open.copy_thumbnail(CopyId(copy)).await?))
}
