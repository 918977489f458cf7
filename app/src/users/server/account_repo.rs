//! SQL for one user at a time: what the Edit dialog reads, and the statements the changes run
//! inside their transactions (as macros, since a transaction of either database runs them).

use super::rules::RoleInfo;
use crate::auth::types::Permission;
use crate::on_db;
use crate::server::db::Db;
use sqlx::FromRow;

/// A user as a change needs them: profile, status and version.
#[derive(Debug, Clone, FromRow)]
pub struct TargetRow {
    pub id: String,
    pub name: String,
    pub email: String,
    pub status: String,
    pub version: i64,
    pub phone: Option<String>,
    pub job_title: Option<String>,
    pub department: Option<String>,
    pub location: Option<String>,
    pub time_zone: Option<String>,
}

pub const SELECT_TARGET: &str = "SELECT id, name, email, status, version, phone, job_title, department, location, time_zone
     FROM users WHERE id = $1 AND org_id = $2";

/// The organization's roles with their permissions, the most powerful first.
pub async fn org_roles(db: &Db, org_id: &str) -> Result<Vec<RoleInfo>, sqlx::Error> {
    #[derive(FromRow)]
    struct Row {
        id: String,
        name: String,
        description: String,
        permission: Option<String>,
    }
    let rows = on_db!(db, pool => sqlx::query_as::<_, Row>(
        "SELECT r.id, r.name, r.description, rp.permission FROM roles r
         LEFT JOIN role_permissions rp ON rp.role_id = r.id
         WHERE r.org_id = $1 ORDER BY r.name, r.id",
    )
    .bind(org_id)
    .fetch_all(pool)
    .await)?;
    let mut roles: Vec<RoleInfo> = Vec::new();
    for row in rows {
        if roles.last().is_none_or(|r| r.id != row.id) {
            roles.push(RoleInfo { id: row.id, name: row.name, description: row.description, permissions: Vec::new() });
        }
        if let (Some(role), Some(p)) = (roles.last_mut(), row.permission.as_deref().and_then(Permission::from_key)) {
            role.permissions.push(p);
        }
    }
    roles.sort_by(|a, b| b.permissions.len().cmp(&a.permissions.len()).then_with(|| a.name.cmp(&b.name)));
    Ok(roles)
}

pub async fn find_target(db: &Db, org_id: &str, user_id: &str) -> Result<Option<TargetRow>, sqlx::Error> {
    on_db!(db, pool => sqlx::query_as::<_, TargetRow>(SELECT_TARGET).bind(user_id).bind(org_id).fetch_optional(pool).await)
}

pub async fn role_ids_of(db: &Db, user_id: &str) -> Result<Vec<String>, sqlx::Error> {
    on_db!(db, pool => sqlx::query_scalar::<_, String>("SELECT role_id FROM user_roles WHERE user_id = $1 ORDER BY role_id")
        .bind(user_id)
        .fetch_all(pool)
        .await)
}

/// Serializes the changes that could leave an organization without an active Owner: each
/// takes this row lock first (Postgres; SQLite's `BEGIN IMMEDIATE` already holds the
/// database's write lock), so two Owners demoting each other at once cannot both succeed.
#[macro_export]
macro_rules! lock_organization {
    ($tx:ident, $org_id:expr) => {
        sqlx::query("UPDATE organizations SET slug = slug WHERE id = $1").bind($org_id).execute(&mut *$tx).await
    };
}

/// How many active Owners the organization has besides `$user_id`.
#[macro_export]
macro_rules! other_active_owners {
    ($tx:ident, $org_id:expr, $user_id:expr) => {
        sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM users u
             JOIN user_roles ur ON ur.user_id = u.id
             JOIN roles r ON r.id = ur.role_id
             WHERE u.org_id = $1 AND u.status = 'active' AND r.name = 'Owner' AND u.id <> $2",
        )
        .bind($org_id)
        .bind($user_id)
        .fetch_one(&mut *$tx)
        .await
    };
}

/// The target row, read inside the transaction.
#[macro_export]
macro_rules! load_target {
    ($tx:ident, $org_id:expr, $user_id:expr) => {
        sqlx::query_as::<_, $crate::users::server::account_repo::TargetRow>($crate::users::server::account_repo::SELECT_TARGET)
            .bind($user_id)
            .bind($org_id)
            .fetch_optional(&mut *$tx)
            .await
    };
}

/// True when `$user_id` holds the Owner role.
#[macro_export]
macro_rules! holds_owner {
    ($tx:ident, $user_id:expr) => {
        sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM user_roles ur JOIN roles r ON r.id = ur.role_id WHERE ur.user_id = $1 AND r.name = 'Owner'",
        )
        .bind($user_id)
        .fetch_one(&mut *$tx)
        .await
        .map(|n| n > 0)
    };
}

/// The role ids `$user_id` holds, read inside the transaction.
#[macro_export]
macro_rules! target_role_ids {
    ($tx:ident, $user_id:expr) => {
        sqlx::query_scalar::<_, String>("SELECT role_id FROM user_roles WHERE user_id = $1").bind($user_id).fetch_all(&mut *$tx).await
    };
}
