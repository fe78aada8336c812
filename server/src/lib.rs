#![recursion_limit = "512"]
//! The axum server: configuration, the router (built by a function tests call) and the run loop.

pub mod auth;
pub mod bench;
pub mod client_address;
pub mod commands;
pub mod config;
pub mod entry;
pub mod exports;
pub mod oidc;
pub mod protect;
pub mod router;
pub mod state;

pub use commands::create_site_admin;
pub use config::{Command, Config};
pub use router::{build_router, session_cookie_name};
pub use state::{AppState, provide_app_context, smtp_server_label};

use app::accounts::sessions::DbSessionStore;
use app::db::{DEFAULT_DATABASE_URL, Db, DbError};
use app::dev::seed::{DEMO_TIME_ZONE, SeedOutcome, seed_demo};
use app::kernel::time_zone::today_in_zone;
use std::net::SocketAddr;
use std::sync::Arc;

/// Why the server could not start; each is one sentence for the operator.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("{0}")]
    Database(#[from] DbError),
    #[error("could not listen on {addr}: {reason}")]
    Listen { addr: SocketAddr, reason: String },
    #[error("the server stopped unexpectedly: {0}")]
    Serve(String),
    #[error("{0}")]
    Command(String),
}

/// Opens and migrates the database, seeds the demo in demo mode, and serves until SIGTERM or
/// Ctrl-C, letting requests under way finish. A command runs instead, and exits.
pub async fn run(config: Config) -> Result<(), StartError> {
    if let Some(command) = &config.command {
        return commands::run_command(&config, command).await;
    }
    let create = config.create_database || config.database_url == DEFAULT_DATABASE_URL;
    let db = Db::open_existing(&config.database_url, create).await?;
    let served = serve(&config, &db).await;
    db.close().await;
    if served.is_ok() {
        tracing::info!("stopped");
    }
    served
}

/// Everything between an open database and a stopped server.
async fn serve(config: &Config, db: &Db) -> Result<(), StartError> {
    prepare(config, db).await?;
    // While it serves a SQLite file, the server holds its lock (shared with other servers):
    // a restore refuses to replace the file under it.
    let _serving = match (db, app::db::backup::sqlite_path(&config.database_url)) {
        (Db::Sqlite { .. }, Some(path)) => {
            Some(app::db::backup::hold_while_serving(&path).map_err(|e| {
                StartError::Command(format!("could not lock {}: {e}", path.display()))
            })?)
        }
        _ => None,
    };
    let listener = tokio::net::TcpListener::bind(config.site_addr)
        .await
        .map_err(|e| StartError::Listen {
            addr: config.site_addr,
            reason: e.to_string(),
        })?;
    let state = AppState::new(config, db.clone()).map_err(StartError::Command)?;
    let background = start_background_tasks(config, &state)?;
    let router = build_router(state);
    tracing::info!("listening on http://{}", config.site_addr);
    let served = serve_until_stopped(listener, router).await;
    for task in background {
        task.abort();
    }
    served
}

/// Brings the data up to what this version expects (completions judged once, milestone
/// versions recorded), refuses demo mode off loopback, and seeds the demo when asked.
async fn prepare(config: &Config, db: &Db) -> Result<(), StartError> {
    match app::items::store::judge_unjudged(db).await {
        Ok(0) => {}
        Ok(count) => tracing::info!(count, "earlier completions judged once"),
        Err(error) => {
            return Err(StartError::Command(format!(
                "could not judge the earlier completions: {error}"
            )));
        }
    }
    app::milestones::store::record_missing_versions(db)
        .await
        .map_err(|error| {
            StartError::Command(format!(
                "could not record the milestones' definitions: {error}"
            ))
        })?;
    tracing::info!(engine = ?db.engine(), "database ready");
    if config.demo && !config.site_addr.ip().is_loopback() && !config.demo_public {
        return Err(StartError::Command(format!(
            "demo mode shows its accounts and their public password, so it serves only on a \
             loopback address, not {}; set DEMO_PUBLIC=true (--demo-public true) if this is meant",
            config.site_addr
        )));
    }
    if config.demo {
        match seed_demo(db, today_in_zone(DEMO_TIME_ZONE)).await? {
            SeedOutcome::Seeded => {
                app::milestones::store::record_missing_versions(db)
                    .await
                    .map_err(|e| StartError::Command(e.to_string()))?;
                tracing::info!("demo data seeded")
            }
            SeedOutcome::AlreadyHasData => {
                tracing::info!("database already has data; demo data not seeded")
            }
        }
    }
    Ok(())
}

/// The clean-up timer, the outbox worker (with a mail server) and the reminder timer (unless
/// turned off).
fn start_background_tasks(
    config: &Config,
    state: &AppState,
) -> Result<Vec<tokio::task::JoinHandle<()>>, StartError> {
    let db = &state.db;
    let mut background = vec![tokio::spawn(clean_up(db.clone()))];
    match &config.smtp_url {
        Some(url) => {
            let mailer =
                app::mail::sender::SmtpMailer::new(url, &config.mail_from, state.public_url.host())
                    .map_err(StartError::Command)?;
            background.push(tokio::spawn(app::mail::sender::run_worker(
                db.clone(),
                Arc::new(mailer),
                format!(
                    "{}-{}",
                    std::process::id(),
                    &app::accounts::tokens::new_token()[..12]
                ),
                std::time::Duration::from_millis(config.mail_poll_ms.max(100)),
                state.mail.wake.clone(),
            )));
        }
        None => tracing::warn!("SMTP_URL is not set: reminder emails stay queued in the outbox"),
    }
    if config.schedule_reminders {
        background.push(tokio::spawn(app::mail::sender::run_scheduler(
            db.clone(),
            state.public_url.clone(),
            state.mail.wake.clone(),
        )));
    }
    Ok(background)
}

/// Serves until SIGTERM or Ctrl-C: then no new connections, and requests under way get
/// [`SHUTDOWN_GRACE`] to finish before the server stops regardless.
async fn serve_until_stopped(
    listener: tokio::net::TcpListener,
    router: axum::Router,
) -> Result<(), StartError> {
    let (stopping, stop_requested) = tokio::sync::watch::channel(false);
    let serve = axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        shutdown_signal().await;
        let _ = stopping.send(true);
    });
    let grace = async move {
        let mut stop_requested = stop_requested;
        if stop_requested.wait_for(|stop| *stop).await.is_err() {
            std::future::pending::<()>().await;
        }
        tokio::time::sleep(SHUTDOWN_GRACE).await;
    };
    tokio::select! {
        served = serve => served.map_err(|e| StartError::Serve(e.to_string()))?,
        () = grace => tracing::warn!(
            seconds = SHUTDOWN_GRACE.as_secs(),
            "requests still under way after the shutdown grace period; stopping"
        ),
    }
    Ok(())
}

/// How long requests under way may take to finish after SIGTERM.
pub const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(30);

async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
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
    tracing::info!("shutting down");
}

/// Every ten minutes: removes expired sessions, forgets old failed sign-ins and removes import
/// previews never confirmed.
async fn clean_up(db: Db) {
    let store = DbSessionStore::new(db.clone());
    let mut every = tokio::time::interval(std::time::Duration::from_secs(600));
    loop {
        every.tick().await;
        match store.delete_expired().await {
            Ok(0) => {}
            Ok(count) => tracing::info!(count, "expired sessions removed"),
            Err(error) => tracing::warn!(%error, "could not remove expired sessions"),
        }
        match app::accounts::attempts::forget_old(&db).await {
            Ok(0) => {}
            Ok(count) => tracing::info!(count, "old failed sign-ins forgotten"),
            Err(error) => tracing::warn!(%error, "could not forget old failed sign-ins"),
        }
        match app::people::store::forget_old_links(&db, chrono::Utc::now()).await {
            Ok(0) => {}
            Ok(count) => tracing::info!(count, "ended invitation and password links forgotten"),
            Err(error) => tracing::warn!(%error, "could not forget ended links"),
        }
        let stale =
            chrono::Utc::now() - chrono::Duration::hours(app::imports::store::PREVIEW_KEPT_HOURS);
        match app::imports::store::purge_stale_previews(&db, stale).await {
            Ok(0) => {}
            Ok(count) => tracing::info!(count, "unconfirmed import previews removed"),
            Err(error) => tracing::warn!(%error, "could not remove old import previews"),
        }
    }
}
