//! aad-format: NDJSON audit and sign-in records (or whole Graph pages) to JSON, NDJSON,
//! CSV, TSV, XML, text or a table, streaming.
//!
//! | module | what |
//! |---|---|
//! | [`cli`] | the command line as typed, help, man-page sections |
//! | [`settings`] | the command line resolved and checked |
//! | [`run`] | the loop: inputs, lines, records, one output |
//! | [`input`] | lines from a byte stream, line limit, byte-order mark |
//! | [`page`] | a line as one record or as a Graph page of records |
//! | `bad_input` | bad input lines and records: what, where, and whether the run goes on (`--skip-invalid`) |
//! | [`raw`] | raw JSON text: kinds, strings, entries, compact and pretty layout |
//! | [`fields`] | `--fields` parsing and the tree of column paths |
//! | [`select`] | filling `--fields` columns in one pass over a record |
//! | [`flatten`] | dotted keys, and columns found from them |
//! | [`cell`] | a value as cell text, `--excel` guards, terminal-safe text |
//! | [`output`] | how each format is produced; the columns csv, tsv and table share |
//! | [`render`] | formats whose records stand alone: a renderer and a frame |
//! | [`parallel`] | renderers on several threads, output in input order |
//! | [`json_out`], [`csv_out`], [`xml_out`], [`text_out`], [`table_out`] | the formats |

pub mod cli;

mod bad_input;
mod cell;
mod columns;
mod csv_out;
mod fields;
mod flatten;
mod input;
mod json_out;
mod output;
mod page;
mod parallel;
mod raw;
mod render;
mod runner;
mod select;
mod sequential;
mod settings;
mod sink;
mod table_out;
mod text_out;
mod xml_element;
mod xml_out;
mod xml_stream;
mod xml_syntax;

/// The program name: clap's name, the prefix of every diagnostic, the hint.
pub const NAME: &str = "aad-format";

/// Reads the command line, formats the inputs to stdout; for `aad_common::run_main`.
pub fn run() -> aad_common::Result<()> {
    runner::run()
}
