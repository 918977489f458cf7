//! Adding accounts outside the web UI: the `roster user add` command and the first-start
//! owner. An operator on the machine acts here, so there is no permit; the same rules for
//! emails, names and passwords apply as everywhere else.

use crate::auth::server::password;
use crate::auth::types::{check_password_policy, BuiltinRole};
use crate::error::AppError;
use crate::organizations::server::repo as orgs;
use crate::server::db::{is_unique_violation, Db};
use crate::server::ids::{key, new_id, now_ms};
use crate::users::types::{DisplayName, Email};
use crate::write_tx;

pub struct NewAccount {
    pub org_id: String,
    pub email: Email,
    pub name: DisplayName,
    pub role: BuiltinRole,
    pub password: String,
}

/// Creates an active account holding `role`. An email already used in the organization is a
/// `Conflict` and changes nothing.
pub async fn add_account(db: &Db, account: NewAccount) -> Result<String, AppError> {
    check_password_policy(&account.password).map_err(|m| AppError::validation("password", m))?;
    let role_id = orgs::role_id(db, &account.org_id, account.role.name())
        .await?
        .ok_or_else(|| AppError::validation("role", format!("The organization has no {} role.", account.role.name())))?;
    let hash = password::hash(account.password).await?;
    let id = new_id();
    let now = now_ms();
    let email = account.email.as_str();
    let name = account.name.as_str();
    let taken = || AppError::Conflict(format!("A user with the email {email} already exists in this organization."));
    write_tx!(db, tx => {
        sqlx::query(
            "INSERT INTO users (id, org_id, email, email_key, name, name_key, password_hash, status, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'active', $8, $8)",
        )
        .bind(&id)
        .bind(&account.org_id)
        .bind(email)
        .bind(key(email))
        .bind(name)
        .bind(key(name))
        .bind(&hash)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(|e| if is_unique_violation(&e) { taken() } else { AppError::from(e) })?;
        sqlx::query("INSERT INTO user_roles (user_id, role_id) VALUES ($1, $2)")
            .bind(&id)
            .bind(&role_id)
            .execute(&mut *tx)
            .await?;
        Ok::<_, AppError>(())
    });
    Ok(id)
}
