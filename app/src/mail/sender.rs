//! Sending: the [`Mailer`] (SMTP through `lettre`, or whatever a test puts in its place) and
//! the outbox worker that claims emails with a lease, sends them and records the outcome.

use super::store::{self, Outgoing};
use crate::db::Db;
use crate::error::AppError;
use chrono::{DateTime, Utc};
use std::sync::Arc;

/// Sends one email; the error is a sentence for the outbox view.
#[async_trait::async_trait]
pub trait Mailer: Send + Sync {
    async fn send(&self, email: &Outgoing) -> Result<(), String>;
}

/// SMTP (`SMTP_URL`: `smtp://host:port`, `smtp://host?tls=required`, `smtps://user:pass@host`)
/// from `MAIL_FROM`.
pub struct SmtpMailer {
    transport: lettre::AsyncSmtpTransport<lettre::Tokio1Executor>,
    from: lettre::message::Mailbox,
    /// The host part of Message-IDs.
    host: String,
}

impl SmtpMailer {
    pub fn new(url: &str, from: &str, host: &str) -> Result<SmtpMailer, String> {
        let transport = lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::from_url(url)
            .map_err(|e| format!("SMTP_URL is not usable: {e}"))?
            .timeout(Some(std::time::Duration::from_secs(30)))
            .build();
        let from = from
            .parse()
            .map_err(|e| format!("MAIL_FROM is not an email address: {e}"))?;
        Ok(SmtpMailer {
            transport,
            from,
            host: host.to_string(),
        })
    }

    /// The message as it goes out: text and HTML parts, and for digests the one-click
    /// unsubscribe headers of RFC 8058.
    pub fn message(&self, email: &Outgoing) -> Result<lettre::Message, String> {
        use lettre::message::header::{HeaderName, HeaderValue};
        let to: lettre::message::Mailbox = email
            .to_address
            .parse()
            .map_err(|e| format!("the address {} is not valid: {e}", email.to_address))?;
        let mut builder = lettre::Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(email.subject.clone())
            .message_id(Some(format!("<outbox-{}@{}>", email.id, self.host)));
        if let Some(url) = &email.unsubscribe_url {
            builder = builder
                .raw_header(HeaderValue::new(
                    HeaderName::new_from_ascii_str("List-Unsubscribe"),
                    format!("<{url}>"),
                ))
                .raw_header(HeaderValue::new(
                    HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                    "List-Unsubscribe=One-Click".to_string(),
                ));
        }
        builder
            .multipart(lettre::message::MultiPart::alternative_plain_html(
                email.body_text.clone(),
                email.body_html.clone(),
            ))
            .map_err(|e| format!("could not build the email: {e}"))
    }
}

#[async_trait::async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, email: &Outgoing) -> Result<(), String> {
        use lettre::AsyncTransport;
        let message = self.message(email)?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| format!("the mail server refused or could not be reached: {e}"))
    }
}

/// What one round of the worker did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SendReport {
    pub sent: usize,
    /// Failed attempts that will be tried again.
    pub retrying: usize,
    /// Emails marked failed for good.
    pub failed: usize,
}

/// How many emails a worker claims at once.
pub const BATCH: i64 = 20;

/// Claims the emails ready at `now` and sends them, one batch. A digest whose person has
/// unsubscribed or been disabled since it was queued is not sent (failed, with that reason).
pub async fn send_ready(
    db: &Db,
    mailer: &dyn Mailer,
    worker: &str,
    now: DateTime<Utc>,
) -> Result<SendReport, AppError> {
    let mut report = SendReport::default();
    for email in store::claim(db, worker, now, BATCH).await? {
        if email.kind == "digest" {
            let wanted = match email.user_id {
                Some(user) => store::still_wanted(db, user).await?,
                None => false,
            };
            if !wanted {
                store::mark_attempt_failed(
                    db,
                    &email,
                    worker,
                    now,
                    "not sent: the person turned reminder emails off or their account was \
                     disabled",
                    true,
                )
                .await?;
                report.failed += 1;
                continue;
            }
        }
        match mailer.send(&email).await {
            Ok(()) => {
                store::mark_sent(db, email.id, worker, Utc::now()).await?;
                report.sent += 1;
            }
            Err(reason) => {
                tracing::warn!(id = email.id, attempt = email.attempts, %reason, "email not sent");
                match store::mark_attempt_failed(db, &email, worker, now, &reason, false).await? {
                    super::OutboxStatus::Failed => report.failed += 1,
                    _ => report.retrying += 1,
                }
            }
        }
    }
    Ok(report)
}

/// Runs the worker until the task is dropped: a round when woken (something was queued in this
/// process) or every `poll` (another process or server may have queued).
pub async fn run_worker(
    db: Db,
    mailer: Arc<dyn Mailer>,
    worker: String,
    poll: std::time::Duration,
    wake: Arc<tokio::sync::Notify>,
) {
    loop {
        match send_ready(&db, mailer.as_ref(), &worker, Utc::now()).await {
            Ok(report) if report.sent + report.retrying + report.failed > 0 => {
                tracing::info!(?report, "outbox round");
                // A full batch may have more behind it.
                if (report.sent + report.retrying + report.failed) as i64 >= BATCH {
                    continue;
                }
            }
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "outbox round failed"),
        }
        tokio::select! {
            () = wake.notified() => {}
            () = tokio::time::sleep(poll) => {}
        }
    }
}

/// Runs the reminder timer until the task is dropped: every minute, the passes whose hour has
/// come (see `schedule::tick`), waking the worker when it queued something.
pub async fn run_scheduler(
    db: Db,
    public_url: crate::kernel::public_url::PublicUrl,
    wake: Arc<tokio::sync::Notify>,
) {
    let mut done = std::collections::HashSet::new();
    let mut every = tokio::time::interval(std::time::Duration::from_secs(60));
    loop {
        every.tick().await;
        match super::schedule::tick(&db, Utc::now(), &public_url, &mut done).await {
            Ok(report) if report.queued > 0 => {
                tracing::info!(?report, "reminder digests queued");
                wake.notify_one();
            }
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "reminder pass failed"),
        }
    }
}
