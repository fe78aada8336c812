//! The report's figures: every milestone item of a program tallied as it stood at the end of a
//! day, per milestone, per match and in total. One pure function, [`compute`], over rows the
//! store reads; the page and the CSV both print its result, so they cannot disagree.

use super::query::{Filters, MatchOrder};
use crate::items::Source;
use crate::kernel::due_date::DueOffset;
use crate::kernel::roles::{MatchState, Role};
use crate::milestones::rule::{ItemRule, MatchFact};
use crate::milestones::{Category, ItemStatus, item_status};
use chrono::NaiveDate;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

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

    pub(crate) fn merge(&mut self, other: &Tally) {
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
    /// On the completion that stands today: how it was judged when it was made (its due date
    /// then, and its day in the program's zone then). It is never judged again.
    pub judged: Option<Judged>,
    /// Where it was made.
    pub source: Source,
}

/// Completed items counted by where their completion was made.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BySource {
    pub quickcliq: u32,
    pub profile: u32,
    pub admin: u32,
    pub email: u32,
}

impl BySource {
    fn add(&mut self, source: Source) {
        match source {
            Source::Quickcliq => self.quickcliq += 1,
            Source::Profile => self.profile += 1,
            Source::Admin => self.admin += 1,
            Source::Email => self.email += 1,
        }
    }

    pub fn total(&self) -> u32 {
        self.quickcliq + self.profile + self.admin + self.email
    }
}

/// How a completion was judged when it was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Judged {
    pub due: NaiveDate,
    pub completed_on: NaiveDate,
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
    /// The completed items of `totals` by where they were completed.
    pub by_source: BySource,
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

/// An item of the report: milestone, enrollment (whose item it is) and, for a relationship
/// milestone, the match.
pub type ItemKey = (i64, i64, Option<i64>);

/// A completion that stands: the program-calendar day it was made on, how it was judged when
/// it was made (absent on completions from before judging was recorded), and where it was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Standing {
    pub day: NaiveDate,
    pub judged: Option<Judged>,
    pub source: Source,
}

/// The completions that stand, by item.
pub type StandingMap = FxHashMap<ItemKey, Standing>;

/// The completions that stood at the end of `as_of`, from the history in the order it
/// happened: the last entry of each item up to that day decides.
pub fn standing_as_of(events: &[EventInput], as_of: NaiveDate) -> StandingMap {
    let mut standing = StandingMap::default();
    for event in events.iter().filter(|e| e.day <= as_of) {
        let key = (event.milestone_id, event.enrollment_id, event.match_id);
        if event.completed {
            standing.insert(
                key,
                Standing {
                    day: event.day,
                    judged: event.judged,
                    source: event.source,
                },
            );
        } else {
            standing.remove(&key);
        }
    }
    standing
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
    tally(
        milestones,
        matches,
        &standing_as_of(events, as_of),
        filters,
        as_of,
    )
}

/// [`compute`] from the completions that stood at the end of `as_of` (read from the history,
/// or kept up to date as completions happen: see `report::cache`).
pub fn tally(
    milestones: &[MilestoneInput],
    matches: &[MatchInput],
    standing: &StandingMap,
    filters: &Filters,
    as_of: NaiveDate,
) -> Figures {
    // The matches that exist on the as-of day, as the item rule reads them.
    let mut live_matches: Vec<(&MatchInput, MatchState)> = Vec::with_capacity(matches.len());
    let mut facts: Vec<MatchFact> = Vec::with_capacity(matches.len());
    for m in matches {
        let Some(state) = state_on(m, as_of) else {
            continue;
        };
        live_matches.push((m, state));
        facts.push(MatchFact {
            id: m.id,
            mentor_enrollment: m.mentor_enrollment,
            mentee_enrollment: m.mentee_enrollment,
            published_on: m.published_on,
            ended: state == MatchState::Ended,
        });
    }
    let index_of: FxHashMap<i64, usize> =
        facts.iter().enumerate().map(|(i, m)| (m.id, i)).collect();
    let rule = ItemRule::new(&facts);

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
        // Many items share an anchor day (matches published the same day): each due date is
        // worked out once.
        let mut due_of: FxHashMap<NaiveDate, Option<NaiveDate>> = FxHashMap::default();
        for item in rule.items(milestone.category, milestone.role) {
            // A relationship item has its match's state and publish date; a program item is
            // published while any of the person's matches is, and dated by their first one.
            let state = if item.closed {
                MatchState::Ended
            } else {
                MatchState::Published
            };
            if filters.state.is_some_and(|s| s != state) || !in_range(item.anchor, filters) {
                continue;
            }
            let Some(due) = *due_of
                .entry(item.anchor)
                .or_insert_with(|| milestone.offset.due_from(item.anchor))
            else {
                continue;
            };
            let completion = standing.get(&(milestone.id, item.enrollment_id, item.match_id));
            // A completion that stands counts as it was judged when it was made.
            let (status, due) = match completion.and_then(|c| c.judged) {
                Some(j) => (
                    ItemStatus::Completed {
                        late: j.completed_on > j.due,
                    },
                    j.due,
                ),
                None => (
                    item_status(due, as_of, completion.map(|c| c.day), item.closed),
                    due,
                ),
            };
            tally.add(status, due, as_of);
            if let (ItemStatus::Completed { .. }, Some(c)) = (status, completion) {
                figures.by_source.add(c.source);
            }
            if let Some(index) = item.match_id.and_then(|m| index_of.get(&m)) {
                per_match[*index].add(status, due, as_of);
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
    let archived: Vec<&MilestoneInput> = milestones.iter().filter(|m| m.archived).collect();
    if !archived.is_empty() {
        let mut kept: FxHashMap<i64, u32> = archived.iter().map(|m| (m.id, 0)).collect();
        for (milestone, _, _) in standing.keys() {
            if let Some(count) = kept.get_mut(milestone) {
                *count += 1;
            }
        }
        for milestone in archived {
            figures.archived.push(ArchivedFigures {
                name: milestone.name.clone(),
                completed: kept.get(&milestone.id).copied().unwrap_or(0),
            });
        }
    }
    figures
}

/// Orders the per-match rows; ties keep a stable order by mentor, mentee and id.
pub fn sort_matches(rows: &mut Vec<MatchFigures>, order: MatchOrder) {
    // Each name is lowered once (not on every comparison: a large program has 100,000 rows).
    let lowered: Vec<(String, String)> = rows
        .iter()
        .map(|m| (m.mentor_name.to_lowercase(), m.mentee_name.to_lowercase()))
        .collect();
    let names = |a: usize, b: usize| {
        lowered[a]
            .0
            .cmp(&lowered[b].0)
            .then_with(|| lowered[a].1.cmp(&lowered[b].1))
            .then(rows[a].id.cmp(&rows[b].id))
    };
    // Share completed of all the match's items, as a fraction compared without rounding.
    let share = |m: &MatchFigures| (u64::from(m.tally.completed()), u64::from(m.tally.items));
    let mut positions: Vec<usize> = (0..rows.len()).collect();
    positions.sort_by(|&a, &b| {
        let (ra, rb) = (&rows[a], &rows[b]);
        match order {
            MatchOrder::Progress => {
                let ((ca, ia), (cb, ib)) = (share(ra), share(rb));
                // ca/ia vs cb/ib; a match without items sorts last.
                match (ia, ib) {
                    (0, 0) => names(a, b),
                    (0, _) => std::cmp::Ordering::Greater,
                    (_, 0) => std::cmp::Ordering::Less,
                    _ => (ca * ib).cmp(&(cb * ia)).then_with(|| names(a, b)),
                }
            }
            MatchOrder::MostOverdue => rb
                .tally
                .overdue
                .cmp(&ra.tally.overdue)
                .then_with(|| names(a, b)),
            MatchOrder::Mentor => names(a, b),
            MatchOrder::Mentee => lowered[a].1.cmp(&lowered[b].1).then_with(|| names(a, b)),
            MatchOrder::Newest => rb
                .published_on
                .cmp(&ra.published_on)
                .then_with(|| names(a, b)),
            MatchOrder::Oldest => ra
                .published_on
                .cmp(&rb.published_on)
                .then_with(|| names(a, b)),
        }
    });
    let mut taken: Vec<Option<MatchFigures>> = std::mem::take(rows).into_iter().map(Some).collect();
    rows.extend(positions.into_iter().filter_map(|i| taken[i].take()));
}
