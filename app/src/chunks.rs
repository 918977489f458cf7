//! Which code arrives in which WASM chunk (`cargo leptos build --split`).
//!
//! The main bundle holds the router, the layout and what every page shares. The pages come in
//! four chunks, each a `#[lazy]` function that renders the pages of its group: the sign-in
//! pages (what a signed-out visitor needs), the four lists (they share the list table, the
//! filters and the badges, and an admin moves between them), Your account with Help, and the
//! Audit Log (the first feature born after the split, a group of its own).
//! The Edit and Invite forms are chunks of their own, fetched when first opened
//! (`users::dialogs`, `invitations::invite_dialog`).
//!
//! Why groups and not a chunk a page: the splitter makes a shared chunk for every set of split
//! points that use a function, and with a split point a page the Users page needed 83 files.
//! Over HTTP/1.1 a browser fetches six at a time, so on a phone's latency the files, not the
//! bytes, set the time to a usable page (docs/benchmarks.md, "The client"). A new feature
//! with a page of its own gets a group (a `#[lazy]` function) of its own.
//!
//! A cold load preloads its chunk with the HTML (the server notes each `#[lazy]` function it
//! renders); moving to a page of another group fetches that group's chunk, once.

use crate::account::page::AccountPage;
use crate::audit::page::AuditLogPage;
use crate::auth::login_page::LoginPage;
use crate::auth::refused_page::RequestRefusedPage;
use crate::help::page::HelpPage;
use crate::invitations::accept_page::AcceptInvitationPage;
use crate::invitations::page::InvitationsPage;
use crate::login_attempts::page::LoginAttemptsPage;
use crate::sessions::page::SessionsPage;
use crate::users::page::UsersPage;
use leptos::prelude::*;

#[derive(Clone, Copy)]
enum SignedOut {
    Login,
    AcceptInvitation,
    RequestRefused,
}

#[lazy]
fn signed_out_page(page: SignedOut) -> AnyView {
    match page {
        SignedOut::Login => view! { <LoginPage/> }.into_any(),
        SignedOut::AcceptInvitation => view! { <AcceptInvitationPage/> }.into_any(),
        SignedOut::RequestRefused => view! { <RequestRefusedPage/> }.into_any(),
    }
}

#[derive(Clone, Copy)]
enum List {
    Users,
    Invitations,
    Sessions,
    LoginAttempts,
}

#[lazy]
fn list_page(page: List) -> AnyView {
    match page {
        List::Users => view! { <UsersPage/> }.into_any(),
        List::Invitations => view! { <InvitationsPage/> }.into_any(),
        List::Sessions => view! { <SessionsPage/> }.into_any(),
        List::LoginAttempts => view! { <LoginAttemptsPage/> }.into_any(),
    }
}

#[derive(Clone, Copy)]
enum Own {
    Account,
    Help,
}

#[lazy]
fn own_page(page: Own) -> AnyView {
    match page {
        Own::Account => view! { <AccountPage/> }.into_any(),
        Own::Help => view! { <HelpPage/> }.into_any(),
    }
}

#[lazy]
fn audit_page() -> AnyView {
    view! { <AuditLogPage/> }.into_any()
}

/// The route types the route table names (`view={Lazy::<UsersRoute>::new()}`). `preload` runs
/// first, while the router resolves the route, and fetches the group's chunk (`__preload_…`
/// is what `#[lazy]` makes beside each function): hydration then finds the code in place and
/// takes over the server's markup instead of rendering the page a second time.
macro_rules! routes {
    ($($route:ident => $group:ident($($page:expr)?), $preload:ident;)*) => {$(
        pub struct $route;

        impl leptos_router::LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            async fn view(_this: Self) -> AnyView {
                $group($($page)?).await
            }

            async fn preload() {
                #[cfg(target_arch = "wasm32")]
                $preload().await;
            }
        }
    )*};
}

routes! {
    LoginRoute => signed_out_page(SignedOut::Login), __preload_signed_out_page;
    AcceptInvitationRoute => signed_out_page(SignedOut::AcceptInvitation), __preload_signed_out_page;
    RequestRefusedRoute => signed_out_page(SignedOut::RequestRefused), __preload_signed_out_page;
    UsersRoute => list_page(List::Users), __preload_list_page;
    InvitationsRoute => list_page(List::Invitations), __preload_list_page;
    SessionsRoute => list_page(List::Sessions), __preload_list_page;
    LoginAttemptsRoute => list_page(List::LoginAttempts), __preload_list_page;
    AccountRoute => own_page(Own::Account), __preload_own_page;
    HelpRoute => own_page(Own::Help), __preload_own_page;
    AuditRoute => audit_page(), __preload_audit_page;
}
