//! Where the bearer token comes from, and renewing it.
//!
//! First found wins: `--token-command`, `--token-file`, `AAD_ACCESS_TOKEN`, stdin when it
//! is not a terminal. Only a command can renew: it runs again when the API rejects the
//! token or it is within five minutes of expiry.

use std::io::Read;
use std::process::{Command, Stdio};

use aad_common::token::{AccessToken, Secret};
use aad_common::{Error, Result};

/// Renew this many seconds before expiry.
const RENEW_MARGIN: i64 = 300;

const HINT: &str = "give a token with --token-command 'aad-token' (renewable), --token-file FILE, AAD_ACCESS_TOKEN, or on stdin (aad-token | aad-fetch ...)";

/// Where tokens come from.
#[derive(Debug)]
enum Source {
    /// A shell command; can renew.
    Command(String),
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
        let (source, text) = if let Some(cmd) = inputs.command.as_deref() {
            (Source::Command(cmd.to_string()), run_command(cmd)?)
        } else if let Some(file) = inputs.file.as_deref() {
            let text = if file == "-" {
                read_stdin()?
            } else {
                std::fs::read_to_string(file)
                    .map_err(|e| Error::file("read token file", std::path::Path::new(file), e))?
            };
            (Source::Fixed("--token-file"), text)
        } else if let Some(text) = inputs.env.clone().filter(|t| !t.trim().is_empty()) {
            (Source::Fixed("AAD_ACCESS_TOKEN"), text)
        } else if !inputs.stdin_is_terminal {
            (Source::Fixed("stdin"), read_stdin()?)
        } else {
            return Err(Error::usage("no access token").with_hint(HINT));
        };
        let current = parse(&text, source_name(&source))?;
        Ok(Tokens { source, current })
    }

    /// The token to send now, renewed first when it is about to expire and renewable.
    pub(crate) fn bearer(&mut self, now: i64) -> Result<&Secret> {
        if let (Source::Command(_), Some(exp)) = (&self.source, self.current.expires_on)
            && exp - now <= RENEW_MARGIN
        {
            self.renew()?;
        }
        Ok(&self.current.token)
    }

    /// The API rejected the token: renew it, or fail with status 3 when that is impossible.
    pub(crate) fn rejected(&mut self, detail: &str) -> Result<()> {
        match self.source {
            Source::Command(_) => self.renew(),
            Source::Fixed(from) => Err(Error::auth(format!("the API rejected the token from {from} ({detail})"))
                .with_hint("the token expired or is for another API (`aad-token --claims` shows 'aud' and 'exp'); use --token-command 'aad-token' so aad-fetch can renew it")),
        }
    }

    /// Whether a rejected token can be replaced.
    pub(crate) fn renewable(&self) -> bool {
        matches!(self.source, Source::Command(_))
    }

    /// The tenant the token names (`tid`), if known.
    pub(crate) fn tenant(&self) -> Option<&str> {
        self.current.tenant.as_deref()
    }

    fn renew(&mut self) -> Result<()> {
        if let Source::Command(cmd) = &self.source {
            let text = run_command(cmd)?;
            self.current = parse(&text, "--token-command")?;
        }
        Ok(())
    }
}

fn source_name(source: &Source) -> &'static str {
    match source {
        Source::Command(_) => "--token-command",
        Source::Fixed(name) => name,
    }
}

fn parse(text: &str, from: &str) -> Result<AccessToken> {
    let now = chrono::Utc::now().timestamp();
    AccessToken::parse_document(text, now).map_err(|e| {
        Error::auth(format!("cannot read a token from {from}"))
            .with_source(e)
            .with_hint(HINT)
    })
}

fn read_stdin() -> Result<String> {
    let mut text = String::new();
    std::io::stdin()
        .lock()
        .read_to_string(&mut text)
        .map_err(|e| Error::file("read the token from", std::path::Path::new("stdin"), e))?;
    Ok(text)
}

/// Runs the token command with `sh -c`; its stderr passes through, its stdout is the token.
fn run_command(cmd: &str) -> Result<String> {
    let out = Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| Error::auth("cannot run --token-command").with_source(e))?;
    if !out.status.success() {
        let how = out.status.code().map_or_else(
            || "was killed".to_string(),
            |c| format!("exited with status {c}"),
        );
        return Err(Error::auth(format!("--token-command {how}")).with_hint("run the command by hand to see why; `aad-token` needs AZURE_TENANT_ID, AZURE_CLIENT_ID and a credential"));
    }
    String::from_utf8(out.stdout)
        .map_err(|_| Error::auth("--token-command printed something that is not UTF-8"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_source_wins_and_env_tokens_cannot_renew() {
        let inputs = Inputs {
            command: None,
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
            file: None,
            env: None,
            stdin_is_terminal: true,
        };
        let err = Tokens::acquire(&inputs).unwrap_err();
        assert_eq!(err.to_string(), "--token-command exited with status 3");
    }
}
