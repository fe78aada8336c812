//! Programs, enrollments, matches and imports in the database. Every rule of PRODUCT.md that
//! guards these records is checked here, on the server, inside the transaction that writes.

use super::import_plan::{
    Change, ImportKind, Known, KnownEnrollment, KnownMatch, Plan, plan_matches, plan_participants,
};
use super::model::{
    EnrollmentState, MatchListing, MatchSort, PAGE_SIZE, Page, Participant, ProgramDetails,
    end_date, publish_date,
};
use crate::db::Db;
use crate::error::AppError;
use crate::on_db;
use crate::programs::roles::{MatchState, Role};
use crate::programs::time_zone::today_in_zone;
use chrono::{NaiveDate, Utc};
use sqlx::Row;

/// Checks and inserts one match inside the caller's transaction `$tx`, evaluating to
/// `Result<Result<String, AppError>, sqlx::Error>` (the inner `Err` is a refusal). A macro so the
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
    let people: Vec<(i64, String, String, i64)> = sqlx::query_as(
        "SELECT e.id, e.role, e.state, e.user_id FROM enrollments e \
         WHERE e.program_id = $1 AND (e.id = $2 OR e.id = $3)",
    )
    .bind($program)
    .bind($mentor)
    .bind($mentee)
    .fetch_all(&mut *$tx)
    .await?;
    let find = |id: i64| people.iter().find(|p| p.0 == id);
    let (Some(mentor), Some(mentee)) = (find($mentor), find($mentee)) else {
        return Ok::<_, sqlx::Error>(Err(AppError::Invalid(
            "Pick a mentor and a mentee of this program.".into(),
        )));
    };
    if mentor.1 != "mentor" || mentee.1 != "mentee" {
        return Ok::<_, sqlx::Error>(Err(AppError::Invalid(
            "A match needs one mentor and one mentee of this program.".into(),
        )));
    }
    if mentor.2 != "active" || mentee.2 != "active" {
        return Ok::<_, sqlx::Error>(Err(AppError::Invalid(
            "Both people must be active in the program; reactivate them first.".into(),
        )));
    }
    if mentor.3 == mentee.3 {
        return Ok::<_, sqlx::Error>(Err(AppError::Invalid(
            "A person can't be matched with themselves.".into(),
        )));
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
        return Ok::<_, sqlx::Error>(Err(AppError::Invalid(format!(
            "These two already have a {state} match."
        ))));
    }
    let state = if $publish_on.is_some() {
        "published"
    } else {
        "pending"
    };
    sqlx::query(
        "INSERT INTO matches (program_id, mentor_enrollment_id, mentee_enrollment_id, state, \
         published_on, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind($program)
    .bind($mentor)
    .bind($mentee)
    .bind(state)
    .bind($publish_on)
    .bind(Utc::now())
    .execute(&mut *$tx)
    .await?;
    Ok(Ok("Created a pending match.".to_string()))
        }
    };
}

/// Loads what the planner needs to know about the program inside the transaction `$tx`, in three
/// statements; evaluates to `Result<Known, sqlx::Error>`.
macro_rules! known {
    ($tx:ident, $program:expr) => {
        async {
            let mut known = Known::default();
            let users: Vec<(String, i64, String)> =
                sqlx::query_as("SELECT email, id, display_name FROM users")
                    .fetch_all(&mut *$tx)
                    .await?;
            for (email, id, name) in users {
                known.users.insert(email, (id, name));
            }
            let enrollments: Vec<(i64, i64, String, String)> = sqlx::query_as(
                "SELECT id, user_id, role, state FROM enrollments WHERE program_id = $1",
            )
            .bind($program)
            .fetch_all(&mut *$tx)
            .await?;
            for (id, user_id, role, state) in enrollments {
                if let Some(role) = Role::parse(&role) {
                    known.enrollments.insert(
                        (user_id, role),
                        KnownEnrollment {
                            id,
                            active: state == "active",
                        },
                    );
                }
            }
            let live: Vec<(i64, i64, i64, String, Option<NaiveDate>)> = sqlx::query_as(
                "SELECT id, mentor_enrollment_id, mentee_enrollment_id, state, published_on \
         FROM matches WHERE program_id = $1 AND state <> 'ended'",
            )
            .bind($program)
            .fetch_all(&mut *$tx)
            .await?;
            for (id, mentor, mentee, state, published_on) in live {
                if let Some(state) = MatchState::parse(&state) {
                    known.live_matches.insert(
                        (mentor, mentee),
                        KnownMatch {
                            id,
                            state,
                            published_on,
                        },
                    );
                }
            }
            Ok::<_, sqlx::Error>(known)
        }
    };
}

/// A program's name, description and time zone, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProgramInput {
    pub name: String,
    pub description: String,
    pub time_zone: String,
}

/// Which field of the program form a message is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProgramField {
    Name,
    Description,
    TimeZone,
}

impl ProgramInput {
    pub fn parse(
        name: &str,
        description: &str,
        time_zone: &str,
    ) -> Result<ProgramInput, (ProgramField, String)> {
        let name = name.trim();
        match name.chars().count() {
            0 => return Err((ProgramField::Name, "Enter the program's name.".into())),
            1..=120 => {}
            n => {
                return Err((
                    ProgramField::Name,
                    format!("Use at most 120 characters (this has {n})."),
                ));
            }
        }
        let description = description.trim();
        let length = description.chars().count();
        if length > 2000 {
            return Err((
                ProgramField::Description,
                format!("Use at most 2,000 characters (this has {length})."),
            ));
        }
        let zone = time_zone.trim();
        let Ok(tz) = zone.parse::<chrono_tz::Tz>() else {
            return Err((
                ProgramField::TimeZone,
                format!(
                    "\"{zone}\" is not a time zone we know; pick one from the list, e.g. America/New_York."
                ),
            ));
        };
        Ok(ProgramInput {
            name: name.to_string(),
            description: description.to_string(),
            time_zone: tz.name().to_string(),
        })
    }
}

pub async fn program_details(db: &Db, program_id: i64) -> Result<ProgramDetails, AppError> {
    let row: Option<(i64, String, String, String)> = on_db!(
        db,
        read | pool | {
            sqlx::query_as("SELECT id, name, description, time_zone FROM programs WHERE id = $1")
                .bind(program_id)
                .fetch_optional(pool)
                .await
        }
    )?;
    let (id, name, description, time_zone) = row.ok_or(AppError::NotFound)?;
    Ok(ProgramDetails {
        today: today_in_zone(&time_zone),
        id,
        name,
        description,
        time_zone,
    })
}

pub async fn create_program(db: &Db, input: &ProgramInput) -> Result<i64, AppError> {
    Ok(on_db!(
        db,
        write | pool | {
            sqlx::query_scalar(
                "INSERT INTO programs (name, description, time_zone, created_at) \
                 VALUES ($1, $2, $3, $4) RETURNING id",
            )
            .bind(&input.name)
            .bind(&input.description)
            .bind(&input.time_zone)
            .bind(Utc::now())
            .fetch_one(pool)
            .await
        }
    )?)
}

pub async fn update_program(
    db: &Db,
    program_id: i64,
    input: &ProgramInput,
) -> Result<(), AppError> {
    let changed = on_db!(
        db,
        write | pool | {
            sqlx::query(
                "UPDATE programs SET name = $1, description = $2, time_zone = $3 WHERE id = $4",
            )
            .bind(&input.name)
            .bind(&input.description)
            .bind(&input.time_zone)
            .bind(program_id)
            .execute(pool)
            .await
            .map(|r| r.rows_affected())
        }
    )?;
    if changed == 1 {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// `%text%` for LIKE, with LIKE's own wildcards in the text matched literally.
fn like_pattern(text: &str) -> String {
    let mut pattern = String::from("%");
    for c in text.trim().to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// Filters of the Participants page.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ParticipantFilter {
    pub search: String,
    pub role: Option<Role>,
    pub state: Option<EnrollmentState>,
    pub page: i64,
}

const PARTICIPANT_WHERE: &str = "e.program_id = $1 \
    AND ($2 = '' OR lower(u.display_name) LIKE $3 ESCAPE '\\' OR u.email LIKE $3 ESCAPE '\\') \
    AND ($4 = '' OR e.role = $4) AND ($5 = '' OR e.state = $5)";

pub async fn participants(
    db: &Db,
    program_id: i64,
    filter: &ParticipantFilter,
) -> Result<Page<Participant>, AppError> {
    let search = filter.search.trim().to_string();
    let pattern = like_pattern(&search);
    let role = filter.role.map_or("", Role::as_str);
    let state = filter.state.map_or("", EnrollmentState::as_str);
    let page = filter.page.max(1);
    let list_sql = format!(
        "SELECT e.id, u.id, u.display_name, u.email, e.role, e.state, \
           (SELECT COUNT(*) FROM matches m WHERE m.state <> 'ended' \
              AND (m.mentor_enrollment_id = e.id OR m.mentee_enrollment_id = e.id)) \
         FROM enrollments e JOIN users u ON u.id = e.user_id \
         WHERE {PARTICIPANT_WHERE} \
         ORDER BY lower(u.display_name), e.role, e.id LIMIT $6 OFFSET $7"
    );
    let count_sql = format!(
        "SELECT COUNT(*) FROM enrollments e JOIN users u ON u.id = e.user_id WHERE {PARTICIPANT_WHERE}"
    );
    let (rows, total) = on_db!(
        db,
        read | pool | {
            let rows: Vec<(i64, i64, String, String, String, String, i64)> =
                sqlx::query_as(&list_sql)
                    .bind(program_id)
                    .bind(&search)
                    .bind(&pattern)
                    .bind(role)
                    .bind(state)
                    .bind(PAGE_SIZE)
                    .bind((page - 1) * PAGE_SIZE)
                    .fetch_all(pool)
                    .await?;
            let total: i64 = sqlx::query_scalar(&count_sql)
                .bind(program_id)
                .bind(&search)
                .bind(&pattern)
                .bind(role)
                .bind(state)
                .fetch_one(pool)
                .await?;
            Ok::<_, sqlx::Error>((rows, total))
        }
    )?;
    let rows = rows
        .into_iter()
        .map(
            |(enrollment_id, user_id, name, email, role, state, live_matches)| {
                Ok(Participant {
                    enrollment_id,
                    user_id,
                    name,
                    email,
                    role: Role::parse(&role).ok_or_else(|| AppError::internal(role))?,
                    active: state == "active",
                    live_matches,
                })
            },
        )
        .collect::<Result<Vec<_>, AppError>>()?;
    Ok(Page { rows, total, page })
}

/// Every active enrollment of a role, for the match form: (enrollment id, name, email).
pub async fn active_people(
    db: &Db,
    program_id: i64,
    role: Role,
) -> Result<Vec<(i64, String, String)>, AppError> {
    Ok(on_db!(
        db,
        read | pool | {
            sqlx::query_as(
                "SELECT e.id, u.display_name, u.email FROM enrollments e \
                 JOIN users u ON u.id = e.user_id \
                 WHERE e.program_id = $1 AND e.role = $2 AND e.state = 'active' \
                 ORDER BY lower(u.display_name), e.id",
            )
            .bind(program_id)
            .bind(role.as_str())
            .fetch_all(pool)
            .await
        }
    )?)
}

/// Enrols an existing account. A person already in that role is the admin's mistake.
pub async fn enrol(db: &Db, program_id: i64, email: &str, role: Role) -> Result<String, AppError> {
    let result: Result<Result<String, AppError>, sqlx::Error> = on_db!(
        db,
        write | pool | async {
            let mut tx = pool.begin().await?;
            let user: Option<(i64, String)> =
                sqlx::query_as("SELECT id, display_name FROM users WHERE email = $1")
                    .bind(email)
                    .fetch_optional(&mut *tx)
                    .await?;
            let Some((user_id, name)) = user else {
                return Ok(Err(AppError::Invalid(format!(
                    "There is no account for {email}. Fill in a name and an initial password to create one."
                ))));
            };
            let existing: Option<String> = sqlx::query_scalar(
                "SELECT state FROM enrollments WHERE program_id = $1 AND user_id = $2 AND role = $3",
            )
            .bind(program_id)
            .bind(user_id)
            .bind(role.as_str())
            .fetch_optional(&mut *tx)
            .await?;
            match existing.as_deref() {
                Some("active") => {
                    return Ok(Err(AppError::Invalid(format!(
                        "{name} is already enrolled as a {}.",
                        role.as_str()
                    ))));
                }
                Some(_) => {
                    return Ok(Err(AppError::Invalid(format!(
                        "{name} is enrolled as a {} but retired; reactivate them in the list.",
                        role.as_str()
                    ))));
                }
                None => {}
            }
            sqlx::query(
                "INSERT INTO enrollments (program_id, user_id, role, state, created_at) \
                 VALUES ($1, $2, $3, 'active', $4)",
            )
            .bind(program_id)
            .bind(user_id)
            .bind(role.as_str())
            .bind(Utc::now())
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(Ok(format!("Enrolled {name} as a {}.", role.as_str())))
        }
        .await
    );
    match result {
        Ok(outcome) => outcome,
        Err(sqlx::Error::Database(e)) if e.is_foreign_key_violation() => Err(AppError::NotFound),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Err(AppError::Invalid(
            "That person was enrolled in this role a moment ago.".into(),
        )),
        Err(e) => Err(e.into()),
    }
}

/// Retires or reactivates an enrollment of this program. Retiring is refused while the person
/// has a pending or published match.
pub async fn set_enrollment_state(
    db: &Db,
    program_id: i64,
    enrollment_id: i64,
    active: bool,
) -> Result<String, AppError> {
    let result: Result<Result<String, AppError>, sqlx::Error> =
        on_db!(
            db,
            write | pool | async {
                let mut tx = pool.begin().await?;
                // Takes the row's lock first (PostgreSQL), so a match created at the same moment
                // waits for this check and this check for it.
                let locked = sqlx::query(
                    "UPDATE enrollments SET state = state WHERE id = $1 AND program_id = $2",
                )
                .bind(enrollment_id)
                .bind(program_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if locked != 1 {
                    return Ok(Err(AppError::NotFound));
                }
                let row = sqlx::query(
                    "SELECT u.display_name, e.role, e.state, \
                   (SELECT COUNT(*) FROM matches m WHERE m.state = 'pending' \
                      AND (m.mentor_enrollment_id = e.id OR m.mentee_enrollment_id = e.id)), \
                   (SELECT COUNT(*) FROM matches m WHERE m.state = 'published' \
                      AND (m.mentor_enrollment_id = e.id OR m.mentee_enrollment_id = e.id)) \
                 FROM enrollments e JOIN users u ON u.id = e.user_id WHERE e.id = $1",
                )
                .bind(enrollment_id)
                .fetch_one(&mut *tx)
                .await?;
                let name: String = row.try_get(0)?;
                let role: String = row.try_get(1)?;
                let state: String = row.try_get(2)?;
                let pending: i64 = row.try_get(3)?;
                let published: i64 = row.try_get(4)?;
                let (wanted, verb) = if active {
                    ("active", "Reactivated")
                } else {
                    ("retired", "Retired")
                };
                if state == wanted {
                    return Ok(Ok(format!(
                        "{name} was already {wanted} as a {role}; nothing changed."
                    )));
                }
                if !active && pending + published > 0 {
                    return Ok(Err(AppError::Invalid(format!(
                        "{name} can't be retired while matched: {}. End or remove the match first.",
                        describe_live(pending, published)
                    ))));
                }
                sqlx::query("UPDATE enrollments SET state = $1 WHERE id = $2")
                    .bind(wanted)
                    .bind(enrollment_id)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(Ok(format!("{verb} {name} as a {role}.")))
            }
            .await
        );
    result?
}

fn describe_live(pending: i64, published: i64) -> String {
    let part = |n: i64, what: &str| match n {
        0 => None,
        1 => Some(format!("1 {what} match")),
        n => Some(format!("{n} {what} matches")),
    };
    [part(published, "published"), part(pending, "pending")]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" and ")
}

/// Filters and order of the Matches page.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MatchFilter {
    pub search: String,
    pub state: Option<MatchState>,
    pub sort: MatchSort,
    pub page: i64,
}

const MATCH_FROM: &str = "FROM matches m \
    JOIN enrollments me ON me.id = m.mentor_enrollment_id JOIN users mu ON mu.id = me.user_id \
    JOIN enrollments ee ON ee.id = m.mentee_enrollment_id JOIN users eu ON eu.id = ee.user_id \
    WHERE m.program_id = $1 AND ($2 = '' OR m.state = $2) \
    AND ($3 = '' OR lower(mu.display_name) LIKE $4 ESCAPE '\\' OR mu.email LIKE $4 ESCAPE '\\' \
         OR lower(eu.display_name) LIKE $4 ESCAPE '\\' OR eu.email LIKE $4 ESCAPE '\\')";

type MatchTuple = (
    i64,
    String,
    String,
    String,
    String,
    String,
    Option<NaiveDate>,
    Option<NaiveDate>,
);

fn listing(row: MatchTuple) -> Result<MatchListing, AppError> {
    let (id, mentor_name, mentor_email, mentee_name, mentee_email, state, published_on, ended_on) =
        row;
    Ok(MatchListing {
        id,
        mentor_name,
        mentor_email,
        mentee_name,
        mentee_email,
        state: MatchState::parse(&state).ok_or_else(|| AppError::internal(state))?,
        published_on,
        ended_on,
    })
}

const MATCH_COLUMNS: &str = "SELECT m.id, mu.display_name, mu.email, eu.display_name, eu.email, \
    m.state, m.published_on, m.ended_on ";

pub async fn matches(
    db: &Db,
    program_id: i64,
    filter: &MatchFilter,
) -> Result<Page<MatchListing>, AppError> {
    let search = filter.search.trim().to_string();
    let pattern = like_pattern(&search);
    let state = filter.state.map_or("", MatchState::as_str);
    let page = filter.page.max(1);
    let list_sql = format!(
        "{MATCH_COLUMNS}{MATCH_FROM} ORDER BY {} LIMIT $5 OFFSET $6",
        filter.sort.order_by()
    );
    let count_sql = format!("SELECT COUNT(*) {MATCH_FROM}");
    let (rows, total) = on_db!(
        db,
        read | pool | {
            let rows: Vec<MatchTuple> = sqlx::query_as(&list_sql)
                .bind(program_id)
                .bind(state)
                .bind(&search)
                .bind(&pattern)
                .bind(PAGE_SIZE)
                .bind((page - 1) * PAGE_SIZE)
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
    let rows = rows.into_iter().map(listing).collect::<Result<_, _>>()?;
    Ok(Page { rows, total, page })
}

/// One match of the program, as the lists show it.
pub async fn match_listing(
    db: &Db,
    program_id: i64,
    match_id: i64,
) -> Result<MatchListing, AppError> {
    let sql = format!("{MATCH_COLUMNS}{MATCH_FROM} AND m.id = $5");
    let row: Option<MatchTuple> = on_db!(
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
    listing(row.ok_or(AppError::NotFound)?)
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
    let rows: Vec<MatchTuple> = on_db!(
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
    rows.into_iter().map(listing).collect()
}

/// Every enrollment of the program, for the CSV export.
pub async fn all_participants(db: &Db, program_id: i64) -> Result<Vec<Participant>, AppError> {
    let mut all = Vec::new();
    let mut filter = ParticipantFilter {
        page: 1,
        ..ParticipantFilter::default()
    };
    loop {
        let page = participants(db, program_id, &filter).await?;
        let done = page.rows.len() < PAGE_SIZE as usize;
        all.extend(page.rows);
        if done {
            return Ok(all);
        }
        filter.page += 1;
    }
}

/// Creates a pending match between an active mentor and an active mentee of the program.
pub async fn create_match(
    db: &Db,
    program_id: i64,
    mentor_enrollment: i64,
    mentee_enrollment: i64,
) -> Result<String, AppError> {
    let result: Result<Result<String, AppError>, sqlx::Error> = on_db!(
        db,
        write
            | pool
            | async {
                let mut tx = pool.begin().await?;
                let outcome = insert_match!(
                    tx,
                    program_id,
                    mentor_enrollment,
                    mentee_enrollment,
                    None::<NaiveDate>
                )
                .await?;
                if outcome.is_ok() {
                    tx.commit().await?;
                }
                Ok(outcome)
            }
            .await
    );
    match result {
        Ok(outcome) => outcome,
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Err(AppError::Invalid(
            "These two already have a pending or published match.".into(),
        )),
        Err(e) => Err(e.into()),
    }
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
        return Err(AppError::Invalid(
            "Select at least one pending match to publish.".into(),
        ));
    }
    let program = program_details(db, program_id).await?;
    let date = publish_date(chosen, program.today).map_err(AppError::Invalid)?;
    let mut ids = match_ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    let published: u64 = on_db!(
        db,
        write
            | pool
            | async {
                let mut tx = pool.begin().await?;
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
        return Err(AppError::Invalid(message));
    }
    Ok(message)
}

/// Removes a pending match (made by mistake, or in the way of retiring someone). A published
/// match has milestones under way and is ended instead, never removed.
pub async fn remove_pending_match(
    db: &Db,
    program_id: i64,
    match_id: i64,
) -> Result<String, AppError> {
    let result: Result<Result<String, AppError>, sqlx::Error> = on_db!(
        db,
        write | pool | async {
            let mut tx = pool.begin().await?;
            let row: Option<(String, String, String)> = sqlx::query_as(
                "SELECT m.state, mu.display_name, eu.display_name FROM matches m \
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
            let Some((state, mentor, mentee)) = row else {
                return Ok(Err(AppError::NotFound));
            };
            if state != "pending" {
                return Ok(Err(AppError::Invalid(format!(
                    "Only a pending match can be removed; the match of {mentor} with {mentee} is {state}.{}",
                    if state == "published" { " End it instead." } else { "" }
                ))));
            }
            sqlx::query("DELETE FROM matches WHERE id = $1 AND state = 'pending'")
                .bind(match_id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(Ok(format!(
                "Removed the pending match of {mentor} with {mentee}."
            )))
        }
        .await
    );
    result?
}

/// Ends (unmatches) a published match on the program's today.
pub async fn end_match(db: &Db, program_id: i64, match_id: i64) -> Result<String, AppError> {
    let program = program_details(db, program_id).await?;
    let result: Result<Result<String, AppError>, sqlx::Error> = on_db!(
        db,
        write
            | pool
            | async {
                let mut tx = pool.begin().await?;
                let row: Option<(String, Option<NaiveDate>)> = sqlx::query_as(
                    "SELECT state, published_on FROM matches WHERE id = $1 AND program_id = $2",
                )
                .bind(match_id)
                .bind(program_id)
                .fetch_optional(&mut *tx)
                .await?;
                let Some((state, published_on)) = row else {
                    return Ok(Err(AppError::NotFound));
                };
                let (Some(published_on), "published") = (published_on, state.as_str()) else {
                    return Ok(Err(AppError::Invalid(format!(
                        "Only a published match can be ended; this one is {state}."
                    ))));
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
                Ok(Ok(format!(
                    "Ended the match on {}. Its open milestones are now closed.",
                    ended_on.format("%Y-%m-%d")
                )))
            }
            .await
    );
    result?
}

/// A staged import file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Batch {
    pub id: i64,
    pub program_id: i64,
    pub kind: ImportKind,
    pub content: String,
    /// When it was imported and what it did, once confirmed.
    pub applied: Option<String>,
}

/// Largest import file accepted, in bytes.
pub const MAX_IMPORT_BYTES: usize = 60 * 1024;

/// Keeps an uploaded file until the admin confirms or drops it; returns its id.
pub async fn stage_import(
    db: &Db,
    program_id: i64,
    kind: ImportKind,
    content: &str,
    user_id: i64,
) -> Result<i64, AppError> {
    if content.trim().is_empty() {
        return Err(AppError::Invalid(
            "Choose a CSV file or paste its text first.".into(),
        ));
    }
    if content.len() > MAX_IMPORT_BYTES {
        return Err(AppError::Invalid(format!(
            "The file is {} KB; import at most {} KB at a time.",
            content.len() / 1024,
            MAX_IMPORT_BYTES / 1024
        )));
    }
    let result = on_db!(
        db,
        write | pool | {
            sqlx::query_scalar(
                "INSERT INTO import_batches (program_id, kind, content, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(program_id)
            .bind(kind.as_str())
            .bind(content)
            .bind(user_id)
            .bind(Utc::now())
            .fetch_one(pool)
            .await
        }
    );
    match result {
        Ok(id) => Ok(id),
        Err(sqlx::Error::Database(e)) if e.is_foreign_key_violation() => Err(AppError::NotFound),
        Err(e) => Err(e.into()),
    }
}

pub async fn load_batch(db: &Db, batch_id: i64) -> Result<Batch, AppError> {
    let row: Option<(i64, i64, String, String, Option<String>)> = on_db!(
        db,
        read | pool | {
            sqlx::query_as(
                "SELECT id, program_id, kind, content, summary FROM import_batches WHERE id = $1",
            )
            .bind(batch_id)
            .fetch_optional(pool)
            .await
        }
    )?;
    let (id, program_id, kind, content, applied) = row.ok_or(AppError::NotFound)?;
    Ok(Batch {
        id,
        program_id,
        kind: ImportKind::parse(&kind).ok_or_else(|| AppError::internal(kind))?,
        content,
        applied,
    })
}

fn plan(kind: ImportKind, content: &str, known: &Known, today: NaiveDate) -> Plan {
    match kind {
        ImportKind::Participants => plan_participants(content, known),
        ImportKind::Matches => plan_matches(content, known, today),
    }
}

/// What importing the batch would do now.
pub async fn preview_batch(db: &Db, batch: &Batch) -> Result<Plan, AppError> {
    let program = program_details(db, batch.program_id).await?;
    let known: Known = on_db!(
        db,
        read | pool
            | async {
                let mut tx = pool.begin().await?;
                let known = known!(tx, batch.program_id).await?;
                tx.rollback().await?;
                Ok::<_, sqlx::Error>(known)
            }
            .await
    )?;
    Ok(plan(batch.kind, &batch.content, &known, program.today))
}

/// Imports the batch, all or nothing: the plan is made again inside the writing transaction,
/// and one rejected row (or any failure) writes nothing. A batch imports once.
pub async fn apply_batch(db: &Db, batch_id: i64, user_id: i64) -> Result<String, AppError> {
    let batch = load_batch(db, batch_id).await?;
    if let Some(summary) = batch.applied {
        return Ok(format!("This file was already imported: {summary}"));
    }
    let program = program_details(db, batch.program_id).await?;
    let result: Result<Result<String, AppError>, sqlx::Error> = on_db!(
        db,
        write | pool | async {
            let mut tx = pool.begin().await?;
            let claimed = sqlx::query(
                "UPDATE import_batches SET applied_by = $1 WHERE id = $2 AND summary IS NULL",
            )
            .bind(user_id)
            .bind(batch.id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if claimed != 1 {
                return Ok(Err(AppError::Invalid(
                    "This file was imported a moment ago.".into(),
                )));
            }
            let known = known!(tx, batch.program_id).await?;
            let plan = plan(batch.kind, &batch.content, &known, program.today);
            if let Some(problem) = plan.problem {
                return Ok(Err(AppError::Invalid(format!(
                    "{problem} Nothing was imported."
                ))));
            }
            let rejected = plan.rejected();
            if rejected > 0 {
                return Ok(Err(AppError::Invalid(format!(
                    "{rejected} {} rejected, so nothing was imported. Fix {} in the file and preview it again.",
                    if rejected == 1 { "row is" } else { "rows are" },
                    if rejected == 1 { "it" } else { "them" },
                ))));
            }
            let mut counts = [0usize; 4];
            for change in &plan.changes {
                match *change {
                    Change::Enrol { user_id, role } => {
                        sqlx::query(
                            "INSERT INTO enrollments (program_id, user_id, role, state, created_at) \
                             VALUES ($1, $2, $3, 'active', $4)",
                        )
                        .bind(batch.program_id)
                        .bind(user_id)
                        .bind(role.as_str())
                        .bind(Utc::now())
                        .execute(&mut *tx)
                        .await?;
                        counts[0] += 1;
                    }
                    Change::Reactivate { enrollment_id } => {
                        sqlx::query("UPDATE enrollments SET state = 'active' WHERE id = $1")
                            .bind(enrollment_id)
                            .execute(&mut *tx)
                            .await?;
                        counts[1] += 1;
                    }
                    Change::CreateMatch {
                        mentor,
                        mentee,
                        publish_on,
                    } => {
                        if let Err(refusal) =
                            insert_match!(tx, batch.program_id, mentor, mentee, publish_on).await?
                        {
                            return Ok(Err(AppError::Invalid(format!(
                                "{refusal} Nothing was imported."
                            ))));
                        }
                        counts[2] += 1;
                    }
                    Change::Publish {
                        match_id,
                        publish_on,
                    } => {
                        sqlx::query(
                            "UPDATE matches SET state = 'published', published_on = $1 \
                             WHERE id = $2 AND state = 'pending'",
                        )
                        .bind(publish_on)
                        .bind(match_id)
                        .execute(&mut *tx)
                        .await?;
                        counts[3] += 1;
                    }
                }
            }
            let unchanged = plan.rows.len() - plan.changes.len();
            let summary = import_summary(counts, unchanged);
            sqlx::query("UPDATE import_batches SET summary = $1, applied_at = $2 WHERE id = $3")
                .bind(&summary)
                .bind(Utc::now())
                .bind(batch.id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(Ok(summary))
        }
        .await
    );
    result?
}

fn import_summary(counts: [usize; 4], unchanged: usize) -> String {
    let labels = [
        ("enrolled", "enrolled"),
        ("reactivated", "reactivated"),
        ("match created", "matches created"),
        ("pending match published", "pending matches published"),
    ];
    let mut parts: Vec<String> = counts
        .iter()
        .zip(labels)
        .filter(|(n, _)| **n > 0)
        .map(|(n, (one, many))| format!("{n} {}", if *n == 1 { one } else { many }))
        .collect();
    if unchanged > 0 {
        parts.push(format!("{unchanged} already there, left as they were"));
    }
    if parts.is_empty() {
        "the file had no rows.".to_string()
    } else {
        format!("{}.", parts.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn program_fields_are_checked_with_a_message_for_their_field() {
        let ok = ProgramInput::parse("  Cohort 7 ", " About ", "Europe/Berlin").expect("valid");
        assert_eq!(ok.name, "Cohort 7");
        assert_eq!(ok.description, "About");
        assert_eq!(
            ProgramInput::parse(" ", "", "UTC").map_err(|e| e.0),
            Err(ProgramField::Name)
        );
        assert_eq!(
            ProgramInput::parse("x", &"d".repeat(2001), "UTC").map_err(|e| e.0),
            Err(ProgramField::Description)
        );
        assert_eq!(
            ProgramInput::parse("x", "", "Mars/Olympus").map_err(|e| e.0),
            Err(ProgramField::TimeZone)
        );
    }

    #[test]
    fn search_text_matches_literally() {
        assert_eq!(like_pattern(" Ann "), "%ann%");
        assert_eq!(like_pattern("50%_a\\"), "%50\\%\\_a\\\\%");
    }

    #[test]
    fn summaries_count_what_happened() {
        assert_eq!(
            import_summary([2, 0, 1, 0], 3),
            "2 enrolled, 1 match created, 3 already there, left as they were."
        );
        assert_eq!(import_summary([0; 4], 0), "the file had no rows.");
    }

    #[test]
    fn live_matches_are_described_for_a_refused_retire() {
        assert_eq!(describe_live(1, 0), "1 pending match");
        assert_eq!(
            describe_live(2, 1),
            "1 published match and 2 pending matches"
        );
    }
}
