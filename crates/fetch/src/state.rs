//! The `--state` file on disk: its lock, reading it, appending a journal line per page,
//! and compacting it. What it holds is [`crate::state_doc`].
//!
//! - **Per page, O(page).** Each page appends one journal line and fsyncs it, so the
//!   cost of a page does not grow with the family or the overlap.
//! - **Compaction** rewrites the snapshot atomically (temporary file, fsync, rename,
//!   fsync of the directory) with an empty journal: when the journal outgrows the
//!   snapshot ([`StateFile::wants_compaction`]), at the end of a run, and when an old or
//!   torn file is opened. Amortised, it too costs O(page) per page.
//! - **A crash while appending** leaves at most a torn last line, which reading ignores
//!   (the output file is reconciled with the line before it). Any other line that does
//!   not parse is damage, reported with its line number.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::Write;
use std::path::{Path, PathBuf};

use aad_common::{Error, Result, Status};

use crate::cli::IfLocked;
use crate::identity::{QueryIdentity, StoredQuery};
use crate::progress::Progress;
use crate::state_doc::{JournalLine, StateDoc, VERSION};

/// The journal is compacted when it exceeds this many times the snapshot...
const JOURNAL_PER_SNAPSHOT: u64 = 4;
/// ... but not before it reaches this size (a small snapshot would compact every page)...
const JOURNAL_FLOOR: u64 = 256 << 10;
/// ... and always when it reaches this size.
const JOURNAL_CEILING: u64 = 8 << 20;

/// An open, locked state file.
#[derive(Debug)]
pub(crate) struct StateFile {
    path: PathBuf,
    /// Held for the whole run; the OS releases it when the process ends, however it ends.
    _lock: File,
    /// What the file holds; the writer changes it in place, [`StateFile::compact`]
    /// writes it.
    pub(crate) doc: StateDoc,
    /// The file opened for appending, after the last snapshot was written.
    journal: Option<File>,
    snapshot_bytes: u64,
    journal_bytes: u64,
}

impl StateFile {
    /// Locks and reads the state file (or starts a new one, creating its directory
    /// private to the user) for `query`. When another run holds it, `if_locked` says
    /// what to do: `None` is a skipped run.
    pub(crate) fn open(
        path: &Path,
        query: &QueryIdentity,
        if_locked: IfLocked,
        progress: &Progress,
    ) -> Result<Option<StateFile>> {
        create_private_parent(path)?;
        let lock_path = sibling(path, ".lock");
        let lock = match lock_beside(&lock_path)? {
            Some(lock) => lock,
            None => {
                let holder = holder(&lock_path);
                match if_locked {
                    IfLocked::Fail => return Err(Error::new(
                        Status::File,
                        format!("another aad-fetch run{holder} is using the state file '{}' (its lock '{}' is held)", path.display(), lock_path.display()),
                    )
                    .with_hint("runs on one state file must not overlap; make the scheduler skip a run while the previous one is still going (--if-locked skip or wait)")),
                    IfLocked::Skip => {
                        progress.outcome("skipped", &format!("the state file '{}' is locked by another run{holder}", path.display()));
                        return Ok(None);
                    }
                    IfLocked::Wait => {
                        progress.note(format!("waiting for another run{holder} to release the state file"));
                        wait_for_lock(&lock_path)?
                    }
                }
            }
        };
        record_holder(&lock, &lock_path)?;
        let (doc, clean, snapshot_bytes, journal_bytes) = match std::fs::read(path) {
            Ok(bytes) => {
                let (doc, clean) = read(path, &bytes)?;
                let snapshot = bytes
                    .iter()
                    .position(|&b| b == b'\n')
                    .map_or(bytes.len(), |n| n + 1);
                (doc, clean, snapshot as u64, (bytes.len() - snapshot) as u64)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => (
                StateDoc::new(StoredQuery::Identity(query.clone())),
                false,
                0,
                0,
            ),
            Err(e) => return Err(Error::file("read state file", path, e)),
        };
        if !query.accepts(&doc.query) {
            return Err(Error::usage(format!(
                "the state file '{}' was made for {}; this run asks for {query}",
                path.display(),
                doc.query
            ))
            .with_hint("use one state file per report and query"));
        }
        let mut state = StateFile {
            path: path.to_path_buf(),
            _lock: lock,
            doc,
            journal: None,
            snapshot_bytes,
            journal_bytes,
        };
        // The query as this run knows it (a tenant learned, a version 1 text replaced).
        state.doc.query = StoredQuery::Identity(query.clone());
        if !clean {
            state.compact()?;
        }
        Ok(Some(state))
    }

    /// Where the state file is: an `--output` file's lock names it as the owner.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Appends a journal line and fsyncs it; returns its size in bytes.
    pub(crate) fn append(&mut self, line: &JournalLine) -> Result<u64> {
        let mut text = serde_json::to_vec(line)
            .map_err(|e| Error::internal("cannot encode the state").with_source(e))?;
        text.push(b'\n');
        let path = &self.path;
        let journal = match &mut self.journal {
            Some(file) => file,
            slot => slot.insert(
                OpenOptions::new()
                    .append(true)
                    .open(path)
                    .map_err(|e| Error::file("open state file", path, e))?,
            ),
        };
        journal
            .write_all(&text)
            .and_then(|()| journal.sync_data())
            .map_err(|e| Error::file("write state file", path, e))?;
        self.journal_bytes += text.len() as u64;
        Ok(text.len() as u64)
    }

    /// Whether the journal has grown enough to be folded into the snapshot.
    pub(crate) fn wants_compaction(&self) -> bool {
        let limit =
            (self.snapshot_bytes * JOURNAL_PER_SNAPSHOT).clamp(JOURNAL_FLOOR, JOURNAL_CEILING);
        self.journal_bytes > limit
    }

    /// Writes the snapshot atomically (a temporary file, fsync, rename, fsync of the
    /// directory); the journal starts empty.
    pub(crate) fn compact(&mut self) -> Result<()> {
        self.doc.version = VERSION;
        // One run at a time holds the lock, so one temporary name is enough; a file left
        // by a killed run is simply overwritten.
        let tmp = sibling(&self.path, ".tmp");
        let mut text = serde_json::to_vec(&self.doc)
            .map_err(|e| Error::internal("cannot encode the state").with_source(e))?;
        text.push(b'\n');
        let write = || -> std::io::Result<()> {
            let mut file = File::create(&tmp)?;
            file.write_all(&text)?;
            file.sync_all()?;
            std::fs::rename(&tmp, &self.path)?;
            File::open(parent_dir(&self.path))?.sync_all()
        };
        write().map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            Error::file("write state file", &self.path, e)
        })?;
        self.journal = None;
        self.snapshot_bytes = text.len() as u64;
        self.journal_bytes = 0;
        Ok(())
    }

    /// [`StateFile::open`] failing when locked, for unit tests.
    #[cfg(test)]
    pub(crate) fn open_or_fail(path: &Path, query: &QueryIdentity) -> Result<StateFile> {
        let quiet = crate::progress::Mode {
            draw: false,
            verbose: false,
            quiet: true,
        };
        let progress = Progress::new(quiet, "test");
        StateFile::open(path, query, IfLocked::Fail, &progress)
            .map(|s| s.expect("the state opens or fails"))
    }

    /// The size of the file: snapshot and journal.
    #[cfg(test)]
    pub(crate) fn bytes(&self) -> u64 {
        self.snapshot_bytes + self.journal_bytes
    }
}

/// Reads a state file: the snapshot, then each journal line applied. Returns the state
/// and whether the file can be appended to as it is (false: an old version, or a torn
/// last line, which a compaction replaces).
pub(crate) fn read(path: &Path, bytes: &[u8]) -> Result<(StateDoc, bool)> {
    let damaged = |line: usize, e: serde_json::Error| {
        Error::new(
            Status::File,
            format!("the state file '{}' is damaged at line {line}", path.display()),
        )
        .with_source(e)
        .with_hint("restore it from a backup, or delete it to start again from --since (records of the overlap may then be written again)")
    };
    // A file of one JSON object (version 1, or a snapshot edited by hand) reads whole.
    if let Ok(doc) = serde_json::from_slice::<StateDoc>(bytes) {
        return check_version(path, doc).map(|doc| {
            let clean = doc.version == VERSION && bytes.ends_with(b"\n");
            (doc, clean)
        });
    }
    let mut lines = bytes.split(|&b| b == b'\n').enumerate().peekable();
    let first = lines.next().map_or(&b""[..], |(_, l)| l);
    let mut doc: StateDoc = serde_json::from_slice(first).map_err(|e| damaged(1, e))?;
    doc = check_version(path, doc)?;
    let mut clean = true;
    while let Some((index, line)) = lines.next() {
        let last = lines.peek().is_none();
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice::<JournalLine>(line) {
            Ok(entry) => {
                doc.apply(entry);
                // A complete line that lost only its newline is kept, and rewritten.
                clean &= !last;
            }
            // A crash while appending tears the last line at most.
            Err(_) if last => clean = false,
            Err(e) => return Err(damaged(index + 1, e)),
        }
    }
    Ok((doc, clean))
}

fn check_version(path: &Path, doc: StateDoc) -> Result<StateDoc> {
    if doc.version == 0 || doc.version > VERSION {
        return Err(Error::new(
            Status::File,
            format!(
                "the state file '{}' has version {}, this aad-fetch reads versions 1 to {VERSION}",
                path.display(),
                doc.version
            ),
        ));
    }
    Ok(doc)
}

/// Creates the directory of `path` when it is missing, readable only by the user (the
/// state names the output file and holds record ids).
fn create_private_parent(path: &Path) -> Result<()> {
    let dir = parent_dir(path);
    if dir.exists() {
        return Ok(());
    }
    aad_common::io::create_private_dir_all(dir).map_err(|e| Error::file("create directory", dir, e))
}

/// The directory a file is in (`.` for a bare name).
fn parent_dir(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// Opens the lock file `lock_path`, creating it; its contents (the holder's pid) are
/// kept, as another run may hold it.
fn open_lock_file(lock_path: &Path) -> Result<File> {
    OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(lock_path)
        .map_err(|e| Error::file("create lock file", lock_path, e))
}

/// Opens (creating it) and locks the lock file `lock_path`; `None` when another process
/// holds it. The OS releases the lock when the process ends, however it ends.
pub(crate) fn lock_beside(lock_path: &Path) -> Result<Option<File>> {
    let lock = open_lock_file(lock_path)?;
    match lock.try_lock() {
        Ok(()) => Ok(Some(lock)),
        Err(TryLockError::WouldBlock) => Ok(None),
        Err(TryLockError::Error(e)) => Err(Error::file("lock", lock_path, e)),
    }
}

/// Opens the lock file `lock_path` and waits until its lock is free.
fn wait_for_lock(lock_path: &Path) -> Result<File> {
    let lock = open_lock_file(lock_path)?;
    lock.lock().map_err(|e| Error::file("lock", lock_path, e))?;
    Ok(lock)
}

/// Writes this process's id into the state's lock file, for the message of a run
/// that finds it locked.
fn record_holder(mut lock: &File, lock_path: &Path) -> Result<()> {
    lock.set_len(0)
        .and_then(|()| lock.write_all(format!("{}\n", std::process::id()).as_bytes()))
        .map_err(|e| Error::file("write lock file", lock_path, e))
}

/// ` (pid N)` when the lock file names the run that holds it.
fn holder(lock_path: &Path) -> String {
    std::fs::read(lock_path)
        .ok()
        .filter(|bytes| bytes.len() <= 32)
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| text.trim().parse::<u32>().ok())
        .map_or_else(String::new, |pid| format!(" (pid {pid})"))
}

/// `path` with `suffix` appended to its file name.
pub(crate) fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(suffix);
    path.with_file_name(name)
}

#[cfg(test)]
mod tests;
