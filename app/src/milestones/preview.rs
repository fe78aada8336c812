//! The live preview's arithmetic: which items a milestone has among the program's matches, their
//! due dates, and how many would already be overdue. Pure and shared: the browser runs it on
//! every keystroke with data the server sent once.

use super::rule::{ItemRule, MatchFact};
use super::{Category, DueOffset};
use crate::kernel::roles::Role;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// What the server sends once for the form's preview.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviewData {
    /// The program's today.
    pub today: Option<NaiveDate>,
    pub matches: Vec<MatchFact>,
    /// For an existing milestone: the matches and enrollments whose item is completed.
    pub completed_matches: Vec<i64>,
    pub completed_enrollments: Vec<i64>,
}

/// One item of the milestone: its anchor and whether it is done.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PreviewItem {
    pub anchor: NaiveDate,
    pub completed: bool,
}

/// The open items a milestone of this category and role has now (the item rule, without the
/// closed items), and whether each is completed.
pub fn items(data: &PreviewData, category: Category, role: Role) -> Vec<PreviewItem> {
    let done_matches: HashSet<i64> = data.completed_matches.iter().copied().collect();
    let done_enrollments: HashSet<i64> = data.completed_enrollments.iter().copied().collect();
    ItemRule::new(&data.matches)
        .items(category, role)
        .into_iter()
        .filter(|item| !item.closed)
        .map(|item| PreviewItem {
            anchor: item.anchor,
            completed: match item.match_id {
                Some(m) => done_matches.contains(&m),
                None => done_enrollments.contains(&item.enrollment_id),
            },
        })
        .collect()
}

/// The preview's summary for the program's items.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Summary {
    pub items: usize,
    pub open: usize,
    pub earliest_due: Option<NaiveDate>,
    pub latest_due: Option<NaiveDate>,
    /// Open items whose due date is before today.
    pub overdue: usize,
}

pub fn summarize(items: &[PreviewItem], offset: DueOffset, today: NaiveDate) -> Summary {
    let dues: Vec<(NaiveDate, bool)> = items
        .iter()
        .filter_map(|i| offset.due_from(i.anchor).map(|d| (d, i.completed)))
        .collect();
    Summary {
        items: items.len(),
        open: items.iter().filter(|i| !i.completed).count(),
        earliest_due: dues.iter().map(|d| d.0).min(),
        latest_due: dues.iter().map(|d| d.0).max(),
        overdue: dues.iter().filter(|(d, done)| !done && *d < today).count(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::milestones::OffsetUnit;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid")
    }

    fn data() -> PreviewData {
        let m = |id, mentor, mentee, on, ended| MatchFact {
            id,
            mentor_enrollment: mentor,
            mentee_enrollment: mentee,
            published_on: on,
            ended,
        };
        PreviewData {
            today: Some(day(2026, 3, 1)),
            matches: vec![
                m(1, 10, 20, day(2026, 1, 31), false),
                m(2, 10, 21, day(2026, 1, 10), true),
                m(3, 11, 22, day(2026, 2, 20), false),
            ],
            completed_matches: vec![3],
            completed_enrollments: vec![11],
        }
    }

    #[test]
    fn relationship_items_are_the_live_matches() {
        let items = items(&data(), Category::Relationship, Role::Mentor);
        assert_eq!(
            items,
            [
                PreviewItem {
                    anchor: day(2026, 1, 31),
                    completed: false
                },
                PreviewItem {
                    anchor: day(2026, 2, 20),
                    completed: true
                },
            ]
        );
        let offset = DueOffset::new(1, OffsetUnit::Months).expect("offset");
        let summary = summarize(&items, offset, day(2026, 3, 1));
        assert_eq!(summary.earliest_due, Some(day(2026, 2, 28)));
        assert_eq!(summary.latest_due, Some(day(2026, 3, 20)));
        assert_eq!((summary.items, summary.open, summary.overdue), (2, 1, 1));
    }

    #[test]
    fn program_items_are_anchored_on_each_persons_first_match() {
        let mentors = items(&data(), Category::Program, Role::Mentor);
        assert_eq!(
            mentors,
            [
                // Mentor 10's first match (ended) still anchors: 10 January.
                PreviewItem {
                    anchor: day(2026, 1, 10),
                    completed: false
                },
                PreviewItem {
                    anchor: day(2026, 2, 20),
                    completed: true
                },
            ]
        );
        // Mentee 21 only has an ended match: no open item.
        let mentees = items(&data(), Category::Program, Role::Mentee);
        assert_eq!(mentees.len(), 2);
    }
}
