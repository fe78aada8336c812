//! The per-milestone chart: one horizontal bar per milestone, split into completed on time,
//! completed late, overdue, upcoming and closed. Each part has its own pattern as well as its
//! own colour (readable without colour), and the chart carries a text alternative that states
//! every figure. Built as SVG text so the server and the browser draw the same thing.

use super::{MilestoneFigures, Tally};
use crate::kernel::text::escape_html;

/// The parts of a bar, in order: (key, legend label, fill).
pub const PARTS: [(&str, &str, &str); 5] = [
    ("on-time", "Completed on time", "url(#fill-on-time)"),
    ("late", "Completed late", "url(#fill-late)"),
    ("overdue", "Overdue", "url(#fill-overdue)"),
    ("upcoming", "Upcoming", "url(#fill-upcoming)"),
    ("closed", "Closed", "url(#fill-closed)"),
];

fn counts(t: &Tally) -> [u32; 5] {
    [t.on_time, t.late, t.overdue, t.upcoming, t.closed]
}

/// One sentence per milestone: the chart's text alternative.
pub fn summary(milestones: &[MilestoneFigures]) -> String {
    if milestones.is_empty() {
        return "No milestone is counted with these filters.".to_string();
    }
    milestones
        .iter()
        .map(|m| {
            let t = &m.tally;
            format!(
                "{}: {} items, {} completed on time, {} completed late, {} overdue, {} upcoming, {} closed.",
                m.name, t.items, t.on_time, t.late, t.overdue, t.upcoming, t.closed
            )
        })
        .collect::<Vec<_>>()
        .join(" ")
}

const LABEL_WIDTH: u32 = 220;
const BAR_WIDTH: u32 = 460;
const ROW_HEIGHT: u32 = 34;
const BAR_HEIGHT: u32 = 22;
const LEGEND_HEIGHT: u32 = 40;

fn shorten(name: &str) -> String {
    if name.chars().count() > 30 {
        format!("{}…", name.chars().take(29).collect::<String>())
    } else {
        name.to_string()
    }
}

/// The chart as SVG markup. Bars show each milestone's items as shares of its own total, so
/// milestones with few and many items compare by proportion; the table beside it has the counts.
pub fn svg(milestones: &[MilestoneFigures]) -> String {
    let width = LABEL_WIDTH + BAR_WIDTH + 70;
    let height = LEGEND_HEIGHT + ROW_HEIGHT * (milestones.len().max(1) as u32) + 8;
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"report-chart\" viewBox=\"0 0 {width} {height}\" \
         width=\"100%\" role=\"img\" aria-labelledby=\"chart-title chart-desc\">\
         <title id=\"chart-title\">Milestone items by status</title>\
         <desc id=\"chart-desc\">{}</desc>",
        escape_html(&summary(milestones))
    );
    // Patterns: solid, stripes, cross-hatch, dots, outline.
    out.push_str(
        "<defs>\
         <pattern id=\"fill-on-time\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\">\
         <rect width=\"6\" height=\"6\" fill=\"#1a7f37\"/></pattern>\
         <pattern id=\"fill-late\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">\
         <rect width=\"6\" height=\"6\" fill=\"#f5c451\"/><rect width=\"2\" height=\"6\" fill=\"#7a4d00\"/></pattern>\
         <pattern id=\"fill-overdue\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\">\
         <rect width=\"6\" height=\"6\" fill=\"#f7c5c8\"/><path d=\"M0 0L6 6M6 0L0 6\" stroke=\"#b3261e\" stroke-width=\"1.4\"/></pattern>\
         <pattern id=\"fill-upcoming\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\">\
         <rect width=\"6\" height=\"6\" fill=\"#dbe7f5\"/><circle cx=\"3\" cy=\"3\" r=\"1.2\" fill=\"#1f5fa8\"/></pattern>\
         <pattern id=\"fill-closed\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\">\
         <rect width=\"6\" height=\"6\" fill=\"#ffffff\"/></pattern>\
         </defs>",
    );
    // Legend.
    let mut x = 0;
    for (_, label, fill) in PARTS {
        out.push_str(&format!(
            "<g aria-hidden=\"true\"><rect x=\"{x}\" y=\"8\" width=\"16\" height=\"16\" fill=\"{fill}\" stroke=\"#57606a\"/>\
             <text x=\"{}\" y=\"21\" font-size=\"13\" fill=\"#1f2328\">{label}</text></g>",
            x + 22
        ));
        x += 22 + 8 * label.len() as u32 + 18;
    }
    for (row, m) in milestones.iter().enumerate() {
        let y = LEGEND_HEIGHT + ROW_HEIGHT * row as u32;
        out.push_str(&format!(
            "<g aria-hidden=\"true\"><text x=\"0\" y=\"{}\" font-size=\"13\" fill=\"#1f2328\">{}</text>",
            y + BAR_HEIGHT / 2 + 5,
            escape_html(&shorten(&m.name))
        ));
        let total = m.tally.items;
        // The outline of the whole bar, so an empty or closed-only bar is still seen.
        out.push_str(&format!(
            "<rect x=\"{LABEL_WIDTH}\" y=\"{y}\" width=\"{BAR_WIDTH}\" height=\"{BAR_HEIGHT}\" fill=\"none\" stroke=\"#57606a\"/>"
        ));
        if total > 0 {
            let mut offset = 0u32;
            let mut sum = 0u32;
            for ((key, _, fill), count) in PARTS.iter().zip(counts(&m.tally)) {
                if count == 0 {
                    continue;
                }
                sum += count;
                // Cumulative rounding: the parts always fill the bar exactly.
                let end = (u64::from(sum) * u64::from(BAR_WIDTH) / u64::from(total)) as u32;
                let w = end - offset;
                out.push_str(&format!(
                    "<rect class=\"part-{key}\" x=\"{}\" y=\"{y}\" width=\"{w}\" height=\"{BAR_HEIGHT}\" fill=\"{fill}\" stroke=\"#57606a\" stroke-width=\"0.5\"/>",
                    LABEL_WIDTH + offset
                ));
                offset = end;
            }
        }
        out.push_str(&format!(
            "<text x=\"{}\" y=\"{}\" font-size=\"13\" fill=\"#1f2328\">{}</text></g>",
            LABEL_WIDTH + BAR_WIDTH + 8,
            y + BAR_HEIGHT / 2 + 5,
            escape_html(&m.tally.rate_text())
        ));
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::roles::Role;
    use crate::milestones::Category;

    fn figures(name: &str, tally: Tally) -> MilestoneFigures {
        MilestoneFigures {
            id: 1,
            name: name.into(),
            category: Category::Relationship,
            role: Role::Mentor,
            due_text: "2 Weeks after the match is published".into(),
            tally,
        }
    }

    #[test]
    fn the_text_alternative_states_every_figure_and_names_are_escaped() {
        let tally = Tally {
            items: 7,
            due: 5,
            due_completed: 3,
            on_time: 2,
            late: 1,
            overdue: 2,
            upcoming: 1,
            closed: 1,
        };
        let chart = svg(&[figures("Check-In <1:1>", tally)]);
        assert!(chart.contains(
            "<desc id=\"chart-desc\">Check-In &lt;1:1&gt;: 7 items, 2 completed on time, 1 completed late, 2 overdue, 1 upcoming, 1 closed.</desc>"
        ));
        assert!(!chart.contains("<1:1>"));
        assert!(chart.contains("role=\"img\""));
        assert!(chart.contains(">60%<"), "rate label: 3 of 5 due");
    }

    #[test]
    fn parts_fill_the_bar_exactly() {
        let tally = Tally {
            items: 3,
            on_time: 1,
            late: 1,
            overdue: 1,
            ..Tally::default()
        };
        let chart = svg(&[figures("A", tally)]);
        let widths: u32 = chart
            .split("class=\"part-")
            .skip(1)
            .map(|part| {
                let w = part.split("width=\"").nth(1).expect("width");
                w[..w.find('"').expect("quote")]
                    .parse::<u32>()
                    .expect("number")
            })
            .sum();
        assert_eq!(widths, BAR_WIDTH);
        assert_eq!(summary(&[]), "No milestone is counted with these filters.");
    }
}
