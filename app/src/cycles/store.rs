//! Duplicating a program and copying milestones, each in one write transaction.

use super::{CopyRow, plan_copy};
use crate::accounts::CurrentUser;
use crate::db::BeginWrite;
use crate::db::Db;
use crate::db::on_db;
use crate::error::AppError;
use crate::kernel::roles::Role;
use crate::milestones::store::{MILESTONE_COLUMNS, MilestoneRow, RECORD_VERSION};
use crate::programs::store::ProgramInput;
use chrono::Utc;

/// Inserts a copy of the milestone row `$m` into program `$program` at `$position`, with its
/// "created" version, inside `$tx` (a macro: one body per engine).
macro_rules! copy_milestone {
    ($tx:ident, $program:expr, $m:expr, $position:expr, $now:expr) => {{
        let copy: i64 = sqlx::query_scalar(
            "INSERT INTO milestones (program_id, name, category, role, offset_amount, \
             offset_unit, description, position, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id",
        )
        .bind($program)
        .bind(&$m.name)
        .bind($m.category.as_str())
        .bind($m.role.as_str())
        .bind($m.offset_amount)
        .bind($m.offset_unit.as_str())
        .bind(&$m.description)
        .bind($position)
        .bind($now)
        .fetch_one(&mut *$tx)
        .await?;
        sqlx::query(RECORD_VERSION)
            .bind(copy)
            .bind("created")
            .bind($now)
            .execute(&mut *$tx)
            .await?;
    }};
}

/// The milestones a program's copy starts from: every one not archived, in the admins' order.
fn active_milestones_sql() -> String {
    format!(
        "SELECT {MILESTONE_COLUMNS} FROM milestones WHERE program_id = $1 AND archived = $2 \
         ORDER BY position, id"
    )
}

/// Makes a new program from `source`: `input`'s name, description and time zone; the source's
/// milestones (not the archived ones) in their order, with categories, roles, due offsets and
/// descriptions; its Resource Library (descriptions link to resources by address, so the
/// copies' links point at the new program's copies); its reminder settings. No people,
/// matches or completions. Someone who is not a site admin becomes the new program's admin.
/// One transaction: all or nothing. Returns the new program's id.
pub async fn duplicate_program(
    db: &Db,
    source: i64,
    input: &ProgramInput,
    actor: &CurrentUser,
) -> Result<i64, AppError> {
    let now = Utc::now();
    let milestones_sql = active_milestones_sql();
    let outcome: Result<Option<i64>, sqlx::Error> = on_db!(
        db,
        write
            | pool
            | async {
                let mut tx = pool.begin_write().await?;
                let exists: Option<i64> =
                    sqlx::query_scalar("SELECT id FROM programs WHERE id = $1")
                        .bind(source)
                        .fetch_optional(&mut *tx)
                        .await?;
                if exists.is_none() {
                    return Ok(None);
                }
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO programs (name, description, time_zone, created_at) \
                     VALUES ($1, $2, $3, $4) RETURNING id",
                )
                .bind(&input.name)
                .bind(&input.description)
                .bind(&input.time_zone)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
                let milestones: Vec<MilestoneRow> = sqlx::query_as(&milestones_sql)
                    .bind(source)
                    .bind(false)
                    .fetch_all(&mut *tx)
                    .await?;
                for (position, m) in (0i32..).zip(&milestones) {
                    copy_milestone!(tx, id, m, position, now);
                }
                sqlx::query(
                    "INSERT INTO resources (program_id, title, url, kind, created_at) \
                     SELECT $1, title, url, kind, $2 FROM resources WHERE program_id = $3 \
                     ORDER BY id",
                )
                .bind(id)
                .bind(now)
                .bind(source)
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "INSERT INTO program_reminders (program_id, enabled, days_before, overdue, \
                     overdue_every_days, overdue_max, send_hour, updated_at) \
                     SELECT $1, enabled, days_before, overdue, overdue_every_days, overdue_max, \
                     send_hour, $2 FROM program_reminders WHERE program_id = $3",
                )
                .bind(id)
                .bind(now)
                .bind(source)
                .execute(&mut *tx)
                .await?;
                if !actor.is_site_admin {
                    sqlx::query("INSERT INTO program_admins (program_id, user_id) VALUES ($1, $2)")
                        .bind(id)
                        .bind(actor.id)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok(Some(id))
            }
            .await
    );
    outcome?.ok_or(AppError::NotFound)
}

/// How many milestones (not archived) and resources a duplicate of the program takes.
pub async fn what_a_copy_takes(db: &Db, program_id: i64) -> Result<(i64, i64), AppError> {
    Ok(on_db!(
        db,
        read | pool
            | sqlx::query_as(
                "SELECT (SELECT COUNT(*) FROM milestones WHERE program_id = $1 AND archived = $2), \
                 (SELECT COUNT(*) FROM resources WHERE program_id = $1)"
            )
            .bind(program_id)
            .bind(false)
            .fetch_one(pool)
            .await
    )?)
}

/// What copying `from`'s milestones into `to` would do now.
pub async fn copy_plan(db: &Db, from: i64, to: i64) -> Result<Vec<CopyRow>, AppError> {
    let sql = active_milestones_sql();
    let (here, source): (Vec<MilestoneRow>, Vec<MilestoneRow>) = on_db!(
        db,
        read | pool | {
            let here = sqlx::query_as(&sql)
                .bind(to)
                .bind(false)
                .fetch_all(pool)
                .await?;
            let source = sqlx::query_as(&sql)
                .bind(from)
                .bind(false)
                .fetch_all(pool)
                .await?;
            Ok::<_, sqlx::Error>((here, source))
        }
    )?;
    plan(&here, &source)
}

fn plan(here: &[MilestoneRow], source: &[MilestoneRow]) -> Result<Vec<CopyRow>, AppError> {
    let here: Vec<(String, Role)> = here.iter().map(|m| (m.name.clone(), m.role)).collect();
    let source = source
        .iter()
        .map(|m| Ok((m.name.clone(), m.category, m.role, m.offset()?)))
        .collect::<Result<Vec<_>, AppError>>()?;
    Ok(plan_copy(&here, source))
}

/// Adds `from`'s milestones (not the archived ones) after `to`'s, in their order, skipping the
/// ones whose name is here already for the same role; decided again inside the transaction, so
/// the answer is what was done. Returns how many were added and how many skipped.
pub async fn copy_milestones(db: &Db, from: i64, to: i64) -> Result<(usize, usize), AppError> {
    let now = Utc::now();
    let sql = active_milestones_sql();
    let outcome: Result<Result<(usize, usize), AppError>, sqlx::Error> = on_db!(
        db,
        write
            | pool
            | async {
                let mut tx = pool.begin_write().await?;
                let here: Vec<MilestoneRow> = sqlx::query_as(&sql)
                    .bind(to)
                    .bind(false)
                    .fetch_all(&mut *tx)
                    .await?;
                let source: Vec<MilestoneRow> = sqlx::query_as(&sql)
                    .bind(from)
                    .bind(false)
                    .fetch_all(&mut *tx)
                    .await?;
                let rows = match plan(&here, &source) {
                    Ok(rows) => rows,
                    Err(error) => return Ok(Err(error)),
                };
                let last: Option<i32> = sqlx::query_scalar(
                    "SELECT MAX(position) FROM milestones WHERE program_id = $1",
                )
                .bind(to)
                .fetch_one(&mut *tx)
                .await?;
                let mut position = last.map_or(0, |p| p + 1);
                let mut added = 0;
                for (row, m) in rows.iter().zip(&source) {
                    if row.skipped {
                        continue;
                    }
                    copy_milestone!(tx, to, m, position, now);
                    position += 1;
                    added += 1;
                }
                tx.commit().await?;
                Ok(Ok((added, rows.len() - added)))
            }
            .await
    );
    outcome?
}
