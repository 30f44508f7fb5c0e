//! The page pipeline: the fetch thread hands pages to the writer (the main thread), one
//! page in flight.
//!
//! - **One page ahead, no more.** Events go over a rendezvous channel (capacity 0): a
//!   send completes only when the writer takes the event. So the fetcher requests page
//!   n+1 while page n is written, never further ahead, and memory holds about two pages.
//!   When the writer takes page n, it has finished page n−1.
//! - **Unparsed handover.** Graph writes `@odata.nextLink` before `value`. When a page
//!   does, the fetcher reads only that link ([`crate::page::lookahead`]), hands the body
//!   over unparsed ([`Event::Unparsed`]) and sends the next request at once; the writer
//!   parses the page while that request is on the wire. A page whose link comes after
//!   its records (or that has none) is parsed on the fetch thread and handed over
//!   parsed ([`Event::Page`]).
//! - **Acknowledged.** The writer answers every unparsed page: did it parse
//!   ([`Reply::Parsed`])? Before the fetcher uses the next response it waits for that
//!   verdict. A page that did not parse (a body cut short or garbled on the way) is
//!   fetched again from its URL, and the response that came after it is dropped: nothing
//!   is written from a page that was not received whole.
//! - **Numbered.** Pages carry a sequence number, so verdicts on pages of a chain the
//!   fetcher already gave up are skipped.
//! - **Record limits.** With `--top`, the writer says after each page how many records
//!   it still wants ([`Reply::Written`]); when one more page may be enough, the fetcher
//!   waits for that answer before it asks for another page, so `--top 10` is one request.
//! - **Broken chains.** [`Event::Resync`] asks where the family stands (its frontier,
//!   [`crate::frontier`]); the channel is ordered, so the answer covers every page
//!   handed over before. [`Event::FamilyDone`] moves the checkpoint; [`Event::Failed`]
//!   and [`Event::Finished`] end the run.
//! - **Stopping.** When the writer stops (stdout closed, `--top` reached, an error),
//!   every send and wait of the fetcher fails and it returns. The process ends when the
//!   writer returns, even while the fetch thread still waits for a response.
//!
//! The fetch side of this conversation is [`Handover`]; the writer side is [`run`].

use std::collections::BTreeMap;
use std::sync::mpsc::{Receiver, Sender, SyncSender, channel, sync_channel};

use aad_common::sanitize::redact_url;
use aad_common::{Error, Result};
use chrono::{DateTime, TimeDelta, Utc};

use crate::frontier::Resync;
use crate::page::{Page, PageError};
use crate::record_writer::{Flow, RecordWriter};
use crate::sweep::Position;
use crate::window::Slice;

/// What the fetch thread tells the writer.
#[derive(Debug)]
pub(crate) enum Event {
    /// A parsed page.
    Page {
        page: Page,
        seq: u64,
        position: Position,
    },
    /// A page the writer parses (and acknowledges) itself; the fetcher is already
    /// fetching the next one.
    Unparsed {
        body: Vec<u8>,
        url: String,
        keep_api_version: Option<String>,
        seq: u64,
        position: Position,
    },
    /// A chain broke: where does the family stand? From the answer on, what the family
    /// wrote is skipped when it comes again.
    Resync,
    /// A family is complete; `next_start`: where the next family starts (the dedup
    /// memory keeps what it may list again); `span`: the part length to remember
    /// (`--slice auto`).
    FamilyDone {
        family: Slice,
        next_start: Option<DateTime<Utc>>,
        span: Option<TimeDelta>,
    },
    /// Fetching failed.
    Failed(Error),
    /// Everything was fetched.
    Finished,
}

/// What the writer tells the fetch thread.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Reply {
    /// Whether the unparsed page `seq` parsed; false sends the fetcher back to it.
    Parsed { seq: u64, ok: bool },
    /// Page `seq` was written; the writer wants `wanted` more records (with `--top`).
    Written { seq: u64, wanted: u64 },
    /// The answer to [`Event::Resync`].
    Resync(Resync),
}

/// The writer has stopped taking pages: the fetcher has nothing left to do.
#[derive(Debug)]
pub(crate) struct WriterGone;

/// The fetch thread's end of the pipeline.
pub(crate) struct Handover {
    events: SyncSender<Event>,
    replies: Receiver<Reply>,
    /// The number of the last page handed over.
    sequence: u64,
    /// Verdicts received before they were asked for.
    verdicts: BTreeMap<u64, bool>,
    /// The last count of records the writer still wants, with the page it followed.
    wanted: Option<(u64, u64)>,
}

impl Handover {
    /// Hands over a parsed page; returns its number once the writer took it.
    pub(crate) fn page(&mut self, page: Page, position: Position) -> Result<u64, WriterGone> {
        self.sequence += 1;
        let seq = self.sequence;
        self.send(Event::Page {
            page,
            seq,
            position,
        })?;
        Ok(seq)
    }

    /// Hands over a page for the writer to parse; returns its number, for
    /// [`Handover::parsed`].
    pub(crate) fn unparsed(
        &mut self,
        body: Vec<u8>,
        url: String,
        keep_api_version: Option<String>,
        position: Position,
    ) -> Result<u64, WriterGone> {
        self.sequence += 1;
        let seq = self.sequence;
        self.send(Event::Unparsed {
            body,
            url,
            keep_api_version,
            seq,
            position,
        })?;
        Ok(seq)
    }

    /// Waits for the writer's verdict on unparsed page `seq`.
    pub(crate) fn parsed(&mut self, seq: u64) -> Result<bool, WriterGone> {
        loop {
            // Verdicts on pages of chains given up are dropped on the way.
            self.verdicts = self.verdicts.split_off(&seq);
            if let Some(ok) = self.verdicts.remove(&seq) {
                return Ok(ok);
            }
            self.receive()?;
        }
    }

    /// Waits until page `seq` was written (or found unparsable); returns how many
    /// records the writer still wants.
    pub(crate) fn written(&mut self, seq: u64) -> Result<u64, WriterGone> {
        loop {
            match self.wanted {
                Some((after, wanted)) if after >= seq => return Ok(wanted),
                _ if self.verdicts.get(&seq) == Some(&false) => return Ok(u64::MAX),
                _ => self.receive()?,
            }
        }
    }

    /// The fewest records the writer may still want once every page handed over is
    /// written: what it last reported (`limit` before any report), less `page_size`
    /// for each page handed over since.
    pub(crate) fn wanted_at_least(&mut self, limit: u64, page_size: u64) -> u64 {
        while let Ok(reply) = self.replies.try_recv() {
            self.note(reply);
        }
        let (after, wanted) = self.wanted.unwrap_or((0, limit));
        let unreported = self.sequence.saturating_sub(after);
        wanted.saturating_sub(unreported.saturating_mul(page_size))
    }

    /// Asks where the family stands (see [`Event::Resync`]).
    pub(crate) fn resync(&mut self) -> Result<Resync, WriterGone> {
        self.send(Event::Resync)?;
        loop {
            match self.replies.recv().map_err(|_| WriterGone)? {
                Reply::Resync(resync) => return Ok(resync),
                other => self.note(other),
            }
        }
    }

    /// Tells the writer a family is complete.
    pub(crate) fn family_done(
        &self,
        family: Slice,
        next_start: Option<DateTime<Utc>>,
        span: Option<TimeDelta>,
    ) -> Result<(), WriterGone> {
        self.send(Event::FamilyDone {
            family,
            next_start,
            span,
        })
    }

    /// Ends the run with `error` (unless the writer already stopped).
    pub(crate) fn failed(&self, error: Error) {
        let _ = self.send(Event::Failed(error));
    }

    /// Ends the run: everything was fetched.
    pub(crate) fn finished(&self) {
        let _ = self.send(Event::Finished);
    }

    fn receive(&mut self) -> Result<(), WriterGone> {
        let reply = self.replies.recv().map_err(|_| WriterGone)?;
        self.note(reply);
        Ok(())
    }

    fn note(&mut self, reply: Reply) {
        match reply {
            Reply::Parsed { seq, ok } => {
                self.verdicts.insert(seq, ok);
            }
            Reply::Written { seq, wanted } => self.wanted = Some((seq, wanted)),
            // Only asked for in `resync`, which waits for it.
            Reply::Resync(_) => {}
        }
    }

    fn send(&self, event: Event) -> Result<(), WriterGone> {
        self.events.send(event).map_err(|_| WriterGone)
    }
}

/// Starts `fetch` on its own thread with the fetch end of the pipeline, and writes what
/// it hands over until it finishes, fails, or the writer stops.
pub(crate) fn run(
    fetch: impl FnOnce(Handover) + Send + 'static,
    writer: &mut RecordWriter,
) -> Result<()> {
    let (reply_tx, replies) = channel::<Reply>();
    let (events, rx) = sync_channel::<Event>(0);
    let handover = Handover {
        events,
        replies,
        sequence: 0,
        verdicts: BTreeMap::new(),
        wanted: None,
    };
    std::thread::Builder::new()
        .name("fetch".into())
        .spawn(move || fetch(handover))
        .map_err(|e| Error::internal("cannot start the fetch thread").with_source(e))?;
    write_events(&rx, &reply_tx, writer)
}

/// The writer's loop: each event in order, until the fetcher finishes or fails.
fn write_events(
    rx: &Receiver<Event>,
    replies: &Sender<Reply>,
    writer: &mut RecordWriter,
) -> Result<()> {
    for event in rx {
        let (page, seq, position) = match event {
            Event::Page {
                page,
                seq,
                position,
            } => (page, seq, position),
            Event::Unparsed {
                body,
                url,
                keep_api_version,
                seq,
                position,
            } => match Page::parse(body, &url, keep_api_version.as_deref()) {
                Ok(page) => {
                    let _ = replies.send(Reply::Parsed { seq, ok: true });
                    (page, seq, position)
                }
                Err(PageError::Unparsable(_)) => {
                    let _ = replies.send(Reply::Parsed { seq, ok: false });
                    continue;
                }
                Err(e) => {
                    return Err(Error::bad_data(format!("{e} (from {})", redact_url(&url))));
                }
            },
            Event::Resync => {
                let _ = replies.send(Reply::Resync(writer.resync()));
                continue;
            }
            Event::FamilyDone {
                family,
                next_start,
                span,
            } => {
                writer.family_done(family, next_start, span)?;
                continue;
            }
            Event::Failed(error) => return Err(error),
            Event::Finished => return Ok(()),
        };
        match writer.page(&page, &position)? {
            Flow::Stop => return Ok(()),
            Flow::Continue { wanted } => {
                if let Some(wanted) = wanted {
                    let _ = replies.send(Reply::Written { seq, wanted });
                }
            }
        }
    }
    Err(Error::internal("the fetch thread ended without a result"))
}
