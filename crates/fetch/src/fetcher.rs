//! The fetch thread: slices oldest first, each a chain of pages; pacing, retries, token
//! renewal and slice halving. What it hands to the writer, and how, is explained in
//! [`crate::pipeline`].

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use aad_common::sanitize::redact_url;
use aad_common::service_error::ServiceError;
use aad_common::time::format_duration;
use aad_common::{Error, Result};
use aad_http::Backoff;

use crate::client::{Client, Outcome, Transient};
use crate::pacing::Pacer;
use crate::page::{self, Lookahead, Page, PageError};
use crate::pipeline::{Handover, WriterGone};
use crate::progress::Progress;
use crate::target::{QueryOptions, Target};
use crate::token_source::Tokens;
use crate::window::Slice;

/// Timeouts in a row on one slice before it is halved: a slice too large for the
/// service to answer in time keeps timing out, a passing hiccup does not.
const TIMEOUTS_BEFORE_HALVING: u32 = 3;
/// Restarts of a slice whose skip token is refused, when it cannot be halved.
const SKIP_TOKEN_RESTARTS: u32 = 3;

/// Why a chain of pages stopped early.
enum Stop {
    /// The slice should be halved and refetched.
    Halve(String),
    /// Refetch the same slice from its first page.
    Restart(String),
    /// The writer is gone (stdout closed, `--max-records` reached).
    WriterGone,
    /// The run cannot go on: the error ends it with its status.
    Fatal(Error),
}

impl From<WriterGone> for Stop {
    fn from(_: WriterGone) -> Stop {
        Stop::WriterGone
    }
}

/// How a chain is doing since it last moved forward. Every page that moves it forward
/// starts all of it again ([`Retries::progressed`]); failures in between use it up.
///
/// A page handed over unparsed moves the chain forward only if the writer can parse it:
/// [`Retries::handed_over`] starts again as if it had, and keeps what
/// [`Retries::not_parsed`] gives back when it did not, so a page that never arrives
/// whole still runs out of `--retry-for`.
struct Retries {
    /// The waits between attempts at the same page.
    backoff: Backoff,
    /// When the chain last moved forward: `--retry-for` is measured from here.
    last_progress: Instant,
    /// Timeouts in a row, towards [`TIMEOUTS_BEFORE_HALVING`].
    timeouts: u32,
    /// The token was renewed after a 401: a second 401 means renewing does not help.
    token_renewed: bool,
}

impl Retries {
    fn new() -> Retries {
        Retries {
            backoff: Backoff::default(),
            last_progress: Instant::now(),
            timeouts: 0,
            token_renewed: false,
        }
    }

    /// A page moved the chain forward.
    fn progressed(&mut self) {
        *self = Retries::new();
    }

    /// A page was handed over unparsed: the request succeeded, and the chain moved
    /// forward unless the writer finds the page damaged. Returns what to give back then.
    fn handed_over(&mut self) -> Unconfirmed {
        let before = Unconfirmed {
            backoff: self.backoff.clone(),
            last_progress: self.last_progress,
        };
        self.progressed();
        before
    }

    /// The page handed over did not parse after all: the chain did not move forward
    /// since before it, and the backoff goes on from where it was.
    fn not_parsed(&mut self, before: Unconfirmed) {
        self.backoff = before.backoff;
        self.last_progress = before.last_progress;
    }

    /// Counts a timeout; returns how many came in a row.
    fn timed_out(&mut self) -> u32 {
        self.timeouts += 1;
        self.timeouts
    }

    /// The wait before the next attempt, or `None` when waiting would pass `retry_for`
    /// without the chain moving forward.
    fn next_wait(
        &mut self,
        retry_after: Option<Duration>,
        retry_for: Duration,
    ) -> Option<Duration> {
        let wait = self.backoff.next(retry_after);
        (self.last_progress.elapsed() + wait <= retry_for).then_some(wait)
    }
}

/// The part of [`Retries`] a page handed over unparsed resets before it is known to
/// parse.
struct Unconfirmed {
    backoff: Backoff,
    last_progress: Instant,
}

/// Everything the fetch thread owns.
pub(crate) struct Fetcher {
    pub(crate) client: Client,
    pub(crate) tokens: Tokens,
    pub(crate) pacer: Pacer,
    pub(crate) target: Target,
    pub(crate) options: QueryOptions,
    /// `--retry-for`: how long retries may go on without a page.
    pub(crate) retry_for: Duration,
    pub(crate) progress: Arc<Progress>,
}

impl Fetcher {
    /// Fetches every slice and hands the pages over; returns when done, failed, or when
    /// the writer left.
    pub(crate) fn run(mut self, slices: Vec<Slice>, mut handover: Handover) {
        for (family, slice) in slices.into_iter().enumerate() {
            match self.family(slice, family, &mut handover) {
                Ok(()) => {}
                Err(Stop::Fatal(e)) => return handover.failed(e),
                Err(_) => return,
            }
            if handover.slice_done(slice.end).is_err() {
                return;
            }
        }
        handover.finished();
    }

    /// Fetches one slice of the window: halved while its parts keep failing, restarted
    /// when its skip token is refused. Ends with `Err` only for [`Stop::Fatal`] (the
    /// slice cannot be completed) and [`Stop::WriterGone`].
    fn family(&mut self, slice: Slice, family: usize, handover: &mut Handover) -> Result<(), Stop> {
        let mut pending = VecDeque::from([slice]);
        let mut restarts = 0;
        while let Some(part) = pending.pop_front() {
            self.progress.slice(part.label());
            match self.chain(&part, family, handover) {
                Ok(()) => {}
                Err(Stop::Halve(why)) => {
                    let Some((older, newer)) = part.halves() else {
                        return Err(Stop::Fatal(Error::transient(format!(
                            "slice {} keeps failing and cannot be halved further ({why})",
                            part.label()
                        ))));
                    };
                    handover.refetch()?;
                    self.progress
                        .note(format!("{why}; halving slice {}", part.label()));
                    pending.push_front(newer);
                    pending.push_front(older);
                }
                Err(Stop::Restart(why)) => {
                    restarts += 1;
                    if restarts > SKIP_TOKEN_RESTARTS {
                        return Err(Stop::Fatal(Error::transient(format!(
                            "slice {} keeps failing ({why})",
                            part.label()
                        ))));
                    }
                    self.progress
                        .note(format!("{why}; refetching slice {}", part.label()));
                    handover.refetch()?;
                    pending.push_front(part);
                }
                Err(stop) => return Err(stop),
            }
        }
        Ok(())
    }

    /// Follows one slice's chain of pages to its end, handing each page over as
    /// [`crate::pipeline`] explains.
    fn chain(&mut self, slice: &Slice, family: usize, handover: &mut Handover) -> Result<(), Stop> {
        let mut url = self.target.url_for(slice, &self.options);
        let keep_api_version = self.target.legacy.then(|| {
            self.target
                .fixed
                .iter()
                .find(|(k, _)| k == "api-version")
                .map_or_else(|| "beta".to_string(), |(_, v)| v.clone())
        });
        let mut retries = Retries::new();
        // The page handed over unparsed and not yet acknowledged: its sequence number,
        // its URL, and the retry state from before it.
        let mut unconfirmed: Option<(u64, String, Unconfirmed)> = None;
        loop {
            self.pace();
            let now = chrono::Utc::now().timestamp();
            let token = self.tokens.bearer(now).map_err(Stop::Fatal)?.clone();
            let outcome = self.client.get(&url, &token, &self.progress);
            self.pacer.sent(Instant::now());
            let (kind, detail, retry_after) = match outcome {
                Outcome::Body(body) => {
                    if let Some((seq, previous, before)) = unconfirmed.take()
                        && !handover.parsed(seq)?
                    {
                        // The previous page was cut or garbled: fetch it again.
                        retries.not_parsed(before);
                        url = previous;
                        let detail = "the page did not parse".to_string();
                        (Transient::Truncated, detail, None)
                    } else {
                        if let Lookahead::Next(link) = page::lookahead(&body)
                            && let Ok(next) =
                                page::resolve(&url, &link, keep_api_version.as_deref())
                        {
                            let before = retries.handed_over();
                            let previous = std::mem::replace(&mut url, next);
                            let keep = keep_api_version.clone();
                            let seq = handover.unparsed(body, previous.clone(), family, keep)?;
                            unconfirmed = Some((seq, previous, before));
                            continue;
                        }
                        match Page::parse(body, &url, keep_api_version.as_deref()) {
                            Ok(mut page) => {
                                retries.progressed();
                                let next = std::mem::replace(&mut page.next, Ok(None));
                                handover.page(page, family)?;
                                match next {
                                    Ok(Some(next)) => {
                                        url = next;
                                        continue;
                                    }
                                    Ok(None) => return Ok(()),
                                    Err(e) => {
                                        return Err(Stop::Fatal(Error::bad_data(e.to_string())));
                                    }
                                }
                            }
                            Err(PageError::Unparsable(e)) => {
                                (Transient::Truncated, format!("unparsable page: {e}"), None)
                            }
                            Err(e) => {
                                return Err(Stop::Fatal(Error::bad_data(format!(
                                    "{e} (from {})",
                                    redact_url(&url)
                                ))));
                            }
                        }
                    }
                }
                Outcome::Retry {
                    kind,
                    detail,
                    retry_after,
                } => (kind, detail, retry_after),
                Outcome::TokenRejected(error) => {
                    self.renew_token(&error, &mut retries)?;
                    continue;
                }
                Outcome::BadSkipToken(error) => {
                    let why = format!("the service rejected the skip token ({})", error.summary());
                    return Err(if slice.halves().is_some() {
                        Stop::Halve(why)
                    } else {
                        Stop::Restart(why)
                    });
                }
                Outcome::Refused(error) => return Err(Stop::Fatal(refused(&error))),
            };
            if kind == Transient::Timeout {
                let timeouts = retries.timed_out();
                if timeouts >= TIMEOUTS_BEFORE_HALVING && slice.halves().is_some() {
                    return Err(Stop::Halve(format!(
                        "{timeouts} timeouts in a row ({detail})"
                    )));
                }
            }
            let wait = retries
                .next_wait(retry_after, self.retry_for)
                .ok_or_else(|| Stop::Fatal(self.out_of_retries(&detail)))?;
            self.progress.note(format!(
                "{}, retrying in {}",
                failure_name(kind),
                seconds(wait)
            ));
            self.progress
                .log(&format!("retry after {}: {detail}", seconds(wait)));
            std::thread::sleep(wait);
        }
    }

    /// The API rejected the token: renew it once per chain position, or give up with
    /// status 3 when it cannot be renewed or the renewed one was rejected too.
    fn renew_token(&mut self, error: &ServiceError, retries: &mut Retries) -> Result<(), Stop> {
        if !self.tokens.renewable() {
            let err = self
                .tokens
                .rejected(&error.summary())
                .err()
                .unwrap_or_else(|| Error::auth(error.summary()));
            return Err(Stop::Fatal(err));
        }
        if retries.token_renewed {
            return Err(Stop::Fatal(
                Error::auth(format!(
                    "the API rejected the renewed token too ({})",
                    error.summary()
                ))
                .with_optional_hint(error.hint()),
            ));
        }
        self.progress
            .note("token rejected, renewing it".to_string());
        self.tokens
            .rejected(&error.summary())
            .map_err(Stop::Fatal)?;
        retries.token_renewed = true;
        Ok(())
    }

    /// `--retry-for` passed without a page: status 5.
    fn out_of_retries(&self, last_failure: &str) -> Error {
        Error::transient(format!(
            "no progress for {} (--retry-for); last failure: {last_failure}",
            format_duration(self.retry_for)
        ))
        .with_hint(
            "the service or the network keeps failing; try again later, or raise --retry-for",
        )
    }

    /// Waits for the request budget.
    fn pace(&mut self) {
        let wait = self.pacer.wait(Instant::now());
        if wait.is_zero() {
            return;
        }
        if wait >= Duration::from_millis(500) {
            self.progress.note(format!(
                "pacing to the request budget, next request in {}",
                seconds(wait)
            ));
        }
        std::thread::sleep(wait);
    }
}

/// How the progress line names a failure that is retried.
fn failure_name(kind: Transient) -> &'static str {
    match kind {
        Transient::Throttled => "throttled",
        Transient::Timeout => "timed out",
        Transient::Server => "service error",
        Transient::Network => "network error",
        Transient::Truncated => "incomplete page",
    }
}

/// A refusal (4xx) as an error with status 4 and the hint for its code.
fn refused(error: &ServiceError) -> Error {
    let hint = error.hint().or_else(|| {
        (error.status == 400).then(|| "check --filter, --select and --top against the report's documentation; `aad-fetch --list` shows each report's time field".to_string())
    });
    Error::api(format!("the API refused the request ({})", error.summary()))
        .with_optional_hint(hint)
}

/// `4s`, `1.5s`.
fn seconds(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s >= 10.0 || s.fract() < 0.05 {
        format!("{s:.0}s")
    } else {
        format!("{s:.1}s")
    }
}
