//! Waiting before a retry: the service's `Retry-After` when it gives one, else
//! exponential backoff with full jitter.
//!
//! Full jitter (a uniform wait between zero and the step) spreads the retries of many
//! clients that failed at the same moment, so they do not come back together; the step
//! doubles from 1 s up to 60 s. Whether and how often to retry is each tool's decision.

use std::time::{Duration, SystemTime};

use ring::rand::{SecureRandom as _, SystemRandom};

/// The first backoff step.
const BASE: Duration = Duration::from_secs(1);
/// The largest backoff step: longer waits only delay the run, the service has recovered
/// or the run's own budget (`--retry-for`) decides.
const CAP: Duration = Duration::from_secs(60);

/// The waits of one request that keeps failing; start a new one when a request succeeds.
#[derive(Debug, Clone, Default)]
pub struct Backoff {
    attempt: u32,
}

impl Backoff {
    /// The wait before the next try: `retry_after` when the service named one, else a
    /// uniform wait up to 1 s, 2 s, 4 s, ... 60 s. Either way the next step doubles.
    pub fn next(&mut self, retry_after: Option<Duration>) -> Duration {
        self.attempt = self.attempt.saturating_add(1);
        if let Some(wait) = retry_after {
            return wait;
        }
        let ceiling = BASE
            .saturating_mul(1u32 << (self.attempt - 1).min(16))
            .min(CAP);
        ceiling.mul_f64(random_unit())
    }
}

/// A uniform number in [0, 1). Without a random source the wait is the step's longest:
/// slower, never sooner.
fn random_unit() -> f64 {
    let mut bytes = [0u8; 8];
    if SystemRandom::new().fill(&mut bytes).is_err() {
        return 1.0;
    }
    (u64::from_le_bytes(bytes) >> 11) as f64 / (1u64 << 53) as f64
}

/// `Retry-After`: whole seconds, or an HTTP date (RFC 9110). A date that is not in the
/// future says nothing usable (a server with a wrong clock, a stale cached answer):
/// `None`, so the caller backs off as without the header instead of retrying at once,
/// again and again.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let when = chrono::DateTime::parse_from_rfc2822(&value.replace("GMT", "+0000")).ok()?;
    let when: SystemTime = when.with_timezone(&chrono::Utc).into();
    when.duration_since(SystemTime::now())
        .ok()
        .filter(|wait| !wait.is_zero())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_to_the_cap_with_jitter() {
        let mut b = Backoff::default();
        for attempt in 1..=10u32 {
            let wait = b.next(None);
            let ceiling = Duration::from_secs(1 << (attempt - 1)).min(CAP);
            assert!(wait <= ceiling, "attempt {attempt}: {wait:?}");
        }
        assert_eq!(b.next(Some(Duration::from_secs(3))), Duration::from_secs(3));
    }

    #[test]
    fn retry_after_forms() {
        assert_eq!(parse_retry_after("7"), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            None,
            "a past date falls back to backoff"
        );
        let future = (chrono::Utc::now() + chrono::TimeDelta::seconds(30))
            .format("%a, %d %b %Y %H:%M:%S GMT")
            .to_string();
        let wait = parse_retry_after(&future).unwrap();
        assert!(
            wait > Duration::from_secs(25) && wait <= Duration::from_secs(30),
            "{wait:?}"
        );
        assert_eq!(parse_retry_after("soon"), None);
    }
}
