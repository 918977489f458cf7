//! What a browser shows when Roster refuses a form it cannot show came from Roster's own pages
//! (`server/src/middleware.rs`, `same_origin_writes`): what happened and what to do, in the
//! app's look, instead of a bare line of text. Public: the refused person may have no session.

use crate::ui::auth_card::AuthCard;
use leptos::prelude::*;
use leptos_meta::Title;

/// The page a refused form post is answered with (with status 403).
pub const REFUSED_PATH: &str = "/request-refused";

#[component]
pub fn RequestRefusedPage() -> impl IntoView {
    #[cfg(feature = "ssr")]
    crate::server::respond::set_status(http::StatusCode::FORBIDDEN);
    view! {
        <Title text="Request refused · Roster"/>
        <AuthCard>
            <h1>"This form was not sent"</h1>
            <div class="notice notice-error" role="alert">
                "Roster refused it because your browser did not show that it came from one of Roster's own pages. Nothing was changed."
            </div>
            <p>
                "This protects your account from forms on other websites that try to act in your name. "
                "Go back, reload the page, and send the form again. If you came here from another website, "
                "open Roster's address yourself instead."
            </p>
            <p><a class="button button-primary" href="/">"Go to Roster"</a></p>
        </AuthCard>
    }
}
