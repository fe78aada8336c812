//! Signing in and out, who is asking (the identity middleware), and the sign-in rate limit.

use crate::AppState;
use app::accounts::password::verify_password;
use app::accounts::sign_in::{SignInFlash, WRONG_CREDENTIALS};
use app::accounts::store::{credentials, load_current_user};
use app::accounts::validation::Email;
use app::accounts::{
    Identity, SESSION_ABSOLUTE_SECONDS, SESSION_SIGNED_IN_AT, SESSION_USER_ID, is_safe_next,
};
use axum::Form;
use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};
use tower_sessions::Session;

/// Failed sign-ins allowed per account and per client address within the window.
#[derive(Clone, Copy, Debug)]
pub struct SignInLimits {
    pub per_account: usize,
    pub per_ip: usize,
    pub window: Duration,
}

impl Default for SignInLimits {
    fn default() -> Self {
        SignInLimits {
            per_account: 5,
            per_ip: 20,
            window: Duration::from_secs(15 * 60),
        }
    }
}

/// Counts failed sign-ins per key in a sliding window, in memory (per server instance).
#[derive(Debug)]
pub struct SignInLimiter {
    limits: SignInLimits,
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl SignInLimiter {
    pub fn new(limits: SignInLimits) -> Self {
        SignInLimiter {
            limits,
            failures: Mutex::new(HashMap::new()),
        }
    }

    fn keys(&self, ip: &str, account: &str) -> [(String, usize); 2] {
        [
            (format!("ip:{ip}"), self.limits.per_ip),
            (format!("account:{account}"), self.limits.per_account),
        ]
    }

    /// How long to wait, when either key has used up its attempts.
    pub fn retry_after(&self, ip: &str, account: &str) -> Option<Duration> {
        let now = Instant::now();
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let window = self.limits.window;
        self.keys(ip, account)
            .iter()
            .filter_map(|(key, limit)| {
                let times = failures.get_mut(key)?;
                while times
                    .front()
                    .is_some_and(|t| now.duration_since(*t) >= window)
                {
                    times.pop_front();
                }
                (times.len() >= *limit)
                    .then(|| {
                        times
                            .front()
                            .map(|t| window.saturating_sub(now.duration_since(*t)))
                    })
                    .flatten()
            })
            .max()
    }

    pub fn record_failure(&self, ip: &str, account: &str) {
        let now = Instant::now();
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if failures.len() > 100_000 {
            let window = self.limits.window;
            failures.retain(|_, times| {
                times
                    .back()
                    .is_some_and(|t| now.duration_since(*t) < window)
            });
        }
        for (key, _) in self.keys(ip, account) {
            failures.entry(key).or_default().push_back(now);
        }
    }

    pub fn clear_account(&self, account: &str) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        failures.remove(&format!("account:{account}"));
    }
}

/// The client's address as the server saw the connection ("unknown" in in-process tests).
pub struct ClientIp(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|info| info.0.ip().to_string())
                .unwrap_or_else(|| "unknown".to_string()),
        ))
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
    let account = typed_email.to_lowercase();
    if let Some(wait) = state.limiter.retry_after(&ip, &account) {
        let minutes = wait.as_secs().div_ceil(60).max(1);
        let flash = SignInFlash {
            message: format!(
                "Too many sign-in attempts. Please wait {minutes} minute{} and try again.",
                if minutes == 1 { "" } else { "s" }
            ),
            email: typed_email,
        };
        let mut response = render_sign_in(
            &state,
            headers,
            &form.next,
            flash,
            StatusCode::TOO_MANY_REQUESTS,
        )
        .await;
        if let Ok(value) = HeaderValue::from_str(&wait.as_secs().max(1).to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        return response;
    }

    let user_id = match check_credentials(&state, &form.email, form.password).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let Some(user_id) = user_id else {
        state.limiter.record_failure(&ip, &account);
        tracing::info!(%ip, "sign-in refused");
        let flash = SignInFlash {
            message: WRONG_CREDENTIALS.to_string(),
            email: typed_email,
        };
        return render_sign_in(&state, headers, &form.next, flash, StatusCode::UNAUTHORIZED).await;
    };
    state.limiter.clear_account(&account);

    // A new session id at sign-in: an id planted before it is worth nothing after.
    let stored = async {
        session.cycle_id().await?;
        session.insert(SESSION_USER_ID, user_id).await?;
        session
            .insert(SESSION_SIGNED_IN_AT, chrono::Utc::now().timestamp())
            .await
    };
    if let Err(error) = stored.await {
        tracing::error!(%error, "could not store the session");
        return internal_error();
    }
    let target = if is_safe_next(&form.next) {
        form.next
    } else {
        match load_current_user(&state.db, user_id).await {
            Ok(Some(user)) => user.landing_path(),
            _ => "/".to_string(),
        }
    };
    Redirect::to(&target).into_response()
}

/// The account id when the email and password match; a response when the check itself failed.
async fn check_credentials(
    state: &AppState,
    email: &str,
    password: String,
) -> Result<Option<i64>, Response> {
    let found = match Email::parse(email) {
        Ok(email) => credentials(&state.db, email.as_str())
            .await
            .map_err(|error| {
                tracing::error!(%error, "could not read credentials");
                internal_error()
            })?,
        Err(_) => None,
    };
    let (user_id, hash) = match found {
        Some((id, hash)) => (Some(id), hash),
        None => (None, decoy_hash().to_string()),
    };
    let matches = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .unwrap_or(false);
    Ok(user_id.filter(|_| matches))
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
            leptos::prelude::provide_context(flash.clone());
        }
    };
    let options = state.leptos_options.clone();
    let render =
        leptos_axum::render_app_async_with_context(context, move || app::shell(options.clone()));
    let mut response = render(request).await;
    *response.status_mut() = status;
    response
}

fn internal_error() -> Response {
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
    if chrono::Utc::now().timestamp() - signed_in_at > SESSION_ABSOLUTE_SECONDS {
        let _ = session.flush().await;
        return None;
    }
    match load_current_user(&state.db, user_id).await {
        Ok(Some(user)) => Some(user),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limiter_counts_failures_per_account_and_per_address() {
        let limiter = SignInLimiter::new(SignInLimits {
            per_account: 2,
            per_ip: 3,
            window: Duration::from_secs(60),
        });
        assert!(limiter.retry_after("1.1.1.1", "a@x.io").is_none());
        limiter.record_failure("1.1.1.1", "a@x.io");
        limiter.record_failure("1.1.1.1", "a@x.io");
        assert!(
            limiter.retry_after("1.1.1.1", "a@x.io").is_some(),
            "account limit"
        );
        assert!(
            limiter.retry_after("2.2.2.2", "a@x.io").is_some(),
            "from any address"
        );
        assert!(limiter.retry_after("1.1.1.1", "b@x.io").is_none());
        limiter.record_failure("1.1.1.1", "b@x.io");
        assert!(
            limiter.retry_after("1.1.1.1", "c@x.io").is_some(),
            "address limit"
        );
        limiter.clear_account("a@x.io");
        assert!(limiter.retry_after("2.2.2.2", "a@x.io").is_none());
    }

    #[test]
    fn failures_older_than_the_window_are_forgotten() {
        let limiter = SignInLimiter::new(SignInLimits {
            per_account: 1,
            per_ip: 10,
            window: Duration::from_millis(30),
        });
        limiter.record_failure("1.1.1.1", "a@x.io");
        assert!(limiter.retry_after("1.1.1.1", "a@x.io").is_some());
        std::thread::sleep(Duration::from_millis(40));
        assert!(limiter.retry_after("1.1.1.1", "a@x.io").is_none());
    }
}
