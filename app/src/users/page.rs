//! The Users page: the organization's people with their roles, status and last sign-in.

use crate::ui::badge::{Badge, Tone};
use crate::ui::loaded_table::LoadedTable;
use crate::ui::page_header::PageHeader;
use crate::ui::time::Timestamp;
use crate::users::api::list_users;
use crate::users::types::{UserList, UserStatus, UserSummary};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

const COLUMNS: &[&str] = &["Name", "Email", "Role", "Status", "Last Login"];

pub fn status_tone(status: UserStatus) -> Tone {
    match status {
        UserStatus::Active => Tone::Success,
        UserStatus::Inactive => Tone::Neutral,
        UserStatus::Pending => Tone::Warning,
    }
}

#[component]
pub fn UsersPage() -> impl IntoView {
    // The filters, sort and page live in the URL: a refresh, back or a pasted link shows the
    // same view, rendered on the server.
    let query = use_query_map();
    let users = Resource::new(
        move || {
            let q = query.read();
            let get = |k: &str| q.get(k);
            (get("search"), get("status"), get("role"), get("sort"), get("dir"), get("after"), get("size").and_then(|s| s.parse().ok()))
        },
        |(search, status, role, sort, dir, after, size)| list_users(search, status, role, sort, dir, after, size),
    );
    view! {
        <Title text="Users · Roster"/>
        <PageHeader title="Users" description="People in your organization, their roles and their status."/>
        <LoadedTable
            label="Users"
            columns=COLUMNS
            data=users
            empty_title="No users yet"
            empty_hint="Invite people to your organization to see them here."
            rows=|list: UserList| {
                let now = list.now;
                list.users.into_iter().map(|user| view! { <UserRow user=user now=now/> }.into_any()).collect()
            }
            footer=|list: &UserList| {
                let total = if list.total_capped { format!("{}+", list.total) } else { list.total.to_string() };
                format!("Showing {} of {total}", list.users.len())
            }
            forbidden="You don't have permission to manage users. Contact your administrator."
        />
    }
}

#[component]
fn UserRow(user: UserSummary, now: i64) -> impl IntoView {
    view! {
        <tr>
            <td class="cell-strong">{user.name}</td>
            <td class="cell-truncate" title=user.email.clone()>{user.email.clone()}</td>
            <td>
                <span class="badge-list">
                    {user.roles.into_iter().map(|r| view! { <Badge tone=Tone::Outline label=r/> }).collect_view()}
                </span>
            </td>
            <td><Badge tone=status_tone(user.status) label=user.status.label()/></td>
            <td><Timestamp at=user.last_login_at now=now/></td>
        </tr>
    }
}
