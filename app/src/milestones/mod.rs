//! Milestones: definitions per program, their due offsets and the status of their items.

pub mod completing;
pub mod editor;
pub mod form;
pub mod list;
pub mod preview;
pub mod rule;
pub mod status;
#[cfg(feature = "ssr")]
pub mod store;

pub mod calculator;

pub use crate::kernel::due_date::{DueOffset, OffsetError, OffsetUnit, due_date};
pub use status::{ItemStatus, item_status};

use serde::{Deserialize, Serialize};

/// Program milestone or Relationship milestone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    Program,
    Relationship,
}

impl Category {
    pub const ALL: [Category; 2] = [Category::Program, Category::Relationship];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::Program => "program",
            Category::Relationship => "relationship",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "program" => Some(Category::Program),
            "relationship" => Some(Category::Relationship),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Category::Program => "Program milestone",
            Category::Relationship => "Relationship milestone",
        }
    }
}

impl TryFrom<String> for Category {
    type Error = String;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Category::parse(&value).ok_or_else(|| format!("unknown milestone category {value:?}"))
    }
}

/// A milestone as the admin pages show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MilestoneRecord {
    pub id: i64,
    pub name: String,
    pub category: Category,
    pub role: crate::kernel::roles::Role,
    pub offset: DueOffset,
    pub description: String,
    pub position: i64,
    pub archived: bool,
    pub completions: i64,
}
