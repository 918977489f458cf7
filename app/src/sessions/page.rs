//! The Sessions page: who is signed in where, and who was. Filters and page live in the URL,
//! as on Users; **Revoke** per live session asks first, naming the user and the device.

use crate::live::listen::live_list;
use crate::live::types::Topic;
use crate::sessions::api::{list_sessions, revoke_session};
use crate::sessions::types::{RevokedSession, SessionList, SessionState, SessionSummary, SESSIONS_PATH, SESSION_FILTERS};
use crate::ui::badge::{Badge, Tone};
use crate::ui::dialog::{ConfirmDialog, Confirmation};
use crate::ui::list_filters::{ListFilters, SelectFilter};
use crate::ui::list_table::{EmptyText, ListTable};
use crate::ui::load::go_to_sign_in;
use crate::ui::page_header::PageHeader;
use crate::ui::query::use_list_params;
use crate::ui::time::Timestamp;
use crate::ui::toast::Toasts;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

/// The help page's columns (and Actions); an ended session says when and why under Last Active.
const COLUMNS: &[&str] = &["User", "Device", "IP Address", "Started", "Last Active"];

/// What rows ask of the page: confirm a revocation, reload.
#[derive(Clone, Copy)]
struct RowActions {
    revoking: RwSignal<Option<SessionSummary>>,
    reload: Callback<()>,
}

#[component]
pub fn SessionsPage() -> impl IntoView {
    let params = use_list_params(SESSIONS_PATH, SESSION_FILTERS);
    let (sessions, news) = live_list(Topic::Sessions, params, |p| {
        list_sessions(p.get("search"), p.get("status"), p.get("user"), p.after.clone(), p.before.clone())
    });
    let actions = RowActions { revoking: RwSignal::new(None), reload: Callback::new(move |()| sessions.refetch()) };
    provide_context(actions);
    let status = SelectFilter {
        name: "status",
        label: "Status",
        any: "All sessions",
        options: SessionState::ALL.into_iter().map(|s| (s.key(), s.label())).collect(),
        ..Default::default()
    };
    // Filtered to one user (View sessions on the Users page): say whose, with a way back.
    let note = Callback::new(move |list: SessionList| {
        let everyone = params.get_untracked().with("user", None).href();
        list.user_name.map(|name| {
            view! { <p class="filter-note" role="status">{format!("Sessions of {name}.")} " " <A href=everyone>"Show everyone"</A></p> }.into_any()
        })
    });
    view! {
        <Title text="Sessions · Roster"/>
        <PageHeader title="Sessions" description="Who is signed in to your organization, from where, and the sessions that ended."/>
        <ListFilters params label="Filter sessions" search=("session-search", "Name or email") selects=vec![status] hidden=vec!["user"]/>
        {news}
        <ListTable
            label="Sessions"
            id="sessions-table"
            columns=COLUMNS
            actions=true
            params
            data=sessions
            note
            empty=EmptyText {
                title: "No sessions yet",
                hint: "Sessions appear here when people sign in.",
                filtered_title: "No sessions match these filters",
            }
            rows=Callback::new(|list: SessionList| {
                let (now, can_revoke) = (list.now, list.can_revoke);
                list.sessions.into_iter().map(|session| view! { <SessionRow session now can_revoke/> }.into_any()).collect()
            })
        />
        <RevokeDialog/>
    }
}

#[component]
fn SessionRow(session: SessionSummary, now: i64, can_revoke: bool) -> impl IntoView {
    let actions = expect_context::<RowActions>();
    let ended = session.ended.map(|(at, reason)| {
        view! { <span class="cell-sub">"Ended: " {reason.label()} ", " <Timestamp at=Some(at) now=now/></span> }
    });
    let revoke = (can_revoke && session.revocable && session.ended.is_none()).then(|| {
        let subject = session.clone();
        let label = format!("Revoke the session of {} on {}", session.user_name, session.device);
        view! {
            <button type="button" class="button button-small" aria-label=label on:click=move |_| actions.revoking.set(Some(subject.clone()))>
                "Revoke"
            </button>
        }
    });
    view! {
        <tr>
            <td class="cell-strong">
                {session.user_name.clone()}
                {session.current.then(|| view! { " " <Badge tone=Tone::Outline label="This device"/> })}
                <span class="cell-sub">{session.user_email.clone()}</span>
            </td>
            <td>{session.device.clone()}</td>
            <td class="cell-mono">{session.ip_address.clone()}</td>
            <td data-label="Started"><Timestamp at=Some(session.started_at) now=now/></td>
            <td data-label="Last active"><Timestamp at=Some(session.last_active_at) now=now/>{ended}</td>
            <td class="cell-actions">{revoke}</td>
        </tr>
    }
}

fn describe_revoke(session: &SessionSummary) -> Confirmation {
    let body = if session.current {
        format!("This is your own session on {}: you will be signed out at once.", session.device)
    } else {
        format!(
            "{} ({}) will be signed out on {} ({}) at their next click. Their account stays active: they can sign in again.",
            session.user_name, session.user_email, session.device, session.ip_address
        )
    };
    Confirmation { title: format!("Revoke the session of {}?", session.user_name), body, keep: "Cancel", act: "Revoke" }
}

#[component]
fn RevokeDialog() -> impl IntoView {
    let actions = expect_context::<RowActions>();
    let toasts = expect_context::<Toasts>();
    let done = Callback::new(move |revoked: RevokedSession| {
        if revoked.own {
            // One's own session: signed out, so to sign-in.
            go_to_sign_in();
            return;
        }
        toasts.show(format!("The session of {} on {} was revoked.", revoked.user_name, revoked.device));
        actions.reload.run(());
    });
    view! {
        <ConfirmDialog id="revoke-session" subject=actions.revoking describe=describe_revoke act=|s: SessionSummary| revoke_session(s.id) done/>
    }
}
