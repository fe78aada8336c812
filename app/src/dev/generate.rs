//! A program of a chosen size, for measuring the Activity Report (and anything else that must
//! stay fast as programs grow): `server generate-program --matches 1000 --milestones 20`.
//!
//! Deterministic for a given seed: the same sizes give the same program. Participants cannot
//! sign in (their password hash is not a hash). Rows are written in multi-row statements inside
//! one transaction, so a large program takes seconds, not minutes.

use crate::db::BeginWrite;
use crate::db::{Db, DbError};
use crate::items::{Action, Source};
use crate::kernel::due_date::{DueOffset, OffsetUnit};
use crate::kernel::roles::{EnrollmentState, MatchState, Role};
use crate::milestones::Category;
use crate::milestones::rule::{ItemRule, MatchFact};
use chrono::{DateTime, Days, NaiveDate, NaiveTime, Utc};
use sqlx::QueryBuilder;

/// A match to create: publish day, state, end day.
type MatchPlan = (NaiveDate, MatchState, Option<NaiveDate>);

/// A published or ended match, as written.
#[derive(sqlx::FromRow)]
struct WrittenMatch {
    id: i64,
    mentor_enrollment_id: i64,
    mentee_enrollment_id: i64,
    published_on: NaiveDate,
    #[sqlx(try_from = "String")]
    state: MatchState,
}

/// A milestone, as written.
#[derive(sqlx::FromRow)]
struct WrittenMilestone {
    id: i64,
    #[sqlx(try_from = "String")]
    category: Category,
    #[sqlx(try_from = "String")]
    role: Role,
    offset_amount: i32,
    #[sqlx(try_from = "String")]
    offset_unit: OffsetUnit,
}

/// What to generate.
#[derive(Clone, Copy, Debug)]
pub struct Size {
    pub matches: usize,
    pub milestones: usize,
    /// The program's "today": matches are published over the year before it.
    pub today: NaiveDate,
    pub seed: u64,
}

/// What was generated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Generated {
    pub program_id: i64,
    pub matches: usize,
    pub completions: usize,
}

/// A small, fast, deterministic random sequence (splitmix64).
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// Rows per multi-row statement: well under SQLite's and PostgreSQL's bind limits.
const CHUNK: usize = 1_000;

/// Generates one program: `size.matches` mentors and mentees in pairs, the matches published
/// on days over the past year (one in ten since ended, one in twenty still pending), `size.milestones`
/// milestones alternating relationship/program and mentor/mentee with offsets from days to
/// months, and about two thirds of the items that are due completed, some late, each with its
/// history entry.
pub async fn generate_program(db: &Db, size: Size) -> Result<Generated, DbError> {
    let mut random = Random(size.seed);
    let now = Utc::now();
    let at = |day: NaiveDate, minutes: u64| -> DateTime<Utc> {
        day.and_time(NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default())
            .and_utc()
            + chrono::Duration::minutes(minutes as i64)
    };
    // Milestones: (name, category, role, amount, unit).
    let milestones: Vec<(String, Category, Role, i32, OffsetUnit)> = (0..size.milestones)
        .map(|i| {
            let category = if i % 4 == 3 {
                Category::Program
            } else {
                Category::Relationship
            };
            let role = Role::ALL[i % 2];
            let unit = OffsetUnit::ALL[i % 3];
            let amount = match unit {
                OffsetUnit::Days => 3 + (i as i32 * 5) % 60,
                OffsetUnit::Weeks => 1 + (i as i32) % 12,
                OffsetUnit::Months => 1 + (i as i32) % 9,
            };
            (
                format!("Milestone {} ({})", i + 1, unit.as_str()),
                category,
                role,
                amount,
                unit,
            )
        })
        .collect();
    // Matches: publish day, state.
    let plans: Vec<MatchPlan> = (0..size.matches)
        .map(|_| {
            let published = size.today - Days::new(random.below(365));
            let roll = random.below(20);
            if roll == 0 {
                (published, MatchState::Pending, None)
            } else if roll <= 2 {
                let ended = published
                    + Days::new(random.below((size.today - published).num_days() as u64 + 1));
                (published, MatchState::Ended, Some(ended))
            } else {
                (published, MatchState::Published, None)
            }
        })
        .collect();

    let result: Result<Generated, sqlx::Error> = crate::db::on_db!(
        db,
        write | pool | async {
            let mut tx = pool.begin_write().await?;
            let program_id: i64 = sqlx::query_scalar(
                "INSERT INTO programs (name, description, time_zone, created_at) \
                 VALUES ($1, $2, $3, $4) RETURNING id",
            )
            .bind(format!(
                "Generated {} matches × {} milestones",
                size.matches, size.milestones
            ))
            .bind("A program generated to measure the Activity Report at scale.")
            .bind("UTC")
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            for (start, chunk) in milestones.chunks(CHUNK).enumerate() {
                let mut insert = QueryBuilder::new(
                    "INSERT INTO milestones (program_id, name, category, role, offset_amount, \
                     offset_unit, description, position, archived, created_at, updated_at) ",
                );
                insert.push_values(chunk.iter().enumerate(), |mut row, (i, m)| {
                    row.push_bind(program_id)
                        .push_bind(&m.0)
                        .push_bind(m.1.as_str())
                        .push_bind(m.2.as_str())
                        .push_bind(m.3)
                        .push_bind(m.4.as_str())
                        .push_bind("")
                        .push_bind((start * CHUNK + i) as i64)
                        .push_bind(false)
                        // Defined before the first match was published (a year ago at most):
                        // a report of any earlier day of the program counts them.
                        .push_bind(now - chrono::Duration::days(400))
                        .push_bind(now - chrono::Duration::days(400));
                });
                insert.build().execute(&mut *tx).await?;
            }
            // Users: a mentor and a mentee per match, their addresses unique to this program.
            let tag = program_id;
            let people: Vec<(String, String)> = (0..size.matches)
                .flat_map(|i| {
                    [
                        (format!("gen-{tag}-mentor-{i}@example.com"), format!("Mentor {i:05}")),
                        (format!("gen-{tag}-mentee-{i}@example.com"), format!("Mentee {i:05}")),
                    ]
                })
                .collect();
            for chunk in people.chunks(CHUNK) {
                let mut insert = QueryBuilder::new(
                    "INSERT INTO users (email, display_name, password_hash, is_site_admin, created_at) ",
                );
                insert.push_values(chunk, |mut row, (email, name)| {
                    row.push_bind(email)
                        .push_bind(name)
                        .push_bind("!generated")
                        .push_bind(false)
                        .push_bind(now);
                });
                insert.build().execute(&mut *tx).await?;
            }
            let mut users: Vec<(i64, String)> =
                sqlx::query_as("SELECT id, email FROM users WHERE email LIKE $1")
                    .bind(format!("gen-{tag}-%"))
                    .fetch_all(&mut *tx)
                    .await?;
            users.sort_by(|a, b| a.1.cmp(&b.1));
            let user_of = |email: &str| {
                users
                    .binary_search_by(|u| u.1.as_str().cmp(email))
                    .map(|i| users[i].0)
            };
            let mut enrollments: Vec<(i64, Role)> = Vec::with_capacity(people.len());
            for (i, (email, _)) in people.iter().enumerate() {
                let Ok(user) = user_of(email) else {
                    return Err(sqlx::Error::RowNotFound);
                };
                enrollments.push((user, Role::ALL[i % 2]));
            }
            for chunk in enrollments.chunks(CHUNK) {
                let mut insert = QueryBuilder::new(
                    "INSERT INTO enrollments (program_id, user_id, role, state, created_at) ",
                );
                insert.push_values(chunk, |mut row, (user, role)| {
                    row.push_bind(program_id)
                        .push_bind(*user)
                        .push_bind(role.as_str())
                        .push_bind(EnrollmentState::Active.as_str())
                        .push_bind(now);
                });
                insert.build().execute(&mut *tx).await?;
            }
            let mut enrolled: Vec<(i64, i64)> =
                sqlx::query_as("SELECT user_id, id FROM enrollments WHERE program_id = $1")
                    .bind(program_id)
                    .fetch_all(&mut *tx)
                    .await?;
            enrolled.sort_unstable();
            let enrollment_of = |user: i64| {
                enrolled
                    .binary_search_by_key(&user, |e| e.0)
                    .map(|i| enrolled[i].1)
                    .map_err(|_| sqlx::Error::RowNotFound)
            };
            let mut pairs: Vec<(i64, i64)> = Vec::with_capacity(size.matches);
            for i in 0..size.matches {
                pairs.push((
                    enrollment_of(enrollments[2 * i].0)?,
                    enrollment_of(enrollments[2 * i + 1].0)?,
                ));
            }
            let rows: Vec<((i64, i64), &MatchPlan)> =
                pairs.iter().copied().zip(plans.iter()).collect();
            for chunk in rows.chunks(CHUNK) {
                let mut insert = QueryBuilder::new(
                    "INSERT INTO matches (program_id, mentor_enrollment_id, mentee_enrollment_id, \
                     state, published_on, ended_on, created_at) ",
                );
                insert.push_values(chunk, |mut row, ((mentor, mentee), (published, state, ended))| {
                    row.push_bind(program_id)
                        .push_bind(*mentor)
                        .push_bind(*mentee)
                        .push_bind(state.as_str())
                        .push_bind((*state != MatchState::Pending).then_some(*published))
                        .push_bind(*ended)
                        .push_bind(now);
                });
                insert.build().execute(&mut *tx).await?;
            }
            let matches: Vec<WrittenMatch> = sqlx::query_as(
                "SELECT id, mentor_enrollment_id, mentee_enrollment_id, published_on, state \
                 FROM matches WHERE program_id = $1 AND state <> 'pending' ORDER BY id",
            )
            .bind(program_id)
            .fetch_all(&mut *tx)
            .await?;
            let milestone_rows: Vec<WrittenMilestone> = sqlx::query_as(
                "SELECT id, category, role, offset_amount, offset_unit FROM milestones \
                 WHERE program_id = $1 ORDER BY position",
            )
            .bind(program_id)
            .fetch_all(&mut *tx)
            .await?;
            let owners: std::collections::HashMap<i64, i64> =
                enrolled.iter().map(|(user, e)| (*e, *user)).collect();
            let owner_of = |enrollment: &i64| owners.get(enrollment).copied().unwrap_or_default();
            let maybe_complete = |random: &mut Random, due: NaiveDate, anchor: NaiveDate| {
                if due > size.today || random.below(3) == 0 {
                    return None;
                }
                // Usually on time, sometimes up to three weeks late, never in the future (not
                // later today either: a completion after now would fall on tomorrow in a zone
                // east of UTC).
                let day = if random.below(4) == 0 {
                    due + Days::new(1 + random.below(21))
                } else {
                    due - Days::new(random.below((due - anchor).num_days() as u64 + 1))
                };
                Some(at(day.min(size.today), random.below(480)).min(now))
            };
            // Completions (with their history entries) for about two thirds of the items due,
            // which the item rule says exist (docs/rules.md, "Milestone items").
            // (milestone, category, role, enrollment, match, completed at)
            type Done = (i64, Category, Role, i64, Option<i64>, DateTime<Utc>);
            let facts: Vec<MatchFact> = matches
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
            let mut done: Vec<Done> = Vec::new();
            for milestone in &milestone_rows {
                let Some(offset) = u16::try_from(milestone.offset_amount)
                    .ok()
                    .and_then(|amount| DueOffset::new(amount, milestone.offset_unit).ok())
                else {
                    continue;
                };
                for item in rule.items(milestone.category, milestone.role) {
                    let Some(due) = offset.due_from(item.anchor) else { continue };
                    if let Some(when) = maybe_complete(&mut random, due, item.anchor) {
                        done.push((
                            milestone.id,
                            milestone.category,
                            milestone.role,
                            item.enrollment_id,
                            item.match_id,
                            when,
                        ));
                    }
                }
            }
            for chunk in done.chunks(CHUNK) {
                let mut insert = QueryBuilder::new(
                    "INSERT INTO completions (program_id, milestone_id, milestone_category, role, \
                     enrollment_id, match_id, completed_by, completed_at, source) ",
                );
                insert.push_values(chunk, |mut row, (milestone, category, role, enrollment, m, when)| {
                    let owner = owner_of(enrollment);
                    row.push_bind(program_id)
                        .push_bind(*milestone)
                        .push_bind(category.as_str())
                        .push_bind(role.as_str())
                        .push_bind(*enrollment)
                        .push_bind(*m)
                        .push_bind(owner)
                        .push_bind(*when)
                        .push_bind(Source::Quickcliq.as_str());
                });
                insert.build().execute(&mut *tx).await?;
                let mut history = QueryBuilder::new(
                    "INSERT INTO completion_events (program_id, milestone_id, enrollment_id, \
                     match_id, action, actor_user_id, source, occurred_at) ",
                );
                history.push_values(chunk, |mut row, (milestone, _, _, enrollment, m, when)| {
                    let owner = owner_of(enrollment);
                    row.push_bind(program_id)
                        .push_bind(*milestone)
                        .push_bind(*enrollment)
                        .push_bind(*m)
                        .push_bind(Action::Completed.as_str())
                        .push_bind(owner)
                        .push_bind(Source::Quickcliq.as_str())
                        .push_bind(*when);
                });
                history.build().execute(&mut *tx).await?;
            }
            tx.commit().await?;
            // Fresh planner statistics, as the database's own maintenance would gather them.
            sqlx::query("ANALYZE").execute(pool).await?;
            Ok(Generated {
                program_id,
                matches: size.matches,
                completions: done.len(),
            })
        }
        .await
    );
    result.map_err(DbError::Query)
}

/// Open items of the program's participants, soonest first per person, at most `per_person`
/// each, with the person who may complete each (for benchmarks and tests).
pub async fn open_items(
    db: &Db,
    program_id: i64,
    per_person: usize,
) -> Result<Vec<(crate::accounts::CurrentUser, crate::items::ItemKey)>, crate::error::AppError> {
    let people: Vec<i64> = crate::db::on_db!(
        db,
        read | pool
            | sqlx::query_scalar(
                "SELECT DISTINCT user_id FROM enrollments WHERE program_id = $1 ORDER BY user_id",
            )
            .bind(program_id)
            .fetch_all(pool)
            .await
    )?;
    let mut open = Vec::new();
    for user_id in people {
        let Some(person) = crate::accounts::store::load_current_user(db, user_id).await? else {
            continue;
        };
        let items = crate::items::store::items_for(db, user_id)
            .await?
            .into_iter()
            .filter(|i| i.mine && !i.closed && i.completed_on.is_none())
            .map(|i| i.key)
            .take(per_person);
        open.extend(items.map(|key| (person.clone(), key)));
    }
    Ok(open)
}
