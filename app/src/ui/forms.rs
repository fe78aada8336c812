//! Forms that work before the WebAssembly loads and with JavaScript off: a plain form post
//! comes back to its page with the outcome in the address, and the page shows it next to the
//! form; once hydrated, the same forms run as server actions and show the same messages.

use crate::error::{AppError, FieldError};
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
    if let Err(error) = outcome {
        let fields = field_messages(error);
        if !fields.is_empty() {
            target.push_str(&format!("&fields={}", encode_query_value(&fields)));
        }
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

/// The message about the field named `field` in a form's outcome.
pub fn field_error(outcome: &Option<Result<String, AppError>>, field: &str) -> Option<String> {
    match outcome {
        Some(Err(error)) => error.field_message(field).map(str::to_string),
        _ => None,
    }
}

/// The field messages of an error as they travel in the address after a plain form post: one
/// `field:message` a line.
#[cfg(feature = "ssr")]
fn field_messages(error: &AppError) -> String {
    match error {
        AppError::Invalid { fields, .. } => fields
            .iter()
            .map(|f| format!("{}:{}", f.field, f.message.replace(['\n', '\r'], " ")))
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    }
}

/// The error a plain form post came back with: its message and its field messages.
fn error_from_address(message: String, fields: Option<String>) -> AppError {
    let fields = fields
        .unwrap_or_default()
        .lines()
        .filter_map(|line| line.split_once(':'))
        .map(|(field, message)| FieldError {
            field: field.to_string(),
            message: message.to_string(),
        })
        .collect();
    AppError::Invalid { message, fields }
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
        query.get("done").map(Ok).or_else(|| {
            query
                .get("error")
                .map(|e| Err(error_from_address(e, query.get("fields"))))
        })
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

/// Like [`outcome_view`], leaving out errors about one of the `fields` (each is shown next to
/// its field by [`Field`]).
pub fn outcome_view_besides_fields(
    value: Option<Result<String, AppError>>,
    form: &str,
    fields: &[&str],
) -> impl IntoView {
    let outcome = form_outcome(value, form);
    let for_a_field = fields
        .iter()
        .any(|field| field_error(&outcome, field).is_some());
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

/// `"true"` when an outcome is an error about the field named `field`, for `aria-invalid`.
pub fn field_invalid(
    outcome: &Option<Result<String, AppError>>,
    field: &str,
) -> Option<&'static str> {
    field_error(outcome, field).map(|_| "true")
}

/// A labelled field of a form: the label, the control (the children; it points at the message
/// with `aria-describedby="{id}-error"` and sets `aria-invalid` from [`field_invalid`]), an
/// optional hint (`{id}-hint`), and the message about the field named `name` from the form's
/// last `outcome`, next to it.
#[component]
pub fn Field(
    /// The control's id.
    id: &'static str,
    label: &'static str,
    /// The control's name, which the errors about it carry.
    name: &'static str,
    #[prop(into)] outcome: Signal<Option<Result<String, AppError>>>,
    #[prop(optional)] hint: Option<&'static str>,
    children: Children,
) -> impl IntoView {
    view! {
        <div class="field">
            <label for=id>{label}</label>
            {children()}
            {hint.map(|hint| view! { <p class="hint" id=format!("{id}-hint")>{hint}</p> })}
            {move || {
                field_error(&outcome.get(), name)
                    .map(|message| view! { <p class="field-error" id=format!("{id}-error")>{message}</p> })
            }}
        </div>
    }
}

/// The content of a `<textarea>`. Leptos writes a textarea's children into the server's HTML
/// without escaping them, so typed text such as `</textarea><script>` would end the element
/// and become markup: on the server the text is escaped here (the browser decodes the entities
/// back into the same text). In the browser, nodes are created as text and need nothing.
pub fn textarea_text(text: &str) -> String {
    crate::ui::title::escaped_on_server(text)
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    #[test]
    fn field_messages_survive_the_trip_through_the_address() {
        let error = AppError::invalid_fields(vec![
            (
                "email",
                "Email",
                "Enter an email address: name@example.org.".into(),
            ),
            ("name", "Name", "Use at most\n120 characters.".into()),
        ]);
        let back = error_from_address(error.to_string(), Some(field_messages(&error)));
        assert_eq!(
            back.field_message("email"),
            Some("Enter an email address: name@example.org.")
        );
        assert_eq!(
            back.field_message("name"),
            Some("Use at most 120 characters.")
        );
        assert_eq!(back.field_message("password"), None);
        assert_eq!(back.to_string(), error.to_string());
        assert!(
            error
                .to_string()
                .starts_with("Email: Enter an email address")
        );
    }

    #[test]
    fn textarea_content_cannot_close_the_element() {
        assert_eq!(
            textarea_text("</textarea><script>x && y</script>"),
            "&lt;/textarea&gt;&lt;script&gt;x &amp;&amp; y&lt;/script&gt;"
        );
    }
}
