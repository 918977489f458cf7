//! The signed-in user's own account: reading it, and changing the password, which ends every
//! other session of theirs in the same transaction.

use super::repo;
use crate::account::types::{AccountDetails, PasswordChange};
use crate::audit::server::service::{self as audit, AuditEvent};
use crate::auth::server::guard::capability::Permit;
use crate::auth::server::new_password::{self, Holder};
use crate::auth::server::service as auth;
use crate::server::client::ClientInfo;
use crate::error::AppError;
use crate::server::ids::now_ms;
use serde_json::json;

pub async fn my_account(permit: &Permit) -> Result<AccountDetails, AppError> {
    let me = permit.current_user();
    let roles = repo::role_names(permit.org(), permit.user_id()).await?;
    Ok(AccountDetails { name: me.name, email: me.email, organization: me.org_name, roles })
}

pub async fn change_password(permit: &Permit, change: PasswordChange) -> Result<u64, AppError> {
    if change.current_password.is_empty() {
        return Err(AppError::validation("current_password", "Enter your current password."));
    }
    let me = permit.current_user();
    let holder = Holder { email: &me.email, organization: &me.org_name };
    new_password::check(&change.new_password, &holder).map_err(|m| AppError::validation("new_password", m))?;
    if change.new_password == change.current_password {
        return Err(AppError::validation("new_password", "Choose a password different from the current one."));
    }
    let client = ClientInfo::of_request(permit.settings());
    let Some(turn) = auth::check_current_password(permit, &client, change.current_password).await? else {
        return Err(AppError::validation("current_password", "That is not your current password."));
    };
    let hash = turn.hash(change.new_password).await?;
    let mut tx = permit.org().begin_write().await?;
    repo::set_password(&mut tx, permit.user_id(), &hash, now_ms()).await?;
    let ended = repo::end_other_sessions(&mut tx, permit.user_id(), permit.session_id(), now_ms()).await?;
    let event = AuditEvent::on_user(permit, "user.password_changed", permit.user_id(), permit.user_email(), json!({ "sessions_ended": ended }));
    audit::record(&mut tx, event).await?;
    tx.commit().await?;
    Ok(ended)
}
