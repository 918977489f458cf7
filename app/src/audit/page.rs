//! The Audit Log page: who did what, newest first, filtered by action, time, and the person
//! who acted or was acted on, all in the URL. A name in the log filters to that person.

use crate::live::listen::live_list;
use crate::live::types::Topic;
use crate::audit::api::list_audit_events;
use crate::audit::types::{AuditActor, AuditEntry, AuditList, ACTIONS, AUDIT_FILTERS, AUDIT_PATH};
use crate::login_attempts::types::AttemptRange;
use crate::ui::list_filters::{ListFilters, SelectFilter};
use crate::ui::list_table::{EmptyText, ListTable};
use crate::ui::page_header::PageHeader;
use crate::ui::query::{use_list_params, ListParams};
use crate::ui::time::Timestamp;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

const COLUMNS: &[&str] = &["Time", "Actor", "Action", "Target", "Changes", "IP Address"];

#[component]
pub fn AuditLogPage() -> impl IntoView {
    let params = use_list_params(AUDIT_PATH, AUDIT_FILTERS);
    let (events, news) = live_list(Topic::Audit, params, |p| {
        list_audit_events(p.get("action"), p.get("range"), p.get("actor"), p.get("target"), p.after.clone(), p.before.clone())
    });
    let selects = vec![
        SelectFilter {
            name: "action",
            label: "Action",
            any: "All actions",
            groups: ACTIONS.iter().map(|(area, actions)| (*area, actions.to_vec())).collect(),
            ..Default::default()
        },
        AttemptRange::select_filter(),
    ];
    // Filtered to one person: say whom, and offer the other direction and everyone.
    let note = Callback::new(move |list: AuditList| {
        let p = params.get_untracked();
        let name = list.subject.unwrap_or_else(|| "this person".into());
        let everyone = p.with("actor", None).with("target", None).href();
        let (text, switch_label, switch) = match (p.get("actor"), p.get("target")) {
            (Some(id), _) => (format!("Events by {name}."), "Show events about them", p.with("actor", None).with("target", Some(id)).href()),
            (None, Some(id)) => (format!("Events about {name}."), "Show events by them", p.with("target", None).with("actor", Some(id)).href()),
            (None, None) => return None,
        };
        Some(
            view! {
                <p class="filter-note" role="status">
                    {text} " " <A href=switch>{switch_label}</A> " · " <A href=everyone>"Show everyone"</A>
                </p>
            }
            .into_any(),
        )
    });
    view! {
        <Title text="Audit Log · Roster"/>
        <PageHeader title="Audit Log" description="Who did what in your organization, and when: every change to users, invitations and sessions."/>
        <ListFilters params label="Filter the audit log" id="audit" selects hidden=vec!["actor", "target"]/>
        {news}
        <ListTable
            label="Audit log"
            id="audit-table"
            columns=COLUMNS
            params
            data=events
            note
            empty=EmptyText {
                title: "Nothing recorded yet",
                hint: "Changes to users, invitations and sessions appear here as they are made.",
                filtered_title: "No events match these filters",
            }
            rows=Callback::new(move |list: AuditList| {
                let now = list.now;
                let p = params.get_untracked();
                list.events.into_iter().map(|event| view! { <EventRow event now params=p.clone()/> }.into_any()).collect()
            })
        />
    }
}

#[component]
fn EventRow(event: AuditEntry, now: i64, params: ListParams) -> impl IntoView {
    let by = |id: &str| params.with("target", None).with("actor", Some(id.to_owned())).href();
    let about = |id: &str| params.with("actor", None).with("target", Some(id.to_owned())).href();
    let actor = match event.actor {
        AuditActor::Person { id, name, email } => {
            let shown = if name.is_empty() { email.clone() } else { name };
            let (href, title) = (by(&id), format!("Events by {shown}"));
            view! {
                <A href=href attr:title=title>{shown}</A>
                <span class="cell-note">{email}</span>
            }
            .into_any()
        }
        AuditActor::CommandLine(command) => view! { <span>"Command line"</span><span class="cell-note">{command}</span> }.into_any(),
        AuditActor::System => view! { <span>"Roster"</span> }.into_any(),
    };
    let target = match event.target_id {
        Some(id) => {
            let title = format!("Events about {}", event.target_label);
            view! { <A href=about(&id) attr:title=title>{event.target_label}</A> }.into_any()
        }
        None => view! { <span>{event.target_label}</span> }.into_any(),
    };
    let changes = if event.changes.is_empty() {
        view! { <span>"—"</span> }.into_any()
    } else {
        view! { <ul class="changes">{event.changes.into_iter().map(|c| view! { <li>{c}</li> }).collect_view()}</ul> }.into_any()
    };
    view! {
        <tr>
            <td><Timestamp at=Some(event.at) now=now/></td>
            <td><div class="cell-stack">{actor}</div></td>
            <td>{event.action_label}</td>
            <td class="cell-truncate">{target}</td>
            <td>{changes}</td>
            <td class="cell-mono" title=event.device.clone().unwrap_or_default()>{event.ip_address.unwrap_or_else(|| "—".into())}</td>
        </tr>
    }
}
