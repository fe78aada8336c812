//! One-use links (invitations and password resets) and invited accounts in the database. Only a
//! link's hash is kept; a link and its email are written in one transaction; the limit on the
//! links a person asks for is counted inside that transaction, behind a lock on the account, so
//! requests in parallel cannot pass it.

use super::{LinkState, Purpose};
use crate::accounts::AccountState;
use crate::accounts::tokens::{looks_like_token, token_hash};
use crate::accounts::validation::{DisplayName, Email};
use crate::db::on_db;
use crate::db::{BeginWrite, Db};
use crate::error::AppError;
use crate::mail::store::NewEmail;
use chrono::{DateTime, Duration, Utc};

/// The password hash of an account that has none: no password matches it.
pub const NO_PASSWORD: &str = "!";

/// A link about to be saved.
#[derive(Clone, Copy, Debug)]
pub struct NewLink {
    pub user_id: i64,
    pub purpose: Purpose,
    /// Asked for by the person: counted against [`super::SELF_SERVICE_LINKS_PER_HOUR`].
    pub self_service: bool,
    pub now: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// Why a link was not saved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refused {
    /// The person has asked for as many links as an hour allows.
    Limit,
    /// The account is gone or disabled.
    NoAccount,
}

impl NewLink {
    /// The insert of this link, stored as the hash of its token, for whichever connection or
    /// transaction the caller writes with (an import writes a thousand in its own).
    pub fn insert<'q, DB>(
        &self,
        token: &str,
    ) -> sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments<'q>>
    where
        DB: sqlx::Database,
        String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
        &'static str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
        i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
        bool: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
        DateTime<Utc>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    {
        sqlx::query(
            "INSERT INTO account_tokens (token_hash, user_id, purpose, self_service, \
             created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(token_hash(token))
        .bind(self.user_id)
        .bind(self.purpose.as_str())
        .bind(self.self_service)
        .bind(self.now)
        .bind(self.expires_at)
    }

    /// For an invitation, the update that dates the account's last invitation `now` (while it
    /// is still invited); `None` for a reset link.
    pub fn mark_invited<'q, DB>(
        &self,
    ) -> Option<sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments<'q>>>
    where
        DB: sqlx::Database,
        i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
        DateTime<Utc>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    {
        (self.purpose == Purpose::Invitation).then(|| {
            sqlx::query("UPDATE users SET invited_at = $1 WHERE id = $2 AND invited_at IS NOT NULL")
                .bind(self.now)
                .bind(self.user_id)
        })
    }
}

/// The insert of an invited account: (email, name, hash, site admin, now); nothing when the
/// email has an account already.
pub const INSERT_INVITED: &str = "INSERT INTO users (email, display_name, password_hash, \
     is_site_admin, created_at, invited_at) VALUES ($1, $2, $3, $4, $5, $5) \
     ON CONFLICT (email) DO NOTHING RETURNING id";

/// Saves the link (its hash) and queues its email, both or neither. A self-service link is
/// refused once the account has had the hour's allowance; an invitation marks the account
/// invited as of `now` (the day the Users and Participants lists show).
pub async fn save_link(
    db: &Db,
    token: &str,
    link: NewLink,
    email: Option<&NewEmail<'_>>,
) -> Result<Result<(), Refused>, AppError> {
    let lock = db.for_update();
    on_db!(
        db,
        write
            | pool
            | async {
                let mut tx = pool.begin_write().await?;
                let account: Option<i64> = sqlx::query_scalar(&format!(
                    "SELECT id FROM users WHERE id = $1 AND disabled_at IS NULL{lock}"
                ))
                .bind(link.user_id)
                .fetch_optional(&mut *tx)
                .await?;
                if account.is_none() {
                    return Ok(Err(Refused::NoAccount));
                }
                if link.self_service {
                    let recent: i64 = sqlx::query_scalar(
                        "SELECT COUNT(*) FROM account_tokens WHERE user_id = $1 AND purpose = $2 \
                     AND self_service = $3 AND created_at > $4",
                    )
                    .bind(link.user_id)
                    .bind(link.purpose.as_str())
                    .bind(true)
                    .bind(link.now - Duration::hours(1))
                    .fetch_one(&mut *tx)
                    .await?;
                    if recent >= super::SELF_SERVICE_LINKS_PER_HOUR {
                        return Ok(Err(Refused::Limit));
                    }
                }
                link.insert(token).execute(&mut *tx).await?;
                if let Some(mark) = link.mark_invited() {
                    mark.execute(&mut *tx).await?;
                }
                if let Some(email) = email {
                    crate::mail::store::bind_email!(email, link.now)
                        .fetch_optional(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok::<_, AppError>(Ok(()))
            }
            .await
    )
}

#[derive(sqlx::FromRow)]
struct LinkRow {
    user_id: i64,
    email: String,
    display_name: String,
    expires_at: DateTime<Utc>,
    used: bool,
    disabled: bool,
}

/// The account a link was sent to, and whether the link can still be used.
pub async fn find_link(
    db: &Db,
    token: &str,
    purpose: Purpose,
    now: DateTime<Utc>,
) -> Result<(LinkState, Option<i64>), AppError> {
    if !looks_like_token(token) {
        return Ok((LinkState::Unknown, None));
    }
    let row: Option<LinkRow> = on_db!(
        db,
        read | pool | {
            sqlx::query_as(
                "SELECT t.user_id, u.email, u.display_name, t.expires_at, \
                 t.used_at IS NOT NULL AS used, u.disabled_at IS NOT NULL AS disabled \
                 FROM account_tokens t JOIN users u ON u.id = t.user_id \
                 WHERE t.token_hash = $1 AND t.purpose = $2",
            )
            .bind(token_hash(token))
            .bind(purpose.as_str())
            .fetch_optional(pool)
            .await
        }
    )?;
    Ok(match row {
        None => (LinkState::Unknown, None),
        Some(row) => {
            let state = if row.disabled {
                LinkState::Disabled
            } else if row.used {
                LinkState::Used
            } else if row.expires_at <= now {
                LinkState::Expired
            } else {
                LinkState::Open {
                    name: row.display_name,
                    email: row.email,
                }
            };
            (state, Some(row.user_id))
        }
    })
}

/// Uses the link once: the account gets the new password and is no longer invited, and every
/// other open link of the account stops working. `None` when the link is unknown, used, expired
/// or its account disabled; of two uses at once, one wins.
pub async fn redeem(
    db: &Db,
    token: &str,
    purpose: Purpose,
    password_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<i64>, AppError> {
    if !looks_like_token(token) {
        return Ok(None);
    }
    let hash = token_hash(token);
    on_db!(
        db,
        write
            | pool
            | async {
                let mut tx = pool.begin_write().await?;
                let user: Option<i64> = sqlx::query_scalar(
                    "UPDATE account_tokens SET used_at = $1 WHERE token_hash = $2 AND purpose = $3 \
                 AND used_at IS NULL AND expires_at > $1 AND user_id IN \
                 (SELECT id FROM users WHERE disabled_at IS NULL) RETURNING user_id",
                )
                .bind(now)
                .bind(&hash)
                .bind(purpose.as_str())
                .fetch_optional(&mut *tx)
                .await?;
                let Some(user) = user else {
                    return Ok(None);
                };
                sqlx::query("UPDATE users SET password_hash = $1, invited_at = NULL WHERE id = $2")
                    .bind(password_hash)
                    .bind(user)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(
                    "UPDATE account_tokens SET used_at = $1 WHERE user_id = $2 AND used_at IS NULL",
                )
                .bind(now)
                .bind(user)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok::<_, AppError>(Some(user))
            }
            .await
    )
}

/// Creates an invited account (no password yet); a taken email is the admin's mistake.
pub async fn create_invited(
    db: &Db,
    email: &Email,
    name: &DisplayName,
    is_site_admin: bool,
    now: DateTime<Utc>,
) -> Result<i64, AppError> {
    let result: Result<i64, sqlx::Error> = on_db!(
        db,
        write | pool | {
            sqlx::query_scalar(
                "INSERT INTO users (email, display_name, password_hash, is_site_admin, \
                 created_at, invited_at) VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
            )
            .bind(email.as_str())
            .bind(name.as_str())
            .bind(NO_PASSWORD)
            .bind(is_site_admin)
            .bind(now)
            .fetch_one(pool)
            .await
        }
    );
    match result {
        Ok(id) => Ok(id),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Err(AppError::invalid(
            format!("There is already an account for {}.", email.as_str()),
        )),
        Err(e) => Err(e.into()),
    }
}

/// An account as invitations need it.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Person {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub invited_at: Option<DateTime<Utc>>,
    pub disabled: bool,
    pub is_site_admin: bool,
}

impl Person {
    pub fn state(&self) -> AccountState {
        match self.invited_at {
            Some(at) => AccountState::Invited(at.date_naive()),
            None => AccountState::Active,
        }
    }
}

const PERSON: &str = "SELECT id, email, display_name, invited_at, \
     disabled_at IS NOT NULL AS disabled, is_site_admin FROM users";

/// The account with this id.
pub async fn person(db: &Db, user_id: i64) -> Result<Option<Person>, AppError> {
    let sql = format!("{PERSON} WHERE id = $1");
    Ok(on_db!(
        db,
        read | pool | {
            sqlx::query_as(&sql)
                .bind(user_id)
                .fetch_optional(pool)
                .await
        }
    )?)
}

/// The account with this email (normalised).
pub async fn person_by_email(db: &Db, email: &str) -> Result<Option<Person>, AppError> {
    let sql = format!("{PERSON} WHERE email = $1");
    Ok(on_db!(
        db,
        read | pool | { sqlx::query_as(&sql).bind(email).fetch_optional(pool).await }
    )?)
}

/// How long a link that ended (used or expired) is kept, so that opening it still says so and
/// offers a new one.
pub const ENDED_LINKS_KEPT_DAYS: i64 = 90;

/// Forgets links that ended more than [`ENDED_LINKS_KEPT_DAYS`] ago.
pub async fn forget_old_links(db: &Db, now: DateTime<Utc>) -> Result<u64, AppError> {
    let before = now - Duration::days(ENDED_LINKS_KEPT_DAYS);
    Ok(on_db!(
        db,
        write | pool | {
            sqlx::query(
                "DELETE FROM account_tokens WHERE expires_at < $1 OR (used_at IS NOT NULL \
                 AND used_at < $1)",
            )
            .bind(before)
            .execute(pool)
            .await
            .map(|r| r.rows_affected())
        }
    )?)
}

/// What a sign-in through the identity provider comes to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProviderSignIn {
    /// This account (found by the provider's subject, or linked now by a verified email, or
    /// created for an allowed domain).
    SignedIn(i64),
    Disabled,
    /// The provider has not verified this email: it is not matched to any account.
    Unverified(String),
    /// No account has this email (and its domain is not allowed).
    Unknown(String),
    /// The account with this email is linked to another person at the provider.
    LinkedElsewhere(String),
    /// The provider gave no email and the person was never linked.
    NoEmail,
}

/// Finds (or, for an allowed domain, creates) the account of a person the provider vouched
/// for: by the provider's subject from the first sign-in on; that first sign-in links by email
/// only when the provider says the email is verified. Linking accepts an invitation.
pub async fn sign_in_through_provider(
    db: &Db,
    verified: &super::oidc::Verified,
    domain_allowed: bool,
    now: DateTime<Utc>,
) -> Result<ProviderSignIn, AppError> {
    on_db!(
        db,
        write
            | pool
            | async {
                let mut tx = pool.begin_write().await?;
                let linked: Option<(i64, bool)> = sqlx::query_as(
                    "SELECT id, disabled_at IS NOT NULL FROM users WHERE oidc_subject = $1",
                )
                .bind(&verified.subject)
                .fetch_optional(&mut *tx)
                .await?;
                if let Some((id, disabled)) = linked {
                    return Ok(if disabled {
                        ProviderSignIn::Disabled
                    } else {
                        ProviderSignIn::SignedIn(id)
                    });
                }
                let Some(email) = verified.email.clone() else {
                    return Ok(ProviderSignIn::NoEmail);
                };
                if !verified.email_verified {
                    return Ok(ProviderSignIn::Unverified(email));
                }
                let found: Option<(i64, bool, Option<String>)> = sqlx::query_as(
                    "SELECT id, disabled_at IS NOT NULL, oidc_subject FROM users WHERE email = $1",
                )
                .bind(&email)
                .fetch_optional(&mut *tx)
                .await?;
                let outcome = match found {
                    Some((_, true, _)) => ProviderSignIn::Disabled,
                    Some((_, false, Some(_))) => ProviderSignIn::LinkedElsewhere(email),
                    Some((id, false, None)) => {
                        sqlx::query(
                            "UPDATE users SET oidc_subject = $1, invited_at = NULL WHERE id = $2",
                        )
                        .bind(&verified.subject)
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                        sqlx::query(
                            "UPDATE account_tokens SET used_at = $1 WHERE user_id = $2 \
                         AND purpose = 'invitation' AND used_at IS NULL",
                        )
                        .bind(now)
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                        ProviderSignIn::SignedIn(id)
                    }
                    None if domain_allowed => {
                        let name = verified
                            .name
                            .as_deref()
                            .and_then(|n| DisplayName::parse(n).ok())
                            .or_else(|| {
                                DisplayName::parse(email.split('@').next().unwrap_or_default()).ok()
                            })
                            .ok_or_else(|| {
                                AppError::internal("no usable name for a new account")
                            })?;
                        let id: i64 = sqlx::query_scalar(
                            "INSERT INTO users (email, display_name, password_hash, is_site_admin, \
                         created_at, oidc_subject) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                        )
                        .bind(&email)
                        .bind(name.as_str())
                        .bind(NO_PASSWORD)
                        .bind(false)
                        .bind(now)
                        .bind(&verified.subject)
                        .fetch_one(&mut *tx)
                        .await?;
                        ProviderSignIn::SignedIn(id)
                    }
                    None => ProviderSignIn::Unknown(email),
                };
                tx.commit().await?;
                Ok::<_, AppError>(outcome)
            }
            .await
    )
}
