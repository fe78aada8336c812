//! Throwaway databases for tests and benchmarks: a new SQLite file in a temporary folder, or a
//! new PostgreSQL database on a server, each removed again when dropped.

use crate::db::{Db, DbError};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

/// Where the PostgreSQL scratch databases are made unless `TEST_POSTGRES_URL` says otherwise.
pub const DEFAULT_POSTGRES_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

static COUNTER: AtomicU32 = AtomicU32::new(0);

fn unique_name() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "milestones_scratch_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        nanos
    )
}

/// A migrated, empty database that is deleted on drop.
pub struct ScratchDb {
    pub db: Db,
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Folder(PathBuf),
    Database { admin_url: String, name: String },
}

impl ScratchDb {
    pub async fn sqlite() -> Result<ScratchDb, DbError> {
        let folder = std::env::temp_dir().join(unique_name());
        let url = format!("sqlite:{}", folder.join("milestones.db").display());
        let db = Db::open(&url).await?;
        Ok(ScratchDb {
            db,
            url,
            cleanup: Cleanup::Folder(folder),
        })
    }

    /// A new database on the server of `TEST_POSTGRES_URL` (or the local default).
    pub async fn postgres() -> Result<ScratchDb, DbError> {
        let admin_url = std::env::var("TEST_POSTGRES_URL")
            .unwrap_or_else(|_| DEFAULT_POSTGRES_ADMIN_URL.to_string());
        let name = unique_name();
        let admin = Db::connect(&admin_url).await?;
        let Db::Postgres(pool) = &admin else {
            return Err(DbError::UnsupportedUrl);
        };
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(pool)
            .await?;
        admin.close().await;
        let url = with_database_name(&admin_url, &name);
        let db = Db::open(&url).await?;
        Ok(ScratchDb {
            db,
            url,
            cleanup: Cleanup::Database { admin_url, name },
        })
    }
}

/// The URL with its database name replaced.
fn with_database_name(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let server = base.rsplit_once('/').map_or(base, |(head, _)| head);
    match query {
        Some(q) => format!("{server}/{name}?{q}"),
        None => format!("{server}/{name}"),
    }
}

impl Drop for ScratchDb {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::Folder(folder) => {
                let _ = std::fs::remove_dir_all(folder);
            }
            Cleanup::Database { admin_url, name } => {
                let (admin_url, name, db) = (admin_url.clone(), name.clone(), self.db.clone());
                // Drop cannot await: finish on a runtime of its own, in a thread of its own.
                let _ = std::thread::spawn(move || {
                    let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                    else {
                        return;
                    };
                    runtime.block_on(async move {
                        db.close().await;
                        if let Ok(Db::Postgres(admin)) = Db::connect(&admin_url).await {
                            let drop = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                            let _ = sqlx::query(&drop).execute(&admin).await;
                            admin.close().await;
                        }
                    });
                })
                .join();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::with_database_name;

    #[test]
    fn the_database_name_is_replaced_and_options_kept() {
        assert_eq!(
            with_database_name("postgres://u@h:5432/postgres", "x"),
            "postgres://u@h:5432/x"
        );
        assert_eq!(
            with_database_name("postgres://u:p@h/postgres?sslmode=disable", "x"),
            "postgres://u:p@h/x?sslmode=disable"
        );
    }
}
