//! The `--output` file: its lock, its owner, and the reconciliation of its length with
//! the state that owns it.
//!
//! Exactly-once delivery cuts an output file back to the length its state recorded when
//! a run died between writing a page and recording it. That is only safe when every byte
//! past the recorded length was written under that same state, so:
//!
//! - every run that writes the file holds `FILE.lock` (an OS lock, released however the
//!   process ends), so two runs never interleave their pages;
//! - the first `--state` run that writes the file records its state file's path in
//!   `FILE.lock`; from then on, runs with another state (or none) refuse the file;
//! - the state remembers the file's length and a fingerprint of the bytes just before
//!   it, so a rotated or replaced file is recognised and never cut.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use aad_common::sanitize::printable;
use aad_common::{Error, Result, Status};
use ring::digest;

use crate::progress::Progress;
use crate::state::{lock_beside, sibling};
use crate::state_doc::OutputMark;

/// How many bytes before the recorded length the fingerprint covers.
const TAIL_BYTES: u64 = 4096;

/// An output file opened for appending, with its lock held for the whole run.
#[derive(Debug)]
pub(crate) struct OutputFile {
    pub(crate) file: File,
    pub(crate) path: PathBuf,
    _lock: File,
}

impl OutputFile {
    /// Opens `path` for appending and takes its lock. `owner` is the state file of this
    /// run (none without `--state`); a file that another state owns is refused, and an
    /// unowned file is claimed by `owner`.
    pub(crate) fn open(path: &Path, owner: Option<&Path>) -> Result<OutputFile> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| Error::file("create directory", dir, e))?;
        }
        let lock_path = sibling(path, ".lock");
        let Some(mut lock) = lock_beside(&lock_path)? else {
            return Err(Error::new(
                Status::File,
                format!(
                    "another aad-fetch run is writing '{}' (its lock '{}' is held)",
                    shown(path),
                    shown(&lock_path)
                ),
            )
            .with_hint("give each run its own --output file"));
        };
        let mut recorded = String::new();
        lock.read_to_string(&mut recorded)
            .map_err(|e| Error::file("read lock file", &lock_path, e))?;
        let recorded = recorded.trim_end_matches('\n');
        let ours = owner.map(owner_name).transpose()?;
        match (recorded.is_empty(), ours) {
            (true, None) => {}
            (true, Some(ours)) => {
                lock.set_len(0)
                    .and_then(|()| lock.write_all(format!("{ours}\n").as_bytes()))
                    .and_then(|()| lock.sync_all())
                    .map_err(|e| Error::file("write lock file", &lock_path, e))?;
            }
            (false, Some(ours)) if ours == recorded => {}
            (false, ours) => {
                let who = if ours.is_some() {
                    "another --state"
                } else {
                    "a --state run (a run without --state must not append to it)"
                };
                return Err(Error::new(
                    Status::File,
                    format!(
                        "'{}' is written by the state file '{}', not by {who}",
                        shown(path),
                        printable(recorded)
                    ),
                )
                .with_hint(format!(
                    "give each --state its own --output file; to hand this file to another state, delete '{}'",
                    shown(&lock_path)
                )));
            }
        }
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .read(true)
            .open(path)
            .map_err(|e| Error::file("open output file", path, e))?;
        Ok(OutputFile {
            file,
            path: path.to_path_buf(),
            _lock: lock,
        })
    }

    /// The file's current length and the fingerprint of the bytes before it.
    pub(crate) fn mark(&self) -> Result<OutputMark> {
        let length = self.length()?;
        Ok(OutputMark {
            path: self.path.display().to_string(),
            length,
            tail: Some(self.tail_before(length)?),
        })
    }

    /// Makes the file agree with the state's `mark`: bytes past the recorded length were
    /// written under this state by a run that died before recording them, and are cut.
    /// Returns the mark to continue from: `mark` itself, or the file as it is now when
    /// it is not the file the state recorded (another path, rotated, replaced).
    pub(crate) fn reconcile(&self, mark: &OutputMark, progress: &Progress) -> Result<OutputMark> {
        if mark.path != self.path.display().to_string() {
            progress.warn(&format!(
                "the state was kept for output '{}'; now writing to '{}'",
                printable(&mark.path),
                shown(&self.path)
            ));
            return self.mark();
        }
        let length = self.length()?;
        let same_file = length >= mark.length
            && match &mark.tail {
                Some(tail) => *tail == self.tail_before(mark.length)?,
                None => true,
            };
        if !same_file {
            progress.warn(&format!(
                "'{}' is not the file the state recorded (rotated or replaced?); appending",
                shown(&self.path)
            ));
            return self.mark();
        }
        if length > mark.length {
            progress.warn(&format!(
                "'{}' has {} bytes the last run wrote but did not record; removing them (they will be fetched again)",
                shown(&self.path),
                length - mark.length
            ));
            self.file
                .set_len(mark.length)
                .map_err(|e| Error::file("truncate", &self.path, e))?;
            self.file
                .sync_all()
                .map_err(|e| Error::file("sync", &self.path, e))?;
        }
        Ok(mark.clone())
    }

    fn length(&self) -> Result<u64> {
        Ok(self
            .file
            .metadata()
            .map_err(|e| Error::file("read the length of", &self.path, e))?
            .len())
    }

    /// 16 hex digits of the SHA-256 of up to [`TAIL_BYTES`] bytes before `end`.
    fn tail_before(&self, end: u64) -> Result<String> {
        let start = end.saturating_sub(TAIL_BYTES);
        let mut bytes = Vec::with_capacity((end - start) as usize);
        let mut reader = &self.file;
        reader
            .seek(SeekFrom::Start(start))
            .and_then(|_| reader.take(end - start).read_to_end(&mut bytes))
            .map_err(|e| Error::file("read", &self.path, e))?;
        Ok(digest::digest(&digest::SHA256, &bytes).as_ref()[..8]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect())
    }
}

impl Write for OutputFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.file.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

/// The name an owner is recorded under: its state file's absolute path.
/// The directory is resolved through symbolic links, so two spellings of one state
/// file name one owner.
fn owner_name(state: &Path) -> Result<String> {
    let dir = state
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let dir = dir
        .canonicalize()
        .map_err(|e| Error::file("resolve the directory of", state, e))?;
    Ok(dir
        .join(state.file_name().unwrap_or_default())
        .display()
        .to_string())
}

fn shown(path: &Path) -> String {
    printable(&path.display().to_string()).into_owned()
}
