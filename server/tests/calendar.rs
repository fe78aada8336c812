//! The private calendar feed (issue 14): what it holds, parsed back by the ICS crate, on both
//! engines.

mod support;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::NaiveDate;
use icalendar::{Calendar, Component, DatePerhapsTime};
use std::collections::BTreeMap;
use std::str::FromStr;
use support::{Client, Engine, Reply, TestApp};

/// The calendar address the Profile shows the signed-in person (its path).
async fn address_on_profile(person: &mut Client<'_>) -> String {
    let body = person.get("/profile").await.body;
    let start = body
        .find("/calendar/")
        .unwrap_or_else(|| panic!("the Profile shows a calendar address"));
    let path: String = body[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '.'))
        .collect();
    assert!(
        path.ends_with(".ics") && path.len() == "/calendar/".len() + 64 + 4,
        "{path}"
    );
    path
}

async fn fetch(app: &TestApp, path: &str, if_none_match: Option<&str>) -> Reply {
    // A calendar app: no cookie, no session.
    let mut request = Request::get(path);
    if let Some(tag) = if_none_match {
        request = request.header(header::IF_NONE_MATCH, tag);
    }
    app.client()
        .send(request.body(Body::empty()).expect("request"))
        .await
}

/// The feed's events by UID: (summary, start, end).
fn events(reply: &Reply) -> BTreeMap<String, (String, DatePerhapsTime, DatePerhapsTime)> {
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let calendar = Calendar::from_str(&reply.body).expect("the feed parses as iCalendar");
    calendar
        .events()
        .map(|event| {
            (
                event.get_uid().expect("a UID").to_string(),
                (
                    event.get_summary().expect("a summary").to_string(),
                    event.get_start().expect("a start"),
                    event.get_end().expect("an end"),
                ),
            )
        })
        .collect()
}

async fn user_id(app: &TestApp, email: &str) -> i64 {
    app.scalar(&format!("SELECT id FROM users WHERE email = '{email}'"))
        .await
}

/// The person's open items as the app shows them, by the UID their events must have.
async fn open_items(app: &TestApp, email: &str) -> BTreeMap<String, app::items::Item> {
    let items = app::items::store::items_for(&app.db, user_id(app, email).await)
        .await
        .expect("items");
    items
        .into_iter()
        .filter(app::calendar::feed::in_feed)
        .map(|item| {
            (
                app::calendar::feed::event_uid(&item, &app.state.public_url),
                item,
            )
        })
        .collect()
}

fn all_day(date: NaiveDate) -> DatePerhapsTime {
    DatePerhapsTime::Date(date)
}

async fn a_participant_sees_their_open_milestones_in_their_calendar(engine: Engine) {
    let app = TestApp::new(engine).await;
    let email = "mentor3@example.com";
    let mut person = app.client().signed_in_as(email).await;
    let path = address_on_profile(&mut person).await;
    // The address stays the same from one visit to the next.
    assert_eq!(address_on_profile(&mut person).await, path);

    let first = fetch(&app, &path, None).await;
    assert!(
        first.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/calendar")
    );
    assert!(
        first.headers.get(header::SET_COOKIE).is_none(),
        "no session"
    );
    let cache = first.headers[header::CACHE_CONTROL].to_str().unwrap();
    assert!(
        cache.contains("private") && cache.contains("max-age="),
        "{cache}"
    );
    let etag = first.headers[header::ETAG].to_str().unwrap().to_string();
    let feed = events(&first);
    let expected = open_items(&app, email).await;
    assert!(!expected.is_empty(), "mentor 3 has open milestones");
    assert_eq!(
        feed.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>(),
        "one event per open item of theirs, nothing else"
    );
    for (uid, (summary, start, end)) in &feed {
        let item = &expected[uid];
        assert!(summary.starts_with(&item.milestone_name), "{summary}");
        assert_eq!(*start, all_day(item.due), "{uid}: all day on the due date");
        assert_eq!(
            *end,
            all_day(item.due.succ_opt().unwrap()),
            "{uid}: one day"
        );
    }
    assert!(first.body.contains("/quickcliq"), "a link to the QuickcliQ");
    // Mentor 3's first match has ended: its items are in the app (closed), never in the feed.
    let all = app::items::store::items_for(&app.db, user_id(&app, email).await)
        .await
        .expect("items");
    let closed: Vec<String> = all
        .iter()
        .filter(|i| i.mine && i.closed)
        .map(|i| app::calendar::feed::event_uid(i, &app.state.public_url))
        .collect();
    assert!(!closed.is_empty(), "mentor 3 has items of an ended match");
    assert!(closed.iter().all(|uid| !feed.contains_key(uid)));
    // Nor are the partner's items of the live match.
    assert!(all.iter().any(|i| !i.mine));
    assert!(
        all.iter()
            .filter(|i| !i.mine)
            .all(|i| !feed.contains_key(&app::calendar::feed::event_uid(i, &app.state.public_url)))
    );

    // Asked again: the same events, UIDs and tag; with the tag, 304 and no body.
    let again = fetch(&app, &path, None).await;
    assert_eq!(events(&again), feed);
    assert_eq!(again.headers[header::ETAG].to_str().unwrap(), etag);
    let unchanged = fetch(&app, &path, Some(&etag)).await;
    assert_eq!(unchanged.status, StatusCode::NOT_MODIFIED);
    assert!(unchanged.body.is_empty());

    // A completed item leaves the feed; the others keep their UIDs.
    let (uid, item) = expected.iter().next().unwrap();
    let key = item.key;
    let done = person.complete(key, "quickcliq").await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    let after = fetch(&app, &path, Some(&etag)).await;
    assert_eq!(after.status, StatusCode::OK, "changed: no 304");
    let after_events = events(&after);
    assert!(!after_events.contains_key(uid), "the completed item left");
    assert_eq!(after_events.len(), feed.len() - 1);
    assert_ne!(after.headers[header::ETAG].to_str().unwrap(), etag);

    // Reset address: the old one answers 404, the new one the same events.
    let reset = person
        .call("participation/reset-calendar-address", &[])
        .await;
    assert_eq!(reset.status, StatusCode::OK, "{}", reset.body);
    assert_eq!(fetch(&app, &path, None).await.status, StatusCode::NOT_FOUND);
    let new_path = address_on_profile(&mut person).await;
    assert_ne!(new_path, path);
    assert_eq!(events(&fetch(&app, &new_path, None).await), after_events);

    // A disabled account's feed answers 404 too.
    app::accounts::store::set_disabled(&app.db, user_id(&app, email).await, true)
        .await
        .expect("disabled");
    assert_eq!(
        fetch(&app, &new_path, None).await.status,
        StatusCode::NOT_FOUND
    );
}

async fn a_feed_shows_its_owners_items_only(engine: Engine) {
    let app = TestApp::new(engine).await;
    let mut mentee = app.client().signed_in_as("mentee@example.com").await;
    let mut mentor = app.client().signed_in_as("mentor@example.com").await;
    let mentee_path = address_on_profile(&mut mentee).await;
    let mentor_path = address_on_profile(&mut mentor).await;
    assert_ne!(mentee_path, mentor_path);
    let mentee_feed = events(&fetch(&app, &mentee_path, None).await);
    let mentor_feed = events(&fetch(&app, &mentor_path, None).await);
    let mentee_items = open_items(&app, "mentee@example.com").await;
    let mentor_items = open_items(&app, "mentor@example.com").await;
    assert_eq!(
        mentee_feed.keys().collect::<Vec<_>>(),
        mentee_items.keys().collect::<Vec<_>>()
    );
    assert_eq!(
        mentor_feed.keys().collect::<Vec<_>>(),
        mentor_items.keys().collect::<Vec<_>>()
    );
    assert!(
        mentee_feed.keys().all(|uid| !mentor_feed.contains_key(uid)),
        "partners share a match, never an item"
    );
    // A signed-in person asking for another's feed with their own cookie gets that feed, not
    // theirs: the token decides, and it is the only key.
    let with_cookie = mentee.get(&mentor_path).await;
    assert_eq!(events(&with_cookie), mentor_feed);
    // Tokens of the wrong form, and of the right form that were never given, open nothing.
    for path in [
        "/calendar/",
        "/calendar/x.ics",
        "/calendar/..%2F..%2Fetc%2Fpasswd.ics",
        &mentee_path.replace(".ics", ""),
        &mentee_path
            .to_uppercase()
            .replace("/CALENDAR/", "/calendar/"),
        &format!("/calendar/{}.ics", "f".repeat(64)),
    ] {
        let reply = fetch(&app, path, None).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}");
        assert!(!reply.body.contains("BEGIN:VCALENDAR"));
    }
}

/// All-day events carry a date and no zone: at the far edges of the world's time zones (UTC−11
/// and UTC+14) they land on the due dates the app shows, unshifted.
async fn due_dates_do_not_shift_at_the_edges_of_time_zones(engine: Engine) {
    let app = TestApp::new(engine).await;
    let email = "mentee@example.com";
    let mut person = app.client().signed_in_as(email).await;
    let path = address_on_profile(&mut person).await;
    for zone in ["Pacific/Pago_Pago", "Pacific/Kiritimati", "UTC"] {
        app::db::on_db!(
            &app.db,
            write | pool | {
                sqlx::query("UPDATE programs SET time_zone = $1 WHERE id = $2")
                    .bind(zone)
                    .bind(app.program_id)
                    .execute(pool)
                    .await
                    .map(|_| ())
            }
        )
        .expect("zone");
        let reply = fetch(&app, &path, None).await;
        assert!(!reply.body.contains("TZID"), "{zone}: no zone in the feed");
        let feed = events(&reply);
        let items = open_items(&app, email).await;
        assert_eq!(feed.len(), items.len(), "{zone}");
        for (uid, (_, start, _)) in &feed {
            assert_eq!(*start, all_day(items[uid].due), "{zone}: {uid}");
        }
        for line in reply.body.lines().filter(|l| l.starts_with("DTSTART")) {
            assert!(
                line.starts_with("DTSTART;VALUE=DATE:") && line.len() == 27,
                "{line}"
            );
        }
    }
}

on_both_engines!(
    a_participant_sees_their_open_milestones_in_their_calendar,
    a_feed_shows_its_owners_items_only,
    due_dates_do_not_shift_at_the_edges_of_time_zones,
);
