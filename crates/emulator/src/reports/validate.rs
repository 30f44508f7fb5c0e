//! Step 1 of a listing: the checks the service makes before it reads a record, in its
//! order (permission, licence, api-version, `$top`, `$filter`, `$select`, `$orderby`,
//! `$skiptoken`), each a function from one part of the request to its meaning or a
//! [`Refusal`].

use super::listing::{Listing, Refusal};
use crate::auth::bearer::Caller;
use crate::auth::{AUDIT_ROLE, Api, DIRECTORY_ROLE, POLICY_ROLES};
use crate::config::Config;
use crate::data::{Dataset, View};
use crate::odata::Cursor;
use crate::odata::filter::{self, Filter, Schema};
use crate::store::Store;

/// Default and largest page size, as the service's.
const MAX_TOP: usize = 1000;

/// ASP.NET OData's refusal of `$select` on signIns (captured 2022).
const SELECT_NOT_ALLOWED: &str = "Query option 'Select' is not allowed. To allow it, set the 'AllowedQueryOptions' property on EnableQueryAttribute or QueryValidationSettings.";

/// A listing that passed every check: what to list, and how.
pub(crate) struct ValidQuery<'a> {
    /// The datasets listed together: the path's, or on beta sign-ins the kinds the
    /// `signInEventTypes` clause can select.
    pub datasets: Vec<Dataset>,
    pub top: usize,
    pub filter: Filter,
    /// `$select`'s properties, each one the entity has.
    pub select: Option<Vec<&'a str>>,
    /// Where the page starts: at the top, or where the `$skiptoken` points.
    pub cursor: Cursor,
    /// The rendering the caller gets.
    pub view: View,
    /// The caller may read conditional-access policies.
    pub policies: bool,
}

/// Checks a listing request of `caller`; `store` knows the entities' properties.
pub(crate) fn query<'a>(
    config: &Config,
    store: &Store,
    req: &'a Listing<'_>,
    caller: &Caller,
) -> Result<ValidQuery<'a>, Refusal> {
    permitted(req.api, caller)?;
    licensed(config, req.dataset)?;
    if req.api == Api::Legacy {
        api_version(req.query.api_version.as_deref())?;
    }
    let top = page_size(req.query.top.as_deref())?;
    let filter = parse_filter(req, store)?;
    let datasets = match (&filter.kinds, req.dataset) {
        (Some(kinds), Dataset::SignIns(_)) => kinds.iter().map(|k| Dataset::SignIns(*k)).collect(),
        _ => vec![req.dataset],
    };
    let view = View {
        v1: req.v1,
        prefer: req.prefer,
    };
    let select = selected(req, store, view)?;
    ordered(req.query.orderby.as_deref(), req.dataset)?;
    let cursor = start(req.query.skiptoken.as_deref())?;
    Ok(ValidQuery {
        datasets,
        top,
        filter,
        select,
        cursor,
        view,
        policies: caller
            .roles
            .iter()
            .any(|r| POLICY_ROLES.contains(&r.as_str())),
    })
}

/// The role each API requires: Graph AuditLog.Read.All; the legacy API also accepts
/// Directory.Read.All.
fn permitted(api: Api, caller: &Caller) -> Result<(), Refusal> {
    let allowed = match api {
        Api::Legacy => caller
            .roles
            .iter()
            .any(|r| r == DIRECTORY_ROLE || r == AUDIT_ROLE),
        _ => caller.roles.iter().any(|r| r == AUDIT_ROLE),
    };
    match (allowed, api) {
        (true, _) => Ok(()),
        (false, Api::Legacy) => Err(Refusal::new(
            403,
            "Authorization_RequestDenied",
            "Insufficient privileges to complete the operation.",
        )),
        (false, _) => Err(Refusal::new(
            403,
            "Authentication_MSGraphPermissionMissing",
            "Calling principal does not have required MSGraph permissions AuditLog.Read.All",
        )),
    }
}

/// Sign-in reports need a premium licence (`--no-premium` takes it away).
fn licensed(config: &Config, dataset: Dataset) -> Result<(), Refusal> {
    let sign_ins = matches!(dataset, Dataset::SignIns(_) | Dataset::SigninEvents);
    if sign_ins && config.no_premium {
        return Err(Refusal::new(
            403,
            "Authentication_RequestFromNonPremiumTenantOrB2CTenant",
            "Neither tenant is B2C or tenant doesn't have premium license",
        ));
    }
    Ok(())
}

/// The legacy API requires `api-version=beta`.
fn api_version(version: Option<&str>) -> Result<(), Refusal> {
    match version {
        None => Err(Refusal::new(
            400,
            "Request_BadRequest",
            "A required query parameter 'api-version' is missing.",
        )),
        Some("beta") => Ok(()),
        Some(v) => Err(Refusal::new(
            400,
            "Request_BadRequest",
            format!("The reports API supports api-version 'beta' only, not '{v}'."),
        )),
    }
}

/// `$top`: 1 to [`MAX_TOP`]. Unverified what the service answers to other values;
/// chosen: 400 `BadRequest`.
fn page_size(top: Option<&str>) -> Result<usize, Refusal> {
    let Some(text) = top.map(str::trim) else {
        return Ok(MAX_TOP);
    };
    match text.parse::<i64>() {
        Ok(n) if (1..=MAX_TOP as i64).contains(&n) => Ok(n as usize),
        Ok(_) => Err(Refusal::new(
            400,
            "BadRequest",
            format!(
                "Invalid page size specified: '{text}'. Must be between 1 and {MAX_TOP} inclusive."
            ),
        )),
        Err(_) => Err(Refusal::new(
            400,
            "BadRequest",
            format!("Invalid value '{text}' for query option '$top'."),
        )),
    }
}

/// `$filter`, checked against what the list supports; blank is no filter. Every
/// refusal is the service's "Invalid filter clause"; the reason goes to the log.
fn parse_filter(req: &Listing<'_>, store: &Store) -> Result<Filter, Refusal> {
    let Some(text) = req.query.filter.as_deref().filter(|f| !f.trim().is_empty()) else {
        return Ok(Filter::everything(req.dataset));
    };
    let schema = Schema {
        dataset: req.dataset,
        v1: req.v1,
        oldest: store.settings().oldest(),
    };
    filter::parse(text, &schema).map_err(|e| {
        let refusal = match req.api {
            Api::Legacy => Refusal::new(400, "Request_BadRequest", "Invalid filter clause"),
            _ => Refusal::new(400, "BadRequest", "Invalid filter clause"),
        };
        refusal.because(e.reason)
    })
}

/// `$select`: refused on signIns (as ASP.NET OData words it); elsewhere a
/// comma-separated list of the version's own properties.
fn selected<'a>(
    req: &'a Listing<'_>,
    store: &Store,
    view: View,
) -> Result<Option<Vec<&'a str>>, Refusal> {
    let Some(list) = req.query.select.as_deref() else {
        return Ok(None);
    };
    if req.api == Api::Graph && matches!(req.dataset, Dataset::SignIns(_)) {
        return Err(Refusal::new(400, "BadRequest", SELECT_NOT_ALLOWED));
    }
    let fields: Vec<&str> = list
        .split(',')
        .map(str::trim)
        .filter(|f| !f.is_empty())
        .collect();
    let properties = store.properties(req.dataset, view);
    if let Some(bad) = fields.iter().find(|f| !properties.iter().any(|p| p == *f)) {
        return Err(Refusal::new(
            400,
            "BadRequest",
            format!(
                "Could not find a property named '{bad}' on type '{}'.",
                req.dataset.entity_type()
            ),
        ));
    }
    Ok(Some(fields))
}

/// `$orderby`: only the order the report has anyway, newest first. Unverified what
/// the service answers to another; chosen: 400 `BadRequest`.
fn ordered(orderby: Option<&str>, dataset: Dataset) -> Result<(), Refusal> {
    let Some(order) = orderby.map(str::trim) else {
        return Ok(());
    };
    let wanted = format!("{} desc", dataset.time_field());
    if order.eq_ignore_ascii_case(&wanted) {
        Ok(())
    } else {
        Err(Refusal::new(
            400,
            "BadRequest",
            format!("Unsupported $orderby '{order}'; the report is ordered by '{wanted}'."),
        ))
    }
}

/// `$skiptoken`: a cursor this emulator made, or the first page. Anything else gets
/// the body captured for an expired token (msgraph-sdk-powershell#1388).
fn start(skiptoken: Option<&str>) -> Result<Cursor, Refusal> {
    match skiptoken {
        None => Ok(Cursor {
            after: None,
            page: 0,
            final_empty: false,
        }),
        Some(token) => Cursor::decode(token).ok_or_else(|| {
            Refusal::new(
                400,
                "UnknownError",
                "Invalid Skip Token, skip token is null",
            )
        }),
    }
}
