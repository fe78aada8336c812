//! Getting in without a password from anyone else: the posts of `/welcome/{token}` (set a
//! password from an invitation), `/reset-password/{token}` (from a reset link), their "Send me
//! a new link", and `/forgot-password`. Each answers a plain form post, with or without
//! JavaScript: a refused one renders its page again with the messages beside the fields; a
//! password that was set signs the person in.

use crate::AppState;
use crate::auth::{internal_error, landing, render_page, start_session};
use app::accounts::sessions::end_sessions_of;
use app::people::invite::{Invited, Inviting, invite, send_reset};
use app::people::store::{self, Refused};
use app::people::{PasswordFormFlash, Purpose, check_new_password};
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tower_sessions::Session;

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

/// What the handlers need to send links.
fn inviting(state: &AppState) -> Inviting {
    Inviting {
        db: state.db.clone(),
        mail: state.mail.clone(),
        public_url: state.public_url.clone(),
        provider: state
            .oidc
            .as_ref()
            .map(|p| app::people::invite::ProviderSignIn(p.settings.name.clone())),
    }
}

/// The link's page again with `flash`, answered with `status`.
async fn again(
    state: &AppState,
    headers: HeaderMap,
    purpose: Purpose,
    token: &str,
    flash: PasswordFormFlash,
    status: StatusCode,
) -> Response {
    // Only a token's own characters go back into the address rendered.
    let token = if app::accounts::tokens::looks_like_token(token) {
        token
    } else {
        "invalid"
    };
    render_page(state, headers, &purpose.path(token), status, move || {
        leptos::prelude::provide_context(flash.clone())
    })
    .await
}

/// `POST /welcome/{token}`: the invited person's password.
pub async fn set_password_from_invitation(
    state: State<AppState>,
    session: Session,
    headers: HeaderMap,
    Path(token): Path<String>,
    Form(form): Form<PasswordForm>,
) -> Response {
    set_password(state, session, headers, Purpose::Invitation, token, form).await
}

/// `POST /reset-password/{token}`: a new password from a reset link.
pub async fn set_password_from_reset(
    state: State<AppState>,
    session: Session,
    headers: HeaderMap,
    Path(token): Path<String>,
    Form(form): Form<PasswordForm>,
) -> Response {
    set_password(state, session, headers, Purpose::PasswordReset, token, form).await
}

async fn set_password(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    purpose: Purpose,
    token: String,
    form: PasswordForm,
) -> Response {
    let password = match check_new_password(&form.new_password, &form.confirm_password) {
        Ok(password) => password,
        Err(errors) => {
            let flash = PasswordFormFlash {
                errors,
                notice: None,
            };
            return again(
                &state,
                headers,
                purpose,
                &token,
                flash,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let hash = match tokio::task::spawn_blocking(move || {
        app::accounts::password::hash_password(password.as_str())
    })
    .await
    {
        Ok(Ok(hash)) => hash,
        _ => return internal_error(),
    };
    let now = chrono::Utc::now();
    let user_id = match store::redeem(&state.db, &token, purpose, &hash, now).await {
        Ok(Some(user_id)) => user_id,
        // Used, expired, unknown or disabled: the page says which.
        Ok(None) => {
            return again(
                &state,
                headers,
                purpose,
                &token,
                PasswordFormFlash::default(),
                StatusCode::GONE,
            )
            .await;
        }
        Err(error) => {
            tracing::error!(%error, "could not use a link");
            return internal_error();
        }
    };
    // Every session of the account ends: whoever held one before the new password holds none.
    if let Err(error) = end_sessions_of(&state.db, user_id, None).await {
        tracing::error!(%error, "could not end the sessions");
        return internal_error();
    }
    if let Err(error) = start_session(&session, user_id).await {
        tracing::error!(%error, "could not store the session");
        return internal_error();
    }
    tracing::info!(
        user_id,
        purpose = purpose.as_str(),
        "password set from a link"
    );
    Redirect::to(&landing(&state, user_id, "").await).into_response()
}

/// `POST /welcome/{token}/new-link`: a new invitation link, to the account's own address.
pub async fn new_invitation_link(
    state: State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Response {
    new_link(state, headers, Purpose::Invitation, token).await
}

/// `POST /reset-password/{token}/new-link`: a new reset link, to the account's own address.
pub async fn new_reset_link(
    state: State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Response {
    new_link(state, headers, Purpose::PasswordReset, token).await
}

async fn new_link(
    State(state): State<AppState>,
    headers: HeaderMap,
    purpose: Purpose,
    token: String,
) -> Response {
    let now = chrono::Utc::now();
    let found = store::find_link(&state.db, &token, purpose, now).await;
    let (link_state, user_id) = match found {
        Ok(found) => found,
        Err(error) => {
            tracing::error!(%error, "could not read a link");
            return internal_error();
        }
    };
    let person = match (link_state.offers_new_link(), user_id) {
        (true, Some(user_id)) => match store::person(&state.db, user_id).await {
            Ok(Some(person)) => person,
            Ok(None) => return Redirect::to(&purpose.path(&token)).into_response(),
            Err(error) => {
                tracing::error!(%error, "could not read an account");
                return internal_error();
            }
        },
        // Nothing to renew (unknown, disabled, or still usable): the page says why.
        _ => return Redirect::to(&purpose.path(&token)).into_response(),
    };
    let notice = if state.mail.sending.server.is_none() {
        // Nothing would reach the person: no link is made at all.
        "Email is not set up here, so no link can be sent: ask your program admin for a new one."
            .to_string()
    } else {
        let ctx = inviting(&state);
        // An invitation of an account that has set its password since is renewed as a reset
        // link.
        let renewed = if purpose == Purpose::Invitation && person.invited_at.is_some() {
            invite(&ctx, &person, "", None, true, now)
                .await
                .map(|invited| match invited {
                    Invited::Refused(refused) => Err(refused),
                    _ => Ok(()),
                })
        } else {
            send_reset(&ctx, &person, now).await
        };
        match renewed {
            Ok(Ok(())) => "We have sent a new link to the address this one went to. It works once."
                .to_string(),
            Ok(Err(Refused::Limit)) => format!(
                "We have sent {} links to this account in the last hour: look for them in your \
                 inbox (and spam folder), or try again later.",
                app::people::SELF_SERVICE_LINKS_PER_HOUR
            ),
            Ok(Err(Refused::NoAccount)) => app::accounts::ACCOUNT_DISABLED.to_string(),
            Err(error) => {
                tracing::error!(%error, "could not send a new link");
                return internal_error();
            }
        }
    };
    let flash = PasswordFormFlash {
        errors: Vec::new(),
        notice: Some(notice),
    };
    again(&state, headers, purpose, &token, flash, StatusCode::OK).await
}

#[derive(Deserialize)]
pub struct ForgotForm {
    #[serde(default)]
    email: String,
}

/// `POST /forgot-password`: the same answer at once, whoever asks; the link (for an enabled
/// account, within the hour's allowance) is made and queued after the answer, so the time taken
/// says nothing either.
pub async fn forgot_password(
    State(state): State<AppState>,
    Form(form): Form<ForgotForm>,
) -> Response {
    if let Ok(email) = app::accounts::validation::Email::parse(&form.email) {
        let ctx = inviting(&state);
        let password_sign_in = state.password_sign_in;
        tokio::spawn(async move {
            let now = chrono::Utc::now();
            match store::person_by_email(&ctx.db, email.as_str()).await {
                // Passwords off: only site admins keep (and so reset) one.
                Ok(Some(person))
                    if !person.disabled && (password_sign_in || person.is_site_admin) =>
                {
                    match send_reset(&ctx, &person, now).await {
                        Ok(Ok(())) => tracing::info!(user_id = person.id, "password link queued"),
                        Ok(Err(refused)) => {
                            tracing::info!(user_id = person.id, ?refused, "password link refused")
                        }
                        Err(error) => tracing::error!(%error, "could not queue a password link"),
                    }
                }
                Ok(_) => {}
                Err(error) => tracing::error!(%error, "could not look up an account"),
            }
        });
    }
    Redirect::to("/forgot-password?sent=1").into_response()
}
