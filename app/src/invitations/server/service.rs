//! The rules of invitations: the organization's side (invite, resend, cancel, the list) and the
//! invitee's side (open the link, accept, decline).

mod admin;
mod link;
mod list;
pub mod mint;

pub use admin::{cancel, cancel_for_user, end_for_deleted_user, end_for_inviter, end_for_inviters, invite, invite_roles, resend, resend_for_user, InviterChange};
pub use link::{accept, decline, open_link};
pub use list::list;
