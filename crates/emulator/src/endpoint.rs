//! The name of the route a request took: the path with its variable parts (tenant,
//! unknown report names) named, so counts keyed by it stay bounded whatever paths
//! clients send. Both the router and the fault injection key by it, so it sits below
//! both.

/// The route a request took, for the counts of `/_emulator/stats` and the fault
/// counters: the path with its variable parts named, so the counts stay bounded
/// whatever paths clients send.
pub(crate) fn endpoint(method: &str, segments: &[&str]) -> String {
    let report = |name: &str| match name.to_ascii_lowercase().as_str() {
        "directoryaudits" => "directoryAudits",
        "signins" => "signIns",
        "provisioning" => "provisioning",
        "auditevents" => "auditEvents",
        "signinevents" => "signinEvents",
        _ => "{other}",
    };
    let path = match segments {
        [version @ ("v1.0" | "beta"), "auditLogs", name] => {
            format!("/{version}/auditLogs/{}", report(name))
        }
        [_, "oauth2", "v2.0", "token"] => "/{tenant}/oauth2/v2.0/token".into(),
        [_, "oauth2", "token"] => "/{tenant}/oauth2/token".into(),
        [_, "v2.0", ".well-known", "openid-configuration"] => {
            "/{tenant}/v2.0/.well-known/openid-configuration".into()
        }
        [_, ".well-known", "openid-configuration"] => {
            "/{tenant}/.well-known/openid-configuration".into()
        }
        [_, "discovery", "v2.0", "keys"] => "/{tenant}/discovery/v2.0/keys".into(),
        [_, "discovery", "keys"] => "/{tenant}/discovery/keys".into(),
        [_, "discovery", "instance"] => "/common/discovery/instance".into(),
        ["metadata", "identity", "oauth2", "token"] => "/metadata/identity/oauth2/token".into(),
        ["msi", "token"] => "/msi/token".into(),
        [_, "reports"] => "/{tenant}/reports".into(),
        [_, "reports", name] => format!("/{{tenant}}/reports/{}", report(name)),
        _ => "{other}".into(),
    };
    if method == "GET" || method == "POST" {
        path
    } else {
        format!("{path} ({{other method}})")
    }
}
