//! Small helpers for how a server function answers.

use crate::error::AppError;
use http::request::Parts;
use http::StatusCode;
use leptos::prelude::use_context;

/// Sets the response status that fits `err` and returns it as the function's error.
pub fn fail<T>(err: AppError) -> Result<T, AppError> {
    if let Ok(status) = StatusCode::from_u16(err.status()) {
        crate::auth::server::guard::set_status(status);
    }
    Err(err)
}

/// True for a browser's own form submission (no WASM yet), which wants a page back, not data.
pub fn is_plain_form_post() -> bool {
    use_context::<Parts>()
        .and_then(|p| p.headers.get(http::header::ACCEPT).and_then(|v| v.to_str().ok()).map(|v| v.contains("text/html")))
        .unwrap_or(false)
}
