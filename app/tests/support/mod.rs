//! Fresh databases for tests: a new SQLite file or a new PostgreSQL database per test, created
//! here and removed when the test ends. The PostgreSQL server is named by `TEST_POSTGRES_URL`
//! (default: the local server's `postgres` database); it must be reachable, or the test fails.

#![allow(dead_code)]

use app::db::Db;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

pub const DEFAULT_POSTGRES_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

static COUNTER: AtomicU32 = AtomicU32::new(0);

fn unique_name() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "milestones_test_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        nanos
    )
}

pub struct TestDb {
    pub db: Db,
    cleanup: Cleanup,
}

enum Cleanup {
    Folder(PathBuf),
    Database { admin_url: String, name: String },
}

impl TestDb {
    pub async fn fresh_sqlite() -> TestDb {
        let folder = std::env::temp_dir().join(unique_name());
        let url = format!("sqlite:{}", folder.join("milestones.db").display());
        let db = Db::open(&url)
            .await
            .expect("a fresh SQLite database opens and migrates");
        TestDb {
            db,
            cleanup: Cleanup::Folder(folder),
        }
    }

    pub async fn fresh_postgres() -> TestDb {
        let admin_url = std::env::var("TEST_POSTGRES_URL")
            .unwrap_or_else(|_| DEFAULT_POSTGRES_ADMIN_URL.to_string());
        let name = unique_name();
        let admin = Db::connect(&admin_url).await.unwrap_or_else(|e| {
            panic!("PostgreSQL must be running for the database tests ({admin_url}): {e}")
        });
        let Db::Postgres(pool) = &admin else {
            panic!("TEST_POSTGRES_URL must be postgres:")
        };
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(pool)
            .await
            .expect("the test database is created");
        admin.close().await;
        let url = database_url_with_name(&admin_url, &name);
        let db = Db::open(&url)
            .await
            .expect("a fresh PostgreSQL database opens and migrates");
        TestDb {
            db,
            cleanup: Cleanup::Database { admin_url, name },
        }
    }
}

/// The admin URL with its database name replaced.
fn database_url_with_name(admin_url: &str, name: &str) -> String {
    let (base, query) = admin_url
        .split_once('?')
        .map_or((admin_url, None), |(b, q)| (b, Some(q)));
    let without_db = base.rsplit_once('/').map_or(base, |(head, _)| head);
    match query {
        Some(q) => format!("{without_db}/{name}?{q}"),
        None => format!("{without_db}/{name}"),
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::Folder(folder) => {
                let _ = std::fs::remove_dir_all(folder);
            }
            Cleanup::Database { admin_url, name } => {
                let (admin_url, name, db) = (admin_url.clone(), name.clone(), self.db.clone());
                // Drop cannot await: finish on a runtime of its own.
                let _ = std::thread::spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build();
                    if let Ok(runtime) = runtime {
                        runtime.block_on(async move {
                            db.close().await;
                            if let Ok(Db::Postgres(admin)) = Db::connect(&admin_url).await {
                                let _ = sqlx::query(&format!(
                                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                                ))
                                .execute(&admin)
                                .await;
                                admin.close().await;
                            }
                        });
                    }
                })
                .join();
            }
        }
    }
}

/// Declares each listed `async fn name(db: &Db)` as two tests, one per engine.
#[macro_export]
macro_rules! on_both_engines {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let test = $crate::support::TestDb::fresh_sqlite().await;
                    super::$name(&test.db).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let test = $crate::support::TestDb::fresh_postgres().await;
                    super::$name(&test.db).await;
                }
            )*
        }
    };
}
