//! Pacing to the service's request budget.
//!
//! The reporting APIs allow 5 requests in any 10 seconds per app and tenant. A classic
//! token bucket of 5 refilled at 1 per 2 s would let 9 requests through in one 10 s
//! window (5 at once, then 4 refills), so this is a sliding window instead: a request
//! waits until fewer than N requests were sent in the last W. A small margin covers the
//! time between sending a request and the service counting it.
//!
//! The window is this process's own, or one shared with every process of its group
//! ([`crate::shared_budget`]), which a throttled answer also pauses. When the shared
//! file fails mid-run (a disk gone, a directory removed) the process warns once and
//! goes on pacing only itself: a budget is not worth failing a run for.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use aad_common::time::Rate;

use crate::progress::Progress;
use crate::shared_budget::{MAX_PAUSE, SharedBudget, now_ms};

/// Safety margin added to the window.
const MARGIN: Duration = Duration::from_millis(50);

/// How much pacing there was, for summaries and metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct PacingCounts {
    /// Requests that had to wait for the budget.
    pub(crate) waits: u64,
    /// The time spent waiting for it, in all.
    pub(crate) waited: Duration,
    /// Pauses this process set for its group (a throttled answer, an exhausted budget).
    pub(crate) group_pauses: u64,
}

/// At most `count` requests in any window of `per`.
#[derive(Debug)]
pub(crate) struct Pacer {
    rate: Option<Rate>,
    sent: VecDeque<Instant>,
    shared: Option<SharedBudget>,
    /// The time the shared file recorded for the request in flight.
    reserved: Option<u64>,
    progress: Arc<Progress>,
    pub(crate) counts: PacingCounts,
}

impl Pacer {
    /// A pacer for a budget (or none), shared through `shared` when given.
    pub(crate) fn new(
        rate: Option<Rate>,
        shared: Option<SharedBudget>,
        progress: Arc<Progress>,
    ) -> Pacer {
        Pacer {
            shared: shared.filter(|_| rate.is_some()),
            rate,
            sent: VecDeque::new(),
            reserved: None,
            progress,
            counts: PacingCounts::default(),
        }
    }

    /// How long to wait before the next request may go out; zero: it may go now, and
    /// its slot is taken.
    pub(crate) fn wait(&mut self, now: Instant) -> Duration {
        let Some(rate) = self.rate else {
            return Duration::ZERO;
        };
        let wait = match self.shared_update(|ledger, at| (ledger.reserve(rate, MARGIN, at), at)) {
            Some((wait, at)) => {
                if wait.is_zero() {
                    self.reserved = Some(at);
                }
                wait
            }
            None => self.local_wait(rate, now),
        };
        if !wait.is_zero() {
            self.counts.waits += 1;
            self.counts.waited += wait;
        }
        wait
    }

    fn local_wait(&mut self, rate: Rate, now: Instant) -> Duration {
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

    /// Records that the answer to a request came at `at` (the service counted it at
    /// the latest then).
    pub(crate) fn sent(&mut self, at: Instant) {
        if self.rate.is_none() {
            return;
        }
        self.sent.push_back(at);
        if let Some(reserved) = self.reserved.take() {
            self.shared_update(|ledger, now| ledger.settle(reserved, now));
        }
    }

    /// The service asked for a pause (a 429's `Retry-After`, a budget it reports as
    /// used up): every process of the group waits it out before its next request.
    /// This process's own retry waits anyway, so a process alone records nothing.
    pub(crate) fn pause(&mut self, wait: Duration) {
        let wait = wait.min(MAX_PAUSE);
        let paused = self.shared_update(|ledger, now| {
            ledger.pause(now.saturating_add(wait.as_millis() as u64));
        });
        if paused.is_some() {
            self.counts.group_pauses += 1;
        }
    }

    /// Runs `change` on the shared ledger with the time now; `None` when there is no
    /// shared file, or it failed (then it is dropped with a warning).
    fn shared_update<R>(
        &mut self,
        change: impl FnOnce(&mut crate::shared_budget::Ledger, u64) -> R,
    ) -> Option<R> {
        let shared = self.shared.as_mut()?;
        match shared.update(|ledger| change(ledger, now_ms())) {
            Ok((value, warning)) => {
                if let Some(warning) = warning {
                    self.progress.warn(&warning);
                }
                Some(value)
            }
            Err(e) => {
                self.progress.warn(&format!(
                    "{}; pacing this process alone from now on",
                    e.message()
                ));
                self.shared = None;
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::progress::Mode;

    fn pacer(rate: Option<Rate>) -> Pacer {
        let quiet = Mode {
            draw: false,
            verbose: false,
            quiet: true,
        };
        Pacer::new(rate, None, Arc::new(Progress::new(quiet, "test")))
    }

    #[test]
    fn never_more_than_n_in_any_window() {
        let rate = Rate {
            count: 5,
            per: Duration::from_secs(10),
        };
        let mut pacer = pacer(Some(rate));
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
        let mut pacer = pacer(None);
        let now = Instant::now();
        for _ in 0..100 {
            assert_eq!(pacer.wait(now), Duration::ZERO);
            pacer.sent(now);
        }
    }
}
