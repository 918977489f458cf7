//! The Users page: the organization's people with their roles, status and last sign-in.

use crate::error::AppError;
use crate::ui::badge::{Badge, Tone};
use crate::ui::load::{LoadError, SkeletonRows};
use crate::ui::page_header::PageHeader;
use crate::ui::table::{DataTable, EmptyRow};
use crate::ui::time::Timestamp;
use crate::users::api::list_users;
use crate::users::types::{UserStatus, UserSummary};
use leptos::prelude::*;
use leptos_meta::Title;

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
    let users = Resource::new(|| (), |_| list_users());
    view! {
        <Title text="Users · Roster"/>
        <PageHeader title="Users" description="People in your organization, their roles and their status."/>
        <Suspense fallback=|| view! { <DataTable label="Users" columns=COLUMNS><SkeletonRows columns=COLUMNS.len()/></DataTable> }>
            {move || Suspend::new(async move {
                match users.await {
                    Ok(list) => {
                        let now = list.now;
                        let shown = list.users.len();
                        let total = list.total;
                        view! {
                            <DataTable label="Users" columns=COLUMNS>
                                {if list.users.is_empty() {
                                    view! { <EmptyRow columns=COLUMNS.len() title="No users yet" hint="Invite people to your organization to see them here."/> }.into_any()
                                } else {
                                    list.users.into_iter().map(|u| view! { <UserRow user=u now=now/> }).collect_view().into_any()
                                }}
                            </DataTable>
                            <p class="table-footer">{format!("Showing {shown} of {total}")}</p>
                        }.into_any()
                    }
                    Err(AppError::Forbidden) => view! {
                        <div class="notice notice-error" role="alert">
                            "You don't have permission to manage users. Contact your administrator."
                        </div>
                    }.into_any(),
                    Err(error) => view! { <LoadError error/> }.into_any(),
                }
            })}
        </Suspense>
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
