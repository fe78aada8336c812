//! The built server as a process, on one SQLite file: writes from a second process at the same
//! moment, and what survives.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn temp_folder(label: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let folder = std::env::temp_dir().join(format!(
        "milestones-durability-{label}-{}-{nanos}",
        std::process::id()
    ));
    std::fs::create_dir_all(&folder).expect("temp folder");
    folder
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// One HTTP/1.1 request; the status code and the whole answer.
fn request(addr: &str, raw: &str) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect(addr).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .ok()?;
    stream.write_all(raw.as_bytes()).ok()?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).ok()?;
    let status = answer.split(' ').nth(1)?.parse().ok()?;
    Some((status, answer))
}

fn sign_in_post(addr: &str, email: &str, password: &str) -> Option<(u16, String)> {
    let body = format!(
        "email={}&password={}&next=",
        email.replace('@', "%40"),
        password.replace(' ', "+")
    );
    request(
        addr,
        &format!(
            "POST /sign-in HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
             Content-Type: application/x-www-form-urlencoded\r\nSec-Fetch-Site: same-origin\r\n\
             Accept: text/html\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ),
    )
}

/// Signs in and returns the session cookie (`name=value`).
fn session_of(addr: &str, email: &str) -> String {
    let (status, answer) = sign_in_post(addr, email, "mentoring-demo").expect("sign-in answers");
    assert_eq!(status, 303, "{email} signs in");
    answer
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("set-cookie").then(|| {
                value
                    .trim()
                    .split(';')
                    .next()
                    .unwrap_or_default()
                    .to_string()
            })
        })
        .expect("a session cookie")
}

/// A server function call, as the hydrated page makes it.
fn call(addr: &str, cookie: &str, endpoint: &str, body: &str) -> Option<(u16, String)> {
    request(
        addr,
        &format!(
            "POST /api/{endpoint} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
             Cookie: {cookie}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
             Sec-Fetch-Site: same-origin\r\nAccept: application/json\r\n\
             Content-Length: {}\r\n\r\n{body}",
            body.len()
        ),
    )
}

/// One open relationship item of the person: (milestone, enrollment, match).
async fn an_item_of(database: &Path, email: &str) -> (i64, i64, i64) {
    let db = app::db::Db::connect(&format!("sqlite:{}", database.display()))
        .await
        .expect("the database");
    let key = app::db::on_db!(
        &db,
        read | pool | {
            sqlx::query_as(
                "SELECT ms.id, e.id, m.id FROM users u \
                 JOIN enrollments e ON e.user_id = u.id \
                 JOIN matches m ON m.state = 'published' \
                   AND (m.mentor_enrollment_id = e.id OR m.mentee_enrollment_id = e.id) \
                 JOIN milestones ms ON ms.program_id = e.program_id \
                   AND ms.category = 'relationship' AND ms.role = e.role AND NOT ms.archived \
                 WHERE u.email = $1 ORDER BY ms.id LIMIT 1",
            )
            .bind(email)
            .fetch_one(pool)
            .await
        }
    )
    .expect("an item");
    db.close().await;
    key
}

struct Server {
    child: Child,
    addr: String,
}

impl Server {
    fn start(database: &Path) -> Server {
        Server::start_on(&format!("sqlite:{}", database.display()), true)
    }

    fn start_on(url: &str, demo: bool) -> Server {
        let addr = format!("127.0.0.1:{}", free_port());
        let mut child = Command::new(env!("CARGO_BIN_EXE_server"))
            .env("DATABASE_URL", url)
            .env("CREATE_DATABASE", "true")
            .env("DEMO", if demo { "true" } else { "false" })
            .env("LEPTOS_SITE_ADDR", &addr)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("server starts");
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(60) {
            let health = "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
            if request(&addr, health).is_some_and(|(status, _)| status == 200) {
                return Server { child, addr };
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("the server did not become healthy");
    }

    /// Stops the server (SIGTERM) and returns what it wrote to standard error.
    fn stop(mut self) -> String {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(40) {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let mut stderr = String::new();
        if let Some(mut pipe) = self.child.stderr.take() {
            let _ = pipe.read_to_string(&mut stderr);
        }
        let _ = self.child.wait();
        stderr
    }
}

#[test]
fn the_server_and_the_program_generator_write_to_one_sqlite_file_at_once() {
    let folder = temp_folder("two-writers");
    let database = folder.join("shared.db");
    let server = Server::start(&database);
    let generator = Command::new(env!("CARGO_BIN_EXE_server"))
        .args([
            "generate-program",
            "--matches",
            "3000",
            "--milestones",
            "20",
        ])
        .env("DATABASE_URL", format!("sqlite:{}", database.display()))
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the generator starts");
    // Meanwhile four participants complete and undo one of their items again and again: each
    // is a transaction that reads (the milestone, the enrollment, the match) before it writes.
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let running = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let clients: Vec<_> = [
        "mentor@example.com",
        "mentee@example.com",
        "mentor2@example.com",
        "mentee2@example.com",
    ]
    .into_iter()
    .map(|email| {
        let (milestone, enrollment, matched) = runtime.block_on(an_item_of(&database, email));
        let key = format!("milestone_id={milestone}&enrollment_id={enrollment}&match_id={matched}");
        let cookie = session_of(&server.addr, email);
        let (addr, running) = (server.addr.clone(), running.clone());
        std::thread::spawn(move || {
            let mut statuses = Vec::new();
            let mut round = 0;
            while running.load(std::sync::atomic::Ordering::Relaxed) || round < 4 {
                let endpoint = if round % 2 == 0 {
                    "items/complete"
                } else {
                    "items/undo"
                };
                let (status, answer) = call(&addr, &cookie, endpoint, &key)
                    .expect("the server answers while the generator writes");
                // 200, or 422 once the person's burst of changes is used up; never a failure.
                assert!(
                    [200, 422].contains(&status),
                    "{endpoint} {status}: {}",
                    answer.lines().last().unwrap_or_default()
                );
                statuses.push(status);
                round += 1;
            }
            statuses
        })
    })
    .collect();
    let started = Instant::now();
    let mut generator = generator;
    let mut generator_done = false;
    while started.elapsed() < Duration::from_secs(300) {
        if let Ok(Some(_)) = generator.try_wait() {
            generator_done = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let generating_took = started.elapsed();
    running.store(false, std::sync::atomic::Ordering::Relaxed);
    let statuses: Vec<u16> = clients
        .into_iter()
        .flat_map(|client| client.join().expect("a client"))
        .collect();
    assert!(generator_done, "the generator finished");
    let output = generator.wait_with_output().expect("generator output");
    let stderr = server.stop();
    let _ = std::fs::remove_dir_all(&folder);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("Generated program"),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    assert!(
        statuses.len() >= 12,
        "the server wrote meanwhile: {} completions and undos in {generating_took:?}",
        statuses.len()
    );
    assert!(statuses.contains(&200), "completions succeeded meanwhile");
    assert!(!stderr.contains("database is locked"), "{stderr}");
}

/// Every relationship item of the demo program's published matches: (milestone, enrollment,
/// match).
async fn every_item(database: &Path) -> Vec<(i64, i64, i64)> {
    let db = app::db::Db::connect(&format!("sqlite:{}", database.display()))
        .await
        .expect("the database");
    let keys = app::db::on_db!(
        &db,
        read | pool | {
            sqlx::query_as(
                "SELECT ms.id, e.id, m.id FROM matches m \
                 JOIN enrollments e ON e.id = m.mentor_enrollment_id OR e.id = m.mentee_enrollment_id \
                 JOIN milestones ms ON ms.program_id = m.program_id \
                   AND ms.category = 'relationship' AND ms.role = e.role AND NOT ms.archived \
                 WHERE m.state = 'published' ORDER BY m.id, ms.id, e.id",
            )
            .fetch_all(pool)
            .await
        }
    )
    .expect("items");
    db.close().await;
    keys
}

/// The completed items of a database file (opened read-only) and its integrity check.
async fn completed_in(database: &Path) -> (Vec<(i64, i64, i64)>, String) {
    use sqlx::Connection;
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(database)
        .read_only(true);
    let mut connection = sqlx::SqliteConnection::connect_with(&options)
        .await
        .expect("open");
    let keys = sqlx::query_as(
        "SELECT milestone_id, enrollment_id, match_id FROM completions WHERE match_id IS NOT NULL",
    )
    .fetch_all(&mut connection)
    .await
    .expect("completions");
    let integrity = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut connection)
        .await
        .expect("integrity");
    let _ = connection.close().await;
    (keys, integrity)
}

fn server_command(database: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_server"))
        .args(args)
        .env("DATABASE_URL", format!("sqlite:{}", database.display()))
        .env("RUST_LOG", "warn")
        .env_remove("CREATE_DATABASE")
        .env_remove("DEMO")
        .output()
        .expect("the command runs");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn a_backup_taken_during_writes_restores_every_completion_acknowledged_before_it() {
    let folder = temp_folder("backup");
    let live = folder.join("live.db");
    let copy = folder.join("backups").join("copy.db");
    let restored = folder.join("restored").join("milestones.db");
    let server = Server::start(&live);
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let keys = runtime.block_on(every_item(&live));
    assert!(keys.len() >= 6, "enough items: {}", keys.len());
    let admin = session_of(&server.addr, "admin@example.com");
    let acknowledged = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let writer = {
        let (addr, acknowledged, keys) = (server.addr.clone(), acknowledged.clone(), keys.clone());
        std::thread::spawn(move || {
            for (milestone, enrollment, matched) in keys.into_iter().take(50) {
                let body = format!(
                    "milestone_id={milestone}&enrollment_id={enrollment}&match_id={matched}&source=admin"
                );
                let (status, answer) =
                    call(&addr, &admin, "items/complete", &body).expect("an answer");
                assert_eq!(status, 200, "{}", answer.lines().last().unwrap_or_default());
                acknowledged
                    .lock()
                    .expect("list")
                    .push((milestone, enrollment, matched));
            }
        })
    };
    // Back up once a few completions are in, while the others are still being written.
    while acknowledged.lock().expect("list").len() < 3 {
        std::thread::sleep(Duration::from_millis(5));
    }
    let before_backup: Vec<_> = acknowledged.lock().expect("list").clone();
    let (code, stdout, stderr) =
        server_command(&live, &["backup", "--to", &copy.display().to_string()]);
    writer.join().expect("the writer");
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains("Backed up to"), "{stdout}");
    // A backup never overwrites a file.
    let (again, _, again_err) =
        server_command(&live, &["backup", "--to", &copy.display().to_string()]);
    assert_eq!(again, Some(1));
    assert!(again_err.contains("already exists"), "{again_err}");
    // Restoring over the database the server is using is refused.
    let (refused, _, refused_err) =
        server_command(&live, &["restore", "--from", &copy.display().to_string()]);
    assert_eq!(refused, Some(1));
    assert!(
        refused_err.contains("a running server holds"),
        "{refused_err}"
    );
    // Into a new place it works, and holds every completion acknowledged before the backup.
    let (code, stdout, stderr) = server_command(
        &restored,
        &["restore", "--from", &copy.display().to_string()],
    );
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains("Restored"), "{stdout}");
    let (completed, integrity) = runtime.block_on(completed_in(&restored));
    assert_eq!(integrity, "ok");
    for key in &before_backup {
        assert!(completed.contains(key), "{key:?} is in the restored copy");
    }
    // A file that is not a backup of this app is refused.
    let junk = folder.join("junk.db");
    std::fs::write(&junk, b"not a database").expect("junk");
    let (code, _, stderr) = server_command(
        &restored,
        &["restore", "--from", &junk.display().to_string()],
    );
    assert_eq!(code, Some(1));
    assert!(stderr.contains("is not a SQLite database"), "{stderr}");
    let stderr = server.stop();
    // Once the server has stopped, the live file may be restored.
    let (code, _, restore_err) =
        server_command(&live, &["restore", "--from", &copy.display().to_string()]);
    let _ = std::fs::remove_dir_all(&folder);
    assert_eq!(code, Some(0), "{restore_err}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// The README's PostgreSQL steps, run: `pg_dump -Fc` of a live database, `pg_restore` into a
/// new one, and every completion and history row is there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_dump_restores_every_completion() {
    use app::dev::scratch::ScratchDb;
    let live = ScratchDb::postgres().await.expect("a scratch database");
    app::dev::seed::seed_demo(&live.db, chrono::Utc::now().date_naive())
        .await
        .expect("seeded");
    let count = |db: &app::db::Db, sql: &'static str| {
        let db = db.clone();
        async move {
            app::db::on_db!(
                &db,
                read | pool | sqlx::query_scalar::<_, i64>(sql).fetch_one(pool).await
            )
            .expect(sql)
        }
    };
    let completions = count(&live.db, "SELECT COUNT(*) FROM completions").await;
    let events = count(&live.db, "SELECT COUNT(*) FROM completion_events").await;
    assert!(completions > 0);
    let folder = temp_folder("pg-dump");
    let dump = folder.join("milestones.dump");
    let dumped = Command::new("pg_dump")
        .args(["--format=custom", "--no-owner", "--file"])
        .arg(&dump)
        .arg(format!("--dbname={}", live.url))
        .status()
        .expect("pg_dump runs");
    assert!(dumped.success());
    // Restore into a new, empty database.
    let target = ScratchDb::postgres().await.expect("a second database");
    let app::db::Db::Postgres(pool) = &target.db else {
        panic!("PostgreSQL");
    };
    // The scratch database comes migrated; pg_restore needs an empty one.
    sqlx::query("DROP SCHEMA public CASCADE")
        .execute(pool)
        .await
        .expect("emptied");
    sqlx::query("CREATE SCHEMA public")
        .execute(pool)
        .await
        .expect("schema");
    let restored = Command::new("pg_restore")
        .args(["--no-owner", "--exit-on-error"])
        .arg(format!("--dbname={}", target.url))
        .arg(&dump)
        .status()
        .expect("pg_restore runs");
    let _ = std::fs::remove_dir_all(&folder);
    assert!(restored.success());
    let reopened = app::db::Db::open(&target.url)
        .await
        .expect("the restored database opens and is up to date");
    assert_eq!(
        count(&reopened, "SELECT COUNT(*) FROM completions").await,
        completions
    );
    assert_eq!(
        count(&reopened, "SELECT COUNT(*) FROM completion_events").await,
        events
    );
    reopened.close().await;
}

/// Runs a `server` command on the database `url`, with `input` on standard input.
fn server_on(url: &str, args: &[&str], input: &str) -> (Option<i32>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_server"))
        .args(args)
        .env("DATABASE_URL", url)
        .env("CREATE_DATABASE", "true")
        .env("RUST_LOG", "warn")
        .env_remove("DEMO")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the command runs");
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(input.as_bytes());
    }
    let output = child.wait_with_output().expect("it ends");
    (
        output.status.code(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
    )
}

/// Items of the generated program nobody has completed: (milestone, enrollment, match).
async fn open_items(url: &str) -> Vec<(i64, i64, i64)> {
    let db = app::db::Db::connect(url).await.expect("the database");
    let keys = app::db::on_db!(
        &db,
        read | pool | {
            sqlx::query_as(
                "SELECT ms.id, e.id, m.id FROM matches m \
                 JOIN enrollments e ON e.id = m.mentor_enrollment_id OR e.id = m.mentee_enrollment_id \
                 JOIN milestones ms ON ms.program_id = m.program_id \
                   AND ms.category = 'relationship' AND ms.role = e.role AND NOT ms.archived \
                 WHERE m.state = 'published' AND NOT EXISTS (SELECT 1 FROM completions c \
                   WHERE c.milestone_id = ms.id AND c.match_id = m.id) \
                 ORDER BY m.id, ms.id LIMIT 400",
            )
            .fetch_all(pool)
            .await
        }
    )
    .expect("items");
    db.close().await;
    keys
}

/// After the crash: the completed items, completions without their history row, and (on
/// SQLite) the integrity check.
async fn after_crash(url: &str) -> (Vec<(i64, i64, i64)>, i64, String) {
    let db = app::db::Db::connect(url).await.expect("the database");
    let result = app::db::on_db!(
        &db,
        read | pool | {
            async {
                let keys: Vec<(i64, i64, i64)> = sqlx::query_as(
                    "SELECT milestone_id, enrollment_id, match_id FROM completions \
                     WHERE match_id IS NOT NULL",
                )
                .fetch_all(pool)
                .await?;
                let without_history: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM completions c WHERE NOT EXISTS (\
                     SELECT 1 FROM completion_events e WHERE e.milestone_id = c.milestone_id \
                     AND e.enrollment_id = c.enrollment_id AND e.action = 'completed' \
                     AND (e.match_id = c.match_id OR (e.match_id IS NULL AND c.match_id IS NULL)))",
                )
                .fetch_one(pool)
                .await?;
                Ok::<_, sqlx::Error>((keys, without_history))
            }
            .await
        }
    )
    .expect("read after the crash");
    let integrity = match &db {
        app::db::Db::Sqlite { reader, .. } => sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_one(reader)
            .await
            .expect("integrity"),
        app::db::Db::Postgres(_) => "ok".to_string(),
    };
    db.close().await;
    (result.0, result.1, integrity)
}

/// 50 clients complete distinct items; the server is killed (SIGKILL) while they do; after a
/// restart every acknowledged completion is there, each with its history row.
fn acknowledged_completions_survive_a_kill(url: &str) {
    let (code, out) = server_on(
        url,
        &["generate-program", "--matches", "300", "--milestones", "4"],
        "",
    );
    assert_eq!(code, Some(0), "{out}");
    // Ten site admins (completions are throttled per person).
    let admins: Vec<String> = (0..10)
        .map(|n| format!("crash.admin{n}@example.com"))
        .collect();
    for email in &admins {
        let (code, out) = server_on(
            url,
            &["create-admin", "--email", email, "--name", "Crash Admin"],
            "a long crash test password\n",
        );
        assert_eq!(code, Some(0), "{out}");
    }
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let keys = runtime.block_on(open_items(url));
    assert!(keys.len() >= 150, "enough open items: {}", keys.len());
    let server = Server::start_on(url, false);
    let cookies: Vec<String> = admins
        .iter()
        .map(|email| {
            let (status, answer) =
                sign_in_post(&server.addr, email, "a long crash test password").expect("sign-in");
            assert_eq!(status, 303);
            answer
                .lines()
                .find_map(|line| {
                    let (name, value) = line.split_once(':')?;
                    name.eq_ignore_ascii_case("set-cookie").then(|| {
                        value
                            .trim()
                            .split(';')
                            .next()
                            .unwrap_or_default()
                            .to_string()
                    })
                })
                .expect("a cookie")
        })
        .collect();
    let acknowledged = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let cut_off = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let clients: Vec<_> = (0..50)
        .map(|n| {
            let mine: Vec<(i64, i64, i64)> = keys.iter().skip(n).step_by(50).copied().collect();
            let (addr, cookie, acknowledged, cut_off) = (
                server.addr.clone(),
                cookies[n % 10].clone(),
                acknowledged.clone(),
                cut_off.clone(),
            );
            std::thread::spawn(move || {
                for (milestone, enrollment, matched) in mine {
                    let body = format!(
                        "milestone_id={milestone}&enrollment_id={enrollment}&match_id={matched}&source=admin"
                    );
                    match call(&addr, &cookie, "items/complete", &body) {
                        Some((200, _)) => acknowledged
                            .lock()
                            .expect("list")
                            .push((milestone, enrollment, matched)),
                        Some((status, answer)) => panic!(
                            "{status}: {}",
                            answer.lines().last().unwrap_or_default()
                        ),
                        // Cut off by the kill: not acknowledged.
                        None => {
                            cut_off.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        }
                    }
                }
            })
        })
        .collect();
    let started = Instant::now();
    while acknowledged.lock().expect("list").len() < 40
        && started.elapsed() < Duration::from_secs(60)
    {
        std::thread::sleep(Duration::from_millis(2));
    }
    let mut server = server;
    let killed = Command::new("kill")
        .arg("-KILL")
        .arg(server.child.id().to_string())
        .status()
        .expect("kill runs");
    assert!(killed.success());
    let _ = server.child.wait();
    for client in clients {
        client.join().expect("a client");
    }
    let acknowledged = acknowledged.lock().expect("list").clone();
    assert!(
        acknowledged.len() >= 40,
        "{} acknowledged before the kill",
        acknowledged.len()
    );
    // The server starts again on what the kill left.
    let restarted = Server::start_on(url, false);
    let stderr = restarted.stop();
    assert!(!stderr.contains("panicked"), "{stderr}");
    let (completed, without_history, integrity) = runtime.block_on(after_crash(url));
    assert_eq!(integrity, "ok");
    assert_eq!(without_history, 0, "no completion without its history row");
    let missing: Vec<_> = acknowledged
        .iter()
        .filter(|key| !completed.contains(key))
        .collect();
    assert!(missing.is_empty(), "acknowledged but lost: {missing:?}");
}

#[test]
fn acknowledged_completions_survive_a_kill_on_sqlite() {
    let folder = temp_folder("kill");
    let url = format!("sqlite:{}", folder.join("crash.db").display());
    acknowledged_completions_survive_a_kill(&url);
    let _ = std::fs::remove_dir_all(&folder);
}

#[test]
fn acknowledged_completions_survive_a_kill_on_postgres() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let scratch = runtime
        .block_on(app::dev::scratch::ScratchDb::postgres())
        .expect("a scratch database");
    acknowledged_completions_survive_a_kill(&scratch.url);
    runtime.block_on(async move { drop(scratch) });
}

/// Two server processes on one PostgreSQL database: a session made on one works on the other,
/// and the same item completed through both at once is completed once, with one history row.
#[test]
fn two_servers_on_one_postgres_share_sessions_and_complete_an_item_once() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let scratch = runtime
        .block_on(app::dev::scratch::ScratchDb::postgres())
        .expect("a scratch database");
    let first = Server::start_on(&scratch.url, true);
    let second = Server::start_on(&scratch.url, true);
    let cookie = session_of(&first.addr, "mentor@example.com");
    let page = request(
        &second.addr,
        &format!(
            "GET /quickcliq HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nCookie: {cookie}\r\n\
             Accept: text/html\r\n\r\n",
            second.addr
        ),
    )
    .expect("an answer");
    assert_eq!(
        page.0, 200,
        "the session from the first server works on the second"
    );
    assert!(page.1.contains("QuickcliQ"));
    let url = scratch.url.clone();
    let keys = runtime.block_on(async move {
        let db = app::db::Db::connect(&url).await.expect("db");
        let keys: Vec<(i64, i64, i64)> = app::db::on_db!(
            &db,
            read | pool | {
                sqlx::query_as(
                    "SELECT ms.id, e.id, m.id FROM users u \
                     JOIN enrollments e ON e.user_id = u.id \
                     JOIN matches m ON m.state = 'published' AND m.mentor_enrollment_id = e.id \
                     JOIN milestones ms ON ms.program_id = e.program_id \
                       AND ms.category = 'relationship' AND ms.role = 'mentor' \
                       AND NOT ms.archived \
                     WHERE u.email = 'mentor@example.com' AND NOT EXISTS (SELECT 1 FROM \
                       completions c WHERE c.milestone_id = ms.id AND c.match_id = m.id)",
                )
                .fetch_all(pool)
                .await
            }
        )
        .expect("open items");
        db.close().await;
        keys
    });
    assert!(!keys.is_empty(), "an open item");
    for (milestone, enrollment, matched) in keys.iter().take(5).copied() {
        let body =
            format!("milestone_id={milestone}&enrollment_id={enrollment}&match_id={matched}");
        let clicks: Vec<_> = (0..8)
            .map(|n| {
                let addr = if n % 2 == 0 {
                    first.addr.clone()
                } else {
                    second.addr.clone()
                };
                let (cookie, body) = (cookie.clone(), body.clone());
                std::thread::spawn(move || call(&addr, &cookie, "items/complete", &body))
            })
            .collect();
        for click in clicks {
            let (status, _) = click.join().expect("a click").expect("an answer");
            assert_eq!(status, 200);
        }
        let url = scratch.url.clone();
        let (completions, history) = runtime.block_on(async move {
            let db = app::db::Db::connect(&url).await.expect("db");
            let counts = app::db::on_db!(
                &db,
                read | pool | {
                    async {
                        let c: i64 = sqlx::query_scalar(
                            "SELECT COUNT(*) FROM completions WHERE milestone_id = $1 \
                             AND match_id = $2",
                        )
                        .bind(milestone)
                        .bind(matched)
                        .fetch_one(pool)
                        .await?;
                        let h: i64 = sqlx::query_scalar(
                            "SELECT COUNT(*) FROM completion_events WHERE milestone_id = $1 \
                             AND match_id = $2 AND action = 'completed'",
                        )
                        .bind(milestone)
                        .bind(matched)
                        .fetch_one(pool)
                        .await?;
                        Ok::<_, sqlx::Error>((c, h))
                    }
                    .await
                }
            )
            .expect("counts");
            db.close().await;
            counts
        });
        assert_eq!((completions, history), (1, 1), "item {milestone}/{matched}");
    }
    let (a, b) = (first.stop(), second.stop());
    assert!(!a.contains("panicked") && !b.contains("panicked"), "{a}{b}");
    runtime.block_on(async move { drop(scratch) });
}
