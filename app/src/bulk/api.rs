//! Server functions of bulk actions. Each asks the guard for `users.view`, then the service
//! checks the permissions of the action itself (`bulk::server::service::required`).

use crate::bulk::types::{BulkJob, BulkPreview, BulkRequest};
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

/// Requires `users.view` and the action's permissions. Fixes the selection (the ticked users,
/// or every user matching the Users filters now) and says what the action would do; nothing
/// changes until [`start_bulk_job`].
#[server(endpoint = "preview_bulk_action", input = Json)]
pub async fn preview_bulk_action(request: BulkRequest) -> Result<BulkPreview, AppError> {
    use crate::auth::server::guard::with_permission;
    use crate::auth::types::Permission;
    with_permission(Permission::UsersView, |permit| async move { crate::bulk::server::service::preview(&permit, &request).await }).await
}

/// Requires the action's permissions. Starts the job the viewer previewed as `id`; a Delete
/// needs the number of users typed as `confirm`.
#[server(endpoint = "start_bulk_job")]
pub async fn start_bulk_job(id: String, confirm: Option<String>) -> Result<BulkJob, AppError> {
    use crate::auth::server::guard::with_permission;
    use crate::auth::types::Permission;
    with_permission(Permission::UsersView, |permit| async move { crate::bulk::server::service::start(&permit, &id, confirm.as_deref()).await }).await
}

/// Requires `users.view`. The job `id`: its progress, or its outcome once it ended.
#[server(endpoint = "get_bulk_job")]
pub async fn get_bulk_job(id: String) -> Result<BulkJob, AppError> {
    use crate::auth::server::guard::with_permission;
    use crate::auth::types::Permission;
    with_permission(Permission::UsersView, |permit| async move { crate::bulk::server::service::view(&permit, &id).await }).await
}

/// Requires `users.view`. The viewer's latest job, while it runs or for 15 minutes after.
#[server(endpoint = "latest_bulk_job")]
pub async fn latest_bulk_job() -> Result<Option<BulkJob>, AppError> {
    use crate::auth::server::guard::with_permission;
    use crate::auth::types::Permission;
    with_permission(Permission::UsersView, |permit| async move { crate::bulk::server::service::latest(&permit).await }).await
}

/// Requires the action's permissions. Stops the job after the chunk it is in.
#[server(endpoint = "cancel_bulk_job")]
pub async fn cancel_bulk_job(id: String) -> Result<BulkJob, AppError> {
    use crate::auth::server::guard::with_permission;
    use crate::auth::types::Permission;
    with_permission(Permission::UsersView, |permit| async move { crate::bulk::server::service::cancel(&permit, &id).await }).await
}

/// Requires the action's permissions. Reverses what job `id` changed, for every user nobody
/// changed since; offered for 15 minutes after it ended. Answers the new (undo) job.
#[server(endpoint = "undo_bulk_job")]
pub async fn undo_bulk_job(id: String) -> Result<BulkJob, AppError> {
    use crate::auth::server::guard::with_permission;
    use crate::auth::types::Permission;
    with_permission(Permission::UsersView, |permit| async move { crate::bulk::server::service::undo(&permit, &id).await }).await
}
