//! What the command line means: [`resolve`] checks the options against each other and
//! the format and fills in the defaults. Pure: the one thing it needs from the machine
//! (the number of CPUs, for the default `--threads`) arrives in an [`Env`], so the unit
//! tests below drive every rule directly.

use std::path::PathBuf;

use aad_common::{Error, Result};

use crate::cli::{Args, Format};
use crate::fields::{self, Column};
use crate::xml_syntax::is_ncname;

/// The default `--max-line`: longer than any Graph page of 1000 records.
pub(crate) const DEFAULT_MAX_LINE: usize = 16 << 20;

/// The default `--max-width` of table cells.
pub(crate) const DEFAULT_MAX_WIDTH: usize = 40;

/// At most this many threads by default: beyond it, reading and writing dominate.
const MAX_DEFAULT_THREADS: usize = 4;

/// What `resolve` needs besides the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Env {
    /// CPUs this process may use.
    pub(crate) cpus: usize,
}

impl Env {
    /// The environment of this process (asked once, by the runner).
    pub(crate) fn current() -> Env {
        Env {
            cpus: std::thread::available_parallelism().map_or(1, usize::from),
        }
    }
}

/// Resolved settings of one run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Settings {
    /// Input names in order; `-` is stdin.
    pub(crate) inputs: Vec<String>,
    pub(crate) format: Format,
    /// `--fields`, when given.
    pub(crate) columns: Option<Vec<Column>>,
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
    let tenant_id = args.tenant_id.map(tenant_guid).transpose()?;

    let columns = if args.fields.is_empty() {
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
    let max_width = args.max_width.unwrap_or(DEFAULT_MAX_WIDTH);
    if max_width < 2 {
        return Err(Error::usage("--max-width must be at least 2"));
    }
    let threads = match args.threads {
        Some(0) => return Err(Error::usage("--threads must be at least 1")),
        Some(threads) => threads,
        None => env.cpus.clamp(1, MAX_DEFAULT_THREADS),
    };
    let inputs = if args.files.is_empty() {
        vec!["-".to_string()]
    } else {
        args.files
    };
    Ok(Settings {
        inputs,
        format,
        columns,
        pretty: args.pretty,
        header: !args.no_header,
        excel: args.excel,
        root,
        item,
        strict_fields: args.strict_fields,
        skip_invalid: args.skip_invalid,
        quiet: args.quiet,
        max_width,
        max_line: args.max_line.unwrap_or(DEFAULT_MAX_LINE),
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
            "{option} '{name}' is not an XML element name (letters, digits, '_', '-', '.'; no ':'; not starting with a digit)"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    /// A machine with this many CPUs.
    fn cpus(cpus: usize) -> Env {
        Env { cpus }
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
        assert_eq!(usage_error(&["-j", "0"]), "--threads must be at least 1");
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
            (
                &["--fields", "a"],
                &["json", "ndjson", "csv", "tsv", "xml", "text", "table"],
            ),
            (
                &["--tenant-id", "5f2b3c4d-6e7f-4a8b-9c0d-1e2f3a4b5c6d"],
                &["ecs", "ocsf", "azure-monitor"],
            ),
        ] {
            for to in [
                "json",
                "ndjson",
                "csv",
                "tsv",
                "xml",
                "text",
                "table",
                "ecs",
                "ocsf",
                "azure-monitor",
            ] {
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
    fn the_tenant_is_a_guid_in_lower_case() {
        let s = resolve_args(&[
            "-t",
            "ocsf",
            "--tenant-id",
            "5F2B3C4D-6E7F-4A8B-9C0D-1E2F3A4B5C6D",
        ])
        .unwrap();
        assert_eq!(
            s.tenant_id.as_deref(),
            Some("5f2b3c4d-6e7f-4a8b-9c0d-1e2f3a4b5c6d")
        );
        assert_eq!(resolve_args(&["-t", "ecs"]).unwrap().tenant_id, None);
        for bad in [
            "contoso.com",
            "5f2b3c4d-6e7f-4a8b-9c0d-1e2f3a4b5c6",
            "5f2b3c4d-6e7f-4a8b-9c0d-1e2f3a4b5c6g",
            "{5f2b3c4d-6e7f-4a8b-9c0d-1e2f3a4b5c6d}",
            "5f2b3c4d6e7f4a8b9c0d1e2f3a4b5c6d",
        ] {
            let err = usage_error(&["-t", "azure-monitor", "--tenant-id", bad]);
            assert!(
                err.starts_with(&format!("--tenant-id '{bad}' is not a GUID")),
                "{err}"
            );
        }
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
            "--root '1st' is not an XML element name (letters, digits, '_', '-', '.'; no ':'"
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
            "--max-width must be at least 2"
        );
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
