//! The man page's own sections: every rule of the formats, the expression language, the
//! presets, the limits and the diagnostics, in plain text (the generator adds NAME,
//! SYNOPSIS, DESCRIPTION, OPTIONS, EXIT STATUS and EXAMPLES).

/// Extra man-page sections, as plain text (the generator adds NAME, SYNOPSIS,
/// DESCRIPTION and OPTIONS from [`Args`](super::Args)).
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
arrays. name=a.b|c.d is one column that holds the first of its paths whose value is \
set and not null (null when all are null, empty when all are missing): \
who=initiatedBy.user.userPrincipalName|initiatedBy.app.displayName. @signins, \
@audits and @provisioning stand for the columns of a report shape (see PRESETS) and \
mix with other columns (-f @signins,extra.path); -f @all alone is every flattened \
key, as without --fields. Escapes: a backslash makes the next character literal, \
whatever it is (@odata\\.type is the one key @odata.type; \\, \\= \\| \\@ and \\\\ \
likewise); a backslash with nothing after it, an empty step (a..b, a.) and an empty \
column are usage errors. A step that is a plain decimal number matches an array \
index or an object key of that text. The header of a column is NAME, or the paths as \
written. Without --fields, csv and tsv read the first 1000 records (at most 8 MiB of \
them) ahead and use their flattened keys, in the order first seen; a key first seen \
later is reported once on stderr and left out (with --strict-fields its record is bad \
data instead). table and text need no read-ahead: table reads all records first; \
text prints each record's own keys; both show a preset's columns when they recognise \
the report (see PRESETS). When an object repeats a key, the last value fills the \
column; json, ndjson, text and xml keep both. A --fields column (not from a preset) \
whose paths find no value in any of the first 1000 records read is named in a warning \
on stderr, once, with the nearest key those records had when one is close: \
aad-format: warning: --fields path 'userPrincipleName' matched nothing in the first \
1000 records (did you mean 'userPrincipalName'?). The check sees every record read, \
also those --where leaves out.

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
array becomes an empty element. A key becomes an element of its name when it is an \
ASCII name without a colon: a letter or _, then letters, digits, _, - and . \
(activityDateTime, user_type). Any other key becomes <field name=\"...\"> with the key \
in the attribute: @odata.type, 2fa, a:b, a key with spaces, the empty key, and every \
key with a character beyond ASCII (café, for one). XML 1.0 fifth edition allows most of \
those as names, but widely deployed parsers (expat, and with it Python and many \
SIEMs) follow the fourth edition and refuse thousands of them; the attribute form is \
read by every parser. Text and attribute values are escaped by quick-xml (&lt; \
&amp; &gt; &quot; &apos;, and &#13; for CR, &#9; and &#10; in attributes); a newline in \
a text value is written as &#10;, so that each record stays on one line. Characters \
XML 1.0 cannot carry at all (U+0000 to U+0008, U+000B, U+000C, U+000E to U+001F, U+FFFE, \
U+FFFF) are written as the six characters \\uXXXX (upper-case hex, as JSON writes them), \
so the output is well-formed XML 1.0 for every input; note that a literal backslash-u \
text in the data looks the same. With --fields each column is one child element \
(nil=\"true\" when null or missing). The root element is closed even when there are no \
records.

text. For each record, one line per flattened key, \"key: value\" (\"key:\" when the \
value is empty), and a blank line between records; a record of a known report shape \
shows its preset's columns instead (see PRESETS). table: the same cells in aligned \
columns, cut to --max-width terminal columns (40; 0 for no limit) with a trailing …. \
When stdout is a terminal, the table also fits its width (COLUMNS when set to a \
number, else the width the terminal reports): the widest columns are cut further, \
each down to the next widest, but none below 4 columns; a table that still does not \
fit is wider than the terminal. When stdout is not a terminal the table is not fitted. \
In text and table, control characters (C0 and C1), the line and paragraph separators \
U+2028 and U+2029, and Unicode bidirectional controls are shown escaped (\\n, \\t, \\u{1b}, \
\\u{85}, \\u{2028}, \\u{202e}), so that one value is one line and data cannot move the \
cursor or reorder the terminal line.

Threads. json, ndjson, xml, text, and csv and tsv with --fields format records on \
--threads threads (by default one per CPU, at most 4) and write them in input order: \
the output, warnings and errors are byte for byte those of --threads 1. A line longer \
than 256 KiB (a Graph page) is formatted by the thread that reads, so that memory stays \
small. csv and tsv without --fields, table, and every format with --sort use one \
thread. When fewer threads can be started than asked for (a resource limit such as \
ulimit -u), a warning says how many run and the output is the same; when none can, \
the run goes on one thread. Under an address-space limit (ulimit -v), each thread is \
counted as 72 MiB (its stack and malloc arena) and 64 MiB are kept for the run itself: \
only the threads that fit are started, with the same warning.

Limits. A line longer than --max-line (16M by default, at most 1G) is bad data; its \
bytes are not kept, and without --skip-invalid the run stops at it, so a line that \
never ends (/dev/zero) stops there too. Memory per record stays within a small \
multiple of its size; what would not is refused as bad data, with the reason: \
without --fields, csv, tsv, text and table refuse a record whose objects nest more \
than 128 levels deep, or whose dotted keys would add up to more than 8 times the \
record's size (a long key above many others: each dotted key repeats the keys above \
it); xml refuses a record whose objects or arrays nest more than 128 levels deep; \
json --pretty refuses a record nested more than 128 levels deep or whose indented \
layout would be more than 16 times its size (the indentation grows with the depth); \
json and ndjson without --pretty, and --fields, accept any depth. A string with a lone UTF-16 surrogate escape (\\ud800) is passed through by json and \
ndjson and is an error where it has to be decoded.",
    ),
    (
        "SELECTING AND SORTING",
        "\
--where EXPR writes only the records for which EXPR holds; the others are skipped (and \
not counted as bad). EXPR is tests on field paths, combined:

  expr  = and { or and }
  and   = unary { and unary }
  unary = not unary | ( expr ) | test
  test  = PATH exists
        | PATH = VALUE | PATH != VALUE
        | PATH < VALUE | PATH <= VALUE | PATH > VALUE | PATH >= VALUE
        | PATH ~ 'REGEX'
        | PATH in ( VALUE , ... )
  VALUE = 'string' | \"string\" | number | true | false | null

not binds tightest, then and, then or; parentheses group. A PATH is written as in \
--fields (dots, numbers index arrays, a backslash makes the next character literal) \
and ends at a space or at one of ( ) = ! < > ~ , ' \"; the words and, or, not, in, \
exists, true, false and null are keywords, so a key of that name is written \\and. \
Strings are quoted with ' or \" (a backslash makes the next character literal); a \
number is a JSON number (-1.5, 5e3); other bare words are an error (quote strings).

Comparisons are typed as JSON types them: a number compares with a number (as 64-bit \
floats: 50126 = 5.0126e4), a string with a quoted string, and values of different \
types are never equal and never ordered: errorCode = '0' is false for the number 0, \
and a quoted number in the data (\"0\") is a string. Strings compare by Unicode code \
point, except that when both sides are RFC 3339 date-times they compare as instants \
(createdDateTime >= '2026-11-29T00:00:00Z' also holds for a time written with seven \
fraction digits or another offset); a bare date ('2026-11-29') is just a string. = \
and != on true, false and null; <, <=, >, >= on numbers and strings only (other \
values are a usage error). A missing value and null are equal to null and fail every \
other test, and != is exactly not =: a != 1 holds when a is missing. exists holds \
when the value is there and not null (objects and arrays too). ~ holds when the \
string matches the regular expression anywhere (Rust regex syntax: ^ and $ anchor, \
(?i) ignores case); it never holds for other types. in (v1, v2) is = v1 or = v2. A \
step on an array must be an index: targetResources.0.id; a path through an array \
without one (targetResources.id) finds nothing, so it does not mean any element. \
Examples: status.errorCode != 0; result = 'failure' and not \
initiatedBy.app.displayName exists; appDisplayName ~ '(?i)teams|outlook'; \
category in ('UserManagement', 'GroupManagement'). An error in EXPR is a usage \
error (status 2) that names its column (1-based, in characters): aad-format: error: \
--where: column 21: 'open' is not a value: quote strings ('open').

--sort FIELD[:desc] sorts the records by FIELD (a path, as in --fields), ascending or, \
with :desc, descending (:asc is the default); more keys, comma-separated or with \
another --sort, break ties in order. It reads every record before it writes one, so \
its memory grows with the input (the records are kept as they are, plus their keys) \
and it runs on one thread; the output starts when the input ends. The sort is \
stable: records with equal keys keep their input order. The order is typed: numbers \
by value, then RFC 3339 times by instant (whatever their fraction digits or offset), \
then other strings by code point, then false and true, then objects and arrays by \
their compact JSON; records where the key is missing or null come last, with :desc \
too.",
    ),
    (
        "PRESETS",
        "\
A preset is the columns that make a report readable; -f @NAME uses them, alone or \
with more columns:

@signins: time=createdDateTime, user=userPrincipalName, app=appDisplayName, \
ip=ipAddress, error=status.errorCode, reason=status.failureReason, \
client=clientAppUsed, ca=conditionalAccessStatus.

@audits: time=activityDateTime, activity=activityDisplayName, result, \
by=initiatedBy.user.userPrincipalName|initiatedBy.app.displayName, \
target=targetResources.0.userPrincipalName|targetResources.0.displayName, category.

@provisioning: time=activityDateTime, action=provisioningAction, \
status=provisioningStatusInfo.status, source=sourceIdentity.displayName, \
target=targetIdentity.displayName, system=targetSystem.displayName, \
error=provisioningStatusInfo.errorInformation.reason.

--to table and --to text without --fields recognise a record's shape by its \
top-level keys: createdDateTime and userPrincipalName make a sign-in (@signins), \
activityDisplayName and initiatedBy an audit event (@audits), activityDateTime and \
provisioningAction a provisioning event (@provisioning). table decides on the first \
record: a recognised one gives the preset's columns for the whole table and, without \
--sort, rows sorted by its time column, oldest first (records without a time last); \
any other first record gives every flattened key, in input order, as before. text \
decides for each record. -f @all shows every key instead.",
    ),
    (
        "TIMES",
        "\
--time sets how csv, tsv, text and table write a cell whose value is a string holding \
a whole RFC 3339 date-time (2026-11-29T21:47:56.0730881Z, 2026-11-29T22:47:56+01:00); \
other cells are unchanged. utc (the default) writes it as it is in the data (Graph \
writes UTC). local converts it to the local time zone (TZ, else /etc/localtime) and \
writes RFC 3339 with the offset, keeping the fraction digits as they were: \
2026-11-29T22:47:56.0730881+01:00. excel writes it in UTC as YYYY-MM-DD HH:MM:SS, \
with .mmm when the milliseconds are not zero (2026-11-29 21:47:56.073; finer digits \
are dropped), the date-time text Excel and LibreOffice Calc turn into a date-time \
value when they open a CSV file (spreadsheets have no time zones, so it is UTC). \
--time does not apply to json, ndjson and xml, which copy values as they are: it is \
a usage error there. The table's sort by time compares the instants, whatever --time \
writes.",
    ),
    ("SIEM FORMATS", crate::siem::man::SECTION),
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
read-ahead. Without --strict-fields such a key is a warning, printed once per key. \
Other warnings: a --fields path that found nothing in the first records, and threads \
that could not be started. -q silences the warnings, not the errors.

Status 2 is a usage error: an unknown or malformed option, a bad --fields list, \
--where expression or --sort key, a number out of range (--threads 1 to 256, \
--max-line 1 byte to 1G, --max-width 0 or 2 to 1048576), or an option that does not \
apply to the chosen format (--excel with --to json). Status 7: an \
input file cannot be opened or read, or stdout (or the -o FILE) cannot be created or \
written (also past a file-size limit, ulimit -f: cannot write to stdout (File too \
large)). A closed stdout (aad-format ... | head) ends the \
run quietly with status 0.",
    ),
    (
        "ENVIRONMENT",
        "\
COLUMNS     the terminal's width for --to table, when stdout is a terminal (a number \
from 1 to 10000; otherwise the terminal is asked).
TZ          the local time zone of --time local.
NO_COLOR    honoured; aad-format writes no colour in any case.

aad-format reads no other environment variables: everything else is set by options.",
    ),
    (
        "FILES",
        "\
aad-format reads the FILE arguments in order as one stream (one header, one JSON array, \
one XML document), or stdin when there are none or for -. It writes to stdout, or with \
-o FILE to FILE (created, or truncated when it exists, before any input is read), and \
diagnostics to stderr. A format name given as FILE (-o csv) is refused as a usage error; \
-o ./csv means the file.",
    ),
    ("SEE ALSO", "aad-token(1), aad-fetch(1), aad-emulator(1), jq(1)"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_man_sections_leave_exit_status_and_examples_to_the_generator() {
        // The generator writes EXIT STATUS from the shared table and EXAMPLES from
        // after_long_help; aad-format's own error rules are in DIAGNOSTICS.
        let titles: Vec<&str> = MAN_SECTIONS.iter().map(|(title, _)| *title).collect();
        assert_eq!(
            titles,
            [
                "FORMATS",
                "SELECTING AND SORTING",
                "PRESETS",
                "TIMES",
                "SIEM FORMATS",
                "DIAGNOSTICS",
                "ENVIRONMENT",
                "FILES",
                "SEE ALSO"
            ]
        );
    }
}
