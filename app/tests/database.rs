//! The database suite: every test runs on a fresh SQLite file and a fresh PostgreSQL database.

mod support;

use app::accounts::password::verify_password;
use app::db::Db;
use app::db::on_db;
use app::dev::seed::{DEMO_ACCOUNTS, DEMO_PASSWORD, DEMO_PROGRAM_NAME, SeedOutcome, seed_demo};
use app::panel::store::program_overviews;
use chrono::{NaiveDate, Utc};
use sqlx::error::ErrorKind;

fn seed_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 28).expect("valid date")
}

async fn seeded(db: &Db) {
    assert_eq!(
        seed_demo(db, seed_day()).await.expect("seeding works"),
        SeedOutcome::Seeded
    );
}

async fn count(db: &Db, sql: &str) -> i64 {
    on_db!(
        db,
        read | pool | sqlx::query_scalar::<_, i64>(sql).fetch_one(pool).await
    )
    .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

async fn id_of(db: &Db, sql: &str) -> i64 {
    count(db, sql).await
}

/// Runs one write statement with i64/text/date parameters given as strings the test controls.
async fn write(db: &Db, sql: &str, params: &[Param]) -> Result<u64, sqlx::Error> {
    on_db!(
        db,
        write | pool | {
            let mut query = sqlx::query(sql);
            for param in params {
                query = match param {
                    Param::Int(n) => query.bind(*n),
                    Param::Text(s) => query.bind(s.clone()),
                    Param::Date(d) => query.bind(*d),
                    Param::NoInt => query.bind(None::<i64>),
                    Param::NoDate => query.bind(None::<NaiveDate>),
                    Param::Now => query.bind(Utc::now()),
                    Param::Bool(b) => query.bind(*b),
                };
            }
            query.execute(pool).await.map(|r| r.rows_affected())
        }
    )
}

#[derive(Clone, Debug)]
enum Param {
    Int(i64),
    Text(String),
    Date(NaiveDate),
    NoInt,
    NoDate,
    Now,
    Bool(bool),
}

fn text(s: &str) -> Param {
    Param::Text(s.to_string())
}

fn date(y: i32, m: u32, d: u32) -> Param {
    Param::Date(NaiveDate::from_ymd_opt(y, m, d).expect("valid date"))
}

fn kind_of(result: Result<u64, sqlx::Error>) -> ErrorKind {
    match result {
        Ok(rows) => panic!("the database accepted it ({rows} rows); it should refuse"),
        Err(sqlx::Error::Database(e)) => e.kind(),
        Err(other) => panic!("expected a database refusal, got {other}"),
    }
}

fn is_refused(result: Result<u64, sqlx::Error>) -> bool {
    matches!(result, Err(sqlx::Error::Database(_)))
}

const INSERT_COMPLETION: &str = "INSERT INTO completions (program_id, milestone_id, \
    milestone_category, role, enrollment_id, match_id, completed_by, completed_at, source) \
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";

const INSERT_MATCH: &str = "INSERT INTO matches (program_id, mentor_enrollment_id, \
    mentee_enrollment_id, state, published_on, ended_on, created_at) \
    VALUES ($1, $2, $3, $4, $5, $6, $7)";

const INSERT_MILESTONE: &str = "INSERT INTO milestones (program_id, name, category, role, \
    offset_amount, offset_unit, description, position, created_at, updated_at) \
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)";

async fn program_id(db: &Db) -> i64 {
    id_of(db, "SELECT MIN(id) FROM programs").await
}

async fn enrollment(db: &Db, email: &str, role: &str) -> i64 {
    id_of(
        db,
        &format!(
            "SELECT e.id FROM enrollments e JOIN users u ON u.id = e.user_id \
             WHERE u.email = '{email}' AND e.role = '{role}'"
        ),
    )
    .await
}

async fn user(db: &Db, email: &str) -> i64 {
    id_of(db, &format!("SELECT id FROM users WHERE email = '{email}'")).await
}

async fn milestone(db: &Db, name: &str) -> i64 {
    id_of(
        db,
        &format!("SELECT id FROM milestones WHERE name = '{name}'"),
    )
    .await
}

/// The live match of the demo's main pair.
async fn main_match(db: &Db) -> i64 {
    let mentor = enrollment(db, "mentor@example.com", "mentor").await;
    let mentee = enrollment(db, "mentee@example.com", "mentee").await;
    id_of(
        db,
        &format!(
            "SELECT id FROM matches WHERE mentor_enrollment_id = {mentor} \
             AND mentee_enrollment_id = {mentee} AND state = 'published'"
        ),
    )
    .await
}

async fn migrations_from_empty_create_the_whole_schema(db: &Db) {
    for table in [
        "users",
        "programs",
        "program_admins",
        "enrollments",
        "matches",
        "milestones",
        "completions",
        "completion_events",
        "import_batches",
        "resources",
    ] {
        assert_eq!(
            count(db, &format!("SELECT COUNT(*) FROM {table}")).await,
            0,
            "{table}"
        );
    }
    let migration_files =
        std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/sqlite"))
            .expect("migrations folder")
            .count() as i64;
    assert_eq!(
        count(db, "SELECT COUNT(*) FROM _sqlx_migrations").await,
        migration_files
    );
    // Running the migrations again on an up-to-date database changes nothing.
    db.migrate().await.expect("migrating twice is a no-op");
    assert_eq!(
        count(db, "SELECT COUNT(*) FROM _sqlx_migrations").await,
        migration_files
    );
}

async fn the_demo_seed_holds_the_program_people_matches_and_milestones(db: &Db) {
    seeded(db).await;
    assert_eq!(
        count(
            db,
            &format!("SELECT COUNT(*) FROM programs WHERE name = '{DEMO_PROGRAM_NAME}'")
        )
        .await,
        1
    );
    assert_eq!(
        count(db, "SELECT COUNT(*) FROM users").await,
        DEMO_ACCOUNTS.len() as i64
    );
    for account in &DEMO_ACCOUNTS {
        let hash: String = on_db!(
            db,
            read | pool | {
                sqlx::query_scalar("SELECT password_hash FROM users WHERE email = $1")
                    .bind(account.email)
                    .fetch_one(pool)
                    .await
            }
        )
        .expect("every demo account exists");
        assert!(
            verify_password(DEMO_PASSWORD, &hash),
            "{} signs in",
            account.email
        );
    }
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) FROM users WHERE email = 'admin@example.com' AND is_site_admin"
        )
        .await,
        1
    );
    assert_eq!(count(db, "SELECT COUNT(*) FROM program_admins").await, 1);
    let mentor = enrollment(db, "mentor@example.com", "mentor").await;
    let mentee = enrollment(db, "mentee@example.com", "mentee").await;
    assert!(mentor > 0 && mentee > 0);
    assert!(
        main_match(db).await > 0,
        "mentor@ is matched with mentee@ and published"
    );
    assert_eq!(
        count(db, "SELECT COUNT(*) FROM matches WHERE state = 'published'").await,
        3
    );
    assert_eq!(
        count(db, "SELECT COUNT(*) FROM matches WHERE state = 'pending'").await,
        1
    );
    assert_eq!(
        count(db, "SELECT COUNT(*) FROM matches WHERE state = 'ended'").await,
        1
    );
    assert_eq!(
        count(
            db,
            "SELECT COUNT(DISTINCT published_on) FROM matches WHERE state = 'published'"
        )
        .await,
        3,
        "published matches have different publish dates"
    );
    let names: Vec<String> = on_db!(
        db,
        read | pool | {
            sqlx::query_scalar("SELECT name FROM milestones ORDER BY position")
                .fetch_all(pool)
                .await
        }
    )
    .expect("milestones");
    assert_eq!(
        names,
        [
            "Program Orientation",
            "Partnership Agreement",
            "Mid-Cycle Check-In",
            "Mentoring Closure Plan",
            "Program Satisfaction survey"
        ]
    );
    assert_eq!(
        count(db, "SELECT COUNT(*) FROM completions").await,
        count(db, "SELECT COUNT(*) FROM completion_events").await
    );
    // The overview reads the same numbers back.
    let overviews = program_overviews(db).await.expect("overview");
    assert_eq!(overviews.len(), 1);
    let program = &overviews[0];
    assert_eq!(program.name, DEMO_PROGRAM_NAME);
    assert_eq!((program.mentors, program.mentees), (3, 4));
    assert_eq!((program.published_matches, program.pending_matches), (3, 1));
    assert_eq!(program.milestones.len(), 5);
    assert_eq!(
        program.milestones[2].offset.describe(),
        "3 Months after the match is published"
    );
}

async fn the_demo_is_seeded_only_into_an_empty_database(db: &Db) {
    seeded(db).await;
    let users = count(db, "SELECT COUNT(*) FROM users").await;
    assert_eq!(
        seed_demo(db, seed_day()).await.expect("second run"),
        SeedOutcome::AlreadyHasData
    );
    assert_eq!(count(db, "SELECT COUNT(*) FROM users").await, users);
    assert_eq!(count(db, "SELECT COUNT(*) FROM programs").await, 1);
}

async fn a_second_completion_of_the_same_relationship_item_is_refused(db: &Db) {
    seeded(db).await;
    let program = program_id(db).await;
    let check_in = milestone(db, "Mid-Cycle Check-In").await;
    let the_match = main_match(db).await;
    let mentor = enrollment(db, "mentor@example.com", "mentor").await;
    let by = user(db, "mentor@example.com").await;
    let params = [
        Param::Int(program),
        Param::Int(check_in),
        text("relationship"),
        text("mentor"),
        Param::Int(mentor),
        Param::Int(the_match),
        Param::Int(by),
        Param::Now,
        text("quickcliq"),
    ];
    assert_eq!(
        write(db, INSERT_COMPLETION, &params)
            .await
            .expect("first completion"),
        1
    );
    let mut from_profile = params.to_vec();
    from_profile[8] = text("profile");
    assert_eq!(
        kind_of(write(db, INSERT_COMPLETION, &from_profile).await),
        ErrorKind::UniqueViolation
    );
}

async fn a_second_completion_of_the_same_program_item_is_refused(db: &Db) {
    seeded(db).await;
    // The seed already completed Program Orientation for mentor@.
    let params = [
        Param::Int(program_id(db).await),
        Param::Int(milestone(db, "Program Orientation").await),
        text("program"),
        text("mentor"),
        Param::Int(enrollment(db, "mentor@example.com", "mentor").await),
        Param::NoInt,
        Param::Int(user(db, "admin@example.com").await),
        Param::Now,
        text("admin"),
    ];
    assert_eq!(
        kind_of(write(db, INSERT_COMPLETION, &params).await),
        ErrorKind::UniqueViolation
    );
}

async fn a_completion_must_fit_its_milestone(db: &Db) {
    seeded(db).await;
    let program = program_id(db).await;
    let check_in = milestone(db, "Mid-Cycle Check-In").await; // relationship, mentor
    let mentor = enrollment(db, "mentor@example.com", "mentor").await;
    let mentee = enrollment(db, "mentee@example.com", "mentee").await;
    let by = user(db, "mentor@example.com").await;
    let base = [
        Param::Int(program),
        Param::Int(check_in),
        text("relationship"),
        text("mentor"),
        Param::Int(mentor),
        Param::Int(main_match(db).await),
        Param::Int(by),
        Param::Now,
        text("quickcliq"),
    ];
    // A relationship item names its match.
    let mut no_match = base.to_vec();
    no_match[5] = Param::NoInt;
    assert_eq!(
        kind_of(write(db, INSERT_COMPLETION, &no_match).await),
        ErrorKind::CheckViolation
    );
    // The category and role are the milestone's own.
    let mut wrong_category = base.to_vec();
    wrong_category[2] = text("program");
    assert!(is_refused(
        write(db, INSERT_COMPLETION, &wrong_category).await
    ));
    let mut mentee_completes_mentor_milestone = base.to_vec();
    mentee_completes_mentor_milestone[3] = text("mentee");
    mentee_completes_mentor_milestone[4] = Param::Int(mentee);
    assert_eq!(
        kind_of(write(db, INSERT_COMPLETION, &mentee_completes_mentor_milestone).await),
        ErrorKind::ForeignKeyViolation
    );
    // The responsible enrollment must have the milestone's role.
    let mut wrong_person = base.to_vec();
    wrong_person[4] = Param::Int(mentee);
    assert_eq!(
        kind_of(write(db, INSERT_COMPLETION, &wrong_person).await),
        ErrorKind::ForeignKeyViolation
    );
    let mut unknown_source = base.to_vec();
    unknown_source[8] = text("sms");
    assert_eq!(
        kind_of(write(db, INSERT_COMPLETION, &unknown_source).await),
        ErrorKind::CheckViolation
    );
}

async fn a_match_pairs_a_mentor_and_a_mentee_of_its_own_program(db: &Db) {
    seeded(db).await;
    let program = program_id(db).await;
    let mentor = enrollment(db, "mentor2@example.com", "mentor").await;
    let mentee = enrollment(db, "mentee@example.com", "mentee").await;
    let pending = |mentor: i64, mentee: i64, program: i64| {
        vec![
            Param::Int(program),
            Param::Int(mentor),
            Param::Int(mentee),
            text("pending"),
            Param::NoDate,
            Param::NoDate,
            Param::Now,
        ]
    };
    // Roles swapped: a mentee in the mentor's place.
    assert_eq!(
        kind_of(write(db, INSERT_MATCH, &pending(mentee, mentor, program)).await),
        ErrorKind::ForeignKeyViolation
    );
    // Enrollments of another program.
    write(
        db,
        "INSERT INTO programs (name, description, time_zone, created_at) VALUES ($1, '', $2, $3)",
        &[text("Another Program"), text("Europe/Paris"), Param::Now],
    )
    .await
    .expect("second program");
    let other = id_of(db, "SELECT MAX(id) FROM programs").await;
    assert_eq!(
        kind_of(write(db, INSERT_MATCH, &pending(mentor, mentee, other)).await),
        ErrorKind::ForeignKeyViolation
    );
    assert_eq!(
        write(db, INSERT_MATCH, &pending(mentor, mentee, program))
            .await
            .expect("valid"),
        1
    );
}

async fn a_pair_has_at_most_one_live_match(db: &Db) {
    seeded(db).await;
    let program = program_id(db).await;
    let mentor = enrollment(db, "mentor@example.com", "mentor").await;
    let mentee = enrollment(db, "mentee@example.com", "mentee").await;
    let again = [
        Param::Int(program),
        Param::Int(mentor),
        Param::Int(mentee),
        text("pending"),
        Param::NoDate,
        Param::NoDate,
        Param::Now,
    ];
    assert_eq!(
        kind_of(write(db, INSERT_MATCH, &again).await),
        ErrorKind::UniqueViolation
    );
    // Once their match has ended, the pair may be matched again.
    write(
        db,
        "UPDATE matches SET state = 'ended', ended_on = $1 WHERE id = $2",
        &[date(2026, 11, 28), Param::Int(main_match(db).await)],
    )
    .await
    .expect("ending the match");
    assert_eq!(write(db, INSERT_MATCH, &again).await.expect("rematch"), 1);
}

async fn a_match_state_agrees_with_its_dates(db: &Db) {
    seeded(db).await;
    let program = program_id(db).await;
    let mentor = enrollment(db, "mentor3@example.com", "mentor").await;
    let mentee = enrollment(db, "mentee@example.com", "mentee").await;
    let attempt = |state: &str, published: Param, ended: Param| {
        vec![
            Param::Int(program),
            Param::Int(mentor),
            Param::Int(mentee),
            text(state),
            published,
            ended,
            Param::Now,
        ]
    };
    for params in [
        attempt("published", Param::NoDate, Param::NoDate),
        attempt("pending", date(2026, 1, 5), Param::NoDate),
        attempt("ended", date(2026, 3, 1), date(2026, 2, 1)),
        attempt("ended", date(2026, 3, 1), Param::NoDate),
        attempt("archived", Param::NoDate, Param::NoDate),
    ] {
        assert_eq!(
            kind_of(write(db, INSERT_MATCH, &params).await),
            ErrorKind::CheckViolation
        );
    }
    let ok = attempt("ended", date(2026, 3, 1), date(2026, 3, 1));
    assert_eq!(
        write(db, INSERT_MATCH, &ok)
            .await
            .expect("same-day end is allowed"),
        1
    );
}

async fn milestone_fields_are_checked_by_the_database(db: &Db) {
    seeded(db).await;
    let program = program_id(db).await;
    let milestone = |name: &str, category: &str, role: &str, amount: i64, unit: &str| {
        vec![
            Param::Int(program),
            text(name),
            text(category),
            text(role),
            Param::Int(amount),
            text(unit),
            text(""),
            Param::Int(9),
            Param::Now,
        ]
    };
    let long_name = "x".repeat(121);
    for (params, kind) in [
        (milestone("", "program", "mentor", 1, "days"), "empty name"),
        (
            milestone(" padded ", "program", "mentor", 1, "days"),
            "untrimmed name",
        ),
        (
            milestone(&long_name, "program", "mentor", 1, "days"),
            "121 characters",
        ),
        (
            milestone("Kick-off", "social", "mentor", 1, "days"),
            "unknown category",
        ),
        (
            milestone("Kick-off", "program", "both", 1, "days"),
            "role both",
        ),
        (
            milestone("Kick-off", "program", "mentor", 1000, "days"),
            "offset 1000",
        ),
        (
            milestone("Kick-off", "program", "mentor", -1, "days"),
            "offset -1",
        ),
        (
            milestone("Kick-off", "program", "mentor", 1, "years"),
            "unit years",
        ),
    ] {
        assert_eq!(
            kind_of(write(db, INSERT_MILESTONE, &params).await),
            ErrorKind::CheckViolation,
            "{kind}"
        );
    }
    let longest = "é".repeat(120);
    assert_eq!(
        write(
            db,
            INSERT_MILESTONE,
            &milestone(&longest, "relationship", "mentee", 999, "months")
        )
        .await
        .expect("120 characters, 999 months"),
        1
    );
    let mut long_description = milestone("Kick-off", "program", "mentor", 0, "days");
    long_description[6] = text(&"d".repeat(2001));
    assert_eq!(
        kind_of(write(db, INSERT_MILESTONE, &long_description).await),
        ErrorKind::CheckViolation
    );
    assert_eq!(
        kind_of(
            write(
                db,
                "UPDATE milestones SET archived = $1, position = -1",
                &[Param::Bool(true)]
            )
            .await
        ),
        ErrorKind::CheckViolation
    );
}

async fn the_completion_history_is_append_only(db: &Db) {
    seeded(db).await;
    let events = count(db, "SELECT COUNT(*) FROM completion_events").await;
    assert!(events > 0);
    assert!(is_refused(
        write(db, "UPDATE completion_events SET source = 'admin'", &[]).await
    ));
    assert!(is_refused(
        write(db, "DELETE FROM completion_events", &[]).await
    ));
    assert_eq!(
        count(db, "SELECT COUNT(*) FROM completion_events").await,
        events
    );
    // Undo removes the completion itself; the history keeps both events.
    let the_match = main_match(db).await;
    let removed = write(
        db,
        "DELETE FROM completions WHERE match_id = $1",
        &[Param::Int(the_match)],
    )
    .await
    .expect("undo deletes the completion");
    assert_eq!(removed, 1);
}

async fn concurrent_writes_all_succeed(db: &Db) {
    seeded(db).await;
    let writers = (0..64).map(|n| {
        let db = db.clone();
        tokio::spawn(async move {
            write(
                &db,
                "INSERT INTO users (email, display_name, password_hash, is_site_admin, created_at) \
                 VALUES ($1, $2, 'x', $3, $4)",
                &[
                    Param::Text(format!("writer{n}@example.com")),
                    Param::Text(format!("Writer {n}")),
                    Param::Bool(false),
                    Param::Now,
                ],
            )
            .await
        })
    });
    for writer in writers.collect::<Vec<_>>() {
        let result = writer.await.expect("task ran");
        assert_eq!(
            result.expect("no write fails, none with `database is locked`"),
            1
        );
    }
    assert_eq!(
        count(db, "SELECT COUNT(*) FROM users WHERE email LIKE 'writer%'").await,
        64
    );
}

async fn emails_are_unique_and_lower_case(db: &Db) {
    seeded(db).await;
    let insert = "INSERT INTO users (email, display_name, password_hash, is_site_admin, created_at) \
                  VALUES ($1, 'Someone', 'x', $2, $3)";
    assert_eq!(
        kind_of(
            write(
                db,
                insert,
                &[text("mentor@example.com"), Param::Bool(false), Param::Now]
            )
            .await
        ),
        ErrorKind::UniqueViolation
    );
    assert_eq!(
        kind_of(
            write(
                db,
                insert,
                &[text("Mentor@Example.com"), Param::Bool(false), Param::Now]
            )
            .await
        ),
        ErrorKind::CheckViolation
    );
}

on_both_engines!(
    migrations_from_empty_create_the_whole_schema,
    the_demo_seed_holds_the_program_people_matches_and_milestones,
    the_demo_is_seeded_only_into_an_empty_database,
    a_second_completion_of_the_same_relationship_item_is_refused,
    a_second_completion_of_the_same_program_item_is_refused,
    a_completion_must_fit_its_milestone,
    a_match_pairs_a_mentor_and_a_mentee_of_its_own_program,
    a_pair_has_at_most_one_live_match,
    a_match_state_agrees_with_its_dates,
    milestone_fields_are_checked_by_the_database,
    the_completion_history_is_append_only,
    concurrent_writes_all_succeed,
    emails_are_unique_and_lower_case,
);

mod sqlite_settings {
    use app::db::Db;
    use app::dev::scratch::ScratchDb;

    #[tokio::test]
    async fn sqlite_runs_in_wal_mode_with_a_busy_timeout_and_foreign_keys() {
        let test = ScratchDb::sqlite().await.expect("scratch database");
        let Db::Sqlite { reader, writer, .. } = &test.db else {
            panic!("SQLite expected")
        };
        for pool in [reader, writer] {
            let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
                .fetch_one(pool)
                .await
                .expect("pragma");
            assert_eq!(mode, "wal");
            let timeout: i64 = sqlx::query_scalar("PRAGMA busy_timeout")
                .fetch_one(pool)
                .await
                .expect("pragma");
            assert!(timeout >= 5_000, "busy timeout {timeout} ms");
            let keys: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
                .fetch_one(pool)
                .await
                .expect("pragma");
            assert_eq!(keys, 1);
        }
        assert_eq!(writer.options().get_max_connections(), 1, "one writer");
    }

    #[tokio::test]
    async fn sqlite_reader_connections_refuse_to_write() {
        let test = ScratchDb::sqlite().await.expect("scratch database");
        let Db::Sqlite { reader, .. } = &test.db else {
            panic!("SQLite expected")
        };
        let attempt = sqlx::query(
            "INSERT INTO programs (name, description, time_zone, created_at) \
             VALUES ('P', '', 'UTC', '2026-01-01')",
        )
        .execute(reader)
        .await;
        assert!(attempt.is_err(), "a write through a reader must fail");
    }
}

/// Two processes on one SQLite file (two pools here): a write transaction that reads first
/// holds the write lock from its start, so a write from the other process waits its turn
/// instead of making this transaction fail with "database is locked" when it comes to write.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_transaction_that_reads_first_is_never_refused_as_locked() {
    use app::db::BeginWrite;
    let scratch = app::dev::scratch::ScratchDb::sqlite()
        .await
        .expect("a scratch file");
    let other_process = Db::connect(&scratch.url)
        .await
        .expect("a second connection");
    let (Db::Sqlite { writer: mine, .. }, Db::Sqlite { writer: theirs, .. }) =
        (&scratch.db, &other_process)
    else {
        panic!("SQLite");
    };
    let now = Utc::now();
    let mut tx = mine.begin_write().await.expect("begin");
    let before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM programs")
        .fetch_one(&mut *tx)
        .await
        .expect("read");
    let theirs = theirs.clone();
    let their_write = tokio::spawn(async move {
        sqlx::query(
            "INSERT INTO programs (name, description, time_zone, created_at) \
             VALUES ('Theirs', '', 'UTC', $1)",
        )
        .bind(now)
        .execute(&theirs)
        .await
    });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    sqlx::query(
        "INSERT INTO programs (name, description, time_zone, created_at) \
         VALUES ('Mine', '', 'UTC', $1)",
    )
    .bind(now)
    .execute(&mut *tx)
    .await
    .expect("my write, after my read, is not refused");
    tx.commit().await.expect("commit");
    their_write
        .await
        .expect("their task")
        .expect("their write waited its turn");
    assert_eq!(
        count(&scratch.db, "SELECT COUNT(*) FROM programs").await,
        before + 2
    );
    other_process.close().await;
}
