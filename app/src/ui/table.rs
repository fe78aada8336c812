//! The one wrapper of a wide table: it scrolls sideways on a narrow screen without widening the
//! page, and it can be reached and scrolled with the keyboard (a focusable, named region).

use leptos::prelude::*;

/// A table that scrolls inside its own region, named by `label` or by the element `labelled_by`
/// (the table's caption).
#[component]
pub fn ScrollTable(
    #[prop(optional)] label: Option<&'static str>,
    #[prop(optional)] labelled_by: Option<&'static str>,
    children: Children,
) -> impl IntoView {
    view! {
        <div class="table-scroll" tabindex="0" role="region" aria-label=label aria-labelledby=labelled_by>
            {children()}
        </div>
    }
}
