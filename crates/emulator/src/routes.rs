//! Request dispatch: which emulated endpoint a method and path reach, and the entry
//! the request log keeps for it (with secrets redacted).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hyper::HeaderMap;
use hyper::header::{AUTHORIZATION, CONTENT_TYPE};
use serde_json::{Value, json};

use crate::auth::bearer::{self, Caller};
use crate::auth::managed::{self, Flavor};
use crate::auth::token_endpoint::{self, TokenRequest};
use crate::auth::{Api, discovery, jwt};
use crate::data::{Dataset, SignInType};
use crate::endpoint::endpoint;
use crate::odata::QueryOptions;
use crate::reply::{Reply, RequestIds};
use crate::reports::listing::Listing;
use crate::reports::{self, legacy, throttle};
use crate::state::State;
use crate::tenant::Tenant;

/// A request as the router sees it: read whole, borrowed from the connection's buffers.
pub(crate) struct Incoming<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub query: &'a str,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
    /// `scheme://host[:port]` as the client addressed the emulator.
    pub base: &'a str,
    /// `host[:port]`.
    pub host: &'a str,
    /// When the request arrived: its budget counts it then, however long it waited for
    /// a thread (as the service counts a request when it arrives).
    pub received: std::time::Instant,
}

impl Incoming<'_> {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    fn query_pairs(&self) -> Vec<(String, String)> {
        form_urlencoded::parse(self.query.as_bytes())
            .into_owned()
            .collect()
    }
}

/// What the router produced: the endpoint (for counters), the reply, the log entry.
pub(crate) struct Routed {
    pub endpoint: String,
    pub reply: Reply,
    pub log: Value,
}

/// What every handler of one request needs: the shared state, the tenant that serves
/// the request, the request, its ids and the time it is answered at.
struct Call<'a> {
    state: &'a State,
    tenant: &'a Tenant,
    req: &'a Incoming<'a>,
    ids: &'a RequestIds,
    now: i64,
}

/// When `received` was, in milliseconds since the epoch on the real clock.
fn received_ms(received: std::time::Instant) -> u64 {
    (std::time::SystemTime::now() - received.elapsed())
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Picks the endpoint by method and path, as the services match them (an unknown Graph
/// segment is a 400 there, not a 404), and notes what the request log keeps of it.
pub(crate) fn route(state: &State, req: &Incoming<'_>, ids: &RequestIds, now: i64) -> Routed {
    // Looked up once, here: the tenant a path names (a report listing's tenant is the
    // token's, looked up when the token is checked).
    let tenant = req
        .path
        .trim_start_matches('/')
        .split('/')
        .next()
        .and_then(|first| state.tenant_named(first))
        .unwrap_or_else(|| state.tenant());
    let call = Call {
        state,
        tenant,
        req,
        ids,
        now,
    };
    let segments: Vec<&str> = req.path.trim_start_matches('/').split('/').collect();
    let mut log = json!({
        "method": req.method,
        "path": req.path,
        "query": aad_common::sanitize::redact_url(&format!("?{}", req.query)).trim_start_matches('?'),
        "authorization": req.header("authorization").and_then(|h| h.split_whitespace().next()).map(str::to_ascii_lowercase),
        "client_request_id": ids.client_request_id,
        "tenant": tenant.directory.tenant_id,
        // The real clock (not --now), for tests of pacing across processes.
        "received_ms": received_ms(req.received),
    });
    let endpoint = endpoint(req.method, &segments);
    let reply = match (req.method, segments.as_slice()) {
        ("POST", [path_tenant, "oauth2", "v2.0", "token"]) => {
            token(&call, path_tenant, true, &mut log)
        }
        ("POST", [path_tenant, "oauth2", "token"]) => token(&call, path_tenant, false, &mut log),
        (_, [_, "oauth2", "v2.0", "token"] | [_, "oauth2", "token"]) => Reply::oauth_error(
            400,
            "invalid_request",
            900561,
            &format!(
                "The endpoint only accepts POST requests. Received a {} request.",
                req.method
            ),
            ids,
        ),
        ("GET", [path_tenant, "v2.0", ".well-known", "openid-configuration"]) => {
            discovery::openid_configuration(&tenant.directory, req.base, path_tenant, true)
        }
        ("GET", [path_tenant, ".well-known", "openid-configuration"]) => {
            discovery::openid_configuration(&tenant.directory, req.base, path_tenant, false)
        }
        ("GET", [_, "discovery", "v2.0", "keys"]) => {
            discovery::keys(&tenant.directory, req.base, true)
        }
        ("GET", [_, "discovery", "keys"]) => discovery::keys(&tenant.directory, req.base, false),
        ("GET", ["common" | "organizations", "discovery", "instance"]) => {
            discovery::instance(req.base, req.host, &req.query_pairs())
        }
        ("GET", ["metadata", "identity", "oauth2", "token"]) => managed::handle(
            &tenant.directory,
            Flavor::Imds,
            &req.query_pairs(),
            req.header("metadata"),
            ids,
            now,
        ),
        ("GET", ["msi", "token"]) => managed::handle(
            &tenant.directory,
            Flavor::AppService,
            &req.query_pairs(),
            req.header("x-identity-header"),
            ids,
            now,
        ),
        (method, [version @ ("v1.0" | "beta"), "auditLogs", report]) => {
            graph_report(&call, version, report, method, &mut log)
        }
        (_, ["v1.0" | "beta", rest @ ..]) => {
            let segment = rest.first().copied().unwrap_or("");
            Reply::graph_error(
                400,
                "BadRequest",
                &format!("Resource not found for the segment '{segment}'."),
                ids,
            )
        }
        (_, [version, "auditLogs", ..]) => Reply::graph_error(
            400,
            "BadRequest",
            &format!("Invalid version: '{version}'."),
            ids,
        ),
        ("GET", [path_tenant, "reports"]) => legacy(&call, path_tenant, None, &mut log),
        ("GET", [path_tenant, "reports", name]) => legacy(&call, path_tenant, Some(name), &mut log),
        _ => Reply::graph_error(
            404,
            "NotFound",
            &format!("No endpoint at {} {}.", req.method, req.path),
            ids,
        ),
    };
    Routed {
        endpoint,
        reply,
        log,
    }
}

fn graph_report(
    call: &Call<'_>,
    version: &str,
    report: &str,
    method: &str,
    log: &mut Value,
) -> Reply {
    let Call {
        state, req, ids, ..
    } = *call;
    let dataset = match report.to_ascii_lowercase().as_str() {
        "directoryaudits" => Dataset::DirectoryAudits,
        "signins" => Dataset::SignIns(SignInType::InteractiveUser),
        "provisioning" => Dataset::Provisioning,
        _ => {
            return Reply::graph_error(
                400,
                "BadRequest",
                &format!("Resource not found for the segment '{report}'."),
                ids,
            );
        }
    };
    if method != "GET" {
        return Reply::graph_error(
            405,
            "Request_BadRequest",
            &format!("The HTTP method '{method}' is not allowed for this resource."),
            ids,
        );
    }
    let caller = match authenticate(call, Api::Graph, log) {
        Ok(caller) => caller,
        Err(reply) => return reply,
    };
    // Microsoft Graph serves the tenant the token was issued in.
    let Some(tenant) = state.tenant_named(&caller.tenant_id) else {
        return Reply::graph_error(
            401,
            "InvalidAuthenticationToken",
            "Access token validation failure. Invalid tenant.",
            ids,
        );
    };
    log["tenant"] = json!(tenant.directory.tenant_id);
    if let Some(reply) =
        throttle::over_budget(&tenant.budget, Api::Graph, &caller, ids, req.received)
    {
        return reply;
    }
    let listing = Listing {
        api: Api::Graph,
        v1: version == "v1.0",
        prefer: prefers_evolvable(req.header("prefer")),
        dataset,
        path: req.path,
        query: QueryOptions::parse(req.query),
        base: req.base,
        path_tenant: "",
        segment: report,
    };
    reports::list(state, tenant, &listing, &caller, ids)
}

fn legacy(call: &Call<'_>, path_tenant: &str, name: Option<&str>, log: &mut Value) -> Reply {
    let Call {
        state,
        tenant,
        req,
        ids,
        ..
    } = *call;
    if !tenant.directory.is_tenant(path_tenant) {
        return Reply::legacy_error(
            400,
            "Request_BadRequest",
            "Invalid domain name in the request url.",
            ids,
        );
    }
    let caller = match authenticate(call, Api::Legacy, log) {
        Ok(caller) => caller,
        Err(reply) => return reply,
    };
    let dataset = match name.map(str::to_ascii_lowercase).as_deref() {
        None => return legacy::report_list(req.base, path_tenant),
        Some("$metadata") => return legacy::metadata(),
        Some("auditevents") => Dataset::AuditEvents,
        Some("signinevents") => Dataset::SigninEvents,
        Some(_) => {
            return Reply::legacy_error(
                404,
                "Request_ResourceNotFound",
                &format!(
                    "Resource not found for the segment '{}'.",
                    name.unwrap_or_default()
                ),
                ids,
            );
        }
    };
    if let Some(reply) =
        throttle::over_budget(&tenant.budget, Api::Legacy, &caller, ids, req.received)
    {
        return reply;
    }
    let listing = Listing {
        api: Api::Legacy,
        v1: false,
        prefer: false,
        dataset,
        path: req.path,
        query: QueryOptions::parse(req.query),
        base: req.base,
        path_tenant,
        segment: name.unwrap_or_default(),
    };
    reports::list(state, tenant, &listing, &caller, ids)
}

/// Whether a `Prefer` header asks for evolvable enum members.
fn prefers_evolvable(prefer: Option<&str>) -> bool {
    prefer.is_some_and(|p| {
        p.split(',').any(|item| {
            item.trim()
                .eq_ignore_ascii_case("include-unknown-enum-members")
        })
    })
}

/// Checks the bearer token; the refusal as the API words it.
fn authenticate(call: &Call<'_>, api: Api, log: &mut Value) -> Result<Caller, Reply> {
    let Call {
        tenant,
        req,
        ids,
        now,
        ..
    } = *call;
    match bearer::check(
        &tenant.directory,
        req.header(AUTHORIZATION.as_str()),
        api,
        now,
    ) {
        Ok(caller) => {
            log["client"] = json!(caller.client_id);
            Ok(caller)
        }
        Err(refused) => {
            let reply = match api {
                Api::Legacy => {
                    let (code, message) = refused.legacy();
                    Reply::legacy_error(401, code, message, ids)
                }
                _ => Reply::graph_error(
                    401,
                    "InvalidAuthenticationToken",
                    refused.graph_message(),
                    ids,
                ),
            };
            Err(reply.header(
                "www-authenticate",
                "Bearer realm=\"\", authorization_uri=\"https://login.microsoftonline.com/common/oauth2/authorize\", client_id=\"00000003-0000-0000-c000-000000000000\"",
            ))
        }
    }
}

fn token(call: &Call<'_>, path_tenant: &str, v2: bool, log: &mut Value) -> Reply {
    let Call {
        tenant,
        req,
        ids,
        now,
        ..
    } = *call;
    let form_type = req
        .header(CONTENT_TYPE.as_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let form: Vec<(String, String)> =
        if form_type.starts_with("application/x-www-form-urlencoded") || form_type.is_empty() {
            form_urlencoded::parse(req.body).into_owned().collect()
        } else {
            Vec::new()
        };
    let basic = req
        .header(AUTHORIZATION.as_str())
        .and_then(|h| {
            h.split_once(' ')
                .filter(|(s, _)| s.eq_ignore_ascii_case("basic"))
        })
        .and_then(|(_, b64)| STANDARD.decode(b64.trim()).ok())
        .and_then(|raw| String::from_utf8(raw).ok())
        .and_then(|pair| {
            let (id, secret) = pair.split_once(':')?;
            let decode = |s: &str| {
                form_urlencoded::parse(format!("x={s}").as_bytes())
                    .next()
                    .map(|(_, v)| v.into_owned())
            };
            Some((decode(id)?, decode(secret)?))
        });
    log["form"] = redacted_form(&form);
    if let Some((id, _)) = &basic {
        log["basic_client_id"] = json!(id);
    }
    if let Some((_, assertion)) = form.iter().find(|(k, _)| k == "client_assertion")
        && let Some(parsed) = jwt::parse(assertion)
    {
        log["assertion"] = json!({"header": parsed.header, "claims": parsed.claims});
    }
    let request = TokenRequest {
        tenant: path_tenant,
        v2,
        form: &form,
        basic,
        base: req.base,
    };
    token_endpoint::handle(&tenant.directory, &request, ids, now)
}

/// The form as an object, secret values replaced by `***`.
fn redacted_form(form: &[(String, String)]) -> Value {
    let map: serde_json::Map<String, Value> = form
        .iter()
        .map(|(k, v)| {
            let value = if aad_common::sanitize::is_secret_param(k) {
                "***".to_string()
            } else {
                v.clone()
            };
            (k.clone(), Value::String(value))
        })
        .collect();
    Value::Object(map)
}
