//! The QuickcliQ: a participant's landing page.

use crate::error::AppError;
use crate::kernel::roles::{MatchState, Role};
use crate::ui::data::resource;
use crate::ui::day::Day;
use crate::ui::title::PageTitle;
use chrono::NaiveDate;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// One of the signed-in person's published or ended matches.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct MyMatch {
    pub id: i64,
    pub program: String,
    #[cfg_attr(feature = "ssr", sqlx(try_from = "String"))]
    pub state: MatchState,
    #[cfg_attr(feature = "ssr", sqlx(try_from = "String"))]
    pub my_role: Role,
    pub partner: String,
    pub published_on: Option<NaiveDate>,
    pub ended_on: Option<NaiveDate>,
}

#[server(endpoint = "participation/my-matches")]
pub async fn my_matches() -> Result<Vec<MyMatch>, AppError> {
    use crate::accounts::access::{Permission, require};
    let user = require(Permission::OwnParticipation)?;
    let db = expect_context::<crate::db::Db>();
    Ok(crate::db::on_db!(
        &db,
        read | pool | {
            sqlx::query_as::<_, MyMatch>(
                "SELECT m.id, p.name AS program, m.state, m.published_on, m.ended_on, \
             CASE WHEN mentor.user_id = $1 THEN 'mentor' ELSE 'mentee' END AS my_role, \
             CASE WHEN mentor.user_id = $1 THEN mentee_user.display_name \
                  ELSE mentor_user.display_name END AS partner \
             FROM matches m \
             JOIN programs p ON p.id = m.program_id \
             JOIN enrollments mentor ON mentor.id = m.mentor_enrollment_id \
             JOIN enrollments mentee ON mentee.id = m.mentee_enrollment_id \
             JOIN users mentor_user ON mentor_user.id = mentor.user_id \
             JOIN users mentee_user ON mentee_user.id = mentee.user_id \
             WHERE (mentor.user_id = $1 OR mentee.user_id = $1) AND m.state <> 'pending' \
             ORDER BY m.state DESC, m.published_on DESC, m.id",
            )
            .bind(user.id)
            .fetch_all(pool)
            .await
        }
    )?)
}

#[component]
pub fn QuickcliqPage() -> impl IntoView {
    use crate::items::Source;
    use crate::items::completion::{Completion, CompletionNotice, ItemsTable, my_items};
    let matches = resource(|| (), |_| my_matches());
    let items = resource(|| (), |_| my_items());
    let completion = Completion::new(Source::Quickcliq);
    view! {
        <PageTitle text="QuickcliQ · Mentoring Milestones"/>
        <h1>"QuickcliQ"</h1>
        <p class="lede">"Your open milestones, soonest due first. One click marks one complete."</p>
        <CompletionNotice completion/>
        <Suspense fallback=|| view! { <p class="loading">"Loading your milestones…"</p> }>
            {move || Suspend::new(async move {
                match items.await {
                    Err(error) => crate::ui::errors::error_view(error).into_any(),
                    Ok(list) => {
                        let open: Vec<_> = list.into_iter().filter(|i| i.mine && i.status.is_open()).collect();
                        if open.is_empty() {
                            view! { <p class="empty">"Nothing to do right now: you have no open milestones."</p> }.into_any()
                        } else {
                            use crate::milestones::ItemStatus;
                            let group = |status: ItemStatus| -> Vec<_> {
                                open.iter().filter(|i| i.status == status).cloned().collect()
                            };
                            let (overdue, soon, later) = (
                                group(ItemStatus::Overdue),
                                group(ItemStatus::DueSoon),
                                group(ItemStatus::Upcoming),
                            );
                            // Nothing pressing: say when the next one comes due.
                            let next = (overdue.is_empty() && soon.is_empty())
                                .then(|| later.first().map(|i| (i.milestone_name.clone(), i.due)))
                                .flatten();
                            let part = move |id: &'static str, title: &'static str, items: Vec<crate::items::Item>| {
                                (!items.is_empty()).then(|| view! {
                                    <h3 id=id class="group-heading">{title}<span class="count">{format!(" ({})", items.len())}</span></h3>
                                    <ItemsTable items completion/>
                                })
                            };
                            view! {
                                <section class="card" aria-labelledby="open-heading">
                                    <h2 id="open-heading">"Open milestones"</h2>
                                    {next.map(|(name, due)| view! {
                                        <p class="next-due">"Nothing is due in the next 7 days. Your next milestone, " {name} ", comes due on " <Day date=due/> "."</p>
                                    })}
                                    {part("overdue-heading", "Overdue", overdue)}
                                    {part("soon-heading", "Due soon", soon)}
                                    {part("later-heading", "Later", later)}
                                    <p class="hint"><a href="/profile">"All your milestones, completed ones too, are on your Profile."</a></p>
                                </section>
                            }.into_any()
                        }
                    }
                }
            })}
        </Suspense>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match matches.await {
                    Err(error) => crate::ui::errors::error_view(error).into_any(),
                    Ok(list) if list.is_empty() => view! {
                        <p class="empty">"You have no published mentoring matches yet. Your milestones appear once your program admin publishes your match."</p>
                    }.into_any(),
                    Ok(list) => view! {
                        <section class="card" aria-labelledby="matches-heading">
                            <h2 id="matches-heading">"Your matches"</h2>
                            <ul class="matches">
                                {list.into_iter().map(|m| view! { <MatchLine m/> }).collect_view()}
                            </ul>
                        </section>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// `/profile`: every milestone of the person, grouped by match (program milestones apart), with
/// the partner's items of each match to see, read-only.
#[component]
pub fn ProfilePage() -> impl IntoView {
    use crate::items::completion::{Completion, CompletionNotice, ItemsTable, my_items};
    use crate::items::{Item, Source};
    let items = resource(|| (), |_| my_items());
    let completion = Completion::new(Source::Profile);
    view! {
        <PageTitle text="Profile · Mentoring Milestones"/>
        <h1>"Profile"</h1>
        <CompletionNotice completion/>
        <Suspense fallback=|| view! { <p class="loading">"Loading your milestones…"</p> }>
            {move || Suspend::new(async move {
                match items.await {
                    Err(error) => crate::ui::errors::error_view(error).into_any(),
                    Ok(list) if list.is_empty() => view! {
                        <p class="empty">"No milestones yet: they appear once your program admin publishes your match."</p>
                    }.into_any(),
                    Ok(list) => {
                        let mut groups: Vec<(String, Vec<Item>)> = Vec::new();
                        for item in list {
                            let title = match (&item.key.match_id, &item.partner_name) {
                                (Some(_), Some(partner)) => format!("Your match with {partner} · {}", item.program_name),
                                _ => format!("Program milestones · {}", item.program_name),
                            };
                            match groups.iter_mut().find(|(t, _)| *t == title) {
                                Some((_, items)) => items.push(item),
                                None => groups.push((title, vec![item])),
                            }
                        }
                        groups.sort_by_key(|(title, _)| title.starts_with("Program milestones"));
                        groups.into_iter().enumerate().map(|(n, (title, items))| {
                            let heading = format!("group-{n}");
                            let labelled_by = heading.clone();
                            view! {
                                <section class="card" aria-labelledby=labelled_by>
                                    <h2 id=heading>{title}</h2>
                                    <ItemsTable items=items completion/>
                                </section>
                            }
                        }).collect_view().into_any()
                    }
                }
            })}
        </Suspense>
        <crate::mail::participation::ReminderEmailsCard/>
        <crate::calendar::CalendarCard/>
    }
}

#[component]
fn MatchLine(m: MyMatch) -> impl IntoView {
    let relation = match m.my_role {
        Role::Mentor => format!("Mentor of {}", m.partner),
        Role::Mentee => format!("Mentee of {}", m.partner),
    };
    view! {
        <li>
            <strong>{relation}</strong>
            " · " {m.program}
            {m.published_on.map(|d| view! {
                " · published " <Day date=d/>
            })}
            {m.ended_on.map(|d| view! {
                " · ended " <Day date=d/>
            })}
        </li>
    }
}
