//! The app shell: the page frame, header, navigation, and the pages for errors.

pub mod forms;

use crate::accounts::{CurrentUser, whoami};
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{A, Redirect};
use leptos_router::hooks::use_location;

pub const PRODUCT_NAME: &str = "Mentoring Milestones";

#[component]
pub fn Header() -> impl IntoView {
    let me = Resource::new(|| (), |_| whoami());
    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <header class="site-header">
            <a class="brand" href="/">
                <span class="brand-mark" aria-hidden="true">"◆"</span>
                {PRODUCT_NAME}
            </a>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let user = me.await.ok().flatten();
                    view! { <Navigation user/> }
                })}
            </Suspense>
        </header>
    }
}

#[component]
fn Navigation(user: Option<CurrentUser>) -> impl IntoView {
    let Some(user) = user else {
        return view! {
            <nav aria-label="Main">
                <ul>
                    <li><A href="/due-dates">"Due dates"</A></li>
                    <li><A href="/sign-in">"Sign in"</A></li>
                </ul>
            </nav>
        }
        .into_any();
    };
    let admin_home = user.admin_of.first().map(|id| format!("/programs/{id}"));
    view! {
        <nav aria-label="Main">
            <ul>
                {admin_home.map(|href| view! { <li><A href=href>"Program Admin Panel"</A></li> })}
                {user.is_any_admin().then(|| view! { <li><A href="/programs" exact=true>"Programs"</A></li> })}
                {user.is_participant().then(|| view! { <li><A href="/quickcliq">"QuickcliQ"</A></li> })}
                {user.is_participant().then(|| view! { <li><A href="/profile">"Profile"</A></li> })}
                {user.is_site_admin.then(|| view! { <li><A href="/admin/users">"Users"</A></li> })}
                <li><A href="/due-dates">"Due dates"</A></li>
            </ul>
        </nav>
        <form class="account" method="post" action="/sign-out">
            <span class="who">{user.name}</span>
            <button type="submit" class="button secondary">"Sign out"</button>
        </form>
    }
    .into_any()
}

/// How a page shows a refused or failed load: signed-out people go to sign in (and come back),
/// others see why, with the matching status code.
pub fn error_view(error: AppError) -> impl IntoView {
    match error {
        AppError::Unauthenticated => {
            let location = use_location();
            let path = location.pathname.get_untracked();
            let search = location.search.get_untracked();
            let here = if search.is_empty() {
                path
            } else {
                format!("{path}?{search}")
            };
            let target = format!("/sign-in?next={}", encode_query_value(&here));
            view! { <Redirect path=target/> }.into_any()
        }
        AppError::Forbidden => {
            set_status(403);
            view! {
                <Title text="No access · Mentoring Milestones"/>
                <h1>"No access"</h1>
                <p>"Your account does not have access to this page. If you think it should, ask your program admin."</p>
            }
            .into_any()
        }
        AppError::NotFound => view! { <NotFound/> }.into_any(),
        other => view! { <p class="error" role="alert">{other.to_string()}</p> }.into_any(),
    }
}

/// Percent-encodes a value for a query string.
pub fn encode_query_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(byte as char)
            }
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

/// Sets the HTTP status of the page being rendered on the server.
fn set_status(code: u16) {
    #[cfg(feature = "ssr")]
    if let (Some(response), Ok(status)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        http::StatusCode::from_u16(code),
    ) {
        response.set_status(status);
    }
    #[cfg(not(feature = "ssr"))]
    let _ = code;
}

#[component]
pub fn NotFound() -> impl IntoView {
    set_status(404);
    view! {
        <Title text="Page not found · Mentoring Milestones"/>
        <h1>"Page not found"</h1>
        <p>"There is no page at this address. It may have moved, or the link may be mistyped."</p>
        <p><a class="button" href="/">"Go to your start page"</a></p>
    }
}

/// `/`: sends each person to where they work, or to sign in.
#[component]
pub fn HomeRedirect() -> impl IntoView {
    let me = Resource::new(|| (), |_| whoami());
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let target = match me.await {
                    Ok(Some(user)) => user.landing_path(),
                    _ => "/sign-in".to_string(),
                };
                view! { <Redirect path=target/> }
            })}
        </Suspense>
    }
}

/// The Content-Security-Policy of a page: the app's own script (with this render's nonce for the
/// inline hydration script), WebAssembly, styles and images, and nothing from elsewhere.
pub fn content_security_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; \
         object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )
}

#[cfg(test)]
mod tests {
    use super::encode_query_value;

    #[test]
    fn query_values_are_encoded() {
        assert_eq!(
            encode_query_value("/programs/1?tab=a b&c"),
            "/programs/1%3Ftab%3Da%20b%26c"
        );
    }
}
