//! The rules of the Users feature, for reads and writes alike: what `api.rs` calls, and the
//! only way other features and the command line reach users. Each part takes the capability
//! its caller holds (a [`Permit`](crate::auth::server::guard::Permit), or the operator's) and
//! reaches the database only through `repo`.

mod changes;
mod list;
mod provisioning;

pub use super::repo::account::TargetRow;
pub use changes::{activate_many_in, check_may_act_on, deactivate_many_in, delete_in, delete_user, load_changeable, load_changeable_many, lock_for_changes, outranking_among, role_infos, roles, set_role_in, set_user_active, unlock_user, update_user, user_editor};
pub use list::{copy_matching, encode_cursor, list_users};
pub use provisioning::{add_account, invitee, unlock_account, NewAccount};
