//! The fields a program's forms share.

use crate::error::AppError;
use crate::ui::forms::{Field, field_invalid};
use leptos::prelude::*;

/// A program's time zone field: an IANA name, typed or picked from the list.
#[component]
pub fn TimeZoneField(
    value: String,
    zones: Vec<String>,
    outcome: Signal<Option<Result<String, AppError>>>,
) -> impl IntoView {
    view! {
        <Field id="program-time-zone" label="Time zone" name="time_zone" outcome
            hint="The program's calendar: \"today\", publish dates and due dates follow it. An IANA name such as Europe/London.">
            <input id="program-time-zone" name="time_zone" type="text" required list="time-zones"
                value=value aria-invalid=move || field_invalid(&outcome.get(), "time_zone")
                aria-describedby="program-time-zone-hint program-time-zone-error" autocomplete="off"/>
            <datalist id="time-zones">
                {zones.into_iter().map(|z| view! { <option value=z></option> }).collect_view()}
            </datalist>
        </Field>
    }
}
