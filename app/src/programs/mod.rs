//! Programs: their participants, matches, imports and admin pages.

pub mod admin;
pub mod csv;
pub mod import_plan;
pub mod model;
pub mod overview;
pub mod roles;
#[cfg(feature = "ssr")]
pub mod store;
#[cfg(feature = "ssr")]
pub mod time_zone;
