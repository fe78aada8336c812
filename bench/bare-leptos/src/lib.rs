//! A bare Leptos 0.8 app: a router with two pages, a title from leptos_meta, and one server
//! function called from a button. With the feature `data`, the second page adds what every page
//! of the product's participants uses from the framework: a resource loaded by a server function
//! and sent with the page, `Suspense`, and a form that calls a server function (`ActionForm`).

use leptos::prelude::*;
use leptos_meta::{MetaTags, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
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
    view! {
        <Title text="Bare"/>
        <Router>
            <main>
                <Routes fallback=|| "Not found.">
                    <Route path=path!("/") view=Home/>
                    <Route path=path!("/about") view=About/>
                </Routes>
            </main>
        </Router>
    }
}

#[server]
pub async fn add_one(count: i64) -> Result<i64, ServerFnError> {
    Ok(count + 1)
}

#[component]
fn Home() -> impl IntoView {
    let count = RwSignal::new(0);
    let add = ServerAction::<AddOne>::new();
    Effect::new(move |_| {
        if let Some(Ok(value)) = add.value().get() {
            count.set(value);
        }
    });
    view! {
        <h1>"Bare"</h1>
        <button on:click=move |_| {
            add.dispatch(AddOne { count: count.get_untracked() });
        }>"Clicked " {count} " times"</button>
        <a href="/about">"About"</a>
    }
}

#[component]
fn About() -> impl IntoView {
    view! { <h1>"About"</h1> <a href="/">"Home"</a> {data_part()} }
}

/// Nothing in the bare app; with `data`, the list of rows.
#[cfg(not(feature = "data"))]
fn data_part() -> impl IntoView {}

#[cfg(feature = "data")]
fn data_part() -> impl IntoView {
    view! { <Rows/> }
}

/// One row of the list that `data` adds.
#[cfg(feature = "data")]
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Row {
    pub id: i64,
    pub name: String,
    pub due: Option<String>,
    pub done: bool,
}

#[cfg(feature = "data")]
#[server]
pub async fn rows() -> Result<Vec<Row>, ServerFnError> {
    Ok(vec![Row {
        id: 1,
        name: "First".into(),
        due: None,
        done: false,
    }])
}

#[cfg(feature = "data")]
#[server]
pub async fn mark(id: i64) -> Result<(), ServerFnError> {
    let _ = id;
    Ok(())
}

#[cfg(feature = "data")]
#[component]
fn Rows() -> impl IntoView {
    let mark = ServerAction::<Mark>::new();
    let data = Resource::new(move || mark.version().get(), |_| rows());
    view! {
        <Suspense fallback=|| "Loading">
            {move || Suspend::new(async move {
                match data.await {
                    Err(error) => view! { <p>{error.to_string()}</p> }.into_any(),
                    Ok(rows) => rows
                        .into_iter()
                        .map(|row| view! {
                            <ActionForm action=mark>
                                <input type="hidden" name="id" value=row.id/>
                                <button type="submit">{row.name}</button>
                            </ActionForm>
                        })
                        .collect_view()
                        .into_any(),
                }
            })}
        </Suspense>
    }
}

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(App);
}
