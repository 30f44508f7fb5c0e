//! How a chain of pages is doing since it last moved forward: the backoff between
//! attempts, `--retry-for`, timeouts in a row (towards halving or narrowing), and
//! whether the token was already renewed.

use std::time::{Duration, Instant};

use aad_http::Backoff;

/// The state of one chain's retries. Every page that moves the chain forward starts all
/// of it again ([`Retries::progressed`]); failures in between use it up.
///
/// A page handed over unparsed moves the chain forward only if the writer can parse it:
/// [`Retries::handed_over`] starts again as if it had, and keeps what
/// [`Retries::not_parsed`] gives back when it did not, so a page that never arrives
/// whole still runs out of `--retry-for`.
pub(crate) struct Retries {
    /// The waits between attempts at the same page.
    backoff: Backoff,
    /// When the chain last moved forward: `--retry-for` is measured from here.
    last_progress: Instant,
    /// Timeouts in a row.
    timeouts: u32,
    /// The token was renewed after a 401: a second 401 means renewing does not help.
    pub(crate) token_renewed: bool,
}

/// The part of [`Retries`] a page handed over unparsed resets before it is known to
/// parse.
pub(crate) struct Unconfirmed {
    backoff: Backoff,
    last_progress: Instant,
}

impl Retries {
    pub(crate) fn new() -> Retries {
        Retries {
            backoff: Backoff::default(),
            last_progress: Instant::now(),
            timeouts: 0,
            token_renewed: false,
        }
    }

    /// A page moved the chain forward.
    pub(crate) fn progressed(&mut self) {
        *self = Retries::new();
    }

    /// A page was handed over unparsed: the request succeeded, and the chain moved
    /// forward unless the writer finds the page damaged. Returns what to give back then.
    pub(crate) fn handed_over(&mut self) -> Unconfirmed {
        let before = Unconfirmed {
            backoff: self.backoff.clone(),
            last_progress: self.last_progress,
        };
        self.progressed();
        before
    }

    /// The page handed over did not parse after all: the chain did not move forward
    /// since before it, and the backoff goes on from where it was.
    pub(crate) fn not_parsed(&mut self, before: Unconfirmed) {
        self.backoff = before.backoff;
        self.last_progress = before.last_progress;
    }

    /// Counts a timeout; returns how many came in a row.
    pub(crate) fn timed_out(&mut self) -> u32 {
        self.timeouts += 1;
        self.timeouts
    }

    /// The wait before the next attempt, or `None` when waiting would pass `retry_for`
    /// without the chain moving forward.
    pub(crate) fn next_wait(
        &mut self,
        retry_after: Option<Duration>,
        retry_for: Duration,
    ) -> Option<Duration> {
        let wait = self.backoff.next(retry_after);
        (self.last_progress.elapsed() + wait <= retry_for).then_some(wait)
    }
}
