//! Users as they cross the wire, and the input types they are parsed into.

use serde::{Deserialize, Serialize};

/// An email address: trimmed, one `@`, a dotted domain, no spaces. Deliberately not RFC 5322
/// in full: the invitation email proves the address; this catches typing mistakes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Email, String> {
        let email = raw.trim();
        if email.is_empty() {
            return Err("Enter an email address.".into());
        }
        if email.len() > 254 {
            return Err("Email addresses are at most 254 characters.".into());
        }
        let Some((local, domain)) = email.split_once('@') else {
            return Err("Enter an email address like name@example.com.".into());
        };
        let valid = !local.is_empty()
            && !domain.contains('@')
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !email.chars().any(|c| c.is_whitespace() || c.is_control());
        if !valid {
            return Err("Enter an email address like name@example.com.".into());
        }
        Ok(Email(email.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A person's display name: trimmed, 1 to 100 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisplayName(String);

impl DisplayName {
    pub fn parse(raw: &str) -> Result<DisplayName, String> {
        let name = raw.trim();
        if name.is_empty() {
            return Err("Enter a name.".into());
        }
        if name.chars().count() > 100 {
            return Err("Names are at most 100 characters.".into());
        }
        if name.chars().any(char::is_control) {
            return Err("Names cannot contain control characters.".into());
        }
        Ok(DisplayName(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum UserStatus {
    Active,
    Inactive,
    Pending,
}

impl UserStatus {
    pub fn label(self) -> &'static str {
        match self {
            UserStatus::Active => "Active",
            UserStatus::Inactive => "Inactive",
            UserStatus::Pending => "Pending",
        }
    }

    /// The value stored in the database.
    pub fn key(self) -> &'static str {
        match self {
            UserStatus::Active => "active",
            UserStatus::Inactive => "inactive",
            UserStatus::Pending => "pending",
        }
    }

    pub fn from_key(key: &str) -> Option<UserStatus> {
        [UserStatus::Active, UserStatus::Inactive, UserStatus::Pending]
            .into_iter()
            .find(|s| s.key() == key)
    }
}

/// One row of the Users list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserSummary {
    pub id: String,
    pub name: String,
    pub email: String,
    pub roles: Vec<String>,
    pub status: UserStatus,
    pub last_login_at: Option<i64>,
    /// Locked by wrong passwords until then (shown as **Locked**; **Unlock** lifts it).
    pub locked_until: Option<i64>,
    /// Their roles carry a permission the viewer lacks (an Owner, for an Admin): the row offers
    /// nothing that would change them or end their sessions.
    #[serde(default)]
    pub outranks_viewer: bool,
}

/// A page of the Users list, with the server's clock for relative times.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserList {
    pub users: Vec<UserSummary>,
    /// How many users match the filters.
    pub total: Total,
    /// Pass back as `after` for the next page; `None` on the last page.
    pub next_cursor: Option<String>,
    /// Pass back as `before` for the previous page; `None` on the first page.
    pub prev_cursor: Option<String>,
    /// What the viewer may do to the users listed, so the page offers only that.
    pub rights: ListRights,
    pub now: i64,
}

/// The actions the viewer holds the permissions for. The server checks each action anyway.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ListRights {
    pub edit: bool,
    pub deactivate: bool,
    pub delete: bool,
    /// `sessions.view`: **View sessions** in a row's menu.
    pub view_sessions: bool,
    /// `sessions.revoke`: **Revoke all sessions**.
    pub revoke_sessions: bool,
    /// `login_attempts.view`: **View login attempts**.
    pub view_attempts: bool,
    /// `audit.view`: **History** (the Audit Log about them).
    #[serde(default)]
    pub view_audit: bool,
    /// `roles.assign` (with `users.edit`): **Add role** and **Remove role** on a selection.
    #[serde(default)]
    pub assign_roles: bool,
    /// `users.invite`: **Resend invitation** on a selection.
    #[serde(default)]
    pub invite: bool,
    /// The viewer's own id: their row offers no Deactivate or Delete.
    pub viewer_id: String,
}

/// How many users match a list's filters, as far as the server counted them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Total {
    /// Exactly this many (at most [`COUNT_CAP`]).
    Exact(i64),
    /// Counting stopped at the cap: more than this many ("1,000+").
    MoreThan(i64),
    /// The database's estimate, where counting to the cap would have cost the page its budget
    /// ("about 37,000"); only Postgres keeps the statistics it comes from.
    About(i64),
}

/// Counting stops here: beyond it the list says "1,000+" instead of reading every match (each
/// counted row of a filtered list can cost a lookup; a thousand keep the page within its budget).
pub const COUNT_CAP: i64 = 1_000;

/// The columns the Users list sorts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum UserSort {
    #[default]
    Name,
    Email,
    Status,
    LastLogin,
}

impl UserSort {
    pub fn key(self) -> &'static str {
        match self {
            UserSort::Name => "name",
            UserSort::Email => "email",
            UserSort::Status => "status",
            UserSort::LastLogin => "last_login",
        }
    }

    pub fn from_key(key: &str) -> Option<UserSort> {
        [UserSort::Name, UserSort::Email, UserSort::Status, UserSort::LastLogin].into_iter().find(|s| s.key() == key)
    }
}

/// The Last login filter: who has not signed in lately. "Not in N days" includes people who
/// never signed in (they have not, in those days either); **Never signed in** is those alone.
/// Each is one range of the last-login index: a last sign-in before a cutoff, "never" stored
/// as 0 (see `cutoff`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LastLogin {
    Never,
    NotIn30Days,
    NotIn90Days,
    NotIn180Days,
    NotInAYear,
}

const DAY_MS: i64 = 24 * 3600 * 1000;

impl LastLogin {
    pub const ALL: [LastLogin; 5] = [LastLogin::Never, LastLogin::NotIn30Days, LastLogin::NotIn90Days, LastLogin::NotIn180Days, LastLogin::NotInAYear];

    pub fn label(self) -> &'static str {
        match self {
            LastLogin::Never => "Never signed in",
            LastLogin::NotIn30Days => "Not in 30 days",
            LastLogin::NotIn90Days => "Not in 90 days",
            LastLogin::NotIn180Days => "Not in 180 days",
            LastLogin::NotInAYear => "Not in a year",
        }
    }

    /// The value in the URL.
    pub fn key(self) -> &'static str {
        match self {
            LastLogin::Never => "never",
            LastLogin::NotIn30Days => "30d",
            LastLogin::NotIn90Days => "90d",
            LastLogin::NotIn180Days => "180d",
            LastLogin::NotInAYear => "1y",
        }
    }

    pub fn from_key(key: &str) -> Option<LastLogin> {
        LastLogin::ALL.into_iter().find(|l| l.key() == key)
    }

    /// The users it keeps are those whose last sign-in (0 for never) is before this time, in
    /// milliseconds: `now` less the days, so a sign-in exactly 30 days ago is within 30 days.
    pub fn cutoff(self, now: i64) -> i64 {
        let days = match self {
            // Any sign-in at all is after the epoch's first millisecond.
            LastLogin::Never => return 1,
            LastLogin::NotIn30Days => 30,
            LastLogin::NotIn90Days => 90,
            LastLogin::NotIn180Days => 180,
            LastLogin::NotInAYear => 365,
        };
        // Never signed in is in every choice, whatever the clock says.
        now.saturating_sub(days * DAY_MS).max(1)
    }
}

/// The Users list's URL query as typed: every value optional and unchecked. The page reads
/// it from the URL, its links write it back, and the server function takes its fields.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct UserListParams {
    pub search: Option<String>,
    pub status: Option<String>,
    pub role: Option<String>,
    pub last_login: Option<String>,
    pub sort: Option<String>,
    pub dir: Option<String>,
    pub after: Option<String>,
    pub before: Option<String>,
    pub size: Option<String>,
    /// The page number shown in "51–100 of 12,431"; display only, the cursors do the paging.
    pub page: Option<String>,
}

impl UserListParams {
    /// From a URL query, given a lookup of its parameters.
    pub fn from_query(get: impl Fn(&str) -> Option<String>) -> UserListParams {
        UserListParams {
            search: get("search"),
            status: get("status"),
            role: get("role"),
            last_login: get("last_login"),
            sort: get("sort"),
            dir: get("dir"),
            after: get("after"),
            before: get("before"),
            size: get("size"),
            page: get("page"),
        }
    }

    /// `/users?…` with the non-empty parameters, URL-encoded.
    pub fn href(&self) -> String {
        crate::ui::query::href(
            "/users",
            &[
                ("search", &self.search),
                ("status", &self.status),
                ("role", &self.role),
                ("last_login", &self.last_login),
                ("sort", &self.sort),
                ("dir", &self.dir),
                ("after", &self.after),
                ("before", &self.before),
                ("size", &self.size),
                ("page", &self.page),
            ],
        )
    }

    /// The same filters, sort and size, from the first page.
    pub fn first_page(&self) -> UserListParams {
        UserListParams { after: None, before: None, page: None, ..self.clone() }
    }

    /// The page size asked for; the default when absent or not one of [`PAGE_SIZES`].
    pub fn page_size(&self) -> u32 {
        self.size.as_deref().and_then(|s| s.parse().ok()).filter(|n| PAGE_SIZES.contains(n)).unwrap_or(DEFAULT_PAGE_SIZE)
    }

    /// The page number shown, 1 when absent or unreadable.
    pub fn page_number(&self) -> u64 {
        self.page.as_deref().and_then(|p| p.parse().ok()).filter(|p| *p >= 1).unwrap_or(1)
    }
}

/// What the Users list shows: filters, sort and page, parsed from the URL's query.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct UserQuery {
    /// Any part of the name or email, case-insensitive; empty for all.
    pub search: String,
    pub status: Option<UserStatus>,
    /// A role name.
    pub role: Option<String>,
    pub last_login: Option<LastLogin>,
    pub sort: UserSort,
    pub descending: bool,
    /// The cursor of the page to start after (next page)…
    pub after: Option<String>,
    /// …or to end before (previous page).
    pub before: Option<String>,
    /// 25, 50 or 100.
    pub page_size: u32,
}

pub const PAGE_SIZES: [u32; 3] = [25, 50, 100];
pub const DEFAULT_PAGE_SIZE: u32 = 50;

impl UserQuery {
    /// Parses the URL's parameters. Unknown values are refused with a message naming the
    /// parameter.
    pub fn from_params(params: &UserListParams) -> Result<UserQuery, (String, String)> {
        let blank = |v: &Option<String>| v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
        let search = blank(&params.search).unwrap_or_default();
        if search.chars().count() > 100 {
            return Err(("search".into(), "Search for at most 100 characters.".into()));
        }
        let status = match blank(&params.status) {
            None => None,
            Some(s) => Some(UserStatus::from_key(&s).ok_or_else(|| ("status".to_owned(), format!("{s:?} is not a status.")))?),
        };
        let last_login = match blank(&params.last_login) {
            None => None,
            Some(l) => Some(LastLogin::from_key(&l).ok_or_else(|| ("last_login".to_owned(), format!("{l:?} is not a Last login choice.")))?),
        };
        let sort = match blank(&params.sort) {
            None => UserSort::default(),
            Some(s) => UserSort::from_key(&s).ok_or_else(|| ("sort".to_owned(), format!("Cannot sort by {s:?}.")))?,
        };
        let descending = match blank(&params.dir).as_deref() {
            None | Some("asc") => false,
            Some("desc") => true,
            Some(d) => return Err(("dir".into(), format!("{d:?} is not asc or desc."))),
        };
        let page_size = match blank(&params.size) {
            None => DEFAULT_PAGE_SIZE,
            Some(s) => s.parse().ok().filter(|n| PAGE_SIZES.contains(n)).ok_or_else(|| ("size".to_owned(), "Show 25, 50 or 100 users per page.".to_owned()))?,
        };
        let (after, before) = (blank(&params.after), blank(&params.before));
        if after.is_some() && before.is_some() {
            return Err(("after".into(), "A page starts after one row or ends before one, not both.".into()));
        }
        Ok(UserQuery { search, status, role: blank(&params.role), last_login, sort, descending, after, before, page_size })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_and_checked() {
        assert_eq!(Email::parse("  ada@example.com ").map(|e| e.0), Ok("ada@example.com".into()));
        for bad in ["", "ada", "ada@", "@example.com", "ada@example", "a b@example.com", "a@b@c.com", "ada@.com"] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(DisplayName::parse(" Ada Lovelace ").map(|n| n.0), Ok("Ada Lovelace".into()));
        assert!(DisplayName::parse("   ").is_err());
        assert!(DisplayName::parse(&"x".repeat(101)).is_err());
        assert!(DisplayName::parse("bell\u{7}").is_err());
    }

    fn params(pairs: &[(&str, &str)]) -> UserListParams {
        UserListParams::from_query(|k| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| (*v).to_owned()))
    }

    #[test]
    fn list_parameters_parse_with_defaults_and_clear_refusals() {
        let q = UserQuery::from_params(&UserListParams::default()).unwrap();
        assert_eq!((q.sort, q.descending, q.page_size, q.search.as_str()), (UserSort::Name, false, 50, ""));
        let q = UserQuery::from_params(&params(&[("search", " Ada "), ("status", "inactive"), ("role", "Admin"), ("sort", "last_login"), ("dir", "desc"), ("after", ""), ("size", "25")])).unwrap();
        assert_eq!(q.search, "Ada");
        assert_eq!((q.status, q.role.as_deref(), q.sort, q.descending, q.after, q.page_size), (Some(UserStatus::Inactive), Some("Admin"), UserSort::LastLogin, true, None, 25));
        let q = UserQuery::from_params(&params(&[("last_login", "90d")])).unwrap();
        assert_eq!(q.last_login, Some(LastLogin::NotIn90Days));
        for (name, value) in [("status", "gone"), ("last_login", "90"), ("sort", "age"), ("dir", "up"), ("size", "7"), ("size", "many")] {
            assert_eq!(UserQuery::from_params(&params(&[(name, value)])).unwrap_err().0, name);
        }
        assert_eq!(UserQuery::from_params(&params(&[("after", "a"), ("before", "b")])).unwrap_err().0, "after");
    }

    #[test]
    fn links_keep_the_filters_and_encode_them() {
        let p = params(&[("search", "o'brien & co"), ("status", "active"), ("after", "abc"), ("page", "3"), ("role", "")]);
        assert_eq!(p.href(), "/users?search=o%27brien+%26+co&status=active&after=abc&page=3");
        assert_eq!(p.first_page().href(), "/users?search=o%27brien+%26+co&status=active");
        assert_eq!((p.page_number(), UserListParams::default().page_number()), (3, 1));
        assert_eq!(UserListParams::default().href(), "/users");
    }

    #[test]
    fn last_login_cutoffs_keep_a_sign_in_exactly_n_days_ago_within_them() {
        let now = 400 * DAY_MS;
        assert_eq!(LastLogin::NotIn30Days.cutoff(now), 370 * DAY_MS, "before 30 days ago: stale");
        assert_eq!(LastLogin::NotInAYear.cutoff(now), 35 * DAY_MS);
        assert_eq!(LastLogin::Never.cutoff(now), 1, "only the stored 0 of never");
        assert_eq!(LastLogin::NotInAYear.cutoff(10), 1, "a clock near the epoch still keeps those who never signed in");
        for l in LastLogin::ALL {
            assert_eq!(LastLogin::from_key(l.key()), Some(l));
        }
    }

    #[test]
    fn status_keys_round_trip() {
        for s in [UserStatus::Active, UserStatus::Inactive, UserStatus::Pending] {
            assert_eq!(UserStatus::from_key(s.key()), Some(s));
        }
    }
}
