//! aad-format: NDJSON audit and sign-in records (or whole Graph pages) to JSON, NDJSON,
//! CSV, TSV, XML, text or a table, streaming in constant memory (except the table), with
//! records copied byte for byte wherever the format allows.
//!
//! The library is the program: `main.rs` hands [`run`] to `aad_common::run_main`, and
//! the tests read [`cli`] to generate the man page. A run is parse ([`cli`]) → resolve
//! (`settings`) → act (`runner`): `output` picks how the format is produced, and
//! `sequential` or `parallel` feeds it the records of each input, those `--where`
//! (`filter`) keeps; `--sort` (`sorted`) holds them all on one thread first.
//!
//! | module | what |
//! |---|---|
//! | [`cli`] | the command line as typed, help, and (`cli::manual`) the man-page sections |
//! | `settings` | the command line resolved and checked: a pure `resolve(args, env)` |
//! | `runner` | the run: parse, resolve, pick the output, feed it on one thread or several |
//! | `output` | the factory that knows every format; only the runner uses it |
//! | `sequential` | all records through one `Sink` on the calling thread |
//! | `parallel` | renderers on several threads, output in input order, memory bounded |
//! | `input` | lines from a byte stream, line limit, byte-order mark |
//! | `page` | a line as one record or as a Graph page of records |
//! | `bad_input` | bad input lines and records: what, where, and whether the run goes on (`--skip-invalid`) |
//! | `raw` | raw JSON text: kinds, strings, entries, compact and pretty layout |
//! | `fields` | `--fields` parsing (paths, escapes, `a\|b` alternatives) and the tree of column paths |
//! | `presets` | the columns of each report shape (`@signins`, ...), and how a record's shape is recognised |
//! | `field_check` | the warning for a `--fields` path that finds nothing in the first records |
//! | `filter` | `--where`: the expression language and its evaluation |
//! | `sorted` | `--sort`: the sink that holds the records and hands them on in order |
//! | `times` | RFC 3339 times: instants to compare, `--time` styles |
//! | `select` | filling `--fields` columns in one pass over a record |
//! | `flatten` | dotted keys, and columns found from them |
//! | `columns` | the columns csv, tsv and table share: named or found |
//! | `cell` | a value as cell text, `--excel` guards, terminal-safe text |
//! | `render` | what the renderers implement: `Render` (one record to bytes, any thread) and `Frame` (what goes around them) |
//! | `sink` | what the one-thread run drives: `Sink`, and `Framed` (a renderer and its frame as a sink) |
//! | `json_out`, `csv_out`, `text_out`, `table_out`, `xml_out` | the formats |
//! | `table_fit` | table cells cut to a width, columns shrunk to fit the terminal |
//! | `siem` | the SIEM formats: ECS, OCSF and Azure Monitor documents, one per record |
//! | `fuzzing` | (feature `fuzzing`, for aad-fuzz only) doors to the parsers and formats the fuzz targets drive |
//! | `xml_stream`, `xml_element`, `xml_syntax` | XML's one-pass writer, the element both writers share, the names and characters XML 1.0 allows |
//!
//! The modules import each other in one direction only: the formats import the shared
//! pieces (`render`, `sink`, `columns`, `select`, `cell`, ...), never each other or
//! `output`.

pub mod cli;

mod bad_input;
mod cell;
mod columns;
mod csv_out;
mod field_check;
mod fields;
mod filter;
mod flatten;
#[cfg(feature = "fuzzing")]
pub mod fuzzing;
mod input;
mod json_out;
mod output;
mod page;
mod parallel;
mod presets;
mod raw;
mod render;
mod runner;
mod select;
mod sequential;
mod settings;
mod siem;
mod sink;
mod sorted;
mod table_fit;
mod table_out;
mod text_out;
mod times;
mod xml_element;
mod xml_out;
mod xml_stream;
mod xml_syntax;

/// The program name: clap's name, the prefix of every diagnostic, the usage hint.
pub const NAME: &str = "aad-format";

/// Formats the inputs the command line names to stdout; for `aad_common::run_main`,
/// which prints the error and exits with its status.
pub fn run() -> aad_common::Result<()> {
    runner::run()
}
