//! Making an invitation's link when its email is sent. The outbox holds the message with a
//! marker where the link goes; the worker asks here for a link just before it sends. A fresh
//! 256-bit token replaces the invitation's token hash, so only the hash is ever stored, and the
//! link works from the moment the email can arrive. Each attempt makes a new token: a retry
//! after a failed attempt loses nothing (that email never arrived), and after a crash between
//! sending and recording, the later email's link is the one that works.

use crate::auth::server::guard::capability::Mailroom;
use crate::auth::server::token::Token;
use crate::invitations::server::repo;
use crate::server::ids::now_ms;

/// The link for the invitation `invitation_id`'s email queued at `mail_created_at`, or `None`
/// when the email should not go: the invitation is no longer pending, or a newer email
/// (a resend) replaced this one.
pub async fn mint_link(room: &Mailroom, invitation_id: &str, mail_created_at: i64) -> Result<Option<String>, sqlx::Error> {
    let token = Token::generate();
    let mut tx = room.begin_write().await?;
    if !repo::mint(&mut tx, invitation_id, &token.hash(), mail_created_at, now_ms()).await? {
        return Ok(None);
    }
    tx.commit().await?;
    Ok(Some(format!("{}{}", room.public_url(), crate::invitations::types::link_path(token.expose()))))
}
