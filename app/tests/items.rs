//! Milestone items, completion and undo against the database, on SQLite and on PostgreSQL.

mod support;

use app::accounts::CurrentUser;
use app::accounts::store::load_current_user;
use app::db::Db;
use app::db::on_db;
use app::dev::seed::seed_demo;
use app::error::AppError;
use app::items::store::{complete, items_for, undo};
use app::items::{Item, ItemKey, Source};
use app::kernel::time_zone::today_in_zone;
use app::milestones::ItemStatus;
use chrono::{NaiveDate, TimeZone, Utc};

async fn scalar(db: &Db, sql: &str) -> i64 {
    on_db!(
        db,
        read | pool | sqlx::query_scalar::<_, i64>(sql).fetch_one(pool).await
    )
    .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

async fn person(db: &Db, email: &str) -> CurrentUser {
    let id = scalar(db, &format!("SELECT id FROM users WHERE email = '{email}'")).await;
    load_current_user(db, id)
        .await
        .expect("loaded")
        .expect("exists")
}

async fn seeded(db: &Db) {
    seed_demo(db, today_in_zone("America/New_York"))
        .await
        .expect("seeded");
}

/// The mentor's open Mid-Cycle Check-In with the demo's main mentee.
async fn check_in(db: &Db) -> Item {
    let mentor = person(db, "mentor@example.com").await;
    items_for(db, mentor.id)
        .await
        .expect("items")
        .into_iter()
        .find(|i| i.milestone_name == "Mid-Cycle Check-In" && i.mine && i.status.is_open())
        .expect("the mentor's open Mid-Cycle Check-In")
}

async fn a_participant_sees_their_items_and_their_partners(db: &Db) {
    seeded(db).await;
    let mentor = person(db, "mentor@example.com").await;
    let items = items_for(db, mentor.id).await.expect("items");
    assert!(
        items
            .iter()
            .any(|i| i.mine && i.milestone_name == "Program Orientation")
    );
    let partners: Vec<&Item> = items.iter().filter(|i| !i.mine).collect();
    assert!(
        partners
            .iter()
            .any(|i| i.milestone_name == "Partnership Agreement"),
        "the mentee's relationship items are visible to the mentor"
    );
    assert!(
        partners
            .iter()
            .all(|i| i.partner_name.as_deref() == Some("Priya Shah"))
    );
    assert!(
        items.windows(2).all(|w| w[0].due <= w[1].due),
        "soonest first"
    );
    // Someone whose only published match has ended has nothing open: their items are closed.
    let ended = person(db, "mentee4@example.com").await;
    let theirs = items_for(db, ended.id).await.expect("items");
    assert!(!theirs.is_empty());
    assert!(
        theirs
            .iter()
            .filter(|i| i.mine)
            .all(|i| !i.status.is_open()),
        "{theirs:?}"
    );
}

async fn a_hundred_identical_requests_complete_once(db: &Db) {
    seeded(db).await;
    let item = check_in(db).await;
    let mentor = person(db, "mentor@example.com").await;
    let before_events = scalar(db, "SELECT COUNT(*) FROM completion_events").await;
    let mut tasks = Vec::new();
    for _ in 0..100 {
        let (db, mentor) = (db.clone(), mentor.clone());
        tasks.push(tokio::spawn(async move {
            complete(&db, &mentor, item.key, Source::Quickcliq).await
        }));
    }
    for task in tasks {
        let state = task.await.expect("joined").expect("completed");
        assert!(state.completed);
        assert_eq!(state.message, "Mid-Cycle Check-In marked complete.");
    }
    let key = item.key;
    let completions = scalar(
        db,
        &format!(
            "SELECT COUNT(*) FROM completions WHERE milestone_id = {} AND match_id = {}",
            key.milestone_id,
            key.match_id.expect("relationship")
        ),
    )
    .await;
    assert_eq!(completions, 1);
    assert_eq!(
        scalar(db, "SELECT COUNT(*) FROM completion_events").await,
        before_events + 1,
        "one history row"
    );
}

async fn undo_then_complete_again_is_all_in_the_history(db: &Db) {
    seeded(db).await;
    let item = check_in(db).await;
    let mentor = person(db, "mentor@example.com").await;
    complete(db, &mentor, item.key, Source::Quickcliq)
        .await
        .expect("completed");
    let undone = undo(db, &mentor, item.key, Source::Quickcliq)
        .await
        .expect("undone");
    assert!(!undone.completed);
    let again = undo(db, &mentor, item.key, Source::Quickcliq)
        .await
        .expect("answered");
    assert!(again.message.contains("nothing to undo"));
    complete(db, &mentor, item.key, Source::Profile)
        .await
        .expect("completed");
    let key = item.key;
    let history = scalar(
        db,
        &format!(
            "SELECT COUNT(*) FROM completion_events WHERE milestone_id = {} AND match_id = {}",
            key.milestone_id,
            key.match_id.expect("relationship")
        ),
    )
    .await;
    assert_eq!(history, 3, "completed, undone, completed");
    let now = items_for(db, mentor.id).await.expect("items");
    let row = now.iter().find(|i| i.key == key).expect("the item");
    assert!(matches!(row.status, ItemStatus::Completed { .. }));
    assert!(row.completed_by_me);
}

async fn only_the_responsible_person_or_an_admin_completes(db: &Db) {
    seeded(db).await;
    let item = check_in(db).await;
    let partner = person(db, "mentee@example.com").await;
    assert_eq!(
        complete(db, &partner, item.key, Source::Quickcliq).await,
        Err(AppError::Forbidden),
        "the partner sees it but cannot complete it"
    );
    let stranger = person(db, "mentee2@example.com").await;
    assert_eq!(
        complete(db, &stranger, item.key, Source::Quickcliq).await,
        Err(AppError::Forbidden)
    );
    let admin = person(db, "admin@example.com").await;
    let state = complete(db, &admin, item.key, Source::Quickcliq)
        .await
        .expect("on behalf");
    assert!(state.message.ends_with("on the participant's behalf."));
    let source = on_db!(
        db,
        read | pool
            | sqlx::query_scalar::<_, String>(
                "SELECT source FROM completions WHERE milestone_id = $1 AND match_id = $2"
            )
            .bind(item.key.milestone_id)
            .bind(item.key.match_id)
            .fetch_one(pool)
            .await
    )
    .expect("source");
    assert_eq!(source, "admin");
    // Only who completed it may undo it.
    let mentor = person(db, "mentor@example.com").await;
    match undo(db, &mentor, item.key, Source::Quickcliq).await {
        Err(AppError::Invalid { message: m, .. }) => assert!(m.contains("Only the person")),
        other => panic!("{other:?}"),
    }
    // A key that does not fit (wrong enrollment for the milestone's role) is not an item.
    let wrong = ItemKey {
        enrollment_id: item.key.enrollment_id + 1,
        ..item.key
    };
    assert!(complete(db, &admin, wrong, Source::Admin).await.is_err());
}

async fn ended_matches_and_archived_milestones_cannot_be_completed(db: &Db) {
    seeded(db).await;
    let item = check_in(db).await;
    let mentor = person(db, "mentor@example.com").await;
    on_db!(
        db,
        write
            | pool
            | sqlx::query("UPDATE milestones SET archived = $1 WHERE id = $2")
                .bind(true)
                .bind(item.key.milestone_id)
                .execute(pool)
                .await
                .map(|_| ())
    )
    .expect("archived");
    match complete(db, &mentor, item.key, Source::Quickcliq).await {
        Err(AppError::Invalid { message: m, .. }) => assert!(m.contains("archived"), "{m}"),
        other => panic!("{other:?}"),
    }
    assert!(
        items_for(db, mentor.id)
            .await
            .expect("items")
            .iter()
            .all(|i| i.key != item.key),
        "archived milestones leave the participant's list"
    );
    // The ended demo match's items are closed.
    let ended_mentor = person(db, "mentee4@example.com").await;
    let closed = items_for(db, ended_mentor.id)
        .await
        .expect("items")
        .into_iter()
        .find(|i| i.mine && i.status == ItemStatus::Closed && i.key.match_id.is_some())
        .expect("a closed item of the ended match");
    match complete(db, &ended_mentor, closed.key, Source::Quickcliq).await {
        Err(AppError::Invalid { message: m, .. }) => assert!(m.contains("ended"), "{m}"),
        other => panic!("{other:?}"),
    }
}

/// Moves an item's completion to `instant`, and has it judged again as if it had been made
/// then (on the program's calendar).
async fn completed_at(db: &Db, key: ItemKey, instant: chrono::DateTime<Utc>) {
    on_db!(
        db,
        write
            | pool
            | sqlx::query(
                "UPDATE completions SET completed_at = $1, due_on = NULL, completed_on = NULL \
                 WHERE milestone_id = $2 AND match_id = $3"
            )
            .bind(instant)
            .bind(key.milestone_id)
            .bind(key.match_id)
            .execute(pool)
            .await
            .map(|_| ())
    )
    .expect("moved");
    app::items::store::judge_unjudged(db).await.expect("judged");
}

async fn lateness_is_judged_on_the_programs_calendar(db: &Db) {
    seeded(db).await;
    let item = check_in(db).await;
    let mentor = person(db, "mentor@example.com").await;
    complete(db, &mentor, item.key, Source::Quickcliq)
        .await
        .expect("completed");
    // 03:00 UTC on the day after the due date is still the due date in New York.
    let next: NaiveDate = item.due.succ_opt().expect("date");
    let instant = Utc.from_utc_datetime(&next.and_hms_opt(3, 0, 0).expect("time"));
    completed_at(db, item.key, instant).await;
    let row = items_for(db, mentor.id)
        .await
        .expect("items")
        .into_iter()
        .find(|i| i.key == item.key)
        .expect("item");
    assert_eq!(row.completed_on, Some(item.due));
    assert_eq!(row.status, ItemStatus::Completed { late: false });
    let later = Utc.from_utc_datetime(&next.and_hms_opt(12, 0, 0).expect("time"));
    completed_at(db, item.key, later).await;
    let row = items_for(db, mentor.id)
        .await
        .expect("items")
        .into_iter()
        .find(|i| i.key == item.key)
        .expect("item");
    assert_eq!(row.status, ItemStatus::Completed { late: true });
}

/// The sources of the item's history entries, oldest first.
async fn history_sources(db: &Db, key: ItemKey) -> Vec<(String, String)> {
    on_db!(
        db,
        read | pool
            | sqlx::query_as::<_, (String, String)>(
                "SELECT action, source FROM completion_events \
                 WHERE milestone_id = $1 AND enrollment_id = $2 ORDER BY id"
            )
            .bind(key.milestone_id)
            .bind(key.enrollment_id)
            .fetch_all(pool)
            .await
    )
    .expect("history")
}

async fn a_participant_cannot_record_their_own_completion_as_an_admins(db: &Db) {
    seeded(db).await;
    let item = check_in(db).await;
    let mentor = person(db, "mentor@example.com").await;
    complete(db, &mentor, item.key, Source::Admin)
        .await
        .expect("completed");
    undo(db, &mentor, item.key, Source::Admin)
        .await
        .expect("undone");
    let entries = history_sources(db, item.key).await;
    assert_eq!(entries.len(), 2, "{entries:?}");
    assert!(
        entries.iter().all(|(_, source)| source != "admin"),
        "the server decides the source: {entries:?}"
    );
    // An admin's completion and undo on someone's behalf are recorded as the admin's, whatever
    // page the request names.
    let admin = person(db, "admin@example.com").await;
    complete(db, &admin, item.key, Source::Profile)
        .await
        .expect("on behalf");
    undo(db, &admin, item.key, Source::Quickcliq)
        .await
        .expect("the admin undoes their own");
    let entries = history_sources(db, item.key).await;
    assert_eq!(
        entries[2..],
        [
            ("completed".to_string(), "admin".to_string()),
            ("undone".to_string(), "admin".to_string())
        ]
    );
}

async fn a_closed_item_keeps_its_completion(db: &Db) {
    seeded(db).await;
    let item = check_in(db).await;
    let mentor = person(db, "mentor@example.com").await;
    let write = |sql: &'static str, id: i64| async move {
        on_db!(
            db,
            write | pool | sqlx::query(sql).bind(id).execute(pool).await.map(|_| ())
        )
        .expect(sql)
    };
    let completions_sql = format!(
        "SELECT COUNT(*) FROM completions WHERE milestone_id = {} AND enrollment_id = {}",
        item.key.milestone_id, item.key.enrollment_id
    );
    let completions = || scalar(db, &completions_sql);
    complete(db, &mentor, item.key, Source::Quickcliq)
        .await
        .expect("completed");
    // The match ends: the completion stays, and is no longer offered for Undo.
    let match_id = item.key.match_id.expect("a relationship item");
    write(
        "UPDATE matches SET state = 'ended', ended_on = published_on WHERE id = $1",
        match_id,
    )
    .await;
    let shown = items_for(db, mentor.id)
        .await
        .expect("items")
        .into_iter()
        .find(|i| i.key == item.key)
        .expect("still listed");
    assert!(shown.closed && matches!(shown.status, ItemStatus::Completed { .. }));
    match undo(db, &mentor, item.key, Source::Quickcliq).await {
        Err(AppError::Invalid { message: m, .. }) => assert!(m.contains("ended"), "{m}"),
        other => panic!("undo on an ended match: {other:?}"),
    }
    let admin = person(db, "admin@example.com").await;
    assert!(undo(db, &admin, item.key, Source::Admin).await.is_err());
    assert_eq!(completions().await, 1, "the completion is kept");
    // An archived milestone keeps its completions too.
    write(
        "UPDATE matches SET state = 'published', ended_on = NULL WHERE id = $1",
        match_id,
    )
    .await;
    write(
        "UPDATE milestones SET archived = TRUE WHERE id = $1",
        item.key.milestone_id,
    )
    .await;
    match undo(db, &mentor, item.key, Source::Quickcliq).await {
        Err(AppError::Invalid { message: m, .. }) => assert!(m.contains("archived"), "{m}"),
        other => panic!("undo on an archived milestone: {other:?}"),
    }
    assert_eq!(completions().await, 1, "the completion is kept");
}

/// The on-time / late figures of one milestone in today's report.
async fn report_tally(db: &Db, program: i64, milestone: i64) -> (u32, u32) {
    let report = app::report::store::report(db, program, &app::report::ReportQuery::default())
        .await
        .expect("the report");
    let figures = report
        .figures
        .milestones
        .iter()
        .find(|m| m.id == milestone)
        .expect("the milestone's row");
    (figures.tally.on_time, figures.tally.late)
}

async fn a_completion_is_judged_once(db: &Db) {
    seeded(db).await;
    let item = check_in(db).await;
    let mentor = person(db, "mentor@example.com").await;
    complete(db, &mentor, item.key, Source::Quickcliq)
        .await
        .expect("completed");
    let find = || async {
        items_for(db, mentor.id)
            .await
            .expect("items")
            .into_iter()
            .find(|i| i.key == item.key)
            .expect("listed")
    };
    let judged = find().await;
    let ItemStatus::Completed { late } = judged.status else {
        panic!("completed: {:?}", judged.status);
    };
    let before = report_tally(db, item.program_id, item.key.milestone_id).await;
    // The admin moves the due date to where the completion would be judged the other way, and
    // the program changes its time zone.
    let (amount, unit) = if late { (60, "months") } else { (0, "days") };
    on_db!(
        db,
        write | pool | {
            async {
                sqlx::query(
                    "UPDATE milestones SET offset_amount = $1, offset_unit = $2 WHERE id = $3",
                )
                .bind(amount)
                .bind(unit)
                .bind(item.key.milestone_id)
                .execute(pool)
                .await?;
                sqlx::query("UPDATE programs SET time_zone = 'Pacific/Kiritimati' WHERE id = $1")
                    .bind(item.program_id)
                    .execute(pool)
                    .await
                    .map(|_| ())
            }
            .await
        }
    )
    .expect("redefined");
    let after = find().await;
    assert_eq!(after.status, judged.status, "judged as when it was made");
    assert_eq!(after.due, judged.due, "with the due date it had then");
    assert_eq!(after.completed_on, judged.completed_on);
    assert_eq!(
        report_tally(db, item.program_id, item.key.milestone_id).await,
        before,
        "the report counts it as it was judged"
    );
    // An open item of the same milestone follows the new definition.
    let mentee = person(db, "mentee@example.com").await;
    let theirs = items_for(db, mentee.id)
        .await
        .expect("items")
        .into_iter()
        .find(|i| i.key.milestone_id == item.key.milestone_id && i.key != item.key);
    if let Some(other) = theirs.filter(|i| i.status.is_open()) {
        assert_ne!(other.due, judged.due);
    }
}

async fn earlier_completions_are_judged_at_the_first_start(db: &Db) {
    seeded(db).await;
    let item = check_in(db).await;
    let mentor = person(db, "mentor@example.com").await;
    complete(db, &mentor, item.key, Source::Quickcliq)
        .await
        .expect("completed");
    let judged = items_for(db, mentor.id)
        .await
        .expect("items")
        .into_iter()
        .find(|i| i.key == item.key)
        .expect("listed");
    // As a completion made before migration 0007 looks (the demo's own are made that way too).
    on_db!(
        db,
        write
            | pool
            | sqlx::query("UPDATE completions SET due_on = NULL, completed_on = NULL")
                .execute(pool)
                .await
                .map(|_| ())
    )
    .expect("unjudged");
    let filled = app::items::store::judge_unjudged(db).await.expect("judged");
    assert!(filled >= 1);
    assert_eq!(
        scalar(
            db,
            "SELECT COUNT(*) FROM completions WHERE completed_on IS NULL"
        )
        .await,
        0
    );
    let again = items_for(db, mentor.id)
        .await
        .expect("items")
        .into_iter()
        .find(|i| i.key == item.key)
        .expect("listed");
    assert_eq!((again.due, again.status), (judged.due, judged.status));
    assert_eq!(
        app::items::store::judge_unjudged(db)
            .await
            .expect("nothing left"),
        0,
        "a judged completion is never judged again"
    );
}

async fn two_undos_at_once_write_one_history_row(db: &Db) {
    seeded(db).await;
    let item = check_in(db).await;
    let mentor = person(db, "mentor@example.com").await;
    let undone = || {
        scalar(
            db,
            "SELECT COUNT(*) FROM completion_events WHERE action = 'undone'",
        )
    };
    for round in 0..25 {
        complete(db, &mentor, item.key, Source::Quickcliq)
            .await
            .expect("completed");
        let before = undone().await;
        let (a, b) = tokio::join!(
            undo(db, &mentor, item.key, Source::Quickcliq),
            undo(db, &mentor, item.key, Source::Quickcliq)
        );
        let (a, b) = (a.expect("an answer"), b.expect("an answer"));
        assert!(!a.completed && !b.completed);
        assert_eq!(
            undone().await,
            before + 1,
            "round {round}: one undo recorded"
        );
    }
}

async fn completing_while_the_milestone_changes_role_has_one_outcome(db: &Db) {
    use app::kernel::due_date::{DueOffset, OffsetUnit};
    use app::kernel::roles::Role;
    use app::milestones::Category;
    use app::milestones::form::MilestoneDraft;
    seeded(db).await;
    let item = check_in(db).await;
    let mentor = person(db, "mentor@example.com").await;
    let draft = |role: Role| MilestoneDraft {
        name: item.milestone_name.clone(),
        category: Category::Relationship,
        roles: vec![role],
        offset: DueOffset::new(2, OffsetUnit::Months).expect("offset"),
        description: String::new(),
    };
    let (mut completed, mut changed) = (0, 0);
    for round in 0..25 {
        // Back to the start: the mentor's milestone, not completed.
        on_db!(
            db,
            write
                | pool
                | sqlx::query("DELETE FROM completions WHERE milestone_id = $1")
                    .bind(item.key.milestone_id)
                    .execute(pool)
                    .await
                    .map(|_| ())
        )
        .expect("reset");
        app::milestones::store::update(
            db,
            item.program_id,
            item.key.milestone_id,
            &draft(Role::Mentor),
        )
        .await
        .expect("back to mentors");
        let to_mentees = draft(Role::Mentee);
        let (completion, change) = tokio::join!(
            complete(db, &mentor, item.key, Source::Quickcliq),
            app::milestones::store::update(db, item.program_id, item.key.milestone_id, &to_mentees)
        );
        match (&completion, &change) {
            (Ok(_), Err(AppError::Invalid { message, .. })) => {
                assert!(message.contains("recorded completion"), "{message}");
                completed += 1;
            }
            (Err(AppError::NotFound | AppError::Invalid { .. }), Ok(())) => changed += 1,
            other => panic!("round {round}: {other:?}"),
        }
    }
    assert_eq!(completed + changed, 25);
}

/// Completing while the match ends, or while the milestone is archived: each round ends as one
/// of the two orders would (completed then closed, or closed and refused), never with an error
/// of our own or a completion the answer does not account for.
async fn completing_while_the_item_closes_has_one_outcome(db: &Db) {
    seeded(db).await;
    let item = check_in(db).await;
    let mentor = person(db, "mentor@example.com").await;
    let match_id = item.key.match_id.expect("a relationship item");
    let count = format!(
        "SELECT COUNT(*) FROM completions WHERE milestone_id = {} AND match_id = {match_id}",
        item.key.milestone_id
    );
    let reset = || async {
        on_db!(
            db,
            write
                | pool
                | async {
                    sqlx::query("DELETE FROM completions WHERE milestone_id = $1")
                        .bind(item.key.milestone_id)
                        .execute(pool)
                        .await?;
                    sqlx::query(
                        "UPDATE matches SET state = 'published', ended_on = NULL WHERE id = $1",
                    )
                    .bind(match_id)
                    .execute(pool)
                    .await?;
                    sqlx::query("UPDATE milestones SET archived = $1 WHERE id = $2")
                        .bind(false)
                        .bind(item.key.milestone_id)
                        .execute(pool)
                        .await
                        .map(|_| ())
                }
                .await
        )
        .expect("reset");
    };
    for round in 0..25 {
        reset().await;
        let (completion, ended) = tokio::join!(
            complete(db, &mentor, item.key, Source::Quickcliq),
            app::matches::store::end_match(db, item.program_id, match_id)
        );
        ended.unwrap_or_else(|e| panic!("round {round}: end {e:?}"));
        let kept = scalar(db, &count).await;
        match completion {
            Ok(state) => assert!(state.completed && kept == 1, "round {round}"),
            Err(AppError::Invalid { message, .. }) => {
                assert!(message.contains("ended"), "{message}");
                assert_eq!(kept, 0, "round {round}");
            }
            Err(other) => panic!("round {round}: {other:?}"),
        }
        reset().await;
        let (completion, archived) = tokio::join!(
            complete(db, &mentor, item.key, Source::Quickcliq),
            app::milestones::store::set_archived(db, item.program_id, item.key.milestone_id, true)
        );
        archived.unwrap_or_else(|e| panic!("round {round}: archive {e:?}"));
        let kept = scalar(db, &count).await;
        match completion {
            Ok(state) => assert!(state.completed && kept == 1, "round {round}"),
            Err(AppError::Invalid { message, .. }) => {
                assert!(message.contains("archived"), "{message}");
                assert_eq!(kept, 0, "round {round}");
            }
            Err(other) => panic!("round {round}: {other:?}"),
        }
    }
}

on_both_engines!(
    completing_while_the_item_closes_has_one_outcome,
    two_undos_at_once_write_one_history_row,
    completing_while_the_milestone_changes_role_has_one_outcome,
    a_completion_is_judged_once,
    earlier_completions_are_judged_at_the_first_start,
    a_closed_item_keeps_its_completion,
    a_participant_cannot_record_their_own_completion_as_an_admins,
    a_participant_sees_their_items_and_their_partners,
    a_hundred_identical_requests_complete_once,
    undo_then_complete_again_is_all_in_the_history,
    only_the_responsible_person_or_an_admin_completes,
    ended_matches_and_archived_milestones_cannot_be_completed,
    lateness_is_judged_on_the_programs_calendar,
);
