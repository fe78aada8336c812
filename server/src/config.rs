//! The server's settings: every one an environment variable and a flag of the same meaning,
//! and the one-shot commands.

use crate::client_address;
use app::db::DEFAULT_DATABASE_URL;
use app::kernel::public_url::PublicUrl;
use clap::{ArgAction, Parser, Subcommand};
use std::net::SocketAddr;

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
