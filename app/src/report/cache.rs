//! Today's Activity Report without reading the whole program on every view.
//!
//! What today's figures are computed from (the milestones, the published and ended matches with
//! their people's names, and the completions that stand) is kept in memory per program, a
//! [`Snapshot`]. Each view first runs one statement that returns the program's `report_stamp`
//! and the history entries the snapshot has not seen yet:
//!
//! - a new stamp (a milestone, match, enrollment or name changed, or a completion was judged:
//!   database triggers change it whoever writes, migration `0012_report_stamp`) or a new time
//!   zone: the snapshot is read again whole, in one read transaction;
//! - otherwise the new completions and undos are applied to it, in the order they happened.
//!
//! "The entries not seen yet" is exact on both engines. SQLite writes one transaction at a
//! time, so ids become visible in order: everything after the last id seen. PostgreSQL hands
//! out ids before commit, so a smaller id can become visible after a larger one; each entry
//! records its transaction (`xact`), and every transaction older than a snapshot's `xmin` has
//! finished: the entries of transactions from the last horizon on are read again and those
//! already applied are skipped.
//!
//! A report "as of" an earlier day is not served from here: it folds the whole history
//! (`store::rows`).

use super::figures::{Judged, MatchInput, MilestoneInput, Standing, StandingMap};
use crate::db::on_db;
use crate::db::{Db, Engine};
use crate::error::AppError;
use crate::items::{Action, Source};
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use rustc_hash::FxHashMap;
use std::sync::{Arc, LazyLock, Mutex, PoisonError};

/// What today's report of a program is computed from, as it stands.
#[derive(Clone)]
pub struct Snapshot {
    pub milestones: Arc<Vec<MilestoneInput>>,
    pub matches: Arc<Vec<MatchInput>>,
    pub standing: Arc<StandingMap>,
    /// The latest program-calendar day the snapshot has seen: the day it was read on, or of
    /// the latest entry applied since. A report for an earlier day (a view that began just
    /// before midnight) must not count what happened after it, so it folds the history.
    pub newest_day: NaiveDate,
}

/// Which history entries a snapshot holds.
#[derive(Clone, Debug)]
enum Cursor {
    /// Every entry up to this id, none after.
    Sqlite { last_id: i64 },
    /// Every entry of a transaction older than `horizon`; of the later ones, those in `seen`
    /// (entry id → its transaction).
    Postgres {
        horizon: i64,
        seen: FxHashMap<i64, i64>,
    },
}

struct Entry {
    engine: Engine,
    program_id: i64,
    stamp: i64,
    time_zone: String,
    snapshot: Snapshot,
    cursor: Cursor,
    /// When it was last used, to drop the least recently used.
    used: u64,
}

/// How many programs' snapshots one server keeps.
const CAPACITY: usize = 8;

struct Cache {
    entries: Vec<Entry>,
    clock: u64,
}

static CACHE: LazyLock<Mutex<Cache>> = LazyLock::new(|| {
    Mutex::new(Cache {
        entries: Vec::new(),
        clock: 0,
    })
});

fn cache() -> std::sync::MutexGuard<'static, Cache> {
    // The cache holds no invariant a panic elsewhere could break half-way.
    CACHE.lock().unwrap_or_else(PoisonError::into_inner)
}

/// One row of the check: the program's stamp and zone, and an entry not seen yet (if any).
#[derive(sqlx::FromRow)]
struct DeltaRow {
    report_stamp: i64,
    time_zone: String,
    /// PostgreSQL: the oldest transaction still running; SQLite: the newest history id.
    horizon: Option<i64>,
    event_id: Option<i64>,
    xact: Option<i64>,
    milestone_id: Option<i64>,
    enrollment_id: Option<i64>,
    match_id: Option<i64>,
    action: Option<String>,
    source: Option<String>,
    occurred_at: Option<DateTime<Utc>>,
    due_on: Option<NaiveDate>,
    completed_on: Option<NaiveDate>,
}

/// A history entry to apply.
struct Change {
    id: i64,
    xact: i64,
    key: (i64, i64, Option<i64>),
    completed: bool,
    standing: Standing,
}

fn zone(time_zone: &str) -> Tz {
    time_zone.parse::<Tz>().unwrap_or(Tz::UTC)
}

fn changes(rows: Vec<DeltaRow>, zone: Tz) -> Result<Vec<Change>, AppError> {
    rows.into_iter()
        .filter_map(|row| {
            let id = row.event_id?;
            Some((|| {
                let bad = || AppError::internal(format!("history entry {id}"));
                let action =
                    Action::try_from(row.action.ok_or_else(bad)?).map_err(AppError::internal)?;
                let source =
                    Source::try_from(row.source.ok_or_else(bad)?).map_err(AppError::internal)?;
                let at = row.occurred_at.ok_or_else(bad)?;
                Ok(Change {
                    id,
                    xact: row.xact.unwrap_or(0),
                    key: (
                        row.milestone_id.ok_or_else(bad)?,
                        row.enrollment_id.ok_or_else(bad)?,
                        row.match_id,
                    ),
                    completed: action == Action::Completed,
                    standing: Standing {
                        day: at.with_timezone(&zone).date_naive(),
                        judged: row
                            .due_on
                            .zip(row.completed_on)
                            .map(|(due, completed_on)| Judged { due, completed_on }),
                        source,
                    },
                })
            })())
        })
        .collect()
}

fn apply(standing: &mut StandingMap, change: &Change) {
    if change.completed {
        standing.insert(change.key, change.standing);
    } else {
        standing.remove(&change.key);
    }
}

/// The program's snapshot, brought up to date: one statement when nothing but completions
/// changed since the last view.
pub async fn snapshot(db: &Db, program_id: i64) -> Result<Snapshot, AppError> {
    let engine = db.engine();
    let known = {
        let mut cache = cache();
        cache.clock += 1;
        let clock = cache.clock;
        cache
            .entries
            .iter_mut()
            .find(|e| e.engine == engine && e.program_id == program_id)
            .map(|e| {
                e.used = clock;
                (e.stamp, e.time_zone.clone(), e.cursor.clone())
            })
    };
    let Some((stamp, time_zone, cursor)) = known else {
        return reload(db, program_id).await;
    };
    let rows: Vec<DeltaRow> = match &cursor {
        Cursor::Sqlite { last_id } => {
            on_db!(
                db,
                read | pool | {
                    // `+e.program_id`: walk the ids after the last one seen (a few), not the
                    // program's whole history.
                    sqlx::query_as(
                        "SELECT p.report_stamp, p.time_zone, \
                         (SELECT MAX(id) FROM completion_events) AS horizon, e.id AS event_id, \
                         NULL AS xact, e.milestone_id, e.enrollment_id, e.match_id, e.action, \
                         e.source, e.occurred_at, c.due_on, c.completed_on \
                         FROM programs p \
                         LEFT JOIN completion_events e ON +e.program_id = p.id AND e.id > $2 \
                         LEFT JOIN completions c ON c.milestone_id = e.milestone_id \
                             AND c.enrollment_id = e.enrollment_id AND c.match_id IS e.match_id \
                         WHERE p.id = $1 ORDER BY e.id",
                    )
                    .bind(program_id)
                    .bind(last_id)
                    .fetch_all(pool)
                    .await
                }
            )?
        }
        Cursor::Postgres { horizon, .. } => on_db!(
            db,
            read | pool | {
                sqlx::query_as(
                    "SELECT p.report_stamp, p.time_zone, h.horizon, e.id AS event_id, \
                         e.xact, e.milestone_id, e.enrollment_id, e.match_id, e.action, \
                         e.source, e.occurred_at, c.due_on, c.completed_on \
                         FROM programs p \
                         CROSS JOIN (SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint \
                             AS horizon) h \
                         LEFT JOIN completion_events e ON e.program_id = p.id AND e.xact >= $2 \
                         LEFT JOIN completions c ON c.milestone_id = e.milestone_id \
                             AND c.enrollment_id = e.enrollment_id \
                             AND c.match_id IS NOT DISTINCT FROM e.match_id \
                         WHERE p.id = $1 ORDER BY e.id",
                )
                .bind(program_id)
                .bind(horizon)
                .fetch_all(pool)
                .await
            }
        )?,
    };
    let Some(first) = rows.first() else {
        // The program is gone.
        forget(engine, program_id);
        return Err(AppError::NotFound);
    };
    // SQLite: the newest id, which is never smaller than one seen before unless the file was
    // replaced by an older copy.
    let replaced =
        matches!(cursor, Cursor::Sqlite { last_id } if first.horizon.unwrap_or(0) < last_id);
    if first.report_stamp != stamp || first.time_zone != time_zone || replaced {
        return reload(db, program_id).await;
    }
    let fetched_horizon = first.horizon;
    let changes = changes(rows, zone(&time_zone))?;
    match bring_up_to_date(
        engine,
        program_id,
        stamp,
        &cursor,
        &changes,
        fetched_horizon,
    ) {
        Some(snapshot) => Ok(snapshot),
        None => Box::pin(snapshot(db, program_id)).await,
    }
}

/// Applies the entries just read to the kept snapshot, if it is still the one they were read
/// for, and returns it.
fn bring_up_to_date(
    engine: Engine,
    program_id: i64,
    stamp: i64,
    cursor: &Cursor,
    changes: &[Change],
    fetched_horizon: Option<i64>,
) -> Option<Snapshot> {
    let mut cache = cache();
    // The entry must still hold every entry before the ones just read: another view's reload
    // may have replaced it meanwhile with an older read, which would leave a gap.
    let from = |c: &Cursor| match c {
        Cursor::Sqlite { last_id } => *last_id,
        Cursor::Postgres { horizon, .. } => *horizon,
    };
    let entry = cache.entries.iter_mut().find(|e| {
        e.engine == engine
            && e.program_id == program_id
            && e.stamp == stamp
            && from(&e.cursor) >= from(cursor)
    })?;
    if !changes.is_empty() {
        let mut newest = entry.snapshot.newest_day;
        let standing = Arc::make_mut(&mut entry.snapshot.standing);
        match &mut entry.cursor {
            Cursor::Sqlite { last_id } => {
                let start = *last_id;
                for change in changes.iter().filter(|c| c.id > start) {
                    apply(standing, change);
                    *last_id = change.id;
                    newest = newest.max(change.standing.day);
                }
            }
            Cursor::Postgres { horizon, seen } => {
                for change in changes {
                    // Entries of transactions before the current horizon were all read by the
                    // view that moved it there.
                    if change.xact >= *horizon && !seen.contains_key(&change.id) {
                        apply(standing, change);
                        seen.insert(change.id, change.xact);
                        newest = newest.max(change.standing.day);
                    }
                }
            }
        }
        entry.snapshot.newest_day = newest;
    }
    if let (Cursor::Postgres { horizon, seen }, Some(fetched)) =
        (&mut entry.cursor, fetched_horizon)
        && fetched > *horizon
    {
        *horizon = fetched;
        let h = *horizon;
        seen.retain(|_, xact| *xact >= h);
    }
    Some(entry.snapshot.clone())
}

fn forget(engine: Engine, program_id: i64) {
    cache()
        .entries
        .retain(|e| !(e.engine == engine && e.program_id == program_id));
}

/// A standing completion, packed per milestone like the report's history (see `store::rows`):
/// "enrollment,match,source letter,time,due,completed on;…".
#[derive(sqlx::FromRow)]
struct PackedRow {
    milestone_id: i64,
    packed: String,
}

fn unpack(milestone: i64, packed: &str, zone: Tz, into: &mut StandingMap) -> Result<(), AppError> {
    for entry in packed.split(';') {
        let bad = || AppError::internal(format!("standing completion {entry:?}"));
        let mut parts = entry.splitn(6, ',');
        let mut number = || {
            parts
                .next()
                .and_then(|p| p.parse::<i64>().ok())
                .ok_or_else(bad)
        };
        let (enrollment, m) = (number()?, number()?);
        let source =
            super::rows::source_of_letter(parts.next().ok_or_else(bad)?).ok_or_else(bad)?;
        let at = super::rows::parse_time(parts.next().ok_or_else(bad)?).ok_or_else(bad)?;
        let mut date = || -> Result<Option<NaiveDate>, AppError> {
            match parts.next().ok_or_else(bad)? {
                "" => Ok(None),
                text => NaiveDate::parse_from_str(text, "%Y-%m-%d")
                    .map(Some)
                    .map_err(|_| bad()),
            }
        };
        let (due, completed_on) = (date()?, date()?);
        into.insert(
            (milestone, enrollment, (m != 0).then_some(m)),
            Standing {
                day: at.with_timezone(&zone).date_naive(),
                judged: due
                    .zip(completed_on)
                    .map(|(due, completed_on)| Judged { due, completed_on }),
                source,
            },
        );
    }
    Ok(())
}

/// Reads the program's snapshot whole, in one read transaction, and keeps it.
async fn reload(db: &Db, program_id: i64) -> Result<Snapshot, AppError> {
    let engine = db.engine();
    let (time, day) = match engine {
        Engine::Sqlite => ("completed_at", "due_on"),
        Engine::Postgres => (
            "CAST(EXTRACT(EPOCH FROM completed_at) * 1000000 AS BIGINT)",
            "CAST(due_on AS TEXT)",
        ),
    };
    let completed_day = match engine {
        Engine::Sqlite => "completed_on",
        Engine::Postgres => "CAST(completed_on AS TEXT)",
    };
    let standing_sql = format!(
        "SELECT milestone_id, string_agg(enrollment_id || ',' || COALESCE(match_id, 0) || ',' \
         || substr(source, 1, 1) || ',' || {time} || ',' || COALESCE({day}, '') || ',' \
         || COALESCE({completed_day}, ''), ';') AS packed \
         FROM completions WHERE program_id = $1 GROUP BY milestone_id"
    );
    let (program, milestones, matches, packed, cursor) = on_db!(
        db,
        read | pool | {
            async {
                let mut tx = pool.begin().await?;
                if engine == Engine::Postgres {
                    // Every statement below sees the same moment.
                    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                        .execute(&mut *tx)
                        .await?;
                }
                let program: Option<(i64, String)> =
                    sqlx::query_as("SELECT report_stamp, time_zone FROM programs WHERE id = $1")
                        .bind(program_id)
                        .fetch_optional(&mut *tx)
                        .await?;
                let cursor = match engine {
                    Engine::Sqlite => {
                        let last_id: i64 = sqlx::query_scalar(
                            "SELECT COALESCE(MAX(id), 0) FROM completion_events",
                        )
                        .fetch_one(&mut *tx)
                        .await?;
                        Cursor::Sqlite { last_id }
                    }
                    Engine::Postgres => {
                        let horizon: i64 = sqlx::query_scalar(
                            "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint",
                        )
                        .fetch_one(&mut *tx)
                        .await?;
                        let seen: Vec<(i64, i64)> = sqlx::query_as(
                            "SELECT id, xact FROM completion_events \
                             WHERE program_id = $1 AND xact >= $2",
                        )
                        .bind(program_id)
                        .bind(horizon)
                        .fetch_all(&mut *tx)
                        .await?;
                        Cursor::Postgres {
                            horizon,
                            seen: seen.into_iter().collect(),
                        }
                    }
                };
                let milestones = sqlx::query_as::<_, crate::milestones::store::MilestoneRow>(
                    &super::rows::milestones_sql(),
                )
                .bind(program_id)
                .fetch_all(&mut *tx)
                .await?;
                let matches = sqlx::query_as::<_, super::rows::MatchRow>(super::rows::MATCHES_SQL)
                    .bind(program_id)
                    .fetch_all(&mut *tx)
                    .await?;
                let packed = sqlx::query_as::<_, PackedRow>(&standing_sql)
                    .bind(program_id)
                    .fetch_all(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok::<_, sqlx::Error>((program, milestones, matches, packed, cursor))
            }
            .await
        }
    )?;
    let (stamp, time_zone) = program.ok_or(AppError::NotFound)?;
    let zone = zone(&time_zone);
    // Read before now: nothing in it happened on a later day than today's.
    let newest_day = Utc::now().with_timezone(&zone).date_naive();
    let mut standing = StandingMap::default();
    for row in packed {
        unpack(row.milestone_id, &row.packed, zone, &mut standing)?;
    }
    let snapshot = Snapshot {
        milestones: Arc::new(super::rows::milestone_inputs(milestones)?),
        matches: Arc::new(super::rows::match_inputs(matches)),
        standing: Arc::new(standing),
        newest_day,
    };
    let mut cache = cache();
    cache.clock += 1;
    let used = cache.clock;
    cache
        .entries
        .retain(|e| !(e.engine == engine && e.program_id == program_id));
    if cache.entries.len() >= CAPACITY
        && let Some(oldest) = cache
            .entries
            .iter()
            .enumerate()
            .min_by_key(|(_, e)| e.used)
            .map(|(i, _)| i)
    {
        cache.entries.swap_remove(oldest);
    }
    cache.entries.push(Entry {
        engine,
        program_id,
        stamp,
        time_zone,
        snapshot: snapshot.clone(),
        cursor,
        used,
    });
    Ok(snapshot)
}
