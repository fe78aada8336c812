//! The frame of a program's admin pages: the program id in the address, the links between its
//! areas, the pager of long lists, and the page's error or content.

use crate::error::AppError;
use leptos::prelude::*;

/// The program id in the address, if it is a number.
pub fn use_program_id() -> impl Fn() -> Option<i64> + Copy + Send + Sync + 'static {
    let params = leptos_router::hooks::use_params_map();
    move || {
        params
            .read()
            .get("id")
            .and_then(|id| id.parse::<i64>().ok())
    }
}

/// Links between a program's admin pages; `current` is marked for assistive technology.
#[component]
pub fn ProgramNav(program_id: i64, program_name: String, current: &'static str) -> impl IntoView {
    let links = [
        (
            "panel",
            format!("/programs/{program_id}"),
            "Program Admin Panel",
        ),
        (
            "participants",
            format!("/programs/{program_id}/participants"),
            "Participants",
        ),
        (
            "matches",
            format!("/programs/{program_id}/matches"),
            "Matches",
        ),
        (
            "import",
            format!("/programs/{program_id}/import"),
            "Import CSV",
        ),
        (
            "milestones",
            format!("/programs/{program_id}/milestones"),
            "Update Program Milestones",
        ),
        (
            "resources",
            format!("/programs/{program_id}/resources"),
            "Resource Library",
        ),
        (
            "report",
            format!("/programs/{program_id}/report"),
            "Activity Report",
        ),
        (
            "reminders",
            format!("/programs/{program_id}/reminders"),
            "Reminder emails",
        ),
    ];
    view! {
        <nav class="program-nav" aria-label=format!("{program_name} areas")>
            <ul>
                {links
                    .into_iter()
                    .map(|(key, href, label)| {
                        let here = (key == current).then_some("page");
                        view! { <li><a href=href aria-current=here>{label}</a></li> }
                    })
                    .collect_view()}
            </ul>
        </nav>
    }
}

/// Previous / next links of a paged list; `href(page)` builds the address of a page.
pub fn pager(page: i64, pages: i64, total: i64, href: impl Fn(i64) -> String) -> impl IntoView {
    (pages > 1).then(|| {
        view! {
            <nav class="pager" aria-label="Pages">
                {(page > 1).then(|| view! { <a href=href(page - 1) rel="prev">"← Previous"</a> })}
                <span>{format!("Page {page} of {pages} ({total} in all)")}</span>
                {(page < pages).then(|| view! { <a href=href(page + 1) rel="next">"Next →"</a> })}
            </nav>
        }
    })
}

/// The page's error or its content.
pub fn or_error<T>(result: Result<T, AppError>, show: impl FnOnce(T) -> AnyView) -> AnyView {
    match result {
        Ok(value) => show(value),
        Err(error) => crate::ui::errors::error_view(error).into_any(),
    }
}
