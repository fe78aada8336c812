//! The private calendar feed: each participant's open milestones as an ICS address their
//! calendar app subscribes to, shown on the Profile with Copy and Reset address.

#[cfg(feature = "ssr")]
pub mod feed;
#[cfg(feature = "ssr")]
pub mod store;

use crate::error::AppError;
use crate::ui::data::resource;
use crate::ui::forms::outcome_view;
use leptos::prelude::*;

/// The path of a feed, from its token.
pub fn feed_path(token: &str) -> String {
    format!("/calendar/{token}.ics")
}

/// The absolute address of the site, as the server was told (`PUBLIC_URL`).
#[cfg(feature = "ssr")]
fn public_url() -> Result<crate::kernel::public_url::PublicUrl, AppError> {
    use_context::<crate::kernel::public_url::PublicUrl>()
        .ok_or_else(|| AppError::internal("the site's public address is not configured"))
}

/// The signed-in person's calendar address (made on first use).
#[server(endpoint = "participation/calendar-address")]
pub async fn my_calendar_address() -> Result<String, AppError> {
    use crate::accounts::access::{Permission, require};
    let user = require(Permission::OwnParticipation)?;
    let db = expect_context::<crate::db::Db>();
    let (token, _) = store::token_of(&db, user.id).await?;
    Ok(public_url()?.join(&feed_path(&token)))
}

/// Gives the signed-in person a new calendar address; the old one stops working.
#[server(endpoint = "participation/reset-calendar-address")]
pub async fn reset_calendar_address() -> Result<String, AppError> {
    use crate::accounts::access::{Permission, require};
    let outcome = async {
        let user = require(Permission::OwnParticipation)?;
        let db = expect_context::<crate::db::Db>();
        store::reset(&db, user.id).await?;
        Ok(
            "Your calendar address was reset: the old one no longer works. Subscribe to the new \
             one in your calendar app."
                .to_string(),
        )
    }
    .await;
    crate::ui::forms::answer_plain_form("/profile", "calendar", &outcome);
    outcome
}

/// The Profile's "Your calendar" card: the address, Copy (once interactive) and Reset address.
#[component]
pub fn CalendarCard() -> impl IntoView {
    let reset = ServerAction::<ResetCalendarAddress>::new();
    let address = resource(move || reset.version().get(), |_| my_calendar_address());
    view! {
        <section class="card calendar" aria-labelledby="calendar-heading">
            <h2 id="calendar-heading">"Your calendar"</h2>
            <p>"Subscribe to this private address in your calendar app (Google Calendar, Outlook, Apple Calendar) to see each open milestone on its due date. Completed milestones leave it."</p>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    crate::ui::frame::or_error(address.await, move |url| {
                        view! {
                            <crate::ui::copy::CopyField id="calendar-address" label="Calendar address" value=url
                                hint="Anyone with this address can read your milestones' names and due dates: keep it to yourself. Reset it if it was shared.".to_string()
                                copied_text="Copied the address."/>
                        }.into_any()
                    })
                })}
            </Suspense>
            <div aria-live="polite">{move || outcome_view(reset.value().get(), "calendar")}</div>
            <ActionForm action=reset>
                <button type="submit" class="button secondary">"Reset address"</button>
            </ActionForm>
        </section>
    }
}
