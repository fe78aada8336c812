//! The page's `<title>`. Leptos writes a title's text into the server's HTML without escaping
//! it, so a name such as `</title><meta http-equiv="refresh" …>` would end the element and
//! become markup in `<head>`: on the server the text is escaped here (the browser decodes the
//! entities back into the same text). In the browser the title is set as text and needs nothing.

use leptos::prelude::*;
use leptos_meta::Title;

/// The title of the page, as text whatever it holds.
#[component]
pub fn PageTitle(#[prop(into)] text: String) -> impl IntoView {
    view! { <Title text=escaped_on_server(&text)/> }
}

/// Text for an element whose content Leptos writes unescaped on the server.
pub fn escaped_on_server(text: &str) -> String {
    #[cfg(feature = "ssr")]
    {
        crate::kernel::text::escape_html(text)
    }
    #[cfg(not(feature = "ssr"))]
    {
        text.to_string()
    }
}
