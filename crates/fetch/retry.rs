//! Waiting before a retry: `Retry-After` when the service gives one
//! (`aad_common::query::parse_retry_after`), else exponential backoff with full jitter
//! (1 s base, 60 s cap).

use std::time::Duration;

use ring::rand::{SecureRandom, SystemRandom};

/// First backoff step.
const BASE: Duration = Duration::from_secs(1);
/// Largest backoff step.
const CAP: Duration = Duration::from_secs(60);

/// Backoff state for one request that keeps failing.
#[derive(Debug, Default)]
pub(crate) struct Backoff {
    attempt: u32,
}

impl Backoff {
    /// The wait before the next try.
    pub(crate) fn next(&mut self, retry_after: Option<Duration>) -> Duration {
        self.attempt = self.attempt.saturating_add(1);
        if let Some(wait) = retry_after {
            return wait;
        }
        let ceiling = BASE
            .saturating_mul(1u32 << (self.attempt - 1).min(16))
            .min(CAP);
        // Full jitter: uniform in [0, ceiling].
        ceiling.mul_f64(random_unit())
    }
}

/// A uniform number in [0, 1).
fn random_unit() -> f64 {
    let mut bytes = [0u8; 8];
    let _ = SystemRandom::new().fill(&mut bytes);
    (u64::from_le_bytes(bytes) >> 11) as f64 / (1u64 << 53) as f64
}

/// A fresh GUID-shaped id for `client-request-id`.
pub(crate) fn request_id() -> String {
    let mut b = [0u8; 16];
    let _ = SystemRandom::new().fill(&mut b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
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
    fn request_ids_look_like_guids() {
        let id = request_id();
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
    }
}
