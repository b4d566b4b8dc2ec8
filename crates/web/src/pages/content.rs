//! "Your content": her own images and videos, registered by their fingerprints (the file, or
//! the hashes `lodge hash` made on her computer), and a search of web addresses for copies of
//! them. Found copies are listed as addresses with their SHA-256 and how close they are; the
//! page never loads anything from those sites.

use axum::Form;
use axum::extract::{Multipart, Path};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use lodge_domain::{CaseId, Content, ContentId, MadeBy, Problems};
use lodge_service::{Closeness, ContentDetails, ContentSource, Entry, ScanReport, ServiceError, Session};
use maud::{Markup, html};
use uuid::Uuid;

use super::evidence::read_text;
use super::layout::{Input, csrf, page, problem_summary, text_field, textarea_field};
use super::{FormData, act_then_redirect, drain, error_page, stale_form};
use crate::State;
use crate::auth::Viewer;

/// Largest image or video registered from the page.
const MAX_FILE: usize = 512 * 1024 * 1024;

fn made_by_label(m: MadeBy) -> &'static str {
    match m {
        MadeBy::Her => "made by you",
        MadeBy::Studio => "made by a studio",
        MadeBy::SomeoneElse => "made by someone else",
    }
}

fn body(
    s: &Session,
    case: Uuid,
    contents: &[Entry<Content>],
    form: &FormData,
    problems: &Problems,
    report: Option<&ScanReport>,
) -> Markup {
    let label_of = |id: &str| {
        contents
            .iter()
            .find(|c| c.id.to_string() == id)
            .and_then(|c| c.body.as_ref())
            .map_or("", |b| b.label.as_str())
            .to_owned()
    };
    html! {
        p { a href={ "/cases/" (case) } { "← Timeline" } }
        h1 { "Your content" }
        p { "Register the images and videos you made or appear in. Lodge keeps only their fingerprints, encrypted, and uses them to find copies on other sites. Your own accounts are never reported." }
        (problem_summary(problems))
        @if contents.is_empty() {
            p { "Nothing registered yet." }
        } @else {
            ul.content {
                @for c in contents {
                    @if let Some(b) = &c.body {
                        li {
                            strong { (b.label) } " — " (made_by_label(b.made_by))
                            @if b.hash_only { " · fingerprints only" }
                            @if !b.first_published.is_empty() { " · first published at " (b.first_published) }
                            form.inline method="post" action={ "/cases/" (case) "/content/" (c.id) "/delete" } {
                                (csrf(s))
                                button.secondary type="submit" aria-label={ "Remove " (b.label) } { "Remove" }
                            }
                        }
                    }
                }
            }
        }
        @if let Some(r) = report {
            h2 #results { "What the search found" }
            p {
                (r.pages) " pages, " (r.images) " images and " (r.videos) " videos looked at; "
                (r.findings.len()) @if r.findings.len() == 1 { " copy" } @else { " copies" } " of your content."
            }
            @if !r.findings.is_empty() {
                ul.findings {
                    @for f in &r.findings {
                        li {
                            strong { (label_of(&f.content.id)) } " — "
                            @match f.closeness {
                                Closeness::Distance(d) => { "fingerprint distance " (d) " of 256" }
                                Closeness::FramesMatched(p) => { (format!("{p:.0}")) "% of frames match" }
                            }
                            br; "File: " code { (f.media) }
                            br; "On page: " code { (f.page) }
                            br; "SHA-256: " code { (f.sha256) } " · fetched " (f.captured.strftime("%-d %B %Y, %H:%M UTC"))
                        }
                    }
                }
            }
            @if !r.skipped.is_empty() {
                details {
                    summary { "Not looked at (" (r.skipped.len()) ")" }
                    ul { @for (address, why) in &r.skipped { li { code { (address) } ": " (why) } } }
                }
            }
        }
        h2 { "Look for copies" }
        form method="post" action={ "/cases/" (case) "/content/scan" } {
            (csrf(s))
            (textarea_field("addresses", "Web addresses to look at, one a line", Some("Pages, or images and videos directly. At most 100."), form.get("addresses"), problems))
            button type="submit" { "Look for copies" }
        }
        h2 { "Register your content" }
        form method="post" action={ "/cases/" (case) "/content" } enctype="multipart/form-data" {
            (csrf(s))
            (text_field("label", "Your name for it", Some("Only you see it; it never goes in a hash list or a notice."), form.get("label"), problems, Input::Text))
            fieldset {
                legend { "Who made it?" }
                div.choices {
                    @for (value, text) in [("her", "I did"), ("studio", "A studio"), ("someone_else", "Someone else")] {
                        label { input type="radio" name="made_by" value=(value) checked[form.get("made_by") == value || (value == "her" && form.get("made_by").is_empty())]; span { (text) } }
                    }
                }
            }
            (text_field("first_published", "Where it was first published (optional)", None, form.get("first_published"), problems, Input::Url))
            div.field {
                label for="f-file" { "The image or video" }
                span.hint id="f-file-hint" { "Or leave this empty and paste the lines `lodge hash --dihedral` printed on your computer below." }
                input #f-file type="file" name="file" accept="image/*,video/*" aria-describedby="f-file-hint";
            }
            (textarea_field("hashes", "Fingerprints made on your computer (optional)", None, form.get("hashes"), problems))
            button type="submit" { "Register" }
        }
    }
}

async fn show_page(
    state: &crate::AppState,
    s: &Session,
    case: Uuid,
    form: &FormData,
    problems: &Problems,
    report: Option<&ScanReport>,
) -> Response {
    let open = match state.lodge.open_case(s, CaseId(case)).await {
        Ok(o) => o,
        Err(e) => return error_page(Some(s), &state.config, e),
    };
    match open.contents().await {
        Ok(contents) => {
            let status = if problems.is_empty() { StatusCode::OK } else { StatusCode::BAD_REQUEST };
            (status, page(Some(s), &state.config, "Your content", body(s, case, &contents, form, problems, report)))
                .into_response()
        }
        Err(e) => error_page(Some(s), &state.config, e),
    }
}

/// The page.
pub(crate) async fn show(axum::extract::State(state): State, Viewer(s): Viewer, Path(case): Path<Uuid>) -> Response {
    show_page(&state, &s, case, &FormData::default(), &Problems::default(), None).await
}

async fn receive(multipart: &mut Multipart) -> Result<(FormData, Option<(String, Vec<u8>)>), ServiceError> {
    let broken =
        || ServiceError::invalid("file", "The file did not arrive whole. Check your connection and try again.");
    let mut form = FormData::default();
    let mut file = None;
    while let Some(mut field) = multipart.next_field().await.map_err(|_| broken())? {
        let name = field.name().unwrap_or("").to_owned();
        if name == "file" {
            let file_name = field.file_name().unwrap_or("").to_ascii_lowercase();
            let video = field.content_type().is_some_and(|t| t.starts_with("video/"));
            let mut bytes = Vec::new();
            while let Some(chunk) = field.chunk().await.map_err(|_| broken())? {
                if bytes.len() + chunk.len() > MAX_FILE {
                    return Err(ServiceError::TooLarge { limit: MAX_FILE as u64 });
                }
                bytes.extend_from_slice(&chunk);
            }
            if !bytes.is_empty() {
                file = Some((if video { "video".to_owned() } else { file_name }, bytes));
            }
        } else {
            form.push(&name, read_text(field).await?);
        }
    }
    Ok((form, file))
}

fn is_video(kind: &str) -> bool {
    kind == "video" || [".mp4", ".mov", ".webm", ".mkv", ".m4v", ".avi"].iter().any(|e| kind.ends_with(e))
}

/// Registers her content.
pub(crate) async fn add(
    axum::extract::State(state): State,
    Viewer(s): Viewer,
    Path(case): Path<Uuid>,
    mut multipart: Multipart,
) -> Response {
    let (form, file) = match receive(&mut multipart).await {
        Ok(r) => r,
        Err(e) => {
            drain(&mut multipart).await;
            return error_page(Some(&s), &state.config, e);
        }
    };
    if !s.form_token_matches(form.get("csrf")) {
        return stale_form(&s, &state.config);
    }
    let made_by = match form.get("made_by") {
        "studio" => MadeBy::Studio,
        "someone_else" => MadeBy::SomeoneElse,
        _ => MadeBy::Her,
    };
    let details = ContentDetails {
        label: form.get("label").to_owned(),
        made_by,
        first_published: form.get("first_published").to_owned(),
    };
    let source = match file {
        Some((kind, bytes)) if is_video(&kind) => Some(ContentSource::Video(bytes)),
        Some((_, bytes)) => Some(ContentSource::Image(bytes)),
        None if !form.get("hashes").trim().is_empty() => Some(ContentSource::Hashes(form.get("hashes").to_owned())),
        None => None,
    };
    let open = match state.lodge.open_case(&s, CaseId(case)).await {
        Ok(o) => o,
        Err(e) => return error_page(Some(&s), &state.config, e),
    };
    let Some(source) = source else {
        let mut problems = Problems::default();
        problems.add("file", "Choose the image or video, or paste the fingerprints made on your computer.");
        return show_page(&state, &s, case, &form, &problems, None).await;
    };
    match open.add_content(details, source).await {
        Ok(_) => Redirect::to(&format!("/cases/{case}/content")).into_response(),
        Err(ServiceError::Invalid(problems)) => show_page(&state, &s, case, &form, &problems, None).await,
        Err(e) => error_page(Some(&s), &state.config, e),
    }
}

/// Removes a piece of her content.
pub(crate) async fn delete(
    axum::extract::State(state): State,
    Viewer(s): Viewer,
    Path((case, content)): Path<(Uuid, Uuid)>,
    Form(form): Form<FormData>,
) -> Response {
    let to = format!("/cases/{case}/content");
    act_then_redirect(&state, &s, &form, &to, async {
        state.lodge.open_case(&s, CaseId(case)).await?.delete_content(ContentId(content)).await
    })
    .await
}

/// Looks for copies at the addresses she gave, and shows what was found.
pub(crate) async fn scan(
    axum::extract::State(state): State,
    Viewer(s): Viewer,
    Path(case): Path<Uuid>,
    Form(form): Form<FormData>,
) -> Response {
    if !s.form_token_matches(form.get("csrf")) {
        return stale_form(&s, &state.config);
    }
    let addresses: Vec<String> =
        form.get("addresses").lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect();
    let result = match state.lodge.open_case(&s, CaseId(case)).await {
        Ok(open) => open.scan(&addresses).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(report) => show_page(&state, &s, case, &form, &Problems::default(), Some(&report)).await,
        Err(ServiceError::Invalid(mut problems)) => {
            // A problem with her content belongs next to the addresses she typed.
            for p in &mut problems.fields {
                p.field = "addresses".into();
            }
            show_page(&state, &s, case, &form, &problems, None).await
        }
        Err(e) => error_page(Some(&s), &state.config, e),
    }
}
