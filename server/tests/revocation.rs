//! Attacks on sign-in and on access that should be taken back, each refused, through the real
//! router on both engines: parallel guessing, lock-outs of the innocent, forged client
//! addresses, sessions that outlive a password, a disabled account or an admin right.

mod support;

use app::dev::seed::DEMO_PASSWORD;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use server::auth::SignInLimits;
use std::time::Duration;
use support::{Engine, HOST, PROGRAM_ADMIN, THROWAWAY, TestApp, form};
use tower::ServiceExt;

/// A sign-in form post as a browser sends it, from `peer`.
fn sign_in_request(email: &str, password: &str, peer: Option<&str>) -> Request<Body> {
    let mut request = Request::post("/sign-in")
        .header(header::HOST, HOST)
        .header(header::ACCEPT, "text/html")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "same-origin")
        .body(Body::from(form(&[
            ("email", email),
            ("password", password),
            ("next", ""),
        ])))
        .expect("request");
    if let Some(peer) = peer {
        request.extensions_mut().insert(axum::extract::ConnectInfo(
            format!("{peer}:41000")
                .parse::<std::net::SocketAddr>()
                .expect("address"),
        ));
    }
    request
}

/// Sends `count` wrong guesses for one account at the same moment; their statuses and
/// `Retry-After` headers.
async fn parallel_guesses(app: &TestApp, count: usize) -> Vec<(StatusCode, Option<String>)> {
    let mut guesses = tokio::task::JoinSet::new();
    for n in 0..count {
        let router = app.router.clone();
        guesses.spawn(async move {
            let request = sign_in_request("mentor@example.com", &format!("guess {n}"), None);
            let response = router.oneshot(request).await.expect("an answer");
            (
                response.status(),
                response
                    .headers()
                    .get(header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string),
            )
        });
    }
    guesses.join_all().await
}

async fn thirty_parallel_guesses_get_five_checks(engine: Engine) {
    let limits = SignInLimits {
        concurrent_checks: 64,
        queue_wait: Duration::from_secs(30),
    };
    let app = TestApp::with(engine, false, limits).await;
    let replies = parallel_guesses(&app, 30).await;
    let checked = replies
        .iter()
        .filter(|(status, _)| *status == StatusCode::UNAUTHORIZED)
        .count();
    let refused: Vec<_> = replies
        .iter()
        .filter(|(status, _)| *status == StatusCode::TOO_MANY_REQUESTS)
        .collect();
    assert_eq!(checked, 5, "five passwords checked: {replies:?}");
    assert_eq!(refused.len(), 25, "the rest refused unchecked: {replies:?}");
    for (_, retry) in &refused {
        let seconds: i64 = retry
            .as_deref()
            .and_then(|r| r.parse().ok())
            .expect("Retry-After in seconds");
        assert!((1..=60).contains(&seconds), "{seconds}");
    }
    // The right password waits too, until the wait is over.
    let right = app
        .client()
        .sign_in("mentor@example.com", DEMO_PASSWORD)
        .await;
    assert_eq!(right.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(right.body.contains("Too many sign-in attempts"));
    assert_eq!(
        app.scalar("SELECT failures FROM sign_in_attempts").await,
        5,
        "refused attempts are not counted again"
    );
}

async fn too_many_checks_at_once_are_asked_to_come_back(engine: Engine) {
    let limits = SignInLimits {
        concurrent_checks: 1,
        queue_wait: Duration::from_millis(1),
    };
    let app = TestApp::with(engine, false, limits).await;
    let replies = parallel_guesses(&app, 12).await;
    let busy: Vec<_> = replies
        .iter()
        .filter(|(status, _)| *status == StatusCode::SERVICE_UNAVAILABLE)
        .collect();
    assert!(!busy.is_empty(), "some wait their turn: {replies:?}");
    assert!(busy.iter().all(|(_, retry)| retry.as_deref() == Some("1")));
    assert!(
        replies.iter().all(|(status, _)| [
            StatusCode::SERVICE_UNAVAILABLE,
            StatusCode::UNAUTHORIZED,
            StatusCode::TOO_MANY_REQUESTS
        ]
        .contains(status)),
        "{replies:?}"
    );
}

async fn a_guesser_at_one_address_locks_out_nobody_else(engine: Engine) {
    let app = TestApp::new(engine).await;
    // Six wrong guesses for the site admin from the attacker's address (the office NAT).
    for _ in 0..6 {
        app.client()
            .from("203.0.113.9")
            .sign_in("admin@example.com", "wrong guess")
            .await;
    }
    let blocked = app
        .client()
        .from("203.0.113.9")
        .sign_in("admin@example.com", DEMO_PASSWORD)
        .await;
    assert_eq!(blocked.status, StatusCode::TOO_MANY_REQUESTS);
    // The site admin, elsewhere, signs in.
    app.client()
        .from("198.51.100.7")
        .signed_in_as("admin@example.com")
        .await;
    // Everyone else behind the attacker's address signs in to their own account.
    app.client()
        .from("203.0.113.9")
        .signed_in_as("mentor@example.com")
        .await;
    app.client()
        .from("203.0.113.9")
        .signed_in_as(PROGRAM_ADMIN)
        .await;
}

async fn a_site_admin_sees_and_clears_a_block(engine: Engine) {
    let app = TestApp::new(engine).await;
    for _ in 0..5 {
        app.client()
            .from("203.0.113.9")
            .sign_in("Mentor@Example.com", "wrong guess")
            .await;
    }
    let mut admin = app.client().signed_in_as("admin@example.com").await;
    let page = admin.get("/admin/users").await;
    assert!(page.body.contains("Sign-in blocks"));
    assert!(page.body.contains("mentor@example.com") && page.body.contains("203.0.113.9"));
    // Nobody else may clear it.
    let mut mentor = app.client().signed_in_as("mentee@example.com").await;
    let fields = [
        ("account", "mentor@example.com"),
        ("address", "203.0.113.9"),
    ];
    assert_eq!(
        mentor
            .call("accounts/clear-sign-in-block", &fields)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let cleared = admin.call("accounts/clear-sign-in-block", &fields).await;
    assert_eq!(cleared.status, StatusCode::OK, "{}", cleared.body);
    assert!(cleared.body.contains("can sign in again"));
    app.client()
        .from("203.0.113.9")
        .signed_in_as("mentor@example.com")
        .await;
}

async fn only_a_trusted_proxy_names_the_client(engine: Engine) {
    let app = TestApp::configured(engine, false, SignInLimits::default(), "10.0.0.0/8").await;
    let guess = |peer: &'static str, forwarded: &'static str| {
        let mut request = sign_in_request("mentor@example.com", "wrong guess", Some(peer));
        request
            .headers_mut()
            .insert("x-forwarded-for", forwarded.parse().expect("header"));
        app.router.clone().oneshot(request)
    };
    // Through the proxy: counted against the client the proxy names.
    guess("10.0.0.2", "198.51.100.1").await.expect("answer");
    // Straight from a client that writes its own header: counted against its own address.
    guess("192.0.2.50", "198.51.100.2").await.expect("answer");
    // Through the proxy, with a header the client wrote itself before the proxy's.
    guess("10.0.0.2", "198.51.100.3, 198.51.100.4")
        .await
        .expect("answer");
    let addresses: Vec<String> = app::db::on_db!(
        &app.db,
        read | pool | {
            sqlx::query_scalar("SELECT address FROM sign_in_attempts ORDER BY address")
                .fetch_all(pool)
                .await
        }
    )
    .expect("addresses");
    assert_eq!(addresses, ["192.0.2.50", "198.51.100.1", "198.51.100.4"]);
}

async fn the_limit_holds_across_server_instances(engine: Engine) {
    let app = TestApp::new(engine).await;
    for n in 0..5 {
        let client = if n % 2 == 0 {
            app.client()
        } else {
            app.client_of_another_instance()
        };
        let reply = client
            .from("203.0.113.9")
            .sign_in("mentor@example.com", "wrong guess")
            .await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    }
    for client in [app.client(), app.client_of_another_instance()] {
        let reply = client
            .from("203.0.113.9")
            .sign_in("mentor@example.com", DEMO_PASSWORD)
            .await;
        assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS);
    }
}

async fn the_wait_grows_with_each_failure_and_a_success_forgets_them(engine: Engine) {
    use app::accounts::attempts::{Attempt, reserve_at, succeeded};
    let app = TestApp::new(engine).await;
    let (account, address) = ("ann@example.com", "192.0.2.1");
    let mut now = 1_000_000;
    for _ in 0..5 {
        assert_eq!(
            reserve_at(&app.db, account, address, now)
                .await
                .expect("counted"),
            Attempt::Counted
        );
    }
    let mut waits = Vec::new();
    for _ in 0..4 {
        match reserve_at(&app.db, account, address, now)
            .await
            .expect("ok")
        {
            Attempt::Blocked { retry_after } => {
                waits.push(retry_after);
                now += retry_after;
            }
            Attempt::Counted => panic!("blocked at {now}"),
        }
        assert_eq!(
            reserve_at(&app.db, account, address, now)
                .await
                .expect("ok"),
            Attempt::Counted,
            "after the wait, one more try"
        );
    }
    assert_eq!(waits, [60, 120, 240, 480]);
    // A day later the failures are forgotten.
    now += 24 * 60 * 60 + 1000;
    for _ in 0..5 {
        assert_eq!(
            reserve_at(&app.db, account, address, now)
                .await
                .expect("ok"),
            Attempt::Counted
        );
    }
    succeeded(&app.db, account, address)
        .await
        .expect("forgotten");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM sign_in_attempts").await, 0);
}

async fn session_rows_hold_a_hash_of_the_id_and_their_owner(engine: Engine) {
    let app = TestApp::new(engine).await;
    let client = app.client().signed_in_as("mentor@example.com").await;
    let cookie = client.cookie.clone().expect("cookie");
    let id = cookie.trim_start_matches("milestones_session=");
    let rows: Vec<(String, Option<i64>)> = app::db::on_db!(
        &app.db,
        read | pool | {
            sqlx::query_as("SELECT id, user_id FROM sessions")
                .fetch_all(pool)
                .await
        }
    )
    .expect("sessions");
    assert_eq!(rows.len(), 1);
    let (stored, owner) = &rows[0];
    assert!(!stored.contains(id), "the id itself is never stored");
    assert_eq!(stored.len(), 64, "a SHA-256 in hex");
    let mentor = app
        .scalar("SELECT id FROM users WHERE email = 'mentor@example.com'")
        .await;
    assert_eq!(*owner, Some(mentor));
    // A stolen row is no cookie.
    let mut thief = app.client();
    thief.cookie = Some(format!("milestones_session={stored}"));
    assert!(
        thief
            .get("/quickcliq")
            .await
            .location()
            .is_some_and(|l| l.starts_with("/sign-in"))
    );
}

/// The data of the one stored session.
async fn stored_session(app: &TestApp) -> String {
    app::db::on_db!(
        &app.db,
        read | pool | {
            sqlx::query_scalar("SELECT data FROM sessions")
                .fetch_one(pool)
                .await
        }
    )
    .expect("data")
}

async fn the_idle_timeout_slides_while_the_session_is_used(engine: Engine) {
    let app = TestApp::new(engine).await;
    let mut client = app.client().signed_in_as("mentor@example.com").await;
    let expiry = || app.scalar("SELECT MAX(expires_at) FROM sessions");
    let first = expiry().await;
    // Make the session look idle for an hour: last seen an hour ago, expiring accordingly.
    let data = stored_session(&app).await;
    let mut record: serde_json::Value = serde_json::from_str(&data).expect("json");
    let seen = record["seen_at"].as_i64().expect("seen_at");
    record["seen_at"] = serde_json::json!(seen - 3600);
    app::db::on_db!(
        &app.db,
        write | pool | {
            sqlx::query("UPDATE sessions SET data = $1, expires_at = expires_at - 3600")
                .bind(record.to_string())
                .execute(pool)
                .await
                .map(|_| ())
        }
    )
    .expect("seen an hour ago");
    assert_eq!(expiry().await, first - 3600);
    assert_eq!(client.get("/quickcliq").await.status, StatusCode::OK);
    assert!(
        expiry().await >= first,
        "a request pushes the expiry forward"
    );
    // The person read with the session is never written back with it.
    let saved = stored_session(&app).await;
    assert!(
        !saved.contains(app::accounts::sessions::SESSION_PERSON) && !saved.contains("mentor@"),
        "{saved}"
    );
    // Right after, another request writes nothing.
    let touched = expiry().await;
    assert_eq!(client.get("/quickcliq").await.status, StatusCode::OK);
    assert_eq!(expiry().await, touched);
    // A session past its idle expiry signs nobody in.
    app::db::on_db!(
        &app.db,
        write | pool | {
            sqlx::query("UPDATE sessions SET expires_at = 1")
                .execute(pool)
                .await
                .map(|_| ())
        }
    )
    .expect("expired");
    assert!(
        client
            .get("/quickcliq")
            .await
            .location()
            .is_some_and(|l| l.starts_with("/sign-in"))
    );
}

async fn sessions_of(app: &TestApp, email: &str) -> i64 {
    app.scalar(&format!(
        "SELECT COUNT(*) FROM sessions s JOIN users u ON u.id = s.user_id \
         WHERE u.email = '{email}'"
    ))
    .await
}

async fn signed_out(client: &mut support::Client<'_>) -> bool {
    client
        .get("/quickcliq")
        .await
        .location()
        .is_some_and(|l| l.starts_with("/sign-in"))
}

async fn a_password_reset_ends_every_session_of_its_owner(engine: Engine) {
    let app = TestApp::new(engine).await;
    let mut phone = app.client().signed_in_as(THROWAWAY).await;
    let mut laptop = app.client().signed_in_as(THROWAWAY).await;
    assert_eq!(sessions_of(&app, THROWAWAY).await, 2);
    let mut admin = app.client().signed_in_as("admin@example.com").await;
    let reset = admin
        .call(
            "accounts/reset-password",
            &[
                ("user_id", &app.throwaway_id.to_string()),
                ("password", "the admin's new password"),
            ],
        )
        .await;
    assert_eq!(reset.status, StatusCode::OK, "{}", reset.body);
    assert!(signed_out(&mut phone).await && signed_out(&mut laptop).await);
    assert_eq!(sessions_of(&app, THROWAWAY).await, 0);
    assert_eq!(admin.get("/admin/users").await.status, StatusCode::OK);
}

async fn changing_a_password_ends_the_other_sessions_and_keeps_this_one(engine: Engine) {
    let app = TestApp::new(engine).await;
    let mut here = app.client().signed_in_as("mentor@example.com").await;
    let mut there = app.client().signed_in_as("mentor@example.com").await;
    let mut someone_else = app.client().signed_in_as("mentee@example.com").await;
    let wrong = here
        .call(
            "accounts/change-password",
            &[
                ("current_password", "not my password"),
                ("new_password", "my new long password"),
                ("confirm_password", "my new long password"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.body.contains("This is not your current password."));
    let differ = here
        .call(
            "accounts/change-password",
            &[
                ("current_password", DEMO_PASSWORD),
                ("new_password", "my new long password"),
                ("confirm_password", "my new long passwort"),
            ],
        )
        .await;
    assert_eq!(differ.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!signed_out(&mut there).await, "nothing changed yet");
    let changed = here
        .call(
            "accounts/change-password",
            &[
                ("current_password", DEMO_PASSWORD),
                ("new_password", "my new long password"),
                ("confirm_password", "my new long password"),
            ],
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    assert!(changed.body.contains("Your 1 other session has ended."));
    assert!(!signed_out(&mut here).await, "this session stays");
    assert!(signed_out(&mut there).await, "the other one ended");
    assert!(!signed_out(&mut someone_else).await, "nobody else's");
    assert_eq!(
        app.client()
            .sign_in("mentor@example.com", DEMO_PASSWORD)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    app.client()
        .sign_in("mentor@example.com", "my new long password")
        .await;
}

async fn changing_a_password_works_without_javascript(engine: Engine) {
    let app = TestApp::new(engine).await;
    let mut here = app.client().signed_in_as("mentee@example.com").await;
    let reply = here
        .post_form(
            "/api/accounts/change-password",
            &[
                ("current_password", "not my password"),
                ("new_password", "my new long password"),
                ("confirm_password", "my new long password"),
            ],
        )
        .await;
    assert!(reply.status.is_redirection(), "{}", reply.status);
    let back = reply.location().expect("back to the page").to_string();
    assert!(back.starts_with("/account"), "{back}");
    let page = here.get(&back).await;
    assert!(
        page.body.contains("This is not your current password."),
        "shown next to the field"
    );
}

async fn a_disabled_account_cannot_sign_in_and_its_sessions_end(engine: Engine) {
    let app = TestApp::new(engine).await;
    let mut mentor = app.client().signed_in_as("mentor@example.com").await;
    let mentor_id = app
        .scalar("SELECT id FROM users WHERE email = 'mentor@example.com'")
        .await;
    let mut admin = app.client().signed_in_as("admin@example.com").await;
    let disable = [
        ("user_id", mentor_id.to_string()),
        ("disabled", "true".into()),
    ];
    let fields: Vec<(&str, &str)> = disable.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let reply = admin.call("accounts/set-disabled", &fields).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(signed_out(&mut mentor).await);
    let refused = app
        .client()
        .sign_in("mentor@example.com", DEMO_PASSWORD)
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.body.contains("This account is disabled."));
    // A wrong password says nothing about the account's state.
    let guess = app
        .client()
        .sign_in("mentor@example.com", "wrong guess")
        .await;
    assert_eq!(guess.status, StatusCode::UNAUTHORIZED);
    assert!(!guess.body.contains("disabled"));
    // The Users page shows it; enabling lets the owner back in.
    assert!(
        admin
            .get("/admin/users")
            .await
            .body
            .contains("Enable account")
    );
    let enable: Vec<(&str, &str)> = vec![("user_id", &disable[0].1), ("disabled", "false")];
    assert_eq!(
        admin.call("accounts/set-disabled", &enable).await.status,
        StatusCode::OK
    );
    app.client().signed_in_as("mentor@example.com").await;
    // Nobody disables themselves.
    let admin_id = app
        .scalar("SELECT id FROM users WHERE email = 'admin@example.com'")
        .await
        .to_string();
    let myself = admin
        .call(
            "accounts/set-disabled",
            &[("user_id", &admin_id), ("disabled", "true")],
        )
        .await;
    assert_eq!(myself.status, StatusCode::UNPROCESSABLE_ENTITY);
}

async fn removing_a_program_admin_right_takes_effect_on_the_next_request(engine: Engine) {
    let app = TestApp::new(engine).await;
    let mut pat = app.client().signed_in_as(PROGRAM_ADMIN).await;
    let panel = format!("/programs/{}", app.program_id);
    assert_eq!(pat.get(&panel).await.status, StatusCode::OK);
    let pat_id = app
        .scalar(&format!(
            "SELECT id FROM users WHERE email = '{PROGRAM_ADMIN}'"
        ))
        .await
        .to_string();
    let mut admin = app.client().signed_in_as("admin@example.com").await;
    let removed = admin
        .call(
            "accounts/remove-program-admin",
            &[
                ("user_id", &pat_id),
                ("program_id", &app.program_id.to_string()),
            ],
        )
        .await;
    assert_eq!(removed.status, StatusCode::OK, "{}", removed.body);
    assert_eq!(pat.get(&panel).await.status, StatusCode::FORBIDDEN);
    let call = pat
        .call(
            "programs/panel",
            &[("program_id", &app.program_id.to_string())],
        )
        .await;
    assert_eq!(call.status, StatusCode::FORBIDDEN);
}

async fn sign_out_everywhere_ends_every_session(engine: Engine) {
    let app = TestApp::new(engine).await;
    let mut here = app.client().signed_in_as("mentor@example.com").await;
    let mut there = app.client().signed_in_as("mentor@example.com").await;
    let mut someone_else = app.client().signed_in_as("mentee@example.com").await;
    let reply = here.post_form("/sign-out-everywhere", &[]).await;
    assert_eq!(
        (reply.status, reply.location()),
        (StatusCode::SEE_OTHER, Some("/sign-in"))
    );
    assert!(signed_out(&mut here).await && signed_out(&mut there).await);
    assert!(!signed_out(&mut someone_else).await);
    assert_eq!(sessions_of(&app, "mentor@example.com").await, 0);
    // From another site it is refused like every other post.
    let forged = Request::post("/sign-out-everywhere")
        .header(header::HOST, HOST)
        .header("sec-fetch-site", "cross-site")
        .body(Body::empty())
        .expect("request");
    assert_eq!(
        someone_else.send(forged).await.status,
        StatusCode::FORBIDDEN
    );
}

async fn a_message_written_in_the_address_is_never_shown(engine: Engine) {
    let app = TestApp::new(engine).await;
    let mut admin = app.client().signed_in_as("admin@example.com").await;
    let program = app.program_id;
    let lure = "Your account is locked. Call 555-0100";
    let encoded = "Your%20account%20is%20locked.%20Call%20555-0100";
    for page in [
        format!("/admin/users?form=create&done={encoded}"),
        format!("/admin/users?form=create&error={encoded}&fields=email:{encoded}"),
        format!("/programs/{program}?form=program&done={encoded}"),
        format!("/programs/{program}/milestones?form=milestone&done={encoded}"),
        format!("/programs/{program}/matches?form=publish&error={encoded}"),
        format!("/account?form=password&error={encoded}"),
    ] {
        let reply = admin.get(&page).await;
        assert_eq!(reply.status, StatusCode::OK, "{page}");
        assert!(
            !reply.body.contains(lure),
            "{page} shows a message from the address"
        );
    }
    let mut mentee = app.client().signed_in_as("mentee@example.com").await;
    for page in [
        format!("/quickcliq?form=item&done={encoded}&m=1&e=1"),
        format!("/profile?form=item&error={encoded}"),
    ] {
        let reply = mentee.get(&page).await;
        assert!(
            !reply.body.contains(lure),
            "{page} shows a message from the address"
        );
    }
    // The server's own message arrives once, through the session, and its carrier never
    // leaves the server.
    let reply = admin
        .post_form(
            "/api/accounts/create-user",
            &[
                ("email", "mentor@example.com"),
                ("name", "Dup"),
                ("password", "long enough password"),
            ],
        )
        .await;
    assert!(!reply.headers.contains_key(app::ui::flash::FLASH_HEADER));
    assert_eq!(reply.location(), Some("/admin/users"));
    let first = admin.get("/admin/users").await;
    assert!(
        first
            .body
            .contains("There is already an account for mentor@example.com.")
    );
    let again = admin.get("/admin/users").await;
    assert!(!again.body.contains("There is already an account"), "once");
}

async fn a_script_cannot_grow_the_history_without_bound(engine: Engine) {
    let app = TestApp::new(engine).await;
    let mut mentor = app.client().signed_in_as("mentor@example.com").await;
    let milestone = app
        .scalar("SELECT id FROM milestones WHERE name = 'Mid-Cycle Check-In'")
        .await
        .to_string();
    let enrollment = app
        .scalar(
            "SELECT e.id FROM enrollments e JOIN users u ON u.id = e.user_id \
             WHERE u.email = 'mentor@example.com' AND e.role = 'mentor'",
        )
        .await
        .to_string();
    let matched = app
        .scalar(
            "SELECT m.id FROM matches m JOIN enrollments e ON e.id = m.mentor_enrollment_id \
             JOIN users u ON u.id = e.user_id \
             WHERE u.email = 'mentor@example.com' AND m.state = 'published'",
        )
        .await
        .to_string();
    let key = [
        ("milestone_id", milestone.as_str()),
        ("enrollment_id", enrollment.as_str()),
        ("match_id", matched.as_str()),
    ];
    let before = app.scalar("SELECT COUNT(*) FROM completion_events").await;
    let mut refused = 0;
    for n in 0..80 {
        let endpoint = if n % 2 == 0 {
            "items/complete"
        } else {
            "items/undo"
        };
        let reply = mentor.call(endpoint, &key).await;
        match reply.status {
            StatusCode::OK => {}
            StatusCode::UNPROCESSABLE_ENTITY => {
                assert!(
                    reply.body.contains("Please wait a minute"),
                    "{}",
                    reply.body
                );
                refused += 1;
            }
            other => panic!("{other}: {}", reply.body),
        }
    }
    assert!(
        refused >= 19,
        "the sixty-first change in a burst waits: {refused} refused"
    );
    let written = app.scalar("SELECT COUNT(*) FROM completion_events").await - before;
    assert!(written <= 61, "{written} history rows");
    // Someone else is not held up.
    let mut mentee = app.client().signed_in_as("mentee@example.com").await;
    assert_eq!(mentee.call("items/mine", &[]).await.status, StatusCode::OK);
}

async fn page_numbers_that_overflow_are_refused(engine: Engine) {
    let app = TestApp::new(engine).await;
    let mut admin = app.client().signed_in_as("admin@example.com").await;
    let program = app.program_id.to_string();
    for endpoint in ["programs/matches", "programs/participants"] {
        for page in ["9223372036854775807", "1000001"] {
            let reply = admin
                .call(endpoint, &[("program_id", &program), ("page", page)])
                .await;
            assert_eq!(
                reply.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{endpoint} page {page}: {}",
                reply.body
            );
        }
    }
    for page in ["matches", "participants"] {
        let reply = admin
            .get(&format!(
                "/programs/{program}/{page}?page=99999999999999999999999"
            ))
            .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
        assert!(reply.body.contains("There is no page"));
        let last = admin
            .get(&format!("/programs/{program}/{page}?page=1000000"))
            .await;
        assert_eq!(last.status, StatusCode::OK, "an empty page past the end");
    }
}

async fn a_request_that_takes_too_long_is_cut_off(engine: Engine) {
    let app = TestApp::new(engine).await;
    let mut state = app.state.clone();
    state.request_timeout = Duration::from_millis(1);
    let hurried = server::build_router(state);
    // A signed-in report page: its queries and render take far longer than a millisecond.
    let admin = app.client().signed_in_as("admin@example.com").await;
    let request = Request::get(format!("/programs/{}/report", app.program_id))
        .header(header::HOST, HOST)
        .header(header::ACCEPT, "text/html")
        .header(header::COOKIE, admin.cookie.clone().expect("a session"))
        .body(Body::empty())
        .expect("request");
    let reply = hurried.oneshot(request).await.expect("an answer");
    assert_eq!(reply.status(), StatusCode::SERVICE_UNAVAILABLE);
    // The same request within the normal limit is answered.
    assert!(app.client().get("/sign-in").await.status.is_success());
}

async fn import_previews_never_confirmed_are_purged(engine: Engine) {
    use app::imports::plan::ImportKind;
    use app::imports::store::{purge_stale_previews, stage_import};
    let app = TestApp::new(engine).await;
    let stage = || {
        stage_import(
            &app.db,
            app.program_id,
            ImportKind::Participants,
            "email,role\nmentor@example.com,mentor\n",
            app.throwaway_id,
        )
    };
    let old = stage().await.expect("staged");
    let fresh = stage().await.expect("staged");
    let two_days_ago = chrono::Utc::now() - chrono::Duration::days(2);
    app::db::on_db!(
        &app.db,
        write | pool | {
            sqlx::query("UPDATE import_batches SET created_at = $1 WHERE id = $2")
                .bind(two_days_ago)
                .bind(old)
                .execute(pool)
                .await
                .map(|_| ())
        }
    )
    .expect("aged");
    let cutoff = chrono::Utc::now() - chrono::Duration::hours(24);
    assert_eq!(
        purge_stale_previews(&app.db, cutoff).await.expect("purged"),
        1
    );
    assert_eq!(
        app.scalar(&format!(
            "SELECT COUNT(*) FROM import_batches WHERE id = {fresh}"
        ))
        .await,
        1
    );
    assert_eq!(
        app.scalar(&format!(
            "SELECT COUNT(*) FROM import_batches WHERE id = {old}"
        ))
        .await,
        0
    );
}

on_both_engines!(
    a_script_cannot_grow_the_history_without_bound,
    page_numbers_that_overflow_are_refused,
    a_request_that_takes_too_long_is_cut_off,
    import_previews_never_confirmed_are_purged,
    a_message_written_in_the_address_is_never_shown,
    thirty_parallel_guesses_get_five_checks,
    too_many_checks_at_once_are_asked_to_come_back,
    a_guesser_at_one_address_locks_out_nobody_else,
    a_site_admin_sees_and_clears_a_block,
    only_a_trusted_proxy_names_the_client,
    the_limit_holds_across_server_instances,
    the_wait_grows_with_each_failure_and_a_success_forgets_them,
    session_rows_hold_a_hash_of_the_id_and_their_owner,
    the_idle_timeout_slides_while_the_session_is_used,
    a_password_reset_ends_every_session_of_its_owner,
    changing_a_password_ends_the_other_sessions_and_keeps_this_one,
    changing_a_password_works_without_javascript,
    a_disabled_account_cannot_sign_in_and_its_sessions_end,
    removing_a_program_admin_right_takes_effect_on_the_next_request,
    sign_out_everywhere_ends_every_session,
);
