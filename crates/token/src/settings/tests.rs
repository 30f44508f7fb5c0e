//! The resolving rules, one test each, driven through [`resolve`] as `main` calls it.

use std::collections::HashMap;

use aad_common::Status;

use super::*;
use crate::cli::{ClientAuth, Endpoint};
use crate::source::{ClientCredential, ManagedFlavor, ManagedIdentity, SecretSource};

const TENANT: &str = "contoso.onmicrosoft.com";
const CLIENT: &str = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";

/// Arguments as clap would give them with AZURE_TENANT_ID and AZURE_CLIENT_ID set.
fn args() -> Args {
    Args {
        tenant: Some(TENANT.into()),
        client_id: Some(CLIENT.into()),
        ..Args::default()
    }
}

fn resolve_with(args: &Args, typed: Typed, vars: &[(&str, &str)]) -> Result<Settings> {
    let vars: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    resolve(args, typed, &|name| vars.get(name).cloned())
}

fn client_credentials(settings: &Settings) -> &ClientCredentials {
    match &settings.source {
        Source::ClientCredentials(c) => c,
        other => panic!("expected client credentials, got {other:?}"),
    }
}

fn managed(settings: &Settings) -> &ManagedIdentity {
    match &settings.source {
        Source::ManagedIdentity(m) => m,
        other => panic!("expected a managed identity, got {other:?}"),
    }
}

fn usage_error(result: Result<Settings>) -> String {
    let err = result.expect_err("expected an error");
    assert_eq!(err.status(), Status::Usage, "{err}");
    err.to_string()
}

#[test]
fn clap_definition_is_consistent() {
    use clap::CommandFactory as _;
    Args::command().debug_assert();
}

#[test]
fn typed_means_given_on_the_command_line() {
    use clap::CommandFactory as _;
    let matches = Args::command()
        .try_get_matches_from(["aad-token", "--certificate", "c.pem"])
        .unwrap();
    let typed = Typed::from_matches(&matches);
    assert_eq!(
        typed,
        Typed {
            certificate: true,
            ..Typed::default()
        }
    );
}

#[test]
fn secret_from_the_environment_posts_v2_with_the_graph_scope() {
    let s = resolve_with(&args(), Typed::default(), &[("AZURE_CLIENT_SECRET", "s")]).unwrap();
    let c = client_credentials(&s);
    assert_eq!(
        c.url,
        "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token"
    );
    assert_eq!(c.audience, c.url);
    assert_eq!(
        c.target,
        Some(("scope", "https://graph.microsoft.com/.default".into()))
    );
    assert!(matches!(
        c.credential,
        ClientCredential::Secret(SecretSource::Env(_), ClientAuth::Form)
    ));
    assert!(
        !format!("{s:?}").contains("\"s\""),
        "secret in Debug output"
    );
}

#[test]
fn v1_posts_the_resource_with_api_version_and_audience_without_query() {
    let a = Args {
        endpoint: Some(Endpoint::V1),
        cloud: Some(aad_common::cloud::Cloud::Usgov),
        ..args()
    };
    let s = resolve_with(&a, Typed::default(), &[("AZURE_CLIENT_SECRET", "s")]).unwrap();
    let c = client_credentials(&s);
    assert_eq!(
        c.url,
        "https://login.microsoftonline.us/contoso.onmicrosoft.com/oauth2/token?api-version=1.0"
    );
    assert_eq!(
        c.audience,
        "https://login.microsoftonline.us/contoso.onmicrosoft.com/oauth2/token"
    );
    assert_eq!(
        c.target,
        Some(("resource", "https://graph.microsoft.us".into()))
    );
}

#[test]
fn graph_url_is_the_default_resource_and_scope_overrides() {
    let a = Args {
        graph_url: Some("http://127.0.0.1:4000/".into()),
        authority_host: Some("http://127.0.0.1:4000".into()),
        ..args()
    };
    let s = resolve_with(&a, Typed::default(), &[("AZURE_CLIENT_SECRET", "s")]).unwrap();
    assert_eq!(
        client_credentials(&s).target,
        Some(("scope", "http://127.0.0.1:4000/.default".into()))
    );
    let a = Args {
        scope: Some("api://x/.default".into()),
        resource: Some("https://ignored".into()),
        ..args()
    };
    let s = resolve_with(&a, Typed::default(), &[("AZURE_CLIENT_SECRET", "s")]).unwrap();
    assert_eq!(
        client_credentials(&s).target,
        Some(("scope", "api://x/.default".into()))
    );
    let a = Args {
        scope: Some("api://x/.default".into()),
        endpoint: Some(Endpoint::V1),
        ..args()
    };
    let s = resolve_with(&a, Typed::default(), &[("AZURE_CLIENT_SECRET", "s")]).unwrap();
    assert_eq!(
        client_credentials(&s).target,
        Some(("resource", "api://x".into()))
    );
    let a = Args {
        scope: Some("User.Read".into()),
        endpoint: Some(Endpoint::V1),
        ..args()
    };
    let err = usage_error(resolve_with(
        &a,
        Typed::default(),
        &[("AZURE_CLIENT_SECRET", "s")],
    ));
    assert!(err.contains("--resource"), "{err}");
}

#[test]
fn third_party_token_url_sends_no_default_scope() {
    let a = Args {
        token_url: Some("https://idp.example.com/token".into()),
        tenant: None,
        ..args()
    };
    let s = resolve_with(&a, Typed::default(), &[("AZURE_CLIENT_SECRET", "s")]).unwrap();
    assert_eq!(client_credentials(&s).target, None);
    let a = Args {
        resource: Some("https://api.example.com".into()),
        ..a
    };
    let s = resolve_with(&a, Typed::default(), &[("AZURE_CLIENT_SECRET", "s")]).unwrap();
    assert_eq!(
        client_credentials(&s).target,
        Some(("scope", "https://api.example.com/.default".into()))
    );
}

#[test]
fn azure_shaped_token_url_keeps_azure_defaults_and_its_version() {
    let a = Args {
        token_url: Some("https://login.example/t/oauth2/token?api-version=1.0".into()),
        ..args()
    };
    let s = resolve_with(&a, Typed::default(), &[("AZURE_CLIENT_SECRET", "s")]).unwrap();
    let c = client_credentials(&s);
    assert_eq!(
        c.target,
        Some(("resource", "https://graph.microsoft.com".into()))
    );
    assert_eq!(c.audience, "https://login.example/t/oauth2/token");
}

#[test]
fn environment_order_is_the_azure_sdks() {
    let all = Args {
        client_secret_file: Some("/run/secret".into()),
        certificate: Some("/run/cert.pem".into()),
        federated_token_file: Some("/run/token".into()),
        ..args()
    };
    let vars = [
        ("AZURE_CLIENT_SECRET", "s"),
        ("IDENTITY_ENDPOINT", "http://127.0.0.1:1/msi/token"),
        ("IDENTITY_HEADER", "h"),
    ];
    // AZURE_CLIENT_SECRET beats AAD_CLIENT_SECRET_FILE (both environment).
    let s = resolve_with(&all, Typed::default(), &vars).unwrap();
    assert!(matches!(
        client_credentials(&s).credential,
        ClientCredential::Secret(SecretSource::Env(_), _)
    ));
    let no_secret = Args {
        client_secret_file: None,
        ..all
    };
    let s = resolve_with(&no_secret, Typed::default(), &vars[1..]).unwrap();
    assert!(matches!(
        client_credentials(&s).credential,
        ClientCredential::Certificate(_)
    ));
    let federated = Args {
        certificate: None,
        ..no_secret
    };
    let s = resolve_with(&federated, Typed::default(), &vars[1..]).unwrap();
    assert!(matches!(
        client_credentials(&s).credential,
        ClientCredential::Federated(_)
    ));
    let nothing = Args {
        federated_token_file: None,
        ..federated
    };
    let s = resolve_with(&nothing, Typed::default(), &vars[1..]).unwrap();
    assert!(matches!(
        managed(&s).flavor,
        ManagedFlavor::AppService { .. }
    ));
    let err = usage_error(resolve_with(&nothing, Typed::default(), &[]));
    assert!(err.contains("no credential configured"), "{err}");
}

#[test]
fn a_credential_typed_on_the_command_line_beats_the_environment() {
    let a = Args {
        certificate: Some("/run/cert.pem".into()),
        client_secret_file: Some("/run/secret".into()),
        ..args()
    };
    let typed = Typed {
        certificate: true,
        ..Typed::default()
    };
    let s = resolve_with(&a, typed, &[("AZURE_CLIENT_SECRET", "s")]).unwrap();
    assert!(matches!(
        client_credentials(&s).credential,
        ClientCredential::Certificate(_)
    ));
    // A typed --client-secret-file beats AZURE_CLIENT_SECRET.
    let typed = Typed {
        client_secret_file: true,
        ..Typed::default()
    };
    let s = resolve_with(&a, typed, &[("AZURE_CLIENT_SECRET", "s")]).unwrap();
    assert!(matches!(
        client_credentials(&s).credential,
        ClientCredential::Secret(SecretSource::File(_), _)
    ));
}

#[test]
fn forced_kinds_name_what_they_miss() {
    let a = Args {
        credential: Some(CredentialKind::Certificate),
        ..args()
    };
    let err = usage_error(resolve_with(&a, Typed::default(), &[]));
    assert!(
        err.contains("--certificate") && err.contains("AZURE_CLIENT_CERTIFICATE_PATH"),
        "{err}"
    );
    let a = Args {
        credential: Some(CredentialKind::Secret),
        ..args()
    };
    let err = usage_error(resolve_with(&a, Typed::default(), &[]));
    assert!(err.contains("AZURE_CLIENT_SECRET"), "{err}");
}

#[test]
fn missing_tenant_and_client_id_name_flag_and_variable() {
    let a = Args {
        tenant: None,
        ..args()
    };
    let err = usage_error(resolve_with(
        &a,
        Typed::default(),
        &[("AZURE_CLIENT_SECRET", "s")],
    ));
    assert!(
        err.contains("--tenant") && err.contains("AZURE_TENANT_ID"),
        "{err}"
    );
    let a = Args {
        client_id: Some(String::new()),
        ..args()
    };
    let err = usage_error(resolve_with(
        &a,
        Typed::default(),
        &[("AZURE_CLIENT_SECRET", "s")],
    ));
    assert!(
        err.contains("--client-id") && err.contains("AZURE_CLIENT_ID"),
        "{err}"
    );
}

#[test]
fn client_secret_on_the_command_line_is_refused_without_repeating_it() {
    let a = Args {
        client_secret: Some("hunter2".into()),
        ..args()
    };
    let err = resolve_with(&a, Typed::default(), &[]).unwrap_err();
    assert_eq!(err.status(), Status::Usage);
    assert!(!err.to_string().contains("hunter2"));
    assert!(err.hint().unwrap().contains("AZURE_CLIENT_SECRET"));
}

#[test]
fn plain_http_only_to_loopback() {
    let a = Args {
        authority_host: Some("http://login.example.com".into()),
        ..args()
    };
    let err = usage_error(resolve_with(
        &a,
        Typed::default(),
        &[("AZURE_CLIENT_SECRET", "s")],
    ));
    assert!(err.contains("--authority-host"), "{err}");
    let a = Args {
        token_url: Some("http://idp.example.com/token".into()),
        ..args()
    };
    let err = usage_error(resolve_with(
        &a,
        Typed::default(),
        &[("AZURE_CLIENT_SECRET", "s")],
    ));
    assert!(err.contains("--token-url"), "{err}");
}

#[test]
fn tenants_cannot_reach_into_the_path() {
    for bad in ["../common", "a/b", "x?y", ".."] {
        let a = Args {
            tenant: Some(bad.into()),
            ..args()
        };
        usage_error(resolve_with(
            &a,
            Typed::default(),
            &[("AZURE_CLIENT_SECRET", "s")],
        ));
    }
}

#[test]
fn managed_identity_uses_imds_unless_app_service_is_configured() {
    let a = Args {
        managed_identity: true,
        client_id: None,
        ..args()
    };
    let s = resolve_with(&a, Typed::default(), &[]).unwrap();
    let m = managed(&s);
    assert_eq!(
        m.endpoint,
        "http://169.254.169.254/metadata/identity/oauth2/token"
    );
    assert_eq!(m.resource, "https://graph.microsoft.com");
    assert_eq!(m.client_id, None);
    let s = resolve_with(
        &a,
        Typed::default(),
        &[(
            "AZURE_POD_IDENTITY_AUTHORITY_HOST",
            "https://127.0.0.1:8443/",
        )],
    )
    .unwrap();
    assert_eq!(
        managed(&s).endpoint,
        "https://127.0.0.1:8443/metadata/identity/oauth2/token"
    );
    let err = usage_error(resolve_with(
        &a,
        Typed::default(),
        &[(
            "AZURE_POD_IDENTITY_AUTHORITY_HOST",
            "http://imds.example.com",
        )],
    ));
    assert!(err.contains("AZURE_POD_IDENTITY_AUTHORITY_HOST"), "{err}");
    let user = Args {
        client_id: Some("u-1".into()),
        scope: Some("https://graph.windows.net/.default".into()),
        ..a
    };
    let s = resolve_with(&user, Typed::default(), &[]).unwrap();
    assert_eq!(managed(&s).client_id.as_deref(), Some("u-1"));
    assert_eq!(managed(&s).resource, "https://graph.windows.net");
}

#[test]
fn cache_lives_in_the_xdg_cache_directory() {
    let a = Args {
        cache: true,
        ..args()
    };
    let secret = ("AZURE_CLIENT_SECRET", "s");
    let s = resolve_with(&a, Typed::default(), &[secret, ("HOME", "/home/u")]).unwrap();
    assert_eq!(s.cache, Some(PathBuf::from("/home/u/.cache/aad-tools")));
    let vars = [secret, ("HOME", "/home/u"), ("XDG_CACHE_HOME", "/var/c")];
    let s = resolve_with(&a, Typed::default(), &vars).unwrap();
    assert_eq!(s.cache, Some(PathBuf::from("/var/c/aad-tools")));
    let vars = [secret, ("HOME", "/home/u"), ("XDG_CACHE_HOME", "rel")];
    let s = resolve_with(&a, Typed::default(), &vars).unwrap();
    assert_eq!(s.cache, Some(PathBuf::from("/home/u/.cache/aad-tools")));
    usage_error(resolve_with(&a, Typed::default(), &[secret]));
}

#[test]
fn cache_keys_differ_by_what_changes_the_token_and_hold_no_secret() {
    let key = |a: &Args, secret: &str| {
        resolve_with(a, Typed::default(), &[("AZURE_CLIENT_SECRET", secret)])
            .unwrap()
            .cache_key
    };
    let base = key(&args(), "one");
    assert_eq!(base, key(&args(), "two"));
    let v1 = Args {
        endpoint: Some(Endpoint::V1),
        ..args()
    };
    assert_ne!(base, key(&v1, "one"));
    let other = Args {
        resource: Some("https://graph.windows.net".into()),
        ..args()
    };
    assert_ne!(base, key(&other, "one"));
    assert!(!serde_json::to_string(&base).unwrap().contains("one"));
}

#[test]
fn output_is_a_file_and_the_old_format_words_still_name_the_format() {
    let secret = [("AZURE_CLIENT_SECRET", "s")];
    let with = |to: Option<Format>, output: &str, claims: bool| Args {
        to,
        output: Some(PathBuf::from(output)),
        claims,
        ..args()
    };
    let s = resolve_with(&with(None, "token.txt", false), Typed::default(), &secret).unwrap();
    assert_eq!(s.print, Print::Token(Format::Raw));
    assert_eq!(s.output, Some(PathBuf::from("token.txt")));
    assert!(s.warnings.is_empty());
    let s = resolve_with(
        &with(Some(Format::Json), "./json", false),
        Typed::default(),
        &secret,
    )
    .unwrap();
    assert_eq!(
        (s.print, s.output),
        (Print::Token(Format::Json), Some(PathBuf::from("./json")))
    );

    let s = resolve_with(&with(None, "header", false), Typed::default(), &secret).unwrap();
    assert_eq!((s.print, s.output), (Print::Token(Format::Header), None));
    assert_eq!(
        s.warnings,
        [
            "-o header is deprecated: write -t header (-o FILE now writes the token to FILE; -o ./header means a file named header)"
        ]
    );
    for (to, claims) in [(Some(Format::Raw), false), (None, true)] {
        let err = resolve_with(&with(to, "json", claims), Typed::default(), &secret).unwrap_err();
        assert_eq!(err.status(), Status::Usage);
        assert_eq!(
            err.hint(),
            Some("to write to a file named json, write -o ./json")
        );
    }
}
