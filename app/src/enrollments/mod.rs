//! Enrollments: a person in a program as a mentor or a mentee, active or retired. The
//! Participants page that enrols people is `people::participants`, above the invitations.

#[cfg(feature = "ssr")]
pub mod store;

pub use crate::kernel::roles::EnrollmentState;
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
    /// Whether the person has accepted their invitation.
    pub account: crate::accounts::AccountState,
}
