//! Getting people in (issue 27) through the real router, on both engines: an invitation from
//! enrolling someone new, the link's page and its form (errors beside the fields, one use,
//! expiry, forged links, a new link within the hour's allowance), "You have been added" for an
//! existing account, the link handed over when no email is sent, and "Forgot your password?"
//! (one answer for everyone, mail only to an existing enabled account, every other session
//! ended by the reset). Limits and one-use are held with requests in parallel.

mod support;

use app::people::Purpose;
use axum::http::StatusCode;
use chrono::Utc;
use support::{Engine, PROGRAM_ADMIN, TestApp, link_path, unescape};

/// The link in the newest email of `kind` to `to`, read from the outbox's text part.
async fn link_in_outbox(app: &TestApp, kind: &str, to: &str) -> Option<String> {
    let body: Option<String> = app::db::on_db!(
        &app.db,
        read | pool | {
            sqlx::query_scalar(
                "SELECT body_text FROM outbox WHERE kind = $1 AND to_address = $2 \
                 ORDER BY id DESC LIMIT 1",
            )
            .bind(kind)
            .bind(to)
            .fetch_optional(pool)
            .await
        }
    )
    .expect("outbox read");
    let body = body?;
    body.split_whitespace()
        .find(|word| {
            word.starts_with("http")
                && (word.contains("/welcome/") || word.contains("/reset-password/"))
        })
        .map(str::to_string)
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    app.scalar(sql).await
}

async fn enrol(
    admin: &mut support::Client<'_>,
    program: i64,
    email: &str,
    name: &str,
    role: &str,
) -> support::Reply {
    admin
        .call(
            "programs/enrol",
            &[
                ("program_id", &program.to_string()),
                ("email", email),
                ("role", role),
                ("name", name),
            ],
        )
        .await
}

async fn an_invited_person_sets_a_password_and_lands_on_their_quickcliq(engine: Engine) {
    let app = TestApp::sending(engine).await;
    let mut admin = app.client().signed_in_as(PROGRAM_ADMIN).await;
    let reply = enrol(
        &mut admin,
        app.program_id,
        "Ines.New@Example.com",
        "Ines New",
        "mentee",
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(
        reply.body.contains(
            "Enrolled Ines New as a mentee. An invitation is on its way to ines.new@example.com."
        ),
        "{}",
        reply.body
    );
    let text: String = app::db::on_db!(
        &app.db,
        read | pool
            | sqlx::query_scalar(
                "SELECT subject || '\n' || body_text FROM outbox WHERE kind = 'invitation'"
            )
            .fetch_one(pool)
            .await
    )
    .expect("the invitation");
    assert!(
        text.starts_with("You are invited to Leadership Mentoring 2026\n"),
        "{text}"
    );
    assert!(
        text.contains(
            "Pat Admin invited you to take part in Leadership Mentoring 2026 as a mentee."
        )
    );
    let link = link_in_outbox(&app, "invitation", "ines.new@example.com")
        .await
        .expect("a link in the email");
    // Only the token's hash is kept.
    let token = link.rsplit('/').next().expect("a token").to_string();
    assert_eq!(
        count(
            &app,
            &format!("SELECT COUNT(*) FROM account_tokens WHERE token_hash = '{token}'")
        )
        .await,
        0
    );
    let list = admin
        .get(&format!(
            "/programs/{}/participants?search=ines",
            app.program_id
        ))
        .await;
    assert!(list.body.contains("Invited"), "the list says Invited");
    assert!(list.body.contains("Resend invitation"));

    // Resend: a second invitation, its own link; the first keeps working until one is used.
    let ines_id = count(
        &app,
        "SELECT id FROM users WHERE email = 'ines.new@example.com'",
    )
    .await;
    let mut site = app.client().signed_in_as("admin@example.com").await;
    let resent = site
        .call(
            "accounts/resend-invitation",
            &[("user_id", &ines_id.to_string())],
        )
        .await;
    assert!(
        resent
            .body
            .contains("An invitation is on its way to ines.new@example.com."),
        "{}",
        resent.body
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM outbox WHERE kind = 'invitation'"
        )
        .await,
        2
    );
    let second = link_in_outbox(&app, "invitation", "ines.new@example.com")
        .await
        .expect("second link");
    assert_ne!(second, link);

    let mut ines = app.client();
    let page = ines.get(&link_path(&link)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<h1>Set your password</h1>"));
    assert!(page.body.contains("Welcome, Ines New."));
    // Errors beside their fields; nothing set.
    let refused = ines.set_password_from(&link, "short").await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains(
            r#"<p id="new-password-error" class="field-error">Use at least 10 characters.</p>"#
        ),
        "{}",
        refused.body
    );
    let path = link_path(&link);
    let mismatch = ines
        .post_form(
            &path,
            &[
                ("new_password", "a good long password"),
                ("confirm_password", "a good long passw0rd"),
            ],
        )
        .await;
    assert_eq!(mismatch.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        mismatch
            .body
            .contains("This is not the same as the new password.")
    );
    assert!(mismatch.body.contains(r#"aria-invalid="true""#));
    // Set: signed in, on the QuickcliQ.
    let done = ines.set_password_from(&link, "a good long password").await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(done.location(), Some("/quickcliq"));
    let quickcliq = ines.get("/quickcliq").await;
    assert_eq!(quickcliq.status, StatusCode::OK);
    assert!(quickcliq.body.contains("Ines New"));
    assert_eq!(
        app.client()
            .sign_in("ines.new@example.com", "a good long password")
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let list = admin
        .get(&format!(
            "/programs/{}/participants?search=ines",
            app.program_id
        ))
        .await;
    assert!(!list.body.contains("Resend invitation"), "Active now");
    // The link worked once.
    let again = app.client().get(&path).await;
    assert!(
        again
            .body
            .contains("This invitation link has been used already")
    );
    assert!(again.body.contains("Send me a new link"));
    let replay = app
        .client()
        .set_password_from(&link, "an attacker password")
        .await;
    assert_eq!(replay.status, StatusCode::GONE);
    assert_eq!(
        app.client()
            .sign_in("ines.new@example.com", "an attacker password")
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}

async fn forged_expired_and_renewed_links(engine: Engine) {
    let app = TestApp::sending(engine).await;
    let mut admin = app.client().signed_in_as(PROGRAM_ADMIN).await;
    // Forged: the right shape, never issued; and a wrong shape.
    for path in [
        format!("/welcome/{}", "ab".repeat(32)),
        "/welcome/..%2F..%2Fetc".to_string(),
    ] {
        let page = app.client().get(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(page.body.contains("This link is not valid."), "{path}");
        assert!(!page.body.contains("Send me a new link"));
        let post = app
            .client()
            .set_password_from(&format!("http://x{path}"), "a good long password")
            .await;
        assert_eq!(post.status, StatusCode::GONE, "{path}");
    }
    enrol(
        &mut admin,
        app.program_id,
        "late@example.com",
        "Late Comer",
        "mentor",
    )
    .await;
    let link = link_in_outbox(&app, "invitation", "late@example.com")
        .await
        .expect("link");
    let path = link_path(&link);
    let user = count(
        &app,
        "SELECT id FROM users WHERE email = 'late@example.com'",
    )
    .await;
    app::db::on_db!(
        &app.db,
        write
            | pool
            | sqlx::query("UPDATE account_tokens SET expires_at = $1 WHERE user_id = $2")
                .bind(Utc::now() - chrono::Duration::minutes(1))
                .bind(user)
                .execute(pool)
                .await
                .map(|_| ())
    )
    .expect("expired");
    let page = app.client().get(&path).await;
    assert!(page.body.contains("This invitation link has expired"));
    assert!(page.body.contains("Send me a new link"));
    assert_eq!(
        app.client()
            .set_password_from(&link, "a good long password")
            .await
            .status,
        StatusCode::GONE
    );
    // A new link, to the account's own address, three times an hour.
    for n in 1..=3 {
        let reply = app
            .client()
            .post_form(&format!("{path}/new-link"), &[])
            .await;
        assert_eq!(reply.status, StatusCode::OK);
        assert!(
            reply.body.contains("We have sent a new link"),
            "{n}: {}",
            reply.body
        );
    }
    let limited = app
        .client()
        .post_form(&format!("{path}/new-link"), &[])
        .await;
    assert!(
        limited
            .body
            .contains("We have sent 3 links to this account in the last hour")
    );
    assert_eq!(
        count(
            &app,
            &format!("SELECT COUNT(*) FROM outbox WHERE kind = 'invitation' AND user_id = {user}")
        )
        .await,
        4
    );
    let fresh = link_in_outbox(&app, "invitation", "late@example.com")
        .await
        .expect("new link");
    assert_ne!(fresh, link);
    let mut late = app.client();
    assert_eq!(
        late.set_password_from(&fresh, "a good long password")
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    // Once used, every other link of the account stops working too.
    let outbox_links: Vec<String> = app::db::on_db!(
        &app.db,
        read | pool
            | sqlx::query_scalar("SELECT body_text FROM outbox WHERE kind = 'invitation'")
                .fetch_all(pool)
                .await
    )
    .expect("outbox");
    let others = outbox_links
        .iter()
        .filter_map(|body| body.split_whitespace().find(|w| w.contains("/welcome/")))
        .filter(|l| *l != fresh);
    for other in others {
        assert_eq!(
            app.client()
                .set_password_from(other, "someone else's password")
                .await
                .status,
            StatusCode::GONE
        );
    }
}

async fn an_existing_account_is_told_it_was_added_and_invitations_wait_for_a_mail_server(
    engine: Engine,
) {
    let app = TestApp::sending(engine).await;
    let mut site = app.client().signed_in_as("admin@example.com").await;
    let reply = enrol(
        &mut site,
        app.other_program_id,
        "mentor@example.com",
        "",
        "mentee",
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(
        reply.body.contains("They have been told by email."),
        "{}",
        reply.body
    );
    let (subject, text): (String, String) = app::db::on_db!(
        &app.db,
        read | pool
            | sqlx::query_as("SELECT subject, body_text FROM outbox WHERE kind = 'added'")
                .fetch_one(pool)
                .await
    )
    .expect("the added email");
    assert_eq!(subject, "You have been added to Engineering Mentoring");
    assert!(!text.contains("/welcome/"), "no link to set a password");
    // Someone new without a name: the name is asked for, beside its field.
    let nameless = enrol(
        &mut site,
        app.program_id,
        "nobody@example.com",
        " ",
        "mentee",
    )
    .await;
    assert_eq!(nameless.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        nameless.body.contains("enter their name"),
        "{}",
        nameless.body
    );

    // Without a mail server, nothing is queued: the admin hands over the link.
    let quiet = TestApp::new(engine).await;
    let mut admin = quiet.client().signed_in_as(PROGRAM_ADMIN).await;
    let reply = enrol(
        &mut admin,
        quiet.program_id,
        "hand@example.com",
        "Hand Over",
        "mentor",
    )
    .await;
    assert!(
        reply.body.contains("use Copy invitation link"),
        "{}",
        reply.body
    );
    assert_eq!(
        count(
            &quiet,
            "SELECT COUNT(*) FROM outbox WHERE kind = 'invitation'"
        )
        .await,
        0
    );
    let user = count(
        &quiet,
        "SELECT id FROM users WHERE email = 'hand@example.com'",
    )
    .await;
    let page = admin
        .get(&format!(
            "/programs/{}/participants?search=hand",
            quiet.program_id
        ))
        .await;
    assert!(page.body.contains("Copy invitation link"));
    let link = admin
        .call(
            "programs/resend-invitation",
            &[
                ("program_id", &quiet.program_id.to_string()),
                ("user_id", &user.to_string()),
            ],
        )
        .await;
    let link: String = serde_json::from_str(&link.body).expect("a link");
    assert!(link.contains("/welcome/"), "{link}");
    // Another program's admin cannot get it.
    let mut other = quiet.client().signed_in_as(support::OTHER_ADMIN).await;
    let refused = other
        .call(
            "programs/resend-invitation",
            &[
                ("program_id", &quiet.program_id.to_string()),
                ("user_id", &user.to_string()),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let refused = other
        .call(
            "programs/resend-invitation",
            &[
                ("program_id", &quiet.other_program_id.to_string()),
                ("user_id", &user.to_string()),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND, "not enrolled there");
    let mut hand = quiet.client();
    assert_eq!(
        hand.set_password_from(&link, "handed over password")
            .await
            .status,
        StatusCode::SEE_OTHER
    );
}

/// Waits for the background work of a forgotten-password request.
async fn reset_links_for(app: &TestApp, email: &str, expected: i64) -> i64 {
    let sql = format!(
        "SELECT COUNT(*) FROM outbox WHERE kind = 'password_reset' AND to_address = '{email}'"
    );
    for _ in 0..50 {
        if count(app, &sql).await >= expected {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // Settle: nothing more arrives.
    tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    count(app, &sql).await
}

async fn forgot_password_answers_alike_and_a_reset_ends_every_other_session(engine: Engine) {
    let app = TestApp::sending(engine).await;
    let mut site = app.client().signed_in_as("admin@example.com").await;
    site.call(
        "accounts/set-disabled",
        &[
            ("user_id", &app.throwaway_id.to_string()),
            ("disabled", "true"),
        ],
    )
    .await;
    let mut answers = Vec::new();
    for email in [
        "mentee@example.com",
        "nobody.here@example.com",
        support::THROWAWAY,
        "not an email",
    ] {
        let reply = app
            .client()
            .post_form("/forgot-password", &[("email", email)])
            .await;
        answers.push((reply.status, reply.location().map(str::to_string)));
    }
    assert!(answers.iter().all(|a| *a == answers[0]), "{answers:?}");
    assert_eq!(
        answers[0],
        (
            StatusCode::SEE_OTHER,
            Some("/forgot-password?sent=1".to_string())
        )
    );
    let page = app.client().get("/forgot-password?sent=1").await;
    assert!(page.body.contains(app::people::FORGOT_ANSWER));
    assert_eq!(reset_links_for(&app, "mentee@example.com", 1).await, 1);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM outbox WHERE kind = 'password_reset'"
        )
        .await,
        1,
        "only the existing, enabled account"
    );

    let mut old_session = app.client().signed_in_as("mentee@example.com").await;
    assert_eq!(old_session.get("/quickcliq").await.status, StatusCode::OK);
    let link = link_in_outbox(&app, "password_reset", "mentee@example.com")
        .await
        .expect("a link");
    assert!(link.contains("/reset-password/"));
    let mut me = app.client();
    let page = me.get(&link_path(&link)).await;
    assert!(page.body.contains("<h1>Choose a new password</h1>"));
    let done = me.set_password_from(&link, "my brand new password").await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert_eq!(done.location(), Some("/quickcliq"));
    assert_eq!(me.get("/quickcliq").await.status, StatusCode::OK);
    let ended = old_session.get("/quickcliq").await;
    assert_eq!(ended.status, StatusCode::FOUND, "the old session ended");
    assert_eq!(
        app.client()
            .sign_in("mentee@example.com", app::dev::seed::DEMO_PASSWORD)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.client()
            .sign_in("mentee@example.com", "my brand new password")
            .await
            .status,
        StatusCode::SEE_OTHER
    );
}

/// Twenty requests at once for one account: three links, no more; one link used by two
/// requests at once: one wins.
async fn limits_and_one_use_hold_in_parallel(engine: Engine) {
    let app = TestApp::sending(engine).await;
    let ctx = app::people::invite::Inviting {
        db: app.db.clone(),
        mail: app.state.mail.clone(),
        public_url: app.state.public_url.clone(),
        provider: None,
    };
    let person = app::people::store::person_by_email(&app.db, "mentor@example.com")
        .await
        .expect("read")
        .expect("the mentor");
    let now = Utc::now();
    let tries = (0..20).map(|_| {
        let (ctx, person) = (ctx.clone(), person.clone());
        async move { app::people::invite::send_reset(&ctx, &person, now).await }
    });
    let saved = futures_join_all(tries).await;
    assert_eq!(saved.iter().filter(|r| matches!(r, Ok(Ok(())))).count(), 3);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM outbox WHERE kind = 'password_reset'"
        )
        .await,
        3
    );
    let link = link_in_outbox(&app, "password_reset", "mentor@example.com")
        .await
        .expect("link");
    let token = link.rsplit('/').next().expect("token").to_string();
    let hash = app::accounts::password::hash_password("a parallel password").expect("hash");
    let uses =
        (0..8).map(|_| {
            let (db, token, hash) = (app.db.clone(), token.clone(), hash.clone());
            async move {
                app::people::store::redeem(&db, &token, Purpose::PasswordReset, &hash, now).await
            }
        });
    let used = futures_join_all(uses).await;
    assert_eq!(
        used.iter().filter(|r| matches!(r, Ok(Some(_)))).count(),
        1,
        "{used:?}"
    );
}

/// Runs the futures at once on this runtime's threads.
async fn futures_join_all<T: Send + 'static>(
    futures: impl Iterator<Item = impl std::future::Future<Output = T> + Send + 'static>,
) -> Vec<T> {
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut out = Vec::new();
    for handle in handles {
        out.push(handle.await.expect("task"));
    }
    out
}

/// Stages a participants file; its batch id.
async fn stage(admin: &mut support::Client<'_>, program: &str, content: String) -> String {
    let reply = admin
        .call(
            "programs/import-stage",
            &[
                ("program_id", program),
                ("kind", "participants"),
                ("content", &content),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let address: String = serde_json::from_str(&reply.body).expect("an address");
    address.rsplit('/').next().expect("batch").to_string()
}

/// A file of 1,000 new people (and one existing account) imports in one confirm: 1,000 accounts
/// created invited, 1,000 invitations queued, the existing account told it was added; the same
/// file again creates and sends nothing. An old two-column file still enrols existing accounts.
async fn an_import_creates_and_invites_a_thousand_people_once(engine: Engine) {
    let app = TestApp::sending(engine).await;
    let mut admin = app.client().signed_in_as(PROGRAM_ADMIN).await;
    let program = app.program_id.to_string();
    let mut file = String::from("email,name,role\n");
    for i in 0..1000 {
        let role = if i % 2 == 0 { "mentee" } else { "mentor" };
        file.push_str(&format!("person.{i:04}@example.com,Person {i:04},{role}\n"));
    }
    file.push_str("mentor@example.com,,mentee\n");
    let batch = stage(&mut admin, &program, file.clone()).await;
    let preview = admin
        .get(&format!("/programs/{program}/import/{batch}"))
        .await;
    assert!(preview.body.contains("1001 rows: 1001 to create (1000 new people, created and invited), 0 already there, 0 rejected."), "{}", preview.body.chars().take(3000).collect::<String>());
    assert!(preview.body.contains("Will be created and invited"));
    let started = std::time::Instant::now();
    let confirmed = admin
        .call(
            "programs/import-confirm",
            &[("program_id", &program), ("batch_id", &batch)],
        )
        .await;
    let took = started.elapsed();
    assert_eq!(confirmed.status, StatusCode::OK, "{}", confirmed.body);
    assert!(
        confirmed
            .body
            .contains("1 enrolled, 1000 created and invited."),
        "{}",
        confirmed.body
    );
    assert!(took < std::time::Duration::from_secs(20), "{took:?}");
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM users WHERE invited_at IS NOT NULL"
        )
        .await,
        1000
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM outbox WHERE kind = 'invitation'"
        )
        .await,
        1000
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM account_tokens WHERE purpose = 'invitation'"
        )
        .await,
        1000
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM outbox WHERE kind = 'added'").await,
        1
    );
    let link = link_in_outbox(&app, "invitation", "person.0007@example.com")
        .await
        .expect("a link");
    let mut person = app.client();
    assert_eq!(
        person
            .set_password_from(&link, "seven's password")
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(person.get("/quickcliq").await.status, StatusCode::OK);

    // The baseline, in the same run: the same 1,000 people, who have accounts now, enrolled in
    // the other program (each told by email that they were added).
    let other = app.other_program_id.to_string();
    let mut site = app.client().signed_in_as("admin@example.com").await;
    let baseline = stage(
        &mut site,
        &other,
        file.replace("mentor@example.com,,mentee\n", ""),
    )
    .await;
    let started = std::time::Instant::now();
    let enrolled = site
        .call(
            "programs/import-confirm",
            &[("program_id", &other), ("batch_id", &baseline)],
        )
        .await;
    let base = started.elapsed();
    assert!(
        enrolled.body.contains("1000 enrolled."),
        "{}",
        enrolled.body
    );
    eprintln!(
        "{engine:?}: 1,000 new people imported and invited in {} ms; 1,000 existing accounts \
         enrolled and told in {} ms (baseline): {:.2}x",
        took.as_millis(),
        base.as_millis(),
        took.as_secs_f64() / base.as_secs_f64()
    );

    // The same file again: nothing to create, nothing sent.
    let again = stage(&mut admin, &program, file).await;
    let confirmed = admin
        .call(
            "programs/import-confirm",
            &[("program_id", &program), ("batch_id", &again)],
        )
        .await;
    assert!(
        confirmed.body.contains("1001 already there"),
        "{}",
        confirmed.body
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM outbox WHERE kind IN ('invitation', 'added')"
        )
        .await,
        2001,
        "1,000 invitations, 1 added, then 1,000 added in the other program; nothing more"
    );
    // An old two-column file: existing accounts only; someone new is rejected with the reason.
    let old = stage(
        &mut admin,
        &program,
        "email,role\nmentee2@example.com,mentor\nnew.one@example.com,mentee\n".to_string(),
    )
    .await;
    let preview = admin
        .get(&format!("/programs/{program}/import/{old}"))
        .await;
    assert!(
        preview.body.contains("Give their name (a name column)"),
        "rejected with the reason"
    );
}

on_both_engines!(
    an_import_creates_and_invites_a_thousand_people_once,
    an_invited_person_sets_a_password_and_lands_on_their_quickcliq,
    forged_expired_and_renewed_links,
    an_existing_account_is_told_it_was_added_and_invitations_wait_for_a_mail_server,
    forgot_password_answers_alike_and_a_reset_ends_every_other_session,
    limits_and_one_use_hold_in_parallel,
);

/// An invitation through lettre to a real SMTP server (maildev), read back through its API and
/// followed: the password is set and the person is signed in. Once sent, the outbox keeps no
/// link.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invitation_reaches_a_real_smtp_server_and_its_link_signs_the_person_in() {
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
    let app = TestApp::sending(Engine::Sqlite).await;
    let mut site = app.client().signed_in_as("admin@example.com").await;
    let email = format!(
        "invitee-{}@example.com",
        &app::accounts::tokens::new_token()[..8]
    );
    let hostile = "Zoë <b>Bold</b> & Co";
    let started = std::time::Instant::now();
    let created = site
        .call(
            "accounts/create-user",
            &[("email", &email), ("name", hostile)],
        )
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    let mailer = app::mail::sender::SmtpMailer::new(
        &smtp,
        "Mentoring Milestones <no-reply@milestones.test>",
        "milestones.test",
    )
    .expect("mailer");
    let report = app::mail::sender::send_ready(&app.db, &mailer, "test-worker", Utc::now())
        .await
        .expect("sent");
    assert_eq!(report.sent, 1);
    let mut found = None;
    for _ in 0..40 {
        let body = support::http_get(&api, "/api/email").await;
        let all: serde_json::Value = serde_json::from_str(&body).expect("maildev's JSON");
        found = all
            .as_array()
            .expect("a list")
            .iter()
            .find(|m| m["to"][0]["address"] == email.as_str())
            .cloned();
        if found.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let found = found.expect("the invitation arrived");
    eprintln!(
        "invitation delivered {} ms after the admin's click",
        started.elapsed().as_millis()
    );
    assert_eq!(found["subject"], "You are invited to Mentoring Milestones");
    let html = found["html"].as_str().expect("html");
    assert!(
        html.contains("Zoë &lt;b&gt;Bold&lt;/b&gt; &amp; Co"),
        "{html}"
    );
    assert!(!html.contains("<b>Bold</b>"));
    assert!(html.contains(">Set your password</a>"));
    let text = found["text"].as_str().expect("text");
    let link = text
        .split_whitespace()
        .find(|w| w.contains("/welcome/"))
        .expect("the link")
        .to_string();
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM outbox WHERE kind = 'invitation' AND body_text LIKE '%/welcome/%'"
        )
        .await,
        0,
        "the sent email's link is gone from the outbox"
    );
    let mut invitee = app.client();
    let page = invitee.get(&link_path(&link)).await;
    assert!(unescape(&page.body).contains(&format!("Welcome, {hostile}.")));
    assert_eq!(
        invitee
            .set_password_from(&link, "a password of mine")
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(invitee.get("/account").await.status, StatusCode::OK);
}
