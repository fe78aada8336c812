//! The routed pages of reminder emails: `/programs/{id}/reminders`, the admins' page (the
//! program's settings, a test email, a preview of a person's next digest and the program's
//! outbox), and `/unsubscribe/{token}`, the one-click unsubscribe page of the digests.

use super::{OutboxEntry, OutboxStatus, ReminderSettings, Sending};
use crate::error::AppError;
use crate::ui::data::resource;
use crate::ui::forms::{Field, field_invalid, form_outcome, outcome_view};
use crate::ui::frame::{ProgramNav, program_page};
use crate::ui::table::ScrollTable;
use crate::ui::title::PageTitle;
use chrono::{DateTime, NaiveDate, Utc};
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};
use serde::{Deserialize, Serialize};

/// An admin's preview of a person's digest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Preview {
    pub person: String,
    pub day: NaiveDate,
    /// `None` when nothing would go.
    pub subject: Option<String>,
    pub text: String,
    /// Why the person would get nothing whatever is due.
    pub note: Option<String>,
}

/// The program's reminder page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemindersData {
    pub program_id: i64,
    pub program_name: String,
    pub time_zone: String,
    pub settings: ReminderSettings,
    pub sending: Sending,
    pub admin_email: String,
    /// The program's participants (id, name), for the outbox filter and the preview.
    pub people: Vec<(i64, String)>,
    pub person: Option<i64>,
    pub outbox: Vec<OutboxEntry>,
    pub preview: Option<Preview>,
    /// Whether the signed-in admin gets the weekly match-health summary of the program.
    pub summary: bool,
}

#[server(endpoint = "reminders/page")]
pub async fn reminders_page(
    program_id: i64,
    person: Option<i64>,
    preview: Option<i64>,
) -> Result<RemindersData, AppError> {
    let (user, db) = crate::accounts::access::admin_of(program_id)?;
    let program = crate::programs::store::program_details(&db, program_id).await?;
    let settings = super::store::settings_of(&db, program_id).await?;
    let people = super::store::participants_of(&db, program_id).await?;
    let person = person.filter(|id| people.iter().any(|(p, _)| p == id));
    let outbox = super::store::outbox_of(&db, program_id, person).await?;
    let preview = match preview.and_then(|id| people.iter().find(|(p, _)| *p == id)) {
        Some((id, name)) => Some(
            preview_of(
                &db,
                program_id,
                &program.name,
                &program.time_zone,
                settings,
                *id,
                name,
            )
            .await?,
        ),
        None => None,
    };
    let summary = super::summary::wants_summary(&db, program_id, user.id).await?;
    Ok(RemindersData {
        summary,
        program_id,
        program_name: program.name,
        time_zone: program.time_zone,
        settings,
        sending: super::MailContext::current().sending,
        admin_email: user.email,
        people,
        person,
        outbox,
        preview,
    })
}

/// The part of `person`'s digest of tomorrow (program calendar) that comes from this program,
/// as it would go with the program's settings.
#[cfg(feature = "ssr")]
async fn preview_of(
    db: &crate::db::Db,
    program_id: i64,
    program_name: &str,
    time_zone: &str,
    settings: ReminderSettings,
    person: i64,
    name: &str,
) -> Result<Preview, AppError> {
    let day = crate::kernel::time_zone::today_in_zone(time_zone) + chrono::Duration::days(1);
    let programs = std::collections::HashMap::from([(program_id, settings)]);
    let due = super::schedule::due_for(db, person, day, &programs).await?;
    let wants = super::store::wants_reminders(db, person).await?;
    let disabled = crate::accounts::store::load_current_user(db, person)
        .await?
        .is_none();
    let note = if disabled {
        Some(format!(
            "{name}'s account is disabled: no reminders go to it."
        ))
    } else if !wants {
        Some(format!(
            "{name} turned reminder emails off: no digest goes to them."
        ))
    } else if !settings.enabled {
        Some(format!(
            "Reminders are off for {program_name}: this is what would go if they were on."
        ))
    } else {
        None
    };
    if due.is_empty() {
        return Ok(Preview {
            person: name.to_string(),
            day,
            subject: None,
            text: String::new(),
            note,
        });
    }
    let items: Vec<super::digest::DigestItem> = due
        .iter()
        .map(|(item, kind)| super::schedule::digest_item(item, *kind, None))
        .collect();
    let public = use_context::<crate::kernel::public_url::PublicUrl>()
        .ok_or_else(|| AppError::internal("the site's public address is not configured"))?;
    let mail = super::digest::render(name, day, &items, &public.join("/quickcliq"), None);
    Ok(Preview {
        person: name.to_string(),
        day,
        subject: Some(mail.subject),
        text: mail.text,
        note,
    })
}

#[server(endpoint = "reminders/save")]
pub async fn save_reminders(
    program_id: i64,
    #[server(default)] enabled: Option<String>,
    days_before: String,
    #[server(default)] overdue: Option<String>,
    overdue_every_days: String,
    overdue_max: String,
    send_hour: String,
) -> Result<String, AppError> {
    let outcome = async {
        let (_, db) = crate::accounts::access::admin_of(program_id)?;
        let settings = ReminderSettings::parse(
            enabled.is_some(),
            &days_before,
            overdue.is_some(),
            &overdue_every_days,
            &overdue_max,
            &send_hour,
        )
        .map_err(AppError::invalid_fields)?;
        super::store::save_settings(&db, program_id, &settings, Utc::now()).await?;
        Ok(if settings.enabled {
            format!(
                "Saved. Reminders are on: digests go at {:02}:00 in the program's time zone.",
                settings.send_hour
            )
        } else {
            "Saved. Reminders are off: no digests go to this program's participants.".to_string()
        })
    }
    .await;
    let enabled = enabled.unwrap_or_default();
    let overdue = overdue.unwrap_or_default();
    crate::ui::forms::answer_plain_form_keeping(
        &format!("/programs/{program_id}/reminders"),
        "reminders",
        &outcome,
        &[
            ("enabled", &enabled),
            ("days_before", &days_before),
            ("overdue", &overdue),
            ("overdue_every_days", &overdue_every_days),
            ("overdue_max", &overdue_max),
            ("send_hour", &send_hour),
        ],
    );
    outcome
}

/// Test emails an admin may queue in ten minutes.
pub const TEST_EMAILS_PER_WINDOW: u32 = 5;

/// Turns the signed-in admin's weekly match-health summary of the program on or off.
#[server(endpoint = "reminders/health-summary")]
pub async fn set_health_summary(program_id: i64, on: bool) -> Result<String, AppError> {
    let outcome = async {
        let (user, db) = crate::accounts::access::admin_of(program_id)?;
        super::summary::set_summary(&db, program_id, user.id, on, Utc::now()).await?;
        Ok(if on {
            format!(
                "Each week you get the matches that need attention, at {}.",
                user.email
            )
        } else {
            "You no longer get the weekly summary.".to_string()
        })
    }
    .await;
    crate::ui::forms::answer_plain_form(
        &format!("/programs/{program_id}/reminders"),
        "health-summary",
        &outcome,
    );
    outcome
}

/// Queues a test email to the signed-in admin.
#[server(endpoint = "reminders/test-email")]
pub async fn send_test_email(program_id: i64) -> Result<String, AppError> {
    let outcome = async {
        let (user, db) = crate::accounts::access::admin_of(program_id)?;
        let program = crate::programs::store::program_details(&db, program_id).await?;
        let public = use_context::<crate::kernel::public_url::PublicUrl>()
            .ok_or_else(|| AppError::internal("the site's public address is not configured"))?;
        let mail = super::digest::test_email(&user.name, &program.name, public.as_str());
        // At most TEST_EMAILS_PER_WINDOW in each ten minutes, however many requests arrive at
        // once: each takes one numbered slot of the window, and a slot is queued once.
        let now = Utc::now();
        let window = now.timestamp().div_euclid(600);
        let mut queued = false;
        for slot in 0..TEST_EMAILS_PER_WINDOW {
            let key = format!("test:{}:{window}:{slot}", user.id);
            let email = super::store::NewEmail {
                dedupe_key: &key,
                kind: "test",
                user_id: Some(user.id),
                program_id: Some(program_id),
                digest_day: None,
                to_address: &user.email,
                subject: &mail.subject,
                body_text: &mail.text,
                body_html: &mail.html,
                unsubscribe_url: None,
            };
            if super::store::queue(&db, &email, now).await?.is_some() {
                queued = true;
                break;
            }
        }
        if !queued {
            return Err(AppError::invalid(format!(
                "You sent {TEST_EMAILS_PER_WINDOW} test emails in the last few minutes: look for \
                 them in the outbox below, or try again in ten minutes."
            )));
        }
        let context = super::MailContext::current();
        context.wake.notify_one();
        Ok(match context.sending.server {
            Some(_) => format!(
                "Queued a test email to {}. It goes out within a minute: see it in the outbox below.",
                user.email
            ),
            None => format!(
                "Queued a test email to {}. It stays in the outbox: this server sends no email \
                 until SMTP_URL is set.",
                user.email
            ),
        })
    }
    .await;
    crate::ui::forms::answer_plain_form(
        &format!("/programs/{program_id}/reminders"),
        "test-email",
        &outcome,
    );
    outcome
}

/// Puts a failed email of the program's outbox back in the queue.
#[server(endpoint = "reminders/retry")]
pub async fn retry_email(program_id: i64, email_id: i64) -> Result<String, AppError> {
    let outcome = async {
        let (_, db) = crate::accounts::access::admin_of(program_id)?;
        if !super::store::in_outbox_of(&db, program_id, email_id).await? {
            return Err(AppError::NotFound);
        }
        if !super::store::retry(&db, email_id, Utc::now()).await? {
            return Err(AppError::invalid(
                "Only a failed email can be retried; this one is queued or sent.",
            ));
        }
        super::MailContext::current().wake.notify_one();
        Ok("Queued the email again: it goes out on the next round.".to_string())
    }
    .await;
    crate::ui::forms::answer_plain_form(
        &format!("/programs/{program_id}/reminders"),
        "outbox",
        &outcome,
    );
    outcome
}

/// The hour as the settings say it: "09:00".
fn hour_label(hour: i32) -> String {
    format!("{hour:02}:00")
}

/// The reminder form's fields that errors can be about.
const REMINDER_FIELDS: [&str; 4] = [
    "days_before",
    "overdue_every_days",
    "overdue_max",
    "send_hour",
];

/// `/programs/{id}/reminders`: the program's reminder settings, a test email, a preview of
/// tomorrow's digest and the outbox.
#[component]
pub fn RemindersPage() -> impl IntoView {
    let query = use_query_map();
    let save = ServerAction::<SaveReminders>::new();
    let test = ServerAction::<SendTestEmail>::new();
    let retry = ServerAction::<RetryEmail>::new();
    let summary = ServerAction::<SetHealthSummary>::new();
    program_page(
        "Loading…",
        move || {
            let q = query.get();
            let id = |name: &str| q.get(name).and_then(|v| v.parse::<i64>().ok());
            (
                id("person"),
                id("preview"),
                save.version().get()
                    + test.version().get()
                    + retry.version().get()
                    + summary.version().get(),
            )
        },
        |program, (person, preview, _)| reminders_page(program, person, preview),
        move |data| view! { <Reminders data save test retry summary/> }.into_any(),
    )
}

#[component]
fn Reminders(
    data: RemindersData,
    save: ServerAction<SaveReminders>,
    test: ServerAction<SendTestEmail>,
    retry: ServerAction<RetryEmail>,
    summary: ServerAction<SetHealthSummary>,
) -> impl IntoView {
    let program_id = data.program_id;
    let summary_on = data.summary;
    let settings = data.settings;
    let outcome = Signal::derive(move || form_outcome(save.value().get(), "reminders"));
    let invalid = move |field: &'static str| move || field_invalid(&outcome.get(), field);
    let kept = |name: &str, value: String| {
        crate::ui::forms::kept_value("reminders", name).unwrap_or(value)
    };
    let refused = crate::ui::flash::page_flash("reminders").is_some_and(|f| f.outcome.is_err());
    let checked = move |name: &str, value: bool| {
        if refused {
            crate::ui::forms::kept_value("reminders", name).is_some_and(|v| !v.is_empty())
        } else {
            value
        }
    };
    let days_before = kept("days_before", settings.days_before.to_string());
    let every = kept(
        "overdue_every_days",
        settings.overdue_every_days.to_string(),
    );
    let max = kept("overdue_max", settings.overdue_max.to_string());
    let hour = kept("send_hour", settings.send_hour.to_string());
    let sending = match &data.sending.server {
        Some(server) => view! {
            <p class="success">{format!("Sending is on: through {server}, from {}.", data.sending.from)}</p>
        }.into_any(),
        None => view! {
            <p class="notice" role="note">"Sending is off: this server has no SMTP_URL, so no email leaves it. Emails still queue in the outbox below."</p>
        }.into_any(),
    };
    let people = data.people.clone();
    let person_options = move |selected: Option<i64>| {
        people
            .iter()
            .map(|(id, name)| {
                view! { <option value=id.to_string() selected=selected == Some(*id)>{name.clone()}</option> }
            })
            .collect_view()
    };
    let preview_options = person_options(data.preview.as_ref().and_then(|p| {
        data.people
            .iter()
            .find(|(_, n)| *n == p.person)
            .map(|(id, _)| *id)
    }));
    let filter_options = person_options(data.person);
    let general_error = move || {
        crate::ui::forms::outcome_view_besides_fields(
            save.value().get(),
            "reminders",
            &REMINDER_FIELDS,
        )
    };
    view! {
        <PageTitle text=format!("Reminder emails · {} · Mentoring Milestones", data.program_name)/>
        <ProgramNav program_id program_name=data.program_name.clone() current="reminders"/>
        <h1>"Reminder emails"</h1>
        {sending}
        <section class="card" aria-labelledby="settings-heading">
            <h2 id="settings-heading">"Reminders"</h2>
            <p>"Each participant gets at most one email a day listing their milestones due soon and overdue, for all their programs, each with a one-click " <strong>"Mark complete"</strong> " link. Nothing goes for ended matches, archived milestones, completed milestones or disabled accounts."</p>
            <ActionForm action=save>
                <input type="hidden" name="program_id" value=program_id.to_string()/>
                <div class="field checkbox">
                    <input id="reminders-enabled" type="checkbox" name="enabled" value="on" checked=checked("enabled", settings.enabled)/>
                    <label for="reminders-enabled">"Send reminder emails to this program's participants"</label>
                </div>
                <Field id="reminders-days-before" label="Days before the due date (due soon reminder)" name="days_before" outcome
                    hint="0 sends it on the due date itself. Each milestone gets one due soon reminder.">
                    <input id="reminders-days-before" name="days_before" type="number" min="0" max="30" required
                        value=days_before inputmode="numeric" aria-invalid=invalid("days_before")
                        aria-describedby="reminders-days-before-hint reminders-days-before-error"/>
                </Field>
                <div class="field checkbox">
                    <input id="reminders-overdue" type="checkbox" name="overdue" value="on" checked=checked("overdue", settings.overdue)/>
                    <label for="reminders-overdue">"Remind about overdue milestones"</label>
                </div>
                <Field id="reminders-every" label="Days between overdue reminders" name="overdue_every_days" outcome>
                    <input id="reminders-every" name="overdue_every_days" type="number" min="1" max="30" required
                        value=every inputmode="numeric" aria-invalid=invalid("overdue_every_days")
                        aria-describedby="reminders-every-error"/>
                </Field>
                <Field id="reminders-max" label="Overdue reminders per milestone" name="overdue_max" outcome hint="At most 3.">
                    <input id="reminders-max" name="overdue_max" type="number" min="1" max="3" required
                        value=max inputmode="numeric" aria-invalid=invalid("overdue_max")
                        aria-describedby="reminders-max-hint reminders-max-error"/>
                </Field>
                <Field id="reminders-hour" label="Hour to send" name="send_hour" outcome>
                    <select id="reminders-hour" name="send_hour" aria-invalid=invalid("send_hour")
                        aria-describedby="reminders-hour-hint reminders-hour-error">
                        {(0..24).map(|h| {
                            let selected = hour == h.to_string();
                            view! { <option value=h.to_string() selected=selected>{hour_label(h)}</option> }
                        }).collect_view()}
                    </select>
                    <p class="hint" id="reminders-hour-hint">{format!("In the program's time zone, {}.", data.time_zone)}</p>
                </Field>
                <button type="submit" class="button">"Save reminders"</button>
            </ActionForm>
            <div aria-live="polite">{general_error}</div>
        </section>
        <section class="card" aria-labelledby="summary-heading">
            <h2 id="summary-heading">"Weekly match health summary"</h2>
            <p>{if summary_on {
                format!("On: once a week you ({}) get the matches of this program that need attention, and why. Nothing comes in a week when no match needs attention.", data.admin_email)
            } else {
                "Off. Turn it on to get, once a week, the matches of this program that need attention, and why; nothing comes in a week when no match needs attention.".to_string()
            }}</p>
            <ActionForm action=summary>
                <input type="hidden" name="program_id" value=program_id.to_string()/>
                <input type="hidden" name="on" value=(!summary_on).to_string()/>
                <button type="submit" class="button secondary">{if summary_on { "Turn off the weekly summary" } else { "Turn on the weekly summary" }}</button>
            </ActionForm>
            <div aria-live="polite">{move || outcome_view(summary.value().get(), "health-summary")}</div>
        </section>
        <section class="card" aria-labelledby="test-heading">
            <h2 id="test-heading">"Test email"</h2>
            <p>{format!("Sends one email to you ({}) through the outbox, to check that email reaches people.", data.admin_email)}</p>
            <ActionForm action=test>
                <input type="hidden" name="program_id" value=program_id.to_string()/>
                <button type="submit" class="button secondary">"Send a test email to me"</button>
            </ActionForm>
            <div aria-live="polite">{move || outcome_view(test.value().get(), "test-email")}</div>
        </section>
        <section class="card" aria-labelledby="preview-heading">
            <h2 id="preview-heading">"Preview tomorrow's digest"</h2>
            <form method="get" class="inline mail-choice">
                <div class="field">
                    <label for="preview-person">"Participant"</label>
                    <select id="preview-person" name="preview">{preview_options}</select>
                </div>
                {data.person.map(|p| view! { <input type="hidden" name="person" value=p.to_string()/> })}
                <button type="submit" class="button secondary">"Preview"</button>
            </form>
            {data.preview.map(|preview| view! { <PreviewView preview/> })}
        </section>
        <section class="card" aria-labelledby="outbox-heading">
            <h2 id="outbox-heading">"Outbox"</h2>
            <form method="get" class="inline mail-choice">
                <div class="field">
                    <label for="outbox-person">"Person"</label>
                    <select id="outbox-person" name="person">
                        <option value="">"Everyone"</option>
                        {filter_options}
                    </select>
                </div>
                <button type="submit" class="button secondary">"Show"</button>
            </form>
            <div aria-live="polite">{move || outcome_view(retry.value().get(), "outbox")}</div>
            <OutboxTable entries=data.outbox program_id retry/>
        </section>
    }
}

#[component]
fn PreviewView(preview: Preview) -> impl IntoView {
    let day = crate::kernel::due_date::readable_date(preview.day);
    view! {
        <div class="preview" role="region" aria-label=format!("Digest preview for {}", preview.person)>
            {preview.note.map(|note| view! { <p class="notice">{note}</p> })}
            {match preview.subject {
                Some(subject) => view! {
                    <p><strong>"Subject: "</strong>{subject}</p>
                    <pre class="mail-text">{preview.text}</pre>
                }.into_any(),
                None => view! {
                    <p class="empty">{format!("Nothing would go to {} on {day}: none of their milestones in this program is due a reminder that day.", preview.person)}</p>
                }.into_any(),
            }}
        </div>
    }
}

/// A moment as the outbox shows it: "2026-11-29 17:05 UTC".
fn moment(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

#[component]
fn OutboxTable(
    entries: Vec<OutboxEntry>,
    program_id: i64,
    retry: ServerAction<RetryEmail>,
) -> impl IntoView {
    if entries.is_empty() {
        return view! { <p class="empty">"No emails yet."</p> }.into_any();
    }
    view! {
        <ScrollTable label="Outbox">
            <table class="outbox">
                <thead>
                    <tr>
                        <th scope="col">"Queued"</th>
                        <th scope="col">"To"</th>
                        <th scope="col">"Subject"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody>
                    {entries.into_iter().map(|entry| {
                        let status = match entry.status {
                            OutboxStatus::Sent => format!("Sent {}", entry.sent_at.map(moment).unwrap_or_default()),
                            OutboxStatus::Queued if entry.attempts > 0 => format!(
                                "Queued: attempt {} failed ({}); next try {}",
                                entry.attempts,
                                entry.last_error.clone().unwrap_or_default(),
                                moment(entry.next_attempt_at)
                            ),
                            OutboxStatus::Queued => "Queued".to_string(),
                            OutboxStatus::Failed => format!(
                                "Failed after {} attempt{}: {}",
                                entry.attempts,
                                if entry.attempts == 1 { "" } else { "s" },
                                entry.last_error.clone().unwrap_or_default()
                            ),
                        };
                        let class = format!("status-{}", entry.status.as_str());
                        let who = match &entry.person {
                            Some(name) => format!("{name} <{}>", entry.to_address),
                            None => entry.to_address.clone(),
                        };
                        let kind = if entry.test { "Test email: " } else { "" };
                        view! {
                            <tr>
                                <td>{moment(entry.created_at)}</td>
                                <td>{who}</td>
                                <td>{kind}{entry.subject}</td>
                                <td class=class>{status}</td>
                                <td>
                                    {(entry.status == OutboxStatus::Failed).then(|| view! {
                                        <ActionForm action=retry>
                                            <input type="hidden" name="program_id" value=program_id.to_string()/>
                                            <input type="hidden" name="email_id" value=entry.id.to_string()/>
                                            <button type="submit" class="button secondary">"Retry"</button>
                                        </ActionForm>
                                    })}
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </ScrollTable>
    }
    .into_any()
}

/// What an unsubscribe link opens.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Unsubscribe {
    /// The person still gets reminder emails.
    Subscribed,
    Unsubscribed,
    Unknown,
}

#[server(endpoint = "unsubscribe/page")]
pub async fn unsubscribe_page(token: String) -> Result<Unsubscribe, AppError> {
    let db = expect_context::<crate::db::Db>();
    Ok(match super::store::unsubscribe_target(&db, &token).await? {
        Some((_, true)) => Unsubscribe::Subscribed,
        Some((_, false)) => Unsubscribe::Unsubscribed,
        None => Unsubscribe::Unknown,
    })
}

/// `/unsubscribe/{token}`: the page of a digest's unsubscribe link. Opening it changes nothing
/// (mail scanners open links); the button posts to the same address, as the one-click
/// `List-Unsubscribe-Post` of mail apps does.
#[component]
pub fn UnsubscribePage() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.with(|p| p.get("token").unwrap_or_default());
    let state = resource(token, unsubscribe_page);
    view! {
        <PageTitle text="Reminder emails · Mentoring Milestones"/>
        <h1>"Reminder emails"</h1>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let action = format!("/unsubscribe/{}", token());
                crate::ui::frame::or_error(state.await, move |state| match state {
                    Unsubscribe::Subscribed => view! {
                        <section class="card">
                            <p>"You get reminder emails about your mentoring milestones: at most one a day, when milestones are due soon or overdue."</p>
                            <form method="post" action=action>
                                <input type="hidden" name="List-Unsubscribe" value="One-Click"/>
                                <button type="submit" class="button">"Unsubscribe from reminder emails"</button>
                            </form>
                        </section>
                    }.into_any(),
                    Unsubscribe::Unsubscribed => view! {
                        <section class="card">
                            <p class="success" role="status">"You are unsubscribed: you get no more reminder emails."</p>
                            <p>"Changed your mind? Turn them back on from your " <a href="/profile">"Profile"</a> "."</p>
                        </section>
                    }.into_any(),
                    Unsubscribe::Unknown => view! {
                        <section class="card">
                            <p class="form-error">"This unsubscribe link does not work."</p>
                            <p>"Sign in and turn reminder emails off on your " <a href="/profile">"Profile"</a> "."</p>
                        </section>
                    }.into_any(),
                })
            })}
        </Suspense>
    }
}
