//! Server functions of the Users page.

use crate::error::AppError;
use crate::users::types::UserList;
use leptos::prelude::*;

/// Requires `users.view`. The first page of the organization's users, by name.
#[server(endpoint = "list_users")]
pub async fn list_users() -> Result<UserList, AppError> {
    use crate::auth::server::guard;
    use crate::auth::types::Permission;
    use crate::server::respond;
    let result = async {
        let permit = guard::require(Permission::UsersView).await?;
        crate::users::server::service::list_users(&permit, 50).await
    }
    .await;
    result.or_else(respond::fail)
}
