//! Due dates: a milestone's due offset counted from an anchor date (the day a match was
//! published). One pure function, used by the server and by the browser's live preview.

use chrono::{Datelike, Days, Months, NaiveDate};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The largest number of days, weeks or months an offset may have.
pub const MAX_OFFSET_AMOUNT: u16 = 999;

/// The unit of a due offset, as the admin picks it on the Create Milestone form.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OffsetUnit {
    Days,
    Weeks,
    Months,
}

impl OffsetUnit {
    pub const ALL: [OffsetUnit; 3] = [OffsetUnit::Days, OffsetUnit::Weeks, OffsetUnit::Months];

    /// The value stored in the database and sent in forms.
    pub fn as_str(self) -> &'static str {
        match self {
            OffsetUnit::Days => "days",
            OffsetUnit::Weeks => "weeks",
            OffsetUnit::Months => "months",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value.trim().to_ascii_lowercase().as_str() {
            "days" | "day" => Some(OffsetUnit::Days),
            "weeks" | "week" => Some(OffsetUnit::Weeks),
            "months" | "month" => Some(OffsetUnit::Months),
            _ => None,
        }
    }

    /// The label of the form's unit field: Days, Weeks or Months.
    pub fn label(self) -> &'static str {
        match self {
            OffsetUnit::Days => "Days",
            OffsetUnit::Weeks => "Weeks",
            OffsetUnit::Months => "Months",
        }
    }

    fn label_for(self, amount: u16) -> &'static str {
        match (self, amount) {
            (OffsetUnit::Days, 1) => "Day",
            (OffsetUnit::Weeks, 1) => "Week",
            (OffsetUnit::Months, 1) => "Month",
            _ => self.label(),
        }
    }
}

impl TryFrom<String> for OffsetUnit {
    type Error = String;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        OffsetUnit::parse(&value).ok_or_else(|| format!("unknown offset unit {value:?}"))
    }
}

/// Why a typed due offset was refused; the message is shown next to the Due Date field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum OffsetError {
    #[error("Enter the number of days, weeks or months.")]
    Missing,
    #[error("Enter a whole number from 0 to 999.")]
    NotWholeNumber,
    #[error("Enter a number from 0 to 999.")]
    OutOfRange,
    #[error("Choose Days, Weeks or Months.")]
    UnknownUnit,
}

/// A validated due offset: a whole number from 0 to 999 and a unit.
/// It can only be built through [`DueOffset::new`] or [`DueOffset::parse`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "RawOffset", into = "RawOffset")]
pub struct DueOffset {
    amount: u16,
    unit: OffsetUnit,
}

#[derive(Serialize, Deserialize)]
struct RawOffset {
    amount: u16,
    unit: OffsetUnit,
}

impl TryFrom<RawOffset> for DueOffset {
    type Error = OffsetError;

    fn try_from(raw: RawOffset) -> Result<Self, Self::Error> {
        DueOffset::new(raw.amount, raw.unit)
    }
}

impl From<DueOffset> for RawOffset {
    fn from(offset: DueOffset) -> Self {
        RawOffset {
            amount: offset.amount,
            unit: offset.unit,
        }
    }
}

impl DueOffset {
    pub fn new(amount: u16, unit: OffsetUnit) -> Result<Self, OffsetError> {
        if amount > MAX_OFFSET_AMOUNT {
            return Err(OffsetError::OutOfRange);
        }
        Ok(DueOffset { amount, unit })
    }

    /// Parses what the admin typed in the Due Date fields.
    pub fn parse(amount: &str, unit: &str) -> Result<Self, OffsetError> {
        let amount = amount.trim();
        if amount.is_empty() {
            return Err(OffsetError::Missing);
        }
        let unit = OffsetUnit::parse(unit).ok_or(OffsetError::UnknownUnit)?;
        if !amount.chars().all(|c| c.is_ascii_digit()) {
            let looks_numeric = amount
                .trim_start_matches(['-', '+'])
                .chars()
                .all(|c| c.is_ascii_digit() || c == '.' || c == ',');
            return Err(if looks_numeric && amount.starts_with('-') {
                OffsetError::OutOfRange
            } else {
                OffsetError::NotWholeNumber
            });
        }
        let digits = amount.trim_start_matches('0');
        if digits.len() > 3 {
            return Err(OffsetError::OutOfRange);
        }
        let value = digits.parse::<u16>().unwrap_or(0);
        DueOffset::new(value, unit)
    }

    pub fn amount(self) -> u16 {
        self.amount
    }

    pub fn unit(self) -> OffsetUnit {
        self.unit
    }

    /// The due date for an item anchored on `anchor`; see [`due_date`].
    pub fn due_from(self, anchor: NaiveDate) -> Option<NaiveDate> {
        due_date(anchor, self)
    }

    /// Whether counting months from `anchor` had to move the day back to the month's last day
    /// (31 Jan + 1 Month = 28 Feb).
    pub fn clamps_from(self, anchor: NaiveDate) -> bool {
        self.unit == OffsetUnit::Months
            && due_date(anchor, self).is_some_and(|due| due.day() != anchor.day())
    }

    /// How the list of milestones shows the offset: "2 Weeks after the match is published".
    pub fn describe(self) -> String {
        if self.amount == 0 {
            "On the day the match is published".to_string()
        } else {
            format!("{self} after the match is published")
        }
    }
}

impl fmt::Display for DueOffset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount, self.unit.label_for(self.amount))
    }
}

/// Due date = anchor + offset. Days add n days, Weeks 7n days, Months n calendar months, where
/// a day that the target month lacks becomes its last day. Always counted from the anchor, never
/// chained from an earlier due date. `None` only past the end of the supported calendar
/// (beyond year 262,000), which no publish date reaches.
pub fn due_date(anchor: NaiveDate, offset: DueOffset) -> Option<NaiveDate> {
    let amount = u64::from(offset.amount);
    match offset.unit {
        OffsetUnit::Days => anchor.checked_add_days(Days::new(amount)),
        OffsetUnit::Weeks => anchor.checked_add_days(Days::new(amount * 7)),
        // chrono clamps a missing day to the last day of the target month.
        OffsetUnit::Months => anchor.checked_add_months(Months::new(u32::from(offset.amount))),
    }
}

/// The date as the pages write it for people: "Sat 28 Feb 2026".
pub fn readable_date(date: NaiveDate) -> String {
    date.format("%a %-d %b %Y").to_string()
}

/// The date as `<time datetime>` and form fields want it: "2026-02-28".
pub fn iso_date(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

/// Reads a date typed or imported as `YYYY-MM-DD`; empty means "none given".
pub fn parse_date_field(value: &str) -> Result<Option<NaiveDate>, String> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| format!("\"{value}\" is not a date; write it as YYYY-MM-DD, e.g. 2026-09-01."))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
    }

    fn offset(amount: u16, unit: OffsetUnit) -> DueOffset {
        DueOffset::new(amount, unit).expect("valid test offset")
    }

    #[test]
    fn thirty_first_of_january_plus_one_month_is_the_last_day_of_february() {
        let due = due_date(date(2026, 1, 31), offset(1, OffsetUnit::Months));
        assert_eq!(due, Some(date(2026, 2, 28)));
        assert!(offset(1, OffsetUnit::Months).clamps_from(date(2026, 1, 31)));
    }

    #[test]
    fn in_a_leap_year_february_has_a_twenty_ninth() {
        assert_eq!(
            due_date(date(2028, 1, 31), offset(1, OffsetUnit::Months)),
            Some(date(2028, 2, 29))
        );
        assert_eq!(
            due_date(date(2028, 2, 29), offset(12, OffsetUnit::Months)),
            Some(date(2029, 2, 28))
        );
        assert_eq!(
            due_date(date(2028, 2, 29), offset(48, OffsetUnit::Months)),
            Some(date(2032, 2, 29))
        );
        assert_eq!(
            due_date(date(2028, 2, 28), offset(1, OffsetUnit::Days)),
            Some(date(2028, 2, 29))
        );
        // 2100 is not a leap year.
        assert_eq!(
            due_date(date(2100, 1, 29), offset(1, OffsetUnit::Months)),
            Some(date(2100, 2, 28))
        );
    }

    #[test]
    fn zero_days_is_the_publish_date_itself() {
        for unit in OffsetUnit::ALL {
            assert_eq!(
                due_date(date(2026, 5, 17), offset(0, unit)),
                Some(date(2026, 5, 17))
            );
        }
        assert_eq!(
            offset(0, OffsetUnit::Days).describe(),
            "On the day the match is published"
        );
    }

    #[test]
    fn the_largest_offsets_stay_on_the_calendar() {
        assert_eq!(
            due_date(date(2026, 1, 31), offset(999, OffsetUnit::Months)),
            Some(date(2109, 4, 30))
        );
        assert_eq!(
            due_date(date(2026, 1, 1), offset(999, OffsetUnit::Weeks)),
            Some(date(2045, 2, 23))
        );
        assert_eq!(
            due_date(date(2026, 1, 1), offset(999, OffsetUnit::Days)),
            Some(date(2028, 9, 26))
        );
    }

    #[test]
    fn offsets_cross_the_end_of_the_year() {
        assert_eq!(
            due_date(date(2026, 12, 31), offset(1, OffsetUnit::Days)),
            Some(date(2027, 1, 1))
        );
        assert_eq!(
            due_date(date(2026, 12, 28), offset(1, OffsetUnit::Weeks)),
            Some(date(2027, 1, 4))
        );
        assert_eq!(
            due_date(date(2026, 11, 30), offset(3, OffsetUnit::Months)),
            Some(date(2027, 2, 28))
        );
        assert_eq!(
            due_date(date(2026, 12, 31), offset(2, OffsetUnit::Months)),
            Some(date(2027, 2, 28))
        );
    }

    #[test]
    fn months_are_counted_from_the_anchor_not_chained() {
        let anchor = date(2026, 1, 31);
        // Chaining would give 28 Feb then 28 Mar; from the anchor it is 31 Mar.
        assert_eq!(
            due_date(anchor, offset(2, OffsetUnit::Months)),
            Some(date(2026, 3, 31))
        );
        assert!(!offset(2, OffsetUnit::Months).clamps_from(anchor));
    }

    #[test]
    fn offsets_are_described_in_the_words_of_the_list() {
        assert_eq!(
            offset(2, OffsetUnit::Weeks).describe(),
            "2 Weeks after the match is published"
        );
        assert_eq!(
            offset(1, OffsetUnit::Months).describe(),
            "1 Month after the match is published"
        );
        assert_eq!(offset(1, OffsetUnit::Days).to_string(), "1 Day");
    }

    #[test]
    fn typed_offsets_are_parsed_or_refused_with_a_reason() {
        assert_eq!(
            DueOffset::parse(" 6 ", "weeks"),
            Ok(offset(6, OffsetUnit::Weeks))
        );
        assert_eq!(
            DueOffset::parse("0", "Days"),
            Ok(offset(0, OffsetUnit::Days))
        );
        assert_eq!(
            DueOffset::parse("999", "months"),
            Ok(offset(999, OffsetUnit::Months))
        );
        assert_eq!(
            DueOffset::parse("0007", "days"),
            Ok(offset(7, OffsetUnit::Days))
        );
        assert_eq!(DueOffset::parse("", "days"), Err(OffsetError::Missing));
        assert_eq!(DueOffset::parse("   ", "days"), Err(OffsetError::Missing));
        assert_eq!(
            DueOffset::parse("1000", "days"),
            Err(OffsetError::OutOfRange)
        );
        assert_eq!(
            DueOffset::parse("99999999999999999999", "days"),
            Err(OffsetError::OutOfRange)
        );
        assert_eq!(DueOffset::parse("-1", "days"), Err(OffsetError::OutOfRange));
        assert_eq!(
            DueOffset::parse("1.5", "weeks"),
            Err(OffsetError::NotWholeNumber)
        );
        assert_eq!(
            DueOffset::parse("two", "weeks"),
            Err(OffsetError::NotWholeNumber)
        );
        assert_eq!(
            DueOffset::parse("٣", "weeks"),
            Err(OffsetError::NotWholeNumber)
        );
        assert_eq!(
            DueOffset::parse("3", "fortnights"),
            Err(OffsetError::UnknownUnit)
        );
        assert_eq!(
            DueOffset::new(1000, OffsetUnit::Days),
            Err(OffsetError::OutOfRange)
        );
    }

    #[test]
    fn an_offset_out_of_range_cannot_be_deserialized() {
        let refused = serde_json::from_str::<DueOffset>(r#"{"amount":1000,"unit":"days"}"#);
        assert!(refused.is_err());
        let accepted = serde_json::from_str::<DueOffset>(r#"{"amount":6,"unit":"weeks"}"#);
        assert_eq!(accepted.ok(), Some(offset(6, OffsetUnit::Weeks)));
    }

    fn last_day_of_month(year: i32, month: u32) -> u32 {
        let (next_year, next_month) = if month == 12 {
            (year + 1, 1)
        } else {
            (year, month + 1)
        };
        NaiveDate::from_ymd_opt(next_year, next_month, 1)
            .and_then(|first| first.pred_opt())
            .map(|last| last.day())
            .expect("month has a last day")
    }

    fn any_anchor() -> impl Strategy<Value = NaiveDate> {
        // Every day from 1 Jan 1900 to 31 Dec 9999.
        let first = date(1900, 1, 1);
        let span = (date(9999, 12, 31) - first).num_days() as u64;
        (0..=span).prop_map(move |n| first + Days::new(n))
    }

    fn any_unit() -> impl Strategy<Value = OffsetUnit> {
        prop_oneof![
            Just(OffsetUnit::Days),
            Just(OffsetUnit::Weeks),
            Just(OffsetUnit::Months)
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(10_000))]

        #[test]
        fn every_offset_in_range_gives_a_date(anchor in any_anchor(), amount in 0..=MAX_OFFSET_AMOUNT, unit in any_unit()) {
            let due = due_date(anchor, offset(amount, unit));
            prop_assert!(due.is_some());
            prop_assert!(due.is_some_and(|d| d >= anchor));
        }

        #[test]
        fn due_dates_never_go_back_as_the_offset_grows(anchor in any_anchor(), a in 0..=MAX_OFFSET_AMOUNT, b in 0..=MAX_OFFSET_AMOUNT, unit in any_unit()) {
            let (low, high) = (a.min(b), a.max(b));
            prop_assert!(due_date(anchor, offset(low, unit)) <= due_date(anchor, offset(high, unit)));
        }

        #[test]
        fn days_and_weeks_add_exact_days(anchor in any_anchor(), amount in 0..=MAX_OFFSET_AMOUNT) {
            let days = due_date(anchor, offset(amount, OffsetUnit::Days)).map(|d| (d - anchor).num_days());
            let weeks = due_date(anchor, offset(amount, OffsetUnit::Weeks)).map(|d| (d - anchor).num_days());
            prop_assert_eq!(days, Some(i64::from(amount)));
            prop_assert_eq!(weeks, Some(7 * i64::from(amount)));
        }

        #[test]
        fn months_land_on_the_anchor_day_or_the_last_day_of_the_target_month(anchor in any_anchor(), amount in 0..=MAX_OFFSET_AMOUNT) {
            let due = due_date(anchor, offset(amount, OffsetUnit::Months)).expect("in range");
            let months_since_year_zero = anchor.year() * 12 + anchor.month0() as i32 + i32::from(amount);
            let (target_year, target_month) = (months_since_year_zero.div_euclid(12), months_since_year_zero.rem_euclid(12) as u32 + 1);
            prop_assert_eq!((due.year(), due.month()), (target_year, target_month));
            prop_assert_eq!(due.day(), anchor.day().min(last_day_of_month(target_year, target_month)));
            prop_assert_eq!(offset(amount, OffsetUnit::Months).clamps_from(anchor), due.day() != anchor.day());
        }

        #[test]
        fn due_dates_are_always_counted_from_the_anchor(anchor in any_anchor(), a in 0..=500u16, b in 0..=499u16) {
            // Whatever a first offset gave, the due date of a + b days is anchor + (a + b) days:
            // the function depends on the anchor and the offset alone.
            let whole = due_date(anchor, offset(a + b, OffsetUnit::Days));
            let expected = anchor.checked_add_days(Days::new(u64::from(a) + u64::from(b)));
            prop_assert_eq!(whole, expected);
            let months = due_date(anchor, offset(a + b, OffsetUnit::Months)).expect("in range");
            prop_assert!(months.day() == anchor.day() || months.day() == last_day_of_month(months.year(), months.month()));
        }

        #[test]
        fn parsing_any_text_never_panics(amount in ".{0,12}", unit in ".{0,8}") {
            let _ = DueOffset::parse(&amount, &unit);
        }

        #[test]
        fn parsing_a_number_in_range_gives_that_number(amount in 0..=MAX_OFFSET_AMOUNT, unit in any_unit()) {
            prop_assert_eq!(DueOffset::parse(&amount.to_string(), unit.as_str()), Ok(offset(amount, unit)));
        }
    }

    #[test]
    fn dates_are_read_as_iso_days() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).expect("valid");
        assert_eq!(parse_date_field(" "), Ok(None));
        assert_eq!(parse_date_field("2026-02-28"), Ok(Some(day(2026, 2, 28))));
        assert!(parse_date_field("2026-02-30").is_err());
        assert!(parse_date_field("02/03/2026").is_err());
    }
}
