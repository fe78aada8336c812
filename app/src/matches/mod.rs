//! Matches: a mentor and a mentee of a program, pending, published or ended, and the rules for
//! their publish and end dates.

pub mod health;
#[cfg(feature = "ssr")]
pub mod health_store;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod store;

use crate::kernel::roles::MatchState;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// One match on the Matches page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct MatchListing {
    pub id: i64,
    pub mentor_name: String,
    pub mentor_email: String,
    pub mentee_name: String,
    pub mentee_email: String,
    #[cfg_attr(feature = "ssr", sqlx(try_from = "String"))]
    pub state: MatchState,
    pub published_on: Option<NaiveDate>,
    pub ended_on: Option<NaiveDate>,
    /// A published match's health on the program's today (`health::health`).
    #[cfg_attr(feature = "ssr", sqlx(skip))]
    pub health: Option<health::Health>,
}

/// How the Matches page orders its rows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum MatchSort {
    /// Newest match first.
    #[default]
    Newest,
    /// Most recently published first; pending matches last.
    Published,
    Mentor,
    Mentee,
    /// Pending, then published, then ended.
    State,
}

impl MatchSort {
    pub const ALL: [MatchSort; 5] = [
        MatchSort::Newest,
        MatchSort::Published,
        MatchSort::Mentor,
        MatchSort::Mentee,
        MatchSort::State,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MatchSort::Newest => "newest",
            MatchSort::Published => "published",
            MatchSort::Mentor => "mentor",
            MatchSort::Mentee => "mentee",
            MatchSort::State => "state",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            MatchSort::Newest => "Newest first",
            MatchSort::Published => "Publish date, latest first",
            MatchSort::Mentor => "Mentor name",
            MatchSort::Mentee => "Mentee name",
            MatchSort::State => "State",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        MatchSort::ALL.into_iter().find(|s| s.as_str() == value)
    }

    /// The ORDER BY of the matches query; a fixed string per variant, never user text.
    pub fn order_by(self) -> &'static str {
        match self {
            MatchSort::Newest => "m.id DESC",
            MatchSort::Published => {
                "CASE WHEN m.published_on IS NULL THEN 1 ELSE 0 END, m.published_on DESC, m.id DESC"
            }
            MatchSort::Mentor => "lower(mu.display_name), lower(eu.display_name), m.id",
            MatchSort::Mentee => "lower(eu.display_name), lower(mu.display_name), m.id",
            MatchSort::State => {
                "CASE m.state WHEN 'pending' THEN 0 WHEN 'published' THEN 1 ELSE 2 END, \
                 m.published_on DESC, m.id DESC"
            }
        }
    }
}

/// The oldest publish date accepted, counted back from the program's today: enough for any
/// ongoing cohort, and it catches a mistyped year.
pub const MAX_PUBLISH_YEARS_BACK: i32 = 10;

/// The publish date for a match: `chosen` (an earlier date, when an ongoing cohort is brought
/// in) or the program's `today`. Never a future date.
pub fn publish_date(chosen: Option<NaiveDate>, today: NaiveDate) -> Result<NaiveDate, String> {
    let Some(date) = chosen else {
        return Ok(today);
    };
    if date > today {
        return Err(format!(
            "The publish date {} is in the future; it can be today ({}) or earlier.",
            date.format("%Y-%m-%d"),
            today.format("%Y-%m-%d")
        ));
    }
    let oldest = today
        .with_year(today.year() - MAX_PUBLISH_YEARS_BACK)
        .or_else(|| {
            today
                .pred_opt()
                .and_then(|d| d.with_year(d.year() - MAX_PUBLISH_YEARS_BACK))
        })
        .unwrap_or(NaiveDate::MIN);
    if date < oldest {
        return Err(format!(
            "The publish date {} is more than {MAX_PUBLISH_YEARS_BACK} years ago; check the year.",
            date.format("%Y-%m-%d")
        ));
    }
    Ok(date)
}

/// The day a match ends: the program's today, or its publish date if the program's calendar is
/// behind it (a time zone changed since publishing); a match never ends before it began.
pub fn end_date(today: NaiveDate, published_on: NaiveDate) -> NaiveDate {
    today.max(published_on)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid")
    }

    #[test]
    fn publishing_defaults_to_today_and_accepts_earlier_days_only() {
        let today = day(2026, 11, 28);
        assert_eq!(publish_date(None, today), Ok(today));
        assert_eq!(publish_date(Some(today), today), Ok(today));
        assert_eq!(
            publish_date(Some(day(2026, 9, 1)), today),
            Ok(day(2026, 9, 1))
        );
        let future = publish_date(Some(day(2026, 11, 29)), today).expect_err("future");
        assert!(future.contains("in the future"), "{future}");
        let ancient = publish_date(Some(day(1926, 11, 29)), today).expect_err("typo year");
        assert!(ancient.contains("check the year"), "{ancient}");
        assert_eq!(
            publish_date(Some(day(2016, 11, 28)), today),
            Ok(day(2016, 11, 28))
        );
        // Ten years back from a 29 February is a valid bound too.
        assert!(publish_date(Some(day(2014, 3, 1)), day(2024, 2, 29)).is_ok());
    }

    #[test]
    fn a_match_never_ends_before_it_was_published() {
        assert_eq!(end_date(day(2026, 5, 2), day(2026, 5, 1)), day(2026, 5, 2));
        assert_eq!(end_date(day(2026, 4, 30), day(2026, 5, 1)), day(2026, 5, 1));
    }

    #[test]
    fn sorts_round_trip_through_their_names() {
        for sort in MatchSort::ALL {
            assert_eq!(MatchSort::parse(sort.as_str()), Some(sort));
        }
        assert_eq!(MatchSort::parse("drop table"), None);
    }
}
