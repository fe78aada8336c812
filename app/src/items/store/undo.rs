//! Undoing a completion: the one way an undo is written, inside one write transaction that
//! reads what `milestones::completing::check_undo` decides on, deletes the completion and
//! records the undo in the history.

use crate::accounts::CurrentUser;
use crate::accounts::access::{Permission, allows};
use crate::db::BeginWrite;
use crate::db::Db;
use crate::db::on_db;
use crate::error::AppError;
use crate::items::{Action, ItemKey, ItemState, Source};
use crate::kernel::roles::MatchState;
use crate::milestones::completing::{Asker, Undo, UndoFacts, check_undo};
use chrono::Utc;

/// Undoes a completion: only the person who completed it may. Undoing an open item changes
/// nothing and says so.
pub async fn undo(
    db: &Db,
    actor: &CurrentUser,
    key: ItemKey,
    source: Source,
) -> Result<ItemState, AppError> {
    // As in `complete`: the milestone and match rows stay as read until the undo commits.
    let share = db.for_share();
    let milestone_sql =
        format!("SELECT name, program_id, archived FROM milestones WHERE id = $1{share}");
    let state_sql = format!("SELECT state FROM matches WHERE id = $1{share}");
    on_db!(
        db,
        write
            | pool
            | async {
                let mut tx = pool.begin_write().await?;
                let milestone: Option<(String, i64, bool)> = sqlx::query_as(&milestone_sql)
                    .bind(key.milestone_id)
                    .fetch_optional(&mut *tx)
                    .await?;
                let Some((name, program_id, archived)) = milestone else {
                    return Err(AppError::NotFound);
                };
                let owner: Option<i64> = sqlx::query_scalar(
                    "SELECT user_id FROM enrollments WHERE id = $1 AND program_id = $2",
                )
                .bind(key.enrollment_id)
                .bind(program_id)
                .fetch_optional(&mut *tx)
                .await?;
                let completion: Option<(i64, i64)> = sqlx::query_as(
                    "SELECT id, completed_by FROM completions WHERE milestone_id = $1 \
                     AND enrollment_id = $2 AND (match_id = $3 OR (match_id IS NULL AND $4))",
                )
                .bind(key.milestone_id)
                .bind(key.enrollment_id)
                .bind(key.match_id.unwrap_or(-1))
                .bind(key.match_id.is_none())
                .fetch_optional(&mut *tx)
                .await?;
                let match_state: Option<String> = match key.match_id {
                    Some(match_id) => {
                        sqlx::query_scalar(&state_sql)
                            .bind(match_id)
                            .fetch_optional(&mut *tx)
                            .await?
                    }
                    None => None,
                };
                let facts = UndoFacts {
                    archived,
                    owner,
                    completion,
                    match_state: match_state.as_deref().and_then(MatchState::parse),
                };
                let asker = Asker {
                    user_id: actor.id,
                    administers: allows(actor, Permission::AdministerProgram(program_id)),
                };
                let nothing = ItemState {
                    key,
                    message: format!("{name} is not marked complete; nothing to undo."),
                    milestone_name: name.clone(),
                    completed: false,
                };
                let Undo::Delete {
                    completion,
                    by_owner,
                } = check_undo(&facts, asker)?
                else {
                    return Ok(nothing);
                };
                // Two undos at once: only the one that deletes the completion records it.
                let deleted = sqlx::query("DELETE FROM completions WHERE id = $1")
                    .bind(completion)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if deleted == 0 {
                    return Ok(nothing);
                }
                let source = Source::decided(source, by_owner);
                sqlx::query(
                    "INSERT INTO completion_events (program_id, milestone_id, enrollment_id, \
                     match_id, action, actor_user_id, source, occurred_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(program_id)
                .bind(key.milestone_id)
                .bind(key.enrollment_id)
                .bind(key.match_id)
                .bind(Action::Undone.as_str())
                .bind(actor.id)
                .bind(source.as_str())
                .bind(Utc::now())
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(ItemState {
                    key,
                    message: format!("{name} is open again."),
                    milestone_name: name,
                    completed: false,
                })
            }
            .await
    )
}
