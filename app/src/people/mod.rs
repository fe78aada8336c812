//! People: bringing people in and back in without anyone typing a password for them. Admins
//! invite (the Users page, enrolling, importing); the invited choose their password from a
//! one-use link (`/welcome/{token}`); anyone who forgot theirs gets a link of their own
//! (`/reset-password/{token}`). Rules in docs/rules.md, "Invitations and password resets".

#[cfg(feature = "ssr")]
pub mod emails;
#[cfg(feature = "ssr")]
pub mod invite;
#[cfg(feature = "ssr")]
pub mod oidc;
pub mod pages;
pub mod participants;
pub mod status;
#[cfg(feature = "ssr")]
pub mod store;
pub mod users;

use serde::{Deserialize, Serialize};

/// How long an invitation link works.
pub const INVITATION_DAYS: i64 = 14;
/// How long a password-reset link works.
pub const RESET_MINUTES: i64 = 60;
/// Links a person may ask for themself (a new invitation link, a forgotten password), per
/// account and kind, in any hour.
pub const SELF_SERVICE_LINKS_PER_HOUR: i64 = 3;

/// The one answer to "Forgot your password?", whoever asks.
pub const FORGOT_ANSWER: &str = "If an account exists for that address, we have sent it a link.";

/// What a one-use link is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Purpose {
    Invitation,
    PasswordReset,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Invitation => "invitation",
            Purpose::PasswordReset => "password_reset",
        }
    }

    /// The page a link of this kind opens.
    pub fn path(self, token: &str) -> String {
        match self {
            Purpose::Invitation => format!("/welcome/{token}"),
            Purpose::PasswordReset => format!("/reset-password/{token}"),
        }
    }
}

/// What a link's address leads to when it is opened.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LinkState {
    /// Usable: the person it was sent to.
    Open { name: String, email: String },
    /// Used already (each link works once).
    Used,
    /// Past its time.
    Expired,
    /// The account was disabled since.
    Disabled,
    /// No such link (mistyped, forged, or of the other kind).
    Unknown,
}

impl LinkState {
    /// The one sentence a link that cannot be used shows.
    pub fn refusal(&self, purpose: Purpose) -> Option<&'static str> {
        match (self, purpose) {
            (LinkState::Open { .. }, _) => None,
            (LinkState::Used, Purpose::Invitation) => {
                Some("This invitation link has been used already: each link works once.")
            }
            (LinkState::Used, Purpose::PasswordReset) => {
                Some("This link has been used already: each link works once.")
            }
            (LinkState::Expired, Purpose::Invitation) => {
                Some("This invitation link has expired: invitation links work for 14 days.")
            }
            (LinkState::Expired, Purpose::PasswordReset) => {
                Some("This link has expired: password links work for one hour.")
            }
            (LinkState::Disabled, _) => Some(crate::accounts::ACCOUNT_DISABLED),
            (LinkState::Unknown, _) => Some(
                "This link is not valid. Check that you copied the whole address from the email.",
            ),
        }
    }

    /// Whether the page offers **Send me a new link** (to the account's own address).
    pub fn offers_new_link(&self) -> bool {
        matches!(self, LinkState::Used | LinkState::Expired)
    }
}

/// What a form about a password (set from an invitation, reset) hands back to its page after a
/// refused post: each message by the field it is about (`""` for the form as a whole).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordFormFlash {
    pub errors: Vec<(String, String)>,
    /// A note for the whole page (a new link was sent, or could not be).
    pub notice: Option<String>,
}

impl PasswordFormFlash {
    pub fn error(&self, field: &str) -> Option<String> {
        self.errors
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.clone())
    }
}

/// The checks of a new password typed twice, as Change password makes them: each message by
/// its field.
pub fn check_new_password(
    password: &str,
    confirm: &str,
) -> Result<crate::accounts::validation::NewPassword, Vec<(String, String)>> {
    let new = crate::accounts::validation::NewPassword::parse(password)
        .map_err(|m| vec![("new_password".to_string(), m)])?;
    if confirm != password {
        return Err(vec![(
            "confirm_password".to_string(),
            "This is not the same as the new password.".to_string(),
        )]);
    }
    Ok(new)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_password_is_checked_as_change_password_checks_it() {
        assert!(check_new_password("a long password", "a long password").is_ok());
        assert_eq!(
            check_new_password("short", "short").unwrap_err()[0].0,
            "new_password"
        );
        assert_eq!(
            check_new_password("a long password", "a long passw0rd").unwrap_err()[0].0,
            "confirm_password"
        );
    }

    #[test]
    fn only_used_and_expired_links_offer_a_new_one() {
        assert!(LinkState::Used.offers_new_link());
        assert!(LinkState::Expired.offers_new_link());
        assert!(!LinkState::Unknown.offers_new_link());
        assert!(!LinkState::Disabled.offers_new_link());
        let open = LinkState::Open {
            name: "A".into(),
            email: "a@example.com".into(),
        };
        assert!(!open.offers_new_link());
        assert_eq!(open.refusal(Purpose::Invitation), None);
        for state in [LinkState::Used, LinkState::Expired, LinkState::Unknown] {
            for purpose in [Purpose::Invitation, Purpose::PasswordReset] {
                assert!(state.refusal(purpose).is_some_and(|s| s.ends_with('.')));
            }
        }
    }
}
