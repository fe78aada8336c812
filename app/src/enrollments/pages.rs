//! `/programs/{id}/participants`: enrol people as mentors or mentees, retire and reactivate
//! them, and find them by name, email, role and state.

use super::{EnrollmentState, Participant};
use crate::error::AppError;
use crate::kernel::page::Page;
use crate::kernel::roles::Role;
use crate::kernel::text::query_string;
use crate::programs::ProgramDetails;
use crate::ui::data::resource;
use crate::ui::forms::{
    Field, field_invalid, form_outcome, kept_value, outcome_view, outcome_view_besides_fields,
};
use crate::ui::frame::{ProgramNav, pager, use_program_id};
use crate::ui::title::PageTitle;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParticipantsData {
    pub program: ProgramDetails,
    pub list: Page<Participant>,
}

#[server(endpoint = "programs/participants")]
pub async fn participants(
    program_id: i64,
    #[server(default)] search: String,
    #[server(default)] role: String,
    #[server(default)] state: String,
    #[server(default)] page: i64,
) -> Result<ParticipantsData, AppError> {
    use super::store::{self, ParticipantFilter};
    let (_, db) = crate::accounts::access::admin_of(program_id)?;
    let program = crate::programs::store::program_details(&db, program_id).await?;
    let filter = ParticipantFilter {
        search,
        role: Role::parse(&role),
        state: EnrollmentState::parse(&state),
        page,
    };
    let list = store::participants(&db, program_id, &filter).await?;
    Ok(ParticipantsData { program, list })
}

#[server(endpoint = "programs/enrol")]
pub async fn enrol(
    program_id: i64,
    email: String,
    role: String,
    #[server(default)] name: String,
    #[server(default)] password: String,
) -> Result<String, AppError> {
    use crate::accounts::validation::{DisplayName, Email, NewPassword};
    let (_, db) = crate::accounts::access::admin_of(program_id)?;
    let outcome = async {
        let email =
            Email::parse(&email).map_err(|m| AppError::invalid_field("email", "Email", m))?;
        let role = Role::parse(&role)
            .ok_or_else(|| AppError::invalid("Role: Choose Mentor or Mentee."))?;
        let new_account = !name.trim().is_empty() || !password.is_empty();
        let mut created = None;
        if new_account {
            let name = DisplayName::parse(&name)
                .map_err(|m| AppError::invalid_field("name", "Name", m))?;
            let password = NewPassword::parse(&password)
                .map_err(|m| AppError::invalid_field("password", "Initial password", m))?;
            let hash = tokio::task::spawn_blocking(move || {
                crate::accounts::password::hash_password(password.as_str())
            })
            .await
            .map_err(AppError::internal)?
            .map_err(AppError::internal)?;
            // An existing account is enrolled as it is: its password is never replaced here.
            match crate::accounts::store::create_user(&db, &email, &name, &hash, false).await {
                Ok(_) => created = Some(name.as_str().to_string()),
                Err(AppError::Invalid { message: _, .. }) => {}
                Err(other) => return Err(other),
            }
        }
        let message =
            crate::enrollments::store::enrol(&db, program_id, email.as_str(), role).await?;
        Ok(match created {
            Some(name) => format!(
                "Created an account for {name} ({}). {message}",
                email.as_str()
            ),
            None => message,
        })
    }
    .await;
    crate::ui::forms::answer_plain_form_keeping(
        &format!("/programs/{program_id}/participants"),
        "enrol",
        &outcome,
        &[("email", &email), ("role", &role), ("name", &name)],
    );
    outcome
}

#[server(endpoint = "programs/set-enrollment")]
pub async fn set_enrollment(
    program_id: i64,
    enrollment_id: i64,
    active: bool,
) -> Result<String, AppError> {
    let (_, db) = crate::accounts::access::admin_of(program_id)?;
    let outcome =
        crate::enrollments::store::set_enrollment_state(&db, program_id, enrollment_id, active)
            .await;
    crate::ui::forms::answer_plain_form(
        &format!("/programs/{program_id}/participants"),
        "enrollment",
        &outcome,
    );
    outcome
}

/// The enrol form's fields that errors can be about.
const ENROL_FIELDS: [&str; 3] = ["email", "name", "password"];

#[component]
pub fn ParticipantsPage() -> impl IntoView {
    let program_id = use_program_id();
    let query = use_query_map();
    let enrol_action = ServerAction::<Enrol>::new();
    let state_action = ServerAction::<SetEnrollment>::new();
    let data = resource(
        move || {
            let q = query.get();
            (
                program_id(),
                q.get("search").unwrap_or_default(),
                q.get("role").unwrap_or_default(),
                q.get("state").unwrap_or_default(),
                crate::kernel::page::page_number(q.get("page").as_deref()),
                enrol_action.version().get(),
                state_action.version().get(),
            )
        },
        |(id, search, role, state, page, _, _)| async move {
            match id {
                Some(id) => participants(id, search, role, state, page).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading participants…"</p> }>
            {move || Suspend::new(async move {
                crate::ui::frame::or_error(data.await, |data| {
                    view! { <Participants data enrol_action state_action/> }.into_any()
                })
            })}
        </Suspense>
    }
}

#[component]
fn Participants(
    data: ParticipantsData,
    enrol_action: ServerAction<Enrol>,
    state_action: ServerAction<SetEnrollment>,
) -> impl IntoView {
    let enrol_outcome = Signal::derive(move || form_outcome(enrol_action.value().get(), "enrol"));
    let program = data.program;
    let id = program.id;
    let query = use_query_map().get_untracked();
    let search = query.get("search").unwrap_or_default();
    let role = query.get("role").unwrap_or_default();
    let state = query.get("state").unwrap_or_default();
    let list = data.list;
    let (page, pages, total) = (list.page, list.pages(), list.total);
    let page_href = {
        let (search, role, state) = (search.clone(), role.clone(), state.clone());
        move |n: i64| {
            format!(
                "/programs/{id}/participants{}",
                query_string(&[
                    ("search", search.clone()),
                    ("role", role.clone()),
                    ("state", state.clone()),
                    ("page", n.to_string()),
                ])
            )
        }
    };
    let kept_role = kept_value("enrol", "role").unwrap_or_default();
    let filtered = !(search.is_empty() && role.is_empty() && state.is_empty());
    view! {
        <PageTitle text=format!("Participants · {}", program.name)/>
        <ProgramNav program_id=id program_name=program.name.clone() current="participants"/>
        <h1>"Participants"</h1>
        <section class="card" aria-labelledby="enrol-heading">
            <h2 id="enrol-heading">"Enrol a participant"</h2>
            <p class="hint">"Enrol someone who has an account by their email. For someone new, also give their name and an initial password to create their account."</p>
            <ActionForm action=enrol_action>
                <input type="hidden" name="program_id" value=id.to_string()/>
                <div class="inline">
                    <Field id="enrol-email" label="Email" name="email" outcome=enrol_outcome>
                        <input id="enrol-email" name="email" type="email" required autocomplete="off"
                            value=kept_value("enrol", "email").unwrap_or_default()
                            aria-invalid=move || field_invalid(&enrol_outcome.get(), "email")
                            aria-describedby="enrol-email-error"/>
                    </Field>
                    <div class="field">
                        <label for="enrol-role">"Role"</label>
                        <select id="enrol-role" name="role">
                            {Role::ALL.into_iter().map(|r| view! {
                                <option value=r.as_str() selected=kept_role == r.as_str()>{r.label()}</option>
                            }).collect_view()}
                        </select>
                    </div>
                </div>
                <details class="new-account">
                    <summary>"New to the platform? Create their account"</summary>
                    <div class="inline">
                        <Field id="enrol-name" label="Name" name="name" outcome=enrol_outcome>
                            <input id="enrol-name" name="name" type="text" maxlength="120"
                                value=kept_value("enrol", "name").unwrap_or_default()
                                aria-invalid=move || field_invalid(&enrol_outcome.get(), "name")
                                aria-describedby="enrol-name-error"/>
                        </Field>
                        <Field id="enrol-password" label="Initial password" name="password" outcome=enrol_outcome>
                            <input id="enrol-password" name="password" type="password" autocomplete="new-password" minlength="10"
                                aria-invalid=move || field_invalid(&enrol_outcome.get(), "password")
                                aria-describedby="enrol-password-error"/>
                        </Field>
                    </div>
                </details>
                <button type="submit" class="button">"Enrol"</button>
            </ActionForm>
            <div aria-live="polite">{move || outcome_view_besides_fields(enrol_action.value().get(), "enrol", &ENROL_FIELDS)}</div>
        </section>
        <section class="card" aria-labelledby="list-heading">
            <h2 id="list-heading">"Enrolled people"</h2>
            <form method="get" class="filters" role="search" aria-label="Filter participants">
                <div class="field">
                    <label for="filter-search">"Name or email"</label>
                    <input id="filter-search" name="search" type="search" value=search.clone()/>
                </div>
                <div class="field">
                    <label for="filter-role">"Role"</label>
                    <select id="filter-role" name="role">
                        <option value="" selected=role.is_empty()>"All roles"</option>
                        {Role::ALL.into_iter().map(|r| view! {
                            <option value=r.as_str() selected=role == r.as_str()>{r.label()}</option>
                        }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="filter-state">"State"</label>
                    <select id="filter-state" name="state">
                        <option value="" selected=state.is_empty()>"Active and retired"</option>
                        {[(EnrollmentState::Active, "Active"), (EnrollmentState::Retired, "Retired")].into_iter().map(|(s, label)| view! {
                            <option value=s.as_str() selected=state == s.as_str()>{label}</option>
                        }).collect_view()}
                    </select>
                </div>
                <button type="submit" class="button secondary">"Filter"</button>
                {filtered.then(|| view! { <a href=format!("/programs/{id}/participants")>"Clear filters"</a> })}
            </form>
            <div aria-live="polite">{move || outcome_view(state_action.value().get(), "enrollment")}</div>
            <p class="list-count">{match total {
                0 if filtered => "No participant matches these filters.".to_string(),
                0 => "No one is enrolled yet.".to_string(),
                1 => "1 enrollment".to_string(),
                n => format!("{n} enrollments"),
            }}" "<a href=format!("/programs/{id}/participants.csv") download="">"Download CSV"</a></p>
            {(total > 0).then(|| view! {
                <div class="table-scroll" tabindex="0" role="region" aria-label="Enrollments">
                    <table class="participants">
                        <thead>
                            <tr>
                                <th scope="col">"Name"</th>
                                <th scope="col">"Email"</th>
                                <th scope="col">"Role"</th>
                                <th scope="col">"State"</th>
                                <th scope="col">"Live matches"</th>
                                <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                            </tr>
                        </thead>
                        <tbody>
                            {list.rows.into_iter().map(|p| {
                                let label = if p.active {
                                    format!("Retire {} as {}", p.name, p.role.as_str())
                                } else {
                                    format!("Reactivate {} as {}", p.name, p.role.as_str())
                                };
                                view! {
                                    <tr>
                                        <th scope="row">{p.name.clone()}</th>
                                        <td>{p.email.clone()}</td>
                                        <td>{p.role.label()}</td>
                                        <td>{if p.active { "Active" } else { "Retired" }}</td>
                                        <td>{p.live_matches}</td>
                                        <td>
                                            <ActionForm action=state_action>
                                                <input type="hidden" name="program_id" value=id.to_string()/>
                                                <input type="hidden" name="enrollment_id" value=p.enrollment_id.to_string()/>
                                                <input type="hidden" name="active" value=(!p.active).to_string()/>
                                                <button type="submit" class="button secondary small" aria-label=label>
                                                    {if p.active { "Retire" } else { "Reactivate" }}
                                                </button>
                                            </ActionForm>
                                        </td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            })}
            {pager(page, pages, total, page_href)}
        </section>
    }
}
