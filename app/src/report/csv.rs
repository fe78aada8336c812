//! The report's CSV downloads: the page's tables with the same figures.

use super::figures::{Figures, Tally};

/// The per-milestone table as CSV: one row per milestone, then the totals, with the page's
/// figures (and the completion rate printed the same way).
pub fn milestones_csv(figures: &Figures) -> String {
    use crate::kernel::csv::line;
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
    use crate::kernel::csv::line;
    use crate::kernel::due_date::iso_date;
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
