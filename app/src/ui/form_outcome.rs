//! A form that works before the WASM has loaded. The browser posts it to its server function
//! as a plain form; a failure then has no script to show it, so the server keeps the error for
//! one read in a short-lived cookie and sends the browser back to the page, which renders the
//! message beside its field as the hydrated page would (Post/Redirect/Get).
//!
//! The cookie is HttpOnly, lives a minute, and is cleared by the render that reads it; the
//! page hands what it read to the hydrating client inside the page, so both render the same.
//! A message is only ever shown on the form it was kept for, and comes from Roster's own
//! server: unlike an error carried in the URL, nobody can craft a link that shows one.

use crate::error::AppError;
use serde::{Deserialize, Serialize};

/// What a failed plain form post left for its page: the error, and what was typed in fields
/// that are not secret (never a password), so the form does not come back empty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormOutcome {
    pub form: String,
    pub error: AppError,
    #[serde(default)]
    pub kept: Vec<(String, String)>,
}

impl FormOutcome {
    /// The value that was typed in `field`, kept for the form's return.
    pub fn kept(&self, field: &str) -> Option<String> {
        self.kept.iter().find(|(f, _)| f == field).map(|(_, v)| v.clone())
    }
}

/// The outcome a plain form post left for `form`, read while the page renders on the server
/// and handed to the client with the page. Call it once per form, in the component's body.
pub fn form_outcome(form: &'static str) -> Option<FormOutcome> {
    leptos::prelude::SharedValue::new(move || {
        #[cfg(feature = "ssr")]
        return server::take(form);
        #[cfg(not(feature = "ssr"))]
        {
            let _ = form;
            None
        }
    })
    .into_inner()
}

#[cfg(feature = "ssr")]
pub use server::keep;

#[cfg(feature = "ssr")]
mod server {
    use super::FormOutcome;
    use crate::auth::server::guard::AppState;
    use crate::error::AppError;
    use crate::server::respond;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    use http::request::Parts;
    use leptos::prelude::use_context;

    /// Long enough to follow a redirect on a slow phone, short enough to be gone soon after.
    const LIFETIME_SECONDS: u32 = 60;

    fn cookie_name(state: &AppState) -> &'static str {
        // `__Host-` on https: no other site under the domain can set or replace it.
        if state.settings.secure_cookies() { "__Host-roster_form" } else { "roster_form" }
    }

    fn cookie(state: &AppState, value: &str, max_age: u32) -> String {
        let secure = if state.settings.secure_cookies() { "; Secure" } else { "" };
        format!("{}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}", cookie_name(state))
    }

    /// Answers a failed plain form post: keeps `error` (and the `kept` fields) for the form
    /// `form` and sends the browser to `back_to` (a path of Roster's own), where the page shows
    /// it. Returns the error, which the function still returns.
    pub fn keep<T>(form: &str, back_to: &str, error: AppError, kept: Vec<(String, String)>) -> Result<T, AppError> {
        if let Some(state) = use_context::<AppState>() {
            let outcome = FormOutcome { form: form.to_owned(), error: error.clone(), kept };
            if let Ok(json) = serde_json::to_vec(&outcome) {
                respond::set_cookie_header(&cookie(&state, &URL_SAFE_NO_PAD.encode(json), LIFETIME_SECONDS));
            }
        }
        leptos_axum::redirect(back_to);
        Err(error)
    }

    /// The outcome kept for `form`, if this request carries one; the response clears it.
    pub(super) fn take(form: &str) -> Option<FormOutcome> {
        let state = use_context::<AppState>()?;
        let parts = use_context::<Parts>()?;
        let value = respond::cookie(&parts.headers, cookie_name(&state))?;
        let outcome: FormOutcome = URL_SAFE_NO_PAD.decode(value).ok().and_then(|json| serde_json::from_slice(&json).ok())?;
        if outcome.form != form {
            return None;
        }
        respond::set_cookie_header(&cookie(&state, "", 0));
        Some(outcome)
    }
}
