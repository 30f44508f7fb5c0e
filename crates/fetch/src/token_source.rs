//! Where the bearer token comes from, and renewing it.
//!
//! First found wins: `--token-command`, `--token-file`, `AAD_ACCESS_TOKEN`, stdin when it
//! is not a terminal. Only a command can renew: it runs again when the API rejects the
//! token or it is within five minutes of expiry ([`crate::token_command`] runs it).
//!
//! A token document is read up to [`DOCUMENT_LIMIT`] and its token checked
//! ([`AccessToken::parse_document`]); input that cannot be a token ends the run with
//! status 3 at once, not after retries.

use std::path::Path;
use std::time::Duration;

use aad_common::io::{DOCUMENT_LIMIT, format_size, read_limited};
use aad_common::token::{AccessToken, Secret};
use aad_common::{Error, Result};

use crate::token_command;

/// Renew this many seconds before expiry.
const RENEW_MARGIN: i64 = 300;

const HINT: &str = "give a token with --token-command 'aad-token' (renewable), --token-file FILE, AAD_ACCESS_TOKEN, or on stdin (aad-token | aad-fetch ...)";

/// Where tokens come from.
#[derive(Debug)]
enum Source {
    /// A shell command and its time limit; can renew.
    Command(String, Duration),
    /// A file, the environment or stdin: read once.
    Fixed(&'static str),
}

/// The current token and how to get another.
#[derive(Debug)]
pub(crate) struct Tokens {
    source: Source,
    current: AccessToken,
}

/// Where a token may come from, as the settings found them; reading it is
/// [`Tokens::acquire`]'s job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Inputs {
    /// `--token-command`.
    pub(crate) command: Option<String>,
    /// `--token-timeout`: how long the command may take.
    pub(crate) command_timeout: Duration,
    /// `--token-file`.
    pub(crate) file: Option<String>,
    /// `AAD_ACCESS_TOKEN`.
    pub(crate) env: Option<String>,
    /// A terminal on stdin is a person, not a token: stdin is read only when it is not.
    pub(crate) stdin_is_terminal: bool,
}

impl Tokens {
    /// Finds the first source and reads a token from it.
    pub(crate) fn acquire(inputs: &Inputs) -> Result<Tokens> {
        if let Some(cmd) = inputs.command.as_deref() {
            let timeout = inputs.command_timeout;
            let current = run_command(cmd, timeout)?;
            let source = Source::Command(cmd.to_string(), timeout);
            return Ok(Tokens { source, current });
        }
        let (from, text) = if let Some(file) = inputs.file.as_deref() {
            let text = if file == "-" {
                read_token(
                    std::io::stdin().lock(),
                    "--token-file -",
                    Path::new("stdin"),
                )?
            } else {
                let path = Path::new(file);
                let opened = std::fs::File::open(path)
                    .map_err(|e| Error::file("read token file", path, e))?;
                read_token(opened, "--token-file", path)?
            };
            ("--token-file", text)
        } else if let Some(text) = inputs.env.clone().filter(|t| !t.trim().is_empty()) {
            ("AAD_ACCESS_TOKEN", text.into_bytes())
        } else if !inputs.stdin_is_terminal {
            let text = read_token(std::io::stdin().lock(), "stdin", Path::new("stdin"))?;
            ("stdin", text)
        } else {
            return Err(Error::usage("no access token").with_hint(HINT));
        };
        let current = parse(&text, from)?;
        Ok(Tokens {
            source: Source::Fixed(from),
            current,
        })
    }

    /// The token to send now, renewed first when it is about to expire and renewable.
    pub(crate) fn bearer(&mut self, now: i64) -> Result<&Secret> {
        if let (Source::Command(..), Some(exp)) = (&self.source, self.current.expires_on)
            && exp - now <= RENEW_MARGIN
        {
            self.renew()?;
        }
        Ok(&self.current.token)
    }

    /// The API rejected the token: renew it, or fail with status 3 when that is impossible.
    pub(crate) fn rejected(&mut self, detail: &str) -> Result<()> {
        match self.source {
            Source::Command(..) => self.renew(),
            Source::Fixed(from) => Err(Error::auth(format!("the API rejected the token from {from} ({detail})"))
                .with_hint("the token expired or is for another API (`aad-token --claims` shows 'aud' and 'exp'); use --token-command 'aad-token' so aad-fetch can renew it")),
        }
    }

    /// Whether a rejected token can be replaced.
    pub(crate) fn renewable(&self) -> bool {
        matches!(self.source, Source::Command(..))
    }

    /// The token at hand, as it is (for reading its claims; sending uses
    /// [`Tokens::bearer`], which renews).
    pub(crate) fn current(&self) -> &Secret {
        &self.current.token
    }

    /// The tenant the token names (`tid`), if known.
    pub(crate) fn tenant(&self) -> Option<&str> {
        self.current.tenant.as_deref()
    }

    fn renew(&mut self) -> Result<()> {
        if let Source::Command(cmd, timeout) = &self.source {
            self.current = run_command(cmd, *timeout)?;
        }
        Ok(())
    }
}

/// Reads a token document from `reader` (`from` names it in messages, `path` in I/O
/// errors): at most [`DOCUMENT_LIMIT`] bytes, since more cannot be a token.
fn read_token(reader: impl std::io::Read, from: &str, path: &Path) -> Result<Vec<u8>> {
    read_limited(reader, DOCUMENT_LIMIT).map_err(|e| {
        if e.kind() == std::io::ErrorKind::FileTooLarge {
            Error::auth(format!(
                "the token from {from} is longer than {}: that is not a token",
                format_size(DOCUMENT_LIMIT)
            ))
            .with_hint(HINT)
        } else {
            Error::file("read the token from", path, e)
        }
    })
}

/// Reads a token document (a raw token or JSON); `from` names its source.
fn parse(text: &[u8], from: &str) -> Result<AccessToken> {
    let cannot = || Error::auth(format!("cannot read a token from {from}")).with_hint(HINT);
    let text =
        std::str::from_utf8(text).map_err(|_| cannot().with_source("it is not UTF-8 text"))?;
    let now = chrono::Utc::now().timestamp();
    AccessToken::parse_document(text, now).map_err(|e| cannot().with_source(e))
}

/// Runs the token command, reads its token, then relays its stderr (with the new token
/// already known, so it is masked there too), and fails when the command failed.
fn run_command(cmd: &str, timeout: Duration) -> Result<AccessToken> {
    let finished = token_command::run(cmd, timeout)?;
    let token = finished
        .status
        .success()
        .then(|| parse(&finished.stdout, "--token-command"));
    token_command::relay_stderr(&finished.stderr);
    match token {
        Some(token) => token,
        None => {
            let how = finished.status.code().map_or_else(
                || "was killed".to_string(),
                |c| format!("exited with status {c}"),
            );
            Err(Error::auth(format!("--token-command {how}")).with_hint("run the command by hand to see why; `aad-token` needs AZURE_TENANT_ID, AZURE_CLIENT_ID and a credential"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_source_wins_and_env_tokens_cannot_renew() {
        let inputs = Inputs {
            command: None,
            command_timeout: Duration::from_secs(60),
            file: None,
            env: Some("abc.def.ghi".into()),
            stdin_is_terminal: true,
        };
        let mut tokens = Tokens::acquire(&inputs).unwrap();
        assert!(!tokens.renewable());
        assert_eq!(tokens.bearer(0).unwrap().expose(), "abc.def.ghi");
        let err = tokens.rejected("HTTP 401").unwrap_err();
        assert_eq!(err.status(), aad_common::Status::Auth);
        assert!(err.to_string().contains("AAD_ACCESS_TOKEN"));
    }

    #[test]
    fn command_tokens_renew_near_expiry() {
        let inputs = Inputs {
            command: Some("echo '{\"accessToken\":\"t1\",\"expires_on\":1000}'".into()),
            command_timeout: Duration::from_secs(60),
            file: None,
            env: None,
            stdin_is_terminal: true,
        };
        let mut tokens = Tokens::acquire(&inputs).unwrap();
        assert_eq!(tokens.bearer(0).unwrap().expose(), "t1");
        // Within five minutes of expiry the command runs again (here: same answer).
        assert_eq!(tokens.bearer(800).unwrap().expose(), "t1");
        assert!(tokens.renewable());
    }

    #[test]
    fn nothing_given_is_a_usage_error_with_a_hint() {
        let inputs = Inputs {
            command: None,
            command_timeout: Duration::from_secs(60),
            file: None,
            env: None,
            stdin_is_terminal: true,
        };
        let err = Tokens::acquire(&inputs).unwrap_err();
        assert_eq!(err.status(), aad_common::Status::Usage);
        assert!(err.hint().unwrap().contains("--token-command"));
    }

    #[test]
    fn a_failing_command_is_an_auth_error() {
        let inputs = Inputs {
            command: Some("exit 3".into()),
            command_timeout: Duration::from_secs(60),
            file: None,
            env: None,
            stdin_is_terminal: true,
        };
        let err = Tokens::acquire(&inputs).unwrap_err();
        assert_eq!(err.to_string(), "--token-command exited with status 3");
    }
}
