//! The SIEM FORMATS section of `man aad-format`: the outcome, category, type and class
//! rules and the mapping tables, as plain text (each line is kept as written).

/// The section's text.
pub(crate) const SECTION: &str = "\
--to ecs              Elastic Common Schema 8.11.0, one document per
                      line.
--to ocsf             OCSF 1.8.0 events, one per line.
--to azure-monitor    the Azure Monitor diagnostic-settings (Event
                      Hub) export record, one per line, with the input
                      record byte-equal in \"properties\".
--tenant-id GUID      tenant for cloud.account.id, metadata.tenant_uid
                      and tenantId; default: the record's
                      resourceTenantId, then homeTenantId (sign-ins)
                      or tenantId (provisioning); directory audits
                      carry none.

The output is NDJSON only: --pretty, --fields, --excel, --root and --item are usage \
errors with these targets (SIEM ingesters need one document per line and the whole \
mapping). Every document is one compact JSON object followed by a newline, keys in the \
order of the tables below, UTF-8, escaped as serde_json escapes (\\\" \\\\ \\n \\r \\t \
\\b \\f and \\u00XX for other control characters). A value that is missing, null, \
empty, only white space or (for ids) the zero GUID writes no field at all (never null, \
\"\" or {}); a value of a type the Graph schema does not give the property is ignored \
by the mapping and kept in the record copy.

Records are recognised by their properties: activityDisplayName = directory audit; \
provisioningAction, provisioningStatusInfo, provisioningSteps, jobId or cycleId = \
provisioning; createdDateTime = sign-in; the legacy Azure AD Graph records \
signinDateTime = sign-in (signinEvents) and eventTime = directory audit (auditEvents), \
mapped as far as they go. Sign-in kind: signInEventTypes (beta; managedIdentity, \
servicePrincipal, nonInteractiveUser, interactiveUser in this priority), else managed \
identity (managedServiceIdentity.msiType, clientCredentialType), else service \
principal (servicePrincipalId or servicePrincipalName without a user), else \
isInteractive false = non-interactive, else interactive. Bad data (status 6, or \
skipped with --skip-invalid): a record of no known kind, without its time or with a \
time that is not YYYY-MM-DDTHH:MM:SS[.fraction][Z|±HH:MM]; for OCSF also a sign-in \
that names no user (or service principal) or neither its application nor its resource, \
and a time before 1973-03-03.

KIND                  AZURE CATEGORY                ECS    OCSF
interactive user      SignInLogs                    start  3002
non-interactive user  NonInteractiveUserSignInLogs  info   3002
service principal     ServicePrincipalSignInLogs    info   3002
managed identity      ManagedIdentitySignInLogs     info   3002
directory audit       AuditLogs                     below  below
provisioning          ProvisioningLogs              below  3001, 3004

Times: ECS @timestamp in UTC with milliseconds (2026-01-12T06:13:20.123Z), OCSF time \
in epoch milliseconds with metadata.original_time the record's own text, Azure Monitor \
time in UTC with seven digits; always truncated, never rounded. IP addresses: valid \
means an IPv4 dotted quad without leading zeros or an IPv6 address without zone or \
brackets (for OCSF at most 40 characters); an invalid one (203.0.113.XXX) is kept as \
ECS source.address only and stays in OCSF unmapped. Numbers the service sends as \
strings (status.errorCode, processingTimeInMilliseconds, autonomousSystemNumber, \
location.geoCoordinates.*, durationInMilliseconds) become numbers in the ECS and OCSF \
record copies; floats are written in shortest round-trip form.

ECS
@timestamp            record time, UTC, milliseconds
ecs.version           8.11.0
event.kind            event
event.category        sign-ins: authentication; audits and
                      provisioning: iam
event.type            sign-ins: start (interactive) or info; audits:
                      creation (operationType Add), deletion (Delete),
                      change (any other), info (none), plus user
                      (UserManagement; RoleManagement with a user
                      target), group (GroupManagement; RoleManagement
                      with a group target) or admin (anything else);
                      provisioning: creation (create), deletion
                      (delete, stagedDelete), change (disable, update)
                      or info, plus user, group or admin from the
                      identity type
event.action          Sign-in activity | activityDisplayName |
                      Provisioning activity
event.code            sign-ins: status.errorCode
event.outcome         sign-ins: success if errorCode is 0, else
                      failure (MFA and other interrupts such as 50074
                      and 50076 included); audits: success, failure,
                      else unknown; provisioning: success (also
                      warning), failure, else unknown
event.reason          failureReason (failures only) | resultReason |
                      errorInformation.reason
event.id              id
event.provider        audits: loggedByService
event.duration        provisioning: durationInMilliseconds in
                      nanoseconds
event.dataset         entra.signin | entra.audit | entra.provisioning
                      (module entra)
message               sign-ins: failureReason (additionalDetails), or
                      the one present
cloud.provider        azure; cloud.account.id: the tenant
user.*                sign-in principal or audit actor: id, name and
                      domain (UPN split at the last @), email (UPN),
                      full_name (display name); service principals,
                      managed identities and applications: id
                      (servicePrincipalId, else appId) and name only
user.target.*         audits: first User target; provisioning: the
                      user provisioned
group.*               audits: first Group target; provisioning: the
                      group provisioned
source.address        the IP address as given; source.ip only when it
                      is a valid IPv4 or IPv6 address (the same for
                      client.*, related.ip)
source.geo.*          city_name, region_name, country_iso_code (two
                      letters), location (Entra's own; none for 0,0);
                      never top-level geo.*
source.as.number      autonomousSystemNumber
user_agent.original   userAgent, or an audit's User-Agent additional
                      detail; user_agent.os.full:
                      deviceDetail.operatingSystem
device.id             deviceDetail.deviceId
related.user          the user and target names, e-mail addresses and
                      ids
entra.category        the Azure Monitor category
entra.signin, entra.audit, entra.provisioning
                      the whole record, key order kept, nulls removed,
                      numeric strings of numeric properties turned
                      into numbers

OCSF
class                 sign-ins: 3002 Authentication, activity 1 Logon
                      (failures too); audits, first match: role
                      assignments (RoleManagement, member to or from
                      role, app role assignment) 3005 User Access
                      Management (3006 for a group); GroupManagement
                      with a group target 3006 Group Management;
                      UserManagement with a user target 3001 Account
                      Change; any target with an id or name 3004
                      Entity Management; else 6003 API Activity;
                      provisioning: 3001 for users, 3004 for other
                      objects, 6003 when nothing is named
activity_id           by activity name, else operationType (Add,
                      Update, Delete) or provisioningAction; 99 Other
                      with the source value as activity_name; type_uid
                      = class_uid * 100 + activity_id
time                  epoch milliseconds; metadata.original_time: the
                      source string
status_id             sign-ins: 1 Success if errorCode is 0, else 2
                      Failure, 0 Unknown without one; status_code:
                      errorCode as text; status_detail: failureReason;
                      audits and provisioning: success 1, failure 2,
                      other 99 (e.g. timeout, skipped)
severity_id           sign-ins: riskLevelDuringSignIn low 2, medium 3,
                      high 4, else 1; others 1
user                  sign-in principal (type_id 1 User, 4 Service for
                      service principals and managed identities) or
                      the target account
actor                 the audit initiator (user, or app_name and
                      app_uid with its service principal) or the
                      provisioning initiator
service               the application signed in to (appId,
                      appDisplayName)
dst_endpoint          the resource (resourceId, resourceDisplayName)
src_endpoint          only with a valid IP address; location from
                      Entra
auth_protocol_id      OAuth flows 6 OAUTH 2.0, saml20 5 SAML, kerberos
                      2, none 0, others 99
logon_type_id         2 Interactive; 99 Non-interactive, Service
                      principal, Managed identity
is_mfa                successful sign-ins: authenticationRequirement
device                deviceDetail with a deviceId or displayName
                      (host profile)
metadata              product Microsoft Entra ID (vendor Microsoft),
                      version 1.8.0, uid = id, correlation_uid,
                      log_name = Azure category, tenant_uid, profiles
                      cloud (and host with device)
unmapped              the record's properties not used, nulls removed

AZURE MONITOR
keys                  time, resourceId, operationName,
                      operationVersion (1.0), category, tenantId,
                      resultType, resultSignature, resultDescription,
                      durationMs, callerIpAddress, correlationId,
                      identity, Level (4), location, properties (the
                      record, byte-equal)
resultType            sign-ins: errorCode; audits: Success or Failure;
                      provisioning: the status capitalized (Success,
                      Skipped, ...)
identity              sign-ins: userDisplayName (users only); audits:
                      the initiator's UPN or name; provisioning: the
                      record id";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_section_fits_a_terminal_and_names_every_target() {
        for line in SECTION.lines() {
            assert!(!line.ends_with(' '), "trailing space: {line:?}");
        }
        for target in ["--to ecs", "--to ocsf", "--to azure-monitor", "--tenant-id"] {
            assert!(SECTION.contains(target), "{target}");
        }
    }
}
