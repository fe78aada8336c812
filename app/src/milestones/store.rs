//! Milestone definitions in the database: list, create ("Both" makes two), edit, reorder,
//! archive and restore, and what the form's preview needs.

use super::form::MilestoneDraft;
use super::preview::PreviewData;
use super::rule::MatchFact;
use super::{Category, DueOffset, MilestoneRecord, OffsetUnit};
use crate::db::BeginWrite;
use crate::db::Db;
use crate::db::on_db;
use crate::error::AppError;
use crate::kernel::roles::{MatchState, Role};
use chrono::{NaiveDate, Utc};

/// A milestone as stored: every store that reads milestones decodes this, from
/// `SELECT {MILESTONE_COLUMNS} FROM milestones`.
#[derive(sqlx::FromRow)]
pub struct MilestoneRow {
    pub id: i64,
    pub program_id: i64,
    pub name: String,
    #[sqlx(try_from = "String")]
    pub category: Category,
    #[sqlx(try_from = "String")]
    pub role: Role,
    pub offset_amount: i32,
    #[sqlx(try_from = "String")]
    pub offset_unit: OffsetUnit,
    pub description: String,
    pub position: i32,
    pub archived: bool,
}

/// The columns of [`MilestoneRow`].
pub const MILESTONE_COLUMNS: &str = "id, program_id, name, category, role, offset_amount, \
    offset_unit, description, position, archived";

impl MilestoneRow {
    pub fn offset(&self) -> Result<DueOffset, AppError> {
        let amount = u16::try_from(self.offset_amount).map_err(AppError::internal)?;
        DueOffset::new(amount, self.offset_unit).map_err(AppError::internal)
    }
}

/// A milestone with how many completions it has.
#[derive(sqlx::FromRow)]
struct Row {
    #[sqlx(flatten)]
    milestone: MilestoneRow,
    completions: i64,
}

fn record(row: Row) -> Result<MilestoneRecord, AppError> {
    let offset = row.milestone.offset()?;
    let m = row.milestone;
    Ok(MilestoneRecord {
        id: m.id,
        name: m.name,
        category: m.category,
        role: m.role,
        offset,
        description: m.description,
        position: i64::from(m.position),
        archived: m.archived,
        completions: row.completions,
    })
}

/// Every milestone with its completions, from `milestones m`.
fn select() -> String {
    format!(
        "SELECT {MILESTONE_COLUMNS}, \
         (SELECT COUNT(*) FROM completions c WHERE c.milestone_id = m.id) AS completions \
         FROM milestones m"
    )
}

/// Every milestone of the program, archived ones included, in the admins' order.
pub async fn list(db: &Db, program_id: i64) -> Result<Vec<MilestoneRecord>, AppError> {
    let sql = format!(
        "{} WHERE m.program_id = $1 ORDER BY m.position, m.id",
        select()
    );
    let rows: Vec<Row> = on_db!(
        db,
        read | pool | sqlx::query_as(&sql).bind(program_id).fetch_all(pool).await
    )?;
    rows.into_iter().map(record).collect()
}

pub async fn get(db: &Db, program_id: i64, id: i64) -> Result<MilestoneRecord, AppError> {
    let sql = format!("{} WHERE m.program_id = $1 AND m.id = $2", select());
    let row: Option<Row> = on_db!(
        db,
        read | pool
            | sqlx::query_as(&sql)
                .bind(program_id)
                .bind(id)
                .fetch_optional(pool)
                .await
    )?;
    record(row.ok_or(AppError::NotFound)?)
}

/// Records a milestone's definition as it stands now, after `$2` ("created", "edited",
/// "archived", "restored") at `$3`.
pub const RECORD_VERSION: &str = "INSERT INTO milestone_versions (milestone_id, program_id, change, \
    name, category, role, offset_amount, offset_unit, archived, changed_at) \
    SELECT id, program_id, $2, name, category, role, offset_amount, offset_unit, archived, $3 \
    FROM milestones WHERE id = $1";

/// Gives every milestone without a recorded definition (made by the demo seed or the program
/// generator, which write rows directly) its "created" version, at its creation time. Run at
/// the server's start; returns how many.
pub async fn record_missing_versions(db: &Db) -> Result<u64, AppError> {
    Ok(on_db!(
        db,
        write | pool | {
            sqlx::query(
                "INSERT INTO milestone_versions (milestone_id, program_id, change, name, \
                 category, role, offset_amount, offset_unit, archived, changed_at) \
                 SELECT id, program_id, 'created', name, category, role, offset_amount, \
                 offset_unit, archived, created_at FROM milestones m WHERE NOT EXISTS \
                 (SELECT 1 FROM milestone_versions v WHERE v.milestone_id = m.id)",
            )
            .execute(pool)
            .await
            .map(|r| r.rows_affected())
        }
    )?)
}

/// Adds the draft at the end of the list: one milestone per role. Returns the new ids.
pub async fn create(
    db: &Db,
    program_id: i64,
    draft: &MilestoneDraft,
) -> Result<Vec<i64>, AppError> {
    let result: Result<Vec<i64>, sqlx::Error> = on_db!(
        db,
        write
            | pool
            | async {
                let mut tx = pool.begin_write().await?;
                let last: Option<i32> = sqlx::query_scalar(
                    "SELECT MAX(position) FROM milestones WHERE program_id = $1",
                )
                .bind(program_id)
                .fetch_one(&mut *tx)
                .await?;
                let now = Utc::now();
                let mut ids = Vec::new();
                for (position, role) in (last.map_or(0, |p| p + 1)..).zip(draft.roles.iter()) {
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO milestones (program_id, name, category, role, offset_amount, \
                     offset_unit, description, position, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id",
                    )
                    .bind(program_id)
                    .bind(&draft.name)
                    .bind(draft.category.as_str())
                    .bind(role.as_str())
                    .bind(i32::from(draft.offset.amount()))
                    .bind(draft.offset.unit().as_str())
                    .bind(&draft.description)
                    .bind(position)
                    .bind(now)
                    .fetch_one(&mut *tx)
                    .await?;
                    sqlx::query(RECORD_VERSION)
                        .bind(id)
                        .bind("created")
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                    ids.push(id);
                }
                tx.commit().await?;
                Ok(ids)
            }
            .await
    );
    match result {
        Ok(ids) => Ok(ids),
        Err(sqlx::Error::Database(e)) if e.is_foreign_key_violation() => Err(AppError::NotFound),
        Err(e) => Err(e.into()),
    }
}

/// Saves an edit of one milestone. Its category and role are part of its completions' identity,
/// so they only change while it has none.
pub async fn update(
    db: &Db,
    program_id: i64,
    id: i64,
    draft: &MilestoneDraft,
) -> Result<(), AppError> {
    let role = *draft
        .roles
        .first()
        .ok_or_else(|| AppError::invalid("Program Role: Choose Mentor or Mentee."))?;
    // The check for recorded completions and the change are one transaction; on PostgreSQL
    // the milestone's row is locked first, so a completion cannot slip in between (completing
    // holds the same row shared).
    let lock = db.for_update();
    let current_sql = format!(
        "SELECT name, category, role FROM milestones WHERE id = $1 AND program_id = $2{lock}"
    );
    on_db!(
        db,
        write
            | pool
            | async {
                let mut tx = pool.begin_write().await?;
                let current: Option<(String, String, String)> = sqlx::query_as(&current_sql)
                    .bind(id)
                    .bind(program_id)
                    .fetch_optional(&mut *tx)
                    .await?;
                let Some((name, category, current_role)) = current else {
                    return Err(AppError::NotFound);
                };
                let completions: i64 =
                    sqlx::query_scalar("SELECT COUNT(*) FROM completions WHERE milestone_id = $1")
                        .bind(id)
                        .fetch_one(&mut *tx)
                        .await?;
                if completions > 0
                    && (category != draft.category.as_str() || current_role != role.as_str())
                {
                    return Err(AppError::invalid(format!(
                        "Category: {name} has {completions} recorded completion{}, so its category and role stay as they are. Archive it and add a new milestone instead.",
                        if completions == 1 { "" } else { "s" }
                    )));
                }
                sqlx::query(
                    "UPDATE milestones SET name = $1, category = $2, role = $3, \
                     offset_amount = $4, offset_unit = $5, description = $6, updated_at = $7 \
                     WHERE id = $8 AND program_id = $9",
                )
                .bind(&draft.name)
                .bind(draft.category.as_str())
                .bind(role.as_str())
                .bind(i32::from(draft.offset.amount()))
                .bind(draft.offset.unit().as_str())
                .bind(&draft.description)
                .bind(Utc::now())
                .bind(id)
                .bind(program_id)
                .execute(&mut *tx)
                .await?;
                sqlx::query(RECORD_VERSION)
                    .bind(id)
                    .bind("edited")
                    .bind(Utc::now())
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            }
            .await
    )
}

/// Moves a milestone one place up or down in the program's order.
pub async fn move_one(db: &Db, program_id: i64, id: i64, up: bool) -> Result<String, AppError> {
    on_db!(
        db,
        write
            | pool
            | async {
                let mut tx = pool.begin_write().await?;
                let order: Vec<(i64, String)> = sqlx::query_as(
                    "SELECT id, name FROM milestones WHERE program_id = $1 ORDER BY position, id",
                )
                .bind(program_id)
                .fetch_all(&mut *tx)
                .await?;
                let Some(at) = order.iter().position(|(m, _)| *m == id) else {
                    return Err(AppError::NotFound);
                };
                let name = order[at].1.clone();
                let to = match (up, at) {
                    (true, 0) => return Ok(format!("{name} is already first.")),
                    (true, at) => at - 1,
                    (false, at) if at + 1 == order.len() => {
                        return Ok(format!("{name} is already last."));
                    }
                    (false, at) => at + 1,
                };
                let mut ids: Vec<i64> = order.iter().map(|(m, _)| *m).collect();
                ids.swap(at, to);
                for (position, milestone) in ids.iter().enumerate() {
                    sqlx::query("UPDATE milestones SET position = $1 WHERE id = $2")
                        .bind(i32::try_from(position).unwrap_or(i32::MAX))
                        .bind(milestone)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok(format!(
                    "Moved {name} {} (now {} of {}).",
                    if up { "up" } else { "down" },
                    to + 1,
                    ids.len()
                ))
            }
            .await
    )
}

/// Archives or restores a milestone. Archived milestones keep their completions and history and
/// leave participants' lists.
pub async fn set_archived(
    db: &Db,
    program_id: i64,
    id: i64,
    archived: bool,
) -> Result<String, AppError> {
    let current = get(db, program_id, id).await?;
    if current.archived == archived {
        return Ok(format!(
            "{} was already {}; nothing changed.",
            current.name,
            if archived { "archived" } else { "active" }
        ));
    }
    let now = Utc::now();
    on_db!(
        db,
        write
            | pool
            | async {
                let mut tx = pool.begin_write().await?;
                sqlx::query(
                    "UPDATE milestones SET archived = $1, updated_at = $2 \
                     WHERE id = $3 AND program_id = $4",
                )
                .bind(archived)
                .bind(now)
                .bind(id)
                .bind(program_id)
                .execute(&mut *tx)
                .await?;
                sqlx::query(RECORD_VERSION)
                    .bind(id)
                    .bind(if archived { "archived" } else { "restored" })
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await
            }
            .await
    )?;
    Ok(if archived {
        format!(
            "Archived {}. Participants no longer see it; its {} completion{} stay recorded.",
            current.name,
            current.completions,
            if current.completions == 1 { "" } else { "s" }
        )
    } else {
        format!("Restored {}. Participants see it again.", current.name)
    })
}

/// A published or ended match, for the preview.
#[derive(sqlx::FromRow)]
struct PreviewMatchRow {
    id: i64,
    mentor_enrollment_id: i64,
    mentee_enrollment_id: i64,
    published_on: Option<NaiveDate>,
    #[sqlx(try_from = "String")]
    state: MatchState,
}

/// The program's matches for the preview, and for an existing milestone which items are done.
pub async fn preview_data(
    db: &Db,
    program_id: i64,
    today: NaiveDate,
    milestone: Option<i64>,
) -> Result<PreviewData, AppError> {
    let (matches, done): (Vec<PreviewMatchRow>, Vec<(Option<i64>, i64)>) = on_db!(
        db,
        read | pool | {
            let matches: Vec<PreviewMatchRow> = sqlx::query_as(
                "SELECT id, mentor_enrollment_id, mentee_enrollment_id, published_on, state \
                     FROM matches WHERE program_id = $1 AND state <> 'pending' \
                     ORDER BY published_on, id",
            )
            .bind(program_id)
            .fetch_all(pool)
            .await?;
            let done: Vec<(Option<i64>, i64)> = sqlx::query_as(
                "SELECT match_id, enrollment_id FROM completions WHERE milestone_id = $1",
            )
            .bind(milestone.unwrap_or(-1))
            .fetch_all(pool)
            .await?;
            Ok::<_, sqlx::Error>((matches, done))
        }
    )?;
    Ok(PreviewData {
        today: Some(today),
        matches: matches
            .into_iter()
            .filter_map(|m| {
                Some(MatchFact {
                    id: m.id,
                    mentor_enrollment: m.mentor_enrollment_id,
                    mentee_enrollment: m.mentee_enrollment_id,
                    published_on: m.published_on?,
                    ended: m.state == MatchState::Ended,
                })
            })
            .collect(),
        completed_matches: done.iter().filter_map(|(m, _)| *m).collect(),
        completed_enrollments: done
            .iter()
            .filter(|(m, _)| m.is_none())
            .map(|(_, e)| *e)
            .collect(),
    })
}
