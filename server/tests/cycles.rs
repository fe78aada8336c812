//! Program cycles (issue 29) through the real router, on both engines: Duplicate program and
//! Copy milestones from another program, as the people who may and may not.

mod support;

use axum::http::StatusCode;
use support::{Engine, OTHER_ADMIN, PROGRAM_ADMIN, TestApp};

async fn count(app: &TestApp, sql: &str) -> i64 {
    app.scalar(sql).await
}

async fn a_program_admin_duplicates_their_program_and_runs_the_copy(engine: Engine) {
    let app = TestApp::new(engine).await;
    let program = app.program_id.to_string();
    let milestones = count(
        &app,
        &format!(
            "SELECT COUNT(*) FROM milestones WHERE program_id = {program} AND archived = FALSE"
        ),
    )
    .await;
    let mut admin = app.client().signed_in_as(PROGRAM_ADMIN).await;
    let form = admin.get(&format!("/programs/{program}/duplicate")).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(
        form.body.contains("Leadership Mentoring 2026 (copy)"),
        "the name offered"
    );

    // A refused name keeps what was typed, with the message beside the field.
    let refused = admin
        .post_form(
            "/api/cycles/duplicate",
            &[
                ("program_id", &program),
                ("name", "  "),
                ("time_zone", "Europe/Paris"),
            ],
        )
        .await;
    let outcome = admin.outcome_of(&refused).await.expect_err("refused");
    assert!(outcome.contains("Enter the program's name."), "{outcome}");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM programs").await, 2);

    let done = admin
        .post_form(
            "/api/cycles/duplicate",
            &[
                ("program_id", &program),
                ("name", "Leadership Mentoring <2027>"),
                ("time_zone", "Europe/Paris"),
            ],
        )
        .await;
    let location = done.location().expect("to the new program").to_string();
    let copy = count(&app, "SELECT MAX(id) FROM programs").await;
    assert_eq!(location, format!("/programs/{copy}"));
    let panel = admin.get(&location).await;
    assert_eq!(panel.status, StatusCode::OK, "its admin runs the copy");
    assert!(
        panel.body.contains("Leadership Mentoring &lt;2027&gt;"),
        "escaped"
    );
    assert!(
        panel
            .body
            .contains("Created Leadership Mentoring &lt;2027&gt; from Leadership Mentoring 2026")
    );
    assert_eq!(
        count(
            &app,
            &format!("SELECT COUNT(*) FROM milestones WHERE program_id = {copy}")
        )
        .await,
        milestones
    );
    assert_eq!(
        count(
            &app,
            &format!("SELECT COUNT(*) FROM enrollments WHERE program_id = {copy}")
        )
        .await,
        0
    );
    assert_eq!(
        count(
            &app,
            &format!("SELECT COUNT(*) FROM program_admins WHERE program_id = {copy}")
        )
        .await,
        1
    );

    // The other program's admin sees neither.
    let mut other = app.client().signed_in_as(OTHER_ADMIN).await;
    assert_eq!(
        other
            .get(&format!("/programs/{copy}/duplicate"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

async fn milestones_are_copied_only_from_a_program_one_administers(engine: Engine) {
    let app = TestApp::new(engine).await;
    let program = app.program_id.to_string();
    let other = app.other_program_id.to_string();
    let before = count(
        &app,
        &format!("SELECT COUNT(*) FROM milestones WHERE program_id = {other}"),
    )
    .await;
    let mut other_admin = app.client().signed_in_as(OTHER_ADMIN).await;
    // Not offered, not shown, not copied.
    let page = other_admin
        .get(&format!("/programs/{other}/milestones/copy"))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        !page.body.contains("Leadership Mentoring 2026"),
        "not offered"
    );
    let plan = other_admin
        .call(
            "cycles/copy-plan",
            &[("program_id", &other), ("from", &program)],
        )
        .await;
    assert_eq!(plan.status, StatusCode::NOT_FOUND);
    let copy = other_admin
        .call("cycles/copy", &[("program_id", &other), ("from", &program)])
        .await;
    assert_eq!(copy.status, StatusCode::FORBIDDEN);
    assert_eq!(
        count(
            &app,
            &format!("SELECT COUNT(*) FROM milestones WHERE program_id = {other}")
        )
        .await,
        before
    );

    // A site admin administers both: the list, then the copy, then nothing more to add.
    let mut site = app.client().signed_in_as("admin@example.com").await;
    let plan = site
        .get(&format!("/programs/{other}/milestones/copy?from={program}"))
        .await;
    assert!(plan.body.contains("Will be added"), "{}", plan.body);
    let done = site
        .post_form(
            "/api/cycles/copy",
            &[("program_id", &other), ("from", &program)],
        )
        .await;
    let outcome = site.outcome_of(&done).await.expect("copied");
    assert!(outcome.starts_with("Added "), "{outcome}");
    let added = count(
        &app,
        &format!("SELECT COUNT(*) FROM milestones WHERE program_id = {other}"),
    )
    .await;
    assert!(added > before);
    let again = site
        .post_form(
            "/api/cycles/copy",
            &[("program_id", &other), ("from", &program)],
        )
        .await;
    let outcome = site.outcome_of(&again).await.expect("answered");
    assert!(outcome.starts_with("No milestones were added"), "{outcome}");
    assert_eq!(
        count(
            &app,
            &format!("SELECT COUNT(*) FROM milestones WHERE program_id = {other}")
        )
        .await,
        added
    );

    // Participants can do neither.
    let mut mentor = app.client().signed_in_as("mentor@example.com").await;
    assert_eq!(
        mentor
            .call(
                "cycles/duplicate",
                &[
                    ("program_id", &program),
                    ("name", "Mine"),
                    ("time_zone", "UTC")
                ]
            )
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

/// The demo's match published 100 days ago (Mid-Cycle Check-In overdue, nothing completed since
/// its tenth day) needs attention; its admin sees it on the panel and the Matches page and, once
/// turned on, gets it in a weekly summary: once a week, and only while they ask for it.
async fn stuck_matches_show_and_go_out_once_a_week(engine: Engine) {
    let app = TestApp::new(engine).await;
    let program = app.program_id.to_string();
    let mut admin = app.client().signed_in_as(PROGRAM_ADMIN).await;
    let panel = admin.get(&format!("/programs/{program}")).await;
    assert!(panel.body.contains("Match health"), "{}", panel.body);
    assert!(
        panel
            .body
            .contains(&format!("/programs/{program}/matches?health=attention"))
    );
    let stuck = admin
        .get(&format!("/programs/{program}/matches?health=attention"))
        .await;
    assert_eq!(stuck.status, StatusCode::OK);
    assert!(stuck.body.contains("Needs attention"));
    assert!(
        stuck.body.contains("Mid-Cycle Check-In is"),
        "the reason: {}",
        stuck.body
    );
    assert!(stuck.body.contains("1 match"), "one match fits");
    let early = admin
        .get(&format!("/programs/{program}/matches?health=early"))
        .await;
    assert!(
        early.body.contains("1 match"),
        "the match published 12 days ago"
    );

    let public = app::kernel::public_url::PublicUrl::parse("http://127.0.0.1:3000").expect("url");
    let now = chrono::Utc::now();
    let summaries = || async {
        app::mail::summary::run_summaries(&app.db, now, &public, true)
            .await
            .expect("a pass")
    };
    assert_eq!(summaries().await, 0, "nobody asked");
    let mut other = app.client().signed_in_as(OTHER_ADMIN).await;
    let refused = other
        .call(
            "reminders/health-summary",
            &[("program_id", &program), ("on", "true")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let on = admin
        .post_form(
            "/api/reminders/health-summary",
            &[("program_id", &program), ("on", "true")],
        )
        .await;
    assert!(
        admin
            .outcome_of(&on)
            .await
            .expect("on")
            .starts_with("Each week you get")
    );
    assert_eq!(summaries().await, 1);
    assert_eq!(summaries().await, 0, "once a week");
    let body = app
        .scalar(&format!(
            "SELECT COUNT(*) FROM outbox WHERE kind = 'health_summary'              AND to_address = '{PROGRAM_ADMIN}' AND body_text LIKE '%Mid-Cycle Check-In is%'"
        ))
        .await;
    assert_eq!(body, 1);
    let off = admin
        .post_form(
            "/api/reminders/health-summary",
            &[("program_id", &program), ("on", "false")],
        )
        .await;
    assert_eq!(
        admin.outcome_of(&off).await,
        Ok("You no longer get the weekly summary.".to_string())
    );
    app::db::on_db!(
        &app.db,
        write
            | pool
            | sqlx::query("DELETE FROM outbox WHERE kind = 'health_summary'")
                .execute(pool)
                .await
                .map(|_| ())
    )
    .expect("emptied");
    assert_eq!(summaries().await, 0, "turned off");
}

on_both_engines!(
    a_program_admin_duplicates_their_program_and_runs_the_copy,
    milestones_are_copied_only_from_a_program_one_administers,
    stuck_matches_show_and_go_out_once_a_week,
);
