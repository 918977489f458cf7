//! Server functions of the Login Attempts page.

use crate::error::AppError;
use crate::login_attempts::types::LoginAttemptList;
use leptos::prelude::*;

/// Requires `login_attempts.view`. A page of the organization's sign-in attempts, newest
/// first: `search` (an email or IP address, exactly), `status` (`success`, `failed`), `range`
/// (`1h`, `24h`, `7d`, `30d`), after the cursor `after` or before `before`. The URL's
/// parameters, as is.
#[server(endpoint = "list_login_attempts")]
pub async fn list_login_attempts(
    search: Option<String>,
    status: Option<String>,
    range: Option<String>,
    after: Option<String>,
    before: Option<String>,
) -> Result<LoginAttemptList, AppError> {
    use crate::auth::server::guard::with_permission;
    use crate::auth::types::Permission;
    use crate::login_attempts::types::{AttemptQuery, ATTEMPTS_PATH, ATTEMPT_FILTERS};
    use crate::ui::query::ListParams;
    let params = ListParams::from_args(ATTEMPTS_PATH, ATTEMPT_FILTERS, vec![search, status, range], after, before);
    with_permission(Permission::LoginAttemptsView, |permit| async move {
        let query = AttemptQuery::from_params(&params).map_err(|e| AppError::Validation(vec![e]))?;
        crate::login_attempts::server::service::list(&permit, &query).await
    })
    .await
}
