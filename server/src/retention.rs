//! Forgetting what is no longer needed: sessions that ended more than
//! `ROSTER_SESSION_RETENTION` ago (default 30 days) and login attempts older than
//! `ROSTER_LOGIN_ATTEMPT_RETENTION` (default 90 days), device cookies unused for 180 days, and,
//! when `ROSTER_AUDIT_RETENTION` is set, audit events older than it (kept by default), at
//! start and every hour, in short
//! batches that never hold up requests (see `app::server::batches`).

use app::auth::server::guard::Operator;
use app::server::ids::now_ms;
use app::server::state::{ms, Settings};
use app::{login_attempts, sessions};
use std::future::Future;
use std::time::Duration;

/// How often the task looks for rows past their retention.
const EVERY: Duration = Duration::from_secs(3600);

/// How many rows one pass deleted.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pruned {
    pub sessions: u64,
    pub login_attempts: u64,
    /// Device cookies nobody signed in with for 180 days (`app::auth::server::device`).
    pub devices: u64,
    pub audit_events: u64,
}

/// Deletes everything past its retention at `now`.
pub async fn prune(op: &Operator, settings: &Settings, now: i64) -> Result<Pruned, sqlx::Error> {
    // A session idle for longer than the retention has ended, unless a timeout is longer
    // still: the cutoff never reaches a session that could be live.
    let keep_sessions = ms(settings.session_retention).max(settings.session_idle_ms()).max(ms(settings.session_absolute));
    Ok(Pruned {
        sessions: sessions::server::service::prune(op, now.saturating_sub(keep_sessions)).await?,
        login_attempts: login_attempts::server::service::prune(op, now.saturating_sub(ms(settings.attempt_retention))).await?,
        devices: app::auth::server::device::prune(op, now).await?,
        audit_events: match settings.audit_retention {
            Some(keep) => app::audit::server::service::prune(op, now.saturating_sub(ms(keep))).await?,
            None => 0,
        },
    })
}

/// Prunes at start and every hour until `shutdown`.
pub async fn run(op: Operator, settings: Settings, shutdown: impl Future<Output = ()>) {
    tokio::pin!(shutdown);
    loop {
        match prune(&op, &settings, now_ms()).await {
            Ok(p) if p != Pruned::default() => tracing::info!(sessions = p.sessions, login_attempts = p.login_attempts, devices = p.devices, audit_events = p.audit_events, "pruned past their retention"),
            Ok(_) => {}
            Err(err) => tracing::error!(%err, "pruning old sessions and login attempts failed; trying again later"),
        }
        tokio::select! {
            () = &mut shutdown => break,
            () = tokio::time::sleep(EVERY) => {}
        }
    }
}
