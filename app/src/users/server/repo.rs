//! SQL for users: `list` finds a page of the organization's users, `account` reads and
//! changes one user. Every function takes the organization's capability, and scopes each
//! statement by its id.

pub mod account;
pub mod list;
