//! Picks how the chosen format is produced: the one place that knows every format. The
//! runner asks it for an [`Output`]; formats whose records stand alone come back as a
//! renderer and its frame (for any number of threads), the others as the settings of a
//! sink that sees the records together on one thread.

use std::io::Write;

use aad_common::Result;

use crate::cli::{Format, TimeStyle};
use crate::columns::Columns;
use crate::csv_out::{self, CsvRender, CsvSink};
use crate::flatten::Discover;
use crate::json_out::{self, JsonRender};
use crate::render::{Frame, Render};
use crate::select::Select;
use crate::settings::Settings;
use crate::siem::{self, SiemRender, Target};
use crate::sink::{Framed, Sink};
use crate::table_out::{TableSink, TableStyle};
use crate::text_out::{self, TextRender};
use crate::xml_out::{self, XmlRender};

/// How the chosen format is produced.
pub(crate) enum Output {
    /// Each record on its own: rendered on any thread, framed in order.
    Records(Box<dyn Render>, Frame),
    /// csv or tsv without `--fields`: the columns are found over a read-ahead.
    KeyedCsv {
        delimiter: u8,
        strict: bool,
        header: bool,
        excel: bool,
        time: TimeStyle,
    },
    /// table: every row first, then the widths.
    Table { columns: Columns, style: TableStyle },
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
        let table = |columns| Output::Table {
            columns,
            style: TableStyle {
                header: settings.header,
                max_width: settings.max_width,
                width: settings.table_width,
                time: settings.time,
                presets: settings.auto_preset,
                by_time: settings.sort.is_empty(),
            },
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
                let render = CsvRender::new(select, delimiter, settings.excel, settings.time);
                Output::Records(Box::new(render), frame)
            }
            (Format::Csv | Format::Tsv, None) => Output::KeyedCsv {
                delimiter,
                strict: settings.strict_fields,
                header: settings.header,
                excel: settings.excel,
                time: settings.time,
            },
            (Format::Xml, select) => Output::Records(
                Box::new(XmlRender::new(&settings.item, select)),
                xml_out::frame(&settings.root)?,
            ),
            (Format::Text, select) => {
                let render = TextRender::new(select, settings.auto_preset, settings.time);
                Output::Records(Box::new(render), text_out::frame())
            }
            (Format::Ecs | Format::Ocsf | Format::AzureMonitor, _) => {
                let target = match settings.format {
                    Format::Ecs => Target::Ecs,
                    Format::Ocsf => Target::Ocsf,
                    _ => Target::AzureMonitor,
                };
                let render = SiemRender::new(target, settings.tenant_id.clone());
                Output::Records(Box::new(render), siem::frame())
            }
            (Format::Table, Some(select)) => table(Columns::Fields(select)),
            (Format::Table, None) => table(Columns::Keys(Discover::new(false))),
        })
    }

    /// Builds the output as a sink on the calling thread, writing to `out` (a frame's
    /// head is written at once), and hands it to `feed`. Each kind of sink is built
    /// and fed in its own arm, so that the compiler can see which one it is.
    pub(crate) fn feed<W: Write>(
        self,
        out: W,
        feed: impl FnOnce(&mut dyn Sink) -> Result<()>,
    ) -> Result<()> {
        match self {
            Output::Records(render, frame) => feed(&mut Framed::new(render, frame, out)?),
            Output::KeyedCsv {
                delimiter,
                strict,
                header,
                excel,
                time,
            } => feed(&mut CsvSink::new(
                out, delimiter, strict, header, excel, time,
            )),
            Output::Table { columns, style } => feed(&mut TableSink::new(out, columns, style)),
        }
    }
}
