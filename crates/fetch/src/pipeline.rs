//! The page pipeline: the fetch thread hands pages to the writer (the main thread), one
//! page in flight.
//!
//! - **One page ahead, no more.** Events go over a rendezvous channel (capacity 0): a
//!   send completes only when the writer takes the event. So the fetcher requests page
//!   n+1 while page n is written, never further ahead, and memory holds about two pages.
//! - **Unparsed handover.** Graph writes `@odata.nextLink` before `value`. When a page
//!   does, the fetcher reads only that link ([`crate::page::lookahead`]), hands the body
//!   over unparsed ([`Event::Unparsed`]) and sends the next request at once; the writer
//!   parses the page while that request is on the wire. A page whose link comes after
//!   its records (or that has none) is parsed on the fetch thread and handed over
//!   parsed ([`Event::Page`]).
//! - **Acknowledged.** The writer answers every unparsed page with an [`Ack`]: did it
//!   parse? Before the fetcher uses the next response it waits for that verdict. A page
//!   that did not parse (a body cut short or garbled on the way) is fetched again from
//!   its URL, and the response that came after it is dropped: nothing is written from a
//!   page that was not received whole, and the pages after it come again in order.
//! - **Numbered.** Unparsed pages carry a sequence number, so verdicts on pages of a
//!   chain the fetcher already gave up (a slice that was halved) are skipped.
//! - **Slices.** [`Event::Refetch`] tells the writer that the current slice family
//!   (a slice of the window and all its halves) starts again, so it can skip what it
//!   already wrote; [`Event::SliceDone`] moves the checkpoint; [`Event::Failed`] and
//!   [`Event::Finished`] end the run.
//! - **Stopping.** When the writer stops (stdout closed, `--max-records` reached, an
//!   error), every send of the fetcher fails and it returns. The process ends when the
//!   writer returns, even while the fetch thread still waits for a response.
//!
//! The fetch side of this conversation is [`Handover`]; the writer side is [`run`].

use std::sync::mpsc::{Receiver, Sender, SyncSender, channel, sync_channel};

use aad_common::sanitize::redact_url;
use aad_common::{Error, Result};
use chrono::{DateTime, Utc};

use crate::page::{Page, PageError};
use crate::record_writer::{Flow, RecordWriter};

/// What the fetch thread tells the writer.
#[derive(Debug)]
pub(crate) enum Event {
    /// A parsed page of slice family `family`.
    Page { page: Page, family: usize },
    /// The current slice family is fetched again, halved or from its first page.
    Refetch,
    /// The current slice family is complete up to `end`.
    SliceDone { end: Option<DateTime<Utc>> },
    /// A page the writer parses (and acknowledges) itself; the fetcher is already
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

/// The writer's verdict on the unparsed page numbered `seq`: `parsed` false sends the
/// fetcher back to that page.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ack {
    pub(crate) seq: u64,
    pub(crate) parsed: bool,
}

/// The writer has stopped taking pages: the fetcher has nothing left to do.
#[derive(Debug)]
pub(crate) struct WriterGone;

/// The fetch thread's end of the pipeline.
pub(crate) struct Handover {
    events: SyncSender<Event>,
    acks: Receiver<Ack>,
    /// The number of the last unparsed page handed over.
    sequence: u64,
}

impl Handover {
    /// Hands over a parsed page; returns when the writer took it.
    pub(crate) fn page(&self, page: Page, family: usize) -> Result<(), WriterGone> {
        self.send(Event::Page { page, family })
    }

    /// Hands over a page for the writer to parse; returns its number, for
    /// [`Handover::parsed`].
    pub(crate) fn unparsed(
        &mut self,
        body: Vec<u8>,
        url: String,
        family: usize,
        keep_api_version: Option<String>,
    ) -> Result<u64, WriterGone> {
        self.sequence += 1;
        self.send(Event::Unparsed {
            body,
            url,
            family,
            seq: self.sequence,
            keep_api_version,
        })?;
        Ok(self.sequence)
    }

    /// Waits for the writer's verdict on unparsed page `seq`; older verdicts (from a
    /// chain that was given up) are skipped.
    pub(crate) fn parsed(&self, seq: u64) -> Result<bool, WriterGone> {
        loop {
            match self.acks.recv() {
                Ok(ack) if ack.seq == seq => return Ok(ack.parsed),
                Ok(_) => {}
                Err(_) => return Err(WriterGone),
            }
        }
    }

    /// Tells the writer the current slice family starts again.
    pub(crate) fn refetch(&self) -> Result<(), WriterGone> {
        self.send(Event::Refetch)
    }

    /// Tells the writer the current slice family is complete up to `end`.
    pub(crate) fn slice_done(&self, end: Option<DateTime<Utc>>) -> Result<(), WriterGone> {
        self.send(Event::SliceDone { end })
    }

    /// Ends the run with `error` (unless the writer already stopped).
    pub(crate) fn failed(&self, error: Error) {
        let _ = self.send(Event::Failed(error));
    }

    /// Ends the run: everything was fetched.
    pub(crate) fn finished(&self) {
        let _ = self.send(Event::Finished);
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
    let (ack_tx, acks) = channel::<Ack>();
    let (events, rx) = sync_channel::<Event>(0);
    let handover = Handover {
        events,
        acks,
        sequence: 0,
    };
    std::thread::Builder::new()
        .name("fetch".into())
        .spawn(move || fetch(handover))
        .map_err(|e| Error::internal("cannot start the fetch thread").with_source(e))?;
    write_events(&rx, &ack_tx, writer)
}

/// The writer's loop: each event in order, until the fetcher finishes or fails.
fn write_events(rx: &Receiver<Event>, acks: &Sender<Ack>, writer: &mut RecordWriter) -> Result<()> {
    for event in rx {
        match event {
            Event::Page { page, family } => {
                if writer.page(&page, family)? == Flow::Stop {
                    return Ok(());
                }
            }
            Event::Unparsed {
                body,
                url,
                family,
                seq,
                keep_api_version,
            } => match Page::parse(body, &url, keep_api_version.as_deref()) {
                Ok(page) => {
                    let _ = acks.send(Ack { seq, parsed: true });
                    if writer.page(&page, family)? == Flow::Stop {
                        return Ok(());
                    }
                }
                Err(PageError::Unparsable(_)) => {
                    let _ = acks.send(Ack { seq, parsed: false });
                }
                Err(e) => {
                    return Err(Error::bad_data(format!("{e} (from {})", redact_url(&url))));
                }
            },
            Event::Refetch => writer.refetch(),
            Event::SliceDone { end } => writer.slice_done(end)?,
            Event::Failed(error) => return Err(error),
            Event::Finished => return Ok(()),
        }
    }
    Err(Error::internal("the fetch thread ended without a result"))
}
