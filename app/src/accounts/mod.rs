//! Accounts: who people are, how they sign in, and what they may do.

pub mod access;
pub mod account;
#[cfg(feature = "ssr")]
pub mod attempts;
#[cfg(feature = "ssr")]
pub mod password;
#[cfg(feature = "ssr")]
pub mod sessions;
pub mod sign_in;
#[cfg(feature = "ssr")]
pub mod store;
#[cfg(feature = "ssr")]
pub mod tokens;
pub mod validation;

use crate::kernel::roles::Role;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Session keys.
pub const SESSION_USER_ID: &str = "user_id";
pub const SESSION_SIGNED_IN_AT: &str = "signed_in_at";
/// When the session last had a request (unix seconds), written at most every
/// [`SESSION_TOUCH_SECONDS`].
pub const SESSION_SEEN_AT: &str = "seen_at";
/// A session in use is kept alive by a write at most this often.
pub const SESSION_TOUCH_SECONDS: i64 = 5 * 60;
/// A session ends after this long without a request.
pub const SESSION_IDLE_MINUTES: i64 = 12 * 60;
/// A session ends this long after sign-in, however active.
pub const SESSION_ABSOLUTE_SECONDS: i64 = 7 * 24 * 60 * 60;

/// The message for wrong credentials; it never says which part was wrong.
pub const WRONG_CREDENTIALS: &str = "That email and password do not match an account.";
/// The message for the right password of a disabled account.
pub const ACCOUNT_DISABLED: &str =
    "This account is disabled. Ask a site admin of your mentoring program to enable it.";
/// The message when too many sign-ins are being checked at once.
pub const BUSY: &str = "Many people are signing in right now. Please try again in a moment.";

/// Whether an account is waiting for its owner to accept the invitation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AccountState {
    /// Invited; the day the last invitation went.
    Invited(chrono::NaiveDate),
    Active,
}

/// A person's enrollment in a program.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrollmentRef {
    pub id: i64,
    pub program_id: i64,
    pub role: Role,
    pub active: bool,
}

/// The signed-in person and every role they hold.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub is_site_admin: bool,
    /// Programs this person administers.
    pub admin_of: Vec<i64>,
    pub enrollments: Vec<EnrollmentRef>,
}

impl CurrentUser {
    pub fn is_any_admin(&self) -> bool {
        self.is_site_admin || !self.admin_of.is_empty()
    }

    pub fn is_participant(&self) -> bool {
        self.enrollments.iter().any(|e| e.active)
    }

    /// Where this person works: admins on their Program Admin Panel, participants on their
    /// QuickcliQ.
    pub fn landing_path(&self) -> String {
        if let Some(program) = self.admin_of.first() {
            format!("/programs/{program}")
        } else if self.is_site_admin {
            "/programs".to_string()
        } else {
            "/quickcliq".to_string()
        }
    }
}

/// Who is asking, as the identity middleware found it for this request.
#[derive(Clone, Debug, Default)]
pub struct Identity(pub Option<CurrentUser>);

/// The signed-in person of the request being handled, if any.
#[cfg(feature = "ssr")]
pub fn identity() -> Option<CurrentUser> {
    use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<Identity>().cloned())
        .and_then(|identity| identity.0)
}

/// Whether `next` is a path of this site, safe to redirect to after sign-in: one `/` followed
/// by anything but `/`, and no backslash, whitespace or control character anywhere. Browsers
/// drop tabs and newlines from an address and read `\` as `/`, so `/\t/evil.example` would
/// become `//evil.example`, another site. Sign-in itself is never a target.
pub fn is_safe_next(next: &str) -> bool {
    let Some(rest) = next.strip_prefix('/') else {
        return false;
    };
    next.len() <= 2048
        && !rest.starts_with('/')
        && !next
            .chars()
            .any(|c| c == '\\' || c.is_whitespace() || c.is_control())
        && !next.starts_with("/sign-in")
}

/// The header's view of the signed-in person.
#[server(endpoint = "accounts/whoami")]
pub async fn whoami() -> Result<Option<CurrentUser>, crate::error::AppError> {
    Ok(identity())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(site: bool, admin_of: Vec<i64>, enrolled: bool) -> CurrentUser {
        CurrentUser {
            id: 1,
            email: "a@example.com".into(),
            name: "A".into(),
            is_site_admin: site,
            admin_of,
            enrollments: if enrolled {
                vec![EnrollmentRef {
                    id: 3,
                    program_id: 7,
                    role: Role::Mentor,
                    active: true,
                }]
            } else {
                vec![]
            },
        }
    }

    #[test]
    fn admins_land_on_their_program_admin_panel_and_participants_on_their_quickcliq() {
        assert_eq!(user(false, vec![7], true).landing_path(), "/programs/7");
        assert_eq!(user(true, vec![], false).landing_path(), "/programs");
        assert_eq!(user(false, vec![], true).landing_path(), "/quickcliq");
    }

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        assert!(is_safe_next("/programs/1"));
        assert!(is_safe_next("/quickcliq?x=1"));
        for bad in [
            "https://evil.example",
            "//evil.example",
            "/\\evil",
            "",
            "javascript:x",
            "/sign-in",
            "/\t/evil.example",
            "/\n/evil.example",
            "/ /evil.example",
            "/\u{a0}/evil.example",
            "/\u{7f}/evil.example",
        ] {
            assert!(!is_safe_next(bad), "{bad:?}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config::with_cases(10_000))]

        #[test]
        fn an_accepted_next_stays_on_this_site_as_a_browser_reads_it(
            next in "[/\\\\\t\n\r a-z.:%?#\u{0}-\u{1f}\u{7f}\u{a0}\u{2028}]{0,12}"
        ) {
            if is_safe_next(&next) {
                // What a browser makes of a Location: tabs and newlines removed, leading and
                // trailing controls and spaces stripped, backslashes read as slashes.
                let read: String = next
                    .chars()
                    .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
                    .collect::<String>()
                    .trim_matches(|c: char| c <= ' ')
                    .replace('\\', "/");
                proptest::prop_assert!(read.starts_with('/') && !read.starts_with("//"), "{next:?}");
            }
        }
    }
}
