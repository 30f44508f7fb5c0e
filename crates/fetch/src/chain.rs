//! One chain of pages, from a part's first URL (or a link a state saved) to its last
//! page: pacing, retries, token renewal, and a next link that repeats caught before it
//! loops. What it hands to the writer, and how, is explained in [`crate::pipeline`];
//! what to do when a chain cannot go on is [`crate::fetcher`]'s decision.

use std::collections::HashSet;
use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::sync::Arc;
use std::time::{Duration, Instant};

use aad_common::sanitize::redact_url;
use aad_common::service_error::ServiceError;
use aad_common::time::format_duration;
use aad_common::{Error, Result};
use chrono::TimeDelta;

use crate::client::{Client, Outcome, Transient};
use crate::pacing::Pacer;
use crate::page::{self, Lookahead, Page, PageError};
use crate::pipeline::{Handover, WriterGone};
use crate::progress::Progress;
use crate::retries::{Retries, Unconfirmed};
use crate::sweep::{After, Position};
use crate::token_source::Tokens;
use crate::window::Slice;

/// Timeouts in a row before a chain is given up (its part halved when it is the first
/// page, else the chain narrowed): a part too large for the service to answer in time
/// keeps timing out, a passing hiccup does not.
const TIMEOUTS_BEFORE_GIVING_UP: u32 = 3;

/// Why a chain stopped for good.
#[derive(Debug)]
pub(crate) enum Stop {
    /// The writer is gone (stdout closed, `--top` reached).
    WriterGone,
    /// The run cannot go on: the error ends it with its status.
    Fatal(Error),
}

impl From<WriterGone> for Stop {
    fn from(_: WriterGone) -> Stop {
        Stop::WriterGone
    }
}

/// How a chain ended, when the run goes on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ChainEnd {
    /// Its last page came.
    Complete,
    /// Its first page keeps timing out: the part is too large.
    FirstPageTimesOut(String),
    /// It cannot go on from where it is (a refused skip token, a saved link refused,
    /// timeouts in the middle): fetch again just after the frontier. `progressed`: a
    /// page was handed over before it broke.
    Broken { why: String, progressed: bool },
}

/// Where a chain starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ChainStart {
    pub(crate) url: String,
    /// A link a state saved: a refusal means it expired, not that the query is wrong.
    pub(crate) saved: bool,
}

/// What the fetcher allows a chain to give up for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct GiveUp {
    /// The part can be halved: timeouts on the first page end the chain.
    pub(crate) halve: bool,
    /// The target has a time field, so a chain broken in the middle can be narrowed.
    pub(crate) narrow: bool,
}

/// The part a chain fetches, for the positions of its pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Place {
    pub(crate) family: Slice,
    pub(crate) part: Slice,
    pub(crate) span: Option<TimeDelta>,
}

impl Place {
    fn at(&self, after: After) -> Position {
        Position {
            family: self.family,
            part: self.part,
            span: self.span,
            after,
        }
    }
}

/// The HTTP side of the fetch thread: everything a chain needs.
pub(crate) struct Chains {
    pub(crate) client: Client,
    pub(crate) tokens: Tokens,
    pub(crate) pacer: Pacer,
    /// `--retry-for`: how long retries may go on without a page.
    pub(crate) retry_for: Duration,
    pub(crate) progress: Arc<Progress>,
    /// Legacy reports: the `api-version` every link keeps.
    pub(crate) keep_api_version: Option<String>,
    /// `--top`: the records wanted in all; none: all of them.
    pub(crate) limit: Option<u64>,
    /// The `$top` requested: the most records a page holds.
    pub(crate) page_size: u32,
}

/// The page handed over unparsed and not yet acknowledged: its number, its URL, and the
/// retry state from before it.
type Pending = (u64, String, Unconfirmed);

impl Chains {
    /// Follows one chain to its end, handing each page over.
    pub(crate) fn follow(
        &mut self,
        start: ChainStart,
        place: &Place,
        give_up: GiveUp,
        handover: &mut Handover,
    ) -> Result<ChainEnd, Stop> {
        let mut url = start.url;
        let mut visited = Visited::default();
        visited.insert(&url);
        let mut retries = Retries::new();
        let mut unconfirmed: Option<Pending> = None;
        let mut pages = 0u64;
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
                        // The previous page was cut or garbled: fetch it again (its
                        // link onwards is not followed yet).
                        retries.not_parsed(before);
                        visited.remove(&url);
                        url = previous;
                        pages = pages.saturating_sub(1);
                        let detail = "the page did not parse".to_string();
                        (Transient::Truncated, detail, None)
                    } else {
                        let taken = self.take(body, &mut url, &mut visited, place, handover)?;
                        match taken {
                            Taken::Pipelined(seq, previous) => {
                                unconfirmed = Some((seq, previous, retries.handed_over()));
                                pages += 1;
                                continue;
                            }
                            Taken::Page { last } => {
                                retries.progressed();
                                pages += 1;
                                if last {
                                    return Ok(ChainEnd::Complete);
                                }
                                continue;
                            }
                            Taken::Damaged(detail) => (Transient::Truncated, detail, None),
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
                    return Ok(ChainEnd::Broken {
                        why: format!("the service rejected the skip token ({})", error.summary()),
                        progressed: pages > 0,
                    });
                }
                Outcome::Refused(error)
                    if start.saved && pages == 0 && matches!(error.status, 400 | 404 | 410) =>
                {
                    return Ok(ChainEnd::Broken {
                        why: format!("the service refused the saved link ({})", error.summary()),
                        progressed: false,
                    });
                }
                Outcome::Refused(error) => return Err(Stop::Fatal(refused(&error))),
            };
            if kind == Transient::Throttled {
                self.progress.throttled();
            }
            if kind == Transient::Timeout && retries.timed_out() >= TIMEOUTS_BEFORE_GIVING_UP {
                let why = format!("{TIMEOUTS_BEFORE_GIVING_UP} timeouts in a row ({detail})");
                let first_page = pages == 0 && !start.saved;
                if first_page && give_up.halve {
                    return Ok(ChainEnd::FirstPageTimesOut(why));
                }
                if !first_page && give_up.narrow {
                    return Ok(ChainEnd::Broken {
                        why,
                        progressed: pages > 0,
                    });
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
            self.progress.retry();
            std::thread::sleep(wait);
        }
    }

    /// Hands a page over: unparsed with the next request going out at once when its
    /// link comes first and the writer surely wants more, else parsed here.
    fn take(
        &mut self,
        body: Vec<u8>,
        url: &mut String,
        visited: &mut Visited,
        place: &Place,
        handover: &mut Handover,
    ) -> Result<Taken, Stop> {
        let keep = self.keep_api_version.clone();
        let near_limit = self.near_limit(handover);
        if !near_limit
            && let Lookahead::Next(link) = page::lookahead(&body)
            && let Ok(next) = page::resolve(url, &link, keep.as_deref())
            && visited.insert(&next)
        {
            let previous = std::mem::replace(url, next.clone());
            let position = place.at(After::Link(next));
            let seq = handover.unparsed(body, previous.clone(), keep, position)?;
            return Ok(Taken::Pipelined(seq, previous));
        }
        let mut page = match Page::parse(body, url, keep.as_deref()) {
            Ok(page) => page,
            Err(PageError::Unparsable(e)) => {
                return Ok(Taken::Damaged(format!("unparsable page: {e}")));
            }
            Err(e) => {
                return Err(Stop::Fatal(Error::bad_data(format!(
                    "{e} (from {})",
                    redact_url(url)
                ))));
            }
        };
        let next = std::mem::replace(&mut page.next, Ok(None));
        let (after, failure) = match next {
            Ok(None) => (After::PartEnd, None),
            Ok(Some(next)) if visited.insert(&next) => (After::Link(next), None),
            Ok(Some(next)) => (
                After::Unknown,
                Some(format!(
                    "the service sent a next link that repeats a page of this chain, so following it would never end ('{}')",
                    redact_url(&next)
                )),
            ),
            Err(e) => (After::Unknown, Some(e.to_string())),
        };
        let seq = handover.page(page, place.at(after.clone()))?;
        if let Some(failure) = failure {
            return Err(Stop::Fatal(Error::bad_data(failure)));
        }
        // No request goes out, in this chain or the next, before the writer says it
        // wants more.
        if near_limit && handover.written(seq)? == 0 {
            return Err(Stop::WriterGone);
        }
        let After::Link(next) = after else {
            return Ok(Taken::Page { last: true });
        };
        *url = next;
        Ok(Taken::Page { last: false })
    }

    /// With `--top`: whether the page at hand may be the last one the writer wants, so
    /// the next request must wait until it was written.
    fn near_limit(&self, handover: &mut Handover) -> bool {
        let Some(limit) = self.limit else {
            return false;
        };
        let page_size = u64::from(self.page_size);
        handover.wanted_at_least(limit, page_size) <= page_size
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
        self.progress.retry();
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

/// What became of a response with a body.
enum Taken {
    /// Handed over unparsed (its number and URL); the next request goes out now.
    Pipelined(u64, String),
    /// Handed over parsed; `last`: the chain ended with it.
    Page { last: bool },
    /// Not a whole page: fetch it again.
    Damaged(String),
}

/// The links requested in one chain, as hashes (8 bytes a page): a link that comes
/// again would loop forever.
#[derive(Default)]
struct Visited {
    hasher: RandomState,
    seen: HashSet<u64>,
}

impl Visited {
    /// Records `url`; false when it was requested before in this chain.
    fn insert(&mut self, url: &str) -> bool {
        self.seen.insert(self.hasher.hash_one(url))
    }

    /// Forgets `url`: it was recorded, then not followed after all.
    fn remove(&mut self, url: &str) {
        self.seen.remove(&self.hasher.hash_one(url));
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
        (error.status == 400).then(|| "check --filter, --select and --page-size against the report's documentation; `aad-fetch --list` shows each report's time field".to_string())
    });
    Error::api(format!("the API refused the request ({})", error.summary()))
        .with_optional_hint(hint)
}

/// `4s`, `1.5s`.
pub(crate) fn seconds(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s >= 10.0 || s.fract() < 0.05 {
        format!("{s:.0}s")
    } else {
        format!("{s:.1}s")
    }
}
