//! Sessions as the Sessions page and Your account show them, and the Sessions list's filters.

use crate::live::listen::{count_of, LivePage};
use crate::error::FieldError;
use crate::ui::list_table::KeysetPage;
use crate::ui::query::ListParams;
use serde::{Deserialize, Serialize};

pub const SESSIONS_PATH: &str = "/sessions";
/// The Sessions list's filters, as URL parameters: `search` (the start of a name or email),
/// `status` (`active`, `ended`), `user` (one user's id, from the Users page).
pub const SESSION_FILTERS: &[&str] = &["search", "status", "user"];
pub const SESSION_PAGE_SIZE: usize = 50;

/// The Sessions list of one user: **View sessions** in the Users page's ⋮ menu.
pub fn sessions_of_user_href(user_id: &str) -> String {
    ListParams::from_query(SESSIONS_PATH, SESSION_FILTERS, |_| None).with("user", Some(user_id.to_owned())).href()
}

/// The **Status** filter of Sessions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SessionState {
    Active,
    Ended,
}

impl SessionState {
    pub const ALL: [SessionState; 2] = [SessionState::Active, SessionState::Ended];

    pub fn key(self) -> &'static str {
        match self {
            SessionState::Active => "active",
            SessionState::Ended => "ended",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SessionState::Active => "Active",
            SessionState::Ended => "Ended",
        }
    }

    pub fn from_key(key: &str) -> Option<SessionState> {
        SessionState::ALL.into_iter().find(|s| s.key() == key)
    }
}

/// Why a session ended, as stored in `sessions.end_reason` (an expired session has none: it
/// simply stopped being accepted).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EndReason {
    SignedOut,
    Revoked,
    Expired,
    Deactivated,
    Replaced,
    PasswordChanged,
}

impl EndReason {
    pub fn from_key(key: Option<&str>) -> EndReason {
        match key {
            Some("signed_out") => EndReason::SignedOut,
            Some("revoked") => EndReason::Revoked,
            Some("deactivated") => EndReason::Deactivated,
            Some("replaced") => EndReason::Replaced,
            Some("password_changed") => EndReason::PasswordChanged,
            _ => EndReason::Expired,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            EndReason::SignedOut => "Signed out",
            EndReason::Revoked => "Revoked",
            EndReason::Expired => "Expired",
            EndReason::Deactivated => "Deactivated",
            EndReason::Replaced => "Replaced by a new sign-in",
            EndReason::PasswordChanged => "Password changed",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionSummary {
    pub id: String,
    pub user_id: String,
    pub user_name: String,
    pub user_email: String,
    pub device: String,
    pub ip_address: String,
    pub started_at: i64,
    pub last_active_at: i64,
    /// When and why it ended; `None` while it is live.
    pub ended: Option<(i64, EndReason)>,
    /// The session this list was requested from ("This device").
    pub current: bool,
    /// The viewer may **Revoke** it: they hold `sessions.revoke`, and its user's roles do not
    /// outrank theirs (their own always qualify).
    #[serde(default)]
    pub revocable: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionList {
    pub sessions: Vec<SessionSummary>,
    pub next_cursor: Option<String>,
    pub prev_cursor: Option<String>,
    /// The viewer holds `sessions.revoke` (each row says whether **Revoke** applies to it).
    pub can_revoke: bool,
    /// The name of the user the list is filtered to, for the note above it.
    pub user_name: Option<String>,
    pub now: i64,
}

impl KeysetPage for SessionList {
    fn is_empty(&self) -> bool {
        self.sessions.is_empty()
    }
    fn cursors(&self) -> (Option<String>, Option<String>) {
        (self.prev_cursor.clone(), self.next_cursor.clone())
    }
}

impl LivePage for SessionList {
    fn read_at(&self) -> i64 {
        self.now
    }
    fn news_since(&self, since: i64) -> (usize, String) {
        let n = self.sessions.iter().filter(|s| s.started_at > since).count();
        (n, count_of(n, "session", "sessions"))
    }
}

/// What the Sessions list shows, parsed from the URL's parameters.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SessionQuery {
    /// The start of a user's name or email, case-insensitive; empty for all.
    pub search: String,
    pub state: Option<SessionState>,
    pub user_id: Option<String>,
    pub after: Option<String>,
    pub before: Option<String>,
}

impl SessionQuery {
    pub fn from_params(params: &ListParams) -> Result<SessionQuery, FieldError> {
        let search = params.get("search").unwrap_or_default();
        if search.chars().count() > 100 {
            return Err(FieldError { field: "search".into(), message: "Search for at most 100 characters.".into() });
        }
        let state = match params.get("status") {
            None => None,
            Some(s) => Some(SessionState::from_key(&s).ok_or_else(|| FieldError { field: "status".into(), message: format!("{s:?} is not a status: choose Active or Ended.") })?),
        };
        let (after, before) = params.cursors()?;
        Ok(SessionQuery { search, state, user_id: params.get("user"), after, before })
    }
}

/// What **Revoke** answers: whose session on which device, and whether it was the viewer's own
/// (then the viewer is signed out).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevokedSession {
    pub user_name: String,
    pub device: String,
    pub own: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> ListParams {
        ListParams::from_query(SESSIONS_PATH, SESSION_FILTERS, |k| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| (*v).to_owned()))
    }

    #[test]
    fn the_query_reads_the_url_and_refuses_what_it_cannot_mean() {
        let q = SessionQuery::from_params(&params(&[("search", " Ada "), ("status", "ended"), ("user", "u1")])).unwrap();
        assert_eq!((q.search.as_str(), q.state, q.user_id.as_deref()), ("Ada", Some(SessionState::Ended), Some("u1")));
        assert_eq!(SessionQuery::from_params(&params(&[("status", "zombie")])).unwrap_err().field, "status");
        assert_eq!(SessionQuery::from_params(&params(&[("after", "a"), ("before", "b")])).unwrap_err().field, "after");
        assert_eq!(SessionQuery::from_params(&params(&[("search", &"x".repeat(101))])).unwrap_err().field, "search");
        assert_eq!(sessions_of_user_href("u 1"), "/sessions?user=u+1");
    }

    #[test]
    fn stored_end_reasons_read_back_and_none_means_expired() {
        for reason in [EndReason::SignedOut, EndReason::Revoked, EndReason::Deactivated, EndReason::Replaced, EndReason::PasswordChanged] {
            let key = match reason {
                EndReason::SignedOut => "signed_out",
                EndReason::Revoked => "revoked",
                EndReason::Deactivated => "deactivated",
                EndReason::Replaced => "replaced",
                _ => "password_changed",
            };
            assert_eq!(EndReason::from_key(Some(key)), reason);
        }
        assert_eq!(EndReason::from_key(None), EndReason::Expired);
    }
}
