//! `--to ecs`: one Elastic Common Schema 8.11.0 document per record. Only ECS fields
//! with ECS's allowed values and expected category/type pairs, and the whole record
//! (normalized) under the custom namespace `entra` so that nothing is lost. Key order
//! is the mapping's: `@timestamp`, `ecs`, `event`, `message`, `cloud`, `user`, `group`,
//! `source`, `client`, `user_agent`, `device`, `related`, `entra`.

use super::normalize::{self, NO_NUMBERS, Numeric};
use super::out::Writer;
use super::record::{Body, Record};
use super::values::{is_ip, same, split_upn};
use super::view::{Actor, Audit, Provisioning, SignIn};

/// Appends the ECS document for `record` (one line, no newline).
pub(crate) fn write(record: &Record<'_>, tenant: Option<&str>, w: &mut Writer<'_>) {
    let doc = w.document();
    w.str("@timestamp", Some(&record.time.millis_utc()));
    let ecs = w.object("ecs");
    w.str("version", Some("8.11.0"));
    w.close(ecs);
    let (dataset, numbers) = match &record.body {
        Body::SignIn(sign_in) => {
            sign_in_fields(record, sign_in, tenant, w);
            (
                "signin",
                if record.kind.legacy {
                    normalize::LEGACY_SIGN_IN_NUMBERS
                } else {
                    normalize::SIGN_IN_NUMBERS
                },
            )
        }
        Body::Audit(audit) => {
            audit_fields(audit, tenant, w);
            ("audit", NO_NUMBERS)
        }
        Body::Provisioning(provisioning) => {
            provisioning_fields(provisioning, tenant, w);
            ("provisioning", normalize::PROVISIONING_NUMBERS)
        }
    };
    entra(record, dataset, numbers, w);
    w.close(doc);
}

/// `event.kind` to `event.type`, which every family writes first.
fn event_head(w: &mut Writer<'_>, category: &str, types: &[&str]) {
    w.str("kind", Some("event"));
    w.strings("category", [category]);
    w.strings("type", types.iter().copied());
}

/// `event.module` and `event.dataset`, which every family writes last.
fn event_tail(w: &mut Writer<'_>, dataset: &str) {
    w.str("module", Some("entra"));
    w.str("dataset", Some(dataset));
}

fn cloud(w: &mut Writer<'_>, tenant: Option<&str>) {
    let cloud = w.object("cloud");
    w.str("provider", Some("azure"));
    let account = w.object("account");
    w.str("id", tenant);
    w.close(account);
    w.close(cloud);
}

/// The fields of one user: `id`, `name`/`domain`/`email` from a UPN or a plain name,
/// `full_name`; appended to `related` in the order name, email, id.
#[derive(Default)]
struct EcsUser<'t> {
    id: Option<&'t str>,
    upn: Option<&'t str>,
    /// A name that is not a UPN (applications), used when there is no UPN.
    name: Option<&'t str>,
    full_name: Option<&'t str>,
}

impl<'t> EcsUser<'t> {
    fn write(&self, w: &mut Writer<'_>, related: &mut Vec<&'t str>) {
        let upn = self.upn.map(split_upn);
        let name = upn.map(|u| u.name).or(self.name);
        w.str("id", self.id);
        w.str("name", name);
        w.str("domain", upn.and_then(|u| u.domain));
        w.str("email", upn.and_then(|u| u.email));
        w.str("full_name", self.full_name);
        let email = upn.and_then(|u| u.email);
        for value in [name, email, self.id].into_iter().flatten() {
            if !related.contains(&value) {
                related.push(value);
            }
        }
    }
}

/// `source` and `client` from an IP address as given: `address` always, `ip` when valid.
fn addresses<'t>(
    w: &mut Writer<'_>,
    ip: Option<&'t str>,
    geo: impl FnOnce(&mut Writer<'_>),
) -> Option<&'t str> {
    let valid = ip.filter(|ip| is_ip(ip));
    let source = w.object("source");
    w.str("address", ip);
    w.str("ip", valid);
    geo(w);
    w.close(source);
    let client = w.object("client");
    w.str("address", ip);
    w.str("ip", valid);
    w.close(client);
    valid
}

fn related(w: &mut Writer<'_>, ip: Option<&str>, users: &[&str]) {
    let related = w.object("related");
    w.strings("ip", ip);
    w.strings("user", users.iter().copied());
    w.close(related);
}

fn sign_in_fields(record: &Record<'_>, s: &SignIn<'_>, tenant: Option<&str>, w: &mut Writer<'_>) {
    let kind = record.sign_in_kind();
    let user_kind = kind.is_none_or(|k| k.is_user());
    let event = w.object("event");
    let start = kind == Some(super::kind::SignInKind::InteractiveUser);
    event_head(w, "authentication", &[if start { "start" } else { "info" }]);
    w.str("action", Some("Sign-in activity"));
    w.str("code", s.error_code.map(|c| c.to_string()).as_deref());
    w.str(
        "outcome",
        s.failed
            .map(|failed| if failed { "failure" } else { "success" }),
    );
    w.str(
        "reason",
        s.failure_reason.filter(|_| s.failed == Some(true)),
    );
    w.str("id", s.id);
    event_tail(w, "entra.signin");
    w.close(event);
    w.str("message", s.message().as_deref());
    cloud(w, tenant.or(s.resource_tenant_id).or(s.home_tenant_id));
    let mut users = Vec::new();
    let user = w.object("user");
    let principal = if user_kind {
        EcsUser {
            id: s.user_id,
            upn: s.user_principal_name,
            name: None,
            full_name: s.user_display_name,
        }
    } else {
        EcsUser {
            id: s.service_principal_id.or(s.app_id),
            name: s.service_principal_name.or(s.app_display_name),
            ..EcsUser::default()
        }
    };
    principal.write(w, &mut users);
    w.close(user);
    let ip = addresses(w, s.ip_address, |w| {
        let asn = w.object("as");
        if let Some(number) = s.autonomous_system {
            w.int("number", number);
        }
        w.close(asn);
        let geo = w.object("geo");
        w.str("city_name", s.city);
        w.str("region_name", s.state);
        w.str("country_iso_code", s.country.as_deref());
        if let Some((lat, lon)) = s.coordinates {
            let location = w.object("location");
            w.float("lat", lat);
            w.float("lon", lon);
            w.close(location);
        }
        w.close(geo);
    });
    let agent = w.object("user_agent");
    w.str("original", s.user_agent);
    let os = w.object("os");
    w.str("full", s.operating_system);
    w.close(os);
    w.close(agent);
    let device = w.object("device");
    w.str("id", s.device_id);
    w.close(device);
    related(w, ip, &users);
}

/// The ECS `event.type` pair of an audit: the action from `operationType`, the object
/// from the category and the targets.
fn audit_types(a: &Audit<'_>) -> [&'static str; 2] {
    let action = match a.operation_type {
        None => "info",
        Some(op) if op.eq_ignore_ascii_case("Add") => "creation",
        Some(op) if op.eq_ignore_ascii_case("Delete") => "deletion",
        Some(_) => "change",
    };
    let has = |kind| a.targets.iter().any(|t| t.is(kind));
    let object = if same(a.category, "UserManagement") {
        "user"
    } else if same(a.category, "GroupManagement") {
        "group"
    } else if same(a.category, "RoleManagement") && has("User") {
        "user"
    } else if same(a.category, "RoleManagement") && has("Group") {
        "group"
    } else {
        "admin"
    };
    [action, object]
}

fn audit_fields(a: &Audit<'_>, tenant: Option<&str>, w: &mut Writer<'_>) {
    let event = w.object("event");
    event_head(w, "iam", &audit_types(a));
    w.str("action", a.activity);
    let outcome = match a.result {
        Some(r) if r.eq_ignore_ascii_case("success") => "success",
        Some(r) if r.eq_ignore_ascii_case("failure") => "failure",
        _ => "unknown",
    };
    w.str("outcome", Some(outcome));
    w.str("reason", a.result_reason);
    w.str("id", a.id);
    w.str("provider", a.logged_by_service);
    event_tail(w, "entra.audit");
    w.close(event);
    cloud(w, tenant);
    let mut users = Vec::new();
    let user = w.object("user");
    let actor = match a.actor {
        Actor::User {
            id,
            upn,
            display_name,
        } => EcsUser {
            id,
            upn,
            name: None,
            full_name: display_name,
        },
        Actor::App {
            app_id,
            display_name,
            service_principal_id,
            service_principal_name,
        } => EcsUser {
            id: service_principal_id.or(app_id),
            name: display_name.or(service_principal_name),
            ..EcsUser::default()
        },
        Actor::Nobody => EcsUser::default(),
    };
    actor.write(w, &mut users);
    if let Some(target) = a.targets.iter().find(|t| t.is("User")) {
        let inner = w.object("target");
        EcsUser {
            id: target.id,
            upn: target.upn,
            name: None,
            full_name: target.display_name,
        }
        .write(w, &mut users);
        w.close(inner);
    }
    w.close(user);
    if let Some(group) = a.targets.iter().find(|t| t.is("Group")) {
        let inner = w.object("group");
        w.str("id", group.id);
        w.str("name", group.display_name);
        w.close(inner);
    }
    let ip = addresses(w, a.actor_ip, |_| {});
    let agent = w.object("user_agent");
    w.str("original", a.user_agent);
    w.close(agent);
    related(w, ip, &users);
}

fn provisioning_fields(p: &Provisioning<'_>, tenant: Option<&str>, w: &mut Writer<'_>) {
    let action = match p.action {
        Some(a) if a.eq_ignore_ascii_case("create") => "creation",
        Some(a) if a.eq_ignore_ascii_case("delete") || a.eq_ignore_ascii_case("stagedDelete") => {
            "deletion"
        }
        Some(a) if a.eq_ignore_ascii_case("disable") || a.eq_ignore_ascii_case("update") => {
            "change"
        }
        _ => "info",
    };
    let object = p.object();
    let event = w.object("event");
    event_head(w, "iam", &[action, object]);
    w.str("action", Some("Provisioning activity"));
    let outcome = match p.status {
        Some(s) if s.eq_ignore_ascii_case("success") || s.eq_ignore_ascii_case("warning") => {
            "success"
        }
        Some(s) if s.eq_ignore_ascii_case("failure") => "failure",
        _ => "unknown",
    };
    w.str("outcome", Some(outcome));
    w.str("reason", p.error_reason);
    w.str("id", p.id);
    if let Some(ns) = p.duration_ms.and_then(|ms| ms.checked_mul(1_000_000)) {
        w.int("duration", ns);
    }
    event_tail(w, "entra.provisioning");
    w.close(event);
    cloud(w, tenant.or(p.tenant_id));
    let mut users = Vec::new();
    if object == "user" {
        let user = w.object("user");
        let target = w.object("target");
        EcsUser {
            id: p.identity_id,
            name: p.identity_name,
            ..EcsUser::default()
        }
        .write(w, &mut users);
        w.close(target);
        w.close(user);
    } else if object == "group" {
        let group = w.object("group");
        w.str("id", p.identity_id);
        w.str("name", p.identity_name);
        w.close(group);
    }
    related(w, None, &users);
}

/// `entra`: the Azure Monitor category and the normalized record.
fn entra(record: &Record<'_>, dataset: &'static str, numbers: &[Numeric], w: &mut Writer<'_>) {
    let entra = w.object("entra");
    w.str("category", Some(record.kind.category()));
    normalize::write_object(w, dataset, record.members, numbers, |_, _| false);
    w.close(entra);
}
