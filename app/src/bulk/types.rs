//! Bulk actions as they cross the wire: what to do to whom, the preview of it, and the job
//! that does it.

use crate::users::types::UserListParams;
use serde::{Deserialize, Serialize};

/// What a bulk action does to each user it is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum BulkKind {
    Deactivate,
    Activate,
    AddRole,
    RemoveRole,
    RevokeSessions,
    Delete,
    /// Pending users: their invitation sent again, with a new link.
    ResendInvitation,
    /// Pending users' invitations ended (the Invitations page's **Cancel**).
    CancelInvitation,
    /// Reverses what another job changed (see [`BulkJob::undo_until`]).
    Undo,
}

impl BulkKind {
    /// The actions the Users bar offers, in its order.
    pub const OFFERED: [BulkKind; 7] = [
        BulkKind::Deactivate,
        BulkKind::Activate,
        BulkKind::AddRole,
        BulkKind::RemoveRole,
        BulkKind::RevokeSessions,
        BulkKind::ResendInvitation,
        BulkKind::Delete,
    ];

    /// The value stored and sent.
    pub fn key(self) -> &'static str {
        match self {
            BulkKind::Deactivate => "deactivate",
            BulkKind::Activate => "activate",
            BulkKind::AddRole => "add_role",
            BulkKind::RemoveRole => "remove_role",
            BulkKind::RevokeSessions => "revoke_sessions",
            BulkKind::Delete => "delete",
            BulkKind::ResendInvitation => "resend_invitation",
            BulkKind::CancelInvitation => "cancel_invitation",
            BulkKind::Undo => "undo",
        }
    }

    pub fn from_key(key: &str) -> Option<BulkKind> {
        BulkKind::OFFERED.into_iter().chain([BulkKind::CancelInvitation, BulkKind::Undo]).find(|k| k.key() == key)
    }

    /// The button's words.
    pub fn label(self) -> &'static str {
        match self {
            BulkKind::Deactivate => "Deactivate",
            BulkKind::Activate => "Activate",
            BulkKind::AddRole => "Add role",
            BulkKind::RemoveRole => "Remove role",
            BulkKind::RevokeSessions => "Revoke sessions",
            BulkKind::Delete => "Delete",
            BulkKind::ResendInvitation => "Resend invitation",
            BulkKind::CancelInvitation => "Cancel invitation",
            BulkKind::Undo => "Undo",
        }
    }

    /// Whether the action needs a role (Add role, Remove role).
    pub fn takes_role(self) -> bool {
        matches!(self, BulkKind::AddRole | BulkKind::RemoveRole)
    }

    /// The preview's confirm button: "Deactivate 12 users", "Resend 3 invitations".
    pub fn act_label(self, n: i64) -> String {
        let (noun, verb) = match self {
            BulkKind::ResendInvitation => ("invitation", "Resend"),
            BulkKind::CancelInvitation => ("invitation", "Cancel"),
            other => ("user", other.label()),
        };
        format!("{verb} {} {noun}{}", count_text(n), if n == 1 { "" } else { "s" })
    }

    /// Whether **Undo** can reverse it: ended sessions and deleted people cannot come back.
    pub fn undoable(self) -> bool {
        matches!(self, BulkKind::Deactivate | BulkKind::Activate | BulkKind::AddRole | BulkKind::RemoveRole)
    }
}

/// How long after a job ends **Undo** is offered.
pub const UNDO_WINDOW_MS: i64 = 15 * 60 * 1000;

/// What the viewer asks for: an action on the users they ticked (`ids`), or on every user
/// matching the Users filters (`matching`, the page's URL parameters; sort and page ignored).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkRequest {
    pub kind: BulkKind,
    /// Add role and Remove role: the role's id.
    pub role_id: Option<String>,
    pub ids: Vec<String>,
    pub matching: Option<UserListParams>,
    /// On the Invitations page: the ticked invitations (Resend, Cancel), for their invitees.
    #[serde(default)]
    pub invitation_ids: Vec<String>,
}

/// One group of a preview or an outcome: "12,301 will be deactivated", with a few names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkGroup {
    pub count: i64,
    /// The group's words after the count: "will be deactivated", "are already inactive".
    pub label: String,
    /// Up to [`GROUP_NAMES`] of them.
    pub names: Vec<String>,
    /// Whether these users are (or were) changed.
    pub changes: bool,
}

/// Names shown per group.
pub const GROUP_NAMES: usize = 3;

/// What a bulk action will do, before anything changes. The selection is fixed: the job is
/// about exactly these `total` users, whoever matches the filter later.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkPreview {
    pub job_id: String,
    pub kind: BulkKind,
    /// "Deactivate 12,345 users", "Add the role Admin to 40 users".
    pub title: String,
    pub total: i64,
    pub groups: Vec<BulkGroup>,
    /// How many will change: the confirm button's number.
    pub changing: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum JobState {
    Queued,
    Running,
    Done,
    Cancelled,
    Failed,
}

impl JobState {
    pub fn key(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Done => "done",
            JobState::Cancelled => "cancelled",
            JobState::Failed => "failed",
        }
    }

    pub fn from_key(key: &str) -> Option<JobState> {
        [JobState::Queued, JobState::Running, JobState::Done, JobState::Cancelled, JobState::Failed].into_iter().find(|s| s.key() == key)
    }

    /// Whether the job still has users to go through.
    pub fn is_live(self) -> bool {
        matches!(self, JobState::Queued | JobState::Running)
    }
}

/// A started job as its page shows it: progress while it runs, the outcome once it ends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkJob {
    pub id: String,
    pub kind: BulkKind,
    pub title: String,
    pub state: JobState,
    pub total: i64,
    pub changed: i64,
    pub skipped: i64,
    /// Changed users, then the skipped ones grouped by why.
    pub groups: Vec<BulkGroup>,
    /// Why the job stopped, when it failed.
    pub error: Option<String>,
    /// Until when **Undo** is offered (ended, undoable, not undone yet, and the viewer may).
    pub undo_until: Option<i64>,
    /// The server's clock.
    pub now: i64,
}

impl BulkJob {
    /// Users gone through so far.
    pub fn processed(&self) -> i64 {
        self.changed + self.skipped
    }

    /// "2,400 of 12,345", for the progress bar's text.
    pub fn progress_text(&self) -> String {
        format!("{} of {}", count_text(self.processed()), count_text(self.total))
    }
}

/// "12,345".
pub fn count_text(n: i64) -> String {
    crate::ui::number::thousands(u64::try_from(n).unwrap_or(0))
}
