//! Reading the organization's sessions.

use super::repo;
use crate::auth::server::guard::capability::Permit;
use crate::error::AppError;
use crate::server::ids::now_ms;
use crate::sessions::types::{SessionList, SessionSummary};

/// The organization's live sessions, most recently active first, the viewer's own marked.
pub async fn list_live(permit: &Permit, limit: i64) -> Result<SessionList, AppError> {
    let now = now_ms();
    let idle_since = now.saturating_sub(permit.settings().session_idle_ms());
    let rows = repo::live(permit.org(), now, idle_since, limit).await?;
    let sessions = rows
        .into_iter()
        .map(|r| SessionSummary {
            current: r.id == permit.session_id(),
            id: r.id,
            user_name: r.user_name,
            user_email: r.user_email,
            device: r.device,
            ip_address: r.ip_address,
            started_at: r.created_at,
            last_active_at: r.last_active_at,
        })
        .collect();
    Ok(SessionList { sessions, now })
}
