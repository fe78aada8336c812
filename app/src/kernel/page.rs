//! One page of a long list.

use serde::{Deserialize, Serialize};

/// Rows per page of the participants and matches lists.
pub const PAGE_SIZE: i64 = 100;

/// The highest page number asked for that is answered (a hundred million rows).
pub const MAX_PAGE: i64 = 1_000_000;

/// A page number from an address: 1 when missing or not a number; a number too large for any
/// list stays too large (and is refused), rather than turning into page 1.
pub fn page_number(text: Option<&str>) -> i64 {
    match text.map(str::trim) {
        Some(digits) if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) => {
            digits.parse().unwrap_or(i64::MAX)
        }
        Some(other) => other.parse().unwrap_or(1),
        None => 1,
    }
}

/// The rows to skip for a page (pages below 1 are page 1), or `None` for a page number beyond
/// [`MAX_PAGE`].
pub fn offset(page: i64) -> Option<i64> {
    let page = page.max(1);
    (page <= MAX_PAGE).then(|| (page - 1) * PAGE_SIZE)
}

/// One page of a list, with how many rows match the filters in all.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page<T> {
    pub rows: Vec<T>,
    pub total: i64,
    /// 1-based.
    pub page: i64,
}

impl<T> Page<T> {
    pub fn pages(&self) -> i64 {
        ((self.total + PAGE_SIZE - 1) / PAGE_SIZE).max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_numbers_that_overflow_are_not_answered() {
        assert_eq!(page_number(None), 1);
        assert_eq!(page_number(Some("abc")), 1);
        assert_eq!(page_number(Some("3")), 3);
        assert_eq!(page_number(Some("-4")), -4);
        assert_eq!(page_number(Some("99999999999999999999999")), i64::MAX);
        assert_eq!(offset(-4), Some(0));
        assert_eq!(offset(1), Some(0));
        assert_eq!(offset(3), Some(200));
        assert_eq!(offset(MAX_PAGE + 1), None);
        assert_eq!(offset(i64::MAX), None);
    }
}
