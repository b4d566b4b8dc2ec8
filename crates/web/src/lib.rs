//! Lodge on the web: server-rendered pages that work without JavaScript, and a JSON API
//! under `/api/v1` described by OpenAPI. Every response carries the safety headers
//! ([`safety`]); every page carries the quick exit ([`pages::layout`]).

mod api;
mod auth;
mod extract;
mod failure;
mod http;
mod metrics;
mod pages;
mod routes;
mod safety;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use lodge_service::Lodge;

pub use api::openapi_json;
pub use routes::{Allowed, RouteInfo};

/// Settings for the web layer.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// The address people reach Lodge at, e.g. `https://lodge.example.org`.
    pub public_url: String,
    /// Where quick exit sends her: a neutral site.
    pub exit_url: String,
    /// The organisation's name, shown on pages.
    pub organisation: String,
    /// Use a neutral title ("Notes") on every page for everyone.
    pub neutral_title: bool,
    /// Time zone offered first on forms (IANA name).
    pub default_time_zone: String,
    /// Where to get help, shown next to risk themes. Each organisation lists its own.
    pub support_services: Vec<SupportService>,
    /// Take the client's address from `X-Forwarded-For` (behind a reverse proxy that sets it).
    pub trust_forwarded_for: bool,
    /// The bearer token `/metrics` asks for; without one, `/metrics` is not served.
    pub metrics_token: Option<MetricsToken>,
}

/// The token a metrics collector sends. Kept only as its SHA-256; never printed.
#[derive(Clone)]
pub struct MetricsToken([u8; 32]);

impl MetricsToken {
    /// The token from its text; `None` for an empty one (metrics off).
    pub fn new(text: &str) -> Option<MetricsToken> {
        let text = text.trim();
        (!text.is_empty()).then(|| MetricsToken(lodge_crypto::sha256(text.as_bytes())))
    }

    /// Whether `offered` is the token.
    fn matches(&self, offered: &str) -> bool {
        lodge_crypto::sha256(offered.as_bytes()) == self.0
    }
}

impl std::fmt::Debug for MetricsToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MetricsToken(…)")
    }
}

/// A service a survivor can contact: the organisation's own helpline, a national stalking
/// helpline, a sex workers' project.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SupportService {
    /// Its name.
    pub name: String,
    /// What it does, in a few words.
    #[serde(default)]
    pub about: String,
    /// Phone number.
    #[serde(default)]
    pub phone: String,
    /// Opening hours.
    #[serde(default)]
    pub hours: String,
    /// Web address.
    #[serde(default)]
    pub url: String,
}

impl WebConfig {
    fn secure_cookies(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}

#[derive(Debug)]
pub(crate) struct AppState {
    pub lodge: Lodge,
    pub config: WebConfig,
    pub metrics: metrics::Metrics,
    pub rules: routes::Rules,
}

pub(crate) type State = axum::extract::State<Arc<AppState>>;

/// Every route Lodge serves, pages and API, with who may use it.
fn routes() -> (Router<Arc<AppState>>, Vec<RouteInfo>) {
    let (pages, mut table) = pages::routes();
    let (api, api_table) = api::routes();
    let (others, others_table) = routes::Table::new("")
        .get("/healthz", Allowed::Public, api::health)
        .get("/metrics", Allowed::Collector, metrics::show)
        .finish();
    table.extend(api_table);
    table.extend(others_table);
    (pages.nest("/api/v1", api).merge(others), table)
}

/// The route table the router is built from: every method at every address, with who may
/// use it (for the authorisation matrix test and for documentation).
pub fn route_table() -> Vec<RouteInfo> {
    routes().1
}

/// Everything Lodge serves, pages and API.
pub fn router(lodge: Lodge, config: WebConfig) -> Router {
    let (router, table) = routes();
    let state = Arc::new(AppState { lodge, config, metrics: metrics::Metrics::new(), rules: routes::rules(&table) });
    router
        .layer(axum::middleware::from_fn_with_state(Arc::clone(&state), routes::guard))
        .layer(axum::middleware::from_fn_with_state(Arc::clone(&state), metrics::record))
        // Uploads stream to encrypted storage and the service enforces the per-file limit, so
        // the body limit is lifted on the routes that take files (see `pages` and `api`).
        .layer(DefaultBodyLimit::max(4 * 1024 * 1024))
        .layer(axum::middleware::from_fn_with_state(Arc::clone(&state), safety::headers))
        .with_state(state)
}
