//! Milestone items: what a participant completes. Derived from milestones and matches (never
//! typed in), with their due dates, status and completions.

pub mod completion;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod store;
#[cfg(feature = "ssr")]
pub mod throttle;

use crate::kernel::roles::Role;
use crate::milestones::{Category, ItemStatus};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Which item: a (relationship milestone, match) or a (program milestone, enrollment).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ItemKey {
    pub milestone_id: i64,
    pub enrollment_id: i64,
    pub match_id: Option<i64>,
}

/// Where a completion was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Source {
    Quickcliq,
    Profile,
    Admin,
    /// A check-in link of a reminder email.
    Email,
}

impl Source {
    /// Where a completion or undo is recorded as made, decided by the server
    /// (docs/rules.md, "Completing and undoing"): someone acting on their own item did so on
    /// their own page (the QuickcliQ or the Profile, as the request says, never "admin"); anyone
    /// else is an admin acting on the participant's behalf.
    pub fn decided(page: Source, actor_owns_the_item: bool) -> Source {
        match (actor_owns_the_item, page) {
            (true, Source::Admin) => Source::Quickcliq,
            (true, page) => page,
            (false, _) => Source::Admin,
        }
    }

    /// The page a completion or undo request says it came from: the QuickcliQ, the Profile or
    /// an admin's match page. "Email" is never taken from a request: only the check-in page
    /// records it, for the token's own person.
    pub fn from_page(value: &str) -> Source {
        match Source::parse(value) {
            Some(page @ (Source::Profile | Source::Admin)) => page,
            _ => Source::Quickcliq,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Source::Quickcliq => "quickcliq",
            Source::Profile => "profile",
            Source::Admin => "admin",
            Source::Email => "email",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "quickcliq" => Some(Source::Quickcliq),
            "profile" => Some(Source::Profile),
            "admin" => Some(Source::Admin),
            "email" => Some(Source::Email),
            _ => None,
        }
    }
}

/// What an entry of the completion history records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Action {
    Completed,
    Undone,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Completed => "completed",
            Action::Undone => "undone",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "completed" => Some(Action::Completed),
            "undone" => Some(Action::Undone),
            _ => None,
        }
    }
}

impl TryFrom<String> for Action {
    type Error = String;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Action::parse(&value).ok_or_else(|| format!("unknown history action {value:?}"))
    }
}

impl TryFrom<String> for Source {
    type Error = String;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Source::parse(&value).ok_or_else(|| format!("unknown completion source {value:?}"))
    }
}

/// A Resource Library entry that an item's description links to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkedResource {
    pub title: String,
    pub url: String,
    /// "Document" or "Video".
    pub kind: String,
}

/// One item as a participant's pages show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    pub key: ItemKey,
    pub milestone_name: String,
    pub description: String,
    pub category: Category,
    pub role: Role,
    pub program_id: i64,
    pub program_name: String,
    /// For relationship items: the other person of the match.
    pub partner_name: Option<String>,
    pub due: NaiveDate,
    pub status: ItemStatus,
    /// The program-calendar day it was completed, if it is.
    pub completed_on: Option<NaiveDate>,
    /// Whether the signed-in person is the one who completes it (else it is the partner's).
    pub mine: bool,
    /// Whether the signed-in person completed it (and so may undo it).
    pub completed_by_me: bool,
    /// Its match has ended (or its milestone is archived): nothing about it changes any more,
    /// its completion (if any) included.
    pub closed: bool,
    /// The Resource Library entries its description links to, in the order of the links.
    pub linked: Vec<LinkedResource>,
    /// On an admin's page: whose item it is.
    pub for_person: Option<String>,
}

/// A completion's outcome, as the server reports it after a complete or an undo.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemState {
    pub key: ItemKey,
    pub milestone_name: String,
    pub completed: bool,
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::Source;

    #[test]
    fn only_someone_acting_for_another_is_recorded_as_an_admin() {
        for page in [Source::Quickcliq, Source::Profile, Source::Admin] {
            assert_ne!(Source::decided(page, true), Source::Admin, "{page:?}");
            assert_eq!(Source::decided(page, false), Source::Admin);
        }
        assert_eq!(Source::decided(Source::Profile, true), Source::Profile);
    }

    #[test]
    fn no_request_can_say_it_came_from_an_email() {
        assert_eq!(Source::from_page("email"), Source::Quickcliq);
        assert_eq!(Source::from_page("profile"), Source::Profile);
        assert_eq!(Source::from_page("nonsense"), Source::Quickcliq);
    }
}
