//! A person's calendar feed as iCalendar (RFC 5545): one all-day event per open milestone item
//! of theirs, on its due date. Completed items, items of ended matches and archived milestones
//! are not in it; partners' items neither.

use crate::db::Db;
use crate::error::AppError;
use crate::items::Item;
use crate::kernel::links::{Segment, segments};
use crate::kernel::public_url::PublicUrl;
use chrono::{DateTime, Days, Utc};
use icalendar::{Calendar, Component, Event, EventLike, Property};

/// A feed ready to send: the calendar text and its entity tag.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Feed {
    pub body: String,
    /// A strong entity tag (quoted) of the body: a client that has it gets `304`.
    pub etag: String,
}

/// How often calendar apps are asked to look again.
const REFRESH_HOURS: i64 = 1;

/// The stable identifier of an item's event: the same item has the same UID in every request,
/// whatever its name or due date becomes.
pub fn event_uid(item: &Item, public: &PublicUrl) -> String {
    let key = item.key;
    let place = match key.match_id {
        Some(m) => format!("match-{m}"),
        None => "program".to_string(),
    };
    format!(
        "milestone-{}-enrollment-{}-{place}@{}",
        key.milestone_id,
        key.enrollment_id,
        public.host()
    )
}

/// The description as plain text, links written out after their words.
fn description_text(description: &str) -> String {
    let mut text = String::new();
    for segment in segments(description) {
        match segment {
            Segment::Text(words) => text.push_str(&words),
            Segment::Link { text: words, href } if words == href => text.push_str(&href),
            Segment::Link { text: words, href } => {
                text.push_str(&words);
                text.push_str(" (");
                text.push_str(&href);
                text.push(')');
            }
            Segment::LineBreak => text.push('\n'),
        }
    }
    text
}

/// Whether an item belongs in its person's feed.
pub fn in_feed(item: &Item) -> bool {
    item.mine && !item.closed && item.status.is_open()
}

/// The calendar of `owner`'s items (those that belong in it). `stamp` is the feed's own
/// creation time, used as every event's DTSTAMP so that the same items give the same text
/// (and entity tag) on every request.
pub fn build(owner: &str, items: &[Item], public: &PublicUrl, stamp: DateTime<Utc>) -> Feed {
    let quickcliq = public.join("/quickcliq");
    let mut calendar = Calendar::empty();
    calendar
        .append_property(Property::new("VERSION", "2.0"))
        .append_property(Property::new(
            "PRODID",
            "-//Mentoring Milestones//Calendar feed//EN",
        ))
        .append_property(Property::new("CALSCALE", "GREGORIAN"))
        .append_property(Property::new("METHOD", "PUBLISH"))
        // The crate writes NAME without escaping it (X-WR-CALNAME is escaped): a line break in
        // a name would start a property of its own, so control characters become spaces.
        .name(&format!(
            "Mentoring milestones · {}",
            owner
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect::<String>()
        ))
        .description("Your open milestones, on their due dates.")
        .ttl(&chrono::Duration::hours(REFRESH_HOURS));
    for item in items.iter().filter(|item| in_feed(item)) {
        let summary = match &item.partner_name {
            Some(partner) => format!("{} (with {partner})", item.milestone_name),
            None => item.milestone_name.clone(),
        };
        let mut text = format!("{} · {}", item.program_name, item.role.label());
        if let Some(partner) = &item.partner_name {
            text.push_str(&format!(" · your match with {partner}"));
        }
        text.push_str("\n\n");
        let described = description_text(&item.description);
        if !described.trim().is_empty() {
            text.push_str(described.trim());
            text.push_str("\n\n");
        }
        text.push_str(&format!("Mark it complete on your QuickcliQ: {quickcliq}"));
        // All-day: a date with no time and no zone, so no calendar shifts it; the end is the
        // next day (exclusive), as RFC 5545 reads a one-day event.
        let next_day = item.due.checked_add_days(Days::new(1)).unwrap_or(item.due);
        let event = Event::new()
            .uid(&event_uid(item, public))
            .timestamp(stamp)
            .summary(&summary)
            .description(&text)
            .starts(item.due)
            .ends(next_day)
            .url(&quickcliq)
            .add_property("TRANSP", "TRANSPARENT")
            .done();
        calendar.push(event);
    }
    let body = calendar.done().to_string();
    let etag = {
        use sha2::{Digest, Sha256};
        let digest = Sha256::digest(body.as_bytes());
        let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
        format!("\"{hex}\"")
    };
    Feed { body, etag }
}

/// The feed a token opens, or nothing for a token that opens none.
pub async fn feed_for_token(
    db: &Db,
    token: &str,
    public: &PublicUrl,
) -> Result<Option<Feed>, AppError> {
    let Some((user_id, name, created)) = super::store::owner_of(db, token).await? else {
        return Ok(None);
    };
    let items = crate::items::store::items_for(db, user_id).await?;
    Ok(Some(build(&name, &items, public, created)))
}

/// Whether an `If-None-Match` header names this entity tag (or `*`).
pub fn matches_etag(if_none_match: &str, etag: &str) -> bool {
    if_none_match
        .split(',')
        .map(|tag| tag.trim().trim_start_matches("W/"))
        .any(|tag| tag == "*" || tag == etag)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::items::ItemKey;
    use crate::kernel::roles::Role;
    use crate::milestones::{Category, ItemStatus};
    use chrono::NaiveDate;
    use std::str::FromStr;

    fn item(name: &str, due: NaiveDate, status: ItemStatus) -> Item {
        Item {
            key: ItemKey {
                milestone_id: 7,
                enrollment_id: 3,
                match_id: Some(11),
            },
            milestone_name: name.to_string(),
            description: "Read [the guide](https://example.org/guide).\nThen meet.".to_string(),
            category: Category::Relationship,
            role: Role::Mentee,
            program_id: 1,
            program_name: "Spring Cohort".to_string(),
            partner_name: Some("Ada Mentor".to_string()),
            due,
            status,
            completed_on: None,
            mine: true,
            completed_by_me: false,
            closed: false,
            linked: Vec::new(),
            for_person: None,
        }
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn an_open_item_is_one_all_day_event_on_its_due_date() {
        let public = PublicUrl::parse("https://m.example.org").unwrap();
        let stamp = DateTime::parse_from_rfc3339("2026-01-02T03:04:05Z")
            .unwrap()
            .with_timezone(&Utc);
        let items = vec![
            item("Kick-off", day(2026, 12, 31), ItemStatus::Upcoming),
            item(
                "Done already",
                day(2026, 3, 1),
                ItemStatus::Completed { late: false },
            ),
        ];
        let feed = build("Ann Mentee", &items, &public, stamp);
        assert!(
            feed.body.contains("DTSTART;VALUE=DATE:20261231"),
            "{}",
            feed.body
        );
        assert!(
            feed.body.contains("DTEND;VALUE=DATE:20270101"),
            "{}",
            feed.body
        );
        let parsed = Calendar::from_str(&feed.body).unwrap();
        let events: Vec<_> = parsed.events().collect();
        assert_eq!(events.len(), 1);
        let event = &events[0];
        assert_eq!(event.get_summary(), Some("Kick-off (with Ada Mentor)"));
        assert_eq!(
            event.get_start(),
            Some(icalendar::DatePerhapsTime::Date(day(2026, 12, 31)))
        );
        let description = event.get_description().unwrap();
        assert!(description.contains("Read the guide (https://example.org/guide).\nThen meet."));
        assert!(description.contains("https://m.example.org/quickcliq"));
        assert_eq!(
            event.get_uid(),
            Some("milestone-7-enrollment-3-match-11@m.example.org")
        );
        // The same items give the same text and tag.
        assert_eq!(build("Ann Mentee", &items, &public, stamp), feed);
    }

    #[test]
    fn a_hostile_name_stays_one_event_with_its_text() {
        let public = PublicUrl::parse("https://m.example.org").unwrap();
        let name = "Meet;now,\r\nEND:VEVENT\r\nBEGIN:VEVENT\nSUMMARY:<script>x</script>";
        let items = vec![item(name, day(2026, 6, 1), ItemStatus::DueSoon)];
        let feed = build("Ann\r\nX-EVIL:1", &items, &public, Utc::now());
        let parsed = Calendar::from_str(&feed.body).unwrap();
        let events: Vec<_> = parsed.events().collect();
        assert_eq!(events.len(), 1, "{}", feed.body);
        assert!(!feed.body.contains("\r\nX-EVIL"), "{}", feed.body);
        assert!(
            !feed
                .body
                .contains("\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nSUMMARY:<")
        );
        assert!(
            events[0]
                .get_summary()
                .unwrap()
                .contains("<script>x</script>")
        );
    }

    #[test]
    fn entity_tags_are_matched_as_clients_send_them() {
        assert!(matches_etag("\"abc\"", "\"abc\""));
        assert!(matches_etag("W/\"abc\", \"x\"", "\"abc\""));
        assert!(matches_etag("*", "\"abc\""));
        assert!(!matches_etag("\"abd\"", "\"abc\""));
    }
}
