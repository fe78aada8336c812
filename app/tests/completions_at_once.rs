//! A completion usually takes one write that checks again every fact it was decided on. These
//! tests change each fact between two completions of the same item and expect the answer the
//! checked path gives, on SQLite and on PostgreSQL; and an item of another database with the
//! same ids is never completed for the wrong person.

mod support;

use support::{execute, scalar};

use app::accounts::CurrentUser;
use app::accounts::store::load_current_user;
use app::db::Db;
use app::db::on_db;
use app::dev::generate::{Size, generate_program};
use app::error::AppError;
use app::items::store::{complete, undo};
use app::items::{ItemKey, Source};

/// A participant's open relationship item and the participant.
async fn open_relationship_item(db: &Db, seed: u64) -> (CurrentUser, ItemKey) {
    let program = generate_program(
        db,
        Size {
            matches: 12,
            milestones: 4,
            today: chrono::Utc::now().date_naive(),
            seed,
        },
    )
    .await
    .expect("generated")
    .program_id;
    let people: Vec<i64> = on_db!(
        db,
        read | pool
            | sqlx::query_scalar(
                "SELECT DISTINCT user_id FROM enrollments WHERE program_id = $1 ORDER BY user_id",
            )
            .bind(program)
            .fetch_all(pool)
            .await
    )
    .expect("people");
    for user_id in people {
        let item = app::items::store::items_for(db, user_id)
            .await
            .expect("items")
            .into_iter()
            .find(|i| i.mine && !i.closed && i.completed_on.is_none() && i.key.match_id.is_some());
        if let Some(item) = item {
            let person = load_current_user(db, user_id)
                .await
                .expect("loaded")
                .expect("exists");
            return (person, item.key);
        }
    }
    panic!("no open relationship item")
}

/// Completes and undoes, so the item's facts are kept; then changes one fact.
async fn complete_and_undo(db: &Db, person: &CurrentUser, key: ItemKey) {
    complete(db, person, key, Source::Quickcliq)
        .await
        .expect("completed");
    undo(db, person, key, Source::Quickcliq)
        .await
        .expect("undone");
}

async fn a_changed_fact_gets_the_checked_answer(db: &Db) {
    let (person, key) = open_relationship_item(db, 5).await;

    // Renamed: the message names the milestone as it is now.
    complete_and_undo(db, &person, key).await;
    execute(
        db,
        &format!(
            "UPDATE milestones SET name = 'Renamed milestone' WHERE id = {}",
            key.milestone_id
        ),
    )
    .await;
    let state = complete(db, &person, key, Source::Quickcliq)
        .await
        .expect("completed");
    assert_eq!(state.message, "Renamed milestone marked complete.");
    undo(db, &person, key, Source::Quickcliq)
        .await
        .expect("undone");

    // A new offset: judged with the due date it has now.
    execute(
        db,
        &format!(
            "UPDATE milestones SET offset_amount = 0, offset_unit = 'days' WHERE id = {}",
            key.milestone_id
        ),
    )
    .await;
    complete(db, &person, key, Source::Quickcliq)
        .await
        .expect("completed");
    let published = scalar(
        db,
        &format!(
            "SELECT COUNT(*) FROM completions c JOIN matches m ON m.id = c.match_id \
             WHERE c.milestone_id = {} AND c.match_id = {} AND c.due_on = m.published_on",
            key.milestone_id,
            key.match_id.expect("a match")
        ),
    )
    .await;
    assert_eq!(
        published, 1,
        "due on the publish day, as the offset says now"
    );
    undo(db, &person, key, Source::Quickcliq)
        .await
        .expect("undone");

    // Archived: refused.
    execute(
        db,
        &format!(
            "UPDATE milestones SET archived = TRUE WHERE id = {}",
            key.milestone_id
        ),
    )
    .await;
    let refused = complete(db, &person, key, Source::Quickcliq).await;
    assert!(
        matches!(&refused, Err(AppError::Invalid { message: m, .. }) if m.contains("archived")),
        "{refused:?}"
    );
    execute(
        db,
        &format!(
            "UPDATE milestones SET archived = FALSE WHERE id = {}",
            key.milestone_id
        ),
    )
    .await;

    // The match ended: refused.
    complete_and_undo(db, &person, key).await;
    execute(
        db,
        &format!(
            "UPDATE matches SET state = 'ended', ended_on = published_on WHERE id = {}",
            key.match_id.expect("a match")
        ),
    )
    .await;
    let refused = complete(db, &person, key, Source::Quickcliq).await;
    assert!(
        matches!(&refused, Err(AppError::Invalid { message: m, .. }) if m.contains("ended")),
        "{refused:?}"
    );
    let stored = scalar(
        db,
        &format!(
            "SELECT COUNT(*) FROM completions WHERE milestone_id = {} AND match_id = {}",
            key.milestone_id,
            key.match_id.expect("a match")
        ),
    )
    .await;
    assert_eq!(stored, 0);
}

/// The same item key in another database belongs to someone else there: the facts kept from
/// this one never complete it for the wrong person.
async fn facts_of_another_database_never_let_a_write_through(db: &Db) {
    let (person, key) = open_relationship_item(db, 8).await;
    complete_and_undo(db, &person, key).await;
    let other = match db {
        Db::Sqlite { .. } => app::dev::scratch::ScratchDb::sqlite().await,
        Db::Postgres(_) => app::dev::scratch::ScratchDb::postgres().await,
    }
    .expect("another database");
    // One more person first: there, the same program is generated with every person's id one
    // higher, so the item's enrollment belongs to the next person.
    on_db!(
        &other.db,
        write
            | pool
            | sqlx::query(
                "INSERT INTO users (email, display_name, password_hash, created_at) \
             VALUES ('first@example.com', 'First', 'x', $1)"
            )
            .bind(chrono::Utc::now())
            .execute(pool)
            .await
            .map(|_| ())
    )
    .expect("a person");
    let _ = open_relationship_item(&other.db, 8).await;
    let owner_there = scalar(
        &other.db,
        &format!(
            "SELECT user_id FROM enrollments WHERE id = {}",
            key.enrollment_id
        ),
    )
    .await;
    assert_ne!(owner_there, person.id, "someone else's item there");
    let actor = load_current_user(&other.db, person.id)
        .await
        .expect("loaded")
        .expect("exists");
    let result = complete(&other.db, &actor, key, Source::Quickcliq).await;
    assert!(matches!(result, Err(AppError::Forbidden)), "{result:?}");
    let stored = scalar(
        &other.db,
        &format!(
            "SELECT COUNT(*) FROM completions WHERE completed_by = {}",
            person.id
        ),
    )
    .await;
    assert_eq!(stored, 0);
}

on_both_engines!(
    a_changed_fact_gets_the_checked_answer,
    facts_of_another_database_never_let_a_write_through,
);
