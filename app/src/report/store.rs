//! Reading a program's report. Today's figures come from the program's snapshot kept in
//! memory and brought up to date from the history as completions happen (`report::cache`):
//! three statements per view (the program, its stamp with the history entries not seen yet,
//! the latest history entries), whatever the program's size. A report "as of" an earlier day
//! reads the whole history instead (the program, its milestones, its published and ended
//! matches, its completion history, how its standing completions were judged, the milestones'
//! definitions then, and the latest history entries with names) and folds it in memory (the
//! last entry of each item up to the as-of day decides), then [`super::compute`].

use super::rows::{
    MATCHES_SQL, MatchRow, match_inputs, milestone_inputs, milestones_sql, parse_time,
    source_of_letter,
};
use super::{
    EventInput, Figures, HistoryEntry, Judged, MatchInput, MilestoneInput, Report, ReportQuery,
    compute, sort_matches, tally,
};
use crate::db::on_db;
use crate::db::{Db, Engine};
use crate::error::AppError;
use crate::items::{Action, Source};
use crate::milestones::store::MilestoneRow;
use crate::programs::ProgramDetails;
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use std::collections::HashMap;

/// How many history entries the report shows.
pub const HISTORY_LENGTH: i64 = 50;

/// One milestone's history, packed (see [`rows`]).
#[derive(sqlx::FromRow)]
struct EventRow {
    milestone_id: i64,
    packed: String,
}

/// One history entry with its names.
#[derive(sqlx::FromRow)]
struct HistoryRow {
    milestone_name: String,
    person_name: String,
    #[sqlx(try_from = "String")]
    action: Action,
    actor_name: String,
    #[sqlx(try_from = "String")]
    source: Source,
    occurred_at: DateTime<Utc>,
}

/// The rows a report is computed from.
pub struct Rows {
    pub milestones: Vec<MilestoneInput>,
    pub matches: Vec<MatchInput>,
    /// In the order they happened.
    pub events: Vec<EventInput>,
}

/// The history entries of one milestone from their packed form.
fn unpack(milestone: i64, packed: &str, zone: Tz) -> Result<Vec<EventInput>, AppError> {
    packed
        .split(';')
        .map(|entry| {
            let bad = || AppError::internal(format!("history entry {entry:?}"));
            let mut parts = entry.splitn(5, ',');
            let mut number = || {
                parts
                    .next()
                    .and_then(|p| p.parse::<i64>().ok())
                    .ok_or_else(bad)
            };
            let (enrollment, m) = (number()?, number()?);
            let action = parts.next().ok_or_else(bad)?;
            let source = source_of_letter(parts.next().ok_or_else(bad)?).ok_or_else(bad)?;
            let at = parse_time(parts.next().ok_or_else(bad)?).ok_or_else(bad)?;
            Ok(EventInput {
                milestone_id: milestone,
                enrollment_id: enrollment,
                match_id: (m != 0).then_some(m),
                completed: action == "c",
                day: at.with_timezone(&zone).date_naive(),
                judged: None,
                source,
            })
        })
        .collect()
}

fn zone_of(program: &ProgramDetails) -> Tz {
    program.time_zone.parse::<Tz>().unwrap_or(Tz::UTC)
}

/// Reads the program's milestones, matches and completion history (three statements, run at
/// once on separate connections), then how the standing completions were judged (one more).
pub async fn rows(db: &Db, program: &ProgramDetails) -> Result<Rows, AppError> {
    let program_id = program.id;
    // The history comes back as one row per milestone, its entries packed in the order they
    // happened ("enrollment,match,c|u,q|p|a|e,time;…", the source by its first letter): a row per entry would cost more in the driver
    // than everything else the report does. SQLite keeps times as RFC 3339 text, sent as it is;
    // PostgreSQL sends microseconds since the epoch (its own precision).
    let time = match db.engine() {
        Engine::Sqlite => "occurred_at",
        // Microseconds, exactly (a cast of the seconds would round 23:59:59.6 up to the next
        // day).
        Engine::Postgres => "CAST(EXTRACT(EPOCH FROM occurred_at) * 1000000 AS BIGINT)",
    };
    let events_sql = format!(
        "SELECT milestone_id, string_agg(enrollment_id || ',' || COALESCE(match_id, 0) || ',' \
         || substr(action, 1, 1) || ',' || substr(source, 1, 1) || ',' || {time}, ';' ORDER BY id) AS packed \
         FROM completion_events WHERE program_id = $1 GROUP BY milestone_id"
    );
    let milestones_sql = milestones_sql();
    let (milestones, matches, events) = on_db!(
        db,
        read | pool | {
            let milestones = sqlx::query_as::<_, MilestoneRow>(&milestones_sql)
                .bind(program_id)
                .fetch_all(pool);
            let matches = sqlx::query_as::<_, MatchRow>(MATCHES_SQL)
                .bind(program_id)
                .fetch_all(pool);
            let events = sqlx::query_as::<_, EventRow>(&events_sql)
                .bind(program_id)
                .fetch_all(pool);
            tokio::try_join!(milestones, matches, events)
        }
    )?;
    let zone = zone_of(program);
    let milestones = milestone_inputs(milestones)?;
    let matches = match_inputs(matches);
    let mut unpacked = Vec::new();
    for row in events {
        unpacked.extend(unpack(row.milestone_id, &row.packed, zone)?);
    }
    // The standing completions carry how they were judged: on their item's last event.
    let judged: Vec<(i64, i64, Option<i64>, NaiveDate, NaiveDate)> = on_db!(
        db,
        read | pool | {
            sqlx::query_as(
                "SELECT milestone_id, enrollment_id, match_id, due_on, completed_on \
                 FROM completions WHERE program_id = $1 AND due_on IS NOT NULL \
                 AND completed_on IS NOT NULL",
            )
            .bind(program_id)
            .fetch_all(pool)
            .await
        }
    )?;
    let judged: HashMap<(i64, i64, Option<i64>), Judged> = judged
        .into_iter()
        .map(|(m, e, x, due, completed_on)| ((m, e, x), Judged { due, completed_on }))
        .collect();
    let mut last: HashMap<(i64, i64, Option<i64>), usize> = HashMap::new();
    for (index, event) in unpacked.iter().enumerate() {
        last.insert(
            (event.milestone_id, event.enrollment_id, event.match_id),
            index,
        );
    }
    for (key, index) in last {
        if unpacked[index].completed {
            unpacked[index].judged = judged.get(&key).copied();
        }
    }
    // Entries of one item keep their order; items never depend on each other.
    let events = unpacked;
    Ok(Rows {
        milestones,
        matches,
        events,
    })
}

/// The instant the day after `as_of` begins in the program's time zone: the end of `as_of`.
fn end_of_day(zone: Tz, as_of: NaiveDate) -> DateTime<Utc> {
    use chrono::TimeZone;
    let next = as_of
        .succ_opt()
        .unwrap_or(as_of)
        .and_time(chrono::NaiveTime::MIN);
    zone.from_local_datetime(&next)
        .earliest()
        // A day that starts inside a clock change: an hour later always exists.
        .or_else(|| {
            zone.from_local_datetime(&(next + chrono::Duration::hours(1)))
                .earliest()
        })
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| next.and_utc())
}

/// The latest history entries up to the end of `as_of`, newest first, with names.
async fn history(
    db: &Db,
    program: &ProgramDetails,
    as_of: NaiveDate,
) -> Result<Vec<HistoryEntry>, AppError> {
    let zone = zone_of(program);
    let rows: Vec<HistoryRow> = on_db!(
        db,
        read | pool
            | sqlx::query_as(
                // The latest entries first, alone (an index walk), then their names.
                "SELECT mi.name AS milestone_name, pu.display_name AS person_name, ce.action, \
                 au.display_name AS actor_name, ce.source, ce.occurred_at FROM (SELECT id, milestone_id, enrollment_id, action, \
                 actor_user_id, source, occurred_at FROM completion_events \
                 WHERE program_id = $1 AND occurred_at < $2 \
                 ORDER BY occurred_at DESC, id DESC LIMIT $3) ce \
                 JOIN milestones mi ON mi.id = ce.milestone_id \
                 JOIN enrollments e ON e.id = ce.enrollment_id \
                 JOIN users pu ON pu.id = e.user_id \
                 JOIN users au ON au.id = ce.actor_user_id \
                 ORDER BY ce.occurred_at DESC, ce.id DESC",
            )
            .bind(program.id)
            .bind(end_of_day(zone, as_of))
            .bind(HISTORY_LENGTH)
            .fetch_all(pool)
            .await
    )?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let local = row.occurred_at.with_timezone(&zone);
            HistoryEntry {
                milestone_name: row.milestone_name,
                person_name: row.person_name,
                completed: row.action == Action::Completed,
                actor_name: row.actor_name,
                source: row.source,
                at_text: local.format("%Y-%m-%d %H:%M").to_string(),
                day: local.date_naive(),
            }
        })
        .collect())
}

/// A milestone's definition after one of its changes.
#[derive(sqlx::FromRow)]
struct VersionRow {
    milestone_id: i64,
    #[sqlx(try_from = "String")]
    category: crate::milestones::Category,
    #[sqlx(try_from = "String")]
    role: crate::kernel::roles::Role,
    offset_amount: i32,
    #[sqlx(try_from = "String")]
    offset_unit: crate::kernel::due_date::OffsetUnit,
    archived: bool,
    changed_at: DateTime<Utc>,
}

/// The program's milestones as they stood at the end of `as_of`: the ones created later are
/// left out, the others take the definition (category, role, offset, archived) they had then.
/// A milestone with no recorded change at all keeps today's definition.
async fn definitions_as_of(
    db: &Db,
    program: &ProgramDetails,
    milestones: Vec<MilestoneInput>,
    as_of: NaiveDate,
) -> Result<Vec<MilestoneInput>, AppError> {
    let end = end_of_day(zone_of(program), as_of);
    let versions: Vec<VersionRow> = on_db!(
        db,
        read | pool | {
            sqlx::query_as(
                "SELECT milestone_id, category, role, offset_amount, offset_unit, archived, \
                 changed_at FROM milestone_versions WHERE program_id = $1 \
                 ORDER BY milestone_id, changed_at, id",
            )
            .bind(program.id)
            .fetch_all(pool)
            .await
        }
    )?;
    let mut by_milestone: HashMap<i64, Vec<&VersionRow>> = HashMap::new();
    for version in &versions {
        by_milestone
            .entry(version.milestone_id)
            .or_default()
            .push(version);
    }
    let mut then = Vec::with_capacity(milestones.len());
    for milestone in milestones {
        let Some(changes) = by_milestone.get(&milestone.id) else {
            then.push(milestone);
            continue;
        };
        let Some(version) = changes.iter().rfind(|v| v.changed_at < end) else {
            // Created after that day.
            continue;
        };
        let amount = u16::try_from(version.offset_amount).map_err(AppError::internal)?;
        then.push(MilestoneInput {
            category: version.category,
            role: version.role,
            offset: crate::kernel::due_date::DueOffset::new(amount, version.offset_unit)
                .map_err(AppError::internal)?,
            archived: version.archived,
            ..milestone
        });
    }
    Ok(then)
}

/// The figures of a program for a checked query, with every match (for the CSV).
pub async fn figures(
    db: &Db,
    program: &ProgramDetails,
    query: &ReportQuery,
) -> Result<(Figures, NaiveDate), AppError> {
    let (filters, as_of, order) = query
        .parse(program.today)
        .map_err(AppError::invalid_field_errors)?;
    let snapshot = if as_of >= program.today {
        Some(super::cache::snapshot(db, program.id).await?).filter(|s| s.newest_day <= as_of)
    } else {
        None
    };
    let mut figures = if let Some(snapshot) = snapshot {
        // Today: from the program's snapshot, brought up to date (see `report::cache`).
        // Counting a large program takes a while: off the threads that serve requests.
        tokio::task::spawn_blocking(move || {
            tally(
                &snapshot.milestones,
                &snapshot.matches,
                &snapshot.standing,
                &filters,
                as_of,
            )
        })
        .await
        .map_err(AppError::internal)?
    } else {
        let mut rows = rows(db, program).await?;
        if as_of < program.today {
            rows.milestones = definitions_as_of(db, program, rows.milestones, as_of).await?;
        }
        compute(
            &rows.milestones,
            &rows.matches,
            &rows.events,
            &filters,
            as_of,
        )
    };
    sort_matches(&mut figures.matches, order);
    Ok((figures, as_of))
}

/// The report page's data: the figures, one page of the per-match table, and the history.
pub async fn report(db: &Db, program_id: i64, query: &ReportQuery) -> Result<Report, AppError> {
    let program = crate::programs::store::program_details(db, program_id).await?;
    let (mut figures, as_of) = figures(db, &program, query).await?;
    let per_page = super::MATCHES_PER_PAGE;
    let match_total = figures.matches.len() as i64;
    let pages = figures.matches.len().div_ceil(per_page).max(1) as i64;
    let page = query.page.clamp(1, pages);
    let start = (page as usize - 1) * per_page;
    figures.matches = figures
        .matches
        .into_iter()
        .skip(start)
        .take(per_page)
        .collect();
    let history = history(db, &program, as_of).await?;
    Ok(Report {
        program,
        as_of,
        figures,
        match_page: page,
        match_pages: pages,
        match_total,
        history,
        health: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_ends_at_the_next_local_midnight_even_across_a_clock_change() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).expect("valid");
        let ny: Tz = "America/New_York".parse().expect("zone");
        assert_eq!(
            end_of_day(ny, day(2026, 3, 7)).to_rfc3339(),
            "2026-03-08T05:00:00+00:00"
        );
        // Chile moves its clocks from midnight to 01:00: the next day starts at 01:00 local.
        let santiago: Tz = "America/Santiago".parse().expect("zone");
        let end = end_of_day(santiago, day(2026, 9, 5));
        assert_eq!(end.with_timezone(&santiago).date_naive(), day(2026, 9, 6));
        assert!(end > end_of_day(santiago, day(2026, 9, 4)));
    }
}
