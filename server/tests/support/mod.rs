//! A seeded app behind the real router, and a client that keeps its session cookie like a
//! browser. Every test gets its own scratch database (SQLite or PostgreSQL).

#![allow(dead_code)]

use app::accounts::store::{create_user, make_program_admin};
use app::accounts::validation::{DisplayName, Email};
use app::db::Db;
use app::dev::scratch::ScratchDb;
use app::dev::seed::{DEMO_PASSWORD, seed_demo};
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use http_body_util::BodyExt;
use server::auth::SignInLimits;
use server::{AppState, Config, build_router};
use tower::ServiceExt;

pub const HOST: &str = "milestones.test";
pub const PROGRAM_ADMIN: &str = "program.admin@example.com";
pub const OTHER_ADMIN: &str = "other.admin@example.com";
pub const THROWAWAY: &str = "throwaway@example.com";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub router: axum::Router,
    pub state: AppState,
    pub db: Db,
    pub program_id: i64,
    pub other_program_id: i64,
    pub throwaway_id: i64,
    _scratch: ScratchDb,
}

pub fn config(database_url: String, secure_cookies: bool) -> Config {
    Config {
        database_url,
        create_database: true,
        site_addr: "127.0.0.1:0".parse().expect("address"),
        site_root: "target/site".to_string(),
        demo: true,
        demo_public: false,
        secure_cookies,
        trusted_proxies: Default::default(),
        request_timeout_ms: 30_000,
        public_url: None,
        smtp_url: None,
        mail_from: "Mentoring Milestones <no-reply@milestones.test>".to_string(),
        mail_poll_ms: 10_000,
        schedule_reminders: false,
        oidc_issuer: None,
        oidc_client_id: String::new(),
        oidc_client_secret: String::new(),
        oidc_name: "your organisation".to_string(),
        oidc_allowed_domains: String::new(),
        password_sign_in: true,
        command: None,
    }
}

async fn scalar(db: &Db, sql: &str) -> i64 {
    app::db::on_db!(
        db,
        read | pool | sqlx::query_scalar::<_, i64>(sql).fetch_one(pool).await
    )
    .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

impl TestApp {
    /// The demo data, plus an admin of the demo program who is not a site admin, a second
    /// program with its own admin, and a throwaway account whose password tests may reset.
    pub async fn new(engine: Engine) -> TestApp {
        TestApp::with(engine, false, SignInLimits::default()).await
    }

    pub async fn with(engine: Engine, secure_cookies: bool, limits: SignInLimits) -> TestApp {
        TestApp::configured(engine, secure_cookies, limits, "").await
    }

    /// As [`TestApp::new`], on a server that sends email (`SMTP_URL` set; no worker runs, so
    /// what it queues stays in the outbox for the test to read).
    pub async fn sending(engine: Engine) -> TestApp {
        TestApp::configured_with(
            engine,
            false,
            SignInLimits::default(),
            "",
            Some("smtp://127.0.0.1:1125".to_string()),
        )
        .await
    }

    /// As [`TestApp::with`], behind the reverse proxies `trusted_proxies`.
    pub async fn configured(
        engine: Engine,
        secure_cookies: bool,
        limits: SignInLimits,
        trusted_proxies: &str,
    ) -> TestApp {
        TestApp::configured_with(engine, secure_cookies, limits, trusted_proxies, None).await
    }

    async fn configured_with(
        engine: Engine,
        secure_cookies: bool,
        limits: SignInLimits,
        trusted_proxies: &str,
        smtp_url: Option<String>,
    ) -> TestApp {
        TestApp::set_up(
            engine,
            |config| {
                config.secure_cookies = secure_cookies;
                config.smtp_url = smtp_url;
                config.trusted_proxies =
                    server::client_address::TrustedProxies::parse(trusted_proxies)
                        .expect("proxies");
            },
            limits,
        )
        .await
    }

    /// The demo app (see [`TestApp::new`]) with its settings changed by `configure`.
    pub async fn set_up(
        engine: Engine,
        configure: impl FnOnce(&mut Config),
        limits: SignInLimits,
    ) -> TestApp {
        let scratch = match engine {
            Engine::Sqlite => ScratchDb::sqlite().await,
            Engine::Postgres => ScratchDb::postgres().await,
        }
        .expect("a scratch database (PostgreSQL must be running)");
        let db = scratch.db.clone();
        seed_demo(&db, chrono::Utc::now().date_naive())
            .await
            .expect("demo seeded");
        let program_id = scalar(&db, "SELECT MIN(id) FROM programs").await;
        app::db::on_db!(
            &db,
            write | pool | {
                sqlx::query(
                    "INSERT INTO programs (name, description, time_zone, created_at) \
                 VALUES ('Engineering Mentoring', '', 'Europe/Paris', $1)",
                )
                .bind(chrono::Utc::now())
                .execute(pool)
                .await
                .map(|_| ())
            }
        )
        .expect("second program");
        let other_program_id = scalar(&db, "SELECT MAX(id) FROM programs").await;
        let hash = app::accounts::password::hash_password(DEMO_PASSWORD).expect("hash");
        let person = |email: &str| Email::parse(email).expect("email");
        let name = |n: &str| DisplayName::parse(n).expect("name");
        let admin = create_user(
            &db,
            &person(PROGRAM_ADMIN),
            &name("Pat Admin"),
            &hash,
            false,
        )
        .await
        .expect("program admin");
        make_program_admin(&db, program_id, admin)
            .await
            .expect("admin of the demo program");
        let other = create_user(&db, &person(OTHER_ADMIN), &name("Oli Admin"), &hash, false)
            .await
            .expect("other admin");
        make_program_admin(&db, other_program_id, other)
            .await
            .expect("admin elsewhere");
        let throwaway_id = create_user(&db, &person(THROWAWAY), &name("Throw Away"), &hash, false)
            .await
            .expect("throwaway");
        let mut config = config(scratch.url.clone(), false);
        configure(&mut config);
        let state =
            AppState::with_limits(&config, db.clone(), limits).expect("the test settings work");
        TestApp {
            router: build_router(state.clone()),
            state,
            db,
            program_id,
            other_program_id,
            throwaway_id,
            _scratch: scratch,
        }
    }

    pub fn client(&self) -> Client<'_> {
        Client {
            app: self,
            router: self.router.clone(),
            cookie: None,
            peer: None,
        }
    }

    /// A client of a second server instance on the same database.
    pub fn client_of_another_instance(&self) -> Client<'_> {
        Client {
            app: self,
            router: build_router(self.state.clone()),
            cookie: None,
            peer: None,
        }
    }

    /// One number from the database.
    pub async fn scalar(&self, sql: &str) -> i64 {
        scalar(&self.db, sql).await
    }
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn location(&self) -> Option<&str> {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
    }

    pub fn set_cookie(&self) -> Option<&str> {
        self.headers
            .get(header::SET_COOKIE)
            .and_then(|v| v.to_str().ok())
    }
}

/// Form-encodes fields.
pub fn form(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                app::kernel::text::encode_query_value(k),
                app::kernel::text::encode_query_value(v)
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// A browser-like client: sends the session cookie back and keeps the newest one.
pub struct Client<'a> {
    app: &'a TestApp,
    router: axum::Router,
    pub cookie: Option<String>,
    /// The address the connection comes from (none: "unknown", as in-process).
    pub peer: Option<std::net::SocketAddr>,
}

impl Client<'_> {
    pub async fn send(&mut self, mut request: Request<Body>) -> Reply {
        request
            .headers_mut()
            .insert(header::HOST, HOST.parse().expect("host"));
        if let Some(cookie) = &self.cookie {
            request
                .headers_mut()
                .insert(header::COOKIE, cookie.parse().expect("cookie"));
        }
        if let Some(peer) = self.peer {
            request
                .extensions_mut()
                .insert(axum::extract::ConnectInfo(peer));
        }
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("router answers");
        let status = response.status();
        let headers = response.headers().clone();
        if let Some(set) = headers
            .get(header::SET_COOKIE)
            .and_then(|v| v.to_str().ok())
        {
            let pair = set.split(';').next().unwrap_or_default().to_string();
            let cleared = set.contains("Max-Age=0") || pair.ends_with('=');
            self.cookie = if cleared { None } else { Some(pair) };
        }
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        Reply {
            status,
            headers,
            // Without the `<!>` markers hydration puts after dynamic text, so tests read
            // the page's text as a person would ("3 of 5" rather than "3<!> of 5").
            body: String::from_utf8_lossy(&bytes).replace("<!>", ""),
        }
    }

    /// A page, as a browser asks for it.
    pub async fn get(&mut self, path: &str) -> Reply {
        let request = Request::get(path)
            .header(header::ACCEPT, "text/html")
            .body(Body::empty())
            .expect("request");
        self.send(request).await
    }

    /// A same-origin form post, as a browser sends it.
    pub async fn post_form(&mut self, path: &str, fields: &[(&str, &str)]) -> Reply {
        let request = Request::post(path)
            .header(header::ACCEPT, "text/html")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ORIGIN, format!("http://{HOST}"))
            .header("sec-fetch-site", "same-origin")
            .body(Body::from(form(fields)))
            .expect("request");
        self.send(request).await
    }

    /// A server function, as the hydrated page calls it.
    pub async fn call(&mut self, endpoint: &str, fields: &[(&str, &str)]) -> Reply {
        let request = Request::post(format!("/api/{endpoint}"))
            .header(header::ACCEPT, "application/json")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ORIGIN, format!("http://{HOST}"))
            .header("sec-fetch-site", "same-origin")
            .body(Body::from(form(fields)))
            .expect("request");
        self.send(request).await
    }

    pub async fn sign_in(&mut self, email: &str, password: &str) -> Reply {
        self.post_form(
            "/sign-in",
            &[("email", email), ("password", password), ("next", "")],
        )
        .await
    }

    /// Follows a plain form post's redirect and reads the outcome the page shows for it: the
    /// success note, or the form's error (with its field messages).
    pub async fn outcome_of(&mut self, reply: &Reply) -> Result<String, String> {
        let location = reply
            .location()
            .unwrap_or_else(|| panic!("a redirect, got {}: {}", reply.status, reply.body))
            .to_string();
        assert!(
            !location.contains("done=")
                || location.ends_with("done=created")
                || location.ends_with("done=saved"),
            "no message in the address: {location}"
        );
        let page = self.get(&location).await;
        let text_after = |marker: &str| {
            page.body
                .split(marker)
                .nth(1)
                .map(|rest| unescape(rest.split('<').next().unwrap_or_default().trim()))
        };
        if let Some(success) = text_after(r#"<p class="success">"#) {
            return Ok(success);
        }
        let mut errors: Vec<String> = [
            r#"<p class="form-error">"#,
            r#"<p class="visually-hidden">"#,
        ]
        .iter()
        .filter_map(|marker| text_after(marker))
        .collect();
        errors.extend(
            page.body
                .split(r#"<p class="field-error""#)
                .skip(1)
                .filter_map(|rest| rest.split_once('>'))
                .map(|(_, rest)| unescape(rest.split('<').next().unwrap_or_default())),
        );
        if errors.is_empty() {
            panic!("{location} shows no outcome");
        }
        Err(errors.join(" | "))
    }

    /// This client, connecting from `address`.
    pub fn from(mut self, address: &str) -> Self {
        self.peer = Some(
            format!("{address}:40000")
                .parse()
                .or_else(|_| format!("[{address}]:40000").parse())
                .expect("an address"),
        );
        self
    }

    /// Signs in with the demo password and checks that it worked.
    /// Marks an item complete as the hydrated page does, saying it came from `source`.
    pub async fn complete(&mut self, key: app::items::ItemKey, source: &str) -> Reply {
        self.call(
            "items/complete",
            &[
                ("milestone_id", &key.milestone_id.to_string()),
                ("enrollment_id", &key.enrollment_id.to_string()),
                (
                    "match_id",
                    &key.match_id.map(|m| m.to_string()).unwrap_or_default(),
                ),
                ("source", source),
            ],
        )
        .await
    }

    /// As a site admin of a server that sends no email: the invitation link of the invited
    /// account with this email (Copy invitation link answers with it).
    pub async fn invitation_link_of(&mut self, email: &str) -> String {
        let id = self
            .app
            .scalar(&format!(
                "SELECT id FROM users WHERE email = '{}'",
                email.replace('\'', "''")
            ))
            .await;
        let reply = self
            .call(
                "accounts/resend-invitation",
                &[("user_id", &id.to_string())],
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        let link: String = serde_json::from_str(&reply.body).expect("a JSON string");
        assert!(link.starts_with("http"), "a link: {link}");
        link
    }

    /// Sets the password from a link's page (an invitation or a reset), as its form posts.
    pub async fn set_password_from(&mut self, link: &str, password: &str) -> Reply {
        let path = link_path(link);
        self.post_form(
            &path,
            &[("new_password", password), ("confirm_password", password)],
        )
        .await
    }

    /// Accepts the invitation of `email` (read by `admin`) with `password`: signed in after.
    pub async fn accepts_invitation(
        mut self,
        admin: &mut Client<'_>,
        email: &str,
        password: &str,
    ) -> Self {
        let link = admin.invitation_link_of(email).await;
        let reply = self.set_password_from(&link, password).await;
        assert_eq!(
            reply.status,
            StatusCode::SEE_OTHER,
            "{email}: {}",
            reply.body
        );
        self
    }

    pub async fn signed_in_as(mut self, email: &str) -> Self {
        let reply = self.sign_in(email, DEMO_PASSWORD).await;
        assert_eq!(
            reply.status,
            StatusCode::SEE_OTHER,
            "{email} signs in: {}",
            reply.body
        );
        self
    }
}

/// The path of an absolute link of the site (`http://host/welcome/…` → `/welcome/…`).
pub fn link_path(link: &str) -> String {
    let rest = link.split_once("://").map_or(link, |(_, rest)| rest);
    format!("/{}", rest.split_once('/').map_or("", |(_, path)| path))
}

/// Text from HTML: the entities Leptos writes, back to characters.
pub fn unescape(html: &str) -> String {
    html.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// A GET over plain HTTP/1.0 (no client library needed for maildev's API).
pub async fn http_get(base: &str, path: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = base.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = tokio::net::TcpStream::connect(host).await.expect("maildev");
    stream
        .write_all(format!("GET {path} HTTP/1.0\r\nHost: {host}\r\n\r\n").as_bytes())
        .await
        .expect("request");
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .await
        .expect("response");
    response
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_string())
        .expect("a body")
}

/// Fails a test that has not finished in two minutes instead of letting it hang the run.
pub async fn within_time_limit(test: impl std::future::Future<Output = ()>) {
    tokio::time::timeout(std::time::Duration::from_secs(120), test)
        .await
        .expect("the test finished within two minutes");
}

/// Declares each listed `async fn name(engine: Engine)` as one test per engine.
#[macro_export]
macro_rules! on_both_engines {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    $crate::support::within_time_limit(super::$name($crate::support::Engine::Sqlite)).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    $crate::support::within_time_limit(super::$name($crate::support::Engine::Postgres)).await;
                }
            )*
        }
    };
}
