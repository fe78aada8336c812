//! The one date view: a calendar day as `<time datetime="2026-02-28">Sat 28 Feb 2026</time>`.

use crate::kernel::due_date::{iso_date, readable_date};
use chrono::NaiveDate;
use leptos::prelude::*;

/// A day, readable on the page and machine-readable in `datetime`.
#[component]
pub fn Day(date: NaiveDate, #[prop(optional)] class: Option<&'static str>) -> impl IntoView {
    view! { <time class=class datetime=iso_date(date)>{readable_date(date)}</time> }
}
