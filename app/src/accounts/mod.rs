//! Accounts: who people are and how they prove it.

#[cfg(feature = "ssr")]
pub mod password;
