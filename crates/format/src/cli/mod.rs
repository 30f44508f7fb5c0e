//! The command line as typed: the clap definition, its help, and the extra man-page
//! sections (`manual`) that `tests/man.rs` renders into `man/aad-format.1`. It mirrors
//! what was typed and does no I/O; checking options against each other and filling in
//! defaults is the job of `settings`.

mod manual;

use std::path::PathBuf;

use clap::{ArgAction, Parser, ValueEnum};

pub use manual::MAN_SECTIONS;

/// Output formats (`--to`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    /// A JSON array, one record per line (--pretty indents)
    Json,
    /// One JSON object per line, like the input
    Ndjson,
    /// Comma-separated values (RFC 4180), header row first
    Csv,
    /// Tab-separated values, quoted like CSV where needed
    Tsv,
    /// XML 1.0: <records><record>…</record></records>
    Xml,
    /// One "key: value" line per field, a blank line between records
    Text,
    /// Aligned columns for a terminal (reads all input first)
    Table,
    /// Elastic Common Schema 8.11.0 documents, one per line
    Ecs,
    /// OCSF 1.8.0 events, one per line
    Ocsf,
    /// Azure Monitor diagnostic-settings export records, one per line
    AzureMonitor,
}

/// How `--time` writes RFC 3339 times in csv, tsv, text and table cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum TimeStyle {
    /// As they are in the data (Graph writes UTC: 2026-11-29T21:47:56.0730881Z)
    Utc,
    /// In the local time zone (TZ), RFC 3339 with its offset
    Local,
    /// In UTC as a spreadsheet reads a date-time: 2026-11-29 21:47:56.073
    Excel,
}

/// Converts NDJSON records (aad-fetch output) or Graph pages to JSON, CSV, TSV, XML, text or
/// a table, streaming.
#[derive(Debug, Parser)]
#[command(
    name = crate::NAME,
    version,
    about = "Convert NDJSON audit and sign-in records to JSON, CSV, TSV, XML, text or a table",
    long_about = LONG_ABOUT,
    after_help = aad_common::cli::short_help_epilogue(crate::NAME),
    after_long_help = aad_common::cli::long_help_epilogue(EXAMPLES),
    mut_arg("completions", |a| a.long_help(aad_common::cli::completions_long_help(crate::NAME))),
    disable_help_flag = true,
    disable_version_flag = true,
)]
pub struct Args {
    /// Files of NDJSON records or Graph pages; none or - reads stdin
    #[arg(value_name = "FILE")]
    pub(crate) files: Vec<String>,

    /// Output format
    #[arg(help_heading = "Output", short = 't', long = "to", value_enum, value_name = "FORMAT", default_value_t = Format::Json)]
    pub(crate) to: Format,

    /// Columns, in order: [NAME=]PATH[|PATH...],... or @signins, @audits, @provisioning
    #[arg(help_heading = "Output", short = 'f', long, value_name = "LIST", action = ArgAction::Append)]
    pub(crate) fields: Vec<String>,

    /// Write to FILE (created or truncated) instead of stdout
    #[arg(
        help_heading = "Output",
        short = 'o',
        long = "output",
        value_name = "FILE"
    )]
    pub(crate) output: Option<PathBuf>,

    /// Only records for which EXPR holds: status.errorCode != 0 and appDisplayName ~ 'Teams'
    #[arg(
        help_heading = "Select and sort",
        short = 'w',
        long = "where",
        value_name = "EXPR"
    )]
    pub(crate) where_expr: Option<String>,

    /// Sort by FIELD (a path), :desc for descending; repeat or comma-separate for more keys
    #[arg(help_heading = "Select and sort", short = 's', long, value_name = "FIELD[:desc]", action = ArgAction::Append)]
    pub(crate) sort: Vec<String>,

    /// How times are written in csv, tsv, text and table cells
    #[arg(help_heading = "Output", long, value_enum, value_name = "STYLE", default_value_t = TimeStyle::Utc)]
    pub(crate) time: TimeStyle,

    /// Indent the JSON output (--to json)
    #[arg(help_heading = "Output", long)]
    pub(crate) pretty: bool,

    /// Leave out the header row (csv, tsv, table)
    #[arg(help_heading = "Output", long)]
    pub(crate) no_header: bool,

    /// Spreadsheet-safe csv/tsv: UTF-8 BOM, CRLF, ' before formula-like cells
    #[arg(help_heading = "Output", long)]
    pub(crate) excel: bool,

    /// Name of the XML root element [default: records]
    #[arg(help_heading = "Output", long, value_name = "NAME")]
    pub(crate) root: Option<String>,

    /// Name of the XML element around each record [default: record]
    #[arg(help_heading = "Output", long, value_name = "NAME")]
    pub(crate) item: Option<String>,

    /// Fail on a key first seen after the first 1000 records (csv, tsv)
    #[arg(help_heading = "Input", long)]
    pub(crate) strict_fields: bool,

    /// Skip malformed lines, report each, exit 6 at the end
    #[arg(help_heading = "Input", long)]
    pub(crate) skip_invalid: bool,

    /// Cut table cells to N terminal columns; 0 for no limit [default: 40]
    #[arg(help_heading = "Output", long, value_name = "N")]
    pub(crate) max_width: Option<usize>,

    /// Longest input line accepted, in bytes, at most 1G; K, M, G suffixes [default: 16M]
    #[arg(help_heading = "Input", long, value_name = "SIZE", value_parser = parse_size)]
    pub(crate) max_line: Option<usize>,

    /// Threads that format records, 1 to 256 [default: the CPUs, at most 4]
    #[arg(help_heading = "Advanced", short = 'j', long, value_name = "N")]
    pub(crate) threads: Option<usize>,

    /// Print no warnings, only errors
    #[arg(help_heading = "Advanced", short, long)]
    pub(crate) quiet: bool,

    /// Tenant id for the SIEM formats (ecs, ocsf, azure-monitor) [default: from the record]
    #[arg(help_heading = "Output", long, value_name = "GUID")]
    pub(crate) tenant_id: Option<String>,

    #[command(flatten)]
    pub(crate) standard: aad_common::cli::Standard,
}

const LONG_ABOUT: &str = "\
Convert NDJSON audit and sign-in records to JSON, NDJSON, CSV, TSV, XML, text or a table.

Reads what aad-fetch writes, one JSON record per line, or whole Microsoft Graph pages \
({\"value\":[...]} per line, as aad-fetch --pages or curl write them), from files or \
stdin, and writes one format to stdout, streaming in constant memory (except --to table).

--to json and --to ndjson without --fields copy every record byte for byte. The other \
formats flatten nested objects to dotted keys (initiatedBy.user.userPrincipalName), \
write arrays as compact JSON in one cell, and write null and missing values as empty \
cells. Without --fields, the columns of csv and tsv are the keys of the first 1000 \
records. See FORMATS in the man page (man aad-format) for the exact rules.

--to ecs, --to ocsf and --to azure-monitor map each record to one document of a SIEM \
schema (Elastic Common Schema 8.11.0, OCSF 1.8.0, the Azure Monitor export record), \
one per line; SIEM FORMATS in the man page has the mapping.";

/// Worked examples, each of which runs as printed (the emulator makes the records),
/// shown by `--help` before the exit statuses.
const EXAMPLES: &str = "
  Records to try them on come from the emulator; with a tenant, pipe aad-fetch in instead.

  Audit events as CSV for a spreadsheet (formulas neutralised, times as date-times):
    aad-emulator --dump directoryAudits --records 500 \\
      | aad-format --to csv --excel --time excel > audits.csv

  Chosen columns, renamed, reaching into arrays; who = the first of two paths that is set:
    aad-emulator --dump directoryAudits --records 50 | aad-format -t csv \\
      -f time=activityDateTime,activityDisplayName \\
      -f 'who=initiatedBy.user.userPrincipalName|initiatedBy.app.displayName' \\
      -f target=targetResources.0.userPrincipalName \\
      -f new=targetResources.0.modifiedProperties.0.newValue

  Failed sign-ins, oldest first, in a table that fits the terminal:
    aad-emulator --dump signIns --records 500 \\
      | aad-format --where 'status.errorCode != 0' --sort createdDateTime -f @signins -t table

  Selecting with and, or, not, regular expressions and lists; newest first:
    aad-emulator --dump directoryAudits --records 500 \\
      | aad-format -t ndjson --sort activityDateTime:desc --where \"result = 'failure' \\
          or activityDisplayName ~ '(?i)password' and category in ('UserManagement', 'Policy')\"

  Into a file instead of stdout (with `set -o pipefail` first, a failed producer fails the
  pipeline too, instead of leaving a file and status 0):
    aad-emulator --dump signIns --records 100 | aad-format -t csv -o signins.csv

  XML for an old SIEM:
    aad-emulator --dump signIns --records 100 \\
      | aad-format --to xml --root signIns --item signIn > signins.xml

  A readable view in a terminal (a preset's columns for known reports; -f @all for every key):
    aad-emulator --dump directoryAudits --records 20 | aad-format --to text | less
    aad-emulator --dump provisioning --records 20 | aad-format -t table --time local

  Into a SIEM: Elastic Common Schema, OCSF, or the Azure Monitor export record:
    aad-emulator --dump signIns --records 100 | aad-format --to ecs > signins.ecs.ndjson
    aad-emulator --dump directoryAudits --records 100 \\
      | aad-format --to ocsf --tenant-id 5f2b3c4d-6e7f-4a8b-9c0d-1e2f3a4b5c6d
    aad-emulator --dump provisioning --records 20 | aad-format --to azure-monitor

  Whole Graph pages work too:
    aad-emulator --dump signIns --records 3 | paste -sd, | sed 's/.*/{\"value\":[&]}/' \\
      | aad-format --to ndjson -f id,userPrincipalName

  Keep going past damaged lines (each is reported; exit status 6 tells that some were skipped):
    aad-emulator --dump signIns --records 20 | sed '5s/}$//' \\
      | aad-format --skip-invalid -t csv > signins.csv
";

/// Parses a byte count with an optional binary suffix: `65536`, `64K`, `16M`, `1G`.
fn parse_size(text: &str) -> Result<usize, String> {
    let text = text.trim();
    let (digits, unit) = match text.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => text.split_at(i),
        None => (text, ""),
    };
    let shift = match unit.to_ascii_uppercase().as_str() {
        "" | "B" => 0,
        "K" | "KB" | "KIB" => 10,
        "M" | "MB" | "MIB" => 20,
        "G" | "GB" | "GIB" => 30,
        _ => {
            return Err(format!(
                "'{text}' is not a size (examples: 65536, 64K, 16M, 1G)"
            ));
        }
    };
    let number: usize = digits
        .parse()
        .map_err(|_| format!("'{text}' is not a size (examples: 65536, 64K, 16M, 1G)"))?;
    match number.checked_mul(1 << shift) {
        Some(0) => Err("the size must be at least 1 byte".to_string()),
        Some(size) => Ok(size),
        None => Err(format!("'{text}' is too large")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_definition_is_consistent() {
        Args::command().debug_assert();
    }

    #[test]
    fn sizes_take_binary_suffixes() {
        assert_eq!(parse_size("65536"), Ok(65536));
        assert_eq!(parse_size("64K"), Ok(64 << 10));
        assert_eq!(parse_size("16m"), Ok(16 << 20));
        assert_eq!(parse_size("1GiB"), Ok(1 << 30));
        assert!(parse_size("0").is_err());
        assert!(parse_size("12X").is_err());
        assert!(parse_size("M").is_err());
        assert!(parse_size("99999999999999999999G").is_err());
    }

    #[test]
    fn long_help_carries_examples_and_the_status_table() {
        let help = Args::command().render_long_help().to_string();
        assert!(help.contains("--to csv --excel --time excel"));
        assert!(help.contains("--to xml"));
        assert!(help.contains("--to text"));
        assert!(help.contains("6  bad input data"));
    }
}
