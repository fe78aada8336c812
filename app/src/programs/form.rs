//! Site admins create programs and edit their name, description and time zone.

use super::fields::TimeZoneField;
use crate::error::AppError;
use crate::ui::forms::{Field, field_invalid, form_outcome, kept_value};
use crate::ui::frame::{loaded_page, use_program_id};
use crate::ui::title::PageTitle;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// What the program form starts from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgramFormData {
    /// `None` when creating.
    pub id: Option<i64>,
    pub name: String,
    pub description: String,
    pub time_zone: String,
    pub time_zones: Vec<String>,
}

#[server(endpoint = "programs/form")]
pub async fn program_form(program_id: Option<i64>) -> Result<ProgramFormData, AppError> {
    use crate::accounts::access::{Permission, require};
    require(Permission::ManagePrograms)?;
    let time_zones = crate::programs::store::time_zone_names();
    let Some(id) = program_id else {
        return Ok(ProgramFormData {
            id: None,
            name: String::new(),
            description: String::new(),
            time_zone: "UTC".into(),
            time_zones,
        });
    };
    let db = expect_context::<crate::db::Db>();
    let program = crate::programs::store::program_details(&db, id).await?;
    Ok(ProgramFormData {
        id: Some(id),
        name: program.name,
        description: program.description,
        time_zone: program.time_zone,
        time_zones,
    })
}

#[cfg(feature = "ssr")]
fn checked(
    name: &str,
    description: &str,
    time_zone: &str,
) -> Result<crate::programs::store::ProgramInput, AppError> {
    use super::store::{ProgramField, ProgramInput};
    ProgramInput::parse(name, description, time_zone).map_err(|(field, message)| {
        let (name, label) = match field {
            ProgramField::Name => ("name", "Program name"),
            ProgramField::Description => ("description", "Description"),
            ProgramField::TimeZone => ("time_zone", "Time zone"),
        };
        AppError::invalid_field(name, label, message)
    })
}

#[server(endpoint = "programs/create")]
pub async fn create_program(
    name: String,
    description: String,
    time_zone: String,
) -> Result<String, AppError> {
    use crate::accounts::access::{Permission, require};
    require(Permission::ManagePrograms)?;
    let db = expect_context::<crate::db::Db>();
    let outcome = async {
        let input = checked(&name, &description, &time_zone)?;
        let id = crate::programs::store::create_program(&db, &input).await?;
        Ok::<_, AppError>((id, format!("Created the program {}.", input.name)))
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
                "/programs/new",
                "program",
                &outcome,
                &[
                    ("name", &name),
                    ("description", &description),
                    ("time_zone", &time_zone),
                ],
            );
            outcome
        }
    }
}

#[server(endpoint = "programs/update")]
pub async fn update_program(
    program_id: i64,
    name: String,
    description: String,
    time_zone: String,
) -> Result<String, AppError> {
    use crate::accounts::access::{Permission, require};
    require(Permission::ManagePrograms)?;
    let db = expect_context::<crate::db::Db>();
    let outcome = async {
        let input = checked(&name, &description, &time_zone)?;
        crate::programs::store::update_program(&db, program_id, &input).await?;
        Ok(format!("Saved the program {}.", input.name))
    }
    .await;
    crate::ui::forms::answer_plain_form_keeping(
        &format!("/programs/{program_id}/edit"),
        "program",
        &outcome,
        &[
            ("name", &name),
            ("description", &description),
            ("time_zone", &time_zone),
        ],
    );
    outcome
}

/// The program form's fields that errors can be about.
const PROGRAM_FIELDS: [&str; 3] = ["name", "description", "time_zone"];

/// `/programs/new` and `/programs/{id}/edit`.
#[component]
pub fn ProgramFormPage() -> impl IntoView {
    // No program id: a new program.
    loaded_page("Loading…", use_program_id(), program_form, |data| {
        view! { <ProgramForm data/> }.into_any()
    })
}

#[component]
fn ProgramForm(data: ProgramFormData) -> impl IntoView {
    let create = ServerAction::<CreateProgram>::new();
    let update = ServerAction::<UpdateProgram>::new();
    let editing = data.id;
    let outcome = move || {
        let value = if editing.is_some() {
            update.value().get()
        } else {
            create.value().get()
        };
        form_outcome(value, "program")
    };
    let heading = if editing.is_some() {
        "Edit program"
    } else {
        "Create a program"
    };
    let name = kept_value("program", "name").unwrap_or(data.name.clone());
    let description = kept_value("program", "description").unwrap_or(data.description.clone());
    let time_zone = kept_value("program", "time_zone").unwrap_or(data.time_zone.clone());
    let zones = data.time_zones.clone();
    let outcome = Signal::derive(outcome);
    let invalid = move |field: &'static str| move || field_invalid(&outcome.get(), field);
    let fields = view! {
        {editing.map(|id| view! { <input type="hidden" name="program_id" value=id.to_string()/> })}
        <Field id="program-name" label="Program name" name="name" outcome>
            <input id="program-name" name="name" type="text" required maxlength="120"
                value=name aria-invalid=invalid("name")
                aria-describedby="program-name-error"/>
        </Field>
        <Field id="program-description" label="Description" name="description" outcome>
            <textarea id="program-description" name="description" rows="3" maxlength="2000"
                aria-invalid=invalid("description")
                aria-describedby="program-description-error"
                prop:value=description.clone()>{crate::ui::forms::textarea_text(&description)}</textarea>
        </Field>
        <TimeZoneField value=time_zone zones outcome/>
        <button type="submit" class="button">"Save"</button>
    };
    let general_error = move || {
        let value = if editing.is_some() {
            update.value().get()
        } else {
            create.value().get()
        };
        crate::ui::forms::outcome_view_besides_fields(value, "program", &PROGRAM_FIELDS)
    };
    let back = editing.map(|id| view! { <p><a href=format!("/programs/{id}")>"← Back to the Program Admin Panel"</a></p> });
    view! {
        <PageTitle text=format!("{heading} · Mentoring Milestones")/>
        {back}
        <h1>{heading}</h1>
        <section class="card">
            {if editing.is_some() {
                view! { <ActionForm action=update>{fields}</ActionForm> }.into_any()
            } else {
                view! { <ActionForm action=create>{fields}</ActionForm> }.into_any()
            }}
            <div aria-live="polite">{general_error}</div>
        </section>
    }
}
