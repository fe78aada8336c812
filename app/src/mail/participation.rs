//! What a participant decides about reminder emails: the Profile's card (on or off) and the
//! one-click unsubscribe page of the digests.

use crate::error::AppError;
use crate::ui::data::resource;
use crate::ui::forms::outcome_view;
use crate::ui::title::PageTitle;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use serde::{Deserialize, Serialize};

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

/// What an unsubscribe link opens.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Unsubscribe {
    /// The person still gets reminder emails.
    Subscribed,
    Unsubscribed,
    Unknown,
}

#[server(endpoint = "unsubscribe/page")]
pub async fn unsubscribe_page(token: String) -> Result<Unsubscribe, AppError> {
    let db = expect_context::<crate::db::Db>();
    Ok(match super::store::unsubscribe_target(&db, &token).await? {
        Some((_, true)) => Unsubscribe::Subscribed,
        Some((_, false)) => Unsubscribe::Unsubscribed,
        None => Unsubscribe::Unknown,
    })
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

/// `/unsubscribe/{token}`: the page of a digest's unsubscribe link. Opening it changes nothing
/// (mail scanners open links); the button posts to the same address, as the one-click
/// `List-Unsubscribe-Post` of mail apps does.
#[component]
pub fn UnsubscribePage() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.with(|p| p.get("token").unwrap_or_default());
    let state = resource(token, unsubscribe_page);
    view! {
        <PageTitle text="Reminder emails · Mentoring Milestones"/>
        <h1>"Reminder emails"</h1>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let action = format!("/unsubscribe/{}", token());
                crate::ui::frame::or_error(state.await, move |state| match state {
                    Unsubscribe::Subscribed => view! {
                        <section class="card">
                            <p>"You get reminder emails about your mentoring milestones: at most one a day, when milestones are due soon or overdue."</p>
                            <form method="post" action=action>
                                <input type="hidden" name="List-Unsubscribe" value="One-Click"/>
                                <button type="submit" class="button">"Unsubscribe from reminder emails"</button>
                            </form>
                        </section>
                    }.into_any(),
                    Unsubscribe::Unsubscribed => view! {
                        <section class="card">
                            <p class="success" role="status">"You are unsubscribed: you get no more reminder emails."</p>
                            <p>"Changed your mind? Turn them back on from your " <a href="/profile">"Profile"</a> "."</p>
                        </section>
                    }.into_any(),
                    Unsubscribe::Unknown => view! {
                        <section class="card">
                            <p class="form-error">"This unsubscribe link does not work."</p>
                            <p>"Sign in and turn reminder emails off on your " <a href="/profile">"Profile"</a> "."</p>
                        </section>
                    }.into_any(),
                })
            })}
        </Suspense>
    }
}
