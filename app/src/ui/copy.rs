//! A read-only address with **Copy** (once interactive): a calendar feed, an invitation link to
//! hand over. Without JavaScript the address is there to select and copy by hand.

use leptos::prelude::*;

/// The labelled address, a Copy button shown once hydrated, and what copying did.
#[component]
pub fn CopyField(
    /// The input's id.
    id: &'static str,
    label: &'static str,
    value: String,
    /// A sentence under the field.
    hint: String,
    /// What the status line says after a copy.
    copied_text: &'static str,
) -> impl IntoView {
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let copied: RwSignal<Option<&'static str>> = RwSignal::new(None);
    let for_copy = value.clone();
    let hint_id = format!("{id}-hint");
    view! {
        <label for=id>{label}</label>
        <div class="copy-row">
            <input id=id type="text" readonly value=value aria-describedby=hint_id.clone() spellcheck="false"/>
            <button type="button" class="button secondary" hidden=move || !hydrated.get()
                on:click=move |_| copy_text(id, &for_copy, copied, copied_text)>
                "Copy"
            </button>
        </div>
        <p class="hint" id=hint_id>{hint}</p>
        <p class="status" role="status">{move || copied.get()}</p>
    }
}

/// Puts the text on the clipboard; where the browser refuses, selects the field for the person
/// to copy.
#[allow(unused_variables)]
fn copy_text(
    id: &'static str,
    text: &str,
    copied: RwSignal<Option<&'static str>>,
    copied_text: &'static str,
) {
    #[cfg(feature = "hydrate")]
    {
        let select = move || {
            use wasm_bindgen::JsCast;
            if let Some(input) = document()
                .get_element_by_id(id)
                .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok())
            {
                input.select();
            }
        };
        let promise = window().navigator().clipboard().write_text(text);
        leptos::task::spawn_local(async move {
            match wasm_bindgen_futures::JsFuture::from(promise).await {
                Ok(_) => copied.set(Some(copied_text)),
                Err(_) => {
                    select();
                    copied.set(Some("Selected: press Ctrl+C (⌘C on a Mac) to copy."));
                }
            }
        });
    }
}
