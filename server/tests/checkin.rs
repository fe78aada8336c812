//! Email check-ins (issue 15): `/check-in/{token}` opens one item of one person, without
//! signing in; only a POST changes anything; the completion is recorded as made from an email.

mod support;

use app::items::{Item, ItemKey};
use axum::http::StatusCode;
use support::{Engine, TestApp, unescape};

async fn user_id(app: &TestApp, email: &str) -> i64 {
    app.scalar(&format!("SELECT id FROM users WHERE email = '{email}'"))
        .await
}

/// Two open items of the demo's main mentee.
async fn open_items(app: &TestApp) -> (i64, Item, Item) {
    let user = user_id(app, "mentee@example.com").await;
    let open: Vec<Item> = app::items::store::items_for(&app.db, user)
        .await
        .expect("items")
        .into_iter()
        .filter(|i| i.mine && !i.closed && i.status.is_open())
        .collect();
    assert!(open.len() >= 2, "the mentee has two open milestones");
    (user, open[0].clone(), open[1].clone())
}

async fn issue(app: &TestApp, user: i64, key: ItemKey, days_ago: i64) -> String {
    app::checkins::store::issue(
        &app.db,
        user,
        key,
        chrono::Utc::now() - chrono::Duration::days(days_ago),
    )
    .await
    .expect("a token")
}

async fn completion_source(app: &TestApp, key: ItemKey) -> Option<String> {
    let sql = format!(
        "SELECT source FROM completions WHERE milestone_id = {} AND enrollment_id = {}",
        key.milestone_id, key.enrollment_id
    );
    app::db::on_db!(
        &app.db,
        read | pool
            | sqlx::query_scalar::<_, String>(&sql)
                .fetch_optional(pool)
                .await
    )
    .expect("source")
}

async fn history(app: &TestApp, key: ItemKey) -> Vec<(String, String, i64)> {
    let sql = format!(
        "SELECT action, source, actor_user_id FROM completion_events \
         WHERE milestone_id = {} AND enrollment_id = {} ORDER BY id",
        key.milestone_id, key.enrollment_id
    );
    app::db::on_db!(
        &app.db,
        read | pool
            | sqlx::query_as::<_, (String, String, i64)>(&sql)
                .fetch_all(pool)
                .await
    )
    .expect("history")
}

async fn a_check_in_link_completes_its_item_in_one_click(engine: Engine) {
    let app = TestApp::new(engine).await;
    let (user, item, other) = open_items(&app).await;
    let token = issue(&app, user, item.key, 0).await;
    let page = format!("/check-in/{token}");
    // A fresh browser, never signed in: the milestone and one button; a GET changes nothing,
    // however often (mail scanners open links).
    let mut visitor = app.client();
    for _ in 0..3 {
        let reply = visitor.get(&page).await;
        assert_eq!(reply.status, StatusCode::OK);
        let body = unescape(&reply.body);
        assert!(body.contains(&format!("Mark {} complete", item.milestone_name)));
        assert_eq!(body.matches("check-in-button").count(), 1, "one button");
    }
    assert_eq!(completion_source(&app, item.key).await, None);

    let done = visitor
        .call("check-in/complete", &[("token", &token)])
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert_eq!(
        completion_source(&app, item.key).await.as_deref(),
        Some("email")
    );
    assert_eq!(
        history(&app, item.key).await,
        vec![("completed".to_string(), "email".to_string(), user)]
    );
    // The token never worked for another item, and never signed anyone in.
    assert_eq!(completion_source(&app, other.key).await, None);
    let quickcliq = visitor.get("/quickcliq").await;
    assert!(
        quickcliq
            .location()
            .is_some_and(|l| l.starts_with("/sign-in")),
        "still not signed in"
    );
    // Opened again: already completed, no button; a second click changes nothing.
    let again = unescape(&visitor.get(&page).await.body);
    assert!(again.contains(&format!("{} is already completed.", item.milestone_name)));
    assert!(!again.contains("check-in-button"));
    let twice = visitor
        .call("check-in/complete", &[("token", &token)])
        .await;
    assert_eq!(twice.status, StatusCode::OK);
    assert_eq!(history(&app, item.key).await.len(), 1);

    // Undo, as the page offers for 8 seconds.
    let undone = visitor.call("check-in/undo", &[("token", &token)]).await;
    assert_eq!(undone.status, StatusCode::OK, "{}", undone.body);
    assert_eq!(completion_source(&app, item.key).await, None);
    assert_eq!(
        history(&app, item.key).await.last().cloned(),
        Some(("undone".to_string(), "email".to_string(), user))
    );
}

async fn without_javascript_the_check_in_comes_back_with_its_message(engine: Engine) {
    let app = TestApp::new(engine).await;
    let (user, item, _) = open_items(&app).await;
    let token = issue(&app, user, item.key, 0).await;
    let mut visitor = app.client();
    let posted = visitor
        .post_form("/api/check-in/complete", &[("token", &token)])
        .await;
    assert!(posted.status.is_redirection(), "{}", posted.status);
    assert_eq!(
        posted.location(),
        Some(format!("/check-in/{token}").as_str())
    );
    let body = unescape(&visitor.get(&format!("/check-in/{token}")).await.body);
    assert!(body.contains(&format!("{} is already completed.", item.milestone_name)));
    assert!(body.contains(">Undo</button>"), "Undo offered once");
    assert_eq!(
        completion_source(&app, item.key).await.as_deref(),
        Some("email")
    );
}

async fn expired_forged_and_disabled_links_open_nothing(engine: Engine) {
    let app = TestApp::new(engine).await;
    let (user, item, _) = open_items(&app).await;
    let expired = issue(&app, user, item.key, 31).await;
    let forged = "0123456789abcdef".repeat(4);
    let mut visitor = app.client();
    for (token, says) in [
        (expired.as_str(), "This link has expired"),
        (forged.as_str(), "This link does not work"),
        ("not-a-token", "This link does not work"),
    ] {
        let body = unescape(&visitor.get(&format!("/check-in/{token}")).await.body);
        assert!(body.contains(says), "{token}: {says}");
        assert!(
            body.contains("/sign-in?next=/quickcliq"),
            "a way to sign in"
        );
        assert!(!body.contains("check-in-button"));
        let refused = visitor.call("check-in/complete", &[("token", token)]).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{token}");
    }
    assert_eq!(completion_source(&app, item.key).await, None);
    // A disabled person's links stop working.
    let live = issue(&app, user, item.key, 0).await;
    app::accounts::store::set_disabled(&app.db, user, true)
        .await
        .expect("disabled");
    let body = unescape(&visitor.get(&format!("/check-in/{live}")).await.body);
    assert!(body.contains("This link does not work"));
    let refused = visitor.call("check-in/complete", &[("token", &live)]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(completion_source(&app, item.key).await, None);
}

async fn a_signed_in_request_cannot_claim_to_come_from_an_email(engine: Engine) {
    let app = TestApp::new(engine).await;
    let (_, item, _) = open_items(&app).await;
    let mut mentee = app.client().signed_in_as("mentee@example.com").await;
    let key = item.key;
    let done = mentee.complete(key, "email").await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert_eq!(
        completion_source(&app, key).await.as_deref(),
        Some("quickcliq")
    );
}

on_both_engines!(
    a_check_in_link_completes_its_item_in_one_click,
    without_javascript_the_check_in_comes_back_with_its_message,
    expired_forged_and_disabled_links_open_nothing,
    a_signed_in_request_cannot_claim_to_come_from_an_email,
);
