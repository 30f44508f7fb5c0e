//! Input lines: read in large blocks into one reused buffer and handed out as slices of
//! it, with their line numbers, the CR of CRLF and a leading UTF-8 byte-order mark
//! removed. A line longer than the limit is read past without being kept.

use std::io::{self, BufRead, Read};
use std::path::Path;
use std::sync::Arc;

use aad_common::{Error, Result};

/// Initial buffer size; it grows (up to the line limit) only for longer lines.
const INITIAL_BUFFER: usize = 128 * 1024;

/// The UTF-8 byte-order mark, which Windows editors put at the start of a file.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Bytes a line may carry beyond the limit that are not counted: a BOM and a CR.
const SLACK: usize = BOM.len() + 1;

/// What the reader hands out for each line: its bytes, or only that it was too long.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Line<'a> {
    /// The line's bytes, without line end or byte-order mark.
    Text {
        bytes: &'a [u8],
        /// 1-based line number.
        number: u64,
        /// 1-based byte column of `bytes[0]` (4 after a byte-order mark).
        column: usize,
    },
    /// A line longer than the limit; its bytes were dropped.
    TooLong { number: u64 },
}

/// Reads lines into one reused buffer, so that a line costs no allocation.
pub(crate) struct LineReader<R> {
    inner: R,
    /// The input as messages name it.
    name: Arc<str>,
    buf: Vec<u8>,
    /// Start of the first line not yet handed out.
    start: usize,
    /// Where the search for the next line end goes on (no `\n` in `start..scan`).
    scan: usize,
    /// End of the data read so far.
    end: usize,
    eof: bool,
    /// Number of the last line handed out.
    number: u64,
    max_line: usize,
    /// The last line handed out was too long and its rest is still to be read past
    /// (only when the caller asks for the next line: a line that never ends, such as
    /// /dev/zero, must not keep the run from stopping at it).
    skipping: bool,
}

impl LineReader<Box<dyn BufRead>> {
    /// Opens the input `name` (`-` is stdin) and refuses lines longer than `max_line`.
    pub(crate) fn open(name: &str, max_line: usize) -> Result<Self> {
        let shown = if name == "-" { "<stdin>" } else { name };
        Ok(LineReader::new(
            aad_common::io::open_input(name)?,
            shown,
            max_line,
        ))
    }
}

impl<R: Read> LineReader<R> {
    /// A reader of `inner` (named `name` in messages) that refuses lines longer than
    /// `max_line` bytes.
    pub(crate) fn new(inner: R, name: &str, max_line: usize) -> LineReader<R> {
        LineReader {
            inner,
            name: name.into(),
            buf: vec![0; INITIAL_BUFFER.min(max_line.saturating_add(1)).max(4096)],
            start: 0,
            scan: 0,
            end: 0,
            eof: false,
            number: 0,
            max_line,
            skipping: false,
        }
    }

    /// The input as messages name it: the file as given, or `<stdin>`.
    pub(crate) fn name(&self) -> &Arc<str> {
        &self.name
    }

    /// The next line, or `None` at the end. `before_wait` runs before each read from
    /// the input, which may block: the caller flushes its output there, so that a slow
    /// producer's records reach the reader without waiting for a full buffer.
    pub(crate) fn next_line(
        &mut self,
        before_wait: &mut dyn FnMut() -> Result<()>,
    ) -> Result<Option<Line<'_>>> {
        if self.skipping {
            self.skipping = false;
            self.skip_rest_of_line(before_wait)?;
        }
        loop {
            if let Some(n) = memchr::memchr(b'\n', &self.buf[self.scan..self.end]) {
                let (start, end) = (self.start, self.scan + n);
                self.start = end + 1;
                self.scan = self.start;
                return Ok(Some(self.line(start, end)));
            }
            self.scan = self.end;
            if self.eof {
                if self.start == self.end {
                    return Ok(None);
                }
                let (start, end) = (self.start, self.end);
                self.start = end;
                return Ok(Some(self.line(start, end)));
            }
            if self.end - self.start > self.max_line.saturating_add(SLACK) {
                self.skipping = true;
                self.number += 1;
                return Ok(Some(Line::TooLong {
                    number: self.number,
                }));
            }
            self.fill(before_wait)?;
        }
    }

    /// Hands out `start..end` as the next line.
    fn line(&mut self, start: usize, end: usize) -> Line<'_> {
        self.number += 1;
        let mut bytes = &self.buf[start..end];
        if let Some(rest) = bytes.strip_suffix(b"\r") {
            bytes = rest;
        }
        let mut column = 1;
        if self.number == 1
            && let Some(rest) = bytes.strip_prefix(BOM)
        {
            bytes = rest;
            column += BOM.len();
        }
        if bytes.len() > self.max_line {
            return Line::TooLong {
                number: self.number,
            };
        }
        Line::Text {
            bytes,
            number: self.number,
            column,
        }
    }

    /// Moves the unfinished line to the front, grows the buffer if it is full, and reads.
    fn fill(&mut self, before_wait: &mut dyn FnMut() -> Result<()>) -> Result<()> {
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.scan -= self.start;
            self.start = 0;
        }
        if self.end == self.buf.len() {
            // The longest line kept, and one byte to find that it goes on.
            let most = self.max_line.saturating_add(SLACK + 1);
            let grown = self.buf.len().saturating_mul(2).min(most).max(self.end + 1);
            self.buf.resize(grown, 0);
        }
        before_wait()?;
        let read = self.read_some(self.end)?;
        self.end += read;
        self.eof = read == 0;
        Ok(())
    }

    /// Reads past the rest of an overlong line, keeping nothing of it.
    fn skip_rest_of_line(&mut self, before_wait: &mut dyn FnMut() -> Result<()>) -> Result<()> {
        self.start = 0;
        self.scan = 0;
        self.end = 0;
        loop {
            before_wait()?;
            let read = self.read_some(0)?;
            if read == 0 {
                self.eof = true;
                return Ok(());
            }
            if let Some(n) = memchr::memchr(b'\n', &self.buf[..read]) {
                self.start = n + 1;
                self.scan = self.start;
                self.end = read;
                return Ok(());
            }
        }
    }

    /// One read into `buf[at..]`, retried when interrupted; 0 at the end of the input.
    fn read_some(&mut self, at: usize) -> Result<usize> {
        loop {
            match self.inner.read(&mut self.buf[at..]) {
                Ok(n) => return Ok(n),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(Error::file("read", Path::new(&*self.name), e)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that hands out at most `chunk` bytes per read.
    struct Trickle<'a> {
        data: &'a [u8],
        chunk: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.chunk.min(buf.len()).min(self.data.len());
            buf[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    fn lines(data: &[u8], chunk: usize, max_line: usize) -> Vec<String> {
        let mut reader = LineReader::new(Trickle { data, chunk }, "t", max_line);
        let mut out = Vec::new();
        while let Some(line) = reader.next_line(&mut || Ok(())).unwrap() {
            out.push(match line {
                Line::Text {
                    bytes,
                    number,
                    column,
                } => format!("{number}:{column}:{}", String::from_utf8_lossy(bytes)),
                Line::TooLong { number } => format!("{number}:too long"),
            });
        }
        out
    }

    #[test]
    fn splits_lines_across_reads_of_any_size() {
        let data = b"{\"a\":1}\r\n\n{\"b\":2}\nlast";
        for chunk in [1, 2, 3, 7, 1000] {
            assert_eq!(
                lines(data, chunk, 100),
                ["1:1:{\"a\":1}", "2:1:", "3:1:{\"b\":2}", "4:1:last"],
                "chunk {chunk}"
            );
        }
    }

    #[test]
    fn a_byte_order_mark_is_dropped_from_the_first_line_only() {
        assert_eq!(
            lines(b"\xEF\xBB\xBFab\n\xEF\xBB\xBFcd\n", 2, 100),
            ["1:4:ab", "2:1:\u{feff}cd"]
        );
    }

    #[test]
    fn overlong_lines_are_reported_and_skipped() {
        let mut data = b"short\n".to_vec();
        data.extend(std::iter::repeat_n(b'x', 50_000));
        data.extend(b"\nafter\n");
        data.extend(std::iter::repeat_n(b'y', 300));
        for chunk in [1, 100, 4096, 1 << 20] {
            assert_eq!(
                lines(&data, chunk, 200),
                ["1:1:short", "2:too long", "3:1:after", "4:too long"],
                "chunk {chunk}"
            );
        }
    }

    /// Endless bytes without a line end, like /dev/zero.
    struct Zeros;

    impl Read for Zeros {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            buf.fill(0);
            Ok(buf.len())
        }
    }

    #[test]
    fn a_line_that_never_ends_is_too_long_at_the_limit() {
        let mut reader = LineReader::new(Zeros, "t", 100_000);
        assert_eq!(
            reader.next_line(&mut || Ok(())).unwrap(),
            Some(Line::TooLong { number: 1 })
        );
        assert!(reader.buf.len() <= 2 * 100_000 + 4096);
    }

    #[test]
    fn a_line_of_exactly_the_limit_is_accepted() {
        let line = "z".repeat(5000);
        let data = format!("{line}\r\n{line}");
        assert_eq!(
            lines(data.as_bytes(), 333, 5000),
            [format!("1:1:{line}"), format!("2:1:{line}")]
        );
    }

    #[test]
    fn memory_stays_near_the_limit() {
        let data = vec![b'x'; 10 << 20];
        let mut reader = LineReader::new(&data[..], "t", 64 * 1024);
        assert_eq!(
            reader.next_line(&mut || Ok(())).unwrap(),
            Some(Line::TooLong { number: 1 })
        );
        assert!(reader.buf.len() <= 128 * 1024);
        assert_eq!(reader.next_line(&mut || Ok(())).unwrap(), None);
    }

    #[test]
    fn before_wait_runs_before_reads() {
        let mut waits = 0;
        let mut reader = LineReader::new(
            Trickle {
                data: b"a\nb\n",
                chunk: 2,
            },
            "t",
            10,
        );
        while reader
            .next_line(&mut || {
                waits += 1;
                Ok(())
            })
            .unwrap()
            .is_some()
        {}
        assert!(waits >= 2);
    }
}
