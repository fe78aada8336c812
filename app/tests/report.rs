//! The Activity Report against the database, on SQLite and on PostgreSQL: the hand-computed
//! fixture of the report's unit tests built with real rows, the "as of" day and each filter,
//! the CSV against the figures, and the generator.

mod support;

use support::execute;

use app::db::Db;
use app::db::on_db;
use app::dev::generate::{Size, generate_program};
use app::kernel::roles::MatchState;
use app::milestones::Category;
use app::report::csv::{matches_csv, milestones_csv};
use app::report::store::report;
use app::report::{Report, ReportQuery, Tally};
use chrono::{NaiveDate, TimeZone, Utc};
use std::collections::HashMap;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

async fn insert(db: &Db, sql: &str) -> i64 {
    on_db!(
        db,
        write | pool | sqlx::query_scalar::<_, i64>(sql).fetch_one(pool).await
    )
    .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// A history time as an SQL literal for the engine: noon UTC of `on`.
fn sql_time(db: &Db, on: NaiveDate) -> String {
    let at = Utc
        .from_utc_datetime(&on.and_hms_opt(12, 0, 0).expect("noon"))
        .to_rfc3339();
    match db {
        Db::Sqlite { .. } => format!("'{at}'"),
        Db::Postgres(_) => format!("'{at}'::timestamptz"),
    }
}

fn sql_match(m: Option<i64>) -> String {
    m.map_or("NULL".to_string(), |m| m.to_string())
}

/// Inserts a completion event (and the completion row when it is the item's final state).
#[allow(clippy::too_many_arguments)]
async fn event(
    db: &Db,
    program: i64,
    milestone: i64,
    enrollment: i64,
    m: Option<i64>,
    action: &str,
    actor: i64,
    on: NaiveDate,
) {
    let (match_sql, timestamp) = (sql_match(m), sql_time(db, on));
    execute(
        db,
        &format!(
            "INSERT INTO completion_events (program_id, milestone_id, enrollment_id, match_id, \
             action, actor_user_id, source, occurred_at) VALUES ({program}, {milestone}, \
             {enrollment}, {match_sql}, '{action}', {actor}, 'quickcliq', {timestamp})"
        ),
    )
    .await;
}

async fn complete(
    db: &Db,
    program: i64,
    milestone: (i64, &str, &str),
    enrollment: i64,
    m: Option<i64>,
    actor: i64,
    on: NaiveDate,
) {
    let (match_sql, timestamp) = (sql_match(m), sql_time(db, on));
    execute(
        db,
        &format!(
            "INSERT INTO completions (program_id, milestone_id, milestone_category, role, \
             enrollment_id, match_id, completed_by, completed_at, source) VALUES ({program}, {}, \
             '{}', '{}', {enrollment}, {match_sql}, {actor}, {timestamp}, 'quickcliq')",
            milestone.0, milestone.1, milestone.2
        ),
    )
    .await;
    event(
        db,
        program,
        milestone.0,
        enrollment,
        m,
        "completed",
        actor,
        on,
    )
    .await;
}

/// The fixture of `app/src/report/tests.rs`, as rows: returns the program id.
async fn fixture(db: &Db) -> i64 {
    let now = match db {
        Db::Sqlite { .. } => "'2026-01-01T00:00:00+00:00'",
        Db::Postgres(_) => "now()",
    };
    let program = insert(
        db,
        &format!(
            "INSERT INTO programs (name, description, time_zone, created_at) \
             VALUES ('Report fixture', '', 'UTC', {now}) RETURNING id"
        ),
    )
    .await;
    let mut users = HashMap::new();
    let mut enrollments = HashMap::new();
    for (key, name, role) in [
        (100, "Ann", "mentor"),
        (101, "Cy", "mentor"),
        (102, "Dan", "mentor"),
        (200, "Bo", "mentee"),
        (201, "Di", "mentee"),
        (202, "Ed", "mentee"),
        (203, "Fay", "mentee"),
    ] {
        let user = insert(
            db,
            &format!(
                "INSERT INTO users (email, display_name, password_hash, created_at) VALUES \
                 ('{}@example.com', '{name}', 'x', {now}) RETURNING id",
                name.to_lowercase()
            ),
        )
        .await;
        let enrollment = insert(
            db,
            &format!(
                "INSERT INTO enrollments (program_id, user_id, role, created_at) VALUES \
                 ({program}, {user}, '{role}', {now}) RETURNING id"
            ),
        )
        .await;
        users.insert(key, user);
        enrollments.insert(key, enrollment);
    }
    let mut milestones = HashMap::new();
    let archived_value = match db {
        Db::Sqlite { .. } => ("0", "1"),
        Db::Postgres(_) => ("false", "true"),
    };
    for (key, name, category, role, amount, unit, archived) in [
        (1, "Orientation", "program", "mentee", 1, "weeks", false),
        (2, "Agreement", "relationship", "mentor", 2, "weeks", false),
        (3, "Check-In", "relationship", "mentee", 3, "months", false),
        (4, "Old form", "relationship", "mentor", 1, "days", true),
    ] {
        let archived = if archived {
            archived_value.1
        } else {
            archived_value.0
        };
        let id = insert(
            db,
            &format!(
                "INSERT INTO milestones (program_id, name, category, role, offset_amount, \
                 offset_unit, description, position, archived, created_at, updated_at) VALUES \
                 ({program}, '{name}', '{category}', '{role}', {amount}, '{unit}', '', {key}, \
                 {archived}, {now}, {now}) RETURNING id"
            ),
        )
        .await;
        milestones.insert(key, (id, category, role));
    }
    let mut matches = HashMap::new();
    for (key, mentor, mentee, published, ended) in [
        (10, 100, 200, "2026-05-01", None),
        (11, 101, 201, "2026-06-20", None),
        (12, 100, 202, "2026-03-01", Some("2026-04-15")),
        (13, 102, 203, "2026-07-05", None),
    ] {
        let (state, ended) = match ended {
            Some(e) => ("ended", format!("'{e}'")),
            None => ("published", "NULL".to_string()),
        };
        let id = insert(
            db,
            &format!(
                "INSERT INTO matches (program_id, mentor_enrollment_id, mentee_enrollment_id, \
                 state, published_on, ended_on, created_at) VALUES ({program}, {}, {}, '{state}', \
                 '{published}', {ended}, {now}) RETURNING id",
                enrollments[&mentor], enrollments[&mentee]
            ),
        )
        .await;
        matches.insert(key, id);
    }
    let e = |k: i64| enrollments[&k];
    let m = |k: i64| Some(matches[&k]);
    complete(
        db,
        program,
        milestones[&2],
        e(100),
        m(12),
        users[&100],
        day(2026, 3, 20),
    )
    .await;
    complete(
        db,
        program,
        milestones[&4],
        e(100),
        m(10),
        users[&100],
        day(2026, 5, 2),
    )
    .await;
    complete(
        db,
        program,
        milestones[&1],
        e(200),
        None,
        users[&200],
        day(2026, 5, 9),
    )
    .await;
    complete(
        db,
        program,
        milestones[&2],
        e(100),
        m(10),
        users[&100],
        day(2026, 5, 10),
    )
    .await;
    event(
        db,
        program,
        milestones[&1].0,
        e(201),
        None,
        "completed",
        users[&201],
        day(2026, 6, 21),
    )
    .await;
    event(
        db,
        program,
        milestones[&1].0,
        e(201),
        None,
        "undone",
        users[&201],
        day(2026, 6, 22),
    )
    .await;
    complete(
        db,
        program,
        milestones[&3],
        e(200),
        m(10),
        users[&200],
        day(2026, 7, 2),
    )
    .await;
    program
}

fn tally(t: [u32; 8]) -> Tally {
    Tally {
        items: t[0],
        due: t[1],
        due_completed: t[2],
        on_time: t[3],
        late: t[4],
        overdue: t[5],
        upcoming: t[6],
        closed: t[7],
    }
}

async fn run(db: &Db, program: i64, query: ReportQuery) -> Report {
    report(db, program, &query)
        .await
        .unwrap_or_else(|error| panic!("the report reads: {error:?}"))
}

fn as_of(date: &str) -> ReportQuery {
    ReportQuery {
        as_of: date.into(),
        ..ReportQuery::default()
    }
}

async fn the_report_tallies_the_fixture_as_computed_by_hand(db: &Db) {
    let program = fixture(db).await;
    let r = run(db, program, as_of("2026-06-30")).await;
    assert_eq!(r.as_of, day(2026, 6, 30));
    let rows: Vec<(&str, Tally)> = r
        .figures
        .milestones
        .iter()
        .map(|m| (m.name.as_str(), m.tally))
        .collect();
    assert_eq!(
        rows,
        vec![
            ("Orientation", tally([3, 3, 1, 0, 1, 1, 0, 1])),
            ("Agreement", tally([3, 2, 2, 1, 1, 0, 1, 0])),
            ("Check-In", tally([3, 1, 0, 0, 0, 0, 2, 1])),
        ]
    );
    assert_eq!(r.figures.totals, tally([9, 6, 3, 1, 2, 1, 3, 2]));
    assert_eq!(r.figures.totals.rate_text(), "50%");
    assert_eq!(r.figures.archived.len(), 1);
    assert_eq!(r.figures.archived[0].completed, 1);
    // Default order: least complete first (Cy and Di's match has nothing done).
    let per_match: Vec<(&str, &str, MatchState, u32, u32)> = r
        .figures
        .matches
        .iter()
        .map(|m| {
            (
                m.mentor_name.as_str(),
                m.mentee_name.as_str(),
                m.state,
                m.tally.completed(),
                m.tally.items,
            )
        })
        .collect();
    assert_eq!(
        per_match,
        vec![
            ("Cy", "Di", MatchState::Published, 0, 2),
            ("Ann", "Bo", MatchState::Published, 1, 2),
            ("Ann", "Ed", MatchState::Ended, 1, 2),
        ]
    );
    assert_eq!(r.match_total, 3);
    // The history up to the as-of day, newest first: the undo, then the completion before it.
    assert_eq!(r.history.len(), 7 - 1);
    assert_eq!(r.history[0].milestone_name, "Orientation");
    assert_eq!(r.history[0].person_name, "Di");
    assert!(!r.history[0].completed);
    assert_eq!(r.history[0].at_text, "2026-06-22 12:00");
    assert!(r.history[1].completed);
}

async fn the_as_of_day_recomputes_from_the_history(db: &Db) {
    let program = fixture(db).await;
    let april = run(db, program, as_of("2026-04-01")).await;
    assert_eq!(april.figures.totals, tally([3, 2, 1, 0, 1, 1, 1, 0]));
    assert_eq!(april.figures.matches.len(), 1);
    assert_eq!(april.figures.matches[0].state, MatchState::Published);
    assert_eq!(april.history.len(), 1);
    let june21 = run(db, program, as_of("2026-06-21")).await;
    assert_eq!(
        june21.figures.milestones[0].tally,
        tally([3, 2, 1, 1, 1, 0, 0, 1])
    );
    // Today: match 13 is published too, and the 2 July completion counts.
    let today = run(db, program, ReportQuery::default()).await;
    assert_eq!(today.figures.totals.items, 9 + 3);
    assert_eq!(today.figures.milestones[2].tally.on_time, 1);
    assert_eq!(today.history.len(), 7);
}

async fn each_filter_narrows_the_report(db: &Db) {
    let program = fixture(db).await;
    let with = |f: fn(&mut ReportQuery)| {
        let mut q = as_of("2026-06-30");
        f(&mut q);
        q
    };
    let relationship = run(db, program, with(|q| q.category = "relationship".into())).await;
    assert_eq!(relationship.figures.totals, tally([6, 3, 2, 1, 1, 0, 3, 1]));
    let program_only = run(db, program, with(|q| q.category = "program".into())).await;
    assert_eq!(program_only.figures.totals, tally([3, 3, 1, 0, 1, 1, 0, 1]));
    assert!(program_only.figures.matches.is_empty());
    assert!(
        program_only
            .figures
            .milestones
            .iter()
            .all(|m| m.category == Category::Program)
    );
    let mentor = run(db, program, with(|q| q.role = "mentor".into())).await;
    assert_eq!(mentor.figures.totals, tally([3, 2, 2, 1, 1, 0, 1, 0]));
    let ended = run(db, program, with(|q| q.state = "ended".into())).await;
    assert_eq!(ended.figures.totals, tally([3, 3, 1, 0, 1, 0, 0, 2]));
    let since_april = run(db, program, with(|q| q.from = "2026-04-01".into())).await;
    assert_eq!(since_april.figures.totals, tally([6, 3, 2, 1, 1, 1, 3, 0]));
    let until_may = run(
        db,
        program,
        with(|q| {
            q.to = "2026-05-31".into();
            q.sort = "oldest".into();
        }),
    )
    .await;
    let mentees: Vec<&str> = until_may
        .figures
        .matches
        .iter()
        .map(|m| m.mentee_name.as_str())
        .collect();
    assert_eq!(mentees, ["Ed", "Bo"]);
    // A wrong filter is refused with its field named, and nothing is computed.
    let refused = report(
        db,
        program,
        &ReportQuery {
            from: "2026-07-01".into(),
            to: "2026-06-01".into(),
            ..ReportQuery::default()
        },
    )
    .await
    .expect_err("the range is backwards");
    assert!(refused.field_message("to").is_some(), "{refused:?}");
}

async fn the_csv_holds_the_figures_of_the_page(db: &Db) {
    let program = fixture(db).await;
    let r = run(db, program, as_of("2026-06-30")).await;
    let parsed = app::kernel::csv::parse(&milestones_csv(&r.figures)).expect("valid CSV");
    let cells: Vec<Vec<String>> = parsed.into_iter().map(|rec| rec.fields).collect();
    assert_eq!(cells.len(), 1 + r.figures.milestones.len() + 1);
    for (row, m) in cells[1..].iter().zip(&r.figures.milestones) {
        let t = m.tally;
        assert_eq!(row[0], m.name);
        let expected: Vec<String> = [
            t.items,
            t.due,
            t.completed(),
            t.on_time,
            t.late,
            t.overdue,
            t.upcoming,
            t.closed,
        ]
        .iter()
        .map(|n| n.to_string())
        .chain([t.rate_text()])
        .collect();
        assert_eq!(row[4..], expected[..]);
    }
    let last = cells.last().expect("totals row");
    assert_eq!(last[0], "All milestones");
    assert_eq!(last[4], "9");
    assert_eq!(last[12], "50%");
    let matches = app::kernel::csv::parse(&matches_csv(&r.figures)).expect("valid CSV");
    let first = &matches[1].fields;
    assert_eq!(
        first[..7],
        ["Cy", "Di", "published", "2026-06-20", "", "2", "0"]
    );
}

async fn a_generated_program_has_the_size_asked_for(db: &Db) {
    let today = day(2026, 11, 28);
    let generated = generate_program(
        db,
        Size {
            matches: 120,
            milestones: 8,
            today,
            seed: 7,
        },
    )
    .await
    .expect("generated");
    let count = |sql: String| async move {
        on_db!(
            db,
            read | pool | sqlx::query_scalar::<_, i64>(&sql).fetch_one(pool).await
        )
        .expect("counted")
    };
    let id = generated.program_id;
    assert_eq!(
        count(format!(
            "SELECT COUNT(*) FROM matches WHERE program_id = {id}"
        ))
        .await,
        120
    );
    assert_eq!(
        count(format!(
            "SELECT COUNT(*) FROM milestones WHERE program_id = {id}"
        ))
        .await,
        8
    );
    let completions = count(format!(
        "SELECT COUNT(*) FROM completions WHERE program_id = {id}"
    ))
    .await;
    assert_eq!(completions as usize, generated.completions);
    assert_eq!(
        count(format!(
            "SELECT COUNT(*) FROM completion_events WHERE program_id = {id}"
        ))
        .await,
        completions
    );
    // The report sees every completion that is not in the future of the as-of day.
    let r = run(db, id, as_of("2026-11-28")).await;
    assert_eq!(r.figures.totals.completed() as i64, completions);
    assert!(r.figures.totals.items > 0 && r.figures.totals.overdue > 0);
    // The same seed again makes a second, equal program beside the first.
    let again = generate_program(
        db,
        Size {
            matches: 120,
            milestones: 8,
            today,
            seed: 7,
        },
    )
    .await
    .expect("generated again");
    assert_ne!(again.program_id, id);
    assert_eq!(again.completions, generated.completions);
}

/// A completion in the last second of a day (23:59:59.6 in the program's zone) belongs to that
/// day, on both engines: event times are never rounded.
async fn a_completion_in_the_last_second_of_a_day_counts_on_that_day(db: &Db) {
    let now = match db {
        Db::Sqlite { .. } => "'2026-01-01T00:00:00+00:00'",
        Db::Postgres(_) => "now()",
    };
    let program = insert(
        db,
        &format!(
            "INSERT INTO programs (name, description, time_zone, created_at) \
             VALUES ('Last second', '', 'Asia/Kolkata', {now}) RETURNING id"
        ),
    )
    .await;
    let mut enrollment = HashMap::new();
    let mut user = HashMap::new();
    for (name, role) in [("Ann", "mentor"), ("Bo", "mentee")] {
        let id = insert(
            db,
            &format!(
                "INSERT INTO users (email, display_name, password_hash, created_at) VALUES \
                 ('{}@last.example', '{name}', 'x', {now}) RETURNING id",
                name.to_lowercase()
            ),
        )
        .await;
        user.insert(role, id);
        enrollment.insert(
            role,
            insert(
                db,
                &format!(
                    "INSERT INTO enrollments (program_id, user_id, role, created_at) VALUES \
                     ({program}, {id}, '{role}', {now}) RETURNING id"
                ),
            )
            .await,
        );
    }
    let milestone = insert(
        db,
        &format!(
            "INSERT INTO milestones (program_id, name, category, role, offset_amount, \
             offset_unit, description, position, archived, created_at, updated_at) VALUES \
             ({program}, 'Kick-off', 'relationship', 'mentor', 1, 'days', '', 1, {}, {now}, {now}) \
             RETURNING id",
            if matches!(db, Db::Sqlite { .. }) {
                "0"
            } else {
                "false"
            }
        ),
    )
    .await;
    let matched = insert(
        db,
        &format!(
            "INSERT INTO matches (program_id, mentor_enrollment_id, mentee_enrollment_id, state, \
             published_on, created_at) VALUES ({program}, {}, {}, 'published', '2026-05-01', \
             {now}) RETURNING id",
            enrollment["mentor"], enrollment["mentee"]
        ),
    )
    .await;
    // 23:59:59.6 on 10 May in Kolkata (UTC+5:30) is 18:29:59.6 UTC.
    let at = match db {
        Db::Sqlite { .. } => "'2026-05-10T18:29:59.600+00:00'".to_string(),
        Db::Postgres(_) => "'2026-05-10T18:29:59.600+00:00'::timestamptz".to_string(),
    };
    execute(
        db,
        &format!(
            "INSERT INTO completions (program_id, milestone_id, milestone_category, role, \
             enrollment_id, match_id, completed_by, completed_at, source) VALUES ({program}, \
             {milestone}, 'relationship', 'mentor', {}, {matched}, {}, {at}, 'quickcliq')",
            enrollment["mentor"], user["mentor"]
        ),
    )
    .await;
    execute(
        db,
        &format!(
            "INSERT INTO completion_events (program_id, milestone_id, enrollment_id, match_id, \
             action, actor_user_id, source, occurred_at) VALUES ({program}, {milestone}, {}, \
             {matched}, 'completed', {}, 'quickcliq', {at})",
            enrollment["mentor"], user["mentor"]
        ),
    )
    .await;
    let on_the_day = run(db, program, as_of("2026-05-10")).await;
    assert_eq!(on_the_day.figures.totals.late, 1, "completed on 10 May");
    let the_day_before = run(db, program, as_of("2026-05-09")).await;
    assert_eq!(the_day_before.figures.totals.late, 0);
    assert_eq!(the_day_before.figures.totals.overdue, 1);
}

/// A report of an earlier day counts the milestones that existed then, as they were defined
/// then: one created today is not there, an offset edited today and an archive of today do not
/// change yesterday.
async fn a_past_day_is_reported_with_the_definitions_of_that_day(db: &Db) {
    use app::kernel::due_date::{DueOffset, OffsetUnit};
    use app::kernel::roles::Role;
    use app::milestones::Category;
    use app::milestones::form::MilestoneDraft;
    use app::milestones::store as milestones;
    app::dev::seed::seed_demo(
        db,
        app::kernel::time_zone::today_in_zone("America/New_York"),
    )
    .await
    .expect("seeded");
    milestones::record_missing_versions(db)
        .await
        .expect("versions");
    let program = insert(db, "SELECT MIN(id) FROM programs").await;
    let today = app::programs::store::program_details(db, program)
        .await
        .expect("program")
        .today;
    let yesterday = today.pred_opt().expect("date").to_string();
    let before = run(db, program, as_of(&yesterday)).await;
    let tally_of = |report: &Report, id: i64| {
        report
            .figures
            .milestones
            .iter()
            .find(|m| m.id == id)
            .map(|m| m.tally)
    };
    let listed = before.figures.milestones.clone();
    let edited = listed
        .iter()
        .find(|m| m.category == Category::Relationship && m.tally.items > 0)
        .expect("a relationship milestone with items")
        .clone();
    let archived = listed
        .iter()
        .find(|m| m.id != edited.id && m.tally.items > 0)
        .expect("another milestone")
        .clone();
    // Today: a new milestone, an edited offset (due at once: everything open becomes overdue),
    // an archive.
    let draft = |name: &str, role: Role, amount: u16, unit: OffsetUnit| MilestoneDraft {
        name: name.to_string(),
        category: Category::Relationship,
        roles: vec![role],
        offset: DueOffset::new(amount, unit).expect("offset"),
        description: String::new(),
    };
    let added = milestones::create(
        db,
        program,
        &draft("Added today", Role::Mentor, 1, OffsetUnit::Days),
    )
    .await
    .expect("created")[0];
    milestones::update(
        db,
        program,
        edited.id,
        &draft(&edited.name, edited.role, 0, OffsetUnit::Days),
    )
    .await
    .expect("edited");
    milestones::set_archived(db, program, archived.id, true)
        .await
        .expect("archived");
    let after = run(db, program, as_of(&yesterday)).await;
    assert_eq!(
        tally_of(&after, added),
        None,
        "not there before it was created"
    );
    assert_eq!(
        tally_of(&after, edited.id),
        Some(edited.tally),
        "yesterday keeps yesterday's offset"
    );
    assert_eq!(
        tally_of(&after, archived.id),
        Some(archived.tally),
        "archived today, counted yesterday"
    );
    assert_eq!(after.figures.totals, before.figures.totals);
    let now = run(db, program, ReportQuery::default()).await;
    assert!(tally_of(&now, added).is_some());
    assert_eq!(tally_of(&now, archived.id), None);
    assert!(now.figures.archived.iter().any(|a| a.name == archived.name));
}

on_both_engines!(
    a_past_day_is_reported_with_the_definitions_of_that_day,
    a_completion_in_the_last_second_of_a_day_counts_on_that_day,
    the_report_tallies_the_fixture_as_computed_by_hand,
    the_as_of_day_recomputes_from_the_history,
    each_filter_narrows_the_report,
    the_csv_holds_the_figures_of_the_page,
    a_generated_program_has_the_size_asked_for,
);
