//! Account records in the database.

use super::validation::{DisplayName, Email};
use super::{CurrentUser, EnrollmentRef};
use crate::db::Db;
use crate::error::AppError;
use crate::kernel::roles::{EnrollmentState, Role};
use crate::on_db;
use chrono::Utc;
use serde::{Deserialize, Serialize};

/// An account as stored.
#[derive(sqlx::FromRow)]
struct UserRow {
    id: i64,
    email: String,
    display_name: String,
    is_site_admin: bool,
}

/// An account as the Users page lists it.
#[derive(sqlx::FromRow)]
struct ListedRow {
    id: i64,
    email: String,
    display_name: String,
    is_site_admin: bool,
    disabled: bool,
}

/// One of a person's enrollments.
#[derive(sqlx::FromRow)]
struct EnrollmentRow {
    id: i64,
    program_id: i64,
    #[sqlx(try_from = "String")]
    role: Role,
    #[sqlx(try_from = "String")]
    state: EnrollmentState,
}

/// Everything about the person behind a session: three statements.
pub async fn load_current_user(db: &Db, user_id: i64) -> Result<Option<CurrentUser>, sqlx::Error> {
    on_db!(
        db,
        read | pool
            | {
                let user: Option<UserRow> = sqlx::query_as(
                    "SELECT id, email, display_name, is_site_admin FROM users \
                     WHERE id = $1 AND disabled_at IS NULL",
                )
                .bind(user_id)
                .fetch_optional(pool)
                .await?;
                let Some(UserRow {
                    id,
                    email,
                    display_name: name,
                    is_site_admin,
                }) = user
                else {
                    return Ok(None);
                };
                let admin_of: Vec<i64> = sqlx::query_scalar(
                    "SELECT program_id FROM program_admins WHERE user_id = $1 ORDER BY program_id",
                )
                .bind(id)
                .fetch_all(pool)
                .await?;
                let rows: Vec<EnrollmentRow> = sqlx::query_as(
                "SELECT id, program_id, role, state FROM enrollments WHERE user_id = $1 ORDER BY id",
            )
            .bind(id)
            .fetch_all(pool)
            .await?;
                let enrollments = rows
                    .into_iter()
                    .map(|row| EnrollmentRef {
                        id: row.id,
                        program_id: row.program_id,
                        role: row.role,
                        active: row.state == EnrollmentState::Active,
                    })
                    .collect();
                Ok(Some(CurrentUser {
                    id,
                    email,
                    name,
                    is_site_admin,
                    admin_of,
                    enrollments,
                }))
            }
    )
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
    /// The programs this person administers, by id and name.
    pub admin_of: Vec<(i64, String)>,
}

pub async fn list_users(db: &Db) -> Result<Vec<UserListing>, AppError> {
    let (users, admins) = on_db!(
        db,
        read | pool | {
            let users: Vec<ListedRow> = sqlx::query_as(
                "SELECT id, email, display_name, is_site_admin, \
                 disabled_at IS NOT NULL AS disabled FROM users ORDER BY email",
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
