//! The Invitations list: newest first, by keyset pages on (created, id), filtered by status
//! (Pending and Expired from the clock) and by any part of the email.

use crate::auth::server::guard::capability::Permit;
use crate::error::AppError;
use crate::invitations::server::repo::{self, ListRow, PageSpec};
use crate::invitations::types::{Delivery, EndReason, Invitation, InvitationList, InvitationQuery, InvitationStatus, INVITATION_PAGE_SIZE};
use crate::server::cursor;
use crate::server::ids::now_ms;
use crate::server::state::MailDelivery;

fn to_invitation(row: ListRow, now: i64) -> Invitation {
    Invitation {
        status: InvitationStatus::at(&row.status, row.expires_at, now),
        delivery: Delivery::from_key(&row.delivery_status),
        id: row.id,
        email: row.email,
        role: row.role,
        invited_by: row.inviter,
        delivery_error: row.delivery_error,
        end_reason: row.end_reason.as_deref().and_then(EndReason::from_key),
        created_at: row.created_at,
        expires_at: row.expires_at,
    }
}

pub async fn list(permit: &Permit, query: &InvitationQuery) -> Result<InvitationList, AppError> {
    let now = now_ms();
    let after: Option<(i64, String)> = query.after.as_deref().map(|c| cursor::decode("after", c)).transpose()?;
    let before: Option<(i64, String)> = query.before.as_deref().map(|c| cursor::decode("before", c)).transpose()?;
    let reading_back = before.is_some();
    let spec = PageSpec { search: &query.search, status: query.status, after, before, limit: INVITATION_PAGE_SIZE + 1, now };
    let rows = repo::list_page(permit.org(), &spec).await?;
    let size = usize::try_from(INVITATION_PAGE_SIZE).unwrap_or(usize::MAX);
    let page = cursor::page(rows, size, spec.after.is_some(), reading_back, |r: &ListRow| cursor::encode(&(r.created_at, &r.id)));
    Ok(InvitationList {
        prev_cursor: page.prev,
        next_cursor: page.next,
        invitations: page.rows.into_iter().map(|r| to_invitation(r, now)).collect(),
        mail_not_configured: permit.settings().mail == MailDelivery::NotConfigured,
        now,
    })
}
