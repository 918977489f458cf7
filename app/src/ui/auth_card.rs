//! The card the pages outside the app stand on (sign in, an invitation, a refused form): the
//! product's mark above whatever the page says, centred, without the sidebar.

use leptos::prelude::*;

#[component]
pub fn AuthCard(
    /// Wider, for a page with more to say (an invitation and its message).
    #[prop(optional)]
    wide: bool,
    children: Children,
) -> impl IntoView {
    view! {
        <main class="auth-page">
            <div class=if wide { "auth-card auth-card-wide" } else { "auth-card" }>
                <div class="brand">
                    <span class="brand-mark" aria-hidden="true">"R"</span>
                    <span class="brand-name">"Roster"</span>
                </div>
                {children()}
            </div>
        </main>
    }
}
