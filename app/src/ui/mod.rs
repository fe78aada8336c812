//! The UI kit every page uses: the plain-form answers and the labelled field, the program page
//! frame and pager, server-issued messages after a form post, the `<Day>` date view, descriptions with safe links, and the error views.
//! It uses only the kernel and the error type.

pub mod changes;
pub mod copy;
pub mod data;
pub mod day;
pub mod description;
pub mod errors;
pub mod flash;
pub mod forms;
pub mod frame;
pub mod table;
pub mod title;
