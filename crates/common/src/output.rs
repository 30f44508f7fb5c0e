//! `-o/--output FILE`, the same flag in every tool: where the output goes, and the check
//! that FILE is not a format name typed where a file belongs.
//!
//! `-t/--to` names a format in every tool and `-o/--output` a file. `aad-fetch
//! directoryAudits -o csv` used to write NDJSON into a file called `csv` and exit 0;
//! [`check_file_name`] refuses such a name with a hint instead (`-o ./csv` still means
//! the file).

use std::fs::File;
use std::io::{self, BufWriter, StdoutLock, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::io::BUFFER_SIZE;
use crate::sanitize::printable;

/// Names that are formats somewhere in aad-tools (or commonly meant as one), never a
/// file a user means to create without a directory or an extension.
const FORMAT_WORDS: &[&str] = &[
    "json",
    "ndjson",
    "jsonl",
    "csv",
    "tsv",
    "xml",
    "text",
    "txt",
    "table",
    "raw",
    "header",
    "ecs",
    "ocsf",
    "azure-monitor",
    "yaml",
    "html",
];

/// True when `path` is a bare format word (`csv`, `JSON`), not a path (`./csv`, `a.csv`).
pub fn looks_like_format(path: &Path) -> bool {
    path.to_str().is_some_and(|text| {
        FORMAT_WORDS
            .iter()
            .any(|word| word.eq_ignore_ascii_case(text))
    })
}

/// The formats of `aad-format -t`, for hints that name one.
const AAD_FORMAT_FORMATS: &[&str] = &[
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
];

/// `aad-format -t WORD` when WORD is one of its formats, else `aad-format -t FORMAT`:
/// for the hints of the tools that write NDJSON.
pub fn aad_format_command(path: &Path) -> String {
    let word = path.to_str().unwrap_or_default().to_ascii_lowercase();
    if AAD_FORMAT_FORMATS.contains(&word.as_str()) {
        format!("aad-format -t {word}")
    } else {
        "aad-format -t FORMAT".to_string()
    }
}

/// Refuses `-o WORD` when WORD is a format name: a usage error whose hint is `hint`
/// followed by how to mean the file anyway.
pub fn check_file_name(path: &Path, hint: &str) -> Result<()> {
    if !looks_like_format(path) {
        return Ok(());
    }
    let shown = printable(&path.display().to_string()).into_owned();
    Err(Error::usage(format!(
        "--output '{shown}' looks like a format, not a file"
    ))
    .with_hint(format!("{hint}, or write -o ./{shown} to mean the file")))
}

/// Where output goes: stdout, or a file opened (created or truncated) before any work
/// starts, so that a path that cannot be written fails at once with status 7.
#[derive(Debug)]
pub enum Destination {
    /// Standard output.
    Stdout,
    /// `-o FILE`, shared by the writers made from it (one after the other).
    File(PathBuf, Arc<File>),
}

impl Destination {
    /// Stdout, or `path` created (or truncated) now.
    pub fn open(path: Option<&Path>) -> Result<Destination> {
        match path {
            None => Ok(Destination::Stdout),
            Some(path) => File::create(path)
                .map(|file| Destination::File(path.to_path_buf(), Arc::new(file)))
                .map_err(|e| Error::file("create", path, e)),
        }
    }

    /// The file's path, when output goes to a file.
    pub fn path(&self) -> Option<&Path> {
        match self {
            Destination::Stdout => None,
            Destination::File(path, _) => Some(path),
        }
    }

    /// A buffered writer. Stdout is locked here, so call this on the thread that writes.
    /// Writers made one after the other continue where the last one stopped (a file's
    /// writers share its offset), for a run that starts over on another thread.
    pub fn writer(&self) -> Writer {
        match self {
            Destination::Stdout => Writer::Stdout(crate::io::stdout()),
            Destination::File(_, file) => Writer::File(BufWriter::with_capacity(
                BUFFER_SIZE,
                SharedFile(Arc::clone(file)),
            )),
        }
    }
}

/// The writer of a [`Destination`].
#[derive(Debug)]
pub enum Writer {
    /// Buffered, locked stdout.
    Stdout(BufWriter<StdoutLock<'static>>),
    /// A buffered file.
    File(BufWriter<SharedFile>),
}

/// The file of a [`Destination`], written through a shared handle.
#[derive(Debug)]
pub struct SharedFile(Arc<File>);

impl Write for SharedFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        (&*self.0).write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        (&*self.0).flush()
    }
}

impl Write for Writer {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Writer::Stdout(w) => w.write(buf),
            Writer::File(w) => w.write(buf),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match self {
            Writer::Stdout(w) => w.write_all(buf),
            Writer::File(w) => w.write_all(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Writer::Stdout(w) => w.flush(),
            Writer::File(w) => w.flush(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_words_are_refused_and_paths_are_not() {
        for word in ["csv", "CSV", "json", "ndjson", "xml", "azure-monitor"] {
            assert!(looks_like_format(Path::new(word)), "{word}");
        }
        for path in ["./csv", "a.csv", "out/json", "csv2", "audits.ndjson", "-"] {
            assert!(!looks_like_format(Path::new(path)), "{path}");
        }
        let err = check_file_name(Path::new("csv"), "pipe it into aad-format -t csv").unwrap_err();
        assert_eq!(
            err.message(),
            "--output 'csv' looks like a format, not a file"
        );
        assert_eq!(
            err.hint(),
            Some("pipe it into aad-format -t csv, or write -o ./csv to mean the file")
        );
        assert_eq!(err.status(), crate::Status::Usage);
    }

    #[test]
    fn a_file_destination_fails_early_and_writes() {
        let dir = tempfile::tempdir().unwrap();
        let err = Destination::open(Some(&dir.path().join("no/such"))).unwrap_err();
        assert_eq!(err.status(), crate::Status::File);
        let path = dir.path().join("out.csv");
        let mut w = Destination::open(Some(&path)).unwrap().writer();
        w.write_all(b"a,b\n").unwrap();
        w.flush().unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "a,b\n");
    }
}
