//! Changing users: edit with roles, deactivate and activate, delete. Each change runs in one
//! write transaction with its checks and its audit event, so a refused change leaves nothing
//! behind and an accepted one is never without its record. A transaction commits only where
//! `commit` is called; every early return rolls it back.

use std::collections::HashMap;
use crate::audit::server::service::{self as audit, AuditEvent};
use crate::auth::server::guard::capability::{OrgTx, Permit};
use crate::auth::types::Permission;
use crate::error::AppError;
use crate::invitations::server::service::{self as invitations, InviterChange};
use crate::server::db::is_unique_violation;
use crate::server::ids::now_ms;
use crate::users::account::{Profile, RoleOption, UserDetail, UserEditor, UserUpdate, ValidUpdate};
use crate::users::server::repo::account::{self as repo, ProfileUpdate, TargetRow};
use crate::users::server::rules::{self, RoleChange, RoleInfo};
use crate::users::types::UserStatus;
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

/// Locks the organization's users for a change inside `tx` (see [`repo::lock_organization`]):
/// a bulk job's chunk takes it once for all its users.
pub async fn lock_for_changes(tx: &mut OrgTx) -> Result<(), AppError> {
    Ok(repo::lock_organization(tx).await?)
}

/// The organization's roles with their permissions, for the rules (`users::server::rules`).
pub async fn role_infos(permit: &Permit) -> Result<Vec<RoleInfo>, AppError> {
    Ok(repo::org_roles(permit.org()).await?)
}

/// The organization's roles, for the Role filter.
pub async fn roles(permit: &Permit) -> Result<Vec<RoleOption>, AppError> {
    let roles = repo::org_roles(permit.org()).await?;
    Ok(role_options(permit, &roles))
}

/// Refuses (403, naming them) an action of the viewer's on `user_id`, named `name`, whose
/// roles carry a permission the viewer lacks: the outranking rule of Edit and Deactivate, for
/// other features that act on a person (ending their sessions). Acting on oneself is always
/// allowed.
pub async fn check_may_act_on(tx: &mut OrgTx, permit: &Permit, user_id: &str, name: &str, what: &str) -> Result<(), AppError> {
    if user_id == permit.user_id() {
        return Ok(());
    }
    let roles = repo::org_roles(permit.org()).await?;
    if rules::outranking_roles(permit.permissions(), &roles).is_empty() {
        return Ok(());
    }
    let role_ids = repo::target_role_ids(tx, user_id).await?;
    rules::check_outranks(permit.permissions(), &roles, &role_ids).map_err(|_| rules::outranked_error(name, what))
}

/// Of `user_ids`, those the viewer may not act on (their roles outrank the viewer's), in one
/// round trip; none at all for a viewer holding every permission the roles carry.
pub async fn outranking_among(permit: &Permit, user_ids: &[String]) -> Result<std::collections::HashSet<String>, AppError> {
    let roles = repo::org_roles(permit.org()).await?;
    let above: Vec<String> = rules::outranking_roles(permit.permissions(), &roles).into_iter().map(|r| r.name.clone()).collect();
    if above.is_empty() {
        return Ok(Default::default());
    }
    let held = crate::users::server::repo::list::roles_of(permit.org(), user_ids).await?;
    Ok(held.into_iter().filter(|r| above.contains(&r.role_name) && r.user_id != permit.user_id()).map(|r| r.user_id).collect())
}

/// The user with everything the Edit dialog shows.
pub async fn user_editor(permit: &Permit, user_id: &str) -> Result<UserEditor, AppError> {
    let row = repo::find_target(permit.org(), user_id).await?.ok_or(AppError::NotFound)?;
    let role_ids = repo::role_ids_of(permit.org(), &row.id).await?;
    let roles = repo::org_roles(permit.org()).await?;
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
fn changed_fields(before: &TargetRow, valid: &ValidUpdate) -> serde_json::Map<String, serde_json::Value> {
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

/// A change under way: its transaction, with the organization locked, and the user it is
/// about as read inside it, whom the actor is allowed to change.
struct Opened {
    tx: OrgTx,
    before: TargetRow,
    role_ids: Vec<String>,
}

/// The opening every change shares: begin, lock the organization (see
/// [`repo::lock_organization`]), read the user (404 when not in the organization; 409 when an
/// edit was made from an older `version`) and their roles, and refuse an actor they outrank.
async fn open(permit: &Permit, roles: &[RoleInfo], user_id: &str, version: Option<i64>) -> Result<Opened, AppError> {
    let mut tx = permit.org().begin_write().await?;
    repo::lock_organization(&mut tx).await?;
    let (before, role_ids) = load_changeable(&mut tx, permit, roles, user_id).await?;
    if version.is_some_and(|v| v != before.version) {
        return Err(AppError::Conflict(CONFLICT.into()));
    }
    Ok(Opened { tx, before, role_ids })
}

/// The user `user_id` as read inside `tx` (with the organization locked), and their roles'
/// ids: 404 when not in the organization, refused (naming them) when their roles outrank the
/// actor. A single change and each user of a bulk job start here.
pub async fn load_changeable(tx: &mut OrgTx, permit: &Permit, roles: &[RoleInfo], user_id: &str) -> Result<(TargetRow, Vec<String>), AppError> {
    let before = repo::load_target(tx, user_id).await?.ok_or(AppError::NotFound)?;
    let role_ids = repo::target_role_ids(tx, &before.id).await?;
    changeable(permit, roles, before, role_ids)
}

/// [`load_changeable`] for many users at once (a bulk job's chunk): each id's answer, in two
/// statements.
pub async fn load_changeable_many(
    tx: &mut OrgTx,
    permit: &Permit,
    roles: &[RoleInfo],
    ids: &[String],
) -> Result<HashMap<String, Result<(TargetRow, Vec<String>), AppError>>, AppError> {
    let (targets, held) = repo::load_targets(tx, ids).await?;
    let mut role_ids: HashMap<String, Vec<String>> = HashMap::new();
    for (user_id, role_id) in held {
        role_ids.entry(user_id).or_default().push(role_id);
    }
    let mut found: HashMap<String, Result<(TargetRow, Vec<String>), AppError>> = targets
        .into_iter()
        .map(|before| {
            let held = role_ids.remove(&before.id).unwrap_or_default();
            (before.id.clone(), changeable(permit, roles, before, held))
        })
        .collect();
    for id in ids {
        found.entry(id.clone()).or_insert(Err(AppError::NotFound));
    }
    Ok(found)
}

/// `before`, holding `role_ids`, if the actor may change them (their roles do not outrank the
/// actor's).
fn changeable(permit: &Permit, roles: &[RoleInfo], before: TargetRow, role_ids: Vec<String>) -> Result<(TargetRow, Vec<String>), AppError> {
    rules::check_outranks(permit.permissions(), roles, &role_ids).map_err(|_| rules::outranked_error(&before.name, "change their account"))?;
    Ok((before, role_ids))
}

/// Saves an edit. Refused whole when a field is bad, a role may not be granted or removed by
/// this viewer, the last active Owner would be lost, or the user changed since it was read.
pub async fn update_user(permit: &Permit, update: &UserUpdate) -> Result<(), AppError> {
    let valid = update.validate().map_err(AppError::Validation)?;
    let roles = repo::org_roles(permit.org()).await?;
    let acting_on_self = permit.user_id() == update.id;
    let Opened { mut tx, before, role_ids: current } = open(permit, &roles, &update.id, Some(update.version)).await?;
    let change = rules::check_role_change(permit.permissions(), acting_on_self, &roles, &current, &valid.role_ids)?;
    let loses_owner = change.removed.iter().any(|name| name == "Owner");
    if loses_owner && before.status == "active" && !repo::another_active_owner(&mut tx, &before.id).await? {
        return Err(rules::last_owner_error(&before.name));
    }
    let fields = changed_fields(&before, &valid);
    if fields.is_empty() && change.is_empty() {
        return Ok(());
    }
    let profile = ProfileUpdate {
        name: valid.name.as_str(),
        email: valid.email.as_str(),
        phone: &valid.phone,
        job_title: &valid.job_title,
        department: &valid.department,
        location: &valid.location,
        time_zone: &valid.time_zone,
    };
    repo::update_profile(&mut tx, &before.id, before.version, &profile, now_ms()).await.map_err(|e| {
        if is_unique_violation(&e) {
            AppError::validation("email", "Another user in this organization already has this email.")
        } else {
            AppError::from(e)
        }
    })?;
    if !fields.is_empty() {
        let event = AuditEvent::on_user(permit, "user.updated", &before.id, &before.email, json!({ "changed": fields }));
        audit::record(&mut tx, event).await?;
    }
    if !change.is_empty() {
        write_roles(&mut tx, permit, &roles, &before.id, valid.email.as_str(), &valid.role_ids, &change).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Makes `user_id` hold exactly `next` after `change` was checked: ends the invitations they
/// sent that their new roles no longer allow (invitations carry their authority), moves their
/// version on and records the change.
async fn write_roles(tx: &mut OrgTx, permit: &Permit, roles: &[RoleInfo], user_id: &str, email: &str, next: &[String], change: &RoleChange) -> Result<(), AppError> {
    repo::replace_roles(tx, user_id, next).await?;
    repo::bump_version(tx, user_id, now_ms()).await?;
    let kept = rules::permissions_of(roles, next);
    let may_invite = kept.contains(&Permission::UsersInvite);
    let still_allowed = |role_id: &str| may_invite && roles.iter().find(|r| r.id == role_id).is_some_and(|r| rules::can_grant(&kept, r));
    invitations::end_for_inviter(tx, permit, user_id, InviterChange::RolesChanged, still_allowed).await?;
    let details = json!({ "added": change.added, "removed": change.removed });
    audit::record(tx, AuditEvent::on_user(permit, "user.roles_changed", user_id, email, details)).await?;
    Ok(())
}

/// Gives `before` (read by [`load_changeable`]) the role `role_id` (`add`) or takes it away,
/// inside `tx`, under the rules of Edit: the viewer may grant it, nobody removes Owner from
/// themselves, the organization keeps an active Owner. `false` when they already hold it (or
/// do not).
pub async fn set_role_in(tx: &mut OrgTx, permit: &Permit, roles: &[RoleInfo], before: &TargetRow, current: &[String], role_id: &str, add: bool) -> Result<bool, AppError> {
    let next: Vec<String> = if add {
        current.iter().cloned().chain([role_id.to_owned()]).collect()
    } else {
        current.iter().filter(|id| *id != role_id).cloned().collect()
    };
    if add == current.iter().any(|id| id == role_id) {
        return Ok(false);
    }
    let change = rules::check_role_change(permit.permissions(), permit.user_id() == before.id, roles, current, &next)?;
    let loses_owner = change.removed.iter().any(|name| name == "Owner");
    if loses_owner && before.status == "active" && !repo::another_active_owner(tx, &before.id).await? {
        return Err(rules::last_owner_error(&before.name));
    }
    write_roles(tx, permit, roles, &before.id, &before.email, &next, &change).await?;
    Ok(true)
}

/// Deactivates (`active == false`) or activates the user, and returns their name and new
/// status. Deactivating ends every one of their sessions in the same transaction.
pub async fn set_user_active(permit: &Permit, user_id: &str, active: bool) -> Result<(String, UserStatus), AppError> {
    if !active {
        rules::check_not_self(permit.user_id(), user_id, "deactivate")?;
    }
    let roles = repo::org_roles(permit.org()).await?;
    let Opened { mut tx, before, .. } = open(permit, &roles, user_id, None).await?;
    let status = if active { activate_in(&mut tx, permit, &before).await? } else { deactivate_in(&mut tx, permit, &before).await? };
    tx.commit().await?;
    Ok((before.name, status.unwrap_or_else(|| UserStatus::from_key(&before.status).unwrap_or(UserStatus::Inactive))))
}

/// Makes `before` (read by [`load_changeable`]) Active again, or Pending if they never set a
/// password, inside `tx`; the new status, or `None` when they were not Inactive.
async fn activate_in(tx: &mut OrgTx, permit: &Permit, before: &TargetRow) -> Result<Option<UserStatus>, AppError> {
    one(activate_many_in(tx, permit, &[before]).await?)
}

/// [`activate_in`] for many users at once (a bulk job's chunk): one statement for all of them,
/// an audit event each. Each user's answer, in the order given.
pub async fn activate_many_in(tx: &mut OrgTx, permit: &Permit, befores: &[&TargetRow]) -> Result<Vec<Result<Option<UserStatus>, AppError>>, AppError> {
    let ids: Vec<String> = befores.iter().filter(|b| b.status == "inactive").map(|b| b.id.clone()).collect();
    let changed: HashMap<String, String> = repo::activate_many(tx, &ids, now_ms()).await?.into_iter().collect();
    let mut answers = Vec::with_capacity(befores.len());
    for before in befores {
        if before.status != "inactive" {
            answers.push(Ok(None));
            continue;
        }
        let Some(status) = changed.get(&before.id) else {
            answers.push(Err(AppError::NotFound));
            continue;
        };
        audit::record(tx, AuditEvent::on_user(permit, "user.activated", &before.id, &before.email, json!({ "status": status }))).await?;
        answers.push(Ok(Some(UserStatus::from_key(status).unwrap_or(UserStatus::Active))));
    }
    Ok(answers)
}

/// Deactivates `before` (read by [`load_changeable`]) inside `tx`, ending their sessions and
/// the invitations they sent; `None` when they were Inactive already. Refuses oneself and the
/// organization's last active Owner.
async fn deactivate_in(tx: &mut OrgTx, permit: &Permit, before: &TargetRow) -> Result<Option<UserStatus>, AppError> {
    one(deactivate_many_in(tx, permit, &[before]).await?)
}

/// [`deactivate_in`] for many users at once (a bulk job's chunk): each user's answer, in the
/// order given. The users who hold no Owner role change together (two statements for their
/// status and sessions, one for the invitations they sent); an Owner is done alone, in turn,
/// so that each one's "is another Owner still active?" sees the ones before them gone.
pub async fn deactivate_many_in(tx: &mut OrgTx, permit: &Permit, befores: &[&TargetRow]) -> Result<Vec<Result<Option<UserStatus>, AppError>>, AppError> {
    let mut answers: Vec<Result<Option<UserStatus>, AppError>> = Vec::with_capacity(befores.len());
    let mut together = Vec::new();
    for (at, before) in befores.iter().enumerate() {
        answers.push(match rules::check_not_self(permit.user_id(), &before.id, "deactivate") {
            Err(refused) => Err(refused),
            Ok(()) if before.status == "inactive" => Ok(None),
            Ok(()) if !before.holds_owner => {
                together.push(at);
                Ok(None)
            }
            Ok(()) if !repo::another_active_owner(tx, &before.id).await? => Err(rules::last_owner_error(&before.name)),
            Ok(()) => one(write_deactivations(tx, permit, &[before]).await?),
        });
    }
    let group: Vec<&TargetRow> = together.iter().map(|&at| befores[at]).collect();
    for (at, answer) in together.into_iter().zip(write_deactivations(tx, permit, &group).await?) {
        answers[at] = answer;
    }
    Ok(answers)
}

/// Makes `befores` Inactive, ends their sessions and the invitations they sent, and records
/// it for each: the rules were checked by [`deactivate_many_in`].
async fn write_deactivations(tx: &mut OrgTx, permit: &Permit, befores: &[&TargetRow]) -> Result<Vec<Result<Option<UserStatus>, AppError>>, AppError> {
    if befores.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<String> = befores.iter().map(|b| b.id.clone()).collect();
    let ended: HashMap<String, u64> = repo::deactivate_many(tx, &ids, permit.user_id(), now_ms()).await?.into_iter().collect();
    let found: Vec<String> = ids.into_iter().filter(|id| ended.contains_key(id)).collect();
    let cancelled = invitations::end_for_inviters(tx, permit, &found, InviterChange::Deactivated, |_| false).await?;
    let mut answers = Vec::with_capacity(befores.len());
    for before in befores {
        let Some(sessions) = ended.get(&before.id) else {
            answers.push(Err(AppError::NotFound));
            continue;
        };
        let invitations = cancelled.get(&before.id).copied().unwrap_or(0);
        let details = json!({ "status": "inactive", "sessions_ended": sessions, "invitations_cancelled": invitations });
        audit::record(tx, AuditEvent::on_user(permit, "user.deactivated", &before.id, &before.email, details)).await?;
        answers.push(Ok(Some(UserStatus::Inactive)));
    }
    Ok(answers)
}

/// The answer of a `…_many_in` called for one user.
fn one<T>(mut answers: Vec<Result<T, AppError>>) -> Result<T, AppError> {
    answers.pop().unwrap_or(Err(AppError::NotFound))
}

/// Lifts a lockout (too many wrong passwords) before it runs out; returns the name. The
/// account's failed sign-ins are forgotten too, so the next wrong password starts a new count.
/// Like every change, refused for a user holding a role the viewer lacks.
pub async fn unlock_user(permit: &Permit, user_id: &str) -> Result<String, AppError> {
    let roles = repo::org_roles(permit.org()).await?;
    let Opened { mut tx, before, .. } = open(permit, &roles, user_id, None).await?;
    if repo::unlock(&mut tx, &before.id, now_ms()).await? {
        audit::record(&mut tx, AuditEvent::on_user(permit, "user.unlocked", &before.id, &before.email, json!({}))).await?;
    }
    tx.commit().await?;
    Ok(before.name)
}

/// Deletes the user and, by cascade, their roles and sessions; login attempts and audit
/// events keep the email. Returns the name, for the toast.
pub async fn delete_user(permit: &Permit, user_id: &str) -> Result<String, AppError> {
    rules::check_not_self(permit.user_id(), user_id, "delete")?;
    let roles = repo::org_roles(permit.org()).await?;
    let Opened { mut tx, before, .. } = open(permit, &roles, user_id, None).await?;
    delete_in(&mut tx, permit, &before).await?;
    tx.commit().await?;
    Ok(before.name)
}

/// Deletes `before` (read by [`load_changeable`]) inside `tx`, with the invitations they sent
/// or were sent. Refuses oneself and the organization's last active Owner.
pub async fn delete_in(tx: &mut OrgTx, permit: &Permit, before: &TargetRow) -> Result<(), AppError> {
    rules::check_not_self(permit.user_id(), &before.id, "delete")?;
    if before.status == "active" && before.holds_owner && !repo::another_active_owner(tx, &before.id).await? {
        return Err(rules::last_owner_error(&before.name));
    }
    // An invitee (pending, or deactivated before accepting) leaves no invitation waiting.
    invitations::end_for_deleted_user(tx, &before.id).await?;
    invitations::end_for_inviter(tx, permit, &before.id, InviterChange::Deleted, |_| false).await?;
    repo::delete(tx, &before.id).await?;
    let details = json!({ "name": before.name, "email": before.email, "status": before.status });
    audit::record(tx, AuditEvent::on_user(permit, "user.deleted", &before.id, &before.email, details)).await?;
    Ok(())
}
