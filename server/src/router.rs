//! The router: pages, server functions, built files, `/healthz`, the sign-in routes, the
//! downloads, and the layers every request goes through (identity, sessions, protections,
//! limits, compression, security headers, request logging).

use crate::state::{AppState, provide_app_context};
use crate::{auth, entry, exports, oidc, protect};
use app::accounts::SESSION_IDLE_MINUTES;
use app::accounts::sessions::DbSessionStore;
use app::db::Db;
use app::shell::{App, shell};
use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::{get, post};
use leptos_axum::{LeptosRoutes, generate_route_list};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use tower_sessions::cookie::SameSite;
use tower_sessions::cookie::time::Duration as CookieDuration;
use tower_sessions::{Expiry, SessionManagerLayer};
use tracing::Level;

/// `/pkg/`: the built WebAssembly, script and styles, sent precompressed (brotli or gzip, as
/// the browser accepts) when the release build made `.br` and `.gz` files, and kept by
/// browsers for a year when their names carry their hash.
fn built_files(
    folder: std::path::PathBuf,
    hashed: bool,
) -> impl tower::Service<
    axum::extract::Request,
    Response = impl axum::response::IntoResponse,
    Error = std::convert::Infallible,
    Future = impl Send,
> + Clone
+ Send
+ Sync
+ 'static {
    use axum::http::{HeaderValue, header};
    let files = tower_http::services::ServeDir::new(folder)
        .precompressed_br()
        .precompressed_gzip();
    let cache = if hashed {
        HeaderValue::from_static("public, max-age=31536000, immutable")
    } else {
        HeaderValue::from_static("no-cache")
    };
    // Only a file found is kept: a 404 must not be cached for a year.
    tower::ServiceBuilder::new()
        .map_response(move |mut response: axum::http::Response<_>| {
            if response.status().is_success() || response.status() == StatusCode::NOT_MODIFIED {
                response
                    .headers_mut()
                    .insert(header::CACHE_CONTROL, cache.clone());
            }
            response
        })
        .service(files)
}

/// The whole app: pages, server functions, static files, `/healthz`, sign-in and sign-out,
/// sessions, protections and request logging.
pub fn build_router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let context = {
        let state = state.clone();
        move || provide_app_context(&state)
    };
    let sessions = SessionManagerLayer::new(DbSessionStore::new(state.db.clone()))
        .with_name(session_cookie_name(state.secure_cookies))
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(state.secure_cookies)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(CookieDuration::minutes(
            SESSION_IDLE_MINUTES,
        )));
    let page = {
        let options = state.leptos_options.clone();
        move || shell(options.clone())
    };
    Router::new()
        .route("/healthz", get(healthz))
        .nest_service(
            "/pkg",
            built_files(
                std::path::Path::new(&*state.leptos_options.site_root).join("pkg"),
                state.hashed_assets,
            ),
        )
        .route("/sign-in", post(auth::sign_in))
        .route("/sign-out", post(auth::sign_out))
        .route("/sign-out-everywhere", post(auth::sign_out_everywhere))
        .route(
            "/welcome/{token}",
            post(entry::set_password_from_invitation),
        )
        .route(
            "/welcome/{token}/new-link",
            post(entry::new_invitation_link),
        )
        .route(
            "/reset-password/{token}",
            post(entry::set_password_from_reset),
        )
        .route(
            "/reset-password/{token}/new-link",
            post(entry::new_reset_link),
        )
        .route("/forgot-password", post(entry::forgot_password))
        .route("/auth/oidc/start", post(oidc::start))
        .route("/auth/oidc/callback", get(oidc::callback))
        .route(
            "/programs/{id}/participants.csv",
            get(exports::participants),
        )
        .route("/programs/{id}/matches.csv", get(exports::matches))
        .route("/calendar/{file}", get(exports::calendar_feed))
        .route("/unsubscribe/{token}", post(exports::unsubscribe))
        .route(
            "/programs/{id}/report/milestones.csv",
            get(exports::report_milestones),
        )
        .route(
            "/programs/{id}/report/matches.csv",
            get(exports::report_matches),
        )
        .leptos_routes_with_context(&state, routes, context.clone(), page)
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(context, shell))
        .layer(from_fn_with_state(state.clone(), auth::attach_identity))
        .layer(from_fn(protect::server_fn_error_status))
        .layer(from_fn(protect::carry_flash))
        .layer(sessions)
        .layer(from_fn(protect::refuse_cross_site))
        .layer(DefaultBodyLimit::max(protect::MAX_BODY_BYTES))
        .layer(RequestBodyLimitLayer::new(protect::MAX_BODY_BYTES))
        .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(
            state.request_timeout,
        ))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            state.request_timeout,
        ))
        // Pages, server functions' answers and CSV or calendar files go compressed to browsers
        // that accept it. Built files are precompressed by release builds and left as they
        // are; a development build's WebAssembly (tens of megabytes) is not compressed on every
        // request, which would cost more time than it saves on a local network.
        .layer(
            tower_http::compression::CompressionLayer::new().compress_when(
                tower_http::compression::Predicate::and(
                    tower_http::compression::predicate::DefaultPredicate::new(),
                    tower_http::compression::predicate::NotForContentType::const_new(
                        "application/wasm",
                    ),
                ),
            ),
        )
        .layer(from_fn(protect::security_headers))
        .layer(axum::middleware::from_fn_with_state(
            state.secure_cookies,
            protect::strict_transport_security,
        ))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(DefaultMakeSpan::new().level(Level::INFO))
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .with_state(state)
}

/// The session cookie's name: with `__Host-` over HTTPS, so that only this host, over a secure
/// connection, with path `/`, can set it (a sibling subdomain cannot plant one).
pub fn session_cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-milestones_session"
    } else {
        "milestones_session"
    }
}

/// 200 when the database answers, 503 when it does not.
async fn healthz(State(db): State<Db>) -> (StatusCode, &'static str) {
    if db.is_healthy().await {
        (StatusCode::OK, "ok\n")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n")
    }
}
