//! One page of a long list.

use serde::{Deserialize, Serialize};

/// Rows per page of the participants and matches lists.
pub const PAGE_SIZE: i64 = 100;

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
