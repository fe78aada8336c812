//! A corpus of hostile names, created through the app as an admin would type them (program,
//! people, emails, milestone, resource), then every page fetched as each role: no document,
//! head included, carries markup from the corpus, and none has a `<meta http-equiv>`.

mod support;

use axum::http::StatusCode;
use support::{Engine, TestApp};

const PROGRAM: &str =
    r#"Evil</title><meta http-equiv="refresh" content="0;url=https://evil.example/"><title>"#;
const MENTOR: &str = r#"Mal"><img src=x onerror=alert(1)>"#;
const MENTEE: &str = "Mel<script>alert(2)</script>";
const ADMIN: &str = "Ada</textarea><svg onload=alert(3)>";
const MILESTONE: &str = "Meet'><iframe src=//evil.example></iframe>";
const RESOURCE: &str = "Guide<style>*{display:none}</style>";
const MENTOR_EMAIL: &str = r#"mal+"quoted"@example.com"#;
const MENTEE_EMAIL: &str = "o'hara+<i>x</i>@example.com";
const ADMIN_EMAIL: &str = "ada+admin@example.com";
const PASSWORD: &str = "a long enough password";

/// What must never appear in a page: the corpus's markup, live.
const MARKUP: [&str; 9] = [
    "<meta http-equiv",
    "<img src=x",
    "<script>alert",
    "<svg onload",
    "<iframe src",
    "<style>*{",
    "<i>x</i>",
    "</title><meta",
    "</textarea><svg",
];

fn ok(reply: &support::Reply, what: &str) {
    assert!(
        reply.status.is_success(),
        "{what}: {} {}",
        reply.status,
        reply.body
    );
}

async fn hostile_names_never_become_markup_on_any_page_for_any_role(engine: Engine) {
    let app = TestApp::new(engine).await;
    let mut site = app.client().signed_in_as("admin@example.com").await;
    ok(
        &site
            .call(
                "programs/create",
                &[
                    ("name", PROGRAM),
                    ("description", &format!("{MENTOR} {MENTEE}")),
                    ("time_zone", "Pacific/Auckland"),
                ],
            )
            .await,
        "program",
    );
    let program = app.scalar("SELECT MAX(id) FROM programs").await.to_string();
    ok(
        &site
            .call(
                "accounts/create-user",
                &[("email", ADMIN_EMAIL), ("name", ADMIN)],
            )
            .await,
        "admin account",
    );
    let admin_id = app
        .scalar(&format!(
            "SELECT id FROM users WHERE email = '{ADMIN_EMAIL}'"
        ))
        .await
        .to_string();
    ok(
        &site
            .call(
                "accounts/make-program-admin",
                &[("user_id", &admin_id), ("program_id", &program)],
            )
            .await,
        "program admin",
    );
    for (email, name, role) in [
        (MENTOR_EMAIL, MENTOR, "mentor"),
        (MENTEE_EMAIL, MENTEE, "mentee"),
    ] {
        ok(
            &site
                .call(
                    "programs/enrol",
                    &[
                        ("program_id", &program),
                        ("email", email),
                        ("role", role),
                        ("name", name),
                    ],
                )
                .await,
            role,
        );
    }
    let enrollment = |email: &str| {
        format!(
            "SELECT e.id FROM enrollments e JOIN users u ON u.id = e.user_id \
             WHERE u.email = '{}'",
            email.replace('\'', "''")
        )
    };
    let mentor = app.scalar(&enrollment(MENTOR_EMAIL)).await.to_string();
    let mentee = app.scalar(&enrollment(MENTEE_EMAIL)).await.to_string();
    ok(
        &site
            .call(
                "programs/create-match",
                &[
                    ("program_id", &program),
                    ("mentor_enrollment_id", &mentor),
                    ("mentee_enrollment_id", &mentee),
                ],
            )
            .await,
        "match",
    );
    let matched = app.scalar("SELECT MAX(id) FROM matches").await.to_string();
    let today = app::kernel::time_zone::today_in_zone("Pacific/Auckland").to_string();
    ok(
        &site
            .call(
                "programs/publish-matches",
                &[
                    ("program_id", &program),
                    ("match_ids[0]", &matched),
                    ("publish_on", &today),
                ],
            )
            .await,
        "published",
    );
    ok(
        &site
            .call(
                "resources/add",
                &[
                    ("program_id", &program),
                    ("title", RESOURCE),
                    ("url", "https://example.com/guide?a=1&b=2"),
                    ("kind", "document"),
                ],
            )
            .await,
        "resource",
    );
    ok(
        &site
            .call(
                "milestones/save",
                &[
                    ("program_id", &program),
                    ("name", MILESTONE),
                    ("category", "relationship"),
                    ("role", "both"),
                    ("amount", "0"),
                    ("unit", "days"),
                    (
                        "description",
                        &format!("{PROGRAM} [{RESOURCE}](javascript:alert(4)) {MENTEE}"),
                    ),
                ],
            )
            .await,
        "milestone",
    );
    let milestone = app
        .scalar("SELECT MAX(id) FROM milestones")
        .await
        .to_string();

    let admin_pages: Vec<String> = [
        "",
        "/participants",
        "/matches",
        &format!("/matches/{matched}"),
        "/milestones",
        "/milestones/new",
        &format!("/milestones/{milestone}/edit"),
        "/resources",
        "/import",
        "/report",
        "/reminders",
    ]
    .iter()
    .map(|tail| format!("/programs/{program}{tail}"))
    .chain(["/programs".to_string(), "/account".to_string()])
    .collect();
    let mut site_pages = admin_pages.clone();
    site_pages.extend([
        format!("/programs/{program}/edit"),
        "/admin/users".to_string(),
    ]);
    let participant_pages: Vec<String> = ["/quickcliq", "/profile", "/account", "/due-dates"]
        .iter()
        .map(|p| p.to_string())
        .collect();

    // Each invited person's page to set a password names them, as text; then each accepts.
    let mut links = Vec::new();
    for email in [ADMIN_EMAIL, MENTOR_EMAIL, MENTEE_EMAIL] {
        let link = site.invitation_link_of(email).await;
        let page = app.client().get(&support::link_path(&link)).await;
        ok(&page, "the welcome page");
        for markup in MARKUP {
            assert!(
                !page.body.contains(markup),
                "the welcome page holds {markup:?}"
            );
        }
        links.push(link);
    }
    let welcome = app.client().get(&support::link_path(&links[2])).await.body;
    assert!(
        welcome.contains("Mel&lt;script&gt;alert(2)&lt;/script&gt;"),
        "{welcome}"
    );
    let mut accepted = Vec::new();
    for link in &links {
        let mut client = app.client();
        let reply = client.set_password_from(link, PASSWORD).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
        accepted.push(client);
    }
    let mut mentee_client = accepted.pop().expect("mentee");
    let mut mentor_client = accepted.pop().expect("mentor");
    let mut program_admin = accepted.pop().expect("admin");
    let mut failures = Vec::new();
    let mut fetched = 0;
    for (who, client, pages) in [
        ("site admin", &mut site, &site_pages),
        ("program admin", &mut program_admin, &admin_pages),
        ("mentor", &mut mentor_client, &participant_pages),
        ("mentee", &mut mentee_client, &participant_pages),
    ] {
        for page in pages {
            let reply = client.get(page).await;
            if !reply.status.is_success() {
                failures.push(format!("{who} {page}: {}", reply.status));
                continue;
            }
            fetched += 1;
            for markup in MARKUP {
                if reply.body.contains(markup) {
                    failures.push(format!("{who} {page}: holds {markup:?}"));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(
        fetched,
        site_pages.len() + admin_pages.len() + 2 * participant_pages.len()
    );
    // The names are there, as text.
    let panel = site.get(&format!("/programs/{program}")).await.body;
    assert!(panel.contains("Evil&lt;/title&gt;&lt;meta http-equiv="));
    let mine = mentor_client.get("/quickcliq").await.body;
    assert!(mine.contains("Meet&#x27;&gt;&lt;iframe") || mine.contains("Meet'&gt;&lt;iframe"));
}

on_both_engines!(hostile_names_never_become_markup_on_any_page_for_any_role);
