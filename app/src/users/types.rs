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
}

/// A page of the Users list, with the server's clock for relative times.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserList {
    pub users: Vec<UserSummary>,
    /// Users matching the filters, counted up to [`COUNT_CAP`].
    pub total: i64,
    /// More than `total` match: show "10,000+".
    pub total_capped: bool,
    /// Pass back as `after` for the next page; `None` on the last page.
    pub next_cursor: Option<String>,
    pub now: i64,
}

/// Counting stops here: beyond it the list says "10,000+" instead of scanning every match.
pub const COUNT_CAP: i64 = 10_000;

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

/// What the Users list shows: filters, sort and page, parsed from the URL's query.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct UserQuery {
    /// Any part of the name or email, case-insensitive; empty for all.
    pub search: String,
    pub status: Option<UserStatus>,
    /// A role name.
    pub role: Option<String>,
    pub sort: UserSort,
    pub descending: bool,
    /// The cursor of the page to start after.
    pub after: Option<String>,
    /// 25, 50 or 100.
    pub page_size: u32,
}

pub const PAGE_SIZES: [u32; 3] = [25, 50, 100];

impl UserQuery {
    /// Parses the URL parameters (`search`, `status`, `role`, `sort`, `dir`, `after`, `size`).
    /// Unknown values are refused with a message naming the parameter.
    pub fn from_params(
        search: Option<String>,
        status: Option<String>,
        role: Option<String>,
        sort: Option<String>,
        dir: Option<String>,
        after: Option<String>,
        size: Option<u32>,
    ) -> Result<UserQuery, (String, String)> {
        let blank = |v: Option<String>| v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        let search = blank(search).unwrap_or_default();
        if search.chars().count() > 100 {
            return Err(("search".into(), "Search for at most 100 characters.".into()));
        }
        let status = match blank(status) {
            None => None,
            Some(s) => Some(UserStatus::from_key(&s).ok_or_else(|| ("status".to_owned(), format!("{s:?} is not a status.")))?),
        };
        let sort = match blank(sort) {
            None => UserSort::default(),
            Some(s) => UserSort::from_key(&s).ok_or_else(|| ("sort".to_owned(), format!("Cannot sort by {s:?}.")))?,
        };
        let descending = match blank(dir).as_deref() {
            None | Some("asc") => false,
            Some("desc") => true,
            Some(d) => return Err(("dir".into(), format!("{d:?} is not asc or desc."))),
        };
        let page_size = size.unwrap_or(50);
        if !PAGE_SIZES.contains(&page_size) {
            return Err(("size".into(), "Show 25, 50 or 100 users per page.".into()));
        }
        Ok(UserQuery { search, status, role: blank(role), sort, descending, after: blank(after), page_size })
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

    #[test]
    fn list_parameters_parse_with_defaults_and_clear_refusals() {
        let q = UserQuery::from_params(None, None, None, None, None, None, None).unwrap();
        assert_eq!((q.sort, q.descending, q.page_size, q.search.as_str()), (UserSort::Name, false, 50, ""));
        let q = UserQuery::from_params(Some(" Ada ".into()), Some("inactive".into()), Some("Admin".into()), Some("last_login".into()), Some("desc".into()), Some("".into()), Some(25)).unwrap();
        assert_eq!(q.search, "Ada");
        assert_eq!((q.status, q.role.as_deref(), q.sort, q.descending, q.after, q.page_size), (Some(UserStatus::Inactive), Some("Admin"), UserSort::LastLogin, true, None, 25));
        assert_eq!(UserQuery::from_params(None, Some("gone".into()), None, None, None, None, None).unwrap_err().0, "status");
        assert_eq!(UserQuery::from_params(None, None, None, Some("age".into()), None, None, None).unwrap_err().0, "sort");
        assert_eq!(UserQuery::from_params(None, None, None, None, Some("up".into()), None, None).unwrap_err().0, "dir");
        assert_eq!(UserQuery::from_params(None, None, None, None, None, None, Some(7)).unwrap_err().0, "size");
    }

    #[test]
    fn status_keys_round_trip() {
        for s in [UserStatus::Active, UserStatus::Inactive, UserStatus::Pending] {
            assert_eq!(UserStatus::from_key(s.key()), Some(s));
        }
    }
}
