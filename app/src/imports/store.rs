//! CSV imports in the database: a staged file, its preview against the program as it is, and
//! applying it in one transaction.

use super::plan::{
    Change, ImportKind, Known, KnownEnrollment, KnownMatch, Plan, plan_matches, plan_participants,
};
use crate::db::BeginWrite;
use crate::db::Db;
use crate::db::on_db;
use crate::error::AppError;
use crate::kernel::roles::{EnrollmentState, MatchState, Role};
use crate::matches::store::insert_match;
use crate::programs::store::program_details;
use chrono::{NaiveDate, Utc};

#[derive(sqlx::FromRow)]
struct KnownEnrollmentRow {
    id: i64,
    user_id: i64,
    #[sqlx(try_from = "String")]
    role: Role,
    #[sqlx(try_from = "String")]
    state: EnrollmentState,
}

#[derive(sqlx::FromRow)]
struct KnownMatchRow {
    id: i64,
    mentor_enrollment_id: i64,
    mentee_enrollment_id: i64,
    #[sqlx(try_from = "String")]
    state: MatchState,
    published_on: Option<NaiveDate>,
}

/// Loads what the planner needs to know about the program inside the transaction `$tx`, in three
/// statements; evaluates to `Result<Known, sqlx::Error>`.
macro_rules! known {
    ($tx:ident, $program:expr) => {
        async {
            let mut known = Known::default();
            let users: Vec<(String, i64, String)> =
                sqlx::query_as("SELECT email, id, display_name FROM users")
                    .fetch_all(&mut *$tx)
                    .await?;
            for (email, id, name) in users {
                known.users.insert(email, (id, name));
            }
            let enrollments: Vec<KnownEnrollmentRow> = sqlx::query_as(
                "SELECT id, user_id, role, state FROM enrollments WHERE program_id = $1",
            )
            .bind($program)
            .fetch_all(&mut *$tx)
            .await?;
            for row in enrollments {
                known.enrollments.insert(
                    (row.user_id, row.role),
                    KnownEnrollment {
                        id: row.id,
                        active: row.state == EnrollmentState::Active,
                    },
                );
            }
            let live: Vec<KnownMatchRow> = sqlx::query_as(
                "SELECT id, mentor_enrollment_id, mentee_enrollment_id, state, published_on \
                 FROM matches WHERE program_id = $1 AND state <> 'ended'",
            )
            .bind($program)
            .fetch_all(&mut *$tx)
            .await?;
            for row in live {
                known.live_matches.insert(
                    (row.mentor_enrollment_id, row.mentee_enrollment_id),
                    KnownMatch {
                        id: row.id,
                        state: row.state,
                        published_on: row.published_on,
                    },
                );
            }
            Ok::<_, sqlx::Error>(known)
        }
    };
}

/// A staged import file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Batch {
    pub id: i64,
    pub program_id: i64,
    pub kind: ImportKind,
    pub content: String,
    /// When it was imported and what it did, once confirmed.
    pub applied: Option<String>,
}

/// Largest import file accepted, in bytes: about 2,500 rows of `email,name,role` (a form post
/// of it, encoded, stays under the server's limit on a request's body).
pub const MAX_IMPORT_BYTES: usize = 160 * 1024;

/// Keeps an uploaded file until the admin confirms or drops it; returns its id.
pub async fn stage_import(
    db: &Db,
    program_id: i64,
    kind: ImportKind,
    content: &str,
    user_id: i64,
) -> Result<i64, AppError> {
    if content.trim().is_empty() {
        return Err(AppError::invalid(
            "Choose a CSV file or paste its text first.",
        ));
    }
    if content.len() > MAX_IMPORT_BYTES {
        return Err(AppError::invalid(format!(
            "The file is {} KB; import at most {} KB at a time.",
            content.len() / 1024,
            MAX_IMPORT_BYTES / 1024
        )));
    }
    let result = on_db!(
        db,
        write | pool | {
            sqlx::query_scalar(
                "INSERT INTO import_batches (program_id, kind, content, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(program_id)
            .bind(kind.as_str())
            .bind(content)
            .bind(user_id)
            .bind(Utc::now())
            .fetch_one(pool)
            .await
        }
    );
    match result {
        Ok(id) => Ok(id),
        Err(sqlx::Error::Database(e)) if e.is_foreign_key_violation() => Err(AppError::NotFound),
        Err(e) => Err(e.into()),
    }
}

#[derive(sqlx::FromRow)]
struct BatchRow {
    id: i64,
    program_id: i64,
    kind: String,
    content: String,
    summary: Option<String>,
}

pub async fn load_batch(db: &Db, batch_id: i64) -> Result<Batch, AppError> {
    let row: Option<BatchRow> = on_db!(
        db,
        read | pool | {
            sqlx::query_as(
                "SELECT id, program_id, kind, content, summary FROM import_batches WHERE id = $1",
            )
            .bind(batch_id)
            .fetch_optional(pool)
            .await
        }
    )?;
    let row = row.ok_or(AppError::NotFound)?;
    Ok(Batch {
        id: row.id,
        program_id: row.program_id,
        kind: ImportKind::parse(&row.kind).ok_or_else(|| AppError::internal(&row.kind))?,
        content: row.content,
        applied: row.summary,
    })
}

fn plan(kind: ImportKind, content: &str, known: &Known, today: NaiveDate) -> Plan {
    match kind {
        ImportKind::Participants => plan_participants(content, known),
        ImportKind::Matches => plan_matches(content, known, today),
    }
}

/// What importing the batch would do now.
pub async fn preview_batch(db: &Db, batch: &Batch) -> Result<Plan, AppError> {
    let program = program_details(db, batch.program_id).await?;
    let known: Known = on_db!(
        db,
        read | pool
            | async {
                // A read transaction: one consistent view of the program.
                let mut tx = pool.begin().await?;
                let known = known!(tx, batch.program_id).await?;
                tx.rollback().await?;
                Ok::<_, sqlx::Error>(known)
            }
            .await
    )?;
    Ok(plan(batch.kind, &batch.content, &known, program.today))
}

/// Who brings people in through an import, and how the server sends their emails.
pub struct Inviter {
    pub ctx: crate::people::invite::Inviting,
    /// The admin's name, as invitations say it.
    pub name: String,
}

/// Imports the batch as [`apply_batch_inviting`], sending no email (links can be handed over
/// from the Participants page later).
pub async fn apply_batch(db: &Db, batch_id: i64, user_id: i64) -> Result<String, AppError> {
    apply_batch_inviting(db, batch_id, user_id, None).await
}

/// Imports the batch, all or nothing: the plan is made again inside the writing transaction,
/// and one rejected row (or any failure) writes nothing. A batch imports once. People without
/// an account are created invited; with an `inviter`, each new or still-invited person gets an
/// invitation (its link and email written in the same transaction, so a thousand rows make a
/// thousand invitations or none) and each existing account enrolled gets "You have been added".
pub async fn apply_batch_inviting(
    db: &Db,
    batch_id: i64,
    user_id: i64,
    inviter: Option<&Inviter>,
) -> Result<String, AppError> {
    let batch = load_batch(db, batch_id).await?;
    if let Some(summary) = batch.applied {
        return Ok(format!("This file was already imported: {summary}"));
    }
    let program = program_details(db, batch.program_id).await?;
    let now = Utc::now();
    let sending = inviter.is_some_and(|i| i.ctx.sending());
    let applied = on_db!(
        db,
        write | pool | async {
            let mut tx = pool.begin_write().await?;
            let claimed = sqlx::query(
                "UPDATE import_batches SET applied_by = $1 WHERE id = $2 AND summary IS NULL",
            )
            .bind(user_id)
            .bind(batch.id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if claimed != 1 {
                return Err(AppError::invalid(
                    "This file was imported a moment ago.",
                ));
            }
            let known = known!(tx, batch.program_id).await?;
            let plan = plan(batch.kind, &batch.content, &known, program.today);
            if let Some(problem) = plan.problem {
                return Err(AppError::invalid(format!(
                    "{problem} Nothing was imported."
                )));
            }
            let rejected = plan.rejected();
            if rejected > 0 {
                return Err(AppError::invalid(format!(
                    "{rejected} {} rejected, so nothing was imported. Fix {} in the file and preview it again.",
                    if rejected == 1 { "row is" } else { "rows are" },
                    if rejected == 1 { "it" } else { "them" },
                )));
            }
            let mut counts = [0usize; 5];
            // Who is told by email, once the rows are written: (user, enrollment, role).
            let mut told: Vec<(i64, i64, Role)> = Vec::new();
            for change in &plan.changes {
                match *change {
                    Change::Enrol { user_id, role } => {
                        let enrollment: i64 = sqlx::query_scalar(ENROL)
                            .bind(batch.program_id)
                            .bind(user_id)
                            .bind(role.as_str())
                            .bind(now)
                            .fetch_one(&mut *tx)
                            .await?;
                        told.push((user_id, enrollment, role));
                        counts[0] += 1;
                    }
                    Change::Invite {
                        ref email,
                        ref name,
                        role,
                    } => {
                        let created: Option<i64> =
                            sqlx::query_scalar(crate::people::store::INSERT_INVITED)
                                .bind(email)
                                .bind(name)
                                .bind(crate::people::store::NO_PASSWORD)
                                .bind(false)
                                .bind(now)
                                .fetch_optional(&mut *tx)
                                .await?;
                        let user_id = match created {
                            Some(id) => id,
                            // The same new person on an earlier row, in the other role.
                            None => {
                                sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
                                    .bind(email)
                                    .fetch_one(&mut *tx)
                                    .await?
                            }
                        };
                        let enrollment: i64 = sqlx::query_scalar(ENROL)
                            .bind(batch.program_id)
                            .bind(user_id)
                            .bind(role.as_str())
                            .bind(now)
                            .fetch_one(&mut *tx)
                            .await?;
                        if created.is_some() {
                            told.push((user_id, enrollment, role));
                        }
                        counts[4] += 1;
                    }
                    Change::Reactivate { enrollment_id } => {
                        sqlx::query("UPDATE enrollments SET state = 'active' WHERE id = $1")
                            .bind(enrollment_id)
                            .execute(&mut *tx)
                            .await?;
                        counts[1] += 1;
                    }
                    Change::CreateMatch {
                        mentor,
                        mentee,
                        publish_on,
                    } => {
                        match insert_match!(tx, batch.program_id, mentor, mentee, publish_on)
                            .await
                        {
                            Ok(_) => {}
                            Err(AppError::Invalid { message: refusal, .. }) => {
                                return Err(AppError::invalid(format!(
                                    "{refusal} Nothing was imported."
                                )));
                            }
                            Err(other) => return Err(other),
                        }
                        counts[2] += 1;
                    }
                    Change::Publish {
                        match_id,
                        publish_on,
                    } => {
                        sqlx::query(
                            "UPDATE matches SET state = 'published', published_on = $1 \
                             WHERE id = $2 AND state = 'pending'",
                        )
                        .bind(publish_on)
                        .bind(match_id)
                        .execute(&mut *tx)
                        .await?;
                        counts[3] += 1;
                    }
                }
            }
            if let Some(inviter) = inviter {
                for (user_id, enrollment, role) in told {
                    let (email, name, invited): (String, String, bool) = sqlx::query_as(
                        "SELECT email, display_name, invited_at IS NOT NULL FROM users \
                         WHERE id = $1",
                    )
                    .bind(user_id)
                    .fetch_one(&mut *tx)
                    .await?;
                    let place = crate::people::emails::Place {
                        program: &program.name,
                        role,
                    };
                    if invited {
                        let prepared = crate::people::invite::prepare(
                            &inviter.ctx,
                            &name,
                            &inviter.name,
                            Some(place),
                            now,
                        );
                        let link = crate::people::store::NewLink {
                            user_id,
                            purpose: crate::people::Purpose::Invitation,
                            self_service: false,
                            now,
                            expires_at: prepared.expires_at,
                        };
                        link.insert(&prepared.token).execute(&mut *tx).await?;
                        if let Some(mark) = link.mark_invited() {
                            mark.execute(&mut *tx).await?;
                        }
                        if sending {
                            let key = prepared.key();
                            let email =
                                prepared.email(&key, user_id, &email, Some(batch.program_id));
                            crate::mail::store::bind_email!(email, now).fetch_optional(&mut *tx).await?;
                        }
                    } else {
                        let rendered = crate::people::emails::added(
                            &name,
                            &inviter.name,
                            place,
                            &inviter.ctx.public_url.join("/sign-in"),
                        );
                        let key = format!("added:{enrollment}");
                        let email = crate::people::invite::outbox_email(
                            &key,
                            "added",
                            user_id,
                            Some(batch.program_id),
                            &email,
                            &rendered,
                        );
                        crate::mail::store::bind_email!(email, now).fetch_optional(&mut *tx).await?;
                    }
                }
            }
            let unchanged = plan.rows.len() - plan.changes.len();
            let summary = import_summary(counts, unchanged);
            sqlx::query("UPDATE import_batches SET summary = $1, applied_at = $2 WHERE id = $3")
                .bind(&summary)
                .bind(Utc::now())
                .bind(batch.id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok::<_, AppError>(summary)
        }
        .await
    )?;
    if let Some(inviter) = inviter {
        inviter.ctx.mail.wake.notify_one();
    }
    Ok(applied)
}

/// The insert of an enrollment, returning its id: (program, user, role, now).
const ENROL: &str = "INSERT INTO enrollments (program_id, user_id, role, state, created_at) \
     VALUES ($1, $2, $3, 'active', $4) RETURNING id";

fn import_summary(counts: [usize; 5], unchanged: usize) -> String {
    let labels = [
        ("enrolled", "enrolled"),
        ("reactivated", "reactivated"),
        ("match created", "matches created"),
        ("pending match published", "pending matches published"),
        ("created and invited", "created and invited"),
    ];
    let mut parts: Vec<String> = counts
        .iter()
        .zip(labels)
        .filter(|(n, _)| **n > 0)
        .map(|(n, (one, many))| format!("{n} {}", if *n == 1 { one } else { many }))
        .collect();
    if unchanged > 0 {
        parts.push(format!("{unchanged} already there, left as they were"));
    }
    if parts.is_empty() {
        "the file had no rows.".to_string()
    } else {
        format!("{}.", parts.join(", "))
    }
}

/// How long an import preview that was never confirmed is kept.
pub const PREVIEW_KEPT_HOURS: i64 = 24;

/// Deletes import previews never confirmed and older than `older_than`; returns how many.
/// Confirmed imports stay: they are the record of what was imported.
pub async fn purge_stale_previews(
    db: &Db,
    older_than: chrono::DateTime<Utc>,
) -> Result<u64, sqlx::Error> {
    on_db!(
        db,
        write | pool | {
            sqlx::query("DELETE FROM import_batches WHERE applied_at IS NULL AND created_at < $1")
                .bind(older_than)
                .execute(pool)
                .await
                .map(|r| r.rows_affected())
        }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries_count_what_happened() {
        assert_eq!(
            import_summary([2, 0, 1, 0, 0], 3),
            "2 enrolled, 1 match created, 3 already there, left as they were."
        );
        assert_eq!(import_summary([0; 5], 0), "the file had no rows.");
    }
}
