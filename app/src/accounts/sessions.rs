//! The session store: tower-sessions records in the app's own database (either engine), so
//! several server instances share them. Reads use reader connections, writes the writer.

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
        crate::on_db!(
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

fn backend(error: sqlx::Error) -> Error {
    Error::Backend(error.to_string())
}

fn encode(record: &Record) -> Result<String> {
    serde_json::to_string(&record.data).map_err(|e| Error::Encode(e.to_string()))
}

#[async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> Result<()> {
        let data = encode(record)?;
        // A fresh random id until one is free: ids are never reused or overwritten.
        loop {
            let id = record.id.to_string();
            let expires = record.expiry_date.unix_timestamp();
            let inserted = crate::on_db!(
                &self.db,
                write | pool | {
                    sqlx::query(
                        "INSERT INTO sessions (id, data, expires_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (id) DO NOTHING",
                    )
                    .bind(&id)
                    .bind(&data)
                    .bind(expires)
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
        let id = record.id.to_string();
        let expires = record.expiry_date.unix_timestamp();
        crate::on_db!(
            &self.db,
            write | pool | {
                sqlx::query(
                    "INSERT INTO sessions (id, data, expires_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (id) DO UPDATE SET data = excluded.data, \
                 expires_at = excluded.expires_at",
                )
                .bind(&id)
                .bind(&data)
                .bind(expires)
                .execute(pool)
                .await
                .map(|_| ())
            }
        )
        .map_err(backend)?;
        Ok(())
    }

    async fn load(&self, id: &Id) -> Result<Option<Record>> {
        let key = id.to_string();
        let now = now_seconds();
        let row: Option<(String, i64)> = crate::on_db!(
            &self.db,
            read | pool | {
                sqlx::query_as(
                    "SELECT data, expires_at FROM sessions WHERE id = $1 AND expires_at > $2",
                )
                .bind(&key)
                .bind(now)
                .fetch_optional(pool)
                .await
            }
        )
        .map_err(backend)?;
        let Some((data, expires)) = row else {
            return Ok(None);
        };
        let data = serde_json::from_str(&data).map_err(|e| Error::Decode(e.to_string()))?;
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
        let key = id.to_string();
        crate::on_db!(
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
