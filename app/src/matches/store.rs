//! Matches in the database: list, create, publish, remove and end, with the rules of
//! docs/rules.md ("Matches and enrollments") checked inside the transaction that writes.

use super::{MatchListing, MatchSort, end_date, publish_date};
use crate::db::BeginWrite;
use crate::db::Db;
use crate::db::on_db;
use crate::error::AppError;
use crate::kernel::page::{PAGE_SIZE, Page};
use crate::kernel::roles::{EnrollmentState, MatchState, Role};
use crate::kernel::text::like_pattern;
use crate::programs::store::program_details;
use chrono::{NaiveDate, Utc};

/// A person about to be matched, as the match rule checks them.
#[derive(sqlx::FromRow)]
pub(crate) struct MatchedPerson {
    pub id: i64,
    #[sqlx(try_from = "String")]
    pub role: Role,
    #[sqlx(try_from = "String")]
    pub state: EnrollmentState,
    pub user_id: i64,
}

/// Checks and inserts one match inside the caller's transaction `$tx`, evaluating to
/// `Result<String, AppError>` (an `Err` is a refusal or a failure; the caller's transaction is
/// dropped, so nothing is written). A macro so the
/// same code compiles for each engine's transaction type.
macro_rules! insert_match {
    ($tx:ident, $program:expr, $mentor:expr, $mentee:expr, $publish_on:expr) => {
        async {

    // Lock both enrollments (PostgreSQL) so a retire at the same moment is ordered with this.
    sqlx::query("UPDATE enrollments SET state = state WHERE id = $1 OR id = $2")
        .bind($mentor)
        .bind($mentee)
        .execute(&mut *$tx)
        .await?;
    let people: Vec<$crate::matches::store::MatchedPerson> = sqlx::query_as(
        "SELECT e.id, e.role, e.state, e.user_id FROM enrollments e \
         WHERE e.program_id = $1 AND (e.id = $2 OR e.id = $3)",
    )
    .bind($program)
    .bind($mentor)
    .bind($mentee)
    .fetch_all(&mut *$tx)
    .await?;
    let find = |id: i64| people.iter().find(|p| p.id == id);
    let (Some(mentor), Some(mentee)) = (find($mentor), find($mentee)) else {
        return Err(AppError::invalid(
            "Pick a mentor and a mentee of this program.",
        ));
    };
    if mentor.role != $crate::kernel::roles::Role::Mentor
        || mentee.role != $crate::kernel::roles::Role::Mentee
    {
        return Err(AppError::invalid(
            "A match needs one mentor and one mentee of this program.",
        ));
    }
    if mentor.state != $crate::kernel::roles::EnrollmentState::Active
        || mentee.state != $crate::kernel::roles::EnrollmentState::Active
    {
        return Err(AppError::invalid(
            "Both people must be active in the program; reactivate them first.",
        ));
    }
    if mentor.user_id == mentee.user_id {
        return Err(AppError::invalid(
            "A person can't be matched with themselves.",
        ));
    }
    let live: Option<String> = sqlx::query_scalar(
        "SELECT state FROM matches WHERE mentor_enrollment_id = $1 \
         AND mentee_enrollment_id = $2 AND state <> 'ended'",
    )
    .bind($mentor)
    .bind($mentee)
    .fetch_optional(&mut *$tx)
    .await?;
    if let Some(state) = live {
        return Err(AppError::invalid(format!(
            "These two already have a {state} match."
        )));
    }
    let state = if $publish_on.is_some() {
        $crate::kernel::roles::MatchState::Published
    } else {
        $crate::kernel::roles::MatchState::Pending
    };
    sqlx::query(
        "INSERT INTO matches (program_id, mentor_enrollment_id, mentee_enrollment_id, state, \
         published_on, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind($program)
    .bind($mentor)
    .bind($mentee)
    .bind(state.as_str())
    .bind($publish_on)
    .bind(Utc::now())
    .execute(&mut *$tx)
    .await
    .map_err(|e| AppError::from_write(e, "These two already have a pending or published match."))?;
    Ok("Created a pending match.".to_string())
        }
    };
}
pub(crate) use insert_match;

/// Filters and order of the Matches page.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MatchFilter {
    pub search: String,
    pub state: Option<MatchState>,
    pub sort: MatchSort,
    pub page: i64,
    /// Only published matches of this health (`Health::key`); empty: any.
    pub health: String,
}

const MATCH_FROM: &str = "FROM matches m \
    JOIN enrollments me ON me.id = m.mentor_enrollment_id JOIN users mu ON mu.id = me.user_id \
    JOIN enrollments ee ON ee.id = m.mentee_enrollment_id JOIN users eu ON eu.id = ee.user_id \
    WHERE m.program_id = $1 AND ($2 = '' OR m.state = $2) \
    AND ($3 = '' OR lower(mu.display_name) LIKE $4 ESCAPE '\\' OR mu.email LIKE $4 ESCAPE '\\' \
         OR lower(eu.display_name) LIKE $4 ESCAPE '\\' OR eu.email LIKE $4 ESCAPE '\\')";

const MATCH_COLUMNS: &str = "SELECT m.id, mu.display_name AS mentor_name, mu.email AS mentor_email, \
    eu.display_name AS mentee_name, eu.email AS mentee_email, m.state, m.published_on, m.ended_on ";

pub async fn matches(
    db: &Db,
    program_id: i64,
    filter: &MatchFilter,
) -> Result<Page<MatchListing>, AppError> {
    let search = filter.search.trim().to_string();
    let pattern = like_pattern(&search);
    let state = filter.state.map_or("", MatchState::as_str);
    let page = filter.page.max(1);
    let skip = crate::kernel::page::offset(page).ok_or_else(|| {
        AppError::invalid_field("page", "Page", format!("There is no page {page}."))
    })?;
    let list_sql = format!(
        "{MATCH_COLUMNS}{MATCH_FROM} ORDER BY {} LIMIT $5 OFFSET $6",
        filter.sort.order_by()
    );
    let count_sql = format!("SELECT COUNT(*) {MATCH_FROM}");
    if !filter.health.is_empty() {
        let health = super::health_store::health_of_matches(db, program_id).await?;
        let with_health = |mut row: MatchListing| {
            row.health = health.get(&row.id).cloned();
            row
        };
        // Health is not in the database: every match the other filters keep, then this page.
        let all_sql = format!(
            "{MATCH_COLUMNS}{MATCH_FROM} ORDER BY {}",
            filter.sort.order_by()
        );
        let rows: Vec<MatchListing> = on_db!(
            db,
            read | pool
                | sqlx::query_as(&all_sql)
                    .bind(program_id)
                    .bind(state)
                    .bind(&search)
                    .bind(&pattern)
                    .fetch_all(pool)
                    .await
        )?;
        let kept: Vec<MatchListing> = rows
            .into_iter()
            .map(with_health)
            .filter(|row| {
                row.health
                    .as_ref()
                    .is_some_and(|h| h.key() == filter.health)
            })
            .collect();
        let total = kept.len() as i64;
        let rows = kept
            .into_iter()
            .skip(usize::try_from(skip).unwrap_or(usize::MAX))
            .take(usize::try_from(PAGE_SIZE).unwrap_or(usize::MAX))
            .collect();
        return Ok(Page { rows, total, page });
    }
    let (rows, total) = on_db!(
        db,
        read | pool | {
            let rows: Vec<MatchListing> = sqlx::query_as(&list_sql)
                .bind(program_id)
                .bind(state)
                .bind(&search)
                .bind(&pattern)
                .bind(PAGE_SIZE)
                .bind(skip)
                .fetch_all(pool)
                .await?;
            let total: i64 = sqlx::query_scalar(&count_sql)
                .bind(program_id)
                .bind(state)
                .bind(&search)
                .bind(&pattern)
                .fetch_one(pool)
                .await?;
            Ok::<_, sqlx::Error>((rows, total))
        }
    )?;
    // The page's matches only: their health reads their completions, not the program's.
    let ids: Vec<i64> = rows.iter().map(|r: &MatchListing| r.id).collect();
    let health = super::health_store::health_of_these(db, program_id, &ids).await?;
    let rows = rows
        .into_iter()
        .map(|mut row| {
            row.health = health.get(&row.id).cloned();
            row
        })
        .collect();
    Ok(Page { rows, total, page })
}

/// One match of the program, as the lists show it.
pub async fn match_listing(
    db: &Db,
    program_id: i64,
    match_id: i64,
) -> Result<MatchListing, AppError> {
    let sql = format!("{MATCH_COLUMNS}{MATCH_FROM} AND m.id = $5");
    let row: Option<MatchListing> = on_db!(
        db,
        read | pool | {
            sqlx::query_as(&sql)
                .bind(program_id)
                .bind("")
                .bind("")
                .bind("%")
                .bind(match_id)
                .fetch_optional(pool)
                .await
        }
    )?;
    row.ok_or(AppError::NotFound)
}

/// How many matches of the program are pending.
pub async fn pending_count(db: &Db, program_id: i64) -> Result<i64, AppError> {
    Ok(on_db!(
        db,
        read | pool | {
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM matches WHERE program_id = $1 AND state = 'pending'",
            )
            .bind(program_id)
            .fetch_one(pool)
            .await
        }
    )?)
}

/// Every match of the program, by mentor name, for the CSV export.
pub async fn all_matches(db: &Db, program_id: i64) -> Result<Vec<MatchListing>, AppError> {
    let sql = format!(
        "{MATCH_COLUMNS}{MATCH_FROM} ORDER BY {}",
        MatchSort::Mentor.order_by()
    );
    let rows: Vec<MatchListing> = on_db!(
        db,
        read | pool | {
            sqlx::query_as(&sql)
                .bind(program_id)
                .bind("")
                .bind("")
                .bind("%")
                .fetch_all(pool)
                .await
        }
    )?;
    Ok(rows)
}

/// Creates a pending match between an active mentor and an active mentee of the program.
pub async fn create_match(
    db: &Db,
    program_id: i64,
    mentor_enrollment: i64,
    mentee_enrollment: i64,
) -> Result<String, AppError> {
    on_db!(
        db,
        write
            | pool
            | async {
                let mut tx = pool.begin_write().await?;
                let outcome = insert_match!(
                    tx,
                    program_id,
                    mentor_enrollment,
                    mentee_enrollment,
                    None::<NaiveDate>
                )
                .await?;
                tx.commit().await?;
                Ok(outcome)
            }
            .await
    )
}

/// Matches published by one statement (well under either engine's limit on parameters).
const PUBLISH_CHUNK: usize = 500;

/// Every pending match of the program.
pub async fn pending_match_ids(db: &Db, program_id: i64) -> Result<Vec<i64>, AppError> {
    Ok(on_db!(
        db,
        read | pool | {
            sqlx::query_scalar(
                "SELECT id FROM matches WHERE program_id = $1 AND state = 'pending' ORDER BY id",
            )
            .bind(program_id)
            .fetch_all(pool)
            .await
        }
    )?)
}

/// Publishes the chosen pending matches on `chosen` (or the program's today). Matches that are
/// no longer pending are left as they are and counted in the message.
pub async fn publish_matches(
    db: &Db,
    program_id: i64,
    match_ids: &[i64],
    chosen: Option<NaiveDate>,
) -> Result<String, AppError> {
    if match_ids.is_empty() {
        return Err(AppError::invalid(
            "Select at least one pending match to publish.",
        ));
    }
    let program = program_details(db, program_id).await?;
    let date = publish_date(chosen, program.today).map_err(AppError::invalid)?;
    let mut ids = match_ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    let published: u64 = on_db!(
        db,
        write
            | pool
            | async {
                let mut tx = pool.begin_write().await?;
                let mut published = 0;
                // A few statements for a whole cohort, not one per match.
                for chunk in ids.chunks(PUBLISH_CHUNK) {
                    let placeholders: Vec<String> =
                        (0..chunk.len()).map(|i| format!("${}", i + 3)).collect();
                    let sql = format!(
                        "UPDATE matches SET state = 'published', published_on = $1 \
                         WHERE program_id = $2 AND state = 'pending' AND id IN ({})",
                        placeholders.join(", ")
                    );
                    let mut query = sqlx::query(&sql).bind(date).bind(program_id);
                    for id in chunk {
                        query = query.bind(*id);
                    }
                    published += query.execute(&mut *tx).await?.rows_affected();
                }
                tx.commit().await?;
                Ok::<_, sqlx::Error>(published)
            }
            .await
    )?;
    let skipped = ids.len() as u64 - published;
    let when = date.format("%Y-%m-%d");
    let mut message = match published {
        0 => "No match was published.".to_string(),
        1 => format!("Published 1 match on {when}."),
        n => format!("Published {n} matches on {when}."),
    };
    match skipped {
        0 => {}
        1 => message.push_str(" 1 selected match was not pending and was left as it was."),
        n => message.push_str(&format!(
            " {n} selected matches were not pending and were left as they were."
        )),
    }
    if published == 0 {
        return Err(AppError::invalid(message));
    }
    Ok(message)
}

/// A match's state and its two people's names.
#[derive(sqlx::FromRow)]
struct Pair {
    #[sqlx(try_from = "String")]
    state: MatchState,
    mentor: String,
    mentee: String,
}

/// Removes a pending match (made by mistake, or in the way of retiring someone). A published
/// match has milestones under way and is ended instead, never removed.
pub async fn remove_pending_match(
    db: &Db,
    program_id: i64,
    match_id: i64,
) -> Result<String, AppError> {
    on_db!(
        db,
        write | pool | async {
            let mut tx = pool.begin_write().await?;
            let row: Option<Pair> = sqlx::query_as(
                "SELECT m.state, mu.display_name AS mentor, eu.display_name AS mentee FROM matches m \
                 JOIN enrollments me ON me.id = m.mentor_enrollment_id \
                 JOIN users mu ON mu.id = me.user_id \
                 JOIN enrollments ee ON ee.id = m.mentee_enrollment_id \
                 JOIN users eu ON eu.id = ee.user_id \
                 WHERE m.id = $1 AND m.program_id = $2",
            )
            .bind(match_id)
            .bind(program_id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(Pair {
                state,
                mentor,
                mentee,
            }) = row
            else {
                return Err(AppError::NotFound);
            };
            if state != MatchState::Pending {
                return Err(AppError::invalid(format!(
                    "Only a pending match can be removed; the match of {mentor} with {mentee} is {}.{}",
                    state.as_str(),
                    if state == MatchState::Published { " End it instead." } else { "" }
                )));
            }
            sqlx::query("DELETE FROM matches WHERE id = $1 AND state = 'pending'")
                .bind(match_id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(format!(
                "Removed the pending match of {mentor} with {mentee}."
            ))
        }
        .await
    )
}

/// A match's state and publish date.
#[derive(sqlx::FromRow)]
struct Publication {
    #[sqlx(try_from = "String")]
    state: MatchState,
    published_on: Option<NaiveDate>,
}

/// Ends (unmatches) a published match on the program's today.
pub async fn end_match(db: &Db, program_id: i64, match_id: i64) -> Result<String, AppError> {
    let program = program_details(db, program_id).await?;
    on_db!(
        db,
        write
            | pool
            | async {
                let mut tx = pool.begin_write().await?;
                let row: Option<Publication> = sqlx::query_as(
                    "SELECT state, published_on FROM matches WHERE id = $1 AND program_id = $2",
                )
                .bind(match_id)
                .bind(program_id)
                .fetch_optional(&mut *tx)
                .await?;
                let Some(Publication {
                    state,
                    published_on,
                }) = row
                else {
                    return Err(AppError::NotFound);
                };
                let (Some(published_on), MatchState::Published) = (published_on, state) else {
                    return Err(AppError::invalid(format!(
                        "Only a published match can be ended; this one is {}.",
                        state.as_str()
                    )));
                };
                let ended_on = end_date(program.today, published_on);
                sqlx::query(
                    "UPDATE matches SET state = 'ended', ended_on = $1 \
                 WHERE id = $2 AND state = 'published'",
                )
                .bind(ended_on)
                .bind(match_id)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(format!(
                    "Ended the match on {}. Its open milestones are now closed.",
                    ended_on.format("%Y-%m-%d")
                ))
            }
            .await
    )
}
