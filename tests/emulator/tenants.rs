//! `--tenants N`: several tenants in one process, each with its own application,
//! secret, data and request budget, and per-tenant env files for shell loops.

use std::collections::HashSet;
use std::process::Command;
use std::time::{Duration, Instant};

use super::{GRAPH_SCOPE, drain, get_with_token, json_of};
use crate::util::{Emulator, bin, http_post_form};

/// (tenant id, client id, secret) of each tenant, from its env file.
pub(crate) fn tenants(emu: &Emulator) -> Vec<(String, String, String)> {
    emu.export("AAD_EMULATOR_TENANTS")
        .split(' ')
        .map(|file| {
            let text = std::fs::read_to_string(file).expect("tenant env file");
            let value = |name: &str| {
                text.lines()
                    .find_map(|l| l.strip_prefix(&format!("export {name}=")))
                    .map(|v| v.trim_matches('\'').to_string())
                    .unwrap_or_else(|| panic!("{file} lacks {name}: {text}"))
            };
            let secret = std::fs::read_to_string(value("AAD_CLIENT_SECRET_FILE")).expect("secret");
            (value("AZURE_TENANT_ID"), value("AZURE_CLIENT_ID"), secret)
        })
        .collect()
}

pub(crate) fn token(emu: &Emulator, (tenant, client, secret): &(String, String, String)) -> String {
    let (status, body) = http_post_form(
        &format!("{}/{tenant}/oauth2/v2.0/token", emu.base_url),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", client),
            ("client_secret", secret),
            ("scope", GRAPH_SCOPE),
        ],
        &[],
    );
    assert_eq!(status, 200, "{body}");
    json_of(&body)["access_token"]
        .as_str()
        .expect("token")
        .to_string()
}

fn ids_of(records: &[serde_json::Value]) -> HashSet<String> {
    records
        .iter()
        .map(|r| r["id"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn two_tenants_get_disjoint_data_and_independent_budgets() {
    let emu = Emulator::start(&["--records", "30", "--tenants", "2", "--rate-limit", "2/10s"]);
    let list = tenants(&emu);
    assert_eq!(list.len(), 2);
    assert_eq!(
        list[0].0,
        emu.export("AZURE_TENANT_ID"),
        "the first is the flags' tenant"
    );
    assert_eq!(list[0].1, emu.export("AZURE_CLIENT_ID"));
    assert_ne!(list[0].0, list[1].0);
    assert_ne!(list[0].1, list[1].1);
    assert_ne!(list[0].2, list[1].2, "each tenant has its own secret");
    // A secret is good for its own tenant only.
    let crossed = (list[1].0.clone(), list[0].1.clone(), list[0].2.clone());
    let (status, _) = http_post_form(
        &format!("{}/{}/oauth2/v2.0/token", emu.base_url, crossed.0),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &crossed.1),
            ("client_secret", &crossed.2),
            ("scope", GRAPH_SCOPE),
        ],
        &[],
    );
    assert_eq!(status, 400, "tenant 1's application is not in tenant 2");

    let first = token(&emu, &list[0]);
    let second = token(&emu, &list[1]);
    let url = format!("{}/v1.0/auditLogs/directoryAudits", emu.base_url);
    let (one, _) = drain(&url, &first);
    let (two, _) = drain(&url, &second);
    assert_eq!((one.len(), two.len()), (30, 30));
    assert!(
        ids_of(&one).is_disjoint(&ids_of(&two)),
        "the tenants share records"
    );
    let truth: HashSet<String> = emu
        .get(&format!(
            "/_emulator/truth?report=directoryAudits&tenant={}",
            list[1].0
        ))
        .1
        .lines()
        .map(|l| json_of(l)["id"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(truth, ids_of(&two), "truth?tenant= is that tenant's");

    let started = Instant::now();
    let emu2 = Emulator::start(&["--records", "5", "--tenants", "2", "--rate-limit", "2/10s"]);
    let list2 = tenants(&emu2);
    let (a, b) = (token(&emu2, &list2[0]), token(&emu2, &list2[1]));
    let url2 = format!("{}/v1.0/auditLogs/directoryAudits", emu2.base_url);
    for _ in 0..2 {
        assert_eq!(get_with_token(&url2, &a).0, 200);
    }
    assert_eq!(
        get_with_token(&url2, &a).0,
        429,
        "tenant 1 is over its budget"
    );
    for _ in 0..2 {
        assert_eq!(get_with_token(&url2, &b).0, 200, "tenant 2 is not slowed");
    }
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "nobody waited for a window"
    );

    let requests = emu2.get("/_emulator/requests").1;
    let seen: HashSet<String> = requests
        .lines()
        .filter_map(|l| json_of(l)["tenant"].as_str().map(str::to_string))
        .collect();
    assert!(
        seen.contains(&list2[0].0) && seen.contains(&list2[1].0),
        "{seen:?}"
    );
}

/// The env files work in a `for` loop and with `xargs -P`, as the man page shows.
#[test]
fn tenant_env_files_drive_shell_loops() {
    let emu = Emulator::start(&["--records", "5", "--tenants", "3"]);
    let script = r#"
for env in $AAD_EMULATOR_TENANTS; do
    (. "$env" && "$AAD_TOKEN" >/dev/null && echo "$AZURE_TENANT_ID")
done
printf '%s\n' $AAD_EMULATOR_TENANTS | xargs -P 3 -I{} sh -c '. "{}" && "$AAD_TOKEN" >/dev/null && echo "$AZURE_TENANT_ID"'
"#;
    let out = Command::new("sh")
        .args(["-c", script])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("AAD_EMULATOR_TENANTS", emu.export("AAD_EMULATOR_TENANTS"))
        .env("AAD_TOKEN", bin("aad-token"))
        .output()
        .expect("sh");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<&str> = stdout.lines().collect();
    let wanted: HashSet<String> = tenants(&emu).into_iter().map(|t| t.0).collect();
    assert_eq!(lines.len(), 6, "{stdout}");
    assert_eq!(
        lines.iter().map(|l| l.to_string()).collect::<HashSet<_>>(),
        wanted
    );
}
