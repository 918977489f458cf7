//! The Audit Log as it crosses the wire, its filters, and the words it shows.

use crate::live::listen::{count_of, LivePage};
use crate::error::FieldError;
use crate::login_attempts::types::AttemptRange;
use crate::ui::list_table::KeysetPage;
use crate::ui::query::ListParams;
use serde::{Deserialize, Serialize};

/// Who acted: a person (by name and email, kept as they were then), the command line, or
/// Roster itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum AuditActor {
    Person { id: String, name: String, email: String },
    /// `roster …` on the server, named by its command.
    CommandLine(String),
    System,
}

/// One row of the Audit Log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: String,
    pub at: i64,
    pub actor: AuditActor,
    /// The action's key (`user.deactivated`) and its label ("Deactivated user").
    pub action: String,
    pub action_label: String,
    /// The user (or other thing) acted on: its id, when it has one, and its label as it was.
    pub target_id: Option<String>,
    pub target_label: String,
    /// What changed, a line each: "Role: Member → Admin".
    pub changes: Vec<String>,
    pub ip_address: Option<String>,
    pub device: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditList {
    pub events: Vec<AuditEntry>,
    pub next_cursor: Option<String>,
    pub prev_cursor: Option<String>,
    /// Filtered to one person (by `actor` or `target`): their name, for the line above.
    pub subject: Option<String>,
    pub now: i64,
}

impl KeysetPage for AuditList {
    fn is_empty(&self) -> bool {
        self.events.is_empty()
    }
    fn cursors(&self) -> (Option<String>, Option<String>) {
        (self.prev_cursor.clone(), self.next_cursor.clone())
    }
}

impl LivePage for AuditList {
    fn read_at(&self) -> i64 {
        self.now
    }
    fn news_since(&self, since: i64) -> (usize, String) {
        let n = self.events.iter().filter(|e| e.at > since).count();
        (n, count_of(n, "event", "events"))
    }
}

pub const AUDIT_PATH: &str = "/audit";
/// The Audit Log's filters, as URL parameters: `action` (a key of [`ACTIONS`]), `range` (the
/// Login Attempts choices), and `actor` or `target`, a user's id (set by **History** on Users
/// and by the names in the log).
pub const AUDIT_FILTERS: &[&str] = &["action", "range", "actor", "target"];
pub const AUDIT_PAGE_SIZE: usize = 50;

/// Every action the log records, by area: (area, [(key, label)]).
pub const ACTIONS: &[(&str, &[(&str, &str)])] = &[
    (
        "Users",
        &[
            ("user.updated", "Edited user"),
            ("user.roles_changed", "Changed roles"),
            ("user.deactivated", "Deactivated user"),
            ("user.activated", "Activated user"),
            ("user.unlocked", "Unlocked user"),
            ("user.deleted", "Deleted user"),
            ("user.password_changed", "Changed password"),
        ],
    ),
    (
        "Invitations",
        &[
            ("invitation.sent", "Sent invitation"),
            ("invitation.resent", "Resent invitation"),
            ("invitation.cancelled", "Cancelled invitation"),
            ("invitation.accepted", "Accepted invitation"),
            ("invitation.declined", "Declined invitation"),
        ],
    ),
    ("Bulk actions", &[("bulk.started", "Started bulk action")]),
    (
        "Sessions",
        &[
            ("session.revoked", "Revoked session"),
            ("sessions.revoked_all", "Revoked all sessions"),
            ("session.signed_out", "Signed out"),
            ("sessions.signed_out_elsewhere", "Signed out other sessions"),
        ],
    ),
];

/// The label of an action key; the key itself for one this version does not know.
pub fn action_label(key: &str) -> String {
    ACTIONS.iter().flat_map(|(_, actions)| actions.iter()).find(|(k, _)| *k == key).map_or_else(|| key.to_owned(), |(_, label)| (*label).to_owned())
}

/// The events about a user (**History** on Users), and those by them.
pub fn history_href(user_id: &str) -> String {
    ListParams::from_query(AUDIT_PATH, AUDIT_FILTERS, |_| None).with("target", Some(user_id.to_owned())).href()
}

/// What the Audit Log shows, parsed from the URL's parameters.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AuditQuery {
    pub action: Option<&'static str>,
    pub range: Option<AttemptRange>,
    pub actor: Option<String>,
    pub target: Option<String>,
    pub after: Option<String>,
    pub before: Option<String>,
}

impl AuditQuery {
    pub fn from_params(params: &ListParams) -> Result<AuditQuery, FieldError> {
        let bad = |field: &str, message: String| FieldError { field: field.into(), message };
        let action = match params.get("action") {
            None => None,
            Some(a) => Some(
                ACTIONS
                    .iter()
                    .flat_map(|(_, actions)| actions.iter())
                    .map(|(key, _)| *key)
                    .find(|key| *key == a)
                    .ok_or_else(|| bad("action", format!("{a:?} is not an action the log records.")))?,
            ),
        };
        let range = match params.get("range") {
            None => None,
            Some(s) => Some(AttemptRange::ALL.into_iter().find(|r| r.key() == s).ok_or_else(|| bad("range", format!("{s:?} is not a time range.")))?),
        };
        let id = |name: &str| match params.get(name) {
            Some(v) if v.len() > 64 => Err(bad(name, "That is not a user's id.".into())),
            v => Ok(v),
        };
        let (actor, target) = (id("actor")?, id("target")?);
        if actor.is_some() && target.is_some() {
            return Err(bad("actor", "Show events by one person or about one person, not both.".into()));
        }
        let (after, before) = params.cursors()?;
        Ok(AuditQuery { action, range, actor, target, after, before })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> ListParams {
        ListParams::from_query(AUDIT_PATH, AUDIT_FILTERS, |k| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| (*v).to_owned()))
    }

    #[test]
    fn filters_parse_and_bad_ones_are_refused_by_name() {
        let q = AuditQuery::from_params(&params(&[("action", "user.deactivated"), ("range", "7d"), ("target", "u1")])).unwrap();
        assert_eq!((q.action, q.range, q.target.as_deref()), (Some("user.deactivated"), Some(AttemptRange::Week), Some("u1")));
        assert_eq!(AuditQuery::from_params(&params(&[("action", "user.flew")])).unwrap_err().field, "action");
        assert_eq!(AuditQuery::from_params(&params(&[("range", "1y")])).unwrap_err().field, "range");
        assert_eq!(AuditQuery::from_params(&params(&[("actor", "a"), ("target", "b")])).unwrap_err().field, "actor");
        assert_eq!(history_href("u 1"), "/audit?target=u+1");
    }

    #[test]
    fn actions_have_labels_and_unknown_keys_show_as_themselves() {
        assert_eq!(action_label("user.deactivated"), "Deactivated user");
        assert_eq!(action_label("user.teleported"), "user.teleported");
        let keys: Vec<&str> = ACTIONS.iter().flat_map(|(_, a)| a.iter().map(|(k, _)| *k)).collect();
        let mut unique = keys.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), keys.len(), "each action once");
    }
}
