//! What a new password must not be, beyond the length rule the browser checks too
//! ([`check_password_policy`]): one of the 10,000 most common breached passwords, such a
//! password with only digits or symbols around it (`password1234`), or built on the account's
//! own email or its organization's name. Checked on the server wherever a password is chosen:
//! accepting an invitation, changing it, `roster user add`. NIST SP 800-63B §5.1.1.2 asks for
//! exactly this comparison and for nothing like composition rules.
//!
//! The list is the top 10,000 of zxcvbn's frequency-ranked `passwords` dictionary (from
//! breach corpora; MIT, shipped by `@zxcvbn-ts/language-common` 4.1.3), kept in the repository
//! because Roster runs without internet access. It stays out of the WASM: only the server
//! reads it.

use crate::auth::types::check_password_policy;
use std::collections::HashSet;
use std::sync::OnceLock;

/// Whose password it is: what it must not be built from.
pub struct Holder<'a> {
    pub email: &'a str,
    pub organization: &'a str,
}

/// `Ok` when `password` may be chosen by `holder`, else the message shown beside the field.
pub fn check(password: &str, holder: &Holder<'_>) -> Result<(), String> {
    check_password_policy(password)?;
    let lower = password.to_lowercase();
    let core = lower.trim_matches(|c: char| !c.is_alphabetic());
    if is_common(&lower) || (!core.is_empty() && is_common(core)) {
        return Err("This password is one of the most common in breaches. Choose a less predictable one.".into());
    }
    let squeezed = alphanumeric(&lower);
    let local_part = holder.email.split('@').next().unwrap_or_default();
    if contains_name(&squeezed, local_part) {
        return Err("Don't build the password on your email address.".into());
    }
    if contains_name(&squeezed, holder.organization) {
        return Err("Don't build the password on the organization's name.".into());
    }
    Ok(())
}

fn is_common(candidate: &str) -> bool {
    static COMMON: OnceLock<HashSet<&'static str>> = OnceLock::new();
    COMMON.get_or_init(|| include_str!("common_passwords.txt").lines().collect()).contains(candidate)
}

/// Whether `name` (three letters or more once spaces and punctuation are gone) appears in the
/// squeezed password: `Acme Corp` in `acme-corp-2026!`, `ada.l` in `AdaL is great`.
fn contains_name(squeezed_password: &str, name: &str) -> bool {
    let name = alphanumeric(&name.to_lowercase());
    name.chars().count() >= 3 && squeezed_password.contains(&name)
}

fn alphanumeric(text: &str) -> String {
    text.chars().filter(|c| c.is_alphanumeric()).collect()
}

#[cfg(test)]
mod tests {
    use super::{check, Holder};

    const ADA: Holder<'static> = Holder { email: "ada.lovelace@example.com", organization: "Acme Corp" };

    #[test]
    fn common_passwords_are_refused_even_with_digits_or_symbols_around_them() {
        for weak in ["qwerty123456", "QWERTY123456", "password1234", "Password1234!", "!!letmein2024!!", "1234 dragon 5678", "sonyericsson"] {
            assert!(check(weak, &ADA).unwrap_err().contains("most common"), "{weak}");
        }
    }

    #[test]
    fn the_email_and_the_organization_may_not_carry_the_password() {
        assert!(check("Ada.Lovelace-1815", &ADA).unwrap_err().contains("email"));
        assert!(check("my acme corp secret", &ADA).unwrap_err().contains("organization"));
        assert!(check("ACMECORP forever!", &ADA).unwrap_err().contains("organization"));
        // A two-letter organization or local part says nothing about a password.
        let short = Holder { email: "al@example.com", organization: "QA" };
        assert_eq!(check("qa team always wins", &short), Ok(()));
    }

    #[test]
    fn a_long_unusual_passphrase_in_any_script_passes() {
        for fine in ["correct horse battery", "nina's own long password", "Läuft bei mir 🚲 seit 1815", "the analytical engine weaves"] {
            assert_eq!(check(fine, &ADA), Ok(()), "{fine}");
        }
    }

    #[test]
    fn the_length_rule_still_comes_first() {
        assert_eq!(check("short", &ADA), Err("Use at least 12 characters.".into()));
    }
}
