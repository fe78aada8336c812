//! The Resource Library in the database.

use super::{LibraryItem, ResourceKind};
use crate::db::Db;
use crate::db::on_db;
use crate::error::AppError;

pub async fn list(db: &Db, program_id: i64) -> Result<Vec<LibraryItem>, AppError> {
    Ok(on_db!(
        db,
        read | pool
            | sqlx::query_as(
                "SELECT id, title, url, kind FROM resources WHERE program_id = $1 \
             ORDER BY lower(title), id"
            )
            .bind(program_id)
            .fetch_all(pool)
            .await
    )?)
}

pub async fn add(
    db: &Db,
    program_id: i64,
    title: &str,
    url: &str,
    kind: ResourceKind,
) -> Result<i64, AppError> {
    Ok(on_db!(
        db,
        write
            | pool
            | sqlx::query_scalar(
                "INSERT INTO resources (program_id, title, url, kind, created_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id"
            )
            .bind(program_id)
            .bind(title)
            .bind(url)
            .bind(kind.as_str())
            .bind(chrono::Utc::now())
            .fetch_one(pool)
            .await
    )?)
}

/// Removes a resource from the library; descriptions that link to it keep their text.
pub async fn remove(db: &Db, program_id: i64, id: i64) -> Result<String, AppError> {
    let title: Option<String> = on_db!(
        db,
        write
            | pool
            | sqlx::query_scalar(
                "DELETE FROM resources WHERE id = $1 AND program_id = $2 RETURNING title"
            )
            .bind(id)
            .bind(program_id)
            .fetch_optional(pool)
            .await
    )?;
    let title = title.ok_or(AppError::NotFound)?;
    Ok(format!(
        "Removed {title} from the Resource Library. Descriptions that link to it keep the link."
    ))
}
