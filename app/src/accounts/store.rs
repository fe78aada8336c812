//! Account records in the database.

use super::validation::{DisplayName, Email};
use super::{CurrentUser, EnrollmentRef};
use crate::db::Db;
use crate::db::on_db;
use crate::error::AppError;
use crate::kernel::roles::{EnrollmentState, Role};
use chrono::Utc;
use serde::{Deserialize, Serialize};

/// An account as the Users page lists it.
#[derive(sqlx::FromRow)]
struct ListedRow {
    id: i64,
    email: String,
    display_name: String,
    is_site_admin: bool,
    disabled: bool,
    invited_at: Option<chrono::DateTime<Utc>>,
}

/// The columns of [`PersonRow`] for the user `u`: the person, their admin rights and their
/// enrollments packed in one row (also read with the session, see `accounts::sessions`).
pub(crate) const PERSON_COLUMNS: &str = "u.id, u.email, u.display_name, u.is_site_admin, \
     (SELECT string_agg(CAST(a.program_id AS TEXT), ',' ORDER BY a.program_id) \
      FROM program_admins a WHERE a.user_id = u.id) AS admin_of, \
     (SELECT string_agg(CAST(e.id AS TEXT) || ':' || CAST(e.program_id AS TEXT) \
      || ':' || e.role || ':' || e.state, ',' ORDER BY e.id) \
      FROM enrollments e WHERE e.user_id = u.id) AS enrollments";

/// The person behind a session, with their admin rights and enrollments packed in one row.
#[derive(sqlx::FromRow)]
pub(crate) struct PersonRow {
    pub(crate) id: i64,
    pub(crate) email: String,
    pub(crate) display_name: String,
    pub(crate) is_site_admin: bool,
    /// "program,program,…", in order.
    pub(crate) admin_of: Option<String>,
    /// "id:program:role:state,…", in order of id.
    pub(crate) enrollments: Option<String>,
}

/// Everything about the person behind a session, read on every request: one statement (each
/// statement is a round trip to the database's thread, which a profile of completions showed
/// to be where their time goes).
pub async fn load_current_user(db: &Db, user_id: i64) -> Result<Option<CurrentUser>, sqlx::Error> {
    let sql =
        format!("SELECT {PERSON_COLUMNS} FROM users u WHERE u.id = $1 AND u.disabled_at IS NULL");
    let row: Option<PersonRow> = on_db!(
        db,
        read | pool | {
            sqlx::query_as(&sql)
                .bind(user_id)
                .fetch_optional(pool)
                .await
        }
    )?;
    row.map(person_from_row).transpose()
}

/// The signed-in person from their packed row.
pub(crate) fn person_from_row(row: PersonRow) -> Result<CurrentUser, sqlx::Error> {
    let bad = |what: &str| sqlx::Error::Decode(format!("the signed-in person's {what}").into());
    let admin_of = row
        .admin_of
        .as_deref()
        .unwrap_or_default()
        .split(',')
        .filter(|p| !p.is_empty())
        .map(|p| p.parse::<i64>().map_err(|_| bad("admin rights")))
        .collect::<Result<Vec<_>, _>>()?;
    let enrollments = row
        .enrollments
        .as_deref()
        .unwrap_or_default()
        .split(',')
        .filter(|e| !e.is_empty())
        .map(|entry| {
            let mut parts = entry.splitn(4, ':');
            let mut next = || parts.next().ok_or_else(|| bad("enrollments"));
            let id = next()?.parse::<i64>().map_err(|_| bad("enrollments"))?;
            let program_id = next()?.parse::<i64>().map_err(|_| bad("enrollments"))?;
            let role = Role::parse(next()?).ok_or_else(|| bad("enrollments"))?;
            let state = EnrollmentState::parse(next()?).ok_or_else(|| bad("enrollments"))?;
            Ok(EnrollmentRef {
                id,
                program_id,
                role,
                active: state == EnrollmentState::Active,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    Ok(CurrentUser {
        id: row.id,
        email: row.email,
        name: row.display_name,
        is_site_admin: row.is_site_admin,
        admin_of,
        enrollments,
    })
}

/// What sign-in needs of an account.
#[derive(sqlx::FromRow)]
pub struct Credentials {
    pub id: i64,
    pub password_hash: String,
    pub disabled: bool,
}

/// The id, password hash and state of the account with this email, if any.
pub async fn credentials(db: &Db, email: &str) -> Result<Option<Credentials>, sqlx::Error> {
    on_db!(
        db,
        read | pool | {
            sqlx::query_as(
                "SELECT id, password_hash, disabled_at IS NOT NULL AS disabled \
                 FROM users WHERE email = $1",
            )
            .bind(email)
            .fetch_optional(pool)
            .await
        }
    )
}

/// Creates an account; a taken email is the admin's mistake, not an internal error.
pub async fn create_user(
    db: &Db,
    email: &Email,
    name: &DisplayName,
    password_hash: &str,
    is_site_admin: bool,
) -> Result<i64, AppError> {
    let result: Result<i64, sqlx::Error> = on_db!(
        db,
        write | pool | {
            sqlx::query_scalar(
                "INSERT INTO users (email, display_name, password_hash, is_site_admin, created_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(email.as_str())
            .bind(name.as_str())
            .bind(password_hash)
            .bind(is_site_admin)
            .bind(Utc::now())
            .fetch_one(pool)
            .await
        }
    );
    match result {
        Ok(id) => Ok(id),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Err(AppError::invalid(
            format!("There is already an account for {}.", email.as_str()),
        )),
        Err(e) => Err(e.into()),
    }
}

pub async fn set_password(db: &Db, user_id: i64, password_hash: &str) -> Result<bool, AppError> {
    let changed = on_db!(
        db,
        write | pool | {
            sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
                .bind(password_hash)
                .bind(user_id)
                .execute(pool)
                .await
                .map(|r| r.rows_affected())
        }
    )?;
    Ok(changed == 1)
}

/// The password hash of an enabled account, to check a current password against.
pub async fn password_hash(db: &Db, user_id: i64) -> Result<Option<String>, AppError> {
    Ok(on_db!(
        db,
        read | pool | {
            sqlx::query_scalar(
                "SELECT password_hash FROM users WHERE id = $1 AND disabled_at IS NULL",
            )
            .bind(user_id)
            .fetch_optional(pool)
            .await
        }
    )?)
}

/// Disables (sign-in refused) or enables an account; true if its state changed.
pub async fn set_disabled(db: &Db, user_id: i64, disabled: bool) -> Result<bool, AppError> {
    let changed = on_db!(
        db,
        write | pool | {
            if disabled {
                sqlx::query(
                    "UPDATE users SET disabled_at = $2 WHERE id = $1 AND disabled_at IS NULL",
                )
                .bind(user_id)
                .bind(Utc::now())
                .execute(pool)
                .await
            } else {
                sqlx::query(
                    "UPDATE users SET disabled_at = NULL WHERE id = $1 AND disabled_at IS NOT NULL",
                )
                .bind(user_id)
                .execute(pool)
                .await
            }
            .map(|r| r.rows_affected())
        }
    )?;
    Ok(changed == 1)
}

/// Whether the account exists.
pub async fn user_exists(db: &Db, user_id: i64) -> Result<bool, AppError> {
    let found: Option<i64> = on_db!(
        db,
        read | pool | {
            sqlx::query_scalar("SELECT id FROM users WHERE id = $1")
                .bind(user_id)
                .fetch_optional(pool)
                .await
        }
    )?;
    Ok(found.is_some())
}

/// Takes a program's admin right away from the user; true if they had it.
pub async fn remove_program_admin(
    db: &Db,
    program_id: i64,
    user_id: i64,
) -> Result<bool, AppError> {
    let removed = on_db!(
        db,
        write | pool | {
            sqlx::query("DELETE FROM program_admins WHERE program_id = $1 AND user_id = $2")
                .bind(program_id)
                .bind(user_id)
                .execute(pool)
                .await
                .map(|r| r.rows_affected())
        }
    )?;
    Ok(removed == 1)
}

/// Makes the user an admin of the program; true if they were not one already.
pub async fn make_program_admin(db: &Db, program_id: i64, user_id: i64) -> Result<bool, AppError> {
    let result = on_db!(
        db,
        write | pool | {
            sqlx::query(
                "INSERT INTO program_admins (program_id, user_id) VALUES ($1, $2) \
             ON CONFLICT (program_id, user_id) DO NOTHING",
            )
            .bind(program_id)
            .bind(user_id)
            .execute(pool)
            .await
            .map(|r| r.rows_affected())
        }
    );
    match result {
        Ok(rows) => Ok(rows == 1),
        Err(sqlx::Error::Database(e)) if e.is_foreign_key_violation() => Err(AppError::NotFound),
        Err(e) => Err(e.into()),
    }
}

/// One row of the Users page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserListing {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub is_site_admin: bool,
    pub disabled: bool,
    /// When the last invitation went, while the person has not accepted it.
    pub invited_at: Option<chrono::DateTime<Utc>>,
    /// The programs this person administers, by id and name.
    pub admin_of: Vec<(i64, String)>,
}

pub async fn list_users(db: &Db) -> Result<Vec<UserListing>, AppError> {
    let (users, admins) = on_db!(
        db,
        read | pool | {
            let users: Vec<ListedRow> = sqlx::query_as(
                "SELECT id, email, display_name, is_site_admin, \
                 disabled_at IS NOT NULL AS disabled, invited_at FROM users ORDER BY email",
            )
            .fetch_all(pool)
            .await?;
            let admins: Vec<(i64, i64, String)> = sqlx::query_as(
                "SELECT pa.user_id, p.id, p.name FROM program_admins pa \
             JOIN programs p ON p.id = pa.program_id ORDER BY p.name, p.id",
            )
            .fetch_all(pool)
            .await?;
            Ok::<_, sqlx::Error>((users, admins))
        }
    )?;
    Ok(users
        .into_iter()
        .map(|user| UserListing {
            admin_of: admins
                .iter()
                .filter(|(admin, _, _)| *admin == user.id)
                .map(|(_, id, name)| (*id, name.clone()))
                .collect(),
            id: user.id,
            email: user.email,
            name: user.display_name,
            is_site_admin: user.is_site_admin,
            disabled: user.disabled,
            invited_at: user.invited_at,
        })
        .collect())
}

/// Every program's id and name, for pickers.
pub async fn program_names(db: &Db) -> Result<Vec<(i64, String)>, AppError> {
    Ok(on_db!(
        db,
        read | pool | {
            sqlx::query_as("SELECT id, name FROM programs ORDER BY name, id")
                .fetch_all(pool)
                .await
        }
    )?)
}
