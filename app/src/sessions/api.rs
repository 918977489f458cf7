//! Server functions of the Sessions page.

use crate::error::AppError;
use crate::sessions::types::SessionList;
use leptos::prelude::*;

/// Requires `sessions.view`. The organization's live sessions.
#[server(endpoint = "list_sessions")]
pub async fn list_sessions() -> Result<SessionList, AppError> {
    use crate::auth::server::guard::with_permission;
    use crate::auth::types::Permission;
    with_permission(Permission::SessionsView, |permit| async move {
        crate::sessions::server::service::list_live(&permit, 100).await
    })
    .await
}
