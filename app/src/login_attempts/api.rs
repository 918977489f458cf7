//! Server functions of the Login Attempts page.

use crate::error::AppError;
use crate::login_attempts::types::LoginAttemptList;
use leptos::prelude::*;

/// Requires `login_attempts.view`. The organization's most recent sign-in attempts.
#[server(endpoint = "list_login_attempts")]
pub async fn list_login_attempts() -> Result<LoginAttemptList, AppError> {
    use crate::auth::server::guard::with_permission;
    use crate::auth::types::Permission;
    with_permission(Permission::LoginAttemptsView, |permit| async move {
        crate::login_attempts::server::service::list_recent(&permit, 100).await
    })
    .await
}
