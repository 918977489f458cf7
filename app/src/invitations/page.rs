//! The Invitations page: every invitation and its status.

use crate::invitations::api::list_invitations;
use crate::invitations::types::{Invitation, InvitationStatus};
use crate::ui::badge::{Badge, Tone};
use crate::ui::load::{LoadError, SkeletonRows};
use crate::ui::page_header::PageHeader;
use crate::ui::table::{DataTable, EmptyRow};
use crate::ui::time::Timestamp;
use leptos::prelude::*;
use leptos_meta::Title;

const COLUMNS: &[&str] = &["Email", "Role", "Message", "Status", "Expires"];

fn tone(status: InvitationStatus) -> Tone {
    match status {
        InvitationStatus::Pending => Tone::Warning,
        InvitationStatus::Accepted => Tone::Success,
        InvitationStatus::Declined => Tone::Danger,
        InvitationStatus::Expired | InvitationStatus::Cancelled => Tone::Neutral,
    }
}

#[component]
pub fn InvitationsPage() -> impl IntoView {
    let invitations = Resource::new(|| (), |_| list_invitations());
    view! {
        <Title text="Invitations · Roster"/>
        <PageHeader title="Invitations" description="Invitations sent to join your organization, and what became of them."/>
        <Suspense fallback=|| view! { <DataTable label="Invitations" columns=COLUMNS><SkeletonRows columns=COLUMNS.len()/></DataTable> }>
            {move || Suspend::new(async move {
                match invitations.await {
                    Ok(list) => {
                        let now = list.now;
                        view! {
                            <DataTable label="Invitations" columns=COLUMNS>
                                {if list.invitations.is_empty() {
                                    view! { <EmptyRow columns=COLUMNS.len() title="No invitations yet" hint="Invitations you send from the Users page appear here."/> }.into_any()
                                } else {
                                    list.invitations.into_iter().map(|i| view! { <InvitationRow invitation=i now=now/> }).collect_view().into_any()
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
fn InvitationRow(invitation: Invitation, now: i64) -> impl IntoView {
    view! {
        <tr>
            <td class="cell-truncate cell-strong" title=invitation.email.clone()>{invitation.email.clone()}</td>
            <td><Badge tone=Tone::Outline label=invitation.role/></td>
            <td class="cell-truncate">{invitation.message.unwrap_or_default()}</td>
            <td><Badge tone=tone(invitation.status) label=invitation.status.label()/></td>
            <td><Timestamp at=Some(invitation.expires_at) now=now/></td>
        </tr>
    }
}
