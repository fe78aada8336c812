//! `/programs/{id}/resources`: the Resource Library page and its server functions.

use super::{LibraryItem, ResourceKind};
use crate::error::AppError;
use crate::programs::ProgramDetails;
use crate::ui::forms::{
    Field, field_invalid, form_outcome, kept_value, outcome_view, outcome_view_besides_fields,
};
use crate::ui::frame::{ProgramNav, program_page};
use crate::ui::table::ScrollTable;
use crate::ui::title::PageTitle;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::store;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LibraryData {
    pub program: ProgramDetails,
    pub resources: Vec<LibraryItem>,
}

#[server(endpoint = "resources/list")]
pub async fn library(program_id: i64) -> Result<LibraryData, AppError> {
    let (_, db) = crate::accounts::access::admin_of(program_id)?;
    let program = crate::programs::store::program_details(&db, program_id).await?;
    let resources = store::list(&db, program_id).await?;
    Ok(LibraryData { program, resources })
}

#[server(endpoint = "resources/add")]
pub async fn add_resource(
    program_id: i64,
    #[server(default)] title: String,
    #[server(default)] url: String,
    #[server(default)] kind: String,
) -> Result<String, AppError> {
    let (_, db) = crate::accounts::access::admin_of(program_id)?;
    let outcome = async {
        let (title, url, kind) = super::check_resource(&title, &url, &kind)?;
        store::add(&db, program_id, &title, &url, kind).await?;
        Ok(format!("Added {title} to the Resource Library."))
    }
    .await;
    crate::ui::forms::answer_plain_form_keeping(
        &format!("/programs/{program_id}/resources"),
        "resource",
        &outcome,
        &[("title", &title), ("url", &url), ("kind", &kind)],
    );
    outcome
}

#[server(endpoint = "resources/remove")]
pub async fn remove_resource(program_id: i64, resource_id: i64) -> Result<String, AppError> {
    let (_, db) = crate::accounts::access::admin_of(program_id)?;
    let outcome = store::remove(&db, program_id, resource_id).await;
    crate::ui::forms::answer_plain_form(
        &format!("/programs/{program_id}/resources"),
        "remove-resource",
        &outcome,
    );
    outcome
}

const RESOURCE_FIELDS: [&str; 3] = ["title", "url", "kind"];

/// `/programs/{id}/resources`: the Resource Library.
#[component]
pub fn ResourcesPage() -> impl IntoView {
    let add = ServerAction::<AddResource>::new();
    let remove = ServerAction::<RemoveResource>::new();
    program_page(
        "Loading the library…",
        move || (add.version().get(), remove.version().get()),
        |id, _| library(id),
        move |data| view! { <Library data add remove/> }.into_any(),
    )
}

#[component]
fn Library(
    data: LibraryData,
    add: ServerAction<AddResource>,
    remove: ServerAction<RemoveResource>,
) -> impl IntoView {
    let add_outcome = Signal::derive(move || form_outcome(add.value().get(), "resource"));
    let id = data.program.id;
    let kept_kind = kept_value("resource", "kind").unwrap_or_default();
    view! {
        <PageTitle text=format!("Resource Library · {}", data.program.name)/>
        <ProgramNav program_id=id program_name=data.program.name.clone() current="resources"/>
        <h1>"Resource Library"</h1>
        <p class="lede">"Documents and videos for this program. The milestone form's Insert resource link puts a link to one into a description."</p>
        <section class="card" aria-labelledby="add-resource-heading">
            <h2 id="add-resource-heading">"Add a resource"</h2>
            <ActionForm action=add>
                <input type="hidden" name="program_id" value=id.to_string()/>
                <div class="inline">
                    <Field id="resource-title" label="Title" name="title" outcome=add_outcome>
                        <input id="resource-title" name="title" type="text" maxlength="120" required
                            value=kept_value("resource", "title").unwrap_or_default()
                            aria-invalid=move || field_invalid(&add_outcome.get(), "title")
                            aria-describedby="resource-title-error"/>
                    </Field>
                    <Field id="resource-url" label="Address" name="url" outcome=add_outcome>
                        <input id="resource-url" name="url" type="url" required placeholder="https://"
                            value=kept_value("resource", "url").unwrap_or_default()
                            aria-invalid=move || field_invalid(&add_outcome.get(), "url")
                            aria-describedby="resource-url-error"/>
                    </Field>
                    <div class="field">
                        <label for="resource-kind">"Kind"</label>
                        <select id="resource-kind" name="kind">
                            {ResourceKind::ALL.into_iter().map(|k| view! {
                                <option value=k.as_str() selected=kept_kind == k.as_str()>{k.label()}</option>
                            }).collect_view()}
                        </select>
                    </div>
                </div>
                <button type="submit" class="button">"Add resource"</button>
            </ActionForm>
            <div aria-live="polite">{move || outcome_view_besides_fields(add.value().get(), "resource", &RESOURCE_FIELDS)}</div>
        </section>
        <section class="card" aria-labelledby="library-heading">
            <h2 id="library-heading">"In the library"</h2>
            <div aria-live="polite">{move || outcome_view(remove.value().get(), "remove-resource")}</div>
            {if data.resources.is_empty() {
                view! { <p class="empty">"The library is empty."</p> }.into_any()
            } else {
                view! {
                    <ScrollTable label="Resources in the library">
                        <table class="resources">
                            <thead><tr>
                                <th scope="col">"Title"</th>
                                <th scope="col">"Kind"</th>
                                <th scope="col">"Address"</th>
                                <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                            </tr></thead>
                            <tbody>
                                {data.resources.into_iter().map(|r| view! {
                                    <tr>
                                        <th scope="row">{r.title.clone()}</th>
                                        <td>{r.kind.label()}</td>
                                        <td class="url"><a href=r.url.clone() target="_blank" rel="noopener noreferrer">{r.url.clone()}</a></td>
                                        <td>
                                            <ActionForm action=remove>
                                                <input type="hidden" name="program_id" value=id.to_string()/>
                                                <input type="hidden" name="resource_id" value=r.id.to_string()/>
                                                <button type="submit" class="button secondary small" aria-label=format!("Remove {}", r.title)>"Remove"</button>
                                            </ActionForm>
                                        </td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </ScrollTable>
                }.into_any()
            }}
        </section>
    }
}
