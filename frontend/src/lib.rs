#![recursion_limit = "512"]
//! The WebAssembly entry: hydrates the server-rendered page.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // `hydrate_lazy`: the admin pages are lazy routes, whose code is fetched before they hydrate.
    leptos::mount::hydrate_lazy(app::shell::App);
}
