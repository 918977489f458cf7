//! The settings that shape sessions and links, read once at start. The application state
//! that carries them with the database is `auth::server::guard::AppState`, which keeps the
//! database to itself.

use super::clock::Clock;
use std::time::Duration;

#[derive(Clone, Debug)]
pub struct Settings {
    /// The origin people reach the app at, e.g. `https://roster.example.com`.
    pub public_url: String,
    /// A session ends after this long without a request.
    pub session_idle: Duration,
    /// A session ends this long after sign-in, however active.
    pub session_absolute: Duration,
    /// The proxies whose `X-Forwarded-For` is believed (`ROSTER_TRUSTED_PROXIES`, CIDRs; none
    /// by default): see `server::client`.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Ended sessions are deleted this long after they end (`ROSTER_SESSION_RETENTION`,
    /// default 30 days).
    pub session_retention: Duration,
    /// Login attempts are deleted this long after they were made
    /// (`ROSTER_LOGIN_ATTEMPT_RETENTION`, default 90 days).
    pub attempt_retention: Duration,
    /// Audit events are deleted this long after they were written (`ROSTER_AUDIT_RETENTION`;
    /// kept for ever by default).
    pub audit_retention: Option<Duration>,
    /// When wrong passwords lock an account (`ROSTER_LOCKOUT_*`).
    pub lockout: Lockout,
    /// Sign-in attempts one address may make in a minute (`ROSTER_IP_LIMIT`, default 30).
    pub ip_limit: u32,
    /// Password checks run at once (`ROSTER_HASH_CONCURRENCY`, default one per core), and how
    /// many more may wait for one (`ROSTER_HASH_QUEUE`, default 16 per core) before sign-in
    /// answers 503.
    pub hash_concurrency: usize,
    pub hash_queue: usize,
    /// How long an invitation's link works (`ROSTER_INVITATION_TTL`, default 7 days).
    pub invitation_ttl: Duration,
    /// Invitations one person may send in an hour (`ROSTER_INVITES_PER_HOUR`, default 100).
    pub invites_per_hour: i64,
    /// Invitation emails one address may receive in a day (`ROSTER_INVITES_PER_RECIPIENT_DAY`,
    /// default 5).
    pub invites_per_recipient_day: i64,
    /// Where invitation emails go; the Invitations page says so when nowhere.
    pub mail: MailDelivery,
    /// How long a request may take until its answer begins (`ROSTER_REQUEST_TIMEOUT`, default
    /// 30 s); beyond, 503.
    pub request_timeout: Duration,
    /// The time the Users list's Last login filter goes by (the system's; tests hold it).
    pub clock: Clock,
}

/// Per-account lockout: `threshold` failed sign-ins within `window` lock the account for
/// `duration`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lockout {
    pub threshold: i64,
    pub window: Duration,
    pub duration: Duration,
}

impl Default for Lockout {
    fn default() -> Self {
        Lockout { threshold: 5, window: Duration::from_secs(15 * 60), duration: Duration::from_secs(15 * 60) }
    }
}

/// How the outbox worker delivers mail, as far as the pages need to know.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MailDelivery {
    /// An SMTP server (`ROSTER_SMTP_URL`).
    Smtp,
    /// Development without SMTP: `.eml` files under `data/mail/`, links on the console.
    DevMailbox,
    /// Production without SMTP: mail waits in the outbox until SMTP is configured.
    NotConfigured,
}

impl Settings {
    /// Cookies get `Secure` when the app is reached over HTTPS.
    pub fn secure_cookies(&self) -> bool {
        self.public_url.starts_with("https://")
    }

    /// The session cookie's name. Over HTTPS it has the `__Host-` prefix: browsers then accept
    /// it only with `Secure`, `Path=/` and no `Domain`, so no other site under the same domain
    /// (a sibling subdomain, or plain http) can set or replace it. Over plain http (development,
    /// tests) the prefix would make browsers drop the cookie.
    pub fn session_cookie(&self) -> &'static str {
        if self.secure_cookies() { "__Host-roster_session" } else { "roster_session" }
    }

    /// The idle lifetime in milliseconds, as the database compares times.
    pub fn session_idle_ms(&self) -> i64 {
        i64::try_from(self.session_idle.as_millis()).unwrap_or(i64::MAX)
    }

    /// The invitation lifetime in milliseconds.
    pub fn invitation_ttl_ms(&self) -> i64 {
        i64::try_from(self.invitation_ttl.as_millis()).unwrap_or(i64::MAX)
    }
}

/// The cores this process may use: the default number of password checks at once.
pub fn cores() -> usize {
    // The standard library reads the cgroup's CPU quota (a container's CPU limit) too.
    std::thread::available_parallelism().map(std::num::NonZeroUsize::get).unwrap_or(1)
}

/// The memory a password check takes (argon2id at 19 MiB), in bytes.
pub const HASH_MEMORY: u64 = 19 * 1024 * 1024;

/// The memory limit of this process's cgroup (a container's limit), if it has one: cgroup v2's
/// `memory.max`, else v1's `memory.limit_in_bytes`.
pub fn memory_limit() -> Option<u64> {
    let read = |path: &str| std::fs::read_to_string(path).ok().and_then(|v| v.trim().parse::<u64>().ok());
    read("/sys/fs/cgroup/memory.max")
        .or_else(|| read("/sys/fs/cgroup/memory/memory.limit_in_bytes"))
        // v1 writes a huge number for "no limit".
        .filter(|limit| *limit < (1 << 60))
}

/// How many password checks may run at once by default: one per core, and no more than a
/// quarter of a memory limit holds (`HASH_MEMORY` each), so a flood of checks can never take
/// a container past its limit.
pub fn default_hash_concurrency(cores: usize, memory_limit: Option<u64>) -> usize {
    let by_memory = memory_limit.map_or(usize::MAX, |limit| usize::try_from(limit / 4 / HASH_MEMORY).unwrap_or(usize::MAX));
    cores.min(by_memory).max(1)
}

/// Milliseconds of a duration, as the database compares times.
pub fn ms(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            public_url: "http://127.0.0.1:3000".into(),
            session_idle: Duration::from_secs(8 * 3600),
            session_absolute: Duration::from_secs(7 * 24 * 3600),
            trusted_proxies: Vec::new(),
            session_retention: Duration::from_secs(30 * 86_400),
            attempt_retention: Duration::from_secs(90 * 86_400),
            audit_retention: None,
            lockout: Lockout::default(),
            ip_limit: 30,
            hash_concurrency: cores(),
            hash_queue: 16 * cores(),
            invitation_ttl: Duration::from_secs(7 * 24 * 3600),
            invites_per_hour: 100,
            invites_per_recipient_day: 5,
            mail: MailDelivery::DevMailbox,
            request_timeout: Duration::from_secs(30),
            clock: Clock::system(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_checks_at_once_follow_the_cores_and_a_quarter_of_the_memory_limit() {
        assert_eq!(default_hash_concurrency(8, None), 8, "no limit: one a core");
        assert_eq!(default_hash_concurrency(8, Some(512 * 1024 * 1024)), 6, "512 MiB: 128 MiB for checks");
        assert_eq!(default_hash_concurrency(2, Some(512 * 1024 * 1024)), 2);
        assert_eq!(default_hash_concurrency(16, Some(64 * 1024 * 1024)), 1, "never none");
    }
}
