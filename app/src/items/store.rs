//! A person's items, and completing and undoing them, with the rules of docs/rules.md
//! ("Milestone items", "Completing and undoing") checked inside the writing transaction.

use super::{Action, Item, ItemKey, ItemState, LinkedResource, Source};
use crate::accounts::CurrentUser;
use crate::accounts::access::{Permission, allows};
use crate::db::BeginWrite;
use crate::db::Db;
use crate::db::on_db;
use crate::error::AppError;
use crate::kernel::roles::MatchState;
use crate::kernel::roles::Role;
use crate::kernel::time_zone::{date_in_zone, today_in_zone};
use crate::milestones::rule::{ItemRule, MatchFact};
use crate::milestones::store::{MILESTONE_COLUMNS, MilestoneRow};
use crate::milestones::{Category, item_status};
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::{HashMap, HashSet};

/// Appends a completion or undo to the history inside `$tx` (a macro: one body per engine).
macro_rules! record {
    ($tx:ident, $program:expr, $key:expr, $action:expr, $actor:expr, $source:expr, $at:expr) => {
        sqlx::query(
            "INSERT INTO completion_events (program_id, milestone_id, enrollment_id, match_id, \
             action, actor_user_id, source, occurred_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind($program)
        .bind($key.milestone_id)
        .bind($key.enrollment_id)
        .bind($key.match_id)
        .bind($action.as_str())
        .bind($actor)
        .bind($source.as_str())
        .bind($at)
        .execute(&mut *$tx)
        .await?
    };
}

/// An active enrollment of the person, with its program.
#[derive(sqlx::FromRow)]
struct EnrollmentRow {
    id: i64,
    program_id: i64,
    program_name: String,
    time_zone: String,
}

/// A published or ended match of the person, with both people.
#[derive(sqlx::FromRow)]
struct MatchRow {
    id: i64,
    program_id: i64,
    mentor_enrollment_id: i64,
    mentee_enrollment_id: i64,
    #[sqlx(try_from = "String")]
    state: MatchState,
    published_on: NaiveDate,
    mentor_user_id: i64,
    mentor_name: String,
    mentee_name: String,
}

/// A completion of one of the person's or their partners' items.
#[derive(sqlx::FromRow)]
struct CompletionRow {
    milestone_id: i64,
    enrollment_id: i64,
    match_id: Option<i64>,
    completed_at: DateTime<Utc>,
    completed_by: i64,
    /// How it was judged when it was made (empty only until the server's start fills it).
    due_on: Option<NaiveDate>,
    completed_on: Option<NaiveDate>,
}

/// Every item of the person's active enrollments: theirs, and (for their matches) their
/// partners' read-only. Four statements, whatever the number of matches; which items exist is
/// the item rule's answer for each program.
pub async fn items_for(db: &Db, user_id: i64) -> Result<Vec<Item>, AppError> {
    let milestones_sql = format!(
        "SELECT {MILESTONE_COLUMNS} FROM milestones WHERE archived = $2 AND program_id IN \
         (SELECT program_id FROM enrollments WHERE user_id = $1 AND state = 'active') \
         ORDER BY position, id"
    );
    let (enrollments, matches, milestones, completions, resources) = on_db!(
        db,
        read | pool | {
            let enrollments: Vec<EnrollmentRow> = sqlx::query_as(
                "SELECT e.id, e.program_id, p.name AS program_name, p.time_zone \
                     FROM enrollments e JOIN programs p ON p.id = e.program_id \
                     WHERE e.user_id = $1 AND e.state = 'active'",
            )
            .bind(user_id)
            .fetch_all(pool)
            .await?;
            let matches: Vec<MatchRow> = sqlx::query_as(
                "SELECT m.id, m.program_id, m.mentor_enrollment_id, m.mentee_enrollment_id, \
                     m.state, m.published_on, me.user_id AS mentor_user_id, \
                     mu.display_name AS mentor_name, eu.display_name AS mentee_name \
                     FROM matches m \
                     JOIN enrollments me ON me.id = m.mentor_enrollment_id \
                     JOIN users mu ON mu.id = me.user_id \
                     JOIN enrollments ee ON ee.id = m.mentee_enrollment_id \
                     JOIN users eu ON eu.id = ee.user_id \
                     WHERE (me.user_id = $1 OR ee.user_id = $1) AND m.state <> 'pending' \
                     AND ((me.user_id = $1 AND me.state = 'active') \
                       OR (ee.user_id = $1 AND ee.state = 'active')) \
                     ORDER BY m.id",
            )
            .bind(user_id)
            .fetch_all(pool)
            .await?;
            let milestones: Vec<MilestoneRow> = sqlx::query_as(&milestones_sql)
                .bind(user_id)
                .bind(false)
                .fetch_all(pool)
                .await?;
            let completions: Vec<CompletionRow> = sqlx::query_as(
                "SELECT c.milestone_id, c.enrollment_id, c.match_id, c.completed_at, \
                     c.completed_by, c.due_on, c.completed_on FROM completions c \
                     WHERE c.enrollment_id IN \
                     (SELECT id FROM enrollments WHERE user_id = $1) OR c.match_id IN \
                     (SELECT m.id FROM matches m \
                      JOIN enrollments me ON me.id = m.mentor_enrollment_id \
                      JOIN enrollments ee ON ee.id = m.mentee_enrollment_id \
                      WHERE me.user_id = $1 OR ee.user_id = $1)",
            )
            .bind(user_id)
            .fetch_all(pool)
            .await?;
            let resources: Vec<(i64, String, String, String)> = sqlx::query_as(
                "SELECT program_id, title, url, kind FROM resources WHERE program_id IN \
                 (SELECT program_id FROM enrollments WHERE user_id = $1 AND state = 'active') \
                 ORDER BY id",
            )
            .bind(user_id)
            .fetch_all(pool)
            .await?;
            Ok::<_, sqlx::Error>((enrollments, matches, milestones, completions, resources))
        }
    )?;
    let done: HashMap<(i64, i64, Option<i64>), &CompletionRow> = completions
        .iter()
        .map(|c| ((c.milestone_id, c.enrollment_id, c.match_id), c))
        .collect();
    let mine: HashSet<i64> = enrollments.iter().map(|e| e.id).collect();
    let mut items = Vec::new();
    for enrollment in &enrollments {
        let program = enrollment.program_id;
        // Each program once, from the person's first enrollment in it (a person may be both
        // mentor and mentee of a program).
        if enrollments
            .iter()
            .find(|e| e.program_id == program)
            .is_some_and(|first| first.id != enrollment.id)
        {
            continue;
        }
        let program_matches: Vec<&MatchRow> =
            matches.iter().filter(|m| m.program_id == program).collect();
        let facts: Vec<MatchFact> = program_matches
            .iter()
            .map(|m| MatchFact {
                id: m.id,
                mentor_enrollment: m.mentor_enrollment_id,
                mentee_enrollment: m.mentee_enrollment_id,
                published_on: m.published_on,
                ended: m.state == MatchState::Ended,
            })
            .collect();
        let rule = ItemRule::new(&facts);
        let today = today_in_zone(&enrollment.time_zone);
        for milestone in milestones.iter().filter(|m| m.program_id == program) {
            let offset = milestone.offset()?;
            let linked = linked_resources(&milestone.description, program, &resources);
            for derived in rule.items(milestone.category, milestone.role) {
                let the_match = derived
                    .match_id
                    .and_then(|id| program_matches.iter().find(|m| m.id == id));
                // Program items of partners are theirs alone: only the person's own are shown.
                if the_match.is_none() && !mine.contains(&derived.enrollment_id) {
                    continue;
                }
                let Some(due) = offset.due_from(derived.anchor) else {
                    continue;
                };
                let key = ItemKey {
                    milestone_id: milestone.id,
                    enrollment_id: derived.enrollment_id,
                    match_id: derived.match_id,
                };
                let completion = done.get(&(key.milestone_id, key.enrollment_id, key.match_id));
                // A completion shows as it was judged when it was made.
                let completed_on = completion.map(|c| {
                    c.completed_on
                        .unwrap_or_else(|| date_in_zone(&enrollment.time_zone, c.completed_at))
                });
                let due = completion.and_then(|c| c.due_on).unwrap_or(due);
                let partner_name = the_match.map(|m| {
                    if m.mentor_user_id == user_id {
                        m.mentee_name.clone()
                    } else {
                        m.mentor_name.clone()
                    }
                });
                items.push(Item {
                    key,
                    milestone_name: milestone.name.clone(),
                    description: milestone.description.clone(),
                    category: milestone.category,
                    role: milestone.role,
                    program_id: program,
                    program_name: enrollment.program_name.clone(),
                    partner_name,
                    due,
                    status: item_status(due, today, completed_on, derived.closed),
                    completed_on,
                    mine: mine.contains(&derived.enrollment_id),
                    completed_by_me: completion.is_some_and(|c| c.completed_by == user_id),
                    closed: derived.closed,
                    linked: linked.clone(),
                    for_person: None,
                });
            }
        }
    }
    items.sort_by(|a, b| {
        a.due
            .cmp(&b.due)
            .then(a.milestone_name.cmp(&b.milestone_name))
    });
    Ok(items)
}

/// Why an item cannot be completed or undone, for the person asking.
fn refuse(message: &str) -> AppError {
    AppError::invalid(message.to_string())
}

/// A milestone as completing one of its items checks it.
#[derive(sqlx::FromRow)]
struct Definition {
    program_id: i64,
    name: String,
    #[sqlx(try_from = "String")]
    category: Category,
    #[sqlx(try_from = "String")]
    role: Role,
    archived: bool,
    offset_amount: i32,
    #[sqlx(try_from = "String")]
    offset_unit: crate::kernel::due_date::OffsetUnit,
}

/// The enrollment an item belongs to.
#[derive(sqlx::FromRow)]
struct Owner {
    program_id: i64,
    user_id: i64,
    #[sqlx(try_from = "String")]
    role: Role,
}

/// The match of a relationship item.
#[derive(sqlx::FromRow)]
struct ItemMatch {
    program_id: i64,
    mentor_enrollment_id: i64,
    mentee_enrollment_id: i64,
    #[sqlx(try_from = "String")]
    state: MatchState,
    published_on: Option<NaiveDate>,
}

/// The program's Resource Library entries a description links to, each once, in link order.
fn linked_resources(
    description: &str,
    program: i64,
    resources: &[(i64, String, String, String)],
) -> Vec<LinkedResource> {
    let mut linked: Vec<LinkedResource> = Vec::new();
    for segment in crate::kernel::links::segments(description) {
        let crate::kernel::links::Segment::Link { href, .. } = segment else {
            continue;
        };
        for (_, title, url, kind) in resources.iter().filter(|r| r.0 == program && r.2 == href) {
            if !linked.iter().any(|l| l.url == *url) {
                linked.push(LinkedResource {
                    title: title.clone(),
                    url: url.clone(),
                    kind: if kind == "video" { "Video" } else { "Document" }.to_string(),
                });
            }
        }
    }
    linked
}

/// The due date of an item from its milestone's offset and its anchor, if both are known.
fn judged_due(
    amount: i32,
    unit: crate::kernel::due_date::OffsetUnit,
    anchor: Option<NaiveDate>,
) -> Option<NaiveDate> {
    let amount = u16::try_from(amount).ok()?;
    crate::kernel::due_date::DueOffset::new(amount, unit)
        .ok()?
        .due_from(anchor?)
}

/// What completing an item reads before it writes, in one statement.
#[derive(sqlx::FromRow)]
struct Facts {
    #[sqlx(flatten)]
    milestone: Definition,
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
}

/// The clause that makes a second completion of an item insert nothing: the unique index of
/// relationship items (one per match) or of program items (one per enrollment).
fn already_completed(key: ItemKey) -> &'static str {
    if key.match_id.is_some() {
        "ON CONFLICT (milestone_id, match_id) WHERE match_id IS NOT NULL DO NOTHING"
    } else {
        "ON CONFLICT (milestone_id, enrollment_id) WHERE match_id IS NULL DO NOTHING"
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
/// The usual case takes two statements: the facts the checks need, read beside other requests
/// (not in the one SQLite writer), then one write that inserts the completion and its history
/// entry only if every one of those facts still holds (and, on PostgreSQL, holds them until it
/// commits).
/// Anything else (a check that fails, facts that changed meanwhile, an item completed
/// already) takes the checked path below, which decides the answer.
pub async fn complete(
    db: &Db,
    actor: &CurrentUser,
    key: ItemKey,
    source: Source,
) -> Result<ItemState, AppError> {
    let facts: Option<Facts> = on_db!(
        db,
        read | pool | {
            sqlx::query_as(
                "SELECT m.program_id, m.name, m.category, m.role, m.archived, m.offset_amount, \
                 m.offset_unit, e.program_id AS enrollment_program, e.user_id AS owner, \
                 e.role AS enrollment_role, p.time_zone, x.program_id AS match_program, \
                 x.mentor_enrollment_id, x.mentee_enrollment_id, x.state AS match_state, \
                 x.published_on AS match_published_on, \
                 (SELECT COUNT(*) FROM matches WHERE state = 'published' \
                     AND (mentor_enrollment_id = $2 OR mentee_enrollment_id = $2)) AS live, \
                 (SELECT MIN(published_on) FROM matches WHERE state <> 'pending' \
                     AND (mentor_enrollment_id = $2 OR mentee_enrollment_id = $2)) \
                     AS first_published_on \
                 FROM milestones m JOIN enrollments e ON e.id = $2 \
                 JOIN programs p ON p.id = m.program_id \
                 LEFT JOIN matches x ON x.id = $3 \
                 WHERE m.id = $1",
            )
            .bind(key.milestone_id)
            .bind(key.enrollment_id)
            .bind(key.match_id)
            .fetch_optional(pool)
            .await
        }
    )?;
    if let Some(facts) = facts
        && let Some(state) = complete_at_once(db, actor, key, source, facts).await?
    {
        return Ok(state);
    }
    complete_checked(db, actor, key, source).await
}

/// What the one-statement completion binds, owned: a batched write may bind it again.
struct AtOnce {
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

/// The one-statement completion's query with its values bound (`$1` to `$17`), for either
/// engine.
macro_rules! bind_at_once {
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

/// The usual completion: every check passes on the facts read, and one write inserts the
/// completion and its history entry if they still hold. `None`: something else is the case;
/// the checked path answers.
async fn complete_at_once(
    db: &Db,
    actor: &CurrentUser,
    key: ItemKey,
    source: Source,
    facts: Facts,
) -> Result<Option<ItemState>, AppError> {
    let program_id = facts.milestone.program_id;
    if facts.milestone.archived
        || facts.enrollment_program != program_id
        || facts.enrollment_role != facts.milestone.role
        || (actor.id != facts.owner && !allows(actor, Permission::AdministerProgram(program_id)))
    {
        return Ok(None);
    }
    // The day the item is anchored on, and the write's check that it still is.
    let (anchor, item_check) = match (facts.milestone.category, key.match_id) {
        (Category::Relationship, Some(_)) => {
            let side = match facts.milestone.role {
                Role::Mentor => facts.mentor_enrollment_id,
                Role::Mentee => facts.mentee_enrollment_id,
            };
            if facts.match_program != Some(program_id)
                || side != Some(key.enrollment_id)
                || facts.match_state.as_deref() != Some("published")
            {
                return Ok(None);
            }
            let side_column = match facts.milestone.role {
                Role::Mentor => "mentor_enrollment_id",
                Role::Mentee => "mentee_enrollment_id",
            };
            (
                facts.match_published_on,
                format!(
                    "EXISTS (SELECT 1 FROM item_match WHERE {side_column} = $5 \
                     AND published_on = $15)"
                ),
            )
        }
        (Category::Program, None) if facts.live > 0 => (
            facts.first_published_on,
            "EXISTS (SELECT 1 FROM person_matches WHERE state = 'published') \
             AND (SELECT MIN(published_on) FROM person_matches) = $15"
                .to_string(),
        ),
        _ => return Ok(None),
    };
    let Some(anchor) = anchor else {
        return Ok(None);
    };
    let source = Source::decided(source, actor.id == facts.owner);
    let now = Utc::now();
    let due_on = judged_due(
        facts.milestone.offset_amount,
        facts.milestone.offset_unit,
        Some(anchor),
    );
    let completed_on = date_in_zone(&facts.time_zone, now);
    let share = db.for_share();
    let conflict = already_completed(key);
    // The rows the checks read, read again (and on PostgreSQL held until the write commits,
    // as the checked path holds them): the milestone as defined when read, the item's match
    // or the person's matches, the program's time zone, whose item it is: every fact the
    // checks used.
    let facts_sql = format!(
        "WITH definition AS (SELECT id FROM milestones WHERE id = $2 AND program_id = $1 \
             AND NOT archived AND category = $3 AND role = $4 AND offset_amount = $13 \
             AND offset_unit = $14 AND name = $17{share}), \
         item_match AS (SELECT mentor_enrollment_id, mentee_enrollment_id, published_on \
             FROM matches WHERE id = $6 AND program_id = $1 AND state = 'published'{share}), \
         person_matches AS (SELECT state, published_on FROM matches WHERE state <> 'pending' \
             AND (mentor_enrollment_id = $5 OR mentee_enrollment_id = $5){share}), \
         zone AS (SELECT time_zone FROM programs WHERE id = $1 AND time_zone = $12), \
         owner AS (SELECT id FROM enrollments WHERE id = $5 AND program_id = $1 \
             AND user_id = $16 AND role = $4)"
    );
    // One statement, on both engines: the completion, with its history entry written by the
    // database in the same statement (migration 0013), and its id back only if it was
    // inserted.
    let sql = format!(
        "{facts_sql} INSERT INTO completions (program_id, milestone_id, milestone_category, \
         role, enrollment_id, match_id, completed_by, completed_at, source, due_on, completed_on, \
         history_by_trigger) \
         SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, TRUE \
         WHERE EXISTS (SELECT 1 FROM definition) AND EXISTS (SELECT 1 FROM zone) \
         AND EXISTS (SELECT 1 FROM owner) AND {item_check} {conflict} RETURNING id"
    );
    let write = AtOnce {
        sql,
        program_id,
        key,
        category: facts.milestone.category.as_str(),
        role: facts.milestone.role.as_str(),
        actor: actor.id,
        now,
        source: source.as_str(),
        due_on,
        completed_on,
        time_zone: facts.time_zone.clone(),
        offset_amount: facts.milestone.offset_amount,
        offset_unit: facts.milestone.offset_unit.as_str(),
        anchor,
        owner: facts.owner,
        name: facts.milestone.name.clone(),
    };
    // On SQLite through the writer's group commit: completions arriving together share one
    // transaction and one sync of the disk, each still answered with its own result.
    let written: Result<Vec<i64>, sqlx::Error> = match db {
        Db::Sqlite { batch, .. } => {
            let write = std::sync::Arc::new(write);
            batch
                .run(move |conn| {
                    let write = write.clone();
                    Box::pin(async move { bind_at_once!(write).fetch_all(conn).await })
                })
                .await
        }
        Db::Postgres(pool) => bind_at_once!(write).fetch_all(pool).await,
    };
    let inserted = match written {
        Ok(ids) => ids,
        // A row that changed between the read and the write can fail a constraint (a
        // milestone's role changed meanwhile): the checked path gives the answer.
        Err(error) => {
            tracing::debug!(%error, "completion at once refused; checking in turn");
            return Ok(None);
        }
    };
    if inserted.is_empty() {
        return Ok(None);
    }
    Ok(Some(ItemState {
        key,
        message: completed_message(&facts.milestone.name, source),
        milestone_name: facts.milestone.name,
        completed: true,
    }))
}

/// Completes an item inside one write transaction, checking each fact in turn: the answer for
/// every case, the usual one included.
async fn complete_checked(
    db: &Db,
    actor: &CurrentUser,
    key: ItemKey,
    source: Source,
) -> Result<ItemState, AppError> {
    // On PostgreSQL the rows the checks read stay as read until the completion commits: a
    // match ended or a milestone archived at the same moment waits for it, or is seen by it.
    // (On SQLite the write transaction already excludes every other writer.)
    let share = db.for_share();
    let definition_sql = format!(
        "SELECT program_id, name, category, role, archived, offset_amount, offset_unit \
         FROM milestones WHERE id = $1{share}"
    );
    let match_sql = format!(
        "SELECT program_id, mentor_enrollment_id, mentee_enrollment_id, state, published_on \
         FROM matches WHERE id = $1{share}"
    );
    let live_sql = format!(
        "SELECT id FROM matches WHERE state = 'published' \
         AND (mentor_enrollment_id = $1 OR mentee_enrollment_id = $1){share}"
    );
    on_db!(
        db,
        write
            | pool
            | async {
                let mut tx = pool.begin_write().await?;
                let milestone: Option<Definition> = sqlx::query_as(&definition_sql)
                    .bind(key.milestone_id)
                    .fetch_optional(&mut *tx)
                    .await?;
                let Some(Definition {
                    program_id,
                    name,
                    category,
                    role,
                    archived,
                    offset_amount,
                    offset_unit,
                }) = milestone
                else {
                    return Err(AppError::NotFound);
                };
                let enrollment: Option<Owner> = sqlx::query_as(
                    "SELECT program_id, user_id, role FROM enrollments WHERE id = $1",
                )
                .bind(key.enrollment_id)
                .fetch_optional(&mut *tx)
                .await?;
                let Some(Owner {
                    program_id: enrollment_program,
                    user_id: owner,
                    role: enrollment_role,
                }) = enrollment
                else {
                    return Err(AppError::NotFound);
                };
                if enrollment_program != program_id || enrollment_role != role {
                    return Err(AppError::NotFound);
                }
                let is_admin = allows(actor, Permission::AdministerProgram(program_id));
                if actor.id != owner && !is_admin {
                    return Err(AppError::Forbidden);
                }
                let source = Source::decided(source, actor.id == owner);
                // The day the item is anchored on: its match's publish date, or for a program
                // milestone the person's first published match.
                let anchor: Option<NaiveDate> = match (category, key.match_id) {
                    (Category::Relationship, Some(match_id)) => {
                        let found: Option<ItemMatch> = sqlx::query_as(&match_sql)
                            .bind(match_id)
                            .fetch_optional(&mut *tx)
                            .await?;
                        let Some(found) = found else {
                            return Err(AppError::NotFound);
                        };
                        let side = match role {
                            Role::Mentor => found.mentor_enrollment_id,
                            Role::Mentee => found.mentee_enrollment_id,
                        };
                        if found.program_id != program_id
                            || side != key.enrollment_id
                            || found.state == MatchState::Pending
                        {
                            return Err(AppError::NotFound);
                        }
                        if found.state == MatchState::Ended {
                            return Err(refuse(
                                "This match has ended, so its milestones are closed.",
                            ));
                        }
                        found.published_on
                    }
                    (Category::Program, None) => {
                        let live: Vec<i64> = sqlx::query_scalar(&live_sql)
                            .bind(key.enrollment_id)
                            .fetch_all(&mut *tx)
                            .await?;
                        if live.is_empty() {
                            return Err(refuse(
                                "This milestone is closed: there is no published match.",
                            ));
                        }
                        sqlx::query_scalar(
                            "SELECT MIN(published_on) FROM matches WHERE state <> 'pending' \
                             AND (mentor_enrollment_id = $1 OR mentee_enrollment_id = $1)",
                        )
                        .bind(key.enrollment_id)
                        .fetch_one(&mut *tx)
                        .await?
                    }
                    _ => return Err(AppError::NotFound),
                };
                if archived {
                    return Err(refuse(
                        "This milestone was archived by the program admin and can't be completed.",
                    ));
                }
                let now = Utc::now();
                // Judged once, now: the due date as defined today and the day in the
                // program's time zone; both are kept with the completion.
                let time_zone: String =
                    sqlx::query_scalar("SELECT time_zone FROM programs WHERE id = $1")
                        .bind(program_id)
                        .fetch_one(&mut *tx)
                        .await?;
                let due_on = judged_due(offset_amount, offset_unit, anchor);
                let completed_on = date_in_zone(&time_zone, now);
                let conflict = already_completed(key);
                let inserted = sqlx::query(&format!(
                    "INSERT INTO completions (program_id, milestone_id, milestone_category, role, \
                 enrollment_id, match_id, completed_by, completed_at, source, due_on, \
                 completed_on) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) {conflict}"
                ))
                .bind(program_id)
                .bind(key.milestone_id)
                .bind(category.as_str())
                .bind(role.as_str())
                .bind(key.enrollment_id)
                .bind(key.match_id)
                .bind(actor.id)
                .bind(now)
                .bind(source.as_str())
                .bind(due_on)
                .bind(completed_on)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if inserted == 1 {
                    record!(
                        tx,
                        program_id,
                        key,
                        Action::Completed,
                        actor.id,
                        source,
                        now
                    );
                }
                tx.commit().await?;
                Ok(ItemState {
                    key,
                    message: completed_message(&name, source),
                    milestone_name: name,
                    completed: true,
                })
            }
            .await
    )
}

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
                let name: Option<(String, i64, bool)> = sqlx::query_as(&milestone_sql)
                    .bind(key.milestone_id)
                    .fetch_optional(&mut *tx)
                    .await?;
                let Some((name, program_id, archived)) = name else {
                    return Err(AppError::NotFound);
                };
                let owner: Option<i64> = sqlx::query_scalar(
                    "SELECT user_id FROM enrollments WHERE id = $1 AND program_id = $2",
                )
                .bind(key.enrollment_id)
                .bind(program_id)
                .fetch_optional(&mut *tx)
                .await?;
                let Some(owner) = owner else {
                    return Err(AppError::NotFound);
                };
                let is_admin = allows(actor, Permission::AdministerProgram(program_id));
                if actor.id != owner && !is_admin {
                    return Err(AppError::Forbidden);
                }
                let existing: Option<(i64, i64)> = sqlx::query_as(
                    "SELECT id, completed_by FROM completions WHERE milestone_id = $1 \
                 AND enrollment_id = $2 AND (match_id = $3 OR (match_id IS NULL AND $4))",
                )
                .bind(key.milestone_id)
                .bind(key.enrollment_id)
                .bind(key.match_id.unwrap_or(-1))
                .bind(key.match_id.is_none())
                .fetch_optional(&mut *tx)
                .await?;
                let Some((completion, by)) = existing else {
                    return Ok(ItemState {
                        key,
                        message: format!("{name} is not marked complete; nothing to undo."),
                        milestone_name: name,
                        completed: false,
                    });
                };
                if by != actor.id {
                    return Err(refuse(
                        "Only the person who marked it complete can undo it.",
                    ));
                }
                // A closed item keeps its completion: undone, it could never be completed again.
                if archived {
                    return Err(refuse(
                        "This milestone is archived, so its completions are kept as they are.",
                    ));
                }
                if let Some(match_id) = key.match_id {
                    let state: Option<String> = sqlx::query_scalar(&state_sql)
                        .bind(match_id)
                        .fetch_optional(&mut *tx)
                        .await?;
                    if state.as_deref() == Some(MatchState::Ended.as_str()) {
                        return Err(refuse(
                            "This match has ended, so its completions are kept as they are.",
                        ));
                    }
                }
                // Two undos at once: only the one that deletes the completion records it.
                let deleted = sqlx::query("DELETE FROM completions WHERE id = $1")
                    .bind(completion)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if deleted == 0 {
                    return Ok(ItemState {
                        key,
                        message: format!("{name} is not marked complete; nothing to undo."),
                        milestone_name: name,
                        completed: false,
                    });
                }
                let source = Source::decided(source, actor.id == owner);
                record!(
                    tx,
                    program_id,
                    key,
                    Action::Undone,
                    actor.id,
                    source,
                    Utc::now()
                );
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

/// One match's items as its program's admins see them: the relationship items of both people
/// and each person's program items, every one completable on their behalf.
pub async fn items_of_match(
    db: &Db,
    program_id: i64,
    match_id: i64,
) -> Result<(crate::matches::MatchListing, Vec<Item>), AppError> {
    let people: Option<(i64, i64, i64, i64)> = on_db!(
        db,
        read | pool
            | sqlx::query_as(
                "SELECT m.mentor_enrollment_id, me.user_id, m.mentee_enrollment_id, ee.user_id \
             FROM matches m JOIN enrollments me ON me.id = m.mentor_enrollment_id \
             JOIN enrollments ee ON ee.id = m.mentee_enrollment_id \
             WHERE m.id = $1 AND m.program_id = $2 AND m.state <> 'pending'"
            )
            .bind(match_id)
            .bind(program_id)
            .fetch_optional(pool)
            .await
    )?;
    let (mentor_enrollment, mentor_user, mentee_enrollment, mentee_user) =
        people.ok_or(AppError::NotFound)?;
    let listing = crate::matches::store::match_listing(db, program_id, match_id).await?;
    let mut items: Vec<Item> = items_for(db, mentor_user)
        .await?
        .into_iter()
        .filter(|i| {
            i.key.match_id == Some(match_id)
                || (i.key.match_id.is_none() && i.key.enrollment_id == mentor_enrollment)
        })
        .collect();
    items.extend(
        items_for(db, mentee_user)
            .await?
            .into_iter()
            .filter(|i| i.key.match_id.is_none() && i.key.enrollment_id == mentee_enrollment),
    );
    for item in &mut items {
        // Seen by an admin: every item can be completed on its person's behalf.
        item.mine = true;
        item.completed_by_me = false;
        item.for_person = Some(match item.role {
            Role::Mentor => listing.mentor_name.clone(),
            Role::Mentee => listing.mentee_name.clone(),
        });
    }
    items.sort_by(|a, b| {
        a.due
            .cmp(&b.due)
            .then(a.milestone_name.cmp(&b.milestone_name))
    });
    Ok((listing, items))
}

/// Fills how each completion made before completions were judged once (migration 0007) was
/// judged, from the definitions of today; returns how many. Run at the server's start; a
/// completion already judged is never touched.
pub async fn judge_unjudged(db: &Db) -> Result<u64, AppError> {
    #[derive(sqlx::FromRow)]
    struct Unjudged {
        id: i64,
        completed_at: DateTime<Utc>,
        time_zone: String,
        offset_amount: i32,
        #[sqlx(try_from = "String")]
        offset_unit: crate::kernel::due_date::OffsetUnit,
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
