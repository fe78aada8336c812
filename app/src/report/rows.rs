//! The rows of a program that both the report's reads (`store`) and its kept snapshot
//! (`cache`) are made from: the statements that read them and how they become the inputs of
//! [`super::compute`]. Each of the two uses these; neither uses the other's.

use super::{MatchInput, MilestoneInput};
use crate::error::AppError;
use crate::items::Source;
use crate::milestones::store::{MILESTONE_COLUMNS, MilestoneRow};
use chrono::{DateTime, NaiveDate, Utc};

/// A published or ended match with its people's names.
#[derive(sqlx::FromRow)]
pub(super) struct MatchRow {
    id: i64,
    mentor_enrollment_id: i64,
    mentee_enrollment_id: i64,
    mentor_name: String,
    mentee_name: String,
    published_on: NaiveDate,
    ended_on: Option<NaiveDate>,
}

/// A completion's source from the first letter of its name, as packed rows carry it.
pub(super) fn source_of_letter(letter: &str) -> Option<Source> {
    match letter {
        "q" => Some(Source::Quickcliq),
        "p" => Some(Source::Profile),
        "a" => Some(Source::Admin),
        "e" => Some(Source::Email),
        _ => None,
    }
}

/// A time as packed rows carry it: microseconds since the epoch (PostgreSQL) or RFC 3339
/// text (SQLite).
pub(super) fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    match text.parse::<i64>() {
        Ok(micros) => DateTime::<Utc>::from_timestamp_micros(micros),
        Err(_) => DateTime::parse_from_rfc3339(text)
            .ok()
            .map(|t| t.with_timezone(&Utc)),
    }
}

/// The statement reading a program's milestones, in the program's order.
pub(super) fn milestones_sql() -> String {
    format!(
        "SELECT {MILESTONE_COLUMNS} FROM milestones WHERE program_id = $1 ORDER BY position, id"
    )
}

/// The statement reading a program's published and ended matches with their people's names.
pub(super) const MATCHES_SQL: &str = "SELECT m.id, m.mentor_enrollment_id, m.mentee_enrollment_id, \
     mu.display_name AS mentor_name, eu.display_name AS mentee_name, \
     m.published_on, m.ended_on \
     FROM matches m \
     JOIN enrollments me ON me.id = m.mentor_enrollment_id \
     JOIN users mu ON mu.id = me.user_id \
     JOIN enrollments ee ON ee.id = m.mentee_enrollment_id \
     JOIN users eu ON eu.id = ee.user_id \
     WHERE m.program_id = $1 AND m.state IN ('published', 'ended') \
     ORDER BY m.id";

pub(super) fn milestone_inputs(rows: Vec<MilestoneRow>) -> Result<Vec<MilestoneInput>, AppError> {
    rows.into_iter()
        .map(|row| {
            Ok(MilestoneInput {
                offset: row.offset()?,
                id: row.id,
                category: row.category,
                role: row.role,
                name: row.name,
                archived: row.archived,
            })
        })
        .collect()
}

pub(super) fn match_inputs(rows: Vec<MatchRow>) -> Vec<MatchInput> {
    rows.into_iter()
        .map(|row| MatchInput {
            id: row.id,
            mentor_enrollment: row.mentor_enrollment_id,
            mentee_enrollment: row.mentee_enrollment_id,
            mentor_name: row.mentor_name,
            mentee_name: row.mentee_name,
            published_on: row.published_on,
            ended_on: row.ended_on,
        })
        .collect()
}
