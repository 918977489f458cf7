//! The people `roster seed` makes: names from common first and last names, unique emails on a
//! handful of domains, roles (≈0.1 % Owner, 3 % Admin, the rest Member), statuses (85 % Active,
//! 10 % Inactive, 5 % Pending) and last sign-ins spread over the past year (some never).
//! Deterministic for a given random seed.

use app::auth::types::BuiltinRole;
use rand::rngs::StdRng;
use rand::Rng;

const FIRST: &[&str] = &[
    "Ada", "Alan", "Amara", "Ana", "Andrei", "Aiko", "Amir", "Anya", "Arjun", "Beatriz", "Ben", "Bianca", "Carlos",
    "Chen", "Chloe", "Daniel", "Dmitri", "Elena", "Emeka", "Emma", "Fatima", "Felix", "Freya", "Gabriel", "Grace",
    "Hana", "Hiro", "Ines", "Isaac", "Jamal", "Javier", "Jia", "Jonas", "Kai", "Kavya", "Kofi", "Lars", "Layla",
    "Leo", "Lina", "Lucas", "Maya", "Mateo", "Mei", "Mia", "Nadia", "Nikolai", "Noah", "Nora", "Olivia", "Omar",
    "Priya", "Rafael", "Rania", "Ravi", "Rosa", "Sami", "Sara", "Sofia", "Tariq", "Theo", "Uma", "Valentina",
    "Wei", "Yara", "Yusuf", "Zara", "Zoe",
];
const LAST: &[&str] = &[
    "Adeyemi", "Andersson", "Bauer", "Becker", "Chen", "Costa", "Dubois", "Eriksen", "Fernandez", "Fischer", "Garcia",
    "Gonzalez", "Haddad", "Hansen", "Hoffmann", "Ivanova", "Jensen", "Johnson", "Kaur", "Khan", "Kim", "Kowalski",
    "Kumar", "Larsen", "Lee", "Lopez", "Martin", "Meyer", "Moreau", "Mueller", "Nakamura", "Nguyen", "Novak",
    "Okafor", "Olsen", "Park", "Patel", "Petrov", "Rossi", "Santos", "Schmidt", "Silva", "Singh", "Smith",
    "Suzuki", "Tanaka", "Torres", "Van Dijk", "Wagner", "Wang", "Weber", "Williams", "Yamamoto", "Zhang",
];
const DOMAINS: &[&str] = &["example.com", "example.org", "acme.example", "mail.example", "corp.example"];
const DEPARTMENTS: &[&str] = &["Engineering", "Sales", "Support", "Finance", "Marketing", "Operations", "Legal", "People"];

#[derive(Debug, Clone, PartialEq)]
pub struct SeedUser {
    pub id: String,
    pub name: String,
    pub email: String,
    pub status: &'static str,
    pub role: BuiltinRole,
    pub department: &'static str,
    pub last_login_at: Option<i64>,
    pub created_at: i64,
}

/// The `i`-th seeded user of the organization (numbering continues across runs, so seeding
/// twice never collides; `run`, from the organization's id, keeps ids apart across
/// organizations).
pub fn seed_user(rng: &mut StdRng, i: u64, run: &str, now: i64) -> SeedUser {
    const YEAR_MS: i64 = 365 * 24 * 3600 * 1000;
    let first = FIRST[rng.gen_range(0..FIRST.len())];
    let last = LAST[rng.gen_range(0..LAST.len())];
    let domain = DOMAINS[rng.gen_range(0..DOMAINS.len())];
    let status = match rng.gen_range(0..100) {
        0..=84 => "active",
        85..=94 => "inactive",
        _ => "pending",
    };
    let role = match rng.gen_range(0..10_000) {
        0..=9 => BuiltinRole::Owner,
        10..=309 => BuiltinRole::Admin,
        _ => BuiltinRole::Member,
    };
    let created_at = now - rng.gen_range(0..2 * YEAR_MS);
    let last_login_at = (status != "pending" && rng.gen_range(0..10) > 0).then(|| now - rng.gen_range(0..YEAR_MS));
    let email_local = format!("{}.{}{}", first, last.replace(' ', ""), i).to_lowercase();
    SeedUser {
        id: format!("seed-{run}-{i:09}"),
        name: format!("{first} {last}"),
        email: format!("{email_local}@{domain}"),
        status,
        role,
        department: DEPARTMENTS[rng.gen_range(0..DEPARTMENTS.len())],
        last_login_at,
        created_at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn seeded_users_are_deterministic_and_plausible() {
        let a: Vec<SeedUser> = (0..200).map({
            let mut rng = StdRng::seed_from_u64(7);
            move |i| seed_user(&mut rng, i, "r", 1_800_000_000_000)
        }).collect();
        let b: Vec<SeedUser> = (0..200).map({
            let mut rng = StdRng::seed_from_u64(7);
            move |i| seed_user(&mut rng, i, "r", 1_800_000_000_000)
        }).collect();
        assert_eq!(a, b);
        let emails: std::collections::HashSet<_> = a.iter().map(|u| u.email.clone()).collect();
        assert_eq!(emails.len(), a.len(), "emails are unique");
        assert!(a.iter().all(|u| u.status != "pending" || u.last_login_at.is_none()), "pending users never signed in");
        assert!(a.iter().any(|u| u.status == "inactive") && a.iter().any(|u| u.role == BuiltinRole::Admin));
        assert!(a.iter().all(|u| app::users::types::Email::parse(&u.email).is_ok()));
    }
}
