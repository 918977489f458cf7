//! The app shell: a fixed sidebar (product, organization, the four pages, help, the signed-in
//! user with Sign out) and the content column. Under ~768 px the sidebar becomes a drawer.

use crate::auth::api::{current_user, Logout};
use crate::auth::types::{Permission, SignedInUser};
use crate::ui::icons;
use crate::ui::toast::{ToastRegion, Toasts};
use crate::ui::load::go_to_sign_in;
use crate::error::AppError;
use leptos::prelude::*;
use leptos_router::components::{Outlet, A};

#[component]
pub fn AppLayout() -> impl IntoView {
    let me = Resource::new(|| (), |_| current_user());
    provide_context(CurrentUser(me));
    let toasts = Toasts::provide();
    // The tab's one live stream, for the lists and the ticking times of every page.
    crate::live::listen::provide_live();
    let logout = ServerAction::<Logout>::new();
    let drawer_open = RwSignal::new(false);
    let menu_button = NodeRef::<leptos::html::Button>::new();
    // Escape closes the drawer and returns focus to the button that opened it.
    let close_on_escape = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Escape" && drawer_open.get_untracked() {
            drawer_open.set(false);
            if let Some(button) = menu_button.get_untracked() {
                let _ = button.focus();
            }
        }
    };

    view! {
        <div class="app" class:drawer-open=move || drawer_open.get()>
            <a class="skip-link" href="#main">"Skip to content"</a>
            <header class="topbar">
                <button
                    type="button"
                    node_ref=menu_button
                    class="menu-button"
                    aria-controls="sidebar"
                    aria-expanded=move || drawer_open.get().to_string()
                    on:click=move |_| drawer_open.update(|open| *open = !*open)
                >
                    {icons::menu()}
                    <span>"Menu"</span>
                </button>
                <span class="brand-name">"Roster"</span>
            </header>
            <aside id="sidebar" class="sidebar" on:keydown=close_on_escape>
                <div class="brand">
                    <span class="brand-mark" aria-hidden="true">"R"</span>
                    <span class="brand-name">"Roster"</span>
                </div>
                <Suspense fallback=|| view! { <p class="org-name skeleton-text">"\u{a0}"</p> }>
                    {move || Suspend::new(async move {
                        me.await.map(|me| view! { <p class="org-name" title="Organization">{me.org_name}</p> }).ok()
                    })}
                </Suspense>
                // Following a link closes the drawer (on wide screens there is none to close).
                <nav aria-label="Main" on:click=move |_| drawer_open.set(false)>
                    // Only the pages the user may open.
                    <Suspense fallback=|| view! { <ul class="nav-list"></ul> }>
                        {move || Suspend::new(async move {
                            let allowed = me.await.map(|me| me.permissions).unwrap_or_default();
                            let may = |p: Permission| allowed.contains(&p);
                            view! {
                                <ul class="nav-list">
                                    {may(Permission::UsersView).then(|| view! { <li><A href="/users">{icons::users()}<span>"Users"</span></A></li> })}
                                    {may(Permission::UsersInvite).then(|| view! { <li><A href="/invitations">{icons::mail()}<span>"Invitations"</span></A></li> })}
                                    {may(Permission::SessionsView).then(|| view! { <li><A href="/sessions">{icons::monitor()}<span>"Sessions"</span></A></li> })}
                                    {may(Permission::LoginAttemptsView).then(|| view! { <li><A href="/login-attempts">{icons::log_in()}<span>"Login Attempts"</span></A></li> })}
                                    {may(Permission::AuditView).then(|| view! { <li><A href="/audit">{icons::history()}<span>"Audit Log"</span></A></li> })}
                                </ul>
                            }
                        })}
                    </Suspense>
                </nav>
                <div class="sidebar-footer">
                    <A href="/user-management" attr:class="help-link">{icons::help()}<span>"Help"</span></A>
                    <Suspense fallback=|| ()>
                        {move || Suspend::new(async move {
                            match me.await {
                                Ok(me) => view! {
                                    <A href="/account" attr:class="account" attr:title="Your account">
                                        <span class="avatar" aria-hidden="true">{initials(&me.name)}</span>
                                        <span class="account-text">
                                            <span class="account-name">{me.name}</span>
                                            <span class="account-email">{me.email.clone()}</span>
                                        </span>
                                    </A>
                                }.into_any(),
                                Err(AppError::Unauthenticated) => {
                                    go_to_sign_in();
                                    ().into_any()
                                }
                                Err(_) => ().into_any(),
                            }
                        })}
                    </Suspense>
                    <ActionForm action=logout attr:class="sign-out">
                        <button type="submit" class="button button-ghost">"Sign out"</button>
                    </ActionForm>
                </div>
            </aside>
            <div class="scrim" on:click=move |_| drawer_open.set(false)></div>
            <main id="main" class="content" tabindex="-1">
                <Outlet/>
            </main>
            <ToastRegion toasts/>
        </div>
    }
}

/// The signed-in user, loaded once by the layout, for pages that show what they may do.
#[derive(Clone, Copy)]
pub struct CurrentUser(pub Resource<Result<SignedInUser, AppError>>);

/// Up to two initials for the avatar: "Ada Lovelace" → "AL".
pub fn initials(name: &str) -> String {
    name.split_whitespace().filter_map(|w| w.chars().next()).take(2).flat_map(char::to_uppercase).collect()
}

#[cfg(test)]
mod tests {
    use super::initials;

    #[test]
    fn initials_take_the_first_letters_of_two_words() {
        assert_eq!(initials("Ada Lovelace"), "AL");
        assert_eq!(initials("grace"), "G");
        assert_eq!(initials("Jean Luc Picard"), "JL");
        assert_eq!(initials(""), "");
    }
}
