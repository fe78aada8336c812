//! Mentoring Milestones: shared types, due-date logic, components and server functions.
//! Built with `ssr` for the server and `hydrate` for the browser, never both.

#![recursion_limit = "512"]

pub mod accounts;
#[cfg(feature = "ssr")]
pub mod db;
pub mod error;
pub mod items;
pub mod milestones;
pub mod programs;
pub mod quickcliq;
pub mod report;
pub mod shell;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{SsrMode, path};

use accounts::sign_in::SignInPage;
use accounts::users::UsersPage;
use milestones::admin::{MilestoneFormPage, MilestonesPage};
use milestones::calculator::DueDatesPage;
use milestones::resources::ResourcesPage;
use programs::admin::import::{ImportPage, ImportPreviewPage};
use programs::admin::matches::MatchesPage;
use programs::admin::participants::ParticipantsPage;
use programs::admin::program_form::ProgramFormPage;
use programs::overview::{ProgramPanelPage, ProgramsPage};
use quickcliq::{ProfilePage, QuickcliqPage};
use shell::{Header, HomeRedirect, NotFound, PRODUCT_NAME};

/// The HTML document around the app, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let (Some(nonce), Some(response)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) && let Ok(policy) =
        http::HeaderValue::from_str(&shell::content_security_policy(&nonce.to_string()))
    {
        response.insert_header(http::header::CONTENT_SECURITY_POLICY, policy);
    }
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Runs in the browser only, once the page is interactive; tests and styles can rely on it.
    Effect::new(move |_| {
        if let Some(root) = document().document_element() {
            let _ = root.set_attribute("data-hydrated", "true");
        }
    });
    view! {
        <Stylesheet id="leptos" href="/pkg/milestones.css"/>
        <Title text=PRODUCT_NAME/>
        <Router>
            <Header/>
            <main id="main" tabindex="-1">
                <Routes fallback=NotFound>
                    // Async: the server sends each page complete, so it reads the same with
                    // JavaScript off as before hydration.
                    <Route path=path!("/") view=HomeRedirect ssr=SsrMode::Async/>
                    <Route path=path!("/sign-in") view=SignInPage ssr=SsrMode::Async/>
                    <Route path=path!("/programs") view=ProgramsPage ssr=SsrMode::Async/>
                    <Route path=path!("/programs/new") view=ProgramFormPage ssr=SsrMode::Async/>
                    <Route path=path!("/programs/:id") view=ProgramPanelPage ssr=SsrMode::Async/>
                    <Route path=path!("/programs/:id/edit") view=ProgramFormPage ssr=SsrMode::Async/>
                    <Route path=path!("/programs/:id/participants") view=ParticipantsPage ssr=SsrMode::Async/>
                    <Route path=path!("/programs/:id/matches") view=MatchesPage ssr=SsrMode::Async/>
                    <Route path=path!("/programs/:id/matches/:match") view=items::pages::MatchItemsPage ssr=SsrMode::Async/>
                    <Route path=path!("/programs/:id/import") view=ImportPage ssr=SsrMode::Async/>
                    <Route path=path!("/programs/:id/import/:batch") view=ImportPreviewPage ssr=SsrMode::Async/>
                    <Route path=path!("/programs/:id/milestones") view=MilestonesPage ssr=SsrMode::Async/>
                    <Route path=path!("/programs/:id/report") view=report::page::ReportPage ssr=SsrMode::Async/>
                    <Route path=path!("/programs/:id/resources") view=ResourcesPage ssr=SsrMode::Async/>
                    <Route path=path!("/programs/:id/milestones/new") view=MilestoneFormPage ssr=SsrMode::Async/>
                    <Route path=path!("/programs/:id/milestones/:milestone/edit") view=MilestoneFormPage ssr=SsrMode::Async/>
                    <Route path=path!("/quickcliq") view=QuickcliqPage ssr=SsrMode::Async/>
                    <Route path=path!("/profile") view=ProfilePage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/users") view=UsersPage ssr=SsrMode::Async/>
                    <Route path=path!("/due-dates") view=DueDatesPage ssr=SsrMode::Async/>
                </Routes>
            </main>
            <footer class="site-footer">
                <p>{PRODUCT_NAME} " · milestones for mentoring programs"</p>
            </footer>
        </Router>
    }
}
