//! The report's figures on a fixture computed by hand, and the invariants every report keeps.

use super::*;
use crate::kernel::roles::{MatchState, Role};
use crate::milestones::{Category, DueOffset, OffsetUnit};
use chrono::{Datelike, NaiveDate};
use proptest::prelude::*;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
}

fn milestone(
    id: i64,
    name: &str,
    category: Category,
    role: Role,
    amount: u16,
    unit: OffsetUnit,
    archived: bool,
) -> MilestoneInput {
    MilestoneInput {
        id,
        name: name.into(),
        category,
        role,
        offset: DueOffset::new(amount, unit).expect("valid offset"),
        archived,
    }
}

fn a_match(
    id: i64,
    mentor: i64,
    mentee: i64,
    published_on: NaiveDate,
    ended_on: Option<NaiveDate>,
) -> MatchInput {
    MatchInput {
        id,
        mentor_enrollment: mentor,
        mentee_enrollment: mentee,
        mentor_name: format!("Mentor {mentor}"),
        mentee_name: format!("Mentee {mentee}"),
        published_on,
        ended_on,
    }
}

fn event(
    milestone: i64,
    enrollment: i64,
    m: Option<i64>,
    completed: bool,
    on: NaiveDate,
) -> EventInput {
    EventInput {
        milestone_id: milestone,
        enrollment_id: enrollment,
        match_id: m,
        completed,
        day: on,
        judged: None,
        // Sources vary, so that the counts by source are tried with all four.
        source: [
            crate::items::Source::Quickcliq,
            crate::items::Source::Profile,
            crate::items::Source::Admin,
            crate::items::Source::Email,
        ][(milestone + enrollment + i64::from(on.day())).rem_euclid(4) as usize],
    }
}

/// The fixture of the report's tests (the database tests build the same one).
pub(crate) fn fixture() -> (Vec<MilestoneInput>, Vec<MatchInput>, Vec<EventInput>) {
    use Category::*;
    use OffsetUnit::*;
    let milestones = vec![
        milestone(1, "Orientation", Program, Role::Mentee, 1, Weeks, false),
        milestone(2, "Agreement", Relationship, Role::Mentor, 2, Weeks, false),
        milestone(3, "Check-In", Relationship, Role::Mentee, 3, Months, false),
        milestone(4, "Old form", Relationship, Role::Mentor, 1, Days, true),
    ];
    let matches = vec![
        a_match(10, 100, 200, day(2026, 5, 1), None),
        a_match(11, 101, 201, day(2026, 6, 20), None),
        a_match(12, 100, 202, day(2026, 3, 1), Some(day(2026, 4, 15))),
        a_match(13, 102, 203, day(2026, 7, 5), None),
    ];
    let events = vec![
        event(2, 100, Some(12), true, day(2026, 3, 20)),
        event(4, 100, Some(10), true, day(2026, 5, 2)),
        event(1, 200, None, true, day(2026, 5, 9)),
        event(2, 100, Some(10), true, day(2026, 5, 10)),
        event(1, 201, None, true, day(2026, 6, 21)),
        event(1, 201, None, false, day(2026, 6, 22)),
        event(3, 200, Some(10), true, day(2026, 7, 2)),
    ];
    (milestones, matches, events)
}

#[allow(clippy::too_many_arguments)]
fn tally(
    items: u32,
    due: u32,
    due_completed: u32,
    on_time: u32,
    late: u32,
    overdue: u32,
    upcoming: u32,
    closed: u32,
) -> Tally {
    Tally {
        items,
        due,
        due_completed,
        on_time,
        late,
        overdue,
        upcoming,
        closed,
    }
}

fn run(filters: &Filters, as_of: NaiveDate) -> Figures {
    let (milestones, matches, events) = fixture();
    compute(&milestones, &matches, &events, filters, as_of)
}

#[test]
fn every_item_is_tallied_as_computed_by_hand() {
    let figures = run(&Filters::default(), day(2026, 6, 30));
    let by_name: Vec<(&str, Tally)> = figures
        .milestones
        .iter()
        .map(|m| (m.name.as_str(), m.tally))
        .collect();
    assert_eq!(
        by_name,
        vec![
            // Mentees 200 (due 8 May, done 9 May: late), 201 (due 27 Jun, undone: overdue),
            // 202 (only an ended match: closed).
            ("Orientation", tally(3, 3, 1, 0, 1, 1, 0, 1)),
            // Match 10 on time, match 11 due 4 Jul (upcoming), match 12 late.
            ("Agreement", tally(3, 2, 2, 1, 1, 0, 1, 0)),
            // Matches 10 and 11 upcoming (the 2 Jul completion is after the as-of day),
            // match 12 ended with it open: closed.
            ("Check-In", tally(3, 1, 0, 0, 0, 0, 2, 1)),
        ]
    );
    assert_eq!(figures.totals, tally(9, 6, 3, 1, 2, 1, 3, 2));
    assert_eq!(figures.totals.rate_text(), "50%");
    assert_eq!(figures.milestones[0].tally.rate_text(), "33.3%");
    assert_eq!(
        figures.archived,
        vec![ArchivedFigures {
            name: "Old form".into(),
            completed: 1
        }]
    );
    let per_match: Vec<(i64, MatchState, Option<NaiveDate>, u32, u32)> = figures
        .matches
        .iter()
        .map(|m| {
            (
                m.id,
                m.state,
                m.ended_on,
                m.tally.completed(),
                m.tally.items,
            )
        })
        .collect();
    assert_eq!(
        per_match,
        vec![
            (10, MatchState::Published, None, 1, 2),
            (11, MatchState::Published, None, 0, 2),
            (12, MatchState::Ended, Some(day(2026, 4, 15)), 1, 2),
        ]
    );
}

#[test]
fn an_earlier_as_of_day_recomputes_from_the_history() {
    // On 1 April only match 12 was published, and it was still running.
    let figures = run(&Filters::default(), day(2026, 4, 1));
    assert_eq!(figures.totals, tally(3, 2, 1, 0, 1, 1, 1, 0));
    assert_eq!(figures.matches.len(), 1);
    assert_eq!(figures.matches[0].state, MatchState::Published);
    assert_eq!(figures.matches[0].ended_on, None);
    // On 21 June mentee 201 had completed Orientation (on time, before it was due); the undo
    // came on the 22nd.
    let figures = run(&Filters::default(), day(2026, 6, 21));
    assert_eq!(figures.milestones[0].tally, tally(3, 2, 1, 1, 1, 0, 0, 1));
    // And on 3 July the Check-In of match 10 counts as completed early (not yet due).
    let figures = run(&Filters::default(), day(2026, 7, 3));
    assert_eq!(figures.milestones[2].tally, tally(3, 1, 0, 1, 0, 0, 1, 1));
}

#[test]
fn each_filter_narrows_the_items() {
    let as_of = day(2026, 6, 30);
    let relationship = run(
        &Filters {
            category: Some(Category::Relationship),
            ..Filters::default()
        },
        as_of,
    );
    assert_eq!(relationship.totals, tally(6, 3, 2, 1, 1, 0, 3, 1));
    let program = run(
        &Filters {
            category: Some(Category::Program),
            ..Filters::default()
        },
        as_of,
    );
    assert_eq!(program.totals, tally(3, 3, 1, 0, 1, 1, 0, 1));
    assert!(program.matches.is_empty(), "program items belong to people");
    let mentor = run(
        &Filters {
            role: Some(Role::Mentor),
            ..Filters::default()
        },
        as_of,
    );
    assert_eq!(mentor.totals, tally(3, 2, 2, 1, 1, 0, 1, 0));
    let ended = run(
        &Filters {
            state: Some(MatchState::Ended),
            ..Filters::default()
        },
        as_of,
    );
    // Match 12's two items, and mentee 202's Orientation (her only match has ended).
    assert_eq!(ended.totals, tally(3, 3, 1, 0, 1, 0, 0, 2));
    assert_eq!(ended.matches.iter().map(|m| m.id).collect::<Vec<_>>(), [12]);
    let since_april = run(
        &Filters {
            published_from: Some(day(2026, 4, 1)),
            ..Filters::default()
        },
        as_of,
    );
    // Matches 10 and 11 (4 items) and mentees 200 and 201 (anchored 1 May and 20 June).
    assert_eq!(since_april.totals, tally(6, 3, 2, 1, 1, 1, 3, 0));
    let until_may = run(
        &Filters {
            published_to: Some(day(2026, 5, 31)),
            ..Filters::default()
        },
        as_of,
    );
    assert_eq!(
        until_may.matches.iter().map(|m| m.id).collect::<Vec<_>>(),
        [10, 12]
    );
}

#[test]
fn the_query_is_checked_field_by_field() {
    let today = day(2026, 6, 30);
    let ok = ReportQuery {
        category: "relationship".into(),
        as_of: "2026-06-01".into(),
        sort: "overdue".into(),
        ..ReportQuery::default()
    }
    .parse(today)
    .expect("valid");
    assert_eq!(ok.0.category, Some(Category::Relationship));
    assert_eq!(ok.1, day(2026, 6, 1));
    assert_eq!(ok.2, MatchOrder::MostOverdue);
    assert_eq!(ReportQuery::default().parse(today).expect("valid").1, today);
    let errors = ReportQuery {
        from: "2026-06-10".into(),
        to: "2026-06-01".into(),
        as_of: "2026-07-01".into(),
        role: "coach".into(),
        ..ReportQuery::default()
    }
    .parse(today)
    .expect_err("three wrong fields");
    let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["role", "to", "as_of"]);
    assert!(errors[2].message.contains("2026-06-30"));
    let bad_day = ReportQuery {
        from: "31/12/2026".into(),
        ..ReportQuery::default()
    }
    .parse(today)
    .expect_err("not a date");
    assert_eq!(bad_day[0].field, "from");
}

#[test]
fn rates_round_half_up_to_one_decimal() {
    let t = |due, done| Tally {
        due,
        due_completed: done,
        ..Tally::default()
    };
    assert_eq!(t(0, 0).rate_text(), "—");
    assert_eq!(t(3, 2).rate_text(), "66.7%");
    assert_eq!(t(8, 1).rate_text(), "12.5%");
    assert_eq!(t(2000, 1).rate_text(), "0.1%");
    assert_eq!(t(7, 7).rate_text(), "100%");
}

#[test]
fn matches_sort_by_progress_overdue_names_and_dates() {
    let mut rows = run(&Filters::default(), day(2026, 6, 30)).matches;
    sort_matches(&mut rows, MatchOrder::Progress);
    assert_eq!(rows.iter().map(|m| m.id).collect::<Vec<_>>(), [11, 10, 12]);
    sort_matches(&mut rows, MatchOrder::Newest);
    assert_eq!(rows.iter().map(|m| m.id).collect::<Vec<_>>(), [11, 10, 12]);
    sort_matches(&mut rows, MatchOrder::Oldest);
    assert_eq!(rows.iter().map(|m| m.id).collect::<Vec<_>>(), [12, 10, 11]);
    sort_matches(&mut rows, MatchOrder::Mentee);
    assert_eq!(rows.iter().map(|m| m.id).collect::<Vec<_>>(), [10, 11, 12]);
}

fn arbitrary_program()
-> impl Strategy<Value = (Vec<MilestoneInput>, Vec<MatchInput>, Vec<EventInput>)> {
    let milestones = prop::collection::vec(
        (
            any::<bool>(),
            any::<bool>(),
            0u16..60,
            0usize..3,
            prop::bool::weighted(0.2),
        ),
        0..6,
    );
    let matches = prop::collection::vec(
        (0i64..6, 0i64..6, 0u64..200, prop::option::of(0u64..200)),
        0..12,
    );
    (milestones, matches).prop_flat_map(|(ms, mt)| {
        let milestones: Vec<MilestoneInput> = ms
            .into_iter()
            .enumerate()
            .map(
                |(i, (relationship, mentor, amount, unit, archived))| MilestoneInput {
                    id: i as i64 + 1,
                    name: format!("M{i}"),
                    category: if relationship {
                        Category::Relationship
                    } else {
                        Category::Program
                    },
                    role: if mentor { Role::Mentor } else { Role::Mentee },
                    offset: DueOffset::new(
                        amount,
                        [OffsetUnit::Days, OffsetUnit::Weeks, OffsetUnit::Months][unit],
                    )
                    .expect("in range"),
                    archived,
                },
            )
            .collect();
        let start = day(2026, 1, 1);
        let matches: Vec<MatchInput> = mt
            .into_iter()
            .enumerate()
            .map(|(i, (mentor, mentee, published, ended))| {
                let published_on = start + chrono::Days::new(published);
                a_match(
                    i as i64 + 1,
                    100 + mentor,
                    200 + mentee,
                    published_on,
                    ended.map(|e| published_on + chrono::Days::new(e)),
                )
            })
            .collect();
        let keys: Vec<(i64, i64, Option<i64>)> = milestones
            .iter()
            .flat_map(|m| {
                matches.iter().map(move |x| {
                    let enrollment = match m.role {
                        Role::Mentor => x.mentor_enrollment,
                        Role::Mentee => x.mentee_enrollment,
                    };
                    let match_id = (m.category == Category::Relationship).then_some(x.id);
                    (m.id, enrollment, match_id)
                })
            })
            .collect();
        let events = if keys.is_empty() {
            Just(Vec::new()).boxed()
        } else {
            prop::collection::vec(
                (prop::sample::select(keys), any::<bool>(), 0u64..400),
                0..30,
            )
            .prop_map(move |raw| {
                let mut events: Vec<EventInput> = raw
                    .into_iter()
                    .map(|((m, e, x), completed, d)| {
                        event(m, e, x, completed, start + chrono::Days::new(d))
                    })
                    .collect();
                events.sort_by_key(|e| e.day);
                events
            })
            .boxed()
        };
        (Just(milestones), Just(matches), events)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn figures_add_up_whatever_the_program(
        (milestones, matches, events) in arbitrary_program(),
        as_of_offset in 0u64..450,
        category in prop::option::of(prop::bool::ANY),
    ) {
        let as_of = day(2026, 1, 1) + chrono::Days::new(as_of_offset);
        let filters = Filters {
            category: category.map(|r| if r { Category::Relationship } else { Category::Program }),
            ..Filters::default()
        };
        let figures = compute(&milestones, &matches, &events, &filters, as_of);
        let mut sum = Tally::default();
        for m in &figures.milestones {
            let t = m.tally;
            // Every item is in exactly one bucket, and the rate never passes 100%.
            prop_assert_eq!(t.items, t.on_time + t.late + t.overdue + t.upcoming + t.closed);
            prop_assert!(t.due_completed <= t.due && t.due <= t.items);
            prop_assert!(t.due_completed <= t.completed());
            prop_assert!(t.rate_permille().is_none_or(|p| p <= 1000));
            sum.merge(&t);
        }
        prop_assert_eq!(sum, figures.totals);
        // Every completed item counted has its source counted, once.
        prop_assert_eq!(figures.by_source.total(), figures.totals.completed());
        // The per-match rows hold exactly the relationship items.
        let mut per_match = Tally::default();
        for m in &figures.matches {
            per_match.merge(&m.tally);
            prop_assert!(m.published_on <= as_of);
        }
        let mut relationship = Tally::default();
        for m in figures.milestones.iter().filter(|m| m.category == Category::Relationship) {
            relationship.merge(&m.tally);
        }
        prop_assert_eq!(per_match, relationship);
        // Archived milestones never count.
        prop_assert_eq!(
            figures.milestones.len(),
            milestones.iter().filter(|m| !m.archived && filters.category.is_none_or(|c| c == m.category)).count()
        );
    }

    #[test]
    fn nothing_counts_before_the_first_publish_date(
        (milestones, matches, events) in arbitrary_program(),
    ) {
        let figures = compute(&milestones, &matches, &events, &Filters::default(), day(2025, 12, 31));
        prop_assert_eq!(figures.totals, Tally::default());
        prop_assert!(figures.matches.is_empty());
    }
}
