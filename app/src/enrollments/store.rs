//! Enrollments in the database: list, enrol, retire and reactivate, with the rules of
//! docs/rules.md ("Matches and enrollments") checked inside the transaction that writes.

use super::{EnrollmentState, Participant};
use crate::accounts::AccountState;
use crate::db::BeginWrite;
use crate::db::Db;
use crate::db::on_db;
use crate::error::AppError;
use crate::kernel::page::{PAGE_SIZE, Page};
use crate::kernel::roles::Role;
use crate::kernel::text::like_pattern;
use chrono::Utc;

/// The role of the person's enrollment in the program (the first, when they hold both), or
/// `None` when they are not enrolled there.
pub async fn role_in(db: &Db, program_id: i64, user_id: i64) -> Result<Option<Role>, AppError> {
    let role: Option<String> = on_db!(
        db,
        read | pool | {
            sqlx::query_scalar(
                "SELECT role FROM enrollments WHERE program_id = $1 AND user_id = $2 \
                 ORDER BY id LIMIT 1",
            )
            .bind(program_id)
            .bind(user_id)
            .fetch_optional(pool)
            .await
        }
    )?;
    Ok(role.as_deref().and_then(Role::parse))
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

#[derive(sqlx::FromRow)]
struct ParticipantRow {
    enrollment_id: i64,
    user_id: i64,
    name: String,
    email: String,
    #[sqlx(try_from = "String")]
    role: Role,
    #[sqlx(try_from = "String")]
    state: EnrollmentState,
    live_matches: i64,
    invited_at: Option<chrono::DateTime<Utc>>,
}

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
    let skip = crate::kernel::page::offset(page).ok_or_else(|| {
        AppError::invalid_field("page", "Page", format!("There is no page {page}."))
    })?;
    let list_sql = format!(
        "SELECT e.id AS enrollment_id, u.id AS user_id, u.display_name AS name, u.email, e.role, \
           e.state, u.invited_at, (SELECT COUNT(*) FROM matches m WHERE m.state <> 'ended' \
              AND (m.mentor_enrollment_id = e.id OR m.mentee_enrollment_id = e.id)) AS live_matches \
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
            let rows: Vec<ParticipantRow> = sqlx::query_as(&list_sql)
                .bind(program_id)
                .bind(&search)
                .bind(&pattern)
                .bind(role)
                .bind(state)
                .bind(PAGE_SIZE)
                .bind(skip)
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
        .map(|row| Participant {
            enrollment_id: row.enrollment_id,
            user_id: row.user_id,
            name: row.name,
            email: row.email,
            role: row.role,
            active: row.state == EnrollmentState::Active,
            live_matches: row.live_matches,
            account: match row.invited_at {
                Some(at) => AccountState::Invited(at.date_naive()),
                None => AccountState::Active,
            },
        })
        .collect();
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

/// Enrols an existing account: the new enrollment's id and the sentence for the admin. A
/// person already in that role is the admin's mistake.
pub async fn enrol(
    db: &Db,
    program_id: i64,
    email: &str,
    role: Role,
) -> Result<(i64, String), AppError> {
    on_db!(
        db,
        write | pool | async {
            let mut tx = pool.begin_write().await?;
            let user: Option<(i64, String)> =
                sqlx::query_as("SELECT id, display_name FROM users WHERE email = $1")
                    .bind(email)
                    .fetch_optional(&mut *tx)
                    .await?;
            let Some((user_id, name)) = user else {
                return Err(AppError::invalid(format!(
                    "There is no account for {email}. Fill in their name to create it and invite them."
                )));
            };
            let existing: Option<String> = sqlx::query_scalar(
                "SELECT state FROM enrollments WHERE program_id = $1 AND user_id = $2 AND role = $3",
            )
            .bind(program_id)
            .bind(user_id)
            .bind(role.as_str())
            .fetch_optional(&mut *tx)
            .await?;
            match existing.as_deref().and_then(EnrollmentState::parse) {
                Some(EnrollmentState::Active) => {
                    return Err(AppError::invalid(format!(
                        "{name} is already enrolled as a {}.",
                        role.as_str()
                    )));
                }
                Some(_) => {
                    return Err(AppError::invalid(format!(
                        "{name} is enrolled as a {} but retired; reactivate them in the list.",
                        role.as_str()
                    )));
                }
                None => {}
            }
            let enrollment_id: i64 = sqlx::query_scalar(
                "INSERT INTO enrollments (program_id, user_id, role, state, created_at) \
                 VALUES ($1, $2, $3, 'active', $4) RETURNING id",
            )
            .bind(program_id)
            .bind(user_id)
            .bind(role.as_str())
            .bind(Utc::now())
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| {
                AppError::from_write(e, "That person was enrolled in this role a moment ago.")
            })?;
            tx.commit().await?;
            Ok((enrollment_id, format!("Enrolled {name} as a {}.", role.as_str())))
        }
        .await
    )
}

#[derive(sqlx::FromRow)]
struct StateRow {
    name: String,
    #[sqlx(try_from = "String")]
    role: Role,
    #[sqlx(try_from = "String")]
    state: EnrollmentState,
    pending: i64,
    published: i64,
}

/// Retires or reactivates an enrollment of this program. Retiring is refused while the person
/// has a pending or published match.
pub async fn set_enrollment_state(
    db: &Db,
    program_id: i64,
    enrollment_id: i64,
    active: bool,
) -> Result<String, AppError> {
    on_db!(
        db,
        write
            | pool
            | async {
                let mut tx = pool.begin_write().await?;
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
                    return Err(AppError::NotFound);
                }
                let row: StateRow = sqlx::query_as(
                    "SELECT u.display_name AS name, e.role, e.state, \
                   (SELECT COUNT(*) FROM matches m WHERE m.state = 'pending' \
                      AND (m.mentor_enrollment_id = e.id OR m.mentee_enrollment_id = e.id)) \
                      AS pending, \
                   (SELECT COUNT(*) FROM matches m WHERE m.state = 'published' \
                      AND (m.mentor_enrollment_id = e.id OR m.mentee_enrollment_id = e.id)) \
                      AS published \
                 FROM enrollments e JOIN users u ON u.id = e.user_id WHERE e.id = $1",
                )
                .bind(enrollment_id)
                .fetch_one(&mut *tx)
                .await?;
                let StateRow {
                    name,
                    role,
                    state,
                    pending,
                    published,
                } = row;
                let role = role.as_str();
                let (wanted, verb) = if active {
                    (EnrollmentState::Active, "Reactivated")
                } else {
                    (EnrollmentState::Retired, "Retired")
                };
                if state == wanted {
                    return Ok(format!(
                        "{name} was already {} as a {role}; nothing changed.",
                        wanted.as_str()
                    ));
                }
                if !active && pending + published > 0 {
                    return Err(AppError::invalid(format!(
                        "{name} can't be retired while matched: {}. End or remove the match first.",
                        describe_live(pending, published)
                    )));
                }
                sqlx::query("UPDATE enrollments SET state = $1 WHERE id = $2")
                    .bind(wanted.as_str())
                    .bind(enrollment_id)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(format!("{verb} {name} as a {role}."))
            }
            .await
    )
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn live_matches_are_described_for_a_refused_retire() {
        assert_eq!(describe_live(1, 0), "1 pending match");
        assert_eq!(
            describe_live(2, 1),
            "1 published match and 2 pending matches"
        );
    }
}
