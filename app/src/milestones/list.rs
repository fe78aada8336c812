//! Update Program Milestones (`/programs/{id}/milestones`): the program's milestones in order,
//! moved, archived and restored.

use super::Category;
use crate::error::AppError;
use crate::kernel::roles::Role;
use crate::kernel::text::excerpt;
use crate::programs::ProgramDetails;
use crate::ui::forms::outcome_view;
use crate::ui::frame::{ProgramNav, program_page};
use crate::ui::title::PageTitle;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

use super::MilestoneRecord;
#[cfg(feature = "ssr")]
use super::store;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MilestonesData {
    pub program: ProgramDetails,
    pub milestones: Vec<MilestoneRecord>,
}

#[server(endpoint = "milestones/list")]
pub async fn milestones_list(program_id: i64) -> Result<MilestonesData, AppError> {
    let (_, db) = crate::accounts::access::admin_of(program_id)?;
    let program = crate::programs::store::program_details(&db, program_id).await?;
    let milestones = store::list(&db, program_id).await?;
    Ok(MilestonesData {
        program,
        milestones,
    })
}

#[server(endpoint = "milestones/move")]
pub async fn move_milestone(
    program_id: i64,
    milestone_id: i64,
    direction: String,
) -> Result<String, AppError> {
    let (_, db) = crate::accounts::access::admin_of(program_id)?;
    let outcome = store::move_one(&db, program_id, milestone_id, direction == "up").await;
    crate::ui::forms::answer_plain_form(
        &format!("/programs/{program_id}/milestones"),
        "order",
        &outcome,
    );
    outcome
}

#[server(endpoint = "milestones/archive")]
pub async fn archive_milestone(
    program_id: i64,
    milestone_id: i64,
    archived: bool,
) -> Result<String, AppError> {
    let (_, db) = crate::accounts::access::admin_of(program_id)?;
    let outcome = store::set_archived(&db, program_id, milestone_id, archived).await;
    crate::ui::forms::answer_plain_form(
        &format!("/programs/{program_id}/milestones?archived=show"),
        "archive",
        &outcome,
    );
    outcome
}

/// `/programs/{id}/milestones`: Update Program Milestones.
#[component]
pub fn MilestonesPage() -> impl IntoView {
    let reorder = ServerAction::<MoveMilestone>::new();
    let archive = ServerAction::<ArchiveMilestone>::new();
    let query = use_query_map();
    program_page(
        "Loading milestones…",
        // The filters are part of the key: a changed address draws the list again.
        move || {
            (
                reorder.version().get(),
                archive.version().get(),
                query.get().to_query_string(),
            )
        },
        |id, _| milestones_list(id),
        move |data| view! { <MilestoneList data reorder archive/> }.into_any(),
    )
}

#[component]
fn MilestoneList(
    data: MilestonesData,
    reorder: ServerAction<MoveMilestone>,
    archive: ServerAction<ArchiveMilestone>,
) -> impl IntoView {
    let program = data.program;
    let id = program.id;
    let query = use_query_map();
    let filters = move || {
        let q = query.get();
        (
            q.get("category").and_then(|c| Category::parse(&c)),
            q.get("role").and_then(|r| Role::parse(&r)),
            q.get("archived").as_deref() == Some("show"),
        )
    };
    let (category, role, show_archived) = filters();
    let all = data.milestones;
    let count = all.len();
    let archived_count = all.iter().filter(|m| m.archived).count();
    let shown: Vec<_> = all
        .iter()
        .enumerate()
        .filter(|(_, m)| {
            category.is_none_or(|c| m.category == c)
                && role.is_none_or(|r| m.role == r)
                && (show_archived || !m.archived)
        })
        .map(|(at, m)| (at, m.clone()))
        .collect();
    let filtered = category.is_some() || role.is_some();
    // An archived milestone stays in sight, so it can be restored at once.
    let navigate = leptos_router::hooks::use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(_)) = archive.value().get()
            && !filters().2
        {
            navigate(
                &format!("/programs/{id}/milestones?archived=show"),
                Default::default(),
            );
        }
    });
    view! {
        <PageTitle text=format!("Milestones · {}", program.name)/>
        <ProgramNav program_id=id program_name=program.name.clone() current="milestones"/>
        <h1>"Program milestones"</h1>
        <p class="actions">
            <a class="button" href=format!("/programs/{id}/milestones/new")>"Add Milestone"</a>
            " "
            <a class="button secondary" href=format!("/programs/{id}/milestones/copy")>"Copy milestones from another program"</a>
        </p>
        <div aria-live="polite">
            {outcome_view(None, "milestone")}
            {move || outcome_view(reorder.value().get(), "order")}
            {move || outcome_view(archive.value().get(), "archive")}
        </div>
        <section class="card" aria-labelledby="milestones-heading">
            <h2 id="milestones-heading">"Milestones in order"</h2>
            <form method="get" class="filters" aria-label="Filter milestones">
                <div class="field">
                    <label for="filter-category">"Category"</label>
                    <select id="filter-category" name="category">
                        <option value="" selected=category.is_none()>"All categories"</option>
                        {Category::ALL.into_iter().map(|c| view! {
                            <option value=c.as_str() selected=category == Some(c)>{c.label()}</option>
                        }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="filter-role">"Program Role"</label>
                    <select id="filter-role" name="role">
                        <option value="" selected=role.is_none()>"Mentors and mentees"</option>
                        {Role::ALL.into_iter().map(|r| view! {
                            <option value=r.as_str() selected=role == Some(r)>{r.label()}</option>
                        }).collect_view()}
                    </select>
                </div>
                <div class="field checkbox">
                    <input id="filter-archived" name="archived" type="checkbox" value="show" checked=show_archived/>
                    <label for="filter-archived">{format!("Show archived ({archived_count})")}</label>
                </div>
                <button type="submit" class="button secondary">"Filter"</button>
                {(filtered || show_archived).then(|| view! { <a href=format!("/programs/{id}/milestones")>"Clear filters"</a> })}
            </form>
            {if shown.is_empty() {
                view! {
                    <p class="empty">{if count == 0 {
                        "This program has no milestones yet. Add Milestone to create the first."
                    } else {
                        "No milestone fits these filters."
                    }}</p>
                }.into_any()
            } else {
                view! {
                    <table class="milestones">
                        <thead>
                            <tr>
                                <th scope="col">"Milestone Name"</th>
                                <th scope="col">"Category"</th>
                                <th scope="col">"Program Role"</th>
                                <th scope="col">"Due Date"</th>
                                <th scope="col">"Description"</th>
                                <th scope="col">"Order"</th>
                                <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                            </tr>
                        </thead>
                        <tbody>
                            {shown.into_iter().map(|(at, m)| {
                                let name = m.name.clone();
                                let down = format!("Move {} down", m.name);
                                let edit = format!("Edit {}", m.name);
                                let toggle = format!("{} {}", if m.archived { "Restore" } else { "Archive" }, m.name);
                                view! {
                                    <tr class:archived=m.archived>
                                        <th scope="row">
                                            {m.name.clone()}
                                            {m.archived.then(|| view! { <span class="badge">"Archived"</span> })}
                                        </th>
                                        <td>{m.category.label()}</td>
                                        <td>{m.role.label()}</td>
                                        <td>{m.offset.describe()}</td>
                                        <td class="excerpt">{excerpt(&crate::kernel::links::plain_text(&m.description), 80)}</td>
                                        <td class="order">
                                            {(at > 0).then(|| view! {
                                                <ActionForm action=reorder>
                                                    <input type="hidden" name="program_id" value=id.to_string()/>
                                                    <input type="hidden" name="milestone_id" value=m.id.to_string()/>
                                                    <input type="hidden" name="direction" value="up"/>
                                                    <button type="submit" class="button secondary small" aria-label=format!("Move {name} up")>"↑"</button>
                                                </ActionForm>
                                            })}
                                            {(at + 1 < count).then(|| view! {
                                                <ActionForm action=reorder>
                                                    <input type="hidden" name="program_id" value=id.to_string()/>
                                                    <input type="hidden" name="milestone_id" value=m.id.to_string()/>
                                                    <input type="hidden" name="direction" value="down"/>
                                                    <button type="submit" class="button secondary small" aria-label=down>"↓"</button>
                                                </ActionForm>
                                            })}
                                        </td>
                                        <td class="row-actions">
                                            <a class="button secondary small" href=format!("/programs/{id}/milestones/{}/edit", m.id) aria-label=edit>"Edit"</a>
                                            <ActionForm action=archive>
                                                <input type="hidden" name="program_id" value=id.to_string()/>
                                                <input type="hidden" name="milestone_id" value=m.id.to_string()/>
                                                <input type="hidden" name="archived" value=(!m.archived).to_string()/>
                                                <button type="submit" class="button secondary small"
                                                    aria-label=toggle>
                                                    {if m.archived { "Restore" } else { "Archive" }}
                                                </button>
                                            </ActionForm>
                                        </td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </section>
    }
}
