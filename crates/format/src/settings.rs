//! What the command line means: [`resolve`] checks the options against each other and
//! the format and fills in the defaults. Pure: what it needs from the machine (the
//! number of CPUs, for the default `--threads`; the terminal's width, for the table)
//! arrives in an [`Env`], so the unit tests below drive every rule directly.

use std::io::IsTerminal;

use std::path::PathBuf;

use aad_common::{Error, Result};

use crate::cli::{Args, Format, TimeStyle};
use crate::fields::{self, Column};
use crate::filter::Filter;
use crate::sorted::{SortKey, sort_keys};
use crate::xml_syntax::is_ncname;

/// The default `--max-line`: longer than any Graph page of 1000 records.
pub(crate) const DEFAULT_MAX_LINE: usize = 16 << 20;

/// The default `--max-width` of table cells.
pub(crate) const DEFAULT_MAX_WIDTH: usize = 40;

/// At most this many threads by default: beyond it, reading and writing dominate.
const MAX_DEFAULT_THREADS: usize = 4;

/// The most `--threads` accepted: far more than helps, few enough to start.
pub(crate) const MAX_THREADS: usize = 256;

/// The longest `--max-line` accepted.
pub(crate) const MAX_MAX_LINE: usize = 1 << 30;

/// The widest `--max-width` accepted (0 is no limit).
pub(crate) const MAX_MAX_WIDTH: usize = 1 << 20;

/// The widest terminal believed (`COLUMNS` beyond it is ignored).
const MAX_TERMINAL_WIDTH: usize = 10_000;

/// What `resolve` needs besides the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Env {
    /// CPUs this process may use.
    pub(crate) cpus: usize,
    /// The terminal's width when stdout is a terminal: `COLUMNS`, or what the terminal
    /// says.
    pub(crate) terminal_width: Option<usize>,
}

impl Env {
    /// The environment of this process (asked once, by the runner).
    pub(crate) fn current() -> Env {
        let terminal_width = if std::io::stdout().is_terminal() {
            let columns = std::env::var("COLUMNS").ok();
            terminal_width(columns.as_deref(), || {
                terminal_size::terminal_size().map(|(width, _)| usize::from(width.0))
            })
        } else {
            None
        };
        Env {
            cpus: std::thread::available_parallelism().map_or(1, usize::from),
            terminal_width,
        }
    }
}

/// The width of the terminal: `COLUMNS` when it is a width, else what `ask` says.
fn terminal_width(columns: Option<&str>, ask: impl FnOnce() -> Option<usize>) -> Option<usize> {
    columns
        .and_then(|c| c.trim().parse().ok())
        .filter(|w| (1..=MAX_TERMINAL_WIDTH).contains(w))
        .or_else(ask)
        .filter(|w| *w > 0)
}

/// Resolved settings of one run.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    /// Input names in order; `-` is stdin.
    pub(crate) inputs: Vec<String>,
    pub(crate) format: Format,
    /// `--fields`, when given.
    pub(crate) columns: Option<Vec<Column>>,
    /// table and text without `--fields`: a preset when the records' shape is known.
    pub(crate) auto_preset: bool,
    /// `--where`.
    pub(crate) filter: Option<Filter>,
    /// `--sort`, or empty.
    pub(crate) sort: Vec<SortKey>,
    pub(crate) time: TimeStyle,
    /// The table's total width: the terminal's, when stdout is one.
    pub(crate) table_width: Option<usize>,
    pub(crate) pretty: bool,
    pub(crate) header: bool,
    pub(crate) excel: bool,
    pub(crate) root: String,
    pub(crate) item: String,
    pub(crate) strict_fields: bool,
    pub(crate) skip_invalid: bool,
    pub(crate) quiet: bool,
    pub(crate) max_width: usize,
    pub(crate) max_line: usize,
    /// Threads that render records (1: all on the main thread).
    pub(crate) threads: usize,
    /// `-o FILE`; stdout without it.
    pub(crate) output: Option<PathBuf>,
    /// `--tenant-id` (SIEM formats), a GUID in lower case.
    pub(crate) tenant_id: Option<String>,
}

/// Checks `args` and fills in the defaults; an option that does not apply to the chosen
/// format is a usage error rather than silently ignored.
pub(crate) fn resolve(args: Args, env: Env) -> Result<Settings> {
    let format = args.to;
    if let Some(path) = &args.output {
        let command = aad_common::output::aad_format_command(path);
        let choose = command.trim_start_matches("aad-format ");
        aad_common::output::check_file_name(path, &format!("choose the format with {choose}"))?;
    }
    let only = |given: bool, option: &str, formats: &[Format], names: &str| {
        if given && !formats.contains(&format) {
            Err(Error::usage(format!(
                "{option} applies to --to {names}, not to --to {}",
                format_name(format)
            )))
        } else {
            Ok(())
        }
    };
    use Format::{AzureMonitor, Csv, Ecs, Json, Ndjson, Ocsf, Table, Text, Tsv, Xml};
    only(args.pretty, "--pretty", &[Json], "json")?;
    only(
        args.no_header,
        "--no-header",
        &[Csv, Tsv, Table],
        "csv, tsv and table",
    )?;
    only(args.excel, "--excel", &[Csv, Tsv], "csv and tsv")?;
    only(args.root.is_some(), "--root", &[Xml], "xml")?;
    only(args.item.is_some(), "--item", &[Xml], "xml")?;
    only(
        args.strict_fields,
        "--strict-fields",
        &[Csv, Tsv],
        "csv and tsv",
    )?;
    only(args.max_width.is_some(), "--max-width", &[Table], "table")?;
    only(
        !args.fields.is_empty(),
        "--fields",
        &[Json, Ndjson, Csv, Tsv, Xml, Text, Table],
        "json, ndjson, csv, tsv, xml, text and table",
    )?;
    let siem = [Ecs, Ocsf, AzureMonitor];
    only(
        args.tenant_id.is_some(),
        "--tenant-id",
        &siem,
        "ecs, ocsf and azure-monitor",
    )?;
    only(
        args.time != TimeStyle::Utc,
        "--time",
        &[Csv, Tsv, Text, Table],
        "csv, tsv, text and table",
    )?;
    let tenant_id = args.tenant_id.map(tenant_guid).transpose()?;

    // `-f @all`: every flattened key, as without --fields, also where a preset would be
    // chosen.
    let all = args.fields.len() == 1 && args.fields[0].trim() == "@all";
    let columns = if args.fields.is_empty() || all {
        None
    } else {
        let list = args.fields.join(",");
        Some(fields::parse(&list).map_err(|e| Error::usage(format!("--fields: {e}")))?)
    };
    if args.strict_fields && columns.is_some() {
        return Err(Error::usage(
            "--strict-fields applies only without --fields (the columns are then found in the first records)",
        ));
    }
    let root = xml_name("--root", args.root, "records")?;
    let item = xml_name("--item", args.item, "record")?;
    let max_width = match args.max_width.unwrap_or(DEFAULT_MAX_WIDTH) {
        0 => usize::MAX,
        1 => {
            return Err(Error::usage(
                "--max-width must be 0 (no limit) or at least 2",
            ));
        }
        n if n > MAX_MAX_WIDTH => {
            return Err(Error::usage(format!(
                "--max-width must be at most {MAX_MAX_WIDTH} (0 is no limit)"
            )));
        }
        n => n,
    };
    let threads = match args.threads {
        Some(n) if !(1..=MAX_THREADS).contains(&n) => {
            return Err(Error::usage(format!(
                "--threads must be between 1 and {MAX_THREADS}"
            )));
        }
        Some(threads) => threads,
        None => env.cpus.clamp(1, MAX_DEFAULT_THREADS),
    };
    let max_line = args.max_line.unwrap_or(DEFAULT_MAX_LINE);
    if max_line > MAX_MAX_LINE {
        return Err(Error::usage("--max-line must be at most 1G"));
    }
    let filter = args
        .where_expr
        .as_deref()
        .map(Filter::new)
        .transpose()
        .map_err(|e| Error::usage(format!("--where: column {}: {}", e.column, e.message)))?;
    let sort = sort_keys(&args.sort).map_err(Error::usage)?;
    let inputs = if args.files.is_empty() {
        vec!["-".to_string()]
    } else {
        args.files
    };
    Ok(Settings {
        inputs,
        format,
        auto_preset: columns.is_none() && !all && matches!(format, Table | Text),
        columns,
        filter,
        sort,
        time: args.time,
        table_width: env.terminal_width.filter(|_| format == Table),
        pretty: args.pretty,
        header: !args.no_header,
        excel: args.excel,
        root,
        item,
        strict_fields: args.strict_fields,
        skip_invalid: args.skip_invalid,
        quiet: args.quiet,
        max_width,
        max_line,
        threads,
        output: args.output,
        tenant_id,
    })
}

/// `--tenant-id`, which must be a GUID: a domain name cannot go into the schemas'
/// tenant fields. Written in lower case, as Graph writes ids.
fn tenant_guid(text: String) -> Result<String> {
    let groups: Vec<&str> = text.split('-').collect();
    let lengths = groups.iter().map(|g| g.len()).collect::<Vec<_>>();
    let hex = groups
        .iter()
        .all(|g| g.bytes().all(|c| c.is_ascii_hexdigit()));
    if lengths == [8, 4, 4, 4, 12] && hex {
        Ok(text.to_ascii_lowercase())
    } else {
        Err(Error::usage(format!(
            "--tenant-id '{}' is not a GUID (the tenant id, as 5f2b3c4d-6e7f-4a8b-9c0d-1e2f3a4b5c6d; not a domain name)",
            aad_common::sanitize::printable(&text)
        )))
    }
}

/// The `--to` spelling of a format.
fn format_name(format: Format) -> String {
    clap::ValueEnum::to_possible_value(&format)
        .map(|v| v.get_name().to_string())
        .unwrap_or_default()
}

/// An element name option, checked to be an XML name without a colon.
fn xml_name(option: &str, name: Option<String>, default: &str) -> Result<String> {
    let name = name.unwrap_or_else(|| default.to_string());
    if is_ncname(&name) {
        Ok(name)
    } else {
        Err(Error::usage(format!(
            "{option} '{name}' is not an XML element name (ASCII letters, digits, '_', '-', '.'; no ':'; not starting with a digit)"
        )))
    }
}

#[cfg(test)]
mod tests;
