//! Assembles the axum router: Leptos pages and server functions, probes, and the layers.

use crate::middleware;
use app::auth::server::guard::{AppState, Authenticated};
use app::auth::types::Permission;
use app::live::types::LIVE_PATH;
use app::{shell, App};
use axum::extract::State;
use axum::http::{HeaderName, StatusCode};
use axum::response::Redirect;
use axum::routing::get;
use axum::Router;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, AxumRouteListing, LeptosRoutes};
use std::sync::{Arc, OnceLock};
use tower::ServiceBuilder;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

/// The whole app. `dev` relaxes caching and allows the live-reload websocket.
pub fn router(state: AppState, options: LeptosOptions, dev: bool) -> Router {
    // `/` is answered by axum with a real 303 (a Leptos <Redirect> cannot set the status once
    // streaming has begun); the Leptos route of `/` still serves client-side navigation.
    let routes = route_list().to_vec();
    let context = {
        let state = state.clone();
        move || provide_context(state.clone())
    };
    let refused_page: middleware::RenderPage = {
        let options = options.clone();
        let render = leptos_axum::render_app_async_with_context(context.clone(), move || shell(options.clone()));
        Arc::new(move |req| render(req))
    };
    let request_id = HeaderName::from_static("x-request-id");
    let https = state.settings.secure_cookies();
    let request_timeout = state.settings.request_timeout;

    let probes = Router::new()
        .route("/", get(home))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(ready))
        // Behind the session layer like a server function (401 when signed out); the request
        // timeout only bounds the time to its first byte, so the stream stays open.
        .route(LIVE_PATH, get(app::live::server::stream::stream))
        .with_state(state.clone());

    Router::new()
        .leptos_routes_with_context(&options, routes, context.clone(), {
            let options = options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context(context, shell))
        .with_state(options)
        .merge(probes)
        .layer(axum::middleware::from_fn_with_state(state.clone(), middleware::require_session))
        .layer(axum::middleware::from_fn_with_state(middleware::Writes { state, refused_page }, middleware::same_origin_writes))
        // A server function's arguments are a form of a few fields (an invitation's message,
        // the longest, is 1,000 characters): 64 KiB is plenty, and a bigger body is answered
        // 413 before anything reads it.
        .layer(axum::middleware::from_fn(middleware::refuse_nul))
        .layer(RequestBodyLimitLayer::new(middleware::BODY_LIMIT))
        // A request that has no answer within the limit (a body trickling in, a database that
        // stopped answering) gets 503 rather than holding its connection and task forever.
        .layer(TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, request_timeout))
        .layer(axum::middleware::from_fn(move |req, next| middleware::security_headers(dev, https, req, next)))
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(request_id.clone(), MakeRequestUuid))
                .layer(TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
                    let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
                    tracing::info_span!("request", id = %id, method = %req.method(), path = %req.uri().path())
                }))
                .layer(PropagateRequestIdLayer::new(request_id))
                .layer(CompressionLayer::new()),
        )
        // Outermost, so it times everything; a Router layer, so the matched route is known.
        .layer(axum::middleware::from_fn(crate::metrics::track))
}

/// The app's routes, generated once per process. `/` is left to axum (see `router`).
///
/// Generating the list runs the app with resource loading suppressed through a process-wide
/// flag, and a resource first polled by another server's request meanwhile never resolves
/// (leptos-rs/leptos#4773). A server builds its router before it listens, so only a process
/// running several servers (the integration tests) can hit that window; generating once,
/// before the first server exists, closes it for them too.
fn route_list() -> &'static [AxumRouteListing] {
    static ROUTES: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App).into_iter().filter(|r| r.path() != "/").collect())
}

/// `/`: the Users page for those who may see it, Your account for everyone else (the session
/// layer has already sent anyone signed out to sign-in).
async fn home(req: axum::extract::Request) -> Redirect {
    let sees_users = req.extensions().get::<Authenticated>().is_some_and(|auth| auth.can(Permission::UsersView));
    Redirect::to(if sees_users { "/users" } else { "/account" })
}

/// Ready when the database answers.
async fn ready(State(state): State<AppState>) -> (StatusCode, &'static str) {
    match state.ping().await {
        Ok(()) => (StatusCode::OK, "ready"),
        Err(err) => {
            tracing::warn!(%err, "database not reachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
        }
    }
}
