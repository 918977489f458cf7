//! Server functions of the Audit Log page.

use crate::audit::types::AuditList;
use crate::error::AppError;
use leptos::prelude::*;

/// Requires `audit.view`. A page of the organization's audit events, newest first: `action`
/// (a key of `audit::types::ACTIONS`), `range` (`1h`, `24h`, `7d`, `30d`), and `actor` or
/// `target` (a user's id), after the cursor `after` or before `before`. The URL's parameters,
/// as is.
#[server(endpoint = "list_audit_events")]
pub async fn list_audit_events(
    action: Option<String>,
    range: Option<String>,
    actor: Option<String>,
    target: Option<String>,
    after: Option<String>,
    before: Option<String>,
) -> Result<AuditList, AppError> {
    use crate::audit::types::{AuditQuery, AUDIT_FILTERS, AUDIT_PATH};
    use crate::auth::server::guard::with_permission;
    use crate::auth::types::Permission;
    use crate::ui::query::ListParams;
    let params = ListParams::from_args(AUDIT_PATH, AUDIT_FILTERS, vec![action, range, actor, target], after, before);
    with_permission(Permission::AuditView, |permit| async move {
        let query = AuditQuery::from_params(&params).map_err(|e| AppError::Validation(vec![e]))?;
        crate::audit::server::service::list(&permit, &query).await
    })
    .await
}
