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
    let key = app::on_db!(
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
        let addr = format!("127.0.0.1:{}", free_port());
        let mut child = Command::new(env!("CARGO_BIN_EXE_server"))
            .env("DATABASE_URL", format!("sqlite:{}", database.display()))
            .env("CREATE_DATABASE", "true")
            .env("DEMO", "true")
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
