//! The Sessions page: who is signed in where.

use crate::sessions::api::list_sessions;
use crate::sessions::types::SessionSummary;
use crate::ui::badge::{Badge, Tone};
use crate::ui::load::{LoadError, SkeletonRows};
use crate::ui::page_header::PageHeader;
use crate::ui::table::{DataTable, EmptyRow};
use crate::ui::time::Timestamp;
use leptos::prelude::*;
use leptos_meta::Title;

const COLUMNS: &[&str] = &["User", "Device", "IP Address", "Started", "Last Active"];

#[component]
pub fn SessionsPage() -> impl IntoView {
    let sessions = Resource::new(|| (), |_| list_sessions());
    view! {
        <Title text="Sessions · Roster"/>
        <PageHeader title="Sessions" description="Everyone signed in to your organization right now, and from where."/>
        <Suspense fallback=|| view! { <DataTable label="Sessions" columns=COLUMNS><SkeletonRows columns=COLUMNS.len()/></DataTable> }>
            {move || Suspend::new(async move {
                match sessions.await {
                    Ok(list) => {
                        let now = list.now;
                        view! {
                            <DataTable label="Sessions" columns=COLUMNS>
                                {if list.sessions.is_empty() {
                                    view! { <EmptyRow columns=COLUMNS.len() title="No active sessions" hint="Sessions appear here when people sign in."/> }.into_any()
                                } else {
                                    list.sessions.into_iter().map(|s| view! { <SessionRow session=s now=now/> }).collect_view().into_any()
                                }}
                            </DataTable>
                        }.into_any()
                    }
                    Err(error) => view! { <LoadError error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn SessionRow(session: SessionSummary, now: i64) -> impl IntoView {
    view! {
        <tr>
            <td class="cell-strong" title=session.user_email.clone()>
                {session.user_name}
                {session.current.then(|| view! { " " <Badge tone=Tone::Outline label="This browser"/> })}
            </td>
            <td>{session.device}</td>
            <td class="cell-mono">{session.ip_address}</td>
            <td><Timestamp at=Some(session.started_at) now=now/></td>
            <td><Timestamp at=Some(session.last_active_at) now=now/></td>
        </tr>
    }
}
