//! The rules of bulk actions, as pure functions: who may take each, and whom each leaves out.

use crate::auth::server::guard::capability::Permit;
use crate::auth::types::Permission;
use crate::bulk::types::BulkKind;

/// The permissions an action needs, all of them (those of the action it reverses, for Undo).
pub fn required(kind: BulkKind) -> &'static [Permission] {
    match kind {
        BulkKind::Deactivate | BulkKind::Activate => &[Permission::UsersDeactivate],
        BulkKind::AddRole | BulkKind::RemoveRole => &[Permission::UsersEdit, Permission::RolesAssign],
        BulkKind::RevokeSessions => &[Permission::SessionsRevoke],
        BulkKind::Delete => &[Permission::UsersDelete],
        BulkKind::ResendInvitation | BulkKind::CancelInvitation => &[Permission::UsersInvite],
        BulkKind::Undo => &[],
    }
}

/// Whether `permit` may take `kind` at all.
pub fn may(permit: &Permit, kind: BulkKind) -> bool {
    required(kind).iter().all(|p| permit.can(*p))
}

/// Actions that leave the viewer out of their own selection: nobody deactivates, deletes,
/// signs out or demotes themselves in bulk.
pub fn skips_self(kind: BulkKind) -> bool {
    matches!(kind, BulkKind::Deactivate | BulkKind::Delete | BulkKind::RemoveRole | BulkKind::RevokeSessions)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_needs_a_permission_and_undo_borrows_its_original_s() {
        for kind in BulkKind::OFFERED.into_iter().chain([BulkKind::CancelInvitation]) {
            assert!(!required(kind).is_empty(), "{kind:?}");
            assert_eq!(BulkKind::from_key(kind.key()), Some(kind));
        }
        assert!(required(BulkKind::Undo).is_empty(), "the runner checks the reversed job's");
        assert_eq!(required(BulkKind::AddRole), [Permission::UsersEdit, Permission::RolesAssign]);
    }
}
