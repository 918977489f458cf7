//! Server functions of the Users page.

// `list_users` takes the URL's nine parameters as its own, and the code `#[server]` generates
// for the browser does not carry an attribute on the function.
#![allow(clippy::too_many_arguments)]

use crate::error::AppError;
use crate::users::account::{RoleOption, UserEditor, UserUpdate};
use crate::users::types::{UserList, UserStatus};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

/// Requires `users.view`. One page of the organization's users: any part of the name or email
/// (`search`), `status`, `role`, `last_login` (`never`, `30d`, `90d`, `180d`, `1y`), sorted by `sort` (`name`, `email`, `status`, `last_login`) in
/// `dir` order, `size` (25, 50, 100) rows after the cursor `after` or before `before`. The
/// URL's parameters, as is (see [`UserListParams`]).
#[server(endpoint = "list_users")]
pub async fn list_users(
    search: Option<String>,
    status: Option<String>,
    role: Option<String>,
    last_login: Option<String>,
    sort: Option<String>,
    dir: Option<String>,
    after: Option<String>,
    before: Option<String>,
    size: Option<String>,
) -> Result<UserList, AppError> {
    use crate::auth::server::guard::with_permission;
    use crate::auth::types::Permission;
    use crate::users::types::{UserListParams, UserQuery};
    let params = UserListParams { search, status, role, last_login, sort, dir, after, before, size, page: None };
    with_permission(Permission::UsersView, |permit| async move {
        let query = UserQuery::from_params(&params).map_err(|(field, message)| AppError::validation(&field, message))?;
        crate::users::server::service::list_users(&permit, &query).await
    })
    .await
}

/// Requires `users.view`. The organization's roles, for the Role filter.
#[server(endpoint = "list_roles")]
pub async fn list_roles() -> Result<Vec<RoleOption>, AppError> {
    use crate::auth::server::guard::with_permission;
    use crate::auth::types::Permission;
    with_permission(Permission::UsersView, |permit| async move { crate::users::server::service::roles(&permit).await }).await
}

/// Requires `users.edit`. The user `id` with the roles the viewer may grant, for the Edit dialog.
#[server(endpoint = "get_user")]
pub async fn get_user(id: String) -> Result<UserEditor, AppError> {
    use crate::auth::server::guard::with_permission;
    use crate::auth::types::Permission;
    with_permission(Permission::UsersEdit, |permit| async move { crate::users::server::service::user_editor(&permit, &id).await }).await
}

/// Requires `users.edit`, and `roles.assign` to change roles. Saves the Edit dialog.
#[server(endpoint = "update_user", input = Json)]
pub async fn update_user(update: UserUpdate) -> Result<(), AppError> {
    use crate::auth::server::guard::with_permission;
    use crate::auth::types::Permission;
    with_permission(Permission::UsersEdit, |permit| async move { crate::users::server::service::update_user(&permit, &update).await }).await
}

/// Requires `users.deactivate`. Makes the user Inactive (`active` false), ending their sessions,
/// or Active again; returns their name and new status.
#[server(endpoint = "set_user_active")]
pub async fn set_user_active(id: String, active: bool) -> Result<(String, UserStatus), AppError> {
    use crate::auth::server::guard::with_permission;
    use crate::auth::types::Permission;
    with_permission(Permission::UsersDeactivate, |permit| async move { crate::users::server::service::set_user_active(&permit, &id, active).await }).await
}

/// Requires `users.delete`. Deletes the user and their sessions; returns their name.
#[server(endpoint = "delete_user")]
pub async fn delete_user(id: String) -> Result<String, AppError> {
    use crate::auth::server::guard::with_permission;
    use crate::auth::types::Permission;
    with_permission(Permission::UsersDelete, |permit| async move { crate::users::server::service::delete_user(&permit, &id).await }).await
}

/// Requires `users.edit`. Lifts the user's lockout (too many wrong passwords); returns their
/// name.
#[server(endpoint = "unlock_user")]
pub async fn unlock_user(id: String) -> Result<String, AppError> {
    use crate::auth::server::guard::with_permission;
    use crate::auth::types::Permission;
    with_permission(Permission::UsersEdit, |permit| async move { crate::users::server::service::unlock_user(&permit, &id).await }).await
}
