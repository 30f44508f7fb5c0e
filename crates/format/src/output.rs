//! The output formats: what each one needs, and the columns they share.

use aad_common::Result;

use crate::bad_input::{Bad, Place, Reporter};
use crate::cli::Format;
use crate::csv_out::{self, CsvRender};
use crate::flatten::Discover;
use crate::json_out::{self, JsonRender};
use crate::render::{Frame, Render};
use crate::select::{Cells, Select};
use crate::settings::Settings;
use crate::text_out::{self, TextRender};
use crate::xml_out::{self, XmlRender};

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

/// How the chosen format is produced.
pub(crate) enum Output {
    /// Each record on its own: rendered on any thread, framed in order.
    Records(Box<dyn Render>, Frame),
    /// csv or tsv without `--fields`: columns found over a read-ahead.
    KeyedCsv { delimiter: u8 },
    /// table: every row first, then the widths.
    Table(Columns),
}

impl Output {
    /// The output for `settings`.
    pub(crate) fn of(settings: &Settings) -> Result<Output> {
        let select = settings.columns.as_deref().map(Select::new);
        let delimiter = if settings.format == Format::Tsv {
            b'\t'
        } else {
            b','
        };
        Ok(match (settings.format, select) {
            (Format::Json | Format::Ndjson, select) => {
                let array = settings.format == Format::Json;
                let render = JsonRender::new(!array, settings.pretty, select);
                Output::Records(Box::new(render), json_out::frame(array))
            }
            (Format::Csv | Format::Tsv, Some(select)) => {
                let frame =
                    csv_out::frame(delimiter, select.names(), settings.header, settings.excel);
                let render = CsvRender::new(select, delimiter, settings.excel);
                Output::Records(Box::new(render), frame)
            }
            (Format::Csv | Format::Tsv, None) => Output::KeyedCsv { delimiter },
            (Format::Xml, select) => Output::Records(
                Box::new(XmlRender::new(&settings.item, select)),
                xml_out::frame(&settings.root)?,
            ),
            (Format::Text, select) => {
                Output::Records(Box::new(TextRender::new(select)), text_out::frame())
            }
            (Format::Table, Some(select)) => Output::Table(Columns::Fields(select)),
            (Format::Table, None) => Output::Table(Columns::Keys(Discover::new(false))),
        })
    }
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
        reporter: &Reporter,
        cells: &mut Cells<'de>,
    ) -> Result<(), Bad> {
        match self {
            Columns::Fields(select) => select.cells(record, cells),
            Columns::Keys(discover) => discover.cells(record, place, reporter, cells),
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
