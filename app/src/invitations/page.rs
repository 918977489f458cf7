//! The Invitations page: every invitation and its status.

use crate::invitations::api::list_invitations;
use crate::invitations::types::{Invitation, InvitationList, InvitationStatus};
use crate::ui::badge::{Badge, Tone};
use crate::ui::loaded_table::LoadedTable;
use crate::ui::page_header::PageHeader;
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
        <LoadedTable
            label="Invitations"
            columns=COLUMNS
            data=invitations
            empty_title="No invitations yet"
            empty_hint="Invitations you send from the Users page appear here."
            rows=|list: InvitationList| {
                let now = list.now;
                list.invitations.into_iter().map(|invitation| view! { <InvitationRow invitation=invitation now=now/> }.into_any()).collect()
            }
        />
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
