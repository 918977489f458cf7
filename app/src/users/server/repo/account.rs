//! SQL for one user at a time: what the Edit dialog reads, and the statements a change runs
//! inside its transaction. Every statement is scoped to the capability's organization.

use crate::auth::server::guard::capability::{OrgDb, OrgTx};
use crate::auth::types::Permission;
use crate::server::ids::key;
use crate::server::sql::Sql;
use crate::users::server::rules::RoleInfo;
use sqlx::FromRow;
use std::collections::HashMap;

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
    /// Whether they hold the Owner role (read with them: the last-Owner rule asks).
    pub holds_owner: bool,
}

/// The profile an edit writes, already checked.
pub struct ProfileUpdate<'a> {
    pub name: &'a str,
    pub email: &'a str,
    pub phone: &'a Option<String>,
    pub job_title: &'a Option<String>,
    pub department: &'a Option<String>,
    pub location: &'a Option<String>,
    pub time_zone: &'a Option<String>,
}

/// A new account of the organization, active, holding one role.
pub struct NewAccount<'a> {
    pub id: &'a str,
    pub email: &'a str,
    pub name: &'a str,
    pub password_hash: &'a str,
    pub role_id: &'a str,
}

fn select_target(org_id: &str, user_id: &str) -> Sql {
    let mut sql = Sql::new(TARGET_COLUMNS);
    sql.push(" WHERE u.id = ").push_bind(user_id).push(" AND u.org_id = ").push_bind(org_id);
    sql
}

/// A target's columns (see [`TargetRow`]), from `users u`.
const TARGET_COLUMNS: &str = "SELECT u.id, u.name, u.email, u.status, u.version, u.phone, u.job_title, u.department, u.location, u.time_zone,
         EXISTS (SELECT 1 FROM user_roles ur JOIN roles r ON r.id = ur.role_id WHERE ur.user_id = u.id AND r.name = 'Owner') AS holds_owner
     FROM users u";

/// The users `ids` of the transaction's organization as a change needs them, and their role
/// ids: a bulk job's chunk reads its users in two statements rather than two a user.
pub async fn load_targets(tx: &mut OrgTx, ids: &[String]) -> Result<(Vec<TargetRow>, Vec<(String, String)>), sqlx::Error> {
    if ids.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let org_id = tx.id().to_owned();
    // Found by id, the organization checked on each: the CAST keeps SQLite's planner, which
    // has no statistics to tell it that every user shares the organization, from reading all
    // of them through an index on `org_id` (a million rows a chunk) instead of 200 by key.
    let mut sql = Sql::new(TARGET_COLUMNS);
    sql.push(" WHERE u.id").push_in(ids);
    sql.push(" AND CAST(u.org_id AS TEXT) = ").push_bind(org_id.as_str());
    let targets = tx.exec().fetch_all(sql).await?;
    let mut sql = Sql::new("SELECT ur.user_id, ur.role_id FROM user_roles ur JOIN users u ON u.id = ur.user_id WHERE CAST(u.org_id AS TEXT) = ");
    sql.push_bind(org_id.as_str()).push(" AND ur.user_id").push_in(ids);
    sql.push(" ORDER BY ur.user_id, ur.role_id");
    let roles = tx.exec().fetch_all(sql).await?;
    Ok((targets, roles))
}

/// The role ids a user of the organization holds.
fn select_role_ids(org_id: &str, user_id: &str) -> Sql {
    Sql::new(
        "SELECT ur.role_id FROM user_roles ur JOIN users u ON u.id = ur.user_id
         WHERE ur.user_id = $1 AND u.org_id = $2 ORDER BY ur.role_id",
    )
    .bind(user_id)
    .bind(org_id)
}

/// The organization's roles with their permissions, the most powerful first.
pub async fn org_roles(org: &OrgDb) -> Result<Vec<RoleInfo>, sqlx::Error> {
    #[derive(FromRow)]
    struct Row {
        id: String,
        name: String,
        description: String,
        permission: Option<String>,
    }
    let sql = Sql::new(
        "SELECT r.id, r.name, r.description, rp.permission FROM roles r
         LEFT JOIN role_permissions rp ON rp.role_id = r.id
         WHERE r.org_id = $1 ORDER BY r.name, r.id",
    );
    let rows: Vec<Row> = org.exec().fetch_all(sql.bind(org.id())).await?;
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

pub async fn find_target(org: &OrgDb, user_id: &str) -> Result<Option<TargetRow>, sqlx::Error> {
    org.exec().fetch_optional(select_target(org.id(), user_id)).await
}

pub async fn role_ids_of(org: &OrgDb, user_id: &str) -> Result<Vec<String>, sqlx::Error> {
    org.exec().scalars(select_role_ids(org.id(), user_id)).await
}

/// Serializes the changes that could leave an organization without an active Owner: each
/// takes this row lock first (Postgres; SQLite's `BEGIN IMMEDIATE` already holds the
/// database's write lock), so two Owners demoting each other at once cannot both succeed.
pub async fn lock_organization(tx: &mut OrgTx) -> Result<(), sqlx::Error> {
    let sql = Sql::new("UPDATE organizations SET slug = slug WHERE id = $1").bind(tx.id());
    tx.exec().execute(sql).await.map(|_| ())
}

/// The target row, read inside the transaction.
pub async fn load_target(tx: &mut OrgTx, user_id: &str) -> Result<Option<TargetRow>, sqlx::Error> {
    let sql = select_target(tx.id(), user_id);
    tx.exec().fetch_optional(sql).await
}

/// The role ids the user holds, read inside the transaction.
pub async fn target_role_ids(tx: &mut OrgTx, user_id: &str) -> Result<Vec<String>, sqlx::Error> {
    let sql = select_role_ids(tx.id(), user_id);
    tx.exec().scalars(sql).await
}

/// Whether the organization has an active Owner besides `user_id`. Read from the Owner role's
/// holders by status (`user_roles_by_status`) and stopping at the first: counting from the
/// users' side read every active user, a second at a million, with the write lock held.
pub async fn another_active_owner(tx: &mut OrgTx, user_id: &str) -> Result<bool, sqlx::Error> {
    let sql = Sql::new(
        "SELECT EXISTS (SELECT 1 FROM roles r
             JOIN user_roles ur ON ur.role_id = r.id AND ur.status = 'active'
             JOIN users u ON u.id = ur.user_id
             WHERE r.org_id = $1 AND r.name = 'Owner' AND u.status = 'active' AND u.id <> $2)",
    )
    .bind(tx.id())
    .bind(user_id);
    tx.exec().scalar(sql).await
}

/// Writes the profile of the user read at `version`, and moves the version on.
pub async fn update_profile(tx: &mut OrgTx, user_id: &str, version: i64, p: &ProfileUpdate<'_>, now: i64) -> Result<(), sqlx::Error> {
    let sql = Sql::new(
        "UPDATE users SET name = $1, name_key = $2, email = $3, email_key = $4, phone = $5, job_title = $6,
             department = $7, location = $8, time_zone = $9, updated_at = $10, version = version + 1
         WHERE id = $11 AND org_id = $12 AND version = $13",
    )
    .bind(p.name)
    .bind(key(p.name))
    .bind(p.email)
    .bind(key(p.email))
    .bind(p.phone)
    .bind(p.job_title)
    .bind(p.department)
    .bind(p.location)
    .bind(p.time_zone)
    .bind(now)
    .bind(user_id)
    .bind(tx.id())
    .bind(version);
    tx.exec().execute(sql).await.map(|_| ())
}

/// Makes the user of the organization hold exactly `role_ids`, of the organization's roles:
/// an id of another organization's user or role changes nothing.
pub async fn replace_roles(tx: &mut OrgTx, user_id: &str, role_ids: &[String]) -> Result<(), sqlx::Error> {
    let sql = Sql::new("DELETE FROM user_roles WHERE user_id = $1 AND user_id IN (SELECT id FROM users WHERE org_id = $2)")
        .bind(user_id)
        .bind(tx.id());
    tx.exec().execute(sql).await?;
    for role_id in role_ids {
        let sql = Sql::new(
            "INSERT INTO user_roles (user_id, role_id)
             SELECT u.id, r.id FROM users u JOIN roles r ON r.org_id = u.org_id
             WHERE u.id = $1 AND r.id = $2 AND u.org_id = $3",
        )
        .bind(user_id)
        .bind(role_id)
        .bind(tx.id());
        tx.exec().execute(sql).await?;
    }
    Ok(())
}

/// Moves the user's version on: a change that is not to the row itself (their roles) still
/// makes an edit or an undo made from the version before it a conflict.
pub async fn bump_version(tx: &mut OrgTx, user_id: &str, now: i64) -> Result<(), sqlx::Error> {
    let sql = Sql::new("UPDATE users SET version = version + 1, updated_at = $1 WHERE id = $2 AND org_id = $3").bind(now).bind(user_id).bind(tx.id());
    tx.exec().execute(sql).await.map(|_| ())
}

/// Makes the users `ids` (Inactive, as the caller read them) Active again, or Pending if they
/// never set a password, in one statement; each changed user's id and new status (a user gone
/// since is not among them). A single Activate and a bulk job's chunk both come here.
pub async fn activate_many(tx: &mut OrgTx, ids: &[String], now: i64) -> Result<Vec<(String, String)>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let org_id = tx.id().to_owned();
    let mut sql = Sql::new(
        "UPDATE users SET status = CASE WHEN password_hash IS NULL THEN 'pending' ELSE 'active' END,
             updated_at = $1, version = version + 1
         WHERE id",
    )
    .bind(now);
    // The CAST: see `load_targets`.
    sql.push_in(ids).push(" AND CAST(org_id AS TEXT) = ").push_bind(org_id.as_str()).push(" RETURNING id, status");
    tx.exec().fetch_all(sql).await
}

/// Makes the users `ids` Inactive and ends every session they hold, `revoked_by` the actor, in
/// two statements; each user's id and how many sessions ended. A user gone since the caller
/// read them (a pending invitee removed with an inviter's invitations) is not among them.
pub async fn deactivate_many(tx: &mut OrgTx, ids: &[String], actor_id: &str, now: i64) -> Result<Vec<(String, u64)>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let org_id = tx.id().to_owned();
    let mut sql = Sql::new("UPDATE users SET status = 'inactive', updated_at = $1, version = version + 1 WHERE id").bind(now);
    sql.push_in(ids).push(" AND CAST(org_id AS TEXT) = ").push_bind(org_id.as_str()).push(" RETURNING id");
    let changed: Vec<String> = tx.exec().scalars(sql).await?;
    if changed.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new("UPDATE sessions SET ended_at = $1, end_reason = 'deactivated', revoked_by = $2 WHERE ended_at IS NULL AND user_id")
        .bind(now)
        .bind(actor_id);
    sql.push_in(&changed).push(" AND CAST(org_id AS TEXT) = ").push_bind(org_id.as_str()).push(" RETURNING user_id");
    let ended: Vec<String> = tx.exec().scalars(sql).await?;
    let mut counts: HashMap<String, u64> = changed.into_iter().map(|id| (id, 0)).collect();
    for user_id in ended {
        *counts.entry(user_id).or_default() += 1;
    }
    Ok(counts.into_iter().collect())
}

/// Lifts the user's lockout and forgets their failed sign-ins; whether a lock was in force.
pub async fn unlock(tx: &mut OrgTx, user_id: &str, now: i64) -> Result<bool, sqlx::Error> {
    let sql = Sql::new("DELETE FROM account_lockouts WHERE user_id = $1 AND org_id = $2 RETURNING locked_until")
        .bind(user_id)
        .bind(tx.id());
    let until: Option<Option<i64>> = tx.exec().optional_scalar(sql).await?;
    // Its devices' locks too (device cookies, `auth::server::device`).
    let sql = Sql::new("UPDATE trusted_devices SET failures = 0, locked_until = NULL WHERE user_id = $1 AND org_id = $2 AND locked_until > $3")
        .bind(user_id)
        .bind(tx.id())
        .bind(now);
    let devices = tx.exec().execute(sql).await?;
    Ok(until.flatten().is_some_and(|until| until > now) || devices > 0)
}

/// Deletes the user; their roles and sessions go with them (foreign keys cascade).
pub async fn delete(tx: &mut OrgTx, user_id: &str) -> Result<(), sqlx::Error> {
    let sql = Sql::new("DELETE FROM users WHERE id = $1 AND org_id = $2").bind(user_id).bind(tx.id());
    tx.exec().execute(sql).await.map(|_| ())
}

/// Inserts an active account holding one role.
pub async fn insert_account(tx: &mut OrgTx, account: &NewAccount<'_>, now: i64) -> Result<(), sqlx::Error> {
    let sql = Sql::new(
        "INSERT INTO users (id, org_id, email, email_key, name, name_key, password_hash, status, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'active', $8, $8)",
    )
    .bind(account.id)
    .bind(tx.id())
    .bind(account.email)
    .bind(key(account.email))
    .bind(account.name)
    .bind(key(account.name))
    .bind(account.password_hash)
    .bind(now);
    tx.exec().execute(sql).await?;
    replace_roles(tx, account.id, &[account.role_id.to_owned()]).await
}

/// A pending account for an invitee: no password, named by their email until they accept,
/// holding the invited role, so the Users list shows them at once.
pub async fn insert_invitee(tx: &mut OrgTx, id: &str, email: &str, role_id: &str, now: i64) -> Result<(), sqlx::Error> {
    let sql = Sql::new(
        "INSERT INTO users (id, org_id, email, email_key, name, name_key, status, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $3, $4, 'pending', $5, $5)",
    )
    .bind(id)
    .bind(tx.id())
    .bind(email)
    .bind(key(email))
    .bind(now);
    tx.exec().execute(sql).await?;
    replace_roles(tx, id, &[role_id.to_owned()]).await
}

/// The organization's user with this email (any case): id and status.
pub async fn find_by_email(tx: &mut OrgTx, email: &str) -> Result<Option<(String, String)>, sqlx::Error> {
    #[derive(FromRow)]
    struct Row {
        id: String,
        status: String,
    }
    let sql = Sql::new("SELECT id, status FROM users WHERE org_id = $1 AND email_key = $2").bind(tx.id()).bind(key(email));
    Ok(tx.exec().fetch_optional::<Row>(sql).await?.map(|r| (r.id, r.status)))
}

/// Makes a pending invitee an active account with their name and password; false when the
/// account is no longer pending (deactivated or deleted meanwhile).
pub async fn activate_invitee(tx: &mut OrgTx, user_id: &str, name: &str, password_hash: &str, now: i64) -> Result<bool, sqlx::Error> {
    let sql = Sql::new(
        "UPDATE users SET name = $1, name_key = $2, password_hash = $3, status = 'active', last_login_at = $4,
             updated_at = $4, version = version + 1
         WHERE id = $5 AND org_id = $6 AND status = 'pending'",
    )
    .bind(name)
    .bind(key(name))
    .bind(password_hash)
    .bind(now)
    .bind(user_id)
    .bind(tx.id());
    Ok(tx.exec().execute(sql).await? == 1)
}

/// Removes an invitee who never accepted (declined, or the invitation cancelled); an account
/// that became anything else stays.
pub async fn delete_invitee(tx: &mut OrgTx, user_id: &str) -> Result<(), sqlx::Error> {
    let sql = Sql::new("DELETE FROM users WHERE id = $1 AND org_id = $2 AND status = 'pending'").bind(user_id).bind(tx.id());
    tx.exec().execute(sql).await.map(|_| ())
}
