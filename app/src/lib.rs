//! Mentoring Milestones: shared types, due-date logic, components and server functions.
//! Built with `ssr` for the server and `hydrate` for the browser, never both.
//!
//! Layers, from the bottom up; each uses only the ones below it (`scripts/layers.py` checks):
//! `kernel` (pure vocabulary and rules), `db` (the database interface), `error`, `ui` (the page
//! kit), the features side by side (`accounts`, `programs`, `enrollments`, `matches`,
//! `imports`, `milestones`, `resources`, `items`, `report`, `quickcliq`, `calendar`,
//! `checkins`, `mail`, `people`), `panel` (pages that
//! compose features) and `shell` (the document, header and routes). `dev` (demo data,
//! generator, scratch databases) is for the server binary and tests only.

#![recursion_limit = "512"]

pub mod kernel;

#[cfg(feature = "ssr")]
pub mod db;
pub mod error;

pub mod ui;

pub mod accounts;
pub mod calendar;
pub mod checkins;
pub mod cycles;
pub mod enrollments;
pub mod imports;
pub mod items;
pub mod mail;
pub mod matches;
pub mod milestones;
pub mod people;
pub mod programs;
pub mod quickcliq;
pub mod report;
pub mod resources;

pub mod panel;
pub mod shell;

#[cfg(feature = "ssr")]
pub mod dev;
