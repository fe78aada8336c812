//! Milestone definitions against the database, on SQLite and on PostgreSQL.

mod support;

use app::db::Db;
use app::db::on_db;
use app::dev::seed::seed_demo;
use app::error::AppError;
use app::kernel::roles::Role;
use app::milestones::form::{MilestoneFields, check};
use app::milestones::store;
use app::milestones::{Category, OffsetUnit};
use chrono::NaiveDate;

fn seed_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 28).expect("valid date")
}

async fn demo(db: &Db) -> i64 {
    seed_demo(db, seed_day()).await.expect("seeded");
    on_db!(
        db,
        read | pool
            | sqlx::query_scalar::<_, i64>("SELECT MIN(id) FROM programs")
                .fetch_one(pool)
                .await
    )
    .expect("program")
}

fn fields(name: &str, category: &str, role: &str, amount: &str, unit: &str) -> MilestoneFields {
    MilestoneFields {
        name: name.into(),
        category: category.into(),
        role: role.into(),
        amount: amount.into(),
        unit: unit.into(),
        description: "See [the guide](https://example.com/guide).".into(),
    }
}

async fn names(db: &Db, program: i64) -> Vec<(String, Role, bool)> {
    store::list(db, program)
        .await
        .expect("listed")
        .into_iter()
        .map(|m| (m.name, m.role, m.archived))
        .collect()
}

async fn both_makes_two_at_the_end_of_the_list(db: &Db) {
    let program = demo(db).await;
    let before = store::list(db, program).await.expect("listed").len();
    let draft = check(
        &fields("Goal Setting", "relationship", "both", "3", "weeks"),
        true,
    )
    .expect("valid");
    let ids = store::create(db, program, &draft).await.expect("created");
    assert_eq!(ids.len(), 2);
    let list = store::list(db, program).await.expect("listed");
    assert_eq!(list.len(), before + 2);
    let added: Vec<_> = list[before..]
        .iter()
        .map(|m| (m.name.as_str(), m.role))
        .collect();
    assert_eq!(
        added,
        [
            ("Goal Setting", Role::Mentor),
            ("Goal Setting", Role::Mentee)
        ]
    );
    assert_eq!(list[before].offset.unit(), OffsetUnit::Weeks);
    assert_eq!(list[before].category, Category::Relationship);
}

async fn edits_keep_completions_and_guard_category_and_role(db: &Db) {
    let program = demo(db).await;
    let list = store::list(db, program).await.expect("listed");
    let completed = list
        .iter()
        .find(|m| m.completions > 0)
        .expect("a completed milestone");
    // The due offset and text may change; completions stay.
    let mut edit = fields(
        &completed.name,
        completed.category.as_str(),
        completed.role.as_str(),
        "6",
        "weeks",
    );
    edit.name = format!("{} (revised)", completed.name);
    let draft = check(&edit, false).expect("valid");
    store::update(db, program, completed.id, &draft)
        .await
        .expect("saved");
    let after = store::get(db, program, completed.id).await.expect("found");
    assert_eq!(after.name, format!("{} (revised)", completed.name));
    assert_eq!(after.offset.amount(), 6);
    assert_eq!(after.completions, completed.completions);
    // Its role cannot change while it has completions.
    let other_role = match completed.role {
        Role::Mentor => "mentee",
        Role::Mentee => "mentor",
    };
    let moved = check(
        &fields("X", completed.category.as_str(), other_role, "1", "days"),
        false,
    )
    .expect("valid");
    match store::update(db, program, completed.id, &moved).await {
        Err(AppError::Invalid { message, .. }) => {
            assert!(message.contains("Archive it"), "{message}")
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    // A milestone without completions may change both.
    let fresh = store::create(
        db,
        program,
        &check(&fields("Kick-off", "program", "mentor", "1", "days"), true).expect("valid"),
    )
    .await
    .expect("created")[0];
    let changed = check(
        &fields("Kick-off", "relationship", "mentee", "2", "days"),
        false,
    )
    .expect("valid");
    store::update(db, program, fresh, &changed)
        .await
        .expect("saved");
    let after = store::get(db, program, fresh).await.expect("found");
    assert_eq!(
        (after.category, after.role),
        (Category::Relationship, Role::Mentee)
    );
    assert_eq!(
        store::update(db, program, fresh + 10_000, &changed).await,
        Err(AppError::NotFound)
    );
}

async fn reordering_moves_one_place_at_a_time(db: &Db) {
    let program = demo(db).await;
    let before: Vec<String> = names(db, program).await.into_iter().map(|n| n.0).collect();
    let list = store::list(db, program).await.expect("listed");
    let second = list[1].id;
    let message = store::move_one(db, program, second, true)
        .await
        .expect("moved");
    assert!(
        message.starts_with(&format!("Moved {} up (now 1 of", before[1])),
        "{message}"
    );
    let after: Vec<String> = names(db, program).await.into_iter().map(|n| n.0).collect();
    assert_eq!(after[0], before[1]);
    assert_eq!(after[1], before[0]);
    assert_eq!(after[2..], before[2..]);
    let first_again = store::move_one(db, program, second, true)
        .await
        .expect("answered");
    assert!(first_again.ends_with("is already first."));
    let last = list.last().expect("milestones").id;
    assert!(
        store::move_one(db, program, last, false)
            .await
            .expect("answered")
            .ends_with("is already last.")
    );
    assert_eq!(
        store::move_one(db, program, last + 10_000, true).await,
        Err(AppError::NotFound)
    );
}

async fn archiving_keeps_history_and_can_be_undone(db: &Db) {
    let program = demo(db).await;
    let list = store::list(db, program).await.expect("listed");
    let completed = list
        .iter()
        .find(|m| m.completions > 0)
        .expect("a completed milestone");
    let message = store::set_archived(db, program, completed.id, true)
        .await
        .expect("archived");
    assert!(
        message.starts_with(&format!("Archived {}", completed.name)),
        "{message}"
    );
    let after = store::get(db, program, completed.id).await.expect("found");
    assert!(after.archived);
    assert_eq!(after.completions, completed.completions, "history stays");
    // Archived milestones leave the program overview (what participants' pages build on).
    let overview = app::panel::store::program_overviews(db)
        .await
        .expect("overview");
    assert!(overview[0].milestones.iter().all(|m| m.id != completed.id));
    store::set_archived(db, program, completed.id, false)
        .await
        .expect("restored");
    assert!(
        !store::get(db, program, completed.id)
            .await
            .expect("found")
            .archived
    );
}

async fn the_preview_knows_the_programs_matches_and_completions(db: &Db) {
    let program = demo(db).await;
    let list = store::list(db, program).await.expect("listed");
    let completed = list
        .iter()
        .find(|m| m.completions > 0)
        .expect("a completed milestone");
    let data = store::preview_data(db, program, seed_day(), Some(completed.id))
        .await
        .expect("preview data");
    assert_eq!(
        data.matches.iter().filter(|m| !m.ended).count(),
        3,
        "three published"
    );
    assert_eq!(
        data.matches.iter().filter(|m| m.ended).count(),
        1,
        "one ended"
    );
    assert_eq!(
        data.completed_matches.len() + data.completed_enrollments.len(),
        completed.completions as usize
    );
    let new = store::preview_data(db, program, seed_day(), None)
        .await
        .expect("preview data");
    assert!(new.completed_matches.is_empty() && new.completed_enrollments.is_empty());
}

async fn the_resource_library_keeps_web_addresses_per_program(db: &Db) {
    use app::resources::{ResourceKind, check_resource, store as library};
    let program = demo(db).await;
    let (title, url, kind) =
        check_resource("Check-In guide", "https://example.com/check-in", "video").expect("valid");
    let id = library::add(db, program, &title, &url, kind)
        .await
        .expect("added");
    let items = library::list(db, program).await.expect("listed");
    // The demo's own library, and the new entry.
    assert_eq!(items.len(), app::dev::seed::DEMO_RESOURCES.len() + 1);
    let added = items
        .iter()
        .find(|i| i.title == "Check-In guide")
        .expect("the new entry");
    assert_eq!(added.kind, ResourceKind::Video);
    assert_eq!(
        added.markdown_link(),
        "[Check-In guide](https://example.com/check-in)"
    );
    // The database refuses what the form would, too.
    let refused = on_db!(
        db,
        write
            | pool
            | sqlx::query(
                "INSERT INTO resources (program_id, title, url, kind, created_at) \
             VALUES ($1, 'x', 'javascript:alert(1)', 'video', $2)"
            )
            .bind(program)
            .bind(chrono::Utc::now())
            .execute(pool)
            .await
            .map(|_| ())
    );
    assert!(refused.is_err());
    assert_eq!(
        library::remove(db, program + 1000, id).await,
        Err(AppError::NotFound),
        "another program's resource is not removed"
    );
    let message = library::remove(db, program, id).await.expect("removed");
    assert!(message.starts_with("Removed Check-In guide"));
    assert!(
        library::list(db, program)
            .await
            .expect("listed")
            .iter()
            .all(|i| i.id != id),
        "the entry is gone"
    );
}

on_both_engines!(
    the_resource_library_keeps_web_addresses_per_program,
    both_makes_two_at_the_end_of_the_list,
    edits_keep_completions_and_guard_category_and_role,
    reordering_moves_one_place_at_a_time,
    archiving_keeps_history_and_can_be_undone,
    the_preview_knows_the_programs_matches_and_completions,
);
