//! The fetch thread: slices oldest first, each a chain of pages; pacing, retries, token
//! renewal and slice halving. Pages go to the writer over a rendezvous channel, so one
//! page is fetched while the previous one is written, and no more.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender};
use std::time::{Duration, Instant};

use aad_common::service_error::ServiceError;
use aad_common::time::format_duration;
use aad_common::{Error, Result};
use chrono::{DateTime, Utc};

use crate::client::{Client, Outcome, Transient};
use crate::pacing::Pacer;
use crate::page::{self, Lookahead, Page, PageError};
use crate::progress::Progress;
use crate::retry::Backoff;
use crate::target::{QueryOptions, Target};
use crate::token_source::Tokens;
use crate::window::Slice;

/// Timeouts in a row on one slice before it is halved.
const TIMEOUTS_BEFORE_HALVING: u32 = 3;
/// Restarts of a slice whose skip token is refused, when it cannot be halved.
const SKIP_TOKEN_RESTARTS: u32 = 3;

/// What the fetch thread tells the writer.
#[derive(Debug)]
pub(crate) enum Event {
    /// A page of slice family `family` (a slice of the window and all its halves).
    Page { page: Page, family: usize },
    /// The current slice family is fetched again, halved or from its first page.
    Refetch,
    /// Slice family `family` is complete up to `end`.
    SliceDone { end: Option<DateTime<Utc>> },
    /// A page the writer must parse (and acknowledge) itself; the fetcher is already
    /// fetching the next one.
    Unparsed {
        body: Vec<u8>,
        url: String,
        family: usize,
        seq: u64,
        keep_api_version: Option<String>,
    },
    /// Fetching failed.
    Failed(Error),
    /// Everything was fetched.
    Finished,
}

/// The writer's verdict on an unparsed page.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ack {
    /// Which page.
    pub(crate) seq: u64,
    /// Whether it parsed.
    pub(crate) parsed: bool,
}

/// Why a chain of pages stopped early.
enum Stop {
    /// The slice should be halved and refetched.
    Halve(String),
    /// Refetch the same slice from its first page.
    Restart(String),
    /// The writer is gone (stdout closed, `--max-records` reached).
    WriterGone,
    /// Give up.
    Fatal(Error),
}

/// Everything the fetch thread owns.
pub(crate) struct Fetcher {
    pub(crate) client: Client,
    pub(crate) tokens: Tokens,
    pub(crate) pacer: Pacer,
    pub(crate) target: Target,
    pub(crate) options: QueryOptions,
    pub(crate) retry_for: Duration,
    pub(crate) progress: Arc<Progress>,
    /// Verdicts on unparsed pages, from the writer.
    pub(crate) acks: Receiver<Ack>,
    /// Number of the last unparsed page handed over.
    pub(crate) sequence: u64,
}

impl Fetcher {
    /// Fetches every slice and reports to `tx`; returns when done or when the writer left.
    pub(crate) fn run(mut self, slices: Vec<Slice>, tx: &SyncSender<Event>) {
        for (family, slice) in slices.into_iter().enumerate() {
            let mut pending = VecDeque::from([slice]);
            let mut restarts = 0;
            while let Some(part) = pending.pop_front() {
                self.progress.slice(part.label());
                match self.chain(&part, family, tx) {
                    Ok(()) => {}
                    Err(Stop::WriterGone) => return,
                    Err(Stop::Fatal(e)) => {
                        let _ = tx.send(Event::Failed(e));
                        return;
                    }
                    Err(Stop::Halve(why)) => match part.halves() {
                        Some((older, newer)) => {
                            if tx.send(Event::Refetch).is_err() {
                                return;
                            }
                            self.progress
                                .note(format!("{why}; halving slice {}", part.label()));
                            pending.push_front(newer);
                            pending.push_front(older);
                        }
                        None => {
                            let _ = tx.send(Event::Failed(Error::transient(format!(
                                "slice {} keeps failing and cannot be halved further ({why})",
                                part.label()
                            ))));
                            return;
                        }
                    },
                    Err(Stop::Restart(why)) => {
                        restarts += 1;
                        if restarts > SKIP_TOKEN_RESTARTS {
                            let _ = tx.send(Event::Failed(Error::transient(format!(
                                "slice {} keeps failing ({why})",
                                part.label()
                            ))));
                            return;
                        }
                        self.progress
                            .note(format!("{why}; refetching slice {}", part.label()));
                        if tx.send(Event::Refetch).is_err() {
                            return;
                        }
                        pending.push_front(part);
                    }
                }
            }
            if tx.send(Event::SliceDone { end: slice.end }).is_err() {
                return;
            }
        }
        let _ = tx.send(Event::Finished);
    }

    /// Follows one slice's chain of pages to its end.
    ///
    /// When a page names its next link before its records (as Graph writes pages), the
    /// page goes to the writer unparsed and the next request goes out at once; the writer
    /// parses the page and acknowledges it. If it does not parse, the fetcher goes back
    /// to it (and drops what it fetched after it), so nothing is written from a page that
    /// was not received whole.
    fn chain(&mut self, slice: &Slice, family: usize, tx: &SyncSender<Event>) -> Result<(), Stop> {
        let mut url = self.target.url_for(slice, &self.options);
        let keep_api_version = self.target.legacy.then(|| {
            self.target
                .fixed
                .iter()
                .find(|(k, _)| k == "api-version")
                .map_or_else(|| "beta".to_string(), |(_, v)| v.clone())
        });
        let mut backoff = Backoff::default();
        let mut last_progress = Instant::now();
        let mut timeouts = 0;
        let mut renewed = false;
        // The page handed over unparsed and not yet acknowledged: (sequence, its URL).
        let mut unconfirmed: Option<(u64, String)> = None;
        loop {
            self.pace();
            let now = Utc::now().timestamp();
            let token = self.tokens.bearer(now).map_err(Stop::Fatal)?.clone();
            let outcome = self.client.get(&url, &token, &self.progress);
            self.pacer.sent(Instant::now());
            let (kind, detail, retry_after) = match outcome {
                Outcome::Body(body) => {
                    if let Some((seq, previous)) = unconfirmed.take()
                        && !self.acknowledged(seq)?
                    {
                        // The previous page was cut or garbled: fetch it again.
                        url = previous;
                        (
                            Transient::Truncated,
                            "the page did not parse".to_string(),
                            None,
                        )
                    } else {
                        if let Lookahead::Next(link) = page::lookahead(&body)
                            && let Ok(next) =
                                page::resolve(&url, &link, keep_api_version.as_deref())
                        {
                            (backoff, last_progress, timeouts, renewed) =
                                (Backoff::default(), Instant::now(), 0, false);
                            self.sequence += 1;
                            let event = Event::Unparsed {
                                body,
                                url: url.clone(),
                                family,
                                seq: self.sequence,
                                keep_api_version: keep_api_version.clone(),
                            };
                            tx.send(event).map_err(|_| Stop::WriterGone)?;
                            unconfirmed = Some((self.sequence, std::mem::replace(&mut url, next)));
                            continue;
                        }
                        match Page::parse(body, &url, keep_api_version.as_deref()) {
                            Ok(mut page) => {
                                (backoff, last_progress, timeouts, renewed) =
                                    (Backoff::default(), Instant::now(), 0, false);
                                let next = std::mem::replace(&mut page.next, Ok(None));
                                tx.send(Event::Page { page, family })
                                    .map_err(|_| Stop::WriterGone)?;
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
                                    aad_common::sanitize::redact_url(&url)
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
                    if !self.tokens.renewable() {
                        let err = self
                            .tokens
                            .rejected(&error.summary())
                            .err()
                            .unwrap_or_else(|| Error::auth(error.summary()));
                        return Err(Stop::Fatal(err));
                    }
                    if renewed {
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
                    renewed = true;
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
                timeouts += 1;
                if timeouts >= TIMEOUTS_BEFORE_HALVING && slice.halves().is_some() {
                    return Err(Stop::Halve(format!(
                        "{timeouts} timeouts in a row ({detail})"
                    )));
                }
            }
            let wait = backoff.next(retry_after);
            if last_progress.elapsed() + wait > self.retry_for {
                return Err(Stop::Fatal(
                    Error::transient(format!("no progress for {} (--retry-for); last failure: {detail}", format_duration(self.retry_for)))
                        .with_hint("the service or the network keeps failing; try again later, or raise --retry-for"),
                ));
            }
            let what = match kind {
                Transient::Throttled => "throttled",
                Transient::Timeout => "timed out",
                Transient::Server => "service error",
                Transient::Network => "network error",
                Transient::Truncated => "incomplete page",
            };
            self.progress
                .note(format!("{what}, retrying in {}", seconds(wait)));
            self.progress
                .log(&format!("retry after {}: {detail}", seconds(wait)));
            std::thread::sleep(wait);
        }
    }

    /// Waits for the writer's verdict on unparsed page `seq`; older verdicts (from a
    /// chain that was given up) are skipped.
    fn acknowledged(&self, seq: u64) -> Result<bool, Stop> {
        loop {
            match self.acks.recv() {
                Ok(ack) if ack.seq == seq => return Ok(ack.parsed),
                Ok(_) => {}
                Err(_) => return Err(Stop::WriterGone),
            }
        }
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
