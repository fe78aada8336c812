//! Reminder emails: per program, admins set **Reminders**; each person gets at most one digest
//! a day of their items due soon and overdue, each with a one-click check-in link; every email
//! goes through the outbox, which admins see (with a test email and a preview of tomorrow's
//! digest); people unsubscribe in one click from the email, or on their Profile.

#[cfg(feature = "ssr")]
pub mod digest;
pub mod pages;
pub mod participation;
#[cfg(feature = "ssr")]
pub mod schedule;
#[cfg(feature = "ssr")]
pub mod sender;
#[cfg(feature = "ssr")]
pub mod store;
#[cfg(feature = "ssr")]
pub mod summary;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// A program's reminder settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReminderSettings {
    pub enabled: bool,
    /// How many days before the due date the "due soon" reminder goes (0: on the day).
    pub days_before: i32,
    /// Whether overdue items are reminded.
    pub overdue: bool,
    /// Days between two overdue reminders of an item.
    pub overdue_every_days: i32,
    /// Overdue reminders per item, 1 to 3.
    pub overdue_max: i32,
    /// The hour of the day (0–23, program time zone) the digests go.
    pub send_hour: i32,
}

impl Default for ReminderSettings {
    fn default() -> Self {
        ReminderSettings {
            enabled: false,
            days_before: 3,
            overdue: true,
            overdue_every_days: 7,
            overdue_max: 3,
            send_hour: 9,
        }
    }
}

/// A whole number in `low..=high`, or the field's error.
fn number_field(
    value: &str,
    field: &'static str,
    label: &'static str,
    low: i32,
    high: i32,
    unit: &str,
) -> Result<i32, (&'static str, &'static str, String)> {
    match value.trim().parse::<i32>() {
        Ok(n) if (low..=high).contains(&n) => Ok(n),
        _ => Err((
            field,
            label,
            format!("Enter a whole number of {unit} from {low} to {high}."),
        )),
    }
}

impl ReminderSettings {
    /// The settings from the form's fields; every wrong field is reported.
    pub fn parse(
        enabled: bool,
        days_before: &str,
        overdue: bool,
        overdue_every_days: &str,
        overdue_max: &str,
        send_hour: &str,
    ) -> Result<ReminderSettings, Vec<(&'static str, &'static str, String)>> {
        let days = number_field(days_before, "days_before", "Days before", 0, 30, "days");
        let every = number_field(
            overdue_every_days,
            "overdue_every_days",
            "Days between overdue reminders",
            1,
            30,
            "days",
        );
        let max = number_field(
            overdue_max,
            "overdue_max",
            "Overdue reminders per milestone",
            1,
            3,
            "reminders",
        );
        let hour = number_field(send_hour, "send_hour", "Hour", 0, 23, "hours");
        match (days, every, max, hour) {
            (Ok(days_before), Ok(overdue_every_days), Ok(overdue_max), Ok(send_hour)) => {
                Ok(ReminderSettings {
                    enabled,
                    days_before,
                    overdue,
                    overdue_every_days,
                    overdue_max,
                    send_hour,
                })
            }
            (a, b, c, d) => Err([a.err(), b.err(), c.err(), d.err()]
                .into_iter()
                .flatten()
                .collect()),
        }
    }
}

/// The outbox key of a person's digest of a day: one a day, whoever queues it.
pub fn dedupe_key(user_id: i64, day: NaiveDate) -> String {
    format!("digest:{user_id}:{day}")
}

/// Where an email is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum OutboxStatus {
    Queued,
    Sent,
    Failed,
}

impl OutboxStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxStatus::Queued => "queued",
            OutboxStatus::Sent => "sent",
            OutboxStatus::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Option<OutboxStatus> {
        match text {
            "queued" => Some(OutboxStatus::Queued),
            "sent" => Some(OutboxStatus::Sent),
            "failed" => Some(OutboxStatus::Failed),
            _ => None,
        }
    }
}

/// One email of the outbox, as admins see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxEntry {
    pub id: i64,
    /// A test email (else a digest).
    pub test: bool,
    pub user_id: Option<i64>,
    pub person: Option<String>,
    pub to_address: String,
    pub subject: String,
    pub status: OutboxStatus,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub next_attempt_at: DateTime<Utc>,
}

/// How the server sends email, as the admins' page says it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sending {
    /// `None` without `SMTP_URL`: nothing is sent.
    pub server: Option<String>,
    pub from: String,
}

/// What the server process shares with the mail pages: how it sends, and a bell that wakes its
/// outbox worker.
#[cfg(feature = "ssr")]
#[derive(Clone, Debug)]
pub struct MailContext {
    pub sending: Sending,
    pub wake: std::sync::Arc<tokio::sync::Notify>,
}

#[cfg(feature = "ssr")]
impl MailContext {
    /// The context of this render or call, or one that sends nothing (commands, tests).
    pub fn current() -> MailContext {
        leptos::prelude::use_context::<MailContext>().unwrap_or_else(|| MailContext {
            sending: Sending {
                server: None,
                from: String::new(),
            },
            wake: Default::default(),
        })
    }
}
