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
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            public_url: "http://127.0.0.1:3000".into(),
            session_idle: Duration::from_secs(8 * 3600),
            session_absolute: Duration::from_secs(7 * 24 * 3600),
            trust_proxy_headers: false,
        }
    }
}
