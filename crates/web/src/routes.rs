//! The route table: every address Lodge answers, each method with who may use it. The
//! router is built from this table and nothing else, and the authorisation matrix test walks
//! the same table ([`crate::route_table`]), so a new route cannot be added without saying who
//! may use it, nor escape the test.

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::handler::Handler;
use axum::routing::MethodRouter;

use crate::AppState;

/// Who may use a route. Case routes also depend on how the person holds that case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Allowed {
    /// Anyone, signed in or not.
    Public,
    /// Anyone signed in.
    SignedIn,
    /// Survivors (who keep cases of their own).
    Survivor,
    /// Administrators.
    Admin,
    /// Whoever holds the case: its owner, or someone she granted it to.
    CaseRead,
    /// Its owner, or someone she granted read and add access.
    CaseWrite,
    /// Its owner only (sharing it, reading who looked).
    CaseOwner,
    /// Whoever holds a live police share link (the token in the address is the key).
    ShareLink,
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
