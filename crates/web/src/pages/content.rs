//! "Your content": her own images and videos, registered by their fingerprints (the file, or
//! the hashes `lodge hash` made on her computer; a video is fingerprinted in the background),
//! her own accounts, and scans of web addresses for copies, which run in the background; the
//! page shows how far background work has got. What scans found is in `copies.rs`.

use axum::extract::{Multipart, Path};
use axum::response::IntoResponse;
use lodge_domain::{AccountId, Content, ContentId, CopyStatus, JobId, MadeBy, OwnAccount, Problems};
use lodge_service::{
    ContentDetails, ContentSource, Fingerprinting, JobState, OpenCase, Registered, Scan, ServiceError, Session, Version,
};
use maud::{Markup, html};
use uuid::Uuid;

use super::FormData;
use super::layout::{Input, csrf, page, problem_summary, refreshing_page, text_field, textarea_field};
use crate::State;
use crate::extract::{ReadCase, SignedForm, WriteCase};
use crate::failure::{Failure, PageResult, see_other};
use crate::http::multipart::TextBudget;
use crate::http::multipart::drain;
use crate::http::multipart::upload_case;

/// Largest image or video registered from the page.
const MAX_FILE: usize = 512 * 1024 * 1024;

fn made_by_label(m: MadeBy) -> &'static str {
    match m {
        MadeBy::Her => "made by you",
        MadeBy::Studio => "made by a studio",
        MadeBy::SomeoneElse => "made by someone else",
    }
}

/// Everything the page shows.
struct Shown {
    contents: Vec<Version<Content>>,
    accounts: Vec<Version<OwnAccount>>,
    scans: Vec<Scan>,
    /// Videos being fingerprinted, and those that failed in the last day.
    videos: Vec<Fingerprinting>,
    to_review: usize,
    /// Whether she (or the worker) may change the case: read-only access is offered no form.
    writable: bool,
}

async fn load(open: &OpenCase) -> Result<Shown, ServiceError> {
    let mut scans = open.scan_jobs().await?;
    scans.truncate(5);
    let day_ago = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(24);
    let mut videos = open.fingerprinting().await?;
    videos.retain(|v| v.state.unfinished() || (v.state == JobState::Failed && v.updated_at > day_ago));
    Ok(Shown {
        writable: open.access.can_write(),
        videos,
        contents: open.contents().await?,
        accounts: open.own_accounts().await?,
        scans,
        to_review: open
            .copies()
            .await?
            .iter()
            .filter(|c| c.body.as_ref().is_some_and(|b| b.status == CopyStatus::New))
            .count(),
    })
}

fn scan_status(case: Uuid, s: &Session, scan: &Scan, writable: bool) -> Markup {
    let w = &scan.payload;
    html! {
        li {
            @if scan.state.unfinished() {
                label for={ "scan-" (scan.id) } { "Looking at " (scan.done) " of " (scan.total) @if scan.total == 1 { " address" } @else { " addresses" } }
                progress id={ "scan-" (scan.id) } max=(scan.total) value=(scan.done) { (scan.done) " of " (scan.total) }
            } @else {
                strong {
                    @match scan.state {
                        JobState::Done => "Finished",
                        JobState::Cancelled => "Stopped",
                        _ => "Could not finish",
                    }
                }
                " — " (scan.total) @if scan.total == 1 { " address" } @else { " addresses" }
            }
            p {
                "Started " (scan.created_at.strftime("%-d %B %Y, %H:%M UTC")) ". "
                (w.pages) " pages, " (w.images) " images and " (w.videos) " videos looked at; "
                (w.found) @if w.found == 1 { " copy" } @else { " copies" } " found."
                @if !scan.error.is_empty() { " " (scan.error) }
            }
            @if !w.skipped.is_empty() {
                details {
                    summary { "Not looked at (" (w.skipped.len()) ")" }
                    ul { @for (address, why) in &w.skipped { li { code { (address) } ": " (why) } } }
                }
            }
            @if writable && scan.state.unfinished() {
                form method="post" action={ "/cases/" (case) "/scans/" (scan.id) "/cancel" } {
                    (csrf(s))
                    button.secondary type="submit" { "Stop this scan" }
                }
            }
        }
    }
}

fn video_status(case: Uuid, s: &Session, video: &Fingerprinting, writable: bool) -> Markup {
    html! {
        li {
            @if video.state.unfinished() {
                label for={ "video-" (video.id) } {
                    "Fingerprinting “" (video.payload.label) "”: "
                    @if video.state == JobState::Queued && video.done == 0 { "waiting to start" } @else { (video.done) "% done" }
                }
                progress id={ "video-" (video.id) } max=(video.total) value=(video.done) { (video.done) "%" }
                @if writable {
                    form method="post" action={ "/cases/" (case) "/fingerprinting/" (video.id) "/cancel" } {
                        (csrf(s))
                        button.secondary type="submit" { "Stop and delete this video" }
                    }
                }
            } @else {
                strong { "“" (video.payload.label) "” could not be fingerprinted." }
                " " (video.error) " It was not registered, and the video was deleted."
            }
        }
    }
}

fn body(s: &Session, case: Uuid, shown: &Shown, form: &FormData, problems: &Problems) -> Markup {
    html! {
        p { a href={ "/cases/" (case) } { "← Timeline" } }
        h1 { "Your content" }
        p { "Register the images and videos you made or appear in. Lodge keeps only their fingerprints, encrypted, and uses them to find copies on other sites. Your own accounts are never scanned or reported." }
        (problem_summary(problems))
        @if shown.to_review > 0 {
            p.notice { a href={ "/cases/" (case) "/copies" } { (shown.to_review) @if shown.to_review == 1 { " copy" } @else { " copies" } " found to review" } }
        } @else {
            p { a href={ "/cases/" (case) "/copies" } { "Copies found" } }
        }
        @if !shown.scans.is_empty() {
            h2 #scans { "Scans" }
            p.hint { "A scan carries on when you leave this page, and after the server restarts it continues once you open your case again." }
            ul.plain #scan-list data-progress { @for scan in &shown.scans { (scan_status(case, s, scan, shown.writable)) } }
        }
        p { a href={ "/cases/" (case) "/watch" } { "Name watch: searches for your name on other sites" } }
        @if shown.writable {
            h2 { "Look for copies" }
            form method="post" action={ "/cases/" (case) "/content/scan" } {
                (csrf(s))
                (textarea_field("addresses", "Web addresses to look at, one a line", Some("Pages, or images and videos directly. At most 100."), form.get("addresses"), problems))
                button type="submit" { "Look for copies" }
            }
            h2 #capture { "Capture a page" }
            form method="post" action={ "/cases/" (case) "/captures" } {
                (csrf(s))
                (text_field("page_address", "Address of a public page to keep", Some("A post, a profile or a page with your content. Lodge keeps the page, a picture of it as shown and a web archive, as a new incident, so you have it even after it is taken down."), form.get("page_address"), problems, Input::Url))
                button type="submit" { "Capture the page" }
            }
        }
        h2 { "Check files you have" }
        form method="post" action={ "/cases/" (case) "/content/check" } enctype="multipart/form-data" {
            (csrf(s))
            div.field {
                label for="f-files" { "Images or videos to check" }
                span.hint id="f-files-hint" { "Files you downloaded or were sent. They are compared with your content and not kept." }
                input #f-files type="file" name="files" multiple accept="image/*,video/*" aria-describedby="f-files-hint";
            }
            button.secondary type="submit" { "Check them" }
        }
        h2 #registered { "Registered" }
        @if !shown.videos.is_empty() {
            p.hint { "Videos are fingerprinted in the background: you can leave this page. Lodge keeps the video, encrypted, only until its fingerprints are made, then deletes it. After a restart the work continues once you open your case again." }
            ul.plain #video-list data-progress { @for video in &shown.videos { (video_status(case, s, video, shown.writable)) } }
        }
        @if shown.contents.is_empty() && shown.videos.is_empty() {
            p { "Nothing registered yet." }
        } @else {
            ul.plain {
                @for c in &shown.contents {
                    @if let Some(b) = &c.body {
                        li {
                            strong { (b.label) } " — " (made_by_label(b.made_by))
                            @if b.hash_only { " · fingerprints only" }
                            @if !b.first_published.is_empty() { " · first published at " (b.first_published) }
                            @if shown.writable {
                                form.inline method="post" action={ "/cases/" (case) "/content/" (c.id) "/delete" } {
                                    (csrf(s))
                                    button.secondary type="submit" aria-label={ "Remove " (b.label) } { "Remove" }
                                }
                            }
                        }
                    }
                }
            }
        }
        h2 #accounts { "Your own accounts" }
        p { "Pages where you publish your own work. Nothing there is scanned, listed as a copy or reported." }
        @if !shown.accounts.is_empty() {
            ul.plain {
                @for a in &shown.accounts {
                    @if let Some(b) = &a.body {
                        li {
                            code { (b.address) }
                            @if shown.writable {
                                form.inline method="post" action={ "/cases/" (case) "/accounts/" (a.id) "/delete" } {
                                    (csrf(s))
                                    button.secondary type="submit" aria-label={ "Remove " (b.address) } { "Remove" }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if shown.writable { form method="post" action={ "/cases/" (case) "/accounts" } {
            (csrf(s))
            (text_field("address", "Address of one of your accounts", Some("For example https://onlyfans.com/yourname"), form.get("address"), problems, Input::Url))
            button type="submit" { "Add account" }
        } }
        @if shown.writable {
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
            div.choices {
                label { input type="checkbox" name="intimate" value="yes" checked[form.has("intimate", "yes")] aria-describedby="f-intimate-hint"; span { "It is an intimate image or video (nudity or sexual content)" } }
            }
            p.hint #f-intimate-hint { "A copy found online is then logged as intimate images shared without your consent, which some laws treat as an offence of its own." }
            div.field {
                label for="f-file" { "The image or video" }
                span.hint id="f-file-hint" { "Or leave this empty and paste below the lines " code { "lodge hash --dihedral" } " printed on your computer." }
                input #f-file type="file" name="file" accept="image/*,video/*" aria-describedby="f-file-hint";
            }
            (textarea_field("hashes", "Fingerprints made on your computer (optional)", None, form.get("hashes"), problems))
            button type="submit" { "Register" }
        }
        }
    }
}

/// The page again with what she typed, every problem shown at the form field `field`.
async fn show_at(
    state: &crate::AppState,
    s: &Session,
    open: &OpenCase,
    form: &FormData,
    mut problems: Problems,
    field: &str,
) -> PageResult {
    for p in &mut problems.fields {
        p.field = field.into();
    }
    show_page(state, s, open, form, &problems).await
}

async fn show_page(
    state: &crate::AppState,
    s: &Session,
    open: &OpenCase,
    form: &FormData,
    problems: &Problems,
) -> PageResult {
    let shown = load(open).await?;
    let status = super::layout::form_status(problems);
    let busy = shown.scans.iter().any(|j| j.state.unfinished()) || shown.videos.iter().any(|v| v.state.unfinished());
    let markup = body(s, open.id.0, &shown, form, problems);
    // While a scan or a video's fingerprinting runs, the page reloads itself to show progress (only when there is
    // nothing typed on it to lose).
    let refresh = (busy && problems.is_empty() && form.get("csrf").is_empty()).then_some(5);
    Ok((status, refreshing_page(Some(s), &state.config, "Your content", markup, refresh)).into_response())
}

/// The page.
pub(crate) async fn show(axum::extract::State(state): State, ReadCase(s, open): ReadCase) -> PageResult {
    show_page(&state, &s, &open, &FormData::default(), &Problems::default()).await
}

async fn receive(multipart: &mut Multipart) -> Result<(FormData, Option<(String, Vec<u8>)>), ServiceError> {
    let broken =
        || ServiceError::invalid("file", "The file did not arrive whole. Check your connection and try again.");
    let mut form = FormData::default();
    let mut texts = TextBudget::new();
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
            form.push(&name, texts.read(field).await?);
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
    case: Result<WriteCase, Failure>,
    mut multipart: Multipart,
) -> PageResult {
    let WriteCase(s, open) = upload_case(case, &mut multipart).await?;
    let (form, file) = match receive(&mut multipart).await {
        Ok(r) => r,
        Err(e) => {
            drain(&mut multipart).await;
            return Err(e.into());
        }
    };
    if !s.form_token_matches(form.get("csrf")) {
        return Err(Failure::StaleForm);
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
        intimate: form.has("intimate", "yes"),
    };
    let source = match file {
        Some((kind, bytes)) if is_video(&kind) => Some(ContentSource::Video(bytes)),
        Some((_, bytes)) => Some(ContentSource::Image(bytes)),
        None if !form.get("hashes").trim().is_empty() => Some(ContentSource::Hashes(form.get("hashes").to_owned())),
        None => None,
    };
    let Some(source) = source else {
        let mut problems = Problems::default();
        problems.add("file", "Choose the image or video, or paste the fingerprints made on your computer.");
        return show_page(&state, &s, &open, &form, &problems).await;
    };
    let case = open.id.0;
    match open.add_content(details, source).await {
        Ok(Registered::Added(_)) => see_other(&format!("/cases/{case}/content")),
        Ok(Registered::Fingerprinting(_)) => see_other(&format!("/cases/{case}/content#registered")),
        Err(ServiceError::Invalid(problems)) => show_page(&state, &s, &open, &form, &problems).await,
        Err(e) => Err(e.into()),
    }
}

/// Removes a piece of her content.
pub(crate) async fn delete(
    WriteCase(_, open): WriteCase,
    Path((case, content)): Path<(Uuid, Uuid)>,
    SignedForm(_): SignedForm,
) -> PageResult {
    open.delete_content(ContentId(content)).await?;
    see_other(&format!("/cases/{case}/content"))
}

/// Starts a scan of the addresses she gave; the page then shows its progress.
pub(crate) async fn scan(
    axum::extract::State(state): State,
    WriteCase(s, open): WriteCase,
    SignedForm(form): SignedForm,
) -> PageResult {
    let addresses: Vec<String> = form.get("addresses").lines().map(str::to_owned).collect();
    match open.start_scan(&addresses).await {
        Ok(_) => see_other(&format!("/cases/{}/content#scans", open.id.0)),
        // A problem with her content belongs next to the addresses she typed.
        Err(ServiceError::Invalid(problems)) => show_at(&state, &s, &open, &form, problems, "addresses").await,
        Err(e) => Err(e.into()),
    }
}

/// Most files checked at once.
const MAX_CHECKED: usize = 50;

/// Checks files she has against her content and shows what each matches; nothing is kept.
pub(crate) async fn check(
    axum::extract::State(state): State,
    case: Result<ReadCase, Failure>,
    mut multipart: Multipart,
) -> PageResult {
    let ReadCase(s, open) = match case {
        Ok(case) => case,
        Err(e) => {
            drain(&mut multipart).await;
            return Err(e);
        }
    };
    let (token, files) = match receive_files(&mut multipart).await {
        Ok(r) => r,
        Err(e) => {
            drain(&mut multipart).await;
            return Err(e.into());
        }
    };
    if !s.form_token_matches(&token) {
        return Err(Failure::StaleForm);
    }
    let case = open.id.0;
    let checked = open.check_files(files).await?;
    let markup = html! {
        p { a href={ "/cases/" (case) "/content" } { "← Your content" } }
        h1 { "What your files match" }
        @if checked.is_empty() { p { "No files were chosen." } }
        ul.plain {
            @for c in &checked {
                li {
                    strong { (c.name) } ": "
                    @match &c.found {
                        Ok(Some((content, closeness))) => {
                            "a copy of “" (content.label) "” ("
                            @match closeness {
                                lodge_service::Closeness::Distance(d) => { "fingerprint distance " (d) " of 256" }
                                lodge_service::Closeness::FramesMatched(p) => { (format!("{p:.0}")) "% of frames match" }
                            }
                            ")"
                        }
                        Ok(None) => "not a copy of anything you registered",
                        Err(why) => { "could not be checked: " (why) }
                    }
                }
            }
        }
    };
    Ok(page(Some(&*s), &state.config, "What your files match", markup).into_response())
}

/// The anti-forgery token and every file sent as `files`, within the limits.
async fn receive_files(multipart: &mut Multipart) -> Result<(String, Vec<(String, Vec<u8>)>), ServiceError> {
    let broken =
        || ServiceError::invalid("files", "The files did not arrive whole. Check your connection and try again.");
    let (mut token, mut files, mut total) = (String::new(), Vec::new(), 0usize);
    let mut texts = TextBudget::new();
    while let Some(mut field) = multipart.next_field().await.map_err(|_| broken())? {
        if field.name() == Some("csrf") {
            token = texts.read(field).await?;
            continue;
        }
        let name = field.file_name().unwrap_or("").to_owned();
        let mut bytes = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(|_| broken())? {
            total += chunk.len();
            if total > MAX_FILE {
                return Err(ServiceError::TooLarge { limit: MAX_FILE as u64 });
            }
            bytes.extend_from_slice(&chunk);
        }
        if !bytes.is_empty() {
            if files.len() == MAX_CHECKED {
                return Err(ServiceError::invalid("files", &format!("Check at most {MAX_CHECKED} files at a time.")));
            }
            files.push((name, bytes));
        }
    }
    Ok((token, files))
}

/// Stops a scan; what it found so far is kept.
pub(crate) async fn cancel_scan(
    WriteCase(_, open): WriteCase,
    Path((case, scan)): Path<(Uuid, Uuid)>,
    SignedForm(_): SignedForm,
) -> PageResult {
    open.cancel_scan(JobId(scan)).await?;
    see_other(&format!("/cases/{case}/content#scans"))
}

/// Stops fingerprinting a video; the video is deleted.
pub(crate) async fn cancel_fingerprinting(
    WriteCase(_, open): WriteCase,
    Path((case, job)): Path<(Uuid, Uuid)>,
    SignedForm(_): SignedForm,
) -> PageResult {
    open.cancel_fingerprinting(JobId(job)).await?;
    see_other(&format!("/cases/{case}/content#registered"))
}

/// Adds one of her own accounts.
pub(crate) async fn add_account(
    axum::extract::State(state): State,
    WriteCase(s, open): WriteCase,
    SignedForm(form): SignedForm,
) -> PageResult {
    let account = OwnAccount { address: form.get("address").to_owned() };
    match open.add_own_account(&account).await {
        Ok(_) => see_other(&format!("/cases/{}/content#accounts", open.id.0)),
        Err(ServiceError::Invalid(problems)) => show_page(&state, &s, &open, &form, &problems).await,
        Err(e) => Err(e.into()),
    }
}

/// Captures a public page into a new incident, and shows it.
pub(crate) async fn capture_page(
    axum::extract::State(state): State,
    WriteCase(s, open): WriteCase,
    SignedForm(form): SignedForm,
) -> PageResult {
    match open.capture_page(form.get("page_address")).await {
        Ok(incident) => see_other(&format!("/cases/{}/incidents/{incident}", open.id.0)),
        Err(ServiceError::Invalid(problems)) => show_at(&state, &s, &open, &form, problems, "page_address").await,
        Err(e) => Err(e.into()),
    }
}

/// Removes one of her own accounts from the list.
pub(crate) async fn delete_account(
    WriteCase(_, open): WriteCase,
    Path((case, account)): Path<(Uuid, Uuid)>,
    SignedForm(_): SignedForm,
) -> PageResult {
    open.delete_own_account(AccountId(account)).await?;
    see_other(&format!("/cases/{case}/content#accounts"))
}

/// The small picture of her own image.
pub(crate) async fn content_thumbnail(
    ReadCase(_, open): ReadCase,
    Path((_, content)): Path<(Uuid, Uuid)>,
) -> PageResult {
    Ok(crate::http::jpeg(open.content_thumbnail(ContentId(content)).await?))
}
