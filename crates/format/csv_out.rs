//! CSV and TSV through the csv crate (RFC 4180 quoting), with the read-ahead that finds
//! the columns when `--fields` does not name them, and `--excel`.

use std::io::Write;

use aad_common::{Error, Result};

use crate::cell::Row;
use crate::fault::{Bad, Faults, Place};
use crate::flatten::READ_AHEAD;
use crate::output::{Columns, Sink, recycle};
use crate::select::Cells;

/// Bytes of records read ahead at most, whatever their number.
const READ_AHEAD_BYTES: usize = 8 << 20;

/// Writes rows of cells as CSV or TSV.
pub(crate) struct CsvSink<W: Write> {
    writer: csv::Writer<W>,
    columns: Columns,
    header: bool,
    excel: bool,
    /// Records held while the columns are being found, with their size in bytes; `None`
    /// once the header is written.
    ahead: Option<(Vec<(String, Place)>, usize)>,
    row: Row,
    spare: Cells<'static>,
}

impl<W: Write> CsvSink<W> {
    /// A sink with this delimiter; the header is written at once when the columns are
    /// known, and after the read-ahead otherwise.
    pub(crate) fn new(
        mut out: W,
        delimiter: u8,
        columns: Columns,
        header: bool,
        excel: bool,
    ) -> Result<CsvSink<W>> {
        let terminator = if excel {
            csv::Terminator::CRLF
        } else {
            csv::Terminator::Any(b'\n')
        };
        if excel {
            out.write_all("\u{feff}".as_bytes())
                .map_err(Error::stdout)?;
        }
        let writer = csv::WriterBuilder::new()
            .delimiter(delimiter)
            .terminator(terminator)
            .buffer_capacity(aad_common::io::BUFFER_SIZE)
            .from_writer(out);
        let ahead = matches!(columns, Columns::Keys(_)).then(|| (Vec::new(), 0));
        let mut sink = CsvSink {
            writer,
            columns,
            header,
            excel,
            ahead,
            row: Row::default(),
            spare: Vec::new(),
        };
        if sink.ahead.is_none() {
            sink.write_header()?;
        }
        Ok(sink)
    }

    fn write_header(&mut self) -> Result<()> {
        if !self.header || self.columns.names().is_empty() {
            return Ok(());
        }
        self.row.clear();
        for name in self.columns.names() {
            self.row.push_text(name, self.excel);
        }
        self.writer.write_record(self.row.iter()).map_err(csv_error)
    }

    /// Fixes the columns, writes the header and the records held back.
    fn end_read_ahead(&mut self, faults: &mut Faults) -> Result<()> {
        let Some((records, _)) = self.ahead.take() else {
            return Ok(());
        };
        self.columns.freeze();
        self.write_header()?;
        for (record, place) in &records {
            self.write_row(record, place, faults)?;
        }
        Ok(())
    }

    fn write_row(&mut self, record: &str, place: &Place, faults: &mut Faults) -> Result<()> {
        if self.columns.names().is_empty() {
            // Records without keys: no columns, no rows (not rows of one empty cell).
            return Ok(());
        }
        let mut cells = recycle(std::mem::take(&mut self.spare));
        match self.fill_row(record, place, faults, &mut cells) {
            Ok(()) => self
                .writer
                .write_record(self.row.iter())
                .map_err(csv_error)?,
            Err(bad) => faults.bad(place, bad)?,
        }
        self.spare = recycle(cells);
        Ok(())
    }

    fn fill_row<'de>(
        &mut self,
        record: &'de str,
        place: &Place,
        faults: &Faults,
        cells: &mut Cells<'de>,
    ) -> Result<(), Bad> {
        self.columns.cells(record, place, faults, cells)?;
        self.row.clear();
        for value in cells.iter() {
            self.row
                .push(*value, self.excel)
                .map_err(|_| Bad::string(value.map_or("", |v| v.get()), record))?;
        }
        Ok(())
    }
}

impl<W: Write> Sink for CsvSink<W> {
    fn record(&mut self, record: &str, place: &Place, faults: &mut Faults) -> Result<()> {
        let Some((records, bytes)) = &mut self.ahead else {
            return self.write_row(record, place, faults);
        };
        // Learn the record's keys now; write it once all columns are known.
        let mut cells = recycle(std::mem::take(&mut self.spare));
        let learned = self.columns.cells(record, place, faults, &mut cells);
        self.spare = recycle(cells);
        if let Err(bad) = learned {
            return faults.bad(place, bad);
        }
        records.push((record.to_string(), place.clone()));
        *bytes += record.len();
        if records.len() >= READ_AHEAD || *bytes >= READ_AHEAD_BYTES {
            self.end_read_ahead(faults)?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        self.writer.flush().map_err(Error::stdout)
    }

    fn finish(&mut self, faults: &mut Faults) -> Result<()> {
        self.end_read_ahead(faults)?;
        self.flush()
    }
}

/// A csv write error: only I/O errors can happen when writing.
fn csv_error(err: csv::Error) -> Error {
    match err.into_kind() {
        csv::ErrorKind::Io(err) => Error::stdout(err),
        other => Error::internal(format!("CSV writer: {other:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fields;
    use crate::flatten::Discover;
    use crate::select::Select;

    fn place(line: u64) -> Place {
        Place {
            file: "t".into(),
            line,
            column: 1,
        }
    }

    fn run(columns: Columns, excel: bool, records: &[&str]) -> String {
        let mut out = Vec::new();
        let mut faults = Faults::new(false, true);
        let mut sink = CsvSink::new(&mut out, b',', columns, true, excel).unwrap();
        for (i, record) in records.iter().enumerate() {
            sink.record(record, &place(i as u64 + 1), &mut faults)
                .unwrap();
        }
        sink.finish(&mut faults).unwrap();
        drop(sink);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn fields_give_the_header_at_once() {
        let select = Select::new(&fields::parse("a,n=b.c").unwrap());
        assert_eq!(run(Columns::Fields(select.clone()), false, &[]), "a,n\n");
        assert_eq!(
            run(
                Columns::Fields(select),
                false,
                &[r#"{"a":"x,y","b":{"c":null}}"#, r#"{"a":"q\"\n"}"#]
            ),
            "a,n\n\"x,y\",\n\"q\"\"\n\",\n"
        );
    }

    #[test]
    fn keys_are_found_over_the_read_ahead() {
        let keys = Columns::Keys(Discover::new(false));
        assert_eq!(
            run(keys, false, &[r#"{"a":1}"#, r#"{"b":[1,2],"a":2}"#]),
            "a,b\n1,\n2,\"[1,2]\"\n"
        );
        assert_eq!(run(Columns::Keys(Discover::new(false)), false, &[]), "");
        let empty = Columns::Keys(Discover::new(false));
        assert_eq!(run(empty, false, &["{}", "{\"e\":{}}"]), "e\n\"\"\n{}\n");
        assert_eq!(
            run(Columns::Keys(Discover::new(false)), false, &["{}", "{}"]),
            ""
        );
    }

    #[test]
    fn excel_adds_a_mark_crlf_and_guards_formulas() {
        let select = Select::new(&fields::parse(r"\=a").unwrap());
        assert_eq!(
            run(Columns::Fields(select), true, &[r#"{"=a":"=1+1"}"#]),
            "\u{feff}'=a\r\n'=1+1\r\n"
        );
    }
}
