//! Server functions of Your account: any signed-in user, about themselves only.

use crate::account::types::{AccountDetails, PasswordChange};
use crate::error::AppError;
use crate::sessions::types::SessionList;
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

/// Any signed-in user. Their own live sessions, this one marked.
#[server(endpoint = "my_sessions")]
pub async fn my_sessions() -> Result<SessionList, AppError> {
    use crate::auth::server::guard;
    use crate::server::respond;
    let permit = guard::signed_in().await?;
    crate::sessions::server::service::list_own(&permit).await.or_else(respond::fail)
}

/// Any signed-in user. **Sign out** of one of their own sessions (404 for anyone else's);
/// signing out of this one clears the cookie too. Answers whether it was this one.
#[server(endpoint = "sign_out_session")]
pub async fn sign_out_session(id: String) -> Result<bool, AppError> {
    use crate::auth::server::{guard, session};
    use crate::server::respond;
    let permit = guard::signed_in().await?;
    let current = crate::sessions::server::service::end_own(&permit, &id).await.or_else(respond::fail)?;
    if current {
        respond::set_cookie_header(&session::clear_cookie(permit.settings()));
    }
    Ok(current)
}

/// Any signed-in user. **Sign out everywhere else**: ends every other session of theirs;
/// answers how many.
#[server(endpoint = "sign_out_other_sessions")]
pub async fn sign_out_other_sessions() -> Result<u64, AppError> {
    use crate::auth::server::guard;
    use crate::server::respond;
    let permit = guard::signed_in().await?;
    crate::sessions::server::service::end_own_others(&permit).await.or_else(respond::fail)
}
