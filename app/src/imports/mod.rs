//! CSV imports of participants and matches: what each row would do (pure), the staged file and
//! its confirmation, and the import pages.

pub mod pages;
pub mod plan;
#[cfg(feature = "ssr")]
pub mod store;
