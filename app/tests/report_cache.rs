//! Today's Activity Report is kept in memory per program and brought up to date from the
//! history (`report::cache`). These tests hold it to the figures folded from the whole history,
//! after every kind of change, on SQLite and on PostgreSQL, and on PostgreSQL with a history
//! entry that becomes visible after a later one.

mod support;

use support::{execute, scalar};

use app::accounts::CurrentUser;
use app::accounts::store::load_current_user;
use app::db::Db;
use app::dev::generate::{Size, generate_program};
use app::items::{ItemKey, Source};
use app::report::{Figures, ReportQuery, compute, sort_matches};

/// The figures as every view computed them before the report kept its rows: the whole history
/// read and folded.
async fn from_history(db: &Db, program_id: i64, query: &ReportQuery) -> Figures {
    let program = app::programs::store::program_details(db, program_id)
        .await
        .expect("program");
    let (filters, as_of, order) = query.parse(program.today).expect("valid query");
    let rows = app::report::store::rows(db, &program).await.expect("rows");
    let mut figures = compute(
        &rows.milestones,
        &rows.matches,
        &rows.events,
        &filters,
        as_of,
    );
    sort_matches(&mut figures.matches, order);
    figures
}

/// Today's figures as the page gets them (from the kept snapshot).
async fn kept(db: &Db, program_id: i64, query: &ReportQuery) -> Figures {
    let program = app::programs::store::program_details(db, program_id)
        .await
        .expect("program");
    app::report::store::figures(db, &program, query)
        .await
        .expect("figures")
        .0
}

fn queries() -> Vec<ReportQuery> {
    let mut filtered = ReportQuery {
        category: "relationship".into(),
        state: "published".into(),
        ..ReportQuery::default()
    };
    filtered.sort = "overdue".into();
    vec![
        ReportQuery::default(),
        filtered,
        ReportQuery {
            role: "mentee".into(),
            category: "program".into(),
            ..ReportQuery::default()
        },
    ]
}

async fn agree(db: &Db, program_id: i64, after: &str) {
    for query in queries() {
        let expected = from_history(db, program_id, &query).await;
        let got = kept(db, program_id, &query).await;
        assert_eq!(got, expected, "after {after}, for {query:?}");
    }
}

async fn stamp(db: &Db, program_id: i64) -> i64 {
    scalar(
        db,
        &format!("SELECT report_stamp FROM programs WHERE id = {program_id}"),
    )
    .await
}

/// Open items of the program, each with its owner.
async fn open_items(db: &Db, program_id: i64) -> Vec<(CurrentUser, ItemKey)> {
    app::dev::generate::open_items(db, program_id, usize::MAX)
        .await
        .expect("open items")
}

fn small_program() -> Size {
    Size {
        matches: 40,
        milestones: 6,
        today: chrono::Utc::now().date_naive(),
        seed: 11,
    }
}

/// Completions, undos, a rename, a match ended, a milestone edited and archived, a new time
/// zone: after each, today's kept figures equal the history's, for several filters; and a
/// completion or an undo does not make the report read the program again (its stamp stays).
async fn the_kept_report_agrees_with_the_history_after_every_change(db: &Db) {
    let program = generate_program(db, small_program())
        .await
        .expect("generated")
        .program_id;
    agree(db, program, "the first view").await;
    let open = open_items(db, program).await;
    assert!(open.len() >= 12, "open items to work with: {}", open.len());

    let before = stamp(db, program).await;
    for (person, key) in open.iter().take(8) {
        app::items::store::complete(db, person, *key, Source::Quickcliq)
            .await
            .expect("completed");
    }
    assert_eq!(
        stamp(db, program).await,
        before,
        "completions keep the stamp"
    );
    agree(db, program, "eight completions").await;

    for (person, key) in open.iter().take(3) {
        app::items::store::undo(db, person, *key, Source::Quickcliq)
            .await
            .expect("undone");
    }
    // Undone, then completed again from the Profile: the last entry decides.
    let (person, key) = &open[0];
    app::items::store::complete(db, person, *key, Source::Profile)
        .await
        .expect("completed again");
    assert_eq!(stamp(db, program).await, before, "undos keep the stamp");
    agree(db, program, "undos and a completion again").await;

    // A site admin completes on a participant's behalf.
    let admin_id = scalar(
        db,
        "SELECT COALESCE(MIN(id), 0) FROM users WHERE is_site_admin",
    )
    .await;
    let admin_id = if admin_id > 0 {
        admin_id
    } else {
        execute(
            db,
            "UPDATE users SET is_site_admin = TRUE WHERE id = (SELECT MIN(id) FROM users)",
        )
        .await;
        scalar(db, "SELECT MIN(id) FROM users WHERE is_site_admin").await
    };
    let admin = load_current_user(db, admin_id)
        .await
        .expect("loaded")
        .expect("exists");
    app::items::store::complete(db, &admin, open[10].1, Source::Admin)
        .await
        .expect("completed on behalf");
    agree(db, program, "a completion on a participant's behalf").await;

    // Changes to what the items are: each changes the stamp.
    let mentor = open[1].0.id;
    execute(
        db,
        &format!("UPDATE users SET display_name = 'Renamed Person' WHERE id = {mentor}"),
    )
    .await;
    assert_ne!(
        stamp(db, program).await,
        before,
        "a rename changes the stamp"
    );
    agree(db, program, "a rename").await;

    let ended = scalar(
        db,
        &format!(
            "SELECT MIN(id) FROM matches WHERE program_id = {program} AND state = 'published'"
        ),
    )
    .await;
    app::matches::store::end_match(db, program, ended)
        .await
        .expect("ended");
    agree(db, program, "a match ended").await;

    let milestone = open[2].1.milestone_id;
    execute(
        db,
        &format!("UPDATE milestones SET offset_amount = 0 WHERE id = {milestone}"),
    )
    .await;
    agree(db, program, "an offset edited").await;
    app::milestones::store::set_archived(db, program, open[4].1.milestone_id, true)
        .await
        .expect("archived");
    agree(db, program, "a milestone archived").await;

    execute(
        db,
        &format!("UPDATE programs SET time_zone = 'Pacific/Kiritimati' WHERE id = {program}"),
    )
    .await;
    agree(db, program, "a new time zone").await;

    // And completions again after all that.
    for (person, key) in open.iter().skip(11).take(4) {
        let _ = app::items::store::complete(db, person, *key, Source::Quickcliq).await;
    }
    agree(db, program, "more completions").await;
}

/// Two programs of two databases with the same id never see each other's snapshot.
async fn another_database_with_the_same_program_id_is_not_confused(db: &Db) {
    let program = generate_program(db, small_program())
        .await
        .expect("generated")
        .program_id;
    let other = match db {
        Db::Sqlite { .. } => app::dev::scratch::ScratchDb::sqlite().await,
        Db::Postgres(_) => app::dev::scratch::ScratchDb::postgres().await,
    }
    .expect("another database");
    let other_program = generate_program(
        &other.db,
        Size {
            matches: 25,
            seed: 99,
            ..small_program()
        },
    )
    .await
    .expect("generated")
    .program_id;
    assert_eq!(program, other_program, "the same id in both");
    for _ in 0..2 {
        agree(db, program, "a view of the other database").await;
        agree(&other.db, other_program, "a view of the first database").await;
    }
}

on_both_engines!(
    the_kept_report_agrees_with_the_history_after_every_change,
    another_database_with_the_same_program_id_is_not_confused,
);

/// PostgreSQL gives out history ids before commit: an entry with a smaller id can become
/// visible after the report has seen a larger one. The kept report still counts it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_an_entry_committed_after_a_later_one_is_still_counted() {
    let scratch = app::dev::scratch::ScratchDb::postgres()
        .await
        .expect("PostgreSQL is running and a fresh database opens and migrates");
    let db = &scratch.db;
    let Db::Postgres(pool) = db else {
        panic!("a PostgreSQL database")
    };
    let program = generate_program(db, small_program())
        .await
        .expect("generated")
        .program_id;
    let open = open_items(db, program).await;
    let (slow_person, slow) = open[0].clone();
    let (fast_person, fast) = open
        .iter()
        .find(|(p, k)| p.id != slow_person.id && k.milestone_id != slow.milestone_id)
        .cloned()
        .expect("another person's item");
    let completed = |figures: &Figures| figures.totals.completed();
    let start = completed(&kept(db, program, &ReportQuery::default()).await);

    // A completion whose transaction takes its history id first and commits last.
    let mut slow_tx = pool.begin().await.expect("begin");
    let category = if slow.match_id.is_some() {
        "relationship"
    } else {
        "program"
    };
    let role: String = sqlx::query_scalar("SELECT role FROM milestones WHERE id = $1")
        .bind(slow.milestone_id)
        .fetch_one(&mut *slow_tx)
        .await
        .expect("role");
    sqlx::query(
        "INSERT INTO completion_events (program_id, milestone_id, enrollment_id, match_id, \
         action, actor_user_id, source, occurred_at) \
         VALUES ($1, $2, $3, $4, 'completed', $5, 'quickcliq', now())",
    )
    .bind(program)
    .bind(slow.milestone_id)
    .bind(slow.enrollment_id)
    .bind(slow.match_id)
    .bind(slow_person.id)
    .execute(&mut *slow_tx)
    .await
    .expect("history entry");
    sqlx::query(
        "INSERT INTO completions (program_id, milestone_id, milestone_category, role, \
         enrollment_id, match_id, completed_by, completed_at, source) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, now(), 'quickcliq')",
    )
    .bind(program)
    .bind(slow.milestone_id)
    .bind(category)
    .bind(&role)
    .bind(slow.enrollment_id)
    .bind(slow.match_id)
    .bind(slow_person.id)
    .execute(&mut *slow_tx)
    .await
    .expect("completion");

    // Meanwhile another completion commits, with a larger id, and the report is viewed.
    app::items::store::complete(db, &fast_person, fast, Source::Quickcliq)
        .await
        .expect("completed");
    let seen = scalar(
        db,
        &format!("SELECT MAX(id) FROM completion_events WHERE program_id = {program}"),
    )
    .await;
    assert!(seen > 0);
    assert_eq!(
        completed(&kept(db, program, &ReportQuery::default()).await),
        start + 1,
        "the committed one counts, the open one not yet"
    );
    slow_tx.commit().await.expect("commit");
    let after = kept(db, program, &ReportQuery::default()).await;
    assert_eq!(completed(&after), start + 2, "the late one counts too");
    assert_eq!(
        after,
        from_history(db, program, &ReportQuery::default()).await
    );
}
