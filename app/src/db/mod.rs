//! The one database interface of the app: SQLite (embedded default) or PostgreSQL (for scale),
//! chosen by the `DATABASE_URL` scheme. Queries are written once in SQL both engines accept and
//! run on either through [`on_db!`].

pub mod backup;
pub mod batch;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Connection, PgConnection, PgPool, SqlitePool};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

/// The database URL used when `DATABASE_URL` is not set.
pub const DEFAULT_DATABASE_URL: &str = "sqlite:data/milestones.db";

/// How long a statement waits for a lock before SQLite gives up.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(10);
const SQLITE_READERS: u32 = 8;
const POSTGRES_CONNECTIONS: u32 = 16;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// A handle to the database, cheap to clone. SQLite has one writer connection (so concurrent
/// writes queue in the app instead of failing with `database is locked`) and a pool of readers
/// that WAL mode lets run beside it; `batch` runs the busiest writes on that writer with group
/// commit ([`batch::WriteBatch`]).
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite {
        reader: SqlitePool,
        writer: SqlitePool,
        batch: batch::WriteBatch,
    },
    Postgres(PgPool),
}

/// The database engine behind a [`Db`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// Runs the same query code on whichever engine the [`Db`] holds. `read` uses a reader
/// connection, `write` the writer. The body is compiled once per engine, so it must be SQL both
/// accept (`$1` placeholders, `RETURNING`, `ON CONFLICT`). Used as `crate::db::on_db!` (tests:
/// `app::db::on_db!`); the exported name is only how a macro leaves the crate.
#[doc(hidden)]
#[macro_export]
macro_rules! __on_db {
    ($db:expr, read | $pool:ident | $body:expr) => {
        match $db {
            $crate::db::Db::Sqlite { reader: $pool, .. } => $body,
            $crate::db::Db::Postgres($pool) => $body,
        }
    };
    ($db:expr, write | $pool:ident | $body:expr) => {
        match $db {
            $crate::db::Db::Sqlite { writer: $pool, .. } => $body,
            $crate::db::Db::Postgres($pool) => $body,
        }
    };
}

pub use crate::__on_db as on_db;

/// Why the database could not be opened or prepared. Each message is one sentence for the
/// operator; none includes a password.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error(
        "DATABASE_URL must start with sqlite: or postgres:, for example {DEFAULT_DATABASE_URL}"
    )]
    UnsupportedUrl,
    #[error("DATABASE_URL is not a valid {engine} URL: {reason}")]
    InvalidUrl {
        engine: &'static str,
        reason: String,
    },
    #[error(
        "there is no database at {path}; check DATABASE_URL, or set CREATE_DATABASE=true \
         (--create-database true) to create a new one there"
    )]
    Missing { path: String },
    #[error("an in-memory SQLite database cannot be used; point DATABASE_URL at a file")]
    InMemorySqlite,
    #[error("could not create the folder {path} for the SQLite database: {reason}")]
    CreateFolder { path: String, reason: String },
    #[error("could not open the database at {target}: {reason}")]
    Connect { target: String, reason: String },
    #[error("the database migration failed, so the server did not start: {0}")]
    Migrate(String),
    #[error("the demo data could not be prepared: {0}")]
    Seed(String),
    #[error("a database query failed: {0}")]
    Query(#[from] sqlx::Error),
}

impl Db {
    /// Opens the database named by `url` without touching its schema.
    pub async fn connect(url: &str) -> Result<Db, DbError> {
        if url.starts_with("sqlite:") {
            connect_sqlite(url).await
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            connect_postgres(url).await
        } else {
            Err(DbError::UnsupportedUrl)
        }
    }

    /// Opens the database and brings its schema up to date.
    pub async fn open(url: &str) -> Result<Db, DbError> {
        let db = Db::connect(url).await?;
        db.migrate().await?;
        Ok(db)
    }

    /// As [`Db::open`], but a SQLite file that does not exist is created only when `create`
    /// is true: a mistyped path is an error, not a new empty database.
    pub async fn open_existing(url: &str, create: bool) -> Result<Db, DbError> {
        if !create && url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url).map_err(|e| DbError::InvalidUrl {
                engine: "SQLite",
                reason: e.to_string(),
            })?;
            let path = options.get_filename();
            if !path.as_os_str().is_empty() && path != Path::new(":memory:") && !path.exists() {
                return Err(DbError::Missing {
                    path: path.display().to_string(),
                });
            }
        }
        Db::open(url).await
    }

    pub fn engine(&self) -> Engine {
        match self {
            Db::Sqlite { .. } => Engine::Sqlite,
            Db::Postgres(_) => Engine::Postgres,
        }
    }

    /// Applies the engine's migrations that have not run yet.
    pub async fn migrate(&self) -> Result<(), DbError> {
        let result = match self {
            Db::Sqlite { writer, .. } => sqlx::migrate!("./migrations/sqlite").run(writer).await,
            Db::Postgres(pool) => sqlx::migrate!("./migrations/postgres").run(pool).await,
        };
        result.map_err(|e| DbError::Migrate(e.to_string()))
    }
}

/// Starts a write transaction. On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`):
/// a transaction that reads before it writes can otherwise fail with "database is locked" when
/// another process (a second server, `server generate-program`) writes at the same moment,
/// instead of waiting its turn.
pub trait BeginWrite {
    type Database: sqlx::Database;
    fn begin_write(
        &self,
    ) -> impl std::future::Future<
        Output = Result<sqlx::Transaction<'static, Self::Database>, sqlx::Error>,
    > + Send;
}

impl BeginWrite for SqlitePool {
    type Database = sqlx::Sqlite;
    fn begin_write(
        &self,
    ) -> impl std::future::Future<
        Output = Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error>,
    > + Send {
        self.begin_with("BEGIN IMMEDIATE")
    }
}

impl BeginWrite for PgPool {
    type Database = sqlx::Postgres;
    fn begin_write(
        &self,
    ) -> impl std::future::Future<
        Output = Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error>,
    > + Send {
        self.begin()
    }
}

impl Db {
    /// ` FOR SHARE` on PostgreSQL: the rows a check reads stay as read until the transaction
    /// ends. Nothing on SQLite, whose write transactions already exclude each other.
    pub fn for_share(&self) -> &'static str {
        match self {
            Db::Postgres(_) => " FOR SHARE",
            Db::Sqlite { .. } => "",
        }
    }

    /// ` FOR UPDATE` on PostgreSQL: the row read is locked for the change that follows.
    /// Nothing on SQLite, as for [`Db::for_share`].
    pub fn for_update(&self) -> &'static str {
        match self {
            Db::Postgres(_) => " FOR UPDATE",
            Db::Sqlite { .. } => "",
        }
    }

    /// Whether the database answers a trivial query.
    pub async fn is_healthy(&self) -> bool {
        on_db!(
            self,
            read | pool | sqlx::query("SELECT 1").execute(pool).await.is_ok()
        )
    }

    /// Closes every connection, waiting for queries under way.
    pub async fn close(&self) {
        match self {
            Db::Sqlite { reader, writer, .. } => {
                reader.close().await;
                writer.close().await;
            }
            Db::Postgres(pool) => pool.close().await,
        }
    }
}

async fn connect_sqlite(url: &str) -> Result<Db, DbError> {
    let options = SqliteConnectOptions::from_str(url).map_err(|e| DbError::InvalidUrl {
        engine: "SQLite",
        reason: e.to_string(),
    })?;
    let path = options.get_filename().to_path_buf();
    if path.as_os_str().is_empty() || path == Path::new(":memory:") || url.contains("mode=memory") {
        return Err(DbError::InMemorySqlite);
    }
    create_parent_folder(&path)?;
    let options = options
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        // FULL: a transaction is on disk (the WAL synced) before its commit returns, so every
        // write the app acknowledged survives a crash of the process and a loss of power.
        .synchronous(SqliteSynchronous::Full)
        .busy_timeout(SQLITE_BUSY_TIMEOUT)
        .foreign_keys(true);
    let target = path.display().to_string();
    let connect_error = |e: sqlx::Error| DbError::Connect {
        target: target.clone(),
        reason: short_reason(&e),
    };
    // The writer stays open for the life of the pool: while one connection is open the WAL and
    // shared-memory files stay in place for the readers.
    let writer = SqlitePoolOptions::new()
        .max_connections(1)
        .min_connections(1)
        .idle_timeout(None)
        .max_lifetime(None)
        .acquire_timeout(Duration::from_secs(30))
        .connect_with(options.clone())
        .await
        .map_err(connect_error)?;
    let reader = SqlitePoolOptions::new()
        .max_connections(SQLITE_READERS)
        .acquire_timeout(Duration::from_secs(30))
        // query_only rather than a read-only open: a reader may still create the WAL index.
        .connect_with(options.pragma("query_only", "ON"))
        .await
        .map_err(connect_error)?;
    let batch = batch::WriteBatch::start(writer.clone());
    Ok(Db::Sqlite {
        reader,
        writer,
        batch,
    })
}

fn create_parent_folder(path: &Path) -> Result<(), DbError> {
    let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) else {
        return Ok(());
    };
    std::fs::create_dir_all(parent).map_err(|e| DbError::CreateFolder {
        path: PathBuf::from(parent).display().to_string(),
        reason: e.to_string(),
    })
}

async fn connect_postgres(url: &str) -> Result<Db, DbError> {
    let options = PgConnectOptions::from_str(url).map_err(|e| DbError::InvalidUrl {
        engine: "PostgreSQL",
        reason: e.to_string(),
    })?;
    let target = format!(
        "{}:{}/{}",
        options.get_host(),
        options.get_port(),
        options.get_database().unwrap_or("")
    );
    // One direct connection first: a pool would report a refused connection only as a time-out.
    let probe = PgConnection::connect_with(&options)
        .await
        .map_err(|e| DbError::Connect {
            target: target.clone(),
            reason: short_reason(&e),
        })?;
    let _ = probe.close().await;
    let pool = PgPoolOptions::new()
        .max_connections(POSTGRES_CONNECTIONS)
        .acquire_timeout(CONNECT_TIMEOUT)
        .connect_with(options)
        .await
        .map_err(|e| DbError::Connect {
            target,
            reason: short_reason(&e),
        })?;
    Ok(Db::Postgres(pool))
}

/// The driver's reason for a failed connection, without the URL it may have echoed.
fn short_reason(error: &sqlx::Error) -> String {
    match error {
        sqlx::Error::Io(io) => io.to_string(),
        sqlx::Error::PoolTimedOut => "no connection within 5 seconds".to_string(),
        sqlx::Error::Database(db) => db.message().to_string(),
        other => other.to_string(),
    }
}
