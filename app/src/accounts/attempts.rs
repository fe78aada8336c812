//! Sign-in attempts per (account typed, client address), kept in the database so that every
//! server instance counts the same attempts.
//!
//! An attempt is counted *before* its password is checked, in one conditional statement, so
//! that parallel guesses cannot slip past the count. The first [`FREE_ATTEMPTS`] attempts go
//! through at once; after that each one waits longer ([`delay_after`]), up to an hour. Keyed
//! on the pair, an attacker guessing from one address never locks the real person out from
//! theirs (nor everyone behind a shared office address out of their own accounts), and a site
//! admin can see and clear any block.

use crate::db::Db;
use crate::db::on_db;
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

/// Attempts that go through without waiting.
pub const FREE_ATTEMPTS: i64 = 5;
/// The longest wait between two attempts.
pub const MAX_DELAY_SECONDS: i64 = 60 * 60;
/// Failures older than this are forgotten.
pub const FORGET_AFTER_SECONDS: i64 = 24 * 60 * 60;
/// The longest account text kept (an email is at most 254 characters).
const MAX_ACCOUNT_CHARS: usize = 254;
/// The longest address text kept.
const MAX_ADDRESS_CHARS: usize = 64;

/// How long, in seconds, to block further attempts once `failures` attempts have been counted
/// without a success: nothing for the free ones, then one minute, doubling up to an hour.
pub fn delay_after(failures: i64) -> i64 {
    if failures < FREE_ATTEMPTS {
        0
    } else {
        let doublings = (failures - FREE_ATTEMPTS).min(12) as u32;
        (60i64 << doublings).min(MAX_DELAY_SECONDS)
    }
}

/// The account as counted: the typed email, trimmed, lower-cased and cut to a bounded length,
/// whatever was typed.
pub fn account_key(typed: &str) -> String {
    typed
        .trim()
        .to_lowercase()
        .chars()
        .take(MAX_ACCOUNT_CHARS)
        .collect()
}

fn address_key(address: &str) -> String {
    address.chars().take(MAX_ADDRESS_CHARS).collect()
}

/// A wait in whole minutes, rounded up, as the refusals say it: "1 minute", "4 minutes".
pub fn wait_in_minutes(seconds: i64) -> String {
    let minutes = (seconds.max(1) + 59) / 60;
    format!("{minutes} minute{}", if minutes == 1 { "" } else { "s" })
}

/// Whether an attempt may be checked now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attempt {
    /// Counted; check the password.
    Counted,
    /// Refused without a check; try again after this many seconds.
    Blocked { retry_after: i64 },
}

/// The counting statement: insert the pair's first attempt, or count one more on the row when
/// it is not blocked; the row's new block follows from its new count. Nothing is returned when
/// the row is blocked.
fn reserve_sql() -> &'static str {
    static SQL: OnceLock<String> = OnceLock::new();
    SQL.get_or_init(|| {
        let count = "(CASE WHEN sign_in_attempts.last_at < $4 THEN 1 \
                     ELSE sign_in_attempts.failures + 1 END)";
        let mut delay = String::from("(CASE");
        for failures in FREE_ATTEMPTS..FREE_ATTEMPTS + 7 {
            delay.push_str(&format!(
                " WHEN {count} = {failures} THEN {}",
                delay_after(failures)
            ));
        }
        delay.push_str(&format!(
            " WHEN {count} < {FREE_ATTEMPTS} THEN 0 ELSE {MAX_DELAY_SECONDS} END)"
        ));
        format!(
            "INSERT INTO sign_in_attempts (account, address, failures, blocked_until, last_at) \
             VALUES ($1, $2, 1, $3 + {first}, $3) \
             ON CONFLICT (account, address) DO UPDATE SET \
             failures = {count}, blocked_until = $3 + {delay}, last_at = $3 \
             WHERE sign_in_attempts.blocked_until <= $3 \
             RETURNING failures",
            first = delay_after(1),
        )
    })
}

/// Counts an attempt for the pair before its password is checked, unless the pair is blocked.
pub async fn reserve(db: &Db, account: &str, address: &str) -> Result<Attempt, sqlx::Error> {
    reserve_at(db, account, address, chrono::Utc::now().timestamp()).await
}

/// [`reserve`] at a given time (unix seconds), for tests.
pub async fn reserve_at(
    db: &Db,
    account: &str,
    address: &str,
    now: i64,
) -> Result<Attempt, sqlx::Error> {
    let account = account_key(account);
    let address = address_key(address);
    let counted: Option<i64> = on_db!(
        db,
        write | pool | {
            sqlx::query_scalar(reserve_sql())
                .bind(&account)
                .bind(&address)
                .bind(now)
                .bind(now - FORGET_AFTER_SECONDS)
                .fetch_optional(pool)
                .await
        }
    )?;
    if counted.is_some() {
        return Ok(Attempt::Counted);
    }
    let blocked_until: Option<i64> = on_db!(
        db,
        read | pool | {
            sqlx::query_scalar(
                "SELECT blocked_until FROM sign_in_attempts WHERE account = $1 AND address = $2",
            )
            .bind(&account)
            .bind(&address)
            .fetch_optional(pool)
            .await
        }
    )?;
    Ok(Attempt::Blocked {
        retry_after: blocked_until.map_or(1, |until| (until - now).max(1)),
    })
}

/// A successful sign-in forgets the pair's failures.
pub async fn succeeded(db: &Db, account: &str, address: &str) -> Result<(), sqlx::Error> {
    clear(db, &account_key(account), &address_key(address))
        .await
        .map(|_| ())
}

/// Removes the pair's count (a site admin clearing a block); true if there was one.
pub async fn clear(db: &Db, account: &str, address: &str) -> Result<bool, sqlx::Error> {
    on_db!(
        db,
        write | pool | {
            sqlx::query("DELETE FROM sign_in_attempts WHERE account = $1 AND address = $2")
                .bind(account)
                .bind(address)
                .execute(pool)
                .await
                .map(|r| r.rows_affected() > 0)
        }
    )
}

/// Forgets counts older than [`FORGET_AFTER_SECONDS`]; returns how many.
pub async fn forget_old(db: &Db) -> Result<u64, sqlx::Error> {
    let before = chrono::Utc::now().timestamp() - FORGET_AFTER_SECONDS;
    on_db!(
        db,
        write | pool | {
            sqlx::query("DELETE FROM sign_in_attempts WHERE last_at < $1")
                .bind(before)
                .execute(pool)
                .await
                .map(|r| r.rows_affected())
        }
    )
}

/// A pair that has used up its free attempts, as a site admin sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct Block {
    pub account: String,
    pub address: String,
    pub failures: i64,
    /// Unix seconds.
    pub blocked_until: i64,
    /// Unix seconds.
    pub last_at: i64,
}

/// The pairs with at least [`FREE_ATTEMPTS`] failures in the last day, latest first.
pub async fn blocks(db: &Db) -> Result<Vec<Block>, sqlx::Error> {
    let since = chrono::Utc::now().timestamp() - FORGET_AFTER_SECONDS;
    on_db!(
        db,
        read | pool | {
            sqlx::query_as(
                "SELECT account, address, failures, blocked_until, last_at \
                 FROM sign_in_attempts WHERE failures >= $1 AND last_at >= $2 \
                 ORDER BY last_at DESC, account, address LIMIT 200",
            )
            .bind(FREE_ATTEMPTS)
            .bind(since)
            .fetch_all(pool)
            .await
        }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_grows_after_the_free_attempts_and_stops_at_an_hour() {
        let delays: Vec<i64> = (1..=14).map(delay_after).collect();
        assert_eq!(
            delays,
            [
                0, 0, 0, 0, 60, 120, 240, 480, 960, 1920, 3600, 3600, 3600, 3600
            ]
        );
        assert_eq!(delay_after(i64::MAX), MAX_DELAY_SECONDS);
    }

    #[test]
    fn any_typed_account_is_kept_short() {
        let long = "A".repeat(10_000);
        assert_eq!(account_key(&long).chars().count(), 254);
        assert_eq!(account_key("  Ann@Example.COM "), "ann@example.com");
    }

    #[test]
    fn waits_are_said_in_whole_minutes_rounded_up() {
        assert_eq!(wait_in_minutes(0), "1 minute");
        assert_eq!(wait_in_minutes(60), "1 minute");
        assert_eq!(wait_in_minutes(61), "2 minutes");
    }
}
