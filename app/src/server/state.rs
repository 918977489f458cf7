//! The settings that shape sessions and links, read once at start. The application state
//! that carries them with the database is `auth::server::guard::AppState`, which keeps the
//! database to itself.

use std::time::Duration;

#[derive(Clone, Debug)]
pub struct Settings {
    /// The origin people reach the app at, e.g. `https://roster.example.com`.
    pub public_url: String,
    /// A session ends after this long without a request.
    pub session_idle: Duration,
    /// A session ends this long after sign-in, however active.
    pub session_absolute: Duration,
    /// Take the client's address from `X-Forwarded-For` (only behind a proxy that sets it).
    pub trust_proxy_headers: bool,
    /// How long an invitation's link works (`ROSTER_INVITATION_TTL`, default 7 days).
    pub invitation_ttl: Duration,
    /// Invitations one person may send in an hour (`ROSTER_INVITES_PER_HOUR`, default 100).
    pub invites_per_hour: i64,
    /// Invitation emails one address may receive in a day (`ROSTER_INVITES_PER_RECIPIENT_DAY`,
    /// default 5).
    pub invites_per_recipient_day: i64,
    /// Where invitation emails go; the Invitations page says so when nowhere.
    pub mail: MailDelivery,
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

    /// The idle lifetime in milliseconds, as the database compares times.
    pub fn session_idle_ms(&self) -> i64 {
        i64::try_from(self.session_idle.as_millis()).unwrap_or(i64::MAX)
    }

    /// The invitation lifetime in milliseconds.
    pub fn invitation_ttl_ms(&self) -> i64 {
        i64::try_from(self.invitation_ttl.as_millis()).unwrap_or(i64::MAX)
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            public_url: "http://127.0.0.1:3000".into(),
            session_idle: Duration::from_secs(8 * 3600),
            session_absolute: Duration::from_secs(7 * 24 * 3600),
            trust_proxy_headers: false,
            invitation_ttl: Duration::from_secs(7 * 24 * 3600),
            invites_per_hour: 100,
            invites_per_recipient_day: 5,
            mail: MailDelivery::DevMailbox,
        }
    }
}
