//! The route table: every address Lodge answers, each method with who may use it. The
//! router is built from this table and nothing else, and the authorisation matrix test walks
//! the same table ([`crate::route_table`]), so a new route cannot be added without saying who
//! may use it, nor escape the test.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request};
use axum::handler::Handler;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;
use lodge_domain::{Access, Role};
use lodge_service::ServiceError;

use crate::AppState;
use crate::extract::{Caller, Resolved};
use crate::failure::{Face, Failed, Failure};

/// Who may use a route. Case routes also depend on how the person holds that case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Allowed {
    /// Anyone, signed in or not.
    Public,
    /// A metrics collector with the configured token; to anyone else the address does not exist.
    Collector,
    /// Anyone signed in.
    SignedIn,
    /// Survivors (who keep cases of their own).
    Survivor,
    /// Administrators.
    Admin,
    /// The organisation's staff: administrators and support workers.
    Staff,
    /// Whoever holds the case: its owner, or someone she granted it to.
    CaseRead,
    /// Its owner, or someone she granted read and add access.
    CaseWrite,
    /// Its owner only (sharing it, reading who looked).
    CaseOwner,
    /// Whoever holds a live police share link (its secret, posted in the form, is the key).
    ShareLink,
    /// Whoever holds a live inbox link: someone she trusts, reporting on her behalf.
    InboxLink,
}

/// One method at one address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteInfo {
    /// The HTTP method.
    pub method: &'static str,
    /// The path template, with `{name}` for each parameter.
    pub path: String,
    /// Who may use it.
    pub allowed: Allowed,
    /// Whether it takes files (a multipart body).
    pub takes_files: bool,
}

/// Builds a router and its table together.
pub(crate) struct Table {
    router: Router<Arc<AppState>>,
    prefix: &'static str,
    routes: Vec<RouteInfo>,
}

type Route = MethodRouter<Arc<AppState>>;

impl Table {
    /// A table whose paths are served under `prefix` (such as `/api/v1`).
    pub(crate) fn new(prefix: &'static str) -> Table {
        Table { router: Router::new(), prefix, routes: Vec::new() }
    }

    fn add(mut self, method: &'static str, path: &str, allowed: Allowed, route: Route) -> Table {
        self.router = self.router.route(path, route);
        self.routes.push(RouteInfo { method, path: format!("{}{path}", self.prefix), allowed, takes_files: false });
        self
    }

    pub(crate) fn get<H: Handler<T, Arc<AppState>>, T: 'static>(self, path: &str, allowed: Allowed, h: H) -> Table {
        self.add("GET", path, allowed, axum::routing::get(h))
    }

    pub(crate) fn post<H: Handler<T, Arc<AppState>>, T: 'static>(self, path: &str, allowed: Allowed, h: H) -> Table {
        self.add("POST", path, allowed, axum::routing::post(h))
    }

    pub(crate) fn put<H: Handler<T, Arc<AppState>>, T: 'static>(self, path: &str, allowed: Allowed, h: H) -> Table {
        self.add("PUT", path, allowed, axum::routing::put(h))
    }

    pub(crate) fn delete<H: Handler<T, Arc<AppState>>, T: 'static>(self, path: &str, allowed: Allowed, h: H) -> Table {
        self.add("DELETE", path, allowed, axum::routing::delete(h))
    }

    /// A POST that takes files: uploads stream to encrypted storage and the service enforces
    /// the per-file limit, so the body limit is lifted.
    pub(crate) fn upload<H: Handler<T, Arc<AppState>>, T: 'static>(self, path: &str, allowed: Allowed, h: H) -> Table {
        let mut table = self.add("POST", path, allowed, axum::routing::post(h).layer(DefaultBodyLimit::disable()));
        if let Some(last) = table.routes.last_mut() {
            last.takes_files = true;
        }
        table
    }

    pub(crate) fn finish(self) -> (Router<Arc<AppState>>, Vec<RouteInfo>) {
        (self.router, self.routes)
    }
}

impl Allowed {
    /// The rule's name, as `lodge routes` prints it.
    pub fn name(self) -> &'static str {
        match self {
            Allowed::Public => "public",
            Allowed::Collector => "collector",
            Allowed::SignedIn => "signed-in",
            Allowed::Survivor => "survivor",
            Allowed::Admin => "admin",
            Allowed::Staff => "staff",
            Allowed::CaseRead => "case-read",
            Allowed::CaseWrite => "case-write",
            Allowed::CaseOwner => "case-owner",
            Allowed::ShareLink => "share-link",
            Allowed::InboxLink => "inbox-link",
        }
    }

    /// Why someone holding a case with `access` may not use a route with this rule, if they
    /// may not: the one place the case rules are written (the guard and the extractors use it).
    pub(crate) fn refuses(self, access: Access) -> Option<ServiceError> {
        match self {
            Allowed::CaseOwner if access != Access::Owner => Some(ServiceError::OwnerOnly),
            Allowed::CaseWrite if !access.can_write() => Some(ServiceError::ReadOnly),
            _ => None,
        }
    }
}

/// Who may use each route, by method and path template.
pub(crate) type Rules = HashMap<String, Vec<(&'static str, Allowed)>>;

/// The rules of a table.
pub(crate) fn rules(table: &[RouteInfo]) -> Rules {
    let mut rules = Rules::new();
    for r in table {
        rules.entry(r.path.clone()).or_default().push((r.method, r.allowed));
    }
    rules
}

/// Serves every request in three steps. First, who is asking: for a route that needs a
/// signed-in person, the session is resumed once, and for a case's address the case is opened
/// once, both left in the request for the handler's extractors ([`crate::extract`]). Second,
/// the route's rule: a request the rule does not allow is refused before its handler reads
/// anything, so that the answer to someone who may not act is the same whatever they sent —
/// 403 for an account of the wrong kind or a case held read-only (or not hers to share).
/// Everything else (no session, no such case) is the extractors' to answer; the service checks
/// again whatever it is asked to do. Third, a handler's [`Failure`](crate::failure::Failure) is
/// rendered: a page in her frame, or the API's JSON error.
pub(crate) async fn guard(
    axum::extract::State(state): axum::extract::State<Arc<AppState>>,
    matched: Option<MatchedPath>,
    request: Request,
    next: Next,
) -> Response {
    let (mut parts, body) = request.into_parts();
    let face = Face::of(parts.uri.path());
    let rule = matched
        .as_ref()
        .and_then(|m| state.rules.get(m.as_str()))
        .and_then(|r| r.iter().find(|(m, _)| *m == parts.method.as_str()))
        .map(|(_, a)| *a);
    let resolved = match rule {
        Some(
            Allowed::SignedIn
            | Allowed::Survivor
            | Allowed::Admin
            | Allowed::Staff
            | Allowed::CaseRead
            | Allowed::CaseWrite
            | Allowed::CaseOwner,
        ) => Resolved::of(&parts, face, &state).await,
        _ => Resolved::Anonymous,
    };
    let caller = Caller::new(face, resolved);
    let session = caller.resolved.session().cloned();
    let refused = match (&session, rule) {
        (Some(s), Some(Allowed::Admin)) => (s.role != Role::Administrator).then_some(ServiceError::Forbidden),
        (Some(s), Some(Allowed::Staff)) => (s.role == Role::Survivor).then_some(ServiceError::Forbidden),
        (Some(s), Some(Allowed::Survivor)) => (s.role != Role::Survivor).then_some(ServiceError::Forbidden),
        (Some(s), Some(rule @ (Allowed::CaseRead | Allowed::CaseWrite | Allowed::CaseOwner))) => {
            match crate::extract::case_in_path(&parts) {
                Some(id) => {
                    // A change the rule refuses is refused before the case is opened: opening
                    // it would list the attempt in her access log as something done.
                    let access = match rule {
                        Allowed::CaseRead => None,
                        _ => state.lodge.case_access(s, id).await.ok().flatten(),
                    };
                    let refused = access.and_then(|a| rule.refuses(a));
                    if refused.is_none() {
                        caller.keep_case(state.lodge.open_case(s, id).await);
                    }
                    refused
                }
                None => None,
            }
        }
        _ => None,
    };
    let mut response = match refused {
        Some(e) => Failure::Service(e).into_response(),
        None => {
            parts.extensions.insert(caller);
            next.run(Request::from_parts(parts, body)).await
        }
    };
    match response.extensions_mut().remove::<Failed>() {
        None => response,
        Some(failed) => render(&state, face, session.as_deref(), failed),
    }
}

/// The answer to a failure: a page in her frame, or the API's JSON error.
fn render(state: &AppState, face: Face, session: Option<&lodge_service::Session>, failed: Failed) -> Response {
    match (face, failed) {
        (Face::Api, Failed::Service(e)) => crate::api::ApiError::from(e).into_response(),
        (Face::Page, Failed::Service(e)) => crate::pages::error_page(session, &state.config, e),
        (_, Failed::StaleForm) => crate::pages::stale_form(session, &state.config),
    }
}
