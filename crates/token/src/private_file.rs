//! Files only their owner may read, written whole: the token cache and `-o FILE`.
//!
//! A token file is replaced, never rewritten in place: the bytes go to a fresh file
//! (mode 0600, created so that it cannot already exist) next to it, are synced, and the
//! fresh file is renamed over the old one. A reader at any moment (the next cron job's
//! `aad-fetch --token-file`) sees the old token or the new one, never a partial one, and
//! a file that was readable by others before is not reused with its old mode.

use std::fs::{self, OpenOptions};
use std::io::{self, Write as _};
use std::os::unix::fs::{FileTypeExt as _, OpenOptionsExt as _};
use std::path::{Path, PathBuf};

use ring::rand::{SecureRandom as _, SystemRandom};

/// Replaces `path` with `bytes`, mode 0600. A path that names a device, a FIFO or a
/// socket (`/dev/stdout`, a named pipe) is written to instead: those cannot be replaced.
pub(crate) fn replace(path: &Path, bytes: &[u8]) -> io::Result<()> {
    if let Ok(meta) = fs::metadata(path) {
        let kind = meta.file_type();
        if kind.is_char_device() || kind.is_fifo() || kind.is_socket() || kind.is_block_device() {
            let mut file = OpenOptions::new().write(true).open(path)?;
            return file.write_all(bytes).and_then(|()| file.flush());
        }
    }
    let temp = temp_path(path)?;
    let result = write_new(&temp, bytes).and_then(|()| fs::rename(&temp, path));
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}

/// Creates `path` (which must not exist) with mode 0600 and writes `bytes` durably.
fn write_new(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// A fresh, unguessable name in the directory of `path`.
fn temp_path(path: &Path) -> io::Result<PathBuf> {
    let mut bytes = [0u8; 8];
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| io::Error::other("no random numbers"))?;
    let name = format!(
        ".{}.{}.{:016x}.tmp",
        path.file_name().unwrap_or_default().to_string_lossy(),
        std::process::id(),
        u64::from_ne_bytes(bytes)
    );
    Ok(path.with_file_name(name))
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt as _;

    use super::*;

    #[test]
    fn a_loose_file_is_replaced_by_a_private_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token");
        fs::write(&path, "old").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        replace(&path, b"new\n").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "new\n");
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temporary file left"
        );
    }

    #[test]
    fn a_missing_directory_is_an_error_and_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        assert!(replace(&dir.path().join("no/token"), b"x").is_err());
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
