//! The Users table: sortable headers, one row per user with its ⋮ actions menu, the count
//! and the pages. While a new page loads the old rows stay (a transition, not a flash).

use crate::error::AppError;
use crate::ui::badge::{Badge, Tone};
use crate::ui::load::{go_to_sign_in, LoadError, SkeletonRows};
use crate::ui::menu::{ActionsMenu, MenuItem};
use crate::ui::table::EmptyRow;
use crate::ui::time::{exact, relative, Timestamp};
use crate::ui::toast::Toasts;
use crate::audit::types::history_href;
use crate::bulk::bar::{may_select, SelectPage, SelectRow};
use crate::login_attempts::types::attempts_of_email_href;
use crate::sessions::types::sessions_of_user_href;
use crate::users::api::{set_user_active, unlock_user};
use crate::users::actions::{actions_button_id, Confirm, ConfirmKind, UserActions};
use crate::users::types::{ListRights, Total, UserList, UserListParams, UserSort, UserStatus, UserSummary, PAGE_SIZES};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use leptos_router::NavigateOptions;

pub fn status_tone(status: UserStatus) -> Tone {
    match status {
        UserStatus::Active => Tone::Success,
        UserStatus::Inactive => Tone::Neutral,
        UserStatus::Pending => Tone::Warning,
    }
}

const COLUMN_COUNT: usize = 6;

pub use crate::ui::number::thousands;

/// "51–100 of 431", "1–50 of 1,000+", "1–50 of about 37,000", "No users".
fn range_text(params: &UserListParams, list: &UserList) -> String {
    if list.users.is_empty() {
        return "No users".into();
    }
    let size = u64::from(params.page_size());
    let first = (params.page_number() - 1) * size + 1;
    let last = first + list.users.len() as u64 - 1;
    let count = |n: i64| u64::try_from(n).unwrap_or(0);
    let total = match list.total {
        // A page the count did not reach (the users changed since): at least up to here.
        Total::Exact(n) | Total::MoreThan(n) | Total::About(n) if count(n) < last => format!("{}+", thousands(last)),
        Total::Exact(n) => thousands(count(n)),
        Total::MoreThan(n) => format!("{}+", thousands(count(n))),
        Total::About(n) => format!("about {}", thousands(round_to_two_digits(count(n)))),
    };
    format!("{}–{} of {total}", thousands(first), thousands(last))
}

/// An estimate told no finer than it is known: 37,450 → 37,000; 1,234 → 1,200.
fn round_to_two_digits(n: u64) -> u64 {
    let mut unit = 1;
    while n / unit >= 100 {
        unit *= 10;
    }
    (n + unit / 2) / unit * unit
}

fn filtered(params: &UserListParams) -> bool {
    [&params.search, &params.status, &params.role, &params.last_login].iter().any(|v| v.as_deref().is_some_and(|v| !v.trim().is_empty()))
}

/// The same sort and size without any filter.
fn cleared(params: &UserListParams) -> UserListParams {
    UserListParams { sort: params.sort.clone(), dir: params.dir.clone(), size: params.size.clone(), ..Default::default() }
}

#[component]
fn SortHeader(label: &'static str, sort: UserSort, params: Memo<UserListParams>) -> impl IntoView {
    let state = move || {
        let p = params.get();
        let current = p.sort.as_deref().and_then(UserSort::from_key).unwrap_or_default();
        let descending = p.dir.as_deref() == Some("desc");
        (current == sort).then_some(descending)
    };
    let aria_sort = move || match state() {
        Some(true) => "descending",
        Some(false) => "ascending",
        None => "none",
    };
    // A click sorts by this column, ascending first; a second click reverses it.
    let href = move || {
        let p = params.get();
        let dir = if state() == Some(false) { Some("desc".to_owned()) } else { None };
        UserListParams { sort: Some(sort.key().to_owned()), dir, ..p.first_page() }.href()
    };
    let arrow = move || match state() {
        Some(true) => "↓",
        Some(false) => "↑",
        None => "↕",
    };
    view! {
        <th scope="col" aria-sort=aria_sort>
            <A href=href attr:class="sort-link">
                {label}
                <span class="sort-arrow" aria-hidden="true">{arrow}</span>
            </A>
        </th>
    }
}

#[component]
pub fn UsersTable(params: Memo<UserListParams>, users: Resource<Result<UserList, AppError>>) -> impl IntoView {
    // After an action, the rows are drawn anew: put the focus back on the row's ⋮ button, or
    // on the table when the row has gone (deleted, or filtered out). This runs once the new rows
    // have arrived (after `users.await` below), never on the old rows a refetch still shows: a
    // focus put there is lost when they are replaced.
    let actions = expect_context::<UserActions>();
    let restore_focus = move || {
        if let Some(id) = actions.focus_after_reload.get_untracked() {
            actions.focus_after_reload.set(None);
            request_animation_frame(move || {
                let target = document().get_element_by_id(&id).or_else(|| document().get_element_by_id("users-table"));
                if let Some(el) = target.and_then(|e| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(e).ok()) {
                    let _ = el.focus();
                }
            });
        }
    };
    // With a bulk action to offer, a checkbox column comes first (the page's in the header).
    let header = move |select: Option<Vec<String>>| {
        view! {
            <thead>
                <tr>
                    {select.map(|page| view! { <th scope="col" class="cell-select"><SelectPage page/></th> })}
                    <SortHeader label="Name" sort=UserSort::Name params/>
                    <SortHeader label="Email" sort=UserSort::Email params/>
                    <th scope="col">"Role"</th>
                    <SortHeader label="Status" sort=UserSort::Status params/>
                    <SortHeader label="Last Login" sort=UserSort::LastLogin params/>
                    <th scope="col" class="cell-actions"><span class="visually-hidden">"Actions"</span></th>
                </tr>
            </thead>
        }
    };
    let skeleton = move || {
        view! {
            <div class="table-wrap" role="region" aria-label="Users" tabindex="0">
                <table class="data-table" aria-label="Users">{header(None)}<tbody><SkeletonRows columns=COLUMN_COUNT/></tbody></table>
            </div>
        }
    };
    view! {
        <Transition fallback=skeleton>
            {move || Suspend::new(async move {
                let result = users.await;
                restore_focus();
                match result {
                    Ok(list) => {
                        let p = params.get_untracked();
                        let selectable = may_select(&list.rights);
                        let page: Vec<String> = list.users.iter().map(|u| u.id.clone()).collect();
                        let select = selectable.then_some(page);
                        let body = if list.users.is_empty() {
                            empty_state(&p, COLUMN_COUNT + usize::from(selectable)).into_any()
                        } else {
                            let (now, rights) = (list.now, list.rights.clone());
                            list.users
                                .iter()
                                .cloned()
                                .map(|user| view! { <UserRow user now rights=rights.clone() select=select.clone()/> })
                                .collect_view()
                                .into_any()
                        };
                        view! {
                            <div class="table-wrap" id="users-table" role="region" aria-label="Users" tabindex="0">
                                <table class="data-table" aria-label="Users">{header(select.clone())}<tbody>{body}</tbody></table>
                            </div>
                            <Pager params=p list/>
                        }
                        .into_any()
                    }
                    Err(AppError::Forbidden) => view! {
                        <div class="notice notice-error" role="alert">
                            "You don't have permission to manage users. Contact your administrator."
                        </div>
                    }
                    .into_any(),
                    Err(error @ AppError::Validation(_)) => {
                        let first = params.get_untracked().first_page().href();
                        let message = match &error {
                            AppError::Validation(errors) => errors.iter().map(|e| e.message.clone()).collect::<Vec<_>>().join(" "),
                            _ => String::new(),
                        };
                        view! {
                            <div class="notice notice-error" role="alert">
                                {message} " " <a href=first>"Show the first page"</a>
                            </div>
                        }
                        .into_any()
                    }
                    Err(error) => view! { <LoadError error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

fn empty_state(params: &UserListParams, columns: usize) -> impl IntoView + use<> {
    let (title, hint) = if filtered(params) {
        ("No users match these filters", "Try another search, or clear the filters to see everyone.")
    } else {
        ("No users yet", "Invite people to your organization to see them here.")
    };
    let clear_href = filtered(params).then(|| cleared(params).href());
    view! { <EmptyRow columns title hint clear_href/> }
}

/// The count, the page size and the previous and next pages.
#[component]
fn Pager(params: UserListParams, list: UserList) -> impl IntoView {
    let navigate = use_navigate();
    let page = params.page_number();
    let link = |cursor: &Option<String>, after: bool, page: u64| {
        cursor.as_ref().map(|c| {
            let (after, before) = if after { (Some(c.clone()), None) } else { (None, Some(c.clone())) };
            let page = (page > 1).then(|| page.to_string());
            UserListParams { after, before, page, ..params.first_page() }.href()
        })
    };
    let prev = link(&list.prev_cursor, false, page.saturating_sub(1).max(1));
    let next = link(&list.next_cursor, true, page + 1);
    let size = params.page_size();
    let on_size = {
        let params = params.clone();
        move |ev: leptos::ev::Event| {
            let next = UserListParams { size: Some(event_target_value(&ev)), ..params.first_page() };
            navigate(&next.href(), NavigateOptions { scroll: false, ..Default::default() });
        }
    };
    let page_link = |href: Option<String>, label: &'static str, rel: &'static str| match href {
        Some(href) => view! { <A href=href attr:class="button" attr:rel=rel>{label}</A> }.into_any(),
        None => view! { <span class="button" aria-disabled="true">{label}</span> }.into_any(),
    };
    view! {
        <nav class="pager" aria-label="Pages">
            <p class="pager-count" aria-live="polite">{range_text(&params, &list)}</p>
            <div class="field pager-size">
                <label for="user-page-size">"Rows per page"</label>
                <select id="user-page-size" name="size" form="user-filters" on:change=on_size>
                    {PAGE_SIZES
                        .into_iter()
                        .map(|n| view! { <option value=n.to_string() selected=n == size>{n.to_string()}</option> })
                        .collect_view()}
                </select>
            </div>
            <div class="pager-links">
                {page_link(prev, "Previous", "prev")}
                {page_link(next, "Next", "next")}
            </div>
        </nav>
    }
}

/// A menu entry that opens another page (the Sessions or Login Attempts list, filtered). The
/// navigation runs once the click's handler has returned, so the menu has finished closing
/// before the page it belongs to goes.
fn navigate_to(href: String) -> Callback<()> {
    let navigate = use_navigate();
    Callback::new(move |()| {
        let (navigate, href) = (navigate.clone(), href.clone());
        set_timeout(move || navigate(&href, NavigateOptions::default()), std::time::Duration::ZERO);
    })
}

/// One user's row; `select`, the page's ids, when it has a checkbox (see `bulk::bar`).
#[component]
fn UserRow(user: UserSummary, now: i64, rights: ListRights, select: Option<Vec<String>>) -> impl IntoView {
    let actions = expect_context::<UserActions>();
    let toasts = expect_context::<Toasts>();
    let is_self = user.id == rights.viewer_id;
    // What the server would refuse is not offered: Edit still opens, read-only, saying why.
    let manageable = !user.outranks_viewer;
    let mut entries = Vec::new();
    if rights.edit {
        let id = user.id.clone();
        entries.push(MenuItem { label: "Edit", danger: false, on_select: Callback::new(move |()| actions.editing.set(Some(id.clone()))) });
    }
    if rights.deactivate && !is_self && manageable {
        if user.status == UserStatus::Inactive {
            let (id, name) = (user.id.clone(), user.name.clone());
            let activate = Callback::new(move |()| {
                let (id, name) = (id.clone(), name.clone());
                let id_for_focus = id.clone();
                leptos::task::spawn_local(async move {
                    match set_user_active(id, true).await {
                        Ok((_, status)) => {
                            let pending = if status == UserStatus::Pending { " Their invitation is still pending." } else { "" };
                            toasts.show(format!("{name} was activated.{pending}"));
                        }
                        Err(error) => toasts.show(error.to_string()),
                    }
                    actions.reload.run(actions_button_id(&id_for_focus));
                });
            });
            entries.push(MenuItem { label: "Activate", danger: false, on_select: activate });
        } else {
            let confirm = Confirm { kind: ConfirmKind::Deactivate, id: user.id.clone(), name: user.name.clone(), email: user.email.clone() };
            entries.push(MenuItem {
                label: "Deactivate",
                danger: false,
                on_select: Callback::new(move |()| actions.confirming.set(Some(confirm.clone()))),
            });
        }
    }
    if rights.edit && user.locked_until.is_some() && manageable {
        let (id, name) = (user.id.clone(), user.name.clone());
        let unlock = Callback::new(move |()| {
            let (id, name) = (id.clone(), name.clone());
            leptos::task::spawn_local(async move {
                match unlock_user(id.clone()).await {
                    Ok(_) => toasts.show(format!("{name} was unlocked and can sign in again.")),
                    Err(AppError::Unauthenticated) => go_to_sign_in(),
                    Err(error) => toasts.show(error.to_string()),
                }
                actions.reload.run(actions_button_id(&id));
            });
        });
        entries.push(MenuItem { label: "Unlock", danger: false, on_select: unlock });
    }
    if rights.view_sessions {
        let href = sessions_of_user_href(&user.id);
        entries.push(MenuItem { label: "View sessions", danger: false, on_select: navigate_to(href) });
    }
    if rights.revoke_sessions && user.status != UserStatus::Pending && manageable {
        let confirm = Confirm { kind: ConfirmKind::RevokeSessions, id: user.id.clone(), name: user.name.clone(), email: user.email.clone() };
        entries.push(MenuItem {
            label: "Revoke all sessions",
            danger: false,
            on_select: Callback::new(move |()| actions.confirming.set(Some(confirm.clone()))),
        });
    }
    if rights.view_attempts {
        let href = attempts_of_email_href(&user.email);
        entries.push(MenuItem { label: "View login attempts", danger: false, on_select: navigate_to(href) });
    }
    if rights.view_audit {
        let href = history_href(&user.id);
        entries.push(MenuItem { label: "History", danger: false, on_select: navigate_to(href) });
    }
    if rights.delete && !is_self && manageable {
        let confirm = Confirm { kind: ConfirmKind::Delete, id: user.id.clone(), name: user.name.clone(), email: user.email.clone() };
        entries.push(MenuItem {
            label: "Delete",
            danger: true,
            on_select: Callback::new(move |()| actions.confirming.set(Some(confirm.clone()))),
        });
    }
    let menu = (!entries.is_empty()).then(|| {
        view! { <ActionsMenu label=format!("Actions for {}", user.name) id=actions_button_id(&user.id) entries/> }
    });
    // A click on the row opens Edit too (the menu keeps its own clicks).
    let on_row_click = {
        let id = user.id.clone();
        move |_| {
            if rights.edit {
                actions.editing.set(Some(id.clone()));
            }
        }
    };
    view! {
        <tr class:row-editable=rights.edit on:click=on_row_click>
            {select.map(|page| view! {
                // A click beside the checkbox is not a click on the row (which opens Edit).
                <td class="cell-select" on:click=|ev| ev.stop_propagation()><SelectRow id=user.id.clone() name=user.name.clone() page/></td>
            })}
            <td class="cell-strong">{user.name.clone()}</td>
            <td class="cell-truncate" title=user.email.clone()>{user.email.clone()}</td>
            <td>
                <span class="badge-list">
                    {user.roles.into_iter().map(|r| view! { <Badge tone=Tone::Outline label=r/> }).collect_view()}
                </span>
            </td>
            <td>
                <span class="badge-list">
                    <Badge tone=status_tone(user.status) label=user.status.label()/>
                    {user.locked_until.map(|until| view! {
                        <span title=format!("Locked after too many wrong passwords, until {}", exact(until))>
                            <Badge tone=Tone::Danger label="Locked"/>
                            <span class="cell-note">{format!(" unlocks {}", relative(now, until))}</span>
                        </span>
                    })}
                </span>
            </td>
            <td data-label="Last login"><Timestamp at=user.last_login_at now=now/></td>
            <td class="cell-actions">{menu}</td>
        </tr>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_read_with_thousands_separators() {
        assert_eq!((thousands(7), thousands(1_000), thousands(12_431), thousands(1_000_000)), ("7".into(), "1,000".into(), "12,431".into(), "1,000,000".into()));
    }

    #[test]
    fn the_range_follows_the_page_number_and_size() {
        let user = UserSummary { id: "u".into(), name: "A".into(), email: "a@x.io".into(), roles: vec![], status: UserStatus::Active, last_login_at: None, locked_until: None, outranks_viewer: false };
        let list = |n: usize, total: Total| UserList {
            users: vec![user.clone(); n],
            total,
            next_cursor: None,
            prev_cursor: None,
            rights: ListRights::default(),
            now: 0,
        };
        let params = |page: &str, size: &str| UserListParams { page: Some(page.into()), size: Some(size.into()), ..Default::default() };
        assert_eq!(range_text(&params("1", "50"), &list(50, Total::Exact(431))), "1–50 of 431");
        assert_eq!(range_text(&params("3", "25"), &list(25, Total::MoreThan(1_000))), "51–75 of 1,000+");
        assert_eq!(range_text(&params("2", "50"), &list(50, Total::About(37_450))), "51–100 of about 37,000");
        assert_eq!(range_text(&params("2", "100"), &list(0, Total::Exact(0))), "No users");
        // Paged past what the count or the estimate said: no smaller total than the rows shown.
        assert_eq!(range_text(&params("30", "50"), &list(50, Total::MoreThan(1_000))), "1,451–1,500 of 1,500+");
        assert_eq!(range_text(&params("3", "50"), &list(50, Total::About(120))), "101–150 of 150+");
    }

    #[test]
    fn estimates_keep_two_significant_digits() {
        let rounded = [7, 99, 1_234, 37_450, 95_000, 999_900, 1_000_000].map(round_to_two_digits);
        assert_eq!(rounded, [7, 99, 1_200, 37_000, 95_000, 1_000_000, 1_000_000]);
    }
}
