//! Declares database tests that run once per engine, each on a fresh scratch database.

/// Declares each listed `async fn name(db: &Db)` as two tests, one per engine. PostgreSQL must
/// be reachable (`TEST_POSTGRES_URL`, default the local server), or the test fails.
#[macro_export]
macro_rules! on_both_engines {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let scratch = app::dev::scratch::ScratchDb::sqlite()
                        .await
                        .expect("a fresh SQLite database opens and migrates");
                    super::$name(&scratch.db).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let scratch = app::dev::scratch::ScratchDb::postgres()
                        .await
                        .expect("PostgreSQL is running and a fresh database opens and migrates");
                    super::$name(&scratch.db).await;
                }
            )*
        }
    };
}

/// One number from a statement (on a reader), or the test fails with the statement.
#[allow(dead_code)]
pub async fn scalar(db: &app::db::Db, sql: &str) -> i64 {
    app::db::on_db!(
        db,
        read | pool | sqlx::query_scalar::<_, i64>(sql).fetch_one(pool).await
    )
    .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// Runs a statement on the writer, or the test fails with the statement.
#[allow(dead_code)]
pub async fn execute(db: &app::db::Db, sql: &str) {
    app::db::on_db!(
        db,
        write | pool | sqlx::query(sql).execute(pool).await.map(|_| ())
    )
    .unwrap_or_else(|e| panic!("{sql}: {e}"));
}
