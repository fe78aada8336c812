//! Signing in and out, who is asking (the identity middleware), and the limits on sign-in.

use crate::AppState;
use crate::client_address::ClientIp;
use app::accounts::attempts::{self, Attempt};
use app::accounts::password::verify_password;
use app::accounts::sessions::end_sessions_of;
use app::accounts::sign_in::SignInFlash;
use app::accounts::store::{credentials, load_current_user};
use app::accounts::validation::Email;
use app::accounts::{ACCOUNT_DISABLED, BUSY, WRONG_CREDENTIALS};
use app::accounts::{
    Identity, SESSION_ABSOLUTE_SECONDS, SESSION_SEEN_AT, SESSION_SIGNED_IN_AT,
    SESSION_TOUCH_SECONDS, SESSION_USER_ID, is_safe_next,
};
use axum::Form;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::sync::OnceLock;
use std::time::Duration;
use tokio::sync::{Semaphore, SemaphorePermit};
use tower_sessions::Session;

/// How many password checks run at once, and how long a sign-in waits for its turn before it
/// is told to come back (503 with `Retry-After`).
#[derive(Clone, Copy, Debug)]
pub struct SignInLimits {
    pub concurrent_checks: usize,
    pub queue_wait: Duration,
}

impl Default for SignInLimits {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        SignInLimits {
            concurrent_checks: (2 * cores).max(2),
            queue_wait: Duration::from_secs(2),
        }
    }
}

/// The gate in front of the slow password check: a bounded number run at once.
#[derive(Debug)]
pub struct SignInGate {
    limits: SignInLimits,
    checks: Semaphore,
}

impl SignInGate {
    pub fn new(limits: SignInLimits) -> Self {
        SignInGate {
            limits,
            checks: Semaphore::new(limits.concurrent_checks.max(1)),
        }
    }

    /// A turn to check a password, or `None` when the server is too busy.
    async fn turn(&self) -> Option<SemaphorePermit<'_>> {
        tokio::time::timeout(self.limits.queue_wait, self.checks.acquire())
            .await
            .ok()?
            .ok()
    }
}

#[derive(Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

/// A hash to verify against when the email is unknown, so both refusals take as long.
fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| {
        app::accounts::password::hash_password("decoy password that matches nothing")
            .unwrap_or_default()
    })
}

/// `POST /sign-in`: the sign-in form, with or without JavaScript.
pub async fn sign_in(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    session: Session,
    headers: HeaderMap,
    Form(form): Form<SignInForm>,
) -> Response {
    let typed_email = form.email.trim().to_string();
    let refuse = |message: String, status: StatusCode, retry_after: Option<i64>| {
        let flash = SignInFlash {
            message,
            email: typed_email.clone(),
        };
        let (state, headers, next) = (&state, headers.clone(), form.next.clone());
        async move {
            let mut response = render_sign_in(state, headers, &next, flash, status).await;
            if let Some(seconds) = retry_after
                && let Ok(value) = HeaderValue::from_str(&seconds.max(1).to_string())
            {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            response
        }
    };

    // Few password checks at a time: the rest are asked to come back.
    let Some(_turn) = state.sign_in_gate.turn().await else {
        tracing::warn!(%ip, "sign-in refused: too many at once");
        return refuse(BUSY.to_string(), StatusCode::SERVICE_UNAVAILABLE, Some(1)).await;
    };
    // The attempt is counted before the password is checked.
    match attempts::reserve(&state.db, &typed_email, &ip).await {
        Ok(Attempt::Counted) => {}
        Ok(Attempt::Blocked { retry_after }) => {
            tracing::info!(%ip, "sign-in refused: waiting after failures");
            return refuse(
                too_many_attempts(retry_after),
                StatusCode::TOO_MANY_REQUESTS,
                Some(retry_after),
            )
            .await;
        }
        Err(error) => {
            tracing::error!(%error, "could not count the sign-in attempt");
            return internal_error();
        }
    }

    let account = match check_credentials(&state, &form.email, form.password).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let user_id = match account {
        None => {
            tracing::info!(%ip, "sign-in refused");
            return refuse(
                WRONG_CREDENTIALS.to_string(),
                StatusCode::UNAUTHORIZED,
                None,
            )
            .await;
        }
        Some(Credentials { disabled: true, .. }) => {
            tracing::info!(%ip, "sign-in refused: account disabled");
            return refuse(ACCOUNT_DISABLED.to_string(), StatusCode::FORBIDDEN, None).await;
        }
        Some(Credentials { user_id, .. }) => user_id,
    };
    // Passwords off: only site admins (created on the command line) keep one, as a way back in.
    if !state.password_sign_in {
        let site_admin = load_current_user(&state.db, user_id)
            .await
            .ok()
            .flatten()
            .is_some_and(|user| user.is_site_admin);
        if !site_admin {
            tracing::info!(%ip, "password sign-in refused: passwords are off");
            let provider = state
                .oidc
                .as_ref()
                .map_or("your organisation's sign-in".to_string(), |p| {
                    p.settings.name.clone()
                });
            return refuse(
                format!("Passwords are not used here: use Sign in with {provider}."),
                StatusCode::FORBIDDEN,
                None,
            )
            .await;
        }
    }
    if let Err(error) = attempts::succeeded(&state.db, &typed_email, &ip).await {
        tracing::warn!(%error, "could not forget the failed sign-ins");
    }

    if let Err(error) = start_session(&session, user_id).await {
        tracing::error!(%error, "could not store the session");
        return internal_error();
    }
    Redirect::to(&landing(&state, user_id, &form.next).await).into_response()
}

/// The refusal after too many failures, with the wait in minutes.
fn too_many_attempts(seconds: i64) -> String {
    format!(
        "Too many sign-in attempts for this account from here. Please wait {} and try again.",
        attempts::wait_in_minutes(seconds)
    )
}

/// A matching account.
struct Credentials {
    user_id: i64,
    disabled: bool,
}

/// The account id when the email and password match; a response when the check itself failed.
async fn check_credentials(
    state: &AppState,
    email: &str,
    password: String,
) -> Result<Option<Credentials>, Response> {
    let found = match Email::parse(email) {
        Ok(email) => credentials(&state.db, email.as_str())
            .await
            .map_err(|error| {
                tracing::error!(%error, "could not read credentials");
                internal_error()
            })?,
        Err(_) => None,
    };
    let (account, hash) = match found {
        Some(found) => (
            Some(Credentials {
                user_id: found.id,
                disabled: found.disabled,
            }),
            found.password_hash,
        ),
        None => (None, decoy_hash().to_string()),
    };
    let matches = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .unwrap_or(false);
    Ok(account.filter(|_| matches))
}

/// The sign-in page again, with the message and the typed email, and the given status.
async fn render_sign_in(
    state: &AppState,
    headers: HeaderMap,
    next: &str,
    flash: SignInFlash,
    status: StatusCode,
) -> Response {
    let uri = if is_safe_next(next) {
        format!(
            "/sign-in?next={}",
            app::kernel::text::encode_query_value(next)
        )
    } else {
        "/sign-in".to_string()
    };
    render_page(state, headers, &uri, status, move || {
        leptos::prelude::provide_context(flash.clone())
    })
    .await
}

/// The sign-in page with `message` as its error, answered with `status`.
pub async fn render_sign_in_with(
    state: &AppState,
    headers: HeaderMap,
    next: &str,
    message: String,
    status: StatusCode,
) -> Response {
    let flash = SignInFlash {
        message,
        email: String::new(),
    };
    render_sign_in(state, headers, next, flash, status).await
}

/// The page at `uri` (a path of this site), rendered as a GET of it with the request's
/// headers, signed in as nobody, with `extra` adding to the page's context (what a refused form
/// post hands back), answered with `status`.
pub async fn render_page(
    state: &AppState,
    headers: HeaderMap,
    uri: &str,
    status: StatusCode,
    extra: impl Fn() + Clone + Send + Sync + 'static,
) -> Response {
    let Ok(mut request) = Request::builder()
        .method(Method::GET)
        .uri(uri)
        .body(Body::empty())
    else {
        return internal_error();
    };
    *request.headers_mut() = headers;
    request.headers_mut().remove(header::CONTENT_TYPE);
    request.headers_mut().remove(header::CONTENT_LENGTH);
    request.extensions_mut().insert(Identity(None));
    let context = {
        let state = state.clone();
        move || {
            crate::provide_app_context(&state);
            extra();
        }
    };
    let options = state.leptos_options.clone();
    let render = leptos_axum::render_app_async_with_context(context, move || {
        app::shell::shell(options.clone())
    });
    let mut response = render(request).await;
    *response.status_mut() = status;
    response
}

/// Signs `user_id` in on this session: a new session id (an id planted before is worth nothing
/// after), with the times the limits count from.
pub async fn start_session(
    session: &Session,
    user_id: i64,
) -> Result<(), tower_sessions::session::Error> {
    let now = chrono::Utc::now().timestamp();
    session.cycle_id().await?;
    session.insert(SESSION_USER_ID, user_id).await?;
    session.insert(SESSION_SIGNED_IN_AT, now).await?;
    session.insert(SESSION_SEEN_AT, now).await
}

/// Where a person lands after signing in: `next` when it is a path of this site, else their
/// own landing page.
pub async fn landing(state: &AppState, user_id: i64, next: &str) -> String {
    if is_safe_next(next) {
        return next.to_string();
    }
    match load_current_user(&state.db, user_id).await {
        Ok(Some(user)) => user.landing_path(),
        _ => "/".to_string(),
    }
}

pub fn internal_error() -> Response {
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        "Something went wrong on our side. Please try again.",
    )
        .into_response()
}

/// `POST /sign-out`: ends the session on the server and clears the cookie.
pub async fn sign_out(session: Session) -> Response {
    if let Err(error) = session.flush().await {
        tracing::error!(%error, "could not end the session");
        return internal_error();
    }
    Redirect::to("/sign-in").into_response()
}

/// `POST /sign-out-everywhere`: ends every session of the person asking, this one included.
pub async fn sign_out_everywhere(
    State(state): State<AppState>,
    session: Session,
    request: Request,
) -> Response {
    let user = request
        .extensions()
        .get::<Identity>()
        .and_then(|identity| identity.0.clone());
    if let Some(user) = user
        && let Err(error) = end_sessions_of(&state.db, user.id, None).await
    {
        tracing::error!(%error, "could not end the sessions");
        return internal_error();
    }
    if let Err(error) = session.flush().await {
        tracing::error!(%error, "could not end the session");
        return internal_error();
    }
    Redirect::to("/sign-in").into_response()
}

/// Finds who is asking, once per request, and hands it to pages and server functions.
pub async fn attach_identity(
    State(state): State<AppState>,
    session: Session,
    mut request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    if path.starts_with("/pkg/") || path == "/healthz" || path == "/favicon.svg" {
        return next.run(request).await;
    }
    let identity = identify(&state, &session).await;
    request.extensions_mut().insert(Identity(identity));
    next.run(request).await
}

async fn identify(state: &AppState, session: &Session) -> Option<app::accounts::CurrentUser> {
    let user_id = match session.get::<i64>(SESSION_USER_ID).await {
        Ok(id) => id?,
        Err(error) => {
            tracing::warn!(%error, "could not read the session");
            return None;
        }
    };
    let signed_in_at = session
        .get::<i64>(SESSION_SIGNED_IN_AT)
        .await
        .ok()
        .flatten()
        .unwrap_or(0);
    let now = chrono::Utc::now().timestamp();
    if now - signed_in_at > SESSION_ABSOLUTE_SECONDS {
        let _ = session.flush().await;
        return None;
    }
    // The session store read the person with the session, in the same statement; a record
    // without them (a store that did not) reads them now.
    let read_with_session = session
        .get::<app::accounts::CurrentUser>(app::accounts::sessions::SESSION_PERSON)
        .await
        .ok()
        .flatten()
        .filter(|person| person.id == user_id);
    let person = match read_with_session {
        Some(person) => Ok(Some(person)),
        None => load_current_user(&state.db, user_id).await,
    };
    match person {
        Ok(Some(user)) => {
            // The idle timeout slides: a session in use is kept alive, written at most once
            // every few minutes (saving a changed session pushes its expiry forward).
            let seen_at = session
                .get::<i64>(SESSION_SEEN_AT)
                .await
                .ok()
                .flatten()
                .unwrap_or(0);
            if now - seen_at >= SESSION_TOUCH_SECONDS
                && let Err(error) = session.insert(SESSION_SEEN_AT, now).await
            {
                tracing::warn!(%error, "could not keep the session alive");
            }
            Some(user)
        }
        Ok(None) => {
            let _ = session.flush().await;
            None
        }
        Err(error) => {
            tracing::error!(%error, "could not load the signed-in user");
            None
        }
    }
}
