//! Server functions of the Sessions page and of **Revoke all sessions** on the Users page.

use crate::error::AppError;
use crate::sessions::types::{RevokedSession, SessionList};
use leptos::prelude::*;

/// Requires `sessions.view`. A page of the organization's sessions: `search` (the start of a
/// name or email), `status` (`active`, `ended`), `user` (one user's id), after the cursor
/// `after` or before `before`. The URL's parameters, as is.
#[server(endpoint = "list_sessions")]
pub async fn list_sessions(
    search: Option<String>,
    status: Option<String>,
    user: Option<String>,
    after: Option<String>,
    before: Option<String>,
) -> Result<SessionList, AppError> {
    use crate::auth::server::guard::with_permission;
    use crate::auth::types::Permission;
    use crate::sessions::types::{SessionQuery, SESSIONS_PATH, SESSION_FILTERS};
    use crate::ui::query::ListParams;
    let params = ListParams::from_args(SESSIONS_PATH, SESSION_FILTERS, vec![search, status, user], after, before);
    with_permission(Permission::SessionsView, |permit| async move {
        let query = SessionQuery::from_params(&params).map_err(|e| AppError::Validation(vec![e]))?;
        crate::sessions::server::service::list(&permit, &query).await
    })
    .await
}

/// Requires `sessions.revoke`. Ends the session `id` at once: its next request is refused.
/// Revoking one's own current session signs one out (the cookie is cleared too).
#[server(endpoint = "revoke_session")]
pub async fn revoke_session(id: String) -> Result<RevokedSession, AppError> {
    use crate::auth::server::guard::with_permission;
    use crate::auth::types::Permission;
    with_permission(Permission::SessionsRevoke, |permit| async move {
        let revoked = crate::sessions::server::service::revoke(&permit, &id).await?;
        if revoked.own {
            crate::server::respond::set_cookie_header(&crate::auth::server::session::clear_cookie(permit.settings()));
        }
        Ok(revoked)
    })
    .await
}

/// Requires `sessions.revoke`. Ends every session of the user `id` (but the viewer's current
/// one); answers their name and how many ended.
#[server(endpoint = "revoke_user_sessions")]
pub async fn revoke_user_sessions(id: String) -> Result<(String, u64), AppError> {
    use crate::auth::server::guard::with_permission;
    use crate::auth::types::Permission;
    with_permission(Permission::SessionsRevoke, |permit| async move { crate::sessions::server::service::revoke_all(&permit, &id).await }).await
}
