//! The `--state` file: checkpoint, output length and recently emitted records, written
//! atomically; and the lock that keeps two runs off one state file.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::Write;
use std::path::{Path, PathBuf};

use aad_common::{Error, Result, Status};
use serde::{Deserialize, Serialize};

/// The state file format version.
const VERSION: u32 = 1;

/// A record emitted recently enough to matter for deduplication.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Emitted {
    /// The record's id; none for a record without one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) id: Option<String>,
    /// 16 hex digits of the SHA-256 of the record's bytes.
    pub(crate) hash: String,
    /// The record's time (RFC 3339), when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) time: Option<String>,
}

/// Where the output file stood after the last page written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct OutputMark {
    /// The `--output` path.
    pub(crate) path: String,
    /// Its length in bytes.
    pub(crate) length: u64,
    /// 16 hex digits of the SHA-256 of the (up to) 4 KiB before `length`: tells the file
    /// the state wrote from a rotated or replaced one, which must never be cut back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) tail: Option<String>,
}

/// What the state file holds (JSON), as the man page documents it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct StateDoc {
    /// The layout of the file, so a later version can read an older one.
    pub(crate) version: u32,
    /// The report and query this state belongs to.
    pub(crate) query: String,
    /// End of the last completed slice (RFC 3339, seven fractional digits).
    #[serde(default)]
    pub(crate) checkpoint: Option<String>,
    /// Where `--output` stood after the last page: a longer file is cut back to it.
    #[serde(default)]
    pub(crate) output: Option<OutputMark>,
    /// Records emitted since checkpoint minus overlap.
    #[serde(default)]
    pub(crate) emitted: Vec<Emitted>,
}

/// An open, locked state file.
#[derive(Debug)]
pub(crate) struct StateFile {
    path: PathBuf,
    /// Held for the whole run; the OS releases it when the process ends, however it ends.
    _lock: File,
    /// What the file holds; changed in place, written by [`StateFile::save`].
    pub(crate) doc: StateDoc,
}

impl StateFile {
    /// Locks and reads the state file (or starts a new one) for `query`.
    pub(crate) fn open(path: &Path, query: &str) -> Result<StateFile> {
        let lock_path = sibling(path, ".lock");
        let Some(lock) = lock_beside(&lock_path)? else {
            return Err(Error::new(
                Status::File,
                format!("another aad-fetch run is using the state file '{}' (its lock '{}' is held)", path.display(), lock_path.display()),
            )
            .with_hint("runs on one state file must not overlap; make the scheduler skip a run while the previous one is still going"));
        };
        let doc = match std::fs::read(path) {
            Ok(bytes) => {
                let doc: StateDoc = serde_json::from_slice(&bytes).map_err(|e| {
                    Error::new(
                        Status::File,
                        format!("the state file '{}' is not valid", path.display()),
                    )
                    .with_source(e)
                })?;
                if doc.version != VERSION {
                    return Err(Error::new(
                        Status::File,
                        format!(
                            "the state file '{}' has version {}, this aad-fetch reads version {VERSION}",
                            path.display(),
                            doc.version
                        ),
                    ));
                }
                if doc.query != query {
                    return Err(Error::usage(format!(
                        "the state file '{}' belongs to another query ({}); use one state file per report and filter",
                        path.display(),
                        doc.query
                    )));
                }
                doc
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => StateDoc {
                version: VERSION,
                query: query.to_string(),
                checkpoint: None,
                output: None,
                emitted: Vec::new(),
            },
            Err(e) => return Err(Error::file("read state file", path, e)),
        };
        Ok(StateFile {
            path: path.to_path_buf(),
            _lock: lock,
            doc,
        })
    }

    /// Where the state file is: an `--output` file's lock names it as the owner.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Writes the state atomically: a temporary file, fsync, rename, fsync of the directory.
    pub(crate) fn save(&self) -> Result<()> {
        // One run at a time holds the lock, so one temporary name is enough; a file left
        // by a killed run is simply overwritten.
        let tmp = sibling(&self.path, ".tmp");
        let write = || -> std::io::Result<()> {
            let mut file = File::create(&tmp)?;
            serde_json::to_writer(&mut file, &self.doc)?;
            file.write_all(b"\n")?;
            file.sync_all()?;
            std::fs::rename(&tmp, &self.path)?;
            let dir = self
                .path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            File::open(dir)?.sync_all()
        };
        write().map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            Error::file("write state file", &self.path, e)
        })
    }
}

/// Opens (creating it) and locks the lock file `lock_path`; `None` when another process
/// holds it. The OS releases the lock when the process ends, however it ends.
pub(crate) fn lock_beside(lock_path: &Path) -> Result<Option<File>> {
    let lock = OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(lock_path)
        .map_err(|e| Error::file("create lock file", lock_path, e))?;
    match lock.try_lock() {
        Ok(()) => Ok(Some(lock)),
        Err(TryLockError::WouldBlock) => Ok(None),
        Err(TryLockError::Error(e)) => Err(Error::file("lock", lock_path, e)),
    }
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
mod tests {
    use super::*;

    /// Opens again after a drop. Other tests in this process spawn `sh`; a child holds a
    /// copy of every descriptor from fork to exec (close-on-exec closes it only then), and
    /// a flock lasts while any copy is open, so the lock may be held for a moment longer.
    fn reopen(path: &Path, query: &str) -> Result<StateFile> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        loop {
            match StateFile::open(path, query) {
                Err(e)
                    if e.to_string().contains("another aad-fetch run")
                        && std::time::Instant::now() < deadline =>
                {
                    std::thread::yield_now()
                }
                other => return other,
            }
        }
    }

    #[test]
    fn save_and_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.json");
        let mut state = StateFile::open(&path, "q").unwrap();
        state.doc.checkpoint = Some("2024-01-01T00:00:00.0000000Z".into());
        state.doc.emitted.push(Emitted {
            id: Some("a".into()),
            hash: "0123456789abcdef".into(),
            time: None,
        });
        state.save().unwrap();
        drop(state);
        let again = reopen(&path, "q").unwrap();
        assert_eq!(
            again.doc.checkpoint.as_deref(),
            Some("2024-01-01T00:00:00.0000000Z")
        );
        assert_eq!(again.doc.emitted.len(), 1);
        drop(again);
        let err = reopen(&path, "other").unwrap_err();
        assert!(
            err.to_string().contains("belongs to another query"),
            "{err}"
        );
    }

    #[test]
    fn a_second_open_is_refused_while_the_first_holds_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.json");
        let _first = StateFile::open(&path, "q").unwrap();
        let err = StateFile::open(&path, "q").unwrap_err();
        assert_eq!(err.status(), Status::File);
        assert!(err.to_string().contains("another aad-fetch run"), "{err}");
    }

    #[test]
    fn garbage_state_is_a_file_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.json");
        std::fs::write(&path, "{not json").unwrap();
        assert_eq!(
            StateFile::open(&path, "q").unwrap_err().status(),
            Status::File
        );
    }
}
