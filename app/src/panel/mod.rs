//! The programs overview: each program with its participants, matches and milestones.

use crate::error::AppError;
use crate::kernel::roles::Role;
use crate::milestones::{Category, DueOffset};
use crate::ui::data::resource;
use crate::ui::day::Day;
use crate::ui::title::PageTitle;
use chrono::NaiveDate;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProgramOverview {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub time_zone: String,
    /// The program's calendar date now.
    pub today: NaiveDate,
    pub mentors: i64,
    pub mentees: i64,
    pub published_matches: i64,
    pub pending_matches: i64,
    pub ended_matches: i64,
    pub milestones: Vec<MilestoneSummary>,
    /// Whether the person asking may edit the program (site admins).
    pub can_edit: bool,
    /// The published matches by health (on the Program Admin Panel only).
    pub health: Option<crate::matches::health::HealthCounts>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MilestoneSummary {
    pub id: i64,
    pub name: String,
    pub category: Category,
    pub role: Role,
    pub offset: DueOffset,
    pub description: String,
}

/// The programs the signed-in admin runs (every program for a site admin).
#[server(endpoint = "programs/list")]
pub async fn list_programs() -> Result<Vec<ProgramOverview>, AppError> {
    use crate::accounts::access::{Permission, allows, require};
    let user = require(Permission::ListPrograms)?;
    let db = expect_context::<crate::db::Db>();
    let mut programs = store::program_overviews(&db).await?;
    programs.retain(|p| allows(&user, Permission::AdministerProgram(p.id)));
    for program in &mut programs {
        program.can_edit = user.is_site_admin;
    }
    Ok(programs)
}

/// One program's Program Admin Panel.
#[server(endpoint = "programs/panel")]
pub async fn program_panel(program_id: i64) -> Result<ProgramOverview, AppError> {
    use crate::accounts::access::{Permission, require};
    let user = require(Permission::AdministerProgram(program_id))?;
    let db = expect_context::<crate::db::Db>();
    let mut program = store::program_overviews(&db)
        .await?
        .into_iter()
        .find(|p| p.id == program_id)
        .ok_or(AppError::NotFound)?;
    program.can_edit = user.is_site_admin;
    let health = crate::matches::health_store::health_of_matches(&db, program_id).await?;
    program.health = Some(crate::matches::health::HealthCounts::of(health.values()));
    Ok(program)
}

#[cfg(feature = "ssr")]
pub mod store {
    use super::*;
    use crate::db::Db;
    use crate::kernel::time_zone::today_in_zone;
    use crate::milestones::store::{MILESTONE_COLUMNS, MilestoneRow};

    #[derive(sqlx::FromRow)]
    struct ProgramRow {
        id: i64,
        name: String,
        description: String,
        time_zone: String,
        mentors: i64,
        mentees: i64,
        published_matches: i64,
        pending_matches: i64,
        ended_matches: i64,
    }

    /// Every program with its counts and active milestones, in two statements whatever the
    /// number of programs.
    pub async fn program_overviews(db: &Db) -> Result<Vec<ProgramOverview>, AppError> {
        let milestones_sql = format!(
            "SELECT {MILESTONE_COLUMNS} FROM milestones WHERE archived = $1 \
             ORDER BY program_id, position, id"
        );
        let (programs, milestones) = crate::db::on_db!(
            db,
            read | pool | {
                let programs = sqlx::query_as::<_, ProgramRow>(
                    "SELECT p.id, p.name, p.description, p.time_zone, \
                 (SELECT COUNT(*) FROM enrollments e WHERE e.program_id = p.id \
                    AND e.role = 'mentor' AND e.state = 'active') AS mentors, \
                 (SELECT COUNT(*) FROM enrollments e WHERE e.program_id = p.id \
                    AND e.role = 'mentee' AND e.state = 'active') AS mentees, \
                 (SELECT COUNT(*) FROM matches m WHERE m.program_id = p.id \
                    AND m.state = 'published') AS published_matches, \
                 (SELECT COUNT(*) FROM matches m WHERE m.program_id = p.id \
                    AND m.state = 'pending') AS pending_matches, \
                 (SELECT COUNT(*) FROM matches m WHERE m.program_id = p.id \
                    AND m.state = 'ended') AS ended_matches \
                 FROM programs p ORDER BY p.name, p.id",
                )
                .fetch_all(pool)
                .await?;
                let milestones = sqlx::query_as::<_, MilestoneRow>(&milestones_sql)
                    .bind(false)
                    .fetch_all(pool)
                    .await?;
                Ok::<_, sqlx::Error>((programs, milestones))
            }
        )?;

        let mut overviews: Vec<ProgramOverview> = programs
            .into_iter()
            .map(|row| ProgramOverview {
                today: today_in_zone(&row.time_zone),
                id: row.id,
                name: row.name,
                description: row.description,
                time_zone: row.time_zone,
                mentors: row.mentors,
                mentees: row.mentees,
                published_matches: row.published_matches,
                pending_matches: row.pending_matches,
                ended_matches: row.ended_matches,
                milestones: Vec::new(),
                can_edit: false,
                health: None,
            })
            .collect();
        for row in milestones {
            let offset = row.offset()?;
            if let Some(program) = overviews.iter_mut().find(|p| p.id == row.program_id) {
                program.milestones.push(MilestoneSummary {
                    id: row.id,
                    name: row.name,
                    category: row.category,
                    role: row.role,
                    offset,
                    description: row.description,
                });
            }
        }
        Ok(overviews)
    }
}

#[component]
pub fn ProgramsPage() -> impl IntoView {
    let programs = resource(|| (), |_| list_programs());
    let me = resource(|| (), |_| crate::accounts::whoami());
    view! {
        <PageTitle text="Programs · Mentoring Milestones"/>
        <h1>"Programs"</h1>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let site_admin = me.await.ok().flatten().is_some_and(|u| u.is_site_admin);
                site_admin.then(|| view! {
                    <p><a class="button" href="/programs/new">"Create a program"</a></p>
                })
            })}
        </Suspense>
        <Suspense fallback=|| view! { <p class="loading">"Loading programs…"</p> }>
            {move || Suspend::new(async move {
                match programs.await {
                    Ok(list) if list.is_empty() => {
                        view! { <p class="empty">"There are no programs yet."</p> }.into_any()
                    }
                    Ok(list) => {
                        list.into_iter()
                            .map(|program| view! { <ProgramSummary program/> })
                            .collect_view()
                            .into_any()
                    }
                    Err(error) => crate::ui::errors::error_view(error).into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn ProgramSummary(program: ProgramOverview) -> impl IntoView {
    let heading_id = format!("program-{}", program.id);
    let href = format!("/programs/{}", program.id);
    view! {
        <section class="card program" aria-labelledby=heading_id.clone()>
            <h2 id=heading_id.clone()><a href=href>{program.name.clone()}</a></h2>
            <p class="program-description">{program.description.clone()}</p>
            <ProgramStats program=program.clone()/>
            <p class="program-actions">
                <a href=format!("/programs/{}/duplicate", program.id)
                    aria-describedby=heading_id.clone()>"Duplicate program"</a>
            </p>
        </section>
    }
}

#[component]
fn ProgramStats(program: ProgramOverview) -> impl IntoView {
    view! {
        <dl class="stats">
            <div><dt>"Mentors"</dt><dd>{program.mentors}</dd></div>
            <div><dt>"Mentees"</dt><dd>{program.mentees}</dd></div>
            <div><dt>"Pending matches"</dt><dd>{program.pending_matches}</dd></div>
            <div><dt>"Published matches"</dt><dd>{program.published_matches}</dd></div>
            <div><dt>"Ended matches"</dt><dd>{program.ended_matches}</dd></div>
            <div><dt>"Milestones"</dt><dd>{program.milestones.len()}</dd></div>
        </dl>
    }
}

/// `/programs/{id}`: the Program Admin Panel.
#[component]
pub fn ProgramPanelPage() -> impl IntoView {
    crate::ui::frame::program_page(
        "Loading the program…",
        || (),
        |id, _| program_panel(id),
        |program| view! { <ProgramPanel program/> }.into_any(),
    )
}

#[component]
fn ProgramPanel(program: ProgramOverview) -> impl IntoView {
    use crate::ui::frame::ProgramNav;
    let title = format!("{} · Program Admin Panel", program.name);
    let id = program.id;
    let can_edit = program.can_edit;
    let areas = [
        (
            format!("/programs/{id}/participants"),
            "Participants",
            "Enrol mentors and mentees, retire and reactivate them.",
        ),
        (
            format!("/programs/{id}/matches"),
            "Matches",
            "Create matches, publish them, end them.",
        ),
        (
            format!("/programs/{id}/import"),
            "Import CSV",
            "Bring participants and matches in from a file.",
        ),
        (
            format!("/programs/{id}/milestones"),
            "Update Program Milestones",
            "The tasks of this program and when they are due.",
        ),
        (
            format!("/programs/{id}/report"),
            "Activity Report",
            "Completed milestones tallied: on time, late, overdue, by milestone and by match.",
        ),
    ];
    view! {
        <PageTitle text=title/>
        <ProgramNav program_id=id program_name=program.name.clone() current="panel"/>
        <p class="eyebrow">"Program Admin Panel"</p>
        <h1>{program.name.clone()}</h1>
        <div aria-live="polite">{crate::ui::forms::outcome_view(None, "program")}</div>
        <p class="program-description">{program.description.clone()}</p>
        <p class="program-clock">
            "Today in " {program.time_zone.clone()} ": "
            <Day date=program.today/>
            {can_edit.then(|| view! { " · " <a href=format!("/programs/{id}/edit")>"Edit program"</a> })}
            " · " <a href=format!("/programs/{id}/duplicate")>"Duplicate program"</a>
        </p>
        {program.health.map(|counts| view! { <HealthSummary program_id=id counts/> })}
        <ProgramStats program/>
        <ul class="areas">
            {areas
                .into_iter()
                .map(|(href, label, about)| view! {
                    <li class="card">
                        <a class="area-link" href=href>{label}</a>
                        <p>{about}</p>
                    </li>
                })
                .collect_view()}
        </ul>
    }
}

/// The published matches by health, each count a link to the matches it counts.
#[component]
fn HealthSummary(program_id: i64, counts: crate::matches::health::HealthCounts) -> impl IntoView {
    view! {
        <section class="card health-summary" aria-labelledby="health-heading">
            <h2 id="health-heading">"Match health"</h2>
            <ul class="health-counts">
                {counts.by_key().into_iter().map(|(key, label, count)| view! {
                    <li>
                        <a href=format!("/programs/{program_id}/matches?health={key}")>
                            <span class=format!("count health-{key}")>{count}</span>
                            " "{label}
                        </a>
                    </li>
                }).collect_view()}
            </ul>
            <crate::matches::health::HealthRules/>
        </section>
    }
}
