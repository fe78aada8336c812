//! Reading a person's items: theirs and their partners', as the item rule derives them, with
//! how each completion was judged when it was made.

use crate::db::Db;
use crate::db::on_db;
use crate::error::AppError;
use crate::items::{Item, ItemKey, LinkedResource};
use crate::kernel::roles::MatchState;
use crate::kernel::roles::Role;
use crate::kernel::time_zone::{date_in_zone, today_in_zone};
use crate::milestones::item_status;
use crate::milestones::rule::{ItemRule, MatchFact};
use crate::milestones::store::{MILESTONE_COLUMNS, MilestoneRow};
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::{HashMap, HashSet};

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
