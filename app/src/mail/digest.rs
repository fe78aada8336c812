//! The daily digest as text and HTML: the items due soon and overdue, soonest first, each with
//! its due date, partner, program, the first line of its description and its one-click link.
//! Every name is escaped in the HTML part; the subject holds no name at all.

use crate::kernel::due_date::readable_date;
use crate::kernel::text::escape_html;
use chrono::NaiveDate;

/// Why an item is in a digest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ReminderKind {
    DueSoon,
    Overdue,
}

impl ReminderKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ReminderKind::DueSoon => "due_soon",
            ReminderKind::Overdue => "overdue",
        }
    }

    pub fn parse(text: &str) -> Option<ReminderKind> {
        match text {
            "due_soon" => Some(ReminderKind::DueSoon),
            "overdue" => Some(ReminderKind::Overdue),
            _ => None,
        }
    }
}

/// One item of a digest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DigestItem {
    pub milestone_name: String,
    pub program_name: String,
    pub partner_name: Option<String>,
    pub due: NaiveDate,
    pub kind: ReminderKind,
    pub first_line: String,
    /// The check-in address (`None` in an admin's preview: links are made when it is sent).
    pub link: Option<String>,
}

/// A rendered email.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// "due today", "due tomorrow", "due in 3 days", "1 day overdue", "8 days overdue".
pub fn when(due: NaiveDate, day: NaiveDate) -> String {
    let days = (due - day).num_days();
    match days {
        0 => "due today".to_string(),
        1 => "due tomorrow".to_string(),
        2.. => format!("due in {days} days"),
        -1 => "1 day overdue".to_string(),
        _ => format!("{} days overdue", -days),
    }
}

fn count(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// The subject: how many items, overdue and due soon.
pub fn subject(items: &[DigestItem]) -> String {
    let overdue = items
        .iter()
        .filter(|i| i.kind == ReminderKind::Overdue)
        .count();
    let soon = items.len() - overdue;
    let parts: Vec<String> = [
        (overdue > 0).then(|| format!("{overdue} overdue")),
        (soon > 0).then(|| format!("{soon} due soon")),
    ]
    .into_iter()
    .flatten()
    .collect();
    format!(
        "Your mentoring milestones: {}",
        if parts.is_empty() {
            count(items.len(), "milestone", "milestones")
        } else {
            parts.join(", ")
        }
    )
}

/// Where an item belongs: "with Sam Lee · Spring Mentoring", or the program alone.
fn context(item: &DigestItem) -> String {
    match &item.partner_name {
        Some(partner) => format!("with {partner} · {}", item.program_name),
        None => item.program_name.clone(),
    }
}

/// Renders the digest of `person_name` for `day`; `items` in the order they are listed.
pub fn render(
    person_name: &str,
    day: NaiveDate,
    items: &[DigestItem],
    quickcliq_url: &str,
    unsubscribe_url: Option<&str>,
) -> Rendered {
    let subject = subject(items);
    let mut text = format!(
        "Hello {person_name},\n\nThese mentoring milestones need you (as of {}):\n",
        readable_date(day)
    );
    for item in items {
        text.push_str(&format!(
            "\n* {}\n  {}: {} ({})\n",
            item.milestone_name,
            context(item),
            readable_date(item.due),
            when(item.due, day)
        ));
        if !item.first_line.is_empty() {
            text.push_str(&format!("  {}\n", item.first_line));
        }
        match &item.link {
            Some(link) => text.push_str(&format!("  Mark it complete: {link}\n")),
            None => text.push_str("  Mark it complete: (a one-click link, made when sent)\n"),
        }
    }
    text.push_str(&format!(
        "\nAll your milestones are on your QuickcliQ: {quickcliq_url}\n"
    ));
    if let Some(unsubscribe) = unsubscribe_url {
        text.push_str(&format!(
            "\nYou get this email because your mentoring program sends reminders. Stop them: \
             {unsubscribe}\n"
        ));
    }

    let mut html = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title></head>\
         <body style=\"margin:0;padding:12px;background:#f3f4f6;color:#111827;\
         font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;\
         font-size:16px;line-height:1.5\">\
         <div style=\"max-width:560px;margin:0 auto;background:#ffffff;border-radius:8px;\
         padding:20px\">\
         <p style=\"margin:0 0 12px\">Hello {},</p>\
         <p style=\"margin:0 0 12px\">These mentoring milestones need you (as of {}):</p>",
        escape_html(&subject),
        escape_html(person_name),
        escape_html(&readable_date(day))
    );
    for item in items {
        let (color, label) = match item.kind {
            ReminderKind::Overdue => ("#b42318", "Overdue"),
            ReminderKind::DueSoon => ("#92400e", "Due soon"),
        };
        html.push_str(&format!(
            "<div style=\"border-top:1px solid #e5e7eb;padding:14px 0\">\
             <p style=\"margin:0;font-size:18px;font-weight:600\">{}</p>\
             <p style=\"margin:2px 0;color:#4b5563\">{}</p>\
             <p style=\"margin:2px 0;color:{color};font-weight:600\">{label}: {} ({})</p>",
            escape_html(&item.milestone_name),
            escape_html(&context(item)),
            escape_html(&readable_date(item.due)),
            escape_html(&when(item.due, day)),
        ));
        if !item.first_line.is_empty() {
            html.push_str(&format!(
                "<p style=\"margin:6px 0\">{}</p>",
                escape_html(&item.first_line)
            ));
        }
        match &item.link {
            Some(link) => html.push_str(&format!(
                "<p style=\"margin:10px 0 0\"><a href=\"{}\" style=\"display:inline-block;\
                 background:#1d4ed8;color:#ffffff;padding:12px 18px;border-radius:6px;\
                 text-decoration:none;font-weight:600\">Mark {} complete</a></p>",
                escape_html(link),
                escape_html(&item.milestone_name)
            )),
            None => html.push_str(
                "<p style=\"margin:10px 0 0;color:#4b5563\">(The one-click link is made when the \
                 email is sent.)</p>",
            ),
        }
        html.push_str("</div>");
    }
    html.push_str(&format!(
        "<p style=\"margin:16px 0 0\">All your milestones are on your \
         <a href=\"{}\" style=\"color:#1d4ed8\">QuickcliQ</a>.</p>",
        escape_html(quickcliq_url)
    ));
    if let Some(unsubscribe) = unsubscribe_url {
        html.push_str(&format!(
            "<p style=\"margin:16px 0 0;font-size:14px;color:#4b5563\">You get this email \
             because your mentoring program sends reminders. \
             <a href=\"{}\" style=\"color:#1d4ed8\">Unsubscribe from reminder emails</a>.</p>",
            escape_html(unsubscribe)
        ));
    }
    html.push_str("</div></body></html>\n");
    Rendered {
        subject,
        text,
        html,
    }
}

/// The test email an admin sends to themself.
pub fn test_email(admin_name: &str, program_name: &str, site_url: &str) -> Rendered {
    let subject = "Test email from Mentoring Milestones".to_string();
    let text = format!(
        "Hello {admin_name},\n\nThis is the test email you asked for from the reminder settings \
         of {program_name}. It arrived, so reminder emails can reach people.\n\n{site_url}\n"
    );
    let html = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title></head><body style=\"font-family:sans-serif;font-size:16px;\
         line-height:1.5;padding:12px\"><p>Hello {},</p><p>This is the test email you asked for \
         from the reminder settings of {}. It arrived, so reminder emails can reach people.</p>\
         <p><a href=\"{}\">{}</a></p></body></html>\n",
        escape_html(&subject),
        escape_html(admin_name),
        escape_html(program_name),
        escape_html(site_url),
        escape_html(site_url)
    );
    Rendered {
        subject,
        text,
        html,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    fn item(name: &str, due: &str, kind: ReminderKind) -> DigestItem {
        DigestItem {
            milestone_name: name.to_string(),
            program_name: "Spring <b>Program</b>".to_string(),
            partner_name: Some("O'Hara & \"Co\"".to_string()),
            due: day(due),
            kind,
            first_line: "Read <script>alert(1)</script> first".to_string(),
            link: Some("https://example.org/check-in/abc?x=1&y=\"2\"".to_string()),
        }
    }

    #[test]
    fn names_are_escaped_in_the_html_and_kept_in_the_text() {
        let items = [item(
            "<img src=x onerror=alert(1)>",
            "2026-12-01",
            ReminderKind::Overdue,
        )];
        let mail = render(
            "</title><script>x</script>",
            day("2026-12-03"),
            &items,
            "https://example.org/quickcliq",
            Some("https://example.org/unsubscribe/t"),
        );
        assert!(!mail.html.contains("<img"));
        assert!(!mail.html.contains("<script"));
        assert!(!mail.html.contains("<b>"));
        assert!(mail.html.contains("&lt;img src=x onerror=alert(1)&gt;"));
        assert!(mail.html.contains("O&#39;Hara &amp; &quot;Co&quot;"));
        assert!(
            mail.html
                .contains("href=\"https://example.org/check-in/abc?x=1&amp;y=&quot;2&quot;\"")
        );
        assert!(mail.text.contains("<img src=x onerror=alert(1)>"));
        assert!(
            mail.text
                .contains("with O'Hara & \"Co\" · Spring <b>Program</b>")
        );
        assert!(!mail.subject.contains('<'));
    }

    #[test]
    fn each_item_has_its_date_its_state_and_its_link() {
        let items = [
            item("Kickoff", "2026-11-20", ReminderKind::Overdue),
            item("Check-in", "2026-12-04", ReminderKind::DueSoon),
        ];
        let mail = render("Ana", day("2026-12-01"), &items, "q", Some("u"));
        assert_eq!(
            mail.subject,
            "Your mentoring milestones: 1 overdue, 1 due soon"
        );
        assert!(mail.text.contains("Fri 20 Nov 2026 (11 days overdue)"));
        assert!(mail.text.contains("Fri 4 Dec 2026 (due in 3 days)"));
        assert_eq!(mail.text.matches("Mark it complete: https://").count(), 2);
        assert!(mail.html.contains(">Mark Kickoff complete</a>"));
        assert!(mail.html.contains(">Mark Check-in complete</a>"));
        assert!(mail.text.find("Kickoff") < mail.text.find("Check-in"));
        assert!(mail.text.contains("Stop them: u"));
    }

    #[test]
    fn relative_days_read_naturally() {
        let d = day("2026-03-01");
        assert_eq!(when(d, d), "due today");
        assert_eq!(when(day("2026-03-02"), d), "due tomorrow");
        assert_eq!(when(day("2026-02-28"), d), "1 day overdue");
        assert_eq!(when(day("2026-02-27"), d), "2 days overdue");
    }
}
