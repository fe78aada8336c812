//! Programs in the database: create, edit and read a program's name, description and time
//! zone.

use super::ProgramDetails;
use crate::db::Db;
use crate::db::on_db;
use crate::error::AppError;
use crate::kernel::time_zone::today_in_zone;
use chrono::Utc;

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

#[derive(sqlx::FromRow)]
struct ProgramRow {
    id: i64,
    name: String,
    description: String,
    time_zone: String,
}

pub async fn program_details(db: &Db, program_id: i64) -> Result<ProgramDetails, AppError> {
    let row: Option<ProgramRow> = on_db!(
        db,
        read | pool | {
            sqlx::query_as("SELECT id, name, description, time_zone FROM programs WHERE id = $1")
                .bind(program_id)
                .fetch_optional(pool)
                .await
        }
    )?;
    let row = row.ok_or(AppError::NotFound)?;
    Ok(ProgramDetails {
        today: today_in_zone(&row.time_zone),
        id: row.id,
        name: row.name,
        description: row.description,
        time_zone: row.time_zone,
    })
}

/// Every program's id and name, by name.
pub async fn program_names(db: &Db) -> Result<Vec<(i64, String)>, AppError> {
    Ok(on_db!(
        db,
        read | pool
            | sqlx::query_as("SELECT id, name FROM programs ORDER BY lower(name), id")
                .fetch_all(pool)
                .await
    )?)
}

/// The time zones a program may have, for the form's list: every IANA zone with a region, and
/// UTC.
pub fn time_zone_names() -> Vec<String> {
    chrono_tz::TZ_VARIANTS
        .iter()
        .map(|tz| tz.name().to_string())
        .filter(|name| name.contains('/') || name == "UTC")
        .collect()
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
}
