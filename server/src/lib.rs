//! The axum server: configuration, the router (built by a function tests call) and the run loop.

use app::db::seed::{DEMO_TIME_ZONE, SeedOutcome, seed_demo};
use app::db::{DEFAULT_DATABASE_URL, Db, DbError};
use app::programs::time_zone::today_in_zone;
use app::{App, shell};
use axum::Router;
use axum::extract::{FromRef, State};
use axum::http::StatusCode;
use axum::routing::get;
use clap::{ArgAction, Parser};
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{LeptosRoutes, generate_route_list};
use std::net::SocketAddr;
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use tracing::Level;

/// Every setting comes from an environment variable or the flag of the same meaning.
#[derive(Clone, Debug, Parser)]
#[command(
    name = "server",
    version,
    about = "Mentoring Milestones: the web server"
)]
pub struct Config {
    /// Database: `sqlite:PATH` (embedded; created and migrated on first start) or
    /// `postgres://USER@HOST:PORT/DATABASE`.
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    pub database_url: String,

    /// Address and port to listen on.
    #[arg(long, env = "LEPTOS_SITE_ADDR", default_value = "127.0.0.1:3000")]
    pub site_addr: SocketAddr,

    /// Folder holding the built site (pkg/ with the WebAssembly, script and styles, and assets).
    #[arg(long, env = "LEPTOS_SITE_ROOT", default_value = "target/site")]
    pub site_root: String,

    /// `true` seeds the demo program into an empty database and shows the demo accounts on
    /// the sign-in page.
    #[arg(long, env = "DEMO", default_value_t = false, action = ArgAction::Set, value_name = "true|false")]
    pub demo: bool,
}

/// What the handlers share.
#[derive(Clone, Debug, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: Db,
}

impl AppState {
    pub fn new(config: &Config, db: Db) -> AppState {
        let output_name =
            std::env::var("LEPTOS_OUTPUT_NAME").unwrap_or_else(|_| "milestones".to_string());
        let leptos_options = LeptosOptions::builder()
            .output_name(output_name)
            .site_root(config.site_root.clone())
            .site_pkg_dir("pkg")
            .site_addr(config.site_addr)
            .build();
        AppState { leptos_options, db }
    }
}

/// The whole app: pages, server functions, static files, `/healthz`, request logging.
pub fn build_router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let context = {
        let db = state.db.clone();
        move || provide_context(db.clone())
    };
    let page = {
        let options = state.leptos_options.clone();
        move || shell(options.clone())
    };
    Router::new()
        .route("/healthz", get(healthz))
        .leptos_routes_with_context(&state, routes, context.clone(), page)
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(context, shell))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(DefaultMakeSpan::new().level(Level::INFO))
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .with_state(state)
}

/// 200 when the database answers, 503 when it does not.
async fn healthz(State(db): State<Db>) -> (StatusCode, &'static str) {
    if db.is_healthy().await {
        (StatusCode::OK, "ok\n")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n")
    }
}

/// Why the server could not start; each is one sentence for the operator.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("{0}")]
    Database(#[from] DbError),
    #[error("could not listen on {addr}: {reason}")]
    Listen { addr: SocketAddr, reason: String },
    #[error("the server stopped unexpectedly: {0}")]
    Serve(String),
}

/// Opens and migrates the database, seeds the demo in demo mode, and serves until SIGTERM or
/// Ctrl-C, letting requests under way finish.
pub async fn run(config: Config) -> Result<(), StartError> {
    let db = Db::open(&config.database_url).await?;
    tracing::info!(engine = ?db.engine(), "database ready");
    if config.demo {
        match seed_demo(&db, today_in_zone(DEMO_TIME_ZONE)).await? {
            SeedOutcome::Seeded => tracing::info!("demo data seeded"),
            SeedOutcome::AlreadyHasData => {
                tracing::info!("database already has data; demo data not seeded")
            }
        }
    }
    let listener = tokio::net::TcpListener::bind(config.site_addr)
        .await
        .map_err(|e| StartError::Listen {
            addr: config.site_addr,
            reason: e.to_string(),
        })?;
    let router = build_router(AppState::new(&config, db.clone()));
    tracing::info!("listening on http://{}", config.site_addr);
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(|e| StartError::Serve(e.to_string()))?;
    db.close().await;
    tracing::info!("stopped");
    Ok(())
}

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
