//! The session store: tower-sessions records in the app's own database (either engine), so
//! several server instances share them. Reads use reader connections, writes the writer.
//!
//! A row is keyed by the SHA-256 of the session id, never the id itself: whoever reads the
//! table (a backup, a leaked dump) cannot sign in as anyone. Each row names its person, so
//! that changing a password, a reset or disabling an account ends that person's sessions.

use crate::db::Db;
use async_trait::async_trait;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{Error, Result, SessionStore};

#[derive(Clone, Debug)]
pub struct DbSessionStore {
    db: Db,
}

impl DbSessionStore {
    pub fn new(db: Db) -> Self {
        DbSessionStore { db }
    }

    /// Removes sessions whose expiry has passed; returns how many.
    pub async fn delete_expired(&self) -> std::result::Result<u64, sqlx::Error> {
        let now = now_seconds();
        crate::db::on_db!(
            &self.db,
            write | pool | {
                sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
                    .bind(now)
                    .execute(pool)
                    .await
                    .map(|r| r.rows_affected())
            }
        )
    }
}

fn now_seconds() -> i64 {
    chrono::Utc::now().timestamp()
}

/// The key a session's row is stored under: the SHA-256 of its id, in hex.
pub fn session_key(id: &Id) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(id.to_string().as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The person a session belongs to, if it is signed in.
fn owner(record: &Record) -> Option<i64> {
    record
        .data
        .get(super::SESSION_USER_ID)
        .and_then(|v| v.as_i64())
}

/// Ends every session of the person but `keep` (the one making the request, when they change
/// their own password); returns how many ended.
pub async fn end_sessions_of(
    db: &Db,
    user_id: i64,
    keep: Option<&Id>,
) -> std::result::Result<u64, sqlx::Error> {
    let keep = keep.map(session_key).unwrap_or_default();
    crate::db::on_db!(
        db,
        write | pool | {
            sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id <> $2")
                .bind(user_id)
                .bind(&keep)
                .execute(pool)
                .await
                .map(|r| r.rows_affected())
        }
    )
}

fn backend(error: sqlx::Error) -> Error {
    Error::Backend(error.to_string())
}

/// Where a loaded record carries the person its session belongs to, read in the same
/// statement as the session (account enabled, rights and enrollments as they are now). Never
/// stored: [`encode`] leaves it out.
pub const SESSION_PERSON: &str = "__person_now";

fn encode(record: &Record) -> Result<String> {
    let kept: std::collections::HashMap<&String, &serde_json::Value> = record
        .data
        .iter()
        .filter(|(key, _)| key.as_str() != SESSION_PERSON)
        .collect();
    serde_json::to_string(&kept).map_err(|e| Error::Encode(e.to_string()))
}

/// A session row with the person it names, if their account is enabled (the person's columns
/// are those of `store::PersonRow`, empty when there is none).
#[derive(sqlx::FromRow)]
struct SessionRow {
    data: String,
    expires_at: i64,
    id: Option<i64>,
    email: Option<String>,
    display_name: Option<String>,
    is_site_admin: Option<bool>,
    admin_of: Option<String>,
    enrollments: Option<String>,
}

#[async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> Result<()> {
        let data = encode(record)?;
        // A fresh random id until one is free: ids are never reused or overwritten.
        let user_id = owner(record);
        loop {
            let id = session_key(&record.id);
            let expires = record.expiry_date.unix_timestamp();
            let inserted = crate::db::on_db!(
                &self.db,
                write | pool | {
                    sqlx::query(
                        "INSERT INTO sessions (id, data, expires_at, user_id) \
                         VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING",
                    )
                    .bind(&id)
                    .bind(&data)
                    .bind(expires)
                    .bind(user_id)
                    .execute(pool)
                    .await
                    .map(|r| r.rows_affected())
                }
            )
            .map_err(backend)?;
            if inserted == 1 {
                return Ok(());
            }
            record.id = Id::default();
        }
    }

    async fn save(&self, record: &Record) -> Result<()> {
        let data = encode(record)?;
        let id = session_key(&record.id);
        let expires = record.expiry_date.unix_timestamp();
        let user_id = owner(record);
        // Saving never brings back a session that was ended meanwhile (a password change in
        // another tab, an admin's reset): only a session without a person yet is inserted.
        crate::db::on_db!(
            &self.db,
            write | pool | {
                if user_id.is_some() {
                    sqlx::query(
                        "UPDATE sessions SET data = $2, expires_at = $3, user_id = $4 \
                         WHERE id = $1",
                    )
                } else {
                    sqlx::query(
                        "INSERT INTO sessions (id, data, expires_at, user_id) \
                         VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO UPDATE SET \
                         data = excluded.data, expires_at = excluded.expires_at",
                    )
                }
                .bind(&id)
                .bind(&data)
                .bind(expires)
                .bind(user_id)
                .execute(pool)
                .await
                .map(|_| ())
            }
        )
        .map_err(backend)?;
        Ok(())
    }

    async fn load(&self, id: &Id) -> Result<Option<Record>> {
        let key = session_key(id);
        let now = now_seconds();
        // The session and its person in one statement: every request reads both.
        let sql = format!(
            "SELECT s.data, s.expires_at, {} \
             FROM sessions s LEFT JOIN users u ON u.id = s.user_id AND u.disabled_at IS NULL \
             WHERE s.id = $1 AND s.expires_at > $2",
            super::store::PERSON_COLUMNS
        );
        let row: Option<SessionRow> = crate::db::on_db!(
            &self.db,
            read | pool | {
                sqlx::query_as(&sql)
                    .bind(&key)
                    .bind(now)
                    .fetch_optional(pool)
                    .await
            }
        )
        .map_err(backend)?;
        let Some(row) = row else {
            return Ok(None);
        };
        let person = match (row.id, row.email, row.display_name) {
            (Some(id), Some(email), Some(display_name)) => Some(super::store::PersonRow {
                id,
                email,
                display_name,
                is_site_admin: row.is_site_admin.unwrap_or(false),
                admin_of: row.admin_of,
                enrollments: row.enrollments,
            }),
            _ => None,
        };
        let (data, expires_at) = (row.data, row.expires_at);
        let expires = expires_at;
        let mut data: std::collections::HashMap<String, serde_json::Value> =
            serde_json::from_str(&data).map_err(|e| Error::Decode(e.to_string()))?;
        data.remove(SESSION_PERSON);
        if let Some(person) = person {
            let person = super::store::person_from_row(person).map_err(backend)?;
            let value = serde_json::to_value(&person).map_err(|e| Error::Decode(e.to_string()))?;
            data.insert(SESSION_PERSON.to_string(), value);
        }
        let expiry_date =
            tower_sessions::cookie::time::OffsetDateTime::from_unix_timestamp(expires)
                .map_err(|e| Error::Decode(e.to_string()))?;
        Ok(Some(Record {
            id: *id,
            data,
            expiry_date,
        }))
    }

    async fn delete(&self, id: &Id) -> Result<()> {
        let key = session_key(id);
        crate::db::on_db!(
            &self.db,
            write | pool | {
                sqlx::query("DELETE FROM sessions WHERE id = $1")
                    .bind(&key)
                    .execute(pool)
                    .await
                    .map(|_| ())
            }
        )
        .map_err(backend)?;
        Ok(())
    }
}
