//! The app shell, above every feature: the HTML document, the routes, the header and
//! navigation, and `/`.

use crate::accounts::account::AccountPage;
use crate::accounts::sign_in::{SignInPage, demo_mode_on};
use crate::accounts::users::UsersPage;
use crate::accounts::{CurrentUser, whoami};
use crate::enrollments::pages::ParticipantsPage;
use crate::imports::pages::{ImportPage, ImportPreviewPage};
use crate::items::completion::ItemCounts;
use crate::items::pages::MatchItemsPage;
use crate::matches::pages::MatchesPage;
use crate::milestones::calculator::DueDatesPage;
use crate::milestones::editor::MilestoneFormPage;
use crate::milestones::list::MilestonesPage;
use crate::panel::{ProgramPanelPage, ProgramsPage};
use crate::programs::form::ProgramFormPage;
use crate::quickcliq::{ProfilePage, QuickcliqPage};
use crate::report::page::ReportPage;
use crate::resources::pages::ResourcesPage;
use crate::ui::errors::NotFound;
use crate::ui::title::PageTitle;
use leptos::prelude::*;
use leptos_meta::{HashedStylesheet, MetaTags, provide_meta_context};
use leptos_router::components::{A, Redirect, Route, Router, Routes};
use leptos_router::{SsrMode, path};

pub const PRODUCT_NAME: &str = "Mentoring Milestones";

#[component]
pub fn Header() -> impl IntoView {
    crate::ui::flash::remember_loaded_address();
    let me = Resource::new(|| (), |_| whoami());
    let demo = Resource::new(|| (), |_| demo_mode_on());
    // The participant's overdue and due-soon counts, loaded again after each completion or
    // undo. Made here, with the other resources and never inside a suspended child, so that the
    // server and the browser make the resources of a page in the same order.
    let counts = Resource::new(crate::ui::changes::items_version, move |_| async move {
        match me.await {
            Ok(Some(user)) if user.is_participant() => {
                crate::items::completion::my_item_counts().await.ok()
            }
            _ => None,
        }
    });
    // A link followed from the phone menu closes it.
    let location = leptos_router::hooks::use_location();
    Effect::new(move |_| {
        let _ = location.pathname.get();
        if let Ok(Some(menu)) = document().query_selector("details.nav-menu[open]") {
            let _ = menu.remove_attribute("open");
        }
    });
    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                demo.await.unwrap_or(false).then(|| view! {
                    <p class="demo-banner" role="note">
                        "Demo data: the passwords are public. Do not enter anything real."
                    </p>
                })
            })}
        </Suspense>
        <header class="site-header">
            <a class="brand" href="/">
                <span class="brand-mark" aria-hidden="true">"◆"</span>
                {PRODUCT_NAME}
            </a>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let user = me.await.ok().flatten();
                    let counts = counts.await;
                    view! { <Navigation user counts/> }
                })}
            </Suspense>
        </header>
    }
}

#[component]
fn Navigation(user: Option<CurrentUser>, counts: Option<ItemCounts>) -> impl IntoView {
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
    let links = {
        let user = user.clone();
        move || view! { <NavLinks user=user.clone() counts/> }
    };
    // Wide screens show the links in a row; below 640 px they fold into a Menu disclosure
    // (a `<details>`, so it opens without JavaScript). CSS shows one of the two.
    view! {
        <nav aria-label="Main" class="nav-wide">{links.clone()}</nav>
        <div class="account-wide"><AccountForm name=user.name.clone()/></div>
        <details class="nav-menu">
            <summary>
                <span class="menu-label">"Menu"</span>
                {counts.map(|counts| view! { <CountBadges counts/> })}
            </summary>
            <div class="menu-panel">
                <nav aria-label="Main">{links}</nav>
                <AccountForm name=user.name.clone()/>
            </div>
        </details>
    }
    .into_any()
}

/// The person's name (to their account page) and Sign out.
#[component]
fn AccountForm(name: String) -> impl IntoView {
    view! {
        <form class="account" method="post" action="/sign-out">
            <A href="/account" attr:class="who" attr:title="Your account">{name}</A>
            <button type="submit" class="button secondary">"Sign out"</button>
        </form>
    }
}

/// The links of the main navigation for a signed-in person.
#[component]
fn NavLinks(user: CurrentUser, counts: Option<ItemCounts>) -> impl IntoView {
    let admin_home = user.admin_of.first().map(|id| format!("/programs/{id}"));
    view! {
        <ul>
            {admin_home.map(|href| view! { <li><A href=href>"Program Admin Panel"</A></li> })}
            {user.is_any_admin().then(|| view! { <li><A href="/programs" exact=true>"Programs"</A></li> })}
            {user.is_participant().then(|| view! {
                <li><A href="/quickcliq">"QuickcliQ" {counts.map(|counts| view! { <CountBadges counts/> })}</A></li>
            })}
            {user.is_participant().then(|| view! { <li><A href="/profile">"Profile"</A></li> })}
            {user.is_site_admin.then(|| view! { <li><A href="/admin/users">"Users"</A></li> })}
            <li><A href="/due-dates">"Due dates"</A></li>
        </ul>
    }
}

/// "2 overdue", "1 due soon": the person's pressing milestones at a glance (nothing when none).
#[component]
fn CountBadges(counts: ItemCounts) -> impl IntoView {
    view! {
        {(counts.overdue > 0).then(|| view! {
            <span class="nav-count overdue">{format!("{} overdue", counts.overdue)}</span>
        })}
        {(counts.due_soon > 0).then(|| view! {
            <span class="nav-count soon">{format!("{} due soon", counts.due_soon)}</span>
        })}
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

/// The HTML document around the app, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let (Some(nonce), Some(response)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) && let Ok(policy) =
        http::HeaderValue::from_str(&content_security_policy(&nonce.to_string()))
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
                <HashedStylesheet options=options.clone() id="leptos"/>
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
    crate::ui::flash::provide_page_flash();
    crate::ui::changes::provide_items_changed();
    // Runs in the browser only, once the page is interactive; tests and styles can rely on it.
    Effect::new(move |_| {
        if let Some(root) = document().document_element() {
            let _ = root.set_attribute("data-hydrated", "true");
        }
    });
    view! {
        <PageTitle text=PRODUCT_NAME/>
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
                    <Route path=path!("/programs/:id/matches/:match") view=MatchItemsPage ssr=SsrMode::Async/>
                    <Route path=path!("/programs/:id/import") view=ImportPage ssr=SsrMode::Async/>
                    <Route path=path!("/programs/:id/import/:batch") view=ImportPreviewPage ssr=SsrMode::Async/>
                    <Route path=path!("/programs/:id/milestones") view=MilestonesPage ssr=SsrMode::Async/>
                    <Route path=path!("/programs/:id/report") view=ReportPage ssr=SsrMode::Async/>
                    <Route path=path!("/programs/:id/resources") view=ResourcesPage ssr=SsrMode::Async/>
                    <Route path=path!("/programs/:id/milestones/new") view=MilestoneFormPage ssr=SsrMode::Async/>
                    <Route path=path!("/programs/:id/milestones/:milestone/edit") view=MilestoneFormPage ssr=SsrMode::Async/>
                    <Route path=path!("/quickcliq") view=QuickcliqPage ssr=SsrMode::Async/>
                    <Route path=path!("/profile") view=ProfilePage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/users") view=UsersPage ssr=SsrMode::Async/>
                    <Route path=path!("/account") view=AccountPage ssr=SsrMode::Async/>
                    <Route path=path!("/due-dates") view=DueDatesPage ssr=SsrMode::Async/>
                    <Route path=path!("/check-in/:token") view=crate::checkins::CheckInPage ssr=SsrMode::Async/>
                    <Route path=path!("/unsubscribe/:token") view=crate::mail::UnsubscribePage ssr=SsrMode::Async/>
                    <Route path=path!("/programs/:id/reminders") view=crate::mail::RemindersPage ssr=SsrMode::Async/>
                </Routes>
            </main>
            <footer class="site-footer">
                <p>{PRODUCT_NAME} " · milestones for mentoring programs"</p>
            </footer>
        </Router>
    }
}
