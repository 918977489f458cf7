//! The Sessions page: who is signed in where.

use crate::sessions::api::list_sessions;
use crate::sessions::types::{SessionList, SessionSummary};
use crate::ui::badge::{Badge, Tone};
use crate::ui::loaded_table::LoadedTable;
use crate::ui::page_header::PageHeader;
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
        <LoadedTable
            label="Sessions"
            columns=COLUMNS
            data=sessions
            empty_title="No active sessions"
            empty_hint="Sessions appear here when people sign in."
            rows=|list: SessionList| {
                let now = list.now;
                list.sessions.into_iter().map(|session| view! { <SessionRow session=session now=now/> }.into_any()).collect()
            }
        />
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
