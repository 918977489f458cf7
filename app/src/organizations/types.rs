//! An organization's slug: the short name in `roster org create <slug>` and at sign-in.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgSlug(String);

impl OrgSlug {
    /// 2 to 63 characters of `a-z`, `0-9` and inner hyphens, lower-cased.
    pub fn parse(raw: &str) -> Result<OrgSlug, String> {
        let slug = raw.trim().to_lowercase();
        let len_ok = (2..=63).contains(&slug.len());
        let chars_ok = slug.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !len_ok || !chars_ok || slug.starts_with('-') || slug.ends_with('-') {
            return Err(format!(
                "{raw:?} is not a valid organization slug: use 2 to 63 letters, digits and inner hyphens, like \"acme\" or \"acme-eu\"."
            ));
        }
        Ok(OrgSlug(slug))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_lowercased_and_restricted() {
        assert_eq!(OrgSlug::parse(" Acme-EU ").map(|s| s.0), Ok("acme-eu".into()));
        for bad in ["a", "-acme", "acme-", "ac me", "acmé", ""] {
            assert!(OrgSlug::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }
}
