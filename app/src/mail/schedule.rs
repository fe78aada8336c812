//! The scheduling pass: for one day, each person of the programs that send reminders gets at
//! most one digest, listing the items whose reminder is due that day (docs/rules.md, "Reminder
//! emails"). The pass is idempotent: a second run, or a second server, queues nothing more.

use super::digest::{DigestItem, ReminderKind, render};
use super::store::{NewEmail, RemindingProgram, reminding_programs};
use super::{ReminderSettings, dedupe_key};
use crate::accounts::tokens::{new_token, token_hash};
use crate::checkins::store::NewCheckIn;
use crate::db::on_db;
use crate::db::{BeginWrite, Db};
use crate::error::AppError;
use crate::items::{Item, ItemKey};
use crate::kernel::public_url::PublicUrl;
use chrono::{DateTime, Duration, NaiveDate, Timelike, Utc};
use std::collections::{BTreeMap, HashMap, HashSet};

/// Whether the item's reminder is due on `day`, given the reminders already sent for it
/// (kind and day) and its program's settings.
pub fn reminder_due(
    item_due: NaiveDate,
    day: NaiveDate,
    settings: &ReminderSettings,
    sent: &[(ReminderKind, NaiveDate)],
) -> Option<ReminderKind> {
    if sent.iter().any(|(_, on)| *on == day) {
        return None;
    }
    if item_due >= day {
        let soon = (item_due - day).num_days() <= i64::from(settings.days_before);
        let reminded = sent.iter().any(|(kind, _)| *kind == ReminderKind::DueSoon);
        return (soon && !reminded).then_some(ReminderKind::DueSoon);
    }
    if !settings.overdue {
        return None;
    }
    let overdue: Vec<NaiveDate> = sent
        .iter()
        .filter(|(kind, _)| *kind == ReminderKind::Overdue)
        .map(|(_, on)| *on)
        .collect();
    if overdue.len() >= settings.overdue_max.clamp(1, 3) as usize {
        return None;
    }
    match overdue.iter().max() {
        Some(last) if (day - *last).num_days() < i64::from(settings.overdue_every_days) => None,
        _ => Some(ReminderKind::Overdue),
    }
}

/// The person's items whose reminder is due on `day`, soonest first, from the programs in
/// `programs` (their settings). Only their own open items: not completed, not of an ended
/// match; archived milestones and left programs have no items.
pub async fn due_for(
    db: &Db,
    user_id: i64,
    day: NaiveDate,
    programs: &HashMap<i64, ReminderSettings>,
) -> Result<Vec<(Item, ReminderKind)>, AppError> {
    let items = crate::items::store::items_for(db, user_id).await?;
    type SentRow = (i64, i64, Option<i64>, String, NaiveDate);
    let rows: Vec<SentRow> = on_db!(
        db,
        read | pool | {
            sqlx::query_as(
                "SELECT milestone_id, enrollment_id, match_id, kind, sent_on FROM reminders_sent \
                 WHERE user_id = $1",
            )
            .bind(user_id)
            .fetch_all(pool)
            .await
        }
    )?;
    let mut sent: HashMap<ItemKey, Vec<(ReminderKind, NaiveDate)>> = HashMap::new();
    for (milestone_id, enrollment_id, match_id, kind, on) in rows {
        if let Some(kind) = ReminderKind::parse(&kind) {
            sent.entry(ItemKey {
                milestone_id,
                enrollment_id,
                match_id,
            })
            .or_default()
            .push((kind, on));
        }
    }
    let mut due: Vec<(Item, ReminderKind)> = items
        .into_iter()
        .filter(|item| item.mine && !item.closed && item.completed_on.is_none())
        .filter_map(|item| {
            let settings = programs.get(&item.program_id)?;
            let before = sent.get(&item.key).map(Vec::as_slice).unwrap_or(&[]);
            let kind = reminder_due(item.due, day, settings, before)?;
            Some((item, kind))
        })
        .collect();
    due.sort_by(|(a, _), (b, _)| {
        (a.due, &a.milestone_name, a.key.milestone_id).cmp(&(
            b.due,
            &b.milestone_name,
            b.key.milestone_id,
        ))
    });
    Ok(due)
}

/// A digest item from an app item.
pub fn digest_item(item: &Item, kind: ReminderKind, link: Option<String>) -> DigestItem {
    DigestItem {
        milestone_name: item.milestone_name.clone(),
        program_name: item.program_name.clone(),
        partner_name: item.partner_name.clone(),
        due: item.due,
        kind,
        first_line: crate::kernel::text::excerpt(
            &crate::kernel::links::first_line(&item.description),
            140,
        ),
        link,
    }
}

/// What a pass did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PassReport {
    /// Digests queued now.
    pub queued: usize,
    /// People who already had the day's digest.
    pub already: usize,
    /// People with nothing due that day.
    pub nothing_due: usize,
    /// Weekly match-health summaries queued now.
    pub summaries: u64,
}

/// A person the pass considers.
#[derive(sqlx::FromRow)]
struct Person {
    id: i64,
    email: String,
    display_name: String,
    program_id: i64,
}

/// Runs the pass for `day`: every person who takes part (active, account enabled, reminders
/// wanted) in one of the `triggering` programs (all reminding programs when `None`) gets a
/// digest of their items due a reminder that day, from all their reminding programs, unless
/// they have that day's digest already.
pub async fn run_pass(
    db: &Db,
    day: NaiveDate,
    now: DateTime<Utc>,
    public_url: &PublicUrl,
    triggering: Option<&[i64]>,
) -> Result<PassReport, AppError> {
    let programs = reminding_programs(db).await?;
    let settings: HashMap<i64, ReminderSettings> = programs
        .iter()
        .map(|p| (p.program_id, p.settings))
        .collect();
    let triggering: HashSet<i64> = match triggering {
        Some(ids) => ids
            .iter()
            .copied()
            .filter(|id| settings.contains_key(id))
            .collect(),
        None => settings.keys().copied().collect(),
    };
    let rows: Vec<Person> = on_db!(
        db,
        read | pool | {
            sqlx::query_as(
                "SELECT u.id, u.email, u.display_name, e.program_id FROM users u \
                 JOIN enrollments e ON e.user_id = u.id \
                 JOIN program_reminders r ON r.program_id = e.program_id \
                 WHERE r.enabled = $1 AND e.state = 'active' AND u.disabled_at IS NULL \
                 AND u.reminder_emails = $1 ORDER BY u.id",
            )
            .bind(true)
            .fetch_all(pool)
            .await
        }
    )?;
    let already: HashSet<i64> = on_db!(
        db,
        read | pool | {
            sqlx::query_scalar::<_, i64>(
                "SELECT user_id FROM outbox WHERE kind = 'digest' AND digest_day = $1 \
                 AND user_id IS NOT NULL",
            )
            .bind(day)
            .fetch_all(pool)
            .await
        }
    )?
    .into_iter()
    .collect();
    let mut people: BTreeMap<i64, (String, String)> = BTreeMap::new();
    for row in rows
        .into_iter()
        .filter(|r| triggering.contains(&r.program_id))
    {
        people.insert(row.id, (row.email, row.display_name));
    }
    let mut report = PassReport::default();
    for (user_id, (email, name)) in people {
        if already.contains(&user_id) {
            report.already += 1;
            continue;
        }
        let due = due_for(db, user_id, day, &settings).await?;
        if due.is_empty() {
            report.nothing_due += 1;
            continue;
        }
        if queue_digest(db, user_id, &email, &name, day, &due, now, public_url).await? {
            report.queued += 1;
        } else {
            report.already += 1;
        }
    }
    Ok(report)
}

/// Queues the person's digest for `day` with a check-in link per item and an unsubscribe
/// link, recording the reminders; false (nothing written) when that day's digest is queued
/// already.
#[allow(clippy::too_many_arguments)]
async fn queue_digest(
    db: &Db,
    user_id: i64,
    email: &str,
    name: &str,
    day: NaiveDate,
    due: &[(Item, ReminderKind)],
    now: DateTime<Utc>,
    public_url: &PublicUrl,
) -> Result<bool, AppError> {
    let links: Vec<NewCheckIn> = due
        .iter()
        .map(|(item, _)| NewCheckIn::new(user_id, item.key, now))
        .collect();
    let items: Vec<DigestItem> = due
        .iter()
        .zip(&links)
        .map(|((item, kind), link)| digest_item(item, *kind, Some(public_url.join(&link.path()))))
        .collect();
    let unsubscribe_token = new_token();
    let unsubscribe_url = public_url.join(&format!("/unsubscribe/{unsubscribe_token}"));
    let mail = render(
        name,
        day,
        &items,
        &public_url.join("/quickcliq"),
        Some(&unsubscribe_url),
    );
    let key = dedupe_key(user_id, day);
    let new = NewEmail {
        dedupe_key: &key,
        kind: "digest",
        user_id: Some(user_id),
        program_id: None,
        digest_day: Some(day),
        to_address: email,
        subject: &mail.subject,
        body_text: &mail.text,
        body_html: &mail.html,
        unsubscribe_url: Some(&unsubscribe_url),
    };
    let queued = on_db!(
        db,
        write | pool | {
            async {
                let mut tx = pool.begin_write().await?;
                let Some(outbox_id) = crate::mail::store::bind_email!(new, now)
                    .fetch_optional(&mut *tx)
                    .await?
                else {
                    tx.rollback().await?;
                    return Ok::<bool, sqlx::Error>(false);
                };
                for ((item, kind), link) in due.iter().zip(&links) {
                    sqlx::query(
                        "INSERT INTO reminders_sent (user_id, milestone_id, enrollment_id, \
                         match_id, kind, sent_on, outbox_id) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    )
                    .bind(user_id)
                    .bind(item.key.milestone_id)
                    .bind(item.key.enrollment_id)
                    .bind(item.key.match_id)
                    .bind(kind.as_str())
                    .bind(day)
                    .bind(outbox_id)
                    .execute(&mut *tx)
                    .await?;
                    link.insert().execute(&mut *tx).await?;
                }
                sqlx::query(
                    "INSERT INTO unsubscribe_tokens (token_hash, user_id, created_at) \
                     VALUES ($1, $2, $3)",
                )
                .bind(token_hash(&unsubscribe_token))
                .bind(user_id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(true)
            }
            .await
        }
    )?;
    Ok(queued)
}

/// The passes the timer runs at `now`: for each program whose hour has come in its time zone,
/// its calendar day; programs on the same day run together.
pub fn due_passes(programs: &[RemindingProgram], now: DateTime<Utc>) -> Vec<(NaiveDate, Vec<i64>)> {
    let mut by_day: BTreeMap<NaiveDate, Vec<i64>> = BTreeMap::new();
    for program in programs {
        let Ok(zone) = program.time_zone.parse::<chrono_tz::Tz>() else {
            continue;
        };
        let local = now.with_timezone(&zone);
        if local.hour() as i32 >= program.settings.send_hour {
            by_day
                .entry(local.date_naive())
                .or_default()
                .push(program.program_id);
        }
    }
    by_day.into_iter().collect()
}

/// One tick of the timer: runs the passes due at `now` that this process has not run yet
/// (`done` remembers them; a restart runs them again, which queues nothing twice).
pub async fn tick(
    db: &Db,
    now: DateTime<Utc>,
    public_url: &PublicUrl,
    done: &mut HashSet<(i64, NaiveDate)>,
) -> Result<PassReport, AppError> {
    let programs = reminding_programs(db).await?;
    // Days long past are never due again: forget them (the set stays a few days' worth).
    let recent = now.date_naive() - Duration::days(3);
    done.retain(|(_, day)| *day >= recent);
    let mut total = PassReport::default();
    for (day, ids) in due_passes(&programs, now) {
        let ids: Vec<i64> = ids
            .into_iter()
            .filter(|id| !done.contains(&(*id, day)))
            .collect();
        if ids.is_empty() {
            continue;
        }
        let report = run_pass(db, day, now, public_url, Some(&ids)).await?;
        done.extend(ids.iter().map(|id| (*id, day)));
        total.queued += report.queued;
        total.already += report.already;
        total.nothing_due += report.nothing_due;
    }
    // The weekly summaries: each goes once a week; a tick with nothing to queue writes nothing.
    total.summaries = super::summary::run_summaries(db, now, public_url, false).await?;
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    fn settings() -> ReminderSettings {
        ReminderSettings {
            enabled: true,
            days_before: 3,
            overdue: true,
            overdue_every_days: 7,
            overdue_max: 3,
            send_hour: 9,
        }
    }

    #[test]
    fn due_soon_goes_once_within_its_days() {
        let s = settings();
        let due = day("2026-12-10");
        assert_eq!(reminder_due(due, day("2026-12-06"), &s, &[]), None);
        assert_eq!(
            reminder_due(due, day("2026-12-07"), &s, &[]),
            Some(ReminderKind::DueSoon)
        );
        assert_eq!(
            reminder_due(due, day("2026-12-10"), &s, &[]),
            Some(ReminderKind::DueSoon)
        );
        let sent = [(ReminderKind::DueSoon, day("2026-12-07"))];
        assert_eq!(reminder_due(due, day("2026-12-08"), &s, &sent), None);
    }

    #[test]
    fn overdue_reminders_are_spaced_and_capped() {
        let s = settings();
        let due = day("2026-12-10");
        assert_eq!(
            reminder_due(due, day("2026-12-11"), &s, &[]),
            Some(ReminderKind::Overdue)
        );
        let once = [(ReminderKind::Overdue, day("2026-12-11"))];
        assert_eq!(reminder_due(due, day("2026-12-17"), &s, &once), None);
        assert_eq!(
            reminder_due(due, day("2026-12-18"), &s, &once),
            Some(ReminderKind::Overdue)
        );
        let thrice = [
            (ReminderKind::Overdue, day("2026-12-11")),
            (ReminderKind::Overdue, day("2026-12-18")),
            (ReminderKind::Overdue, day("2026-12-25")),
        ];
        assert_eq!(reminder_due(due, day("2027-03-01"), &s, &thrice), None);
        let off = ReminderSettings {
            overdue: false,
            ..s
        };
        assert_eq!(reminder_due(due, day("2026-12-11"), &off, &[]), None);
        let one = ReminderSettings {
            overdue_max: 1,
            ..s
        };
        assert_eq!(reminder_due(due, day("2027-01-30"), &one, &once), None);
    }

    #[test]
    fn nothing_twice_on_one_day() {
        let s = settings();
        let sent = [(ReminderKind::DueSoon, day("2026-12-11"))];
        assert_eq!(
            reminder_due(day("2026-12-10"), day("2026-12-11"), &s, &sent),
            None
        );
    }

    #[test]
    fn each_program_runs_once_its_hour_has_come_in_its_zone() {
        let program = |id, zone: &str, hour| RemindingProgram {
            program_id: id,
            time_zone: zone.to_string(),
            settings: ReminderSettings {
                send_hour: hour,
                ..settings()
            },
        };
        let programs = [
            program(1, "Pacific/Kiritimati", 9),
            program(2, "Pacific/Pago_Pago", 9),
            program(3, "UTC", 20),
            program(4, "Europe/London", 8),
        ];
        // 19:30 UTC on 1 Dec: 09:30 on 2 Dec in Kiritimati (UTC+14), 08:30 on 1 Dec in Pago
        // Pago (UTC-11), 19:30 in London.
        let now = "2026-12-01T19:30:00Z".parse::<DateTime<Utc>>().unwrap();
        assert_eq!(
            due_passes(&programs, now),
            vec![(day("2026-12-01"), vec![4]), (day("2026-12-02"), vec![1])]
        );
    }
}
