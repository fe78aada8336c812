//! Check-in tokens in the database: issued for one item of one person, kept as a SHA-256 hash,
//! expiring.

use crate::accounts::tokens::{looks_like_token, new_token, token_hash as hash};
use crate::db::Db;
use crate::db::on_db;
use crate::error::AppError;
use crate::items::ItemKey;
use chrono::{DateTime, Duration, Utc};

/// How long a check-in link works.
pub const LIFETIME_DAYS: i64 = 30;

/// A new check-in link of one person's item, working until `created_at` + 30 days: its token
/// (for the address) and what is stored of it.
#[derive(Clone, Debug)]
pub struct NewCheckIn {
    token: String,
    pub user_id: i64,
    pub key: ItemKey,
    pub created_at: DateTime<Utc>,
}

impl NewCheckIn {
    pub fn new(user_id: i64, key: ItemKey, now: DateTime<Utc>) -> NewCheckIn {
        NewCheckIn {
            token: new_token(),
            user_id,
            key,
            created_at: now,
        }
    }

    /// The token, for the address `/check-in/{token}`.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// The link's path on this site.
    pub fn path(&self) -> String {
        format!("/check-in/{}", self.token)
    }

    /// The insert of this link (its hash, never the token), for whichever connection or
    /// transaction the caller writes with: the reminder pass writes its links in the
    /// transaction that queues their digest.
    pub fn insert<'q, DB>(
        &self,
    ) -> sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments<'q>>
    where
        DB: sqlx::Database,
        String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
        i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
        Option<i64>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
        DateTime<Utc>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    {
        sqlx::query(
            "INSERT INTO check_in_tokens (token_hash, user_id, milestone_id, enrollment_id, \
             match_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(hash(&self.token))
        .bind(self.user_id)
        .bind(self.key.milestone_id)
        .bind(self.key.enrollment_id)
        .bind(self.key.match_id)
        .bind(self.created_at)
        .bind(self.created_at + Duration::days(LIFETIME_DAYS))
    }
}

/// Makes a check-in token for the person's item, working until `now` + 30 days.
pub async fn issue(
    db: &Db,
    user_id: i64,
    key: ItemKey,
    now: DateTime<Utc>,
) -> Result<String, AppError> {
    let link = NewCheckIn::new(user_id, key, now);
    on_db!(
        db,
        write | pool | link.insert().execute(pool).await.map(|_| ())
    )?;
    Ok(link.token)
}

/// What a token opens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Opened {
    /// The person and the item, while the token works.
    Item {
        user_id: i64,
        key: ItemKey,
    },
    Expired,
    Unknown,
}

/// A token's row: person, item (milestone, enrollment, match) and expiry.
type TokenRow = (i64, i64, i64, Option<i64>, DateTime<Utc>);

/// What `token` opens at `now`.
pub async fn open(db: &Db, token: &str, now: DateTime<Utc>) -> Result<Opened, AppError> {
    if !looks_like_token(token) {
        return Ok(Opened::Unknown);
    }
    let row: Option<TokenRow> = on_db!(
        db,
        read | pool | {
            sqlx::query_as(
                "SELECT user_id, milestone_id, enrollment_id, match_id, expires_at \
                 FROM check_in_tokens WHERE token_hash = $1",
            )
            .bind(hash(token))
            .fetch_optional(pool)
            .await
        }
    )?;
    Ok(match row {
        None => Opened::Unknown,
        Some((.., expires)) if expires <= now => Opened::Expired,
        Some((user_id, milestone_id, enrollment_id, match_id, _)) => Opened::Item {
            user_id,
            key: ItemKey {
                milestone_id,
                enrollment_id,
                match_id,
            },
        },
    })
}
