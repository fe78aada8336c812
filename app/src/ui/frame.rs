//! The frame of a program's admin pages: the ids in the address, the scaffold that loads a
//! page's data and shows it or its error, the links between a program's areas, and the pager
//! of long lists.

use crate::error::AppError;
use leptos::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// The program id in the address, if it is a number.
pub fn use_program_id() -> impl Fn() -> Option<i64> + Copy + Send + Sync + 'static {
    use_path_id("id")
}

/// The id named `name` in the address's path, if it is a number.
pub fn use_path_id(name: &'static str) -> impl Fn() -> Option<i64> + Copy + Send + Sync + 'static {
    let params = leptos_router::hooks::use_params_map();
    move || {
        params
            .read()
            .get(name)
            .and_then(|id| id.parse::<i64>().ok())
    }
}

/// The scaffold of a page with data: loaded for `key` (the ids and query of the address, the
/// versions of the page's forms) and again whenever the key changes; `loading` says so
/// meanwhile, a failure shows as its sentence, and `show` draws the rest.
pub fn loaded_page<K, T, Fut>(
    loading: &'static str,
    key: impl Fn() -> K + Send + Sync + 'static,
    load: impl Fn(K) -> Fut + Send + Sync + 'static,
    show: impl Fn(T) -> AnyView + Clone + Send + Sync + 'static,
) -> impl IntoView
where
    K: Send + Sync + Clone + PartialEq + 'static,
    T: Serialize + DeserializeOwned + Clone + Send + Sync + 'static,
    Fut: Future<Output = Result<T, AppError>> + Send + 'static,
{
    let data = crate::ui::data::resource(key, load);
    view! {
        <Suspense fallback=move || view! { <p class="loading">{loading}</p> }>
            {move || {
                let show = show.clone();
                Suspend::new(async move { or_error(data.await, show) })
            }}
        </Suspense>
    }
}

/// The scaffold of a program's admin page: [`loaded_page`] for the program in the address
/// (not found unless its id is a number) and the page's own `key`.
pub fn program_page<K, T, Fut>(
    loading: &'static str,
    key: impl Fn() -> K + Send + Sync + 'static,
    load: impl Fn(i64, K) -> Fut + Send + Sync + 'static,
    show: impl Fn(T) -> AnyView + Clone + Send + Sync + 'static,
) -> impl IntoView
where
    K: Send + Sync + Clone + PartialEq + 'static,
    T: Serialize + DeserializeOwned + Clone + Send + Sync + 'static,
    Fut: Future<Output = Result<T, AppError>> + Send + 'static,
{
    let program_id = use_program_id();
    loaded_page(
        loading,
        move || (program_id(), key()),
        move |(program, key)| {
            let pending = program.map(|program| load(program, key));
            async move {
                match pending {
                    Some(pending) => pending.await,
                    None => Err(AppError::NotFound),
                }
            }
        },
        show,
    )
}

/// The filters of a paged list as the address has them: the value of each named parameter
/// (empty when absent) and the page number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListQuery {
    names: &'static [&'static str],
    values: Vec<String>,
    pub page: i64,
}

impl ListQuery {
    fn from_map(names: &'static [&'static str], map: &leptos_router::params::ParamsMap) -> Self {
        ListQuery {
            names,
            values: names
                .iter()
                .map(|name| map.get(name).unwrap_or_default())
                .collect(),
            page: crate::kernel::page::page_number(map.get("page").as_deref()),
        }
    }

    /// The list's filters in the address, read again whenever the address changes.
    pub fn reactive(names: &'static [&'static str]) -> impl Fn() -> ListQuery + Copy + Send + Sync {
        let query = leptos_router::hooks::use_query_map();
        move || ListQuery::from_map(names, &query.read())
    }

    /// The list's filters in the address now.
    pub fn now(names: &'static [&'static str]) -> ListQuery {
        ListQuery::from_map(
            names,
            &leptos_router::hooks::use_query_map().get_untracked(),
        )
    }

    /// The value of the parameter `name` (one of the list's names), empty when absent.
    pub fn get(&self, name: &str) -> String {
        self.names
            .iter()
            .position(|n| *n == name)
            .map(|i| self.values[i].clone())
            .unwrap_or_default()
    }

    /// Whether any of `names` narrows the list.
    pub fn narrowed_by(&self, names: &[&str]) -> bool {
        names.iter().any(|name| !self.get(name).is_empty())
    }

    /// The address `path` with these filters, page `page` (the first page unnamed) and the
    /// `extra` parameters.
    pub fn href(&self, path: &str, page: i64, extra: &[(&str, String)]) -> String {
        let mut pairs: Vec<(&str, String)> = self
            .names
            .iter()
            .copied()
            .zip(self.values.iter().cloned())
            .collect();
        pairs.push((
            "page",
            if page > 1 {
                page.to_string()
            } else {
                String::new()
            },
        ));
        pairs.extend(extra.iter().cloned());
        format!("{path}{}", crate::kernel::text::query_string(&pairs))
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
