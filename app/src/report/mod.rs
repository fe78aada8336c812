//! The Activity Report: every milestone item of a program tallied as it stood on a given day
//! (the "as of" day, the program's today unless chosen), per milestone, per match and in total.
//!
//! The figures come from one pure function, [`compute`], over rows read by a fixed number of
//! statements ([`store`]); the page and the CSV export both print its result, so they cannot
//! disagree.

pub mod chart;
pub mod page;
#[cfg(feature = "ssr")]
pub mod store;

use crate::milestones::{Category, DueOffset, ItemStatus, item_status};
use crate::programs::roles::{MatchState, Role};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// How many figures of one kind a group of items has. Every item is in exactly one of
/// `on_time`, `late`, `overdue`, `upcoming` and `closed`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    /// Items that exist on the as-of day.
    pub items: u32,
    /// Items whose due date is on or before the as-of day.
    pub due: u32,
    /// Of those due so far, how many are completed (on time or late).
    pub due_completed: u32,
    pub on_time: u32,
    pub late: u32,
    pub overdue: u32,
    /// Open, due on the as-of day or later, match still running (includes "due soon").
    pub upcoming: u32,
    /// Never completed, and the match had ended: not counted as overdue.
    pub closed: u32,
}

impl Tally {
    pub fn completed(&self) -> u32 {
        self.on_time + self.late
    }

    /// Completion rate in tenths of a percent (of the items due so far, the share completed),
    /// or `None` when nothing is due yet.
    pub fn rate_permille(&self) -> Option<u32> {
        (self.due > 0).then(|| {
            let scaled = u64::from(self.due_completed) * 1000;
            // Rounded half up, in whole numbers: the same figure on the page and in the CSV.
            ((scaled + u64::from(self.due) / 2) / u64::from(self.due)) as u32
        })
    }

    /// The completion rate as the page and the CSV print it: "71.4%", or "—" when nothing is due.
    pub fn rate_text(&self) -> String {
        match self.rate_permille() {
            Some(p) if p % 10 == 0 => format!("{}%", p / 10),
            Some(p) => format!("{}.{}%", p / 10, p % 10),
            None => "—".to_string(),
        }
    }

    fn add(&mut self, status: ItemStatus, due: NaiveDate, as_of: NaiveDate) {
        self.items += 1;
        let is_due = due <= as_of;
        if is_due {
            self.due += 1;
        }
        match status {
            ItemStatus::Completed { late } => {
                if late {
                    self.late += 1;
                } else {
                    self.on_time += 1;
                }
                if is_due {
                    self.due_completed += 1;
                }
            }
            ItemStatus::Overdue => self.overdue += 1,
            ItemStatus::DueSoon | ItemStatus::Upcoming => self.upcoming += 1,
            ItemStatus::Closed => self.closed += 1,
        }
    }

    fn merge(&mut self, other: &Tally) {
        self.items += other.items;
        self.due += other.due;
        self.due_completed += other.due_completed;
        self.on_time += other.on_time;
        self.late += other.late;
        self.overdue += other.overdue;
        self.upcoming += other.upcoming;
        self.closed += other.closed;
    }
}

/// What the report counts: every filter is optional; `as_of` is a day in the program's calendar.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Filters {
    pub category: Option<Category>,
    pub role: Option<Role>,
    /// Published (still running on the as-of day) or Ended (by the as-of day).
    pub state: Option<MatchState>,
    pub published_from: Option<NaiveDate>,
    pub published_to: Option<NaiveDate>,
}

/// The order of the per-match table.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum MatchOrder {
    /// Lowest completion first: the matches that need attention.
    #[default]
    Progress,
    MostOverdue,
    Mentor,
    Mentee,
    Newest,
    Oldest,
}

impl MatchOrder {
    pub const ALL: [MatchOrder; 6] = [
        MatchOrder::Progress,
        MatchOrder::MostOverdue,
        MatchOrder::Mentor,
        MatchOrder::Mentee,
        MatchOrder::Newest,
        MatchOrder::Oldest,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MatchOrder::Progress => "progress",
            MatchOrder::MostOverdue => "overdue",
            MatchOrder::Mentor => "mentor",
            MatchOrder::Mentee => "mentee",
            MatchOrder::Newest => "newest",
            MatchOrder::Oldest => "oldest",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.as_str() == value)
    }

    pub fn label(self) -> &'static str {
        match self {
            MatchOrder::Progress => "Least complete first",
            MatchOrder::MostOverdue => "Most overdue first",
            MatchOrder::Mentor => "Mentor name",
            MatchOrder::Mentee => "Mentee name",
            MatchOrder::Newest => "Newest publish date",
            MatchOrder::Oldest => "Oldest publish date",
        }
    }
}

/// A milestone as the report reads it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MilestoneInput {
    pub id: i64,
    pub name: String,
    pub category: Category,
    pub role: Role,
    pub offset: DueOffset,
    pub archived: bool,
}

/// A published or ended match as the report reads it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchInput {
    pub id: i64,
    pub mentor_enrollment: i64,
    pub mentee_enrollment: i64,
    pub mentor_name: String,
    pub mentee_name: String,
    pub published_on: NaiveDate,
    pub ended_on: Option<NaiveDate>,
}

/// One entry of the completion history, with the program-calendar day it happened on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventInput {
    pub milestone_id: i64,
    pub enrollment_id: i64,
    pub match_id: Option<i64>,
    pub completed: bool,
    pub day: NaiveDate,
}

/// One row of the per-milestone table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MilestoneFigures {
    pub id: i64,
    pub name: String,
    pub category: Category,
    pub role: Role,
    /// The due offset, "2 Weeks" (after the match is published).
    pub due_text: String,
    pub tally: Tally,
}

/// One row of the per-match table: the match's relationship milestones.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchFigures {
    pub id: i64,
    pub mentor_name: String,
    pub mentee_name: String,
    /// Published or Ended, as on the as-of day.
    pub state: MatchState,
    pub published_on: NaiveDate,
    /// Set only when the match had ended by the as-of day.
    pub ended_on: Option<NaiveDate>,
    pub tally: Tally,
}

/// An archived milestone: not counted, listed with the completions it kept.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArchivedFigures {
    pub name: String,
    pub completed: u32,
}

/// Everything [`compute`] works out.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Figures {
    pub totals: Tally,
    pub milestones: Vec<MilestoneFigures>,
    pub matches: Vec<MatchFigures>,
    pub archived: Vec<ArchivedFigures>,
}

/// The state of a match on `as_of`: `None` before it was published.
fn state_on(m: &MatchInput, as_of: NaiveDate) -> Option<MatchState> {
    if m.published_on > as_of {
        None
    } else if m.ended_on.is_some_and(|e| e <= as_of) {
        Some(MatchState::Ended)
    } else {
        Some(MatchState::Published)
    }
}

fn in_range(day: NaiveDate, filters: &Filters) -> bool {
    filters.published_from.is_none_or(|f| day >= f) && filters.published_to.is_none_or(|t| day <= t)
}

/// Tallies every item of the program as it stood at the end of `as_of`. `milestones` are in
/// the program's order; `events` in the order they happened. Milestone definitions are today's
/// (an edited offset applies to every match, as on the participants' pages); matches count from
/// their publish date and end on their end date; completions and undos count up to `as_of`.
pub fn compute(
    milestones: &[MilestoneInput],
    matches: &[MatchInput],
    events: &[EventInput],
    filters: &Filters,
    as_of: NaiveDate,
) -> Figures {
    // The completion state of each item at the end of the as-of day: the last event decides.
    let mut completed_on: HashMap<(i64, i64, Option<i64>), Option<NaiveDate>> = HashMap::new();
    for event in events.iter().filter(|e| e.day <= as_of) {
        completed_on.insert(
            (event.milestone_id, event.enrollment_id, event.match_id),
            event.completed.then_some(event.day),
        );
    }
    let done = |milestone: i64, enrollment: i64, m: Option<i64>| {
        completed_on
            .get(&(milestone, enrollment, m))
            .copied()
            .flatten()
    };

    // Matches that exist on the as-of day, and each enrollment's anchor and liveness.
    struct Person {
        role: Role,
        anchor: NaiveDate,
        live: bool,
    }
    let mut live_matches: Vec<(&MatchInput, MatchState)> = Vec::new();
    let mut people: HashMap<i64, Person> = HashMap::new();
    for m in matches {
        let Some(state) = state_on(m, as_of) else {
            continue;
        };
        live_matches.push((m, state));
        for (enrollment, role) in [
            (m.mentor_enrollment, Role::Mentor),
            (m.mentee_enrollment, Role::Mentee),
        ] {
            let person = people.entry(enrollment).or_insert(Person {
                role,
                anchor: m.published_on,
                live: false,
            });
            person.anchor = person.anchor.min(m.published_on);
            person.live |= state == MatchState::Published;
        }
    }
    let mut enrollments: Vec<(&i64, &Person)> = people.iter().collect();
    enrollments.sort_by_key(|(id, _)| **id);

    let counted: Vec<&MilestoneInput> = milestones
        .iter()
        .filter(|m| !m.archived)
        .filter(|m| filters.category.is_none_or(|c| c == m.category))
        .filter(|m| filters.role.is_none_or(|r| r == m.role))
        .collect();
    let mut figures = Figures::default();
    let mut per_match: Vec<Tally> = vec![Tally::default(); live_matches.len()];
    for milestone in &counted {
        let mut tally = Tally::default();
        match milestone.category {
            Category::Relationship => {
                for (index, (m, state)) in live_matches.iter().enumerate() {
                    if filters.state.is_some_and(|s| s != *state)
                        || !in_range(m.published_on, filters)
                    {
                        continue;
                    }
                    let Some(due) = milestone.offset.due_from(m.published_on) else {
                        continue;
                    };
                    let enrollment = match milestone.role {
                        Role::Mentor => m.mentor_enrollment,
                        Role::Mentee => m.mentee_enrollment,
                    };
                    let status = item_status(
                        due,
                        as_of,
                        done(milestone.id, enrollment, Some(m.id)),
                        *state == MatchState::Ended,
                    );
                    tally.add(status, due, as_of);
                    per_match[index].add(status, due, as_of);
                }
            }
            Category::Program => {
                for (enrollment, person) in &enrollments {
                    let state = if person.live {
                        MatchState::Published
                    } else {
                        MatchState::Ended
                    };
                    if person.role != milestone.role
                        || filters.state.is_some_and(|s| s != state)
                        || !in_range(person.anchor, filters)
                    {
                        continue;
                    }
                    let Some(due) = milestone.offset.due_from(person.anchor) else {
                        continue;
                    };
                    let status = item_status(
                        due,
                        as_of,
                        done(milestone.id, **enrollment, None),
                        !person.live,
                    );
                    tally.add(status, due, as_of);
                }
            }
        }
        figures.totals.merge(&tally);
        figures.milestones.push(MilestoneFigures {
            id: milestone.id,
            name: milestone.name.clone(),
            category: milestone.category,
            role: milestone.role,
            due_text: milestone.offset.to_string(),
            tally,
        });
    }
    // The per-match table lists the matches the filters keep, with their relationship items.
    if filters.category != Some(Category::Program) {
        for ((m, state), tally) in live_matches.into_iter().zip(per_match) {
            if filters.state.is_some_and(|s| s != state) || !in_range(m.published_on, filters) {
                continue;
            }
            figures.matches.push(MatchFigures {
                id: m.id,
                mentor_name: m.mentor_name.clone(),
                mentee_name: m.mentee_name.clone(),
                state,
                published_on: m.published_on,
                ended_on: m.ended_on.filter(|_| state == MatchState::Ended),
                tally,
            });
        }
    }
    for milestone in milestones.iter().filter(|m| m.archived) {
        let completed = completed_on
            .iter()
            .filter(|((id, _, _), day)| *id == milestone.id && day.is_some())
            .count() as u32;
        figures.archived.push(ArchivedFigures {
            name: milestone.name.clone(),
            completed,
        });
    }
    figures
}

/// Orders the per-match rows; ties keep a stable order by mentor, mentee and id.
pub fn sort_matches(rows: &mut [MatchFigures], order: MatchOrder) {
    let names = |a: &MatchFigures, b: &MatchFigures| {
        a.mentor_name
            .to_lowercase()
            .cmp(&b.mentor_name.to_lowercase())
            .then_with(|| {
                a.mentee_name
                    .to_lowercase()
                    .cmp(&b.mentee_name.to_lowercase())
            })
            .then(a.id.cmp(&b.id))
    };
    // Share completed of all the match's items, as a fraction compared without rounding.
    let share = |m: &MatchFigures| (u64::from(m.tally.completed()), u64::from(m.tally.items));
    rows.sort_by(|a, b| match order {
        MatchOrder::Progress => {
            let ((ca, ia), (cb, ib)) = (share(a), share(b));
            // ca/ia vs cb/ib; a match without items sorts last.
            match (ia, ib) {
                (0, 0) => names(a, b),
                (0, _) => std::cmp::Ordering::Greater,
                (_, 0) => std::cmp::Ordering::Less,
                _ => (ca * ib).cmp(&(cb * ia)).then_with(|| names(a, b)),
            }
        }
        MatchOrder::MostOverdue => b
            .tally
            .overdue
            .cmp(&a.tally.overdue)
            .then_with(|| names(a, b)),
        MatchOrder::Mentor => names(a, b),
        MatchOrder::Mentee => a
            .mentee_name
            .to_lowercase()
            .cmp(&b.mentee_name.to_lowercase())
            .then_with(|| names(a, b)),
        MatchOrder::Newest => b
            .published_on
            .cmp(&a.published_on)
            .then_with(|| names(a, b)),
        MatchOrder::Oldest => a
            .published_on
            .cmp(&b.published_on)
            .then_with(|| names(a, b)),
    });
}

/// One line of the completion history shown under the report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub milestone_name: String,
    /// Whose item it is.
    pub person_name: String,
    pub completed: bool,
    pub actor_name: String,
    pub source: crate::items::Source,
    /// When, in the program's time zone: "2026-11-28 14:05".
    pub at_text: String,
    pub day: NaiveDate,
}

/// The whole report as the page receives it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    pub program: crate::programs::model::ProgramDetails,
    pub as_of: NaiveDate,
    pub figures: Figures,
    /// The matches of `figures.matches` on this page (the table pages by 100).
    pub match_page: i64,
    pub match_pages: i64,
    /// How many matches the per-match table holds in all.
    pub match_total: i64,
    pub history: Vec<HistoryEntry>,
}

/// Rows per page of the per-match table.
pub const MATCHES_PER_PAGE: usize = 100;

/// The report's query as typed in the filter form; [`ReportQuery::parse`] checks it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReportQuery {
    pub category: String,
    pub role: String,
    pub state: String,
    pub from: String,
    pub to: String,
    pub as_of: String,
    pub sort: String,
    pub page: i64,
}

/// A filter field that could not be read, with the message shown next to it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FilterError {
    pub field: String,
    pub message: String,
}

fn parse_day(value: &str, label: &str) -> Result<Option<NaiveDate>, String> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| format!("{label}: enter a date as YYYY-MM-DD, for example 2026-03-31."))
}

impl ReportQuery {
    /// The query from an address's parameters (`get` answers one parameter by name); a page
    /// number that is not a number is page 1.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> ReportQuery {
        let text = |key: &str| get(key).unwrap_or_default();
        ReportQuery {
            category: text("category"),
            role: text("role"),
            state: text("state"),
            from: text("from"),
            to: text("to"),
            as_of: text("as_of"),
            sort: text("sort"),
            page: get("page").and_then(|p| p.parse().ok()).unwrap_or(1),
        }
    }

    /// The filters, the as-of day (the program's `today` when empty) and the table order, or
    /// one message per field that is wrong.
    pub fn parse(
        &self,
        today: NaiveDate,
    ) -> Result<(Filters, NaiveDate, MatchOrder), Vec<FilterError>> {
        let mut errors = Vec::new();
        let mut fail = |field: &'static str, message: String| {
            errors.push(FilterError {
                field: field.to_string(),
                message,
            })
        };
        let category = match self.category.as_str() {
            "" => None,
            other => Category::parse(other).or_else(|| {
                fail("category", "Category: choose one from the list.".into());
                None
            }),
        };
        let role = match self.role.as_str() {
            "" => None,
            other => Role::parse(other).or_else(|| {
                fail("role", "Program Role: choose one from the list.".into());
                None
            }),
        };
        let state = match self.state.as_str() {
            "" => None,
            "published" => Some(MatchState::Published),
            "ended" => Some(MatchState::Ended),
            _ => {
                fail("state", "Match state: choose one from the list.".into());
                None
            }
        };
        let from = parse_day(&self.from, "Published from").unwrap_or_else(|m| {
            fail("from", m);
            None
        });
        let to = parse_day(&self.to, "Published to").unwrap_or_else(|m| {
            fail("to", m);
            None
        });
        if let (Some(f), Some(t)) = (from, to)
            && f > t
        {
            fail(
                "to",
                "Published to: the end of the range is before its start.".into(),
            );
        }
        let as_of = match parse_day(&self.as_of, "As of") {
            Ok(Some(day)) if day > today => {
                fail(
                    "as_of",
                    format!(
                        "As of: the report can look back, not ahead; today is {}.",
                        crate::milestones::due_date::iso_date(today)
                    ),
                );
                today
            }
            Ok(day) => day.unwrap_or(today),
            Err(m) => {
                fail("as_of", m);
                today
            }
        };
        let order = MatchOrder::parse(&self.sort).unwrap_or_default();
        if errors.is_empty() {
            Ok((
                Filters {
                    category,
                    role,
                    state,
                    published_from: from,
                    published_to: to,
                },
                as_of,
                order,
            ))
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests;

/// The per-milestone table as CSV: one row per milestone, then the totals, with the page's
/// figures (and the completion rate printed the same way).
pub fn milestones_csv(figures: &Figures) -> String {
    use crate::programs::csv::line;
    let mut out = line([
        "milestone",
        "category",
        "program_role",
        "due_after_publishing",
        "items",
        "due_so_far",
        "completed",
        "completed_on_time",
        "completed_late",
        "overdue",
        "upcoming",
        "closed",
        "completion_rate",
    ]);
    let mut row = |name: &str, category: &str, role: &str, due: &str, t: &Tally| {
        let numbers = [
            t.items,
            t.due,
            t.completed(),
            t.on_time,
            t.late,
            t.overdue,
            t.upcoming,
            t.closed,
        ]
        .map(|n| n.to_string());
        let rate = t.rate_text();
        let mut cells = vec![name, category, role, due];
        cells.extend(numbers.iter().map(String::as_str));
        cells.push(rate.as_str());
        out.push_str(&line(cells));
    };
    for m in &figures.milestones {
        row(
            &m.name,
            m.category.label(),
            m.role.label(),
            &m.due_text,
            &m.tally,
        );
    }
    row("All milestones", "", "", "", &figures.totals);
    out
}

/// The per-match table as CSV, every match (the page shows them 100 at a time), in the
/// page's order.
pub fn matches_csv(figures: &Figures) -> String {
    use crate::milestones::due_date::iso_date;
    use crate::programs::csv::line;
    let mut out = line([
        "mentor",
        "mentee",
        "state",
        "published_on",
        "ended_on",
        "items",
        "completed",
        "completed_on_time",
        "completed_late",
        "overdue",
        "upcoming",
        "closed",
        "due_so_far",
        "completion_rate",
    ]);
    for m in &figures.matches {
        let t = &m.tally;
        let published = iso_date(m.published_on);
        let ended = m.ended_on.map(iso_date).unwrap_or_default();
        let numbers = [
            t.items,
            t.completed(),
            t.on_time,
            t.late,
            t.overdue,
            t.upcoming,
            t.closed,
            t.due,
        ]
        .map(|n| n.to_string());
        let rate = t.rate_text();
        let mut cells = vec![
            m.mentor_name.as_str(),
            m.mentee_name.as_str(),
            m.state.as_str(),
            published.as_str(),
            ended.as_str(),
        ];
        cells.extend(numbers.iter().map(String::as_str));
        cells.push(rate.as_str());
        out.push_str(&line(cells));
    }
    out
}
