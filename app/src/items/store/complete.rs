//! Completing an item: the one way a completion is written. The facts are read in one
//! statement, `milestones::completing` decides on them, and one statement writes the
//! completion (its history entry written with it by the database, migration 0013) only if every
//! fact it was decided on still holds. When one changed meanwhile, the facts are read and
//! decided again.

use crate::accounts::CurrentUser;
use crate::accounts::access::{Permission, allows};
use crate::db::Db;
use crate::db::on_db;
use crate::error::AppError;
use crate::items::{ItemKey, ItemState, Source};
use crate::kernel::due_date::OffsetUnit;
use crate::kernel::roles::{MatchState, Role};
use crate::kernel::time_zone::date_in_zone;
use crate::milestones::Category;
use crate::milestones::completing::{
    Asker, Completable, CompletionFacts, KeyMatch, check_completion,
};
use chrono::{DateTime, NaiveDate, Utc};

/// How many times the facts are read and decided again when they change between the read and
/// the write, before the request is answered with an error.
const ATTEMPTS: usize = 5;

/// What completing an item reads before it writes, in one statement.
#[derive(sqlx::FromRow)]
struct FactsRow {
    program_id: i64,
    name: String,
    #[sqlx(try_from = "String")]
    category: Category,
    #[sqlx(try_from = "String")]
    role: Role,
    archived: bool,
    offset_amount: i32,
    #[sqlx(try_from = "String")]
    offset_unit: OffsetUnit,
    enrollment_program: i64,
    owner: i64,
    #[sqlx(try_from = "String")]
    enrollment_role: Role,
    time_zone: String,
    match_program: Option<i64>,
    mentor_enrollment_id: Option<i64>,
    mentee_enrollment_id: Option<i64>,
    match_state: Option<String>,
    match_published_on: Option<NaiveDate>,
    live: i64,
    first_published_on: Option<NaiveDate>,
    /// Whether the item is completed already.
    done: bool,
}

impl FactsRow {
    fn facts(&self, key: ItemKey) -> CompletionFacts {
        let the_match = match (
            self.match_program,
            self.mentor_enrollment_id,
            self.mentee_enrollment_id,
            self.match_state.as_deref().and_then(MatchState::parse),
        ) {
            (Some(program_id), Some(mentor), Some(mentee), Some(state)) => Some(KeyMatch {
                program_id,
                mentor_enrollment: mentor,
                mentee_enrollment: mentee,
                state,
                published_on: self.match_published_on,
            }),
            _ => None,
        };
        CompletionFacts {
            program_id: self.program_id,
            category: self.category,
            role: self.role,
            archived: self.archived,
            offset_amount: self.offset_amount,
            offset_unit: self.offset_unit,
            enrollment_id: key.enrollment_id,
            enrollment_program: self.enrollment_program,
            enrollment_role: self.enrollment_role,
            owner: self.owner,
            key_names_a_match: key.match_id.is_some(),
            the_match,
            live_matches: self.live,
            first_published_on: self.first_published_on,
        }
    }
}

/// The clause that makes a second completion of an item insert nothing, and the test that it
/// is completed: the unique index of relationship items (one per match) or of program items
/// (one per enrollment).
fn the_completion(key: ItemKey) -> (&'static str, &'static str) {
    if key.match_id.is_some() {
        (
            "ON CONFLICT (milestone_id, match_id) WHERE match_id IS NOT NULL DO NOTHING",
            "milestone_id = $1 AND match_id = $3",
        )
    } else {
        (
            "ON CONFLICT (milestone_id, enrollment_id) WHERE match_id IS NULL DO NOTHING",
            "milestone_id = $1 AND enrollment_id = $2 AND match_id IS NULL",
        )
    }
}

/// The message of a completion.
fn completed_message(name: &str, source: Source) -> String {
    let on_behalf = if source == Source::Admin {
        " on the participant's behalf"
    } else {
        ""
    };
    format!("{name} marked complete{on_behalf}.")
}

/// Completes an item, once: a repeated or concurrent request changes nothing and answers with
/// the same final state. The responsible participant completes from their page; an admin of
/// the program completes on their behalf.
///
/// Two statements: the facts, read beside other requests (not in the one SQLite writer), then
/// one write that inserts the completion and its history entry only if every one of those
/// facts still holds (and, on PostgreSQL, holds them until it commits). If it inserts
/// nothing, a fact changed or someone completed the item meanwhile: read and decide again.
pub async fn complete(
    db: &Db,
    actor: &CurrentUser,
    key: ItemKey,
    source: Source,
) -> Result<ItemState, AppError> {
    let mut failed: Option<sqlx::Error> = None;
    for _ in 0..ATTEMPTS {
        let row = read_facts(db, key).await?.ok_or(AppError::NotFound)?;
        let facts = row.facts(key);
        let asker = Asker {
            user_id: actor.id,
            administers: allows(actor, Permission::AdministerProgram(facts.program_id)),
        };
        let completable = check_completion(&facts, asker)?;
        let source = Source::decided(source, completable.by_owner);
        let state = ItemState {
            key,
            message: completed_message(&row.name, source),
            milestone_name: row.name.clone(),
            completed: true,
        };
        if row.done {
            return Ok(state);
        }
        match write(db, actor, key, source, row, completable).await {
            Ok(true) => return Ok(state),
            Ok(false) => {}
            // A row that changed between the read and the write can fail a constraint (a
            // milestone's role changed meanwhile): decided again on what holds now.
            Err(error) => {
                tracing::debug!(%error, "completion refused by the database; deciding again");
                failed = Some(error);
            }
        }
    }
    tracing::warn!(?key, "completion facts kept changing; gave up");
    Err(failed.map(AppError::from).unwrap_or(AppError::Internal))
}

/// Every fact the decision needs, in one statement on the readers.
async fn read_facts(db: &Db, key: ItemKey) -> Result<Option<FactsRow>, AppError> {
    let (_, completed) = the_completion(key);
    let sql = format!(
        "SELECT m.program_id, m.name, m.category, m.role, m.archived, m.offset_amount, \
         m.offset_unit, e.program_id AS enrollment_program, e.user_id AS owner, \
         e.role AS enrollment_role, p.time_zone, x.program_id AS match_program, \
         x.mentor_enrollment_id, x.mentee_enrollment_id, x.state AS match_state, \
         x.published_on AS match_published_on, \
         (SELECT COUNT(*) FROM matches WHERE state = 'published' \
             AND (mentor_enrollment_id = $2 OR mentee_enrollment_id = $2)) AS live, \
         (SELECT MIN(published_on) FROM matches WHERE state <> 'pending' \
             AND (mentor_enrollment_id = $2 OR mentee_enrollment_id = $2)) \
             AS first_published_on, \
         EXISTS (SELECT 1 FROM completions WHERE {completed}) AS done \
         FROM milestones m JOIN enrollments e ON e.id = $2 \
         JOIN programs p ON p.id = m.program_id \
         LEFT JOIN matches x ON x.id = $3 \
         WHERE m.id = $1"
    );
    Ok(on_db!(
        db,
        read | pool
            | sqlx::query_as(&sql)
                .bind(key.milestone_id)
                .bind(key.enrollment_id)
                .bind(key.match_id)
                .fetch_optional(pool)
                .await
    )?)
}

/// What the write binds, owned: a batched write may bind it again.
struct Write {
    sql: String,
    program_id: i64,
    key: ItemKey,
    category: &'static str,
    role: &'static str,
    actor: i64,
    now: DateTime<Utc>,
    source: &'static str,
    due_on: Option<NaiveDate>,
    completed_on: NaiveDate,
    time_zone: String,
    offset_amount: i32,
    offset_unit: &'static str,
    anchor: NaiveDate,
    owner: i64,
    name: String,
}

/// The write's query with its values bound (`$1` to `$17`), for either engine.
macro_rules! bind_write {
    ($write:expr) => {
        sqlx::query_scalar::<_, i64>(&$write.sql)
            .bind($write.program_id)
            .bind($write.key.milestone_id)
            .bind($write.category)
            .bind($write.role)
            .bind($write.key.enrollment_id)
            .bind($write.key.match_id)
            .bind($write.actor)
            .bind($write.now)
            .bind($write.source)
            .bind($write.due_on)
            .bind($write.completed_on)
            .bind(&$write.time_zone)
            .bind($write.offset_amount)
            .bind($write.offset_unit)
            .bind($write.anchor)
            .bind($write.owner)
            .bind(&$write.name)
    };
}

/// Inserts the completion, judged now (its due date as defined now and the day in the
/// program's time zone, both kept with it), if every fact read still holds; `false` if it
/// inserted nothing.
async fn write(
    db: &Db,
    actor: &CurrentUser,
    key: ItemKey,
    source: Source,
    row: FactsRow,
    completable: Completable,
) -> Result<bool, sqlx::Error> {
    let now = Utc::now();
    // The write's check that the item's anchor is still the one decided on.
    let item_check = match (row.category, row.role) {
        (Category::Relationship, role) => {
            let side_column = match role {
                Role::Mentor => "mentor_enrollment_id",
                Role::Mentee => "mentee_enrollment_id",
            };
            format!(
                "EXISTS (SELECT 1 FROM item_match WHERE {side_column} = $5 \
                 AND published_on = $15)"
            )
        }
        (Category::Program, _) => "EXISTS (SELECT 1 FROM person_matches \
             WHERE state = 'published') \
             AND (SELECT MIN(published_on) FROM person_matches) = $15"
            .to_string(),
    };
    let share = db.for_share();
    let (conflict, _) = the_completion(key);
    // The rows the decision read, read again (and on PostgreSQL held until the write commits:
    // a match ended or a milestone archived at the same moment waits for it, or is seen by
    // it): the milestone as defined when read, the item's match or the person's matches, the
    // program's time zone, whose item it is.
    let sql = format!(
        "WITH definition AS (SELECT id FROM milestones WHERE id = $2 AND program_id = $1 \
             AND NOT archived AND category = $3 AND role = $4 AND offset_amount = $13 \
             AND offset_unit = $14 AND name = $17{share}), \
         item_match AS (SELECT mentor_enrollment_id, mentee_enrollment_id, published_on \
             FROM matches WHERE id = $6 AND program_id = $1 AND state = 'published'{share}), \
         person_matches AS (SELECT state, published_on FROM matches WHERE state <> 'pending' \
             AND (mentor_enrollment_id = $5 OR mentee_enrollment_id = $5){share}), \
         zone AS (SELECT time_zone FROM programs WHERE id = $1 AND time_zone = $12), \
         owner AS (SELECT id FROM enrollments WHERE id = $5 AND program_id = $1 \
             AND user_id = $16 AND role = $4) \
         INSERT INTO completions (program_id, milestone_id, milestone_category, \
         role, enrollment_id, match_id, completed_by, completed_at, source, due_on, completed_on, \
         history_by_trigger) \
         SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, TRUE \
         WHERE EXISTS (SELECT 1 FROM definition) AND EXISTS (SELECT 1 FROM zone) \
         AND EXISTS (SELECT 1 FROM owner) AND {item_check} {conflict} RETURNING id"
    );
    let write = Write {
        sql,
        program_id: row.program_id,
        key,
        category: row.category.as_str(),
        role: row.role.as_str(),
        actor: actor.id,
        now,
        source: source.as_str(),
        due_on: completable.due_on,
        completed_on: date_in_zone(&row.time_zone, now),
        time_zone: row.time_zone,
        offset_amount: row.offset_amount,
        offset_unit: row.offset_unit.as_str(),
        anchor: completable.anchor,
        owner: row.owner,
        name: row.name,
    };
    // On SQLite through the writer's group commit: completions arriving together share one
    // transaction and one sync of the disk, each still answered with its own result.
    let inserted: Vec<i64> = match db {
        Db::Sqlite { batch, .. } => {
            let write = std::sync::Arc::new(write);
            batch
                .run(move |conn| {
                    let write = write.clone();
                    Box::pin(async move { bind_write!(write).fetch_all(conn).await })
                })
                .await?
        }
        Db::Postgres(pool) => bind_write!(write).fetch_all(pool).await?,
    };
    Ok(!inserted.is_empty())
}
