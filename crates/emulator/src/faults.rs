//! Fault injection: per-endpoint request counters for the `--*-every N` knobs. (The
//! `--rate-limit` budget is the tenant's, in [`crate::budget`].)

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use aad_common::time::Rate;

/// The fault knobs of the command line.
#[derive(Debug, Clone, Default)]
pub(crate) struct FaultSettings {
    /// Minimum time to first byte of every service response.
    pub latency: Duration,
    /// The budget each client of a tenant has (see [`crate::budget`]).
    pub rate_limit: Option<Rate>,
    /// Every Nth report request: 429.
    pub throttle_every: Option<u64>,
    /// Retry-After seconds for injected 429s.
    pub retry_after: u64,
    /// Send Retry-After as an HTTP date.
    pub retry_after_date: bool,
    /// Every Nth report request: 503.
    pub fail_every: Option<u64>,
    /// Every Nth report request: 504.
    pub timeout_every: Option<u64>,
    /// Every Nth report request: truncated body.
    pub truncate_every: Option<u64>,
    /// Every Nth report request: a complete response with cut-off JSON.
    pub garble_every: Option<u64>,
    /// Every Nth report request: a 200 that is not a page.
    pub malformed_every: Option<u64>,
    /// Empty pages in chains, and an empty last page.
    pub empty_pages: bool,
    /// Queries wider than this (in ticks) answer 504.
    pub max_window: Option<i64>,
}

/// A fault chosen for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Injected {
    /// 429 Too Many Requests.
    Throttle,
    /// 503 Service Unavailable.
    Unavailable,
    /// 504 Gateway Timeout.
    Timeout,
    /// Body cut short.
    Truncate,
    /// 200 with cut-off JSON, correctly framed.
    Garble,
    /// 200 with JSON that is not a page.
    Malformed,
}

/// Which request of each endpoint gets which fault; shared by all connections.
pub(crate) struct Faults {
    settings: FaultSettings,
    counters: Mutex<HashMap<String, u64>>,
}

impl Faults {
    pub(crate) fn new(settings: FaultSettings) -> Faults {
        Faults {
            settings,
            counters: Mutex::new(HashMap::new()),
        }
    }

    /// Counts a request to `endpoint` and says which fault, if any, it gets.
    /// Precedence when several knobs hit the same request: throttle, 503, 504, truncate,
    /// garble, malformed.
    pub(crate) fn next(&self, endpoint: &str) -> Option<Injected> {
        let s = &self.settings;
        if s.throttle_every.is_none()
            && s.fail_every.is_none()
            && s.timeout_every.is_none()
            && s.truncate_every.is_none()
            && s.garble_every.is_none()
            && s.malformed_every.is_none()
        {
            return None;
        }
        let n = {
            let mut counters = self.counters.lock().unwrap_or_else(|e| e.into_inner());
            let n = counters.entry(endpoint.to_string()).or_insert(0);
            *n += 1;
            *n
        };
        let hits = |every: Option<u64>| every.is_some_and(|e| e > 0 && n.is_multiple_of(e));
        if hits(s.throttle_every) {
            Some(Injected::Throttle)
        } else if hits(s.fail_every) {
            Some(Injected::Unavailable)
        } else if hits(s.timeout_every) {
            Some(Injected::Timeout)
        } else if hits(s.truncate_every) {
            Some(Injected::Truncate)
        } else if hits(s.garble_every) {
            Some(Injected::Garble)
        } else if hits(s.malformed_every) {
            Some(Injected::Malformed)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knobs_count_per_endpoint_with_precedence() {
        let faults = Faults::new(FaultSettings {
            throttle_every: Some(3),
            fail_every: Some(5),
            truncate_every: Some(2),
            ..FaultSettings::default()
        });
        let got: Vec<_> = (0..15).map(|_| faults.next("/a")).collect();
        assert_eq!(got[1], Some(Injected::Truncate));
        assert_eq!(got[2], Some(Injected::Throttle));
        assert_eq!(got[4], Some(Injected::Unavailable));
        assert_eq!(
            got[14],
            Some(Injected::Throttle),
            "15 is a multiple of 3 and 5"
        );
        assert_eq!(faults.next("/b"), None, "another endpoint starts at 1");
    }
}
