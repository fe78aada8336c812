//! Account fields, parsed once: an invalid email, name or password cannot exist as a value.

use serde::{Deserialize, Serialize};

pub const MIN_PASSWORD_CHARS: usize = 10;
pub const MAX_PASSWORD_CHARS: usize = 256;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Email(String);

impl Email {
    /// Trimmed and lower-cased; one `@` with text on both sides and a dot in the domain.
    pub fn parse(input: &str) -> Result<Email, String> {
        let email = input.trim().to_lowercase();
        let invalid = || "Enter an email address like name@example.com.".to_string();
        if email.is_empty() {
            return Err("Enter an email address.".to_string());
        }
        if email.chars().count() > 254 || email.chars().any(char::is_whitespace) {
            return Err(invalid());
        }
        let (local, domain) = email.split_once('@').ok_or_else(invalid)?;
        if local.is_empty()
            || domain.is_empty()
            || domain.contains('@')
            || !domain.contains('.')
            || domain.starts_with('.')
            || domain.ends_with('.')
        {
            return Err(invalid());
        }
        Ok(Email(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisplayName(String);

impl DisplayName {
    pub fn parse(input: &str) -> Result<DisplayName, String> {
        let name = input.trim();
        match name.chars().count() {
            0 => Err("Enter the person's name.".to_string()),
            1..=120 => Ok(DisplayName(name.to_string())),
            _ => Err("Use at most 120 characters.".to_string()),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A new password: long enough to resist guessing, short enough to hash quickly.
#[derive(Clone, PartialEq, Eq)]
pub struct NewPassword(String);

impl NewPassword {
    pub fn parse(input: &str) -> Result<NewPassword, String> {
        let count = input.chars().count();
        if count < MIN_PASSWORD_CHARS {
            Err(format!("Use at least {MIN_PASSWORD_CHARS} characters."))
        } else if count > MAX_PASSWORD_CHARS {
            Err(format!("Use at most {MAX_PASSWORD_CHARS} characters."))
        } else {
            Ok(NewPassword(input.to_string()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(…)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_or_refused() {
        assert_eq!(
            Email::parse("  Jo.Smith@Example.COM ").map(|e| e.0),
            Ok("jo.smith@example.com".into())
        );
        for bad in [
            "",
            "jo",
            "jo@",
            "@example.com",
            "jo@example",
            "jo@@example.com",
            "jo smith@example.com",
            "jo@.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn names_and_passwords_have_limits() {
        assert!(DisplayName::parse("   ").is_err());
        assert_eq!(DisplayName::parse(" Ada ").map(|n| n.0), Ok("Ada".into()));
        assert!(DisplayName::parse(&"n".repeat(121)).is_err());
        assert!(NewPassword::parse("short").is_err());
        assert!(NewPassword::parse("long enough pass").is_ok());
        assert!(NewPassword::parse(&"p".repeat(257)).is_err());
        assert_eq!(
            format!("{:?}", NewPassword::parse("secret-password").ok()),
            "Some(NewPassword(…))"
        );
    }
}
