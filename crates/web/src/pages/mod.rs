//! The pages: server-rendered HTML, usable without JavaScript and on a 360 px phone.
//! Each module owns the pages of one thing: accounts, cases and the timeline, incidents,
//! people, evidence, the case log, and reports.

mod accounts;
mod admin;
mod cases;
mod content;
mod copies;
mod course;
mod evidence;
mod form;
mod imports;
mod inbox;
mod incident_form;
mod incidents;
mod joining;
pub(crate) mod layout;
mod log;
pub(crate) mod notices;
mod passkeys;
mod people;
mod recovery;
mod report_wishes;
mod reports;
mod sessions;
mod shared;
mod sharing;
mod sign_in;
mod two_step;
mod watch;
pub(crate) mod your_voice;

use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar};
use lodge_service::{ServiceError, Session};
use maud::html;

use crate::routes::Allowed::*;
use crate::routes::{RouteInfo, Table};
use crate::{AppState, State, WebConfig};
pub(crate) use form::FormData;

/// The page routes, and who may use each.
pub(crate) fn routes() -> (Router<Arc<AppState>>, Vec<RouteInfo>) {
    let table = Table::new("")
        .get("/", Public, home)
        .get("/static/lodge.css", Public, css)
        .get("/static/lodge.js", Public, js)
        .get("/exit", Public, exit)
        .get("/login", Public, sign_in::login_page)
        .post("/login", Public, sign_in::login)
        .get("/login/code", Public, sign_in::code_page)
        .post("/login/passkey/start", Public, passkeys::sign_in_start)
        .post("/login/passkey/finish", Public, passkeys::sign_in_finish)
        .post("/login/code/passkey/start", Public, passkeys::second_start)
        .post("/login/code/passkey/finish", Public, passkeys::second_finish)
        .post("/login/code", Public, sign_in::code)
        .post("/logout", Public, sign_in::logout)
        .get("/join/{token}", Public, joining::join_page)
        .post("/join/{token}", Public, joining::join)
        .get("/signup", Public, joining::signup_page)
        .post("/signup", Public, joining::signup)
        .get("/recover", Public, recovery::recover_page)
        .post("/recover", Public, recovery::recover)
        .get("/your-voice", Public, your_voice::show)
        .post("/your-voice", Public, your_voice::submit)
        .get("/staff/your-voice", Staff, your_voice::responses)
        .get("/staff/your-voice.csv", Staff, your_voice::export)
        .get("/account", SignedIn, accounts::account_page)
        .post("/account/password", SignedIn, accounts::change_password)
        .post("/account/recovery-key", SignedIn, recovery::replace)
        .post("/account/safety", SignedIn, accounts::safety)
        .post("/account/reminders", SignedIn, accounts::reminders)
        .post("/account/delete", SignedIn, accounts::delete_my_data)
        .post("/account/passkeys", SignedIn, passkeys::needs_script)
        .post("/account/passkeys/start", SignedIn, passkeys::register_start)
        .post("/account/passkeys/finish", SignedIn, passkeys::register_finish)
        .post("/account/passkeys/{passkey}/remove", SignedIn, passkeys::remove)
        .post("/account/two-step", SignedIn, two_step::start_two_step)
        .post("/account/two-step/confirm", SignedIn, two_step::confirm_two_step)
        .post("/account/two-step/off", SignedIn, two_step::two_step_off)
        .post("/account/sessions/end-others", SignedIn, sessions::end_other_sessions)
        .post("/account/sessions/{session}/end", SignedIn, sessions::end_session)
        .get("/admin", Admin, admin::admin_page)
        .post("/admin/invitations", Admin, admin::invite)
        .post("/admin/invitations/{invitation}/withdraw", Admin, admin::withdraw_invitation)
        .post("/admin/signup", Admin, admin::signup_setting)
        .post("/admin/users/{user}/disable", Admin, admin::disable_account)
        .post("/admin/users/{user}/enable", Admin, admin::enable_account)
        .get("/cases", SignedIn, cases::list)
        .post("/cases", Survivor, cases::create)
        .get("/cases/{case}", CaseRead, cases::timeline)
        .post("/cases/{case}/rename", CaseWrite, cases::rename)
        .get("/cases/{case}/log", CaseRead, log::show)
        .get("/cases/{case}/sharing", CaseOwner, sharing::show)
        .post("/cases/{case}/sharing/grants", CaseOwner, sharing::grant)
        .post("/cases/{case}/sharing/grants/{user}/revoke", CaseOwner, sharing::revoke)
        .post("/cases/{case}/sharing/links", CaseOwner, sharing::create_link)
        .post("/cases/{case}/sharing/links/{share}/revoke", CaseOwner, sharing::revoke_link)
        .post("/cases/{case}/sharing/links/{share}/refresh", CaseOwner, sharing::refresh_link)
        .get("/cases/{case}/access", CaseOwner, sharing::access_log)
        .get("/cases/{case}/inbox", CaseOwner, inbox::show)
        .post("/cases/{case}/inbox/links", CaseOwner, inbox::create_link)
        .post("/cases/{case}/inbox/links/{link}/revoke", CaseOwner, inbox::revoke_link)
        .post("/cases/{case}/inbox/{submission}/accept", CaseOwner, inbox::accept)
        .post("/cases/{case}/inbox/{submission}/decline", CaseOwner, inbox::decline)
        .get("/cases/{case}/inbox/{submission}/files/{n}", CaseOwner, inbox::file)
        .get("/inbox/{token}", InboxLink, inbox::report_page)
        .get("/shared", Public, shared::start)
        .post("/shared", ShareLink, shared::open)
        .post("/shared/report.pdf", ShareLink, shared::pdf)
        .post("/shared/bundle.zip", ShareLink, shared::bundle)
        .get("/shared/{old}", Public, shared::old_link)
        .get("/cases/{case}/report", CaseRead, reports::show)
        .post("/cases/{case}/report", CaseRead, reports::make)
        .get("/cases/{case}/reports/{file}/download", CaseRead, reports::download_file)
        .post("/cases/{case}/reports/{file}/delete", CaseRead, reports::delete_file)
        .get("/cases/{case}/import", CaseWrite, imports::show)
        .get("/cases/{case}/content", CaseRead, content::show)
        .post("/cases/{case}/content/scan", CaseWrite, content::scan)
        .post("/cases/{case}/content/{content}/delete", CaseWrite, content::delete)
        .get("/cases/{case}/content/{content}/thumbnail", CaseRead, content::content_thumbnail)
        .post("/cases/{case}/scans/{scan}/cancel", CaseWrite, content::cancel_scan)
        .post("/cases/{case}/fingerprinting/{job}/cancel", CaseWrite, content::cancel_fingerprinting)
        .post("/cases/{case}/accounts", CaseWrite, content::add_account)
        .post("/cases/{case}/accounts/{account}/delete", CaseWrite, content::delete_account)
        .get("/cases/{case}/copies", CaseRead, copies::copies)
        .get("/cases/{case}/notices", CaseRead, notices::list)
        .post("/cases/{case}/notices", CaseWrite, notices::create)
        .get("/cases/{case}/notices/new", CaseWrite, notices::new)
        .get("/cases/{case}/notices/{notice}", CaseRead, notices::show)
        .get("/cases/{case}/notices/{notice}/letter", CaseRead, notices::letter)
        .post("/cases/{case}/notices/{notice}/send", CaseWrite, notices::send)
        .post("/cases/{case}/notices/{notice}/status", CaseWrite, notices::set_status)
        .post("/cases/{case}/rechecks", CaseWrite, notices::recheck)
        .get("/cases/{case}/watch", CaseRead, watch::show)
        .post("/cases/{case}/watch", CaseWrite, watch::add)
        .post("/cases/{case}/watch/run", CaseWrite, watch::run)
        .post("/cases/{case}/watch/{watch}/reviewed", CaseWrite, watch::reviewed)
        .post("/cases/{case}/watch/{watch}/delete", CaseWrite, watch::delete)
        .post("/cases/{case}/copies/{copy}/confirm", CaseWrite, copies::confirm_copy)
        .post("/cases/{case}/captures", CaseWrite, content::capture_page)
        .post("/cases/{case}/copies/{copy}/whitelist", CaseWrite, copies::whitelist_copy)
        .get("/cases/{case}/copies/{copy}/thumbnail", CaseRead, copies::copy_thumbnail)
        .post("/cases/{case}/import/{import}", CaseWrite, imports::choose)
        .get("/cases/{case}/incidents/new", CaseWrite, incidents::new_page)
        .get("/cases/{case}/incidents/{incident}", CaseRead, incidents::show)
        .get("/cases/{case}/incidents/{incident}/edit", CaseWrite, incidents::edit_page)
        .get("/cases/{case}/incidents/{incident}/history", CaseRead, incidents::history)
        .get("/cases/{case}/incidents/{incident}/delete", CaseWrite, incidents::delete_page)
        .post("/cases/{case}/incidents/{incident}/delete", CaseWrite, incidents::delete)
        .get("/cases/{case}/people", CaseRead, people::list)
        .post("/cases/{case}/people", CaseWrite, people::create)
        .get("/cases/{case}/people/new", CaseWrite, people::new_page)
        .get("/cases/{case}/people/{person}", CaseRead, people::show)
        .post("/cases/{case}/people/{person}", CaseWrite, people::update)
        .get("/cases/{case}/people/{person}/edit", CaseWrite, people::edit_page)
        .post("/cases/{case}/people/{person}/delete", CaseWrite, people::delete)
        .get("/cases/{case}/evidence/{evidence}", CaseRead, evidence::show)
        .get("/cases/{case}/evidence/{evidence}/content", CaseRead, evidence::content)
        .get("/cases/{case}/evidence/{evidence}/thumbnail", CaseRead, evidence::thumbnail)
        .post("/cases/{case}/evidence/{evidence}/attach", CaseWrite, evidence::attach)
        .post("/cases/{case}/evidence/{evidence}/delete", CaseWrite, evidence::delete)
        .upload("/cases/{case}/incidents", CaseWrite, incidents::create)
        .upload("/cases/{case}/incidents/{incident}", CaseWrite, incidents::update)
        .upload("/cases/{case}/incidents/{incident}/evidence", CaseWrite, evidence::upload)
        .upload("/cases/{case}/import", CaseWrite, imports::upload)
        .upload("/cases/{case}/content", CaseWrite, content::add)
        .upload("/inbox/{token}", InboxLink, inbox::report)
        .upload("/cases/{case}/content/check", CaseRead, content::check);
    let (router, routes) = table.finish();
    (router.fallback(not_found), routes)
}

async fn home(jar: CookieJar) -> Redirect {
    if jar.get(crate::auth::COOKIE).is_some() { Redirect::to("/cases") } else { Redirect::to("/login") }
}

async fn css() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], include_str!("../../assets/lodge.css"))
}

async fn js() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8")], include_str!("../../assets/lodge.js"))
}

/// Quick exit: ends the session, tells the browser to forget everything of this site, and
/// goes to the neutral site. A plain link, so it works without JavaScript.
async fn exit(axum::extract::State(state): State, jar: CookieJar) -> Response {
    leave(&state, &jar, &state.config.exit_url).await
}

/// Ends the session the cookie names, then redirects to `to`, telling the browser to clear
/// this site's cookies, storage and cache.
pub(crate) async fn leave(state: &AppState, jar: &CookieJar, to: &str) -> Response {
    if let Some(c) = jar.get(crate::auth::COOKIE)
        && let Err(e) = state.lodge.sign_out(c.value()).await
    {
        tracing::warn!(error = %e, "could not end a session");
    }
    let mut removal = Cookie::build((crate::auth::COOKIE, "")).path("/").http_only(true).build();
    removal.make_removal();
    let jar = CookieJar::new().add(removal);
    let mut response = (jar, Redirect::to(to)).into_response();
    response.headers_mut().insert("clear-site-data", HeaderValue::from_static("\"cache\", \"cookies\", \"storage\""));
    response
}

async fn not_found(axum::extract::State(state): State, jar: CookieJar) -> Response {
    // Signed in or not, the page keeps her choices (such as the neutral title).
    let session = match jar.get(crate::auth::COOKIE) {
        Some(c) => state.lodge.resume(c.value()).await.ok(),
        None => None,
    };
    error_page(session.as_ref(), &state.config, ServiceError::NotFound)
}

/// The page for an error, with a status code and a message that says what to do.
/// Adds `Retry-After` to a response for an error that passes with time (held back, busy).
pub(crate) fn retry_after(mut response: Response, error: &ServiceError) -> Response {
    if let Some(seconds) = error.retry_after()
        && let Ok(value) = HeaderValue::from_str(&seconds.to_string())
    {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

pub(crate) fn error_page(session: Option<&Session>, config: &WebConfig, error: ServiceError) -> Response {
    let (status, title) = match &error {
        ServiceError::NotFound => (StatusCode::NOT_FOUND, "Page not found"),
        ServiceError::Forbidden | ServiceError::OwnerOnly => (StatusCode::FORBIDDEN, "Not allowed"),
        ServiceError::ReadOnly => (StatusCode::FORBIDDEN, "Read only"),
        ServiceError::ShareEnded => (StatusCode::NOT_FOUND, "Link no longer works"),
        ServiceError::TooLarge { .. } => (StatusCode::PAYLOAD_TOO_LARGE, "File too large"),
        ServiceError::Conflict => (StatusCode::CONFLICT, "Changed elsewhere"),
        ServiceError::ChangedOutside => (StatusCode::CONFLICT, "Changed outside Lodge"),
        ServiceError::SessionEnded | ServiceError::AccountDisabled => {
            return Redirect::to("/login?ended=1").into_response();
        }
        ServiceError::SecondFactorNeeded => return Redirect::to("/login/code").into_response(),
        ServiceError::TooManyAttempts { .. } | ServiceError::Busy => (StatusCode::TOO_MANY_REQUESTS, "Please wait"),
        ServiceError::Invalid(_)
        | ServiceError::SignInFailed
        | ServiceError::InvitationInvalid
        | ServiceError::SignupClosed => (StatusCode::BAD_REQUEST, "Something needs fixing"),
        ServiceError::Internal(detail) => {
            tracing::error!(%detail, "internal error");
            (StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong")
        }
    };
    let body = html! {
        h1 { (title) }
        p { (error.user_message()) }
        p { a href="/" { "Go to your cases" } }
    };
    retry_after((status, layout::page(session, config, title, body)).into_response(), &error)
}

/// A response for a form post whose anti-forgery token did not match.
pub(crate) fn stale_form(session: Option<&Session>, config: &WebConfig) -> Response {
    let body = html! {
        h1 { "Please try again" }
        p { "This form was open too long or came from another page. Go back, reload the page and send it again. What you typed is still in the form when you go back." }
    };
    (StatusCode::FORBIDDEN, layout::page(session, config, "Please try again", body)).into_response()
}
