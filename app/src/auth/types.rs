//! The permission model and the signed-in user, as both the server and the browser see them.

use serde::{Deserialize, Serialize};

/// What a role can allow. Each page and each server function requires one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Permission {
    UsersView,
    UsersInvite,
    UsersEdit,
    UsersDeactivate,
    UsersDelete,
    RolesAssign,
    SessionsView,
    SessionsRevoke,
    LoginAttemptsView,
    /// The Audit Log.
    AuditView,
    OrganizationManage,
}

impl Permission {
    pub const ALL: [Permission; 11] = [
        Permission::UsersView,
        Permission::UsersInvite,
        Permission::UsersEdit,
        Permission::UsersDeactivate,
        Permission::UsersDelete,
        Permission::RolesAssign,
        Permission::SessionsView,
        Permission::SessionsRevoke,
        Permission::LoginAttemptsView,
        Permission::AuditView,
        Permission::OrganizationManage,
    ];

    /// The key stored in the `permissions` table.
    pub fn key(self) -> &'static str {
        match self {
            Permission::UsersView => "users.view",
            Permission::UsersInvite => "users.invite",
            Permission::UsersEdit => "users.edit",
            Permission::UsersDeactivate => "users.deactivate",
            Permission::UsersDelete => "users.delete",
            Permission::RolesAssign => "roles.assign",
            Permission::SessionsView => "sessions.view",
            Permission::SessionsRevoke => "sessions.revoke",
            Permission::LoginAttemptsView => "login_attempts.view",
            Permission::AuditView => "audit.view",
            Permission::OrganizationManage => "organization.manage",
        }
    }

    pub fn from_key(key: &str) -> Option<Permission> {
        Permission::ALL.into_iter().find(|p| p.key() == key)
    }
}

/// The roles every organization starts with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum BuiltinRole {
    /// Everything, including granting Owner.
    Owner,
    /// All user management.
    Admin,
    /// No management permissions.
    Member,
}

impl BuiltinRole {
    pub const ALL: [BuiltinRole; 3] = [BuiltinRole::Owner, BuiltinRole::Admin, BuiltinRole::Member];

    pub fn name(self) -> &'static str {
        match self {
            BuiltinRole::Owner => "Owner",
            BuiltinRole::Admin => "Admin",
            BuiltinRole::Member => "Member",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            BuiltinRole::Owner => "Full control of the organization",
            BuiltinRole::Admin => "Manages users, invitations, sessions and sign-ins",
            BuiltinRole::Member => "Uses the organization's apps; manages nothing",
        }
    }

    pub fn parse(name: &str) -> Option<BuiltinRole> {
        BuiltinRole::ALL.into_iter().find(|r| r.name().eq_ignore_ascii_case(name.trim()))
    }

    pub fn permissions(self) -> Vec<Permission> {
        match self {
            BuiltinRole::Owner => Permission::ALL.to_vec(),
            BuiltinRole::Admin => Permission::ALL
                .into_iter()
                .filter(|p| *p != Permission::OrganizationManage)
                .collect(),
            BuiltinRole::Member => Vec::new(),
        }
    }
}

/// The signed-in user, as the app shell shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedInUser {
    pub id: String,
    pub name: String,
    pub email: String,
    pub org_name: String,
    pub permissions: Vec<Permission>,
}

impl SignedInUser {
    pub fn can(&self, permission: Permission) -> bool {
        self.permissions.contains(&permission)
    }
}

/// What the sign-in page needs to know before anyone is signed in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInOptions {
    /// More than one organization lives here: sign-in asks which.
    pub ask_organization: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_permission_key_parses_back() {
        for p in Permission::ALL {
            assert_eq!(Permission::from_key(p.key()), Some(p));
        }
        assert_eq!(Permission::from_key("users.fly"), None);
    }

    #[test]
    fn admin_cannot_manage_the_organization_but_owner_can() {
        assert!(BuiltinRole::Owner.permissions().contains(&Permission::OrganizationManage));
        assert!(!BuiltinRole::Admin.permissions().contains(&Permission::OrganizationManage));
        assert!(BuiltinRole::Admin.permissions().contains(&Permission::UsersDelete));
        assert!(BuiltinRole::Member.permissions().is_empty());
    }

    #[test]
    fn role_names_parse_case_insensitively() {
        assert_eq!(BuiltinRole::parse("owner"), Some(BuiltinRole::Owner));
        assert_eq!(BuiltinRole::parse(" Admin "), Some(BuiltinRole::Admin));
        assert_eq!(BuiltinRole::parse("root"), None);
    }
}

/// The longest password accepted anywhere, sign-in included: checked before any hashing, so a
/// megabyte "password" costs nothing but its reading.
pub const MAX_PASSWORD_CHARS: usize = 128;

/// The password policy, shared so the browser can say it before the request does.
/// Length is what matters (NIST SP 800-63B): at least 12 characters, at most 128.
pub fn check_password_policy(password: &str) -> Result<(), String> {
    let chars = password.chars().count();
    if chars < 12 {
        return Err("Use at least 12 characters.".into());
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(format!("Use at most {MAX_PASSWORD_CHARS} characters."));
    }
    let mut distinct: Vec<char> = password.chars().collect();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() < 4 {
        return Err("Use a less repetitive password.".into());
    }
    Ok(())
}

#[cfg(test)]
mod password_policy_tests {
    use super::check_password_policy;

    #[test]
    fn short_long_and_repetitive_passwords_are_refused() {
        assert!(check_password_policy("short").is_err());
        assert!(check_password_policy(&"ab".repeat(65)).is_err());
        assert!(check_password_policy("aaaaaaaaaaaaaaaa").is_err());
        assert!(check_password_policy("correct horse battery").is_ok());
    }
}

/// Why the sign-in page is shown with a message, as its URL says (`/login?error=…` after a
/// form posted without the WASM, `/login?session=ended` after a revoked or expired session).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInProblem {
    Invalid,
    TooManyAttempts,
    Busy,
    SessionEnded,
}

impl SignInProblem {
    pub fn of(err: &crate::error::AppError) -> SignInProblem {
        match err {
            crate::error::AppError::RateLimited(_) => SignInProblem::TooManyAttempts,
            crate::error::AppError::Unavailable(_) => SignInProblem::Busy,
            _ => SignInProblem::Invalid,
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            SignInProblem::Invalid => "invalid",
            SignInProblem::TooManyAttempts => "throttled",
            SignInProblem::Busy => "busy",
            SignInProblem::SessionEnded => "ended",
        }
    }

    /// The problem a sign-in URL's query names.
    pub fn from_query(error: Option<&str>, session: Option<&str>) -> Option<SignInProblem> {
        if session == Some("ended") {
            return Some(SignInProblem::SessionEnded);
        }
        match error? {
            "throttled" => Some(SignInProblem::TooManyAttempts),
            "busy" => Some(SignInProblem::Busy),
            _ => Some(SignInProblem::Invalid),
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            SignInProblem::Invalid => "Invalid email or password",
            SignInProblem::TooManyAttempts => "Too many sign-in attempts from your network. Wait a minute, then try again.",
            SignInProblem::Busy => "Too many people are signing in right now. Please try again in a moment.",
            SignInProblem::SessionEnded => "Your session has ended. Please sign in again.",
        }
    }
}
