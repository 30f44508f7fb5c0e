//! The fetch thread: the families of the window oldest first, each swept newest first
//! in parts ([`crate::sweep`]), each part a chain of pages ([`crate::chain`]). Here are
//! the decisions when a chain cannot go on: halve the part, or ask the writer where the
//! family stands and narrow what is left to just after it. A family a killed run left
//! in progress comes first, from the next page it saved.

use std::sync::Arc;

use aad_common::{Error, Result};
use chrono::{DateTime, TimeDelta, Utc};

use crate::chain::{ChainEnd, ChainStart, Chains, GiveUp, Place, Stop};
use crate::pipeline::Handover;
use crate::progress::Progress;
use crate::sweep::Sweep;
use crate::target::{QueryOptions, Target};
use crate::window::{Families, Slice, Slicing, earliest};

/// Breaks in a row without a page before a family is given up: a skip token refused
/// again and again, a saved link that keeps failing.
const BREAKS_WITHOUT_A_PAGE: u32 = 3;

/// What to fetch, and how it is cut.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    /// The window of this run.
    pub(crate) window: Slice,
    /// `--slice`.
    pub(crate) slicing: Slicing,
    /// The part length a state learned (`--slice auto`).
    pub(crate) learned_span: Option<TimeDelta>,
    /// The family a killed run left in progress.
    pub(crate) resume: Option<Resume>,
    /// The clock at the start of the run.
    pub(crate) now: DateTime<Utc>,
}

/// A family in progress, as a state saved it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Resume {
    pub(crate) family: Slice,
    /// The part whose chain was in progress.
    pub(crate) part: Slice,
    pub(crate) span: Option<TimeDelta>,
    pub(crate) from: ResumeFrom,
}

/// Where the family in progress goes on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ResumeFrom {
    /// The next page of the part's chain, at this link (already on the target's host).
    Link(String),
    /// The part was complete: the span below it.
    NextPart,
    /// Just after the frontier (the saved link was unusable, or none was saved).
    Frontier,
}

/// Everything the fetch thread owns.
pub(crate) struct Fetcher {
    pub(crate) chains: Chains,
    pub(crate) target: Target,
    pub(crate) options: QueryOptions,
    pub(crate) plan: Plan,
    pub(crate) progress: Arc<Progress>,
}

impl Fetcher {
    /// Fetches every family and hands the pages over; returns when done, failed, or
    /// when the writer left.
    pub(crate) fn run(mut self, mut handover: Handover) {
        match self.families(&mut handover) {
            Ok(()) => handover.finished(),
            Err(Stop::Fatal(e)) => handover.failed(e),
            Err(Stop::WriterGone) => {}
        }
    }

    fn families(&mut self, handover: &mut Handover) -> Result<(), Stop> {
        let plan = self.plan.clone();
        let halvable = plan.slicing != Slicing::Whole;
        let (length, mut span) = match plan.slicing {
            Slicing::Auto => (plan.learned_span, plan.learned_span),
            Slicing::Every(length) => (Some(length), None),
            Slicing::Whole => (None, None),
        };
        let mut resume = plan.resume.clone();
        let families = Families::new(
            plan.window,
            length,
            plan.now,
            resume.as_ref().map(|r| r.family),
        );
        let mut halved = false;
        let mut families = families.peekable();
        while let Some(family) = families.next() {
            let (mut sweep, from) = match resume.take() {
                Some(r) => (
                    Sweep::resume(r.family, r.part.end, r.span, halvable, plan.now),
                    Some(r.from),
                ),
                None => (Sweep::new(family, span, halvable, plan.now), None),
            };
            self.sweep(&mut sweep, from, handover)?;
            span = sweep.span();
            halved |= sweep.halved();
            // The resumed family comes before the older rest of the window, whose
            // records the dedup memory must still know.
            let next_start = families
                .peek()
                .map(|next| next.start.unwrap_or_else(earliest));
            handover.family_done(family, next_start, self.span_to_learn(halved, span))?;
        }
        Ok(())
    }

    /// Fetches what is left of one family; `from` says where a resumed family goes on.
    fn sweep(
        &mut self,
        sweep: &mut Sweep,
        from: Option<ResumeFrom>,
        handover: &mut Handover,
    ) -> Result<(), Stop> {
        let mut start = match from {
            None => None,
            Some(ResumeFrom::Link(url)) => Some(ChainStart { url, saved: true }),
            Some(ResumeFrom::NextPart) => {
                sweep.part_done();
                None
            }
            Some(ResumeFrom::Frontier) => {
                self.narrow(sweep, handover)?;
                None
            }
        };
        let mut breaks = 0;
        while let Some(part) = sweep.part() {
            self.progress.slice(part.label());
            let start = start.take().unwrap_or_else(|| ChainStart {
                url: self.target.url_for(&part, &self.options),
                saved: false,
            });
            let place = Place {
                family: sweep.family(),
                part,
                span: sweep.span(),
            };
            let give_up = GiveUp {
                halve: sweep.clone().halve(),
                narrow: self.target.time_field.is_some(),
            };
            match self.chains.follow(start, &place, give_up, handover)? {
                ChainEnd::Complete => {
                    breaks = 0;
                    sweep.part_done();
                }
                ChainEnd::FirstPageTimesOut(why) => {
                    sweep.halve();
                    self.progress
                        .note(format!("{why}; halving slice {}", part.label()));
                }
                ChainEnd::Broken { why, progressed } => {
                    breaks = if progressed { 1 } else { breaks + 1 };
                    if breaks > BREAKS_WITHOUT_A_PAGE {
                        return Err(Stop::Fatal(Error::transient(format!(
                            "slice {} keeps failing ({why})",
                            part.label()
                        ))));
                    }
                    self.narrow(sweep, handover)?;
                    let label = sweep.part().map(|p| p.label()).unwrap_or_default();
                    self.progress
                        .note(format!("{why}; fetching again from slice {label}"));
                }
            }
        }
        Ok(())
    }

    /// Asks the writer where the family stands and narrows what is left to just after
    /// its frontier (when the family came newest first; else the part starts again).
    fn narrow(&mut self, sweep: &mut Sweep, handover: &mut Handover) -> Result<(), Stop> {
        let standing = handover.resync()?;
        if let Some(frontier) = standing.frontier {
            sweep.narrow(frontier);
        }
        Ok(())
    }

    /// The part length the state remembers for the next run (`--slice auto` only): the
    /// span that worked after halving; else, when families were cut at the learned span
    /// and none needed halving, twice that span, so it grows back.
    fn span_to_learn(&self, halved: bool, span: Option<TimeDelta>) -> Option<TimeDelta> {
        let learned = self.plan.learned_span;
        if self.plan.slicing != Slicing::Auto {
            return learned;
        }
        if halved {
            return span;
        }
        let window = match (self.plan.window.start, self.plan.window.end) {
            (Some(start), Some(end)) => Some(end - start),
            _ => None,
        };
        match (learned, window) {
            (Some(learned), Some(window)) if window > learned => learned.checked_mul(2),
            _ => learned,
        }
    }
}
