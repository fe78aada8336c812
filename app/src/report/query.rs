//! The report's filters: the query as typed in the filter form, checked field by field.

use crate::error::FieldError;
use crate::kernel::roles::{MatchState, Role};
use crate::milestones::Category;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// What the report counts: every filter is optional; `as_of` is a day in the program's calendar.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Filters {
    pub category: Option<Category>,
    pub role: Option<Role>,
    /// Published (still running on the as-of day) or Ended (by the as-of day).
    pub state: Option<MatchState>,
    pub published_from: Option<NaiveDate>,
    pub published_to: Option<NaiveDate>,
}

/// The order of the per-match table.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum MatchOrder {
    /// Lowest completion first: the matches that need attention.
    #[default]
    Progress,
    MostOverdue,
    Mentor,
    Mentee,
    Newest,
    Oldest,
}

impl MatchOrder {
    pub const ALL: [MatchOrder; 6] = [
        MatchOrder::Progress,
        MatchOrder::MostOverdue,
        MatchOrder::Mentor,
        MatchOrder::Mentee,
        MatchOrder::Newest,
        MatchOrder::Oldest,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MatchOrder::Progress => "progress",
            MatchOrder::MostOverdue => "overdue",
            MatchOrder::Mentor => "mentor",
            MatchOrder::Mentee => "mentee",
            MatchOrder::Newest => "newest",
            MatchOrder::Oldest => "oldest",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.as_str() == value)
    }

    pub fn label(self) -> &'static str {
        match self {
            MatchOrder::Progress => "Least complete first",
            MatchOrder::MostOverdue => "Most overdue first",
            MatchOrder::Mentor => "Mentor name",
            MatchOrder::Mentee => "Mentee name",
            MatchOrder::Newest => "Newest publish date",
            MatchOrder::Oldest => "Oldest publish date",
        }
    }
}

/// The report's query as typed in the filter form; [`ReportQuery::parse`] checks it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReportQuery {
    pub category: String,
    pub role: String,
    pub state: String,
    pub from: String,
    pub to: String,
    pub as_of: String,
    pub sort: String,
    pub page: i64,
}

fn parse_day(value: &str, label: &str) -> Result<Option<NaiveDate>, String> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| format!("{label}: enter a date as YYYY-MM-DD, for example 2026-03-31."))
}

impl ReportQuery {
    /// The query from an address's parameters (`get` answers one parameter by name); a page
    /// number that is not a number is page 1.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> ReportQuery {
        let text = |key: &str| get(key).unwrap_or_default();
        ReportQuery {
            category: text("category"),
            role: text("role"),
            state: text("state"),
            from: text("from"),
            to: text("to"),
            as_of: text("as_of"),
            sort: text("sort"),
            page: crate::kernel::page::page_number(get("page").as_deref()),
        }
    }

    /// The filters, the as-of day (the program's `today` when empty) and the table order, or
    /// one message per field that is wrong.
    pub fn parse(
        &self,
        today: NaiveDate,
    ) -> Result<(Filters, NaiveDate, MatchOrder), Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut fail = |field: &'static str, message: String| {
            errors.push(FieldError {
                field: field.to_string(),
                message,
            })
        };
        let category = match self.category.as_str() {
            "" => None,
            other => Category::parse(other).or_else(|| {
                fail("category", "Category: choose one from the list.".into());
                None
            }),
        };
        let role = match self.role.as_str() {
            "" => None,
            other => Role::parse(other).or_else(|| {
                fail("role", "Program Role: choose one from the list.".into());
                None
            }),
        };
        let state = match self.state.as_str() {
            "" => None,
            "published" => Some(MatchState::Published),
            "ended" => Some(MatchState::Ended),
            _ => {
                fail("state", "Match state: choose one from the list.".into());
                None
            }
        };
        let from = parse_day(&self.from, "Published from").unwrap_or_else(|m| {
            fail("from", m);
            None
        });
        let to = parse_day(&self.to, "Published to").unwrap_or_else(|m| {
            fail("to", m);
            None
        });
        if let (Some(f), Some(t)) = (from, to)
            && f > t
        {
            fail(
                "to",
                "Published to: the end of the range is before its start.".into(),
            );
        }
        let as_of = match parse_day(&self.as_of, "As of") {
            Ok(Some(day)) if day > today => {
                fail(
                    "as_of",
                    format!(
                        "As of: the report can look back, not ahead; today is {}.",
                        crate::kernel::due_date::iso_date(today)
                    ),
                );
                today
            }
            Ok(day) => day.unwrap_or(today),
            Err(m) => {
                fail("as_of", m);
                today
            }
        };
        let order = MatchOrder::parse(&self.sort).unwrap_or_default();
        if errors.is_empty() {
            Ok((
                Filters {
                    category,
                    role,
                    state,
                    published_from: from,
                    published_to: to,
                },
                as_of,
                order,
            ))
        } else {
            Err(errors)
        }
    }
}
