//! Backup and restore of a SQLite database, and the lock that tells a restore a server is
//! using the file.
//!
//! A backup is `VACUUM INTO`: one consistent copy, taken while the server keeps serving (it is
//! a read transaction, so writers carry on). A restore checks the copy first (integrity, and
//! that its schema is one this version of the app knows) and refuses to replace a file that a
//! running server holds.

use super::Db;
use sqlx::Connection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// What a checked backup holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BackupInfo {
    /// The newest migration applied to it.
    pub schema_version: i64,
    pub completions: i64,
}

/// The lock file beside a SQLite database: every server holds it shared while it runs; a
/// restore needs it exclusively.
fn lock_path(database: &Path) -> PathBuf {
    let mut name = database.as_os_str().to_owned();
    name.push(".server-lock");
    PathBuf::from(name)
}

/// Taken by a server for as long as it serves the file (dropping it releases the lock).
pub fn hold_while_serving(database: &Path) -> std::io::Result<File> {
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(lock_path(database))?;
    file.lock_shared()?;
    Ok(file)
}

/// The SQLite file a `sqlite:` URL names.
pub fn sqlite_path(url: &str) -> Option<PathBuf> {
    let options = SqliteConnectOptions::from_str(url).ok()?;
    let path = options.get_filename();
    (!path.as_os_str().is_empty()).then(|| path.to_path_buf())
}

/// Copies the open database into `to`, which must not exist yet.
pub async fn backup(db: &Db, to: &Path) -> Result<(), String> {
    let Db::Sqlite { writer, .. } = db else {
        return Err(
            "backup copies a SQLite database; for PostgreSQL use pg_dump (see the README)".into(),
        );
    };
    if to.exists() {
        return Err(format!(
            "{} already exists; choose a new file for the backup",
            to.display()
        ));
    }
    if let Some(folder) = to.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder)
            .map_err(|e| format!("could not create {}: {e}", folder.display()))?;
    }
    // On this process's own writer connection (the readers are query_only, which refuses
    // VACUUM INTO): a read transaction of the source, so the server's writes carry on.
    sqlx::query("VACUUM INTO $1")
        .bind(to.display().to_string())
        .execute(writer)
        .await
        .map_err(|e| format!("could not copy the database: {e}"))?;
    Ok(())
}

/// Opens a backup read-only and checks it: `PRAGMA integrity_check`, and a schema this version
/// of the app knows (every migration applied to it is one of the app's, with the same checksum).
pub async fn check(file: &Path) -> Result<BackupInfo, String> {
    if !file.is_file() {
        return Err(format!("there is no file at {}", file.display()));
    }
    let options = SqliteConnectOptions::new()
        .filename(file)
        .read_only(true)
        .immutable(true);
    let mut connection = SqliteConnection::connect_with(&options)
        .await
        .map_err(|_| format!("{} is not a SQLite database", file.display()))?;
    let outcome = async {
        let integrity: String = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_one(&mut connection)
            .await
            .map_err(|_| format!("{} is not a SQLite database", file.display()))?;
        if integrity != "ok" {
            return Err(format!(
                "{} is damaged (integrity check: {integrity})",
                file.display()
            ));
        }
        let applied: Vec<(i64, Vec<u8>)> =
            sqlx::query_as("SELECT version, checksum FROM _sqlx_migrations WHERE success")
                .fetch_all(&mut connection)
                .await
                .map_err(|_| format!("{} is not a database of this app", file.display()))?;
        let known = sqlx::migrate!("./migrations/sqlite");
        for (version, checksum) in &applied {
            let ours = known.iter().find(|m| m.version == *version);
            if ours.is_none_or(|m| m.checksum.as_ref() != checksum.as_slice()) {
                return Err(format!(
                    "{} has schema version {version}, which this version of the app does not \
                     know; restore it with the version that made it",
                    file.display()
                ));
            }
        }
        let schema_version = applied.iter().map(|(v, _)| *v).max().unwrap_or(0);
        if schema_version == 0 {
            return Err(format!("{} is not a database of this app", file.display()));
        }
        let completions: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM completions")
            .fetch_one(&mut connection)
            .await
            .map_err(|e| format!("could not read {}: {e}", file.display()))?;
        Ok(BackupInfo {
            schema_version,
            completions,
        })
    }
    .await;
    let _ = connection.close().await;
    outcome
}

/// Replaces the database at `to` with the checked backup `from`; refused while a server holds
/// `to`. The copy is written beside `to` and renamed over it, so `to` is never half-written.
pub async fn restore(from: &Path, to: &Path) -> Result<BackupInfo, String> {
    let info = check(from).await?;
    if let Some(folder) = to.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder)
            .map_err(|e| format!("could not create {}: {e}", folder.display()))?;
    }
    let lock = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(lock_path(to))
        .map_err(|e| format!("could not open the lock file beside {}: {e}", to.display()))?;
    if lock.try_lock().is_err() {
        return Err(format!(
            "a running server holds {}; stop it before restoring",
            to.display()
        ));
    }
    let mut staged = to.as_os_str().to_owned();
    staged.push(".restoring");
    let staged = PathBuf::from(staged);
    std::fs::copy(from, &staged).map_err(|e| format!("could not copy the backup: {e}"))?;
    File::open(&staged)
        .and_then(|f| f.sync_all())
        .map_err(|e| format!("could not write the copy: {e}"))?;
    for suffix in ["-wal", "-shm"] {
        let mut side = to.as_os_str().to_owned();
        side.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(side));
    }
    std::fs::rename(&staged, to).map_err(|e| format!("could not put the copy in place: {e}"))?;
    drop(lock);
    Ok(info)
}
