//! The HTML shell and the one route table: every URL of the product is here.

use crate::auth::types::Permission;
use crate::chunks::{
    AcceptInvitationRoute, AccountRoute, AuditRoute, HelpRoute, InvitationsRoute, LoginAttemptsRoute, LoginRoute, RequestRefusedRoute,
    SessionsRoute, UsersRoute,
};
use crate::ui::layout::{AppLayout, CurrentUser};
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, Link, MetaTags, Title};
use leptos_router::components::{ParentRoute, Redirect, Route, Router, Routes};
use leptos_router::{path, Lazy, SsrMode};

pub fn shell(options: LeptosOptions) -> impl IntoView {
    // The Content-Security-Policy header names this render's script nonce.
    #[cfg(feature = "ssr")]
    crate::server::nonce::publish();
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

    view! {
        <Link rel="icon" type_="image/svg+xml" href="/favicon.svg"/>
        <Title text="Roster"/>
        // Pages render whole on the server (`SsrMode::Async`): each waits for its data (a few
        // milliseconds) and sends complete HTML, so lists and filters work without the WASM and
        // no streamed chunk waits on a script to be swapped in.
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/login") view={Lazy::<LoginRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/invitation") view={Lazy::<AcceptInvitationRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/request-refused") view={Lazy::<RequestRefusedRoute>::new()} ssr=SsrMode::Async/>
                <ParentRoute path=path!("") view=AppLayout ssr=SsrMode::Async>
                    <Route path=path!("/") view=Home/>
                    <Route path=path!("/users") view={Lazy::<UsersRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/invitations") view={Lazy::<InvitationsRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/sessions") view={Lazy::<SessionsRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/login-attempts") view={Lazy::<LoginAttemptsRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/audit") view={Lazy::<AuditRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/user-management") view={Lazy::<HelpRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/account") view={Lazy::<AccountRoute>::new()} ssr=SsrMode::Async/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}

/// `/` inside the app (after a client-side sign-in): Users for those who may see it, Your
/// account for everyone else. A full page load of `/` is answered by the server the same way.
#[component]
fn Home() -> impl IntoView {
    let me = expect_context::<CurrentUser>();
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let sees_users = me.0.await.is_ok_and(|me| me.permissions.contains(&Permission::UsersView));
                view! { <Redirect path=if sees_users { "/users" } else { "/account" }/> }
            })}
        </Suspense>
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
