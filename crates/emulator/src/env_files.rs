//! `--print-env` and `--env-dir`: the files a client needs to sign in to the emulator
//! (client secret, demo certificate, federated token, CA certificate), and the variables
//! that point the tools and the Azure SDKs at them and at the emulator.

use std::io::Write as _;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use aad_common::{Error, Result};

use crate::auth::{self, Directory, FEDERATION_AUDIENCE, FEDERATION_SUBJECT};
use crate::config::Config;
use crate::tenant::{NOPERM_CLIENT_ID, USER_ASSIGNED_CLIENT_ID};

/// Lifetime of the federated token file written at start: long enough for a session of
/// trying things by hand.
const FEDERATED_TOKEN_TTL: i64 = 24 * 3600;

/// `NAME=value` pairs, in the order `--print-env` prints them.
pub(crate) type Exports = Vec<(String, String)>;

/// What [`write()`] left behind.
pub(crate) struct Written {
    pub exports: Exports,
    /// A directory this process made (`--print-env` without `--env-dir`) and removes when
    /// it stops.
    pub temp_dir: Option<PathBuf>,
}

/// Writes the files into `--env-dir`, or with `--print-env` alone into a new temporary
/// directory; writes nothing when neither is given.
pub(crate) fn write(
    config: &Config,
    dirs: &[&Directory],
    base: &str,
    port: u16,
    ca_pem: Option<&str>,
) -> Result<Written> {
    let (env_dir, temp_dir) = match (&config.env_dir, config.print_env) {
        (Some(d), _) => (d.clone(), None),
        (None, true) => {
            let name = format!("{}-{}-{port}", crate::NAME, std::process::id());
            let d = std::env::temp_dir().join(name);
            (d.clone(), Some(d))
        }
        (None, false) => {
            return Ok(Written {
                exports: Vec::new(),
                temp_dir: None,
            });
        }
    };
    let exports = write_files(&env_dir, config, dirs, base, ca_pem)?;
    Ok(Written { exports, temp_dir })
}

/// The `export` lines, quoted for a POSIX shell.
pub(crate) fn print(out: &mut dyn std::io::Write, exports: &Exports) -> std::io::Result<()> {
    for (name, value) in exports {
        writeln!(out, "export {name}={}", shell_quote(value))?;
    }
    Ok(())
}

/// `'value'` for a POSIX shell.
fn shell_quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', "'\\''"))
}

/// The files are private (0600 in a 0700 directory): they hold credentials.
fn write_files(
    dir_path: &Path,
    config: &Config,
    dirs: &[&Directory],
    base: &str,
    ca_pem: Option<&str>,
) -> Result<Exports> {
    let Some(dir) = dirs.first() else {
        return Ok(Vec::new());
    };
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir_path)
        .map_err(|e| Error::file("create", dir_path, e))?;
    let write_private = |name: &str, content: &str| -> Result<String> {
        let path = dir_path.join(name);
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&path)
            .map_err(|e| Error::file("write", &path, e))?;
        file.write_all(content.as_bytes())
            .map_err(|e| Error::file("write", &path, e))?;
        Ok(path.to_string_lossy().into_owned())
    };
    let now = chrono::Utc::now().timestamp();
    let mut exports = vec![
        ("AZURE_AUTHORITY_HOST".to_string(), base.to_string()),
        ("AAD_GRAPH_URL".to_string(), base.to_string()),
        ("AAD_LEGACY_GRAPH_URL".to_string(), base.to_string()),
        ("AZURE_TENANT_ID".to_string(), dir.tenant_id.clone()),
        ("AZURE_CLIENT_ID".to_string(), client_id(dir)),
        (
            "AAD_CLIENT_SECRET_FILE".to_string(),
            write_private("client-secret", &dir.secret)?,
        ),
    ];
    if let Some(pem) = ca_pem {
        let path = match &config.cert_out {
            Some(p) => p.to_string_lossy().into_owned(),
            None => write_private("ca.pem", pem)?,
        };
        exports.push(("SSL_CERT_FILE".to_string(), path));
    }
    let system_identity = dir
        .identities
        .iter()
        .find(|i| !i.user_assigned)
        .map(|i| i.client_id.clone())
        .unwrap_or_default();
    exports.extend([
        (
            "AAD_EMULATOR_CERTIFICATE_PATH".to_string(),
            write_private("client.pem", auth::DEMO_CLIENT_PEM)?,
        ),
        (
            "AAD_EMULATOR_FEDERATED_TOKEN_FILE".to_string(),
            write_private(
                "federated-token",
                &dir.federated_token(
                    FEDERATION_SUBJECT,
                    FEDERATION_AUDIENCE,
                    now,
                    FEDERATED_TOKEN_TTL,
                ),
            )?,
        ),
        ("AAD_EMULATOR_IMDS_ENDPOINT".to_string(), base.to_string()),
        (
            "AAD_EMULATOR_IDENTITY_ENDPOINT".to_string(),
            format!("{base}/msi/token"),
        ),
        (
            "AAD_EMULATOR_IDENTITY_HEADER".to_string(),
            dir.identity_header.clone(),
        ),
        (
            "AAD_EMULATOR_SYSTEM_ASSIGNED_CLIENT_ID".to_string(),
            system_identity,
        ),
        (
            "AAD_EMULATOR_USER_ASSIGNED_CLIENT_ID".to_string(),
            USER_ASSIGNED_CLIENT_ID.to_string(),
        ),
        (
            "AAD_EMULATOR_NOPERM_CLIENT_ID".to_string(),
            NOPERM_CLIENT_ID.to_string(),
        ),
    ]);
    // One env file per tenant, for loops over the tenants.
    let shared: Exports = exports
        .iter()
        .filter(|(k, _)| {
            [
                "AZURE_AUTHORITY_HOST",
                "AAD_GRAPH_URL",
                "AAD_LEGACY_GRAPH_URL",
                "SSL_CERT_FILE",
            ]
            .contains(&k.as_str())
        })
        .cloned()
        .collect();
    let mut files = Vec::new();
    for (i, tenant) in dirs.iter().enumerate() {
        let secret_file = match i {
            0 => dir_path
                .join("client-secret")
                .to_string_lossy()
                .into_owned(),
            _ => write_private(&format!("client-secret-{}", i + 1), &tenant.secret)?,
        };
        let mut lines = Vec::new();
        let mut own = shared.clone();
        own.extend([
            ("AZURE_TENANT_ID".to_string(), tenant.tenant_id.clone()),
            ("AZURE_CLIENT_ID".to_string(), client_id(tenant)),
            ("AAD_CLIENT_SECRET_FILE".to_string(), secret_file),
        ]);
        print(&mut lines, &own).map_err(|e| Error::file("write", dir_path, e))?;
        let text = String::from_utf8_lossy(&lines).into_owned();
        files.push(write_private(&format!("tenant-{}.env", i + 1), &text)?);
    }
    exports.push(("AAD_EMULATOR_TENANTS".to_string(), files.join(" ")));
    Ok(exports)
}

/// The client id of a tenant's application that holds AuditLog.Read.All.
fn client_id(dir: &Directory) -> String {
    dir.apps
        .first()
        .map(|a| a.client_id.clone())
        .unwrap_or_default()
}
