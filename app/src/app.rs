//! The HTML shell and the one route table: every URL of the product is here.

use crate::auth::login_page::LoginPage;
use crate::help::page::HelpPage;
use crate::invitations::page::InvitationsPage;
use crate::login_attempts::page::LoginAttemptsPage;
use crate::sessions::page::SessionsPage;
use crate::ui::layout::AppLayout;
use crate::users::page::UsersPage;
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, Link, MetaTags, Title};
use leptos_router::components::{ParentRoute, Redirect, Route, Router, Routes};
use leptos_router::SsrMode;
use leptos_router::path;

pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light dark"/>
                <HashedStylesheet options=options.clone() id="leptos"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Marks the document once the WASM has taken over (browser tests wait for it).
    Effect::new(|_| {
        #[cfg(feature = "hydrate")]
        if let Some(root) = document().document_element() {
            let _ = root.set_attribute("data-hydrated", "true");
        }
    });

    view! {
        <Link rel="icon" type_="image/svg+xml" href="/favicon.svg"/>
        <Title text="Roster"/>
        // Pages render whole on the server (`SsrMode::Async`): each waits for its data (a few
        // milliseconds) and sends complete HTML, so lists and filters work without the WASM and
        // no streamed chunk waits on a script to be swapped in.
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async/>
                <ParentRoute path=path!("") view=AppLayout ssr=SsrMode::Async>
                    <Route path=path!("/") view=|| view! { <Redirect path="/users"/> }/>
                    <Route path=path!("/users") view=UsersPage ssr=SsrMode::Async/>
                    <Route path=path!("/invitations") view=InvitationsPage ssr=SsrMode::Async/>
                    <Route path=path!("/sessions") view=SessionsPage ssr=SsrMode::Async/>
                    <Route path=path!("/login-attempts") view=LoginAttemptsPage ssr=SsrMode::Async/>
                    <Route path=path!("/user-management") view=HelpPage ssr=SsrMode::Async/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}

#[component]
fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    crate::server::respond::set_status(http::StatusCode::NOT_FOUND);
    view! {
        <Title text="Not found · Roster"/>
        <main class="auth-page">
            <div class="auth-card">
                <h1>"Page not found"</h1>
                <p>"There is nothing at this address."</p>
                <a class="button button-primary" href="/users">"Go to Users"</a>
            </div>
        </main>
    }
}
