//! Reminder emails in the database: each program's settings, each person's choice, the
//! unsubscribe links and the outbox every email goes through.

use super::{OutboxEntry, OutboxStatus, ReminderSettings};
use crate::accounts::tokens::{looks_like_token, token_hash};
use crate::db::Db;
use crate::db::on_db;
use crate::error::AppError;
use chrono::{DateTime, Duration, NaiveDate, Utc};

/// Attempts before an email is marked failed.
pub const MAX_ATTEMPTS: i32 = 5;

/// How long a worker holds an email it claimed before another may take it over (a worker that
/// died mid-send).
pub const LEASE_SECONDS: i64 = 120;

/// The wait after the `attempts`-th failed attempt: 1, 5, 25 minutes, then 2 hours.
pub fn retry_delay(attempts: i32) -> Duration {
    match attempts {
        ..=1 => Duration::minutes(1),
        2 => Duration::minutes(5),
        3 => Duration::minutes(25),
        _ => Duration::hours(2),
    }
}

type SettingsRow = (bool, i32, bool, i32, i32, i32);

fn settings_from(row: SettingsRow) -> ReminderSettings {
    let (enabled, days_before, overdue, overdue_every_days, overdue_max, send_hour) = row;
    ReminderSettings {
        enabled,
        days_before,
        overdue,
        overdue_every_days,
        overdue_max,
        send_hour,
    }
}

const SETTINGS_COLUMNS: &str =
    "enabled, days_before, overdue, overdue_every_days, overdue_max, send_hour";

/// The program's reminder settings (the defaults, off, until an admin saves them).
pub async fn settings_of(db: &Db, program_id: i64) -> Result<ReminderSettings, AppError> {
    let sql = format!("SELECT {SETTINGS_COLUMNS} FROM program_reminders WHERE program_id = $1");
    let row: Option<SettingsRow> = on_db!(
        db,
        read | pool | {
            sqlx::query_as(&sql)
                .bind(program_id)
                .fetch_optional(pool)
                .await
        }
    )?;
    Ok(row.map(settings_from).unwrap_or_default())
}

/// Saves the program's reminder settings.
pub async fn save_settings(
    db: &Db,
    program_id: i64,
    settings: &ReminderSettings,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    on_db!(
        db,
        write | pool | {
            sqlx::query(
                "INSERT INTO program_reminders (program_id, enabled, days_before, overdue, \
                 overdue_every_days, overdue_max, send_hour, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (program_id) DO UPDATE SET \
                 enabled = excluded.enabled, days_before = excluded.days_before, \
                 overdue = excluded.overdue, overdue_every_days = excluded.overdue_every_days, \
                 overdue_max = excluded.overdue_max, send_hour = excluded.send_hour, \
                 updated_at = excluded.updated_at",
            )
            .bind(program_id)
            .bind(settings.enabled)
            .bind(settings.days_before)
            .bind(settings.overdue)
            .bind(settings.overdue_every_days)
            .bind(settings.overdue_max)
            .bind(settings.send_hour)
            .bind(now)
            .execute(pool)
            .await
            .map(|_| ())
        }
    )?;
    Ok(())
}

/// A program that sends reminders, with its time zone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemindingProgram {
    pub program_id: i64,
    pub time_zone: String,
    pub settings: ReminderSettings,
}

/// Every program whose reminders are on.
pub async fn reminding_programs(db: &Db) -> Result<Vec<RemindingProgram>, AppError> {
    let sql = format!(
        "SELECT r.program_id, p.time_zone, {} FROM program_reminders r \
         JOIN programs p ON p.id = r.program_id WHERE r.enabled = $1 ORDER BY r.program_id",
        SETTINGS_COLUMNS
            .split(", ")
            .map(|c| format!("r.{c}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    type Row = (i64, String, bool, i32, bool, i32, i32, i32);
    let rows: Vec<Row> = on_db!(
        db,
        read | pool | { sqlx::query_as(&sql).bind(true).fetch_all(pool).await }
    )?;
    Ok(rows
        .into_iter()
        .map(
            |(program_id, time_zone, a, b, c, d, e, f)| RemindingProgram {
                program_id,
                time_zone,
                settings: settings_from((a, b, c, d, e, f)),
            },
        )
        .collect())
}

/// Whether the person wants reminder emails.
pub async fn wants_reminders(db: &Db, user_id: i64) -> Result<bool, AppError> {
    let on: Option<bool> = on_db!(
        db,
        read | pool | {
            sqlx::query_scalar("SELECT reminder_emails FROM users WHERE id = $1")
                .bind(user_id)
                .fetch_optional(pool)
                .await
        }
    )?;
    on.ok_or(AppError::NotFound)
}

/// Turns the person's reminder emails on or off.
pub async fn set_wants_reminders(db: &Db, user_id: i64, on: bool) -> Result<(), AppError> {
    on_db!(
        db,
        write | pool | {
            sqlx::query("UPDATE users SET reminder_emails = $1 WHERE id = $2")
                .bind(on)
                .bind(user_id)
                .execute(pool)
                .await
                .map(|_| ())
        }
    )?;
    Ok(())
}

/// The person an unsubscribe token was issued to, with whether they still get reminders.
pub async fn unsubscribe_target(db: &Db, token: &str) -> Result<Option<(i64, bool)>, AppError> {
    if !looks_like_token(token) {
        return Ok(None);
    }
    Ok(on_db!(
        db,
        read | pool | {
            sqlx::query_as(
                "SELECT u.id, u.reminder_emails FROM unsubscribe_tokens t \
                 JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1",
            )
            .bind(token_hash(token))
            .fetch_optional(pool)
            .await
        }
    )?)
}

/// An email as a worker sends it.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Outgoing {
    pub id: i64,
    pub kind: String,
    pub user_id: Option<i64>,
    pub to_address: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub unsubscribe_url: Option<String>,
    /// Counting this one.
    pub attempts: i32,
}

/// A new email for the outbox.
pub struct NewEmail<'a> {
    pub dedupe_key: &'a str,
    pub kind: &'a str,
    pub user_id: Option<i64>,
    pub program_id: Option<i64>,
    pub digest_day: Option<NaiveDate>,
    pub to_address: &'a str,
    pub subject: &'a str,
    pub body_text: &'a str,
    pub body_html: &'a str,
    pub unsubscribe_url: Option<&'a str>,
}

/// The insert of [`NewEmail`]: nothing when its dedupe key is queued already.
pub const INSERT_EMAIL: &str = "INSERT INTO outbox (dedupe_key, kind, user_id, program_id, \
     digest_day, to_address, subject, body_text, body_html, unsubscribe_url, status, attempts, \
     next_attempt_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'queued', 0, \
     $11, $11) ON CONFLICT (dedupe_key) DO NOTHING RETURNING id";

/// Binds a [`NewEmail`] to [`INSERT_EMAIL`] (a macro: one body per engine). Used as
/// `crate::mail::store::bind_email!`.
#[doc(hidden)]
#[macro_export]
macro_rules! __bind_email {
    ($email:expr, $now:expr) => {
        sqlx::query_scalar::<_, i64>($crate::mail::store::INSERT_EMAIL)
            .bind($email.dedupe_key)
            .bind($email.kind)
            .bind($email.user_id)
            .bind($email.program_id)
            .bind($email.digest_day)
            .bind($email.to_address)
            .bind($email.subject)
            .bind($email.body_text)
            .bind($email.body_html)
            .bind($email.unsubscribe_url)
            .bind($now)
    };
}

pub use crate::__bind_email as bind_email;

/// Queues an email; `None` when one with its dedupe key is queued already.
pub async fn queue(
    db: &Db,
    email: &NewEmail<'_>,
    now: DateTime<Utc>,
) -> Result<Option<i64>, AppError> {
    Ok(on_db!(
        db,
        write | pool | { bind_email!(email, now).fetch_optional(pool).await }
    )?)
}

/// Claims up to `limit` emails ready to go for `worker` until `now` + the lease: each counts
/// one more attempt. On PostgreSQL rows another worker is claiming are skipped (`FOR UPDATE
/// SKIP LOCKED`); SQLite's single writer claims one batch at a time.
pub async fn claim(
    db: &Db,
    worker: &str,
    now: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<Outgoing>, AppError> {
    let lock = match db {
        Db::Postgres(_) => " FOR UPDATE SKIP LOCKED",
        Db::Sqlite { .. } => "",
    };
    let sql = format!(
        "UPDATE outbox SET lease_until = $1, leased_by = $2, attempts = attempts + 1 \
         WHERE id IN (SELECT id FROM outbox WHERE status = 'queued' AND next_attempt_at <= $3 \
         AND (lease_until IS NULL OR lease_until < $3) ORDER BY id LIMIT $4{lock}) \
         RETURNING id, kind, user_id, to_address, subject, body_text, body_html, \
         unsubscribe_url, attempts"
    );
    let mut claimed: Vec<Outgoing> = on_db!(
        db,
        write | pool | {
            sqlx::query_as(&sql)
                .bind(now + Duration::seconds(LEASE_SECONDS))
                .bind(worker)
                .bind(now)
                .bind(limit)
                .fetch_all(pool)
                .await
        }
    )?;
    claimed.sort_by_key(|e| e.id);
    Ok(claimed)
}

/// Records that `worker` sent the email; false when its lease had passed to another worker.
pub async fn mark_sent(
    db: &Db,
    id: i64,
    worker: &str,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let done = on_db!(
        db,
        write | pool | {
            sqlx::query(
                "UPDATE outbox SET status = 'sent', sent_at = $1, lease_until = NULL, \
                 last_error = NULL, body_text = CASE WHEN kind IN ('invitation', \
                 'password_reset') THEN $4 ELSE body_text END, body_html = CASE WHEN kind IN \
                 ('invitation', 'password_reset') THEN $4 ELSE body_html END \
                 WHERE id = $2 AND leased_by = $3 AND status = 'queued'",
            )
            .bind(now)
            .bind(id)
            .bind(worker)
            .bind(LINK_REMOVED)
            .execute(pool)
            .await
            .map(|done| done.rows_affected())
        }
    )?;
    Ok(done == 1)
}

/// What the outbox keeps of a sent email that held a one-use link: a link that opens an
/// account is in the outbox only until it is sent.
pub const LINK_REMOVED: &str = "(This email held a one-use link; it was removed once sent.)";

/// Records a failed attempt: tried again after a growing delay, or failed for good after
/// [`MAX_ATTEMPTS`] (or at once when `give_up`). Returns the email's status.
pub async fn mark_attempt_failed(
    db: &Db,
    email: &Outgoing,
    worker: &str,
    now: DateTime<Utc>,
    reason: &str,
    give_up: bool,
) -> Result<OutboxStatus, AppError> {
    let status = if give_up || email.attempts >= MAX_ATTEMPTS {
        OutboxStatus::Failed
    } else {
        OutboxStatus::Queued
    };
    let reason: String = reason.chars().take(500).collect();
    on_db!(
        db,
        write | pool | {
            sqlx::query(
                "UPDATE outbox SET status = $1, next_attempt_at = $2, lease_until = NULL, \
                 last_error = $3 WHERE id = $4 AND leased_by = $5 AND status = 'queued'",
            )
            .bind(status.as_str())
            .bind(now + retry_delay(email.attempts))
            .bind(&reason)
            .bind(email.id)
            .bind(worker)
            .execute(pool)
            .await
            .map(|_| ())
        }
    )?;
    Ok(status)
}

/// Puts a failed email back in the queue, to go at once with a fresh count of attempts.
pub async fn retry(db: &Db, id: i64, now: DateTime<Utc>) -> Result<bool, AppError> {
    let done = on_db!(
        db,
        write | pool | {
            sqlx::query(
                "UPDATE outbox SET status = 'queued', attempts = 0, next_attempt_at = $1, \
                 lease_until = NULL, leased_by = NULL WHERE id = $2 AND status = 'failed'",
            )
            .bind(now)
            .bind(id)
            .execute(pool)
            .await
            .map(|done| done.rows_affected())
        }
    )?;
    Ok(done == 1)
}

/// Whether a digest's person still wants it when it is about to go: reminders on and the
/// account enabled.
pub async fn still_wanted(db: &Db, user_id: i64) -> Result<bool, AppError> {
    let row: Option<(bool, Option<DateTime<Utc>>)> = on_db!(
        db,
        read | pool | {
            sqlx::query_as("SELECT reminder_emails, disabled_at FROM users WHERE id = $1")
                .bind(user_id)
                .fetch_optional(pool)
                .await
        }
    )?;
    Ok(matches!(row, Some((true, None))))
}

#[derive(sqlx::FromRow)]
struct EntryRow {
    id: i64,
    kind: String,
    user_id: Option<i64>,
    person: Option<String>,
    to_address: String,
    subject: String,
    status: String,
    attempts: i32,
    last_error: Option<String>,
    created_at: DateTime<Utc>,
    sent_at: Option<DateTime<Utc>>,
    next_attempt_at: DateTime<Utc>,
}

/// How many rows the outbox view shows.
pub const OUTBOX_ROWS: i64 = 100;

/// The newest emails of the program's outbox: digests to its participants and test emails sent
/// from its page, optionally to one person only.
pub async fn outbox_of(
    db: &Db,
    program_id: i64,
    person: Option<i64>,
) -> Result<Vec<OutboxEntry>, AppError> {
    let rows: Vec<EntryRow> = on_db!(
        db,
        read | pool | {
            sqlx::query_as(
                "SELECT o.id, o.kind, o.user_id, u.display_name AS person, o.to_address, \
                 o.subject, o.status, o.attempts, o.last_error, o.created_at, o.sent_at, \
                 o.next_attempt_at FROM outbox o LEFT JOIN users u ON u.id = o.user_id \
                 WHERE (o.program_id = $1 OR (o.kind = 'digest' AND o.user_id IN \
                 (SELECT user_id FROM enrollments WHERE program_id = $1))) \
                 AND ($2 = 0 OR o.user_id = $2) ORDER BY o.id DESC LIMIT $3",
            )
            .bind(program_id)
            .bind(person.unwrap_or(0))
            .bind(OUTBOX_ROWS)
            .fetch_all(pool)
            .await
        }
    )?;
    rows.into_iter()
        .map(|row| {
            Ok(OutboxEntry {
                id: row.id,
                test: row.kind == "test",
                user_id: row.user_id,
                person: row.person,
                to_address: row.to_address,
                subject: row.subject,
                status: OutboxStatus::parse(&row.status)
                    .ok_or_else(|| AppError::internal(format!("outbox status {}", row.status)))?,
                attempts: row.attempts,
                last_error: row.last_error,
                created_at: row.created_at,
                sent_at: row.sent_at,
                next_attempt_at: row.next_attempt_at,
            })
        })
        .collect()
}

/// One email of the program's outbox (as [`outbox_of`] selects them), for a Retry.
pub async fn in_outbox_of(db: &Db, program_id: i64, id: i64) -> Result<bool, AppError> {
    let found: Option<i64> = on_db!(
        db,
        read | pool | {
            sqlx::query_scalar(
                "SELECT o.id FROM outbox o WHERE o.id = $2 AND (o.program_id = $1 OR \
                 (o.kind = 'digest' AND o.user_id IN \
                 (SELECT user_id FROM enrollments WHERE program_id = $1)))",
            )
            .bind(program_id)
            .bind(id)
            .fetch_optional(pool)
            .await
        }
    )?;
    Ok(found.is_some())
}

/// The program's participants (active or not), by name: the people its outbox and preview
/// are about.
pub async fn participants_of(db: &Db, program_id: i64) -> Result<Vec<(i64, String)>, AppError> {
    Ok(on_db!(
        db,
        read | pool | {
            sqlx::query_as(
                "SELECT DISTINCT u.id, u.display_name FROM users u \
                 JOIN enrollments e ON e.user_id = u.id WHERE e.program_id = $1 \
                 ORDER BY u.display_name, u.id",
            )
            .bind(program_id)
            .fetch_all(pool)
            .await
        }
    )?)
}

/// Turns reminder emails off for the person an unsubscribe token was issued to; false for an
/// unknown token.
pub async fn unsubscribe(db: &Db, token: &str) -> Result<bool, AppError> {
    match unsubscribe_target(db, token).await? {
        Some((user_id, _)) => {
            set_wants_reminders(db, user_id, false).await?;
            Ok(true)
        }
        None => Ok(false),
    }
}
