//! Sign-in through the organisation's identity provider: `POST /auth/oidc/start` (the button)
//! sends the browser to the provider with a fresh `state`, `nonce` and PKCE challenge kept in
//! the session; `GET /auth/oidc/callback` takes them back out (each works once), has the code
//! exchanged and the ID token verified by `openidconnect`, and signs the person in as a
//! password sign-in does. A provider that is down or refuses is a sentence on the sign-in page,
//! never a stopped server.

use crate::AppState;
use crate::auth::{landing, render_sign_in_with, start_session};
use app::accounts::ACCOUNT_DISABLED;
use app::accounts::is_safe_next;
use app::people::store::{ProviderSignIn, sign_in_through_provider};
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tower_sessions::Session;

const STATE: &str = "oidc_state";
const NONCE: &str = "oidc_nonce";
const VERIFIER: &str = "oidc_pkce_verifier";
const NEXT: &str = "oidc_next";
const STARTED: &str = "oidc_started_at";
/// How long the provider's sign-in may take, from the button to the callback.
const FLOW_SECONDS: i64 = 15 * 60;

#[derive(Deserialize)]
pub struct StartForm {
    #[serde(default)]
    next: String,
}

/// `POST /auth/oidc/start`: the button.
pub async fn start(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    Form(form): Form<StartForm>,
) -> Response {
    let Some(provider) = state.oidc.clone() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let begun = match provider.begin().await {
        Ok(begun) => begun,
        Err(error) => {
            tracing::warn!(%error, "the identity provider cannot be reached");
            let message = if state.password_sign_in {
                format!(
                    "{} cannot be reached right now. Please try again in a few minutes, or \
                     sign in with your password.",
                    provider.settings.name
                )
            } else {
                format!(
                    "{} cannot be reached right now. Please try again in a few minutes.",
                    provider.settings.name
                )
            };
            return render_sign_in_with(
                &state,
                headers,
                &form.next,
                message,
                StatusCode::SERVICE_UNAVAILABLE,
            )
            .await;
        }
    };
    let next = if is_safe_next(&form.next) {
        form.next
    } else {
        String::new()
    };
    let stored = async {
        session.insert(STATE, &begun.state).await?;
        session.insert(NONCE, &begun.nonce).await?;
        session.insert(VERIFIER, &begun.pkce_verifier).await?;
        session.insert(NEXT, &next).await?;
        session
            .insert(STARTED, chrono::Utc::now().timestamp())
            .await
    };
    if let Err(error) = stored.await {
        tracing::error!(%error, "could not keep the sign-in's state");
        return crate::auth::internal_error();
    }
    Redirect::to(&begun.url).into_response()
}

#[derive(Deserialize)]
pub struct Callback {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// The first leg's values, taken out of the session: each works once.
async fn take(session: &Session) -> Option<(String, String, String, String, i64)> {
    let state = session.remove::<String>(STATE).await.ok().flatten();
    let nonce = session.remove::<String>(NONCE).await.ok().flatten();
    let verifier = session.remove::<String>(VERIFIER).await.ok().flatten();
    let next = session.remove::<String>(NEXT).await.ok().flatten();
    let started = session.remove::<i64>(STARTED).await.ok().flatten();
    Some((
        state?,
        nonce?,
        verifier?,
        next.unwrap_or_default(),
        started?,
    ))
}

/// `GET /auth/oidc/callback`: back from the provider.
pub async fn callback(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    Query(query): Query<Callback>,
) -> Response {
    let Some(provider) = state.oidc.clone() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let name = provider.settings.name.clone();
    let refuse = |message: String, status: StatusCode| {
        let (state, headers) = (state.clone(), headers.clone());
        async move { render_sign_in_with(&state, headers, "", message, status).await }
    };
    let Some((expected, nonce, verifier, next, started)) = take(&session).await else {
        tracing::info!("provider sign-in refused: no sign-in was started in this browser");
        return refuse(
            format!("That sign-in was not started here. Please use Sign in with {name} again."),
            StatusCode::BAD_REQUEST,
        )
        .await;
    };
    if query.state.as_deref() != Some(expected.as_str()) {
        tracing::warn!("provider sign-in refused: the state does not match");
        return refuse(
            format!("That sign-in was not started here. Please use Sign in with {name} again."),
            StatusCode::BAD_REQUEST,
        )
        .await;
    }
    if chrono::Utc::now().timestamp() - started > FLOW_SECONDS {
        return refuse(
            format!("That sign-in took too long. Please use Sign in with {name} again."),
            StatusCode::BAD_REQUEST,
        )
        .await;
    }
    let Some(code) = query.code.filter(|_| query.error.is_none()) else {
        tracing::info!(error = ?query.error, "the provider did not sign the person in");
        return refuse(
            format!("{name} did not sign you in. Please try again."),
            StatusCode::UNAUTHORIZED,
        )
        .await;
    };
    let verified = match provider.finish(code, verifier, nonce).await {
        Ok(verified) => verified,
        Err(error) => {
            tracing::warn!(%error, "provider sign-in refused");
            return refuse(
                format!("Your sign-in through {name} could not be checked. Please try again."),
                StatusCode::UNAUTHORIZED,
            )
            .await;
        }
    };
    let domain_allowed = verified
        .email
        .as_deref()
        .is_some_and(|email| provider.settings.domain_allowed(email));
    let outcome =
        match sign_in_through_provider(&state.db, &verified, domain_allowed, chrono::Utc::now())
            .await
        {
            Ok(outcome) => outcome,
            Err(error) => {
                tracing::error!(%error, "could not match the provider's person to an account");
                return crate::auth::internal_error();
            }
        };
    let user_id = match outcome {
        ProviderSignIn::SignedIn(user_id) => user_id,
        ProviderSignIn::Disabled => {
            return refuse(ACCOUNT_DISABLED.to_string(), StatusCode::FORBIDDEN).await;
        }
        ProviderSignIn::Unknown(email) => {
            return refuse(
                format!(
                    "{email} is not part of any program here. Ask your program admin to add you."
                ),
                StatusCode::FORBIDDEN,
            )
            .await;
        }
        ProviderSignIn::Unverified(email) => {
            return refuse(
                format!(
                    "{name} has not confirmed that {email} is yours, so it cannot be matched to \
                     an account here. Confirm the address with {name}, or ask your program admin."
                ),
                StatusCode::FORBIDDEN,
            )
            .await;
        }
        ProviderSignIn::LinkedElsewhere(email) => {
            return refuse(
                format!(
                    "The account of {email} is already linked to another sign-in at {name}. Ask \
                     your program admin."
                ),
                StatusCode::FORBIDDEN,
            )
            .await;
        }
        ProviderSignIn::NoEmail => {
            return refuse(
                format!("{name} did not share an email address, so no account can be found."),
                StatusCode::FORBIDDEN,
            )
            .await;
        }
    };
    if let Err(error) = start_session(&session, user_id).await {
        tracing::error!(%error, "could not store the session");
        return crate::auth::internal_error();
    }
    tracing::info!(user_id, "signed in through the identity provider");
    Redirect::to(&landing(&state, user_id, &next).await).into_response()
}
