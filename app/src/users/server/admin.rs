//! Changing users: edit with roles, deactivate and activate, delete. Each change runs in one
//! write transaction with its checks and its audit event, so a refused change leaves nothing
//! behind and an accepted one is never without its record.

use super::account_repo::{self, TargetRow};
use super::rules::{self, RoleInfo};
use crate::audit::server::AuditEvent;
use crate::auth::server::guard::Permit;
use crate::auth::types::Permission;
use crate::error::AppError;
use crate::server::db::is_unique_violation;
use crate::server::ids::{key, now_ms};
use crate::users::account::{Profile, RoleOption, UserDetail, UserEditor, UserUpdate};
use crate::users::types::UserStatus;
use crate::{holds_owner, load_target, lock_organization, other_active_owners, record_audit, target_role_ids, write_tx};
use serde_json::json;

const CONFLICT: &str = "Someone else changed this user while you were editing. Close this dialog and open it again to see their changes.";

fn role_options(permit: &Permit, roles: &[RoleInfo]) -> Vec<RoleOption> {
    let actor = permit.permissions();
    roles
        .iter()
        .map(|r| RoleOption {
            id: r.id.clone(),
            name: r.name.clone(),
            description: r.description.clone(),
            grantable: permit.can(Permission::RolesAssign) && rules::can_grant(actor, r),
        })
        .collect()
}

/// The organization's roles, for the Role filter.
pub async fn roles(permit: &Permit) -> Result<Vec<RoleOption>, AppError> {
    let roles = account_repo::org_roles(permit.db(), permit.org_id()).await?;
    Ok(role_options(permit, &roles))
}

/// The user with everything the Edit dialog shows.
pub async fn editor(permit: &Permit, user_id: &str) -> Result<UserEditor, AppError> {
    let row = account_repo::find_target(permit.db(), permit.org_id(), user_id).await?.ok_or(AppError::NotFound)?;
    let role_ids = account_repo::role_ids_of(permit.db(), &row.id).await?;
    let roles = account_repo::org_roles(permit.db(), permit.org_id()).await?;
    let read_only_reason = rules::check_outranks(permit.permissions(), &roles, &role_ids).err().map(|_| {
        format!("{} holds a role with permissions you don't have, so you can't change this account.", row.name)
    });
    Ok(UserEditor {
        user: UserDetail {
            status: UserStatus::from_key(&row.status).unwrap_or(UserStatus::Inactive),
            profile: Profile {
                phone: row.phone.unwrap_or_default(),
                job_title: row.job_title.unwrap_or_default(),
                department: row.department.unwrap_or_default(),
                location: row.location.unwrap_or_default(),
                time_zone: row.time_zone.unwrap_or_default(),
            },
            id: row.id,
            name: row.name,
            email: row.email,
            role_ids,
            version: row.version,
        },
        roles: role_options(permit, &roles),
        can_assign_roles: permit.can(Permission::RolesAssign) && read_only_reason.is_none(),
        read_only_reason,
    })
}

/// The fields that differ between the stored user and the update, as `{field: [old, new]}`.
fn changed_fields(before: &TargetRow, valid: &crate::users::account::ValidUpdate) -> serde_json::Map<String, serde_json::Value> {
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let pairs = [
        ("name", before.name.clone(), valid.name.as_str().to_owned()),
        ("email", before.email.clone(), valid.email.as_str().to_owned()),
        ("phone", text(&before.phone), text(&valid.phone)),
        ("job_title", text(&before.job_title), text(&valid.job_title)),
        ("department", text(&before.department), text(&valid.department)),
        ("location", text(&before.location), text(&valid.location)),
        ("time_zone", text(&before.time_zone), text(&valid.time_zone)),
    ];
    pairs.into_iter().filter(|(_, old, new)| old != new).map(|(field, old, new)| (field.to_owned(), json!([old, new]))).collect()
}

/// Saves an edit. Refused whole when a field is bad, a role may not be granted or removed by
/// this viewer, the last active Owner would be lost, or the user changed since it was read.
pub async fn update(permit: &Permit, update: &UserUpdate) -> Result<(), AppError> {
    let valid = update.validate().map_err(AppError::Validation)?;
    let roles = account_repo::org_roles(permit.db(), permit.org_id()).await?;
    let actor = permit.permissions();
    let org_id = permit.org_id();
    let acting_on_self = permit.user_id() == update.id;
    let now = now_ms();
    let email_taken = || AppError::validation("email", "Another user in this organization already has this email.");
    write_tx!(permit.db(), tx => {
        lock_organization!(tx, org_id)?;
        let before = load_target!(tx, org_id, &update.id)?.ok_or(AppError::NotFound)?;
        if before.version != update.version {
            return Err(AppError::Conflict(CONFLICT.into()));
        }
        let current = target_role_ids!(tx, &before.id)?;
        rules::check_outranks(actor, &roles, &current)?;
        let change = rules::check_role_change(actor, acting_on_self, &roles, &current, &valid.role_ids)?;
        let loses_owner = change.removed.iter().any(|name| name == "Owner");
        if loses_owner && before.status == "active" && other_active_owners!(tx, org_id, &before.id)? == 0 {
            return Err(rules::last_owner_error(&before.name));
        }
        let fields = changed_fields(&before, &valid);
        if fields.is_empty() && change.is_empty() {
            return Ok(());
        }
        sqlx::query(
            "UPDATE users SET name = $1, name_key = $2, email = $3, email_key = $4, phone = $5, job_title = $6,
                 department = $7, location = $8, time_zone = $9, updated_at = $10, version = version + 1
             WHERE id = $11 AND org_id = $12 AND version = $13",
        )
        .bind(valid.name.as_str())
        .bind(key(valid.name.as_str()))
        .bind(valid.email.as_str())
        .bind(key(valid.email.as_str()))
        .bind(&valid.phone)
        .bind(&valid.job_title)
        .bind(&valid.department)
        .bind(&valid.location)
        .bind(&valid.time_zone)
        .bind(now)
        .bind(&before.id)
        .bind(org_id)
        .bind(before.version)
        .execute(&mut *tx)
        .await
        .map_err(|e| if is_unique_violation(&e) { email_taken() } else { AppError::from(e) })?;
        if !fields.is_empty() {
            record_audit!(tx, AuditEvent::on_user(permit, "user.updated", &before.id, &before.email, json!({ "changed": fields })))?;
        }
        if !change.is_empty() {
            sqlx::query("DELETE FROM user_roles WHERE user_id = $1").bind(&before.id).execute(&mut *tx).await?;
            for role_id in &valid.role_ids {
                sqlx::query("INSERT INTO user_roles (user_id, role_id) VALUES ($1, $2)")
                    .bind(&before.id)
                    .bind(role_id)
                    .execute(&mut *tx)
                    .await?;
            }
            let details = json!({ "added": change.added, "removed": change.removed });
            record_audit!(tx, AuditEvent::on_user(permit, "user.roles_changed", &before.id, valid.email.as_str(), details))?;
        }
        Ok::<_, AppError>(())
    });
    Ok(())
}

/// Deactivates (`active == false`) or activates the user, and returns their name and new
/// status. Deactivating ends every one of their sessions in the same transaction.
pub async fn set_active(permit: &Permit, user_id: &str, active: bool) -> Result<(String, UserStatus), AppError> {
    if !active {
        rules::check_not_self(permit.user_id(), user_id, "deactivate")?;
    }
    let org_id = permit.org_id();
    let now = now_ms();
    let (actor, roles) = (permit.permissions(), account_repo::org_roles(permit.db(), org_id).await?);
    let status = write_tx!(permit.db(), tx => {
        lock_organization!(tx, org_id)?;
        let before = load_target!(tx, org_id, user_id)?.ok_or(AppError::NotFound)?;
        rules::check_outranks(actor, &roles, &target_role_ids!(tx, &before.id)?)?;
        let status = if active {
            if before.status != "inactive" {
                return Ok((before.name, UserStatus::from_key(&before.status).unwrap_or(UserStatus::Active)));
            }
            // Someone who never set a password is still an invitee: back to Pending.
            let status: String = sqlx::query_scalar(
                "UPDATE users SET status = CASE WHEN password_hash IS NULL THEN 'pending' ELSE 'active' END,
                     updated_at = $1, version = version + 1
                 WHERE id = $2 RETURNING status",
            )
            .bind(now)
            .bind(&before.id)
            .fetch_one(&mut *tx)
            .await?;
            record_audit!(tx, AuditEvent::on_user(permit, "user.activated", &before.id, &before.email, json!({ "status": status })))?;
            (before.name, UserStatus::from_key(&status).unwrap_or(UserStatus::Active))
        } else {
            if before.status == "inactive" {
                return Ok((before.name, UserStatus::Inactive));
            }
            if other_active_owners!(tx, org_id, &before.id)? == 0 && holds_owner!(tx, &before.id)? {
                return Err(rules::last_owner_error(&before.name));
            }
            sqlx::query("UPDATE users SET status = 'inactive', updated_at = $1, version = version + 1 WHERE id = $2")
                .bind(now)
                .bind(&before.id)
                .execute(&mut *tx)
                .await?;
            let ended = sqlx::query(
                "UPDATE sessions SET ended_at = $1, end_reason = 'deactivated', revoked_by = $2
                 WHERE user_id = $3 AND ended_at IS NULL",
            )
            .bind(now)
            .bind(permit.user_id())
            .bind(&before.id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            let details = json!({ "status": "inactive", "sessions_ended": ended });
            record_audit!(tx, AuditEvent::on_user(permit, "user.deactivated", &before.id, &before.email, details))?;
            (before.name, UserStatus::Inactive)
        };
        Ok::<_, AppError>(status)
    });
    Ok(status)
}

/// Deletes the user and, by cascade, their roles and sessions; login attempts and audit
/// events keep the email. Returns the name, for the toast.
pub async fn delete(permit: &Permit, user_id: &str) -> Result<String, AppError> {
    rules::check_not_self(permit.user_id(), user_id, "delete")?;
    let org_id = permit.org_id();
    let (actor, roles) = (permit.permissions(), account_repo::org_roles(permit.db(), org_id).await?);
    let name = write_tx!(permit.db(), tx => {
        lock_organization!(tx, org_id)?;
        let before = load_target!(tx, org_id, user_id)?.ok_or(AppError::NotFound)?;
        rules::check_outranks(actor, &roles, &target_role_ids!(tx, &before.id)?)?;
        if before.status == "active" && other_active_owners!(tx, org_id, &before.id)? == 0 && holds_owner!(tx, &before.id)? {
            return Err(rules::last_owner_error(&before.name));
        }
        sqlx::query("DELETE FROM users WHERE id = $1 AND org_id = $2").bind(&before.id).bind(org_id).execute(&mut *tx).await?;
        let details = json!({ "name": before.name, "email": before.email, "status": before.status });
        record_audit!(tx, AuditEvent::on_user(permit, "user.deleted", &before.id, &before.email, details))?;
        Ok::<_, AppError>(before.name)
    });
    Ok(name)
}
