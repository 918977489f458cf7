//! `GET /metrics` in the Prometheus text format, served only on its own listener
//! (`ROSTER_METRICS_ADDR`, e.g. `127.0.0.1:9100`; unset: off), never on the public address.
//!
//! Counters and histograms are recorded through the `metrics` facade where things happen (the
//! request layer below; sign-ins, lockouts and mail failures in the app crate); the gauges that
//! describe state (the outbox, the connection pool) are read from it at each scrape.
//! metrics-exporter-prometheus renders them (a well-kept exporter rather than hand-written
//! text), without its own HTTP listener: axum serves it here.

use app::auth::server::guard::Mailroom;
use app::server::db::Db;
use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;
use std::time::Instant;

/// Request latency buckets, in seconds: the pages answer in milliseconds, sign-in in tenths.
const BUCKETS: &[f64] = &[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

/// The process's recorder, installed at the first call (the facade holds one per process).
pub fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new();
        let builder = builder.set_buckets_for_metric(Matcher::Suffix("_seconds".into()), BUCKETS).unwrap_or_else(|_| PrometheusBuilder::new());
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("a metrics recorder was already installed; /metrics will be empty");
        }
        handle
    })
}

/// Counts every request and times it, by route (the matched pattern, so ids never become
/// labels), method and status.
pub async fn track(req: Request, next: Next) -> Response {
    let route = req.extensions().get::<MatchedPath>().map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = req.method().as_str().to_owned();
    let started = Instant::now();
    let res = next.run(req).await;
    let labels = [("route", route), ("method", method), ("status", res.status().as_u16().to_string())];
    metrics::counter!("roster_http_requests_total", &labels).increment(1);
    metrics::histogram!("roster_http_request_duration_seconds", &labels).record(started.elapsed().as_secs_f64());
    res
}

#[derive(Clone)]
struct Scrape {
    db: Db,
    room: Mailroom,
}

/// The `/metrics` app, for its own listener.
pub fn router(db: Db, room: Mailroom) -> Router {
    handle();
    Router::new().route("/metrics", get(render)).with_state(Scrape { db, room })
}

async fn render(State(scrape): State<Scrape>) -> Response {
    let (connections, idle) = scrape.db.pool_usage();
    metrics::gauge!("roster_db_pool_connections").set(f64::from(connections));
    metrics::gauge!("roster_db_pool_idle_connections").set(idle as f64);
    match app::mail::server::service::queue(&scrape.room).await {
        Ok(queue) => {
            metrics::gauge!("roster_outbox_queued").set(queue.depth as f64);
            metrics::gauge!("roster_outbox_oldest_queued_age_seconds").set(queue.oldest_age_ms as f64 / 1000.0);
        }
        Err(err) => tracing::warn!(%err, "metrics: could not read the outbox"),
    }
    let handle = handle();
    handle.run_upkeep();
    ([(axum::http::header::CONTENT_TYPE, "text/plain; version=0.0.4")], handle.render()).into_response()
}
