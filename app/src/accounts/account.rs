//! `/account`: everyone's own account: change the password, sign out everywhere.

use crate::error::AppError;
use crate::ui::data::resource;
use crate::ui::forms::{Field, field_invalid, form_outcome, outcome_view_besides_fields};
use crate::ui::title::PageTitle;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// What the page shows about the person.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountInfo {
    pub name: String,
    pub email: String,
}

#[server(endpoint = "accounts/account")]
pub async fn account_page_data() -> Result<AccountInfo, AppError> {
    use super::access::{Permission, require};
    let user = require(Permission::OwnParticipation)?;
    Ok(AccountInfo {
        name: user.name,
        email: user.email,
    })
}

/// The fields of the password form that errors can be about.
const PASSWORD_FIELDS: [&str; 3] = ["current_password", "new_password", "confirm_password"];

/// The address a password check of this kind is counted under (beside sign-in's client
/// addresses), so a stolen session cannot guess the password at speed.
#[cfg(feature = "ssr")]
const PASSWORD_CHANGE: &str = "password change";

/// Changes the signed-in person's password: the current one is required; every other session
/// of theirs ends, this one stays.
#[server(endpoint = "accounts/change-password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
    confirm_password: String,
) -> Result<String, AppError> {
    use super::access::{Permission, require};
    use super::attempts::{self, Attempt};
    use super::validation::NewPassword;
    let user = require(Permission::OwnParticipation)?;
    let db = expect_context::<crate::db::Db>();
    let outcome = async {
        let new = NewPassword::parse(&new_password)
            .map_err(|m| AppError::invalid_field("new_password", "New password", m))?;
        if confirm_password != new_password {
            return Err(AppError::invalid_field(
                "confirm_password",
                "Repeat the new password",
                "This is not the same as the new password.".to_string(),
            ));
        }
        match attempts::reserve(&db, &user.email, PASSWORD_CHANGE).await? {
            Attempt::Counted => {}
            Attempt::Blocked { retry_after } => {
                return Err(AppError::invalid_field(
                    "current_password",
                    "Current password",
                    format!(
                        "Too many wrong passwords. Please wait {} and try again.",
                        attempts::wait_in_minutes(retry_after)
                    ),
                ));
            }
        }
        let hash = super::store::password_hash(&db, user.id)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        let current = current_password.clone();
        let matches =
            tokio::task::spawn_blocking(move || super::password::verify_password(&current, &hash))
                .await
                .map_err(AppError::internal)?;
        if !matches {
            return Err(AppError::invalid_field(
                "current_password",
                "Current password",
                "This is not your current password.".to_string(),
            ));
        }
        let new_hash =
            tokio::task::spawn_blocking(move || super::password::hash_password(new.as_str()))
                .await
                .map_err(AppError::internal)?
                .map_err(AppError::internal)?;
        super::store::set_password(&db, user.id, &new_hash).await?;
        attempts::succeeded(&db, &user.email, PASSWORD_CHANGE).await?;
        let this_session = use_context::<http::request::Parts>()
            .and_then(|parts| parts.extensions.get::<tower_sessions::Session>().cloned())
            .and_then(|session| session.id());
        let ended = super::sessions::end_sessions_of(&db, user.id, this_session.as_ref()).await?;
        Ok(match ended {
            0 => "Your password was changed.".to_string(),
            1 => "Your password was changed. Your 1 other session has ended.".to_string(),
            n => format!("Your password was changed. Your {n} other sessions have ended."),
        })
    }
    .await;
    crate::ui::forms::answer_plain_form("/account", "password", &outcome);
    outcome
}

#[component]
pub fn AccountPage() -> impl IntoView {
    let change = ServerAction::<ChangePassword>::new();
    let data = resource(|| (), |_| account_page_data());
    view! {
        <PageTitle text="Your account · Mentoring Milestones"/>
        <div class="narrow">
            <h1>"Your account"</h1>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    crate::ui::frame::or_error(data.await, move |info| {
                        view! { <AccountSections info change/> }.into_any()
                    })
                })}
            </Suspense>
        </div>
    }
}

#[component]
fn AccountSections(info: AccountInfo, change: ServerAction<ChangePassword>) -> impl IntoView {
    let outcome = Signal::derive(move || form_outcome(change.value().get(), "password"));
    // A successful change empties the form; a refused one keeps nothing typed either, as
    // passwords are never sent back.
    let form_key = move || change.version().get();
    view! {
        <p>"Signed in as " <strong>{info.name}</strong> " (" {info.email} ")."</p>
        <section class="card" aria-labelledby="password-heading">
            <h2 id="password-heading">"Change password"</h2>
            <p class="hint">"Your other sessions (other browsers and devices) end when you change it; this one stays signed in."</p>
            <div aria-live="polite">
                {move || outcome_view_besides_fields(change.value().get(), "password", &PASSWORD_FIELDS)}
            </div>
            {move || {
                let _ = form_key();
                view! {
                    <ActionForm action=change>
                        <Field id="current-password" label="Current password" name="current_password" outcome>
                            <input id="current-password" name="current_password" type="password"
                                autocomplete="current-password" required
                                aria-invalid=move || field_invalid(&outcome.get(), "current_password")
                                aria-describedby="current-password-error"/>
                        </Field>
                        <Field id="new-password" label="New password" name="new_password" outcome
                            hint="At least 10 characters.">
                            <input id="new-password" name="new_password" type="password"
                                autocomplete="new-password" required minlength="10"
                                aria-invalid=move || field_invalid(&outcome.get(), "new_password")
                                aria-describedby="new-password-hint new-password-error"/>
                        </Field>
                        <Field id="confirm-password" label="Repeat the new password" name="confirm_password" outcome>
                            <input id="confirm-password" name="confirm_password" type="password"
                                autocomplete="new-password" required minlength="10"
                                aria-invalid=move || field_invalid(&outcome.get(), "confirm_password")
                                aria-describedby="confirm-password-error"/>
                        </Field>
                        <button type="submit" class="button">"Change password"</button>
                    </ActionForm>
                }
            }}
        </section>
        <section class="card" aria-labelledby="everywhere-heading">
            <h2 id="everywhere-heading">"Sign out everywhere"</h2>
            <p>"Ends every session of your account, in every browser and on every device, this one included. Use it if you signed in on a shared computer or lost a phone."</p>
            <form method="post" action="/sign-out-everywhere">
                <button type="submit" class="button secondary">"Sign out everywhere"</button>
            </form>
        </section>
    }
}
