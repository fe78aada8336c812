//! A milestone description on a page: the safe-link pieces of `kernel::links` as text nodes and
//! `<a>` elements, so no input can become markup.

use crate::kernel::links::{Segment, segments};
use leptos::prelude::*;

/// A description as participants see it: text with its line breaks, and safe links that open in
/// a new tab.
#[component]
pub fn DescriptionText(#[prop(into)] text: String) -> impl IntoView {
    segments(&text)
        .into_iter()
        .map(|segment| match segment {
            Segment::Text(text) => text.into_any(),
            Segment::LineBreak => view! { <br/> }.into_any(),
            Segment::Link { text, href } => view! {
                <a href=href target="_blank" rel="noopener noreferrer">{text}<span class="visually-hidden">" (opens in a new tab)"</span></a>
            }
            .into_any(),
        })
        .collect_view()
}
