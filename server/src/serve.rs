//! Serving: open the database, migrate, first start, listen, shut down gracefully.

use crate::router::router;
use app::server::db::Db;
use app::auth::server::guard::AppState;
use axum::serve::ListenerExt;
use leptos::prelude::LeptosOptions;
use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

/// Opens and migrates the database named by `url`.
pub async fn open_database(url: &str) -> Result<Db, String> {
    let db = Db::connect(url).await.map_err(|e| format!("cannot open the database {}: {e}", redact(url)))?;
    db.migrate().await.map_err(|e| format!("cannot migrate the database: {e}"))?;
    Ok(db)
}

/// Opens the database for serving, waiting for a Postgres server that is not reachable yet (a
/// server started with or before its database, as orchestrators do) instead of exiting: each
/// failure is logged and retried, waiting at most four seconds between tries, so that it serves
/// within about five seconds of the database coming back, as a running server recovers. A URL
/// that can never work (malformed, or SQLite, whose file is local) fails at once.
pub async fn open_database_patiently(url: &str) -> Result<Db, String> {
    let postgres = url.starts_with("postgres://") || url.starts_with("postgresql://");
    let mut wait = Duration::from_millis(500);
    let mut attempt = 0_u32;
    loop {
        attempt += 1;
        match Db::connect(url).await {
            Ok(db) => {
                db.migrate().await.map_err(|e| format!("cannot migrate the database: {e}"))?;
                return Ok(db);
            }
            Err(err) if postgres && !matches!(err, sqlx::Error::Configuration(_)) => {
                tracing::warn!(database = %redact(url), %err, attempt, retry_in = ?wait, "the database is not reachable yet; trying again");
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(Duration::from_secs(4));
            }
            Err(err) => return Err(format!("cannot open the database {}: {err}", redact(url))),
        }
    }
}

/// The URL without its secrets, for messages and logs: the password of its user
/// (`postgres://roster:***@db/roster`) and any password given as a parameter
/// (`?password=***`, as Postgres URLs allow). The user name and host stay, to say which
/// server was meant.
pub fn redact(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else { return url.to_owned() };
    let authority_end = url[scheme_end..].find(['/', '?', '#']).map_or(url.len(), |i| scheme_end + i);
    let authority = &url[scheme_end..authority_end];
    let mut out = url[..scheme_end].to_owned();
    match authority.rsplit_once('@') {
        Some((credentials, host)) => {
            let user = credentials.split_once(':').map_or(credentials, |(user, _)| user);
            let hidden = if credentials.contains(':') { ":***" } else { "" };
            out.push_str(&format!("{user}{hidden}@{host}"));
        }
        None => out.push_str(authority),
    }
    let rest = &url[authority_end..];
    match rest.split_once('?') {
        Some((path, query)) => {
            let (query, fragment) = query.split_once('#').map_or((query, None), |(q, f)| (q, Some(f)));
            let params: Vec<String> = query
                .split('&')
                .map(|pair| match pair.split_once('=') {
                    Some((key, _)) if is_secret_param(key) => format!("{key}=***"),
                    _ => pair.to_owned(),
                })
                .collect();
            out.push_str(&format!("{path}?{}", params.join("&")));
            if let Some(fragment) = fragment {
                out.push_str(&format!("#{fragment}"));
            }
        }
        None => out.push_str(rest),
    }
    out
}

fn is_secret_param(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    key.contains("password") || key.contains("secret") || key == "pass" || key == "passwd" || key.contains("token")
}

/// Serves on `listener` until `shutdown` completes, then drains in-flight requests.
pub async fn run(
    listener: tokio::net::TcpListener,
    state: AppState,
    options: LeptosOptions,
    dev: bool,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let live = state.live().clone();
    let app = router(state, options, dev);
    // Open tabs' live streams end at shutdown, so that they do not hold it up to the deadline.
    let shutdown = async move {
        shutdown.await;
        live.close();
    };
    // Without TCP_NODELAY a multi-segment response waits ~40 ms for the client's delayed ACK.
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

#[cfg(test)]
mod tests {
    use super::{open_database, redact};

    #[tokio::test]
    async fn a_database_or_mail_server_that_fails_is_named_without_its_password() {
        for url in ["postgres://roster:s3cretpw@127.0.0.1:1/roster?password=s3cretpw", "postgres://roster:s3cretpw@[bad/roster"] {
            let err = open_database(url).await.err().unwrap_or_default();
            assert!(!err.is_empty() && !err.contains("s3cretpw"), "{url}: {err}");
        }
        for url in ["smtp://mailer:s3cretpw@mail.example:notaport", "smtps://mailer:s3cretpw@/", "s3cretpw"] {
            let err = app::mail::server::transport::Transport::smtp(url, "Roster <roster@example.test>").err().unwrap_or_default();
            assert!(!err.is_empty() && !err.contains("s3cretpw"), "{url}: {err}");
        }
    }

    #[test]
    fn passwords_are_hidden_in_database_urls() {
        assert_eq!(redact("postgres://roster:s3cret@db:5432/roster"), "postgres://roster:***@db:5432/roster");
        assert_eq!(redact("postgres://db/roster"), "postgres://db/roster");
        assert_eq!(redact("sqlite://data/roster.db"), "sqlite://data/roster.db");
        assert_eq!(redact("postgres://db/roster?user=roster&password=s3cret&sslmode=require"), "postgres://db/roster?user=roster&password=***&sslmode=require");
        assert_eq!(redact("postgres://a:b@db/roster?sslpassword=k3y#x"), "postgres://a:***@db/roster?sslpassword=***#x");
        // An @ in a parameter is not a user's; a user without a password is only a name.
        assert_eq!(redact("smtp://mail.example:587?from=a@b.example"), "smtp://mail.example:587?from=a@b.example");
        assert_eq!(redact("smtps://apikey:sk_live_123@smtp.example:465"), "smtps://apikey:***@smtp.example:465");
        assert_eq!(redact("not a url"), "not a url");
    }
}
