//! The pages: server-rendered HTML, usable without JavaScript and on a 360 px phone.
//! Each module owns the pages of one thing: accounts, cases and the timeline, incidents,
//! people, evidence, the case log, and reports.

mod accounts;
mod cases;
mod content;
mod course;
mod evidence;
mod form;
mod imports;
mod incidents;
pub(crate) mod layout;
mod log;
pub(crate) mod notices;
mod people;
mod reports;
mod watch;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::cookie::{Cookie, CookieJar};
use lodge_service::{ServiceError, Session};
use maud::html;

use crate::{AppState, State, WebConfig};
pub(crate) use evidence::{download, drain};
pub(crate) use form::FormData;
pub(crate) use reports::{Format as ReportDownload, attachment, download as report_download};

/// The page routes.
pub(crate) fn routes() -> Router<Arc<AppState>> {
    let uploads = Router::new()
        .route("/cases/{case}/incidents", post(incidents::create))
        .route("/cases/{case}/incidents/{incident}", post(incidents::update))
        .route("/cases/{case}/incidents/{incident}/evidence", post(evidence::upload))
        .route("/cases/{case}/import", post(imports::upload))
        .route("/cases/{case}/content", post(content::add))
        .route("/cases/{case}/content/check", post(content::check))
        .layer(DefaultBodyLimit::disable());
    Router::new()
        .route("/", get(home))
        .route("/static/lodge.css", get(css))
        .route("/static/lodge.js", get(js))
        .route("/exit", get(exit))
        .route("/login", get(accounts::login_page).post(accounts::login))
        .route("/logout", post(accounts::logout))
        .route("/join/{token}", get(accounts::join_page).post(accounts::join))
        .route("/signup", get(accounts::signup_page).post(accounts::signup))
        .route("/recover", get(accounts::recover_page).post(accounts::recover))
        .route("/account", get(accounts::account_page))
        .route("/account/password", post(accounts::change_password))
        .route("/account/neutral-title", post(accounts::neutral_title))
        .route("/admin", get(accounts::admin_page))
        .route("/admin/invitations", post(accounts::invite))
        .route("/admin/signup", post(accounts::signup_setting))
        .route("/cases", get(cases::list).post(cases::create))
        .route("/cases/{case}", get(cases::timeline))
        .route("/cases/{case}/rename", post(cases::rename))
        .route("/cases/{case}/log", get(log::show))
        .route("/cases/{case}/report", get(reports::show).post(reports::make))
        .route("/cases/{case}/import", get(imports::show))
        .route("/cases/{case}/content", get(content::show))
        .route("/cases/{case}/content/scan", post(content::scan))
        .route("/cases/{case}/content/{content}/delete", post(content::delete))
        .route("/cases/{case}/content/{content}/thumbnail", get(content::content_thumbnail))
        .route("/cases/{case}/scans/{scan}/cancel", post(content::cancel_scan))
        .route("/cases/{case}/accounts", post(content::add_account))
        .route("/cases/{case}/accounts/{account}/delete", post(content::delete_account))
        .route("/cases/{case}/copies", get(content::copies))
        .route("/cases/{case}/notices", get(notices::list).post(notices::create))
        .route("/cases/{case}/notices/new", get(notices::new))
        .route("/cases/{case}/notices/{notice}", get(notices::show))
        .route("/cases/{case}/notices/{notice}/letter", get(notices::letter))
        .route("/cases/{case}/notices/{notice}/send", post(notices::send))
        .route("/cases/{case}/notices/{notice}/status", post(notices::set_status))
        .route("/cases/{case}/rechecks", post(notices::recheck))
        .route("/cases/{case}/watch", get(watch::show).post(watch::add))
        .route("/cases/{case}/watch/run", post(watch::run))
        .route("/cases/{case}/watch/{watch}/reviewed", post(watch::reviewed))
        .route("/cases/{case}/watch/{watch}/delete", post(watch::delete))
        .route("/cases/{case}/copies/{copy}/confirm", post(content::confirm_copy))
        .route("/cases/{case}/copies/{copy}/whitelist", post(content::whitelist_copy))
        .route("/cases/{case}/copies/{copy}/thumbnail", get(content::copy_thumbnail))
        .route("/cases/{case}/import/{import}", post(imports::choose))
        .route("/cases/{case}/incidents/new", get(incidents::new_page))
        .route("/cases/{case}/incidents/{incident}", get(incidents::show))
        .route("/cases/{case}/incidents/{incident}/edit", get(incidents::edit_page))
        .route("/cases/{case}/incidents/{incident}/history", get(incidents::history))
        .route("/cases/{case}/incidents/{incident}/delete", get(incidents::delete_page).post(incidents::delete))
        .route("/cases/{case}/people", get(people::list).post(people::create))
        .route("/cases/{case}/people/new", get(people::new_page))
        .route("/cases/{case}/people/{person}", get(people::show).post(people::update))
        .route("/cases/{case}/people/{person}/edit", get(people::edit_page))
        .route("/cases/{case}/people/{person}/delete", post(people::delete))
        .route("/cases/{case}/evidence/{evidence}", get(evidence::show))
        .route("/cases/{case}/evidence/{evidence}/content", get(evidence::content))
        .route("/cases/{case}/evidence/{evidence}/thumbnail", get(evidence::thumbnail))
        .route("/cases/{case}/evidence/{evidence}/attach", post(evidence::attach))
        .route("/cases/{case}/evidence/{evidence}/delete", post(evidence::delete))
        .merge(uploads)
        .fallback(not_found)
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
pub(crate) fn error_page(session: Option<&Session>, config: &WebConfig, error: ServiceError) -> Response {
    let (status, title) = match &error {
        ServiceError::NotFound => (StatusCode::NOT_FOUND, "Page not found"),
        ServiceError::Forbidden => (StatusCode::FORBIDDEN, "Not allowed"),
        ServiceError::TooLarge { .. } => (StatusCode::PAYLOAD_TOO_LARGE, "File too large"),
        ServiceError::Conflict => (StatusCode::CONFLICT, "Changed elsewhere"),
        ServiceError::SessionEnded | ServiceError::AccountDisabled => {
            return Redirect::to("/login?ended=1").into_response();
        }
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
    (status, layout::page(session, config, title, body)).into_response()
}

/// Runs a signed-in form's action once its anti-forgery token is checked, then redirects to
/// `to`; an error gets its page.
pub(crate) async fn act_then_redirect(
    state: &AppState,
    session: &Session,
    form: &FormData,
    to: &str,
    action: impl std::future::Future<Output = Result<(), ServiceError>>,
) -> Response {
    if !session.form_token_matches(form.get("csrf")) {
        return stale_form(session, &state.config);
    }
    match action.await {
        Ok(()) => Redirect::to(to).into_response(),
        Err(e) => error_page(Some(session), &state.config, e),
    }
}

/// A response for a form post whose anti-forgery token did not match.
pub(crate) fn stale_form(session: &Session, config: &WebConfig) -> Response {
    let body = html! {
        h1 { "Please try again" }
        p { "This form was open too long or came from another page. Go back, reload the page and send it again. What you typed is still in the form when you go back." }
    };
    (StatusCode::FORBIDDEN, layout::page(Some(session), config, "Please try again", body)).into_response()
}
