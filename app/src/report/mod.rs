//! The Activity Report: every milestone item of a program tallied as it stood on a given day
//! (the "as of" day, the program's today unless chosen), per milestone, per match and in total.
//!
//! The figures come from one pure function, [`figures::compute`], over rows read by a fixed number
//! of statements (`store`); the page and the CSV export both print its result, so they cannot
//! disagree.

#[cfg(feature = "ssr")]
pub mod cache;
pub mod chart;
pub mod csv;
pub mod figures;
pub mod page;
pub mod query;
#[cfg(feature = "ssr")]
mod rows;
#[cfg(feature = "ssr")]
pub mod store;

pub use figures::{
    ArchivedFigures, EventInput, Figures, Judged, MatchFigures, MatchInput, MilestoneFigures,
    MilestoneInput, Standing, StandingMap, Tally, compute, sort_matches, standing_as_of, tally,
};
pub use query::{Filters, MatchOrder, ReportQuery};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// One line of the completion history shown under the report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub milestone_name: String,
    /// Whose item it is.
    pub person_name: String,
    pub completed: bool,
    pub actor_name: String,
    pub source: crate::items::Source,
    /// When, in the program's time zone: "2026-11-28 14:05".
    pub at_text: String,
    pub day: NaiveDate,
}

/// The whole report as the page receives it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    pub program: crate::programs::ProgramDetails,
    pub as_of: NaiveDate,
    pub figures: Figures,
    /// The matches of `figures.matches` on this page (the table pages by 100).
    pub match_page: i64,
    pub match_pages: i64,
    /// How many matches the per-match table holds in all.
    pub match_total: i64,
    pub history: Vec<HistoryEntry>,
    /// Each published match's health, when the report is of today (health is a fact of now).
    pub health: Vec<(i64, crate::matches::health::Health)>,
}

/// Rows per page of the per-match table.
pub const MATCHES_PER_PAGE: usize = 100;

#[cfg(test)]
mod tests;
