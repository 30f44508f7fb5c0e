//! `--cache`: a per-user file cache of tokens.
//!
//! One file per configuration, `token-<hash>.json` in `$XDG_CACHE_HOME/aad-tools/` (or
//! `~/.cache/aad-tools/`), where the hash is of the [`CacheKey`] (credential kind, token
//! URL, tenant, client id, scope or resource) and never of a secret. The file holds the
//! key and the token as `-t json` prints it. The directory is 0700 and files 0600; a
//! directory or file that others may read, or that another user owns (a cache below a
//! world-writable `XDG_CACHE_HOME` that someone else prepared), is ignored with a
//! warning. A cached token is checked like one from the network (one line of visible
//! ASCII, an HTTP scheme name as its type), and the file is read up to 1 MiB. Files are written
//! to a temporary name and renamed into place, so a concurrent run reads the old file
//! or the new one, never half of one.

use std::fs;
use std::io;
use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
use std::path::PathBuf;

use aad_common::io::{DOCUMENT_LIMIT, read_limited};
use aad_common::token::AccessToken;
use ring::digest::{SHA256, digest};
use rustix::process::getuid;
use serde_json::{Value, json};

use crate::log::Log;
use crate::settings::CacheKey;

/// A cached token is used while more than this many seconds of it remain.
pub(crate) const MIN_REMAINING_SECONDS: i64 = 300;
/// The version of the file layout.
const VERSION: u64 = 1;

/// The cache file of one configuration.
pub(crate) struct Cache {
    dir: PathBuf,
    file: PathBuf,
    key: Value,
    log: Log,
    /// The user id that must own the directory and the file: this process's.
    owner: u32,
}

impl Cache {
    /// The cache for `key` below `dir`, or `None` (with a warning) when the directory
    /// exists but is not private to this user.
    pub(crate) fn open(dir: PathBuf, key: &CacheKey, log: Log) -> Option<Cache> {
        Cache::open_for(dir, key, log, getuid().as_raw())
    }

    /// [`Cache::open`] for the user `owner` (the tests pretend to be another user).
    fn open_for(dir: PathBuf, key: &CacheKey, log: Log, owner: u32) -> Option<Cache> {
        let key = serde_json::to_value(key).ok()?;
        let hash = digest(&SHA256, key.to_string().as_bytes());
        let name: String = hash.as_ref()[..16]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let file = dir.join(format!("token-{name}.json"));
        let cache = Cache {
            dir,
            file,
            key,
            log,
            owner,
        };
        match fs::symlink_metadata(&cache.dir) {
            Ok(meta) => match cache.distrust_dir(&meta) {
                Some(why) => {
                    log.warn(format_args!("not using the token cache: {why}"));
                    None
                }
                None => Some(cache),
            },
            Err(_) => Some(cache),
        }
    }

    /// Why the cache directory cannot be trusted, if it cannot: it is not a directory,
    /// another user owns it, or other users can access it.
    fn distrust_dir(&self, meta: &fs::Metadata) -> Option<String> {
        let shown = self.dir.display();
        if !meta.is_dir() {
            return Some(format!("'{shown}' is not a directory"));
        }
        if meta.uid() != self.owner {
            return Some(format!(
                "'{shown}' belongs to another user (uid {}, not {})",
                meta.uid(),
                self.owner
            ));
        }
        let mode = meta.permissions().mode() & 0o7777;
        (mode & 0o077 != 0)
            .then(|| format!("other users can access '{shown}' (mode {mode:04o}); chmod 700 it"))
    }

    /// A cached token with more than 5 minutes left at `now`. A file that is not this
    /// user's and private, or that does not hold a valid token, is ignored with a warning.
    pub(crate) fn load(&self, now: i64) -> Option<AccessToken> {
        let meta = match fs::symlink_metadata(&self.file) {
            Ok(meta) => meta,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                self.log
                    .verbose(format_args!("cache miss: no '{}'", self.file.display()));
                return None;
            }
            Err(e) => {
                self.log.warn(format_args!(
                    "cannot read cached token '{}': {e}",
                    self.file.display()
                ));
                return None;
            }
        };
        let ignore = |why: String| {
            self.log.warn(format_args!(
                "ignoring cached token '{}': {why}",
                self.file.display()
            ));
            None
        };
        if !meta.is_file() {
            return ignore("not a regular file".to_string());
        }
        if meta.uid() != self.owner {
            return ignore(format!(
                "it belongs to another user (uid {}, not {})",
                meta.uid(),
                self.owner
            ));
        }
        let mode = meta.permissions().mode() & 0o7777;
        if mode & 0o077 != 0 {
            return ignore(format!(
                "other users can access it (mode {mode:04o}, expected 0600)"
            ));
        }
        let bytes = match fs::File::open(&self.file).and_then(|f| read_limited(f, DOCUMENT_LIMIT)) {
            Ok(bytes) => bytes,
            Err(e) => return ignore(e.to_string()),
        };
        let Ok(document) = serde_json::from_slice::<Value>(&bytes) else {
            return ignore("it is not JSON".to_string());
        };
        if document.get("version") != Some(&json!(VERSION))
            || document.get("key") != Some(&self.key)
        {
            self.log
                .verbose("cache miss: the cached token is for another configuration");
            return None;
        }
        // The same checks as a token from the network: one line, one header.
        let token = match AccessToken::parse_document(&document.to_string(), now) {
            Ok(token) => token,
            Err(e) => return ignore(e.to_string()),
        };
        match token.expires_on {
            Some(expires) if expires - now > MIN_REMAINING_SECONDS => {
                self.log.verbose(format_args!(
                    "cache hit: '{}' (valid for {} more minutes)",
                    self.file.display(),
                    (expires - now) / 60
                ));
                Some(token)
            }
            _ => {
                self.log
                    .verbose("cache miss: the cached token expires within 5 minutes");
                None
            }
        }
    }

    /// Keeps `token` for later runs. Failures are warnings: the token is still printed.
    pub(crate) fn store(&self, token: &AccessToken, now: i64) {
        match token.expires_on {
            Some(expires) if expires - now > MIN_REMAINING_SECONDS => {}
            _ => {
                self.log
                    .verbose("not caching a token without 5 minutes of validity left");
                return;
            }
        }
        if let Err(e) = self.write(token) {
            self.log.warn(format_args!(
                "cannot write the token cache '{}': {e}",
                self.file.display()
            ));
        }
    }

    fn write(&self, token: &AccessToken) -> io::Result<()> {
        aad_common::io::create_private_dir_all(&self.dir)?;
        // Someone else may have made the directory since `open` looked.
        if let Some(why) = self.distrust_dir(&fs::symlink_metadata(&self.dir)?) {
            return Err(io::Error::new(io::ErrorKind::PermissionDenied, why));
        }
        let mut document: Value = serde_json::from_str(&token.to_az_json())?;
        document["version"] = json!(VERSION);
        document["key"] = self.key.clone();
        crate::private_file::replace(&self.file, document.to_string().as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use aad_common::token::Secret;

    use super::*;

    fn quiet() -> Log {
        Log::new(false, true)
    }

    fn key(client: &str) -> CacheKey {
        CacheKey {
            kind: "secret",
            url: "https://login.example/t/oauth2/v2.0/token".into(),
            tenant: Some("t".into()),
            client_id: Some(client.into()),
            target: Some("scope=https://graph.microsoft.com/.default".into()),
        }
    }

    fn token(expires_on: i64) -> AccessToken {
        AccessToken {
            token: Secret::new("tok"),
            expires_on: Some(expires_on),
            token_type: "Bearer".into(),
            tenant: Some("t".into()),
        }
    }

    #[test]
    fn stores_privately_and_loads_while_valid() {
        let home = tempfile::tempdir().unwrap();
        let dir = home.path().join("aad-tools");
        let cache = Cache::open(dir.clone(), &key("c"), quiet()).unwrap();
        assert!(cache.load(1000).is_none());
        cache.store(&token(1000 + 3600), 1000);
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&cache.file), 0o600);
        assert_eq!(cache.load(1000).unwrap().token.expose(), "tok");
        // Less than five minutes left: a miss.
        assert!(cache.load(1000 + 3600 - 300).is_none());
        // Another key: another file.
        let other = Cache::open(dir.clone(), &key("d"), quiet()).unwrap();
        assert_ne!(other.file, cache.file);
        assert!(other.load(1000).is_none());
        // No temporary files are left behind.
        assert_eq!(fs::read_dir(&dir).unwrap().count(), 1);
    }

    #[test]
    fn loose_permissions_are_not_trusted() {
        let home = tempfile::tempdir().unwrap();
        let dir = home.path().join("aad-tools");
        let cache = Cache::open(dir.clone(), &key("c"), quiet()).unwrap();
        cache.store(&token(10_000), 0);
        fs::set_permissions(&cache.file, fs::Permissions::from_mode(0o644)).unwrap();
        assert!(cache.load(0).is_none());
        // Storing again replaces the file with a private one.
        cache.store(&token(10_000), 0);
        assert!(cache.load(0).is_some());
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();
        assert!(Cache::open(dir, &key("c"), quiet()).is_none());
    }

    #[test]
    fn files_and_directories_of_another_user_are_not_trusted() {
        let home = tempfile::tempdir().unwrap();
        let dir = home.path().join("aad-tools");
        let me = getuid().as_raw();
        let cache = Cache::open_for(dir.clone(), &key("c"), quiet(), me).unwrap();
        cache.store(&token(10_000), 0);
        assert!(cache.load(0).is_some());
        let someone_else = me.wrapping_add(1);
        assert!(Cache::open_for(dir.clone(), &key("c"), quiet(), someone_else).is_none());
        let as_other = Cache {
            owner: someone_else,
            ..Cache::open_for(dir, &key("c"), quiet(), me).unwrap()
        };
        assert!(as_other.load(0).is_none(), "the file is not the user's");
    }

    #[test]
    fn cached_tokens_are_checked_like_network_ones() {
        let home = tempfile::tempdir().unwrap();
        let cache = Cache::open(home.path().join("c"), &key("c"), quiet()).unwrap();
        cache.store(&token(10_000), 0);
        let good = fs::read_to_string(&cache.file).unwrap();
        for (field, bad) in [
            ("accessToken", "tok\r\nX-Evil: 1"),
            ("tokenType", "Bearer\r\nX-Evil: 1"),
        ] {
            let mut doc: Value = serde_json::from_str(&good).unwrap();
            doc[field] = json!(bad);
            fs::write(&cache.file, doc.to_string()).unwrap();
            assert!(cache.load(0).is_none(), "{field}");
        }
        fs::write(&cache.file, vec![b' '; DOCUMENT_LIMIT as usize + 1]).unwrap();
        assert!(cache.load(0).is_none(), "too large");
    }

    #[test]
    fn tokens_without_known_expiry_are_not_cached() {
        let home = tempfile::tempdir().unwrap();
        let cache = Cache::open(home.path().join("c"), &key("c"), quiet()).unwrap();
        let mut t = token(0);
        t.expires_on = None;
        cache.store(&t, 0);
        assert!(!cache.file.exists());
    }
}
