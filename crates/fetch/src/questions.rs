//! The questions users ask most, as flags: `--user`, `--app`, `--ip`, `--failed`,
//! `--error-code`, `--activity`, `--category`, `--target-resource`, `--initiated-by`.
//!
//! Each becomes the `$filter` condition the report documents for it, with the value
//! quoted as OData wants (`'` doubled; the URL encoding comes later, with the rest of the
//! query). Only properties and operators that Microsoft Graph documents as filterable
//! for that report and version are sent: where there is none (`ne` on
//! `status/errorCode`, `result` of an audit, which are not annotated), the record is
//! fetched and the condition tested here ([`LocalFilter`]), and `-v` says so. A flag
//! that means nothing for a report (`--activity` on sign-ins) is a usage error that
//! names where it applies.

use aad_common::{Error, Result};
use serde_json::Value;

/// The query flags as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Questions {
    pub(crate) user: Option<String>,
    pub(crate) app: Option<String>,
    pub(crate) ip: Option<String>,
    pub(crate) failed: bool,
    pub(crate) error_code: Option<i64>,
    pub(crate) activity: Option<String>,
    pub(crate) category: Option<String>,
    pub(crate) target_resource: Option<String>,
    pub(crate) initiated_by: Option<String>,
}

impl Questions {
    /// True when no query flag was given.
    pub(crate) fn is_empty(&self) -> bool {
        *self == Questions::default()
    }

    /// The flags given, as typed on the command line (for messages).
    fn given(&self) -> Vec<&'static str> {
        let flags = [
            ("--user", self.user.is_some()),
            ("--app", self.app.is_some()),
            ("--ip", self.ip.is_some()),
            ("--failed", self.failed),
            ("--error-code", self.error_code.is_some()),
            ("--activity", self.activity.is_some()),
            ("--category", self.category.is_some()),
            ("--target-resource", self.target_resource.is_some()),
            ("--initiated-by", self.initiated_by.is_some()),
        ];
        flags
            .iter()
            .filter(|(_, on)| *on)
            .map(|(f, _)| *f)
            .collect()
    }
}

/// The kind of records a report holds, which decides the properties a flag maps to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// `auditLogs/signIns` and the beta sign-in kinds.
    SignIns,
    /// `auditLogs/directoryAudits`.
    Audits,
    /// `auditLogs/provisioning`.
    Provisioning,
}

impl Shape {
    fn report(self) -> &'static str {
        match self {
            Shape::SignIns => "sign-ins",
            Shape::Audits => "directoryAudits",
            Shape::Provisioning => "provisioning",
        }
    }
}

/// What a record's field must be, tested here.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Want {
    /// The string, exactly.
    Text(String),
    /// A number other than 0.
    NonZero,
}

/// One condition tested here: the field at `path` (JSON pointer) and what it must be.
#[derive(Debug, Clone, PartialEq, Eq)]
struct LocalCondition {
    pointer: &'static str,
    want: Want,
    /// `--failed: status/errorCode ne 0 is not a documented $filter of sign-ins`, for `-v`.
    note: String,
}

/// The conditions no `$filter` can carry, tested on every record before it is written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct LocalFilter {
    conditions: Vec<LocalCondition>,
}

impl LocalFilter {
    /// True when every record is written.
    pub(crate) fn is_empty(&self) -> bool {
        self.conditions.is_empty()
    }

    /// Whether `record` (one JSON object) meets every condition. A record that does not
    /// parse is kept: the page parser already checked it, and dropping data silently is
    /// worse than writing it.
    pub(crate) fn admits(&self, record: &[u8]) -> bool {
        if self.conditions.is_empty() {
            return true;
        }
        let Ok(value) = serde_json::from_slice::<Value>(record) else {
            return true;
        };
        self.conditions.iter().all(|c| {
            let field = value.pointer(c.pointer);
            match &c.want {
                Want::Text(text) => field.and_then(Value::as_str) == Some(text.as_str()),
                Want::NonZero => field.and_then(Value::as_f64).is_some_and(|n| n != 0.0),
            }
        })
    }

    /// What `-v` says about each condition.
    pub(crate) fn notes(&self) -> impl Iterator<Item = &str> {
        self.conditions.iter().map(|c| c.note.as_str())
    }

    /// The conditions in one line, part of what identifies a `--state` query.
    pub(crate) fn identity(&self) -> String {
        self.conditions
            .iter()
            .map(|c| match &c.want {
                Want::Text(text) => format!("{}=={}", c.pointer, quote(text)),
                Want::NonZero => format!("{}!=0", c.pointer),
            })
            .collect::<Vec<_>>()
            .join(" and ")
    }
}

/// The flags translated for one report: `$filter` conditions, and what is tested here.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Translation {
    /// Conditions joined into `$filter` with `and`.
    pub(crate) server: Vec<String>,
    pub(crate) local: LocalFilter,
}

/// The first property path written with dots (`status.errorCode`) in a `$filter`,
/// outside string literals; numbers (`1.5`), times (`...:00.5Z`) and qualified names
/// (`microsoft.graph.user`) are not paths.
pub(crate) fn dotted_path(filter: &str) -> Option<&str> {
    let mut in_string = false;
    let mut start = None;
    for (i, c) in filter.char_indices().chain([(filter.len(), ' ')]) {
        if c == '\'' {
            in_string = !in_string;
            start = None;
            continue;
        }
        let word_char = c.is_ascii_alphanumeric() || c == '_' || c == '.';
        match (in_string, word_char, start) {
            (false, true, None) => start = Some(i),
            (false, false, Some(s)) => {
                start = None;
                let word = &filter[s..i];
                let starts_like_name = word.starts_with(|c: char| c.is_ascii_alphabetic());
                let qualified = word.to_ascii_lowercase().starts_with("microsoft.");
                if starts_like_name && !qualified && word.contains('.') && !word.ends_with('.') {
                    return Some(word);
                }
            }
            _ => {}
        }
    }
    None
}

/// An OData string literal: in single quotes, a quote inside doubled.
pub(crate) fn quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// A GUID (`8-4-4-4-12` hex digits), the form of every object and application id.
fn is_guid(value: &str) -> bool {
    let groups: Vec<&str> = value.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Collects the translation of each flag.
struct Builder {
    shape: Shape,
    beta: bool,
    out: Translation,
}

impl Builder {
    fn server(&mut self, condition: String) {
        self.out.server.push(condition);
    }

    /// `property eq 'value'`, or `a eq 'v' or b eq 'v'` for several properties (the
    /// target puts a condition with `or` in parentheses).
    fn eq_any(&mut self, properties: &[&str], value: &str) {
        let parts: Vec<String> = properties
            .iter()
            .map(|p| format!("{p} eq {}", quote(value)))
            .collect();
        self.server(parts.join(" or "));
    }

    fn local(&mut self, flag: &str, pointer: &'static str, want: Want, why: &str) {
        let note = format!(
            "{flag}: {why} is not a documented $filter of {} ({}); all records of the window are fetched and {} tested here",
            self.shape.report(),
            if self.beta { "beta" } else { "v1.0" },
            pointer.trim_start_matches('/').replace('/', ".")
        );
        self.out.local.conditions.push(LocalCondition {
            pointer,
            want,
            note,
        });
    }

    /// `value eq` on `id` when it is a GUID, else on `name`.
    fn id_or_name(&mut self, value: &Option<String>, id: &str, name: &str) {
        if let Some(value) = value {
            self.eq_any(&[if is_guid(value) { id } else { name }], value);
        }
    }

    /// The first flag that was `given` and means nothing here, as a usage error that
    /// says where it `applies`.
    fn refuse_any(&self, flags: &[(&str, bool, &str)]) -> Result<()> {
        match flags.iter().find(|(_, given, _)| *given) {
            Some((flag, _, applies)) => Err(Error::usage(format!(
                "{flag} does not apply to {}: {applies}",
                self.shape.report()
            ))),
            None => Ok(()),
        }
    }
}

/// Translates the flags for a report of `shape` (`None`: a report aad-fetch does not
/// know the records of), on Graph beta or v1.0.
pub(crate) fn translate(q: &Questions, shape: Option<Shape>, beta: bool) -> Result<Translation> {
    if q.is_empty() {
        return Ok(Translation::default());
    }
    let texts = [
        ("--user", &q.user),
        ("--app", &q.app),
        ("--ip", &q.ip),
        ("--activity", &q.activity),
        ("--category", &q.category),
        ("--target-resource", &q.target_resource),
        ("--initiated-by", &q.initiated_by),
    ];
    if let Some((flag, _)) = texts
        .iter()
        .find(|(_, value)| value.as_deref().is_some_and(|v| v.trim().is_empty()))
    {
        return Err(Error::usage(format!(
            "{flag} needs a value; an empty one would match nothing"
        )));
    }
    let Some(shape) = shape else {
        let given = q.given();
        let verb = if given.len() == 1 { "needs" } else { "need" };
        return Err(Error::usage(format!(
            "{} {verb} a report whose records aad-fetch knows: signIns (and the beta sign-in kinds), directoryAudits or provisioning",
            given.join(", ")
        ))
        .with_hint("for other reports, and the legacy ones, write the condition with --filter"));
    };
    let mut b = Builder {
        shape,
        beta,
        out: Translation::default(),
    };
    match shape {
        Shape::SignIns => sign_ins(q, &mut b)?,
        Shape::Audits => audits(q, &mut b)?,
        Shape::Provisioning => provisioning(q, &mut b)?,
    }
    Ok(b.out)
}

fn sign_ins(q: &Questions, b: &mut Builder) -> Result<()> {
    b.id_or_name(&q.user, "userId", "userPrincipalName");
    b.id_or_name(&q.app, "appId", "appDisplayName");
    if let Some(ip) = &q.ip {
        b.eq_any(&["ipAddress"], ip);
    }
    if let Some(code) = q.error_code {
        b.server(format!("status/errorCode eq {code}"));
    }
    if q.failed {
        let why = "status/errorCode ne 0";
        b.local("--failed", "/status/errorCode", Want::NonZero, why);
    }
    b.id_or_name(&q.target_resource, "resourceId", "resourceDisplayName");
    b.refuse_any(&[
        ("--activity", q.activity.is_some(), ACTIVITY),
        ("--category", q.category.is_some(), CATEGORY),
        (
            "--initiated-by",
            q.initiated_by.is_some(),
            "a sign-in is its user's; use --user, --app or --ip",
        ),
    ])
}

fn audits(q: &Questions, b: &mut Builder) -> Result<()> {
    b.id_or_name(
        &q.user,
        "initiatedBy/user/id",
        "initiatedBy/user/userPrincipalName",
    );
    if let Some(who) = &q.initiated_by {
        if is_guid(who) {
            b.eq_any(&["initiatedBy/user/id", "initiatedBy/app/appId"], who);
        } else if who.contains('@') {
            b.eq_any(&["initiatedBy/user/userPrincipalName"], who);
        } else {
            b.eq_any(
                &[
                    "initiatedBy/user/displayName",
                    "initiatedBy/app/displayName",
                ],
                who,
            );
        }
    }
    b.id_or_name(
        &q.app,
        "initiatedBy/app/appId",
        "initiatedBy/app/displayName",
    );
    if let Some(activity) = &q.activity {
        b.eq_any(&["activityDisplayName"], activity);
    }
    if let Some(target) = &q.target_resource {
        let property = if is_guid(target) { "id" } else { "displayName" };
        b.server(format!(
            "targetResources/any(t: t/{property} eq {})",
            quote(target)
        ));
    }
    if let Some(ip) = &q.ip {
        let (pointer, why) = ("/initiatedBy/user/ipAddress", "initiatedBy/user/ipAddress");
        b.local("--ip", pointer, Want::Text(ip.clone()), why);
    }
    if q.failed {
        let why = "result eq 'failure'";
        b.local("--failed", "/result", Want::Text("failure".into()), why);
    }
    if let Some(category) = &q.category {
        b.local(
            "--category",
            "/category",
            Want::Text(category.clone()),
            "category",
        );
    }
    b.refuse_any(&[(
        "--error-code",
        q.error_code.is_some(),
        "audit events have a result, not an error code; use --failed",
    )])
}

fn provisioning(q: &Questions, b: &mut Builder) -> Result<()> {
    b.id_or_name(
        &q.app,
        "servicePrincipal/id",
        "servicePrincipal/displayName",
    );
    b.id_or_name(
        &q.target_resource,
        "targetIdentity/id",
        "targetIdentity/displayName",
    );
    if let Some(who) = &q.initiated_by {
        if is_guid(who) {
            let want = Want::Text(who.clone());
            b.local("--initiated-by", "/initiatedBy/id", want, "initiatedBy/id");
        } else {
            b.eq_any(&["initiatedBy/displayName"], who);
        }
    }
    if q.failed && b.beta {
        b.server("provisioningStatusInfo/status eq 'failure'".into());
    } else if q.failed {
        let (pointer, why) = (
            "/provisioningStatusInfo/status",
            "provisioningStatusInfo/status",
        );
        b.local("--failed", pointer, Want::Text("failure".into()), why);
    }
    b.refuse_any(&[
        (
            "--user",
            q.user.is_some(),
            "use --target-resource for the provisioned identity",
        ),
        (
            "--ip",
            q.ip.is_some(),
            "provisioning events carry no IP address",
        ),
        ("--error-code", q.error_code.is_some(), "use --failed"),
        ("--activity", q.activity.is_some(), ACTIVITY),
        ("--category", q.category.is_some(), CATEGORY),
    ])
}

/// Where `--activity` applies.
const ACTIVITY: &str = "it filters directoryAudits by activityDisplayName";
/// Where `--category` applies.
const CATEGORY: &str = "it filters directoryAudits by category";

#[cfg(test)]
mod tests;
