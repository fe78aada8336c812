//! What a participant decides about reminder emails: the Profile's card (on or off) and the
//! server functions behind it.

use crate::error::AppError;
use crate::ui::data::resource;
use crate::ui::forms::outcome_view;
use leptos::prelude::*;

/// Whether the signed-in person gets reminder emails.
#[server(endpoint = "participation/reminder-emails")]
pub async fn my_reminder_emails() -> Result<bool, AppError> {
    use crate::accounts::access::{Permission, require};
    let user = require(Permission::OwnParticipation)?;
    let db = expect_context::<crate::db::Db>();
    super::store::wants_reminders(&db, user.id).await
}

/// Turns the signed-in person's reminder emails on or off.
#[server(endpoint = "participation/set-reminder-emails")]
pub async fn set_reminder_emails(on: bool) -> Result<String, AppError> {
    use crate::accounts::access::{Permission, require};
    let outcome = async {
        let user = require(Permission::OwnParticipation)?;
        let db = expect_context::<crate::db::Db>();
        super::store::set_wants_reminders(&db, user.id, on).await?;
        Ok(if on {
            "Reminder emails are on: at most one a day, when milestones are due soon or overdue."
                .to_string()
        } else {
            "Reminder emails are off: you get none.".to_string()
        })
    }
    .await;
    crate::ui::forms::answer_plain_form("/profile", "reminder-emails", &outcome);
    outcome
}

/// The Profile's "Reminder emails" card: whether they come, and the switch.
#[component]
pub fn ReminderEmailsCard() -> impl IntoView {
    let set = ServerAction::<SetReminderEmails>::new();
    let on = resource(move || set.version().get(), |_| my_reminder_emails());
    view! {
        <section class="card" aria-labelledby="reminder-emails-heading">
            <h2 id="reminder-emails-heading">"Reminder emails"</h2>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    crate::ui::frame::or_error(on.await, move |on| {
                        let (state, button, next) = if on {
                            ("On: when your program sends reminders, you get at most one email a day listing your milestones due soon and overdue, each with a one-click Mark complete link.", "Turn reminder emails off", "false")
                        } else {
                            ("Off: you get no reminder emails.", "Turn reminder emails on", "true")
                        };
                        view! {
                            <p>{state}</p>
                            <ActionForm action=set>
                                <input type="hidden" name="on" value=next/>
                                <button type="submit" class="button secondary">{button}</button>
                            </ActionForm>
                        }.into_any()
                    })
                })}
            </Suspense>
            <div aria-live="polite">{move || outcome_view(set.value().get(), "reminder-emails")}</div>
        </section>
    }
}
