//! Settings from the environment (and an optional `.env`), each with a default; README.md has
//! the table. Parsed once at start; a bad value stops the process with a message naming it.

use app::server::state::{cores, default_hash_concurrency, memory_limit, Lockout, MailDelivery, Settings};
use crate::serve::redact;
use std::path::PathBuf;
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
    pub mail: MailConfig,
    /// `ROSTER_METRICS_ADDR`: where `/metrics` is served, on a listener of its own (unset: off).
    pub metrics_addr: Option<std::net::SocketAddr>,
    /// `ROSTER_SHUTDOWN_DEADLINE` (default 30 s): after SIGTERM, how long requests in flight and
    /// the mail being sent may take before the process exits anyway.
    pub shutdown_deadline: Duration,
}

/// Where the outbox worker sends mail.
#[derive(Clone)]
pub struct MailConfig {
    /// `ROSTER_SMTP_URL`, in lettre's form: `smtp://host:port`, `smtp://user:pass@host:587?tls=required`,
    /// `smtps://…`. Unset: the development mailbox, or (in production) nothing, and mail waits.
    pub smtp_url: Option<String>,
    /// `ROSTER_MAIL_FROM`, e.g. `Roster <roster@example.com>`.
    pub from: String,
    /// The development mailbox (`data/mail/`): one `.eml` file per message.
    pub dev_dir: PathBuf,
}

// The SMTP URL may hold a password: never printed whole.
impl std::fmt::Debug for MailConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailConfig")
            .field("smtp_url", &self.smtp_url.as_deref().map(crate::serve::redact))
            .field("from", &self.from)
            .field("dev_dir", &self.dev_dir)
            .finish()
    }
}

/// A duration like `7d`, `36h`, `90m` or `45s` (a bare number is days).
pub fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    let (number, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(at) => text.split_at(at),
        None => (text, "d"),
    };
    let n: u64 = number.parse().ok()?;
    let seconds = match unit.trim() {
        "s" => n,
        "m" => n.checked_mul(60)?,
        "h" => n.checked_mul(3600)?,
        "d" => n.checked_mul(86_400)?,
        _ => return None,
    };
    (seconds > 0).then(|| Duration::from_secs(seconds))
}

fn duration(name: &str, default: Duration) -> Result<Duration, String> {
    match var(name) {
        None => Ok(default),
        Some(v) => parse_duration(&v).ok_or_else(|| format!("{name} must be a duration like 7d, 36h or 90m, not {v:?}")),
    }
}

/// Whether this is a development run: `LEPTOS_ENV=DEV` (what `cargo leptos watch` sets), or,
/// when `LEPTOS_ENV` is unset, a debug build. A release binary started without `LEPTOS_ENV` is
/// treated as production, so it never writes invitation links to files and the console.
fn development() -> bool {
    match var("LEPTOS_ENV").map(|v| v.to_ascii_lowercase()).as_deref() {
        Some("dev" | "development") => true,
        Some(_) => false,
        None => cfg!(debug_assertions),
    }
}

/// In production the public URL must be https (session cookies then go only over TLS, with
/// the `__Host-` prefix and HSTS), or name this machine; anything else refuses to start unless
/// `allow_insecure` (`ROSTER_ALLOW_INSECURE_HTTP=true`) says it is meant.
/// `ROSTER_PUBLIC_URL` is an http(s) origin without credentials; a message about it never
/// repeats a password it held.
fn check_public_url(public_url: &str) -> Result<(), String> {
    if !(public_url.starts_with("http://") || public_url.starts_with("https://")) {
        return Err(format!("ROSTER_PUBLIC_URL must start with http:// or https://, not {:?}", redact(public_url)));
    }
    if public_url.split("://").nth(1).and_then(|rest| rest.split(['/', '?', '#']).next()).is_some_and(|authority| authority.contains('@')) {
        return Err(format!("ROSTER_PUBLIC_URL may not hold a user name or password: {:?}", redact(public_url)));
    }
    Ok(())
}

fn check_transport(public_url: &str, development: bool, allow_insecure: bool) -> Result<(), String> {
    let Some(rest) = public_url.strip_prefix("http://") else {
        return Ok(());
    };
    let authority = rest.split('/').next().unwrap_or_default();
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority.split(':').next().unwrap_or_default(),
    };
    let local = host == "localhost" || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
    if development || local || allow_insecure {
        return Ok(());
    }
    Err(format!(
        "ROSTER_PUBLIC_URL is {public_url:?}: over plain http, session cookies and passwords cross the network \
         unencrypted. Serve Roster over https (behind a TLS-terminating proxy) and set ROSTER_PUBLIC_URL=https://…, \
         or set ROSTER_ALLOW_INSECURE_HTTP=true if plain http is meant."
    ))
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

/// A whole number of at least 1.
fn positive(name: &str, default: u64) -> Result<u64, String> {
    match number(name, default)? {
        0 => Err(format!("{name} must be at least 1")),
        n => Ok(n),
    }
}

/// A comma-separated list of CIDRs (`10.0.0.0/8, 192.168.1.7`); a bare address is one host.
pub fn parse_cidrs(text: &str) -> Result<Vec<ipnet::IpNet>, String> {
    text.split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| {
            part.parse::<ipnet::IpNet>()
                .or_else(|_| part.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map(|net| net.trunc())
                .map_err(|_| format!("ROSTER_TRUSTED_PROXIES must list CIDRs like 10.0.0.0/8 or addresses, not {part:?}"))
        })
        .collect()
}

impl Config {
    pub fn from_env() -> Result<Config, String> {
        if var("ROSTER_TRUST_PROXY").is_some() {
            return Err("ROSTER_TRUST_PROXY is gone: list the proxies to believe in ROSTER_TRUSTED_PROXIES (CIDRs)".into());
        }
        let site_addr = var("LEPTOS_SITE_ADDR").unwrap_or_else(|| "127.0.0.1:3000".into());
        let public_url = var("ROSTER_PUBLIC_URL").unwrap_or_else(|| format!("http://{site_addr}"));
        check_public_url(&public_url)?;
        check_transport(&public_url, development(), var("ROSTER_ALLOW_INSECURE_HTTP").as_deref() == Some("true"))?;
        // One password check a core, within a quarter of the container's memory limit.
        let hash_concurrency = default_hash_concurrency(cores(), memory_limit());
        let settings = Settings {
            public_url: public_url.trim_end_matches('/').to_owned(),
            session_idle: Duration::from_secs(60 * number("ROSTER_SESSION_IDLE_MINUTES", 8 * 60)?),
            session_absolute: Duration::from_secs(3600 * number("ROSTER_SESSION_ABSOLUTE_HOURS", 7 * 24)?),
            trusted_proxies: parse_cidrs(&var("ROSTER_TRUSTED_PROXIES").unwrap_or_default())?,
            session_retention: duration("ROSTER_SESSION_RETENTION", Duration::from_secs(30 * 86_400))?,
            attempt_retention: duration("ROSTER_LOGIN_ATTEMPT_RETENTION", Duration::from_secs(90 * 86_400))?,
            audit_retention: match var("ROSTER_AUDIT_RETENTION") {
                None => None,
                Some(_) => Some(duration("ROSTER_AUDIT_RETENTION", Duration::ZERO)?),
            },
            lockout: Lockout {
                threshold: i64::try_from(positive("ROSTER_LOCKOUT_THRESHOLD", 5)?).unwrap_or(i64::MAX),
                window: duration("ROSTER_LOCKOUT_WINDOW", Duration::from_secs(15 * 60))?,
                duration: duration("ROSTER_LOCKOUT_DURATION", Duration::from_secs(15 * 60))?,
            },
            ip_limit: u32::try_from(positive("ROSTER_IP_LIMIT", 30)?).unwrap_or(u32::MAX),
            hash_concurrency: usize::try_from(positive("ROSTER_HASH_CONCURRENCY", hash_concurrency as u64)?).unwrap_or(1),
            hash_queue: usize::try_from(number("ROSTER_HASH_QUEUE", 16 * hash_concurrency as u64)?).unwrap_or(0),
            invitation_ttl: duration("ROSTER_INVITATION_TTL", Duration::from_secs(7 * 86_400))?,
            invites_per_hour: i64::try_from(number("ROSTER_INVITES_PER_HOUR", 100)?).unwrap_or(i64::MAX),
            invites_per_recipient_day: i64::try_from(number("ROSTER_INVITES_PER_RECIPIENT_DAY", 5)?).unwrap_or(i64::MAX),
            mail: MailDelivery::NotConfigured,
            request_timeout: duration("ROSTER_REQUEST_TIMEOUT", Duration::from_secs(30))?,
            clock: app::server::clock::Clock::system(),
        };
        let smtp_url = var("ROSTER_SMTP_URL");
        let mut settings = settings;
        settings.mail = match (&smtp_url, development()) {
            (Some(_), _) => MailDelivery::Smtp,
            (None, true) => MailDelivery::DevMailbox,
            (None, false) => MailDelivery::NotConfigured,
        };
        let mail = MailConfig {
            smtp_url,
            from: var("ROSTER_MAIL_FROM").unwrap_or_else(|| "Roster <roster@localhost>".into()),
            dev_dir: var("ROSTER_MAIL_DIR").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("data/mail")),
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
            mail,
            shutdown_deadline: duration("ROSTER_SHUTDOWN_DEADLINE", Duration::from_secs(30))?,
            metrics_addr: match var("ROSTER_METRICS_ADDR") {
                None => None,
                Some(addr) => Some(addr.parse().map_err(|_| format!("ROSTER_METRICS_ADDR must be an address and port like 127.0.0.1:9100, not {addr:?}"))?),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::{check_public_url, check_transport, parse_cidrs, parse_duration};
    use std::time::Duration;

    #[test]
    fn production_needs_https_or_this_machine_or_a_deliberate_yes() {
        for fine in ["https://roster.example.com", "http://127.0.0.1:3000", "http://localhost:3000/", "http://[::1]:3000"] {
            assert!(check_transport(fine, false, false).is_ok(), "{fine}");
        }
        let refused = check_transport("http://roster.example.com", false, false).unwrap_err();
        assert!(refused.contains("ROSTER_ALLOW_INSECURE_HTTP=true") && refused.contains("https://"), "{refused}");
        assert!(check_transport("http://0.0.0.0:3000", false, false).is_err(), "all interfaces is not this machine");
        assert!(check_transport("http://roster.example.com", false, true).is_ok(), "meant");
        assert!(check_transport("http://roster.example.com", true, false).is_ok(), "development");
    }

    #[test]
    fn trusted_proxies_read_as_cidrs_or_single_addresses() {
        let nets = parse_cidrs(" 10.0.0.0/8, 192.168.1.7 ,::1,").unwrap();
        assert_eq!(nets.iter().map(ToString::to_string).collect::<Vec<_>>(), ["10.0.0.0/8", "192.168.1.7/32", "::1/128"]);
        assert!(parse_cidrs("").unwrap().is_empty());
        assert!(parse_cidrs("10.0.0.0/8, proxy.local").unwrap_err().contains("\"proxy.local\""));
    }

    #[test]
    fn a_public_url_is_an_http_origin_without_credentials_and_never_echoed_with_one() {
        assert_eq!(check_public_url("https://roster.example.com"), Ok(()));
        assert_eq!(check_public_url("http://127.0.0.1:3000/"), Ok(()));
        let err = check_public_url("https://admin:hunter2pw@roster.example.com").unwrap_err();
        assert!(err.contains("user name or password") && !err.contains("hunter2pw"), "{err}");
        let err = check_public_url("ftp://admin:hunter2pw@roster.example.com").unwrap_err();
        assert!(err.contains("http://") && !err.contains("hunter2pw"), "{err}");
        assert_eq!(check_public_url("https://roster.example.com/?next=a@b"), Ok(()), "an @ after the host is not a user");
    }

    #[test]
    fn durations_read_with_their_unit() {
        assert_eq!(parse_duration("7d"), Some(Duration::from_secs(7 * 86_400)));
        assert_eq!(parse_duration("36h"), Some(Duration::from_secs(36 * 3600)));
        assert_eq!(parse_duration("90m"), Some(Duration::from_secs(90 * 60)));
        assert_eq!(parse_duration("45s"), Some(Duration::from_secs(45)));
        assert_eq!(parse_duration("3"), Some(Duration::from_secs(3 * 86_400)));
        for bad in ["", "0d", "d", "7w", "-1d", "1.5h"] {
            assert_eq!(parse_duration(bad), None, "{bad:?}");
        }
    }
}
