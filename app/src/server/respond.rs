//! How a server function or a page answers: its status, its cookies, and what kind of client
//! asked.

use crate::error::AppError;
use http::request::Parts;
use http::StatusCode;
use leptos::prelude::use_context;

/// Sets the response status that fits `err` and returns it as the function's error.
pub fn fail<T>(err: AppError) -> Result<T, AppError> {
    if let Ok(status) = StatusCode::from_u16(err.status()) {
        set_status(status);
    }
    Err(err)
}

/// Sets the HTTP status of the current response (server functions and pages alike).
pub fn set_status(status: StatusCode) {
    if let Some(options) = use_context::<leptos_axum::ResponseOptions>() {
        options.set_status(status);
    }
}

/// Adds a `Set-Cookie` header to the current response.
pub fn set_cookie_header(value: &str) {
    if let (Some(options), Ok(value)) =
        (use_context::<leptos_axum::ResponseOptions>(), http::HeaderValue::from_str(value))
    {
        options.append_header(http::header::SET_COOKIE, value);
    }
}

/// The value of the cookie `name` a request carries (the first, if it carries several).
pub fn cookie<'a>(headers: &'a http::HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, value)| value)
}

/// Tells the client when to try again (`Retry-After`, whole seconds, at least 1).
pub fn retry_after(ms: i64) {
    let seconds = (ms.max(0) + 999) / 1000;
    if let (Some(options), Ok(value)) =
        (use_context::<leptos_axum::ResponseOptions>(), http::HeaderValue::from_str(&seconds.max(1).to_string()))
    {
        options.insert_header(http::header::RETRY_AFTER, value);
    }
}

/// True for a browser's own form submission (no WASM yet), which wants a page back, not data.
pub fn is_plain_form_post() -> bool {
    use_context::<Parts>()
        .and_then(|p| p.headers.get(http::header::ACCEPT).and_then(|v| v.to_str().ok()).map(|v| v.contains("text/html")))
        .unwrap_or(false)
}
