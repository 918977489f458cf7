//! First start: on a database with no organization, create one and its owner, and print how
//! to sign in. The owner's password is `ROSTER_OWNER_PASSWORD` or a random one printed once.

use crate::config::Bootstrap;
use app::auth::types::BuiltinRole;
use app::error::AppError;
use app::auth::server::guard::Operator;
use app::organizations::server::service as organizations;
use app::organizations::types::OrgSlug;
use app::users::server::service::{add_account, NewAccount};
use app::users::types::{DisplayName, Email};

/// Creates the first organization and owner when there is none. Returns the printed notice.
pub async fn first_start(op: &Operator, boot: &Bootstrap, public_url: &str) -> Result<Option<String>, String> {
    let describe = |e: AppError| match e {
        AppError::Validation(fields) => fields.into_iter().map(|f| f.message).collect::<Vec<_>>().join(" "),
        other => other.to_string(),
    };
    if organizations::first(op).await.map_err(|e| e.to_string())?.is_some() {
        return Ok(None);
    }
    let slug = OrgSlug::parse(&boot.org_slug).map_err(|e| format!("ROSTER_ORG_SLUG: {e}"))?;
    let email = Email::parse(&boot.owner_email).map_err(|e| format!("ROSTER_OWNER_EMAIL: {e}"))?;
    let name = DisplayName::parse(&boot.owner_name).map_err(|e| format!("ROSTER_OWNER_NAME: {e}"))?;
    let (password, generated) = match &boot.owner_password {
        Some(p) => (p.clone(), false),
        None => (random_password(), true),
    };
    let org = organizations::create_organization(op, &slug, &boot.org_name).await.map_err(describe)?;
    add_account(op, NewAccount { org_id: org.id, email: email.clone(), name, role: BuiltinRole::Owner, password: password.clone() })
        .await
        .map_err(|e| format!("ROSTER_OWNER_PASSWORD: {}", describe(e)))?;
    let shown = if generated { password } else { "(the value of ROSTER_OWNER_PASSWORD)".into() };
    Ok(Some(format!(
        "\n  Roster created the organization {:?} and its owner.\n  Sign in at {public_url}/login\n    Email:    {}\n    Password: {shown}\n  This is shown once; change it after signing in.\n",
        boot.org_name,
        email.as_str()
    )))
}

/// 20 characters from an alphabet without look-alikes (~115 bits of entropy).
fn random_password() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rngs::OsRng;
    (0..20).map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())])).collect()
}
