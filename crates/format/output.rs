//! The output formats behind one interface, and the columns they share.

use std::io::Write;

use aad_common::Result;

use crate::cli::Format;
use crate::csv_out::CsvSink;
use crate::fault::{Bad, Faults, Place};
use crate::flatten::Discover;
use crate::json_out::JsonSink;
use crate::select::{Cells, Select};
use crate::settings::Settings;
use crate::table_out::TableSink;
use crate::text_out::TextSink;
use crate::xml_out::XmlSink;

/// One output format, fed record by record.
pub(crate) trait Sink {
    /// Writes one record, given as its JSON text (a whole line, or an element of a
    /// page). Bad records go to `faults`; the error is a write failure or the end of
    /// the run.
    fn record(&mut self, record: &str, place: &Place, faults: &mut Faults) -> Result<()>;

    /// Pushes what is buffered to the output (the input is about to block).
    fn flush(&mut self) -> Result<()>;

    /// Writes what ends the document (and anything held back), then flushes.
    fn finish(&mut self, faults: &mut Faults) -> Result<()>;
}

/// The sink for `settings`, writing to `out`.
pub(crate) fn open<'a, W: Write + 'a>(settings: &Settings, out: W) -> Result<Box<dyn Sink + 'a>> {
    let select = settings.columns.as_deref().map(Select::new);
    let columns = |select: Option<Select>, strict| match select {
        Some(select) => Columns::Fields(select),
        None => Columns::Keys(Discover::new(strict)),
    };
    Ok(match settings.format {
        Format::Json | Format::Ndjson => Box::new(JsonSink::new(
            out,
            settings.format == Format::Json,
            settings.pretty,
            select,
        )),
        Format::Csv | Format::Tsv => Box::new(CsvSink::new(
            out,
            if settings.format == Format::Csv {
                b','
            } else {
                b'\t'
            },
            columns(select, settings.strict_fields),
            settings.header,
            settings.excel,
        )?),
        Format::Xml => Box::new(XmlSink::new(out, &settings.root, &settings.item, select)?),
        Format::Text => Box::new(TextSink::new(out, select)),
        Format::Table => Box::new(TableSink::new(
            out,
            columns(select, false),
            settings.header,
            settings.max_width,
        )),
    })
}

/// Where the columns of csv, tsv and table come from.
#[derive(Debug)]
pub(crate) enum Columns {
    /// `--fields`.
    Fields(Select),
    /// The flattened keys of the records.
    Keys(Discover),
}

impl Columns {
    /// The column names so far.
    pub(crate) fn names(&self) -> &[String] {
        match self {
            Columns::Fields(select) => select.names(),
            Columns::Keys(discover) => discover.names(),
        }
    }

    /// Fills `cells` from the record at `place`.
    pub(crate) fn cells<'de>(
        &mut self,
        record: &'de str,
        place: &Place,
        faults: &Faults,
        cells: &mut Cells<'de>,
    ) -> Result<(), Bad> {
        match self {
            Columns::Fields(select) => select.cells(record, cells),
            Columns::Keys(discover) => discover.cells(record, place, faults, cells),
        }
    }

    /// Fixes the columns found so far (after the read-ahead).
    pub(crate) fn freeze(&mut self) {
        if let Columns::Keys(discover) = self {
            discover.freeze();
        }
    }
}

/// An empty [`Cells`] for the next record that reuses the memory of `cells`.
pub(crate) fn recycle<'a>(mut cells: Cells<'_>) -> Cells<'a> {
    cells.clear();
    // Collecting a mapped `vec::IntoIter` into a vector of the same layout reuses its
    // allocation; only the lifetime of the (now absent) references changes.
    cells.into_iter().map(|_| None).collect()
}
