//! A match's milestone items for the program's admins, with completion on a participant's
//! behalf.

use super::completion::{Completion, CompletionNotice, ItemsTable};
use super::{Item, Source};
use crate::error::AppError;
use crate::ui::day::Day;
use crate::ui::title::PageTitle;
use leptos::prelude::*;

/// One match's items, for the program's admins: both people's, with completion on behalf.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MatchItemsData {
    pub program: crate::programs::ProgramDetails,
    pub listing: crate::matches::MatchListing,
    pub items: Vec<Item>,
}

#[server(endpoint = "items/match")]
pub async fn match_items(program_id: i64, match_id: i64) -> Result<MatchItemsData, AppError> {
    let (_, db) = crate::accounts::access::admin_of(program_id)?;
    let program = crate::programs::store::program_details(&db, program_id).await?;
    let (listing, items) = super::store::items_of_match(&db, program_id, match_id).await?;
    Ok(MatchItemsData {
        program,
        listing,
        items,
    })
}

/// `/programs/{id}/matches/{match}`: a match's items for the program's admins, with completion
/// on a participant's behalf.
#[component]
pub fn MatchItemsPage() -> impl IntoView {
    let the_match = crate::ui::frame::use_path_id("match");
    let completion = Completion::new(Source::Admin);
    crate::ui::frame::program_page(
        "Loading the match…",
        the_match,
        |program, the_match| async move {
            match the_match {
                Some(the_match) => match_items(program, the_match).await,
                None => Err(AppError::NotFound),
            }
        },
        move |data| {
            let pair = format!(
                "{} with {}",
                data.listing.mentor_name, data.listing.mentee_name
            );
            view! {
                        <PageTitle text=format!("{pair} · {}", data.program.name)/>
                        <crate::ui::frame::ProgramNav program_id=data.program.id program_name=data.program.name.clone() current="matches"/>
                        <p><a href=format!("/programs/{}/matches", data.program.id)>"← Back to the matches"</a></p>
                        <h1>{format!("Milestones of {pair}")}</h1>
                        <p class="program-clock">
                            {data.listing.published_on.map(|d| view! { "Published " <Day date=d/> })}
                            {data.listing.ended_on.map(|d| view! { " · ended " <Day date=d/> })}
                        </p>
                        <p class="hint">"Completing here records it as done by you on the participant's behalf."</p>
                        <CompletionNotice completion/>
                        <section class="card" aria-labelledby="items-heading">
                            <h2 id="items-heading">"Items"</h2>
                            {if data.items.is_empty() {
                                view! { <p class="empty">"This match has no milestone items."</p> }.into_any()
                            } else {
                                view! {
                                    <ItemsTable items=data.items completion/>
                                }.into_any()
                            }}
                        </section>
                    }.into_any()
        },
    )
}
