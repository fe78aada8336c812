//! The weekly match-health summary: each program admin who asks for it gets, at most once a
//! week per program, the program's matches that need attention and why, through the outbox;
//! nothing when no match needs attention.

use super::digest::Rendered;
use crate::kernel::text::escape_html;
use chrono::{Datelike, NaiveDate};

/// The hour of the program's day from which its week's summary may go.
pub const SUMMARY_HOUR: u32 = 8;

/// A match that needs attention, as the summary lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StuckMatch {
    pub pair: String,
    pub reasons: Vec<String>,
}

/// The outbox key that lets one summary go per admin, program and week (ISO weeks, in the
/// program's calendar).
pub fn dedupe_key(program_id: i64, user_id: i64, day: NaiveDate) -> String {
    let week = day.iso_week();
    format!(
        "health-summary:{program_id}:{user_id}:{}-W{:02}",
        week.year(),
        week.week()
    )
}

/// The summary's subject, text and HTML (every name escaped in the HTML).
pub fn render(admin_name: &str, program_name: &str, stuck: &[StuckMatch], link: &str) -> Rendered {
    let count = match stuck.len() {
        1 => "1 match needs attention".to_string(),
        n => format!("{n} matches need attention"),
    };
    let subject = format!("{program_name}: {count}");
    let mut text = format!("Hello {admin_name},\n\nIn {program_name}, {count}:\n\n");
    let mut list = String::new();
    for m in stuck {
        text.push_str(&format!("* {}\n", m.pair));
        list.push_str(&format!(
            "<li style=\"margin:0 0 12px\"><strong>{}</strong><ul style=\"margin:4px 0 0;\
             padding-left:18px;color:#4b5563\">",
            escape_html(&m.pair)
        ));
        for reason in &m.reasons {
            text.push_str(&format!("  - {reason}\n"));
            list.push_str(&format!("<li>{}</li>", escape_html(reason)));
        }
        list.push_str("</ul></li>");
    }
    text.push_str(&format!(
        "\nSee them on the Matches page: {link}\n\nYou get this summary once a week because you \
         turned it on in the program's Reminder emails page.\n"
    ));
    let html = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title></head><body style=\"font-family:sans-serif;font-size:16px;\
         line-height:1.5;padding:12px;color:#111827\"><div style=\"max-width:560px\">\
         <p>Hello {admin},</p><p>In {program}, {count}:</p><ul style=\"padding-left:18px\">{list}</ul>\
         <p><a href=\"{link}\" style=\"display:inline-block;background:#1f4e79;color:#ffffff;\
         padding:10px 16px;border-radius:6px;text-decoration:none\">See them on the Matches page</a></p>\
         <p style=\"font-size:14px;color:#4b5563\">You get this summary once a week because you \
         turned it on in the program's Reminder emails page.</p></div></body></html>\n",
        title = escape_html(&subject),
        admin = escape_html(admin_name),
        program = escape_html(program_name),
        count = escape_html(&count),
        link = escape_html(link),
    );
    Rendered {
        subject,
        text,
        html,
    }
}

pub use pass::{run_summaries, set_summary, wants_summary};

mod pass {
    use super::*;
    use crate::db::Db;
    use crate::db::on_db;
    use crate::error::AppError;
    use crate::kernel::public_url::PublicUrl;
    use crate::matches::health::Health;
    use chrono::{DateTime, Timelike, Utc};

    /// Whether the admin gets the program's weekly summary.
    pub async fn wants_summary(db: &Db, program_id: i64, user_id: i64) -> Result<bool, AppError> {
        let found: Option<i64> = on_db!(
            db,
            read | pool
                | sqlx::query_scalar(
                    "SELECT user_id FROM health_summaries WHERE program_id = $1 AND user_id = $2"
                )
                .bind(program_id)
                .bind(user_id)
                .fetch_optional(pool)
                .await
        )?;
        Ok(found.is_some())
    }

    /// Turns the admin's weekly summary of the program on or off.
    pub async fn set_summary(
        db: &Db,
        program_id: i64,
        user_id: i64,
        on: bool,
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        on_db!(
            db,
            write | pool | {
                if on {
                    sqlx::query(
                        "INSERT INTO health_summaries (program_id, user_id, updated_at) \
                         VALUES ($1, $2, $3) ON CONFLICT (program_id, user_id) DO NOTHING",
                    )
                    .bind(program_id)
                    .bind(user_id)
                    .bind(now)
                    .execute(pool)
                    .await
                    .map(|_| ())
                } else {
                    sqlx::query(
                        "DELETE FROM health_summaries WHERE program_id = $1 AND user_id = $2",
                    )
                    .bind(program_id)
                    .bind(user_id)
                    .execute(pool)
                    .await
                    .map(|_| ())
                }
            }
        )?;
        Ok(())
    }

    #[derive(sqlx::FromRow)]
    struct Subscriber {
        program_id: i64,
        program_name: String,
        time_zone: String,
        user_id: i64,
        email: String,
        display_name: String,
    }

    /// Queues this week's summary for every admin who asked for one, in each program whose
    /// day has reached [`SUMMARY_HOUR`] (any hour with `any_hour`, as an operator's command
    /// does), when some of its matches need attention. Returns how many were queued; a summary
    /// queued already this week is not queued again.
    pub async fn run_summaries(
        db: &Db,
        now: DateTime<Utc>,
        public_url: &PublicUrl,
        any_hour: bool,
    ) -> Result<u64, AppError> {
        // Only people who still administer the program, with an enabled account.
        let subscribers: Vec<Subscriber> = on_db!(
            db,
            read | pool
                | sqlx::query_as(
                    "SELECT p.id AS program_id, p.name AS program_name, p.time_zone, \
                     u.id AS user_id, u.email, u.display_name FROM health_summaries s \
                     JOIN programs p ON p.id = s.program_id JOIN users u ON u.id = s.user_id \
                     WHERE u.disabled_at IS NULL AND (u.is_site_admin = $1 OR EXISTS \
                     (SELECT 1 FROM program_admins a WHERE a.program_id = s.program_id \
                      AND a.user_id = s.user_id)) ORDER BY p.id, u.id"
                )
                .bind(true)
                .fetch_all(pool)
                .await
        )?;
        if subscribers.is_empty() {
            return Ok(0);
        }
        // This week's summaries queued already: skipped before any health is worked out.
        let sent: std::collections::HashSet<String> = on_db!(
            db,
            read | pool
                | sqlx::query_scalar(
                    "SELECT dedupe_key FROM outbox WHERE kind = 'health_summary' \
                     AND created_at >= $1"
                )
                .bind(now - chrono::Duration::days(8))
                .fetch_all(pool)
                .await
        )?
        .into_iter()
        .collect();
        let mut queued = 0;
        let mut program: Option<(i64, Vec<StuckMatch>)> = None;
        for person in subscribers {
            let Ok(zone) = person.time_zone.parse::<chrono_tz::Tz>() else {
                continue;
            };
            let local = now.with_timezone(&zone);
            if !any_hour && local.hour() < SUMMARY_HOUR {
                continue;
            }
            let day = local.date_naive();
            let key = dedupe_key(person.program_id, person.user_id, day);
            if sent.contains(&key) {
                continue;
            }
            if program
                .as_ref()
                .is_none_or(|(id, _)| *id != person.program_id)
            {
                program = Some((
                    person.program_id,
                    stuck_matches(db, person.program_id).await?,
                ));
            }
            let Some((_, stuck)) = &program else { continue };
            if stuck.is_empty() {
                continue;
            }
            let link = public_url.join(&format!(
                "/programs/{}/matches?health=attention",
                person.program_id
            ));
            let rendered = render(&person.display_name, &person.program_name, stuck, &link);
            let email = crate::mail::store::NewEmail {
                dedupe_key: &key,
                kind: "health_summary",
                user_id: Some(person.user_id),
                program_id: Some(person.program_id),
                digest_day: Some(day),
                to_address: &person.email,
                subject: &rendered.subject,
                body_text: &rendered.text,
                body_html: &rendered.html,
                unsubscribe_url: None,
            };
            if crate::mail::store::queue(db, &email, now).await?.is_some() {
                queued += 1;
            }
        }
        Ok(queued)
    }

    /// The program's published matches that need attention, with the people's names.
    async fn stuck_matches(db: &Db, program_id: i64) -> Result<Vec<StuckMatch>, AppError> {
        let health = crate::matches::health_store::health_of_matches(db, program_id).await?;
        let mut stuck = Vec::new();
        for listing in crate::matches::store::all_matches(db, program_id).await? {
            if let Some(Health::NeedsAttention(reasons)) = health.get(&listing.id) {
                stuck.push(StuckMatch {
                    pair: format!("{} with {}", listing.mentor_name, listing.mentee_name),
                    reasons: reasons.clone(),
                });
            }
        }
        Ok(stuck)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_summary_a_week_whatever_the_day() {
        let monday = NaiveDate::from_ymd_opt(2026, 12, 7).expect("a day");
        let sunday = NaiveDate::from_ymd_opt(2026, 12, 13).expect("a day");
        assert_eq!(dedupe_key(1, 2, monday), dedupe_key(1, 2, sunday));
        assert_ne!(
            dedupe_key(1, 2, monday),
            dedupe_key(1, 2, sunday.succ_opt().expect("a day"))
        );
        assert_ne!(dedupe_key(1, 2, monday), dedupe_key(1, 3, monday));
        assert_eq!(dedupe_key(1, 2, monday), "health-summary:1:2:2026-W50");
    }

    #[test]
    fn names_and_reasons_are_text_in_the_html() {
        let stuck = [StuckMatch {
            pair: "Ann <b> with Bo & Co".into(),
            reasons: vec!["Kick-off <script> is 9 days overdue.".into()],
        }];
        let mail = render(
            "Al \"Admin\"",
            "Spring <i>",
            &stuck,
            "https://x.example/p?a=1&b=2",
        );
        assert_eq!(mail.subject, "Spring <i>: 1 match needs attention");
        assert!(
            mail.text
                .contains("* Ann <b> with Bo & Co\n  - Kick-off <script> is 9 days overdue.")
        );
        assert!(
            !mail.html.contains("<b>")
                && !mail.html.contains("<script>")
                && !mail.html.contains("<i>")
        );
        assert!(mail.html.contains("Ann &lt;b&gt; with Bo &amp; Co"));
        assert!(
            mail.html
                .contains("href=\"https://x.example/p?a=1&amp;b=2\"")
        );
    }
}
