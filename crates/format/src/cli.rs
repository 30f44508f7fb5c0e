//! The command line as typed: the clap definition, its help, and the extra man-page
//! sections that `tests/man.rs` renders into `man/aad-format.1`. It mirrors what was
//! typed and does no I/O; checking options against each other and filling in defaults
//! is the job of `settings`.

use clap::{ArgAction, Parser, ValueEnum};

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
    after_help = format!("Examples and the exit statuses: {} --help", crate::NAME),
    after_long_help = after_long_help(),
)]
pub struct Args {
    /// Files of NDJSON records or Graph pages; none or - reads stdin
    #[arg(value_name = "FILE")]
    pub(crate) files: Vec<String>,

    /// Output format
    #[arg(short = 't', long = "to", value_enum, value_name = "FORMAT", default_value_t = Format::Json)]
    pub(crate) to: Format,

    /// Columns, in order: [NAME=]PATH[|PATH...],... or @signins, @audits, @provisioning
    #[arg(short = 'f', long, value_name = "LIST", action = ArgAction::Append)]
    pub(crate) fields: Vec<String>,

    /// Only records for which EXPR holds: status.errorCode != 0 and appDisplayName ~ 'Teams'
    #[arg(short = 'w', long = "where", value_name = "EXPR")]
    pub(crate) where_expr: Option<String>,

    /// Sort by FIELD (a path), :desc for descending; repeat or comma-separate for more keys
    #[arg(short = 's', long, value_name = "FIELD[:desc]", action = ArgAction::Append)]
    pub(crate) sort: Vec<String>,

    /// How times are written in csv, tsv, text and table cells
    #[arg(long, value_enum, value_name = "STYLE", default_value_t = TimeStyle::Utc)]
    pub(crate) time: TimeStyle,

    /// Indent the JSON output (--to json)
    #[arg(long)]
    pub(crate) pretty: bool,

    /// Leave out the header row (csv, tsv, table)
    #[arg(long)]
    pub(crate) no_header: bool,

    /// Spreadsheet-safe csv/tsv: UTF-8 BOM, CRLF, ' before formula-like cells
    #[arg(long)]
    pub(crate) excel: bool,

    /// Name of the XML root element [default: records]
    #[arg(long, value_name = "NAME")]
    pub(crate) root: Option<String>,

    /// Name of the XML element around each record [default: record]
    #[arg(long, value_name = "NAME")]
    pub(crate) item: Option<String>,

    /// Fail on a key first seen after the first 1000 records (csv, tsv)
    #[arg(long)]
    pub(crate) strict_fields: bool,

    /// Skip malformed lines, report each, exit 6 at the end
    #[arg(long)]
    pub(crate) skip_invalid: bool,

    /// Cut table cells to N terminal columns; 0 for no limit [default: 40]
    #[arg(long, value_name = "N")]
    pub(crate) max_width: Option<usize>,

    /// Longest input line accepted, in bytes, at most 1G; K, M, G suffixes [default: 16M]
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub(crate) max_line: Option<usize>,

    /// Threads that format records, 1 to 256 [default: the CPUs, at most 4]
    #[arg(short = 'j', long, value_name = "N")]
    pub(crate) threads: Option<usize>,

    /// Print no warnings, only errors
    #[arg(short, long)]
    pub(crate) quiet: bool,
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
records. See FORMATS in the man page (man aad-format) for the exact rules.";

/// The part of `--help` after the options: worked examples and the exit statuses.
fn after_long_help() -> String {
    format!(
        "\
Examples:
  Audit events of the last week as CSV for a spreadsheet (formulas neutralised):
    aad-token | aad-fetch directoryAudits --since 7d | aad-format --to csv --excel > audits.csv

  Chosen columns, renamed, reaching into arrays:
    aad-format -t csv audits.ndjson \\
      -f time=activityDateTime,activityDisplayName,by=initiatedBy.user.userPrincipalName \\
      -f target=targetResources.0.userPrincipalName \\
      -f new=targetResources.0.modifiedProperties.0.newValue

  XML for an old SIEM:
    aad-fetch signIns --since 1h | aad-format --to xml --root signIns --item signIn > signins.xml

  A readable view in a terminal:
    aad-fetch directoryAudits --since 1h | aad-format --to text | less
    aad-fetch signIns --since 1d | aad-format -t table -f userPrincipalName,status.errorCode

  Whole Graph pages work too:
    aad-fetch directoryAudits --pages | aad-format --to ndjson

  Keep going past damaged lines (each is reported; exit status 6 tells that some were skipped):
    aad-format --skip-invalid -t csv damaged.ndjson > audits.csv

Exit status:
{}",
        aad_common::Status::table()
    )
}

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

/// Extra man-page sections, as plain text (the generator adds NAME, SYNOPSIS,
/// DESCRIPTION and OPTIONS from [`Args`]).
pub const MAN_SECTIONS: &[(&str, &str)] = &[
    (
        "FORMATS",
        "\
Input. Each line is one JSON object: a record, or a Microsoft Graph page, that is an \
object whose keys are only \"value\" (an array) and annotations (keys starting with \
\"@\" or \"odata.\", such as @odata.context and @odata.nextLink); the elements of its \
value array are the records. Blank lines are skipped, a UTF-8 byte-order mark at the \
start of a file is ignored, and CRLF line ends are accepted. Input must be UTF-8. A line \
that is not JSON, or JSON but not an object (or a page element that is not an object), \
is bad data (see DIAGNOSTICS).

json, ndjson. Without --fields every record is copied byte for byte: numbers, string \
escapes (\\u00e9, \\/) and key order are kept as they were, only the whitespace around \
the record is dropped. json writes a JSON array with one record per line; --pretty \
indents it by two spaces (whitespace only changes, every number and string stays as it \
was). With --fields each record becomes an object whose keys are the column names and \
whose values are the values found at the paths, as they were in the input (null when \
missing).

Flattening (csv, tsv, text, table). Nested objects become dotted keys: \
{\"initiatedBy\":{\"user\":{\"id\":\"x\"}}} gives the key initiatedBy.user.id. Arrays \
are not flattened: an array is one cell holding its compact JSON (targetResources = \
[{\"id\":...}]), and so is an empty object ({}). A key is joined as it is, so a key that \
contains a dot cannot be told from a nested one.

Cells. A string is written as its text (quotes and escapes removed); a JSON-in-string \
value such as modifiedProperties[].newValue stays the string it is and is not parsed. \
Numbers, true and false are written as they appear in the input (1.50 stays 1.50). null \
and missing values are empty cells, never the text null. Objects and arrays left in a \
cell are compact JSON (insignificant whitespace removed, numbers and strings kept).

Columns. --fields a,b.c,name=path picks, orders and renames columns. A path is a list \
of steps joined by dots; a step names an object key or, when it is a number, an array \
index (targetResources.0.modifiedProperties.1.newValue), so a path reaches inside \
arrays. A backslash makes the next character literal (@odata\\.type is the one key \
@odata.type; \\, and \\= likewise). The header of a column is NAME, or the path as \
written. Without --fields, csv and tsv read the first 1000 records (at most 8 MiB of \
them) ahead and use their flattened keys, in the order first seen; a key first seen \
later is reported once on stderr and left out (with --strict-fields its record is bad \
data instead). table and text need no read-ahead: table reads all records first and \
uses all keys; text prints each record's own keys. When an object repeats a key, the \
last value fills the column; json, ndjson, text and xml keep both.

CSV and TSV. RFC 4180 through csv_core (the writer of the csv crate): a cell is quoted when it contains the \
delimiter, a double quote, CR or LF; quotes inside are doubled; a row of one empty \
cell is written as \"\"; lines end with LF. TSV is the same with a tab as delimiter \
(a cell holding a tab or newline is quoted, not escaped). The cells are those of \
jq -r '[...] | @csv' for the same paths: null and missing are empty in both; they \
differ only where jq changes the data: jq rewrites numbers (1.50 becomes 1.5, large \
integers lose digits), refuses objects and arrays, which aad-format writes as compact \
JSON, and (jq 1.6) writes a NUL character as the two characters \\0. --excel adds a UTF-8 byte-order mark, CRLF line ends, and a leading apostrophe (') \
to every string cell and header that starts with =, +, -, @, a tab or a CR, so that a \
spreadsheet shows it as text instead of running it as a formula (audit data carries \
attacker-chosen strings). JSON numbers are left as they are.

XML. <?xml version=\"1.0\" encoding=\"UTF-8\"?>, then <records> (--root) holding one \
<record> (--item) per input record, one record per line. Object keys become child \
elements in input order; array elements become repeated <item> elements; null becomes \
an empty element with nil=\"true\" (<app nil=\"true\"/>); an empty string, object or \
array becomes an empty element. A key that is not an XML name without a colon (an \
NCName: @odata.type, 2fa, a:b, a key with spaces, the empty key) becomes \
<field name=\"@odata.type\">. Text and attribute values are escaped by quick-xml (&lt; \
&amp; &gt; &quot; &apos;, and &#13; for CR, &#9; and &#10; in attributes); a newline in \
a text value is written as &#10;, so that each record stays on one line. Characters \
XML 1.0 cannot carry at all (U+0000 to U+0008, U+000B, U+000C, U+000E to U+001F, U+FFFE, \
U+FFFF) are written as the six characters \\uXXXX (upper-case hex, as JSON writes them), \
so the output is well-formed XML 1.0 for every input; note that a literal backslash-u \
text in the data looks the same. With --fields each column is one child element \
(nil=\"true\" when null or missing). The root element is closed even when there are no \
records.

text. For each record, one line per flattened key, \"key: value\" (\"key:\" when the \
value is empty), and a blank line between records. table: the same cells in aligned \
columns, cut to --max-width terminal columns with a trailing …. In text and table, \
control characters and Unicode bidirectional controls are shown escaped (\\n, \\t, \
\\u{1b}, \\u{202e}), so that data cannot move the cursor or reorder the terminal line.

Threads. json, ndjson, xml, text, and csv and tsv with --fields format records on \
--threads threads (by default one per CPU, at most 4) and write them in input order: \
the output, warnings and errors are byte for byte those of --threads 1. A line longer \
than 256 KiB (a Graph page) is formatted by the thread that reads, so that memory stays \
small. csv and tsv without --fields, and table, use one thread.

Limits. A line longer than --max-line (16M by default) is bad data, read past without \
being kept in memory. Without --fields, csv, tsv, text and table refuse a record whose \
objects nest more than 128 levels deep, and xml one whose objects or arrays do; json \
and ndjson pass-through, and --fields, accept any depth. A string with a lone UTF-16 surrogate escape (\\ud800) is passed through by json and \
ndjson and is an error where it has to be decoded.",
    ),
    (
        "DIAGNOSTICS",
        "\
A malformed line stops the run with status 6 and one line on stderr, \
aad-format: error: FILE:LINE:COLUMN: REASON, where FILE is the file as given or <stdin>, \
and COLUMN counts bytes from 1 (as serde_json reports them; a byte-order mark counts). \
The records before the bad line are written and the document is ended: the JSON array \
and the XML root element are closed.

With --skip-invalid each bad line (or bad record of a page) is reported as \
aad-format: warning: FILE:LINE:COLUMN: REASON; skipped, the run goes on, and it ends \
with aad-format: error: skipped N invalid lines or records and status 6: the output is \
complete except for what was skipped, and the status says that something was. Without \
skipped lines the status is 0.

Bad input is: a line that is not UTF-8 (a UTF-16 file gets its own message), not JSON, \
or JSON but not an object; a page whose value array holds something else than objects; \
a line longer than --max-line; nesting deeper than the formats that walk it allow; a \
string that cannot be decoded; and, with --strict-fields, a key first seen after the \
read-ahead. Without --strict-fields such a key is a warning, printed once per key. -q \
silences the warnings, not the errors.

Status 2 is a usage error: an unknown or malformed option, a bad --fields list, or an \
option that does not apply to the chosen format (--excel with --to json). Status 7: an \
input file cannot be opened or read. A closed stdout (aad-format ... | head) ends the \
run quietly with status 0.",
    ),
    (
        "ENVIRONMENT",
        "\
NO_COLOR    honoured; aad-format writes no colour in any case.

aad-format reads no other environment variables: everything is set by options.",
    ),
    (
        "FILES",
        "\
aad-format reads the FILE arguments in order as one stream (one header, one JSON array, \
one XML document), or stdin when there are none or for -. It writes only to stdout and \
stderr.",
    ),
    ("SEE ALSO", "aad-token(1), aad-fetch(1), aad-emulator(1), jq(1)"),
];

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
    fn the_man_sections_leave_exit_status_and_examples_to_the_generator() {
        // The generator writes EXIT STATUS from the shared table and EXAMPLES from
        // after_long_help; aad-format's own error rules are in DIAGNOSTICS.
        let titles: Vec<&str> = MAN_SECTIONS.iter().map(|(title, _)| *title).collect();
        assert_eq!(
            titles,
            ["FORMATS", "DIAGNOSTICS", "ENVIRONMENT", "FILES", "SEE ALSO"]
        );
    }

    #[test]
    fn long_help_carries_examples_and_the_status_table() {
        let help = Args::command().render_long_help().to_string();
        assert!(help.contains("--to csv --excel"));
        assert!(help.contains("--to xml"));
        assert!(help.contains("--to text"));
        assert!(help.contains("6  bad input data"));
    }
}
