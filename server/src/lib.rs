#![recursion_limit = "512"]
//! The axum server: configuration, the router (built by a function tests call) and the run loop.

pub mod auth;
pub mod bench;
pub mod client_address;
pub mod entry;
pub mod exports;
pub mod oidc;
pub mod protect;

use app::accounts::SESSION_IDLE_MINUTES;
use app::accounts::sessions::DbSessionStore;
use app::accounts::sign_in::{DemoAccountInfo, DemoMode};
use app::db::{DEFAULT_DATABASE_URL, Db, DbError};
use app::dev::seed::{DEMO_ACCOUNTS, DEMO_PASSWORD, DEMO_TIME_ZONE, SeedOutcome, seed_demo};
use app::kernel::public_url::PublicUrl;
use app::kernel::time_zone::today_in_zone;
use app::shell::{App, shell};
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::extract::{FromRef, State};
use axum::http::StatusCode;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::{get, post};
use clap::{ArgAction, Parser, Subcommand};
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{LeptosRoutes, generate_route_list};
use std::net::SocketAddr;
use std::sync::Arc;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use tower_sessions::cookie::SameSite;
use tower_sessions::cookie::time::Duration as CookieDuration;
use tower_sessions::{Expiry, SessionManagerLayer};
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

    /// `true` creates the SQLite file if it does not exist. Without it only the default path is
    /// created: a mistyped path stops the server instead of starting it on an empty database.
    #[arg(long, env = "CREATE_DATABASE", default_value_t = false, action = ArgAction::Set, value_name = "true|false")]
    pub create_database: bool,

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

    /// `true` lets demo mode serve on an address other than loopback: its passwords are
    /// public, so the server refuses that unless told it is meant.
    #[arg(long, env = "DEMO_PUBLIC", default_value_t = false, action = ArgAction::Set, value_name = "true|false")]
    pub demo_public: bool,

    /// `true` marks the session cookie Secure: set it when the site is served over HTTPS.
    #[arg(long, env = "SECURE_COOKIES", default_value_t = false, action = ArgAction::Set, value_name = "true|false")]
    pub secure_cookies: bool,

    /// Comma-separated addresses or networks of reverse proxies (`10.0.0.0/8,::1`) whose
    /// `X-Forwarded-For` header names the client. Empty: the connection's address is the client.
    #[arg(long, env = "TRUSTED_PROXIES", default_value = "", value_parser = parse_trusted_proxies)]
    pub trusted_proxies: client_address::TrustedProxies,

    /// The site's address as people reach it (`https://milestones.example.org`), for links
    /// that leave the browser: calendar feeds. Default: `http://` and the listening address.
    #[arg(long, env = "PUBLIC_URL", value_parser = parse_public_url)]
    pub public_url: Option<PublicUrl>,

    /// The mail server reminder emails go through: `smtp://HOST:PORT` (plain, or
    /// `?tls=required` for STARTTLS), `smtps://USER:PASSWORD@HOST` (TLS). Unset: nothing is
    /// sent; emails stay queued in the outbox, which admins see.
    #[arg(long, env = "SMTP_URL")]
    pub smtp_url: Option<String>,

    /// The sender of reminder emails, `Name <address>` or an address.
    #[arg(
        long,
        env = "MAIL_FROM",
        default_value = "Mentoring Milestones <no-reply@localhost>"
    )]
    pub mail_from: String,

    /// Milliseconds between two looks at the outbox for emails queued by another process.
    #[arg(long, env = "MAIL_POLL_MS", default_value_t = 10_000)]
    pub mail_poll_ms: u64,

    /// `false` stops the reminder timer (each program's hour, every day); `send-reminders`
    /// still queues a day's digests.
    #[arg(long, env = "SCHEDULE_REMINDERS", default_value_t = true, action = ArgAction::Set, value_name = "true|false")]
    pub schedule_reminders: bool,

    /// Milliseconds a request may take, from its first byte to its answer, before it is
    /// answered 503 (and a request body that trickles in is cut off).
    #[arg(long, env = "REQUEST_TIMEOUT_MS", default_value_t = 30_000)]
    pub request_timeout_ms: u64,

    /// The organisation's identity provider (OpenID Connect issuer), e.g.
    /// `https://login.microsoftonline.com/{tenant}/v2.0`. Set: the sign-in page offers
    /// **Sign in with «OIDC_NAME»** and invitations lead to the sign-in page.
    #[arg(long, env = "OIDC_ISSUER")]
    pub oidc_issuer: Option<String>,

    /// The client id this site is registered under at the provider.
    #[arg(long, env = "OIDC_CLIENT_ID", default_value = "")]
    pub oidc_client_id: String,

    /// The client secret this site is registered with at the provider.
    #[arg(
        long,
        env = "OIDC_CLIENT_SECRET",
        default_value = "",
        hide_env_values = true
    )]
    pub oidc_client_secret: String,

    /// The provider's name as people know it (the button reads "Sign in with «OIDC_NAME»").
    #[arg(long, env = "OIDC_NAME", default_value = "your organisation")]
    pub oidc_name: String,

    /// Comma-separated email domains: a verified person of one of them without an account gets
    /// one (without rights) at their first sign-in. Empty: only people already invited or
    /// enrolled get in.
    #[arg(long, env = "OIDC_ALLOWED_DOMAINS", default_value = "")]
    pub oidc_allowed_domains: String,

    /// `false`: people sign in only through the identity provider; site admins keep their
    /// password as a way back in.
    #[arg(long, env = "PASSWORD_SIGN_IN", default_value_t = true, action = ArgAction::Set, value_name = "true|false")]
    pub password_sign_in: bool,

    #[command(subcommand)]
    pub command: Option<Command>,
}

fn parse_public_url(text: &str) -> Result<PublicUrl, String> {
    PublicUrl::parse(text)
}

fn parse_trusted_proxies(list: &str) -> Result<client_address::TrustedProxies, String> {
    client_address::TrustedProxies::parse(list)
}

#[derive(Clone, Debug, Subcommand)]
pub enum Command {
    /// Creates a site admin (for a production install, without demo data). The password is
    /// read from standard input, one line.
    CreateAdmin {
        /// The admin's email address.
        #[arg(long)]
        email: String,
        /// The admin's name as others see it.
        #[arg(long)]
        name: String,
    },
    /// Adds a generated program of the given size (participants who cannot sign in, matches
    /// published over the past year, milestones, completions with history), to try the
    /// Activity Report at scale. Site admins see it under Programs.
    GenerateProgram {
        /// How many matches (each with its own mentor and mentee).
        #[arg(long, default_value_t = 1000)]
        matches: usize,
        /// How many milestones.
        #[arg(long, default_value_t = 20)]
        milestones: usize,
        /// The seed of the pseudo-random choices: the same seed gives the same program.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Measures the Activity Report on generated programs of the given sizes in this database
    /// and prints p50/p95 times beside the report's SQL run alone (the baseline).
    /// Copies the SQLite database consistently into a new file while the server keeps serving
    /// (`VACUUM INTO`). For PostgreSQL use `pg_dump` (see the README).
    Backup {
        /// The new file (must not exist).
        #[arg(long)]
        to: std::path::PathBuf,
    },
    /// Replaces the SQLite database with a backup, after checking it (integrity, a schema this
    /// version knows). Refused while a server uses the database.
    Restore {
        /// The backup file.
        #[arg(long)]
        from: std::path::PathBuf,
    },
    /// Queues the reminder digests of one day (each program's settings, every participant
    /// who takes part in a program whose reminders are on), as the server's timer does at each
    /// program's hour. A running server sends them. Running it again queues nothing twice.
    SendReminders {
        /// The day, `YYYY-MM-DD`.
        #[arg(long = "as-of")]
        as_of: chrono::NaiveDate,
    },
    /// Measures completions through the real router (sessions, rights, checks, history) by
    /// concurrent clients over distinct items, beside a minimal axum + sqlx endpoint that
    /// inserts one row per request (the baseline), on a scratch database of each engine.
    BenchComplete {
        /// `sqlite`, `postgres` or both (PostgreSQL at TEST_POSTGRES_URL).
        #[arg(long = "engine", default_values_t = ["sqlite".to_string(), "postgres".to_string()])]
        engines: Vec<String>,
        /// Concurrent clients.
        #[arg(long, default_value_t = 50)]
        clients: usize,
        /// Completions (and baseline inserts) in all.
        #[arg(long, default_value_t = 4000)]
        requests: usize,
    },
    BenchReport {
        /// Program sizes in matches (20 milestones each); repeat for several.
        #[arg(long = "matches", default_values_t = [1000usize])]
        matches: Vec<usize>,
        /// Timed runs per size.
        #[arg(long, default_value_t = 40)]
        runs: usize,
    },
}

/// What the handlers share.
#[derive(Clone, Debug, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    /// The built files carry their content's hash in their names (cargo-leptos `hash-files`,
    /// `hash.txt` beside the binary): browsers may keep them for good.
    #[from_ref(skip)]
    pub hashed_assets: bool,
    pub db: Db,
    #[from_ref(skip)]
    pub demo: bool,
    #[from_ref(skip)]
    pub secure_cookies: bool,
    #[from_ref(skip)]
    pub sign_in_gate: Arc<auth::SignInGate>,
    #[from_ref(skip)]
    pub trusted_proxies: Arc<client_address::TrustedProxies>,
    #[from_ref(skip)]
    pub change_throttle: Arc<app::items::throttle::ChangeThrottle>,
    #[from_ref(skip)]
    pub request_timeout: std::time::Duration,
    #[from_ref(skip)]
    pub public_url: PublicUrl,
    #[from_ref(skip)]
    pub mail: app::mail::MailContext,
    /// The identity provider, when `OIDC_ISSUER` is set.
    #[from_ref(skip)]
    pub oidc: Option<Arc<app::people::oidc::Provider>>,
    #[from_ref(skip)]
    pub password_sign_in: bool,
}

impl AppState {
    pub fn new(config: &Config, db: Db) -> AppState {
        AppState::with_limits(config, db, auth::SignInLimits::default())
    }

    pub fn with_limits(config: &Config, db: Db, limits: auth::SignInLimits) -> AppState {
        AppState::try_with_limits(config, db, limits).unwrap_or_else(|error| panic!("{error}"))
    }

    /// The state, or why the settings cannot work (an OIDC setting that is not a URL).
    pub fn try_with_limits(
        config: &Config,
        db: Db,
        limits: auth::SignInLimits,
    ) -> Result<AppState, String> {
        let output_name =
            std::env::var("LEPTOS_OUTPUT_NAME").unwrap_or_else(|_| "milestones".to_string());
        let hashed_assets = hash_file_present();
        let leptos_options = LeptosOptions::builder()
            .output_name(output_name)
            .site_root(config.site_root.clone())
            .site_pkg_dir("pkg")
            .site_addr(config.site_addr)
            .hash_files(hashed_assets)
            .build();
        let public_url = config
            .public_url
            .clone()
            .unwrap_or_else(|| PublicUrl::local(config.site_addr));
        let oidc = match &config.oidc_issuer {
            Some(issuer) if !issuer.trim().is_empty() => Some(Arc::new(
                app::people::oidc::Provider::new(app::people::oidc::OidcSettings {
                    issuer: issuer.trim().to_string(),
                    client_id: config.oidc_client_id.clone(),
                    client_secret: config.oidc_client_secret.clone(),
                    name: config.oidc_name.clone(),
                    allowed_domains: app::people::oidc::parse_domains(&config.oidc_allowed_domains),
                    redirect_url: public_url.join("/auth/oidc/callback"),
                })?,
            )),
            _ => None,
        };
        if oidc.is_none() && !config.password_sign_in {
            return Err(
                "PASSWORD_SIGN_IN=false needs OIDC_ISSUER: nobody could sign in otherwise"
                    .to_string(),
            );
        }
        Ok(AppState {
            leptos_options,
            hashed_assets,
            db,
            demo: config.demo,
            secure_cookies: config.secure_cookies,
            sign_in_gate: Arc::new(auth::SignInGate::new(limits)),
            trusted_proxies: Arc::new(config.trusted_proxies.clone()),
            change_throttle: Arc::default(),
            request_timeout: std::time::Duration::from_millis(config.request_timeout_ms.max(1)),
            public_url,
            mail: app::mail::MailContext {
                sending: app::mail::Sending {
                    server: config.smtp_url.as_deref().map(smtp_server_label),
                    from: config.mail_from.clone(),
                },
                wake: Arc::default(),
            },
            oidc,
            password_sign_in: config.password_sign_in,
        })
    }
}

/// The mail server of an `SMTP_URL` as the admins' page names it: scheme, host and port,
/// never the user name or password.
pub fn smtp_server_label(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("smtp", url));
    let rest = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
    let host = rest.split(['/', '?']).next().unwrap_or(rest);
    format!("{scheme}://{host}")
}

/// Whether cargo-leptos wrote `hash.txt` (the hashed names of the built files) beside this
/// binary. Test binaries, elsewhere, serve the plain names.
fn hash_file_present() -> bool {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join("hash.txt")))
        .is_some_and(|file| file.is_file())
}

/// `/pkg/`: the built WebAssembly, script and styles, sent precompressed (brotli or gzip, as
/// the browser accepts) when the release build made `.br` and `.gz` files, and kept by
/// browsers for a year when their names carry their hash.
fn built_files(
    folder: std::path::PathBuf,
    hashed: bool,
) -> impl tower::Service<
    axum::extract::Request,
    Response = impl axum::response::IntoResponse,
    Error = std::convert::Infallible,
    Future = impl Send,
> + Clone
+ Send
+ Sync
+ 'static {
    use axum::http::{HeaderValue, header};
    let files = tower_http::services::ServeDir::new(folder)
        .precompressed_br()
        .precompressed_gzip();
    let cache = if hashed {
        HeaderValue::from_static("public, max-age=31536000, immutable")
    } else {
        HeaderValue::from_static("no-cache")
    };
    // Only a file found is kept: a 404 must not be cached for a year.
    tower::ServiceBuilder::new()
        .map_response(move |mut response: axum::http::Response<_>| {
            if response.status().is_success() || response.status() == StatusCode::NOT_MODIFIED {
                response
                    .headers_mut()
                    .insert(header::CACHE_CONTROL, cache.clone());
            }
            response
        })
        .service(files)
}

/// The demo accounts as the sign-in page lists them.
fn demo_mode() -> DemoMode {
    DemoMode {
        accounts: DEMO_ACCOUNTS
            .iter()
            .map(|a| DemoAccountInfo {
                email: a.email.to_string(),
                name: a.name.to_string(),
                role: match a.role {
                    None => "Site admin, program admin".to_string(),
                    Some(role) => role.label().to_string(),
                },
            })
            .collect(),
        password: DEMO_PASSWORD.to_string(),
    }
}

/// What every page render and server function finds in its Leptos context.
pub fn provide_app_context(state: &AppState) {
    provide_context(state.db.clone());
    provide_context(state.change_throttle.clone());
    provide_context(state.public_url.clone());
    provide_context(state.mail.clone());
    provide_context(app::accounts::sign_in::SignInOptions {
        provider: state.oidc.as_ref().map(|p| p.settings.name.clone()),
        password_sign_in: state.password_sign_in,
        provider_origin: state
            .oidc
            .as_ref()
            .and_then(|p| app::people::oidc::origin_of(&p.settings.issuer)),
    });
    if let Some(provider) = &state.oidc {
        provide_context(app::people::invite::ProviderSignIn(
            provider.settings.name.clone(),
        ));
    }
    if state.demo {
        provide_context(demo_mode());
    }
}

/// The whole app: pages, server functions, static files, `/healthz`, sign-in and sign-out,
/// sessions, protections and request logging.
pub fn build_router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let context = {
        let state = state.clone();
        move || provide_app_context(&state)
    };
    let sessions = SessionManagerLayer::new(DbSessionStore::new(state.db.clone()))
        .with_name(session_cookie_name(state.secure_cookies))
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(state.secure_cookies)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(CookieDuration::minutes(
            SESSION_IDLE_MINUTES,
        )));
    let page = {
        let options = state.leptos_options.clone();
        move || shell(options.clone())
    };
    Router::new()
        .route("/healthz", get(healthz))
        .nest_service(
            "/pkg",
            built_files(
                std::path::Path::new(&*state.leptos_options.site_root).join("pkg"),
                state.hashed_assets,
            ),
        )
        .route("/sign-in", post(auth::sign_in))
        .route("/sign-out", post(auth::sign_out))
        .route("/sign-out-everywhere", post(auth::sign_out_everywhere))
        .route(
            "/welcome/{token}",
            post(entry::set_password_from_invitation),
        )
        .route(
            "/welcome/{token}/new-link",
            post(entry::new_invitation_link),
        )
        .route(
            "/reset-password/{token}",
            post(entry::set_password_from_reset),
        )
        .route(
            "/reset-password/{token}/new-link",
            post(entry::new_reset_link),
        )
        .route("/forgot-password", post(entry::forgot_password))
        .route("/auth/oidc/start", post(oidc::start))
        .route("/auth/oidc/callback", get(oidc::callback))
        .route(
            "/programs/{id}/participants.csv",
            get(exports::participants),
        )
        .route("/programs/{id}/matches.csv", get(exports::matches))
        .route("/calendar/{file}", get(exports::calendar_feed))
        .route("/unsubscribe/{token}", post(exports::unsubscribe))
        .route(
            "/programs/{id}/report/milestones.csv",
            get(exports::report_milestones),
        )
        .route(
            "/programs/{id}/report/matches.csv",
            get(exports::report_matches),
        )
        .leptos_routes_with_context(&state, routes, context.clone(), page)
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(context, shell))
        .layer(from_fn_with_state(state.clone(), auth::attach_identity))
        .layer(from_fn(protect::server_fn_error_status))
        .layer(from_fn(protect::carry_flash))
        .layer(sessions)
        .layer(from_fn(protect::refuse_cross_site))
        .layer(DefaultBodyLimit::max(protect::MAX_BODY_BYTES))
        .layer(RequestBodyLimitLayer::new(protect::MAX_BODY_BYTES))
        .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(
            state.request_timeout,
        ))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            state.request_timeout,
        ))
        // Pages, server functions' answers and CSV or calendar files go compressed to browsers
        // that accept it. Built files are precompressed by release builds and left as they
        // are; a development build's WebAssembly (tens of megabytes) is not compressed on every
        // request, which would cost more time than it saves on a local network.
        .layer(
            tower_http::compression::CompressionLayer::new().compress_when(
                tower_http::compression::Predicate::and(
                    tower_http::compression::predicate::DefaultPredicate::new(),
                    tower_http::compression::predicate::NotForContentType::const_new(
                        "application/wasm",
                    ),
                ),
            ),
        )
        .layer(from_fn(protect::security_headers))
        .layer(axum::middleware::from_fn_with_state(
            state.secure_cookies,
            protect::strict_transport_security,
        ))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(DefaultMakeSpan::new().level(Level::INFO))
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .with_state(state)
}

/// The session cookie's name: with `__Host-` over HTTPS, so that only this host, over a secure
/// connection, with path `/`, can set it (a sibling subdomain cannot plant one).
pub fn session_cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-milestones_session"
    } else {
        "milestones_session"
    }
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
    #[error("{0}")]
    Command(String),
}

/// Opens and migrates the database, seeds the demo in demo mode, and serves until SIGTERM or
/// Ctrl-C, letting requests under way finish.
pub async fn run(config: Config) -> Result<(), StartError> {
    if let Some(Command::BenchComplete {
        engines,
        clients,
        requests,
    }) = &config.command
    {
        for engine in engines {
            bench::complete(&config, engine, (*clients).max(1), *requests).await?;
        }
        return Ok(());
    }
    if let Some(Command::Restore { from }) = &config.command {
        let to = app::db::backup::sqlite_path(&config.database_url)
            .filter(|_| config.database_url.starts_with("sqlite:"))
            .ok_or_else(|| {
                StartError::Command(
                    "restore replaces a SQLite database; for PostgreSQL use pg_restore (see the \
                     README)"
                        .to_string(),
                )
            })?;
        let info = app::db::backup::restore(from, &to)
            .await
            .map_err(StartError::Command)?;
        println!(
            "Restored {} into {} (schema version {}, {} completions).",
            from.display(),
            to.display(),
            info.schema_version,
            info.completions
        );
        return Ok(());
    }
    let create = config.create_database || config.database_url == DEFAULT_DATABASE_URL;
    let db = Db::open_existing(&config.database_url, create).await?;
    if let Some(Command::Backup { to }) = &config.command {
        let result = app::db::backup::backup(&db, to).await;
        db.close().await;
        result.map_err(StartError::Command)?;
        let info = app::db::backup::check(to)
            .await
            .map_err(StartError::Command)?;
        println!(
            "Backed up to {} (schema version {}, {} completions).",
            to.display(),
            info.schema_version,
            info.completions
        );
        return Ok(());
    }
    if let Some(Command::CreateAdmin { email, name }) = &config.command {
        let password = read_password_line()?;
        let result = create_site_admin(&db, email, name, &password).await;
        db.close().await;
        let email = result?;
        println!("Created the site admin {email}.");
        return Ok(());
    }
    if let Some(Command::GenerateProgram {
        matches,
        milestones,
        seed,
    }) = &config.command
    {
        let size = app::dev::generate::Size {
            matches: *matches,
            milestones: *milestones,
            today: chrono::Utc::now().date_naive(),
            seed: *seed,
        };
        let generated = app::dev::generate::generate_program(&db, size).await;
        db.close().await;
        let generated = generated?;
        println!(
            "Generated program {} with {} matches and {} completions: /programs/{}/report",
            generated.program_id, generated.matches, generated.completions, generated.program_id
        );
        return Ok(());
    }
    if let Some(Command::SendReminders { as_of }) = &config.command {
        let public_url = config
            .public_url
            .clone()
            .unwrap_or_else(|| PublicUrl::local(config.site_addr));
        let result =
            app::mail::schedule::run_pass(&db, *as_of, chrono::Utc::now(), &public_url, None).await;
        db.close().await;
        let report = result.map_err(|e| StartError::Command(e.to_string()))?;
        println!(
            "Reminders for {as_of}: {} digests queued, {} people had that day's digest already,              {} had nothing due.",
            report.queued, report.already, report.nothing_due
        );
        return Ok(());
    }
    if let Some(Command::BenchReport { matches, runs }) = &config.command {
        let result = bench::report(&db, matches, *runs).await;
        db.close().await;
        return result;
    }
    match app::items::store::judge_unjudged(&db).await {
        Ok(0) => {}
        Ok(count) => tracing::info!(count, "earlier completions judged once"),
        Err(error) => {
            db.close().await;
            return Err(StartError::Command(format!(
                "could not judge the earlier completions: {error}"
            )));
        }
    }
    if let Err(error) = app::milestones::store::record_missing_versions(&db).await {
        db.close().await;
        return Err(StartError::Command(format!(
            "could not record the milestones' definitions: {error}"
        )));
    }
    tracing::info!(engine = ?db.engine(), "database ready");
    // While it serves a SQLite file, the server holds its lock (shared with other servers):
    // a restore refuses to replace the file under it.
    let _serving = match (&db, app::db::backup::sqlite_path(&config.database_url)) {
        (Db::Sqlite { .. }, Some(path)) => {
            Some(app::db::backup::hold_while_serving(&path).map_err(|e| {
                StartError::Command(format!("could not lock {}: {e}", path.display()))
            })?)
        }
        _ => None,
    };
    if config.demo && !config.site_addr.ip().is_loopback() && !config.demo_public {
        db.close().await;
        return Err(StartError::Command(format!(
            "demo mode shows its accounts and their public password, so it serves only on a \
             loopback address, not {}; set DEMO_PUBLIC=true (--demo-public true) if this is meant",
            config.site_addr
        )));
    }
    if config.demo {
        match seed_demo(&db, today_in_zone(DEMO_TIME_ZONE)).await? {
            SeedOutcome::Seeded => {
                app::milestones::store::record_missing_versions(&db)
                    .await
                    .map_err(|e| StartError::Command(e.to_string()))?;
                tracing::info!("demo data seeded")
            }
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
    let state = match AppState::try_with_limits(&config, db.clone(), auth::SignInLimits::default())
    {
        Ok(state) => state,
        Err(error) => {
            db.close().await;
            return Err(StartError::Command(error));
        }
    };
    let mailer = match &config.smtp_url {
        Some(url) => Some(
            app::mail::sender::SmtpMailer::new(url, &config.mail_from, state.public_url.host())
                .map_err(StartError::Command)?,
        ),
        None => {
            tracing::warn!("SMTP_URL is not set: reminder emails stay queued in the outbox");
            None
        }
    };
    let mut background = vec![tokio::spawn(clean_up(db.clone()))];
    if let Some(mailer) = mailer {
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
    if config.schedule_reminders {
        background.push(tokio::spawn(app::mail::sender::run_scheduler(
            db.clone(),
            state.public_url.clone(),
            state.mail.wake.clone(),
        )));
    }
    let router = build_router(state);
    tracing::info!("listening on http://{}", config.site_addr);
    // On SIGTERM or Ctrl-C: no new connections; requests under way get SHUTDOWN_GRACE to
    // finish, then the server stops regardless.
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
    for task in background {
        task.abort();
    }
    db.close().await;
    tracing::info!("stopped");
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

fn read_password_line() -> Result<String, StartError> {
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).map_err(|e| {
        StartError::Command(format!(
            "could not read the password from standard input: {e}"
        ))
    })?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

/// Creates a site admin account; returns its email.
pub async fn create_site_admin(
    db: &Db,
    email: &str,
    name: &str,
    password: &str,
) -> Result<String, StartError> {
    use app::accounts::validation::{DisplayName, Email, NewPassword};
    let email = Email::parse(email).map_err(|m| StartError::Command(format!("email: {m}")))?;
    let name = DisplayName::parse(name).map_err(|m| StartError::Command(format!("name: {m}")))?;
    let password =
        NewPassword::parse(password).map_err(|m| StartError::Command(format!("password: {m}")))?;
    let hash = app::accounts::password::hash_password(password.as_str())
        .map_err(|e| StartError::Command(format!("could not hash the password: {e}")))?;
    app::accounts::store::create_user(db, &email, &name, &hash, true)
        .await
        .map_err(|e| StartError::Command(e.to_string()))?;
    Ok(email.as_str().to_string())
}
