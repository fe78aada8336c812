//! How pages show a refused or failed load, and the page for an unknown address.

use crate::error::AppError;
use crate::kernel::text::encode_query_value;
use crate::ui::title::PageTitle;
use leptos::prelude::*;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_location;

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
                <PageTitle text="No access · Mentoring Milestones"/>
                <h1>"No access"</h1>
                <p>"Your account does not have access to this page. If you think it should, ask your program admin."</p>
            }
            .into_any()
        }
        AppError::NotFound => view! { <NotFound/> }.into_any(),
        other => {
            set_status(match other {
                AppError::Invalid { .. } => 422,
                _ => 500,
            });
            view! { <p class="error" role="alert">{other.to_string()}</p> }.into_any()
        }
    }
}

/// Sets the HTTP status of the page being rendered on the server.
pub fn set_status(code: u16) {
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
        <PageTitle text="Page not found · Mentoring Milestones"/>
        <h1>"Page not found"</h1>
        <p>"There is no page at this address. It may have moved, or the link may be mistyped."</p>
        <p><a class="button" href="/">"Go to your start page"</a></p>
    }
}
