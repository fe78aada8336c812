//! Whether an item may be completed or undone: the preconditions of docs/rules.md ("Completing
//! and undoing"), checked on facts read from the database. Pure, beside the item rule: the
//! one place these preconditions are written; `items::store` reads the facts and writes.

use super::Category;
use crate::kernel::due_date::{DueOffset, OffsetUnit};
use crate::kernel::roles::{MatchState, Role};
use chrono::NaiveDate;

/// Why an item cannot be completed or undone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// No such item for this person: a wrong key, or an item that does not exist.
    NotFound,
    /// Someone else's item, and the person asking does not administer its program.
    Forbidden,
    /// The item exists but the rules keep it as it is; the sentence says why.
    Kept(&'static str),
}

impl From<Refusal> for crate::error::AppError {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::NotFound => crate::error::AppError::NotFound,
            Refusal::Forbidden => crate::error::AppError::Forbidden,
            Refusal::Kept(message) => crate::error::AppError::invalid(message.to_string()),
        }
    }
}

pub const MATCH_ENDED: &str = "This match has ended, so its milestones are closed.";
pub const NO_PUBLISHED_MATCH: &str = "This milestone is closed: there is no published match.";
pub const ARCHIVED: &str =
    "This milestone was archived by the program admin and can't be completed.";
pub const ONLY_WHO_COMPLETED: &str = "Only the person who marked it complete can undo it.";
pub const ARCHIVED_KEPT: &str =
    "This milestone is archived, so its completions are kept as they are.";
pub const MATCH_ENDED_KEPT: &str = "This match has ended, so its completions are kept as they are.";

/// Who asks: their id, and whether they administer the milestone's program.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Asker {
    pub user_id: i64,
    pub administers: bool,
}

/// The match an item key names, as read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyMatch {
    pub program_id: i64,
    pub mentor_enrollment: i64,
    pub mentee_enrollment: i64,
    pub state: MatchState,
    pub published_on: Option<NaiveDate>,
}

/// Everything completing an item is decided on: the milestone, the enrollment the key names,
/// the match it names (if any) and that person's matches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompletionFacts {
    pub program_id: i64,
    pub category: Category,
    pub role: Role,
    pub archived: bool,
    pub offset_amount: i32,
    pub offset_unit: OffsetUnit,
    pub enrollment_id: i64,
    pub enrollment_program: i64,
    pub enrollment_role: Role,
    pub owner: i64,
    /// The key's match: `None` for a program item, or a match id that does not exist.
    pub key_names_a_match: bool,
    pub the_match: Option<KeyMatch>,
    /// How many of the person's matches are published now.
    pub live_matches: i64,
    /// The first day one of the person's matches was published.
    pub first_published_on: Option<NaiveDate>,
}

/// A completion the rules allow: the day it counts from, its due date as defined now, and
/// whether the person asking is the item's own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Completable {
    pub anchor: NaiveDate,
    pub due_on: Option<NaiveDate>,
    pub by_owner: bool,
}

/// The due date of an item from its milestone's offset and its anchor, if both are known.
pub fn judged_due(amount: i32, unit: OffsetUnit, anchor: Option<NaiveDate>) -> Option<NaiveDate> {
    let amount = u16::try_from(amount).ok()?;
    DueOffset::new(amount, unit).ok()?.due_from(anchor?)
}

/// Whether the item may be completed by the person asking, in the order the answers are
/// given: an item that is not this one's is not found; someone else's is forbidden; a closed
/// or archived one is kept.
pub fn check_completion(facts: &CompletionFacts, asker: Asker) -> Result<Completable, Refusal> {
    if facts.enrollment_program != facts.program_id || facts.enrollment_role != facts.role {
        return Err(Refusal::NotFound);
    }
    let by_owner = asker.user_id == facts.owner;
    if !by_owner && !asker.administers {
        return Err(Refusal::Forbidden);
    }
    let anchor = match (facts.category, facts.key_names_a_match) {
        (Category::Relationship, true) => {
            let found = facts.the_match.ok_or(Refusal::NotFound)?;
            let side = match facts.role {
                Role::Mentor => found.mentor_enrollment,
                Role::Mentee => found.mentee_enrollment,
            };
            if found.program_id != facts.program_id
                || side != facts.enrollment_id
                || found.state == MatchState::Pending
            {
                return Err(Refusal::NotFound);
            }
            if found.state == MatchState::Ended {
                return Err(Refusal::Kept(MATCH_ENDED));
            }
            found.published_on
        }
        (Category::Program, false) => {
            if facts.live_matches == 0 {
                return Err(Refusal::Kept(NO_PUBLISHED_MATCH));
            }
            facts.first_published_on
        }
        _ => return Err(Refusal::NotFound),
    };
    if facts.archived {
        return Err(Refusal::Kept(ARCHIVED));
    }
    // A published match always has its publish day; without one there is no item.
    let anchor = anchor.ok_or(Refusal::NotFound)?;
    Ok(Completable {
        anchor,
        due_on: judged_due(facts.offset_amount, facts.offset_unit, Some(anchor)),
        by_owner,
    })
}

/// Everything undoing an item is decided on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UndoFacts {
    pub archived: bool,
    /// The item's person, if the key's enrollment is of the milestone's program.
    pub owner: Option<i64>,
    /// The completion and who made it, if the item is completed.
    pub completion: Option<(i64, i64)>,
    pub match_state: Option<MatchState>,
}

/// What an undo the rules allow does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Undo {
    /// The item is open: nothing to undo, and that is said.
    NothingToUndo,
    /// Delete this completion; `by_owner` says whether its own person asked.
    Delete { completion: i64, by_owner: bool },
}

/// Whether the item's completion may be undone: only by who made it, and never once the
/// milestone is archived or the match ended (undone, it could never be completed again).
pub fn check_undo(facts: &UndoFacts, asker: Asker) -> Result<Undo, Refusal> {
    let owner = facts.owner.ok_or(Refusal::NotFound)?;
    let by_owner = asker.user_id == owner;
    if !by_owner && !asker.administers {
        return Err(Refusal::Forbidden);
    }
    let Some((completion, by)) = facts.completion else {
        return Ok(Undo::NothingToUndo);
    };
    if by != asker.user_id {
        return Err(Refusal::Kept(ONLY_WHO_COMPLETED));
    }
    if facts.archived {
        return Err(Refusal::Kept(ARCHIVED_KEPT));
    }
    if facts.match_state == Some(MatchState::Ended) {
        return Err(Refusal::Kept(MATCH_ENDED_KEPT));
    }
    Ok(Undo::Delete {
        completion,
        by_owner,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, d).expect("a day")
    }

    const MENTOR: i64 = 10;
    const MENTEE: i64 = 11;
    const OWNER: i64 = 100;

    fn relationship() -> CompletionFacts {
        CompletionFacts {
            program_id: 1,
            category: Category::Relationship,
            role: Role::Mentor,
            archived: false,
            offset_amount: 2,
            offset_unit: OffsetUnit::Weeks,
            enrollment_id: MENTOR,
            enrollment_program: 1,
            enrollment_role: Role::Mentor,
            owner: OWNER,
            key_names_a_match: true,
            the_match: Some(KeyMatch {
                program_id: 1,
                mentor_enrollment: MENTOR,
                mentee_enrollment: MENTEE,
                state: MatchState::Published,
                published_on: Some(day(2)),
            }),
            live_matches: 1,
            first_published_on: Some(day(1)),
        }
    }

    fn program() -> CompletionFacts {
        CompletionFacts {
            category: Category::Program,
            key_names_a_match: false,
            the_match: None,
            ..relationship()
        }
    }

    const OWN: Asker = Asker {
        user_id: OWNER,
        administers: false,
    };
    const STRANGER: Asker = Asker {
        user_id: 7,
        administers: false,
    };
    const ADMIN: Asker = Asker {
        user_id: 7,
        administers: true,
    };

    #[test]
    fn a_relationship_item_counts_from_its_match_and_a_program_item_from_the_first() {
        let relationship = check_completion(&relationship(), OWN).expect("allowed");
        assert_eq!(relationship.anchor, day(2));
        assert_eq!(relationship.due_on, Some(day(16)));
        assert!(relationship.by_owner);
        let program = check_completion(&program(), OWN).expect("allowed");
        assert_eq!(program.anchor, day(1));
        assert_eq!(program.due_on, Some(day(15)));
    }

    #[test]
    fn only_the_owner_or_an_admin_of_the_program_completes() {
        assert_eq!(
            check_completion(&relationship(), STRANGER),
            Err(Refusal::Forbidden)
        );
        let admin = check_completion(&relationship(), ADMIN).expect("on their behalf");
        assert!(!admin.by_owner);
    }

    #[test]
    fn a_key_that_does_not_name_this_item_is_not_found() {
        let wrong = [
            CompletionFacts {
                enrollment_program: 2,
                ..relationship()
            },
            CompletionFacts {
                enrollment_role: Role::Mentee,
                ..relationship()
            },
            CompletionFacts {
                the_match: None,
                ..relationship()
            },
            CompletionFacts {
                enrollment_id: MENTEE,
                ..relationship()
            },
            CompletionFacts {
                key_names_a_match: false,
                ..relationship()
            },
            CompletionFacts {
                key_names_a_match: true,
                ..program()
            },
        ];
        for facts in wrong {
            assert_eq!(
                check_completion(&facts, ADMIN),
                Err(Refusal::NotFound),
                "{facts:?}"
            );
        }
        let mut pending = relationship();
        pending.the_match = pending.the_match.map(|m| KeyMatch {
            state: MatchState::Pending,
            published_on: None,
            ..m
        });
        assert_eq!(check_completion(&pending, OWN), Err(Refusal::NotFound));
        let mut elsewhere = relationship();
        elsewhere.the_match = elsewhere.the_match.map(|m| KeyMatch { program_id: 9, ..m });
        assert_eq!(check_completion(&elsewhere, OWN), Err(Refusal::NotFound));
    }

    #[test]
    fn closed_items_are_refused_with_a_reason_and_the_match_is_said_first() {
        let mut ended = relationship();
        ended.the_match = ended.the_match.map(|m| KeyMatch {
            state: MatchState::Ended,
            ..m
        });
        ended.archived = true;
        assert_eq!(
            check_completion(&ended, OWN),
            Err(Refusal::Kept(MATCH_ENDED))
        );
        let no_live = CompletionFacts {
            live_matches: 0,
            archived: true,
            ..program()
        };
        assert_eq!(
            check_completion(&no_live, OWN),
            Err(Refusal::Kept(NO_PUBLISHED_MATCH))
        );
        let archived = CompletionFacts {
            archived: true,
            ..program()
        };
        assert_eq!(
            check_completion(&archived, OWN),
            Err(Refusal::Kept(ARCHIVED))
        );
    }

    fn completed() -> UndoFacts {
        UndoFacts {
            archived: false,
            owner: Some(OWNER),
            completion: Some((5, OWNER)),
            match_state: Some(MatchState::Published),
        }
    }

    #[test]
    fn only_who_completed_undoes_while_the_item_is_open_to_change() {
        assert_eq!(
            check_undo(&completed(), OWN),
            Ok(Undo::Delete {
                completion: 5,
                by_owner: true
            })
        );
        assert_eq!(
            check_undo(&completed(), ADMIN),
            Err(Refusal::Kept(ONLY_WHO_COMPLETED))
        );
        assert_eq!(check_undo(&completed(), STRANGER), Err(Refusal::Forbidden));
        let by_admin = UndoFacts {
            completion: Some((5, ADMIN.user_id)),
            ..completed()
        };
        assert_eq!(
            check_undo(&by_admin, ADMIN),
            Ok(Undo::Delete {
                completion: 5,
                by_owner: false
            })
        );
        let open = UndoFacts {
            completion: None,
            archived: true,
            ..completed()
        };
        assert_eq!(check_undo(&open, OWN), Ok(Undo::NothingToUndo));
        let archived = UndoFacts {
            archived: true,
            match_state: Some(MatchState::Ended),
            ..completed()
        };
        assert_eq!(
            check_undo(&archived, OWN),
            Err(Refusal::Kept(ARCHIVED_KEPT))
        );
        let ended = UndoFacts {
            match_state: Some(MatchState::Ended),
            ..completed()
        };
        assert_eq!(
            check_undo(&ended, OWN),
            Err(Refusal::Kept(MATCH_ENDED_KEPT))
        );
        let elsewhere = UndoFacts {
            owner: None,
            ..completed()
        };
        assert_eq!(check_undo(&elsewhere, ADMIN), Err(Refusal::NotFound));
    }
}
