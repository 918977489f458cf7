//! The command line: `roster` serves; `roster org create` and `roster user add` administer.

use crate::serve::open_database;
use app::auth::types::BuiltinRole;
use app::error::AppError;
use app::auth::server::guard::Operator;
use app::organizations::server::service as organizations;
use app::organizations::types::OrgSlug;
use app::users::server::service::{add_account, unlock_account, NewAccount};
use app::users::types::{DisplayName, Email};
use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "roster", version, about = "Roster: user management for your organization.")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the web app (the default).
    Serve,
    /// Manage organizations.
    Org {
        #[command(subcommand)]
        command: OrgCommand,
    },
    /// Manage users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Check the audit trail.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Write a consistent copy of the SQLite database to FILE while the server runs (for
    /// Postgres, use pg_dump).
    Backup {
        /// Where the copy goes; it must not exist yet.
        file: std::path::PathBuf,
    },
    /// Add realistic users, sessions and sign-in attempts in bulk (for demos and benchmarks).
    Seed {
        #[arg(long)]
        org: String,
        /// How many users to add.
        #[arg(long, default_value_t = 0)]
        users: u64,
        /// How many sessions to add, for the organization's users.
        #[arg(long, default_value_t = 0)]
        sessions: u64,
        /// How many login attempts to add, over the past 90 days.
        #[arg(long, default_value_t = 0)]
        attempts: u64,
        /// How many audit events to add, over the past year, chained.
        #[arg(long, default_value_t = 0)]
        audit_events: u64,
        /// Random seed: the same seed gives the same people.
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
}

#[derive(Debug, Subcommand)]
pub enum OrgCommand {
    /// Create an organization with the Owner, Admin and Member roles.
    Create {
        /// Short name: letters, digits, inner hyphens (e.g. acme).
        slug: String,
        /// Display name (e.g. "Acme Corp").
        #[arg(long)]
        name: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Walk the organization's audit events and report the first one that was changed,
    /// removed or inserted, or "intact" with the count and the chain's head (keep the head
    /// somewhere else: see docs/security.md). Exits non-zero when the chain is broken.
    Verify {
        #[arg(long)]
        org: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add an active user. The password comes from ROSTER_PASSWORD or a prompt.
    Add {
        #[arg(long)]
        org: String,
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// Owner, Admin or Member.
        #[arg(long)]
        role: String,
    },
    /// Lift a lockout (too many wrong passwords) now: for when every Owner is locked out and
    /// nobody can sign in to press Unlock.
    Unlock {
        #[arg(long)]
        org: String,
        #[arg(long)]
        email: String,
    },
}

fn describe(err: AppError) -> String {
    match err {
        AppError::Validation(fields) => fields.into_iter().map(|f| format!("{}: {}", f.field, f.message)).collect::<Vec<_>>().join("; "),
        other => other.to_string(),
    }
}

/// `roster backup FILE`: a consistent online copy of the SQLite database, never over an
/// existing file. The database is opened read-only and must hold Roster's schema, so a wrong
/// `DATABASE_URL` is an error rather than a backup of a new empty file; the copy is readable by
/// its owner alone (mode 0600, set before anything is written into it).
pub async fn backup(database_url: &str, file: &std::path::Path) -> Result<String, String> {
    if file.exists() {
        return Err(format!("{} already exists: a backup never overwrites a file", file.display()));
    }
    let path = file.to_str().ok_or_else(|| format!("{} is not a UTF-8 path", file.display()))?;
    let db = match app::server::db::Db::open_for_backup(database_url).await {
        None => {
            return Err("roster backup copies SQLite databases; for Postgres use its own tool, e.g. \
                        pg_dump --format=custom --file=roster.dump \"$DATABASE_URL\" (README: Backup and restore)"
                .into())
        }
        Some(Err(e)) => return Err(format!("cannot back up {}: {e}", crate::serve::redact(database_url))),
        Some(Ok(db)) => db,
    };
    // SQLite's VACUUM INTO writes into an empty file: make it first, private.
    let created = private_empty_file(file).map_err(|e| format!("cannot create {}: {e}", file.display()));
    let outcome = match created {
        Ok(()) => db.backup_into(path).await.unwrap_or(Ok(())).map_err(|e| format!("the backup failed, and {} may be incomplete: {e}", file.display())),
        Err(e) => Err(e),
    };
    db.close().await;
    outcome?;
    let bytes = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
    Ok(format!("Backed up to {} ({bytes} bytes). To restore: stop Roster, put it in place of the database file, start Roster.", file.display()))
}

fn private_empty_file(file: &std::path::Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(file).map(|_| ())
}

pub async fn org_create(database_url: &str, slug: &str, name: &str) -> Result<String, String> {
    let slug = OrgSlug::parse(slug)?;
    let db = open_database(database_url).await?;
    let org = organizations::create_organization(&Operator::new(db.clone()), &slug, name).await.map_err(describe)?;
    db.close().await;
    Ok(format!("Created organization {:?} ({}) with the roles Owner, Admin and Member.", org.name, org.slug))
}

pub async fn user_add(
    database_url: &str,
    org: &str,
    email: &str,
    name: &str,
    role: &str,
    password: String,
) -> Result<String, String> {
    let email = Email::parse(email).map_err(|e| format!("--email: {e}"))?;
    let name = DisplayName::parse(name).map_err(|e| format!("--name: {e}"))?;
    let role = BuiltinRole::parse(role).ok_or_else(|| format!("--role: {role:?} is not a role; use Owner, Admin or Member."))?;
    let slug = OrgSlug::parse(org)?;
    let db = open_database(database_url).await?;
    let op = Operator::new(db.clone());
    let (org_id, org_name) = find_org(&op, &slug).await?;
    let account = NewAccount { org_id, email: email.clone(), name, role, password };
    add_account(&op, account).await.map_err(describe)?;
    db.close().await;
    Ok(format!("Added {} to {:?} as {}.", email.as_str(), org_name, role.name()))
}

/// The organization `--org` names, or what to do when there is none.
/// Its id and name.
async fn find_org(op: &Operator, slug: &OrgSlug) -> Result<(String, String), String> {
    organizations::find_by_slug(op, slug.as_str())
        .await
        .map_err(describe)?
        .map(|org| (org.id, org.name))
        .ok_or_else(|| format!("There is no organization {:?}. Create it with: roster org create {} --name \"…\"", slug.as_str(), slug.as_str()))
}

/// `roster user unlock --org SLUG --email EMAIL`.
pub async fn user_unlock(database_url: &str, org: &str, email: &str) -> Result<String, String> {
    let email = Email::parse(email).map_err(|e| format!("--email: {e}"))?;
    let slug = OrgSlug::parse(org)?;
    let db = open_database(database_url).await?;
    let op = Operator::new(db.clone());
    let (org_id, org_name) = find_org(&op, &slug).await?;
    let lifted = unlock_account(&op, &org_id, email.as_str()).await.map_err(|e| match e {
        AppError::NotFound => format!("{:?} has no user {}.", org_name, email.as_str()),
        other => describe(other),
    });
    db.close().await;
    Ok(if lifted? {
        format!("Unlocked {} in {:?}: they can sign in again.", email.as_str(), org_name)
    } else {
        format!("{} in {:?} was not locked; nothing changed.", email.as_str(), org_name)
    })
}

/// `roster audit verify --org SLUG`.
pub async fn audit_verify(database_url: &str, org: &str) -> Result<String, String> {
    use app::audit::server::chain::Finding;
    let slug = OrgSlug::parse(org)?;
    let db = open_database(database_url).await?;
    let op = Operator::new(db.clone());
    let (org_id, org_name) = find_org(&op, &slug).await?;
    let verified = app::audit::server::service::verify(&op.org(&org_id)).await.map_err(|e| e.to_string());
    db.close().await;
    let (finding, unsealed) = verified?;
    let before = if unsealed > 0 { format!(" ({unsealed} older events were written before the chain existed and are not covered)") } else { String::new() };
    match finding {
        Finding::Intact { events, head } => {
            let plural = if events == 1 { "" } else { "s" };
            Ok(format!("The audit trail of {org_name:?} is intact, {events} event{plural}{before}. Head: {head}"))
        }
        Finding::Broken { seq, problem } => Err(format!("The audit trail of {org_name:?} is broken at event {seq}: {problem}.")),
    }
}

pub async fn seed(database_url: &str, org: &str, plan: crate::seed::Plan) -> Result<String, String> {
    let slug = OrgSlug::parse(org)?;
    let db = open_database(database_url).await?;
    db.close().await;
    let db = app::server::db::Db::connect_for_bulk_load(database_url).await.map_err(|e| e.to_string())?;
    let summary = crate::seed::seed(&db, slug.as_str(), plan).await?;
    db.close().await;
    Ok(summary)
}

/// The password for `user add`: ROSTER_PASSWORD, or asked twice without echo.
pub fn read_password() -> Result<String, String> {
    if let Ok(p) = std::env::var("ROSTER_PASSWORD") {
        return Ok(p);
    }
    let first = rpassword::prompt_password("Password: ").map_err(|e| format!("cannot read the password: {e} (set ROSTER_PASSWORD)"))?;
    let again = rpassword::prompt_password("Password again: ").map_err(|e| format!("cannot read the password: {e}"))?;
    if first != again {
        return Err("The passwords do not match.".into());
    }
    Ok(first)
}
