//! The kernel: the product's vocabulary and pure rules, with no framework and nothing else of the
//! crate. Everything may use it; it uses nothing above it.

pub mod csv;
pub mod due_date;
pub mod links;
pub mod page;
pub mod public_url;
pub mod roles;
pub mod text;
#[cfg(feature = "ssr")]
pub mod time_zone;
