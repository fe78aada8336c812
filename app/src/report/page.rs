//! `/programs/{id}/report`: the Activity Report page, for the program's admins.
// The report's server function takes each filter as its own field (so a plain address or form
// can carry them); the client function the macro writes has as many arguments.
#![allow(clippy::too_many_arguments)]

use super::{MatchOrder, Report, ReportQuery, Tally, chart};
use crate::error::AppError;
use crate::error::FieldError;
use crate::items::Source;
use crate::kernel::due_date::iso_date;
use crate::kernel::roles::{MatchState, Role};
use crate::kernel::text::query_string;
use crate::matches::health::HealthCell;
use crate::milestones::Category;
use crate::programs::ProgramDetails;
use crate::ui::day::Day;
use crate::ui::frame::{ProgramNav, pager, program_page};
use crate::ui::table::ScrollTable;
use crate::ui::title::PageTitle;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

/// The page's data: the report, or the filter fields that could not be read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReportData {
    Ready(Box<Report>),
    Invalid {
        program: ProgramDetails,
        errors: Vec<FieldError>,
    },
}

/// The report of a program for the filters of the address (each one optional).
#[server(endpoint = "programs/report")]
pub async fn activity_report(
    program_id: i64,
    #[server(default)] category: String,
    #[server(default)] role: String,
    #[server(default)] state: String,
    #[server(default)] from: String,
    #[server(default)] to: String,
    #[server(default)] as_of: String,
    #[server(default)] sort: String,
    #[server(default)] page: i64,
) -> Result<ReportData, AppError> {
    let (_, db) = crate::accounts::access::admin_of(program_id)?;
    let query = ReportQuery {
        category,
        role,
        state,
        from,
        to,
        as_of,
        sort,
        page,
    };
    match super::store::report(&db, program_id, &query).await {
        Ok(mut report) => {
            if report.as_of == report.program.today {
                // The matches of this page of the table only (at most 100).
                let ids: Vec<i64> = report.figures.matches.iter().map(|m| m.id).collect();
                let health =
                    crate::matches::health_store::health_of_these(&db, program_id, &ids).await?;
                report.health = report
                    .figures
                    .matches
                    .iter()
                    .filter_map(|m| Some((m.id, health.get(&m.id)?.clone())))
                    .collect();
            }
            Ok(ReportData::Ready(Box::new(report)))
        }
        // A wrong filter: the page shows each message next to its field, the others kept.
        Err(AppError::Invalid { fields, .. }) if !fields.is_empty() => Ok(ReportData::Invalid {
            program: crate::programs::store::program_details(&db, program_id).await?,
            errors: fields,
        }),
        Err(other) => Err(other),
    }
}

/// The query of the address, field by field.
fn query_from_address() -> impl Fn() -> ReportQuery + Copy + Send + Sync + 'static {
    let query = use_query_map();
    move || {
        let q = query.read();
        ReportQuery::from_lookup(|key| q.get(key))
    }
}

/// The filters as address pairs (without the page), for links and downloads.
fn filter_pairs(q: &ReportQuery) -> Vec<(&'static str, String)> {
    vec![
        ("category", q.category.clone()),
        ("role", q.role.clone()),
        ("state", q.state.clone()),
        ("from", q.from.clone()),
        ("to", q.to.clone()),
        ("as_of", q.as_of.clone()),
        ("sort", q.sort.clone()),
    ]
}

#[component]
pub fn ReportPage() -> impl IntoView {
    let query = query_from_address();
    program_page(
        "Loading the report…",
        query,
        |id, q| {
            activity_report(
                id, q.category, q.role, q.state, q.from, q.to, q.as_of, q.sort, q.page,
            )
        },
        move |data| {
            let query = query();
            match data {
                ReportData::Ready(report) => {
                    view! { <ReportView report=*report query/> }.into_any()
                }
                ReportData::Invalid { program, errors } => view! {
                    <ReportHeading program=program.clone()/>
                    <Filters program query errors/>
                }
                .into_any(),
            }
        },
    )
}

#[component]
fn ReportHeading(program: ProgramDetails) -> impl IntoView {
    view! {
        <PageTitle text=format!("Activity Report · {}", program.name)/>
        <ProgramNav program_id=program.id program_name=program.name.clone() current="report"/>
        <h1>"Activity Report"</h1>
    }
}

fn error_for<'a>(errors: &'a [FieldError], field: &str) -> Option<&'a FieldError> {
    errors.iter().find(|e| e.field == field)
}

/// The filter form: a GET form, so it works the same with and without JavaScript.
#[component]
fn Filters(program: ProgramDetails, query: ReportQuery, errors: Vec<FieldError>) -> impl IntoView {
    let id = program.id;
    let today = iso_date(program.today);
    let filtered = filter_pairs(&query)
        .iter()
        .any(|(k, v)| *k != "sort" && !v.is_empty());
    let field_error = |field: &'static str| {
        error_for(&errors, field).map(|e| {
            view! { <p class="field-error" id=format!("report-{field}-error")>{e.message.clone()}</p> }
        })
    };
    let invalid = |field: &str| error_for(&errors, field).map(|_| "true");
    let described =
        |field: &str| error_for(&errors, field).map(|_| format!("report-{field}-error"));
    let select = |name: &'static str,
                  label: &'static str,
                  current: String,
                  options: Vec<(&'static str, &'static str)>| {
        let input_id = format!("report-{name}");
        view! {
            <div class="field">
                <label for=input_id.clone()>{label}</label>
                <select id=input_id name=name aria-invalid=invalid(name) aria-describedby=described(name)>
                    {options.into_iter().map(|(value, text)| view! {
                        <option value=value selected=current == value>{text}</option>
                    }).collect_view()}
                </select>
                {field_error(name)}
            </div>
        }
    };
    let date = |name: &'static str,
                label: &'static str,
                current: String,
                hint: Option<&'static str>| {
        let input_id = format!("report-{name}");
        let hint_id = hint.map(|_| format!("report-{name}-hint"));
        let describedby = [hint_id.clone(), described(name)]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        view! {
            <div class="field">
                <label for=input_id.clone()>{label}</label>
                <input id=input_id name=name type="date" value=current.clone() prop:value=current
                    max=today.clone() aria-invalid=invalid(name)
                    aria-describedby=(!describedby.is_empty()).then_some(describedby)/>
                {hint.map(|h| view! { <p class="hint" id=hint_id.unwrap_or_default()>{h}</p> })}
                {field_error(name)}
            </div>
        }
    };
    let mut categories = vec![("", "All categories")];
    categories.extend(Category::ALL.map(|c| (c.as_str(), c.label())));
    let mut roles = vec![("", "Both roles")];
    roles.extend(Role::ALL.map(|r| (r.as_str(), r.label())));
    view! {
        <form method="get" class="filters report-filters" role="search" aria-label="Filter the report">
            {select("category", "Category", query.category.clone(), categories)}
            {select("role", "Program Role", query.role.clone(), roles)}
            {select("state", "Match state", query.state.clone(), vec![
                ("", "Published and ended"), ("published", "Published"), ("ended", "Ended"),
            ])}
            {date("from", "Published from", query.from.clone(), None)}
            {date("to", "Published to", query.to.clone(), None)}
            {date("as_of", "As of", query.as_of.clone(), Some("Empty for today. An earlier day shows every figure as it stood then."))}
            <input type="hidden" name="sort" value=query.sort.clone()/>
            <button type="submit" class="button secondary">"Apply"</button>
            {filtered.then(|| view! { <a href=format!("/programs/{id}/report")>"Clear filters"</a> })}
        </form>
    }
}

/// What each figure counts, printed under it.
const DEFINITIONS: [(&str, &str); 8] = [
    (
        "Items",
        "Milestone items that exist on the as-of day: each relationship milestone once per published match, each program milestone once per participant of its role with a published match.",
    ),
    (
        "Due so far",
        "Items whose due date is on or before the as-of day.",
    ),
    (
        "Completed on time",
        "Marked complete on or before the due date.",
    ),
    ("Completed late", "Marked complete after the due date."),
    (
        "Overdue",
        "Not completed, past the due date, and the match is still running.",
    ),
    (
        "Upcoming",
        "Not completed and due on the as-of day or later (includes due soon).",
    ),
    (
        "Closed",
        "Never completed and the match has ended: not counted as overdue.",
    ),
    (
        "Completion rate",
        "Of the items due so far, the share completed (on time or late).",
    ),
];

fn figure_values(t: &Tally) -> [String; 8] {
    [
        t.items.to_string(),
        t.due.to_string(),
        t.on_time.to_string(),
        t.late.to_string(),
        t.overdue.to_string(),
        t.upcoming.to_string(),
        t.closed.to_string(),
        t.rate_text(),
    ]
}

fn source_label(source: Source) -> &'static str {
    match source {
        Source::Quickcliq => "QuickcliQ",
        Source::Profile => "Profile",
        Source::Admin => "Admin, on the participant's behalf",
        Source::Email => "Email",
    }
}

#[component]
fn ReportView(report: Report, query: ReportQuery) -> impl IntoView {
    let program = report.program.clone();
    let id = program.id;
    let figures = report.figures;
    let totals = figures.totals;
    // Health is a fact of today: shown on a report of today only.
    let of_today = report.as_of == program.today;
    let health = report.health;
    let filters = filter_pairs(&query);
    let download =
        |what: &str| format!("/programs/{id}/report/{what}.csv{}", query_string(&filters));
    let (milestones_csv, matches_csv) = (download("milestones"), download("matches"));
    let page_href = {
        let filters = filters.clone();
        move |n: i64| {
            let mut pairs = filters.clone();
            pairs.push(("page", n.to_string()));
            format!("/programs/{id}/report{}", query_string(&pairs))
        }
    };
    let (match_pages, match_total) = (report.match_pages, report.match_total);
    let looking_back = report.as_of != program.today;
    let chart_svg = chart::svg(&figures.milestones);
    let program_only = query.category == Category::Program.as_str();
    let order = MatchOrder::parse(&query.sort).unwrap_or_default();
    let sort_pairs: Vec<(&'static str, String)> = filters
        .iter()
        .filter(|(k, _)| *k != "sort")
        .cloned()
        .collect();
    view! {
        <ReportHeading program=program.clone()/>
        <p class="program-clock">
            {if looking_back { "As it stood at the end of " } else { "As of today, " }}
            <Day date=report.as_of/>
            {format!(" (calendar of {}).", program.time_zone)}
            {looking_back.then(|| view! { " " <a href=format!("/programs/{id}/report")>"Back to today"</a> })}
        </p>
        <Filters program=program.clone() query=query.clone() errors=Vec::new()/>

        <section class="card" aria-labelledby="totals-heading">
            <h2 id="totals-heading">"All milestones"</h2>
            <dl class="figures">
                {DEFINITIONS.iter().zip(figure_values(&totals)).map(|((label, meaning), value)| view! {
                    <div class="figure">
                        <dt>{*label}</dt>
                        <dd class="figure-value" data-figure=label.to_lowercase().replace(' ', "-")>{value}</dd>
                        <dd class="figure-meaning">{*meaning}</dd>
                    </div>
                }).collect_view()}
            </dl>
            <p class="hint">"Each day is counted as it was: the milestones that existed then, with their definitions of that day; matches from the day they were published until the day they ended; a completion counts as it was judged when it was made."</p>
        </section>

        <section class="card" aria-labelledby="by-source-heading">
            <h2 id="by-source-heading">"Completed, by where"</h2>
            <dl class="figures by-source">
                {[
                    ("QuickcliQ", figures.by_source.quickcliq),
                    ("Profile", figures.by_source.profile),
                    ("Email", figures.by_source.email),
                    ("Admin", figures.by_source.admin),
                ].into_iter().map(|(label, value)| view! {
                    <div class="figure">
                        <dt>{label}</dt>
                        <dd class="figure-value" data-source=label.to_lowercase()>{value}</dd>
                    </div>
                }).collect_view()}
            </dl>
            <p class="hint">"The completed milestones above, by where each was marked complete: on the QuickcliQ, on the Profile, from a reminder email's one-click link, or by an admin on the participant's behalf."</p>
        </section>

        <section class="card" aria-labelledby="by-milestone-heading">
            <h2 id="by-milestone-heading">"By milestone"</h2>
            <figure class="chart">
                <div class="chart-box" inner_html=chart_svg></div>
                // The chart's own description (its <desc>) states every figure for screen
                // readers; the caption does not repeat it.
                <figcaption>
                    "Each bar is one milestone's items by status; the percentage is its completion rate."
                </figcaption>
            </figure>
            <p class="list-count"><a href=milestones_csv download="">"Download CSV (by milestone)"</a></p>
            {if figures.milestones.is_empty() {
                view! { <p>"No milestone is counted with these filters."</p> }.into_any()
            } else {
                view! {
                    <ScrollTable label="Milestone items by milestone">
                    <table class="report-table">
                        <caption class="visually-hidden">"Milestone items by milestone"</caption>
                        <thead>
                            <tr>
                                <th scope="col">"Milestone"</th>
                                <th scope="col">"Category"</th>
                                <th scope="col">"Program Role"</th>
                                <th scope="col">"Due after publishing"</th>
                                <th scope="col" class="num">"Items"</th>
                                <th scope="col" class="num">"Due so far"</th>
                                <th scope="col" class="num">"On time"</th>
                                <th scope="col" class="num">"Late"</th>
                                <th scope="col" class="num">"Overdue"</th>
                                <th scope="col" class="num">"Upcoming"</th>
                                <th scope="col" class="num">"Closed"</th>
                                <th scope="col" class="num">"Completion rate"</th>
                            </tr>
                        </thead>
                        <tbody>
                            {figures.milestones.iter().map(|m| {
                                let v = figure_values(&m.tally);
                                view! {
                                    <tr>
                                        <th scope="row">{m.name.clone()}</th>
                                        <td>{m.category.label()}</td>
                                        <td>{m.role.label()}</td>
                                        <td>{m.due_text.clone()}</td>
                                        {v.into_iter().map(|n| view! { <td class="num">{n}</td> }).collect_view()}
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                        <tfoot>
                            <tr>
                                <th scope="row" colspan="4">"All milestones"</th>
                                {figure_values(&totals).into_iter().map(|n| view! { <td class="num">{n}</td> }).collect_view()}
                            </tr>
                        </tfoot>
                    </table>
                    </ScrollTable>
                }.into_any()
            }}
            {(!figures.archived.is_empty()).then(|| view! {
                <p class="hint">"Archived milestones are not counted: "
                    {figures.archived.iter().map(|a| format!("{} ({} completed)", a.name, a.completed)).collect::<Vec<_>>().join(", ")}
                    "."</p>
            })}
        </section>

        <section class="card" aria-labelledby="by-match-heading">
            <h2 id="by-match-heading">"By match"</h2>
            {if program_only {
                view! { <p>"Program milestones belong to a participant rather than a match. Choose Relationship milestone or All categories to see each match's progress."</p> }.into_any()
            } else {
                view! {
                    <p class="hint">"Each match's relationship milestones (program milestones are counted per participant, above)."</p>
                    <form method="get" class="filters" aria-label="Sort the matches">
                        {sort_pairs.iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| view! {
                            <input type="hidden" name=*k value=v.clone()/>
                        }).collect_view()}
                        <div class="field">
                            <label for="report-sort">"Sort matches by"</label>
                            <select id="report-sort" name="sort">
                                {MatchOrder::ALL.into_iter().map(|o| view! {
                                    <option value=o.as_str() selected=o == order>{o.label()}</option>
                                }).collect_view()}
                            </select>
                        </div>
                        <button type="submit" class="button secondary">"Sort"</button>
                    </form>
                    <p class="list-count"><a href=matches_csv download="">"Download CSV (by match)"</a></p>
                    {if figures.matches.is_empty() {
                        view! { <p>"No published or ended match fits these filters."</p> }.into_any()
                    } else {
                        view! {
                            <ScrollTable label="Progress of each match">
                            <table class="report-table">
                                <caption class="visually-hidden">"Progress of each match"</caption>
                                <thead>
                                    <tr>
                                        <th scope="col">"Mentor"</th>
                                        <th scope="col">"Mentee"</th>
                                        <th scope="col">"State"</th>
                                        {of_today.then(|| view! { <th scope="col">"Health"</th> })}
                                        <th scope="col">"Published"</th>
                                        <th scope="col">"Ended"</th>
                                        <th scope="col">"Progress"</th>
                                        <th scope="col" class="num">"Overdue"</th>
                                        <th scope="col"><span class="visually-hidden">"Milestones"</span></th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {figures.matches.iter().map(|m| {
                                        let t = m.tally;
                                        let pair = format!("{} with {}", m.mentor_name, m.mentee_name);
                                        view! {
                                            <tr>
                                                <th scope="row">{m.mentor_name.clone()}</th>
                                                <td>{m.mentee_name.clone()}</td>
                                                <td><span class=format!("badge {}", m.state.as_str())>{match m.state {
                                                    MatchState::Ended => "Ended",
                                                    _ => "Published",
                                                }}</span></td>
                                                {of_today.then(|| {
                                                    let health = health.iter().find(|(id, _)| *id == m.id).map(|(_, h)| h.clone());
                                                    view! { <td><HealthCell health/></td> }
                                                })}
                                                <td><Day date=m.published_on/></td>
                                                <td>{m.ended_on.map(|d| view! { <Day date=d/> }.into_any()).unwrap_or_else(|| view! { <span class="muted">"—"</span> }.into_any())}</td>
                                                <td class="progress-cell">
                                                    {format!("{} of {} completed", t.completed(), t.items)}
                                                    <meter min="0" max=t.items.max(1).to_string() value=t.completed().to_string()
                                                        aria-label=format!("Progress of {pair}")></meter>
                                                </td>
                                                <td class="num">{t.overdue.to_string()}</td>
                                                <td><a href=format!("/programs/{id}/matches/{}", m.id)
                                                    aria-label=format!("Milestones of {pair}")>"Milestones"</a></td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                            </ScrollTable>
                        }.into_any()
                    }}
                    {pager(report.match_page, match_pages, match_total, page_href)}
                }.into_any()
            }}
        </section>

        <section class="card" aria-labelledby="history-heading">
            <h2 id="history-heading">"Completion history"</h2>
            <p class="hint">"The latest completions and undos up to the as-of day: who, when and from where."</p>
            {if report.history.is_empty() {
                view! { <p>"Nothing has been marked complete yet."</p> }.into_any()
            } else {
                view! {
                    <ScrollTable label="Completion history">
                    <table class="report-table history">
                        <thead>
                            <tr>
                                <th scope="col">"When"</th>
                                <th scope="col">"Milestone"</th>
                                <th scope="col">"For"</th>
                                <th scope="col">"What"</th>
                                <th scope="col">"By"</th>
                                <th scope="col">"Where"</th>
                            </tr>
                        </thead>
                        <tbody>
                            {report.history.into_iter().map(|h| view! {
                                <tr>
                                    <td><time datetime=h.at_text.replace(' ', "T")>{h.at_text.clone()}</time></td>
                                    <td>{h.milestone_name}</td>
                                    <td>{h.person_name}</td>
                                    <td>{if h.completed { "Completed" } else { "Undone" }}</td>
                                    <td>{h.actor_name}</td>
                                    <td>{source_label(h.source)}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                    </ScrollTable>
                }.into_any()
            }}
        </section>
    }
}
