//! Programs: their participants, matches and the overview page.

pub mod overview;
pub mod roles;
#[cfg(feature = "ssr")]
pub mod time_zone;
