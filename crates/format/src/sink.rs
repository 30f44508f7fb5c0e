//! A [`Sink`] is an output format fed record by record on the calling thread: what the
//! one-thread run (`sequential`) drives. csv and tsv without `--fields` and table are
//! sinks of their own; [`Framed`] makes one of a renderer and its frame.

use std::io::Write;

use aad_common::Result;

use crate::bad_input::{Place, Reporter};
use crate::render::{Frame, FrameWriter, Render};

/// An output format fed record by record, on the calling thread.
pub(crate) trait Sink {
    /// Writes one record, given as its JSON text (a whole line, or an element of a
    /// page). Bad records go to `reporter`; the error is a write failure or the end of
    /// the run.
    fn record(&mut self, record: &str, place: &Place, reporter: &mut Reporter) -> Result<()>;

    /// Pushes what is buffered to the output (the input is about to block).
    fn flush(&mut self) -> Result<()>;

    /// Writes what ends the document (and anything held back), then flushes.
    fn finish(&mut self, reporter: &mut Reporter) -> Result<()>;
}

/// A [`Render`] and its [`Frame`] as a [`Sink`] on the calling thread.
pub(crate) struct Framed<W: Write> {
    render: Box<dyn Render>,
    writer: FrameWriter<W>,
    bytes: Vec<u8>,
}

impl<W: Write> Framed<W> {
    /// Writes the head of `frame` and renders records with `render`.
    pub(crate) fn new(render: Box<dyn Render>, frame: Frame, out: W) -> Result<Framed<W>> {
        Ok(Framed {
            render,
            writer: FrameWriter::new(out, frame)?,
            bytes: Vec::new(),
        })
    }
}

impl<W: Write> Sink for Framed<W> {
    fn record(&mut self, record: &str, place: &Place, reporter: &mut Reporter) -> Result<()> {
        self.bytes.clear();
        match self.render.render(record, &mut self.bytes) {
            Ok(()) => self.writer.record(&self.bytes),
            Err(bad) => reporter.bad(place, bad),
        }
    }

    fn flush(&mut self) -> Result<()> {
        self.writer.flush()
    }

    fn finish(&mut self, _: &mut Reporter) -> Result<()> {
        self.writer.finish()
    }
}
