//! A person's items, and completing and undoing them, with the rules of docs/rules.md
//! ("Milestone items", "Completing and undoing"). Each file has one job: `read` finds items,
//! `complete` and `undo` are the one way each change is written (the preconditions themselves
//! are `milestones::completing`, pure), `judge` fills how old completions were judged.

mod complete;
mod judge;
mod read;
mod undo;

pub use complete::complete;
pub use judge::judge_unjudged;
pub use read::{items_for, items_of_match};
pub use undo::undo;
