//! Sign-in attempts as the Login Attempts page shows them.

use crate::live::listen::{count_of, LivePage};
use crate::error::FieldError;
use crate::ui::list_table::KeysetPage;
use crate::ui::query::ListParams;
use serde::{Deserialize, Serialize};

/// Why a sign-in failed. Shown to admins in Login Attempts; never to the person signing in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FailureReason {
    WrongPassword,
    UnknownAccount,
    AccountDeactivated,
    /// Invited, and the invitation not accepted yet.
    AccountPending,
    /// Too many failures in a row: locked for a while, the password not even checked.
    AccountLocked,
    /// More than `ROSTER_IP_LIMIT` attempts in a minute from one address.
    TooManyFromAddress,
    /// The email exists in several organizations and none was named.
    OrganizationRequired,
    /// **Change password** with a wrong current password: a signed-in session guessing the
    /// password counts toward the account's lockout like a sign-in.
    WrongCurrentPassword,
}

impl FailureReason {
    pub fn label(self) -> &'static str {
        match self {
            FailureReason::WrongPassword => "Wrong password",
            FailureReason::UnknownAccount => "Unknown account",
            FailureReason::AccountDeactivated => "Account deactivated",
            FailureReason::AccountPending => "Account pending (invitation not accepted)",
            FailureReason::AccountLocked => "Account locked",
            FailureReason::TooManyFromAddress => "Too many attempts from this address",
            FailureReason::OrganizationRequired => "Organization not specified",
            FailureReason::WrongCurrentPassword => "Wrong current password (change password)",
        }
    }

    /// The reason as a metric label (`roster_sign_ins_total{outcome=…}`).
    pub fn key(self) -> &'static str {
        match self {
            FailureReason::WrongPassword => "wrong_password",
            FailureReason::UnknownAccount => "unknown_account",
            FailureReason::AccountDeactivated => "account_deactivated",
            FailureReason::AccountPending => "account_pending",
            FailureReason::AccountLocked => "account_locked",
            FailureReason::TooManyFromAddress => "too_many_from_address",
            FailureReason::OrganizationRequired => "organization_required",
            FailureReason::WrongCurrentPassword => "wrong_current_password",
        }
    }
}

/// What the sign-in log keeps of the identifier typed: an email address as typed (trimmed,
/// at most 254 characters), anything else masked to its first character. People type their
/// password into the email field; the log must not keep it.
pub fn loggable_identifier(typed: &str) -> String {
    let typed = typed.trim();
    if crate::users::types::Email::parse(typed).is_ok() {
        return typed.to_owned();
    }
    match typed.chars().next() {
        Some(first) => format!("{first}••••• (not an email address)"),
        None => String::new(),
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
    /// How many refusals the row stands for: the per-address limit writes one row a window.
    #[serde(default = "one")]
    pub repeats: i64,
}

fn one() -> i64 {
    1
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginAttemptList {
    pub attempts: Vec<LoginAttempt>,
    pub next_cursor: Option<String>,
    pub prev_cursor: Option<String>,
    pub now: i64,
}

impl KeysetPage for LoginAttemptList {
    fn is_empty(&self) -> bool {
        self.attempts.is_empty()
    }
    fn cursors(&self) -> (Option<String>, Option<String>) {
        (self.prev_cursor.clone(), self.next_cursor.clone())
    }
}

impl LivePage for LoginAttemptList {
    fn read_at(&self) -> i64 {
        self.now
    }
    fn news_since(&self, since: i64) -> (usize, String) {
        let new: Vec<&LoginAttempt> = self.attempts.iter().filter(|a| a.at > since).collect();
        let failed = new.iter().filter(|a| !a.success).count();
        let succeeded = new.len() - failed;
        let text = match (failed, succeeded) {
            (0, n) => count_of(n, "sign-in", "sign-ins"),
            (n, 0) => count_of(n, "failed sign-in", "failed sign-ins"),
            (f, n) => format!("{} and {}", count_of(f, "failed sign-in", "failed sign-ins"), count_of(n, "sign-in", "sign-ins")),
        };
        (new.len(), text)
    }
}

pub const ATTEMPTS_PATH: &str = "/login-attempts";
/// The Login Attempts list's filters, as URL parameters: `search` (an email address or an IP
/// address, exactly), `status` (`success`, `failed`), `range` (`1h`, `24h`, `7d`, `30d`).
pub const ATTEMPT_FILTERS: &[&str] = &["search", "status", "range"];
pub const ATTEMPT_PAGE_SIZE: usize = 50;

/// The attempts made with one email address: **View login attempts** on the Users page.
pub fn attempts_of_email_href(email: &str) -> String {
    ListParams::from_query(ATTEMPTS_PATH, ATTEMPT_FILTERS, |_| None).with("search", Some(email.to_owned())).href()
}

/// The **Status** filter of Login Attempts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptOutcome {
    Success,
    Failed,
}

impl AttemptOutcome {
    pub const ALL: [AttemptOutcome; 2] = [AttemptOutcome::Success, AttemptOutcome::Failed];

    pub fn key(self) -> &'static str {
        match self {
            AttemptOutcome::Success => "success",
            AttemptOutcome::Failed => "failed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            AttemptOutcome::Success => "Success",
            AttemptOutcome::Failed => "Failed",
        }
    }
}

/// The time range filter of Login Attempts: the last hour, day, week or month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptRange {
    Hour,
    Day,
    Week,
    Month,
}

impl AttemptRange {
    pub const ALL: [AttemptRange; 4] = [AttemptRange::Hour, AttemptRange::Day, AttemptRange::Week, AttemptRange::Month];

    pub fn key(self) -> &'static str {
        match self {
            AttemptRange::Hour => "1h",
            AttemptRange::Day => "24h",
            AttemptRange::Week => "7d",
            AttemptRange::Month => "30d",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            AttemptRange::Hour => "Last hour",
            AttemptRange::Day => "Last 24 hours",
            AttemptRange::Week => "Last 7 days",
            AttemptRange::Month => "Last 30 days",
        }
    }

    /// The **Time** select of a list's filter bar (Login Attempts, the Audit Log).
    pub fn select_filter() -> crate::ui::list_filters::SelectFilter {
        crate::ui::list_filters::SelectFilter {
            name: "range",
            label: "Time",
            any: "All time",
            options: AttemptRange::ALL.into_iter().map(|r| (r.key(), r.label())).collect(),
            ..Default::default()
        }
    }

    pub fn millis(self) -> i64 {
        const HOUR: i64 = 3_600_000;
        match self {
            AttemptRange::Hour => HOUR,
            AttemptRange::Day => 24 * HOUR,
            AttemptRange::Week => 7 * 24 * HOUR,
            AttemptRange::Month => 30 * 24 * HOUR,
        }
    }
}

/// What the search box of Login Attempts names: an IP address, or else an email (compared by
/// its lower-cased key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttemptSearch {
    Ip(String),
    Email(String),
}

/// What the Login Attempts list shows, parsed from the URL's parameters.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AttemptQuery {
    pub search: Option<AttemptSearch>,
    pub outcome: Option<AttemptOutcome>,
    pub range: Option<AttemptRange>,
    pub after: Option<String>,
    pub before: Option<String>,
}

impl AttemptQuery {
    pub fn from_params(params: &ListParams) -> Result<AttemptQuery, FieldError> {
        let bad = |field: &str, message: String| FieldError { field: field.into(), message };
        let search = match params.get("search") {
            None => None,
            Some(s) if s.chars().count() > 254 => return Err(bad("search", "Search for at most 254 characters.".into())),
            Some(s) => Some(match s.parse::<std::net::IpAddr>() {
                Ok(ip) => AttemptSearch::Ip(ip.to_string()),
                Err(_) => AttemptSearch::Email(s.to_lowercase()),
            }),
        };
        let outcome = match params.get("status") {
            None => None,
            Some(s) => Some(AttemptOutcome::ALL.into_iter().find(|o| o.key() == s).ok_or_else(|| bad("status", format!("{s:?} is not a status: choose Success or Failed.")))?),
        };
        let range = match params.get("range") {
            None => None,
            Some(s) => Some(AttemptRange::ALL.into_iter().find(|r| r.key() == s).ok_or_else(|| bad("range", format!("{s:?} is not a time range.")))?),
        };
        let (after, before) = params.cursors()?;
        Ok(AttemptQuery { search, outcome, range, after, before })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_live_summary_counts_only_rows_newer_than_the_page_the_viewer_read() {
        let attempt = |id: &str, at: i64, success: bool| LoginAttempt {
            id: id.into(),
            at,
            email: "ada@example.com".into(),
            ip_address: "203.0.113.7".into(),
            user_agent: String::new(),
            success,
            reason: None,
            repeats: 1,
        };
        let page = LoginAttemptList {
            attempts: vec![attempt("d", 400, false), attempt("c", 300, true), attempt("b", 200, false), attempt("a", 100, false)],
            next_cursor: None,
            prev_cursor: None,
            now: 400,
        };
        assert_eq!(page.news_since(100), (3, "2 new failed sign-ins and 1 new sign-in".to_owned()));
        assert_eq!(page.news_since(300), (1, "1 new failed sign-in".to_owned()));
        assert_eq!(page.news_since(250), (2, "1 new failed sign-in and 1 new sign-in".to_owned()));
        assert_eq!(page.news_since(400).0, 0, "a row read at the same time is not news");
        assert_eq!(page.read_at(), 400);
    }

    fn params(pairs: &[(&str, &str)]) -> ListParams {
        ListParams::from_query(ATTEMPTS_PATH, ATTEMPT_FILTERS, |k| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| (*v).to_owned()))
    }

    #[test]
    fn the_search_is_an_ip_address_or_an_email_and_bad_filters_are_refused() {
        let q = AttemptQuery::from_params(&params(&[("search", " Ada@Example.com "), ("status", "failed"), ("range", "24h")])).unwrap();
        assert_eq!(q.search, Some(AttemptSearch::Email("ada@example.com".into())));
        assert_eq!((q.outcome, q.range), (Some(AttemptOutcome::Failed), Some(AttemptRange::Day)));
        let q = AttemptQuery::from_params(&params(&[("search", "2001:DB8::1")])).unwrap();
        assert_eq!(q.search, Some(AttemptSearch::Ip("2001:db8::1".into())));
        assert_eq!(AttemptQuery::from_params(&params(&[("status", "maybe")])).unwrap_err().field, "status");
        assert_eq!(AttemptQuery::from_params(&params(&[("range", "1y")])).unwrap_err().field, "range");
        assert_eq!(attempts_of_email_href("a+b@x.io"), "/login-attempts?search=a%2Bb%40x.io");
    }

    #[test]
    fn only_email_addresses_are_logged_as_typed() {
        assert_eq!(loggable_identifier(" ada@example.com "), "ada@example.com");
        assert_eq!(loggable_identifier("hunter2-correct-horse"), "h••••• (not an email address)");
        assert_eq!(loggable_identifier("ada@example"), "a••••• (not an email address)");
        assert_eq!(loggable_identifier("  "), "");
        // The same mask whatever the length: it says nothing of the secret.
        assert_eq!(loggable_identifier("pw"), loggable_identifier("pwxxxxxxxxxxxxxxxxxxx"));
    }
}
