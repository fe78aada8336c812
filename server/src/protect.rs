//! Protection every response gets: cross-site request refusal, security headers, body limits.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Request bodies larger than this are refused with 413.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// The policy of responses that are not pages (pages set their own, with the script nonce).
const DEFAULT_CSP: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";

/// Refuses state-changing requests that a browser marks as coming from another site.
pub async fn refuse_cross_site(request: Request, next: Next) -> Response {
    if matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) {
        return next.run(request).await;
    }
    // A digest's one-click unsubscribe: mail apps post it from wherever they run, and its
    // token, not a cookie, is what authorises it.
    if request.uri().path().starts_with("/unsubscribe/") && *request.method() == Method::POST {
        return next.run(request).await;
    }
    if is_cross_site(&request) {
        tracing::warn!(uri = %request.uri(), "cross-site request refused");
        return (StatusCode::FORBIDDEN, "Cross-site requests are refused.").into_response();
    }
    next.run(request).await
}

fn is_cross_site(request: &Request<Body>) -> bool {
    let headers = request.headers();
    if let Some(site) = headers.get("sec-fetch-site") {
        return !matches!(site.to_str(), Ok("same-origin") | Ok("none"));
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        // Neither header: not a browser's cross-site request (browsers send one of them).
        return false;
    };
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let origin_host = origin.to_str().ok().and_then(|o| {
        o.split_once("://")
            .map(|(_, rest)| rest.trim_end_matches('/'))
    });
    match (origin_host, host) {
        (Some(origin_host), Some(host)) => !origin_host.eq_ignore_ascii_case(host),
        _ => true,
    }
}

/// Gives failed server-function calls the status of their error (401, 403, 404, 422) instead
/// of the framework's blanket 500, so clients and logs can tell a refusal from a fault.
pub async fn server_fn_error_status(request: Request, next: Next) -> Response {
    if !request.uri().path().starts_with("/api/") {
        return next.run(request).await;
    }
    let response = next.run(request).await;
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY_BYTES).await else {
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            "Something went wrong on our side.",
        )
            .into_response();
    };
    if let Ok(error) = serde_json::from_slice::<app::error::AppError>(&bytes)
        && let Ok(status) = StatusCode::from_u16(error.status_code())
    {
        parts.status = status;
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// Browser features no page of the app uses, turned off for every page.
const PERMISSIONS_POLICY: &str = "camera=(), microphone=(), geolocation=(), payment=(), usb=()";

/// Adds the security headers to every response.
pub async fn security_headers(request: Request, next: Next) -> Response {
    // Built assets (under /pkg/ and the icon) may be cached; pages, answers of server functions
    // and downloads hold a person's data and never are.
    let path = request.uri().path();
    let cacheable = path.starts_with("/pkg/") || path == "/favicon.svg";
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if !cacheable && !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    headers.insert(
        HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static(PERMISSIONS_POLICY),
    );
    headers.insert(
        HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(DEFAULT_CSP),
        );
    }
    response
}

/// Over HTTPS (`SECURE_COOKIES=true`), browsers are told to use nothing else for a year.
pub async fn strict_transport_security(
    axum::extract::State(secure): axum::extract::State<bool>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = next.run(request).await;
    if secure {
        response.headers_mut().insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    response
}

/// Carries a form's outcome from the server function that decided it to the page load it is
/// for, through the session (see `app::ui::flash`): the private header a server function set
/// is taken off the response and kept; the next load of that page receives it, once.
pub async fn carry_flash(
    session: tower_sessions::Session,
    mut request: Request,
    next: Next,
) -> Response {
    use app::ui::flash::{FLASH_HEADER, FLASH_SESSION_KEY, Flash};
    let is_page_load = request.method() == Method::GET
        && request
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/html"));
    if is_page_load
        && let Ok(Some(kept)) = session.get::<String>(FLASH_SESSION_KEY).await
        && let Some(flash) = Flash::decode(&kept)
        && flash.path == request.uri().path()
    {
        let _ = session.remove::<String>(FLASH_SESSION_KEY).await;
        request.extensions_mut().insert(flash);
    }
    let mut response = next.run(request).await;
    if let Some(value) = response.headers_mut().remove(FLASH_HEADER)
        && let Ok(text) = value.to_str()
        && let Err(error) = session.insert(FLASH_SESSION_KEY, text).await
    {
        tracing::warn!(%error, "could not keep a form's outcome for its page");
    }
    response
}
