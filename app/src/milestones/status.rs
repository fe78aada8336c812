//! The status of a milestone item on a given day (the program's today).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// An open item is "due soon" when its due date is at most this many days away.
pub const DUE_SOON_DAYS: i64 = 7;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ItemStatus {
    /// Completed; `late` keeps a completion after the due date visible as such.
    Completed { late: bool },
    /// Open, and today is after the due date.
    Overdue,
    /// Open, due today or within the next [`DUE_SOON_DAYS`] days.
    DueSoon,
    /// Open, due later than that.
    Upcoming,
    /// Never completed, and its match has ended: not counted as overdue.
    Closed,
}

impl ItemStatus {
    pub fn label(self) -> &'static str {
        match self {
            ItemStatus::Completed { late: false } => "Completed",
            ItemStatus::Completed { late: true } => "Completed late",
            ItemStatus::Overdue => "Overdue",
            ItemStatus::DueSoon => "Due soon",
            ItemStatus::Upcoming => "Upcoming",
            ItemStatus::Closed => "Closed",
        }
    }

    /// A stable name for styling and tests.
    pub fn css_class(self) -> &'static str {
        match self {
            ItemStatus::Completed { late: false } => "completed",
            ItemStatus::Completed { late: true } => "completed-late",
            ItemStatus::Overdue => "overdue",
            ItemStatus::DueSoon => "due-soon",
            ItemStatus::Upcoming => "upcoming",
            ItemStatus::Closed => "closed",
        }
    }

    pub fn is_open(self) -> bool {
        matches!(
            self,
            ItemStatus::Overdue | ItemStatus::DueSoon | ItemStatus::Upcoming
        )
    }
}

/// The status of an item due on `due`, seen on `today` (both in the program's time zone).
/// `completed_on` is the program-calendar day of its completion, if any; `match_ended` says
/// whether the match the item belongs to has ended.
pub fn item_status(
    due: NaiveDate,
    today: NaiveDate,
    completed_on: Option<NaiveDate>,
    match_ended: bool,
) -> ItemStatus {
    match completed_on {
        Some(day) => ItemStatus::Completed { late: day > due },
        None if match_ended => ItemStatus::Closed,
        None if today > due => ItemStatus::Overdue,
        None if (due - today).num_days() <= DUE_SOON_DAYS => ItemStatus::DueSoon,
        None => ItemStatus::Upcoming,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Days;
    use proptest::prelude::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
    }

    #[test]
    fn an_open_item_is_overdue_the_day_after_it_was_due() {
        let due = date(2026, 3, 10);
        assert_eq!(
            item_status(due, date(2026, 3, 10), None, false),
            ItemStatus::DueSoon
        );
        assert_eq!(
            item_status(due, date(2026, 3, 11), None, false),
            ItemStatus::Overdue
        );
    }

    #[test]
    fn due_soon_means_within_seven_days() {
        let today = date(2026, 3, 1);
        assert_eq!(
            item_status(date(2026, 3, 8), today, None, false),
            ItemStatus::DueSoon
        );
        assert_eq!(
            item_status(date(2026, 3, 9), today, None, false),
            ItemStatus::Upcoming
        );
    }

    #[test]
    fn a_late_completion_stays_visible_as_late() {
        let due = date(2026, 3, 10);
        let late = item_status(due, date(2026, 4, 1), Some(date(2026, 3, 12)), false);
        assert_eq!(late, ItemStatus::Completed { late: true });
        assert_eq!(late.label(), "Completed late");
        let on_time = item_status(due, date(2026, 4, 1), Some(date(2026, 3, 10)), false);
        assert_eq!(on_time, ItemStatus::Completed { late: false });
    }

    #[test]
    fn open_items_of_an_ended_match_are_closed_not_overdue() {
        let status = item_status(date(2026, 1, 1), date(2026, 6, 1), None, true);
        assert_eq!(status, ItemStatus::Closed);
        assert!(!status.is_open());
        let done = item_status(
            date(2026, 1, 1),
            date(2026, 6, 1),
            Some(date(2026, 1, 1)),
            true,
        );
        assert_eq!(done, ItemStatus::Completed { late: false });
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(10_000))]

        #[test]
        fn an_open_item_of_a_live_match_is_overdue_exactly_when_today_is_past_due(
            due_days in 0u64..4_000_000, back in 0u64..1_000, ahead in 0u64..1_000,
        ) {
            let due = date(1, 1, 1) + Days::new(due_days);
            let before = due - Days::new(back);
            let after = due + Days::new(ahead);
            prop_assert_ne!(item_status(due, before, None, false), ItemStatus::Overdue);
            prop_assert_eq!(item_status(due, after, None, false) == ItemStatus::Overdue, ahead > 0);
            prop_assert_eq!(item_status(due, before, None, false) == ItemStatus::DueSoon, back <= 7);
        }
    }
}
