//! Reminder emails (issue 15) on both engines: the scheduling pass (idempotent, capped, nothing
//! for ended, archived, completed, disabled or unsubscribed), the outbox worker (leases, two
//! workers sending each email once, retries and failure), unsubscribing in one click, and the
//! admins' page. The SMTP test at the end sends through a real server (maildev).

mod support;

use app::mail::ReminderSettings;
use app::mail::schedule::run_pass;
use app::mail::sender::{Mailer, send_ready};
use app::mail::store::Outgoing;
use axum::http::StatusCode;
use chrono::{Duration, NaiveDate, Utc};
use std::sync::{Arc, Mutex};
use support::{Engine, PROGRAM_ADMIN, TestApp, http_get, unescape};

fn settings(days_before: i32) -> ReminderSettings {
    ReminderSettings {
        enabled: true,
        days_before,
        overdue: true,
        overdue_every_days: 2,
        overdue_max: 3,
        send_hour: 9,
    }
}

async fn turn_on(app: &TestApp, settings: ReminderSettings) {
    app::mail::store::save_settings(&app.db, app.program_id, &settings, Utc::now())
        .await
        .expect("settings saved");
}

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

/// 150 days after the demo was seeded: most demo participants have items overdue or due soon
/// (the main mentee: the Closure Plan overdue, the Satisfaction survey due soon).
fn later() -> NaiveDate {
    today() + Duration::days(150)
}

async fn pass(app: &TestApp, day: NaiveDate) -> app::mail::schedule::PassReport {
    run_pass(&app.db, day, Utc::now(), &app.state.public_url, None)
        .await
        .expect("a pass")
}

async fn rows<T>(app: &TestApp, sql: &str) -> Vec<T>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
        + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>
        + Send
        + Unpin,
{
    app::db::on_db!(
        &app.db,
        read | pool | sqlx::query_as::<_, T>(sql).fetch_all(pool).await
    )
    .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

async fn user_id(app: &TestApp, email: &str) -> i64 {
    app.scalar(&format!("SELECT id FROM users WHERE email = '{email}'"))
        .await
}

/// The digests queued: (person, day as text, text part).
async fn digests(app: &TestApp) -> Vec<(i64, String, String)> {
    rows::<(i64, String)>(
        app,
        "SELECT user_id, body_text FROM outbox WHERE kind = 'digest' ORDER BY id",
    )
    .await
    .into_iter()
    .map(|(user, text)| (user, String::new(), text))
    .collect()
}

/// Records what it sends; slow enough that two workers overlap.
#[derive(Default)]
struct Recorder {
    sent: Mutex<Vec<i64>>,
    fail: bool,
}

#[async_trait::async_trait]
impl Mailer for Recorder {
    async fn send(&self, email: &Outgoing) -> Result<(), String> {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        if self.fail {
            return Err("550 mailbox unavailable".to_string());
        }
        self.sent.lock().expect("lock").push(email.id);
        Ok(())
    }
}

async fn a_pass_queues_one_digest_per_person_once(engine: Engine) {
    let app = TestApp::new(engine).await;
    // Off: nothing.
    assert_eq!(pass(&app, later()).await.queued, 0);
    turn_on(&app, settings(30)).await;
    let first = pass(&app, later()).await;
    assert!(first.queued >= 5, "{first:?}");
    let count = app.scalar("SELECT COUNT(*) FROM outbox").await;
    assert_eq!(count as usize, first.queued);
    // Again, and twice at once (two servers): nothing more.
    let again = pass(&app, later()).await;
    assert_eq!(again.queued, 0);
    assert_eq!(again.already, first.queued);
    let (a, b) = tokio::join!(pass(&app, later()), pass(&app, later()));
    assert_eq!(a.queued + b.queued, 0);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM outbox").await, count);
    // One per person and day; each item listed has its check-in link and reminder row.
    let per_person = app
        .scalar("SELECT COUNT(DISTINCT user_id) FROM outbox WHERE kind = 'digest'")
        .await;
    assert_eq!(per_person, count);
    let reminders = app.scalar("SELECT COUNT(*) FROM reminders_sent").await;
    let tokens = app.scalar("SELECT COUNT(*) FROM check_in_tokens").await;
    assert_eq!(reminders, tokens);
    let links: usize = digests(&app)
        .await
        .iter()
        .map(|(_, _, text)| text.matches("/check-in/").count())
        .sum();
    assert_eq!(links as i64, reminders);
}

async fn the_digest_lists_the_persons_items_soonest_first_and_its_links_work(engine: Engine) {
    let app = TestApp::new(engine).await;
    turn_on(&app, settings(30)).await;
    let day = later();
    pass(&app, day).await;
    let mentee = user_id(&app, "mentee@example.com").await;
    let (subject, text, html, unsubscribe): (String, String, String, Option<String>) = rows(
        &app,
        &format!(
            "SELECT subject, body_text, body_html, unsubscribe_url FROM outbox \
             WHERE user_id = {mentee}"
        ),
    )
    .await
    .pop()
    .expect("the mentee's digest");
    assert!(
        subject.starts_with("Your mentoring milestones: "),
        "{subject}"
    );
    // Exactly the mentee's own open items whose reminder is due: overdue ones, and those due
    // within the 30 days, soonest first.
    let expected: Vec<_> = app::items::store::items_for(&app.db, mentee)
        .await
        .expect("items")
        .into_iter()
        .filter(|i| i.mine && !i.closed && i.completed_on.is_none())
        .filter(|i| (i.due - day).num_days() <= 30)
        .collect();
    assert!(expected.len() >= 2, "an overdue and a due soon item");
    let mut positions = Vec::new();
    for item in &expected {
        let line = format!(
            "{}: {}",
            match &item.partner_name {
                Some(p) => format!("with {p} · {}", item.program_name),
                None => item.program_name.clone(),
            },
            app::kernel::due_date::readable_date(item.due)
        );
        let at = text
            .find(&line)
            .unwrap_or_else(|| panic!("{line} in\n{text}"));
        positions.push((item.due, at));
    }
    positions.sort();
    assert!(
        positions.windows(2).all(|w| w[0].1 < w[1].1),
        "soonest first"
    );
    assert_eq!(text.matches("/check-in/").count(), expected.len());
    assert!(html.contains("Mark ") && html.contains(" complete</a>"));
    // Each link opens its item for someone not signed in, with one button.
    let link = text
        .split_whitespace()
        .find(|w| w.contains("/check-in/"))
        .expect("a link");
    let path = &link[link.find("/check-in/").expect("path")..];
    let mut visitor = app.client();
    let page = unescape(&visitor.get(path).await.body);
    assert_eq!(page.matches("check-in-button").count(), 1, "{page}");
    // Its click completes the item, counted under Email in the Activity Report.
    let token = path.trim_start_matches("/check-in/");
    let done = visitor.call("check-in/complete", &[("token", token)]).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    let mut admin = app.client().signed_in_as(PROGRAM_ADMIN).await;
    let report = admin
        .get(&format!("/programs/{}/report", app.program_id))
        .await
        .body;
    assert!(
        report.contains("data-source=\"email\" class=\"figure-value\">1</dd>"),
        "{report}"
    );
    // The unsubscribe link is in both parts.
    let unsubscribe = unsubscribe.expect("an unsubscribe address");
    assert!(text.contains(&unsubscribe) && html.contains(&unsubscribe));
}

async fn caps_hold_over_two_months_of_days(engine: Engine) {
    let app = TestApp::new(engine).await;
    turn_on(&app, settings(3)).await;
    for offset in 0..60 {
        let day = today() + Duration::days(offset);
        pass(&app, day).await;
        pass(&app, day).await;
    }
    let per_day: Vec<(i64, i64)> = rows(
        &app,
        "SELECT user_id, COUNT(*) FROM outbox WHERE kind = 'digest' \
         GROUP BY user_id, digest_day",
    )
    .await;
    assert!(!per_day.is_empty());
    assert!(per_day.iter().all(|(_, n)| *n == 1), "one digest a day");
    let per_item: Vec<(String, i64)> = rows(
        &app,
        "SELECT kind, COUNT(*) FROM reminders_sent \
         GROUP BY user_id, milestone_id, enrollment_id, match_id, kind",
    )
    .await;
    assert!(per_item.iter().any(|(k, _)| k == "overdue"));
    assert!(per_item.iter().any(|(k, _)| k == "due_soon"));
    for (kind, n) in per_item {
        match kind.as_str() {
            "due_soon" => assert_eq!(n, 1, "one due soon reminder per item"),
            _ => assert!(n <= 3, "at most three overdue reminders per item, got {n}"),
        }
    }
    // Overdue reminders of an item are two days apart at least.
    let overdue: Vec<(i64, i64, Option<i64>, NaiveDate)> = rows(
        &app,
        "SELECT milestone_id, enrollment_id, match_id, sent_on FROM reminders_sent \
         WHERE kind = 'overdue' ORDER BY milestone_id, enrollment_id, match_id, sent_on",
    )
    .await;
    for pair in overdue.windows(2) {
        if (pair[0].0, pair[0].1, pair[0].2) == (pair[1].0, pair[1].1, pair[1].2) {
            assert!((pair[1].3 - pair[0].3).num_days() >= 2);
        }
    }
}

async fn nothing_goes_for_ended_archived_completed_disabled_or_unsubscribed(engine: Engine) {
    let app = TestApp::new(engine).await;
    turn_on(&app, settings(30)).await;
    let map = std::collections::HashMap::from([(app.program_id, settings(30))]);
    let due = |email: &'static str| {
        let app = &app;
        let map = &map;
        async move {
            let id = user_id(app, email).await;
            let due = app::mail::schedule::due_for(&app.db, id, later(), map)
                .await
                .expect("due items");
            (id, due)
        }
    };
    // The main mentee: completes one item; the other's milestone (a program milestone every
    // mentee has) is archived.
    let (mentee, mentee_due) = due("mentee@example.com").await;
    assert_eq!(mentee_due.len(), 2, "the mentee's two items");
    let completed = mentee_due[0].0.key;
    let archived = mentee_due[1].0.key.milestone_id;
    let mut client = app.client().signed_in_as("mentee@example.com").await;
    assert_eq!(
        client.complete(completed, "quickcliq").await.status,
        StatusCode::OK
    );
    app::db::on_db!(
        &app.db,
        write
            | pool
            | sqlx::query("UPDATE milestones SET archived = $1 WHERE id = $2")
                .bind(true)
                .bind(archived)
                .execute(pool)
                .await
                .map(|_| ())
    )
    .expect("archived");
    // Every match of the second mentor ends: the items of those matches go (theirs and their
    // mentees').
    let (mentor2, mentor2_due) = due("mentor2@example.com").await;
    assert!(mentor2_due.iter().any(|(i, _)| i.key.match_id.is_some()));
    for (item, _) in &mentor2_due {
        if let Some(id) = item.key.match_id {
            app::matches::store::end_match(&app.db, app.program_id, id)
                .await
                .expect("ended");
        }
    }
    // The third mentor is disabled, the first mentor unsubscribed.
    let (mentor3, mentor3_due) = due("mentor3@example.com").await;
    let (mentor, mentor_due) = due("mentor@example.com").await;
    assert!(!mentor3_due.is_empty() && !mentor_due.is_empty());
    app::accounts::store::set_disabled(&app.db, mentor3, true)
        .await
        .expect("disabled");
    app::mail::store::set_wants_reminders(&app.db, mentor, false)
        .await
        .expect("unsubscribed");
    let report = pass(&app, later()).await;
    assert!(report.queued >= 1, "{report:?}");
    for nobody in [mentee, mentor3, mentor] {
        assert_eq!(
            app.scalar(&format!(
                "SELECT COUNT(*) FROM outbox WHERE user_id = {nobody}"
            ))
            .await,
            0,
            "nothing for {nobody}"
        );
    }
    let listed = |user: i64| {
        let app = &app;
        async move {
            rows::<(i64, Option<i64>)>(
                app,
                &format!(
                    "SELECT milestone_id, match_id FROM reminders_sent WHERE user_id = {user}"
                ),
            )
            .await
        }
    };
    let ended: Vec<i64> = mentor2_due
        .iter()
        .filter_map(|(i, _)| i.key.match_id)
        .collect();
    let reminded_of_ended = app
        .scalar(&format!(
            "SELECT COUNT(*) FROM reminders_sent WHERE match_id IN ({})",
            ended
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ))
        .await;
    assert_eq!(reminded_of_ended, 0, "nothing of ended matches");
    assert!(listed(mentor2).await.iter().all(|(_, m)| m.is_none()));
    let (mentee3, _) = due("mentee3@example.com").await;
    let of_mentee3 = listed(mentee3).await;
    assert!(!of_mentee3.is_empty(), "other mentees' items still go");
    assert!(
        of_mentee3.iter().all(|(m, _)| *m != archived),
        "nothing of archived milestones"
    );
}

async fn two_workers_send_each_email_once(engine: Engine) {
    let app = TestApp::new(engine).await;
    let now = Utc::now();
    for n in 0..40 {
        let key = format!("test:{n}");
        app::mail::store::queue(
            &app.db,
            &app::mail::store::NewEmail {
                dedupe_key: &key,
                kind: "test",
                user_id: None,
                program_id: Some(app.program_id),
                digest_day: None,
                to_address: "someone@example.com",
                subject: "Test",
                body_text: "text",
                body_html: "<p>html</p>",
                unsubscribe_url: None,
            },
            now,
        )
        .await
        .expect("queued");
    }
    let recorder = Arc::new(Recorder::default());
    let work = |name: &'static str| {
        let db = app.db.clone();
        let recorder = recorder.clone();
        async move {
            loop {
                let report = send_ready(&db, recorder.as_ref(), name, Utc::now())
                    .await
                    .expect("a round");
                if report.sent == 0 {
                    break;
                }
            }
        }
    };
    tokio::join!(work("a"), work("b"));
    let mut sent = recorder.sent.lock().expect("lock").clone();
    assert_eq!(sent.len(), 40);
    sent.sort();
    sent.dedup();
    assert_eq!(sent.len(), 40, "no email sent twice");
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM outbox WHERE status = 'sent'")
            .await,
        40
    );
    assert_eq!(
        app.scalar("SELECT CAST(MAX(attempts) AS BIGINT) FROM outbox")
            .await,
        1
    );
}

async fn failures_are_retried_later_then_marked_failed_and_an_admin_retries(engine: Engine) {
    let app = TestApp::new(engine).await;
    let mut admin = app.client().signed_in_as(PROGRAM_ADMIN).await;
    let queued = admin
        .call(
            "reminders/test-email",
            &[("program_id", &app.program_id.to_string())],
        )
        .await;
    assert_eq!(queued.status, StatusCode::OK, "{}", queued.body);
    assert!(
        queued.body.contains("until SMTP_URL is set"),
        "{}",
        queued.body
    );
    let failing = Recorder {
        fail: true,
        ..Recorder::default()
    };
    let mut now = Utc::now();
    let mut waits = Vec::new();
    for attempt in 1..=5 {
        let report = send_ready(&app.db, &failing, "w", now)
            .await
            .expect("a round");
        assert_eq!(report.sent, 0);
        // Not ready again at once.
        let early = send_ready(&app.db, &failing, "w", now)
            .await
            .expect("a round");
        assert_eq!(early, Default::default());
        let (status, attempts, next, error): (String, i32, chrono::DateTime<Utc>, Option<String>) =
            rows(
                &app,
                "SELECT status, attempts, next_attempt_at, last_error FROM outbox",
            )
            .await
            .pop()
            .expect("the email");
        assert_eq!(attempts, attempt);
        assert_eq!(error.as_deref(), Some("550 mailbox unavailable"));
        if attempt < 5 {
            assert_eq!(status, "queued");
            waits.push((next - now).num_seconds());
            now = next + Duration::seconds(1);
        } else {
            assert_eq!(status, "failed");
        }
    }
    assert!(
        waits.windows(2).all(|w| w[0] < w[1]),
        "growing delays {waits:?}"
    );
    // The outbox says so; Retry queues it afresh and it goes.
    let page = unescape(
        &admin
            .get(&format!("/programs/{}/reminders", app.program_id))
            .await
            .body,
    );
    assert!(
        page.contains("Failed after 5 attempts: 550 mailbox unavailable"),
        "{page}"
    );
    assert!(page.contains("Sending is off"));
    let id = app.scalar("SELECT id FROM outbox").await;
    let retried = admin
        .call(
            "reminders/retry",
            &[
                ("program_id", &app.program_id.to_string()),
                ("email_id", &id.to_string()),
            ],
        )
        .await;
    assert_eq!(retried.status, StatusCode::OK, "{}", retried.body);
    let working = Recorder::default();
    let report = send_ready(&app.db, &working, "w", Utc::now())
        .await
        .expect("a round");
    assert_eq!(report.sent, 1);
    // An admin of another program cannot retry it.
    let mut other = app.client().signed_in_as(support::OTHER_ADMIN).await;
    let refused = other
        .call(
            "reminders/retry",
            &[
                ("program_id", &app.other_program_id.to_string()),
                ("email_id", &id.to_string()),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
}

async fn one_click_unsubscribe_stops_the_next_digest(engine: Engine) {
    let app = TestApp::new(engine).await;
    turn_on(&app, settings(30)).await;
    pass(&app, later()).await;
    let mentee = user_id(&app, "mentee@example.com").await;
    let url: String = rows::<(String,)>(
        &app,
        &format!("SELECT unsubscribe_url FROM outbox WHERE user_id = {mentee}"),
    )
    .await
    .pop()
    .expect("a digest")
    .0;
    let path = &url[url.find("/unsubscribe/").expect("path")..];
    // Opening the link changes nothing.
    let mut mail_app = app.client();
    let page = unescape(&mail_app.get(path).await.body);
    assert!(page.contains("Unsubscribe from reminder emails"));
    assert!(
        app::mail::store::wants_reminders(&app.db, mentee)
            .await
            .expect("flag")
    );
    // RFC 8058: the mail app posts List-Unsubscribe=One-Click, without cookie or page, even
    // from another site.
    let reply = mail_app
        .send(
            axum::http::Request::post(path)
                .header("content-type", "application/x-www-form-urlencoded")
                .header("origin", "https://mail.example.net")
                .header("sec-fetch-site", "cross-site")
                .body(axum::body::Body::from("List-Unsubscribe=One-Click"))
                .expect("request"),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(
        !app::mail::store::wants_reminders(&app.db, mentee)
            .await
            .expect("flag")
    );
    let page = unescape(&mail_app.get(path).await.body);
    assert!(page.contains("You are unsubscribed"));
    // The next day: nothing for the mentee.
    pass(&app, later() + Duration::days(3)).await;
    assert_eq!(
        app.scalar(&format!(
            "SELECT COUNT(*) FROM outbox WHERE user_id = {mentee}"
        ))
        .await,
        1
    );
    // A forged token unsubscribes nobody.
    let forged = mail_app
        .send(
            axum::http::Request::post(format!("/unsubscribe/{}", "ab".repeat(32)))
                .body(axum::body::Body::from("List-Unsubscribe=One-Click"))
                .expect("request"),
        )
        .await;
    assert_eq!(forged.status, StatusCode::NOT_FOUND);
    // The Profile's switch turns them back on.
    let mut me = app.client().signed_in_as("mentee@example.com").await;
    let on = me
        .call("participation/set-reminder-emails", &[("on", "true")])
        .await;
    assert_eq!(on.status, StatusCode::OK, "{}", on.body);
    assert!(
        app::mail::store::wants_reminders(&app.db, mentee)
            .await
            .expect("flag")
    );
    let profile = unescape(&me.get("/profile").await.body);
    assert!(profile.contains("Turn reminder emails off"), "{profile}");
}

async fn admins_set_reminders_and_preview_tomorrows_digest(engine: Engine) {
    let app = TestApp::new(engine).await;
    let mut admin = app.client().signed_in_as(PROGRAM_ADMIN).await;
    let program = app.program_id.to_string();
    // Wrong values: each field says so, nothing saved.
    let refused = admin
        .call(
            "reminders/save",
            &[
                ("program_id", &program),
                ("enabled", "on"),
                ("days_before", "99"),
                ("overdue", "on"),
                ("overdue_every_days", "0"),
                ("overdue_max", "4"),
                ("send_hour", "9"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    for message in ["from 0 to 30", "from 1 to 30", "reminders from 1 to 3"] {
        assert!(
            refused.body.contains(message),
            "{message}: {}",
            refused.body
        );
    }
    assert!(
        !app::mail::store::settings_of(&app.db, app.program_id)
            .await
            .expect("s")
            .enabled
    );
    let saved = admin
        .call(
            "reminders/save",
            &[
                ("program_id", &program),
                ("enabled", "on"),
                ("days_before", "30"),
                ("overdue_every_days", "3"),
                ("overdue_max", "2"),
                ("send_hour", "7"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let now = app::mail::store::settings_of(&app.db, app.program_id)
        .await
        .expect("s");
    assert_eq!(
        now,
        ReminderSettings {
            enabled: true,
            days_before: 30,
            overdue: false,
            overdue_every_days: 3,
            overdue_max: 2,
            send_hour: 7,
        }
    );
    // The preview names the items due a reminder tomorrow and queues nothing (the second
    // mentee's Partnership Agreement is due in two days).
    let mentee = user_id(&app, "mentee2@example.com").await;
    let page = unescape(
        &admin
            .get(&format!("/programs/{program}/reminders?preview={mentee}"))
            .await
            .body,
    );
    assert!(
        page.contains("Subject: </strong>Your mentoring milestones"),
        "{page}"
    );
    assert!(page.contains("(a one-click link, made when sent)"));
    assert!(page.contains("* Partnership Agreement"), "{page}");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM outbox").await, 0);
    // Participants and other programs' admins cannot see or change it.
    let mut participant = app.client().signed_in_as("mentee@example.com").await;
    let denied = participant
        .call("reminders/page", &[("program_id", &program)])
        .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    let mut other = app.client().signed_in_as(support::OTHER_ADMIN).await;
    let denied = other
        .call(
            "reminders/save",
            &[
                ("program_id", &program),
                ("days_before", "1"),
                ("overdue_every_days", "1"),
                ("overdue_max", "1"),
                ("send_hour", "1"),
            ],
        )
        .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
}

async fn the_timer_runs_each_programs_pass_once_its_hour_has_come(engine: Engine) {
    let app = TestApp::new(engine).await;
    turn_on(&app, settings(30)).await; // 09:00 in the demo program's America/New_York
    let at = |hour: u32| today().and_hms_opt(hour, 30, 0).expect("a time").and_utc();
    let mut done = std::collections::HashSet::new();
    let url = &app.state.public_url;
    // 11:30 UTC is 06:30 or 07:30 in New York: not yet.
    let early = app::mail::schedule::tick(&app.db, at(11), url, &mut done)
        .await
        .expect("a tick");
    assert_eq!(early.queued, 0);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM outbox").await, 0);
    // 15:30 UTC is 10:30 or 11:30 there: the day's digests.
    let due = app::mail::schedule::tick(&app.db, at(15), url, &mut done)
        .await
        .expect("a tick");
    assert!(due.queued >= 1, "{due:?}");
    // Later ticks that day do nothing, nor does a restarted server (a new `done`).
    let again = app::mail::schedule::tick(&app.db, at(16), url, &mut done)
        .await
        .expect("a tick");
    assert_eq!(again, Default::default());
    let restarted = app::mail::schedule::tick(&app.db, at(17), url, &mut Default::default())
        .await
        .expect("a tick");
    assert_eq!(restarted.queued, 0);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM outbox").await as usize,
        due.queued
    );
    let day: Vec<(NaiveDate,)> = rows(&app, "SELECT DISTINCT digest_day FROM outbox").await;
    assert_eq!(day, vec![(today(),)], "the program's calendar day");
}

async fn test_emails_are_limited_even_in_parallel(engine: Engine) {
    let app = TestApp::new(engine).await;
    let admin = app.client().signed_in_as(PROGRAM_ADMIN).await;
    let cookie = admin.cookie.clone().expect("signed in");
    let mut calls = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let router = app.router.clone();
        let cookie = cookie.clone();
        let body = format!("program_id={}", app.program_id);
        calls.spawn(async move {
            let request = axum::http::Request::post("/api/reminders/test-email")
                .header("host", support::HOST)
                .header("cookie", cookie)
                .header("accept", "application/json")
                .header("content-type", "application/x-www-form-urlencoded")
                .header("sec-fetch-site", "same-origin")
                .body(axum::body::Body::from(body))
                .expect("request");
            tower::ServiceExt::oneshot(router, request)
                .await
                .expect("an answer")
                .status()
        });
    }
    let replies = calls.join_all().await;
    let ok = replies.iter().filter(|s| **s == StatusCode::OK).count();
    let refused = replies
        .iter()
        .filter(|s| **s == StatusCode::UNPROCESSABLE_ENTITY)
        .count();
    // Five in a ten-minute window (eight if the calls straddle two windows).
    assert!((5..=8).contains(&ok) && ok + refused == 8, "{replies:?}");
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM outbox WHERE kind = 'test'")
            .await as usize,
        ok
    );
}

on_both_engines!(
    test_emails_are_limited_even_in_parallel,
    the_timer_runs_each_programs_pass_once_its_hour_has_come,
    a_pass_queues_one_digest_per_person_once,
    the_digest_lists_the_persons_items_soonest_first_and_its_links_work,
    caps_hold_over_two_months_of_days,
    nothing_goes_for_ended_archived_completed_disabled_or_unsubscribed,
    two_workers_send_each_email_once,
    failures_are_retried_later_then_marked_failed_and_an_admin_retries,
    one_click_unsubscribe_stops_the_next_digest,
    admins_set_reminders_and_preview_tomorrows_digest,
);

/// A digest through lettre to a real SMTP server (maildev, started by scripts/test.sh), read
/// back through its REST API: both parts, and the one-click unsubscribe headers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_digest_reaches_a_real_smtp_server_with_its_unsubscribe_headers() {
    let (Ok(smtp), Ok(api)) = (
        std::env::var("TEST_SMTP_URL"),
        std::env::var("TEST_MAILDEV_URL"),
    ) else {
        assert!(
            std::env::var("CI").is_err(),
            "CI runs this test: scripts/test.sh sets TEST_SMTP_URL and TEST_MAILDEV_URL"
        );
        eprintln!("SKIPPED: set TEST_SMTP_URL and TEST_MAILDEV_URL (scripts/test.sh does)");
        return;
    };
    let mailer = app::mail::sender::SmtpMailer::new(
        &smtp,
        "Mentoring Milestones <no-reply@milestones.test>",
        "milestones.test",
    )
    .expect("mailer");
    let to = format!(
        "smtp-test-{}@example.com",
        app::accounts::tokens::new_token()[..8].to_owned()
    );
    let email = Outgoing {
        id: 424242,
        kind: "digest".to_string(),
        user_id: Some(1),
        to_address: to.clone(),
        subject: "Your mentoring milestones: 1 overdue".to_string(),
        body_text: "Hello Ana,\n\n* Kickoff «meeting»\n".to_string(),
        body_html: "<p>Hello Ana, <b>Kickoff</b></p>".to_string(),
        unsubscribe_url: Some("http://127.0.0.1:3000/unsubscribe/abc".to_string()),
        attempts: 1,
    };
    mailer.send(&email).await.expect("sent");
    let body = http_get(&api, "/api/email").await;
    let all: serde_json::Value = serde_json::from_str(&body).expect("maildev's JSON");
    let found = all
        .as_array()
        .expect("a list")
        .iter()
        .find(|m| m["to"][0]["address"] == to.as_str())
        .unwrap_or_else(|| panic!("the email in {body}"));
    assert_eq!(found["subject"], "Your mentoring milestones: 1 overdue");
    assert!(
        found["text"]
            .as_str()
            .expect("text")
            .contains("Kickoff «meeting»")
    );
    assert!(
        found["html"]
            .as_str()
            .expect("html")
            .contains("<b>Kickoff</b>")
    );
    // The headers as they arrived, from the message's source.
    let id = found["id"].as_str().expect("an id");
    let source = http_get(&api, &format!("/api/email/{id}/source")).await;
    assert!(
        source.contains("List-Unsubscribe: <http://127.0.0.1:3000/unsubscribe/abc>\r\n"),
        "{source}"
    );
    assert!(
        source.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"),
        "{source}"
    );
    assert!(source.contains("multipart/alternative"));
}
