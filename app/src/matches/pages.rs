//! `/programs/{id}/matches`: create pending matches, publish them (one or many, today or an
//! earlier day in the program's calendar), end published ones; filter and sort the list.

use super::health::{FILTER as HEALTH_FILTER, HealthCell, HealthRules};
use super::{MatchListing, MatchSort};
use crate::error::AppError;
use crate::kernel::due_date::iso_date;
use crate::kernel::page::Page;
use crate::kernel::roles::MatchState;
use crate::programs::ProgramDetails;
use crate::ui::day::Day;
use crate::ui::forms::outcome_view;
use crate::ui::frame::{ListQuery, ProgramNav, pager, program_page};
use crate::ui::table::ScrollTable;
use crate::ui::title::PageTitle;
use chrono::NaiveDate;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchesData {
    pub program: ProgramDetails,
    pub list: Page<MatchListing>,
    /// Active mentors and mentees for the new-match form: (enrollment id, name, email).
    pub mentors: Vec<(i64, String, String)>,
    pub mentees: Vec<(i64, String, String)>,
    /// Pending matches in the whole program, whatever the filters.
    pub pending: i64,
}

#[server(endpoint = "programs/matches")]
pub async fn matches(
    program_id: i64,
    #[server(default)] search: String,
    #[server(default)] state: String,
    #[server(default)] sort: String,
    #[server(default)] page: i64,
    #[server(default)] health: String,
) -> Result<MatchesData, AppError> {
    use super::store::{self, MatchFilter};
    use crate::kernel::roles::Role;
    let (_, db) = crate::accounts::access::admin_of(program_id)?;
    let program = crate::programs::store::program_details(&db, program_id).await?;
    let filter = MatchFilter {
        search,
        state: MatchState::parse(&state),
        sort: MatchSort::parse(&sort).unwrap_or_default(),
        page,
        health,
    };
    let list = store::matches(&db, program_id, &filter).await?;
    let mentors = crate::enrollments::store::active_people(&db, program_id, Role::Mentor).await?;
    let mentees = crate::enrollments::store::active_people(&db, program_id, Role::Mentee).await?;
    let pending = store::pending_count(&db, program_id).await?;
    Ok(MatchesData {
        program,
        list,
        mentors,
        mentees,
        pending,
    })
}

#[server(endpoint = "programs/create-match")]
pub async fn create_match(
    program_id: i64,
    mentor_enrollment_id: i64,
    mentee_enrollment_id: i64,
) -> Result<String, AppError> {
    let (_, db) = crate::accounts::access::admin_of(program_id)?;
    let outcome = crate::matches::store::create_match(
        &db,
        program_id,
        mentor_enrollment_id,
        mentee_enrollment_id,
    )
    .await;
    crate::ui::forms::answer_plain_form(
        &format!("/programs/{program_id}/matches"),
        "create-match",
        &outcome,
    );
    outcome
}

#[server(endpoint = "programs/publish-matches")]
pub async fn publish_matches(
    program_id: i64,
    #[server(default)] match_ids: Vec<i64>,
    #[server(default)] publish_on: String,
    /// "all" publishes every pending match of the program.
    #[server(default)]
    which: String,
) -> Result<String, AppError> {
    let (_, db) = crate::accounts::access::admin_of(program_id)?;
    let outcome = async {
        let date = crate::kernel::due_date::parse_date_field(&publish_on)
            .map_err(|m| AppError::invalid_field("publish_on", "Publish date", m))?;
        let ids = if which == "all" {
            crate::matches::store::pending_match_ids(&db, program_id).await?
        } else {
            match_ids
        };
        crate::matches::store::publish_matches(&db, program_id, &ids, date).await
    }
    .await;
    crate::ui::forms::answer_plain_form(
        &format!("/programs/{program_id}/matches"),
        "publish",
        &outcome,
    );
    outcome
}

#[server(endpoint = "programs/end-match")]
pub async fn end_match(program_id: i64, match_id: i64) -> Result<String, AppError> {
    let (_, db) = crate::accounts::access::admin_of(program_id)?;
    let outcome = crate::matches::store::end_match(&db, program_id, match_id).await;
    crate::ui::forms::answer_plain_form(
        &format!("/programs/{program_id}/matches"),
        "end",
        &outcome,
    );
    outcome
}

#[server(endpoint = "programs/remove-match")]
pub async fn remove_match(program_id: i64, match_id: i64) -> Result<String, AppError> {
    let (_, db) = crate::accounts::access::admin_of(program_id)?;
    let outcome = crate::matches::store::remove_pending_match(&db, program_id, match_id).await;
    crate::ui::forms::answer_plain_form(
        &format!("/programs/{program_id}/matches"),
        "remove",
        &outcome,
    );
    outcome
}

/// The filters of the match list in the address.
const FILTERS: [&str; 4] = ["search", "state", "health", "sort"];

#[component]
pub fn MatchesPage() -> impl IntoView {
    let query = ListQuery::reactive(&FILTERS);
    let create = ServerAction::<CreateMatch>::new();
    let publish = ServerAction::<PublishMatches>::new();
    let end = ServerAction::<EndMatch>::new();
    let remove = ServerAction::<RemoveMatch>::new();
    program_page(
        "Loading matches…",
        move || {
            (
                query(),
                create.version().get(),
                publish.version().get(),
                end.version().get(),
                remove.version().get(),
            )
        },
        |id, (q, ..)| {
            matches(
                id,
                q.get("search"),
                q.get("state"),
                q.get("sort"),
                q.page,
                q.get("health"),
            )
        },
        move |data| view! { <Matches data create publish end remove/> }.into_any(),
    )
}

fn date_cell(date: Option<NaiveDate>) -> impl IntoView {
    match date {
        Some(d) => view! { <Day date=d/> }.into_any(),
        None => view! { <span class="muted">"—"</span> }.into_any(),
    }
}

fn state_label(state: MatchState) -> &'static str {
    match state {
        MatchState::Pending => "Pending",
        MatchState::Published => "Published",
        MatchState::Ended => "Ended",
    }
}

#[component]
fn Matches(
    data: MatchesData,
    create: ServerAction<CreateMatch>,
    publish: ServerAction<PublishMatches>,
    end: ServerAction<EndMatch>,
    remove: ServerAction<RemoveMatch>,
) -> impl IntoView {
    let program = data.program;
    let id = program.id;
    let today = iso_date(program.today);
    let query = ListQuery::now(&FILTERS);
    let (search, state, sort) = (query.get("search"), query.get("state"), query.get("sort"));
    let list = data.list;
    let (page, pages, total) = (list.page, list.pages(), list.total);
    let path = format!("/programs/{id}/matches");
    let page_href = {
        let (query, path) = (query.clone(), path.clone());
        move |n: i64| query.href(&path, n, &[])
    };
    let health = query.get("health");
    let filtered = query.narrowed_by(&["search", "state", "health"]);
    let here = move |extra: Option<(&str, String)>| query.href(&path, page, extra.as_slice());
    // Ending is for good: the End match link asks first, on the page itself.
    let rows = list.rows.clone();
    let query_now = use_query_map();
    let confirm_end = {
        let here = here.clone();
        move || {
            let ending = query_now
                .get()
                .get("end")
                .and_then(|e| e.parse::<i64>().ok())
                .and_then(|e| {
                    rows.iter()
                        .find(|m| m.id == e && m.state == MatchState::Published)
                })
                .cloned();
            let here = here.clone();
            ending.map(move |m| {
                let pair = format!("{} with {}", m.mentor_name, m.mentee_name);
                view! {
                    <section class="card confirm" aria-labelledby="confirm-end-heading">
                        <h2 id="confirm-end-heading">{format!("End the match of {pair}?")}</h2>
                        <p>"Published " {date_cell(m.published_on)} ". Ending it closes its open milestones: they stop counting as due or overdue. Completed milestones stay recorded."</p>
                        <div class="actions">
                            <ActionForm action=end>
                                <input type="hidden" name="program_id" value=id.to_string()/>
                                <input type="hidden" name="match_id" value=m.id.to_string()/>
                                <button type="submit" class="button danger">"End match"</button>
                            </ActionForm>
                            <a href=here(None)>"Keep the match"</a>
                        </div>
                    </section>
                }
            })
        }
    };
    let any_pending = list.rows.iter().any(|m| m.state == MatchState::Pending);
    let can_match = !data.mentors.is_empty() && !data.mentees.is_empty();
    let pending = data.pending;
    view! {
        <PageTitle text=format!("Matches · {}", program.name)/>
        <ProgramNav program_id=id program_name=program.name.clone() current="matches"/>
        <h1>"Matches"</h1>
        <p class="program-clock">
            "Today in " {program.time_zone.clone()} ": "
            <Day date=program.today/>
        </p>
        <section class="card" aria-labelledby="create-heading">
            <h2 id="create-heading">"Create a match"</h2>
            {if can_match {
                view! {
                    <ActionForm action=create>
                        <input type="hidden" name="program_id" value=id.to_string()/>
                        <div class="inline">
                            <div class="field">
                                <label for="match-mentor">"Mentor"</label>
                                <select id="match-mentor" name="mentor_enrollment_id">
                                    {data.mentors.into_iter().map(|(e, name, email)| view! {
                                        <option value=e.to_string()>{format!("{name} ({email})")}</option>
                                    }).collect_view()}
                                </select>
                            </div>
                            <div class="field">
                                <label for="match-mentee">"Mentee"</label>
                                <select id="match-mentee" name="mentee_enrollment_id">
                                    {data.mentees.into_iter().map(|(e, name, email)| view! {
                                        <option value=e.to_string()>{format!("{name} ({email})")}</option>
                                    }).collect_view()}
                                </select>
                            </div>
                        </div>
                        <p class="hint">"A new match is pending: milestones start when it is published."</p>
                        <button type="submit" class="button">"Create match"</button>
                    </ActionForm>
                }.into_any()
            } else {
                view! {
                    <p>"A match needs an active mentor and an active mentee. "
                        <a href=format!("/programs/{id}/participants")>"Enrol participants"</a>" first."</p>
                }.into_any()
            }}
            <div aria-live="polite">{move || outcome_view(create.value().get(), "create-match")}</div>
        </section>
        <section class="card" aria-labelledby="matches-heading">
            <h2 id="matches-heading">"All matches"</h2>
            <form method="get" class="filters" role="search" aria-label="Filter and sort matches">
                <div class="field">
                    <label for="filter-search">"Mentor or mentee"</label>
                    <input id="filter-search" name="search" type="search" value=search.clone()/>
                </div>
                <div class="field">
                    <label for="filter-state">"State"</label>
                    <select id="filter-state" name="state">
                        <option value="" selected=state.is_empty()>"All states"</option>
                        {[MatchState::Pending, MatchState::Published, MatchState::Ended].into_iter().map(|s| view! {
                            <option value=s.as_str() selected=state == s.as_str()>{state_label(s)}</option>
                        }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="filter-health">"Health"</label>
                    <select id="filter-health" name="health">
                        <option value="" selected=health.is_empty()>"Any health"</option>
                        {HEALTH_FILTER.into_iter().map(|(key, label)| view! {
                            <option value=key selected=health == key>{label}</option>
                        }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="filter-sort">"Sort by"</label>
                    <select id="filter-sort" name="sort">
                        {MatchSort::ALL.into_iter().map(|s| view! {
                            <option value=s.as_str() selected=MatchSort::parse(&sort).unwrap_or_default() == s>{s.label()}</option>
                        }).collect_view()}
                    </select>
                </div>
                <button type="submit" class="button secondary">"Apply"</button>
                {filtered.then(|| view! { <a href=format!("/programs/{id}/matches")>"Clear filters"</a> })}
            </form>
            <HealthRules/>
            <div aria-live="polite">
                {move || outcome_view(publish.value().get(), "publish")}
                {move || outcome_view(end.value().get(), "end")}
                {move || outcome_view(remove.value().get(), "remove")}
            </div>
            {confirm_end}
            <p class="list-count">{match total {
                0 if filtered => "No match fits these filters.".to_string(),
                0 => "There are no matches yet.".to_string(),
                1 => "1 match".to_string(),
                n => format!("{n} matches"),
            }}" "<a href=format!("/programs/{id}/matches.csv") download="">"Download CSV"</a></p>
            {any_pending.then(|| view! {
                <ActionForm action=publish attr:id="publish-form" attr:class="publish-bar">
                    <input type="hidden" name="program_id" value=id.to_string()/>
                    <div class="field">
                        <label for="publish-on">"Publish date"</label>
                        <input id="publish-on" name="publish_on" type="date" value=today.clone() max=today.clone()
                            aria-describedby="publish-hint"/>
                    </div>
                    <p class="hint" id="publish-hint">"Today by default. Pick an earlier day to bring in a cohort that started before; a future day is not allowed."</p>
                    <button type="submit" class="button" name="which" value="selected">"Publish selected"</button>
                    {(pending > 1).then(|| view! {
                        <button type="submit" class="button secondary" name="which" value="all">
                            {format!("Publish all {pending} pending")}
                        </button>
                    })}
                </ActionForm>
            })}
            {(total > 0).then(|| view! {
                <ScrollTable label="Matches">
                    <table class="matches">
                        <thead>
                            <tr>
                                <th scope="col"><span class="visually-hidden">"Select"</span></th>
                                <th scope="col">"Mentor"</th>
                                <th scope="col">"Mentee"</th>
                                <th scope="col">"State"</th>
                                <th scope="col">"Health"</th>
                                <th scope="col">"Published"</th>
                                <th scope="col">"Ended"</th>
                                <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                            </tr>
                        </thead>
                        <tbody>
                            {list.rows.into_iter().enumerate().map(|(i, m)| {
                                let pair = format!("{} with {}", m.mentor_name, m.mentee_name);
                                view! {
                                    <tr>
                                        <td>
                                            {(m.state == MatchState::Pending).then(|| view! {
                                                <input type="checkbox" form="publish-form" name=format!("match_ids[{i}]")
                                                    value=m.id.to_string() aria-label=format!("Select {pair}")/>
                                            })}
                                        </td>
                                        <th scope="row">{m.mentor_name.clone()}<span class="sub">{m.mentor_email.clone()}</span></th>
                                        <td>{m.mentee_name.clone()}<span class="sub">{m.mentee_email.clone()}</span></td>
                                        <td><span class=format!("badge {}", m.state.as_str())>{state_label(m.state)}</span></td>
                                        <td><HealthCell health=m.health.clone()/></td>
                                        <td>{date_cell(m.published_on)}</td>
                                        <td>{date_cell(m.ended_on)}</td>
                                        <td>
                                            {match m.state {
                                                MatchState::Published => view! {
                                                    <a class="button secondary small" href=format!("/programs/{id}/matches/{}", m.id)
                                                        aria-label=format!("Milestones of {pair}")>"Milestones"</a>
                                                    " "
                                                    <a class="button secondary small" href=here(Some(("end", m.id.to_string())))
                                                        aria-label=format!("End the match of {pair}")>"End match…"</a>
                                                }.into_any(),
                                                MatchState::Pending => view! {
                                                    <ActionForm action=remove>
                                                        <input type="hidden" name="program_id" value=id.to_string()/>
                                                        <input type="hidden" name="match_id" value=m.id.to_string()/>
                                                        <button type="submit" class="button secondary small"
                                                            aria-label=format!("Remove the pending match of {pair}")>"Remove"</button>
                                                    </ActionForm>
                                                }.into_any(),
                                                MatchState::Ended => view! {
                                                    <a class="button secondary small" href=format!("/programs/{id}/matches/{}", m.id)
                                                        aria-label=format!("Milestones of {pair}")>"Milestones"</a>
                                                }.into_any(),
                                            }}
                                        </td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                </ScrollTable>
            })}
            {pager(page, pages, total, page_href)}
        </section>
    }
}
