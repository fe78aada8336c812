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

/// Generates one program per size (20 milestones each) and times the report on it.
pub async fn report(db: &Db, sizes: &[usize], runs: usize) -> Result<(), StartError> {
    let failed = |e: app::error::AppError| StartError::Command(e.to_string());
    println!(
        "engine: {:?}; {runs} timed runs per size after 3 warm-up runs",
        db.engine()
    );
    println!(
        "{:>8} {:>10} {:>12} {:>12} {:>12} {:>12} {:>8}",
        "matches", "items", "sql p50 ms", "sql p95 ms", "report p50", "report p95", "ratio"
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
        let query = ReportQuery::default();
        let mut sql = Vec::with_capacity(runs);
        let mut full = Vec::with_capacity(runs);
        let mut items = 0;
        for run in 0..runs + 3 {
            // Baseline: the report's reading statements alone (program, milestones, matches,
            // history), rows decoded, nothing computed.
            let t = Instant::now();
            let program = app::programs::store::program_details(db, program_id)
                .await
                .map_err(failed)?;
            let rows = app::report::store::rows(db, &program)
                .await
                .map_err(failed)?;
            let sql_time = t.elapsed();
            std::hint::black_box(&rows.events);
            // The whole report, as the page's server function gets it.
            let t = Instant::now();
            let report = app::report::store::report(db, program_id, &query)
                .await
                .map_err(failed)?;
            let full_time = t.elapsed();
            items = report.figures.totals.items;
            if run >= 3 {
                sql.push(sql_time);
                full.push(full_time);
            }
        }
        sql.sort();
        full.sort();
        let (s50, s95) = (percentile(&sql, 50.0), percentile(&sql, 95.0));
        let (f50, f95) = (percentile(&full, 50.0), percentile(&full, 95.0));
        println!(
            "{matches:>8} {items:>10} {:>12.2} {:>12.2} {:>12.2} {:>12.2} {:>7.2}x",
            ms(s50),
            ms(s95),
            ms(f50),
            ms(f95),
            ms(f95) / ms(s95).max(0.001)
        );
    }
    Ok(())
}
