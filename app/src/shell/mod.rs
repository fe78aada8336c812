//! The app shell, above every feature: the HTML document, the routes, the header and
//! navigation, and `/`.

use crate::accounts::account::AccountPage;
use crate::accounts::sign_in::{SignInPage, demo_mode_on};
use crate::accounts::{CurrentUser, whoami};
use crate::checkins::CheckInPage;
use crate::cycles::pages::{CopyMilestonesPage, DuplicateProgramPage};
use crate::imports::pages::{ImportPage, ImportPreviewPage};
use crate::items::completion::ItemCounts;
use crate::items::pages::MatchItemsPage;
use crate::mail::pages::{RemindersPage, UnsubscribePage};
use crate::matches::pages::MatchesPage;
use crate::milestones::calculator::DueDatesPage;
use crate::milestones::editor::MilestoneFormPage;
use crate::milestones::list::MilestonesPage;
use crate::panel::{ProgramPanelPage, ProgramsPage};
use crate::people::pages::{ForgotPasswordPage, ResetPasswordPage, WelcomePage};
use crate::people::participants::ParticipantsPage;
use crate::people::users::UsersPage;
use crate::programs::form::ProgramFormPage;
use crate::quickcliq::{ProfilePage, QuickcliqPage};
use crate::report::page::ReportPage;
use crate::resources::pages::ResourcesPage;
use crate::ui::data::resource;
use crate::ui::errors::NotFound;
use crate::ui::title::PageTitle;
use leptos::prelude::*;
use leptos_meta::{HashedStylesheet, MetaTags, provide_meta_context};
use leptos_router::components::{A, Redirect, Route, Router, Routes};
use leptos_router::{Lazy, LazyRoute, SsrMode, path};

/// A page whose code the browser loads from its own WebAssembly file when it is first opened:
/// `lazy_page!(Route, load_fn, Page)` makes `Route` (for `Lazy::<Route>`) and `load_fn`, the
/// split point (`wasm_split`, as Leptos's `#[lazy]` makes it, but fallible): awaiting it fetches
/// the page's file (once) and gives the function that renders `Page`, which lives in that file.
/// The router awaits `preload` before it renders or hydrates the page, so hydration finds the
/// page's code ready. The page loads its own data as before. A file that cannot be fetched (the
/// network, or a tab left open across a deploy whose files have new names) does not stop the
/// app: see [`page_did_not_load`].
macro_rules! lazy_page {
    ($route:ident, $load:ident, $page:ident) => {
        pub struct $route;

        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            async fn view(_: Self) -> AnyView {
                match $load().await {
                    Ok(page) => page(),
                    #[cfg(not(feature = "ssr"))]
                    Err(_) => page_did_not_load().await,
                }
            }

            async fn preload() {
                // The server renders the page straight away (`view`); only the browser fetches.
                // A failed fetch never finishes preloading: the router neither renders nor
                // hydrates a page whose code is missing (hydrating a view made later would
                // add a second copy of the page beside the server's).
                #[cfg(not(feature = "ssr"))]
                if $load().await.is_err() {
                    page_did_not_load().await;
                }
            }
        }

        #[cfg(not(feature = "ssr"))]
        #[::leptos::wasm_split::wasm_split($load, wasm_split_path = ::leptos::wasm_split, fallible)]
        fn $load() -> Result<fn() -> AnyView, ::leptos::wasm_split::SplitLoaderError> {
            Ok(|| view! { <$page/><HydrationMark/> }.into_any())
        }

        // The server has the page at hand; it names the page's files in the <head>.
        #[cfg(feature = "ssr")]
        async fn $load() -> Result<fn() -> AnyView, std::convert::Infallible> {
            preload_page_files(stringify!($load));
            Ok(|| view! { <$page/><HydrationMark/> }.into_any())
        }
    };
}

/// On the server, while a lazy page renders: names the page's WebAssembly files in the
/// `<head>` (`<link rel="preload">`), so the browser fetches them beside the main file rather
/// than after it. The files are read from cargo-leptos's split manifest, which
/// `HydrationScripts` provides; the key of a split point is its function's name.
/// (Leptos's own integration adds these links for `#[lazy]` functions the server ran, but only
/// on some pages: `/due-dates` got none. The server's half of a page is not `#[lazy]`, so the
/// links come from here alone, once.)
#[cfg(feature = "ssr")]
fn preload_page_files(load_fn: &str) {
    use leptos::prelude::ReadValue;
    use leptos_meta::Link;
    let Some(manifest) = use_context::<leptos::WasmSplitManifest>() else {
        return;
    };
    let Some(manifest) = manifest.0.try_read_value() else {
        return;
    };
    let (pkg_path, files, _) = &*manifest;
    let modules = files
        .iter()
        .filter_map(|(key, modules)| (key == load_fn).then_some(modules));
    for module in modules.flatten() {
        let href = format!("{pkg_path}/{module}.wasm");
        let _ = view! {
            <Link rel="preload" href=href as_="fetch" type_="application/wasm" crossorigin="anonymous"/>
        }
        .to_html();
    }
}

lazy_page!(Programs, programs_page, ProgramsPage);
lazy_page!(ProgramForm, program_form_page, ProgramFormPage);
lazy_page!(ProgramPanel, program_panel_page, ProgramPanelPage);
lazy_page!(
    DuplicateProgram,
    duplicate_program_page,
    DuplicateProgramPage
);
lazy_page!(CopyMilestones, copy_milestones_page, CopyMilestonesPage);
lazy_page!(Participants, participants_page, ParticipantsPage);
lazy_page!(Matches, matches_page, MatchesPage);
lazy_page!(MatchItems, match_items_page, MatchItemsPage);
lazy_page!(Import, import_page, ImportPage);
lazy_page!(ImportPreview, import_preview_page, ImportPreviewPage);
lazy_page!(Milestones, milestones_page, MilestonesPage);
lazy_page!(Report, report_page, ReportPage);
lazy_page!(Resources, resources_page, ResourcesPage);
lazy_page!(MilestoneForm, milestone_form_page, MilestoneFormPage);
lazy_page!(Reminders, reminders_page, RemindersPage);
lazy_page!(Users, users_page, UsersPage);
lazy_page!(Account, account_page, AccountPage);
lazy_page!(DueDates, due_dates_page, DueDatesPage);
lazy_page!(Unsubscribe, unsubscribe_page, UnsubscribePage);
lazy_page!(Welcome, welcome_page, WelcomePage);
lazy_page!(ResetPassword, reset_password_page, ResetPasswordPage);
lazy_page!(ForgotPassword, forgot_password_page, ForgotPasswordPage);

/// Marks the document `data-hydrated` once the page around it is interactive (an effect runs
/// after the view that made it is hydrated). Each page carries one, so a lazy page marks the
/// document only once its own code has loaded and hydrated; tests and scripts rely on it.
#[component]
fn HydrationMark() -> impl IntoView {
    Effect::new(move |_| {
        if let Some(root) = document().document_element() {
            let _ = root.set_attribute("data-hydrated", "true");
        }
        // A page that hydrated needs no second try any more (see `load_from_server`).
        #[cfg(not(feature = "ssr"))]
        if let Ok(Some(storage)) = window().session_storage() {
            let _ = storage.remove_item(RETRIED);
        }
    });
}

/// When a lazy page's file could not be fetched: the browser loads the page from the server
/// instead, which renders it whole and names the files of the build it serves now. Once the app
/// is running (a link followed in the browser, back and forward) that is the page asked for. On
/// the first page, still hydrating, it is loaded once more (a network hiccup), and not again
/// (a lasting failure would loop): the server-rendered page stays, its plain forms working as
/// without JavaScript. The view never comes, so nothing half-made is hydrated or shown.
#[cfg(not(feature = "ssr"))]
async fn page_did_not_load() -> AnyView {
    load_from_server();
    std::future::pending().await
}

/// Where a first page whose file failed was loaded once more, for this tab.
#[cfg(not(feature = "ssr"))]
const RETRIED: &str = "page-file-retried";

#[cfg(not(feature = "ssr"))]
fn load_from_server() {
    let location = window().location();
    let here = [location.pathname(), location.search()]
        .into_iter()
        .map(|part| part.unwrap_or_default())
        .collect::<String>();
    let running = document()
        .document_element()
        .is_some_and(|root| root.has_attribute("data-hydrated"));
    if !running {
        let Ok(Some(storage)) = window().session_storage() else {
            return;
        };
        let retried = storage.get_item(RETRIED).ok().flatten();
        if retried.as_deref() != Some(here.as_str()) && storage.set_item(RETRIED, &here).is_ok() {
            let _ = location.reload();
        }
        return;
    }
    let url = leptos_router::hooks::use_url().get_untracked();
    let mut target = url.path().to_string();
    if !url.search().is_empty() {
        target.push('?');
        target.push_str(url.search());
    }
    let _ = if here == target {
        location.reload()
    } else {
        let hash = url.hash().trim_start_matches('#');
        if !hash.is_empty() {
            target.push('#');
            target.push_str(hash);
        }
        // Kept on this site whatever the path holds: after the site's own origin, even a path
        // beginning with `//` is a path here, never another host.
        let origin = location.origin().unwrap_or_default();
        location.assign(&format!("{origin}{target}"))
    };
}

pub const PRODUCT_NAME: &str = "Mentoring Milestones";

#[component]
pub fn Header() -> impl IntoView {
    crate::ui::flash::remember_loaded_address();
    let me = resource(|| (), |_| whoami());
    let demo = resource(|| (), |_| demo_mode_on());
    // The participant's overdue and due-soon counts, loaded again after each completion or
    // undo. Made here, with the other resources and never inside a suspended child, so that the
    // server and the browser make the resources of a page in the same order.
    let counts = resource(crate::ui::changes::items_version, move |_| async move {
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
    let me = resource(|| (), |_| whoami());
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
/// inline hydration script), WebAssembly, styles and images, and nothing from elsewhere. Forms
/// post to this site only, whose answer may lead on to the identity provider's origin (the
/// **Sign in with …** button), when there is one.
pub fn content_security_policy(nonce: &str, provider_origin: Option<&str>) -> String {
    let form_action = match provider_origin {
        Some(origin) => format!("'self' {origin}"),
        None => "'self'".to_string(),
    };
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; \
         object-src 'none'; base-uri 'self'; form-action {form_action}; frame-ancestors 'none'"
    )
}

/// The HTML document around the app, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let (Some(nonce), Some(response)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) && let Ok(policy) = http::HeaderValue::from_str(&content_security_policy(
        &nonce.to_string(),
        crate::accounts::sign_in::SignInOptions::current()
            .provider_origin
            .as_deref(),
    )) {
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
    view! {
        <PageTitle text=PRODUCT_NAME/>
        <Router>
            <Header/>
            <main id="main" tabindex="-1">
                <Routes fallback=|| view! { <NotFound/><HydrationMark/> }>
                    // Async: the server sends each page complete, so it reads the same with
                    // JavaScript off as before hydration.
                    // The participant pages (sign-in, QuickcliQ, Profile, check-in) are in the
                    // main WebAssembly file. Every other page is a lazy route: its code is its
                    // own file (`cargo leptos --split`), which the server names in the page's
                    // <head> so that the browser fetches it beside the main file; opened later
                    // from another page, it is fetched then. (Participant pages made lazy too
                    // came to more bytes: they share most of their code, which the split puts
                    // in many small files.)
                    <Route path=path!("/") view=|| view! { <HomeRedirect/><HydrationMark/> } ssr=SsrMode::Async/>
                    <Route path=path!("/sign-in") view=|| view! { <SignInPage/><HydrationMark/> } ssr=SsrMode::Async/>
                    <Route path=path!("/quickcliq") view=|| view! { <QuickcliqPage/><HydrationMark/> } ssr=SsrMode::Async/>
                    <Route path=path!("/profile") view=|| view! { <ProfilePage/><HydrationMark/> } ssr=SsrMode::Async/>
                    <Route path=path!("/check-in/:token") view=|| view! { <CheckInPage/><HydrationMark/> } ssr=SsrMode::Async/>
                    <Route path=path!("/programs") view={Lazy::<Programs>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/programs/new") view={Lazy::<ProgramForm>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/programs/:id") view={Lazy::<ProgramPanel>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/programs/:id/edit") view={Lazy::<ProgramForm>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/programs/:id/duplicate") view={Lazy::<DuplicateProgram>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/programs/:id/participants") view={Lazy::<Participants>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/programs/:id/matches") view={Lazy::<Matches>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/programs/:id/matches/:match") view={Lazy::<MatchItems>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/programs/:id/import") view={Lazy::<Import>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/programs/:id/import/:batch") view={Lazy::<ImportPreview>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/programs/:id/milestones") view={Lazy::<Milestones>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/programs/:id/report") view={Lazy::<Report>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/programs/:id/resources") view={Lazy::<Resources>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/programs/:id/milestones/new") view={Lazy::<MilestoneForm>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/programs/:id/milestones/copy") view={Lazy::<CopyMilestones>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/programs/:id/milestones/:milestone/edit") view={Lazy::<MilestoneForm>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/programs/:id/reminders") view={Lazy::<Reminders>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/admin/users") view={Lazy::<Users>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/account") view={Lazy::<Account>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/due-dates") view={Lazy::<DueDates>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/unsubscribe/:token") view={Lazy::<Unsubscribe>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/welcome/:token") view={Lazy::<Welcome>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/reset-password/:token") view={Lazy::<ResetPassword>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/forgot-password") view={Lazy::<ForgotPassword>::new()} ssr=SsrMode::Async/>
                </Routes>
            </main>
            <footer class="site-footer">
                <p>{PRODUCT_NAME} " · milestones for mentoring programs"</p>
            </footer>
        </Router>
    }
}
