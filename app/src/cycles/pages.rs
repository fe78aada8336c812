//! `/programs/{id}/duplicate` (Duplicate program) and `/programs/{id}/milestones/copy` (Copy
//! milestones from another program), with their server functions.

use super::CopyRow;
use crate::error::AppError;
use crate::programs::ProgramDetails;
use crate::programs::fields::TimeZoneField;
use crate::ui::forms::{
    Field, field_invalid, form_outcome, kept_value, outcome_view_besides_fields,
};
use crate::ui::frame::{ProgramNav, program_page};
use crate::ui::table::ScrollTable;
use crate::ui::title::PageTitle;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

/// What the Duplicate program form starts from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DuplicateData {
    pub program: ProgramDetails,
    /// The name offered: the program's, with " (copy)".
    pub name: String,
    pub time_zones: Vec<String>,
    pub milestones: i64,
    pub resources: i64,
}

#[server(endpoint = "cycles/duplicate-form")]
pub async fn duplicate_form(program_id: i64) -> Result<DuplicateData, AppError> {
    let (_, db) = crate::accounts::access::admin_of(program_id)?;
    let program = crate::programs::store::program_details(&db, program_id).await?;
    let (milestones, resources) = super::store::what_a_copy_takes(&db, program_id).await?;
    Ok(DuplicateData {
        name: super::copy_name(&program.name),
        program,
        time_zones: crate::programs::store::time_zone_names(),
        milestones,
        resources,
    })
}

#[server(endpoint = "cycles/duplicate")]
pub async fn duplicate_program(
    program_id: i64,
    #[server(default)] name: String,
    #[server(default)] time_zone: String,
) -> Result<String, AppError> {
    use crate::programs::store::{ProgramField, ProgramInput};
    let (actor, db) = crate::accounts::access::admin_of(program_id)?;
    let outcome = async {
        let source = crate::programs::store::program_details(&db, program_id).await?;
        let input = ProgramInput::parse(&name, &source.description, &time_zone).map_err(
            |(field, message)| match field {
                ProgramField::TimeZone => {
                    AppError::invalid_field("time_zone", "Time zone", message)
                }
                _ => AppError::invalid_field("name", "Name of the new program", message),
            },
        )?;
        let id = super::store::duplicate_program(&db, program_id, &input, &actor).await?;
        Ok::<_, AppError>((
            id,
            format!(
                "Created {} from {}: its milestones, Resource Library and reminder settings. \
                 Enrol its participants next.",
                input.name, source.name
            ),
        ))
    }
    .await;
    match outcome {
        Ok((id, message)) => {
            crate::ui::forms::move_to_with_message(&format!("/programs/{id}"), "program", &message);
            Ok(message)
        }
        Err(error) => {
            let outcome = Err(error);
            crate::ui::forms::answer_plain_form_keeping(
                &format!("/programs/{program_id}/duplicate"),
                "duplicate",
                &outcome,
                &[("name", &name), ("time_zone", &time_zone)],
            );
            outcome
        }
    }
}

/// The fields of the Duplicate program form that errors can be about.
const DUPLICATE_FIELDS: [&str; 2] = ["name", "time_zone"];

/// `/programs/{id}/duplicate`.
#[component]
pub fn DuplicateProgramPage() -> impl IntoView {
    program_page(
        "Loading…",
        || (),
        |id, _| duplicate_form(id),
        |data| view! { <DuplicateForm data/> }.into_any(),
    )
}

#[component]
fn DuplicateForm(data: DuplicateData) -> impl IntoView {
    let duplicate = ServerAction::<DuplicateProgram>::new();
    let outcome = Signal::derive(move || form_outcome(duplicate.value().get(), "duplicate"));
    let program = data.program;
    let id = program.id;
    let name = kept_value("duplicate", "name").unwrap_or(data.name);
    let time_zone = kept_value("duplicate", "time_zone").unwrap_or(program.time_zone.clone());
    let plural = |n: i64, one: &str, many: &str| {
        if n == 1 {
            format!("1 {one}")
        } else {
            format!("{n} {many}")
        }
    };
    let copies = format!(
        "The new program gets {}, {} and the reminder settings of {}. No participants, matches or completions are copied.",
        plural(data.milestones, "milestone", "milestones"),
        plural(
            data.resources,
            "resource of the library",
            "resources of the library"
        ),
        program.name
    );
    view! {
        <PageTitle text=format!("Duplicate program · {}", program.name)/>
        <ProgramNav program_id=id program_name=program.name.clone() current="panel"/>
        <h1>"Duplicate program"</h1>
        <p class="lede">"Start the next cycle from this one."</p>
        <section class="card" aria-labelledby="duplicate-heading">
            <h2 id="duplicate-heading">{format!("A copy of {}", program.name)}</h2>
            <p>{copies}</p>
            <ActionForm action=duplicate>
                <input type="hidden" name="program_id" value=id.to_string()/>
                <Field id="duplicate-name" label="Name of the new program" name="name" outcome>
                    <input id="duplicate-name" name="name" type="text" required maxlength="120"
                        value=name aria-invalid=move || field_invalid(&outcome.get(), "name")
                        aria-describedby="duplicate-name-error"/>
                </Field>
                <TimeZoneField value=time_zone zones=data.time_zones outcome/>
                <button type="submit" class="button">"Duplicate program"</button>
            </ActionForm>
            <div aria-live="polite">{move || outcome_view_besides_fields(duplicate.value().get(), "duplicate", &DUPLICATE_FIELDS)}</div>
        </section>
        <p><a href=format!("/programs/{id}")>"← Back to the Program Admin Panel"</a></p>
    }
}

/// What the Copy milestones page shows: the programs to copy from and, once one is chosen,
/// what copying it would do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CopyData {
    pub program: ProgramDetails,
    /// The other programs the person administers: id and name.
    pub sources: Vec<(i64, String)>,
    /// The chosen program and what copying from it would do.
    pub chosen: Option<((i64, String), Vec<CopyRow>)>,
}

#[server(endpoint = "cycles/copy-plan")]
pub async fn copy_milestones_plan(
    program_id: i64,
    from: Option<i64>,
) -> Result<CopyData, AppError> {
    use crate::accounts::access::{Permission, allows};
    let (actor, db) = crate::accounts::access::admin_of(program_id)?;
    let program = crate::programs::store::program_details(&db, program_id).await?;
    let sources: Vec<(i64, String)> = crate::programs::store::program_names(&db)
        .await?
        .into_iter()
        .filter(|(id, _)| *id != program_id && allows(&actor, Permission::AdministerProgram(*id)))
        .collect();
    let chosen = match from {
        None => None,
        Some(from) => {
            // Only a program the person administers: any other is not found for them.
            let source = sources
                .iter()
                .find(|(id, _)| *id == from)
                .cloned()
                .ok_or(AppError::NotFound)?;
            let rows = super::store::copy_plan(&db, from, program_id).await?;
            Some((source, rows))
        }
    };
    Ok(CopyData {
        program,
        sources,
        chosen,
    })
}

#[server(endpoint = "cycles/copy")]
pub async fn copy_milestones(program_id: i64, from: i64) -> Result<String, AppError> {
    use crate::accounts::access::{Permission, require};
    let (_, db) = crate::accounts::access::admin_of(program_id)?;
    let outcome = async {
        require(Permission::AdministerProgram(from))?;
        if from == program_id {
            return Err(AppError::invalid("Choose another program to copy from."));
        }
        let source = crate::programs::store::program_details(&db, from).await?;
        let (added, skipped) = super::store::copy_milestones(&db, from, program_id).await?;
        let added_text = match added {
            0 => "No milestones were added".to_string(),
            1 => "Added 1 milestone".to_string(),
            n => format!("Added {n} milestones"),
        };
        let skipped_text = match skipped {
            0 => String::new(),
            1 => "; 1 already here was skipped".to_string(),
            n => format!("; {n} already here were skipped"),
        };
        Ok(format!("{added_text} from {}{skipped_text}.", source.name))
    }
    .await;
    match &outcome {
        Ok(message) => crate::ui::forms::move_to_with_message(
            &format!("/programs/{program_id}/milestones"),
            "milestone",
            message,
        ),
        Err(_) => crate::ui::forms::answer_plain_form(
            &format!("/programs/{program_id}/milestones/copy?from={from}"),
            "copy",
            &outcome,
        ),
    }
    outcome
}

/// `/programs/{id}/milestones/copy`, `?from=` the program to copy from.
#[component]
pub fn CopyMilestonesPage() -> impl IntoView {
    let query = use_query_map();
    program_page(
        "Loading…",
        move || query.read().get("from").and_then(|f| f.parse::<i64>().ok()),
        copy_milestones_plan,
        |data| view! { <CopyMilestones data/> }.into_any(),
    )
}

#[component]
fn CopyMilestones(data: CopyData) -> impl IntoView {
    let copy = ServerAction::<CopyMilestones>::new();
    let program = data.program;
    let id = program.id;
    let chosen_id = data.chosen.as_ref().map(|((from, _), _)| *from);
    let chooser = if data.sources.is_empty() {
        view! {
            <p class="empty">"You administer no other program to copy from."</p>
        }
        .into_any()
    } else {
        view! {
            <form method="get" class="filters" aria-label="Program to copy from">
                <div class="field">
                    <label for="copy-from">"Copy from"</label>
                    <select id="copy-from" name="from">
                        {data.sources.iter().map(|(source, name)| view! {
                            <option value=source.to_string() selected=chosen_id == Some(*source)>{name.clone()}</option>
                        }).collect_view()}
                    </select>
                </div>
                <button type="submit" class="button secondary">"See its milestones"</button>
            </form>
        }
        .into_any()
    };
    let preview = data.chosen.map(|((from, name), rows)| {
        let added = rows.iter().filter(|r| !r.skipped).count();
        let skipped = rows.len() - added;
        let summary = match (added, skipped) {
            (0, 0) => format!("{name} has no milestones to copy."),
            (0, _) => format!("Every milestone of {name} is here already: nothing to add."),
            (a, 0) => format!("{a} to add from {name}."),
            (a, s) => format!("{a} to add from {name}; {s} already here, skipped."),
        };
        view! {
            <section class="card" aria-labelledby="copy-list-heading">
                <h2 id="copy-list-heading">{format!("Milestones of {name}")}</h2>
                <p class="list-count">{summary}</p>
                {(!rows.is_empty()).then(|| view! {
                    <ScrollTable label="Milestones to copy">
                        <table>
                            <thead>
                                <tr>
                                    <th scope="col">"Milestone"</th>
                                    <th scope="col">"Category"</th>
                                    <th scope="col">"Role"</th>
                                    <th scope="col">"Due"</th>
                                    <th scope="col">"Copy"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {rows.into_iter().map(|row| view! {
                                    <tr class=row.skipped.then_some("skipped")>
                                        <th scope="row">{row.name.clone()}</th>
                                        <td>{row.category.label()}</td>
                                        <td>{row.role.label()}</td>
                                        <td>{row.offset.describe()}</td>
                                        <td>{if row.skipped { "Already here: skipped" } else { "Will be added" }}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </ScrollTable>
                })}
                {(added > 0).then(|| view! {
                    <ActionForm action=copy>
                        <input type="hidden" name="program_id" value=id.to_string()/>
                        <input type="hidden" name="from" value=from.to_string()/>
                        <button type="submit" class="button">{if added == 1 { "Copy 1 milestone".to_string() } else { format!("Copy {added} milestones") }}</button>
                    </ActionForm>
                })}
                <div aria-live="polite">{move || crate::ui::forms::outcome_view(copy.value().get(), "copy")}</div>
            </section>
        }
    });
    view! {
        <PageTitle text=format!("Copy milestones · {}", program.name)/>
        <ProgramNav program_id=id program_name=program.name.clone() current="milestones"/>
        <p><a href=format!("/programs/{id}/milestones")>"← Back to the milestones"</a></p>
        <h1>"Copy milestones from another program"</h1>
        <p class="lede">"Add another program's milestones to this one, in their order, with their categories, roles, due dates and descriptions. A milestone whose name is here already for the same role is skipped."</p>
        <section class="card" aria-labelledby="copy-from-heading">
            <h2 id="copy-from-heading">"Choose a program"</h2>
            {chooser}
        </section>
        {preview}
    }
}
