//! Enrollments: a person in a program as a mentor or a mentee, active or retired.

pub mod pages;
#[cfg(feature = "ssr")]
pub mod store;

use crate::kernel::roles::Role;
use serde::{Deserialize, Serialize};

/// One enrollment on the Participants page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Participant {
    pub enrollment_id: i64,
    pub user_id: i64,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub active: bool,
    /// Pending or published matches: while there are any, the enrollment cannot be retired.
    pub live_matches: i64,
}

/// What a list filter on enrollment state asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum EnrollmentState {
    Active,
    Retired,
}

impl EnrollmentState {
    pub fn as_str(self) -> &'static str {
        match self {
            EnrollmentState::Active => "active",
            EnrollmentState::Retired => "retired",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "active" => Some(EnrollmentState::Active),
            "retired" => Some(EnrollmentState::Retired),
            _ => None,
        }
    }
}
