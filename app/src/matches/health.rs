//! Match health (docs/rules.md, "Match health"): whether a published match is **On track**,
//! **Needs attention** or **Too early to tell**, from its items' due dates and completion
//! days. Pure: the Matches page, the Program Admin Panel, the Activity Report and the weekly
//! summary email all ask this one function.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// An open item overdue by more than this many days needs attention.
pub const OVERDUE_DAYS: i64 = 7;
/// A match with open items and nothing completed for more than this many days (counted from
/// its first due date, or its last completion if later) needs attention.
pub const STALL_DAYS: i64 = 30;

/// The rules in one line each, as the pages show them.
pub const RULES: [&str; 3] = [
    "Too early to tell: before the match's first due date.",
    "Needs attention: an item overdue by more than 7 days, or items open and nothing completed for more than 30 days since the first due date (or the last completion, if later).",
    "On track: otherwise.",
];

/// One item of the match, as health reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HealthItem {
    pub milestone: String,
    pub due: NaiveDate,
    /// The day it was completed, if it was.
    pub completed_on: Option<NaiveDate>,
}

/// A published match's health.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Health {
    TooEarly,
    OnTrack,
    /// With the reasons, one sentence each.
    NeedsAttention(Vec<String>),
}

impl Health {
    pub fn label(&self) -> &'static str {
        match self {
            Health::TooEarly => "Too early to tell",
            Health::OnTrack => "On track",
            Health::NeedsAttention(_) => "Needs attention",
        }
    }

    /// The filter value in the address.
    pub fn key(&self) -> &'static str {
        match self {
            Health::TooEarly => "early",
            Health::OnTrack => "on-track",
            Health::NeedsAttention(_) => "attention",
        }
    }
}

/// How many published matches have each health.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthCounts {
    pub attention: usize,
    pub on_track: usize,
    pub early: usize,
}

impl HealthCounts {
    pub fn of<'a>(healths: impl IntoIterator<Item = &'a Health>) -> HealthCounts {
        let mut counts = HealthCounts::default();
        for health in healths {
            match health {
                Health::NeedsAttention(_) => counts.attention += 1,
                Health::OnTrack => counts.on_track += 1,
                Health::TooEarly => counts.early += 1,
            }
        }
        counts
    }

    /// Each health with its count, in the filter's order.
    pub fn by_key(self) -> [(&'static str, &'static str, usize); 3] {
        [
            (FILTER[0].0, FILTER[0].1, self.attention),
            (FILTER[1].0, FILTER[1].1, self.on_track),
            (FILTER[2].0, FILTER[2].1, self.early),
        ]
    }
}

/// The health filter's choices: its value in the address and its label.
pub const FILTER: [(&str, &str); 3] = [
    ("attention", "Needs attention"),
    ("on-track", "On track"),
    ("early", "Too early to tell"),
];

/// A match's health as the lists show it: the label, and why it needs attention.
#[leptos::component]
pub fn HealthCell(health: Option<Health>) -> impl leptos::IntoView {
    use leptos::prelude::*;
    match health {
        None => view! { <span class="muted">"—"</span> }.into_any(),
        Some(health) => {
            let reasons = match &health {
                Health::NeedsAttention(reasons) => reasons.clone(),
                _ => Vec::new(),
            };
            view! {
                <span class=format!("badge health-{}", health.key())>{health.label()}</span>
                {(!reasons.is_empty()).then(|| view! {
                    <ul class="health-reasons">
                        {reasons.into_iter().map(|r| view! { <li>{r}</li> }).collect_view()}
                    </ul>
                })}
            }
            .into_any()
        }
    }
}

/// The rules, one line each, under a list that shows health.
#[leptos::component]
pub fn HealthRules() -> impl leptos::IntoView {
    use leptos::prelude::*;
    view! {
        <details class="health-rules">
            <summary>"How match health is decided"</summary>
            <ul>{RULES.iter().map(|rule| view! { <li>{*rule}</li> }).collect_view()}</ul>
        </details>
    }
}

fn days(n: i64) -> String {
    if n == 1 {
        "1 day".to_string()
    } else {
        format!("{n} days")
    }
}

/// The health of a published match on `today`, from its items (not counting items marked not
/// needed, which the caller leaves out).
pub fn health(items: &[HealthItem], today: NaiveDate) -> Health {
    let Some(first_due) = items.iter().map(|i| i.due).min() else {
        return Health::TooEarly;
    };
    if today < first_due {
        return Health::TooEarly;
    }
    let mut reasons = Vec::new();
    let mut overdue: Vec<(i64, &str)> = items
        .iter()
        .filter(|i| i.completed_on.is_none())
        .map(|i| ((today - i.due).num_days(), i.milestone.as_str()))
        .filter(|(late, _)| *late > OVERDUE_DAYS)
        .collect();
    overdue.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
    for (late, milestone) in overdue {
        reasons.push(format!("{milestone} is {} overdue.", days(late)));
    }
    let open = items.iter().any(|i| i.completed_on.is_none());
    let last_completed = items.iter().filter_map(|i| i.completed_on).max();
    let since = last_completed.map_or(first_due, |last| last.max(first_due));
    let quiet = (today - since).num_days();
    if open && quiet > STALL_DAYS {
        reasons.push(match last_completed {
            Some(last) => format!(
                "Nothing completed for {} (last on {}).",
                days(quiet),
                crate::kernel::due_date::readable_date(last)
            ),
            None => format!(
                "Nothing completed yet, {} after the first due date.",
                days(quiet)
            ),
        });
    }
    if reasons.is_empty() {
        Health::OnTrack
    } else {
        Health::NeedsAttention(reasons)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Days;
    use proptest::prelude::*;

    fn day(n: u64) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 1, 1).expect("a day") + Days::new(n)
    }

    fn item(name: &str, due: u64, done: Option<u64>) -> HealthItem {
        HealthItem {
            milestone: name.to_string(),
            due: day(due),
            completed_on: done.map(day),
        }
    }

    #[test]
    fn before_the_first_due_date_it_is_too_early() {
        assert_eq!(health(&[], day(100)), Health::TooEarly);
        let items = [item("Kick-off", 10, None), item("Plan", 40, None)];
        assert_eq!(health(&items, day(9)), Health::TooEarly);
        assert_eq!(health(&items, day(10)), Health::OnTrack);
    }

    #[test]
    fn an_item_more_than_seven_days_overdue_needs_attention() {
        let items = [item("Kick-off", 10, None), item("Plan", 12, None)];
        assert_eq!(health(&items, day(17)), Health::OnTrack, "7 days: not yet");
        assert_eq!(
            health(&items, day(18)),
            Health::NeedsAttention(vec!["Kick-off is 8 days overdue.".into()])
        );
        let done = [item("Kick-off", 10, Some(25)), item("Plan", 12, Some(13))];
        assert_eq!(health(&done, day(60)), Health::OnTrack, "late but done");
    }

    #[test]
    fn a_match_quiet_for_more_than_thirty_days_with_open_items_needs_attention() {
        let items = [item("Kick-off", 10, Some(9)), item("Closure", 200, None)];
        assert_eq!(
            health(&items, day(40)),
            Health::OnTrack,
            "30 days after the first due"
        );
        let Health::NeedsAttention(reasons) = health(&items, day(41)) else {
            panic!("stalled")
        };
        assert_eq!(
            reasons,
            ["Nothing completed for 31 days (last on Sat 10 Jan 2026)."]
        );
        let fresh = [item("Kick-off", 10, Some(35)), item("Closure", 200, None)];
        assert_eq!(health(&fresh, day(60)), Health::OnTrack, "completed lately");
        let never = [item("Closure", 10, Some(11)), item("Wrap-up", 300, None)];
        assert_eq!(
            health(&never, day(42)),
            Health::NeedsAttention(vec![
                "Nothing completed for 31 days (last on Mon 12 Jan 2026).".into()
            ])
        );
        let untouched = [item("Closure", 100, None), item("Kick-off", 10, None)];
        let Health::NeedsAttention(reasons) = health(&untouched, day(41)) else {
            panic!("stalled")
        };
        assert!(
            reasons
                .contains(&"Nothing completed yet, 31 days after the first due date.".to_string())
        );
    }

    fn any_items() -> impl Strategy<Value = Vec<HealthItem>> {
        prop::collection::vec(
            (0u64..200, prop::option::of(0u64..250)).prop_map(|(due, done)| item("M", due, done)),
            0..8,
        )
    }

    proptest! {
        #[test]
        fn completing_an_item_never_makes_a_match_worse(items in any_items(), today in 0u64..300, which in 0usize..8) {
            let today = day(today);
            let before = health(&items, today);
            let mut after = items.clone();
            if let Some(item) = after.get_mut(which) && item.completed_on.is_none() {
                item.completed_on = Some(today);
            }
            let after = health(&after, today);
            if before == Health::OnTrack {
                prop_assert_eq!(after, Health::OnTrack);
            }
        }

        #[test]
        fn too_early_exactly_before_the_first_due_date(items in any_items(), today in 0u64..300) {
            let today = day(today);
            let early = items.iter().map(|i| i.due).min().is_none_or(|first| today < first);
            prop_assert_eq!(health(&items, today) == Health::TooEarly, early);
        }
    }
}
