//! Sign-ins as OCSF Authentication (3002), activity 1 Logon for every sign-in (a
//! failure is `status_id` 2, not a Logoff): the principal as `user`, the application as
//! `service`, the resource as `dst_endpoint`, the address with Entra's location as
//! `src_endpoint`, and the kind as `logon_type`.

use std::borrow::Cow;

use super::class::{AUTHENTICATION, Enum};
use super::event::{Device, Endpoint, Event, Unmapped, User};
use crate::siem::kind::SignInKind;
use crate::siem::normalize;
use crate::siem::record::Record;
use crate::siem::values::is_ocsf_ip;
use crate::siem::view::SignIn;

/// The top-level properties `unmapped` leaves out when an attribute took them or they
/// carry nothing (Graph, then legacy `signinEvents`).
fn candidate(key: &str) -> bool {
    matches!(
        key,
        "id" | "createdDateTime"
            | "correlationId"
            | "userId"
            | "userPrincipalName"
            | "userDisplayName"
            | "servicePrincipalId"
            | "servicePrincipalName"
            | "appId"
            | "appDisplayName"
            | "resourceId"
            | "resourceDisplayName"
            | "ipAddress"
            | "userAgent"
            | "sessionId"
    )
}

fn legacy_candidate(key: &str) -> bool {
    matches!(
        key,
        "id" | "signinDateTime"
            | "userId"
            | "userPrincipalName"
            | "userDisplayName"
            | "appId"
            | "appDisplayName"
            | "ipAddress"
    )
}

/// The Authentication event of a sign-in; `Err` when OCSF's required `user`, or its
/// `service`-or-`dst_endpoint` constraint, cannot be met.
pub(super) fn event<'t>(
    record: &'t Record<'t>,
    s: &'t SignIn<'t>,
    tenant: Option<&'t str>,
) -> Result<(Event<'t>, Unmapped), String> {
    let kind = record.sign_in_kind().unwrap_or(SignInKind::InteractiveUser);
    let with_service_principal =
        s.service_principal_id.is_some() || s.service_principal_name.is_some();
    let user = if kind.is_user() {
        User {
            uid: s.user_id,
            upn: s.user_principal_name,
            display_name: s.user_display_name,
            ..User::default()
        }
    } else if with_service_principal {
        User {
            uid: s.service_principal_id,
            name: s.service_principal_name,
            service: true,
            ..User::default()
        }
    } else {
        User {
            uid: s.app_id,
            name: s.app_display_name,
            service: true,
            ..User::default()
        }
    };
    if !user.is_named() {
        let fields = if kind.is_user() {
            "userId, userPrincipalName or userDisplayName"
        } else {
            "servicePrincipalId, servicePrincipalName, appId or appDisplayName"
        };
        return Err(format!(
            "OCSF Authentication needs the user who signed in: the sign-in has no {fields}"
        ));
    }
    let has_service = s.app_id.is_some() || s.app_display_name.is_some();
    let has_resource = s.resource_id.is_some() || s.resource_display_name.is_some();
    if !has_service && !has_resource {
        return Err(
            "OCSF Authentication needs the application or the resource signed in to: \
                    the sign-in has no appId, appDisplayName, resourceId or resourceDisplayName"
                .to_string(),
        );
    }
    let valid_ip = s.ip_address.filter(|ip| is_ocsf_ip(ip));
    let mut event = Event::new(&AUTHENTICATION, Enum::known(1, "Logon"), "Sign-in logs");
    event.severity = match s.risk_level {
        Some(r) if r.eq_ignore_ascii_case("low") => Enum::known(2, "Low"),
        Some(r) if r.eq_ignore_ascii_case("medium") => Enum::known(3, "Medium"),
        Some(r) if r.eq_ignore_ascii_case("high") => Enum::known(4, "High"),
        _ => Enum::known(1, "Informational"),
    };
    event.status = match s.failed {
        Some(false) => Enum::known(1, "Success"),
        Some(true) => Enum::known(2, "Failure"),
        None => Enum::known(0, "Unknown"),
    };
    event.status_code = s.error_code.map(|code| Cow::Owned(code.to_string()));
    event.status_detail = s.failure_reason.filter(|_| s.failed == Some(true));
    event.message = s.message().map(Cow::Owned);
    event.uid = s.id;
    event.correlation_uid = s.correlation_id;
    event.tenant = tenant.or(s.resource_tenant_id).or(s.home_tenant_id);
    event.user = Some(user);
    if valid_ip.is_some() {
        event.src_endpoint = Endpoint {
            ip: valid_ip,
            autonomous_system: s.autonomous_system,
            city: s.city,
            region: s.state,
            country: s.country.as_deref(),
            coordinates: s.coordinates,
            ..Endpoint::default()
        };
    }
    event.service = (s.app_id, s.app_display_name);
    event.dst_endpoint = (s.resource_id, s.resource_display_name);
    event.session_uid = s.session_id;
    event.user_agent = s.user_agent;
    event.auth_protocol = s.authentication_protocol.map(auth_protocol);
    event.logon_type = Some(match kind {
        SignInKind::InteractiveUser => Enum::known(2, "Interactive"),
        SignInKind::NonInteractiveUser => Enum::other(Some("Non-interactive")),
        SignInKind::ServicePrincipal => Enum::other(Some("Service principal")),
        SignInKind::ManagedIdentity => Enum::other(Some("Managed identity")),
    });
    event.is_mfa = match (s.failed, s.authentication_requirement) {
        (Some(false), Some(r)) if r.eq_ignore_ascii_case("multiFactorAuthentication") => Some(true),
        (Some(false), Some(r)) if r.eq_ignore_ascii_case("singleFactorAuthentication") => {
            Some(false)
        }
        _ => None,
    };
    event.is_remote = Some(true);
    if s.device_id.is_some() || s.device_name.is_some() {
        event.device = Some(Device {
            uid: s.device_id,
            name: s.device_name,
            os: s.operating_system.map(|name| (name, os_type(name))),
            is_compliant: s.is_compliant,
            is_managed: s.is_managed,
        });
    }
    let mut taken = vec![record.kind.time_key()];
    let mut take = |key: &'static str, used: bool| {
        if used {
            taken.push(key);
        }
    };
    take("id", s.id.is_some());
    take("correlationId", s.correlation_id.is_some());
    take("userId", kind.is_user() && s.user_id.is_some());
    take(
        "userPrincipalName",
        kind.is_user() && s.user_principal_name.is_some(),
    );
    take(
        "userDisplayName",
        kind.is_user() && s.user_display_name.is_some(),
    );
    take(
        "servicePrincipalId",
        !kind.is_user() && s.service_principal_id.is_some(),
    );
    take(
        "servicePrincipalName",
        !kind.is_user() && s.service_principal_name.is_some(),
    );
    take("appId", s.app_id.is_some());
    take("appDisplayName", s.app_display_name.is_some());
    take("resourceId", s.resource_id.is_some());
    take("resourceDisplayName", s.resource_display_name.is_some());
    take("ipAddress", valid_ip.is_some());
    take("userAgent", s.user_agent.is_some());
    take("sessionId", s.session_id.is_some());
    let unmapped = if record.kind.legacy {
        Unmapped {
            candidate: legacy_candidate,
            taken,
            numbers: normalize::LEGACY_SIGN_IN_NUMBERS,
        }
    } else {
        Unmapped {
            candidate,
            taken,
            numbers: normalize::SIGN_IN_NUMBERS,
        }
    };
    Ok((event, unmapped))
}

/// `auth_protocol_id` from Graph's `authenticationProtocol`.
fn auth_protocol(protocol: &str) -> Enum<'_> {
    let is = |name: &str| protocol.eq_ignore_ascii_case(name);
    let oauth = [
        "oAuth2",
        "ropc",
        "deviceCode",
        "authorizationCodeWithPkce",
        "authorizationCodeWithoutPkce",
        "clientCredentials",
        "refreshTokenGrant",
        "onBehalfOf",
    ];
    let implicit = protocol
        .get(..8)
        .is_some_and(|start| start.eq_ignore_ascii_case("implicit"));
    if oauth.iter().any(|name| is(name)) || implicit {
        Enum::known(6, "OAUTH 2.0")
    } else if is("saml20") || is("samlOnBehalfOf") {
        Enum::known(5, "SAML")
    } else if is("kerberos") {
        Enum::known(2, "Kerberos")
    } else if is("none") {
        Enum::known(0, "Unknown")
    } else {
        Enum::other(Some(protocol))
    }
}

/// `os.type_id` from Entra's `operatingSystem` (first match, any case).
fn os_type(name: &str) -> Enum<'_> {
    let lower = name.to_ascii_lowercase();
    let starts = |prefix: &str| lower.starts_with(prefix);
    if starts("windows phone") || starts("windows mobile") {
        Enum::known(101, "Windows Mobile")
    } else if starts("windows") {
        Enum::known(100, "Windows")
    } else if starts("ipados") {
        Enum::known(302, "iPadOS")
    } else if starts("ios") {
        Enum::known(301, "iOS")
    } else if starts("macos") || starts("mac os") || starts("osx") {
        Enum::known(300, "macOS")
    } else if starts("android") {
        Enum::known(201, "Android")
    } else if starts("linux") {
        Enum::known(200, "Linux")
    } else {
        Enum::other(Some(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocols() {
        assert_eq!(auth_protocol("ropc"), Enum::known(6, "OAUTH 2.0"));
        assert_eq!(
            auth_protocol("implicitAccessTokenAndGetResponseMode"),
            Enum::known(6, "OAUTH 2.0")
        );
        assert_eq!(auth_protocol("SAML20"), Enum::known(5, "SAML"));
        assert_eq!(auth_protocol("none"), Enum::known(0, "Unknown"));
        assert_eq!(
            auth_protocol("wsFederation, ropc"),
            Enum::other(Some("wsFederation, ropc"))
        );
        assert_eq!(auth_protocol("impl"), Enum::other(Some("impl")));
    }

    #[test]
    fn operating_systems() {
        assert_eq!(os_type("Windows10").id, 100);
        assert_eq!(os_type("Windows Phone 8").id, 101);
        assert_eq!(os_type("Ios 17.2").id, 301);
        assert_eq!(os_type("iPadOS 17").id, 302);
        assert_eq!(os_type("MacOs").id, 300);
        assert_eq!(os_type("Android 14").id, 201);
        assert_eq!(os_type("Linux").id, 200);
        assert_eq!(os_type("ChromeOS"), Enum::other(Some("ChromeOS")));
        assert_eq!(os_type("Ünix").label, "Ünix");
    }
}
