//! Program cycles on both engines: a duplicate takes milestones, resources and reminder
//! settings and nothing of the people; copying skips what is here; both are all or nothing,
//! with a failure injected halfway.

mod support;

use app::accounts::CurrentUser;
use app::cycles::store::{copy_milestones, copy_plan, duplicate_program};
use app::db::Db;
use app::dev::seed::seed_demo;
use app::mail::ReminderSettings;
use app::programs::store::ProgramInput;
use app::resources::ResourceKind;
use support::{execute, scalar};

fn site_admin() -> CurrentUser {
    CurrentUser {
        id: 1,
        email: "admin@example.com".into(),
        name: "Admin".into(),
        is_site_admin: true,
        admin_of: vec![],
        enrollments: vec![],
    }
}

/// The demo program, with a resource that a milestone's description links to, one archived
/// milestone and reminder settings of its own.
async fn demo_program(db: &Db) -> i64 {
    seed_demo(db, chrono::Utc::now().date_naive())
        .await
        .expect("seeded");
    let program = scalar(db, "SELECT MIN(id) FROM programs").await;
    app::resources::store::add(
        db,
        program,
        "Agreement template",
        "https://example.com/agreement",
        ResourceKind::Document,
    )
    .await
    .expect("a resource");
    execute(
        db,
        &format!(
            "UPDATE milestones SET description = 'Use [the template](https://example.com/agreement).' \
             WHERE program_id = {program} AND name = 'Partnership Agreement'"
        ),
    )
    .await;
    execute(
        db,
        &format!(
            "UPDATE milestones SET archived = TRUE WHERE program_id = {program} \
             AND id = (SELECT MAX(id) FROM milestones WHERE program_id = {program})"
        ),
    )
    .await;
    app::mail::store::save_settings(
        db,
        program,
        &ReminderSettings {
            enabled: true,
            days_before: 5,
            overdue: true,
            overdue_every_days: 4,
            overdue_max: 2,
            send_hour: 7,
        },
        chrono::Utc::now(),
    )
    .await
    .expect("settings");
    program
}

/// The program's milestones as a participant would meet them, in order.
async fn definitions(db: &Db, program: i64) -> Vec<(String, String, String, i64, String, String)> {
    app::db::on_db!(
        db,
        read | pool
            | sqlx::query_as(
                "SELECT name, category, role, CAST(offset_amount AS BIGINT), offset_unit, \
                 description FROM milestones WHERE program_id = $1 AND archived = $2 \
                 ORDER BY position, id"
            )
            .bind(program)
            .bind(false)
            .fetch_all(pool)
            .await
    )
    .expect("definitions")
}

async fn a_duplicate_takes_the_definitions_and_none_of_the_people(db: &Db) {
    let source = demo_program(db).await;
    let input = ProgramInput::parse("Leadership Mentoring 2027", "Next year", "Europe/Paris")
        .expect("valid");
    let copy = duplicate_program(db, source, &input, &site_admin())
        .await
        .expect("duplicated");
    assert_ne!(copy, source);
    let mine = definitions(db, copy).await;
    assert!(!mine.is_empty());
    assert_eq!(
        mine,
        definitions(db, source).await,
        "same milestones, same order"
    );
    assert_eq!(
        scalar(
            db,
            &format!(
                "SELECT COUNT(*) FROM milestones WHERE program_id = {copy} AND archived = TRUE"
            )
        )
        .await,
        0,
        "archived milestones stay behind"
    );
    // The report's past days find each new milestone's first definition.
    assert_eq!(
        scalar(
            db,
            &format!("SELECT COUNT(*) FROM milestone_versions WHERE program_id = {copy}")
        )
        .await,
        mine.len() as i64
    );
    // The description's link points at a resource of the new program.
    assert_eq!(
        scalar(
            db,
            &format!(
                "SELECT COUNT(*) FROM resources WHERE program_id = {copy} \
                 AND url = 'https://example.com/agreement'"
            )
        )
        .await,
        1
    );
    let settings = app::mail::store::settings_of(db, copy)
        .await
        .expect("settings");
    assert_eq!(settings.days_before, 5);
    assert_eq!(settings.send_hour, 7);
    assert!(settings.enabled);
    for table in ["enrollments", "matches", "completions", "program_admins"] {
        assert_eq!(
            scalar(
                db,
                &format!("SELECT COUNT(*) FROM {table} WHERE program_id = {copy}")
            )
            .await,
            0,
            "{table}"
        );
    }
    let zone: String = app::programs::store::program_details(db, copy)
        .await
        .expect("the copy")
        .time_zone;
    assert_eq!(zone, "Europe/Paris");

    // A program admin who duplicates runs the copy.
    let admin_id = scalar(
        db,
        "SELECT MIN(id) FROM users WHERE email = 'mentor@example.com'",
    )
    .await;
    let admin = CurrentUser {
        id: admin_id,
        is_site_admin: false,
        admin_of: vec![source],
        ..site_admin()
    };
    let theirs = duplicate_program(db, source, &input, &admin)
        .await
        .expect("duplicated");
    assert_eq!(
        scalar(
            db,
            &format!(
                "SELECT COUNT(*) FROM program_admins WHERE program_id = {theirs} AND user_id = {admin_id}"
            )
        )
        .await,
        1
    );
}

/// Makes every insert of a milestone into a program that already has `after` fail.
async fn fail_milestone_inserts_after(db: &Db, after: i64) {
    match db {
        Db::Sqlite { .. } => {
            execute(
                db,
                &format!(
                    "CREATE TRIGGER halfway BEFORE INSERT ON milestones \
                     WHEN (SELECT COUNT(*) FROM milestones WHERE program_id = NEW.program_id) >= {after} \
                     BEGIN SELECT RAISE(ABORT, 'injected failure'); END"
                ),
            )
            .await
        }
        Db::Postgres(_) => {
            execute(
                db,
                &format!(
                    "CREATE FUNCTION halfway() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
                     IF (SELECT COUNT(*) FROM milestones WHERE program_id = NEW.program_id) >= {after} \
                     THEN RAISE EXCEPTION 'injected failure'; END IF; RETURN NEW; END $$"
                ),
            )
            .await;
            execute(
                db,
                "CREATE TRIGGER halfway BEFORE INSERT ON milestones FOR EACH ROW \
                 EXECUTE FUNCTION halfway()",
            )
            .await
        }
    }
}

async fn remove_failure(db: &Db) {
    match db {
        Db::Sqlite { .. } => execute(db, "DROP TRIGGER halfway").await,
        Db::Postgres(_) => {
            execute(db, "DROP TRIGGER halfway ON milestones").await;
            execute(db, "DROP FUNCTION halfway()").await;
        }
    }
}

async fn a_failure_halfway_leaves_nothing_behind(db: &Db) {
    let source = demo_program(db).await;
    let tables = [
        "programs",
        "milestones",
        "milestone_versions",
        "resources",
        "program_reminders",
    ];
    let mut before = Vec::new();
    for table in tables {
        before.push(scalar(db, &format!("SELECT COUNT(*) FROM {table}")).await);
    }
    // The third milestone of the new program fails, after the program and two milestones.
    fail_milestone_inserts_after(db, 2).await;
    let input = ProgramInput::parse("Half a copy", "", "UTC").expect("valid");
    let failed = duplicate_program(db, source, &input, &site_admin()).await;
    assert!(failed.is_err(), "{failed:?}");
    for (table, count) in tables.iter().zip(&before) {
        assert_eq!(
            scalar(db, &format!("SELECT COUNT(*) FROM {table}")).await,
            *count,
            "{table} after a failed duplicate"
        );
    }

    // Copying into an empty program fails the same way, halfway.
    remove_failure(db).await;
    let empty = app::programs::store::create_program(
        db,
        &ProgramInput::parse("Empty", "", "UTC").expect("valid"),
    )
    .await
    .expect("a program");
    fail_milestone_inserts_after(db, 2).await;
    assert!(copy_milestones(db, source, empty).await.is_err());
    assert_eq!(
        scalar(
            db,
            &format!("SELECT COUNT(*) FROM milestones WHERE program_id = {empty}")
        )
        .await,
        0
    );
    assert_eq!(
        scalar(
            db,
            &format!("SELECT COUNT(*) FROM milestone_versions WHERE program_id = {empty}")
        )
        .await,
        0
    );
    remove_failure(db).await;
    let (added, skipped) = copy_milestones(db, source, empty).await.expect("copied");
    assert_eq!(skipped, 0);
    assert_eq!(added, definitions(db, source).await.len());
}

async fn copying_adds_after_what_is_here_and_skips_the_same_names(db: &Db) {
    let source = demo_program(db).await;
    let target = app::programs::store::create_program(
        db,
        &ProgramInput::parse("Spring cohort", "", "UTC").expect("valid"),
    )
    .await
    .expect("a program");
    // Here already: one of the source's names, for the mentee only, in other letters.
    let (name, role): (String, String) = app::db::on_db!(
        db,
        read | pool
            | sqlx::query_as(
                "SELECT name, role FROM milestones WHERE program_id = $1 AND archived = $2 \
                 ORDER BY position, id LIMIT 1"
            )
            .bind(source)
            .bind(false)
            .fetch_one(pool)
            .await
    )
    .expect("a milestone");
    execute(
        db,
        &format!(
            "INSERT INTO milestones (program_id, name, category, role, offset_amount, offset_unit, \
             description, position, created_at, updated_at) VALUES ({target}, '{}', 'program', \
             '{role}', 1, 'days', '', 0, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
            name.to_uppercase()
        ),
    )
    .await;
    let plan = copy_plan(db, source, target).await.expect("a plan");
    let source_rows = definitions(db, source).await;
    assert_eq!(plan.len(), source_rows.len());
    let skipped: Vec<_> = plan.iter().filter(|r| r.skipped).collect();
    assert_eq!(skipped.len(), 1);
    assert_eq!(skipped[0].name, name);
    assert_eq!(skipped[0].role.as_str(), role);

    let (added, skipped) = copy_milestones(db, source, target).await.expect("copied");
    assert_eq!((added, skipped), (source_rows.len() - 1, 1));
    let here = definitions(db, target).await;
    assert_eq!(here.len(), source_rows.len());
    assert_eq!(here[0].0, name.to_uppercase(), "what was here stays first");
    let copied: Vec<_> = source_rows
        .iter()
        .filter(|r| !(r.0 == name && r.2 == role))
        .cloned()
        .collect();
    assert_eq!(here[1..].to_vec(), copied, "the rest in the source's order");
    assert_eq!(
        copy_milestones(db, source, target).await.expect("again"),
        (0, source_rows.len())
    );
}

on_both_engines!(
    a_duplicate_takes_the_definitions_and_none_of_the_people,
    a_failure_halfway_leaves_nothing_behind,
    copying_adds_after_what_is_here_and_skips_the_same_names,
);
