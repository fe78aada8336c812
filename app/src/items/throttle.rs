//! How fast one person may complete and undo items: a token bucket per person, so that a
//! script cannot grow the completion history without bound. A person clicking through their
//! list never meets it.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

/// Changes a person may make in a burst.
pub const BURST: f64 = 60.0;
/// Changes a person may make per second, sustained.
pub const PER_SECOND: f64 = 1.0;
/// People remembered at most; full buckets are forgotten first.
const MAX_PEOPLE: usize = 100_000;

/// The buckets of one server instance.
#[derive(Debug, Default)]
pub struct ChangeThrottle {
    buckets: Mutex<HashMap<i64, (f64, Instant)>>,
}

impl ChangeThrottle {
    /// Takes one change from the person's bucket; false when it is empty.
    pub fn allow(&self, user_id: i64) -> bool {
        self.allow_at(user_id, Instant::now())
    }

    fn allow_at(&self, user_id: i64, now: Instant) -> bool {
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() >= MAX_PEOPLE {
            buckets.retain(|_, (tokens, at)| {
                *tokens + now.duration_since(*at).as_secs_f64() * PER_SECOND < BURST
            });
        }
        let (tokens, at) = buckets.entry(user_id).or_insert((BURST, now));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * PER_SECOND).min(BURST);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_burst_then_one_a_second_per_person() {
        let throttle = ChangeThrottle::default();
        let start = Instant::now();
        for _ in 0..60 {
            assert!(throttle.allow_at(1, start));
        }
        assert!(!throttle.allow_at(1, start));
        assert!(throttle.allow_at(2, start), "others are not held up");
        assert!(throttle.allow_at(1, start + Duration::from_millis(1100)));
        assert!(!throttle.allow_at(1, start + Duration::from_millis(1200)));
    }
}
