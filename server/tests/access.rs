//! Who may do what: the authorization matrix, sessions and the protections, on both engines.

mod support;

use app::accounts::WRONG_CREDENTIALS;
use app::dev::seed::DEMO_PASSWORD;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use server::auth::SignInLimits;
use support::{Engine, HOST, OTHER_ADMIN, PROGRAM_ADMIN, Reply, TestApp};

/// The people of the matrix, in its column order.
const PERSONAS: [(&str, Option<&str>); 7] = [
    ("anonymous", None),
    ("mentee", Some("mentee@example.com")),
    ("mentor", Some("mentor@example.com")),
    ("other pair's participant", Some("mentee2@example.com")),
    ("admin of this program", Some(PROGRAM_ADMIN)),
    ("admin of another program", Some(OTHER_ADMIN)),
    ("site admin", Some("admin@example.com")),
];

#[derive(Clone, Copy, Debug)]
enum Target {
    Page(&'static str),
    ServerFn(&'static str),
    /// A file download: 401 for nobody, 403 for the wrong person, 200 otherwise.
    Download(&'static str),
    /// An address whose token is its key (a calendar feed): 200 for whoever holds a live token,
    /// signed in or not; 404 for any other token, whoever asks.
    Feed(&'static str),
}

/// Every page and server function, with who may use it (the columns of PERSONAS).
/// `{program}` is the demo program, `{user}` the throwaway account.
const MATRIX: [(Target, [bool; 7]); 100] = [
    // Getting in: the pages of a one-use link and of a forgotten password are anyone's (the
    // token is the key); invitations are sent again by the Users page's site admins and by the
    // admins of the person's program.
    (
        Target::Page("/welcome/{forged}"),
        [true, true, true, true, true, true, true],
    ),
    (
        Target::Page("/reset-password/{forged}"),
        [true, true, true, true, true, true, true],
    ),
    (
        Target::Page("/forgot-password"),
        [true, true, true, true, true, true, true],
    ),
    (
        Target::ServerFn("people/link?token={forged}&reset=false"),
        [true, true, true, true, true, true, true],
    ),
    (
        Target::ServerFn("accounts/resend-invitation?user_id={user}"),
        [false, false, false, false, false, false, true],
    ),
    (
        Target::ServerFn("programs/resend-invitation?program_id={program}&user_id={user}"),
        [false, false, false, false, true, false, true],
    ),
    // Reminder emails: an unsubscribe link's token is its only key; the settings, test
    // email, preview and outbox are the program's admins'.
    (
        Target::Page("/unsubscribe/{forged}"),
        [true, true, true, true, true, true, true],
    ),
    (
        Target::ServerFn("unsubscribe/page?token={forged}"),
        [true, true, true, true, true, true, true],
    ),
    (
        Target::ServerFn("participation/reminder-emails"),
        [false, true, true, true, true, true, true],
    ),
    (
        Target::ServerFn("participation/set-reminder-emails?on=true"),
        [false, true, true, true, true, true, true],
    ),
    (
        Target::Page("/programs/{program}/reminders"),
        [false, false, false, false, true, false, true],
    ),
    (
        Target::ServerFn("reminders/page?program_id={program}"),
        [false, false, false, false, true, false, true],
    ),
    (
        Target::ServerFn(
            "reminders/save?program_id={program}&days_before=3&overdue_every_days=7&overdue_max=3&send_hour=9",
        ),
        [false, false, false, false, true, false, true],
    ),
    (
        Target::ServerFn("reminders/health-summary?program_id={program}&on=true"),
        [false, false, false, false, true, false, true],
    ),
    (
        Target::ServerFn("reminders/test-email?program_id={program}"),
        [false, false, false, false, true, false, true],
    ),
    (
        Target::ServerFn("reminders/retry?program_id={program}&email_id=999999"),
        [false, false, false, false, true, false, true],
    ),
    (
        Target::ServerFn("reminders/page?program_id={program}&preview={user}"),
        [false, false, false, false, true, false, true],
    ),
    // Check-in links: no one signs in; the token (here one never issued) is the only key.
    (
        Target::Page("/check-in/{forged}"),
        [true, true, true, true, true, true, true],
    ),
    (
        Target::ServerFn("check-in/page?token={forged}"),
        [true, true, true, true, true, true, true],
    ),
    (
        Target::ServerFn("check-in/complete?token={forged}"),
        [true, true, true, true, true, true, true],
    ),
    (
        Target::ServerFn("check-in/undo?token={forged}"),
        [true, true, true, true, true, true, true],
    ),
    (
        Target::Feed("/calendar/{feed}.ics"),
        [true, true, true, true, true, true, true],
    ),
    (
        Target::Feed("/calendar/{forged}.ics"),
        [false, false, false, false, false, false, false],
    ),
    (
        Target::ServerFn("participation/calendar-address"),
        [false, true, true, true, true, true, true],
    ),
    (
        Target::ServerFn("participation/reset-calendar-address"),
        [false, true, true, true, true, true, true],
    ),
    (
        Target::ServerFn("items/counts"),
        [false, true, true, true, true, true, true],
    ),
    (
        Target::Page("/sign-in"),
        [true, true, true, true, true, true, true],
    ),
    (
        Target::Page("/due-dates"),
        [true, true, true, true, true, true, true],
    ),
    (
        Target::Page("/programs"),
        [false, false, false, false, true, true, true],
    ),
    (
        Target::Page("/programs/{program}"),
        [false, false, false, false, true, false, true],
    ),
    (
        Target::Page("/quickcliq"),
        [false, true, true, true, true, true, true],
    ),
    (
        Target::Page("/admin/users"),
        [false, false, false, false, false, false, true],
    ),
    (
        Target::ServerFn("accounts/whoami"),
        [true, true, true, true, true, true, true],
    ),
    (
        Target::ServerFn("accounts/sign-in-page"),
        [true, true, true, true, true, true, true],
    ),
    (
        Target::ServerFn("accounts/demo"),
        [true, true, true, true, true, true, true],
    ),
    (
        Target::ServerFn("programs/list"),
        [false, false, false, false, true, true, true],
    ),
    (
        Target::ServerFn("programs/panel?program_id={program}"),
        [false, false, false, false, true, false, true],
    ),
    (
        Target::ServerFn("participation/my-matches"),
        [false, true, true, true, true, true, true],
    ),
    (
        Target::ServerFn("accounts/users"),
        [false, false, false, false, false, false, true],
    ),
    (
        Target::ServerFn(
            "accounts/create-user?email={new_email}&name=New Person&password=long enough password",
        ),
        [false, false, false, false, false, false, true],
    ),
    (
        Target::ServerFn("accounts/make-program-admin?user_id={user}&program_id={program}"),
        [false, false, false, false, false, false, true],
    ),
    (
        Target::ServerFn("accounts/reset-password?user_id={user}&password=another long password"),
        [false, false, false, false, false, false, true],
    ),
    (
        Target::ServerFn("accounts/remove-program-admin?user_id={user}&program_id={program}"),
        [false, false, false, false, false, false, true],
    ),
    (
        Target::ServerFn("accounts/set-disabled?user_id={user}&disabled=true"),
        [false, false, false, false, false, false, true],
    ),
    (
        Target::ServerFn("accounts/clear-sign-in-block?account=x@example.com&address=192.0.2.1"),
        [false, false, false, false, false, false, true],
    ),
    (
        Target::Page("/account"),
        [false, true, true, true, true, true, true],
    ),
    (
        Target::ServerFn("accounts/account"),
        [false, true, true, true, true, true, true],
    ),
    (
        Target::ServerFn(
            "accounts/change-password?current_password=not it at all&new_password=a new long password&confirm_password=a new long password",
        ),
        [false, true, true, true, true, true, true],
    ),
    (
        Target::Page("/programs/new"),
        [false, false, false, false, false, false, true],
    ),
    (
        Target::Page("/programs/{program}/edit"),
        [false, false, false, false, false, false, true],
    ),
    (
        Target::Page("/programs/{program}/participants"),
        [false, false, false, false, true, false, true],
    ),
    (
        Target::Page("/programs/{program}/matches"),
        [false, false, false, false, true, false, true],
    ),
    (
        Target::Page("/programs/{program}/import"),
        [false, false, false, false, true, false, true],
    ),
    (
        Target::Page("/programs/{program}/import/{batch}"),
        [false, false, false, false, true, false, true],
    ),
    (
        Target::Page("/programs/{program}/milestones"),
        [false, false, false, false, true, false, true],
    ),
    (
        Target::Download("/programs/{program}/participants.csv"),
        [false, false, false, false, true, false, true],
    ),
    (
        Target::Download("/programs/{program}/matches.csv"),
        [false, false, false, false, true, false, true],
    ),
    (
        Target::Page("/programs/{program}/report?as_of=2026-01-31&category=relationship"),
        [false, false, false, false, true, false, true],
    ),
    (
        Target::ServerFn("programs/report?program_id={program}&role=mentor&sort=overdue"),
        [false, false, false, false, true, false, true],
    ),
    (
        Target::Download("/programs/{program}/report/milestones.csv?state=published"),
        [false, false, false, false, true, false, true],
    ),
    (
        Target::Download("/programs/{program}/report/matches.csv"),
        [false, false, false, false, true, false, true],
    ),
    (
        Target::ServerFn("programs/form"),
        [false, false, false, false, false, false, true],
    ),
    (
        Target::ServerFn("programs/form?program_id={program}"),
        [false, false, false, false, false, false, true],
    ),
    (
        Target::ServerFn("programs/create?name=Program {persona}&description=&time_zone=UTC"),
        [false, false, false, false, false, false, true],
    ),
    (
        Target::ServerFn(
            "programs/update?program_id={program}&name=Leadership Mentoring 2026&description=Renamed&time_zone=America/New_York",
        ),
        [false, false, false, false, false, false, true],
    ),
    (
        Target::ServerFn("programs/participants?program_id={program}"),
        [false, false, false, false, true, false, true],
    ),
    (
        Target::ServerFn(
            "programs/enrol?program_id={program}&email=throwaway@example.com&role=mentee",
        ),
        [false, false, false, false, true, false, true],
    ),
    (
        Target::ServerFn(
            "programs/set-enrollment?program_id={program}&enrollment_id={enrollment}&active=true",
        ),
        [false, false, false, false, true, false, true],
    ),
    (
        Target::ServerFn("programs/matches?program_id={program}"),
        [false, false, false, false, true, false, true],
    ),
    (
        Target::ServerFn(
            "programs/create-match?program_id={program}&mentor_enrollment_id={enrollment}&mentee_enrollment_id={enrollment}",
        ),
        [false, false, false, false, true, false, true],
    ),
    (
        Target::ServerFn(
            "programs/publish-matches?program_id={program}&match_ids[0]={pending_match}",
        ),
        [false, false, false, false, true, false, true],
    ),
    (
        Target::ServerFn("programs/end-match?program_id={program}&match_id={pending_match}"),
        [false, false, false, false, true, false, true],
    ),
    (
        Target::ServerFn("programs/remove-match?program_id={program}&match_id={ended_match}"),
        [false, false, false, false, true, false, true],
    ),
    (
        Target::Page("/programs/{program}/milestones/new"),
        [false, false, false, false, true, false, true],
    ),
    (
        Target::Page("/programs/{program}/milestones/{milestone}/edit"),
        [false, false, false, false, true, false, true],
    ),
    (
        Target::ServerFn("milestones/list?program_id={program}"),
        [false, false, false, false, true, false, true],
    ),
    (
        Target::ServerFn("milestones/form?program_id={program}&milestone_id={milestone}"),
        [false, false, false, false, true, false, true],
    ),
    (
        Target::ServerFn(
            "milestones/save?program_id={program}&name=Check-In {persona}&category=relationship&role=both&amount=2&unit=weeks&description=Meet",
        ),
        [false, false, false, false, true, false, true],
    ),
    (
        Target::ServerFn(
            "milestones/move?program_id={program}&milestone_id={milestone}&direction=up",
        ),
        [false, false, false, false, true, false, true],
    ),
    (
        Target::ServerFn(
            "milestones/archive?program_id={program}&milestone_id={milestone}&archived=false",
        ),
        [false, false, false, false, true, false, true],
    ),
    // Program cycles: the program's admins duplicate it and copy milestones into it (the
    // copy of a program into itself is refused with a reason, past the permission check).
    (
        Target::Page("/programs/{program}/duplicate"),
        [false, false, false, false, true, false, true],
    ),
    (
        Target::ServerFn("cycles/duplicate-form?program_id={program}"),
        [false, false, false, false, true, false, true],
    ),
    (
        Target::ServerFn(
            "cycles/duplicate?program_id={program}&name=Next cycle {persona}&time_zone=UTC",
        ),
        [false, false, false, false, true, false, true],
    ),
    (
        Target::Page("/programs/{program}/milestones/copy"),
        [false, false, false, false, true, false, true],
    ),
    (
        Target::ServerFn("cycles/copy-plan?program_id={program}"),
        [false, false, false, false, true, false, true],
    ),
    (
        Target::ServerFn("cycles/copy?program_id={program}&from={program}"),
        [false, false, false, false, true, false, true],
    ),
    (
        Target::Page("/programs/{program}/resources"),
        [false, false, false, false, true, false, true],
    ),
    (
        Target::ServerFn("resources/list?program_id={program}"),
        [false, false, false, false, true, false, true],
    ),
    (
        Target::ServerFn(
            "resources/add?program_id={program}&title=Guide {persona}&url=https://example.com/g&kind=document",
        ),
        [false, false, false, false, true, false, true],
    ),
    (
        Target::ServerFn("resources/remove?program_id={program}&resource_id=0"),
        [false, false, false, false, true, false, true],
    ),
    (
        Target::Page("/profile"),
        [false, true, true, true, true, true, true],
    ),
    (
        Target::ServerFn("items/mine"),
        [false, true, true, true, true, true, true],
    ),
    (
        Target::ServerFn(
            "items/complete?milestone_id={item_milestone}&enrollment_id={item_enrollment}&match_id={item_match}&source=quickcliq",
        ),
        [false, false, true, false, true, false, true],
    ),
    (
        Target::ServerFn(
            "items/undo?milestone_id={item_milestone}&enrollment_id={item_enrollment}&match_id={item_match}&source=quickcliq",
        ),
        [false, false, true, false, true, false, true],
    ),
    (
        Target::Page("/programs/{program}/matches/{item_match}"),
        [false, false, false, false, true, false, true],
    ),
    (
        Target::ServerFn("items/match?program_id={program}&match_id={item_match}"),
        [false, false, false, false, true, false, true],
    ),
    (
        Target::ServerFn("programs/import-page?program_id={program}"),
        [false, false, false, false, true, false, true],
    ),
    (
        Target::ServerFn(
            "programs/import-stage?program_id={program}&kind=participants&content=email,role",
        ),
        [false, false, false, false, true, false, true],
    ),
    (
        Target::ServerFn("programs/import-preview?program_id={program}&batch_id={batch}"),
        [false, false, false, false, true, false, true],
    ),
    (
        Target::ServerFn("programs/import-confirm?program_id={program}&batch_id={batch}"),
        [false, false, false, false, true, false, true],
    ),
];

/// Records the matrix's targets refer to.
struct Records {
    batch: i64,
    enrollment: i64,
    pending_match: i64,
    ended_match: i64,
    milestone: i64,
    /// The mentor's Mid-Cycle Check-In with the demo's main mentee.
    item_milestone: i64,
    item_enrollment: i64,
    item_match: i64,
    /// The calendar feed token of a participant who is none of the personas (so no persona's
    /// Reset address changes it).
    feed: String,
}

impl Records {
    async fn of(app: &TestApp) -> Records {
        let scalar = |sql: String| async move {
            app::db::on_db!(
                &app.db,
                read | pool | sqlx::query_scalar::<_, i64>(&sql).fetch_one(pool).await
            )
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
        };
        let batch = app::imports::store::stage_import(
            &app.db,
            app.program_id,
            app::imports::plan::ImportKind::Participants,
            "email,role\nmentor@example.com,mentor\n",
            app.throwaway_id,
        )
        .await
        .expect("a staged import");
        let feed_owner =
            scalar("SELECT id FROM users WHERE email = 'mentor3@example.com'".to_string()).await;
        let (feed, _) = app::calendar::store::token_of(&app.db, feed_owner)
            .await
            .expect("a feed token");
        Records {
            feed,
            batch,
            enrollment: scalar(format!(
                "SELECT MIN(id) FROM enrollments WHERE program_id = {}",
                app.program_id
            ))
            .await,
            pending_match: scalar(format!(
                "SELECT MIN(id) FROM matches WHERE program_id = {} AND state = 'pending'",
                app.program_id
            ))
            .await,
            item_milestone: scalar(
                "SELECT id FROM milestones WHERE name = 'Mid-Cycle Check-In'".to_string(),
            )
            .await,
            item_enrollment: scalar(
                "SELECT e.id FROM enrollments e JOIN users u ON u.id = e.user_id \
                 WHERE u.email = 'mentor@example.com' AND e.role = 'mentor'"
                    .to_string(),
            )
            .await,
            item_match: scalar(
                "SELECT m.id FROM matches m JOIN enrollments e ON e.id = m.mentor_enrollment_id \
                 JOIN users u ON u.id = e.user_id \
                 WHERE u.email = 'mentor@example.com' AND m.state = 'published'"
                    .to_string(),
            )
            .await,
            milestone: scalar(format!(
                "SELECT MIN(id) FROM milestones WHERE program_id = {}",
                app.program_id
            ))
            .await,
            ended_match: scalar(format!(
                "SELECT MIN(id) FROM matches WHERE program_id = {} AND state = 'ended'",
                app.program_id
            ))
            .await,
        }
    }
}

fn fill(template: &str, app: &TestApp, records: &Records, persona: usize) -> String {
    template
        .replace("{program}", &app.program_id.to_string())
        .replace("{user}", &app.throwaway_id.to_string())
        .replace("{new_email}", &format!("new{persona}@example.com"))
        .replace("{persona}", &persona.to_string())
        .replace("{batch}", &records.batch.to_string())
        .replace("{enrollment}", &records.enrollment.to_string())
        .replace("{pending_match}", &records.pending_match.to_string())
        .replace("{ended_match}", &records.ended_match.to_string())
        .replace("{milestone}", &records.milestone.to_string())
        .replace("{item_milestone}", &records.item_milestone.to_string())
        .replace("{item_enrollment}", &records.item_enrollment.to_string())
        .replace("{item_match}", &records.item_match.to_string())
        .replace("{feed}", &records.feed)
        // A token of the right form that was never given.
        .replace("{forged}", &"0123456789abcdef".repeat(4))
}

/// Whether the reply let the person in; panics on a refusal of the wrong kind.
fn allowed(target: Target, signed_in: bool, reply: &Reply) -> bool {
    let refused_as = match target {
        Target::Page(_) if !signed_in => {
            let to_sign_in = reply.status == StatusCode::FOUND
                && reply
                    .location()
                    .is_some_and(|l| l.starts_with("/sign-in?next="));
            (!to_sign_in).then_some(reply.status)
        }
        Target::Page(_) => (reply.status != StatusCode::FORBIDDEN).then_some(reply.status),
        Target::ServerFn(_) if !signed_in => {
            (reply.status != StatusCode::UNAUTHORIZED).then_some(reply.status)
        }
        Target::ServerFn(_) => (reply.status != StatusCode::FORBIDDEN).then_some(reply.status),
        Target::Download(_) if !signed_in => {
            (reply.status != StatusCode::UNAUTHORIZED).then_some(reply.status)
        }
        Target::Download(_) => (reply.status != StatusCode::FORBIDDEN).then_some(reply.status),
        Target::Feed(_) => {
            let feed = reply.status == StatusCode::OK
                && reply
                    .headers
                    .get(header::CONTENT_TYPE)
                    .is_some_and(|t| t.as_bytes().starts_with(b"text/calendar"))
                && reply.body.starts_with("BEGIN:VCALENDAR");
            assert!(
                feed || reply.status == StatusCode::NOT_FOUND,
                "{target:?}: unexpected {}: {}",
                reply.status,
                reply.body
            );
            return feed;
        }
    };
    match refused_as {
        None => false,
        Some(status) => {
            // Past the permission check, a server function may still refuse the request itself
            // (422 with a reason, 404 for a record that is gone): that person was let in.
            let answered = matches!(target, Target::ServerFn(_))
                && (status == StatusCode::UNPROCESSABLE_ENTITY || status == StatusCode::NOT_FOUND);
            assert!(
                status.is_success() || answered,
                "{target:?}: unexpected {status}: {}",
                reply.body
            );
            true
        }
    }
}

async fn every_page_and_server_function_admits_exactly_whom_the_matrix_says(engine: Engine) {
    let app = TestApp::new(engine).await;
    let records = Records::of(&app).await;
    let mut failures = Vec::new();
    for (column, (who, email)) in PERSONAS.iter().enumerate() {
        let mut client = app.client();
        if let Some(email) = email {
            client = client.signed_in_as(email).await;
        }
        for (target, expected) in MATRIX {
            let reply = match target {
                Target::Page(path) | Target::Download(path) | Target::Feed(path) => {
                    client.get(&fill(path, &app, &records, column)).await
                }
                Target::ServerFn(spec) => {
                    let spec = fill(spec, &app, &records, column);
                    let (endpoint, query) = spec.split_once('?').unwrap_or((&spec, ""));
                    let fields: Vec<(&str, &str)> = query
                        .split('&')
                        .filter(|p| !p.is_empty())
                        .filter_map(|p| p.split_once('='))
                        .collect();
                    client.call(endpoint, &fields).await
                }
            };
            let got = allowed(target, email.is_some(), &reply);
            if got != expected[column] {
                failures.push(format!(
                    "{who} on {target:?}: expected {}, got {} ({})",
                    if expected[column] { "allow" } else { "deny" },
                    if got { "allow" } else { "deny" },
                    reply.status
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "authorization matrix:\n{}",
        failures.join("\n")
    );
}

async fn each_role_lands_where_they_work(engine: Engine) {
    let app = TestApp::new(engine).await;
    let program = format!("/programs/{}", app.program_id);
    for (email, landing) in [
        ("admin@example.com", program.as_str()),
        (PROGRAM_ADMIN, program.as_str()),
        ("mentor@example.com", "/quickcliq"),
        ("mentee@example.com", "/quickcliq"),
    ] {
        let mut client = app.client();
        let reply = client.sign_in(email, DEMO_PASSWORD).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER);
        assert_eq!(reply.location(), Some(landing), "{email}");
        let home = client.get("/").await;
        assert_eq!(home.location(), Some(landing), "/ sends {email} to work");
    }
    let anonymous = app.client().get("/").await;
    assert_eq!(anonymous.location(), Some("/sign-in"));
}

async fn a_protected_page_sends_you_to_sign_in_and_back(engine: Engine) {
    let app = TestApp::new(engine).await;
    let mut client = app.client();
    let path = format!("/programs/{}", app.program_id);
    let first = client.get(&path).await;
    assert_eq!(
        first.location(),
        Some(format!("/sign-in?next={path}").as_str())
    );
    let signed_in = client
        .post_form(
            "/sign-in",
            &[
                ("email", PROGRAM_ADMIN),
                ("password", DEMO_PASSWORD),
                ("next", &path),
            ],
        )
        .await;
    assert_eq!(signed_in.location(), Some(path.as_str()));
    let page = client.get(&path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Leadership Mentoring 2026"));
    // An address elsewhere is never followed.
    let mut other = app.client();
    let outside = other
        .post_form(
            "/sign-in",
            &[
                ("email", PROGRAM_ADMIN),
                ("password", DEMO_PASSWORD),
                ("next", "//evil.example/x"),
            ],
        )
        .await;
    assert_eq!(outside.location(), Some(path.as_str()));
}

async fn a_wrong_password_gets_one_message_that_does_not_say_which_part_was_wrong(engine: Engine) {
    let app = TestApp::new(engine).await;
    let wrong_password = app
        .client()
        .sign_in("mentor@example.com", "not-the-password")
        .await;
    let unknown_email = app
        .client()
        .sign_in("nobody@example.com", DEMO_PASSWORD)
        .await;
    for reply in [&wrong_password, &unknown_email] {
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
        assert!(reply.body.contains(WRONG_CREDENTIALS), "{}", reply.body);
        assert!(
            reply.set_cookie().is_none(),
            "no session for a refused sign-in"
        );
    }
    assert!(
        wrong_password
            .body
            .contains(r#"value="mentor@example.com""#),
        "the email stays typed"
    );
}

async fn the_session_cookie_is_http_only_lax_and_secure_when_configured(engine: Engine) {
    let app = TestApp::new(engine).await;
    let reply = app
        .client()
        .sign_in("mentor@example.com", DEMO_PASSWORD)
        .await;
    let cookie = reply.set_cookie().expect("a session cookie");
    assert!(cookie.starts_with("milestones_session="));
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/")
    );
    assert!(!cookie.contains("Secure"));
    let id = cookie
        .split(';')
        .next()
        .unwrap_or_default()
        .trim_start_matches("milestones_session=");
    assert!(id.len() >= 22, "a 128-bit random id, base64: {id}");

    assert!(
        !reply
            .headers
            .contains_key(header::STRICT_TRANSPORT_SECURITY),
        "no HSTS over plain HTTP"
    );

    // Over HTTPS: Secure, and the __Host- prefix, which only this host over HTTPS with path /
    // can set; browsers are told to keep to HTTPS.
    let tls = TestApp::with(engine, true, SignInLimits::default()).await;
    let mut client = tls.client();
    let reply = client.sign_in("mentor@example.com", DEMO_PASSWORD).await;
    let cookie = reply.set_cookie().expect("cookie");
    assert!(cookie.starts_with("__Host-milestones_session="), "{cookie}");
    assert!(cookie.contains("Secure") && cookie.contains("Path=/") && !cookie.contains("Domain"));
    let page = client.get("/quickcliq").await;
    assert_eq!(page.status, StatusCode::OK, "the prefixed cookie signs in");
    assert_eq!(
        page.headers
            .get(header::STRICT_TRANSPORT_SECURITY)
            .and_then(|v| v.to_str().ok()),
        Some("max-age=31536000; includeSubDomains")
    );
}

async fn signing_in_rotates_the_session_id(engine: Engine) {
    let app = TestApp::new(engine).await;
    let mut client = app.client().signed_in_as("mentee@example.com").await;
    let before = client.cookie.clone().expect("cookie");
    client.sign_in(PROGRAM_ADMIN, DEMO_PASSWORD).await;
    let after = client.cookie.clone().expect("cookie");
    assert_ne!(before, after, "a new id at sign-in");
    // The old id no longer identifies anyone.
    let mut planted = app.client();
    planted.cookie = Some(before);
    let reply = planted.get("/quickcliq").await;
    assert!(reply.location().is_some_and(|l| l.starts_with("/sign-in")));
}

async fn signing_out_ends_the_session_on_the_server(engine: Engine) {
    let app = TestApp::new(engine).await;
    let mut client = app.client().signed_in_as("mentor@example.com").await;
    let kept = client.cookie.clone();
    assert_eq!(client.get("/quickcliq").await.status, StatusCode::OK);
    let out = client.post_form("/sign-out", &[]).await;
    assert_eq!(
        (out.status, out.location()),
        (StatusCode::SEE_OTHER, Some("/sign-in"))
    );
    assert!(
        client.cookie.is_none(),
        "the browser is told to forget the cookie"
    );
    // Even a client that kept the cookie is signed out.
    let mut stubborn = app.client();
    stubborn.cookie = kept;
    assert!(
        stubborn
            .get("/quickcliq")
            .await
            .location()
            .is_some_and(|l| l.starts_with("/sign-in"))
    );
    let sessions: i64 = app::db::on_db!(
        &app.db,
        read | pool | {
            sqlx::query_scalar("SELECT COUNT(*) FROM sessions")
                .fetch_one(pool)
                .await
        }
    )
    .expect("count");
    assert_eq!(sessions, 0);
}

async fn cross_site_posts_are_refused(engine: Engine) {
    let app = TestApp::new(engine).await;
    let mut client = app.client().signed_in_as("admin@example.com").await;
    let cookie = client.cookie.clone().expect("cookie");
    let forged = |origin: Option<&str>, site: Option<&str>| {
        let mut request = Request::post("/api/accounts/create-user")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, cookie.clone());
        if let Some(origin) = origin {
            request = request.header(header::ORIGIN, origin);
        }
        if let Some(site) = site {
            request = request.header("sec-fetch-site", site);
        }
        request
            .body(Body::from(
                "email=forged%40example.com&name=F&password=long%20enough%20pw",
            ))
            .expect("request")
    };
    for (origin, site) in [
        (Some("https://evil.example"), None),
        (Some("null"), None),
        (None, Some("cross-site")),
        (Some(&*format!("http://{HOST}")), Some("same-site")),
    ] {
        let reply = client.send(forged(origin, site)).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{origin:?} {site:?}");
    }
    let sign_out = client
        .send(
            Request::post("/sign-out")
                .header(header::ORIGIN, "https://evil.example")
                .header(header::COOKIE, cookie.clone())
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(
        sign_out.status,
        StatusCode::FORBIDDEN,
        "no forced sign-out either"
    );
    let same_origin = client
        .send(forged(Some(&format!("http://{HOST}")), Some("same-origin")))
        .await;
    assert_eq!(same_origin.status, StatusCode::OK, "{}", same_origin.body);
}

async fn oversized_bodies_get_413(engine: Engine) {
    let app = TestApp::new(engine).await;
    let mut client = app.client();
    let big = format!(
        "email=a%40example.com&password={}",
        "x".repeat(server::protect::MAX_BODY_BYTES + 1024)
    );
    let reply = client
        .send(
            Request::post("/sign-in")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::CONTENT_LENGTH, big.len())
                .body(Body::from(big))
                .expect("request"),
        )
        .await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
}

/// The lines of a CSV download, each as its cells joined by commas.
fn csv_lines(body: &str) -> Vec<String> {
    app::kernel::csv::parse(body)
        .expect("valid CSV")
        .into_iter()
        .map(|record| record.fields.join(","))
        .collect()
}

async fn pages_carry_the_security_headers(engine: Engine) {
    let app = TestApp::new(engine).await;
    let reply = app.client().get("/sign-in").await;
    let header = |name: &str| {
        reply
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    assert_eq!(header("x-content-type-options"), "nosniff");
    assert_eq!(header("referrer-policy"), "same-origin");
    let csp = header("content-security-policy");
    assert!(
        csp.contains("frame-ancestors 'none'") && csp.contains("'wasm-unsafe-eval'"),
        "{csp}"
    );
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|r| r.split('\'').next())
        .expect("a nonce");
    assert!(
        reply.body.contains(&format!(r#"nonce="{nonce}""#)),
        "the inline script carries it"
    );
    assert!(!csp.contains("unsafe-inline"));
    assert_eq!(header("cross-origin-opener-policy"), "same-origin");
    let permissions = header("permissions-policy");
    assert!(
        permissions.contains("camera=()") && permissions.contains("geolocation=()"),
        "{permissions}"
    );
    // A page (signed in or not) is never kept by a shared cache; the built assets may be.
    assert_eq!(header("cache-control"), "no-store");
    let mut admin = app.client().signed_in_as("admin@example.com").await;
    let panel = admin.get(&format!("/programs/{}", app.program_id)).await;
    assert_eq!(
        panel
            .headers
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("no-store")
    );
}

async fn refusals_never_show_sql_or_driver_text(engine: Engine) {
    let app = TestApp::new(engine).await;
    let mut admin = app.client().signed_in_as("admin@example.com").await;
    let duplicate = admin
        .call(
            "accounts/create-user",
            &[
                ("email", "mentor@example.com"),
                ("name", "Dup"),
                ("password", "long enough password"),
            ],
        )
        .await;
    assert_eq!(duplicate.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        duplicate
            .body
            .contains("There is already an account for mentor@example.com.")
    );
    let short = admin
        .call(
            "accounts/create-user",
            &[("email", "not an email"), ("name", "X")],
        )
        .await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    let missing = admin
        .call("programs/panel", &[("program_id", "999999")])
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    for reply in [&duplicate, &short, &missing] {
        for leak in [
            "UNIQUE",
            "constraint",
            "sqlx",
            "INSERT",
            "users.email",
            "duplicate key",
        ] {
            assert!(!reply.body.contains(leak), "{leak} in {}", reply.body);
        }
    }
}

async fn a_site_admin_manages_users(engine: Engine) {
    let app = TestApp::new(engine).await;
    let mut admin = app.client().signed_in_as("admin@example.com").await;
    let created = admin
        .call(
            "accounts/create-user",
            &[
                ("email", " New.Mentor@Example.com "),
                ("name", "New Mentor"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    // Invited: no password signs in until they choose theirs from the link.
    assert_eq!(
        app.client()
            .sign_in("new.mentor@example.com", "!")
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    app.client()
        .accepts_invitation(&mut admin, "new.mentor@example.com", "a fine long password")
        .await;
    let mut newcomer = app.client();
    assert_eq!(
        newcomer
            .sign_in("new.mentor@example.com", "a fine long password")
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let reset = admin
        .call(
            "accounts/reset-password",
            &[
                ("user_id", &app.throwaway_id.to_string()),
                ("password", "a brand new password"),
            ],
        )
        .await;
    assert_eq!(reset.status, StatusCode::OK, "{}", reset.body);
    assert_eq!(
        app.client()
            .sign_in(support::THROWAWAY, DEMO_PASSWORD)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.client()
            .sign_in(support::THROWAWAY, "a brand new password")
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let promoted = admin
        .call(
            "accounts/make-program-admin",
            &[
                ("user_id", &app.throwaway_id.to_string()),
                ("program_id", &app.program_id.to_string()),
            ],
        )
        .await;
    assert_eq!(promoted.status, StatusCode::OK);
    let mut throwaway = app.client();
    let landing = throwaway
        .sign_in(support::THROWAWAY, "a brand new password")
        .await;
    assert_eq!(
        landing.location(),
        Some(format!("/programs/{}", app.program_id).as_str())
    );
    let again = admin
        .call(
            "accounts/make-program-admin",
            &[
                ("user_id", &app.throwaway_id.to_string()),
                ("program_id", &app.program_id.to_string()),
            ],
        )
        .await;
    assert!(again.body.contains("already"), "{}", again.body);
}

async fn user_management_forms_answer_without_javascript(engine: Engine) {
    let app = TestApp::new(engine).await;
    let mut admin = app.client().signed_in_as("admin@example.com").await;
    let refused = admin
        .post_form(
            "/api/accounts/create-user",
            &[
                ("email", "mentor@example.com"),
                ("name", "Dup"),
                ("password", "long enough password"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FOUND);
    assert_eq!(refused.location(), Some("/admin/users"));
    assert_eq!(
        admin.outcome_of(&refused).await,
        Err("There is already an account for mentor@example.com.".to_string())
    );
    let created = admin
        .post_form(
            "/api/accounts/create-user",
            &[
                ("email", "plain@example.com"),
                ("name", "Plain Form"),
                ("password", "long enough password"),
            ],
        )
        .await;
    assert_eq!(
        admin.outcome_of(&created).await,
        Ok(
            "Created an account for Plain Form (plain@example.com). Email is not set up here: use \
             Copy invitation link in the list to hand them their link."
                .to_string()
        )
    );
    let page = admin.get("/admin/users").await;
    assert!(!page.body.contains("Created an account for"), "shown once");
    assert!(
        page.body.contains("plain@example.com"),
        "the list shows the new account"
    );
}

/// The report page and its CSV through the real router, for one set of filters: the same
/// figures in both, a download's name and type, and a wrong filter refused in words.
async fn the_report_page_and_its_csv_agree_through_the_router(engine: Engine) {
    let app = TestApp::new(engine).await;
    let mut admin = app.client().signed_in_as(PROGRAM_ADMIN).await;
    let filters = "category=relationship&role=mentee";
    let page = admin
        .get(&format!("/programs/{}/report?{filters}", app.program_id))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<h1>Activity Report</h1>"));
    let csv = admin
        .get(&format!(
            "/programs/{}/report/milestones.csv?{filters}",
            app.program_id
        ))
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(
        csv.headers
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("text/csv; charset=utf-8")
    );
    let disposition = csv
        .headers
        .get("content-disposition")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(
        disposition.starts_with(&format!(
            "attachment; filename=\"program-{}-report-milestones-",
            app.program_id
        )),
        "{disposition}"
    );
    let lines = csv_lines(&csv.body);
    assert!(lines[0].starts_with("milestone,category,program_role,"));
    // Every milestone row is a relationship milestone of mentees, and its figures are the
    // page's row: the same cells in the same order.
    assert!(lines.len() > 2, "{}", csv.body);
    for line in &lines[1..lines.len() - 1] {
        let cells: Vec<&str> = line.split(',').collect();
        assert_eq!(&cells[1..3], ["Relationship milestone", "Mentee"], "{line}");
        let numbers = [
            cells[4], cells[5], cells[7], cells[8], cells[9], cells[10], cells[11], cells[12],
        ]
        .map(|n| format!("<td class=\"num\">{n}</td>"))
        .concat();
        assert!(
            page.body.contains(&numbers),
            "the page shows {line} as {numbers}"
        );
    }
    let totals: Vec<&str> = lines[lines.len() - 1].split(',').collect();
    assert_eq!(totals[0], "All milestones");
    let matches = admin
        .get(&format!(
            "/programs/{}/report/matches.csv?{filters}&sort=mentee",
            app.program_id
        ))
        .await;
    assert_eq!(matches.status, StatusCode::OK);
    assert!(csv_lines(&matches.body)[0].starts_with("mentor,mentee,state,published_on,"));
    let refused = admin
        .get(&format!(
            "/programs/{}/report/matches.csv?from=2026-05-01&to=2026-04-01",
            app.program_id
        ))
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        refused.body.trim(),
        "Published to: the end of the range is before its start."
    );
    let bad_page = admin
        .get(&format!(
            "/programs/{}/report?as_of=yesterday",
            app.program_id
        ))
        .await;
    assert_eq!(bad_page.status, StatusCode::OK);
    assert!(bad_page.body.contains("As of: enter a date as YYYY-MM-DD"));
}

on_both_engines!(
    the_signed_in_person_is_read_whole_in_one_statement,
    user_management_forms_answer_without_javascript,
    every_page_and_server_function_admits_exactly_whom_the_matrix_says,
    each_role_lands_where_they_work,
    a_protected_page_sends_you_to_sign_in_and_back,
    a_wrong_password_gets_one_message_that_does_not_say_which_part_was_wrong,
    the_session_cookie_is_http_only_lax_and_secure_when_configured,
    signing_in_rotates_the_session_id,
    signing_out_ends_the_session_on_the_server,
    cross_site_posts_are_refused,
    oversized_bodies_get_413,
    pages_carry_the_security_headers,
    refusals_never_show_sql_or_driver_text,
    a_site_admin_manages_users,
    the_report_page_and_its_csv_agree_through_the_router,
);

async fn the_signed_in_person_is_read_whole_in_one_statement(engine: Engine) {
    let app = TestApp::new(engine).await;
    let admin = app
        .scalar(&format!(
            "SELECT id FROM users WHERE email = '{PROGRAM_ADMIN}'"
        ))
        .await;
    app::accounts::store::make_program_admin(&app.db, app.other_program_id, admin)
        .await
        .expect("a second right");
    let person = app::accounts::store::load_current_user(&app.db, admin)
        .await
        .expect("read")
        .expect("enabled");
    let mut rights = vec![app.program_id, app.other_program_id];
    rights.sort();
    assert_eq!(person.admin_of, rights);
    assert!(person.enrollments.is_empty());
    // A participant's enrollments, in order, with role and state; a disabled account is nobody.
    let mentee = app
        .scalar("SELECT id FROM users WHERE email = 'mentee@example.com'")
        .await;
    let person = app::accounts::store::load_current_user(&app.db, mentee)
        .await
        .expect("read")
        .expect("enabled");
    assert!(person.admin_of.is_empty());
    assert_eq!(person.email, "mentee@example.com");
    let expected = app
        .scalar(&format!(
            "SELECT COUNT(*) FROM enrollments WHERE user_id = {mentee} AND state = 'active'"
        ))
        .await;
    assert!(expected >= 1);
    assert_eq!(
        person.enrollments.iter().filter(|e| e.active).count() as i64,
        expected
    );
    assert!(person.enrollments.windows(2).all(|w| w[0].id < w[1].id));
    assert!(
        person
            .enrollments
            .iter()
            .all(|e| e.program_id == app.program_id && e.role == app::kernel::roles::Role::Mentee)
    );
    app::accounts::store::set_disabled(&app.db, mentee, true)
        .await
        .expect("disabled");
    assert!(
        app::accounts::store::load_current_user(&app.db, mentee)
            .await
            .expect("read")
            .is_none()
    );
}
