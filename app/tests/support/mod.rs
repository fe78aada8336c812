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
