//! Roles of participants in a program, states of their enrollments and of their matches.

use serde::{Deserialize, Serialize};

/// A participant's role in a program, which is also a milestone's Program Role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Mentor,
    Mentee,
}

impl Role {
    pub const ALL: [Role; 2] = [Role::Mentor, Role::Mentee];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Mentor => "mentor",
            Role::Mentee => "mentee",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "mentor" => Some(Role::Mentor),
            "mentee" => Some(Role::Mentee),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Mentor => "Mentor",
            Role::Mentee => "Mentee",
        }
    }
}

impl TryFrom<String> for Role {
    type Error = String;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Role::parse(&value).ok_or_else(|| format!("unknown role {value:?}"))
    }
}

/// pending → published → ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MatchState {
    Pending,
    Published,
    Ended,
}

impl MatchState {
    pub fn as_str(self) -> &'static str {
        match self {
            MatchState::Pending => "pending",
            MatchState::Published => "published",
            MatchState::Ended => "ended",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "pending" => Some(MatchState::Pending),
            "published" => Some(MatchState::Published),
            "ended" => Some(MatchState::Ended),
            _ => None,
        }
    }
}

impl TryFrom<String> for MatchState {
    type Error = String;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        MatchState::parse(&value).ok_or_else(|| format!("unknown match state {value:?}"))
    }
}

/// An enrollment is active, or retired (kept with its history, out of new matches).
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

impl TryFrom<String> for EnrollmentState {
    type Error = String;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        EnrollmentState::parse(&value).ok_or_else(|| format!("unknown enrollment state {value:?}"))
    }
}
