//! Which milestone items exist: the one rule (docs/rules.md, "Milestone items") that the
//! milestone form's live preview, the participants' pages and the Activity Report all use.
//! Pure, so the browser runs it too.

use super::Category;
use crate::kernel::roles::Role;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A published or ended match of the program, as the rule reads it. Pending matches have no
/// items and are never given to the rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchFact {
    pub id: i64,
    pub mentor_enrollment: i64,
    pub mentee_enrollment: i64,
    pub published_on: NaiveDate,
    /// Ended matches still anchor program milestones; their relationship items are closed.
    pub ended: bool,
}

/// One milestone item: whose it is, of which match (relationship milestones), the day its due
/// date counts from, and whether it is closed (its match ended, or for a program milestone every
/// match of the person ended).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DerivedItem {
    pub enrollment_id: i64,
    pub match_id: Option<i64>,
    pub anchor: NaiveDate,
    pub closed: bool,
}

/// A participant as the program items see them: their role, their first publish date, and
/// whether any of their matches is still published.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Person {
    role: Role,
    anchor: NaiveDate,
    live: bool,
}

/// The items of any milestone of one program, given the program's published and ended matches.
#[derive(Clone, Debug)]
pub struct ItemRule<'a> {
    matches: &'a [MatchFact],
    people: BTreeMap<i64, Person>,
}

impl<'a> ItemRule<'a> {
    pub fn new(matches: &'a [MatchFact]) -> ItemRule<'a> {
        let mut people: BTreeMap<i64, Person> = BTreeMap::new();
        for m in matches {
            for (enrollment, role) in [
                (m.mentor_enrollment, Role::Mentor),
                (m.mentee_enrollment, Role::Mentee),
            ] {
                let person = people.entry(enrollment).or_insert(Person {
                    role,
                    anchor: m.published_on,
                    live: false,
                });
                person.anchor = person.anchor.min(m.published_on);
                person.live |= !m.ended;
            }
        }
        ItemRule { matches, people }
    }

    /// The items of a milestone of this category and role. A relationship milestone has one
    /// item per match (the mentor's or the mentee's, by role), anchored on the match's publish
    /// date; a program milestone has one per participant of that role with a match, anchored on
    /// their first publish date. Relationship items come in the order of the matches, program
    /// items in the order of the enrollment ids.
    pub fn items(&self, category: Category, role: Role) -> Vec<DerivedItem> {
        match category {
            Category::Relationship => self
                .matches
                .iter()
                .map(|m| DerivedItem {
                    enrollment_id: match role {
                        Role::Mentor => m.mentor_enrollment,
                        Role::Mentee => m.mentee_enrollment,
                    },
                    match_id: Some(m.id),
                    anchor: m.published_on,
                    closed: m.ended,
                })
                .collect(),
            Category::Program => self
                .people
                .iter()
                .filter(|(_, person)| person.role == role)
                .map(|(enrollment, person)| DerivedItem {
                    enrollment_id: *enrollment,
                    match_id: None,
                    anchor: person.anchor,
                    closed: !person.live,
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid")
    }

    fn fact(id: i64, mentor: i64, mentee: i64, on: NaiveDate, ended: bool) -> MatchFact {
        MatchFact {
            id,
            mentor_enrollment: mentor,
            mentee_enrollment: mentee,
            published_on: on,
            ended,
        }
    }

    #[test]
    fn relationship_items_are_one_per_match_for_the_role() {
        let matches = [
            fact(1, 10, 20, day(2026, 1, 31), false),
            fact(2, 10, 21, day(2026, 1, 10), true),
        ];
        let rule = ItemRule::new(&matches);
        let mentees = rule.items(Category::Relationship, Role::Mentee);
        assert_eq!(
            mentees,
            [
                DerivedItem {
                    enrollment_id: 20,
                    match_id: Some(1),
                    anchor: day(2026, 1, 31),
                    closed: false
                },
                DerivedItem {
                    enrollment_id: 21,
                    match_id: Some(2),
                    anchor: day(2026, 1, 10),
                    closed: true
                },
            ]
        );
        let mentors = rule.items(Category::Relationship, Role::Mentor);
        assert_eq!(
            mentors.iter().map(|i| i.enrollment_id).collect::<Vec<_>>(),
            [10, 10]
        );
    }

    #[test]
    fn program_items_anchor_on_the_first_match_and_close_when_every_match_ended() {
        let matches = [
            fact(1, 10, 20, day(2026, 1, 31), false),
            fact(2, 10, 21, day(2026, 1, 10), true),
            fact(3, 11, 22, day(2026, 2, 20), true),
        ];
        let rule = ItemRule::new(&matches);
        assert_eq!(
            rule.items(Category::Program, Role::Mentor),
            [
                // Mentor 10's first match ended but still anchors; the other is live.
                DerivedItem {
                    enrollment_id: 10,
                    match_id: None,
                    anchor: day(2026, 1, 10),
                    closed: false
                },
                DerivedItem {
                    enrollment_id: 11,
                    match_id: None,
                    anchor: day(2026, 2, 20),
                    closed: true
                },
            ]
        );
        let mentees = rule.items(Category::Program, Role::Mentee);
        assert_eq!(
            mentees.iter().map(|i| i.enrollment_id).collect::<Vec<_>>(),
            [20, 21, 22]
        );
    }

    #[test]
    fn no_matches_no_items() {
        let rule = ItemRule::new(&[]);
        for category in Category::ALL {
            assert!(rule.items(category, Role::Mentor).is_empty());
        }
    }
}
