//! The formats whose records need nothing from each other (json, ndjson, xml, text, and
//! csv and tsv with `--fields`) are split in two: a [`Render`] turns one record into
//! bytes and can run on any thread; a [`Frame`] says what goes before, between and
//! after the records, and is written in input order by one thread ([`FrameWriter`]).
//! `sink::Framed` runs the two on the calling thread; `parallel` runs renderers on
//! several. The renderers implement [`Render`]; this module knows none of them.

use std::io::Write;

use aad_common::{Error, Result};

use crate::bad_input::Bad;

/// Turns one record into output bytes; `Send` because `parallel` forks one per worker.
pub(crate) trait Render: Send {
    /// Appends the output for `record` (its JSON text) to `out`; on bad input nothing
    /// is appended and the reason is returned.
    fn render(&mut self, record: &str, out: &mut Vec<u8>) -> Result<(), Bad>;

    /// A renderer for another thread.
    fn fork(&self) -> Box<dyn Render>;
}

/// The bytes around and between the records of one document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Frame {
    /// Always first (an XML declaration, a CSV header).
    pub(crate) head: Vec<u8>,
    /// Before the first record (`[` of a JSON array).
    pub(crate) open: &'static [u8],
    /// Between two records.
    pub(crate) between: &'static [u8],
    /// After the last record (`]` of a JSON array).
    pub(crate) close: &'static [u8],
    /// Instead of `open` and `close` when there were no records (`[]`).
    pub(crate) empty: &'static [u8],
    /// Always last (the end of the XML root element).
    pub(crate) tail: Vec<u8>,
}

/// Writes records through a [`Frame`], in order, counting them.
#[derive(Debug)]
pub(crate) struct FrameWriter<W: Write> {
    out: W,
    frame: Frame,
    written: u64,
}

impl<W: Write> FrameWriter<W> {
    /// Writes the head of `frame` to `out`.
    pub(crate) fn new(mut out: W, frame: Frame) -> Result<FrameWriter<W>> {
        out.write_all(&frame.head).map_err(Error::stdout)?;
        Ok(FrameWriter {
            out,
            frame,
            written: 0,
        })
    }

    /// Writes one rendered record, after `open` or `between`.
    pub(crate) fn record(&mut self, bytes: &[u8]) -> Result<()> {
        let before = if self.written == 0 {
            self.frame.open
        } else {
            self.frame.between
        };
        self.out.write_all(before).map_err(Error::stdout)?;
        self.out.write_all(bytes).map_err(Error::stdout)?;
        self.written += 1;
        Ok(())
    }

    /// Pushes what is buffered to the output: the input may block, and what was
    /// written should reach the reader now.
    pub(crate) fn flush(&mut self) -> Result<()> {
        self.out.flush().map_err(Error::stdout)
    }

    /// Writes the end of the document and flushes.
    pub(crate) fn finish(&mut self) -> Result<()> {
        let close = if self.written == 0 {
            self.frame.empty
        } else {
            self.frame.close
        };
        self.out.write_all(close).map_err(Error::stdout)?;
        self.out
            .write_all(&self.frame.tail)
            .map_err(Error::stdout)?;
        self.flush()
    }
}

/// The document `render` and `frame` make of `records`, all of them good.
#[cfg(test)]
pub(crate) fn render_all(render: &mut dyn Render, frame: Frame, records: &[&str]) -> String {
    let mut out = Vec::new();
    let mut writer = FrameWriter::new(&mut out, frame).unwrap();
    for record in records {
        let mut bytes = Vec::new();
        render.render(record, &mut bytes).unwrap();
        writer.record(&bytes).unwrap();
    }
    writer.finish().unwrap();
    String::from_utf8(out).unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_frame_goes_around_and_between_records() {
        let frame = Frame {
            head: b"H".to_vec(),
            open: b"[",
            between: b",",
            close: b"]",
            empty: b"[]",
            tail: b"T".to_vec(),
        };
        let mut out = Vec::new();
        let mut writer = FrameWriter::new(&mut out, frame.clone()).unwrap();
        writer.record(b"a").unwrap();
        writer.record(b"b").unwrap();
        writer.finish().unwrap();
        assert_eq!(out, b"H[a,b]T");
        let mut out = Vec::new();
        FrameWriter::new(&mut out, frame).unwrap().finish().unwrap();
        assert_eq!(out, b"H[]T");
    }
}
