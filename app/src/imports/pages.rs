//! `/programs/{id}/import`: bring participants or matches in from a CSV file. The file is kept
//! and previewed row by row (created, already there, or rejected with the reason) and nothing is
//! written until the admin confirms; one rejected row and nothing is written at all.

use crate::error::AppError;
use crate::imports::plan::{ImportKind, PreviewRow, RowOutcome};
use crate::programs::ProgramDetails;
use crate::ui::forms::outcome_view;
use crate::ui::frame::{ProgramNav, program_page, use_path_id};
use crate::ui::table::ScrollTable;
use crate::ui::title::PageTitle;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportPreviewData {
    pub program: ProgramDetails,
    pub batch_id: i64,
    pub kind: ImportKind,
    /// A reason the whole file cannot be read.
    pub problem: Option<String>,
    pub rows: Vec<PreviewRow>,
    /// What confirming did, once it has.
    pub applied: Option<String>,
}

impl ImportPreviewData {
    pub fn count(&self, which: fn(&RowOutcome) -> bool) -> usize {
        self.rows.iter().filter(|r| which(&r.outcome)).count()
    }
}

#[server(endpoint = "programs/import-page")]
pub async fn import_page(program_id: i64) -> Result<ProgramDetails, AppError> {
    let (_, db) = crate::accounts::access::admin_of(program_id)?;
    crate::programs::store::program_details(&db, program_id).await
}

/// Keeps the file for its preview and answers with the preview's address.
#[server(endpoint = "programs/import-stage")]
pub async fn stage_import(
    program_id: i64,
    kind: String,
    content: String,
) -> Result<String, AppError> {
    let (user, db) = crate::accounts::access::admin_of(program_id)?;
    let outcome = async {
        let kind = ImportKind::parse(&kind)
            .ok_or_else(|| AppError::invalid("Choose what the file holds."))?;
        let batch =
            crate::imports::store::stage_import(&db, program_id, kind, &content, user.id).await?;
        Ok(format!("/programs/{program_id}/import/{batch}"))
    }
    .await;
    match &outcome {
        Ok(address) if crate::ui::forms::is_plain_form_post() => leptos_axum::redirect(address),
        _ => crate::ui::forms::answer_plain_form(
            &format!("/programs/{program_id}/import"),
            "stage",
            &outcome,
        ),
    }
    outcome
}

#[server(endpoint = "programs/import-preview")]
pub async fn import_preview(program_id: i64, batch_id: i64) -> Result<ImportPreviewData, AppError> {
    let (_, db) = crate::accounts::access::admin_of(program_id)?;
    let batch = crate::imports::store::load_batch(&db, batch_id).await?;
    if batch.program_id != program_id {
        return Err(AppError::NotFound);
    }
    let program = crate::programs::store::program_details(&db, program_id).await?;
    let plan = crate::imports::store::preview_batch(&db, &batch).await?;
    Ok(ImportPreviewData {
        program,
        batch_id,
        kind: batch.kind,
        problem: plan.problem,
        rows: plan.rows,
        applied: batch.applied,
    })
}

#[server(endpoint = "programs/import-confirm")]
pub async fn confirm_import(program_id: i64, batch_id: i64) -> Result<String, AppError> {
    let (user, db) = crate::accounts::access::admin_of(program_id)?;
    let outcome = async {
        let batch = crate::imports::store::load_batch(&db, batch_id).await?;
        if batch.program_id != program_id {
            return Err(AppError::NotFound);
        }
        let inviter = crate::imports::store::Inviter {
            ctx: crate::people::invite::Inviting::current(),
            name: user.name.clone(),
        };
        let summary =
            crate::imports::store::apply_batch_inviting(&db, batch_id, user.id, Some(&inviter))
                .await?;
        Ok(if summary.starts_with("This file") {
            summary
        } else {
            format!("Imported: {summary}")
        })
    }
    .await;
    crate::ui::forms::answer_plain_form(
        &format!("/programs/{program_id}/import/{batch_id}"),
        "confirm",
        &outcome,
    );
    outcome
}

/// The import form.
#[component]
pub fn ImportPage() -> impl IntoView {
    program_page(
        "Loading…",
        || (),
        |id, _| import_page(id),
        |program| view! { <ImportForm program/> }.into_any(),
    )
}

#[component]
fn ImportForm(program: ProgramDetails) -> impl IntoView {
    let stage = ServerAction::<StageImport>::new();
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(address)) = stage.value().get() {
            navigate(&address, Default::default());
        }
    });
    // The file picker reads a file into the text box; it needs the page to be interactive, so
    // it appears only once hydrated. Pasting works everywhere.
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let content = RwSignal::new(String::new());
    let id = program.id;
    let failure = move || match stage.value().get() {
        Some(Ok(_)) => None,
        other => Some(outcome_view(other, "stage")),
    };
    view! {
        <PageTitle text=format!("Import CSV · {}", program.name)/>
        <ProgramNav program_id=id program_name=program.name.clone() current="import"/>
        <h1>"Import CSV"</h1>
        <section class="card">
            <p>"Bring a cohort in from a spreadsheet or HR system. The first line names the columns:"</p>
            <ul class="columns-help">
                {[ImportKind::Participants, ImportKind::Matches].into_iter().map(|k| view! {
                    <li><strong>{k.label()}</strong>": "<code>{k.columns()}</code></li>
                }).collect_view()}
            </ul>
            <p class="hint">"Someone without an account needs a name: they get one and an invitation to set their password; people with an account are enrolled and told by email. You see a preview first; nothing changes until you confirm, and a file with any rejected row imports nothing. Importing the same file again creates and sends nothing new."</p>
            <ActionForm action=stage>
                <input type="hidden" name="program_id" value=id.to_string()/>
                <fieldset class="field">
                    <legend>"The file holds"</legend>
                    <div class="radio">
                        <input type="radio" id="kind-participants" name="kind" value="participants" checked/>
                        <label for="kind-participants">"Participants"</label>
                    </div>
                    <div class="radio">
                        <input type="radio" id="kind-matches" name="kind" value="matches"/>
                        <label for="kind-matches">"Matches"</label>
                    </div>
                </fieldset>
                <Show when=move || hydrated.get()>
                    <div class="field">
                        <label for="import-file">"CSV file"</label>
                        <input id="import-file" type="file" accept=".csv,text/csv,text/plain"
                            on:change=move |ev| read_file_into(ev, content)/>
                    </div>
                </Show>
                <div class="field">
                    <label for="import-content">"CSV text"</label>
                    <textarea id="import-content" name="content" rows="10" required spellcheck="false"
                        class="mono" prop:value=move || content.get()
                        on:input=move |ev| content.set(event_target_value(&ev))></textarea>
                </div>
                <button type="submit" class="button">"Preview import"</button>
            </ActionForm>
            <div aria-live="polite">{failure}</div>
        </section>
    }
}

/// Reads the chosen file's text into `content` (in the browser; nothing to do on the server).
#[allow(unused_variables)]
fn read_file_into(ev: leptos::ev::Event, content: RwSignal<String>) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        let Some(file) = input.files().and_then(|files| files.get(0)) else {
            return;
        };
        leptos::task::spawn_local(async move {
            if let Ok(text) = wasm_bindgen_futures::JsFuture::from(file.text()).await
                && let Some(text) = text.as_string()
            {
                content.set(text);
            }
        });
    }
}

/// `/programs/{id}/import/{batch}`: the preview, and the Confirm button.
#[component]
pub fn ImportPreviewPage() -> impl IntoView {
    let batch = use_path_id("batch");
    let confirm = ServerAction::<ConfirmImport>::new();
    program_page(
        "Reading the file…",
        move || (batch(), confirm.version().get()),
        |id, (batch, _)| async move {
            match batch {
                Some(batch) => import_preview(id, batch).await,
                None => Err(AppError::NotFound),
            }
        },
        move |preview| view! { <Preview preview confirm/> }.into_any(),
    )
}

#[component]
fn Preview(preview: ImportPreviewData, confirm: ServerAction<ConfirmImport>) -> impl IntoView {
    let id = preview.program.id;
    let create = preview.count(|o| matches!(o, RowOutcome::Create(_) | RowOutcome::Invite(_)));
    let unchanged = preview.count(|o| matches!(o, RowOutcome::Unchanged(_)));
    let rejected = preview.count(|o| matches!(o, RowOutcome::Rejected(_)));
    let can_confirm = preview.problem.is_none() && rejected == 0 && preview.applied.is_none();
    let invite = preview.count(|o| matches!(o, RowOutcome::Invite(_)));
    let summary = if invite > 0 {
        format!(
            "{} rows: {create} to create ({invite} new people, created and invited), {unchanged} already there, {rejected} rejected.",
            preview.rows.len()
        )
    } else {
        format!(
            "{} rows: {create} to create, {unchanged} already there, {rejected} rejected.",
            preview.rows.len()
        )
    };
    view! {
        <PageTitle text=format!("Import preview · {}", preview.program.name)/>
        <ProgramNav program_id=id program_name=preview.program.name.clone() current="import"/>
        <h1>{format!("Import preview: {}", preview.kind.label())}</h1>
        <div aria-live="polite">{move || outcome_view(confirm.value().get(), "confirm")}</div>
        {preview.applied.clone().map(|summary| view! {
            <p class="success">"This file has been imported: " {summary}</p>
        })}
        {match preview.problem.clone() {
            Some(problem) => view! { <p class="form-error" role="alert">{problem}</p> }.into_any(),
            None => view! {
                <p class="import-summary">{summary}</p>
                {(rejected > 0).then(|| view! {
                    <p class="form-error">"Nothing will be imported while any row is rejected. Fix the rows below in your file and import it again."</p>
                })}
                <ScrollTable label="Rows of the file">
                    <table class="import-preview">
                        <thead>
                            <tr>
                                <th scope="col">"Line"</th>
                                <th scope="col">"Row"</th>
                                <th scope="col">"Result"</th>
                                <th scope="col">"Details"</th>
                            </tr>
                        </thead>
                        <tbody>
                            {preview.rows.clone().into_iter().map(|row| {
                                let (class, label, detail) = match row.outcome {
                                    RowOutcome::Create(d) => ("create", "Will be created", d),
                                    RowOutcome::Invite(d) => ("invite", "Will be created and invited", d),
                                    RowOutcome::Unchanged(d) => ("unchanged", "Already there", d),
                                    RowOutcome::Rejected(d) => ("rejected", "Rejected", d),
                                };
                                view! {
                                    <tr class=class>
                                        <td>{row.line}</td>
                                        <td class="mono">{row.row}</td>
                                        <td><span class=format!("badge {class}")>{label}</span></td>
                                        <td>{detail}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                </ScrollTable>
            }.into_any(),
        }}
        <div class="actions">
            {can_confirm.then(|| view! {
                <ActionForm action=confirm>
                    <input type="hidden" name="program_id" value=id.to_string()/>
                    <input type="hidden" name="batch_id" value=preview.batch_id.to_string()/>
                    <button type="submit" class="button">{format!("Confirm import ({create} to create)")}</button>
                </ActionForm>
            })}
            <a class="button secondary" href=format!("/programs/{id}/import")>"Import another file"</a>
        </div>
    }
}
