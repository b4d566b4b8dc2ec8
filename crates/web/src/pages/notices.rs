//! "Takedown notices": per site, how her notices fared (removal rate, time to removal) and
//! which are open, with follow-up and escalation dates; a new notice in two steps (the routing
//! questions, then the routes that fit and the notice's details, with every missing element
//! named beside its field); and each notice with its letter (email text, PDF, Lumen JSON),
//! sending, status changes and what the re-checks saw.

use axum::extract::{Path, Query};
use axum::response::IntoResponse;
use lodge_domain::{Content, ContentId, CopyId, CopyStatus, FoundCopy, NoticeId, Problems};
use lodge_service::{CaseNotice, NoticeDetails, OpenCase, ServiceError, Session, SiteSummary, Version};
use lodge_takedown::notice::{Confirmed, Draft, Recipient, Sender};
use lodge_takedown::route::{Maker, Nature, Route, Situation, plan};
use lodge_takedown::tracking::{Due, Status};
use maud::{Markup, html};
use uuid::Uuid;

use super::FormData;
use super::layout::{Input, csrf, field_id, page, problem_summary, text_field, textarea_field};
use crate::State;
use crate::extract::{ReadCase, SignedForm, WriteCase};
use crate::failure::{PageResult, see_other};

fn status_label(s: Status) -> &'static str {
    match s {
        Status::Draft => "Draft, not sent",
        Status::Sent => "Sent",
        Status::Acknowledged => "Acknowledged by the site",
        Status::Removed => "Removed",
        Status::PartlyRemoved => "Partly removed",
        Status::Refused => "Refused",
        Status::CounterNotice => "Counter-notice received",
        Status::Restored => "Put back up",
    }
}

fn day(t: jiff::Timestamp) -> String {
    t.strftime("%-d %B %Y").to_string()
}

fn due_text(due: Option<Due>) -> Option<String> {
    match due? {
        Due::FollowUp(at) => Some(format!("Follow-up due {}", day(at))),
        Due::Escalate(at) => Some(format!("Escalate to the host, registrar or CDN from {}", day(at))),
    }
}

fn site_row(s: &SiteSummary) -> Markup {
    let median = s.median_time_to_removal.map(|d| {
        let hours = d.as_secs_f64() / 3600.0;
        if hours < 48.0 { format!("{hours:.0} hours") } else { format!("{:.0} days", hours / 24.0) }
    });
    html! {
        tr {
            th scope="row" { (s.host) }
            td data-label="Notices" { (s.notices) }
            td data-label="Open" { (s.open) }
            td data-label="Addresses removed" { (s.removed) " of " (s.reported) " (" (format!("{:.0}", s.removal_rate * 100.0)) "%)" }
            td data-label="Typical time to removal" { (median.unwrap_or_else(|| "—".into())) }
        }
    }
}

/// The dashboard and the list.
pub(crate) async fn list(axum::extract::State(state): State, ReadCase(s, open): ReadCase) -> PageResult {
    let case = open.id.0;
    let notices = open.notices().await?;
    let sites = open.site_summaries().await?;
    let dues: Vec<Option<String>> =
        notices.iter().map(|n| n.body.as_ref().and_then(|b| due_text(open.notice_due(b)))).collect();
    let last = open.rechecks().await?.into_iter().next();
    let reminder = if state.lodge.reminders_available() { open.next_reminder().await? } else { None };
    let markup = html! {
        p { a href={ "/cases/" (case) "/copies" } { "← Copies found" } }
        h1 { "Takedown notices" }
        p { "To ask a site to take a copy down, confirm the copy on the " a href={ "/cases/" (case) "/copies" } { "copies page" } " and choose “Ask for removal”." }
        @if !sites.is_empty() {
            h2 { "How each site answers" }
            div.table-wrap {
                table.reflow {
                    thead { tr { th scope="col" { "Site" } th scope="col" { "Notices" } th scope="col" { "Open" } th scope="col" { "Addresses removed" } th scope="col" { "Typical time to removal" } } }
                    tbody { @for site in &sites { (site_row(site)) } }
                }
            }
        }
        h2 { "Notices" }
        @if notices.is_empty() { p { "No notices yet." } }
        @if let Some(at) = reminder {
            p.hint { "On " (day(at)) ", Lodge will email a reminder to everyone on this case who asked for reminders on their " a href="/account#reminders" { "account page" } "." }
        }
        ul.plain {
            @for (n, due) in notices.iter().zip(&dues) {
                @if let Some(b) = &n.body {
                    li {
                        a href={ "/cases/" (case) "/notices/" (n.id) } { (b.subject) }
                        br; strong { (status_label(b.status)) }
                        @if let Some(at) = b.sent_at { " · sent " (day(at)) }
                        @if let Some(d) = due { " · " (d) }
                    }
                }
            }
        }
        @if notices.iter().any(|n| n.body.as_ref().is_some_and(CaseNotice::open)) {
            h2 { "Looking again" }
            p {
                "Lodge looks at the reported addresses again every day while a notice is open, and marks each one removed when it has gone. A look that falls due runs the next time you open your case."
                @if let Some(job) = &last { " Last look: " (day(job.updated_at)) "." }
            }
            @if open.access.can_write() {
                form method="post" action={ "/cases/" (case) "/rechecks" } {
                    (csrf(&s))
                    button.secondary type="submit" { "Look again now" }
                }
            }
        }
    };
    Ok(page(Some(&*s), &state.config, "Takedown notices", markup).into_response())
}

/// The routing questions' answers, from the query or the form.
fn situation(form: &FormData) -> Option<Situation> {
    let maker = match form.get("maker") {
        "her" => Maker::Her,
        "studio" => Maker::Studio,
        "someone_else" => Maker::SomeoneElse,
        _ => return None,
    };
    Some(Situation {
        maker,
        paid: form.get("paid") == "yes",
        nature: if form.get("nature") == "fake" { Nature::Fake } else { Nature::Real },
        eu: form.get("eu") == "yes",
        behind_cdn: form.get("cdn") == "yes",
        her_own_account: false,
    })
}

fn radio_group(name: &str, legend: &str, options: &[(&str, &str)], form: &FormData) -> Markup {
    html! {
        fieldset {
            legend { (legend) }
            div.choices {
                @for (value, text) in options {
                    label { input type="radio" name=(name) value=(value) checked[form.get(name) == *value] required; span { (text) } }
                }
            }
        }
    }
}

fn tick(name: &str, text: &str, form: &FormData, problems: &Problems) -> Markup {
    let id = field_id(name);
    let problem = problems.for_field(name);
    html! {
        div.field.invalid[problem.is_some()] {
            @if let Some(p) = problem { p.problem id={ (id) "-problem" } { (p) } }
            div.choices { label { input id=(id) type="checkbox" name=(name) value="yes" checked[form.has(name, "yes")]; span { (text) } } }
        }
    }
}

/// A confirmed copy on the site, and whether an open or draft notice already reports it (a
/// second notice for it goes to the host or CDN, when escalating).
struct Reportable {
    copy: Version<FoundCopy>,
    reported: bool,
}

/// Confirmed copies on `site`.
async fn reportable(open: &OpenCase, site: &str) -> Result<Vec<Reportable>, ServiceError> {
    let reported: Vec<CopyId> = open
        .notices()
        .await?
        .iter()
        .filter_map(|n| n.body.as_ref())
        .filter(|n| n.open() || n.status == Status::Draft)
        .flat_map(|n| n.reported.iter().map(|r| r.copy))
        .collect();
    let mut copies = open.copies().await?;
    copies.retain(|c| c.body.as_ref().is_some_and(|b| b.status == CopyStatus::Confirmed && b.site() == site));
    Ok(copies.into_iter().map(|copy| Reportable { reported: reported.contains(&CopyId(copy.id)), copy }).collect())
}

/// What a new notice starts with: her copies' names and where she first published them.
async fn prefill(open: &OpenCase, copies: &[Reportable], form: &mut FormData) -> Result<(), ServiceError> {
    if form.get("work").is_empty() {
        let contents = open.contents().await?;
        let mut work = Vec::new();
        let mut originals = Vec::new();
        for c in copies.iter().filter_map(|c| c.copy.body.as_ref()) {
            let original: Option<&Content> =
                contents.iter().find(|e| ContentId(e.id) == c.content).and_then(|e| e.body.as_ref());
            work.push(format!("“{}”", c.label));
            if let Some(url) = original.map(|o| o.first_published.clone()).filter(|u| !u.is_empty())
                && !originals.contains(&url)
            {
                originals.push(url);
            }
        }
        form.set("work", format!("My own content: {}.", work.join(", ")));
        form.set("original_urls", originals.join("\n"));
    }
    Ok(())
}

fn new_body(
    s: &Session,
    case: Uuid,
    site: &str,
    copies: &[Reportable],
    form: &FormData,
    problems: &Problems,
) -> Markup {
    let answers = situation(form);
    let routes = answers.as_ref().map(plan);
    let explanation = match (form.get("law"), &answers) {
        ("", Some(answers)) => answers.explanation(),
        (typed, _) => typed.to_owned(),
    };
    html! {
        p { a href={ "/cases/" (case) "/copies" } { "← Copies found" } }
        h1 { "Ask " (site) " to remove your content" }
        (problem_summary(problems))
        form method="get" action={ "/cases/" (case) "/notices/new" } {
            input type="hidden" name="site" value=(site);
            (radio_group("maker", "Who made it?", &[("her", "I did"), ("studio", "A studio"), ("someone_else", "Someone else")], form))
            (radio_group("paid", "Are you paid for this content (you sell it, or it is on a paid page)?", &[("yes", "Yes"), ("no", "No")], form))
            (radio_group("nature", "Is it real, or a fake (edited or made by AI)?", &[("real", "Real"), ("fake", "Fake")], form))
            (radio_group("eu", "Is the site or its host in the EU, or does it serve people in the EU?", &[("yes", "Yes, or I am not sure"), ("no", "No")], form))
            (radio_group("cdn", "Is the site behind a CDN such as Cloudflare?", &[("yes", "Yes"), ("no", "No, or I do not know")], form))
            button.secondary type="submit" { "Show the ways to ask" }
        }
        @if let Some(p) = &routes {
            @for note in &p.notes { p.notice { (note) } }
            @if p.routes.is_empty() {
                p { "There is no notice Lodge can make for this. A support worker can help you find another way." }
            } @else {
                form method="post" action={ "/cases/" (case) "/notices" } {
                    (csrf(s))
                    @for name in ["site", "maker", "paid", "nature", "eu", "cdn"] { input type="hidden" name=(name) value=(form.get(name)); }
                    fieldset {
                        legend { "Which notice?" }
                        div.choices {
                            @for (i, route) in p.routes.iter().enumerate() {
                                label {
                                    input type="radio" name="route" value=(route.name()) checked[form.get("route") == route.name() || (form.get("route").is_empty() && i == 0)];
                                    span { (route.label()) }
                                }
                            }
                        }
                    }
                    fieldset {
                        legend { "Copies to report" }
                        div.choices {
                            @for Reportable { copy: c, reported } in copies {
                                @if let Some(b) = &c.body {
                                    label {
                                        input type="checkbox" name="copies" value=(c.id) checked[if form.all("copies").is_empty() { !reported } else { form.has("copies", &c.id.to_string()) }];
                                        span {
                                            (b.label) " — " code { (b.media) }
                                            @if *reported { " (already in a notice: tick it to escalate to the host or CDN)" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    h2 { "Who sends it" }
                    p.hint { "Your working name is enough. If the organisation sends it for you, put its name here and yours under “acting for”: your legal name and address then never reach the site." }
                    (text_field("sender_name", "Sender's name", None, form.get("sender_name"), problems, Input::Text))
                    (text_field("acting_for", "Acting for (when the organisation sends it)", Some("Your working name."), form.get("acting_for"), problems, Input::Text))
                    (text_field("authority", "How the organisation is authorised (when it sends it)", Some("For example: authorised in writing on 3 May 2026."), form.get("authority"), problems, Input::Text))
                    (text_field("sender_email", "Email address for replies", None, form.get("sender_email"), problems, Input::Email))
                    (text_field("sender_phone", "Telephone (optional)", None, form.get("sender_phone"), problems, Input::Text))
                    (textarea_field("sender_address", "Postal address", Some("The organisation's address will do."), form.get("sender_address"), problems))
                    (text_field("signature", "Signature: the signer's full name, typed", None, form.get("signature"), problems, Input::Text))
                    h2 { "Who receives it" }
                    (text_field("recipient_name", "Name", Some("The site, its host, or the search engine."), form.get("recipient_name"), problems, Input::Text))
                    (text_field("recipient_email", "Email address for notices", Some("Often on the site's DMCA or abuse page."), form.get("recipient_email"), problems, Input::Email))
                    h2 { "About your content" }
                    (textarea_field("work", "Your original work", None, form.get("work"), problems))
                    (textarea_field("original_urls", "Where your original is published (one address a line)", None, form.get("original_urls"), problems))
                    (textarea_field("law", "Why it is illegal (for DSA and intimate-image reports)", Some("Written from your answers above; change it if it is not right. A notice needs a sentence that says why and names the law."), &explanation, problems))
                    (text_field("country", "The country you live in (for search engines)", None, form.get("country"), problems, Input::Text))
                    (text_field("stopncii_case", "StopNCII case number (optional)", None, form.get("stopncii_case"), problems, Input::Text))
                    (tick("anonymous", "Ask the site not to tell the uploader who reported it", form, problems))
                    (tick("filter_similar", "Ask the search engine to filter similar results too", form, problems))
                    h2 { "What you confirm" }
                    (tick("good_faith", "I believe in good faith that this use is not authorised by me, my agent or the law.", form, problems))
                    (tick("accurate", "The information in this notice is accurate, and under penalty of perjury I am the owner or authorised to act for the owner.", form, problems))
                    (tick("bona_fide", "I believe in good faith that this notice is accurate and complete.", form, problems))
                    (tick("no_consent", "I never agreed to this being shared, or I withdrew my agreement.", form, problems))
                    (tick("adult", "I am 18 or over, and was when it was made.", form, problems))
                    button type="submit" { "Make the notice" }
                    p.hint { "Nothing is sent yet: you will see the notice first." }
                }
            }
        }
    }
}

async fn show_new(
    state: &crate::AppState,
    s: &Session,
    open: &OpenCase,
    mut form: FormData,
    problems: &Problems,
) -> PageResult {
    let site = form.get("site").to_owned();
    let copies = reportable(open, &site).await?;
    prefill(open, &copies, &mut form).await?;
    if copies.is_empty() && problems.is_empty() {
        return Err(
            ServiceError::invalid("site", "There is no confirmed copy on this site. Confirm a copy first.").into()
        );
    }
    let status = super::layout::form_status(problems);
    let markup = new_body(s, open.id.0, &site, &copies, &form, problems);
    Ok((status, page(Some(s), &state.config, "New takedown notice", markup)).into_response())
}

/// Step one, and step two once the questions are answered.
pub(crate) async fn new(
    axum::extract::State(state): State,
    WriteCase(s, open): WriteCase,
    Query(query): Query<Vec<(String, String)>>,
) -> PageResult {
    let form = FormData(query);
    if form.get("site").is_empty() {
        return Err(ServiceError::NotFound.into());
    }
    show_new(&state, &s, &open, form, &Problems::default()).await
}

fn draft_from(form: &FormData) -> Draft {
    let text = |name: &str| form.get(name).trim().to_owned();
    let yes = |name: &str| form.has(name, "yes");
    Draft {
        sender: Sender {
            name: text("sender_name"),
            acting_for: text("acting_for"),
            authority: text("authority"),
            email: text("sender_email"),
            phone: text("sender_phone"),
            address: text("sender_address"),
            signature: text("signature"),
        },
        recipient: Recipient { name: text("recipient_name"), email: text("recipient_email") },
        urls: Vec::new(),
        work: text("work"),
        original_urls: form
            .get("original_urls")
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect(),
        law: text("law"),
        country: text("country"),
        paid: match form.get("paid") {
            "yes" => Some(true),
            "no" => Some(false),
            _ => None,
        },
        anonymous: yes("anonymous"),
        filter_similar: yes("filter_similar"),
        stopncii_case: text("stopncii_case"),
        confirmed: Confirmed {
            good_faith: yes("good_faith"),
            accurate_under_penalty_of_perjury: yes("accurate"),
            bona_fide: yes("bona_fide"),
            no_consent: yes("no_consent"),
            adult: yes("adult"),
        },
        date: None,
    }
}

/// Makes the notice, or shows the form again with each missing element named.
pub(crate) async fn create(
    axum::extract::State(state): State,
    WriteCase(s, open): WriteCase,
    SignedForm(form): SignedForm,
) -> PageResult {
    let Some(route) = Route::from_name(form.get("route")) else {
        let mut problems = Problems::default();
        problems.add("route", "Choose which notice to make.");
        return show_new(&state, &s, &open, form, &problems).await;
    };
    let copies = form.all("copies").iter().filter_map(|c| c.parse().ok()).map(CopyId).collect();
    let details = NoticeDetails { route, copies, draft: draft_from(&form) };
    match open.draft_notice(details).await {
        Ok(id) => see_other(&format!("/cases/{}/notices/{id}", open.id.0)),
        Err(ServiceError::Invalid(problems)) => show_new(&state, &s, &open, form, &problems).await,
        Err(e) => Err(e.into()),
    }
}

/// One notice; `writable` when she (or the worker) may send it or record what happened.
fn notice_body(
    s: &Session,
    case: Uuid,
    id: Uuid,
    n: &CaseNotice,
    due: Option<String>,
    can_send: bool,
    writable: bool,
) -> Markup {
    html! {
        p { a href={ "/cases/" (case) "/notices" } { "← Takedown notices" } }
        h1 { (n.subject) }
        p { strong { (status_label(n.status)) } @if let Some(d) = &due { " · " (d) } }
        dl.details {
            dt { "To" } dd { (n.draft.recipient.name) " <" (n.to) ">" }
            dt { "Route" } dd { (n.route.label()) }
            @if let Some(at) = n.sent_at { dt { "Sent" } dd { (day(at)) } }
            @if let Some(at) = n.followed_up_at { dt { "Followed up" } dd { (day(at)) } }
        }
        div.actions {
            @for (format, text) in [("text", "Email text"), ("pdf", "PDF letter"), ("lumen", "Lumen record (JSON)")] {
                a.button.secondary href={ "/cases/" (case) "/notices/" (id) "/letter?format=" (format) } { "Download: " (text) }
            }
        }
        @if !writable {
        } @else if n.status == Status::Draft {
            div.actions {
                @if can_send {
                    form method="post" action={ "/cases/" (case) "/notices/" (id) "/send" } {
                        (csrf(s))
                        button type="submit" { "Send to " (n.to) }
                    }
                }
                form method="post" action={ "/cases/" (case) "/notices/" (id) "/status" } {
                    (csrf(s))
                    input type="hidden" name="status" value="sent";
                    input type="hidden" name="note" value="Sent by her";
                    button.secondary type="submit" { "I sent it myself" }
                }
            }
        } @else {
            h2 { "What happened" }
            form method="post" action={ "/cases/" (case) "/notices/" (id) "/status" } {
                (csrf(s))
                div.field {
                    label for="f-status" { "New status" }
                    select #f-status name="status" {
                        @for (value, status) in Status::ALL.iter().skip(1) { option value=(value) selected[*status == n.status] { (status_label(*status)) } }
                        option value="followed_up" { "I followed it up" }
                    }
                }
                (text_field("note", "What happened (optional)", None, "", &Problems::default(), Input::Text))
                button type="submit" { "Save" }
            }
        }
        h2 { "Addresses reported" }
        ul.plain {
            @for r in &n.reported {
                li {
                    code { (r.media) }
                    br;
                    @if let Some(at) = r.removed { strong { "Removed" } " (found gone " (day(at)) ")" } @else { "Not removed yet" }
                    @if !r.last_check.is_empty() { " · last look: " (r.last_check) }
                }
            }
        }
        h2 { "The notice" }
        pre.verbatim { (n.body) }
        h2 { "History" }
        ol {
            @for h in &n.history {
                li { (day(h.at)) ": " (status_label(h.status)) @if !h.note.is_empty() { " — " (h.note) } }
            }
        }
    }
}

/// One notice.
pub(crate) async fn show(
    axum::extract::State(state): State,
    ReadCase(s, open): ReadCase,
    Path((case, notice)): Path<(Uuid, Uuid)>,
) -> PageResult {
    let n = open.notice(NoticeId(notice)).await?.body.ok_or(ServiceError::NotFound)?;
    let due = due_text(open.notice_due(&n));
    let can_send = state.lodge.config().smtp.is_some();
    let markup = notice_body(&s, case, notice, &n, due, can_send, open.access.can_write());
    Ok(page(Some(&*s), &state.config, "Takedown notice", markup).into_response())
}

/// A download of the letter.
pub(crate) async fn letter(
    ReadCase(_, open): ReadCase,
    Path((_, notice)): Path<(Uuid, Uuid)>,
    Query(query): Query<Vec<(String, String)>>,
) -> PageResult {
    let l = open.notice_letter(NoticeId(notice), FormData(query).get("format")).await?;
    Ok(crate::http::download::attachment(l.bytes.into(), l.content_type, &l.file_name))
}

/// Sends a draft by the organisation's mail server.
pub(crate) async fn send(
    WriteCase(_, open): WriteCase,
    Path((case, notice)): Path<(Uuid, Uuid)>,
    SignedForm(_): SignedForm,
) -> PageResult {
    open.send_notice(NoticeId(notice)).await?;
    see_other(&format!("/cases/{case}/notices/{notice}"))
}

/// Records a change of status, or a follow-up.
pub(crate) async fn set_status(
    WriteCase(_, open): WriteCase,
    Path((case, notice)): Path<(Uuid, Uuid)>,
    SignedForm(form): SignedForm,
) -> PageResult {
    open.update_notice(NoticeId(notice), form.get("status"), form.get("note")).await?;
    see_other(&format!("/cases/{case}/notices/{notice}"))
}

/// Looks at the addresses of open notices again now.
pub(crate) async fn recheck(WriteCase(_, open): WriteCase, SignedForm(_): SignedForm) -> PageResult {
    open.recheck_now().await?;
    see_other(&format!("/cases/{}/notices", open.id.0))
}
