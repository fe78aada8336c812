//! User management for site admins: create accounts, make program admins, reset passwords.

use crate::error::AppError;
use crate::ui::title::PageTitle;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::access::{Permission, require};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRow {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub is_site_admin: bool,
    pub admin_of: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsersInfo {
    pub users: Vec<UserRow>,
    pub programs: Vec<(i64, String)>,
}

#[server(endpoint = "accounts/users")]
pub async fn users_page_data() -> Result<UsersInfo, AppError> {
    require(Permission::ManageUsers)?;
    let db = expect_context::<crate::db::Db>();
    let users = super::store::list_users(&db)
        .await?
        .into_iter()
        .map(|u| UserRow {
            id: u.id,
            email: u.email,
            name: u.name,
            is_site_admin: u.is_site_admin,
            admin_of: u.admin_of,
        })
        .collect();
    let programs = super::store::program_names(&db).await?;
    Ok(UsersInfo { users, programs })
}

#[cfg(feature = "ssr")]
fn answer_plain_form(form: &str, outcome: &Result<String, AppError>) {
    crate::ui::forms::answer_plain_form("/admin/users", form, outcome);
}

/// Hashes off the async threads: Argon2 is deliberately slow.
#[cfg(feature = "ssr")]
async fn hash(password: super::validation::NewPassword) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || super::password::hash_password(password.as_str()))
        .await
        .map_err(AppError::internal)?
        .map_err(AppError::internal)
}

#[server(endpoint = "accounts/create-user")]
pub async fn create_user(
    email: String,
    name: String,
    password: String,
    #[server(default)] site_admin: Option<String>,
) -> Result<String, AppError> {
    use super::validation::{DisplayName, Email, NewPassword};
    require(Permission::ManageUsers)?;
    let outcome = async {
        let email =
            Email::parse(&email).map_err(|m| AppError::invalid_field("email", "Email", m))?;
        let name =
            DisplayName::parse(&name).map_err(|m| AppError::invalid_field("name", "Name", m))?;
        let password = NewPassword::parse(&password)
            .map_err(|m| AppError::invalid_field("password", "Password", m))?;
        let db = expect_context::<crate::db::Db>();
        let hash = hash(password).await?;
        super::store::create_user(&db, &email, &name, &hash, site_admin.is_some()).await?;
        Ok(format!(
            "Created an account for {} ({}).",
            name.as_str(),
            email.as_str()
        ))
    }
    .await;
    answer_plain_form("create", &outcome);
    outcome
}

#[server(endpoint = "accounts/make-program-admin")]
pub async fn make_program_admin(user_id: i64, program_id: i64) -> Result<String, AppError> {
    require(Permission::ManageUsers)?;
    let db = expect_context::<crate::db::Db>();
    let outcome = match super::store::make_program_admin(&db, program_id, user_id).await {
        Ok(true) => Ok("They are now an admin of that program.".to_string()),
        Ok(false) => Ok("They were already an admin of that program; nothing changed.".to_string()),
        Err(error) => Err(error),
    };
    answer_plain_form("promote", &outcome);
    outcome
}

#[server(endpoint = "accounts/reset-password")]
pub async fn reset_password(user_id: i64, password: String) -> Result<String, AppError> {
    use super::validation::NewPassword;
    require(Permission::ManageUsers)?;
    let outcome = async {
        let password = NewPassword::parse(&password)
            .map_err(|m| AppError::invalid_field("password", "Password", m))?;
        let db = expect_context::<crate::db::Db>();
        let hash = hash(password).await?;
        if super::store::set_password(&db, user_id, &hash).await? {
            Ok("The password was changed. Tell its owner the new one in person.".to_string())
        } else {
            Err(AppError::NotFound)
        }
    }
    .await;
    answer_plain_form("reset", &outcome);
    outcome
}

use crate::ui::forms::outcome_view;

#[component]
pub fn UsersPage() -> impl IntoView {
    let create = ServerAction::<CreateUser>::new();
    let promote = ServerAction::<MakeProgramAdmin>::new();
    let reset = ServerAction::<ResetPassword>::new();
    let data = Resource::new(
        move || {
            (
                create.version().get(),
                promote.version().get(),
                reset.version().get(),
            )
        },
        |_| users_page_data(),
    );
    view! {
        <PageTitle text="Users · Mentoring Milestones"/>
        <h1>"Users"</h1>
        <Suspense fallback=|| view! { <p class="loading">"Loading users…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Err(error) => crate::ui::errors::error_view(error).into_any(),
                    Ok(data) => {
                        let programs = data.programs.clone();
                        let users_for_admin = data.users.clone();
                        let users_for_reset = data.users.clone();
                        view! {
                            <section class="card" aria-labelledby="create-heading">
                                <h2 id="create-heading">"Create a user"</h2>
                                <ActionForm action=create>
                                    <div class="field">
                                        <label for="new-email">"Email"</label>
                                        <input id="new-email" name="email" type="email" required autocomplete="off"/>
                                    </div>
                                    <div class="field">
                                        <label for="new-name">"Name"</label>
                                        <input id="new-name" name="name" type="text" required maxlength="120"/>
                                    </div>
                                    <div class="field">
                                        <label for="new-password">"Password"</label>
                                        <input id="new-password" name="password" type="password" required autocomplete="new-password" minlength="10"/>
                                    </div>
                                    <div class="field checkbox">
                                        <input id="new-site-admin" name="site_admin" type="checkbox" value="on"/>
                                        <label for="new-site-admin">"Site admin"</label>
                                    </div>
                                    <button type="submit" class="button">"Create user"</button>
                                </ActionForm>
                                <div aria-live="polite">{move || outcome_view(create.value().get(), "create")}</div>
                            </section>
                            <section class="card" aria-labelledby="promote-heading">
                                <h2 id="promote-heading">"Make a program admin"</h2>
                                <ActionForm action=promote>
                                    <div class="inline">
                                        <div class="field">
                                            <label for="promote-user">"User"</label>
                                            <select id="promote-user" name="user_id">
                                                {users_for_admin.into_iter().map(|u| view! {
                                                    <option value=u.id.to_string()>{format!("{} ({})", u.name, u.email)}</option>
                                                }).collect_view()}
                                            </select>
                                        </div>
                                        <div class="field">
                                            <label for="promote-program">"Program"</label>
                                            <select id="promote-program" name="program_id">
                                                {programs.into_iter().map(|(id, name)| view! {
                                                    <option value=id.to_string()>{name}</option>
                                                }).collect_view()}
                                            </select>
                                        </div>
                                    </div>
                                    <button type="submit" class="button">"Make program admin"</button>
                                </ActionForm>
                                <div aria-live="polite">{move || outcome_view(promote.value().get(), "promote")}</div>
                            </section>
                            <section class="card" aria-labelledby="reset-heading">
                                <h2 id="reset-heading">"Reset a password"</h2>
                                <ActionForm action=reset>
                                    <div class="inline">
                                        <div class="field">
                                            <label for="reset-user">"User"</label>
                                            <select id="reset-user" name="user_id">
                                                {users_for_reset.into_iter().map(|u| view! {
                                                    <option value=u.id.to_string()>{format!("{} ({})", u.name, u.email)}</option>
                                                }).collect_view()}
                                            </select>
                                        </div>
                                        <div class="field">
                                            <label for="reset-password">"New password"</label>
                                            <input id="reset-password" name="password" type="password" required autocomplete="new-password" minlength="10"/>
                                        </div>
                                    </div>
                                    <button type="submit" class="button">"Reset password"</button>
                                </ActionForm>
                                <div aria-live="polite">{move || outcome_view(reset.value().get(), "reset")}</div>
                            </section>
                            <table class="users">
                                <caption>"All users"</caption>
                                <thead>
                                    <tr>
                                        <th scope="col">"Name"</th>
                                        <th scope="col">"Email"</th>
                                        <th scope="col">"Site admin"</th>
                                        <th scope="col">"Program admin of"</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {data.users.into_iter().map(|u| view! {
                                        <tr>
                                            <th scope="row">{u.name}</th>
                                            <td>{u.email}</td>
                                            <td>{if u.is_site_admin { "Yes" } else { "No" }}</td>
                                            <td>{u.admin_of.join(", ")}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}
