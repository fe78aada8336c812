//! `/programs/{id}/participants`: enrol people as mentors or mentees (someone new is invited,
//! someone with an account is told), retire and reactivate them, find them by name, email, role
//! and state, and see who has not accepted their invitation yet. It sits with the people
//! feature, above enrollments (whose rules and store it uses) and the invitations it sends.

use crate::accounts::AccountState;
use crate::enrollments::{EnrollmentState, Participant};
use crate::error::AppError;
use crate::kernel::page::Page;
use crate::kernel::roles::Role;
use crate::people::status::{AccountStatus, invitation_button_text, invitation_outcome};
use crate::programs::ProgramDetails;
use crate::ui::forms::{
    Field, field_invalid, form_outcome, kept_value, outcome_view_besides_fields,
};
use crate::ui::frame::{ListQuery, ProgramNav, pager, program_page};
use crate::ui::table::ScrollTable;
use crate::ui::title::PageTitle;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParticipantsData {
    pub program: ProgramDetails,
    pub list: Page<Participant>,
    /// Whether this server sends email (else invitation links are handed over by the admin).
    pub sending: bool,
}

#[server(endpoint = "programs/participants")]
pub async fn participants(
    program_id: i64,
    #[server(default)] search: String,
    #[server(default)] role: String,
    #[server(default)] state: String,
    #[server(default)] page: i64,
) -> Result<ParticipantsData, AppError> {
    use crate::enrollments::store::{self, ParticipantFilter};
    let (_, db) = crate::accounts::access::admin_of(program_id)?;
    let program = crate::programs::store::program_details(&db, program_id).await?;
    let filter = ParticipantFilter {
        search,
        role: Role::parse(&role),
        state: EnrollmentState::parse(&state),
        page,
    };
    let list = store::participants(&db, program_id, &filter).await?;
    Ok(ParticipantsData {
        program,
        list,
        sending: crate::mail::MailContext::current().sending.server.is_some(),
    })
}

/// Enrols someone by their email. Someone new (a name given) gets an account without a password
/// and an invitation to set one; an existing account still invited gets a new invitation to
/// this program; anyone else is told by email that they were added.
#[server(endpoint = "programs/enrol")]
pub async fn enrol(
    program_id: i64,
    email: String,
    role: String,
    #[server(default)] name: String,
) -> Result<String, AppError> {
    use crate::accounts::validation::{DisplayName, Email};
    use crate::people::emails::Place;
    use crate::people::invite::{Inviting, invite, tell_added};
    let (me, db) = crate::accounts::access::admin_of(program_id)?;
    let outcome = async {
        let email =
            Email::parse(&email).map_err(|m| AppError::invalid_field("email", "Email", m))?;
        let role = Role::parse(&role)
            .ok_or_else(|| AppError::invalid("Role: Choose Mentor or Mentee."))?;
        let ctx = Inviting::current();
        let now = chrono::Utc::now();
        let person = match crate::people::store::person_by_email(&db, email.as_str()).await? {
            Some(person) => person,
            None => {
                if name.trim().is_empty() {
                    return Err(AppError::invalid_field(
                        "name",
                        "Name",
                        format!(
                            "There is no account for {} yet: enter their name to create it and \
                             invite them.",
                            email.as_str()
                        ),
                    ));
                }
                let name = DisplayName::parse(&name)
                    .map_err(|m| AppError::invalid_field("name", "Name", m))?;
                let id =
                    crate::people::store::create_invited(&db, &email, &name, false, now).await?;
                crate::people::store::person(&db, id)
                    .await?
                    .ok_or(AppError::NotFound)?
            }
        };
        let (enrollment_id, message) =
            crate::enrollments::store::enrol(&db, program_id, email.as_str(), role).await?;
        let program = crate::programs::store::program_details(&db, program_id)
            .await?
            .name;
        let place = Place {
            program: &program,
            role,
        };
        let told = if person.invited_at.is_some() {
            let invited = invite(
                &ctx,
                &person,
                &me.name,
                Some((program_id, place)),
                false,
                now,
            )
            .await?;
            crate::people::invite::invitation_sentence(&invited, email.as_str())
        } else if tell_added(
            &ctx,
            &person,
            &me.name,
            program_id,
            place,
            enrollment_id,
            now,
        )
        .await?
        {
            "They have been told by email.".to_string()
        } else {
            String::new()
        };
        Ok(format!("{message} {told}").trim_end().to_string())
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

/// Sends an enrolled person's invitation again (or answers with the link to hand over).
#[server(endpoint = "programs/resend-invitation")]
pub async fn resend_invitation_to_participant(
    program_id: i64,
    user_id: i64,
) -> Result<String, AppError> {
    let (me, db) = crate::accounts::access::admin_of(program_id)?;
    let outcome = async {
        let role = crate::enrollments::store::role_in(&db, program_id, user_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let program = crate::programs::store::program_details(&db, program_id)
            .await?
            .name;
        let place = crate::people::emails::Place {
            program: &program,
            role,
        };
        crate::people::invite::resend(user_id, &me.name, Some((program_id, place))).await
    }
    .await;
    crate::ui::forms::answer_plain_form(
        &format!("/programs/{program_id}/participants"),
        "enrollment",
        &outcome,
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
const ENROL_FIELDS: [&str; 2] = ["email", "name"];

/// The filters of the participant list in the address.
const FILTERS: [&str; 3] = ["search", "role", "state"];

#[component]
pub fn ParticipantsPage() -> impl IntoView {
    let query = ListQuery::reactive(&FILTERS);
    let enrol_action = ServerAction::<Enrol>::new();
    let state_action = ServerAction::<SetEnrollment>::new();
    let resend_action = ServerAction::<ResendInvitationToParticipant>::new();
    program_page(
        "Loading participants…",
        move || {
            (
                query(),
                enrol_action.version().get(),
                state_action.version().get(),
                resend_action.version().get(),
            )
        },
        |id, (q, ..)| participants(id, q.get("search"), q.get("role"), q.get("state"), q.page),
        move |data| {
            view! { <Participants data enrol_action state_action resend_action/> }.into_any()
        },
    )
}

#[component]
fn Participants(
    data: ParticipantsData,
    enrol_action: ServerAction<Enrol>,
    state_action: ServerAction<SetEnrollment>,
    resend_action: ServerAction<ResendInvitationToParticipant>,
) -> impl IntoView {
    let sending = data.sending;
    let enrol_outcome = Signal::derive(move || form_outcome(enrol_action.value().get(), "enrol"));
    let program = data.program;
    let id = program.id;
    let query = ListQuery::now(&FILTERS);
    let (search, role, state) = (query.get("search"), query.get("role"), query.get("state"));
    let list = data.list;
    let (page, pages, total) = (list.page, list.pages(), list.total);
    let path = format!("/programs/{id}/participants");
    let filtered = query.narrowed_by(&FILTERS);
    let page_href = move |n: i64| query.href(&path, n, &[]);
    let kept_role = kept_value("enrol", "role").unwrap_or_default();
    view! {
        <PageTitle text=format!("Participants · {}", program.name)/>
        <ProgramNav program_id=id program_name=program.name.clone() current="participants"/>
        <h1>"Participants"</h1>
        <section class="card" aria-labelledby="enrol-heading">
            <h2 id="enrol-heading">"Enrol a participant"</h2>
            <p class="hint">{if sending {
                "Enrol someone by their email. Someone new also needs a name: they get an account and an email with a link to set their own password. Someone with an account gets an email saying they were added."
            } else {
                "Enrol someone by their email. Someone new also needs a name: they get an account, and you get an invitation link to hand them (email is not set up here)."
            }}</p>
            <ActionForm action=enrol_action>
                <input type="hidden" name="program_id" value=id.to_string()/>
                <div class="inline">
                    <Field id="enrol-email" label="Email" name="email" outcome=enrol_outcome>
                        <input id="enrol-email" name="email" type="email" required autocomplete="off"
                            value=kept_value("enrol", "email").unwrap_or_default()
                            aria-invalid=move || field_invalid(&enrol_outcome.get(), "email")
                            aria-describedby="enrol-email-error"/>
                    </Field>
                    <Field id="enrol-name" label="Name" name="name" outcome=enrol_outcome
                        hint="Only for someone new: the name others see.">
                        <input id="enrol-name" name="name" type="text" maxlength="120" autocomplete="off"
                            value=kept_value("enrol", "name").unwrap_or_default()
                            aria-invalid=move || field_invalid(&enrol_outcome.get(), "name")
                            aria-describedby="enrol-name-hint enrol-name-error"/>
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
            <div aria-live="polite">{move || {
                let latest = if resend_action.version().get() >= state_action.version().get() {
                    resend_action.value().get().or_else(|| state_action.value().get())
                } else {
                    state_action.value().get().or_else(|| resend_action.value().get())
                };
                invitation_outcome(latest, "enrollment")
            }}</div>
            <p class="list-count">{match total {
                0 if filtered => "No participant matches these filters.".to_string(),
                0 => "No one is enrolled yet.".to_string(),
                1 => "1 enrollment".to_string(),
                n => format!("{n} enrollments"),
            }}" "<a href=format!("/programs/{id}/participants.csv") download="">"Download CSV"</a></p>
            {(total > 0).then(|| view! {
                <ScrollTable label="Enrollments">
                    <table class="participants">
                        <thead>
                            <tr>
                                <th scope="col">"Name"</th>
                                <th scope="col">"Email"</th>
                                <th scope="col">"Role"</th>
                                <th scope="col">"State"</th>
                                <th scope="col">"Account"</th>
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
                                        <td>
                                            <AccountStatus state=p.account/>
                                            {matches!(p.account, AccountState::Invited(_)).then(|| {
                                                let text = invitation_button_text(sending);
                                                let label = format!("{text}: {}", p.name);
                                                view! {
                                                    " "
                                                    <ActionForm action=resend_action attr:class="inline-form">
                                                        <input type="hidden" name="program_id" value=id.to_string()/>
                                                        <input type="hidden" name="user_id" value=p.user_id.to_string()/>
                                                        <button type="submit" class="button secondary small" aria-label=label>{text}</button>
                                                    </ActionForm>
                                                }
                                            })}
                                        </td>
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
                </ScrollTable>
            })}
            {pager(page, pages, total, page_href)}
        </section>
    }
}
