//! Which processes share one request budget (`--rate-group`), and where their budget
//! file lives (`--rate-dir`).
//!
//! The service counts its budget per application and tenant, so by default processes
//! whose tokens name the same authority, tenant and application and that call the same
//! Graph host share one budget. The key comes from the access token's claims, read
//! without checking the signature (it only groups; the service checks the token):
//! `iss`, `tid`, and `appid` (v1 tokens) or `azp` (v2). A token renewed mid-run names
//! the same three, so the key is fixed at the start. A token without claims (opaque)
//! cannot be grouped: that process paces only itself.
//!
//! The file is `<dir>/<hex of sha256(key)>` so no tenant or application id shows in a
//! file name. The directory must be the user's own and not writable by others: anyone
//! who can write the file can stall or speed up the group.

use std::path::{Path, PathBuf};

use aad_common::token::jwt_claims;
use aad_common::{Error, Result, Status};
use ring::digest::{SHA256, digest};

use crate::progress::Progress;
use crate::shared_budget::SharedBudget;

/// `--rate-group`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum GroupRule {
    /// One budget per application and tenant (the service's own unit; the default).
    Tenant,
    /// One budget per application across tenants (a per-application ceiling).
    App,
    /// Every process naming this group shares, whatever its token.
    Named(String),
    /// This process paces only itself.
    None,
}

impl GroupRule {
    /// Reads `--rate-group`'s value.
    pub(crate) fn parse(text: &str) -> std::result::Result<GroupRule, String> {
        Ok(match text {
            "tenant" => GroupRule::Tenant,
            "app" => GroupRule::App,
            "none" => GroupRule::None,
            "" => return Err("the group name is empty".to_string()),
            name if name.len() > 200 || name.chars().any(char::is_control) => {
                return Err(
                    "a group name is at most 200 characters, without control characters"
                        .to_string(),
                );
            }
            name => GroupRule::Named(name.to_string()),
        })
    }
}

/// The group's key, or why this process paces only itself.
pub(crate) fn group_key(
    rule: &GroupRule,
    token: &str,
    graph_url: &str,
) -> std::result::Result<String, &'static str> {
    let app_and_tenant = |with_tenant: bool| {
        let claims = jwt_claims(token).ok_or("the token has no claims to group by")?;
        let claim = |name: &str| {
            claims
                .get(name)
                .and_then(|v| v.as_str())
                .map(str::to_string)
        };
        let app = claim("appid")
            .or_else(|| claim("azp"))
            .ok_or("the token names no application (appid, azp)")?;
        let issuer = claim("iss").ok_or("the token names no issuer (iss)")?;
        let tenant = claim("tid").ok_or("the token names no tenant (tid)")?;
        let host = host_of(graph_url);
        Ok(if with_tenant {
            format!("tenant\n{host}\n{}\n{tenant}\n{app}", host_of(&issuer))
        } else {
            format!("app\n{host}\n{app}")
        })
    };
    match rule {
        GroupRule::Tenant => app_and_tenant(true),
        GroupRule::App => app_and_tenant(false),
        GroupRule::Named(name) => Ok(format!("named\n{name}")),
        GroupRule::None => Err("--rate-group none"),
    }
}

/// How this process may share its budget: `--rate-group`, and where the files are.
#[derive(Debug, Clone)]
pub(crate) struct Sharing {
    /// `--rate-group`.
    pub(crate) rule: GroupRule,
    /// The directory of the budget files.
    pub(crate) dir: PathBuf,
    /// The directories to check on the way ([`rate_dir`]).
    pub(crate) checked: Vec<PathBuf>,
    /// The user they must belong to.
    pub(crate) uid: u32,
}

impl Sharing {
    /// The budget file this process shares, or `None` when it paces only itself (with
    /// `--rate-group none`, or when the token cannot be grouped: `-v` says so).
    pub(crate) fn open(
        &self,
        token: &str,
        graph_url: &str,
        progress: &Progress,
    ) -> Result<Option<SharedBudget>> {
        let key = match group_key(&self.rule, token, graph_url) {
            Ok(key) => key,
            Err(why) => {
                progress.log(&format!(
                    "pacing this process alone, not with other runs ({why})"
                ));
                return Ok(None);
            }
        };
        prepare(&self.dir, &self.checked, self.uid)?;
        let shared = SharedBudget::open(&budget_file(&self.dir, &key))?;
        progress.log(&format!(
            "sharing the request budget through '{}'",
            shared.path().display()
        ));
        Ok(Some(shared))
    }
}

/// The budget file of a group key in `dir`.
pub(crate) fn budget_file(dir: &Path, key: &str) -> PathBuf {
    let hash = digest(&SHA256, key.as_bytes());
    let hex: String = hash.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    dir.join(hex)
}

/// The authority of a URL (`graph.microsoft.com`, `127.0.0.1:8443`), lower case.
fn host_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let authority = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    authority.to_ascii_lowercase()
}

/// Where budget files live: `--rate-dir`, else `$XDG_RUNTIME_DIR/aad-fetch/rate`, else
/// `aad-fetch-<uid>/rate` in the temporary directory. Returns the directory and the
/// directories this program creates on the way, outermost first (each is checked).
pub(crate) fn rate_dir(
    flag: Option<&Path>,
    runtime_dir: Option<PathBuf>,
    uid: u32,
) -> (PathBuf, Vec<PathBuf>) {
    if let Some(dir) = flag {
        return (dir.to_path_buf(), vec![dir.to_path_buf()]);
    }
    let base = match runtime_dir.filter(|d| d.is_absolute()) {
        Some(run) => run.join("aad-fetch"),
        None => std::env::temp_dir().join(format!("aad-fetch-{uid}")),
    };
    let dir = base.join("rate");
    (dir.clone(), vec![base, dir])
}

/// Creates the directories (private to the user) and checks each is a directory of
/// the user's own that no one else may write.
fn prepare(dir: &Path, checked: &[PathBuf], uid: u32) -> Result<()> {
    aad_common::io::create_private_dir_all(dir)
        .map_err(|e| Error::file("create rate directory", dir, e))?;
    for path in checked {
        check_private(path, uid)?;
    }
    Ok(())
}

#[cfg(unix)]
fn check_private(dir: &Path, uid: u32) -> Result<()> {
    use std::os::unix::fs::MetadataExt as _;
    let meta =
        std::fs::symlink_metadata(dir).map_err(|e| Error::file("read rate directory", dir, e))?;
    let refuse = |why: String| {
        Err(Error::new(
            Status::File,
            format!("the rate directory '{}' {why}", dir.display()),
        )
        .with_hint("processes that share a budget keep it in a directory only their user may write: fix it (chmod 700), or give --rate-dir"))
    };
    if meta.file_type().is_symlink() {
        return refuse("is a symbolic link (give the directory it points to)".to_string());
    }
    if !meta.is_dir() {
        return refuse("is not a directory".to_string());
    }
    if meta.uid() != uid {
        return refuse(format!("belongs to another user (uid {})", meta.uid()));
    }
    let mode = meta.mode() & 0o7777;
    if mode & 0o022 != 0 {
        return refuse(format!("is writable by others (mode {mode:04o})"));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_dir: &Path, _uid: u32) -> Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;

    use super::*;

    fn jwt(claims: &str) -> String {
        let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        format!("{}.{}.sig", b64(r#"{"alg":"none"}"#), b64(claims))
    }

    #[test]
    fn tokens_of_one_app_and_tenant_share() {
        let graph = "https://graph.microsoft.com/v1.0";
        let v1 = jwt(r#"{"iss":"https://sts.windows.net/t1/","tid":"t1","appid":"a1","exp":1}"#);
        let renewed =
            jwt(r#"{"iss":"https://sts.windows.net/t1/","tid":"t1","appid":"a1","exp":2}"#);
        let other_tenant = jwt(r#"{"iss":"https://sts.windows.net/t2/","tid":"t2","appid":"a1"}"#);
        let v2 =
            jwt(r#"{"iss":"https://login.microsoftonline.com/t1/v2.0","tid":"t1","azp":"a1"}"#);
        let key = |rule: &GroupRule, token: &str| group_key(rule, token, graph).unwrap();
        let tenant = GroupRule::Tenant;
        assert_eq!(key(&tenant, &v1), key(&tenant, &renewed));
        assert_ne!(key(&tenant, &v1), key(&tenant, &other_tenant));
        assert_ne!(key(&tenant, &v1), key(&tenant, &v2), "another authority");
        let app = GroupRule::App;
        assert_eq!(key(&app, &v1), key(&app, &other_tenant));
        assert_ne!(
            key(&tenant, &v1),
            group_key(&tenant, &v1, "http://127.0.0.1:9/v1.0").unwrap(),
            "another Graph host"
        );
        let named = GroupRule::parse("nightly").unwrap();
        assert_eq!(key(&named, "opaque"), key(&named, &v1));
    }

    #[test]
    fn tokens_without_claims_are_not_grouped() {
        let graph = "https://graph.microsoft.com";
        assert!(group_key(&GroupRule::Tenant, "opaque", graph).is_err());
        let no_app = jwt(r#"{"iss":"https://sts.windows.net/t1/","tid":"t1"}"#);
        assert!(group_key(&GroupRule::Tenant, &no_app, graph).is_err());
        assert!(group_key(&GroupRule::None, &no_app, graph).is_err());
    }

    #[test]
    fn group_names_are_checked() {
        assert_eq!(GroupRule::parse("app"), Ok(GroupRule::App));
        assert!(GroupRule::parse("").is_err());
        assert!(GroupRule::parse("a\nb").is_err());
        assert!(GroupRule::parse(&"x".repeat(201)).is_err());
    }

    #[test]
    fn files_are_named_by_a_hash_of_the_key() {
        let file = budget_file(Path::new("/run"), "tenant\nh\ni\nt\na");
        let name = file.file_name().unwrap().to_str().unwrap();
        assert_eq!(name.len(), 64);
        assert!(!name.contains('t'));
        assert_eq!(
            host_of("HTTPS://user@Graph.Example:8443/v1.0?x"),
            "graph.example:8443"
        );
    }

    #[test]
    fn the_directory_comes_from_the_flag_the_runtime_dir_or_temp() {
        let (dir, checked) = rate_dir(Some(Path::new("/x/r")), None, 7);
        assert_eq!(
            (dir, checked),
            (PathBuf::from("/x/r"), vec![PathBuf::from("/x/r")])
        );
        let (dir, checked) = rate_dir(None, Some(PathBuf::from("/run/user/7")), 7);
        assert_eq!(dir, Path::new("/run/user/7/aad-fetch/rate"));
        assert_eq!(checked[0], Path::new("/run/user/7/aad-fetch"));
        let (dir, _) = rate_dir(None, Some(PathBuf::from("relative")), 7);
        assert_eq!(dir, std::env::temp_dir().join("aad-fetch-7/rate"));
    }
}
