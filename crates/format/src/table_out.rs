//! Table: aligned columns for a terminal. It has to see every cell before it can write
//! the first line, so it keeps all rows in memory (the one format that does); cells are
//! cut to `--max-width` terminal columns, and when stdout is a terminal the widest
//! columns are cut further until a row fits its width.
//!
//! Without `--fields` the first record decides the columns: a known report shape gets
//! its preset (and, without `--sort`, rows oldest first by the preset's time), any other
//! record all flattened keys.

use std::io::Write;

use aad_common::{Error, Result};
use unicode_width::UnicodeWidthStr;

use crate::bad_input::{Bad, Place, Reporter};
use crate::cell::push_cell;
use crate::cli::TimeStyle;
use crate::columns::Columns;
use crate::fields;
use crate::flatten::Discover;
use crate::presets::recognise;
use crate::select::{Cells, Select, recycle};
use crate::sink::Sink;
use crate::table_fit::{cut, fit, shrink};
use crate::times::{Instant, instant};

/// Space between two columns.
const GAP: &str = "  ";

/// How the table is laid out.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TableStyle {
    pub(crate) header: bool,
    /// `--max-width` (`usize::MAX` for no limit).
    pub(crate) max_width: usize,
    /// The terminal's width, when stdout is a terminal.
    pub(crate) width: Option<usize>,
    pub(crate) time: TimeStyle,
    /// Without `--fields`, a record of a known shape picks the preset's columns; and,
    /// with `by_time`, rows are sorted by the preset's time.
    pub(crate) presets: bool,
    pub(crate) by_time: bool,
}

/// Collects rows and writes them aligned at the end.
pub(crate) struct TableSink<W: Write> {
    out: W,
    /// `None` until the first record when presets may apply.
    columns: Option<Columns>,
    style: TableStyle,
    rows: Vec<Vec<String>>,
    /// The instant of each row's first column, when rows are sorted by time.
    times: Option<Vec<Option<Instant>>>,
    cell: String,
    spare: Cells<'static>,
}

impl<W: Write> TableSink<W> {
    /// A table of `columns`, or with `style.presets` of the columns the first record
    /// calls for.
    pub(crate) fn new(out: W, columns: Columns, style: TableStyle) -> TableSink<W> {
        let decided = !(style.presets && matches!(columns, Columns::Keys(_)));
        TableSink {
            out,
            columns: decided.then_some(columns),
            style,
            rows: Vec::new(),
            times: None,
            cell: String::new(),
            spare: Vec::new(),
        }
    }

    /// The columns for the first record: its shape's preset, or all keys.
    fn decide(&mut self, record: &str) -> &mut Columns {
        self.columns.get_or_insert_with(|| {
            let preset = recognise(record).and_then(|shape| fields::parse(shape.columns).ok());
            match preset {
                Some(columns) => {
                    if self.style.by_time {
                        self.times = Some(Vec::new());
                    }
                    Columns::Fields(Select::new(&columns))
                }
                None => Columns::Keys(Discover::new(false)),
            }
        })
    }

    fn row(
        &mut self,
        record: &str,
        place: &Place,
        reporter: &Reporter,
    ) -> Result<(Vec<String>, Option<Instant>), Bad> {
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
    ) -> Result<(Vec<String>, Option<Instant>), Bad> {
        self.decide(record).cells(record, place, reporter, cells)?;
        let mut row = Vec::with_capacity(cells.len());
        let mut first_time = None;
        for (i, value) in cells.iter().enumerate() {
            self.cell.clear();
            push_cell(*value, TimeStyle::Utc, &mut self.cell)
                .map_err(|_| Bad::string(value.map_or("", |v| v.get()), record))?;
            if i == 0 && self.times.is_some() {
                first_time = instant(&self.cell);
            }
            if let Some(styled) = crate::times::restyle(&self.cell, self.style.time) {
                self.cell = styled;
            }
            row.push(fit(&self.cell, self.style.max_width));
        }
        Ok((row, first_time))
    }
}

impl<W: Write> Sink for TableSink<W> {
    fn record(&mut self, record: &str, place: &Place, reporter: &mut Reporter) -> Result<()> {
        match self.row(record, place, reporter) {
            Ok((row, time)) => {
                self.rows.push(row);
                if let Some(times) = &mut self.times {
                    times.push(time);
                }
                Ok(())
            }
            Err(bad) => reporter.bad(place, bad),
        }
    }

    fn flush(&mut self) -> Result<()> {
        Ok(())
    }

    fn finish(&mut self, _: &mut Reporter) -> Result<()> {
        let Some(columns) = &self.columns else {
            return Ok(());
        };
        if columns.names().is_empty() {
            return Ok(());
        }
        if let Some(times) = self.times.take() {
            // Oldest first, rows without a time last; stable, so input order otherwise.
            let mut order: Vec<usize> = (0..self.rows.len()).collect();
            order.sort_by_key(|&i| (times[i].is_none(), times[i]));
            let mut rows: Vec<Option<Vec<String>>> = std::mem::take(&mut self.rows)
                .into_iter()
                .map(Some)
                .collect();
            self.rows = order.iter().filter_map(|&i| rows[i].take()).collect();
        }
        let names: Vec<String> = columns
            .names()
            .iter()
            .map(|name| fit(name, self.style.max_width))
            .collect();
        let mut header = self.style.header.then_some(names);
        let mut widths = vec![0; columns.names().len()];
        for row in header.iter().chain(&self.rows) {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.width());
            }
        }
        if let Some(total) = self.style.width {
            let natural = widths.clone();
            shrink(&mut widths, GAP.len(), total);
            if widths != natural {
                for row in header.iter_mut().chain(&mut self.rows) {
                    for (cell, width) in row.iter_mut().zip(&widths) {
                        if cell.width() > *width {
                            *cell = cut(std::mem::take(cell), *width);
                        }
                    }
                }
            }
        }
        let mut line = String::new();
        for row in header.iter().chain(&self.rows) {
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

    fn style(max_width: usize) -> TableStyle {
        TableStyle {
            header: true,
            max_width,
            width: None,
            time: TimeStyle::Utc,
            presets: false,
            by_time: false,
        }
    }

    fn run(columns: Columns, style: TableStyle, records: &[&str]) -> String {
        let mut out = Vec::new();
        let mut reporter = Reporter::new(false, true);
        let mut sink = TableSink::new(&mut out, columns, style);
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

    fn keys() -> Columns {
        Columns::Keys(Discover::new(false))
    }

    #[test]
    fn columns_align_by_terminal_width() {
        let table = run(
            keys(),
            style(40),
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
            style(5),
            &[r#"{"a":"abcdefgh"}"#, r#"{"a":"日本語です"}"#],
        );
        assert_eq!(table, "a\nabcd…\n日本…\n");
        let select = Select::new(&fields::parse("a").unwrap());
        let whole = "x".repeat(100);
        let record = format!(r#"{{"a":"{whole}"}}"#);
        let table = run(Columns::Fields(select), style(usize::MAX), &[&record]);
        assert_eq!(table, format!("a\n{whole}\n"));
    }

    #[test]
    fn the_widest_columns_are_cut_to_the_terminal() {
        let fitted = TableStyle {
            width: Some(20),
            ..style(40)
        };
        let table = run(
            keys(),
            fitted,
            &[r#"{"id":"1","text":"a long text that does not fit","n":"22"}"#],
        );
        assert_eq!(table, "id  text          n\n1   a long text…  22\n");
        assert!(table.lines().all(|l| l.width() <= 20));
    }

    #[test]
    fn known_shapes_get_their_preset_oldest_first() {
        let auto = TableStyle {
            presets: true,
            by_time: true,
            time: TimeStyle::Excel,
            ..style(40)
        };
        let records = [
            r#"{"activityDateTime":"2026-11-29T10:00:00Z","activityDisplayName":"b","initiatedBy":{"app":{"displayName":"sync"}},"result":"success"}"#,
            r#"{"activityDateTime":"2026-11-28T10:00:00.5Z","activityDisplayName":"a","initiatedBy":{"user":{"userPrincipalName":"u@x"}}}"#,
            r#"{"activityDisplayName":"c","initiatedBy":{}}"#,
        ];
        assert_eq!(
            run(keys(), auto, &records),
            "time                     activity  result   by    target  category\n\
             2026-11-28 10:00:00.500  a                  u@x\n\
             2026-11-29 10:00:00      b         success  sync\n\
             \x20                        c\n"
        );
        let other = run(keys(), auto, &[r#"{"x":1}"#]);
        assert_eq!(other, "x\n1\n");
    }
}
