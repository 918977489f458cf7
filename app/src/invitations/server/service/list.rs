//! The Invitations list: newest first, by keyset pages on (created, id), filtered by status
//! (Pending and Expired from the clock) and by any part of the email.

use crate::auth::server::guard::capability::Permit;
use crate::error::AppError;
use crate::invitations::server::repo::{self, ListRow, PageSpec};
use crate::invitations::types::{Delivery, Invitation, InvitationList, InvitationQuery, InvitationStatus, INVITATION_PAGE_SIZE};
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
        created_at: row.created_at,
        expires_at: row.expires_at,
    }
}

pub async fn list(permit: &Permit, query: &InvitationQuery) -> Result<InvitationList, AppError> {
    let now = now_ms();
    let after: Option<(i64, String)> = query.after.as_deref().map(cursor::decode).transpose()?;
    let before: Option<(i64, String)> = query.before.as_deref().map(cursor::decode).transpose()?;
    let reading_back = before.is_some();
    let spec = PageSpec { search: &query.search, status: query.status, after, before, limit: INVITATION_PAGE_SIZE + 1, now };
    let mut rows = repo::list_page(permit.org(), &spec).await?;
    let more_beyond = rows.len() > usize::try_from(INVITATION_PAGE_SIZE).unwrap_or(usize::MAX);
    rows.truncate(usize::try_from(INVITATION_PAGE_SIZE).unwrap_or(usize::MAX));
    if reading_back {
        rows.reverse();
    }
    let position = |row: Option<&ListRow>| row.map(|r| cursor::encode(&(r.created_at, &r.id)));
    // Reading forward, rows before this page exist when it started after one; reading back,
    // rows after it exist because we came from them.
    let (has_prev, has_next) = if reading_back { (more_beyond, true) } else { (spec.after.is_some(), more_beyond) };
    Ok(InvitationList {
        prev_cursor: if has_prev { position(rows.first()) } else { None },
        next_cursor: if has_next { position(rows.last()) } else { None },
        invitations: rows.into_iter().map(|r| to_invitation(r, now)).collect(),
        mail_not_configured: permit.settings().mail == MailDelivery::NotConfigured,
        now,
    })
}
