//! The Activity Report reads a program with a fixed number of SQL statements, whatever its size:
//! every statement sqlx runs is counted (sqlx logs each one on the `sqlx::query` target) while
//! the report of a small and of a large program is computed, on SQLite and on PostgreSQL.
//!
//! One test in its own binary: the counter is the process's global subscriber.

use app::db::Db;
use app::dev::generate::{Size, generate_program};
use app::dev::scratch::ScratchDb;
use app::report::ReportQuery;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tracing::Subscriber;
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

struct CountStatements(Arc<AtomicUsize>);

/// The statement's summary (its first words) from sqlx's event.
#[derive(Default)]
struct Summary(String);

impl tracing::field::Visit for Summary {
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        if field.name() == "summary" {
            self.0 = value.to_string();
        }
    }

    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        if field.name() == "summary" {
            self.0 = format!("{value:?}");
        }
    }
}

impl<S: Subscriber> Layer<S> for CountStatements {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        if event.metadata().target() != "sqlx::query" {
            return;
        }
        // A connection the pool opens on demand runs its own set-up (SQLite PRAGMAs): that is
        // the pool's, not the report's.
        let mut summary = Summary::default();
        event.record(&mut summary);
        if !summary
            .0
            .trim_start_matches('"')
            .to_uppercase()
            .starts_with("PRAGMA")
        {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
}

/// How many statements a view of the report runs: the first after the program changed (the
/// kept snapshot read again whole), and a view after a participant's completion.
async fn statements_of_report(db: &Db, program_id: i64, counter: &AtomicUsize) -> (usize, usize) {
    let view = || async {
        let report = app::report::store::report(db, program_id, &ReportQuery::default())
            .await
            .expect("reads");
        assert!(report.figures.totals.items > 0);
    };
    // Once to open the pool's connections (opening one runs set-up statements of its own).
    view().await;
    // The program changes (as a renamed person or an edited milestone changes it).
    app::db::on_db!(
        db,
        write
            | pool
            | sqlx::query("UPDATE programs SET report_stamp = report_stamp + 1 WHERE id = $1")
                .bind(program_id)
                .execute(pool)
                .await
                .map(|_| ())
    )
    .expect("changed");
    let before = counter.load(Ordering::SeqCst);
    view().await;
    let first = counter.load(Ordering::SeqCst) - before;
    // A new entry in the history, written directly (only the report's statements are counted).
    app::db::on_db!(
        db,
        write
            | pool
            | sqlx::query(
                "INSERT INTO completion_events (program_id, milestone_id, enrollment_id, match_id, \
             action, actor_user_id, source, occurred_at) SELECT program_id, milestone_id, \
             enrollment_id, match_id, 'undone', actor_user_id, source, occurred_at \
             FROM completion_events WHERE program_id = $1 ORDER BY id DESC LIMIT 1"
            )
            .bind(program_id)
            .execute(pool)
            .await
            .map(|_| ())
    )
    .expect("an undo in the history");
    let before = counter.load(Ordering::SeqCst);
    view().await;
    (first, counter.load(Ordering::SeqCst) - before)
}

async fn sizes(db: &Db, counter: &AtomicUsize) -> ((usize, usize), (usize, usize)) {
    let today = chrono::Utc::now().date_naive();
    let small = generate_program(
        db,
        Size {
            matches: 3,
            milestones: 2,
            today,
            seed: 1,
        },
    )
    .await
    .expect("small program");
    let large = generate_program(
        db,
        Size {
            matches: 1_500,
            milestones: 20,
            today,
            seed: 2,
        },
    )
    .await
    .expect("large program");
    (
        statements_of_report(db, small.program_id, counter).await,
        statements_of_report(db, large.program_id, counter).await,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_report_runs_the_same_statements_for_3_and_1500_matches() {
    let counter = Arc::new(AtomicUsize::new(0));
    tracing::subscriber::set_global_default(
        tracing_subscriber::registry().with(CountStatements(counter.clone())),
    )
    .expect("the only subscriber of this test binary");
    let sqlite = ScratchDb::sqlite().await.expect("SQLite opens");
    let (small, large) = sizes(&sqlite.db, &counter).await;
    assert_eq!(
        (small, large),
        ((8, 3), (8, 3)),
        "SQLite: the first view reads the program, checks its stamp, then in one transaction \
         its stamp, the newest history id, milestones, matches and standing completions, then \
         the latest history entries; a later view the program, its stamp with the new history \
         entries, and the latest history entries"
    );
    let postgres = ScratchDb::postgres().await.expect("PostgreSQL opens");
    let (small, large) = sizes(&postgres.db, &counter).await;
    assert_eq!(
        (small, large),
        ((11, 3), (11, 3)),
        "PostgreSQL: as SQLite, with the transaction's isolation level and the entries of \
         transactions still running"
    );
}
