//! CSV and TSV: RFC 4180 quoting by csv_core (the writer inside the csv crate), rows
//! built in memory. With `--fields` a record renders on its own ([`CsvRender`]); without
//! it the columns are found over a read-ahead first ([`CsvSink`]).

use std::io::Write;

use aad_common::{Error, Result};
use csv_core::{Terminator, WriteResult};

use crate::bad_input::{Bad, Place, Reporter};
use crate::cell::Row;
use crate::cli::TimeStyle;
use crate::columns::Columns;
use crate::flatten::{Discover, READ_AHEAD};
use crate::render::{Frame, Render};
use crate::select::{Cells, Select, recycle};
use crate::sink::Sink;

/// Bytes of records read ahead at most, whatever their number.
const READ_AHEAD_BYTES: usize = 8 << 20;

/// The UTF-8 byte-order mark `--excel` starts with: without it, spreadsheets read the
/// file in a legacy code page.
const BOM: &[u8] = "\u{feff}".as_bytes();

/// CSV rows appended to a byte vector.
#[derive(Debug, Clone)]
pub(crate) struct CsvEncoder {
    core: csv_core::Writer,
}

impl CsvEncoder {
    /// Rows with this delimiter, ending in CRLF (`crlf`) or LF.
    pub(crate) fn new(delimiter: u8, crlf: bool) -> CsvEncoder {
        let terminator = if crlf {
            Terminator::CRLF
        } else {
            Terminator::Any(b'\n')
        };
        CsvEncoder {
            core: csv_core::WriterBuilder::new()
                .delimiter(delimiter)
                .terminator(terminator)
                .build(),
        }
    }

    /// Appends the row of `cells` to `out`.
    pub(crate) fn row<'a>(&mut self, cells: impl Iterator<Item = &'a str>, out: &mut Vec<u8>) {
        for (i, cell) in cells.enumerate() {
            if i > 0 {
                emit(out, 8, |buf| self.core.delimiter(buf));
            }
            let mut input = cell.as_bytes();
            loop {
                // Room for the worst case: every byte a doubled quote, plus the quotes.
                let (result, read) =
                    emit_field(out, 2 + 2 * input.len(), |buf| self.core.field(input, buf));
                input = &input[read..];
                if result == WriteResult::InputEmpty {
                    break;
                }
            }
        }
        emit(out, 8, |buf| self.core.terminator(buf));
    }
}

/// Lets `write` fill up to `room` new bytes at the end of `out`.
fn emit(out: &mut Vec<u8>, room: usize, write: impl FnOnce(&mut [u8]) -> (WriteResult, usize)) {
    let start = out.len();
    out.resize(start + room, 0);
    let (_, written) = write(&mut out[start..]);
    out.truncate(start + written);
}

/// Like [`emit`] for `csv_core::Writer::field`, which also reports input read.
fn emit_field(
    out: &mut Vec<u8>,
    room: usize,
    write: impl FnOnce(&mut [u8]) -> (WriteResult, usize, usize),
) -> (WriteResult, usize) {
    let start = out.len();
    out.resize(start + room, 0);
    let (result, read, written) = write(&mut out[start..]);
    out.truncate(start + written);
    (result, read)
}

/// The header row of `names`, with the byte-order mark first under `--excel`.
fn header(encoder: &mut CsvEncoder, names: &[String], header: bool, excel: bool) -> Vec<u8> {
    let mut out = Vec::new();
    if excel {
        out.extend_from_slice(BOM);
    }
    if header && !names.is_empty() {
        let mut row = Row::default();
        for name in names {
            row.push_text(name, excel);
        }
        encoder.row(row.iter(), &mut out);
    }
    out
}

/// The frame of CSV or TSV with known columns: the header (and mark) first.
pub(crate) fn frame(delimiter: u8, names: &[String], with_header: bool, excel: bool) -> Frame {
    let mut encoder = CsvEncoder::new(delimiter, excel);
    Frame {
        head: header(&mut encoder, names, with_header, excel),
        ..Frame::default()
    }
}

/// Renders the `--fields` columns of a record as one row.
#[derive(Clone)]
pub(crate) struct CsvRender {
    select: Select,
    encoder: CsvEncoder,
    excel: bool,
    time: TimeStyle,
    row: Row,
    spare: Cells<'static>,
}

impl CsvRender {
    /// Rows of the `select` columns with this delimiter; `excel` and `time` as `--excel`
    /// and `--time`.
    pub(crate) fn new(select: Select, delimiter: u8, excel: bool, time: TimeStyle) -> CsvRender {
        CsvRender {
            select,
            encoder: CsvEncoder::new(delimiter, excel),
            excel,
            time,
            row: Row::default(),
            spare: Vec::new(),
        }
    }
}

impl Render for CsvRender {
    fn render(&mut self, record: &str, out: &mut Vec<u8>) -> Result<(), Bad> {
        let mut cells = recycle(std::mem::take(&mut self.spare));
        let filled = self
            .select
            .cells(record, &mut cells)
            .and_then(|()| fill_row(&mut self.row, &cells, record, self.excel, self.time));
        self.spare = recycle(cells);
        filled?;
        self.encoder.row(self.row.iter(), out);
        Ok(())
    }

    fn fork(&self) -> Box<dyn Render> {
        Box::new(self.clone())
    }
}

/// The cells of `values` as a row.
fn fill_row(
    row: &mut Row,
    values: &Cells<'_>,
    record: &str,
    excel: bool,
    time: TimeStyle,
) -> Result<(), Bad> {
    row.clear();
    for value in values {
        row.push(*value, excel, time)
            .map_err(|_| Bad::string(value.map_or("", |v| v.get()), record))?;
    }
    Ok(())
}

/// CSV or TSV whose columns are the flattened keys of the first records.
pub(crate) struct CsvSink<W: Write> {
    out: W,
    columns: Columns,
    encoder: CsvEncoder,
    header: bool,
    excel: bool,
    time: TimeStyle,
    /// Records held while the columns are being found, with their size in bytes; `None`
    /// once the header is written.
    ahead: Option<(Vec<(String, Place)>, usize)>,
    row: Row,
    bytes: Vec<u8>,
    spare: Cells<'static>,
}

impl<W: Write> CsvSink<W> {
    /// A sink with this delimiter; `strict` is `--strict-fields`.
    pub(crate) fn new(
        out: W,
        delimiter: u8,
        strict: bool,
        header: bool,
        excel: bool,
        time: TimeStyle,
    ) -> CsvSink<W> {
        CsvSink {
            out,
            columns: Columns::Keys(Discover::new(strict)),
            encoder: CsvEncoder::new(delimiter, excel),
            header,
            excel,
            time,
            ahead: Some((Vec::new(), 0)),
            row: Row::default(),
            bytes: Vec::new(),
            spare: Vec::new(),
        }
    }

    /// Fixes the columns, writes the header and the records held back.
    fn end_read_ahead(&mut self, reporter: &mut Reporter) -> Result<()> {
        let Some((records, _)) = self.ahead.take() else {
            return Ok(());
        };
        self.columns.freeze();
        let head = header(
            &mut self.encoder,
            self.columns.names(),
            self.header,
            self.excel,
        );
        self.out.write_all(&head).map_err(Error::stdout)?;
        for (record, place) in &records {
            self.write_row(record, place, reporter)?;
        }
        Ok(())
    }

    fn write_row(&mut self, record: &str, place: &Place, reporter: &mut Reporter) -> Result<()> {
        if self.columns.names().is_empty() {
            // Records without keys: no columns, no rows (not rows of one empty cell).
            return Ok(());
        }
        let mut cells = recycle(std::mem::take(&mut self.spare));
        let filled = self
            .columns
            .cells(record, place, reporter, &mut cells)
            .and_then(|()| fill_row(&mut self.row, &cells, record, self.excel, self.time));
        self.spare = recycle(cells);
        if let Err(bad) = filled {
            return reporter.bad(place, bad);
        }
        self.bytes.clear();
        self.encoder.row(self.row.iter(), &mut self.bytes);
        self.out.write_all(&self.bytes).map_err(Error::stdout)
    }
}

impl<W: Write> Sink for CsvSink<W> {
    fn record(&mut self, record: &str, place: &Place, reporter: &mut Reporter) -> Result<()> {
        let Some((records, bytes)) = &mut self.ahead else {
            return self.write_row(record, place, reporter);
        };
        // Learn the record's keys now; write it once all columns are known.
        let mut cells = recycle(std::mem::take(&mut self.spare));
        let learned = self.columns.cells(record, place, reporter, &mut cells);
        self.spare = recycle(cells);
        if let Err(bad) = learned {
            return reporter.bad(place, bad);
        }
        records.push((record.to_string(), place.clone()));
        *bytes += record.len();
        if records.len() >= READ_AHEAD || *bytes >= READ_AHEAD_BYTES {
            self.end_read_ahead(reporter)?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        self.out.flush().map_err(Error::stdout)
    }

    fn finish(&mut self, reporter: &mut Reporter) -> Result<()> {
        self.end_read_ahead(reporter)?;
        self.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fields;
    use crate::render::render_all;

    fn place(line: u64) -> Place {
        Place {
            file: "t".into(),
            line,
            column: 1,
        }
    }

    fn with_fields(list: &str, excel: bool, records: &[&str]) -> String {
        let select = Select::new(&fields::parse(list).unwrap());
        let frame = frame(b',', select.names(), true, excel);
        render_all(
            &mut CsvRender::new(select, b',', excel, TimeStyle::Utc),
            frame,
            records,
        )
    }

    fn with_keys(records: &[&str]) -> String {
        let mut out = Vec::new();
        let mut reporter = Reporter::new(false, true);
        let mut sink = CsvSink::new(&mut out, b',', false, true, false, TimeStyle::Utc);
        for (i, record) in records.iter().enumerate() {
            sink.record(record, &place(i as u64 + 1), &mut reporter)
                .unwrap();
        }
        sink.finish(&mut reporter).unwrap();
        drop(sink);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn the_encoder_quotes_what_rfc_4180_needs() {
        let mut encoder = CsvEncoder::new(b',', false);
        let mut out = Vec::new();
        encoder.row(
            ["plain", "a,b", "q\"q", "line\nbreak", "cr\r", ""].into_iter(),
            &mut out,
        );
        encoder.row([""].into_iter(), &mut out);
        encoder.row(["x".repeat(100_000).as_str()].into_iter(), &mut out);
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("plain,\"a,b\",\"q\"\"q\",\"line\nbreak\",\"cr\r\",\n\"\"\nxxx"));
        let mut tsv = CsvEncoder::new(b'\t', true);
        let mut out = Vec::new();
        tsv.row(["a\tb", "c,d"].into_iter(), &mut out);
        assert_eq!(out, b"\"a\tb\"\tc,d\r\n");
    }

    #[test]
    fn fields_give_the_header_at_once() {
        assert_eq!(with_fields("a,n=b.c", false, &[]), "a,n\n");
        assert_eq!(
            with_fields(
                "a,n=b.c",
                false,
                &[r#"{"a":"x,y","b":{"c":null}}"#, r#"{"a":"q\"\n"}"#]
            ),
            "a,n\n\"x,y\",\n\"q\"\"\n\",\n"
        );
    }

    #[test]
    fn keys_are_found_over_the_read_ahead() {
        assert_eq!(
            with_keys(&[r#"{"a":1}"#, r#"{"b":[1,2],"a":2}"#]),
            "a,b\n1,\n2,\"[1,2]\"\n"
        );
        assert_eq!(with_keys(&[]), "");
        assert_eq!(with_keys(&["{}", "{\"e\":{}}"]), "e\n\"\"\n{}\n");
        assert_eq!(with_keys(&["{}", "{}"]), "");
    }

    #[test]
    fn excel_adds_a_mark_crlf_and_guards_formulas() {
        assert_eq!(
            with_fields(r"\=a", true, &[r#"{"=a":"=1+1"}"#]),
            "\u{feff}'=a\r\n'=1+1\r\n"
        );
    }
}
