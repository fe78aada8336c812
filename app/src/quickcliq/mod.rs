//! The QuickcliQ: a participant's landing page.

use crate::error::AppError;
use crate::milestones::due_date::{iso_date, readable_date};
use crate::programs::roles::{MatchState, Role};
use chrono::NaiveDate;
use leptos::prelude::*;
use leptos_meta::Title;
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
    Ok(crate::on_db!(
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
    let matches = Resource::new(|| (), |_| my_matches());
    view! {
        <Title text="QuickcliQ · Mentoring Milestones"/>
        <h1>"QuickcliQ"</h1>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match matches.await {
                    Err(error) => crate::shell::error_view(error).into_any(),
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
                " · published " <time datetime=iso_date(d)>{readable_date(d)}</time>
            })}
            {m.ended_on.map(|d| view! {
                " · ended " <time datetime=iso_date(d)>{readable_date(d)}</time>
            })}
        </li>
    }
}
