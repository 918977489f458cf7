//! One user as the Edit dialog sees it, the changes it sends, and how they are checked. The
//! checks run in the browser (messages as you type) and again on the server (the authority).

use crate::error::FieldError;
use crate::users::types::{DisplayName, Email, UserStatus};
use serde::{Deserialize, Serialize};

/// A role of the organization, as the Role filter and the Roles checkboxes list it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleOption {
    pub id: String,
    pub name: String,
    pub description: String,
    /// The viewer holds every permission of this role, so they may grant or remove it.
    pub grantable: bool,
}

/// One user with everything the Edit dialog shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserDetail {
    pub id: String,
    pub name: String,
    pub email: String,
    pub profile: Profile,
    pub status: UserStatus,
    pub role_ids: Vec<String>,
    /// Sent back with the changes: if it moved meanwhile, someone else saved first.
    pub version: i64,
}

/// Personal and contact details; empty text means "not given".
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub phone: String,
    pub job_title: String,
    pub department: String,
    pub location: String,
    pub time_zone: String,
}

/// What the Edit dialog needs: the user, the organization's roles, and what the viewer may
/// change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserEditor {
    pub user: UserDetail,
    pub roles: Vec<RoleOption>,
    pub can_assign_roles: bool,
    /// Why the viewer may look but not change this user (their roles outrank the viewer).
    pub read_only_reason: Option<String>,
}

/// The changes **Save Changes** sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserUpdate {
    pub id: String,
    pub version: i64,
    pub name: String,
    pub email: String,
    pub profile: Profile,
    /// The role ids the user should hold afterwards.
    pub role_ids: Vec<String>,
}

/// A checked [`UserUpdate`]: trimmed values, `None` for a blank profile field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidUpdate {
    pub name: DisplayName,
    pub email: Email,
    pub phone: Option<String>,
    pub job_title: Option<String>,
    pub department: Option<String>,
    pub location: Option<String>,
    pub time_zone: Option<String>,
    pub role_ids: Vec<String>,
}

fn optional_text(raw: &str, label: &str, max: usize) -> Result<Option<String>, String> {
    let text = raw.trim();
    if text.is_empty() {
        return Ok(None);
    }
    if text.chars().count() > max {
        return Err(format!("{label} is at most {max} characters."));
    }
    if text.chars().any(char::is_control) {
        return Err(format!("{label} cannot contain control characters."));
    }
    Ok(Some(text.to_owned()))
}

/// Digits with the usual separators and an optional leading `+`, 5 to 20 digits.
fn phone(raw: &str) -> Result<Option<String>, String> {
    let Some(text) = optional_text(raw, "Phone", 32)? else { return Ok(None) };
    let allowed = text.char_indices().all(|(i, c)| c.is_ascii_digit() || " -().".contains(c) || (c == '+' && i == 0));
    let digits = text.chars().filter(char::is_ascii_digit).count();
    if !allowed || !(5..=20).contains(&digits) {
        return Err("Enter a phone number like +1 555 010 0199.".into());
    }
    Ok(Some(text))
}

/// An IANA time zone name such as `Europe/Paris`, or `UTC`.
fn time_zone(raw: &str) -> Result<Option<String>, String> {
    let Some(text) = optional_text(raw, "Time zone", 64)? else { return Ok(None) };
    let part_ok = |p: &str| {
        !p.is_empty() && p.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && p.chars().all(|c| c.is_ascii_alphanumeric() || "_+-".contains(c))
    };
    let looks_iana = text == "UTC" || (text.contains('/') && text.split('/').all(part_ok));
    if !looks_iana {
        return Err("Enter a time zone like Europe/Paris or UTC.".into());
    }
    Ok(Some(text))
}

impl UserUpdate {
    /// Every field checked at once: the messages come back together, one per field.
    pub fn validate(&self) -> Result<ValidUpdate, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut check = |field: &str, result: Result<Option<String>, String>| match result {
            Ok(value) => value,
            Err(message) => {
                errors.push(FieldError { field: field.to_owned(), message });
                None
            }
        };
        let p = &self.profile;
        let phone = check("phone", phone(&p.phone));
        let job_title = check("job_title", optional_text(&p.job_title, "Job title", 100));
        let department = check("department", optional_text(&p.department, "Department", 100));
        let location = check("location", optional_text(&p.location, "Location", 100));
        let time_zone = check("time_zone", time_zone(&p.time_zone));
        let name = DisplayName::parse(&self.name).map_err(|m| errors.push(FieldError { field: "name".into(), message: m }));
        let email = Email::parse(&self.email).map_err(|m| errors.push(FieldError { field: "email".into(), message: m }));
        if self.role_ids.is_empty() {
            errors.push(FieldError { field: "roles".into(), message: "Choose at least one role.".into() });
        }
        match (name, email) {
            (Ok(name), Ok(email)) if errors.is_empty() => {
                let mut role_ids = self.role_ids.clone();
                role_ids.sort();
                role_ids.dedup();
                Ok(ValidUpdate { name, email, phone, job_title, department, location, time_zone, role_ids })
            }
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn update() -> UserUpdate {
        UserUpdate {
            id: "u1".into(),
            version: 1,
            name: " Ada Lovelace ".into(),
            email: "ada@example.com".into(),
            profile: Profile { phone: "+44 20 7946 0958".into(), time_zone: "Europe/London".into(), ..Profile::default() },
            role_ids: vec!["r2".into(), "r1".into(), "r2".into()],
        }
    }

    #[test]
    fn a_good_update_is_trimmed_and_its_roles_deduplicated() {
        let valid = update().validate().unwrap();
        assert_eq!(valid.name.as_str(), "Ada Lovelace");
        assert_eq!((valid.phone.as_deref(), valid.job_title), (Some("+44 20 7946 0958"), None));
        assert_eq!(valid.role_ids, vec!["r1".to_owned(), "r2".to_owned()]);
    }

    #[test]
    fn every_bad_field_gets_its_own_message() {
        let mut bad = update();
        bad.name = " ".into();
        bad.email = "ada@".into();
        bad.profile = Profile {
            phone: "call me".into(),
            job_title: "x".repeat(101),
            department: String::new(),
            location: "tab\there".into(),
            time_zone: "Mars Base".into(),
        };
        bad.role_ids.clear();
        let errors = bad.validate().unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        for field in ["name", "email", "phone", "job_title", "location", "time_zone", "roles"] {
            assert!(fields.contains(&field), "{field} should have a message, got {fields:?}");
        }
        assert!(!fields.contains(&"department"), "a blank optional field is fine");
    }

    #[test]
    fn phones_and_time_zones_accept_the_usual_forms_only() {
        for ok in ["+1 (555) 010-0199", "020 7946 0958", "12345"] {
            assert!(phone(ok).is_ok(), "{ok}");
        }
        for bad in ["1234", "555-CALL-NOW", "1+2345678", &"1".repeat(21)] {
            assert!(phone(bad).is_err(), "{bad}");
        }
        for ok in ["UTC", "Europe/Paris", "America/Argentina/Buenos_Aires", "Etc/GMT+5"] {
            assert!(time_zone(ok).is_ok(), "{ok}");
        }
        for bad in ["Paris", "Europe/", "/Paris", "Europe/Par is"] {
            assert!(time_zone(bad).is_err(), "{bad}");
        }
    }
}
