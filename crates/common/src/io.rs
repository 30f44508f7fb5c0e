//! Input and output helpers: stdout as a buffered writer, files or `-` as input,
//! secret files, reads with a size limit, terminal detection.
//!
//! Whatever the tools read whole (secrets, tokens, certificates, caches, a token
//! command's output) is read through [`read_limited`]: `/dev/zero` or a runaway command
//! ends the read at the limit with an error instead of filling memory.

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, IsTerminal, Read, StdoutLock};
use std::path::Path;

use crate::error::{Error, Result};

/// Buffer size for stdout and file input; large enough to amortise system calls.
pub const BUFFER_SIZE: usize = 64 * 1024;

/// The longest secret or token read (client secrets, federated tokens, access tokens):
/// real ones are a few KB.
pub const SECRET_LIMIT: u64 = 64 * 1024;

/// The longest document read whole (a token document such as `aad-token -t json`, a
/// certificate and key, a cache file): a token and what is said about it, with room.
pub const DOCUMENT_LIMIT: u64 = 1024 * 1024;

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

/// Creates `dir` and its missing parents readable only by the user (mode 0700 on Unix):
/// state, budget and token files name what a user pulls and must not be listed by
/// others. Directories that exist already keep their mode; callers that need them
/// private check them.
pub fn create_private_dir_all(dir: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// `limit` bytes as people write them: `64 KiB`, `1 MiB`.
pub fn format_size(limit: u64) -> String {
    match limit {
        n if n >= 1 << 20 && n % (1 << 20) == 0 => format!("{} MiB", n >> 20),
        n if n >= 1 << 10 && n % (1 << 10) == 0 => format!("{} KiB", n >> 10),
        n => format!("{n} bytes"),
    }
}

/// Reads `reader` to its end, but never more than `limit` bytes: past that the read
/// stops with an error of kind [`io::ErrorKind::FileTooLarge`] that names the limit.
pub fn read_limited(reader: impl Read, limit: u64) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(io::Error::new(
            io::ErrorKind::FileTooLarge,
            format!("it holds more than {}, the limit", format_size(limit)),
        ));
    }
    Ok(bytes)
}

/// Reads the file at `path` whole, up to `limit` bytes; an error (status 7) names
/// `what` and the path ("cannot read certificate '/dev/zero' (it holds more than 1 MiB,
/// the limit)").
pub fn read_file_limited(path: &Path, limit: u64, what: &str) -> Result<Vec<u8>> {
    File::open(path)
        .and_then(|file| read_limited(file, limit))
        .map_err(|e| Error::file(&format!("read {what}"), path, e))
}

/// Reads a secret from a file or `-` (stdin), at most [`SECRET_LIMIT`] bytes: the whole
/// content without its trailing line end. An empty secret is an error; the secret itself
/// never appears in one.
pub fn read_secret(name: &str, what: &str) -> Result<String> {
    let bytes = if name == "-" {
        read_limited(io::stdin().lock(), SECRET_LIMIT)
            .map_err(|e| Error::file(&format!("read {what} from"), Path::new("stdin"), e))?
    } else {
        read_file_limited(Path::new(name), SECRET_LIMIT, what)?
    };
    let text = String::from_utf8(bytes).map_err(|_| {
        let source = if name == "-" { "stdin" } else { name };
        Error::new(
            crate::Status::File,
            format!("{what} from '{source}' is not UTF-8 text"),
        )
    })?;
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
    fn read_secret_stops_at_the_limit() {
        let err = read_secret("/dev/zero", "the client secret").unwrap_err();
        assert_eq!(err.status(), crate::Status::File);
        assert_eq!(
            err.to_string(),
            "cannot read the client secret '/dev/zero' (it holds more than 64 KiB, the limit)"
        );
    }

    #[test]
    fn limited_reads_take_exactly_the_limit() {
        assert_eq!(read_limited(&b"abcd"[..], 4).unwrap(), b"abcd");
        let err = read_limited(&b"abcde"[..], 4).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::FileTooLarge);
        assert_eq!(format_size(DOCUMENT_LIMIT), "1 MiB");
        assert_eq!(format_size(SECRET_LIMIT), "64 KiB");
        assert_eq!(format_size(1000), "1000 bytes");
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
