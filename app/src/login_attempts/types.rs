//! Sign-in attempts as the Login Attempts page shows them.

use serde::{Deserialize, Serialize};

/// Why a sign-in failed. Shown to admins in Login Attempts; never to the person signing in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FailureReason {
    WrongPassword,
    UnknownAccount,
    AccountDeactivated,
    InvitationNotAccepted,
    OrganizationRequired,
}

impl FailureReason {
    pub fn label(self) -> &'static str {
        match self {
            FailureReason::WrongPassword => "Wrong password",
            FailureReason::UnknownAccount => "Unknown account",
            FailureReason::AccountDeactivated => "Account deactivated",
            FailureReason::InvitationNotAccepted => "Invitation not accepted",
            FailureReason::OrganizationRequired => "Organization not specified",
        }
    }
}

/// One row of the Login Attempts list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginAttempt {
    pub id: String,
    pub at: i64,
    pub email: String,
    pub ip_address: String,
    pub user_agent: String,
    pub success: bool,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginAttemptList {
    pub attempts: Vec<LoginAttempt>,
    pub now: i64,
}
