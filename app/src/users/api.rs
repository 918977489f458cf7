//! Server functions of the Users page.

use crate::error::AppError;
use crate::users::types::UserList;
use leptos::prelude::*;

/// Requires `users.view`. One page of the organization's users: any part of the name or email
/// (`search`), `status`, `role`, sorted by `sort` (`name`, `email`, `status`, `last_login`) in
/// `dir` order, `size` (25, 50, 100) rows after the cursor `after`. The URL's parameters, as is.
#[server(endpoint = "list_users")]
pub async fn list_users(
    search: Option<String>,
    status: Option<String>,
    role: Option<String>,
    sort: Option<String>,
    dir: Option<String>,
    after: Option<String>,
    size: Option<u32>,
) -> Result<UserList, AppError> {
    use crate::auth::server::guard;
    use crate::auth::types::Permission;
    use crate::server::respond;
    use crate::users::types::UserQuery;
    let result = async {
        let permit = guard::require(Permission::UsersView).await?;
        let query = UserQuery::from_params(search, status, role, sort, dir, after, size)
            .map_err(|(field, message)| AppError::validation(&field, message))?;
        crate::users::server::service::list_users(&permit, &query).await
    }
    .await;
    result.or_else(respond::fail)
}
