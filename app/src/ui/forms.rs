//! Forms that work before the WebAssembly loads and with JavaScript off: a plain form post
//! comes back to its page with the outcome handed over by the server (see `ui::flash`), and the
//! page shows it next to the form; once hydrated, the same forms run as server actions and show the same messages.

use crate::error::AppError;
use leptos::prelude::*;

/// Without JavaScript a form post would get the server function's raw answer: send the browser
/// back to `page` instead, where the outcome of `form` shows (handed over through the session,
/// never written in the address).
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
    if !is_plain_form_post() {
        return;
    }
    let keep = if outcome.is_err() { keep } else { &[] };
    redirect_with_flash(page, form, outcome.clone(), keep);
}

/// Sends the browser to `page` (a path, with or without a query) where `outcome` shows once.
#[cfg(feature = "ssr")]
pub fn redirect_with_flash(
    page: &str,
    form: &str,
    outcome: Result<String, AppError>,
    keep: &[(&str, &str)],
) {
    let path = page.split(['?', '#']).next().unwrap_or(page);
    crate::ui::flash::hand_over(&crate::ui::flash::Flash {
        path: path.to_string(),
        form: form.to_string(),
        outcome,
        keep: keep
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    });
    leptos_axum::redirect(page);
}

/// After a form that succeeded, moves the person to another page (a new program, the list a
/// saved milestone is in), where `message` shows as the outcome of `form`: through the session
/// after a plain post, in the address of the app's own move once hydrated (see `ui::flash`).
#[cfg(feature = "ssr")]
pub fn move_to_with_message(page: &str, form: &str, message: &str) {
    if is_plain_form_post() {
        redirect_with_flash(page, form, Ok(message.to_string()), &[]);
    } else {
        leptos_axum::redirect(&format!(
            "{page}?form={form}&done={}",
            crate::kernel::text::encode_query_value(message)
        ));
    }
}

/// A value typed into `form` before a plain post that was refused, to show again.
pub fn kept_value(form: &str, name: &str) -> Option<String> {
    crate::ui::flash::page_flash(form)
        .filter(|flash| flash.outcome.is_err())
        .and_then(|flash| flash.kept(name))
}

/// The message about the field named `field` in a form's outcome.
pub fn field_error(outcome: &Option<Result<String, AppError>>, field: &str) -> Option<String> {
    match outcome {
        Some(Err(error)) => error.field_message(field).map(str::to_string),
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

/// The outcome of the last submission of `form`: from the action once hydrated, from the
/// server after a plain form post, or from a hydrated form's redirect inside the app.
pub fn form_outcome(
    value: Option<Result<String, AppError>>,
    form: &str,
) -> Option<Result<String, AppError>> {
    value
        .or_else(|| crate::ui::flash::page_flash(form).map(|flash| flash.outcome))
        .or_else(|| crate::ui::flash::redirect_message(form).map(Ok))
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
    fn textarea_content_cannot_close_the_element() {
        assert_eq!(
            textarea_text("</textarea><script>x && y</script>"),
            "&lt;/textarea&gt;&lt;script&gt;x &amp;&amp; y&lt;/script&gt;"
        );
    }
}
