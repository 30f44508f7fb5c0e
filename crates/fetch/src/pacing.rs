//! Pacing to the service's request budget.
//!
//! The reporting APIs allow 5 requests in any 10 seconds per app and tenant. A classic
//! token bucket of 5 refilled at 1 per 2 s would let 9 requests through in one 10 s
//! window (5 at once, then 4 refills), so this is a sliding window instead: a request
//! waits until fewer than N requests were sent in the last W. A small margin covers the
//! time between sending a request and the service counting it.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use aad_common::time::Rate;

/// Safety margin added to the window.
const MARGIN: Duration = Duration::from_millis(50);

/// At most `count` requests in any window of `per`.
#[derive(Debug)]
pub(crate) struct Pacer {
    rate: Option<Rate>,
    sent: VecDeque<Instant>,
}

impl Pacer {
    /// A pacer for a budget, or none.
    pub(crate) fn new(rate: Option<Rate>) -> Pacer {
        Pacer {
            rate,
            sent: VecDeque::new(),
        }
    }

    /// How long to wait before the next request may go out (zero: now).
    pub(crate) fn wait(&mut self, now: Instant) -> Duration {
        let Some(rate) = self.rate else {
            return Duration::ZERO;
        };
        let window = rate.per + MARGIN;
        while self
            .sent
            .front()
            .is_some_and(|&t| now.duration_since(t) >= window)
        {
            self.sent.pop_front();
        }
        if self.sent.len() < rate.count as usize {
            return Duration::ZERO;
        }
        let oldest = self.sent.front().copied().unwrap_or(now);
        window.saturating_sub(now.duration_since(oldest))
    }

    /// Records that a request went out at `at`.
    pub(crate) fn sent(&mut self, at: Instant) {
        if self.rate.is_some() {
            self.sent.push_back(at);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_more_than_n_in_any_window() {
        let rate = Rate {
            count: 5,
            per: Duration::from_secs(10),
        };
        let mut pacer = Pacer::new(Some(rate));
        let t0 = Instant::now();
        let mut at = t0;
        let mut times = Vec::new();
        for _ in 0..17 {
            at += pacer.wait(at);
            pacer.sent(at);
            times.push(at);
        }
        for (i, &t) in times.iter().enumerate() {
            let in_window = times[i..]
                .iter()
                .filter(|&&u| u.duration_since(t) < rate.per)
                .count();
            assert!(
                in_window <= 5,
                "request {i} starts a window with {in_window}"
            );
        }
        // Bursts of five every window: 17 requests need three full windows.
        let total = times.last().unwrap().duration_since(t0);
        assert!(
            total >= Duration::from_secs(30) && total < Duration::from_secs(31),
            "{total:?}"
        );
    }

    #[test]
    fn off_never_waits() {
        let mut pacer = Pacer::new(None);
        let now = Instant::now();
        for _ in 0..100 {
            assert_eq!(pacer.wait(now), Duration::ZERO);
            pacer.sent(now);
        }
    }
}
