//! Adding accounts outside the web UI: the `roster user add` command and the first-start
//! owner. The operator of the machine acts here, so there is no permit; the same rules for
//! emails, names and passwords apply as everywhere else.

use crate::auth::server::guard::capability::Operator;
use crate::auth::server::password;
use crate::auth::server::new_password::{self, Holder};
use crate::auth::types::BuiltinRole;
use crate::error::AppError;
use crate::organizations::server::service as organizations;
use crate::server::db::is_unique_violation;
use crate::server::ids::{new_id, now_ms};
use crate::users::server::repo::account as repo;
use crate::users::types::{DisplayName, Email};

pub struct NewAccount {
    pub org_id: String,
    pub email: Email,
    pub name: DisplayName,
    pub role: BuiltinRole,
    pub password: String,
}

/// Creates an active account holding `role`. An email already used in the organization is a
/// `Conflict` and changes nothing.
pub async fn add_account(op: &Operator, account: NewAccount) -> Result<String, AppError> {
    let org = op.org(&account.org_id);
    let organization = organizations::name(&org).await?.ok_or(AppError::NotFound)?;
    let holder = Holder { email: account.email.as_str(), organization: &organization };
    new_password::check(&account.password, &holder).map_err(|m| AppError::validation("password", m))?;
    let role_id = organizations::role_id(&org, account.role.name())
        .await?
        .ok_or_else(|| AppError::validation("role", format!("The organization has no {} role.", account.role.name())))?;
    let hash = password::hash(account.password).await?;
    let id = new_id();
    let email = account.email.as_str();
    let new = repo::NewAccount { id: &id, email, name: account.name.as_str(), password_hash: &hash, role_id: &role_id };
    let mut tx = org.begin_write().await?;
    repo::insert_account(&mut tx, &new, now_ms()).await.map_err(|e| {
        if is_unique_violation(&e) {
            AppError::Conflict(format!("A user with the email {email} already exists in this organization."))
        } else {
            AppError::from(e)
        }
    })?;
    tx.commit().await?;
    Ok(id)
}

/// `roster user unlock`: lifts the lockout of the account `email` (and its devices'), for when
/// every Owner is locked out and nobody can sign in to press **Unlock**. Audited with no actor
/// but the operator. Whether there was a lock to lift.
pub async fn unlock_account(op: &Operator, org_id: &str, email: &str) -> Result<bool, AppError> {
    let org = op.org(org_id);
    let mut tx = org.begin_write().await?;
    let (user_id, _status) = repo::find_by_email(&mut tx, email).await?.ok_or(AppError::NotFound)?;
    let lifted = repo::unlock(&mut tx, &user_id, now_ms()).await?;
    if lifted {
        let event = crate::audit::server::service::AuditEvent {
            actor: crate::audit::server::service::Actor::CommandLine("roster user unlock"),
            client: None,
            action: "user.unlocked",
            target_type: "user",
            target_id: &user_id,
            target_label: email,
            details: serde_json::json!({ "by": "command line" }),
        };
        crate::audit::server::service::record(&mut tx, event).await?;
    }
    tx.commit().await?;
    Ok(lifted)
}

/// The invitee's account, from the invitations feature, inside its transaction: pending and
/// holding the invited role until they accept. See the repository for each step.
pub mod invitee {
    use crate::auth::server::guard::capability::{OrgDb, OrgTx};
    use crate::users::server::repo::account as repo;
    use crate::users::server::rules::RoleInfo;

    /// The organization's roles with their permissions, to check what an inviter may grant.
    pub async fn roles(org: &OrgDb) -> Result<Vec<RoleInfo>, sqlx::Error> {
        repo::org_roles(org).await
    }

    /// An account already using this email in the organization: its id and status.
    pub async fn existing(tx: &mut OrgTx, email: &str) -> Result<Option<(String, String)>, sqlx::Error> {
        repo::find_by_email(tx, email).await
    }

    /// The role ids the pending account holds now.
    pub async fn role_ids(tx: &mut OrgTx, user_id: &str) -> Result<Vec<String>, sqlx::Error> {
        repo::target_role_ids(tx, user_id).await
    }

    pub async fn add(tx: &mut OrgTx, id: &str, email: &str, role_id: &str, now: i64) -> Result<(), sqlx::Error> {
        repo::insert_invitee(tx, id, email, role_id, now).await
    }

    pub async fn activate(tx: &mut OrgTx, user_id: &str, name: &str, password_hash: &str, now: i64) -> Result<bool, sqlx::Error> {
        repo::activate_invitee(tx, user_id, name, password_hash, now).await
    }

    pub async fn remove(tx: &mut OrgTx, user_id: &str) -> Result<(), sqlx::Error> {
        repo::delete_invitee(tx, user_id).await
    }
}
