//! The server half of authentication: passwords, tokens, sessions and the permission guard.

pub mod device;
pub mod guard;
pub mod new_password;
pub mod password;
pub mod repo;
pub mod service;
pub mod session;
pub mod token;
