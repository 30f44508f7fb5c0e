//! Input and output helpers: stdout as a buffered writer, files or `-` as input,
//! secret files, terminal detection.

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, IsTerminal, Read, StdoutLock};
use std::path::Path;

use crate::error::{Error, Result};

/// Buffer size for stdout and file input; large enough to amortise system calls.
pub const BUFFER_SIZE: usize = 64 * 1024;

/// Stdout, locked once and buffered. Callers flush on purpose (aad-fetch after each
/// page); a broken pipe surfaces as an [`io::Error`] that `run_main` treats as success.
pub fn stdout() -> BufWriter<StdoutLock<'static>> {
    BufWriter::with_capacity(BUFFER_SIZE, io::stdout().lock())
}

/// True when stdout is a terminal.
pub fn stdout_is_terminal() -> bool {
    io::stdout().is_terminal()
}

/// True when stderr is a terminal (progress lines are drawn only then).
pub fn stderr_is_terminal() -> bool {
    io::stderr().is_terminal()
}

/// True when stdin is a terminal (so it is not a pipe carrying data).
pub fn stdin_is_terminal() -> bool {
    io::stdin().is_terminal()
}

/// True unless `NO_COLOR` is set to a non-empty value (<https://no-color.org>).
pub fn color_allowed() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Opens a named input: a path, or `-` for stdin.
pub fn open_input(name: &str) -> Result<Box<dyn BufRead>> {
    if name == "-" {
        return Ok(Box::new(BufReader::with_capacity(BUFFER_SIZE, io::stdin())));
    }
    let file = File::open(name).map_err(|e| Error::file("open", Path::new(name), e))?;
    Ok(Box::new(BufReader::with_capacity(BUFFER_SIZE, file)))
}

/// Reads a secret from a file or `-` (stdin): the whole content without its trailing
/// line end. An empty secret is an error; the secret itself never appears in one.
pub fn read_secret(name: &str, what: &str) -> Result<String> {
    let mut text = String::new();
    if name == "-" {
        io::stdin()
            .lock()
            .read_to_string(&mut text)
            .map_err(|e| Error::file("read", Path::new("<stdin>"), e))?;
    } else {
        text =
            std::fs::read_to_string(name).map_err(|e| Error::file("read", Path::new(name), e))?;
    }
    let trimmed = text.trim_end_matches(['\r', '\n']);
    if trimmed.is_empty() {
        let source = if name == "-" { "stdin" } else { name };
        return Err(Error::usage(format!("{what} from '{source}' is empty")));
    }
    Ok(trimmed.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn read_secret_strips_the_line_end_only() {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        write!(file, "  s3cr3t ~\r\n").unwrap();
        let secret = read_secret(file.path().to_str().unwrap(), "client secret").unwrap();
        assert_eq!(secret, "  s3cr3t ~");
    }

    #[test]
    fn read_secret_refuses_an_empty_file() {
        let file = tempfile::NamedTempFile::new().unwrap();
        let err = read_secret(file.path().to_str().unwrap(), "client secret").unwrap_err();
        assert!(err.to_string().contains("is empty"), "{err}");
    }

    #[test]
    fn open_input_names_the_missing_file() {
        let err = open_input("/definitely/not/here.ndjson").err().unwrap();
        assert!(
            err.to_string()
                .starts_with("cannot open '/definitely/not/here.ndjson'")
        );
    }
}
