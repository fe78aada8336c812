//! Email check-ins: `/check-in/{token}`, the page a reminder email's link opens. Without signing
//! in, it shows one milestone of one person and one **Mark «name» complete** button; the click
//! is a POST (mail scanners open links, never submit forms), recorded with the source "Email".
//! The token opens that item only, for that purpose only, until it expires; it never signs
//! anyone in.

#[cfg(feature = "ssr")]
pub mod store;

use crate::error::AppError;
use crate::items::{Item, ItemState};
use crate::ui::data::resource;
use crate::ui::day::Day;
use crate::ui::description::DescriptionText;
use crate::ui::title::PageTitle;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use serde::{Deserialize, Serialize};

/// What a check-in link opens.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CheckIn {
    /// The item, open or completed.
    Item(Box<Item>),
    /// The link is older than its 30 days.
    Expired,
    /// The link was never issued, or its person or item is gone.
    Unknown,
}

/// The item a token opens, for its person, with the person's account (a disabled account's
/// links open nothing).
#[cfg(feature = "ssr")]
async fn opened(
    db: &crate::db::Db,
    token: &str,
) -> Result<Result<(crate::accounts::CurrentUser, Item), CheckIn>, AppError> {
    use store::Opened;
    let (user_id, key) = match store::open(db, token, chrono::Utc::now()).await? {
        Opened::Item { user_id, key } => (user_id, key),
        Opened::Expired => return Ok(Err(CheckIn::Expired)),
        Opened::Unknown => return Ok(Err(CheckIn::Unknown)),
    };
    let Some(user) = crate::accounts::store::load_current_user(db, user_id).await? else {
        return Ok(Err(CheckIn::Unknown));
    };
    let item = crate::items::store::items_for(db, user_id)
        .await?
        .into_iter()
        .find(|item| item.key == key && item.mine);
    Ok(match item {
        Some(item) => Ok((user, item)),
        None => Err(CheckIn::Unknown),
    })
}

#[server(endpoint = "check-in/page")]
pub async fn check_in_page(token: String) -> Result<CheckIn, AppError> {
    let db = expect_context::<crate::db::Db>();
    Ok(match opened(&db, &token).await? {
        Ok((_, item)) => CheckIn::Item(Box::new(item)),
        Err(refusal) => refusal,
    })
}

/// Why a check-in link cannot change anything, as one sentence.
#[cfg(feature = "ssr")]
fn refused(refusal: CheckIn) -> AppError {
    match refusal {
        CheckIn::Expired => AppError::invalid(
            "This check-in link has expired. Sign in to mark your milestones complete.",
        ),
        _ => AppError::invalid(
            "This check-in link does not work. Sign in to mark your milestones complete.",
        ),
    }
}

/// Completes the token's item, once, recorded as made from an email.
#[server(endpoint = "check-in/complete")]
pub async fn check_in_complete(token: String) -> Result<ItemState, AppError> {
    let db = expect_context::<crate::db::Db>();
    let outcome = async {
        let (user, item) = opened(&db, &token).await?.map_err(refused)?;
        crate::items::completion::throttled(user.id)?;
        crate::items::store::complete(&db, &user, item.key, crate::items::Source::Email).await
    }
    .await;
    answer(&token, &outcome, true);
    outcome
}

/// Undoes a completion made from the check-in page (the page offers it for 8 seconds).
#[server(endpoint = "check-in/undo")]
pub async fn check_in_undo(token: String) -> Result<ItemState, AppError> {
    let db = expect_context::<crate::db::Db>();
    let outcome = async {
        let (user, item) = opened(&db, &token).await?.map_err(refused)?;
        crate::items::completion::throttled(user.id)?;
        crate::items::store::undo(&db, &user, item.key, crate::items::Source::Email).await
    }
    .await;
    answer(&token, &outcome, false);
    outcome
}

/// Without JavaScript: back to the check-in page, with the message (and Undo after a
/// completion).
#[cfg(feature = "ssr")]
fn answer(token: &str, outcome: &Result<ItemState, AppError>, completing: bool) {
    if !crate::ui::forms::is_plain_form_post() {
        return;
    }
    let page = format!("/check-in/{token}");
    match outcome {
        Ok(state) if completing && state.completed => crate::ui::forms::redirect_with_flash(
            &page,
            "check-in",
            Ok(state.message.clone()),
            &[("undo", "1")],
        ),
        Ok(state) => {
            crate::ui::forms::redirect_with_flash(&page, "check-in", Ok(state.message.clone()), &[])
        }
        Err(error) => {
            crate::ui::forms::redirect_with_flash(&page, "check-in", Err(error.clone()), &[])
        }
    }
}

/// The message after a click: what happened, and whether Undo is offered.
#[derive(Clone, Debug, PartialEq)]
struct Notice {
    outcome: Result<String, AppError>,
    undo: bool,
}

/// `/check-in/{token}`.
#[component]
pub fn CheckInPage() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let complete = ServerAction::<CheckInComplete>::new();
    let undo = ServerAction::<CheckInUndo>::new();
    let data = resource(
        move || (token(), complete.version().get(), undo.version().get()),
        |(token, _, _)| check_in_page(token),
    );
    // After a plain form post, the server hands the outcome over with the page.
    let notice = RwSignal::new(
        crate::ui::flash::page_flash("check-in").map(|flash| Notice {
            undo: flash.outcome.is_ok() && flash.kept("undo").is_some(),
            outcome: flash.outcome,
        }),
    );
    Effect::new(move |_| {
        if let Some(outcome) = complete.value().get() {
            let undo = matches!(&outcome, Ok(state) if state.completed);
            notice.set(Some(Notice {
                outcome: outcome.map(|state| state.message),
                undo,
            }));
            #[cfg(feature = "hydrate")]
            gloo_timers::callback::Timeout::new(
                crate::items::completion::NOTICE_MILLIS,
                move || {
                    notice.update(|n| {
                        if let Some(n) = n {
                            n.undo = false;
                        }
                    });
                },
            )
            .forget();
        }
    });
    Effect::new(move |_| {
        if let Some(outcome) = undo.value().get() {
            notice.set(Some(Notice {
                outcome: outcome.map(|state| state.message),
                undo: false,
            }));
        }
    });
    view! {
        <PageTitle text="Check in · Mentoring Milestones"/>
        <div class="narrow check-in">
            <h1>"Check in"</h1>
            <div class="notice-region" aria-live="polite" role="status">
                {move || notice.get().map(|n| match n.outcome {
                    Ok(message) => view! {
                        <p class="success">{message}</p>
                        {n.undo.then(|| view! {
                            <ActionForm action=undo>
                                <input type="hidden" name="token" value=token()/>
                                <button type="submit" class="button secondary">"Undo"</button>
                            </ActionForm>
                        })}
                    }.into_any(),
                    Err(error) => view! { <p class="form-error">{error.to_string()}</p> }.into_any(),
                })}
            </div>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    crate::ui::frame::or_error(data.await, move |check_in| match check_in {
                        CheckIn::Item(item) => view! { <CheckInItem item=*item token=token() complete/> }.into_any(),
                        CheckIn::Expired => view! {
                            <section class="card">
                                <h2>"This link has expired"</h2>
                                <p>"Check-in links work for 30 days. Sign in to see your milestones and mark them complete."</p>
                                <a class="button" href="/sign-in?next=/quickcliq">"Sign in"</a>
                            </section>
                        }.into_any(),
                        CheckIn::Unknown => view! {
                            <section class="card">
                                <h2>"This link does not work"</h2>
                                <p>"It may be mistyped, or no longer valid. Sign in to see your milestones and mark them complete."</p>
                                <a class="button" href="/sign-in?next=/quickcliq">"Sign in"</a>
                            </section>
                        }.into_any(),
                    })
                })}
            </Suspense>
        </div>
    }
}

/// The milestone a link opens, with its one button (or word that it is done).
#[component]
fn CheckInItem(
    item: Item,
    token: String,
    complete: ServerAction<CheckInComplete>,
) -> impl IntoView {
    use crate::milestones::ItemStatus;
    let completed = matches!(item.status, ItemStatus::Completed { .. });
    let with = match &item.partner_name {
        Some(partner) => format!("With {partner} · {}", item.program_name),
        None => item.program_name.clone(),
    };
    let name = item.milestone_name.clone();
    let button = format!("Mark {} complete", item.milestone_name);
    let linked = item.linked.clone();
    view! {
        <section class="card" aria-labelledby="check-in-item">
            <h2 id="check-in-item">{item.milestone_name.clone()}</h2>
            <p class="meta">{with}</p>
            <p>"Due " <Day date=item.due/> " · " <span class=format!("badge {}", item.status.css_class())>{item.status.label()}</span></p>
            {(!item.description.trim().is_empty()).then(|| view! {
                <p class="description"><DescriptionText text=item.description.clone()/></p>
            })}
            {(!linked.is_empty()).then(|| view! {
                <h3 id="check-in-resources">"Resources"</h3>
                <ul aria-labelledby="check-in-resources">
                    {linked.into_iter().map(|r| view! {
                        <li>
                            <a href=r.url target="_blank" rel="noopener noreferrer">{r.title}<span class="visually-hidden">" (opens in a new tab)"</span></a>
                            " " <span class="badge kind">{r.kind}</span>
                        </li>
                    }).collect_view()}
                </ul>
            })}
            {if completed {
                view! {
                    <p class="done">{format!("{name} is already completed.")}
                        {item.completed_on.map(|d| view! { " Marked complete on " <Day date=d/> "." })}
                    </p>
                    <p><a href="/sign-in?next=/quickcliq">"Sign in to see all your milestones"</a></p>
                }.into_any()
            } else if item.closed {
                view! { <p>"This milestone's match has ended: it can no longer be completed."</p> }.into_any()
            } else {
                view! {
                    <ActionForm action=complete>
                        <input type="hidden" name="token" value=token/>
                        <button type="submit" class="button check-in-button">{button}</button>
                    </ActionForm>
                }.into_any()
            }}
        </section>
    }
}
