//! A program's calendar: "today" and due-date decisions use the program's IANA time zone.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

/// The calendar date in `time_zone` at the instant `now`; an unknown zone falls back to UTC
/// (programs are created with a validated zone, so this only guards old or hand-edited rows).
pub fn date_in_zone(time_zone: &str, now: DateTime<Utc>) -> NaiveDate {
    match time_zone.parse::<Tz>() {
        Ok(tz) => now.with_timezone(&tz).date_naive(),
        Err(_) => {
            tracing::warn!(time_zone, "unknown program time zone; using UTC");
            now.date_naive()
        }
    }
}

/// The program's today.
pub fn today_in_zone(time_zone: &str) -> NaiveDate {
    date_in_zone(time_zone, Utc::now())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_same_instant_is_a_different_day_on_either_side_of_the_date_line() {
        let instant = Utc
            .with_ymd_and_hms(2026, 3, 1, 3, 30, 0)
            .single()
            .expect("valid");
        assert_eq!(
            date_in_zone("America/New_York", instant),
            NaiveDate::from_ymd_opt(2026, 2, 28).expect("valid")
        );
        assert_eq!(
            date_in_zone("Asia/Tokyo", instant),
            NaiveDate::from_ymd_opt(2026, 3, 1).expect("valid")
        );
        assert_eq!(
            date_in_zone("Not/AZone", instant),
            NaiveDate::from_ymd_opt(2026, 3, 1).expect("valid")
        );
    }
}
