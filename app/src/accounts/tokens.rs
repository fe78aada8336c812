//! Long random tokens for addresses that act as keys (calendar feeds, email check-ins).

use argon2::password_hash::rand_core::{OsRng, RngCore};

/// 256 random bits from the operating system, as 64 lowercase hexadecimal characters (safe in
/// a path, a query and an email without encoding).
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The SHA-256 of a token as lowercase hexadecimal: what is stored of a token that is never
/// shown again, so a read of the table opens nothing.
pub fn token_hash(token: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Whether a text could be a token made by [`new_token`]: what an address must hold before it
/// is looked up.
pub fn looks_like_token(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_recognised() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert!(looks_like_token(&a) && looks_like_token(&b));
        assert!(!looks_like_token(&a[..63]));
        assert!(!looks_like_token(&a.to_uppercase()));
        assert!(!looks_like_token("../../etc/passwd"));
    }
}
