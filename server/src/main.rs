//! `roster`: serves the app, or runs an admin command (see `roster --help`).

use clap::Parser;
use leptos::prelude::get_configuration;
use server::cli::{self, AuditCommand, Cli, Command, OrgCommand, UserCommand};
use server::config::Config;
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let _ = dotenvy::dotenv();
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(message) => return fail(&message),
    };
    init_tracing(config.log_json);
    let result = match Cli::parse().command {
        None | Some(Command::Serve) => serve(config).await.map(|()| String::new()),
        Some(Command::Org { command: OrgCommand::Create { slug, name } }) => {
            cli::org_create(&config.database_url, &slug, &name).await
        }
        Some(Command::Audit { command: AuditCommand::Verify { org } }) => cli::audit_verify(&config.database_url, &org).await,
        Some(Command::Backup { file }) => cli::backup(&config.database_url, &file).await,
        Some(Command::Seed { org, users, sessions, attempts, audit_events, seed }) => {
            cli::seed(&config.database_url, &org, server::seed::Plan { users, sessions, attempts, audit_events, seed }).await
        }
        Some(Command::User { command: UserCommand::Unlock { org, email } }) => cli::user_unlock(&config.database_url, &org, &email).await,
        Some(Command::User { command: UserCommand::Add { org, email, name, role } }) => match cli::read_password() {
            Ok(password) => cli::user_add(&config.database_url, &org, &email, &name, &role, password).await,
            Err(e) => Err(e),
        },
    };
    match result {
        Ok(message) => {
            if !message.is_empty() {
                println!("{message}");
            }
            ExitCode::SUCCESS
        }
        Err(message) => fail(&message),
    }
}

fn fail(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::FAILURE
}

fn init_tracing(json: bool) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

async fn serve(mut config: Config) -> Result<(), String> {
    let leptos = get_configuration(None).map_err(|e| format!("Leptos configuration: {e}"))?.leptos_options;
    let dev = matches!(leptos.env, leptos::config::Env::DEV);
    let db = tokio::select! {
        db = server::serve::open_database_patiently(&config.database_url) => db?,
        () = server::serve::shutdown_signal() => return Ok(()),
    };
    tracing::info!(database = %server::serve::redact(&config.database_url), dialect = db.dialect().name(), "database ready");
    let addr = leptos.site_addr;
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    // The address bound: with port 0 the system chose it (the tests start the binary so), and a
    // public URL left to default to the site address takes the port too.
    let bound = listener.local_addr().unwrap_or(addr);
    if addr.port() == 0 && config.settings.public_url == format!("http://{addr}") {
        config.settings.public_url = format!("http://{bound}");
    }
    let addr = bound;
    if let Some(notice) = server::bootstrap::first_start(&app::auth::server::guard::Operator::new(db.clone()), &config.bootstrap, &config.settings.public_url).await? {
        println!("{notice}");
    }
    tracing::info!("Roster is listening on http://{addr} (sign in at {}/login)", config.settings.public_url);
    let state = app::auth::server::guard::AppState::new(db.clone(), config.settings.clone());
    let live = state.live().clone();
    let outbox = match server::mail::transport(&config.mail, config.settings.mail)? {
        Some(transport) => {
            let room = app::auth::server::guard::Mailroom::new(db.clone(), &config.settings.public_url).with_live(live.clone());
            // A fifth of the deadline is left for releasing what the worker could not send.
            let grace = config.shutdown_deadline * 4 / 5;
            Some(tokio::spawn(app::mail::server::service::run(room, transport, server::serve::shutdown_signal(), grace)))
        }
        None => None,
    };
    if let Some(addr) = config.metrics_addr {
        let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| format!("cannot listen on {addr} for /metrics: {e}"))?;
        let addr = listener.local_addr().unwrap_or(addr);
        let metrics = server::metrics::router(db.clone(), app::auth::server::guard::Mailroom::new(db.clone(), &config.settings.public_url));
        tracing::info!("metrics at http://{addr}/metrics");
        tokio::spawn(async move {
            if let Err(err) = axum::serve(listener, metrics).with_graceful_shutdown(server::serve::shutdown_signal()).await {
                tracing::error!(%err, "the metrics listener stopped");
            }
        });
    }
    tokio::spawn(db.clone().checkpoints(server::serve::shutdown_signal()));
    let operator = app::auth::server::guard::Operator::new(db.clone());
    tokio::spawn(server::retention::run(operator, config.settings.clone(), server::serve::shutdown_signal()));
    let desk = app::auth::server::guard::JobDesk::new(db.clone(), config.settings.clone()).with_live(live);
    tokio::spawn(app::bulk::server::runner::run(desk, server::serve::shutdown_signal()));
    // After SIGTERM: no new connections, the requests in flight finish, and the outbox worker
    // finishes the batch it is sending or releases what it could not send; whatever is not done
    // by the deadline is cut off.
    let deadline = config.shutdown_deadline;
    let overdue = async {
        server::serve::shutdown_signal().await;
        tokio::time::sleep(deadline).await;
    };
    let finished = async {
        let served = server::serve::run(listener, state, leptos, dev, server::serve::shutdown_signal()).await;
        if let Some(outbox) = outbox {
            let _ = outbox.await;
        }
        served
    };
    tokio::select! {
        served = finished => served.map_err(|e| format!("server error: {e}"))?,
        () = overdue => tracing::warn!(?deadline, "still busy at the shutdown deadline: stopping anyway"),
    }
    db.close().await;
    tracing::info!("stopped");
    Ok(())
}
