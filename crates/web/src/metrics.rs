//! Prometheus metrics at `/metrics`, served only to a collector with the configured bearer
//! token (`LODGE_METRICS_TOKEN`): requests counted by method, route and status, and their
//! duration, and the durable jobs by kind and state (read from the database, so every node
//! reports the whole queue). A route is its template (`/api/v1/cases/{case}`), so no label ever
//! carries an id or anything a person typed; unmatched paths are counted as `unmatched`.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::AppState;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct JobLabels {
    kind: String,
    state: String,
}

type Durations = Family<RouteLabels, Histogram, fn() -> Histogram>;

/// The metrics Lodge keeps.
#[derive(Debug)]
pub(crate) struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    durations: Durations,
    jobs: Family<JobLabels, Gauge>,
    changed_outside: Counter,
}

fn duration_histogram() -> Histogram {
    // 1 ms to about 16 s.
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

impl Metrics {
    pub(crate) fn new() -> Metrics {
        let mut registry = Registry::with_prefix("lodge");
        let requests = Family::<RequestLabels, Counter>::default();
        let durations: Durations = Family::new_with_constructor(duration_histogram);
        registry.register("http_requests", "HTTP requests answered", requests.clone());
        registry.register("http_request_duration_seconds", "Time to answer HTTP requests", durations.clone());
        let jobs = Family::<JobLabels, Gauge>::default();
        registry.register("jobs", "Durable jobs by kind and state", jobs.clone());
        let changed_outside = Counter::default();
        registry.register(
            "records_changed_outside",
            "Records found, when read, not to match their case's log (changed outside Lodge)",
            changed_outside.clone(),
        );
        Metrics { registry, requests, durations, jobs, changed_outside }
    }
}

/// Counts and times every request.
pub(crate) async fn record(
    axum::extract::State(state): axum::extract::State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let method = request.method().to_string();
    let route = request.extensions().get::<MatchedPath>().map_or("unmatched", |p| p.as_str()).to_owned();
    let response = next.run(request).await;
    let metrics = &state.metrics;
    let status = response.status().as_u16();
    metrics.requests.get_or_create(&RequestLabels { method: method.clone(), route: route.clone(), status }).inc();
    metrics.durations.get_or_create(&RouteLabels { method, route }).observe(started.elapsed().as_secs_f64());
    response
}

/// The metrics in the OpenMetrics text format.
/// The metrics, for a collector that sends the configured bearer token; to anyone else (and
/// when no token is configured) the address does not exist.
pub(crate) async fn show(
    axum::extract::State(state): axum::extract::State<Arc<AppState>>,
    headers: axum::http::HeaderMap,
) -> Response {
    let offered = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    if !state.config.metrics_token.as_ref().is_some_and(|t| t.matches(offered)) {
        return axum::http::StatusCode::NOT_FOUND.into_response();
    }
    match state.lodge.job_counts().await {
        Ok(counts) => {
            state.metrics.jobs.clear();
            for (kind, job_state, n) in counts {
                state.metrics.jobs.get_or_create(&JobLabels { kind, state: job_state }).set(n);
            }
        }
        Err(e) => tracing::warn!(error = %e, "could not count jobs for the metrics"),
    }
    let found = lodge_service::integrity::changed_outside_total();
    state.metrics.changed_outside.inc_by(found.saturating_sub(state.metrics.changed_outside.get()));
    let mut text = String::new();
    if prometheus_client::encoding::text::encode(&mut text, &state.metrics.registry).is_err() {
        return axum::http::StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    ([(header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")], text).into_response()
}
