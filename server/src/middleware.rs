//! The layers every request passes: deny-by-default sessions, same-origin writes, security
//! headers.

use app::auth::server::guard::{self, AppState, Authenticated};
use app::auth::server::session;
use app::error::{AppError, DATABASE_UNAVAILABLE};
use app::server::nonce::NonceSlot;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

/// Paths reachable without a session. Everything else, including every server function not
/// under `/api/public/`, needs one.
fn is_public(path: &str) -> bool {
    path == "/login" || path == "/invitation" || path.starts_with("/api/public/") || is_anyones(path)
}

/// Paths whose answer is the same for everyone: the session is not even looked up, so that a
/// probe carrying a cookie still answers while the database is down, and a static file costs
/// no query.
fn is_anyones(path: &str) -> bool {
    path.starts_with("/pkg/") || path == "/favicon.svg" || path == "/healthz" || path == "/readyz"
}

/// Resolves the session cookie once per request and stores the result for the permission
/// guard. Without a live session a page load goes to `/login` and a server function gets 401.
pub async fn require_session(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    if is_anyones(&path) {
        return next.run(req).await;
    }
    let sent_cookie = session::token_from_headers(&state.settings, req.headers()).is_some();
    let auth: Option<Authenticated> = match session::token_from_headers(&state.settings, req.headers()) {
        Some(token) => match guard::resolve_session(&state, &token).await {
            Ok(auth) => auth,
            // Never taken for a valid session, nor for none: the database did not answer.
            Err(err) => {
                tracing::warn!(%err, "could not resolve the session");
                return unavailable(path.starts_with("/api/"));
            }
        },
        None => None,
    };
    match auth {
        Some(auth) => {
            if path == "/login" {
                return Redirect::to("/").into_response();
            }
            req.extensions_mut().insert(auth);
            next.run(req).await
        }
        None if is_public(&path) => next.run(req).await,
        None if path.starts_with("/api/") => unauthenticated(),
        // A cookie that names no live session: revoked, signed out elsewhere, expired. Say so
        // on the sign-in page, and make the browser forget it.
        None if sent_cookie => {
            let mut res = Redirect::to("/login?session=ended").into_response();
            if let Ok(clear) = HeaderValue::from_str(&session::clear_cookie(&state.settings)) {
                res.headers_mut().append(header::SET_COOKIE, clear);
            }
            res
        }
        None => Redirect::to("/login").into_response(),
    }
}

/// 503 while the database cannot answer: the error a server function's caller understands, or a
/// page saying so; try again in a few seconds.
fn unavailable(server_function: bool) -> Response {
    let (content_type, body) = if server_function {
        ("application/json", serde_json::to_string(&AppError::Unavailable(DATABASE_UNAVAILABLE.into())).unwrap_or_default())
    } else {
        (
            "text/html; charset=utf-8",
            format!(
                "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Temporarily unavailable - Roster</title>\
                 <meta http-equiv=\"refresh\" content=\"5\"></head><body><main><h1>Temporarily unavailable</h1><p>{DATABASE_UNAVAILABLE}</p>\
                 <p>This page tries again by itself every few seconds.</p></main></body></html>"
            ),
        )
    };
    Response::builder()
        .status(StatusCode::SERVICE_UNAVAILABLE)
        .header(header::CONTENT_TYPE, content_type)
        .header(header::RETRY_AFTER, "5")
        .body(Body::from(body))
        .unwrap_or_else(|_| StatusCode::SERVICE_UNAVAILABLE.into_response())
}

fn unauthenticated() -> Response {
    let body = serde_json::to_string(&AppError::Unauthenticated).unwrap_or_default();
    Response::builder()
        .status(StatusCode::UNAUTHORIZED)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body))
        .unwrap_or_else(|_| StatusCode::UNAUTHORIZED.into_response())
}

/// Refuses state-changing requests that a browser sent from another site, and those with the
/// session cookie that say neither where they come from (`Origin`) nor how (`Sec-Fetch-Site`).
/// SameSite cookies already stop most; this also covers same-site subdomains and old browsers.
pub async fn same_origin_writes(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let headers = req.headers();
    let fetch_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    let cross_site_fetch = matches!(fetch_site, Some(site) if site != "same-origin" && site != "none");
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let foreign_origin = match origin {
        None => false,
        Some(origin) => {
            let origin_host = origin.split_once("://").map(|(_, rest)| rest).unwrap_or(origin);
            origin != state.settings.public_url && Some(origin_host) != host
        }
    };
    // Every browser sends one of the two headers with a write; a write that carries the
    // session cookie and neither cannot be shown to come from Roster's own pages.
    let unattributed = fetch_site.is_none() && origin.is_none() && session::token_from_headers(&state.settings, headers).is_some();
    if cross_site_fetch || foreign_origin || unattributed {
        tracing::warn!(?origin, ?fetch_site, unattributed, "refused a cross-origin write");
        return (StatusCode::FORBIDDEN, "Cross-origin request refused").into_response();
    }
    next.run(req).await
}

/// The largest request body accepted, in bytes (the router's limit layer answers 413 beyond).
pub const BODY_LIMIT: usize = 64 * 1024;

/// No text Roster keeps may hold a NUL character: Postgres refuses one in text (a search or a
/// name carrying one was a 500), and nobody types one. A request that carries one, encoded in
/// its query or its body (`%00` in a form, `\u0000` in JSON), is answered 400 before anything
/// reads it. Bodies are read whole here, within the body limit the layer outside sets.
pub async fn refuse_nul(req: Request, next: Next) -> Response {
    if req.uri().query().is_some_and(|q| holds_nul(q.as_bytes())) {
        return nul_refused();
    }
    if req.method() != Method::POST {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, BODY_LIMIT).await else {
        return (StatusCode::PAYLOAD_TOO_LARGE, "The request is too large.").into_response();
    };
    if holds_nul(&bytes) {
        return nul_refused();
    }
    next.run(Request::from_parts(parts, Body::from(bytes))).await
}

fn holds_nul(bytes: &[u8]) -> bool {
    bytes.contains(&0)
        || bytes.windows(3).any(|w| w.eq_ignore_ascii_case(b"%00"))
        || bytes.windows(6).any(|w| w.eq_ignore_ascii_case(b"\\u0000"))
}

fn nul_refused() -> Response {
    (StatusCode::BAD_REQUEST, "Text may not contain NUL characters.").into_response()
}

/// The Content-Security-Policy of a response. A page rendered by Leptos runs only the inline
/// scripts that carry its render's `nonce` and what they load ('strict-dynamic': the WASM
/// bootstrap imports /pkg/*.js), and compiles WebAssembly ('wasm-unsafe-eval'); no
/// 'unsafe-inline' anywhere, so an injected script or style attribute does nothing. Anything
/// else (server-function answers, files, errors) may run no script at all. Styles come only
/// from /pkg. `cargo leptos watch` reloads over a websocket on its own port.
fn content_security_policy(nonce: Option<&str>, dev: bool) -> String {
    let script = match nonce {
        Some(nonce) => format!("'nonce-{nonce}' 'strict-dynamic' 'wasm-unsafe-eval'"),
        None => "'none'".to_owned(),
    };
    let connect = if dev { "'self' ws://127.0.0.1:* ws://localhost:*" } else { "'self'" };
    format!(
        "default-src 'self'; script-src {script}; style-src 'self'; img-src 'self' data:; connect-src {connect}; \
         object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    )
}

/// What Roster never asks the browser for: denied to the page and to anything it embeds.
const PERMISSIONS_POLICY: &str =
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=()";

/// Security headers on every response, and cache headers for static files. `https`: the
/// public URL is https, so browsers are told to use nothing else for a year (HSTS; over plain
/// http the header would be ignored, and on a local http URL it would lock a developer out).
pub async fn security_headers(dev: bool, https: bool, mut req: Request, next: Next) -> Response {
    let static_asset = req.uri().path().starts_with("/pkg/") || req.uri().path() == "/favicon.svg";
    // The invitation page's URL holds its token: no Referer may carry it elsewhere.
    let referrer = if req.uri().path() == "/invitation" { "no-referrer" } else { "same-origin" };
    let nonce = NonceSlot::default();
    req.extensions_mut().insert(nonce.clone());
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&content_security_policy(nonce.get(), dev)) {
        h.insert(header::CONTENT_SECURITY_POLICY, value);
    }
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static(referrer));
    h.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    h.insert("permissions-policy", HeaderValue::from_static(PERMISSIONS_POLICY));
    if https {
        h.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000"));
    }
    if static_asset && res.status().is_success() {
        // File names carry a content hash (cargo-leptos `hash-files`), so they never change.
        let cache = if dev { "no-cache" } else { "public, max-age=31536000, immutable" };
        res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    } else if !res.headers().contains_key(header::CACHE_CONTROL) {
        res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

#[cfg(test)]
mod tests {
    use super::{holds_nul, is_anyones, is_public};

    #[test]
    fn a_nul_is_found_however_it_is_encoded_and_nothing_else_is_taken_for_one() {
        for carried in [&b"a\0b"[..], b"search=a%00b", b"search=a%00", b"{\"s\":\"a\\u0000\"}"] {
            assert!(holds_nul(carried), "{carried:?}");
        }
        // What a person can type: a percent sign and a backslash, encoded by the browser.
        for typed in [&b"password=100%2500"[..], b"search=%5Cu0000", b"search=a%20b", b""] {
            assert!(!holds_nul(typed), "{typed:?}");
        }
    }

    #[test]
    fn only_sign_in_assets_and_probes_are_public() {
        for path in ["/login", "/invitation", "/api/public/login", "/api/public/open_invitation", "/pkg/roster.wasm", "/healthz", "/readyz", "/favicon.svg"] {
            assert!(is_public(path), "{path} should be public");
        }
        for path in ["/", "/users", "/account", "/invitations", "/invitation/x", "/api/list_users", "/api/invite_user", "/api/logout", "/login/x", "/api/publicity"] {
            assert!(!is_public(path), "{path} should need a session");
        }
        // Public, but what they show depends on who asks (signed in already goes to /).
        for path in ["/login", "/invitation", "/api/public/login"] {
            assert!(!is_anyones(path), "{path} looks at the session");
        }
    }
}
