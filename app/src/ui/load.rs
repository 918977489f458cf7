//! Showing what a server function returned: the data, or a clear message. An ended session
//! sends the browser to sign-in (the server already does so for full page loads).

use crate::error::AppError;
use leptos::prelude::*;

/// The message shown in place of a page's data when loading it failed.
#[component]
pub fn LoadError(error: AppError) -> impl IntoView {
    if error == AppError::Unauthenticated {
        go_to_sign_in();
    }
    let message = match &error {
        AppError::Forbidden => "You don't have permission to see this. Contact your administrator.".to_owned(),
        other => other.to_string(),
    };
    view! {
        <div class="notice notice-error" role="alert">{message}</div>
    }
}

/// A full page load of sign-in, saying the session ended (revoked, signed out elsewhere,
/// expired), so that nothing of it stays in memory.
pub fn go_to_sign_in() {
    #[cfg(feature = "hydrate")]
    {
        let _ = window().location().set_href("/login?session=ended");
    }
}

/// Placeholder rows while a table loads, the same height as real ones (no layout shift).
#[component]
pub fn SkeletonRows(columns: usize, #[prop(default = 5)] rows: usize) -> impl IntoView {
    (0..rows)
        .map(|_| {
            view! {
                <tr class="skeleton-row" aria-hidden="true">
                    {(0..columns).map(|_| view! { <td><span class="skeleton"></span></td> }).collect_view()}
                </tr>
            }
        })
        .collect_view()
}
