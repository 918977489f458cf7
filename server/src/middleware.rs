//! The layers every request passes: deny-by-default sessions, same-origin writes, security
//! headers.

use app::auth::refused_page::REFUSED_PATH;
use app::auth::server::guard::{self, AppState, Authenticated};
use app::auth::server::session;
use app::error::{AppError, DATABASE_UNAVAILABLE};
use app::live::types::LIVE_PATH;
use app::server::nonce::NonceSlot;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// Paths reachable without a session. Everything else, including every server function not
/// under `/api/public/`, needs one.
fn is_public(path: &str) -> bool {
    path == "/login" || path == "/invitation" || path == REFUSED_PATH || path.starts_with("/api/public/") || is_anyones(path)
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
        // A tab's live stream is not the person's activity: it must not keep the session from
        // going idle.
        Some(token) if path == LIVE_PATH => match guard::resolve_session_quietly(&state, &token).await {
            Ok(auth) => auth,
            Err(err) => {
                tracing::warn!(%err, "could not resolve the session");
                return unavailable(true);
            }
        },
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
///
/// `Origin: null` is what a browser sends with its own form post from a page whose referrer
/// policy is `no-referrer` (the invitation page, whose URL holds its token): it is accepted
/// when `Sec-Fetch-Site`, which a page cannot set, says the form came from this same origin
/// (docs/security.md, "Same-origin writes").
pub async fn same_origin_writes(State(writes): State<Writes>, req: Request, next: Next) -> Response {
    let state = &writes.state;
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
        Some("null") => fetch_site != Some("same-origin"),
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
        return refused(req, &writes.refused_page).await;
    }
    next.run(req).await
}

/// What [`same_origin_writes`] needs: the settings, and the app's renderer for the page it
/// answers a refused form post with.
#[derive(Clone)]
pub struct Writes {
    pub state: AppState,
    pub refused_page: RenderPage,
}

/// Renders one of the app's pages for a request (leptos_axum's handler, boxed so it can be
/// held in middleware state).
pub type RenderPage = Arc<dyn Fn(Request) -> Pin<Box<dyn Future<Output = Response> + Send>> + Send + Sync>;

/// Answers 403: a browser's own form post (it asks for HTML) gets the page that says what happened and
/// what to do, rendered by the app as a GET of [`REFUSED_PATH`] that carries nothing of the
/// refused request but its cookies and extensions (the render's nonce slot); anything else
/// gets one line.
async fn refused(req: Request, render: &RenderPage) -> Response {
    let wants_page = req.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("text/html"));
    if !wants_page {
        return (StatusCode::FORBIDDEN, "Cross-origin request refused").into_response();
    }
    let (parts, _body) = req.into_parts();
    let mut page = Request::new(Body::empty());
    *page.uri_mut() = Uri::from_static(REFUSED_PATH);
    for name in [header::COOKIE, header::HOST, header::ACCEPT, header::ACCEPT_LANGUAGE, header::USER_AGENT] {
        for value in parts.headers.get_all(&name) {
            page.headers_mut().append(name.clone(), value.clone());
        }
    }
    *page.extensions_mut() = parts.extensions;
    let mut res = render(page).await;
    *res.status_mut() = StatusCode::FORBIDDEN;
    res
}

/// The largest request body accepted, in bytes (the router's limit layer answers 413 beyond).
pub const BODY_LIMIT: usize = 64 * 1024;

/// No text Roster keeps may hold a NUL character: Postgres refuses one in text (a search or a
/// name carrying one was a 500), and nobody types one. A request whose decoded values carry
/// one (`%00` in a query or a form, `\u0000` in a JSON string, a raw NUL byte anywhere) is
/// answered 400 before anything reads it; text that merely looks like an encoding (`%00`
/// typed inside a JSON string, a password like `Rabatt%00fuer-alle`) is text, and passes.
/// Bodies are read whole here, within the body limit the layer outside sets.
pub async fn refuse_nul(req: Request, next: Next) -> Response {
    if req.uri().query().is_some_and(|q| form_holds_nul(q.as_bytes())) {
        return nul_refused();
    }
    if req.method() != Method::POST {
        return next.run(req).await;
    }
    let json = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("application/json"));
    let (parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, BODY_LIMIT).await else {
        return (StatusCode::PAYLOAD_TOO_LARGE, "The request is too large.").into_response();
    };
    if body_holds_nul(json, &bytes) {
        return nul_refused();
    }
    next.run(Request::from_parts(parts, Body::from(bytes))).await
}

/// Whether a body's values carry a NUL: a JSON body's strings (keys too), a form's decoded
/// names and values, and a raw NUL byte in either.
fn body_holds_nul(json: bool, bytes: &[u8]) -> bool {
    if bytes.contains(&0) {
        return true;
    }
    if json {
        // JSON that does not parse is the handler's to refuse, with its own message.
        return serde_json::from_slice::<serde_json::Value>(bytes).is_ok_and(|v| json_holds_nul(&v));
    }
    form_holds_nul(bytes)
}

fn form_holds_nul(bytes: &[u8]) -> bool {
    bytes.contains(&0) || form_urlencoded::parse(bytes).any(|(name, value)| name.contains('\0') || value.contains('\0'))
}

fn json_holds_nul(value: &serde_json::Value) -> bool {
    use serde_json::Value;
    match value {
        Value::String(s) => s.contains('\0'),
        Value::Array(items) => items.iter().any(json_holds_nul),
        Value::Object(fields) => fields.iter().any(|(k, v)| k.contains('\0') || json_holds_nul(v)),
        _ => false,
    }
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
        // Each file also exists as .br and .gz (`--precompress`), sent by Accept-Encoding: a
        // shared cache must not hand the brotli form to a browser that asked for gzip.
        if !res.headers().contains_key(header::VARY) {
            res.headers_mut().insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        }
    } else if !res.headers().contains_key(header::CACHE_CONTROL) {
        res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

#[cfg(test)]
mod tests {
    use super::{body_holds_nul, form_holds_nul, is_anyones, is_public};

    #[test]
    fn a_nul_is_found_however_it_is_encoded_and_nothing_else_is_taken_for_one() {
        for (json, carried) in [(false, &b"a\0b"[..]), (false, b"search=a%00b"), (false, b"search=a%00"), (false, b"a%00b=1"), (true, b"{\"s\":\"a\\u0000\"}"), (true, b"{\"c\":{\"p\":[\"x\\u0000\"]}}")] {
            assert!(body_holds_nul(json, carried), "{carried:?}");
        }
        // What a person can type: a percent sign and a backslash, encoded by the browser, and
        // `%00` or `\u0000` typed as text inside a JSON string.
        for (json, typed) in [(false, &b"password=100%2500"[..]), (false, b"search=%5Cu0000"), (false, b"search=a%20b"), (false, b""), (true, b"{\"change\":{\"new_password\":\"Rabatt%00fuer-alle\"}}"), (true, b"{\"s\":\"\\\\u0000\"}"), (true, b"not json %00")] {
            assert!(!body_holds_nul(json, typed), "{typed:?}");
        }
        assert!(form_holds_nul(b"search=a%00b") && !form_holds_nul(b"search=100%2500"));
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
