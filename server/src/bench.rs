//! `server bench-report`: the Activity Report's time at a given program size, beside the
//! baseline (the same report's SQL run alone), measured in the same process on the
//! same database, one after the other for each run.

use crate::StartError;
use app::db::Db;
use app::dev::generate::{Size, generate_program};
use app::report::ReportQuery;
use std::time::{Duration, Instant};

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Generates one program per size (20 milestones each) and times the report on it: today's
/// report as a program sees it (a participant completes a milestone before every view), its
/// first view (read whole), and one "as of" a past day, beside the baseline: reading the
/// program's whole history, as every view did before the report kept its rows.
pub async fn report(db: &Db, sizes: &[usize], runs: usize) -> Result<(), StartError> {
    let failed = |e: app::error::AppError| StartError::Command(e.to_string());
    println!(
        "engine: {:?}; {runs} timed runs per size after 3 warm-up runs",
        db.engine()
    );
    println!(
        "{:>8} {:>9} {:>11} {:>11} {:>11} {:>11} {:>8} {:>11} {:>11}",
        "matches",
        "items",
        "base p50",
        "base p95",
        "report p50",
        "report p95",
        "ratio",
        "first view",
        "as-of p95"
    );
    for &matches in sizes {
        let started = Instant::now();
        let generated = generate_program(
            db,
            Size {
                matches,
                milestones: 20,
                today: chrono::Utc::now().date_naive(),
                seed: matches as u64,
            },
        )
        .await?;
        eprintln!(
            "generated {matches} matches ({} completions) in {:.1} s",
            generated.completions,
            started.elapsed().as_secs_f64()
        );
        let program_id = generated.program_id;
        let program = app::programs::store::program_details(db, program_id)
            .await
            .map_err(failed)?;
        let mut work = app::dev::generate::open_items(db, program_id, 2)
            .await
            .map_err(failed)?;
        work.truncate(runs + 3);
        let today = ReportQuery::default();
        let past = ReportQuery {
            as_of: app::kernel::due_date::iso_date(program.today - chrono::Days::new(30)),
            ..ReportQuery::default()
        };
        // The first view: the snapshot read whole.
        let t = Instant::now();
        let first = app::report::store::report(db, program_id, &today)
            .await
            .map_err(failed)?;
        let first_view = t.elapsed();
        let mut sql = Vec::with_capacity(runs);
        let mut full = Vec::with_capacity(runs);
        let mut as_of = Vec::with_capacity(runs);
        let mut completed = 0;
        for run in 0..runs + 3 {
            // Baseline: the whole history read, rows decoded, nothing computed.
            let t = Instant::now();
            let rows = app::report::store::rows(db, &program)
                .await
                .map_err(failed)?;
            let sql_time = t.elapsed();
            std::hint::black_box(&rows.events);
            // A participant completes one of their milestones, then the report is viewed.
            if let Some((person, key)) = work.get(run) {
                app::items::store::complete(db, person, *key, app::items::Source::Quickcliq)
                    .await
                    .map_err(failed)?;
                completed += 1;
            }
            let t = Instant::now();
            let report = app::report::store::report(db, program_id, &today)
                .await
                .map_err(failed)?;
            let full_time = t.elapsed();
            std::hint::black_box(&report);
            let t = Instant::now();
            let then = app::report::store::report(db, program_id, &past)
                .await
                .map_err(failed)?;
            let as_of_time = t.elapsed();
            std::hint::black_box(&then);
            if run >= 3 {
                sql.push(sql_time);
                full.push(full_time);
                as_of.push(as_of_time);
            }
        }
        // Every view counted every completion made before it.
        let last = app::report::store::report(db, program_id, &today)
            .await
            .map_err(failed)?;
        let expected = first.figures.totals.completed() + completed;
        if last.figures.totals.completed() != expected {
            return Err(StartError::Command(format!(
                "the report counts {} completed items; {expected} were",
                last.figures.totals.completed()
            )));
        }
        sql.sort();
        full.sort();
        as_of.sort();
        let (s50, s95) = (percentile(&sql, 50.0), percentile(&sql, 95.0));
        let (f50, f95) = (percentile(&full, 50.0), percentile(&full, 95.0));
        println!(
            "{matches:>8} {:>9} {:>11.2} {:>11.2} {:>11.2} {:>11.2} {:>7.2}x {:>11.2} {:>11.2}",
            first.figures.totals.items,
            ms(s50),
            ms(s95),
            ms(f50),
            ms(f95),
            ms(f95) / ms(s95).max(0.001),
            ms(first_view),
            ms(percentile(&as_of, 95.0)),
        );
    }
    println!(
        "base: the program's whole history read (as every view did before); report: today's \
         report, a completion before each view; ratio: report p95 / base p95; first view: read \
         whole; as-of: 30 days ago (folds the history)"
    );
    Ok(())
}

/// One measured run: how many requests, how long in all, each request's time, failures.
struct Run {
    requests: usize,
    elapsed: Duration,
    times: Vec<Duration>,
    errors: usize,
}

impl Run {
    fn per_second(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    fn line(&self, name: &str) -> String {
        let mut sorted = self.times.clone();
        sorted.sort();
        format!(
            "{name:<28} {:>8} {:>10.0} {:>9.1} {:>9.1} {:>7}",
            self.requests,
            self.per_second(),
            ms(percentile(&sorted, 50.0)),
            ms(percentile(&sorted, 99.0)),
            self.errors
        )
    }
}

/// Sends each client's requests in turn, all clients at once; times each answer.
async fn drive(router: axum::Router, work: Vec<Vec<axum::extract::Request>>) -> Run {
    use tower::ServiceExt;
    let requests = work.iter().map(Vec::len).sum();
    let started = Instant::now();
    let mut clients = tokio::task::JoinSet::new();
    for requests in work {
        let router = router.clone();
        clients.spawn(async move {
            let mut times = Vec::with_capacity(requests.len());
            let mut errors = 0;
            for request in requests {
                let t = Instant::now();
                match router.clone().oneshot(request).await {
                    Ok(response) if response.status().is_success() => {
                        // The answer is read whole, as a client would.
                        let _ = axum::body::to_bytes(response.into_body(), usize::MAX).await;
                    }
                    _ => errors += 1,
                }
                times.push(t.elapsed());
            }
            (times, errors)
        });
    }
    let mut times = Vec::with_capacity(requests);
    let mut errors = 0;
    for (client_times, client_errors) in clients.join_all().await {
        times.extend(client_times);
        errors += client_errors;
    }
    Run {
        requests,
        elapsed: started.elapsed(),
        times,
        errors,
    }
}

/// A same-origin form post, as the hydrated page sends it.
fn form_post(
    path: &str,
    cookie: Option<&str>,
    body: String,
) -> Result<axum::extract::Request, StartError> {
    let mut request = axum::http::Request::post(path)
        .header("host", "bench.local")
        .header("accept", "application/json")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "same-origin");
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    request
        .body(axum::body::Body::from(body))
        .map_err(|e| StartError::Command(format!("a benchmark request to {path}: {e}")))
}

/// The baseline: a minimal axum + sqlx endpoint that inserts one row per request, on the same
/// database handle (SQLite's one writer, or the PostgreSQL pool).
fn baseline_router(db: Db) -> axum::Router {
    async fn insert(
        axum::extract::State(db): axum::extract::State<Db>,
        body: String,
    ) -> axum::http::StatusCode {
        let done = app::db::on_db!(
            &db,
            write | pool | {
                sqlx::query("INSERT INTO bench_rows (body, at) VALUES ($1, $2)")
                    .bind(&body)
                    .bind(chrono::Utc::now().to_rfc3339())
                    .execute(pool)
                    .await
                    .map(|_| ())
            }
        );
        match done {
            Ok(_) => axum::http::StatusCode::OK,
            Err(_) => axum::http::StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
    axum::Router::new()
        .route("/insert", axum::routing::post(insert))
        .with_state(db)
}

/// `server bench-complete`: completions through the real router (sessions, rights, the
/// completion's checks and history) by `clients` concurrent clients over distinct open items,
/// beside the baseline endpoint driven the same way, on a scratch database of `engine`.
pub async fn complete(
    config: &crate::Config,
    engine: &str,
    clients: usize,
    requests: usize,
) -> Result<(), StartError> {
    let failed = |e: String| StartError::Command(e);
    let scratch = match engine {
        "sqlite" => app::dev::scratch::ScratchDb::sqlite().await,
        _ => app::dev::scratch::ScratchDb::postgres().await,
    }
    .map_err(|e| failed(e.to_string()))?;
    let db = scratch.db.clone();
    // People enough that nobody passes the per-person limit (60 changes at once): about four
    // open items each.
    let per_person = 4;
    let people_needed = requests.div_ceil(per_person);
    let started = Instant::now();
    let generated = generate_program(
        &db,
        Size {
            matches: people_needed + 10,
            milestones: 20,
            today: chrono::Utc::now().date_naive(),
            seed: 7,
        },
    )
    .await?;
    // Everyone of the program can sign in with one password.
    let hash = app::accounts::password::hash_password(app::dev::seed::DEMO_PASSWORD)
        .map_err(|e| failed(e.to_string()))?;
    let bench_table = format!(
        "CREATE TABLE bench_rows (id {}, body TEXT NOT NULL, at TEXT NOT NULL)",
        match db.engine() {
            app::db::Engine::Sqlite => "INTEGER PRIMARY KEY",
            app::db::Engine::Postgres => "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
        }
    );
    let people: Vec<(i64, String)> = app::db::on_db!(
        &db,
        write
            | pool
            | async {
                sqlx::query("UPDATE users SET password_hash = $1")
                    .bind(&hash)
                    .execute(pool)
                    .await?;
                sqlx::query(&bench_table).execute(pool).await?;
                sqlx::query_as(
                "SELECT DISTINCT u.id, u.email FROM users u JOIN enrollments e ON e.user_id = u.id \
                 WHERE e.program_id = $1 ORDER BY u.id",
            )
            .bind(generated.program_id)
            .fetch_all(pool)
            .await
            }
            .await
    )
    .map_err(|e: sqlx::Error| failed(e.to_string()))?;
    let state = crate::AppState::new(config, db.clone()).map_err(failed)?;
    let router = crate::build_router(state);
    // Sign everyone in (one at a time: the password checks are meant to be slow), and list
    // their own open items.
    let mut work: Vec<(String, app::items::ItemKey)> = Vec::new();
    for (user_id, email) in &people {
        if work.len() >= requests {
            break;
        }
        let open: Vec<app::items::ItemKey> = app::items::store::items_for(&db, *user_id)
            .await
            .map_err(|e| failed(e.to_string()))?
            .into_iter()
            .filter(|i| i.mine && !i.closed && i.completed_on.is_none())
            .map(|i| i.key)
            .take(per_person)
            .collect();
        if open.is_empty() {
            continue;
        }
        let body = format!(
            "email={}&password={}&next=",
            app::kernel::text::encode_query_value(email),
            app::dev::seed::DEMO_PASSWORD
        );
        let response =
            tower::ServiceExt::oneshot(router.clone(), form_post("/sign-in", None, body)?)
                .await
                .map_err(|e| failed(e.to_string()))?;
        let cookie = response
            .headers()
            .get("set-cookie")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .ok_or_else(|| failed(format!("{email} could not sign in")))?
            .to_string();
        work.extend(open.into_iter().map(|key| (cookie.clone(), key)));
    }
    work.truncate(requests);
    let requests = work.len();
    eprintln!(
        "{engine}: {} people signed in, {requests} open items to complete, ready in {:.1} s",
        people.len(),
        started.elapsed().as_secs_f64()
    );
    // The same shape of work for both: each client its share, in turn.
    let mut completions: Vec<Vec<axum::extract::Request>> =
        (0..clients).map(|_| Vec::new()).collect();
    let mut inserts: Vec<Vec<axum::extract::Request>> = (0..clients).map(|_| Vec::new()).collect();
    for (n, (cookie, key)) in work.iter().enumerate() {
        let body = format!(
            "milestone_id={}&enrollment_id={}&match_id={}&source=quickcliq",
            key.milestone_id,
            key.enrollment_id,
            key.match_id.map(|m| m.to_string()).unwrap_or_default()
        );
        completions[n % clients].push(form_post("/api/items/complete", Some(cookie), body)?);
        inserts[n % clients].push(form_post("/insert", None, format!("n={n}"))?);
    }
    let stored = || async {
        app::db::on_db!(
            &db,
            read | pool
                | sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM completions")
                    .fetch_one(pool)
                    .await
        )
        .map_err(|e| failed(e.to_string()))
    };
    let before = stored().await?;
    let baseline = drive(baseline_router(db.clone()), inserts).await;
    let real = drive(router, completions).await;
    let done = stored().await? - before;
    println!("engine: {engine}; {clients} concurrent clients; distinct items; in-process requests");
    println!(
        "{:<28} {:>8} {:>10} {:>9} {:>9} {:>7}",
        "", "requests", "per second", "p50 ms", "p99 ms", "errors"
    );
    println!("{}", baseline.line("baseline: one-row insert"));
    println!("{}", real.line("completions (real router)"));
    println!(
        "ratio: completions are {:.1}% of the baseline's throughput ({} new completions stored)",
        100.0 * real.per_second() / baseline.per_second().max(1e-9),
        done
    );
    drop(scratch);
    Ok(())
}
