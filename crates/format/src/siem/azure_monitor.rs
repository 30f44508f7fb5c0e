//! `--to azure-monitor`: the record as Azure Monitor's diagnostic settings export it to
//! an Event Hub or a storage account, the shape Elastic's and Sentinel's content reads:
//! an envelope (`time`, `category` by log, `operationName`, `resultType`, ...) around
//! the record, which is copied into `properties` byte for byte as it was read.

use super::kind::SignInKind;
use super::out::Writer;
use super::record::{Body, Record};
use super::view::Actor;

/// Appends the Azure Monitor record for `record`, whose JSON text is `text` (one line,
/// no newline).
pub(crate) fn write(record: &Record<'_>, text: &str, tenant: Option<&str>, w: &mut Writer<'_>) {
    let doc = w.document();
    w.str("time", Some(&record.time.ticks_utc()));
    let tenant = match &record.body {
        Body::SignIn(s) => tenant.or(s.resource_tenant_id).or(s.home_tenant_id),
        Body::Audit(_) => tenant,
        Body::Provisioning(p) => tenant.or(p.tenant_id),
    };
    if let Some(tenant) = tenant {
        w.str(
            "resourceId",
            Some(&format!("/tenants/{tenant}/providers/Microsoft.aadiam")),
        );
    }
    let operation = match &record.body {
        Body::SignIn(_) => Some("Sign-in activity"),
        Body::Audit(a) => a.activity,
        Body::Provisioning(_) => Some("Provisioning activity"),
    };
    w.str("operationName", operation);
    w.str("operationVersion", Some("1.0"));
    w.str("category", Some(record.kind.category()));
    w.str("tenantId", tenant);
    match &record.body {
        Body::SignIn(s) => {
            w.str("resultType", s.error_code.map(|c| c.to_string()).as_deref());
            w.str("resultSignature", Some("None"));
            w.str(
                "resultDescription",
                s.failure_reason.filter(|_| s.failed == Some(true)),
            );
            w.int("durationMs", 0);
            w.str("callerIpAddress", s.ip_address);
            w.str("correlationId", s.correlation_id);
            let user_kind = record.sign_in_kind().is_none_or(SignInKind::is_user);
            w.str("identity", s.user_display_name.filter(|_| user_kind));
            w.int("Level", 4);
            w.str("location", s.country.as_deref());
        }
        Body::Audit(a) => {
            let result = match a.result {
                Some(r) if r.eq_ignore_ascii_case("success") => Some("Success"),
                Some(r) if r.eq_ignore_ascii_case("failure") => Some("Failure"),
                _ => None,
            };
            w.str("resultType", result);
            w.str("resultSignature", Some("None"));
            w.str("resultDescription", a.result_reason);
            w.int("durationMs", 0);
            w.str("callerIpAddress", a.actor_ip);
            w.str("correlationId", a.correlation_id);
            let identity = match a.actor {
                Actor::User {
                    upn, display_name, ..
                } => upn.or(display_name),
                Actor::App {
                    display_name,
                    service_principal_name,
                    ..
                } => display_name.or(service_principal_name),
                Actor::Nobody => None,
            };
            w.str("identity", identity);
            w.int("Level", 4);
        }
        Body::Provisioning(p) => {
            w.str("resultType", p.status.map(capitalized).as_deref());
            w.int("durationMs", p.duration_ms.unwrap_or(0));
            w.str("correlationId", p.change_id);
            w.str("identity", p.id);
            w.int("Level", 4);
        }
    }
    w.raw("properties", text);
    w.close(doc);
}

/// `skipped` → `Skipped`.
fn capitalized(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_capitalized() {
        assert_eq!(capitalized("skipped"), "Skipped");
        assert_eq!(capitalized("Failure"), "Failure");
        assert_eq!(capitalized("ärger"), "Ärger");
    }
}
