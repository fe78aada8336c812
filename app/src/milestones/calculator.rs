//! The due-date calculator: the shared due-date code running live in the browser, and as a plain
//! GET form when JavaScript is off.

use crate::kernel::due_date::{iso_date, readable_date};
use crate::milestones::{DueOffset, OffsetUnit};
use crate::ui::data::resource;
use crate::ui::day::Day;
use crate::ui::title::PageTitle;
use chrono::NaiveDate;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// Today on the server's calendar; serialised into the page so hydration agrees with it.
async fn today_for_defaults() -> NaiveDate {
    #[cfg(feature = "ssr")]
    {
        chrono::Utc::now().date_naive()
    }
    #[cfg(not(feature = "ssr"))]
    {
        chrono::Local::now().date_naive()
    }
}

#[component]
pub fn DueDatesPage() -> impl IntoView {
    let query = use_query_map();
    let today = resource(|| (), |_| today_for_defaults());
    view! {
        <PageTitle text="Due dates · Mentoring Milestones"/>
        <h1>"How due dates work"</h1>
        <p class="lede">
            "A milestone's due date is counted from the day its match is published: days, weeks "
            "or calendar months. When the publish date's day does not exist in the due month, "
            "the due date is that month's last day."
        </p>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let today = today.await;
                let params = query.get_untracked();
                let published = params
                    .get("on")
                    .unwrap_or_else(|| iso_date(today));
                let amount = params.get("amount").unwrap_or_else(|| "1".to_string());
                let unit = params.get("unit").unwrap_or_else(|| "months".to_string());
                view! { <Calculator published amount unit/> }
            })}
        </Suspense>
    }
}

/// What the calculator shows for the typed inputs.
#[derive(Clone, Debug, PartialEq)]
enum Outcome {
    Due {
        published: NaiveDate,
        offset: DueOffset,
        due: NaiveDate,
        clamped: bool,
    },
    BadDate,
    BadOffset(String),
}

fn calculate(published: &str, amount: &str, unit: &str) -> Outcome {
    let offset = match DueOffset::parse(amount, unit) {
        Ok(offset) => offset,
        Err(error) => return Outcome::BadOffset(error.to_string()),
    };
    let Ok(published) = NaiveDate::parse_from_str(published.trim(), "%Y-%m-%d") else {
        return Outcome::BadDate;
    };
    match offset.due_from(published) {
        Some(due) => Outcome::Due {
            published,
            offset,
            due,
            clamped: offset.clamps_from(published),
        },
        None => Outcome::BadDate,
    }
}

#[component]
fn Calculator(published: String, amount: String, unit: String) -> impl IntoView {
    let (published, set_published) = signal(published);
    let (amount, set_amount) = signal(amount);
    let (unit, set_unit) = signal(unit);
    let outcome = Memo::new(move |_| calculate(&published.get(), &amount.get(), &unit.get()));
    let offset_error = move || match outcome.get() {
        Outcome::BadOffset(message) => Some(message),
        _ => None,
    };
    let date_error = move || matches!(outcome.get(), Outcome::BadDate);

    view! {
        // novalidate: the app's own messages, the same with and without JavaScript.
        <form class="card calculator" method="get" action="/due-dates" novalidate>
            <div class="field">
                <label for="on">"Preview publish date"</label>
                <input
                    id="on"
                    name="on"
                    type="date"
                    required
                    value=published.get_untracked()
                    prop:value=published
                    on:input=move |ev| set_published.set(event_target_value(&ev))
                    aria-invalid=move || date_error().to_string()
                    aria-describedby="on-error"
                />
                <p id="on-error" class="field-error">
                    {move || date_error().then_some("Enter a date as YYYY-MM-DD.")}
                </p>
            </div>
            <fieldset class="field due-offset">
                <legend>"Due Date"</legend>
                <div class="inline">
                    <label for="amount" class="visually-hidden">"Number of days, weeks or months"</label>
                    <input
                        id="amount"
                        name="amount"
                        type="number"
                        inputmode="numeric"
                        min="0"
                        max="999"
                        step="1"
                        value=amount.get_untracked()
                        prop:value=amount
                        on:input=move |ev| set_amount.set(event_target_value(&ev))
                        aria-invalid=move || offset_error().is_some().to_string()
                        aria-describedby="amount-error"
                    />
                    <label for="unit" class="visually-hidden">"Unit"</label>
                    <select
                        id="unit"
                        name="unit"
                        on:change=move |ev| set_unit.set(event_target_value(&ev))
                    >
                        {OffsetUnit::ALL
                            .into_iter()
                            .map(|choice| {
                                view! {
                                    <option
                                        value=choice.as_str()
                                        selected=move || {
                                            OffsetUnit::parse(&unit.get()) == Some(choice)
                                        }
                                    >
                                        {choice.label()}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                    <span>"after the match is published"</span>
                </div>
                <p id="amount-error" class="field-error">{offset_error}</p>
            </fieldset>
            <noscript>
                <button type="submit" class="button">"Calculate"</button>
            </noscript>
            <output class="result" for="on amount unit" aria-live="polite">
                {move || match outcome.get() {
                    Outcome::Due { published, offset, due, clamped } => {
                        view! {
                            <p>
                                "Due " <strong>{offset.describe().to_lowercase()}</strong>
                                ": for a match published on "
                                <Day date=published/>
                                ", the due date is "
                                <Day date=due class="due"/>
                                "."
                            </p>
                            {clamped.then(|| view! {
                                <p class="note clamp-note">
                                    {format!(
                                        "{} has no day {}, so the due date moves to its last day, {}.",
                                        due.format("%B %Y"),
                                        published.format("%-d"),
                                        readable_date(due),
                                    )}
                                </p>
                            })}
                        }
                            .into_any()
                    }
                    _ => view! { <p>"Correct the fields above to see the due date."</p> }.into_any(),
                }}
            </output>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_calculator_notes_month_end_clamping() {
        match calculate("2026-01-31", "1", "months") {
            Outcome::Due { due, clamped, .. } => {
                assert_eq!(due, NaiveDate::from_ymd_opt(2026, 2, 28).expect("valid"));
                assert!(clamped);
            }
            other => panic!("expected a due date, got {other:?}"),
        }
    }

    #[test]
    fn the_calculator_explains_bad_input() {
        assert_eq!(calculate("2026-02-30", "1", "days"), Outcome::BadDate);
        assert_eq!(
            calculate("2026-01-31", "1000", "days"),
            Outcome::BadOffset("Enter a number from 0 to 999.".to_string())
        );
    }
}
