//! `--rate-limit`: each client's request budget, kept like the service keeps it, as "at
//! most N requests in any window of D" (a sliding window). A token bucket would let
//! almost twice N through in one window, and clients that pace themselves correctly
//! against the real service would never see a 429 here that they would see there.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use aad_common::time::Rate;

/// The admission times of each client's requests within the last window.
pub(crate) struct Budget {
    rate: Option<Rate>,
    windows: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl Budget {
    /// No rate means every request is admitted.
    pub(crate) fn new(rate: Option<Rate>) -> Budget {
        Budget {
            rate,
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Admits a request from `client` that arrived at `now` under the budget, or says
    /// how long until it would be admitted. Refused requests do not use the budget.
    /// Requests are checked in the order threads reach them, which need not be the
    /// order they arrived in: each is counted at its arrival, and judged by the
    /// requests that arrived before it.
    pub(crate) fn admit(&self, client: &str, now: Instant) -> Result<(), Duration> {
        let Some(rate) = self.rate else {
            return Ok(());
        };
        let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        let log = windows.entry(client.to_string()).or_default();
        while log
            .front()
            .is_some_and(|&t| now.saturating_duration_since(t) >= rate.per)
        {
            log.pop_front();
        }
        let before = log.partition_point(|&t| t <= now);
        let in_window = log
            .iter()
            .take(before)
            .filter(|&&t| now.duration_since(t) < rate.per)
            .count();
        if in_window < rate.count as usize {
            log.insert(before, now);
            return Ok(());
        }
        let oldest = log[before - in_window];
        Err(rate.per.saturating_sub(now.duration_since(oldest)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_is_a_sliding_window() {
        let budget = Budget::new(Some(Rate {
            count: 2,
            per: Duration::from_secs(10),
        }));
        let t0 = Instant::now();
        assert!(budget.admit("c", t0).is_ok());
        assert!(budget.admit("c", t0 + Duration::from_secs(1)).is_ok());
        let wait = budget.admit("c", t0 + Duration::from_secs(2)).unwrap_err();
        assert_eq!(wait, Duration::from_secs(8));
        assert!(budget.admit("other", t0).is_ok(), "budgets are per client");
        assert!(budget.admit("c", t0 + Duration::from_secs(10)).is_ok());
    }

    #[test]
    fn a_request_is_counted_when_it_arrived_whenever_it_is_checked() {
        let budget = Budget::new(Some(Rate {
            count: 2,
            per: Duration::from_secs(10),
        }));
        let t0 = Instant::now();
        assert!(budget.admit("c", t0 + Duration::from_secs(5)).is_ok());
        // Arrived earlier, checked later: judged by what arrived before it.
        assert!(budget.admit("c", t0 + Duration::from_secs(1)).is_ok());
        let wait = budget.admit("c", t0 + Duration::from_secs(6)).unwrap_err();
        assert_eq!(
            wait,
            Duration::from_secs(5),
            "the one of second 1 leaves first"
        );
        assert!(budget.admit("c", t0 + Duration::from_secs(11)).is_ok());
    }
}
