//! Server functions of the Sessions page.

use crate::error::AppError;
use crate::sessions::types::SessionList;
use leptos::prelude::*;

/// Requires `sessions.view`. The organization's live sessions.
#[server(endpoint = "list_sessions")]
pub async fn list_sessions() -> Result<SessionList, AppError> {
    use crate::auth::server::guard::with_permission;
    use crate::auth::types::Permission;
    use crate::server::ids::now_ms;
    use crate::sessions::types::SessionSummary;
    with_permission(Permission::SessionsView, |permit| async move {
        let now = now_ms();
        let idle = i64::try_from(permit.state().settings.session_idle.as_millis()).unwrap_or(i64::MAX);
        let rows = crate::sessions::server::repo::live(permit.db(), permit.org_id(), now, now.saturating_sub(idle), 100).await?;
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
    })
    .await
}
