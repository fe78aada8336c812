//! The app shell: the page frame, header, navigation and the 404 page.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

pub const PRODUCT_NAME: &str = "Mentoring Milestones";

#[component]
pub fn Header() -> impl IntoView {
    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <header class="site-header">
            <a class="brand" href="/">
                <span class="brand-mark" aria-hidden="true">"◆"</span>
                {PRODUCT_NAME}
            </a>
            <nav aria-label="Main">
                <ul>
                    <li><A href="/" exact=true>"Programs"</A></li>
                    <li><A href="/due-dates">"Due dates"</A></li>
                </ul>
            </nav>
        </header>
    }
}

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Page not found · Mentoring Milestones"/>
        <h1>"Page not found"</h1>
        <p>"There is no page at this address. It may have moved, or the link may be mistyped."</p>
        <p><a class="button" href="/">"Go to Programs"</a></p>
    }
}
