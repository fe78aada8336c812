//! Programs, participants, matches and CSV imports against the database, on SQLite and on
//! PostgreSQL (each test on a fresh database).

mod support;

use app::accounts::validation::{DisplayName, Email};
use app::db::Db;
use app::db::on_db;
use app::enrollments::EnrollmentState;
use app::enrollments::store::{self as enrollments, ParticipantFilter};
use app::error::AppError;
use app::imports::plan::{ImportKind, RowOutcome};
use app::imports::store as imports;
use app::kernel::roles::{MatchState, Role};
use app::kernel::time_zone::today_in_zone;
use app::matches::MatchSort;
use app::matches::store::{self as matches, MatchFilter};
use app::programs::store::{self as programs, ProgramInput};
use chrono::{Days, NaiveDate};

async fn count(db: &Db, sql: &str) -> i64 {
    on_db!(
        db,
        read | pool | sqlx::query_scalar::<_, i64>(sql).fetch_one(pool).await
    )
    .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

async fn program(db: &Db, name: &str, zone: &str) -> i64 {
    let input = ProgramInput::parse(name, "", zone).expect("valid program");
    programs::create_program(db, &input).await.expect("created")
}

async fn person(db: &Db, email: &str, name: &str) -> i64 {
    app::accounts::store::create_user(
        db,
        &Email::parse(email).expect("email"),
        &DisplayName::parse(name).expect("name"),
        "unusable-hash",
        false,
    )
    .await
    .expect("account created")
}

async fn enrolled(db: &Db, program: i64, email: &str, role: Role) -> i64 {
    enrollments::enrol(db, program, email, role)
        .await
        .expect("enrolled");
    count(
        db,
        &format!(
            "SELECT e.id FROM enrollments e JOIN users u ON u.id = e.user_id \
             WHERE e.program_id = {program} AND u.email = '{email}' AND e.role = '{}'",
            role.as_str()
        ),
    )
    .await
}

/// A program with the mentors Ann and Bo and the mentees Cy and Di.
async fn cohort(db: &Db, zone: &str) -> (i64, [i64; 4]) {
    let id = program(db, &format!("Cohort in {zone}"), zone).await;
    let tag = id;
    let mut enrollments = [0; 4];
    for (i, (name, role)) in [
        ("Ann", Role::Mentor),
        ("Bo", Role::Mentor),
        ("Cy", Role::Mentee),
        ("Di", Role::Mentee),
    ]
    .into_iter()
    .enumerate()
    {
        let email = format!("{}{tag}@example.com", name.to_lowercase());
        person(db, &email, name).await;
        enrollments[i] = enrolled(db, id, &email, role).await;
    }
    (id, enrollments)
}

async fn the_match(
    db: &Db,
    program: i64,
    mentor: i64,
    mentee: i64,
) -> (i64, String, Option<NaiveDate>, Option<NaiveDate>) {
    on_db!(
        db,
        read | pool
            | sqlx::query_as(
                "SELECT id, state, published_on, ended_on FROM matches WHERE program_id = $1 \
             AND mentor_enrollment_id = $2 AND mentee_enrollment_id = $3 ORDER BY id DESC"
            )
            .bind(program)
            .bind(mentor)
            .bind(mentee)
            .fetch_one(pool)
            .await
    )
    .expect("the match exists")
}

fn invalid(result: Result<String, AppError>) -> String {
    match result {
        Err(AppError::Invalid { message, .. }) => message,
        other => panic!("expected a refusal with a reason, got {other:?}"),
    }
}

async fn publishing_uses_the_programs_calendar(db: &Db) {
    // Kiritimati (UTC+14) and Pago Pago (UTC-11) are never on the same date.
    let (east, [ann_e, _, cy_e, _]) = cohort(db, "Pacific/Kiritimati").await;
    let (west, [ann_w, _, cy_w, _]) = cohort(db, "Pacific/Pago_Pago").await;
    for (program, mentor, mentee) in [(east, ann_e, cy_e), (west, ann_w, cy_w)] {
        matches::create_match(db, program, mentor, mentee)
            .await
            .expect("created");
        let (id, state, published, _) = the_match(db, program, mentor, mentee).await;
        assert_eq!(state, "pending");
        assert_eq!(published, None);
        let message = matches::publish_matches(db, program, &[id], None)
            .await
            .expect("published");
        assert!(message.starts_with("Published 1 match on"), "{message}");
    }
    let (_, _, east_day, _) = the_match(db, east, ann_e, cy_e).await;
    let (_, _, west_day, _) = the_match(db, west, ann_w, cy_w).await;
    let east_today = today_in_zone("Pacific/Kiritimati");
    let west_today = today_in_zone("Pacific/Pago_Pago");
    assert!(
        east_day == Some(east_today) || east_day == east_today.pred_opt(),
        "published {east_day:?}, Kiritimati today {east_today}"
    );
    assert!(
        west_day == Some(west_today) || west_day == west_today.pred_opt(),
        "published {west_day:?}, Pago Pago today {west_today}"
    );
    assert_ne!(east_day, west_day, "each program publishes on its own date");
}

async fn publish_dates_may_be_earlier_but_never_in_the_future(db: &Db) {
    let (id, [ann, bo, cy, di]) = cohort(db, "Europe/London").await;
    let today = today_in_zone("Europe/London");
    matches::create_match(db, id, ann, cy)
        .await
        .expect("created");
    matches::create_match(db, id, bo, di)
        .await
        .expect("created");
    let (first, ..) = the_match(db, id, ann, cy).await;
    let (second, ..) = the_match(db, id, bo, di).await;
    let tomorrow = today.checked_add_days(Days::new(1));
    let refusal = invalid(matches::publish_matches(db, id, &[first, second], tomorrow).await);
    assert!(refusal.contains("in the future"), "{refusal}");
    assert_eq!(
        the_match(db, id, ann, cy).await.1,
        "pending",
        "nothing published"
    );
    let earlier = today.checked_sub_days(Days::new(45));
    let message = matches::publish_matches(db, id, &[first, second], earlier)
        .await
        .expect("published");
    assert!(message.starts_with("Published 2 matches on"), "{message}");
    assert_eq!(the_match(db, id, bo, di).await.2, earlier);
    // Publishing again leaves published matches alone and says so.
    let again = invalid(matches::publish_matches(db, id, &[first], None).await);
    assert!(again.contains("not pending"), "{again}");
    assert_eq!(the_match(db, id, ann, cy).await.2, earlier);
}

async fn a_match_needs_a_mentor_and_a_mentee_of_the_same_program(db: &Db) {
    let (id, [ann, bo, cy, _]) = cohort(db, "UTC").await;
    let (other, [other_ann, _, other_cy, _]) = cohort(db, "Asia/Tokyo").await;
    invalid(matches::create_match(db, id, ann, bo).await);
    invalid(matches::create_match(db, id, cy, ann).await);
    invalid(matches::create_match(db, id, other_ann, cy).await);
    invalid(matches::create_match(db, id, ann, other_cy).await);
    // Someone enrolled as both cannot be matched with themselves.
    let email = format!("ann{id}@example.com");
    let ann_as_mentee = enrolled(db, id, &email, Role::Mentee).await;
    let refusal = invalid(matches::create_match(db, id, ann, ann_as_mentee).await);
    assert!(refusal.contains("themselves"), "{refusal}");
    assert_eq!(
        count(
            db,
            &format!("SELECT COUNT(*) FROM matches WHERE program_id IN ({id}, {other})")
        )
        .await,
        0
    );
}

async fn a_pair_has_one_live_match_and_may_be_matched_again_after_it_ends(db: &Db) {
    let (id, [ann, _, cy, _]) = cohort(db, "America/Chicago").await;
    matches::create_match(db, id, ann, cy)
        .await
        .expect("created");
    let refusal = invalid(matches::create_match(db, id, ann, cy).await);
    assert!(
        refusal.contains("already have a pending match"),
        "{refusal}"
    );
    let (match_id, ..) = the_match(db, id, ann, cy).await;
    let refusal = invalid(matches::end_match(db, id, match_id).await);
    assert!(refusal.contains("Only a published match"), "{refusal}");
    matches::publish_matches(db, id, &[match_id], None)
        .await
        .expect("published");
    invalid(matches::create_match(db, id, ann, cy).await);
    let ended = matches::end_match(db, id, match_id).await.expect("ended");
    assert!(ended.starts_with("Ended the match on"), "{ended}");
    let (_, state, published, ended_on) = the_match(db, id, ann, cy).await;
    assert_eq!(state, "ended");
    assert_eq!(ended_on, Some(today_in_zone("America/Chicago")));
    assert!(ended_on >= published);
    matches::create_match(db, id, ann, cy)
        .await
        .expect("a new match after the end");
}

async fn retiring_is_refused_while_matched(db: &Db) {
    let (id, [ann, _, cy, di]) = cohort(db, "Australia/Sydney").await;
    matches::create_match(db, id, ann, cy)
        .await
        .expect("created");
    let refusal = invalid(enrollments::set_enrollment_state(db, id, ann, false).await);
    assert!(refusal.contains("1 pending match"), "{refusal}");
    let (match_id, ..) = the_match(db, id, ann, cy).await;
    matches::publish_matches(db, id, &[match_id], None)
        .await
        .expect("published");
    let refusal = invalid(enrollments::set_enrollment_state(db, id, cy, false).await);
    assert!(refusal.contains("1 published match"), "{refusal}");
    let retired = enrollments::set_enrollment_state(db, id, di, false)
        .await
        .expect("retired");
    assert!(retired.starts_with("Retired Di"), "{retired}");
    // A retired person cannot be matched until reactivated.
    invalid(matches::create_match(db, id, ann, di).await);
    matches::end_match(db, id, match_id).await.expect("ended");
    // A pending match is removed (not ended) to free its people.
    matches::create_match(db, id, ann, di).await.ok();
    enrollments::set_enrollment_state(db, id, di, true)
        .await
        .expect("reactivated");
    matches::create_match(db, id, ann, di)
        .await
        .expect("created");
    let (pending, ..) = the_match(db, id, ann, di).await;
    invalid(enrollments::set_enrollment_state(db, id, ann, false).await);
    let refusal = invalid(matches::remove_pending_match(db, id, match_id).await);
    assert!(
        refusal.contains("Only a pending match can be removed"),
        "{refusal}"
    );
    let removed = matches::remove_pending_match(db, id, pending)
        .await
        .expect("removed");
    assert_eq!(removed, "Removed the pending match of Ann with Di.");
    assert_eq!(
        matches::remove_pending_match(db, id, pending).await,
        Err(AppError::NotFound)
    );
    enrollments::set_enrollment_state(db, id, ann, false)
        .await
        .expect("retired after the end");
    enrollments::set_enrollment_state(db, id, di, true)
        .await
        .expect("reactivated");
    let page = enrollments::participants(
        db,
        id,
        &ParticipantFilter {
            state: Some(EnrollmentState::Retired),
            page: 1,
            ..Default::default()
        },
    )
    .await
    .expect("listed");
    assert_eq!(
        page.rows
            .iter()
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>(),
        ["Ann"]
    );
    // Another program's enrollment is not this program's to change.
    let (other, [other_ann, ..]) = cohort(db, "UTC").await;
    assert_eq!(
        enrollments::set_enrollment_state(db, id, other_ann, false).await,
        Err(AppError::NotFound)
    );
    assert!(other > id);
}

async fn lists_search_filter_and_sort(db: &Db) {
    let (id, [ann, bo, cy, di]) = cohort(db, "UTC").await;
    matches::create_match(db, id, ann, cy)
        .await
        .expect("created");
    matches::create_match(db, id, bo, di)
        .await
        .expect("created");
    let (first, ..) = the_match(db, id, ann, cy).await;
    let day = today_in_zone("UTC").checked_sub_days(Days::new(10));
    matches::publish_matches(db, id, &[first], day)
        .await
        .expect("published");

    let found = enrollments::participants(
        db,
        id,
        &ParticipantFilter {
            search: "BO".into(),
            page: 1,
            ..Default::default()
        },
    )
    .await
    .expect("listed");
    assert_eq!(found.total, 1);
    assert_eq!(found.rows[0].name, "Bo");
    assert_eq!(found.rows[0].live_matches, 1);
    let mentees = enrollments::participants(
        db,
        id,
        &ParticipantFilter {
            role: Some(Role::Mentee),
            page: 1,
            ..Default::default()
        },
    )
    .await
    .expect("listed");
    assert_eq!(
        mentees
            .rows
            .iter()
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>(),
        ["Cy", "Di"]
    );
    let literal = enrollments::participants(
        db,
        id,
        &ParticipantFilter {
            search: "%".into(),
            page: 1,
            ..Default::default()
        },
    )
    .await
    .expect("listed");
    assert_eq!(literal.total, 0, "% is searched for literally");

    let published = matches::matches(
        db,
        id,
        &MatchFilter {
            state: Some(MatchState::Published),
            page: 1,
            ..Default::default()
        },
    )
    .await
    .expect("listed");
    assert_eq!(published.total, 1);
    assert_eq!(published.rows[0].published_on, day);
    for (sort, first_mentor) in [
        (MatchSort::Mentor, "Ann"),
        (MatchSort::Mentee, "Ann"),
        (MatchSort::Published, "Ann"),
        (MatchSort::State, "Bo"),
        (MatchSort::Newest, "Bo"),
    ] {
        let list = matches::matches(
            db,
            id,
            &MatchFilter {
                sort,
                page: 1,
                ..Default::default()
            },
        )
        .await
        .expect("listed");
        assert_eq!(list.rows[0].mentor_name, first_mentor, "{sort:?}");
    }
    let searched = matches::matches(
        db,
        id,
        &MatchFilter {
            search: "di".into(),
            page: 1,
            ..Default::default()
        },
    )
    .await
    .expect("listed");
    assert_eq!(searched.rows.len(), 1);
    assert_eq!(searched.rows[0].mentee_name, "Di");
}

async fn imports_are_all_or_nothing_and_idempotent(db: &Db) {
    let id = program(db, "Imported cohort", "Europe/Paris").await;
    let admin = person(db, "importer@example.com", "Importer").await;
    for (email, name) in [
        ("ann@example.com", "Ann"),
        ("cy@example.com", "Cy"),
        ("di@example.com", "Di"),
    ] {
        person(db, email, name).await;
    }
    let enrollments_sql = format!("SELECT COUNT(*) FROM enrollments WHERE program_id = {id}");
    let enrollments = || count(db, &enrollments_sql);

    // One unknown email: the preview says why, and confirming writes nothing.
    let bad = "email,role\nann@example.com,mentor\ncy@example.com,mentee\nzed@example.com,mentee\n";
    let batch = imports::stage_import(db, id, ImportKind::Participants, bad, admin)
        .await
        .expect("staged");
    let loaded = imports::load_batch(db, batch).await.expect("loaded");
    let plan = imports::preview_batch(db, &loaded)
        .await
        .expect("previewed");
    assert!(
        matches!(&plan.rows[2].outcome, RowOutcome::Rejected(r) if r.starts_with("Unknown email"))
    );
    let refusal = invalid(imports::apply_batch(db, batch, admin).await);
    assert!(refusal.contains("nothing was imported"), "{refusal}");
    assert_eq!(enrollments().await, 0);

    let good = "email,role\nann@example.com,mentor\ncy@example.com,mentee\ndi@example.com,mentee\n";
    let batch = imports::stage_import(db, id, ImportKind::Participants, good, admin)
        .await
        .expect("staged");
    let summary = imports::apply_batch(db, batch, admin)
        .await
        .expect("imported");
    assert_eq!(summary, "3 enrolled.");
    assert_eq!(enrollments().await, 3);
    // Confirming the same batch again, or importing the same file again, creates nothing.
    let again = imports::apply_batch(db, batch, admin)
        .await
        .expect("answered");
    assert!(
        again.starts_with("This file was already imported"),
        "{again}"
    );
    let batch = imports::stage_import(db, id, ImportKind::Participants, good, admin)
        .await
        .expect("staged");
    assert_eq!(
        imports::apply_batch(db, batch, admin)
            .await
            .expect("imported"),
        "3 already there, left as they were."
    );
    assert_eq!(enrollments().await, 3);

    // Matches, with a publish date; a future date is rejected, then the fixed file imports.
    let today = today_in_zone("Europe/Paris");
    let earlier = today.checked_sub_days(Days::new(30)).expect("date");
    let tomorrow = today.checked_add_days(Days::new(1)).expect("date");
    let matches_sql = format!("SELECT COUNT(*) FROM matches WHERE program_id = {id}");
    let matches = || count(db, &matches_sql);
    let future = format!(
        "mentor_email,mentee_email,publish_date\nann@example.com,cy@example.com,{earlier}\n\
         ann@example.com,di@example.com,{tomorrow}\n"
    );
    let batch = imports::stage_import(db, id, ImportKind::Matches, &future, admin)
        .await
        .expect("staged");
    invalid(imports::apply_batch(db, batch, admin).await);
    assert_eq!(
        matches().await,
        0,
        "all or nothing: the good row was not imported either"
    );
    let fixed = format!(
        "mentor_email,mentee_email,publish_date\nann@example.com,cy@example.com,{earlier}\n\
         ann@example.com,di@example.com,\n"
    );
    let batch = imports::stage_import(db, id, ImportKind::Matches, &fixed, admin)
        .await
        .expect("staged");
    assert_eq!(
        imports::apply_batch(db, batch, admin)
            .await
            .expect("imported"),
        "2 matches created."
    );
    let published = count(
        db,
        &format!("SELECT COUNT(*) FROM matches WHERE program_id = {id} AND state = 'published'"),
    )
    .await;
    assert_eq!(published, 1);
    let batch = imports::stage_import(db, id, ImportKind::Matches, &fixed, admin)
        .await
        .expect("staged");
    assert_eq!(
        imports::apply_batch(db, batch, admin)
            .await
            .expect("imported"),
        "2 already there, left as they were."
    );
    assert_eq!(matches().await, 2);
    let on: Option<NaiveDate> = on_db!(
        db,
        read | pool
            | sqlx::query_scalar("SELECT published_on FROM matches WHERE state = 'published'")
                .fetch_one(pool)
                .await
    )
    .expect("date");
    assert_eq!(on, Some(earlier));
}

async fn program_details_are_validated_and_saved(db: &Db) {
    let id = program(db, "  Spring cohort ", "Asia/Kolkata").await;
    let details = programs::program_details(db, id).await.expect("found");
    assert_eq!(details.name, "Spring cohort");
    assert_eq!(details.today, today_in_zone("Asia/Kolkata"));
    let input =
        ProgramInput::parse("Autumn cohort", "Leaders", "America/Sao_Paulo").expect("valid");
    programs::update_program(db, id, &input)
        .await
        .expect("saved");
    let details = programs::program_details(db, id).await.expect("found");
    assert_eq!(
        (details.name.as_str(), details.time_zone.as_str()),
        ("Autumn cohort", "America/Sao_Paulo")
    );
    assert_eq!(
        programs::update_program(db, id + 1000, &input).await,
        Err(AppError::NotFound)
    );
    assert_eq!(
        programs::program_details(db, id + 1000).await,
        Err(AppError::NotFound)
    );
}

on_both_engines!(
    publishing_uses_the_programs_calendar,
    publish_dates_may_be_earlier_but_never_in_the_future,
    a_match_needs_a_mentor_and_a_mentee_of_the_same_program,
    a_pair_has_one_live_match_and_may_be_matched_again_after_it_ends,
    retiring_is_refused_while_matched,
    lists_search_filter_and_sort,
    imports_are_all_or_nothing_and_idempotent,
    program_details_are_validated_and_saved,
);
