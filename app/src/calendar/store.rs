//! Calendar feed addresses in the database: one per person, made on first use, replaced on
//! reset.

use crate::accounts::tokens::{looks_like_token, new_token};
use crate::db::Db;
use crate::db::on_db;
use crate::error::AppError;
use chrono::{DateTime, Utc};

/// The person's feed token and when it was made; made now if they have none.
pub async fn token_of(db: &Db, user_id: i64) -> Result<(String, DateTime<Utc>), AppError> {
    let existing: Option<(String, DateTime<Utc>)> = on_db!(
        db,
        read | pool | {
            sqlx::query_as("SELECT token, created_at FROM calendar_feeds WHERE user_id = $1")
                .bind(user_id)
                .fetch_optional(pool)
                .await
        }
    )?;
    if let Some(found) = existing {
        return Ok(found);
    }
    // Two first visits at once: one insert wins, both read the winner.
    on_db!(
        db,
        write | pool | {
            sqlx::query(
                "INSERT INTO calendar_feeds (user_id, token, created_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (user_id) DO NOTHING",
            )
            .bind(user_id)
            .bind(new_token())
            .bind(Utc::now())
            .execute(pool)
            .await
            .map(|_| ())
        }
    )?;
    Ok(on_db!(
        db,
        write | pool | {
            sqlx::query_as("SELECT token, created_at FROM calendar_feeds WHERE user_id = $1")
                .bind(user_id)
                .fetch_one(pool)
                .await
        }
    )?)
}

/// Gives the person a new feed token: the old address stops answering at once.
pub async fn reset(db: &Db, user_id: i64) -> Result<String, AppError> {
    let token = new_token();
    on_db!(
        db,
        write | pool | {
            sqlx::query(
                "INSERT INTO calendar_feeds (user_id, token, created_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (user_id) DO UPDATE SET token = excluded.token, \
                 created_at = excluded.created_at",
            )
            .bind(user_id)
            .bind(&token)
            .bind(Utc::now())
            .execute(pool)
            .await
            .map(|_| ())
        }
    )?;
    Ok(token)
}

/// Whose feed a token opens, with the person's name and the feed's creation time: nobody's
/// for an unknown or replaced token, or one of a disabled account.
pub async fn owner_of(
    db: &Db,
    token: &str,
) -> Result<Option<(i64, String, DateTime<Utc>)>, AppError> {
    if !looks_like_token(token) {
        return Ok(None);
    }
    Ok(on_db!(
        db,
        read | pool | {
            sqlx::query_as(
                "SELECT u.id, u.display_name, f.created_at FROM calendar_feeds f \
                 JOIN users u ON u.id = f.user_id \
                 WHERE f.token = $1 AND u.disabled_at IS NULL",
            )
            .bind(token)
            .fetch_optional(pool)
            .await
        }
    )?)
}
