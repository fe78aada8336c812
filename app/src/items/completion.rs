//! The one-click completion: server functions, and the rows and message the QuickcliQ and the
//! Profile share. A row changes at once when clicked; the server's answer confirms or reverts it.

use super::{Item, ItemKey, ItemState, Source};
use crate::error::AppError;
use crate::milestones::{Category, ItemStatus};
use crate::ui::day::Day;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use std::collections::HashMap;

#[server(endpoint = "items/mine")]
pub async fn my_items() -> Result<Vec<Item>, AppError> {
    use crate::accounts::access::{Permission, require};
    let user = require(Permission::OwnParticipation)?;
    let db = expect_context::<crate::db::Db>();
    super::store::items_for(&db, user.id).await
}

/// How many of the signed-in person's own open items are overdue and due soon (for the
/// header).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ItemCounts {
    pub overdue: usize,
    pub due_soon: usize,
}

#[server(endpoint = "items/counts")]
pub async fn my_item_counts() -> Result<ItemCounts, AppError> {
    use crate::accounts::access::{Permission, require};
    let user = require(Permission::OwnParticipation)?;
    let db = expect_context::<crate::db::Db>();
    let items = super::store::items_for(&db, user.id).await?;
    let count = |status: ItemStatus| {
        items
            .iter()
            .filter(|i| i.mine && !i.closed && i.status == status)
            .count()
    };
    Ok(ItemCounts {
        overdue: count(ItemStatus::Overdue),
        due_soon: count(ItemStatus::DueSoon),
    })
}

#[cfg(feature = "ssr")]
fn back_to(page: &str, key: ItemKey, outcome: &Result<ItemState, AppError>, undo: bool) {
    if !crate::ui::forms::is_plain_form_post() {
        return;
    }
    let page = match page {
        "profile" => "/profile".to_string(),
        // An admin completes from a match's page: back there.
        "admin" => admin_page().unwrap_or_else(|| "/programs".to_string()),
        _ => "/quickcliq".to_string(),
    };
    match outcome {
        Ok(state) if state.completed && !undo => {
            let (m, e, x) = (
                key.milestone_id.to_string(),
                key.enrollment_id.to_string(),
                key.match_id.map(|m| m.to_string()).unwrap_or_default(),
            );
            crate::ui::forms::redirect_with_flash(
                &page,
                "item",
                Ok(state.message.clone()),
                &[("m", &m), ("e", &e), ("x", &x)],
            );
        }
        Ok(state) => {
            crate::ui::forms::redirect_with_flash(&page, "item", Ok(state.message.clone()), &[])
        }
        Err(error) => crate::ui::forms::redirect_with_flash(&page, "item", Err(error.clone()), &[]),
    }
}

/// The match page an admin's plain form came from (its path only, and only a program page).
#[cfg(feature = "ssr")]
fn admin_page() -> Option<String> {
    let parts = use_context::<http::request::Parts>()?;
    let referer = parts.headers.get(http::header::REFERER)?.to_str().ok()?;
    let uri: http::Uri = referer.parse().ok()?;
    let path = uri.path();
    (path.starts_with("/programs/")
        && path.contains("/matches/")
        && path.chars().all(|c| c.is_ascii_alphanumeric() || c == '/'))
    .then(|| path.to_string())
}

/// Refuses a change when the person has made too many too fast.
#[cfg(feature = "ssr")]
pub fn throttled(user_id: i64) -> Result<(), AppError> {
    let allowed = use_context::<std::sync::Arc<super::throttle::ChangeThrottle>>()
        .is_none_or(|throttle| throttle.allow(user_id));
    if allowed {
        Ok(())
    } else {
        Err(AppError::invalid(
            "That is a lot of changes at once. Please wait a minute and try again.",
        ))
    }
}

#[server(endpoint = "items/complete")]
pub async fn complete_item(
    milestone_id: i64,
    enrollment_id: i64,
    #[server(default)] match_id: Option<i64>,
    #[server(default)] source: String,
) -> Result<ItemState, AppError> {
    use crate::accounts::access::{Permission, require};
    let user = require(Permission::OwnParticipation)?;
    let db = expect_context::<crate::db::Db>();
    let key = ItemKey {
        milestone_id,
        enrollment_id,
        match_id,
    };
    let from = Source::from_page(&source);
    let outcome = match throttled(user.id) {
        Err(error) => Err(error),
        Ok(()) => super::store::complete(&db, &user, key, from).await,
    };
    back_to(&source, key, &outcome, false);
    outcome
}

#[server(endpoint = "items/undo")]
pub async fn undo_item(
    milestone_id: i64,
    enrollment_id: i64,
    #[server(default)] match_id: Option<i64>,
    #[server(default)] source: String,
) -> Result<ItemState, AppError> {
    use crate::accounts::access::{Permission, require};
    let user = require(Permission::OwnParticipation)?;
    let db = expect_context::<crate::db::Db>();
    let key = ItemKey {
        milestone_id,
        enrollment_id,
        match_id,
    };
    let from = Source::from_page(&source);
    let outcome = match throttled(user.id) {
        Err(error) => Err(error),
        Ok(()) => super::store::undo(&db, &user, key, from).await,
    };
    back_to(&source, key, &outcome, true);
    outcome
}

/// What the page knows beyond the loaded items: completions and undos made since, by key, and
/// the message under the list.
#[derive(Clone, Copy)]
pub struct Completion {
    /// `true` completed, `false` open again; absent: as loaded.
    pub overrides: RwSignal<HashMap<ItemKey, bool>>,
    pub message: RwSignal<Option<Notice>>,
    pub source: Source,
    /// Told of each confirmed change, so the header's counts load again.
    changed: Option<crate::ui::changes::ItemsChanged>,
}

/// The message under the list: what happened, with Undo after a completion.
#[derive(Clone, Debug, PartialEq)]
pub struct Notice {
    pub id: u64,
    pub text: String,
    pub error: bool,
    pub undo: Option<ItemKey>,
}

/// How long the message with Undo stays.
pub const NOTICE_MILLIS: u32 = 8_000;

impl Completion {
    pub fn new(source: Source) -> Self {
        Completion {
            overrides: RwSignal::new(HashMap::new()),
            message: RwSignal::new(None),
            source,
            changed: crate::ui::changes::ItemsChanged::here(),
        }
    }

    /// Whether the item shows as completed now.
    pub fn is_completed(self, item: &Item) -> bool {
        self.overrides
            .read()
            .get(&item.key)
            .copied()
            .unwrap_or(matches!(item.status, ItemStatus::Completed { .. }))
    }

    fn notify(self, text: String, error: bool, undo: Option<ItemKey>) {
        let id = self.message.get_untracked().map_or(1, |n| n.id + 1);
        self.message.set(Some(Notice {
            id,
            text,
            error,
            undo,
        }));
        #[cfg(feature = "hydrate")]
        {
            let message = self.message;
            gloo_timers::callback::Timeout::new(NOTICE_MILLIS, move || {
                if message.get_untracked().is_some_and(|n| n.id == id) {
                    message.set(None);
                }
            })
            .forget();
        }
    }

    /// The click: the row shows completed at once, then the server is asked; a refusal or a
    /// failure puts the row back and says why.
    pub fn mark(self, key: ItemKey, was_completed: bool) {
        self.overrides.update(|o| {
            o.insert(key, true);
        });
        let source = self.source.as_str().to_string();
        leptos::task::spawn_local(async move {
            match complete_item(key.milestone_id, key.enrollment_id, key.match_id, source).await {
                Ok(state) => {
                    if let Some(changed) = self.changed {
                        changed.bump();
                    }
                    self.notify(state.message, false, Some(key))
                }
                Err(error) => {
                    self.overrides.update(|o| {
                        o.insert(key, was_completed);
                    });
                    self.notify(error.to_string(), true, None);
                }
            }
        });
    }

    pub fn unmark(self, key: ItemKey) {
        self.overrides.update(|o| {
            o.insert(key, false);
        });
        let source = self.source.as_str().to_string();
        leptos::task::spawn_local(async move {
            match undo_item(key.milestone_id, key.enrollment_id, key.match_id, source).await {
                Ok(state) => {
                    if let Some(changed) = self.changed {
                        changed.bump();
                    }
                    self.notify(state.message, false, None)
                }
                Err(error) => {
                    self.overrides.update(|o| {
                        o.insert(key, true);
                    });
                    self.notify(error.to_string(), true, None);
                }
            }
        });
    }
}

/// The hidden fields naming an item, for the plain forms.
fn key_fields(key: ItemKey, source: Source) -> impl IntoView {
    view! {
        <input type="hidden" name="milestone_id" value=key.milestone_id.to_string()/>
        <input type="hidden" name="enrollment_id" value=key.enrollment_id.to_string()/>
        {key.match_id.map(|m| view! { <input type="hidden" name="match_id" value=m.to_string()/> })}
        <input type="hidden" name="source" value=source.as_str()/>
    }
}

/// One item: its name, partner, due date, status and (if it is the person's own) the button.
/// The button is a plain form post; once the page is interactive the click is handled here.
#[component]
pub fn ItemRow(item: Item, completion: Completion) -> impl IntoView {
    let key = item.key;
    let loaded_completed = matches!(item.status, ItemStatus::Completed { .. });
    let done = {
        let item = item.clone();
        move || completion.is_completed(&item)
    };
    let status = {
        let done = done.clone();
        let status = item.status;
        move || {
            if done() && !matches!(status, ItemStatus::Completed { .. }) {
                ("completed", "Completed".to_string())
            } else if !done() && matches!(status, ItemStatus::Completed { .. }) {
                ("upcoming", "Open".to_string())
            } else {
                (status.css_class(), status.label().to_string())
            }
        }
    };
    let status_class = {
        let status = status.clone();
        move || format!("badge status {}", status().0)
    };
    let status_text = move || status().1;
    let name = item.milestone_name.clone();
    let label = format!("Mark {name} complete");
    let mine = item.mine;
    let open = item.status.is_open() || loaded_completed;
    let source = completion.source;
    let action = CompleteItem::url();
    let undo_action = UndoItem::url();
    let by_me = item.completed_by_me;
    let closed = item.closed;
    let done_for_button = done.clone();
    let button = move || {
        let done = done_for_button.clone();
        if !mine || !open {
            return None;
        }
        let done_now = done();
        Some(if !done_now {
            view! {
                <form method="post" action=action class="complete-form"
                    on:submit=move |ev| {
                        ev.prevent_default();
                        completion.mark(key, loaded_completed && !done_now);
                    }>
                    {key_fields(key, source)}
                    <button type="submit" class="button small">{label.clone()}</button>
                </form>
            }
            .into_any()
        } else if by_me && loaded_completed && !closed {
            // Undo in the row only for completions loaded with the page: right after a click the
            // row's button spot stays empty (Undo is in the message), so a double click cannot
            // undo what the first click did.
            view! {
                <form method="post" action=undo_action class="complete-form"
                    on:submit=move |ev| {
                        ev.prevent_default();
                        completion.unmark(key);
                    }>
                    {key_fields(key, source)}
                    <button type="submit" class="button secondary small" aria-label=format!("Undo {name}")>"Undo"</button>
                </form>
            }
            .into_any()
        } else {
            ().into_any()
        })
    };
    let partner = match (item.category, item.partner_name.clone()) {
        _ if item.for_person.is_some() => format!(
            "{} · for {}",
            item.category.label(),
            item.for_person.clone().unwrap_or_default()
        ),
        (Category::Relationship, Some(partner)) if item.mine => format!("with {partner}"),
        (Category::Relationship, Some(partner)) => format!("{partner}'s milestone"),
        _ => "Program milestone".to_string(),
    };
    view! {
        <tr class:done=done>
            <th scope="row">{item.milestone_name.clone()}<span class="sub">{partner}" · "{item.program_name.clone()}</span>
                <ItemDetails description=item.description.clone() linked=item.linked.clone()/>
            </th>
            <td><Day date=item.due/></td>
            <td><span class=status_class>{status_text}</span>
                {item.completed_on.map(|d| view! { <span class="sub">"on "<Day date=d/></span> })}
            </td>
            <td class="item-action">{button}</td>
        </tr>
    }
}

/// What a milestone asks, under its name: the description's first line, and a "Details"
/// disclosure (`<details>`, so it works without JavaScript) with the whole description, its
/// safe links, and the Resource Library entries it links to.
#[component]
fn ItemDetails(description: String, linked: Vec<super::LinkedResource>) -> impl IntoView {
    if description.trim().is_empty() && linked.is_empty() {
        return ().into_any();
    }
    let first_line =
        crate::kernel::text::excerpt(&crate::kernel::links::first_line(&description), 90);
    view! {
        <details class="item-details">
            <summary>
                <span class="first-line">{first_line}</span>
                " "
                <span class="details-label">"Details"</span>
            </summary>
            <div class="description">
                <crate::ui::description::DescriptionText text=description/>
            </div>
            {(!linked.is_empty()).then(|| view! {
                <ul class="linked-resources" aria-label="Resources">
                    {linked.into_iter().map(|r| view! {
                        <li>
                            <a href=r.url target="_blank" rel="noopener noreferrer">{r.title}<span class="visually-hidden">" (opens in a new tab)"</span></a>
                            " "
                            <span class="badge kind">{r.kind}</span>
                        </li>
                    }).collect_view()}
                </ul>
            })}
        </details>
    }
    .into_any()
}

/// A table of items with their completion buttons.
#[component]
pub fn ItemsTable(items: Vec<Item>, completion: Completion) -> impl IntoView {
    view! {
        <table class="items">
            <thead>
                <tr>
                    <th scope="col">"Milestone"</th>
                    <th scope="col">"Due"</th>
                    <th scope="col">"Status"</th>
                    <th scope="col"><span class="visually-hidden">"Action"</span></th>
                </tr>
            </thead>
            <tbody>
                {items.into_iter().map(|item| view! { <ItemRow item completion/> }).collect_view()}
            </tbody>
        </table>
    }
}

/// The message region: the last completion's message with Undo, or why a click failed. After a
/// plain form post it shows the outcome from the address, with an Undo form.
#[component]
pub fn CompletionNotice(completion: Completion) -> impl IntoView {
    let plain = crate::ui::forms::form_outcome(None, "item");
    let flash = crate::ui::flash::page_flash("item");
    let plain_undo = flash.and_then(|flash| {
        Some(ItemKey {
            milestone_id: flash.kept("m")?.parse().ok()?,
            enrollment_id: flash.kept("e")?.parse().ok()?,
            match_id: flash.kept("x").and_then(|x| x.parse().ok()),
        })
    });
    let source = completion.source;
    view! {
        <div class="notice-region" aria-live="polite" role="status">
            {move || match completion.message.get() {
                Some(notice) => view! {
                    <p class=if notice.error { "form-error" } else { "success" }>
                        {notice.text.clone()}
                        {notice.undo.map(|key| view! {
                            " "
                            <button type="button" class="button secondary small" on:click=move |_| completion.unmark(key)>"Undo"</button>
                        })}
                    </p>
                }.into_any(),
                None => match plain.clone() {
                    Some(Ok(text)) => view! {
                        <p class="success">{text}
                            {plain_undo.map(|key| view! {
                                " "
                                <form method="post" action=UndoItem::url() class="complete-form inline-form">
                                    {key_fields(key, source)}
                                    <button type="submit" class="button secondary small">"Undo"</button>
                                </form>
                            })}
                        </p>
                    }.into_any(),
                    Some(Err(error)) => view! { <p class="form-error">{error.to_string()}</p> }.into_any(),
                    None => ().into_any(),
                },
            }}
        </div>
    }
}
