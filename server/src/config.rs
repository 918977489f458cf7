//! Settings from the environment (and an optional `.env`), each with a default; README.md has
//! the table. Parsed once at start; a bad value stops the process with a message naming it.

use app::server::state::Settings;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct Config {
    /// `sqlite://…` (default `sqlite://data/roster.db`) or `postgres://…`.
    pub database_url: String,
    pub settings: Settings,
    /// First start on an empty database: the organization and owner to create.
    pub bootstrap: Bootstrap,
    /// `text` (default) or `json` log lines.
    pub log_json: bool,
}

#[derive(Debug, Clone)]
pub struct Bootstrap {
    pub org_slug: String,
    pub org_name: String,
    pub owner_email: String,
    pub owner_name: String,
    /// When unset a random password is generated and printed once.
    pub owner_password: Option<String>,
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

fn number(name: &str, default: u64) -> Result<u64, String> {
    match var(name) {
        None => Ok(default),
        Some(v) => v.parse().map_err(|_| format!("{name} must be a whole number, not {v:?}")),
    }
}

fn flag(name: &str) -> Result<bool, String> {
    match var(name).as_deref() {
        None | Some("0" | "false" | "no") => Ok(false),
        Some("1" | "true" | "yes") => Ok(true),
        Some(v) => Err(format!("{name} must be true or false, not {v:?}")),
    }
}

impl Config {
    pub fn from_env() -> Result<Config, String> {
        let site_addr = var("LEPTOS_SITE_ADDR").unwrap_or_else(|| "127.0.0.1:3000".into());
        let public_url = var("ROSTER_PUBLIC_URL").unwrap_or_else(|| format!("http://{site_addr}"));
        if !(public_url.starts_with("http://") || public_url.starts_with("https://")) {
            return Err(format!("ROSTER_PUBLIC_URL must start with http:// or https://, not {public_url:?}"));
        }
        let settings = Settings {
            public_url: public_url.trim_end_matches('/').to_owned(),
            session_idle: Duration::from_secs(60 * number("ROSTER_SESSION_IDLE_MINUTES", 8 * 60)?),
            session_absolute: Duration::from_secs(3600 * number("ROSTER_SESSION_ABSOLUTE_HOURS", 7 * 24)?),
            trust_proxy_headers: flag("ROSTER_TRUST_PROXY")?,
        };
        let log_json = match var("ROSTER_LOG_FORMAT").as_deref() {
            None | Some("text") => false,
            Some("json") => true,
            Some(other) => return Err(format!("ROSTER_LOG_FORMAT must be text or json, not {other:?}")),
        };
        Ok(Config {
            database_url: var("DATABASE_URL").unwrap_or_else(|| "sqlite://data/roster.db".into()),
            settings,
            bootstrap: Bootstrap {
                org_slug: var("ROSTER_ORG_SLUG").unwrap_or_else(|| "default".into()),
                org_name: var("ROSTER_ORG_NAME").unwrap_or_else(|| "My Organization".into()),
                owner_email: var("ROSTER_OWNER_EMAIL").unwrap_or_else(|| "owner@example.com".into()),
                owner_name: var("ROSTER_OWNER_NAME").unwrap_or_else(|| "Organization Owner".into()),
                owner_password: var("ROSTER_OWNER_PASSWORD"),
            },
            log_json,
        })
    }
}
