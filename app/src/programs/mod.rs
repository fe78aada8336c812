//! Programs: their name, description and time zone, the program form and its store.

pub mod fields;
pub mod form;
#[cfg(feature = "ssr")]
pub mod store;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A program as its admin pages show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgramDetails {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub time_zone: String,
    /// The program's calendar date now.
    pub today: NaiveDate,
}
