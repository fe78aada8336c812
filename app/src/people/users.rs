//! User management for site admins: invite people (an account with no password, and an email
//! with a link to set one), give and take program admin rights, reset passwords, disable and
//! enable accounts, and clear sign-in blocks.

use crate::error::AppError;
use crate::ui::table::ScrollTable;
use crate::ui::title::PageTitle;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::accounts::AccountState;
#[cfg(feature = "ssr")]
use crate::accounts::access::{Permission, require};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRow {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub is_site_admin: bool,
    pub disabled: bool,
    pub state: AccountState,
    /// The programs they administer, by id and name.
    pub admin_of: Vec<(i64, String)>,
}

/// A (typed account, client address) pair that has used up its free sign-in attempts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockRow {
    pub account: String,
    pub address: String,
    pub failures: i64,
    /// When sign-in is possible again, in UTC, or `None` when it already is.
    pub until: Option<String>,
    /// The last attempt, in UTC.
    pub last: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsersInfo {
    pub me: i64,
    pub users: Vec<UserRow>,
    pub programs: Vec<(i64, String)>,
    pub blocks: Vec<BlockRow>,
    /// Whether this server sends email (else invitation links are handed over by the admin).
    pub sending: bool,
}

/// A unix time as the Users page shows it.
#[cfg(feature = "ssr")]
fn utc(seconds: i64) -> String {
    chrono::DateTime::from_timestamp(seconds, 0)
        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default()
}

#[server(endpoint = "accounts/users")]
pub async fn users_page_data() -> Result<UsersInfo, AppError> {
    let me = require(Permission::ManageUsers)?;
    let db = expect_context::<crate::db::Db>();
    let users = crate::accounts::store::list_users(&db)
        .await?
        .into_iter()
        .map(|u| UserRow {
            id: u.id,
            email: u.email,
            name: u.name,
            is_site_admin: u.is_site_admin,
            disabled: u.disabled,
            state: match u.invited_at {
                Some(at) => AccountState::Invited(at.date_naive()),
                None => AccountState::Active,
            },
            admin_of: u.admin_of,
        })
        .collect();
    let programs = crate::accounts::store::program_names(&db).await?;
    let now = chrono::Utc::now().timestamp();
    let blocks = crate::accounts::attempts::blocks(&db)
        .await?
        .into_iter()
        .map(|b| BlockRow {
            account: b.account,
            address: b.address,
            failures: b.failures,
            until: (b.blocked_until > now).then(|| utc(b.blocked_until)),
            last: utc(b.last_at),
        })
        .collect();
    Ok(UsersInfo {
        me: me.id,
        users,
        programs,
        blocks,
        sending: crate::mail::MailContext::current().sending.server.is_some(),
    })
}

#[cfg(feature = "ssr")]
fn answer_plain_form(form: &str, outcome: &Result<String, AppError>) {
    crate::ui::forms::answer_plain_form("/admin/users", form, outcome);
}

/// Hashes off the async threads: Argon2 is deliberately slow.
#[cfg(feature = "ssr")]
async fn hash(password: crate::accounts::validation::NewPassword) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || crate::accounts::password::hash_password(password.as_str()))
        .await
        .map_err(AppError::internal)?
        .map_err(AppError::internal)
}

/// Invites someone new: an account without a password, and an invitation email with a link to
/// set one (or, when this server sends no email, the link for the admin to hand over).
#[server(endpoint = "accounts/create-user")]
pub async fn create_user(
    email: String,
    name: String,
    #[server(default)] site_admin: Option<String>,
) -> Result<String, AppError> {
    use crate::accounts::validation::{DisplayName, Email};
    let me = require(Permission::ManageUsers)?;
    let outcome = async {
        let email =
            Email::parse(&email).map_err(|m| AppError::invalid_field("email", "Email", m))?;
        let name =
            DisplayName::parse(&name).map_err(|m| AppError::invalid_field("name", "Name", m))?;
        let ctx = crate::people::invite::Inviting::current();
        let now = chrono::Utc::now();
        let id =
            crate::people::store::create_invited(&ctx.db, &email, &name, site_admin.is_some(), now)
                .await?;
        let person = crate::people::store::person(&ctx.db, id)
            .await?
            .ok_or(AppError::NotFound)?;
        let invited =
            crate::people::invite::invite(&ctx, &person, &me.name, None, false, now).await?;
        Ok(format!(
            "Created an account for {} ({}). {}",
            name.as_str(),
            email.as_str(),
            crate::people::invite::invitation_sentence(&invited, email.as_str())
        ))
    }
    .await;
    crate::ui::forms::answer_plain_form_keeping(
        "/admin/users",
        "create",
        &outcome,
        &[("email", &email), ("name", &name)],
    );
    outcome
}

/// Sends the invitation again (a new link; earlier ones keep working until one is used), or,
/// when this server sends no email, answers with the link to hand over (the answer is then
/// only the link).
#[server(endpoint = "accounts/resend-invitation")]
pub async fn resend_invitation(user_id: i64) -> Result<String, AppError> {
    let me = require(Permission::ManageUsers)?;
    let outcome = crate::people::invite::resend(user_id, &me.name, None).await;
    answer_plain_form("account", &outcome);
    outcome
}

#[server(endpoint = "accounts/make-program-admin")]
pub async fn make_program_admin(user_id: i64, program_id: i64) -> Result<String, AppError> {
    require(Permission::ManageUsers)?;
    let db = expect_context::<crate::db::Db>();
    let outcome = match crate::accounts::store::make_program_admin(&db, program_id, user_id).await {
        Ok(true) => Ok("They are now an admin of that program.".to_string()),
        Ok(false) => Ok("They were already an admin of that program; nothing changed.".to_string()),
        Err(error) => Err(error),
    };
    answer_plain_form("promote", &outcome);
    outcome
}

#[server(endpoint = "accounts/reset-password")]
pub async fn reset_password(user_id: i64, password: String) -> Result<String, AppError> {
    use crate::accounts::validation::NewPassword;
    require(Permission::ManageUsers)?;
    let outcome = async {
        let password = NewPassword::parse(&password)
            .map_err(|m| AppError::invalid_field("password", "Password", m))?;
        let db = expect_context::<crate::db::Db>();
        let hash = hash(password).await?;
        if crate::accounts::store::set_password(&db, user_id, &hash).await? {
            crate::accounts::sessions::end_sessions_of(&db, user_id, None).await?;
            Ok(
                "The password was changed and every session of that account has ended. Tell \
                 its owner the new one in person."
                    .to_string(),
            )
        } else {
            Err(AppError::NotFound)
        }
    }
    .await;
    answer_plain_form("reset", &outcome);
    outcome
}

#[server(endpoint = "accounts/remove-program-admin")]
pub async fn remove_program_admin(user_id: i64, program_id: i64) -> Result<String, AppError> {
    require(Permission::ManageUsers)?;
    let db = expect_context::<crate::db::Db>();
    let outcome = match crate::accounts::store::remove_program_admin(&db, program_id, user_id).await
    {
        Ok(true) => Ok(
            "They are no longer an admin of that program, from their next click on.".to_string(),
        ),
        Ok(false) => Ok("They were not an admin of that program; nothing changed.".to_string()),
        Err(error) => Err(error),
    };
    answer_plain_form("account", &outcome);
    outcome
}

/// Disables (`disabled = "true"`) or enables an account. Disabling ends its sessions at once
/// and refuses its sign-ins; nothing else about the person changes.
#[server(endpoint = "accounts/set-disabled")]
pub async fn set_account_disabled(user_id: i64, disabled: String) -> Result<String, AppError> {
    let me = require(Permission::ManageUsers)?;
    let db = expect_context::<crate::db::Db>();
    let disable = disabled == "true";
    let outcome = async {
        if disable && user_id == me.id {
            return Err(AppError::invalid(
                "You cannot disable your own account: ask another site admin.",
            ));
        }
        if !crate::accounts::store::user_exists(&db, user_id).await? {
            return Err(AppError::NotFound);
        }
        let changed = crate::accounts::store::set_disabled(&db, user_id, disable).await?;
        if disable {
            crate::accounts::sessions::end_sessions_of(&db, user_id, None).await?;
        }
        Ok(match (disable, changed) {
            (true, true) => "The account is disabled: its sessions have ended and it cannot \
                             sign in until it is enabled again."
                .to_string(),
            (true, false) => "The account was already disabled; nothing changed.".to_string(),
            (false, true) => "The account is enabled: its owner can sign in again.".to_string(),
            (false, false) => "The account was already enabled; nothing changed.".to_string(),
        })
    }
    .await;
    answer_plain_form("account", &outcome);
    outcome
}

/// Clears a sign-in block: the pair may try again at once.
#[server(endpoint = "accounts/clear-sign-in-block")]
pub async fn clear_sign_in_block(account: String, address: String) -> Result<String, AppError> {
    require(Permission::ManageUsers)?;
    let db = expect_context::<crate::db::Db>();
    let outcome = match crate::accounts::attempts::clear(&db, &account, &address).await {
        Ok(true) => Ok(format!(
            "Cleared: {account} can sign in again from {address}."
        )),
        Ok(false) => Ok("That block was already gone; nothing changed.".to_string()),
        Err(error) => Err(error.into()),
    };
    answer_plain_form("blocks", &outcome);
    outcome
}

use crate::people::status::{AccountStatus, invitation_button_text, invitation_outcome};
use crate::ui::forms::{
    Field, field_invalid, form_outcome, kept_value, outcome_view, outcome_view_besides_fields,
};
use crate::ui::frame::loaded_page;

#[component]
pub fn UsersPage() -> impl IntoView {
    let create = ServerAction::<CreateUser>::new();
    let promote = ServerAction::<MakeProgramAdmin>::new();
    let reset = ServerAction::<ResetPassword>::new();
    let demote = ServerAction::<RemoveProgramAdmin>::new();
    let disable = ServerAction::<SetAccountDisabled>::new();
    let clear = ServerAction::<ClearSignInBlock>::new();
    let resend = ServerAction::<ResendInvitation>::new();
    let reloads = move || {
        (
            create.version().get(),
            promote.version().get(),
            reset.version().get(),
            demote.version().get(),
            disable.version().get(),
            clear.version().get(),
            resend.version().get(),
        )
    };
    let create_outcome = Signal::derive(move || form_outcome(create.value().get(), "create"));
    // Each account created empties the form for the next one; a refused one keeps what was
    // typed.
    let created = RwSignal::new(0u32);
    Effect::new(move |_| {
        if matches!(create.value().get(), Some(Ok(_))) {
            created.update(|n| *n += 1);
        }
    });
    // The outcome of a row's button, whichever row: the last of the actions to answer.
    let account_outcome = move || {
        let latest = [
            (demote.version().get(), demote.value().get()),
            (disable.version().get(), disable.value().get()),
            (resend.version().get(), resend.value().get()),
        ]
        .into_iter()
        .filter(|(_, value)| value.is_some())
        .max_by_key(|(version, _)| *version)
        .and_then(|(_, value)| value);
        invitation_outcome(latest, "account")
    };
    view! {
        <PageTitle text="Users · Mentoring Milestones"/>
        <h1>"Users"</h1>
        {loaded_page("Loading users…", reloads, |_| users_page_data(), move |data: UsersInfo| {
                        let programs = data.programs.clone();
                        let users_for_admin = data.users.clone();
                        let users_for_reset = data.users.clone();
                        view! {
                            <section class="card" aria-labelledby="create-heading">
                                <h2 id="create-heading">"Create a user"</h2>
                                <p class="hint">{if data.sending {
                                    "They get an email with a link to set their own password."
                                } else {
                                    "Email is not set up here: you get a link to hand them, with which they set their own password."
                                }}</p>
                                {move || {
                                    created.track();
                                    view! {
                                    <ActionForm action=create>
                                        <Field id="new-email" label="Email" name="email" outcome=create_outcome>
                                            <input id="new-email" name="email" type="email" required autocomplete="off"
                                                value=kept_value("create", "email").unwrap_or_default()
                                                aria-invalid=move || field_invalid(&create_outcome.get(), "email")
                                                aria-describedby="new-email-error"/>
                                        </Field>
                                        <Field id="new-name" label="Name" name="name" outcome=create_outcome>
                                            <input id="new-name" name="name" type="text" required maxlength="120"
                                                value=kept_value("create", "name").unwrap_or_default()
                                                aria-invalid=move || field_invalid(&create_outcome.get(), "name")
                                                aria-describedby="new-name-error"/>
                                        </Field>
                                        <div class="field checkbox">
                                            <input id="new-site-admin" name="site_admin" type="checkbox" value="on"/>
                                            <label for="new-site-admin">"Site admin"</label>
                                        </div>
                                        <button type="submit" class="button">"Create user"</button>
                                    </ActionForm>
                                    }
                                }}
                                <div aria-live="polite">{move || outcome_view_besides_fields(create.value().get(), "create", &["email", "name"])}</div>
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
                            <ScrollTable labelled_by="users-caption">
                            <table class="users">
                                <caption id="users-caption">"All users"</caption>
                                <thead>
                                    <tr>
                                        <th scope="col">"Name"</th>
                                        <th scope="col">"Email"</th>
                                        <th scope="col">"Site admin"</th>
                                        <th scope="col">"Program admin of"</th>
                                        <th scope="col">"Account"</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {data.users.into_iter().map(|u| {
                                        let me = u.id == data.me;
                                        let name = u.name.clone();
                                        view! {
                                            <tr class:disabled=u.disabled>
                                                <th scope="row">{u.name.clone()}</th>
                                                <td>{u.email}</td>
                                                <td>{if u.is_site_admin { "Yes" } else { "No" }}</td>
                                                <td>
                                                    <ul class="plain">
                                                        {u.admin_of.into_iter().map(|(program_id, program)| {
                                                            let label = format!("Remove {} as admin of {}", name, program);
                                                            view! {
                                                                <li>
                                                                    {program}
                                                                    " "
                                                                    <ActionForm action=demote attr:class="inline-form">
                                                                        <input type="hidden" name="user_id" value=u.id.to_string()/>
                                                                        <input type="hidden" name="program_id" value=program_id.to_string()/>
                                                                        <button type="submit" class="button link" aria-label=label>"Remove"</button>
                                                                    </ActionForm>
                                                                </li>
                                                            }
                                                        }).collect_view()}
                                                    </ul>
                                                </td>
                                                <td>
                                                    {if u.disabled {
                                                        view! { <span class="state">"Disabled"</span> }.into_any()
                                                    } else {
                                                        view! { <AccountStatus state=u.state/> }.into_any()
                                                    }}
                                                    {(matches!(u.state, AccountState::Invited(_)) && !u.disabled).then(|| {
                                                        let text = invitation_button_text(data.sending);
                                                        let label = format!("{text}: {}", u.name);
                                                        view! {
                                                            " "
                                                            <ActionForm action=resend attr:class="inline-form">
                                                                <input type="hidden" name="user_id" value=u.id.to_string()/>
                                                                <button type="submit" class="button secondary small" aria-label=label>{text}</button>
                                                            </ActionForm>
                                                        }
                                                    })}
                                                    {(!me).then(|| {
                                                        let (value, text) = if u.disabled {
                                                            ("false", "Enable account")
                                                        } else {
                                                            ("true", "Disable account")
                                                        };
                                                        let label = format!("{text}: {}", u.name);
                                                        view! {
                                                            " "
                                                            <ActionForm action=disable attr:class="inline-form">
                                                                <input type="hidden" name="user_id" value=u.id.to_string()/>
                                                                <input type="hidden" name="disabled" value=value/>
                                                                <button type="submit" class="button secondary small" aria-label=label>{text}</button>
                                                            </ActionForm>
                                                        }
                                                    })}
                                                </td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                            </ScrollTable>
                            <div aria-live="polite">{account_outcome}</div>
                            <section class="card" aria-labelledby="blocks-heading">
                                <h2 id="blocks-heading">"Sign-in blocks"</h2>
                                <p class="hint">"After 5 failed sign-ins for one account from one address, each further try from there waits longer (1 minute, doubling up to an hour). Other addresses are not affected. Clear a block when its owner asks."</p>
                                <div aria-live="polite">{move || outcome_view(clear.value().get(), "blocks")}</div>
                                {if data.blocks.is_empty() {
                                    view! { <p>"No account is blocked from any address."</p> }.into_any()
                                } else {
                                    view! {
                                        <ScrollTable labelled_by="blocks-caption">
                                        <table>
                                            <caption id="blocks-caption">"Failed sign-ins in the last day"</caption>
                                            <thead>
                                                <tr>
                                                    <th scope="col">"Account typed"</th>
                                                    <th scope="col">"From address"</th>
                                                    <th scope="col">"Failures"</th>
                                                    <th scope="col">"Blocked until"</th>
                                                    <th scope="col">"Last try"</th>
                                                    <th scope="col"><span class="visually-hidden">"Clear"</span></th>
                                                </tr>
                                            </thead>
                                            <tbody>
                                                {data.blocks.into_iter().map(|b| {
                                                    let label = format!("Clear the block of {} from {}", b.account, b.address);
                                                    view! {
                                                        <tr>
                                                            <th scope="row">{b.account.clone()}</th>
                                                            <td>{b.address.clone()}</td>
                                                            <td>{b.failures}</td>
                                                            <td>{b.until.unwrap_or_else(|| "Not blocked now".to_string())}</td>
                                                            <td>{b.last}</td>
                                                            <td>
                                                                <ActionForm action=clear attr:class="inline-form">
                                                                    <input type="hidden" name="account" value=b.account/>
                                                                    <input type="hidden" name="address" value=b.address/>
                                                                    <button type="submit" class="button secondary small" aria-label=label>"Clear"</button>
                                                                </ActionForm>
                                                            </td>
                                                        </tr>
                                                    }
                                                }).collect_view()}
                                            </tbody>
                                        </table>
                                        </ScrollTable>
                                    }.into_any()
                                }}
                            </section>
                        }.into_any()
        })}
    }
}
