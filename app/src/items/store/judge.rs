//! Completions made before completions were judged once (migration 0007): how each was judged,
//! filled in from the definitions of today at the server's start.

use crate::db::BeginWrite;
use crate::db::Db;
use crate::db::on_db;
use crate::error::AppError;
use crate::kernel::due_date::OffsetUnit;
use crate::kernel::time_zone::date_in_zone;
use crate::milestones::completing::judged_due;
use chrono::{DateTime, NaiveDate, Utc};

/// Fills how each completion made before completions were judged once was judged, from the
/// definitions of today; returns how many. A completion already judged is never touched.
pub async fn judge_unjudged(db: &Db) -> Result<u64, AppError> {
    #[derive(sqlx::FromRow)]
    struct Unjudged {
        id: i64,
        completed_at: DateTime<Utc>,
        time_zone: String,
        offset_amount: i32,
        #[sqlx(try_from = "String")]
        offset_unit: OffsetUnit,
        anchor: Option<NaiveDate>,
    }
    let rows: Vec<Unjudged> = on_db!(
        db,
        read | pool | {
            sqlx::query_as(
                "SELECT c.id, c.completed_at, p.time_zone, ms.offset_amount, ms.offset_unit, \
                 CASE WHEN c.match_id IS NULL THEN (SELECT MIN(x.published_on) FROM matches x \
                   WHERE x.state <> 'pending' AND (x.mentor_enrollment_id = c.enrollment_id \
                   OR x.mentee_enrollment_id = c.enrollment_id)) \
                 ELSE (SELECT m.published_on FROM matches m WHERE m.id = c.match_id) END AS anchor \
                 FROM completions c JOIN milestones ms ON ms.id = c.milestone_id \
                 JOIN programs p ON p.id = c.program_id \
                 WHERE c.completed_on IS NULL",
            )
            .fetch_all(pool)
            .await
        }
    )?;
    if rows.is_empty() {
        return Ok(0);
    }
    let count = rows.len() as u64;
    on_db!(
        db,
        write | pool | {
            async {
                let mut tx = pool.begin_write().await?;
                for row in &rows {
                    sqlx::query(
                        "UPDATE completions SET due_on = $1, completed_on = $2 \
                         WHERE id = $3 AND completed_on IS NULL",
                    )
                    .bind(judged_due(row.offset_amount, row.offset_unit, row.anchor))
                    .bind(date_in_zone(&row.time_zone, row.completed_at))
                    .bind(row.id)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await
            }
            .await
        }
    )?;
    Ok(count)
}
