//! The Users filters: Search, Status, Role and Last login. A plain GET form, so they work before and
//! without the WASM; once hydrated, the list follows as you type (debounced) or choose.

use crate::error::AppError;
use crate::ui::search_field::SearchField;
use crate::users::account::RoleOption;
use crate::users::types::{LastLogin, UserListParams, UserStatus};
use leptos::html;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use leptos_router::NavigateOptions;

#[component]
pub fn UserFilters(params: Memo<UserListParams>, roles: Resource<Result<Vec<RoleOption>, AppError>>) -> impl IntoView {
    let navigate = use_navigate();
    let go = move |next: UserListParams| {
        navigate(&next.href(), NavigateOptions { replace: true, scroll: false, ..Default::default() })
    };
    let search = NodeRef::<html::Input>::new();
    let on_search = {
        let go = go.clone();
        Callback::new(move |value: String| go(UserListParams { search: Some(value), ..params.get_untracked().first_page() }))
    };
    let current_search = Signal::derive(move || params.get().search.unwrap_or_default());
    let on_status = {
        let go = go.clone();
        move |ev: leptos::ev::Event| go(UserListParams { status: Some(event_target_value(&ev)), ..params.get_untracked().first_page() })
    };
    let on_role = {
        let go = go.clone();
        move |ev: leptos::ev::Event| go(UserListParams { role: Some(event_target_value(&ev)), ..params.get_untracked().first_page() })
    };
    let on_last_login = {
        let go = go.clone();
        move |ev: leptos::ev::Event| go(UserListParams { last_login: Some(event_target_value(&ev)), ..params.get_untracked().first_page() })
    };
    let on_submit = {
        let go = go.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let value = search.get_untracked().map(|i| i.value());
            go(UserListParams { search: value, ..params.get_untracked().first_page() });
        }
    };
    let status = move || params.get().status.unwrap_or_default();
    let role = move || params.get().role.unwrap_or_default();
    let last_login = move || params.get().last_login.unwrap_or_default();
    let hidden = move |get: fn(&UserListParams) -> Option<String>| move || get(&params.get()).unwrap_or_default();

    view! {
        <form id="user-filters" class="filters" method="get" action="/users" role="search" aria-label="Filter users" on:submit=on_submit>
            <SearchField id="user-search" placeholder="Name or email" current=current_search on_search node_ref=search/>
            <div class="field">
                <label for="user-status">"Status"</label>
                <select id="user-status" name="status" on:change=on_status>
                    <option value="" selected=move || status().is_empty()>"All statuses"</option>
                    {[UserStatus::Active, UserStatus::Inactive, UserStatus::Pending]
                        .into_iter()
                        .map(|s| view! { <option value=s.key() selected=move || status() == s.key()>{s.label()}</option> })
                        .collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="user-role">"Role"</label>
                <Suspense fallback=|| view! { <select id="user-role" name="role" disabled><option value="">"All roles"</option></select> }>
                    {
                        let on_role = on_role.clone();
                        move || {
                            let on_role = on_role.clone();
                            Suspend::new(async move {
                                let options = roles.await.unwrap_or_default();
                                view! {
                                    <select id="user-role" name="role" on:change=on_role>
                                        <option value="" selected=move || role().is_empty()>"All roles"</option>
                                        {options
                                            .into_iter()
                                            .map(|r| {
                                                let name = r.name.clone();
                                                let value = r.name.clone();
                                                view! { <option value=value selected=move || role() == name>{r.name}</option> }
                                            })
                                            .collect_view()}
                                    </select>
                                }
                            })
                        }
                    }
                </Suspense>
            </div>
            <div class="field">
                <label for="user-last-login">"Last login"</label>
                <select id="user-last-login" name="last_login" on:change=on_last_login>
                    <option value="" selected=move || last_login().is_empty()>"Any"</option>
                    {LastLogin::ALL
                        .into_iter()
                        .map(|l| view! { <option value=l.key() selected=move || last_login() == l.key()>{l.label()}</option> })
                        .collect_view()}
                </select>
            </div>
            <input type="hidden" name="sort" value=hidden(|p| p.sort.clone())/>
            <input type="hidden" name="dir" value=hidden(|p| p.dir.clone())/>
            // The page size is the pager's "Rows per page" select, part of this form by its
            // `form` attribute.
            <button type="submit" class="button filters-apply">"Apply filters"</button>
        </form>
    }
}
