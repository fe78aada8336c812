//! The item rule agrees everywhere: on random programs (random matches with random publish and
//! end dates, milestones of both categories and roles, random completions), the milestone
//! form's preview, the participants' pages and the Activity Report count the same items.

mod support;

use app::accounts::store::load_current_user;
use app::db::Db;
use app::db::on_db;
use app::items::store::{complete, items_for};
use app::items::{Item, Source};
use app::kernel::time_zone::today_in_zone;
use app::milestones::ItemStatus;
use app::milestones::preview::{items as preview_items, summarize};
use app::report::ReportQuery;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;

/// One random program.
#[derive(Clone, Debug)]
struct Plan {
    mentors: usize,
    mentees: usize,
    /// (mentor, mentee, state 0 pending / 1 published / 2 ended, published days ago, days
    /// until it ended)
    matches: Vec<(usize, usize, u8, u16, u16)>,
    /// (relationship?, mentor?, amount, unit 0 days / 1 weeks / 2 months)
    milestones: Vec<(bool, bool, u16, u8)>,
    /// Which open items to complete, as picks into the list of items.
    completions: Vec<usize>,
}

fn plans() -> impl Strategy<Value = Plan> {
    (
        1usize..=3,
        1usize..=3,
        prop::collection::vec((0usize..3, 0usize..3, 0u8..3, 0u16..300, 0u16..120), 0..7),
        prop::collection::vec((any::<bool>(), any::<bool>(), 0u16..12, 0u8..3), 1..5),
        prop::collection::vec(0usize..1000, 0..8),
    )
        .prop_map(
            |(mentors, mentees, matches, milestones, completions)| Plan {
                mentors,
                mentees,
                matches,
                milestones,
                completions,
            },
        )
}

async fn scalar(db: &Db, sql: &str) -> i64 {
    on_db!(
        db,
        write | pool | sqlx::query_scalar::<_, i64>(sql).fetch_one(pool).await
    )
    .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

async fn try_scalar(db: &Db, sql: &str) -> Option<i64> {
    on_db!(
        db,
        write | pool | sqlx::query_scalar::<_, i64>(sql).fetch_one(pool).await
    )
    .ok()
}

/// Builds the plan as a new program; returns its id and the participants' user ids.
async fn build(db: &Db, plan: &Plan, case: usize) -> (i64, Vec<i64>) {
    let now = match db {
        Db::Sqlite { .. } => "'2026-01-01T00:00:00+00:00'",
        Db::Postgres(_) => "now()",
    };
    // Defined long before any match, so the report of today counts every milestone.
    let defined = match db {
        Db::Sqlite { .. } => "'2020-01-01T00:00:00+00:00'",
        Db::Postgres(_) => "'2020-01-01T00:00:00+00:00'::timestamptz",
    };
    let program = scalar(
        db,
        &format!(
            "INSERT INTO programs (name, description, time_zone, created_at) \
             VALUES ('Random {case}', '', 'UTC', {now}) RETURNING id"
        ),
    )
    .await;
    let today = today_in_zone("UTC");
    let mut users = Vec::new();
    let people: Vec<(&str, usize)> = (0..plan.mentors)
        .map(|n| ("mentor", n))
        .chain((0..plan.mentees).map(|n| ("mentee", n)))
        .collect();
    let mut mentors = Vec::new();
    let mut mentees = Vec::new();
    for (role, n) in people {
        let user = scalar(
            db,
            &format!(
                "INSERT INTO users (email, display_name, password_hash, created_at) VALUES \
                 ('{role}{n}.p{program}@random.example', '{role} {n}', 'x', {now}) RETURNING id"
            ),
        )
        .await;
        users.push(user);
        let id = scalar(
            db,
            &format!(
                "INSERT INTO enrollments (program_id, user_id, role, created_at) VALUES \
                 ({program}, {user}, '{role}', {now}) RETURNING id"
            ),
        )
        .await;
        if role == "mentor" {
            mentors.push(id);
        } else {
            mentees.push(id);
        }
    }
    for &(mentor, mentee, state, ago, lasted) in &plan.matches {
        let (mentor, mentee) = (
            mentors[mentor % mentors.len()],
            mentees[mentee % mentees.len()],
        );
        let published = today - chrono::Days::new(u64::from(ago));
        let ended = (published + chrono::Days::new(u64::from(lasted))).min(today);
        let (state, published, ended) = match state {
            0 => ("pending", "NULL".to_string(), "NULL".to_string()),
            1 => ("published", format!("'{published}'"), "NULL".to_string()),
            _ => ("ended", format!("'{published}'"), format!("'{ended}'")),
        };
        // A second live match of the same pair is refused by the schema: skipped.
        let _ = try_scalar(
            db,
            &format!(
                "INSERT INTO matches (program_id, mentor_enrollment_id, mentee_enrollment_id, \
                 state, published_on, ended_on, created_at) VALUES ({program}, {mentor}, \
                 {mentee}, '{state}', {published}, {ended}, {now}) RETURNING id"
            ),
        )
        .await;
    }
    let archived = match db {
        Db::Sqlite { .. } => "0",
        Db::Postgres(_) => "false",
    };
    for (position, &(relationship, mentor, amount, unit)) in plan.milestones.iter().enumerate() {
        let category = if relationship {
            "relationship"
        } else {
            "program"
        };
        let role = if mentor { "mentor" } else { "mentee" };
        let unit = ["days", "weeks", "months"][usize::from(unit)];
        scalar(
            db,
            &format!(
                "INSERT INTO milestones (program_id, name, category, role, offset_amount, \
                 offset_unit, description, position, archived, created_at, updated_at) VALUES \
                 ({program}, 'M{position}', '{category}', '{role}', {amount}, '{unit}', '', \
                 {position}, {archived}, {defined}, {defined}) RETURNING id"
            ),
        )
        .await;
    }
    (program, users)
}

/// Every participant's own items of the program, as their pages list them.
async fn pages(db: &Db, program: i64, users: &[i64]) -> Vec<Item> {
    let mut all = Vec::new();
    for user in users {
        all.extend(
            items_for(db, *user)
                .await
                .expect("items")
                .into_iter()
                .filter(|i| i.mine && i.program_id == program),
        );
    }
    all
}

async fn the_preview_the_pages_and_the_report_count_the_same_items(db: &Db) {
    let admin = {
        let id = scalar(
            db,
            "INSERT INTO users (email, display_name, password_hash, is_site_admin, created_at) \
             VALUES ('random.admin@example.com', 'Admin', 'x', TRUE, '2026-01-01T00:00:00+00:00') \
             RETURNING id",
        )
        .await;
        load_current_user(db, id)
            .await
            .expect("loaded")
            .expect("exists")
    };
    // What the cases covered, so that the test cannot pass on empty programs.
    let (mut seen_items, mut seen_completed, mut seen_overdue, mut seen_closed) = (0, 0, 0, 0);
    let mut runner = TestRunner::deterministic();
    let strategy = plans();
    for case in 0..20 {
        let plan = strategy.new_tree(&mut runner).expect("a plan").current();
        let (program, users) = build(db, &plan, case).await;
        // Complete some open items, as an admin on the participants' behalf.
        let open: Vec<Item> = pages(db, program, &users)
            .await
            .into_iter()
            .filter(|i| !i.closed)
            .collect();
        for pick in &plan.completions {
            if let Some(item) = open.get(pick % open.len().max(1)) {
                complete(db, &admin, item.key, Source::Admin)
                    .await
                    .unwrap_or_else(|e| panic!("case {case}: {e:?}\n{plan:?}"));
            }
        }
        let today = today_in_zone("UTC");
        let listed = pages(db, program, &users).await;
        let report = app::report::store::report(db, program, &ReportQuery::default())
            .await
            .expect("the report");
        let milestones = app::milestones::store::list(db, program)
            .await
            .expect("milestones");
        for milestone in milestones {
            let why = format!("case {case}, milestone {}: {plan:?}", milestone.name);
            let mine: Vec<&Item> = listed
                .iter()
                .filter(|i| i.key.milestone_id == milestone.id)
                .collect();
            let completed = |i: &&&Item| matches!(i.status, ItemStatus::Completed { .. });
            // The preview of the saved milestone.
            let data = app::milestones::store::preview_data(db, program, today, Some(milestone.id))
                .await
                .expect("preview data");
            let preview = summarize(
                &preview_items(&data, milestone.category, milestone.role),
                milestone.offset,
                today,
            );
            let running: Vec<&&Item> = mine.iter().filter(|i| !i.closed).collect();
            assert_eq!(preview.items, running.len(), "items: {why}");
            assert_eq!(
                preview.open,
                running.iter().filter(|i| !completed(i)).count(),
                "open: {why}"
            );
            assert_eq!(
                preview.overdue,
                mine.iter()
                    .filter(|i| i.status == ItemStatus::Overdue)
                    .count(),
                "overdue: {why}"
            );
            // The report of today.
            let row = report
                .figures
                .milestones
                .iter()
                .find(|m| m.id == milestone.id)
                .unwrap_or_else(|| panic!("in the report: {why}"));
            let t = row.tally;
            seen_items += t.items;
            seen_completed += t.on_time + t.late;
            seen_overdue += t.overdue;
            seen_closed += t.closed;
            assert_eq!(t.items as usize, mine.len(), "report items: {why}");
            assert_eq!(
                (t.on_time + t.late) as usize,
                mine.iter().filter(completed).count(),
                "report completed: {why}"
            );
            assert_eq!(t.overdue as usize, preview.overdue, "report overdue: {why}");
            assert_eq!(
                t.closed as usize,
                mine.iter()
                    .filter(|i| i.status == ItemStatus::Closed)
                    .count(),
                "report closed: {why}"
            );
            assert_eq!(
                t.late as usize,
                mine.iter()
                    .filter(|i| i.status == ItemStatus::Completed { late: true })
                    .count(),
                "report late: {why}"
            );
        }
    }
    assert!(
        seen_items > 20 && seen_completed > 0 && seen_overdue > 0 && seen_closed > 0,
        "the cases cover items, completions, overdue and closed items: \
         {seen_items} {seen_completed} {seen_overdue} {seen_closed}"
    );
}

on_both_engines!(the_preview_the_pages_and_the_report_count_the_same_items);
