//! The command line every tool shares: how it is parsed, how a usage error reads, what
//! ends every `--help`, and `--completions SHELL`.
//!
//! Clap prints its usage errors as a block of several lines and exits by itself; the
//! tools promise one line, `aad-X: error: ...`, an optional `hint:` line and status 2.
//! [`parse`] therefore asks clap for the error instead, turns it into an [`Error`]
//! ([`usage_error`]) and lets `run_main` print it like every other error. Help and
//! `--version` still print as clap writes them, on stdout, with status 0.

use std::ffi::OsString;
use std::io::Write as _;

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{ArgMatches, Command};
pub use clap_complete::Shell;

use crate::error::{Error, Result};
use crate::status::Status;

/// The id of the `--completions` argument ([`Standard`]).
const COMPLETIONS: &str = "completions";

/// The heading of the flags every tool has: `--completions`, `-h`, `-V`.
pub const HELP_HEADING: &str = "Help";

/// `--completions SHELL`, `-h/--help` and `-V/--version`, flattened into every tool's
/// `Args` (whose command sets `disable_help_flag` and `disable_version_flag`), so that
/// they stand together under one heading at the end of every help.
///
/// The completion script is generated from the same clap definition as the help, so
/// the two cannot drift apart.
#[derive(Debug, Clone, Default, clap::Args)]
#[command(next_help_heading = HELP_HEADING)]
pub struct Standard {
    /// Print a completion script for SHELL and exit
    #[arg(
        long = COMPLETIONS,
        value_name = "SHELL",
        value_enum,
        hide_possible_values = true,
        exclusive = true
    )]
    pub completions: Option<Shell>,

    /// Print help (see more with '--help')
    #[arg(
        short = 'h',
        long = "help",
        action = clap::ArgAction::Help,
        long_help = "Print help (see a summary with '-h')"
    )]
    help: Option<bool>,

    /// Print version
    #[arg(short = 'V', long = "version", action = clap::ArgAction::Version)]
    version: Option<bool>,
}

/// Parses this process's arguments with `cmd`. `Ok(None)` means there is nothing left to
/// do: help, the version or a completion script was printed.
pub fn parse(name: &str, cmd: Command) -> Result<Option<ArgMatches>> {
    parse_from(name, cmd, std::env::args_os())
}

/// [`parse`] with the arguments given (the first is the program name).
pub fn parse_from(
    name: &str,
    mut cmd: Command,
    args: impl IntoIterator<Item = impl Into<OsString> + Clone>,
) -> Result<Option<ArgMatches>> {
    match cmd.try_get_matches_from_mut(args) {
        Ok(matches) => match matches.try_get_one::<Shell>(COMPLETIONS).ok().flatten() {
            Some(&shell) => {
                let mut script = Vec::new();
                clap_complete::generate(shell, &mut cmd, name, &mut script);
                write_stdout(&script)?;
                Ok(None)
            }
            None => Ok(Some(matches)),
        },
        Err(err)
            if matches!(
                err.kind(),
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion
            ) =>
        {
            write_stdout(err.render().to_string().as_bytes())?;
            Ok(None)
        }
        Err(err) => Err(usage_error(Some(name), &err)),
    }
}

fn write_stdout(bytes: &[u8]) -> Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .map_err(Error::stdout)
}

/// A clap error as one line and a hint: the suggestion clap found (`did you mean
/// '--since'?`), the values a flag accepts, or where the options are listed.
pub fn usage_error(name: Option<&str>, err: &clap::Error) -> Error {
    let text = |kind| err.get(kind).map(context_text);
    let message = match err.kind() {
        ErrorKind::MissingRequiredArgument => format!(
            "missing required argument {}",
            text(ContextKind::InvalidArg).unwrap_or_else(|| "a required argument".into())
        ),
        ErrorKind::InvalidValue => {
            let mut line = first_line(err);
            if let Some(valid) = text(ContextKind::ValidValue) {
                line.push_str(&format!(" (possible values: {valid})"));
            }
            line
        }
        _ => first_line(err),
    };
    let suggestion = text(ContextKind::SuggestedArg)
        .or_else(|| text(ContextKind::SuggestedValue))
        .map(|s| format!("did you mean '{s}'?"));
    let hint = suggestion.unwrap_or_else(|| match name {
        Some(name) => format!("{name} --help shows the options"),
        None => "--help shows the options".to_string(),
    });
    Error::usage(message).with_hint(hint)
}

impl From<clap::Error> for Error {
    /// The same one line and hint as [`parse`] makes of a usage error (for
    /// `from_arg_matches`, which has no program name to give).
    fn from(err: clap::Error) -> Self {
        usage_error(None, &err)
    }
}

/// The first line of clap's own message, without its `error: ` prefix and styling.
fn first_line(err: &clap::Error) -> String {
    let rendered = err.render().to_string();
    let line = rendered.lines().next().unwrap_or("invalid arguments");
    line.strip_prefix("error: ")
        .unwrap_or(line)
        .trim()
        .to_string()
}

fn context_text(value: &ContextValue) -> String {
    match value {
        ContextValue::String(s) => s.clone(),
        ContextValue::Strings(list) => list.join(", "),
        ContextValue::StyledStr(s) => s.to_string(),
        ContextValue::StyledStrs(list) => list
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
            .join(", "),
        ContextValue::Number(n) => n.to_string(),
        ContextValue::Bool(b) => b.to_string(),
        _ => String::new(),
    }
}

/// The long help of `--completions` for the tool `name`: where each shell looks for
/// the script (each tool sets it with `mut_arg`).
pub fn completions_long_help(name: &str) -> String {
    [
        "Print a completion script for SHELL (bash, zsh, fish, powershell, elvish) and exit."
            .to_string(),
        "Install it where the shell looks for it:".to_string(),
        format!("  {name} --completions bash > ~/.local/share/bash-completion/completions/{name}"),
        format!(
            "  {name} --completions zsh > ~/.zfunc/_{name}   (fpath+=~/.zfunc before compinit)"
        ),
        format!("  {name} --completions fish > ~/.config/fish/completions/{name}.fish"),
        format!("  {name} --completions powershell >> $PROFILE"),
    ]
    .join("\n")
}

/// The man pages' COMMAND LINE section: the flag language the four tools share.
pub const CONVENTIONS: &str = "\
The four programs share one flag language; a short flag means the same in every program that has it:
-t FORMAT, --to FORMAT: the output format (aad-token: raw, json, header; aad-format: json, ndjson, csv, tsv, xml, text, table, ecs, ocsf, azure-monitor).
-o FILE, --output FILE: write to FILE instead of stdout (aad-fetch appends; aad-token replaces it with mode 0600; aad-format creates or truncates it; aad-emulator with --dump).
-f LIST, --fields LIST: columns (aad-format).
-w EXPR, --where EXPR: records to keep (aad-format; aad-fetch asks the service with --user, --failed and the other query flags instead).
-s FIELD, --sort FIELD: sort keys (aad-format).
-j N, --threads N: threads (aad-format).
-q, --quiet: nothing but errors on stderr (aad-token, aad-fetch, aad-format).
-v, --verbose: each request and decision on stderr, secrets masked (aad-token, aad-fetch, aad-emulator).
-h: a summary of the options; --help: all of it, with examples and the exit statuses.
-V, --version: the version.

A format name where a file belongs (-o csv, -o json) is refused with a hint; -o ./csv means the file. aad-token's -o raw, -o json and -o header are the old spelling of -t, kept for one release with a warning.

A usage error is one line, 'aad-X: error: WHAT', and a 'hint:' line: the flag clap suggests, the values a flag accepts, or 'aad-X --help shows the options'; the exit status is 2.

--completions SHELL prints a completion script for bash, zsh, fish, powershell or elvish (--help says where to install it).";

/// What `--help` prints after the options: the examples, then the exit statuses, the
/// same table in every tool. `examples` is the text under the `Examples:` heading.
pub fn long_help_epilogue(examples: &str) -> String {
    format!(
        "Examples:\n{}\n\nExit status:\n{}",
        examples.trim_start_matches('\n').trim_end(),
        Status::table()
    )
}

/// What `-h` prints after the options: where the rest is.
pub fn short_help_epilogue(name: &str) -> String {
    format!("Examples, details and the exit statuses: {name} --help (or man {name})")
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{Arg, ArgAction};

    fn command() -> Command {
        Command::new("aad-x")
            .version("1.0")
            .arg(Arg::new("since").long("since").value_name("WHEN"))
            .arg(
                Arg::new("to")
                    .long("to")
                    .value_parser(["csv", "json"])
                    .value_name("FORMAT"),
            )
            .arg(
                Arg::new("quiet")
                    .long("quiet")
                    .action(ArgAction::SetTrue)
                    .conflicts_with("since"),
            )
            .arg(Arg::new("report").value_name("REPORT").required(true))
    }

    fn error(args: &[&str]) -> Error {
        let mut all = vec!["aad-x"];
        all.extend_from_slice(args);
        parse_from("aad-x", command(), all).unwrap_err()
    }

    #[test]
    fn an_unknown_flag_gets_clap_s_suggestion() {
        let err = error(&["r", "--sinse", "1d"]);
        assert_eq!(err.status(), Status::Usage);
        assert_eq!(err.message(), "unexpected argument '--sinse' found");
        assert_eq!(err.hint(), Some("did you mean '--since'?"));
        let err = error(&["r", "--zzz"]);
        assert_eq!(err.hint(), Some("aad-x --help shows the options"));
    }

    #[test]
    fn a_bad_value_names_the_possible_ones() {
        let err = error(&["r", "--to", "csvv"]);
        assert_eq!(
            err.message(),
            "invalid value 'csvv' for '--to <FORMAT>' (possible values: csv, json)"
        );
        assert_eq!(err.hint(), Some("did you mean 'csv'?"));
    }

    #[test]
    fn missing_and_conflicting_arguments_are_one_line() {
        let err = error(&[]);
        assert_eq!(err.message(), "missing required argument <REPORT>");
        let err = error(&["r", "--quiet", "--since", "1d"]);
        assert_eq!(
            err.message(),
            "the argument '--quiet' cannot be used with '--since <WHEN>'"
        );
        assert!(!err.message().contains('\n'));
    }

    #[test]
    fn matches_come_back_when_nothing_was_printed() {
        let m = parse_from("aad-x", command(), ["aad-x", "r"]).unwrap();
        assert_eq!(
            m.unwrap().get_one::<String>("report").map(String::as_str),
            Some("r")
        );
    }

    #[test]
    fn the_epilogue_ends_with_the_status_table() {
        let text = long_help_epilogue("  aad-x r\n");
        assert!(text.starts_with("Examples:\n  aad-x r\n\nExit status:\n  0  success"));
        assert!(text.ends_with(&Status::table()));
    }
}
