//! The rules of changing users, as pure functions: no escalation, nobody locks themselves out,
//! an organization keeps an active Owner. The service applies them inside its transaction.

use crate::auth::types::{BuiltinRole, Permission};
use crate::error::AppError;

/// A role of the organization with its permissions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleInfo {
    pub id: String,
    pub name: String,
    pub description: String,
    pub permissions: Vec<Permission>,
}

impl RoleInfo {
    pub fn is_owner(&self) -> bool {
        self.name == BuiltinRole::Owner.name()
    }
}

/// A role can be granted or removed only by someone who holds every permission it carries.
pub fn can_grant(actor: &[Permission], role: &RoleInfo) -> bool {
    role.permissions.iter().all(|p| actor.contains(p))
}

/// Every permission the roles `role_ids` carry together.
pub fn permissions_of(roles: &[RoleInfo], role_ids: &[String]) -> Vec<Permission> {
    let mut all: Vec<Permission> = roles.iter().filter(|r| role_ids.contains(&r.id)).flat_map(|r| r.permissions.iter().copied()).collect();
    all.sort();
    all.dedup();
    all
}

/// What a change of roles from `current` to `next` (role ids) does.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RoleChange {
    pub added: Vec<String>,
    pub removed: Vec<String>,
}

impl RoleChange {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty()
    }
}

/// Checks a change of the target's roles by an actor holding `actor` permissions, and returns
/// what it adds and removes (as role names, for the audit trail).
pub fn check_role_change(
    actor: &[Permission],
    acting_on_self: bool,
    roles: &[RoleInfo],
    current: &[String],
    next: &[String],
) -> Result<RoleChange, AppError> {
    let find = |id: &String| roles.iter().find(|r| &r.id == id);
    if next.iter().any(|id| find(id).is_none()) {
        return Err(AppError::validation("roles", "One of these roles no longer exists. Reload and try again."));
    }
    let added: Vec<&RoleInfo> = next.iter().filter(|id| !current.contains(id)).filter_map(find).collect();
    let removed: Vec<&RoleInfo> = current.iter().filter(|id| !next.contains(id)).filter_map(find).collect();
    if added.is_empty() && removed.is_empty() {
        return Ok(RoleChange::default());
    }
    if !actor.contains(&Permission::RolesAssign) {
        return Err(AppError::Forbidden);
    }
    if added.iter().chain(&removed).any(|role| !can_grant(actor, role)) {
        return Err(AppError::Forbidden);
    }
    if acting_on_self && removed.iter().any(|role| role.is_owner()) {
        return Err(AppError::validation("roles", "You can't remove the Owner role from yourself."));
    }
    Ok(RoleChange {
        added: added.iter().map(|r| r.name.clone()).collect(),
        removed: removed.iter().map(|r| r.name.clone()).collect(),
    })
}

/// Managing someone (editing, deactivating, deleting them) needs every permission their roles
/// carry: otherwise an Admin could lock out or take over an Owner by changing their email.
pub fn check_outranks(actor: &[Permission], roles: &[RoleInfo], target_role_ids: &[String]) -> Result<(), AppError> {
    let outranked = roles.iter().filter(|r| target_role_ids.contains(&r.id)).any(|r| !can_grant(actor, r));
    if outranked {
        return Err(AppError::Forbidden);
    }
    Ok(())
}

/// The refusal when the viewer holds the permission but is outranked by `name`: `what` says
/// what they may not do ("end their sessions").
pub fn outranked_error(name: &str, what: &str) -> AppError {
    AppError::Outranked(format!("{name} holds a role with permissions you don't have, so you can't {what}."))
}

/// The roles (by id) whose holders `actor` may not manage.
pub fn outranking_roles<'a>(actor: &[Permission], roles: &'a [RoleInfo]) -> Vec<&'a RoleInfo> {
    roles.iter().filter(|r| !can_grant(actor, r)).collect()
}

/// Nobody deactivates or deletes their own account: they would lock themselves out.
pub fn check_not_self(actor_id: &str, target_id: &str, verb: &str) -> Result<(), AppError> {
    if actor_id == target_id {
        return Err(AppError::Conflict(format!("You can't {verb} your own account.")));
    }
    Ok(())
}

/// The message when a change would leave the organization without an active Owner.
pub fn last_owner_error(name: &str) -> AppError {
    AppError::Conflict(format!("{name} {LAST_OWNER}. Make someone else an Owner first."))
}

/// What [`last_owner_error`] says of the person (a bulk job groups the users it skipped by it).
pub const LAST_OWNER: &str = "is the organization's last active Owner";

#[cfg(test)]
mod tests {
    use super::*;

    fn roles() -> Vec<RoleInfo> {
        BuiltinRole::ALL
            .into_iter()
            .map(|r| RoleInfo {
                id: r.name().to_lowercase(),
                name: r.name().into(),
                description: String::new(),
                permissions: r.permissions(),
            })
            .collect()
    }
    fn ids(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn an_admin_can_grant_admin_and_member_but_not_owner() {
        let admin = BuiltinRole::Admin.permissions();
        let change = check_role_change(&admin, false, &roles(), &ids(&["member"]), &ids(&["admin", "member"])).unwrap();
        assert_eq!(change.added, vec!["Admin".to_owned()]);
        assert_eq!(
            check_role_change(&admin, false, &roles(), &ids(&["member"]), &ids(&["owner"])),
            Err(AppError::Forbidden)
        );
        // Removing a role one could not grant is refused too: an Admin cannot demote an Owner.
        assert_eq!(
            check_role_change(&admin, false, &roles(), &ids(&["owner"]), &ids(&["member"])),
            Err(AppError::Forbidden)
        );
    }

    #[test]
    fn changing_roles_needs_roles_assign_but_keeping_them_does_not() {
        let editor = vec![Permission::UsersView, Permission::UsersEdit];
        assert_eq!(check_role_change(&editor, false, &roles(), &ids(&["member"]), &ids(&["member"])), Ok(RoleChange::default()));
        assert_eq!(
            check_role_change(&editor, false, &roles(), &ids(&["member"]), &ids(&["member", "admin"])),
            Err(AppError::Forbidden)
        );
    }

    #[test]
    fn an_owner_cannot_strip_their_own_owner_role_but_can_grant_it() {
        let owner = BuiltinRole::Owner.permissions();
        let err = check_role_change(&owner, true, &roles(), &ids(&["owner"]), &ids(&["admin"])).unwrap_err();
        assert!(err.field_message("roles").is_some_and(|m| m.contains("yourself")));
        assert!(check_role_change(&owner, false, &roles(), &ids(&["owner"]), &ids(&["admin"])).is_ok());
        assert!(check_role_change(&owner, true, &roles(), &ids(&["owner"]), &ids(&["owner", "admin"])).is_ok());
    }

    #[test]
    fn an_unknown_role_id_is_refused_by_field() {
        let owner = BuiltinRole::Owner.permissions();
        let err = check_role_change(&owner, false, &roles(), &ids(&["member"]), &ids(&["elsewhere"])).unwrap_err();
        assert!(err.field_message("roles").is_some());
    }

    #[test]
    fn an_admin_cannot_manage_an_owner_but_an_owner_can_manage_an_admin() {
        let (admin, owner) = (BuiltinRole::Admin.permissions(), BuiltinRole::Owner.permissions());
        assert_eq!(check_outranks(&admin, &roles(), &ids(&["owner"])), Err(AppError::Forbidden));
        assert_eq!(check_outranks(&admin, &roles(), &ids(&["admin", "member"])), Ok(()));
        assert_eq!(check_outranks(&owner, &roles(), &ids(&["owner", "admin"])), Ok(()));
    }

    #[test]
    fn nobody_deactivates_or_deletes_themselves() {
        assert!(check_not_self("u1", "u1", "deactivate").is_err());
        assert!(check_not_self("u1", "u2", "deactivate").is_ok());
    }
}
