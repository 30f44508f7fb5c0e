//! Table: aligned columns for a terminal. It has to see every cell before it can write
//! the first line, so it keeps all rows in memory (the one format that does); cells are
//! cut to `--max-width` terminal columns.

use std::io::Write;

use aad_common::{Error, Result};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use crate::bad_input::{Bad, Place, Reporter};
use crate::cell::{push_cell, push_visible};
use crate::columns::Columns;
use crate::select::{Cells, recycle};
use crate::sink::Sink;

/// Space between two columns.
const GAP: &str = "  ";

/// Collects rows and writes them aligned at the end.
pub(crate) struct TableSink<W: Write> {
    out: W,
    columns: Columns,
    header: bool,
    max_width: usize,
    rows: Vec<Vec<String>>,
    cell: String,
    spare: Cells<'static>,
}

impl<W: Write> TableSink<W> {
    /// A table of `columns`, cells cut to `max_width` (at least 1) terminal columns.
    pub(crate) fn new(out: W, columns: Columns, header: bool, max_width: usize) -> TableSink<W> {
        TableSink {
            out,
            columns,
            header,
            max_width: max_width.max(1),
            rows: Vec::new(),
            cell: String::new(),
            spare: Vec::new(),
        }
    }

    fn row(
        &mut self,
        record: &str,
        place: &Place,
        reporter: &Reporter,
    ) -> Result<Vec<String>, Bad> {
        let mut cells = recycle(std::mem::take(&mut self.spare));
        let row = self.fill(record, place, reporter, &mut cells);
        self.spare = recycle(cells);
        row
    }

    fn fill<'de>(
        &mut self,
        record: &'de str,
        place: &Place,
        reporter: &Reporter,
        cells: &mut Cells<'de>,
    ) -> Result<Vec<String>, Bad> {
        self.columns.cells(record, place, reporter, cells)?;
        let mut row = Vec::with_capacity(cells.len());
        for value in cells.iter() {
            self.cell.clear();
            push_cell(*value, &mut self.cell)
                .map_err(|_| Bad::string(value.map_or("", |v| v.get()), record))?;
            row.push(fit(&self.cell, self.max_width));
        }
        Ok(row)
    }
}

/// `text` made visible and cut to `width` terminal columns (ending in `…` when cut).
fn fit(text: &str, width: usize) -> String {
    let mut visible = String::with_capacity(text.len());
    push_visible(text, &mut visible);
    if visible.width() <= width {
        return visible;
    }
    let mut out = String::new();
    let mut used = 0;
    for c in visible.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > width - 1 {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    out
}

impl<W: Write> Sink for TableSink<W> {
    fn record(&mut self, record: &str, place: &Place, reporter: &mut Reporter) -> Result<()> {
        match self.row(record, place, reporter) {
            Ok(row) => {
                self.rows.push(row);
                Ok(())
            }
            Err(bad) => reporter.bad(place, bad),
        }
    }

    fn flush(&mut self) -> Result<()> {
        Ok(())
    }

    fn finish(&mut self, _: &mut Reporter) -> Result<()> {
        if self.columns.names().is_empty() {
            return Ok(());
        }
        let names: Vec<String> = self
            .columns
            .names()
            .iter()
            .map(|name| fit(name, self.max_width))
            .collect();
        let header = self.header.then_some(&names);
        let mut widths = vec![0; names.len()];
        for row in header.into_iter().chain(&self.rows) {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.width());
            }
        }
        let mut line = String::new();
        for row in header.into_iter().chain(&self.rows) {
            line.clear();
            for (i, width) in widths.iter().enumerate() {
                let cell = row.get(i).map_or("", String::as_str);
                line.push_str(cell);
                if i + 1 < widths.len() {
                    line.extend(std::iter::repeat_n(' ', width - cell.width()));
                    line.push_str(GAP);
                }
            }
            let line = line.trim_end_matches(' ');
            self.out.write_all(line.as_bytes()).map_err(Error::stdout)?;
            self.out.write_all(b"\n").map_err(Error::stdout)?;
        }
        self.out.flush().map_err(Error::stdout)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fields;
    use crate::flatten::Discover;
    use crate::select::Select;

    fn run(columns: Columns, max_width: usize, records: &[&str]) -> String {
        let mut out = Vec::new();
        let mut reporter = Reporter::new(false, true);
        let mut sink = TableSink::new(&mut out, columns, true, max_width);
        let place = Place {
            file: "t".into(),
            line: 1,
            column: 1,
        };
        for record in records {
            sink.record(record, &place, &mut reporter).unwrap();
        }
        sink.finish(&mut reporter).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn columns_align_by_terminal_width() {
        let table = run(
            Columns::Keys(Discover::new(false)),
            40,
            &[
                r#"{"name":"日本","n":1}"#,
                r#"{"name":"abcdef","x":"late"}"#,
            ],
        );
        assert_eq!(table, "name    n  x\n日本    1\nabcdef     late\n");
    }

    #[test]
    fn long_cells_are_cut() {
        let select = Select::new(&fields::parse("a").unwrap());
        let table = run(
            Columns::Fields(select),
            5,
            &[r#"{"a":"abcdefgh"}"#, r#"{"a":"日本語です"}"#],
        );
        assert_eq!(table, "a\nabcd…\n日本…\n");
    }

    #[test]
    fn control_characters_are_shown_escaped() {
        assert_eq!(fit("a\u{1b}[2J\nb", 40), "a\\u{1b}[2J\\nb");
    }
}
