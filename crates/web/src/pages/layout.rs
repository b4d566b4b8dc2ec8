//! The frame of every page: the quick-exit button first of all, the header and navigation,
//! and the helpers that render form fields with their problems next to them.

use lodge_domain::{Problems, Role};
use lodge_service::Session;
use maud::{DOCTYPE, Markup, html};

use crate::WebConfig;

/// The status of a form's page: 400 while it has problems to fix, 200 otherwise.
pub(crate) fn form_status(problems: &Problems) -> axum::http::StatusCode {
    if problems.is_empty() { axum::http::StatusCode::OK } else { axum::http::StatusCode::BAD_REQUEST }
}

/// Renders a whole page.
pub(crate) fn page(session: Option<&Session>, config: &WebConfig, title: &str, body: Markup) -> Markup {
    refreshing_page(session, config, title, body, None)
}

/// Renders a page with work in progress: every `refresh` seconds, the script brings the parts
/// marked `data-progress` up to date in place (and reloads the page once the work is done, if
/// nothing is typed on it); without JavaScript, the page reloads itself.
pub(crate) fn refreshing_page(
    session: Option<&Session>,
    config: &WebConfig,
    title: &str,
    body: Markup,
    refresh: Option<u32>,
) -> Markup {
    let neutral = config.neutral_title || session.is_some_and(|s| s.neutral_title);
    let brand = match session {
        Some(s) if s.neutral_title => s.app_name.as_str(),
        _ if neutral => "Notes",
        _ => "Lodge",
    };
    let full_title = if neutral { brand.to_owned() } else { format!("{title} – Lodge") };
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="referrer" content="same-origin";
                meta name="robots" content="noindex, nofollow";
                @if let Some(seconds) = refresh {
                    meta name="lodge-working" content=(seconds);
                    noscript { meta http-equiv="refresh" content=(seconds); }
                }
                title { (full_title) }
                link rel="stylesheet" href="/static/lodge.css";
                script src="/static/lodge.js" defer {}
            }
            body {
                a.quick-exit #quick-exit href="/exit" rel="noreferrer" {
                    "Quick exit " small { "(or press Esc)" }
                }
                a.skip href="#main" { "Skip to content" }
                header.site {
                    a.brand href="/" { (brand) }
                    @if let Some(s) = session {
                        nav aria-label="Main" {
                            ul {
                                li { a href="/cases" { "Cases" } }
                                li { a href="/account" { "Account" } }
                                @if s.role == Role::Administrator { li { a href="/admin" { "Administration" } } }
                                @if s.role != Role::Survivor { li { a href="/staff/your-voice" { "Your Voice" } } }
                                li {
                                    form method="post" action="/logout" {
                                        (csrf(s))
                                        button.link type="submit" { "Sign out" }
                                    }
                                }
                            }
                        }
                    }
                }
                main #main tabindex="-1" { (body) }
                @if !neutral {
                    footer.site {
                        p { (config.organisation) " · " a href="/your-voice" { "Your Voice: tell us what you think" } }
                    }
                }
            }
        }
    }
}

/// The hidden anti-forgery field of a signed-in form.
pub(crate) fn csrf(session: &Session) -> Markup {
    html! { input type="hidden" name="csrf" value=(session.form_token); }
}

/// A box listing every problem, linking to each field, shown above a form.
pub(crate) fn problem_summary(problems: &Problems) -> Markup {
    html! {
        @if !problems.is_empty() {
            div.notice.error role="alert" tabindex="-1" {
                h2 { "Please fix these answers" }
                p { "Nothing you typed has been lost." }
                ul {
                    @for p in &problems.fields {
                        li { a href={ "#" (field_id(&p.field)) } { (p.message) } }
                    }
                }
            }
        }
    }
}

/// The HTML id of a field.
pub(crate) fn field_id(name: &str) -> String {
    format!("f-{}", name.replace('.', "-"))
}

/// Which input a text field is.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Input {
    Text,
    Password,
    NewPassword,
    Url,
    Date,
    Time,
    Email,
    /// A link or code that carries a secret: never remembered by the browser.
    Secret,
}

/// A labelled single-line field with its hint and problem.
pub(crate) fn text_field(
    name: &str,
    label: &str,
    hint: Option<&str>,
    value: &str,
    problems: &Problems,
    input: Input,
) -> Markup {
    let id = field_id(name);
    let problem = problems.for_field(name);
    let hint_id = format!("{id}-hint");
    let problem_id = format!("{id}-problem");
    let described = [hint.map(|_| hint_id.as_str()), problem.map(|_| problem_id.as_str())]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    let (kind, autocomplete) = match input {
        Input::Text => ("text", None),
        Input::Password => ("password", Some("current-password")),
        Input::NewPassword => ("password", Some("new-password")),
        Input::Url => ("url", None),
        Input::Date => ("date", None),
        Input::Time => ("time", None),
        Input::Email => ("email", Some("email")),
        Input::Secret => ("text", Some("off")),
    };
    html! {
        div.field.invalid[problem.is_some()] {
            label for=(id) { (label) }
            @if let Some(h) = hint { span.hint id=(hint_id) { (h) } }
            @if let Some(p) = problem { p.problem id=(problem_id) { (p) } }
            input type=(kind) id=(id) name=(name)
                value=[(!matches!(input, Input::Password | Input::NewPassword)).then_some(value)]
                autocomplete=[autocomplete]
                aria-describedby=[(!described.is_empty()).then_some(described.as_str())]
                aria-invalid=[problem.map(|_| "true")];
        }
    }
}

/// A labelled multi-line field with its hint and problem.
pub(crate) fn textarea_field(name: &str, label: &str, hint: Option<&str>, value: &str, problems: &Problems) -> Markup {
    let id = field_id(name);
    let problem = problems.for_field(name);
    let hint_id = format!("{id}-hint");
    html! {
        div.field.invalid[problem.is_some()] {
            label for=(id) { (label) }
            @if let Some(h) = hint { span.hint id=(hint_id) { (h) } }
            @if let Some(p) = problem { p.problem { (p) } }
            textarea id=(id) name=(name) aria-describedby=[hint.map(|_| hint_id.as_str())] aria-invalid=[problem.map(|_| "true")] { (value) }
        }
    }
}

/// A link she must pass on (an invitation, her inbox, a police link): shown whole in a box
/// that selects as one piece, with a copy button the script reveals.
pub(crate) fn link_to_pass_on(link: &str) -> Markup {
    html! {
        div.field {
            label for="link" { "The link" }
            textarea #link.link readonly rows="4" spellcheck="false" { (link) }
            button.secondary.copy type="button" data-copy="link" hidden { "Copy the link" }
            span.hint #link-copied role="status" {}
        }
    }
}

/// A notice, for confirmations and plain messages.
/// What Lodge found changed outside it in the case shown, in plain words, if anything.
pub(crate) fn changed_outside(findings: &[lodge_service::integrity::Finding]) -> Markup {
    html! {
        @if !findings.is_empty() {
            div.notice.error role="alert" {
                p { strong { "Something in this case was changed outside Lodge." } }
                ul { @for f in findings { li { (f.sentence()) } } }
                p {
                    "What was changed is not shown, and reports leave it out and say so. The rest of your case is as you saved it. "
                    "Tell the organisation's administrator: someone changed the server's database."
                }
            }
        }
    }
}

pub(crate) fn notice(kind: &str, text: &str) -> Markup {
    html! { div class={ "notice " (kind) } role="status" { p { (text) } } }
}
