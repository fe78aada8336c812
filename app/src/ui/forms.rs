//! Forms that work before the WebAssembly loads and with JavaScript off: a plain form post
//! comes back to its page with the outcome in the address, and the page shows it next to the
//! form; once hydrated, the same forms run as server actions and show the same messages.

use crate::error::AppError;
use leptos::prelude::*;

/// Without JavaScript a form post would get the server function's raw answer: send the browser
/// back to `page` with the outcome of `form` in the address instead.
#[cfg(feature = "ssr")]
pub fn answer_plain_form(page: &str, form: &str, outcome: &Result<String, AppError>) {
    answer_plain_form_keeping(page, form, outcome, &[]);
}

/// As [`answer_plain_form`], and on an error the typed values `keep` go back too, so the form
/// shows them again and nothing typed is lost.
#[cfg(feature = "ssr")]
pub fn answer_plain_form_keeping(
    page: &str,
    form: &str,
    outcome: &Result<String, AppError>,
    keep: &[(&str, &str)],
) {
    use crate::kernel::text::encode_query_value;
    if !is_plain_form_post() {
        return;
    }
    let (key, message) = match outcome {
        Ok(message) => ("done", message.clone()),
        Err(error) => ("error", error.to_string()),
    };
    let separator = if page.contains('?') { '&' } else { '?' };
    let mut target = format!(
        "{page}{separator}form={form}&{key}={}",
        encode_query_value(&message)
    );
    if outcome.is_err() {
        for (name, value) in keep {
            target.push_str(&format!("&{name}={}", encode_query_value(value)));
        }
    }
    leptos_axum::redirect(&target);
}

/// A value typed into `form` before a plain post that was refused, to show again.
pub fn kept_value(form: &str, name: &str) -> Option<String> {
    let query = leptos_router::hooks::use_query_map().get_untracked();
    (query.get("form").as_deref() == Some(form) && query.get("error").is_some())
        .then(|| query.get(name))
        .flatten()
}

/// The message of an error about the field labelled `label` (messages start with the label).
pub fn field_error(outcome: &Option<Result<String, AppError>>, label: &str) -> Option<String> {
    match outcome {
        Some(Err(AppError::Invalid(message))) => message
            .strip_prefix(label)
            .and_then(|rest| rest.strip_prefix(": "))
            .map(str::to_string),
        _ => None,
    }
}

/// Whether the request is a browser's own form post (it accepts HTML), not a server action.
#[cfg(feature = "ssr")]
pub fn is_plain_form_post() -> bool {
    use_context::<http::request::Parts>().is_some_and(|parts| {
        parts
            .headers
            .get(http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/html"))
    })
}

/// The outcome of the last submission of `form`, from the action once hydrated or from the
/// address after a plain form post.
pub fn form_outcome(
    value: Option<Result<String, AppError>>,
    form: &str,
) -> Option<Result<String, AppError>> {
    value.or_else(|| {
        let query = leptos_router::hooks::use_query_map().get_untracked();
        if query.get("form").as_deref() != Some(form) {
            return None;
        }
        query
            .get("done")
            .map(Ok)
            .or_else(|| query.get("error").map(|e| Err(AppError::Invalid(e))))
    })
}

/// Shows an outcome: a success note or an error, both announced by the live region around it.
pub fn outcome_view(value: Option<Result<String, AppError>>, form: &str) -> impl IntoView {
    match form_outcome(value, form) {
        Some(Ok(message)) => view! { <p class="success">{message}</p> }.into_any(),
        Some(Err(error)) => view! { <p class="form-error">{error.to_string()}</p> }.into_any(),
        None => ().into_any(),
    }
}

/// Like [`outcome_view`], leaving out errors that belong to one of the fields `labels` (they
/// are shown next to their field by [`field_error_view`]).
pub fn outcome_view_besides_fields(
    value: Option<Result<String, AppError>>,
    form: &str,
    labels: &[&str],
) -> impl IntoView {
    let outcome = form_outcome(value, form);
    let for_a_field = labels
        .iter()
        .any(|label| field_error(&outcome, label).is_some());
    match outcome {
        Some(Ok(message)) => view! { <p class="success">{message}</p> }.into_any(),
        Some(Err(error)) if !for_a_field => {
            view! { <p class="form-error">{error.to_string()}</p> }.into_any()
        }
        // Shown next to its field; announced here too for screen readers.
        Some(Err(error)) => view! { <p class="visually-hidden">{error.to_string()}</p> }.into_any(),
        None => ().into_any(),
    }
}

/// The error about the field labelled `label` of `form`, shown under the field with `id` (the
/// field points at it with `aria-describedby`).
pub fn field_error_view(
    value: Option<Result<String, AppError>>,
    form: &str,
    label: &str,
    id: &'static str,
) -> impl IntoView {
    field_error(&form_outcome(value, form), label)
        .map(|message| view! { <p class="field-error" id=id>{message}</p> })
}

/// `"true"` when `form`'s last outcome is an error about the field `label`, for `aria-invalid`.
pub fn field_invalid(
    value: Option<Result<String, AppError>>,
    form: &str,
    label: &str,
) -> Option<&'static str> {
    field_error(&form_outcome(value, form), label).map(|_| "true")
}

/// The content of a `<textarea>`. Leptos writes a textarea's children into the server's HTML
/// without escaping them, so typed text such as `</textarea><script>` would end the element
/// and become markup: on the server the text is escaped here (the browser decodes the entities
/// back into the same text). In the browser, nodes are created as text and need nothing.
pub fn textarea_text(text: &str) -> String {
    #[cfg(feature = "ssr")]
    {
        let mut out = String::with_capacity(text.len());
        for c in text.chars() {
            match c {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                other => out.push(other),
            }
        }
        out
    }
    #[cfg(not(feature = "ssr"))]
    {
        text.to_string()
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::textarea_text;

    #[test]
    fn textarea_content_cannot_close_the_element() {
        assert_eq!(
            textarea_text("</textarea><script>x && y</script>"),
            "&lt;/textarea&gt;&lt;script&gt;x &amp;&amp; y&lt;/script&gt;"
        );
    }
}
