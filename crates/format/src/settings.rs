//! What the command line means: [`resolve`] checks the options against each other and
//! the format and fills in the defaults. Pure: what it needs from the machine (the
//! number of CPUs, for the default `--threads`; the terminal's width, for the table)
//! arrives in an [`Env`], so the unit tests below drive every rule directly.

use std::io::IsTerminal;

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
}

/// Checks `args` and fills in the defaults; an option that does not apply to the chosen
/// format is a usage error rather than silently ignored.
pub(crate) fn resolve(args: Args, env: Env) -> Result<Settings> {
    let format = args.to;
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
    use Format::{Csv, Json, Table, Text, Tsv, Xml};
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
        args.time != TimeStyle::Utc,
        "--time",
        &[Csv, Tsv, Text, Table],
        "csv, tsv, text and table",
    )?;

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
    })
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
mod tests {
    use super::*;
    use clap::Parser;

    /// A machine with this many CPUs.
    fn cpus(cpus: usize) -> Env {
        Env {
            cpus,
            terminal_width: None,
        }
    }

    fn resolve_on(env: Env, args: &[&str]) -> Result<Settings> {
        let args = Args::try_parse_from(std::iter::once(crate::NAME).chain(args.iter().copied()))
            .map_err(Error::from)?;
        resolve(args, env)
    }

    fn resolve_args(args: &[&str]) -> Result<Settings> {
        resolve_on(cpus(2), args)
    }

    /// The usage error `args` give.
    fn usage_error(args: &[&str]) -> String {
        let err = resolve_args(args).unwrap_err();
        assert_eq!(err.status(), aad_common::Status::Usage, "{args:?}");
        err.to_string()
    }

    #[test]
    fn defaults() {
        let s = resolve_args(&[]).unwrap();
        assert_eq!(s.inputs, ["-"]);
        assert_eq!(s.format, Format::Json);
        assert_eq!(s.columns, None);
        assert!(s.header);
        assert!(!s.pretty && !s.excel && !s.strict_fields && !s.skip_invalid && !s.quiet);
        assert_eq!((s.root.as_str(), s.item.as_str()), ("records", "record"));
        assert_eq!(s.max_line, 16 << 20);
        assert_eq!(s.max_width, 40);
        assert_eq!(s.threads, 2);
    }

    #[test]
    fn files_are_read_in_the_order_given() {
        let s = resolve_args(&["b.ndjson", "-", "a.ndjson"]).unwrap();
        assert_eq!(s.inputs, ["b.ndjson", "-", "a.ndjson"]);
    }

    #[test]
    fn threads_default_to_the_cpus_but_at_most_four() {
        for (machine, threads) in [(1, 1), (3, 3), (4, 4), (64, 4)] {
            assert_eq!(
                resolve_on(cpus(machine), &[]).unwrap().threads,
                threads,
                "{machine} CPUs"
            );
        }
        assert_eq!(resolve_on(cpus(64), &["-j", "8"]).unwrap().threads, 8);
        assert_eq!(resolve_on(cpus(1), &["--threads", "3"]).unwrap().threads, 3);
        assert_eq!(
            usage_error(&["-j", "0"]),
            "--threads must be between 1 and 256"
        );
        assert_eq!(
            usage_error(&["-j", "30000"]),
            "--threads must be between 1 and 256"
        );
        assert_eq!(resolve_args(&["-j", "256"]).unwrap().threads, 256);
    }

    #[test]
    fn fields_may_be_repeated() {
        let s = resolve_args(&["-t", "csv", "-f", "a,b", "--fields", "c=d.0"]).unwrap();
        let names: Vec<_> = s.columns.unwrap().into_iter().map(|c| c.name).collect();
        assert_eq!(names, ["a", "b", "c"]);
    }

    #[test]
    fn a_bad_fields_list_is_a_usage_error_that_says_why() {
        assert_eq!(
            usage_error(&["-t", "csv", "-f", "a,,b"]),
            "--fields: empty column in 'a,,b'"
        );
    }

    #[test]
    fn each_option_applies_to_its_formats_only() {
        for (option, formats) in [
            (&["--pretty"][..], &["json"][..]),
            (&["--no-header"], &["csv", "tsv", "table"]),
            (&["--excel"], &["csv", "tsv"]),
            (&["--root", "r"], &["xml"]),
            (&["--item", "i"], &["xml"]),
            (&["--strict-fields"], &["csv", "tsv"]),
            (&["--max-width", "9"], &["table"]),
            (&["--time", "excel"], &["csv", "tsv", "text", "table"]),
        ] {
            for to in ["json", "ndjson", "csv", "tsv", "xml", "text", "table"] {
                let mut args = vec!["-t", to];
                args.extend_from_slice(option);
                let resolved = resolve_args(&args);
                if formats.contains(&to) {
                    assert!(resolved.is_ok(), "{args:?}");
                } else {
                    let err = usage_error(&args);
                    let expected = format!("{} applies to --to ", option[0]);
                    assert!(err.starts_with(&expected), "{err}");
                    assert!(err.ends_with(&format!(", not to --to {to}")), "{err}");
                }
            }
        }
    }

    #[test]
    fn options_for_other_formats_are_usage_errors() {
        for (args, message) in [
            (
                &["--pretty", "-t", "ndjson"][..],
                "--pretty applies to --to json, not to --to ndjson",
            ),
            (&["--excel"], "--excel applies to --to csv and tsv"),
            (&["--root", "r", "-t", "csv"], "--root applies to --to xml"),
            (&["--no-header", "-t", "xml"], "--no-header applies"),
            (&["--max-width", "9"], "--max-width applies to --to table"),
            (
                &["--strict-fields", "-t", "table"],
                "--strict-fields applies to --to csv and tsv",
            ),
        ] {
            let err = usage_error(args);
            assert!(err.starts_with(message), "{err}");
        }
    }

    #[test]
    fn options_are_carried_over() {
        let s = resolve_args(&[
            "-t",
            "csv",
            "--no-header",
            "--excel",
            "--skip-invalid",
            "-q",
        ])
        .unwrap();
        assert_eq!(s.format, Format::Csv);
        assert!(!s.header && s.excel && s.skip_invalid && s.quiet);
        assert!(resolve_args(&["--pretty"]).unwrap().pretty);
        assert!(
            resolve_args(&["-t", "tsv", "--strict-fields"])
                .unwrap()
                .strict_fields
        );
        assert_eq!(
            resolve_args(&["--max-line", "64K"]).unwrap().max_line,
            64 << 10
        );
    }

    #[test]
    fn strict_fields_needs_columns_found_not_named() {
        assert!(
            usage_error(&["-t", "csv", "-f", "a", "--strict-fields"])
                .starts_with("--strict-fields applies only without --fields")
        );
    }

    #[test]
    fn xml_element_names_must_be_ncnames() {
        let s = resolve_args(&["-t", "xml", "--root", "audits", "--item", "audit"]).unwrap();
        assert_eq!((s.root.as_str(), s.item.as_str()), ("audits", "audit"));
        assert!(usage_error(&["-t", "xml", "--root", "1st"]).starts_with(
            "--root '1st' is not an XML element name (ASCII letters, digits, '_', '-', '.'; no ':'"
        ));
        assert!(usage_error(&["-t", "xml", "--item", "a:b"]).starts_with("--item 'a:b' is not"));
    }

    #[test]
    fn table_cells_are_at_least_two_columns_wide() {
        assert_eq!(
            resolve_args(&["-t", "table", "--max-width", "2"])
                .unwrap()
                .max_width,
            2
        );
        assert_eq!(
            usage_error(&["-t", "table", "--max-width", "1"]),
            "--max-width must be 0 (no limit) or at least 2"
        );
        assert_eq!(
            resolve_args(&["-t", "table", "--max-width", "0"])
                .unwrap()
                .max_width,
            usize::MAX
        );
        assert!(
            usage_error(&["-t", "table", "--max-width", "2000000"])
                .starts_with("--max-width must be at most")
        );
    }

    #[test]
    fn numbers_out_of_range_are_usage_errors() {
        assert_eq!(
            usage_error(&["--max-line", "2G"]),
            "--max-line must be at most 1G"
        );
        assert_eq!(
            resolve_args(&["--max-line", "1G"]).unwrap().max_line,
            1 << 30
        );
        for args in [&["-j", "-1"][..], &["--max-width", "-1", "-t", "table"]] {
            usage_error(args);
        }
    }

    #[test]
    fn the_table_fits_the_terminal_only() {
        let terminal = Env {
            cpus: 2,
            terminal_width: Some(100),
        };
        assert_eq!(
            resolve_on(terminal, &["-t", "table"]).unwrap().table_width,
            Some(100)
        );
        assert_eq!(
            resolve_on(terminal, &["-t", "csv"]).unwrap().table_width,
            None
        );
        assert_eq!(resolve_args(&["-t", "table"]).unwrap().table_width, None);
        assert_eq!(terminal_width(Some("120"), || Some(80)), Some(120));
        assert_eq!(terminal_width(Some(" 99 "), || None), Some(99));
        for odd in ["0", "-5", "wide", "99999999"] {
            assert_eq!(terminal_width(Some(odd), || Some(80)), Some(80), "{odd}");
        }
        assert_eq!(terminal_width(None, || Some(0)), None);
    }

    #[test]
    fn where_errors_say_the_column() {
        assert_eq!(
            usage_error(&["--where", "a = open"]),
            "--where: column 5: 'open' is not a value: quote strings ('open')"
        );
        assert!(
            resolve_args(&["--where", "status.errorCode != 0"])
                .unwrap()
                .filter
                .is_some()
        );
    }

    #[test]
    fn time_applies_to_cells_and_presets_to_table_and_text() {
        assert!(
            usage_error(&["--time", "local"])
                .starts_with("--time applies to --to csv, tsv, text and table")
        );
        assert_eq!(
            resolve_args(&["-t", "csv", "--time", "excel"])
                .unwrap()
                .time,
            TimeStyle::Excel
        );
        assert!(resolve_args(&["-t", "table"]).unwrap().auto_preset);
        assert!(resolve_args(&["-t", "text"]).unwrap().auto_preset);
        assert!(
            !resolve_args(&["-t", "text", "-f", "a"])
                .unwrap()
                .auto_preset
        );
        assert!(!resolve_args(&["-t", "csv"]).unwrap().auto_preset);
        let all = resolve_args(&["-t", "table", "-f", "@all"]).unwrap();
        assert!(!all.auto_preset && all.columns.is_none());
        assert!(usage_error(&["-t", "table", "-f", "@all,a"]).contains("no preset '@all'"));
    }

    #[test]
    fn bad_values_are_usage_errors() {
        for args in [
            &["-t", "xml", "--root", "1st"][..],
            &["-t", "xml", "--item", "a:b"],
            &["-t", "csv", "-f", "a,,b"],
            &["-t", "csv", "-f", "a", "--strict-fields"],
            &["-t", "table", "--max-width", "1"],
            &["-t", "yaml"],
            &["--max-line", "lots"],
            &["-j", "0"],
        ] {
            usage_error(args);
        }
    }
}
