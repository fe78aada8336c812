//! Requests through the real router, and the server binary's start-up and shutdown.

mod support;

use app::db::Db;
use app::dev::seed::DEMO_PROGRAM_NAME;
use axum::http::StatusCode;
use server::Config;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::{Engine, TestApp};

fn temp_folder(label: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let folder = std::env::temp_dir().join(format!(
        "milestones-http-{label}-{}-{nanos}",
        std::process::id()
    ));
    std::fs::create_dir_all(&folder).expect("temp folder");
    folder
}

#[tokio::test]
async fn the_program_admin_panel_is_rendered_complete_on_the_server() {
    let app = TestApp::new(Engine::Sqlite).await;
    let mut admin = app.client().signed_in_as("admin@example.com").await;
    let reply = admin.get(&format!("/programs/{}", app.program_id)).await;
    assert_eq!(reply.status, StatusCode::OK);
    let body = reply.body;
    assert!(body.starts_with("<!DOCTYPE html>"));
    assert!(body.contains("Mentoring Milestones"));
    assert!(body.contains(r#"<nav aria-label="Main">"#));
    // The data is in the document itself, not in a template that needs JavaScript to show.
    let main = body.split("<main").nth(1).expect("main element");
    assert!(main.contains(DEMO_PROGRAM_NAME));
    assert!(main.contains("Program Admin Panel"));
    assert!(main.contains(&format!(
        r#"href="/programs/{}/milestones">Update Program Milestones</a>"#,
        app.program_id
    )));
    assert!(main.contains("<dt>Mentors</dt><dd>3</dd>"), "{main}");
    assert!(
        body.contains("/pkg/milestones.js"),
        "the hydration script is linked"
    );
    let milestones = admin
        .get(&format!("/programs/{}/milestones", app.program_id))
        .await;
    assert!(milestones.body.contains("Mid-Cycle Check-In"));
    assert!(
        milestones
            .body
            .contains("2 Weeks after the match is published")
    );
}

#[tokio::test]
async fn an_unknown_address_gets_the_not_found_page_with_status_404() {
    let app = TestApp::new(Engine::Sqlite).await;
    let reply = app.client().get("/no/such/page").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert!(reply.body.contains("Page not found"));
    assert!(
        reply.body.contains(r#"<header class="site-header">"#),
        "the 404 page keeps the shell"
    );
}

#[tokio::test]
async fn the_due_date_page_answers_a_plain_get_form() {
    let app = TestApp::new(Engine::Sqlite).await;
    let mut client = app.client();
    let body = client
        .get("/due-dates?on=2026-01-31&amount=1&unit=months")
        .await
        .body;
    let result = body.split("<output").nth(1).expect("the result");
    assert!(result.contains(r#"datetime="2026-02-28""#) && result.contains(r#"class="due""#));
    assert!(
        body.contains(r#"value="2026-01-31""#),
        "the typed values stay in the form"
    );
    assert!(body.contains("February 2026 has no day 31"));
    let leap = client
        .get("/due-dates?on=2028-01-31&amount=1&unit=months")
        .await
        .body;
    assert!(leap.contains(r#"datetime="2028-02-29""#));
    let bad = client
        .get("/due-dates?on=2026-01-31&amount=1000&unit=days")
        .await
        .body;
    assert!(bad.contains("Enter a number from 0 to 999."));
    assert!(!bad.contains(r#"class="due""#));
}

#[tokio::test]
async fn healthz_reports_whether_the_database_answers() {
    let app = TestApp::new(Engine::Sqlite).await;
    let reply = app.client().get("/healthz").await;
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (StatusCode::OK, "ok\n")
    );
    app.db.close().await;
    assert_eq!(
        app.client().get("/healthz").await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
}

#[tokio::test]
async fn the_panel_server_function_answers_json() {
    let app = TestApp::new(Engine::Sqlite).await;
    let mut admin = app.client().signed_in_as("admin@example.com").await;
    let reply = admin
        .call(
            "programs/panel",
            &[("program_id", &app.program_id.to_string())],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(reply.body.contains(DEMO_PROGRAM_NAME));
    assert!(reply.body.contains(r#""unit":"months""#));
}

#[tokio::test]
async fn a_database_failure_reaches_the_page_as_a_plain_sentence() {
    let app = TestApp::new(Engine::Sqlite).await;
    let mut admin = app.client().signed_in_as("admin@example.com").await;
    app.db.close().await;
    let reply = admin.get("/due-dates").await;
    assert_eq!(
        reply.status,
        StatusCode::OK,
        "pages without data still work"
    );
    let api = admin.call("programs/list", &[]).await;
    for body in [&reply.body, &api.body] {
        for leak in ["sqlx", "SELECT", "pool", "closed"] {
            assert!(!body.contains(leak), "must not show {leak:?}: {body}");
        }
    }
}

#[test]
fn every_setting_has_a_flag_and_a_default() {
    use clap::Parser;
    let defaults = Config::try_parse_from(["server"]).expect("defaults parse");
    if std::env::var_os("DATABASE_URL").is_none() {
        assert_eq!(defaults.database_url, "sqlite:data/milestones.db");
    }
    if std::env::var_os("DEMO").is_none() {
        assert!(!defaults.demo);
    }
    let given = Config::try_parse_from([
        "server",
        "--database-url",
        "postgres://postgres@127.0.0.1/milestones",
        "--site-addr",
        "127.0.0.1:8080",
        "--site-root",
        "site",
        "--demo",
        "true",
    ])
    .expect("flags parse");
    assert_eq!(
        given.database_url,
        "postgres://postgres@127.0.0.1/milestones"
    );
    assert_eq!(given.site_addr.port(), 8080);
    assert_eq!(given.site_root, "site");
    assert!(given.demo);
    assert!(Config::try_parse_from(["server", "--demo", "maybe"]).is_err());
}

/// Runs the server binary until it exits or `timeout` passes; returns (exit code, stderr).
fn run_server(env: &[(&str, &str)], timeout: Duration) -> (Option<i32>, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_server"));
    command
        .env_remove("DATABASE_URL")
        .env_remove("DEMO")
        .env_remove("CREATE_DATABASE");
    for (key, value) in env {
        command.env(key, value);
    }
    let mut child = command
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("server starts");
    let started = Instant::now();
    loop {
        if let Ok(Some(_)) = child.try_wait() {
            break;
        }
        if started.elapsed() > timeout {
            let _ = child.kill();
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let output = child.wait_with_output().expect("server output");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn assert_one_clear_sentence(stderr: &str, expected: &str) {
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "one line, got: {stderr}");
    assert!(lines[0].starts_with("error: "), "{stderr}");
    assert!(lines[0].contains(expected), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn demo_mode_on_a_public_address_is_refused_unless_meant() {
    let folder = temp_folder("demo-public");
    let url = format!("sqlite:{}", folder.join("m.db").display());
    let (code, stderr) = run_server(
        &[
            ("DATABASE_URL", &url),
            ("CREATE_DATABASE", "true"),
            ("DEMO", "true"),
            ("LEPTOS_SITE_ADDR", "0.0.0.0:0"),
        ],
        Duration::from_secs(20),
    );
    assert_eq!(code, Some(1), "{stderr}");
    assert_one_clear_sentence(
        &stderr,
        "demo mode shows its accounts and their public password, so it serves only on a loopback address",
    );
}

#[test]
fn a_mistyped_database_path_is_not_created_silently() {
    let folder = temp_folder("mistyped");
    let typo = folder.join("data").join("mlestones.db");
    let url = format!("sqlite:{}", typo.display());
    let (code, stderr) = run_server(&[("DATABASE_URL", &url)], Duration::from_secs(20));
    let created = typo.exists() || folder.join("data").exists();
    let _ = std::fs::remove_dir_all(&folder);
    assert_eq!(code, Some(1), "{stderr}");
    assert_one_clear_sentence(&stderr, "there is no database at");
    assert!(stderr.contains("CREATE_DATABASE=true"), "{stderr}");
    assert!(!created, "nothing was created at the mistyped path");
}

#[test]
fn a_bad_database_url_stops_the_server_with_one_sentence() {
    let (code, stderr) = run_server(
        &[("DATABASE_URL", "mysql://localhost/x")],
        Duration::from_secs(20),
    );
    assert_eq!(code, Some(1));
    assert_one_clear_sentence(&stderr, "DATABASE_URL must start with sqlite: or postgres:");
}

#[test]
fn an_unreachable_database_stops_the_server_with_one_sentence() {
    let (code, stderr) = run_server(
        &[(
            "DATABASE_URL",
            "postgres://postgres:secret@127.0.0.1:1/milestones",
        )],
        Duration::from_secs(20),
    );
    assert_eq!(code, Some(1));
    assert_one_clear_sentence(
        &stderr,
        "could not open the database at 127.0.0.1:1/milestones",
    );
    assert!(!stderr.contains("secret"), "the password is never printed");
}

#[test]
fn a_failed_migration_stops_the_server_with_a_clear_message() {
    let folder = temp_folder("migration");
    let file = folder.join("conflict.db");
    // A database whose users table was made by hand: the first migration cannot create it.
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let db = Db::connect(&format!("sqlite:{}", file.display()))
            .await
            .expect("connect");
        app::db::on_db!(
            &db,
            write
                | pool
                | sqlx::query("CREATE TABLE users (id INTEGER)")
                    .execute(pool)
                    .await
                    .map(|_| ())
        )
        .expect("conflicting table");
        db.close().await;
    });
    let url = format!("sqlite:{}", file.display());
    let (code, stderr) = run_server(&[("DATABASE_URL", &url)], Duration::from_secs(20));
    let _ = std::fs::remove_dir_all(&folder);
    assert_eq!(code, Some(1));
    assert_one_clear_sentence(
        &stderr,
        "the database migration failed, so the server did not start",
    );
}

#[test]
fn sigterm_shuts_the_server_down_gracefully() {
    let folder = temp_folder("sigterm");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let addr = format!("127.0.0.1:{port}");
    let url = format!("sqlite:{}", folder.join("app.db").display());
    let child = Command::new(env!("CARGO_BIN_EXE_server"))
        .env("DATABASE_URL", &url)
        .env("CREATE_DATABASE", "true")
        .env("LEPTOS_SITE_ADDR", &addr)
        .env("DEMO", "true")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("server starts");
    let started = Instant::now();
    let mut healthy = false;
    while started.elapsed() < Duration::from_secs(30) {
        if let Ok(mut stream) = std::net::TcpStream::connect(&addr) {
            use std::io::{Read, Write};
            let _ =
                stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            let mut answer = String::new();
            let _ = stream.read_to_string(&mut answer);
            if answer.starts_with("HTTP/1.1 200") {
                healthy = true;
                break;
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let killed = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status();
    let output = child.wait_with_output().expect("server exits");
    let _ = std::fs::remove_dir_all(&folder);
    assert!(healthy, "the server became healthy");
    assert!(killed.expect("kill runs").success());
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let log = String::from_utf8_lossy(&output.stdout);
    assert!(log.contains("demo data seeded"), "{log}");
    assert!(
        log.contains("shutting down") && log.contains("stopped"),
        "{log}"
    );
    assert!(
        log.contains("uri=/healthz") && log.contains("status=200"),
        "one line per request: {log}"
    );
}

fn create_admin(url: &str, email: &str, password_line: &str) -> (Option<i32>, String, String) {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_server"))
        .args(["create-admin", "--email", email, "--name", "Robin Root"])
        .env("DATABASE_URL", url)
        .env("CREATE_DATABASE", "true")
        .env_remove("DEMO")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("server starts");
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(password_line.as_bytes());
    }
    let output = child.wait_with_output().expect("server exits");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn create_admin_makes_the_first_site_admin_with_a_password_from_stdin() {
    let folder = temp_folder("create-admin");
    let url = format!("sqlite:{}", folder.join("prod.db").display());
    let (code, stdout, stderr) =
        create_admin(&url, "Root@Example.org", "a long production password\n");
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains("Created the site admin root@example.org."));
    let (short_code, _, short_err) = create_admin(&url, "second@example.org", "short\n");
    assert_eq!(short_code, Some(1));
    assert_one_clear_sentence(&short_err, "password: Use at least 10 characters.");
    let (dup_code, _, dup_err) = create_admin(&url, "root@example.org", "another long password\n");
    assert_eq!(dup_code, Some(1));
    assert_one_clear_sentence(
        &dup_err,
        "There is already an account for root@example.org.",
    );
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let (hash, is_site_admin, programs): (String, bool, i64) = runtime.block_on(async {
        let db = Db::open(&url).await.expect("database");
        let row = app::db::on_db!(
            &db,
            read | pool | {
                sqlx::query_as(
                    "SELECT password_hash, is_site_admin, (SELECT COUNT(*) FROM programs) \
                 FROM users WHERE email = 'root@example.org'",
                )
                .fetch_one(pool)
                .await
            }
        )
        .expect("the admin exists");
        db.close().await;
        row
    });
    let _ = std::fs::remove_dir_all(&folder);
    assert!(is_site_admin);
    assert!(app::accounts::password::verify_password(
        "a long production password",
        &hash
    ));
    assert_eq!(programs, 0, "no demo data in a production install");
}

#[tokio::test]
async fn outside_demo_mode_the_sign_in_page_shows_no_accounts() {
    use axum::body::Body;
    use axum::http::Request;
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let scratch = app::dev::scratch::ScratchDb::sqlite()
        .await
        .expect("database");
    let mut production = support::config(scratch.url.clone(), false);
    production.demo = false;
    let router = server::build_router(
        server::AppState::new(&production, scratch.db.clone()).expect("state"),
    );
    let response = router
        .oneshot(
            Request::get("/sign-in")
                .body(Body::empty())
                .expect("request"),
        )
        .await
        .expect("answer");
    assert_eq!(response.status(), StatusCode::OK);
    let body = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    let body = String::from_utf8_lossy(&body);
    assert!(body.contains("<h1>Sign in</h1>"));
    assert!(!body.contains("Demo accounts") && !body.contains("mentoring-demo"));
    assert!(!body.contains("Demo data: the passwords are public"));
}

#[tokio::test]
async fn in_demo_mode_every_page_says_the_passwords_are_public() {
    let app = TestApp::new(Engine::Sqlite).await;
    let mut visitor = app.client();
    for page in ["/sign-in", "/due-dates"] {
        let body = visitor.get(page).await.body;
        assert!(
            body.contains("Demo data: the passwords are public."),
            "{page}"
        );
    }
    let mut mentee = app.client().signed_in_as("mentee@example.com").await;
    let body = mentee.get("/quickcliq").await.body;
    assert!(body.contains("Demo data: the passwords are public."));
}

/// The lines of a CSV download, each as its cells joined by commas.
fn csv_lines(body: &str) -> Vec<String> {
    app::kernel::csv::parse(body)
        .expect("valid CSV")
        .into_iter()
        .map(|record| record.fields.join(","))
        .collect()
}

async fn scalar(db: &Db, sql: &str) -> i64 {
    app::db::on_db!(
        db,
        read | pool | sqlx::query_scalar::<_, i64>(sql).fetch_one(pool).await
    )
    .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

async fn pending_match(app: &TestApp) -> i64 {
    scalar(
        &app.db,
        &format!(
            "SELECT MIN(id) FROM matches WHERE program_id = {} AND state = 'pending'",
            app.program_id
        ),
    )
    .await
}

#[tokio::test]
async fn a_plain_form_publishes_checked_matches_on_the_chosen_day_and_refuses_the_future() {
    let app = TestApp::new(Engine::Sqlite).await;
    let mut admin = app.client().signed_in_as("admin@example.com").await;
    let id = pending_match(&app).await;
    let program = app.program_id.to_string();
    let match_id = id.to_string();
    let today = app::kernel::time_zone::today_in_zone("America/New_York");
    let tomorrow = today.succ_opt().expect("date").to_string();
    // The checkbox of the fourth row: form fields are indexed by row, so indexes have gaps.
    let reply = admin
        .post_form(
            "/api/programs/publish-matches",
            &[
                ("program_id", &program),
                ("match_ids[3]", &match_id),
                ("publish_on", &tomorrow),
            ],
        )
        .await;
    assert_eq!(
        reply.location(),
        Some(format!("/programs/{program}/matches").as_str())
    );
    let outcome = admin.outcome_of(&reply).await;
    assert!(
        outcome
            .as_ref()
            .is_err_and(|e| e.contains("is in the future")),
        "{outcome:?}"
    );
    let earlier = (today - chrono::Days::new(12)).to_string();
    let reply = admin
        .post_form(
            "/api/programs/publish-matches",
            &[
                ("program_id", &program),
                ("match_ids[3]", &match_id),
                ("publish_on", &earlier),
            ],
        )
        .await;
    assert_eq!(
        admin.outcome_of(&reply).await,
        Ok(format!("Published 1 match on {earlier}."))
    );
    let page = admin
        .get(&format!("/programs/{program}/matches?state=published"))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(&format!("datetime=\"{earlier}\"")));
}

#[tokio::test]
async fn exports_are_csv_files_that_name_every_participant_and_match() {
    let app = TestApp::new(Engine::Sqlite).await;
    let mut admin = app.client().signed_in_as("admin@example.com").await;
    let reply = admin
        .get(&format!("/programs/{}/participants.csv", app.program_id))
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("text/csv; charset=utf-8")
    );
    assert!(
        reply
            .headers
            .get("content-disposition")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("attachment;"))
    );
    assert!(
        reply.body.starts_with("\"email\",\"role\","),
        "every cell is quoted"
    );
    let lines = csv_lines(&reply.body);
    assert_eq!(lines[0], "email,role,name,state,live_matches");
    assert_eq!(lines.len(), 1 + 7, "seven demo participants");
    assert!(
        lines
            .iter()
            .any(|l| l == "mentor@example.com,mentor,Jordan Ellis,active,1")
    );
    let matches = admin
        .get(&format!("/programs/{}/matches.csv", app.program_id))
        .await;
    let lines = csv_lines(&matches.body);
    assert!(lines[0].starts_with("mentor_email,mentee_email,publish_date,state"));
    assert_eq!(lines.len(), 1 + 5, "five demo matches");
    // The export reads back as an import of the same matches: nothing new.
    let preview = app::imports::plan::plan_matches(
        &matches.body,
        &app::imports::plan::Known::default(),
        chrono::Utc::now().date_naive(),
    );
    assert!(preview.problem.is_none(), "{:?}", preview.problem);
    let missing = admin
        .get(&format!("/programs/{}/matches.csv", app.program_id + 999))
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND, "no such program");
    let mut other = app.client().signed_in_as(support::OTHER_ADMIN).await;
    let refused = other
        .get(&format!("/programs/{}/matches.csv", app.program_id))
        .await;
    assert_eq!(
        refused.status,
        StatusCode::FORBIDDEN,
        "not this admin's program"
    );
    assert!(!refused.body.contains("mentor@example.com"));
}

#[tokio::test]
async fn records_of_another_program_are_not_reachable_through_ones_own() {
    let app = TestApp::new(Engine::Sqlite).await;
    let batch = app::imports::store::stage_import(
        &app.db,
        app.program_id,
        app::imports::plan::ImportKind::Participants,
        "email,role\nmentor@example.com,mentor\n",
        app.throwaway_id,
    )
    .await
    .expect("staged");
    let enrollment = scalar(
        &app.db,
        &format!(
            "SELECT MIN(id) FROM enrollments WHERE program_id = {}",
            app.program_id
        ),
    )
    .await;
    let mut other = app.client().signed_in_as(support::OTHER_ADMIN).await;
    let own = app.other_program_id.to_string();
    let batch = batch.to_string();
    let enrollment = enrollment.to_string();
    let match_id = pending_match(&app).await.to_string();
    for (endpoint, fields) in [
        (
            "programs/import-preview",
            vec![("program_id", own.as_str()), ("batch_id", batch.as_str())],
        ),
        (
            "programs/import-confirm",
            vec![("program_id", own.as_str()), ("batch_id", batch.as_str())],
        ),
        (
            "programs/set-enrollment",
            vec![
                ("program_id", own.as_str()),
                ("enrollment_id", enrollment.as_str()),
                ("active", "false"),
            ],
        ),
        (
            "programs/end-match",
            vec![
                ("program_id", own.as_str()),
                ("match_id", match_id.as_str()),
            ],
        ),
    ] {
        let reply = other.call(endpoint, &fields).await;
        assert_eq!(
            reply.status,
            StatusCode::NOT_FOUND,
            "{endpoint}: {}",
            reply.body
        );
    }
    let published = other
        .call(
            "programs/publish-matches",
            &[
                ("program_id", own.as_str()),
                ("match_ids[0]", match_id.as_str()),
            ],
        )
        .await;
    assert_eq!(published.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        scalar(
            &app.db,
            &format!("SELECT COUNT(*) FROM matches WHERE id = {match_id} AND state = 'pending'")
        )
        .await,
        1,
        "the other program's match is untouched"
    );
}

#[tokio::test]
async fn publish_all_publishes_every_pending_match_of_the_program_only() {
    let app = TestApp::new(Engine::Sqlite).await;
    let program = app.program_id.to_string();
    let mut admin = app.client().signed_in_as("admin@example.com").await;
    let reply = admin
        .call(
            "programs/publish-matches",
            &[("program_id", &program), ("which", "all")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let today = app::kernel::time_zone::today_in_zone("America/New_York");
    assert!(
        reply
            .body
            .contains(&format!("Published 1 match on {today}.")),
        "{}",
        reply.body
    );
    assert_eq!(
        scalar(
            &app.db,
            "SELECT COUNT(*) FROM matches WHERE state = 'pending'"
        )
        .await,
        0
    );
    let again = admin
        .call(
            "programs/publish-matches",
            &[("program_id", &program), ("which", "all")],
        )
        .await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(again.body.contains("Select at least one pending match"));
}

#[tokio::test]
async fn a_hostile_description_never_reaches_a_page_as_markup() {
    let app = TestApp::new(Engine::Sqlite).await;
    let program = app.program_id.to_string();
    let mut admin = app.client().signed_in_as("admin@example.com").await;
    let hostile = "</textarea><b>out</b><script>alert(1)</script> <img src=x onerror=alert(2)> \
                   [a](javascript:alert(3)) [b](JaVaScRiPt:alert(4)) [c](data:text/html,x) \
                   [ok](https://example.com/ok)";
    let reply = admin
        .post_form(
            "/api/milestones/save",
            &[
                ("program_id", &program),
                ("name", "Hostile <b>name</b>"),
                ("category", "relationship"),
                ("role", "mentor"),
                ("amount", "1"),
                ("unit", "weeks"),
                ("description", hostile),
            ],
        )
        .await;
    assert_eq!(
        reply.location(),
        Some(format!("/programs/{program}/milestones").as_str())
    );
    assert!(admin.outcome_of(&reply).await.is_ok());
    let id = scalar(&app.db, "SELECT MAX(id) FROM milestones").await;
    for page in [
        format!("/programs/{program}/milestones"),
        format!("/programs/{program}/milestones/{id}/edit"),
    ] {
        let body = admin.get(&page).await.body;
        let main = body.split("<main").nth(1).expect("main");
        assert!(!main.contains("<script>alert"), "{page}");
        assert!(!main.contains("</textarea><b>"), "{page}");
        assert!(!main.contains("<img"), "{page}");
        assert!(!main.contains("<b>name"), "{page}");
        assert!(
            !main.to_ascii_lowercase().contains("href=\"javascript"),
            "{page}"
        );
        assert!(!main.contains("href=\"data:"), "{page}");
        assert!(main.contains("Hostile &lt;b&gt;name&lt;/b&gt;"), "{page}");
    }
    let form = admin
        .get(&format!("/programs/{program}/milestones/{id}/edit"))
        .await
        .body;
    assert!(
        form.contains(r#"href="https://example.com/ok" target="_blank" rel="noopener noreferrer""#)
    );
}

/// Every element of a page's `<head>` that is not the app's own: the hostile texts below must
/// reach it as text only.
fn head_of(body: &str) -> &str {
    let start = body.find("<head>").expect("a head");
    let end = body.find("</head>").expect("the head ends");
    &body[start..end]
}

#[tokio::test]
async fn a_program_name_with_markup_never_reaches_the_head_as_markup() {
    let app = TestApp::new(Engine::Sqlite).await;
    let program = app.program_id.to_string();
    let mut admin = app.client().signed_in_as("admin@example.com").await;
    let hostile =
        r#"Evil</title><meta http-equiv="refresh" content="0;url=https://evil.example/"><title>"#;
    let reply = admin
        .post_form(
            "/api/programs/update",
            &[
                ("program_id", &program),
                ("name", hostile),
                ("description", "x"),
                ("time_zone", "UTC"),
            ],
        )
        .await;
    assert!(admin.outcome_of(&reply).await.is_ok(), "renamed");
    let matched = scalar(
        &app.db,
        &format!(
            "SELECT MIN(id) FROM matches WHERE program_id = {program} AND state = 'published'"
        ),
    )
    .await;
    for page in [
        format!("/programs/{program}"),
        format!("/programs/{program}/participants"),
        format!("/programs/{program}/matches"),
        format!("/programs/{program}/matches/{matched}"),
        format!("/programs/{program}/milestones"),
        format!("/programs/{program}/milestones/new"),
        format!("/programs/{program}/resources"),
        format!("/programs/{program}/import"),
        format!("/programs/{program}/report"),
        format!("/programs/{program}/edit"),
    ] {
        let body = admin.get(&page).await.body;
        let head = head_of(&body);
        assert!(!head.contains("<meta http-equiv"), "{page}: {head}");
        assert!(!body.contains("evil.example/\">"), "{page}");
        assert!(!body.contains("Evil</title>"), "{page}");
    }
    let head_text = admin.get(&format!("/programs/{program}")).await.body;
    assert!(
        head_of(&head_text).contains("Evil&lt;/title&gt;&lt;meta http-equiv="),
        "the name is in the title as text: {}",
        head_of(&head_text)
    );
}

#[tokio::test]
async fn a_person_named_with_markup_never_reaches_the_head_of_their_match_page() {
    let app = TestApp::new(Engine::Sqlite).await;
    let program = app.program_id.to_string();
    let mut admin = app.client().signed_in_as("admin@example.com").await;
    let hostile = r#"Mal</title><meta http-equiv="refresh" content="0;url=https://evil.example/">"#;
    for (email, role) in [("mal@example.com", "mentor"), ("mel@example.com", "mentee")] {
        let reply = admin
            .post_form(
                "/api/programs/enrol",
                &[
                    ("program_id", &program),
                    ("email", email),
                    ("role", role),
                    ("name", hostile),
                    ("password", "a long enough password"),
                ],
            )
            .await;
        assert!(admin.outcome_of(&reply).await.is_ok(), "enrolled");
    }
    let ids = |email: &'static str| {
        format!(
            "SELECT e.id FROM enrollments e JOIN users u ON u.id = e.user_id WHERE u.email = '{email}'"
        )
    };
    let mentor = scalar(&app.db, &ids("mal@example.com")).await.to_string();
    let mentee = scalar(&app.db, &ids("mel@example.com")).await.to_string();
    let reply = admin
        .post_form(
            "/api/programs/create-match",
            &[
                ("program_id", &program),
                ("mentor_enrollment_id", &mentor),
                ("mentee_enrollment_id", &mentee),
            ],
        )
        .await;
    assert!(admin.outcome_of(&reply).await.is_ok(), "matched");
    let matched = scalar(&app.db, "SELECT MAX(id) FROM matches").await;
    sqlx_publish(&app.db, matched).await;
    let body = admin
        .get(&format!("/programs/{program}/matches/{matched}"))
        .await
        .body;
    let head = head_of(&body);
    assert!(!head.contains("<meta http-equiv"), "{head}");
    assert!(head.contains("Mal&lt;/title&gt;"), "{head}");
}

async fn sqlx_publish(db: &Db, match_id: i64) {
    let sql = "UPDATE matches SET state = 'published', published_on = '2026-01-05' WHERE id = $1";
    let done = app::db::on_db!(
        db,
        write
            | pool
            | sqlx::query(sql)
                .bind(match_id)
                .execute(pool)
                .await
                .map(|_| ())
    );
    done.expect("published");
}

#[tokio::test]
async fn a_tab_in_next_does_not_redirect_off_site() {
    let app = TestApp::new(Engine::Sqlite).await;
    for next in [
        "/\t/evil.example",
        "/\n/evil.example",
        "/\r/evil.example",
        "/ /evil.example",
        "/\\evil.example",
        "/\t\\evil.example",
        "//evil.example",
        "\t//evil.example",
        "https://evil.example/",
        "/\u{0}/evil.example",
        "/\u{a0}/evil.example",
    ] {
        let mut visitor = app.client();
        let reply = visitor
            .post_form(
                "/sign-in",
                &[
                    ("email", "mentee@example.com"),
                    ("password", app::dev::seed::DEMO_PASSWORD),
                    ("next", next),
                ],
            )
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{next:?}");
        assert_eq!(
            reply.location(),
            Some("/quickcliq"),
            "{next:?} falls back to the person's landing page"
        );
    }
    // A same-site path is kept.
    let mut visitor = app.client();
    let reply = visitor
        .post_form(
            "/sign-in",
            &[
                ("email", "mentee@example.com"),
                ("password", app::dev::seed::DEMO_PASSWORD),
                ("next", "/profile?tab=a%20b"),
            ],
        )
        .await;
    assert_eq!(reply.location(), Some("/profile?tab=a%20b"));
}

#[tokio::test]
async fn undo_is_not_offered_on_an_item_whose_match_has_ended() {
    let app = TestApp::new(Engine::Sqlite).await;
    let mut mentor = app.client().signed_in_as("mentor@example.com").await;
    let key = [
        (
            "milestone_id",
            scalar(
                &app.db,
                "SELECT id FROM milestones WHERE name = 'Mid-Cycle Check-In'",
            )
            .await
            .to_string(),
        ),
        (
            "enrollment_id",
            scalar(
                &app.db,
                "SELECT e.id FROM enrollments e JOIN users u ON u.id = e.user_id \
                 WHERE u.email = 'mentor@example.com' AND e.role = 'mentor'",
            )
            .await
            .to_string(),
        ),
        (
            "match_id",
            scalar(
                &app.db,
                "SELECT m.id FROM matches m JOIN enrollments e ON e.id = m.mentor_enrollment_id \
                 JOIN users u ON u.id = e.user_id \
                 WHERE u.email = 'mentor@example.com' AND m.state = 'published'",
            )
            .await
            .to_string(),
        ),
    ];
    let fields: Vec<(&str, &str)> = key.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(
        mentor.call("items/complete", &fields).await.status,
        StatusCode::OK
    );
    let undo = r#"aria-label="Undo Mid-Cycle Check-In""#;
    assert!(mentor.get("/profile").await.body.contains(undo));
    let match_id: i64 = key[2].1.parse().expect("id");
    app::db::on_db!(
        &app.db,
        write | pool | {
            sqlx::query("UPDATE matches SET state = 'ended', ended_on = published_on WHERE id = $1")
                .bind(match_id)
                .execute(pool)
                .await
                .map(|_| ())
        }
    )
    .expect("ended");
    let page = mentor.get("/profile").await.body;
    assert!(page.contains("Mid-Cycle Check-In"), "still listed");
    assert!(!page.contains(undo), "no Undo on a closed item");
    let refused = mentor.call("items/undo", &fields).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("completions are kept as they are"));
}

#[tokio::test]
async fn participants_see_what_a_milestone_asks_with_its_linked_resources() {
    let app = TestApp::new(Engine::Sqlite).await;
    for (email, page) in [
        ("mentee@example.com", "/quickcliq"),
        ("mentee@example.com", "/profile"),
        ("mentor@example.com", "/quickcliq"),
    ] {
        let mut person = app.client().signed_in_as(email).await;
        let body = person.get(page).await.body;
        assert!(
            body.contains(r#"<details class="item-details">"#),
            "{email} {page}: the description's disclosure"
        );
        assert!(body.contains(r#"<span class="details-label">Details</span>"#));
        if email == "mentee@example.com" && page == "/profile" {
            // The Mid-Cycle Check-In links the Check-In video of the Resource Library.
            assert!(body.contains("Meet to review progress against the agreement."));
            assert!(
                body.contains(r#"href="https://example.com/resources/check-in-video""#),
                "the description's link"
            );
            assert!(
                body.contains("Check-In video<span class=\"visually-hidden\"> (opens in a new tab)</span></a> <span class=\"badge kind\">Video</span>"),
                "the linked resource, by title with its kind"
            );
        }
    }
}

#[tokio::test]
async fn the_quickcliq_groups_open_milestones_by_urgency() {
    let app = TestApp::new(Engine::Sqlite).await;
    // Mentor 3's match was published 100 days ago: some milestones are overdue.
    let mut mentor = app.client().signed_in_as("mentor3@example.com").await;
    let body = mentor.get("/quickcliq").await.body;
    let at = |heading: &str| body.find(&format!(r#"class="group-heading">{heading}<"#));
    let overdue = at("Overdue").unwrap_or_else(|| {
        panic!(
            "an Overdue group: {}",
            &body[body.find("<main").unwrap_or(0)..]
        )
    });
    if let Some(later) = at("Later") {
        assert!(overdue < later, "Overdue comes first");
    }
    if let Some(soon) = at("Due soon") {
        assert!(overdue < soon);
    }
    assert!(!body.contains("Nothing is due in the next 7 days"));
    // The mentee has nothing pressing: the page says when the next one comes due.
    let mut mentee = app.client().signed_in_as("mentee@example.com").await;
    let body = mentee.get("/quickcliq").await.body;
    assert!(body.contains(r#"class="group-heading">Later<"#));
    assert!(!body.contains(r#"class="group-heading">Overdue<"#));
    assert!(
        body.contains("Nothing is due in the next 7 days. Your next milestone, "),
        "the next due date"
    );
}

#[tokio::test]
async fn the_header_counts_overdue_and_due_soon_milestones() {
    let app = TestApp::new(Engine::Sqlite).await;
    let user = app
        .scalar("SELECT id FROM users WHERE email = 'mentor3@example.com'")
        .await;
    let items = app::items::store::items_for(&app.db, user)
        .await
        .expect("items");
    let count = |status: app::milestones::ItemStatus| {
        items
            .iter()
            .filter(|i| i.mine && !i.closed && i.status == status)
            .count()
    };
    let overdue = count(app::milestones::ItemStatus::Overdue);
    assert!(overdue > 0, "mentor 3 has overdue milestones");
    let mut mentor = app.client().signed_in_as("mentor3@example.com").await;
    for page in ["/quickcliq", "/profile", "/due-dates", "/account"] {
        let body = mentor.get(page).await.body;
        let badge = format!(r#"<span class="nav-count overdue">{overdue} overdue</span>"#);
        // In the wide navigation's QuickcliQ link and in the phone menu's summary.
        assert_eq!(body.matches(&badge).count(), 3, "{page}: {badge}");
        let soon = count(app::milestones::ItemStatus::DueSoon);
        assert_eq!(
            body.contains(&format!(
                r#"<span class="nav-count soon">{soon} due soon</span>"#
            )),
            soon > 0,
            "{page}"
        );
    }
    // Completing one lowers the count on the next page.
    let first = items
        .iter()
        .find(|i| i.mine && i.status == app::milestones::ItemStatus::Overdue)
        .expect("an overdue item");
    let done = mentor.complete(first.key, "quickcliq").await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    let body = mentor.get("/quickcliq").await.body;
    let fewer = overdue - 1;
    assert_eq!(
        body.contains(&format!(
            r#"<span class="nav-count overdue">{fewer} overdue</span>"#
        )),
        fewer > 0
    );
    // Admins who take part in no program see no counts.
    let mut admin = app.client().signed_in_as(support::PROGRAM_ADMIN).await;
    assert!(!admin.get("/programs").await.body.contains("nav-count"));
}
