//! Demo data (the demo accounts in README.md): seeded only into an empty database, in one transaction.

use crate::accounts::password::hash_password;
use crate::db::BeginWrite;
use crate::db::{Db, DbError};
use crate::items::{Action, Source};
use crate::kernel::roles::{MatchState, Role};
use crate::milestones::{Category, OffsetUnit};
use chrono::{DateTime, Days, NaiveDate, NaiveTime, Utc};

pub const DEMO_PROGRAM_NAME: &str = "Leadership Mentoring 2026";
pub const DEMO_TIME_ZONE: &str = "America/New_York";
/// The password of every demo account, shown on the sign-in page in demo mode only.
pub const DEMO_PASSWORD: &str = "mentoring-demo";

/// A demo account: email, display name, and its role in the demo program (none for the admin).
pub struct DemoAccount {
    pub email: &'static str,
    pub name: &'static str,
    pub role: Option<Role>,
}

pub const DEMO_ADMIN_EMAIL: &str = "admin@example.com";

pub const DEMO_ACCOUNTS: [DemoAccount; 8] = [
    DemoAccount {
        email: DEMO_ADMIN_EMAIL,
        name: "Alex Morgan",
        role: None,
    },
    DemoAccount {
        email: "mentor@example.com",
        name: "Jordan Ellis",
        role: Some(Role::Mentor),
    },
    DemoAccount {
        email: "mentee@example.com",
        name: "Priya Shah",
        role: Some(Role::Mentee),
    },
    DemoAccount {
        email: "mentor2@example.com",
        name: "Chen Wei",
        role: Some(Role::Mentor),
    },
    DemoAccount {
        email: "mentor3@example.com",
        name: "Sofia Garcia",
        role: Some(Role::Mentor),
    },
    DemoAccount {
        email: "mentee2@example.com",
        name: "Noah Kim",
        role: Some(Role::Mentee),
    },
    DemoAccount {
        email: "mentee3@example.com",
        name: "Amara Okafor",
        role: Some(Role::Mentee),
    },
    DemoAccount {
        email: "mentee4@example.com",
        name: "Liam Brennan",
        role: Some(Role::Mentee),
    },
];

/// A demo milestone: the seed's five examples.
/// The demo's Resource Library: (title, address, kind), linked from the milestones' descriptions.
pub const DEMO_RESOURCES: [(&str, &str, &str); 3] = [
    (
        "Orientation deck",
        "https://example.com/resources/orientation",
        "document",
    ),
    (
        "Partnership agreement template",
        "https://example.com/resources/partnership-agreement",
        "document",
    ),
    (
        "Check-In video",
        "https://example.com/resources/check-in-video",
        "video",
    ),
];

pub struct DemoMilestone {
    pub name: &'static str,
    pub category: Category,
    pub role: Role,
    pub amount: u16,
    pub unit: OffsetUnit,
    pub description: &'static str,
}

pub const DEMO_MILESTONES: [DemoMilestone; 5] = [
    DemoMilestone {
        name: "Program Orientation",
        category: Category::Program,
        role: Role::Mentor,
        amount: 1,
        unit: OffsetUnit::Weeks,
        description: "Attend the Program Orientation training. The slides are in the Resource \
                      Library: [Orientation deck](https://example.com/resources/orientation).",
    },
    DemoMilestone {
        name: "Partnership Agreement",
        category: Category::Relationship,
        role: Role::Mentee,
        amount: 2,
        unit: OffsetUnit::Weeks,
        description: "Agree goals, meeting rhythm and confidentiality with your mentor, then \
                      complete the Partnership Agreement form: \
                      https://example.com/resources/partnership-agreement",
    },
    DemoMilestone {
        name: "Mid-Cycle Check-In",
        category: Category::Relationship,
        role: Role::Mentor,
        amount: 3,
        unit: OffsetUnit::Months,
        description: "Meet to review progress against the agreement. Watch the \
                      [Check-In video](https://example.com/resources/check-in-video) first.",
    },
    DemoMilestone {
        name: "Mentoring Closure Plan",
        category: Category::Relationship,
        role: Role::Mentee,
        amount: 6,
        unit: OffsetUnit::Months,
        description: "Write down what you achieved and what comes next, and share it with \
                      your mentor.",
    },
    DemoMilestone {
        name: "Program Satisfaction survey",
        category: Category::Program,
        role: Role::Mentee,
        amount: 7,
        unit: OffsetUnit::Months,
        description: "Tell us how the program went: \
                      [Program Satisfaction survey](https://example.com/survey).",
    },
];

/// A demo match, by the indexes of its mentor and mentee in [`DEMO_ACCOUNTS`], published this
/// many days before the seeding day (none: pending) and ended this many days before (if ended).
struct DemoMatch {
    mentor: usize,
    mentee: usize,
    published_days_ago: Option<u64>,
    ended_days_ago: Option<u64>,
}

const DEMO_MATCHES: [DemoMatch; 5] = [
    DemoMatch {
        mentor: 1,
        mentee: 2,
        published_days_ago: Some(40),
        ended_days_ago: None,
    },
    DemoMatch {
        mentor: 3,
        mentee: 5,
        published_days_ago: Some(12),
        ended_days_ago: None,
    },
    DemoMatch {
        mentor: 4,
        mentee: 6,
        published_days_ago: Some(100),
        ended_days_ago: None,
    },
    DemoMatch {
        mentor: 4,
        mentee: 7,
        published_days_ago: Some(210),
        ended_days_ago: Some(120),
    },
    DemoMatch {
        mentor: 3,
        mentee: 7,
        published_days_ago: None,
        ended_days_ago: None,
    },
];

/// A demo completion: match index, milestone index, days after publishing it was completed,
/// and where it was completed from.
const DEMO_COMPLETIONS: [(usize, usize, u64, Source); 5] = [
    (0, 0, 5, Source::Quickcliq),
    (0, 1, 16, Source::Profile),
    (2, 0, 3, Source::Quickcliq),
    (2, 1, 10, Source::Quickcliq),
    (3, 1, 14, Source::Profile),
];

#[derive(Debug, PartialEq, Eq)]
pub enum SeedOutcome {
    Seeded,
    /// The database already had users or programs; nothing was written.
    AlreadyHasData,
}

/// Seeds the demo program into an empty database; `today` is the program's calendar date.
pub async fn seed_demo(db: &Db, today: NaiveDate) -> Result<SeedOutcome, DbError> {
    let password_hash = hash_password(DEMO_PASSWORD)
        .map_err(|e| DbError::Seed(format!("could not hash the demo password: {e}")))?;
    let now = Utc::now();
    let days_ago = |n: u64| today.checked_sub_days(Days::new(n)).unwrap_or(today);
    let noon = |day: NaiveDate| -> DateTime<Utc> {
        day.and_time(NaiveTime::from_hms_opt(17, 0, 0).unwrap_or_default())
            .and_utc()
    };

    let outcome: Result<SeedOutcome, sqlx::Error> =
        crate::db::on_db!(
            db,
            write
                | pool
                | async {
                    let mut tx = pool.begin_write().await?;
                    let existing: i64 = sqlx::query_scalar(
                        "SELECT (SELECT COUNT(*) FROM users) + (SELECT COUNT(*) FROM programs)",
                    )
                    .fetch_one(&mut *tx)
                    .await?;
                    if existing > 0 {
                        return Ok(SeedOutcome::AlreadyHasData);
                    }

                    let program_id: i64 = sqlx::query_scalar(
            "INSERT INTO programs (name, description, time_zone, created_at) \
             VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(DEMO_PROGRAM_NAME)
        .bind(
            "A twelve-month program pairing emerging leaders with experienced managers. \
             Milestones guide each pair from orientation to closure.",
        )
        .bind(DEMO_TIME_ZONE)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;

                    let mut enrollment_ids = Vec::with_capacity(DEMO_ACCOUNTS.len());
                    let mut user_ids = Vec::with_capacity(DEMO_ACCOUNTS.len());
                    for account in &DEMO_ACCOUNTS {
                        let user_id: i64 = sqlx::query_scalar(
                "INSERT INTO users (email, display_name, password_hash, is_site_admin, created_at) \
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(account.email)
            .bind(account.name)
            .bind(&password_hash)
            .bind(account.role.is_none())
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
                        user_ids.push(user_id);
                        let enrollment_id = match account.role {
                None => {
                    sqlx::query("INSERT INTO program_admins (program_id, user_id) VALUES ($1, $2)")
                        .bind(program_id)
                        .bind(user_id)
                        .execute(&mut *tx)
                        .await?;
                    None
                }
                Some(role) => Some(
                    sqlx::query_scalar::<_, i64>(
                        "INSERT INTO enrollments (program_id, user_id, role, created_at) \
                         VALUES ($1, $2, $3, $4) RETURNING id",
                    )
                    .bind(program_id)
                    .bind(user_id)
                    .bind(role.as_str())
                    .bind(now)
                    .fetch_one(&mut *tx)
                    .await?,
                ),
            };
                        enrollment_ids.push(enrollment_id);
                    }

                    let mut milestone_ids = Vec::with_capacity(DEMO_MILESTONES.len());
                    for (position, milestone) in DEMO_MILESTONES.iter().enumerate() {
                        let id: i64 = sqlx::query_scalar(
                "INSERT INTO milestones (program_id, name, category, role, offset_amount, \
                 offset_unit, description, position, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id",
            )
            .bind(program_id)
            .bind(milestone.name)
            .bind(milestone.category.as_str())
            .bind(milestone.role.as_str())
            .bind(i32::from(milestone.amount))
            .bind(milestone.unit.as_str())
            .bind(milestone.description)
            .bind(position as i32)
            // Defined before the demo's first match was published: a report of any earlier
            // day of the program counts them.
            .bind(now - chrono::Duration::days(400))
            .fetch_one(&mut *tx)
            .await?;
                        milestone_ids.push(id);
                    }
                    // The Resource Library entries the descriptions link to.
                    for (title, url, kind) in DEMO_RESOURCES {
                        sqlx::query(
                            "INSERT INTO resources (program_id, title, url, kind, created_at) \
                             VALUES ($1, $2, $3, $4, $5)",
                        )
                        .bind(program_id)
                        .bind(title)
                        .bind(url)
                        .bind(kind)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                    }

                    let mut match_ids = Vec::with_capacity(DEMO_MATCHES.len());
                    for demo in &DEMO_MATCHES {
                        let state = match (demo.published_days_ago, demo.ended_days_ago) {
                            (None, _) => MatchState::Pending,
                            (Some(_), None) => MatchState::Published,
                            (Some(_), Some(_)) => MatchState::Ended,
                        };
                        let id: i64 = sqlx::query_scalar(
                "INSERT INTO matches (program_id, mentor_enrollment_id, mentee_enrollment_id, \
                 state, published_on, ended_on, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(program_id)
            .bind(enrollment_ids[demo.mentor])
            .bind(enrollment_ids[demo.mentee])
            .bind(state.as_str())
            .bind(demo.published_days_ago.map(days_ago))
            .bind(demo.ended_days_ago.map(days_ago))
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
                        match_ids.push(id);
                    }

                    for &(match_index, milestone_index, days_after, source) in &DEMO_COMPLETIONS {
                        let demo = &DEMO_MATCHES[match_index];
                        let milestone = &DEMO_MILESTONES[milestone_index];
                        let person = match milestone.role {
                            Role::Mentor => demo.mentor,
                            Role::Mentee => demo.mentee,
                        };
                        let published = days_ago(demo.published_days_ago.unwrap_or(0));
                        let completed_at = noon(
                            published
                                .checked_add_days(Days::new(days_after))
                                .unwrap_or(today),
                        );
                        let match_id = match milestone.category {
                            Category::Relationship => Some(match_ids[match_index]),
                            Category::Program => None,
                        };
                        sqlx::query(
                "INSERT INTO completions (program_id, milestone_id, milestone_category, role, \
                 enrollment_id, match_id, completed_by, completed_at, source) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(program_id)
            .bind(milestone_ids[milestone_index])
            .bind(milestone.category.as_str())
            .bind(milestone.role.as_str())
            .bind(enrollment_ids[person])
            .bind(match_id)
            .bind(user_ids[person])
            .bind(completed_at)
            .bind(source.as_str())
            .execute(&mut *tx)
            .await?;
                        sqlx::query(
                "INSERT INTO completion_events (program_id, milestone_id, enrollment_id, \
                 match_id, action, actor_user_id, source, occurred_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(program_id)
            .bind(milestone_ids[milestone_index])
            .bind(enrollment_ids[person])
            .bind(match_id)
            .bind(Action::Completed.as_str())
            .bind(user_ids[person])
            .bind(source.as_str())
            .bind(completed_at)
            .execute(&mut *tx)
            .await?;
                    }

                    tx.commit().await?;
                    Ok(SeedOutcome::Seeded)
                }
                .await
        );
    Ok(outcome?)
}
