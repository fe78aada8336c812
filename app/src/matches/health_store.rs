//! The health of a program's published matches, read in three statements whatever their
//! number: the matches, the program's relationship milestones, and their completions.

use super::health::{Health, HealthItem, health};
use crate::db::Db;
use crate::db::on_db;
use crate::error::AppError;
use crate::kernel::due_date::{DueOffset, OffsetUnit};
use crate::kernel::time_zone::{date_in_zone, today_in_zone};
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::HashMap;

#[derive(sqlx::FromRow)]
struct Milestone {
    id: i64,
    name: String,
    offset_amount: i32,
    #[sqlx(try_from = "String")]
    offset_unit: OffsetUnit,
}

/// Each published match of the program with its health on the program's today.
pub async fn health_of_matches(db: &Db, program_id: i64) -> Result<HashMap<i64, Health>, AppError> {
    health_of(db, program_id, None).await
}

/// The health of the program's published matches among `only` (a page of a list), reading
/// only their completions.
pub async fn health_of_these(
    db: &Db,
    program_id: i64,
    only: &[i64],
) -> Result<HashMap<i64, Health>, AppError> {
    if only.is_empty() {
        return Ok(HashMap::new());
    }
    health_of(db, program_id, Some(only)).await
}

async fn health_of(
    db: &Db,
    program_id: i64,
    only: Option<&[i64]>,
) -> Result<HashMap<i64, Health>, AppError> {
    // The ids are numbers the database gave: written into the statement as numbers.
    let among = only.map_or(String::new(), |ids| {
        let list: Vec<String> = ids.iter().map(i64::to_string).collect();
        format!(" AND m.id IN ({})", list.join(", "))
    });
    let matches_sql = format!(
        "SELECT m.id, m.published_on FROM matches m WHERE m.program_id = $1 \
         AND m.state = 'published' AND m.published_on IS NOT NULL{among}"
    );
    let completions_sql = format!(
        "SELECT c.match_id, c.milestone_id, c.completed_on, c.completed_at \
         FROM completions c JOIN matches m ON m.id = c.match_id \
         WHERE m.program_id = $1 AND m.state = 'published'{among}"
    );
    let (zone, matches, milestones, completions) = on_db!(
        db,
        read | pool | {
            let zone: Option<String> =
                sqlx::query_scalar("SELECT time_zone FROM programs WHERE id = $1")
                    .bind(program_id)
                    .fetch_optional(pool)
                    .await?;
            let matches: Vec<(i64, NaiveDate)> = sqlx::query_as(&matches_sql)
                .bind(program_id)
                .fetch_all(pool)
                .await?;
            let milestones: Vec<Milestone> = sqlx::query_as(
                "SELECT id, name, offset_amount, offset_unit FROM milestones \
                 WHERE program_id = $1 AND category = 'relationship' AND archived = $2",
            )
            .bind(program_id)
            .bind(false)
            .fetch_all(pool)
            .await?;
            let completions: Vec<(i64, i64, Option<NaiveDate>, DateTime<Utc>)> =
                sqlx::query_as(&completions_sql)
                    .bind(program_id)
                    .fetch_all(pool)
                    .await?;
            Ok::<_, sqlx::Error>((zone, matches, milestones, completions))
        }
    )?;
    let zone = zone.ok_or(AppError::NotFound)?;
    let today = today_in_zone(&zone);
    let done: HashMap<(i64, i64), NaiveDate> = completions
        .into_iter()
        // A completion not judged yet (written before the server's start judged it) counts on
        // the day it was made.
        .map(|(m, milestone, on, at)| {
            (
                (m, milestone),
                on.unwrap_or_else(|| date_in_zone(&zone, at)),
            )
        })
        .collect();
    let offsets: Vec<(&Milestone, Option<DueOffset>)> = milestones
        .iter()
        .map(|m| {
            let offset = u16::try_from(m.offset_amount)
                .ok()
                .and_then(|amount| DueOffset::new(amount, m.offset_unit).ok());
            (m, offset)
        })
        .collect();
    Ok(matches
        .into_iter()
        .map(|(id, published_on)| {
            let items: Vec<HealthItem> = offsets
                .iter()
                .filter_map(|(m, offset)| {
                    Some(HealthItem {
                        milestone: m.name.clone(),
                        due: offset.as_ref()?.due_from(published_on)?,
                        completed_on: done.get(&(id, m.id)).copied(),
                    })
                })
                .collect();
            (id, health(&items, today))
        })
        .collect())
}
