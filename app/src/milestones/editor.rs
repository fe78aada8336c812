//! The Create Milestone / Edit Milestone form with its live due-date preview.

// The save server function takes each form field as an argument (a plain form posts them).
#![allow(clippy::too_many_arguments)]

use super::form::{FieldErrors, MilestoneFields, check};
use super::preview::{PreviewData, items, summarize};
use super::{Category, DueOffset, OffsetUnit};
use crate::error::AppError;
use crate::kernel::due_date::{iso_date, readable_date};
use crate::kernel::roles::Role;
use crate::programs::ProgramDetails;
use crate::ui::day::Day;
use crate::ui::description::DescriptionText;
use crate::ui::forms::kept_value;
use crate::ui::frame::{ProgramNav, program_page, use_path_id};
use crate::ui::title::PageTitle;
use chrono::NaiveDate;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use serde::{Deserialize, Serialize};

use super::MilestoneRecord;
#[cfg(feature = "ssr")]
use super::store;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MilestoneFormData {
    pub program: ProgramDetails,
    pub milestone: Option<MilestoneRecord>,
    pub preview: PreviewData,
    pub resources: Vec<crate::resources::LibraryItem>,
}

#[server(endpoint = "milestones/form")]
pub async fn milestone_form(
    program_id: i64,
    milestone_id: Option<i64>,
) -> Result<MilestoneFormData, AppError> {
    let (_, db) = crate::accounts::access::admin_of(program_id)?;
    let program = crate::programs::store::program_details(&db, program_id).await?;
    let milestone = match milestone_id {
        Some(id) => Some(store::get(&db, program_id, id).await?),
        None => None,
    };
    let preview = store::preview_data(&db, program_id, program.today, milestone_id).await?;
    let resources = crate::resources::store::list(&db, program_id).await?;
    Ok(MilestoneFormData {
        program,
        milestone,
        preview,
        resources,
    })
}

#[server(endpoint = "milestones/save")]
pub async fn save_milestone(
    program_id: i64,
    #[server(default)] milestone_id: Option<i64>,
    #[server(default)] name: String,
    #[server(default)] category: String,
    #[server(default)] role: String,
    #[server(default)] amount: String,
    #[server(default)] unit: String,
    #[server(default)] description: String,
) -> Result<String, AppError> {
    let (_, db) = crate::accounts::access::admin_of(program_id)?;
    let fields = MilestoneFields {
        name,
        category,
        role,
        amount,
        unit,
        description,
    };
    let outcome = async {
        let draft = check(&fields, milestone_id.is_none())
            .map_err(|errors| AppError::invalid_fields(errors.list()))?;
        match milestone_id {
            Some(id) => {
                store::update(&db, program_id, id, &draft).await?;
                Ok(format!("Saved {}.", draft.name))
            }
            None => {
                let ids = store::create(&db, program_id, &draft).await?;
                Ok(if ids.len() == 2 {
                    format!(
                        "Added {} twice, once for mentors and once for mentees.",
                        draft.name
                    )
                } else {
                    format!("Added {}.", draft.name)
                })
            }
        }
    }
    .await;
    match &outcome {
        Ok(message) => {
            crate::ui::forms::move_to_with_message(
                &format!("/programs/{program_id}/milestones"),
                "milestone",
                message,
            );
        }
        Err(_) => {
            let page = match milestone_id {
                Some(id) => format!("/programs/{program_id}/milestones/{id}/edit"),
                None => format!("/programs/{program_id}/milestones/new"),
            };
            crate::ui::forms::answer_plain_form_keeping(
                &page,
                "milestone",
                &outcome,
                &[
                    ("name", &fields.name),
                    ("category", &fields.category),
                    ("role", &fields.role),
                    ("amount", &fields.amount),
                    ("unit", &fields.unit),
                    ("description", &fields.description),
                ],
            );
        }
    }
    outcome
}

/// `/programs/{id}/milestones/new` and `/programs/{id}/milestones/{milestone}/edit`.
#[component]
pub fn MilestoneFormPage() -> impl IntoView {
    let params = use_params_map();
    let milestone = use_path_id("milestone");
    program_page(
        "Loading…",
        // Editing: the address names a milestone, which must be a number.
        move || (milestone(), params.read().get("milestone").is_some()),
        |id, (milestone, editing)| async move {
            match (milestone, editing) {
                (milestone, false) | (milestone @ Some(_), true) => {
                    milestone_form(id, milestone).await
                }
                _ => Err(AppError::NotFound),
            }
        },
        |data| view! { <MilestoneForm data/> }.into_any(),
    )
}

#[component]
fn MilestoneForm(data: MilestoneFormData) -> impl IntoView {
    let save = ServerAction::<SaveMilestone>::new();
    let program = data.program.clone();
    let id = program.id;
    let existing = data.milestone.clone();
    let editing = existing.is_some();
    let kept = |name: &str| kept_value("milestone", name);
    let initial = MilestoneFields {
        name: kept("name").unwrap_or_else(|| {
            existing
                .as_ref()
                .map(|m| m.name.clone())
                .unwrap_or_default()
        }),
        category: kept("category").unwrap_or_else(|| {
            existing
                .as_ref()
                .map_or("relationship", |m| m.category.as_str())
                .to_string()
        }),
        role: kept("role").unwrap_or_else(|| {
            existing
                .as_ref()
                .map_or("mentor", |m| m.role.as_str())
                .to_string()
        }),
        amount: kept("amount").unwrap_or_else(|| {
            existing
                .as_ref()
                .map_or("2".to_string(), |m| m.offset.amount().to_string())
        }),
        unit: kept("unit").unwrap_or_else(|| {
            existing
                .as_ref()
                .map_or("weeks", |m| m.offset.unit().as_str())
                .to_string()
        }),
        description: kept("description").unwrap_or_else(|| {
            existing
                .as_ref()
                .map(|m| m.description.clone())
                .unwrap_or_default()
        }),
    };
    // After a refused plain post, every field's message shows at once.
    let refused = kept("name").is_some();
    let fields = RwSignal::new(initial);
    let touched = RwSignal::new(refused);
    let errors = Memo::new(move |_| match check(&fields.get(), !editing) {
        Ok(_) => FieldErrors::default(),
        Err(errors) => errors,
    });
    let shown = move |pick: fn(&FieldErrors) -> Option<String>| {
        move || touched.get().then(|| pick(&errors.get())).flatten()
    };
    // Saving shows every field's message, typed in or not.
    Effect::new(move |_| {
        if save.input().get().is_some() {
            touched.set(true);
        }
    });
    let heading = if editing {
        "Edit Milestone"
    } else {
        "Create Milestone"
    };
    let set = move |update: fn(&mut MilestoneFields, String)| {
        move |ev: leptos::ev::Event| {
            let value = event_target_value(&ev);
            fields.update(|f| update(f, value));
            touched.set(true);
        }
    };
    let value_of = move |pick: fn(&MilestoneFields) -> String| move || pick(&fields.get());
    let start = fields.get_untracked();
    let preview = data.preview.clone();
    let today = program.today;
    let completions = existing.as_ref().map_or(0, |m| m.completions);
    view! {
        <PageTitle text=format!("{heading} · {}", program.name)/>
        <ProgramNav program_id=id program_name=program.name.clone() current="milestones"/>
        <p><a href=format!("/programs/{id}/milestones")>"← Back to the milestones"</a></p>
        <h1>{heading}</h1>
        <div class="milestone-editor">
            <section class="card" aria-labelledby="form-heading">
                <h2 id="form-heading" class="visually-hidden">"Milestone details"</h2>
                <ActionForm action=save attr:novalidate=true>
                    <input type="hidden" name="program_id" value=id.to_string()/>
                    {existing.as_ref().map(|m| view! { <input type="hidden" name="milestone_id" value=m.id.to_string()/> })}
                    <div class="field">
                        <label for="milestone-name">"Milestone Name"</label>
                        <input id="milestone-name" name="name" type="text" maxlength="200" required
                            value=start.name.clone() prop:value=value_of(|f| f.name.clone())
                            on:input=set(|f, v| f.name = v)
                            aria-invalid=move || shown(|e| e.name.clone())().map(|_| "true")
                            aria-describedby="milestone-name-error"/>
                        <p class="field-error" id="milestone-name-error">{shown(|e| e.name.clone())}</p>
                    </div>
                    <fieldset class="field">
                        <legend>"Category"</legend>
                        {Category::ALL.into_iter().map(|c| {
                            let input_id = format!("category-{}", c.as_str());
                            view! {
                                <div class="radio">
                                    <input type="radio" id=input_id.clone() name="category" value=c.as_str()
                                        checked=start.category == c.as_str()
                                        disabled={completions > 0 && start.category != c.as_str()}
                                        on:change=set(|f, v| f.category = v)/>
                                    <label for=input_id>{c.label()}</label>
                                </div>
                            }
                        }).collect_view()}
                        <p class="field-error">{shown(|e| e.category.clone())}</p>
                    </fieldset>
                    <fieldset class="field">
                        <legend>"Program Role"</legend>
                        {[("mentor", "Mentor"), ("mentee", "Mentee"), ("both", "Both")].into_iter()
                            .filter(|(value, _)| !editing || *value != "both")
                            .map(|(value, label)| {
                                let input_id = format!("role-{value}");
                                view! {
                                    <div class="radio">
                                        <input type="radio" id=input_id.clone() name="role" value=value
                                            checked=start.role == value
                                            disabled={completions > 0 && start.role != value}
                                            on:change=set(|f, v| f.role = v)/>
                                        <label for=input_id>{label}</label>
                                    </div>
                                }
                            }).collect_view()}
                        {(!editing).then(|| view! { <p class="hint">"Both saves two milestones, one for mentors and one for mentees."</p> })}
                        {(completions > 0).then(|| view! { <p class="hint">{format!("Recorded completions ({completions}) keep this milestone's category and role.")}</p> })}
                        <p class="field-error">{shown(|e| e.role.clone())}</p>
                    </fieldset>
                    <fieldset class="field due-offset">
                        <legend>"Due Date"</legend>
                        <div class="inline">
                            <label for="milestone-amount" class="visually-hidden">"Number of days, weeks or months"</label>
                            <input id="milestone-amount" name="amount" type="text" inputmode="numeric" size="4"
                                value=start.amount.clone() prop:value=value_of(|f| f.amount.clone())
                                on:input=set(|f, v| f.amount = v)
                                aria-invalid=move || shown(|e| e.offset.clone())().map(|_| "true")
                                aria-describedby="milestone-offset-error"/>
                            <label for="milestone-unit" class="visually-hidden">"Unit"</label>
                            <select id="milestone-unit" name="unit" on:change=set(|f, v| f.unit = v)>
                                {OffsetUnit::ALL.into_iter().map(|u| view! {
                                    <option value=u.as_str() selected=start.unit == u.as_str()>{u.label()}</option>
                                }).collect_view()}
                            </select>
                            <span>"after the match is published"</span>
                        </div>
                        <p class="field-error" id="milestone-offset-error">{shown(|e| e.offset.clone())}</p>
                    </fieldset>
                    <div class="field">
                        <label for="milestone-description">"Description"</label>
                        <textarea id="milestone-description" name="description" rows="5"
                            prop:value=value_of(|f| f.description.clone())
                            on:input=set(|f, v| f.description = v)
                            aria-invalid=move || shown(|e| e.description.clone())().map(|_| "true")
                            aria-describedby="milestone-description-hint milestone-description-error">{crate::ui::forms::textarea_text(&start.description)}</textarea>
                        <p class="hint" id="milestone-description-hint">
                            "Plain text. Links: paste an address, or write [text](https://…). Only http, https and mailto links are made."
                        </p>
                        <p class="field-error" id="milestone-description-error">{shown(|e| e.description.clone())}</p>
                    </div>
                    <ResourcePicker resources=data.resources.clone() fields touched program_id=id/>
                    <button type="submit" class="button">"Save"</button>
                </ActionForm>
                <div aria-live="polite">{move || {
                    let value = save.value().get();
                    match value {
                        Some(Err(error)) => Some(view! { <p class="form-error">{error.to_string()}</p> }.into_any()),
                        _ => crate::ui::forms::form_outcome(None, "milestone")
                            .and_then(|o| o.err())
                            .map(|e| view! { <p class="form-error">{e.to_string()}</p> }.into_any()),
                    }
                }}</div>
            </section>
            <Preview fields preview today editing/>
        </div>
    }
}

/// "Insert resource link": appends a link to a Resource Library item to the description. It
/// needs the page to be interactive; until then (or with JavaScript off) the links are listed to
/// copy.
#[component]
fn ResourcePicker(
    resources: Vec<crate::resources::LibraryItem>,
    fields: RwSignal<MilestoneFields>,
    touched: RwSignal<bool>,
    program_id: i64,
) -> impl IntoView {
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    if resources.is_empty() {
        return view! {
            <p class="hint">"No resources yet: add documents and videos in the "
                <a href=format!("/programs/{program_id}/resources")>"Resource Library"</a>"."</p>
        }
        .into_any();
    }
    let chosen = RwSignal::new(0usize);
    let links: Vec<String> = resources.iter().map(|r| r.markdown_link()).collect();
    let insert = {
        let links = links.clone();
        move |_| {
            let Some(link) = links.get(chosen.get_untracked()).cloned() else {
                return;
            };
            fields.update(|f| {
                if !f.description.is_empty() && !f.description.ends_with(char::is_whitespace) {
                    f.description.push(' ');
                }
                f.description.push_str(&link);
            });
            touched.set(true);
        }
    };
    let fallback_resources = resources.clone();
    view! {
        <Show
            when=move || hydrated.get()
            fallback=move || view! {
                <details class="resource-links">
                    <summary>"Resource links to copy into the description"</summary>
                    <ul>
                        {fallback_resources.iter().map(|r| view! {
                            <li>{r.title.clone()}": "<code>{r.markdown_link()}</code></li>
                        }).collect_view()}
                    </ul>
                </details>
            }
        >
            <div class="field resource-picker">
                <label for="resource-pick">"Resource"</label>
                <div class="inline">
                    <select id="resource-pick" on:change=move |ev| {
                        chosen.set(event_target_value(&ev).parse().unwrap_or(0));
                    }>
                        {resources.iter().enumerate().map(|(i, r)| view! {
                            <option value=i.to_string()>{format!("{} ({})", r.title, r.kind.label())}</option>
                        }).collect_view()}
                    </select>
                    <button type="button" class="button secondary" on:click=insert.clone()>"Insert resource link"</button>
                </div>
            </div>
        </Show>
    }
    .into_any()
}

/// The live preview beside the form.
#[component]
fn Preview(
    fields: RwSignal<MilestoneFields>,
    preview: PreviewData,
    today: NaiveDate,
    editing: bool,
) -> impl IntoView {
    let publish_on = RwSignal::new(iso_date(today));
    let offset = Memo::new(move |_| {
        let f = fields.get();
        DueOffset::parse(&f.amount, &f.unit).ok()
    });
    let single = move || {
        let date = NaiveDate::parse_from_str(&publish_on.get(), "%Y-%m-%d").ok()?;
        let offset = offset.get()?;
        Some((
            date,
            offset,
            offset.due_from(date)?,
            offset.clamps_from(date),
        ))
    };
    let matches_summary = move || {
        let f = fields.get();
        let offset = offset.get()?;
        let category = Category::parse(&f.category)?;
        let roles: Vec<Role> = match f.role.as_str() {
            "both" => Role::ALL.to_vec(),
            other => vec![Role::parse(other)?],
        };
        let all: Vec<_> = roles
            .into_iter()
            .flat_map(|role| items(&preview, category, role))
            .collect();
        Some(summarize(&all, offset, today))
    };
    view! {
        <aside class="card preview" aria-labelledby="preview-heading">
            <h2 id="preview-heading">"Preview"</h2>
            <div class="field">
                <label for="preview-on">"Preview publish date"</label>
                <input id="preview-on" type="date" value=iso_date(today) prop:value=move || publish_on.get()
                    on:input=move |ev| publish_on.set(event_target_value(&ev))/>
            </div>
            <div aria-live="polite" class="preview-result">
                {move || match single() {
                    Some((date, offset, due, clamped)) => view! {
                        <p>"A match published on "<Day date=date/>
                           " is due on "<strong><Day date=due class="preview-due"/></strong>"."</p>
                        {clamped.then(|| view! {
                            <p class="note clamp-note">{format!(
                                "{} + {}: that day does not exist in {}, so the due date is the month's last day.",
                                readable_date(date),
                                offset.describe().split(" after").next().unwrap_or_default(),
                                due.format("%B %Y"),
                            )}</p>
                        })}
                    }.into_any(),
                    None => view! { <p class="muted">"Enter a publish date and a due offset to see the due date."</p> }.into_any(),
                }}
                {move || matches_summary().map(|s| {
                    let range = match (s.earliest_due, s.latest_due) {
                        (Some(a), Some(b)) if a == b => view! { " due on "<Day date=a/> }.into_any(),
                        (Some(a), Some(b)) => view! { " due between "<Day date=a/>" and "<Day date=b/> }.into_any(),
                        _ => ().into_any(),
                    };
                    view! {
                        <p class="preview-matches">
                            {match s.items {
                                0 => "No published match has this milestone yet.".to_string(),
                                1 => "1 item in this program's published matches,".to_string(),
                                n => format!("{n} items in this program's published matches,"),
                            }}
                            {(s.items > 0).then(|| view! { {range}"; "<strong class="overdue-count">{format!("{} would already be overdue", s.overdue)}</strong>" today." })}
                        </p>
                        {editing.then(|| view! {
                            <p class="hint">{format!("Saving moves the due dates of {} open item{}; completed ones stay completed.", s.open, if s.open == 1 { "" } else { "s" })}</p>
                        })}
                    }
                })}
            </div>
            <h3>"Description as participants see it"</h3>
            <div class="description-preview">
                {move || {
                    let text = fields.get().description;
                    if text.trim().is_empty() {
                        view! { <p class="muted">"No description."</p> }.into_any()
                    } else {
                        view! { <p><DescriptionText text/></p> }.into_any()
                    }
                }}
            </div>
        </aside>
    }
}
