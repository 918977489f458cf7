//! Server functions of Your account: any signed-in user, about themselves only.

use crate::account::types::{AccountDetails, PasswordChange};
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

/// Any signed-in user. Their own name, email, organization and roles.
#[server(endpoint = "my_account")]
pub async fn my_account() -> Result<AccountDetails, AppError> {
    use crate::auth::server::guard;
    use crate::server::respond;
    let permit = guard::signed_in().await?;
    crate::account::server::service::my_account(&permit).await.or_else(respond::fail)
}

/// Any signed-in user. Changes their password (the current one is required) and ends every
/// other session they hold; returns how many ended.
#[server(endpoint = "change_password", input = Json)]
pub async fn change_password(change: PasswordChange) -> Result<u64, AppError> {
    use crate::auth::server::guard;
    use crate::server::respond;
    let permit = guard::signed_in().await?;
    crate::account::server::service::change_password(&permit, change).await.or_else(respond::fail)
}
