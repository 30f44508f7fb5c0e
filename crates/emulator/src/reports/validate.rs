//! Step 1 of a listing: the checks the service makes before it reads a record, in its
//! order (permission, licence, api-version, `$top`, `$filter`, `$select`, `$orderby`,
//! `$skiptoken`), each a function from one part of the request to its meaning or a
//! [`Refusal`].

use super::listing::{Listing, Refusal};
use crate::auth::bearer::Caller;
use crate::auth::{AUDIT_ROLE, Api, DIRECTORY_ROLE};
use crate::config::Config;
use crate::data::{Dataset, SignInType};
use crate::odata::Cursor;
use crate::odata::filter::{self, Filter, Schema};
use crate::store::Store;

/// Default and largest page size, as the service's.
const MAX_TOP: usize = 1000;

/// A listing that passed every check: what to list, and how.
pub(crate) struct ValidQuery<'a> {
    /// The path's dataset, or the sign-in kind a `signInEventTypes` filter picked.
    pub dataset: Dataset,
    pub top: usize,
    pub filter: Filter,
    /// `$select`'s properties, each one the entity has.
    pub select: Option<Vec<&'a str>>,
    /// Where the page starts: at the top, or where the `$skiptoken` points.
    pub cursor: Cursor,
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
    let properties = store.properties(req.dataset);
    let filter = parse_filter(req, properties)?;
    let dataset = filtered_dataset(&filter, req.dataset)?;
    let select = selected(req.query.select.as_deref(), properties, dataset)?;
    ordered(req.query.orderby.as_deref(), dataset)?;
    let cursor = start(req.query.skiptoken.as_deref())?;
    Ok(ValidQuery {
        dataset,
        top,
        filter,
        select,
        cursor,
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
    if allowed {
        Ok(())
    } else {
        Err(Refusal::new(
            403,
            "Authorization_RequestDenied",
            "Insufficient privileges to complete the operation.",
        ))
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

/// `$top`: 1 to [`MAX_TOP`]; a number out of range and a non-number are refused with
/// different codes.
fn page_size(top: Option<&str>) -> Result<usize, Refusal> {
    let Some(text) = top.map(str::trim) else {
        return Ok(MAX_TOP);
    };
    match text.parse::<i64>() {
        Ok(n) if (1..=MAX_TOP as i64).contains(&n) => Ok(n as usize),
        Ok(_) => Err(Refusal::new(
            400,
            "Request_UnsupportedQuery",
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

/// `$filter`, checked against the entity's `properties`; blank is no filter.
fn parse_filter(req: &Listing<'_>, properties: &[String]) -> Result<Filter, Refusal> {
    let Some(text) = req.query.filter.as_deref().filter(|f| !f.trim().is_empty()) else {
        return Ok(Filter::default());
    };
    let schema = Schema {
        dataset: req.dataset,
        properties,
        event_types: req.api == Api::Graph && !req.v1 && matches!(req.dataset, Dataset::SignIns(_)),
    };
    filter::parse(text, &schema).map_err(|e| Refusal::new(400, e.code, e.message))
}

/// Beta sign-ins: `signInEventTypes/any(...)` picks which kind of sign-in is listed.
fn filtered_dataset(filter: &Filter, dataset: Dataset) -> Result<Dataset, Refusal> {
    match (&filter.event_type, dataset) {
        (Some(kind), Dataset::SignIns(_)) => match SignInType::from_event_type(kind) {
            Some(kind) => Ok(Dataset::SignIns(kind)),
            None => Err(Refusal::new(
                400,
                "BadRequest",
                format!("The value '{kind}' is not a valid signInEventType."),
            )),
        },
        (_, d) => Ok(d),
    }
}

/// `$select`: a comma-separated list of the entity's top-level properties.
fn selected<'a>(
    select: Option<&'a str>,
    properties: &[String],
    dataset: Dataset,
) -> Result<Option<Vec<&'a str>>, Refusal> {
    let Some(list) = select else {
        return Ok(None);
    };
    let fields: Vec<&str> = list
        .split(',')
        .map(str::trim)
        .filter(|f| !f.is_empty())
        .collect();
    if let Some(bad) = fields.iter().find(|f| !properties.iter().any(|p| p == *f)) {
        return Err(Refusal::new(
            400,
            "BadRequest",
            format!(
                "Could not find a property named '{bad}' on type '{}'.",
                dataset.entity_type()
            ),
        ));
    }
    Ok(Some(fields))
}

/// `$orderby`: only the order the report has anyway, newest first.
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
            "Request_UnsupportedQuery",
            format!("Unsupported $orderby '{order}'; the report is ordered by '{wanted}'."),
        ))
    }
}

/// `$skiptoken`: a cursor this emulator made, or the first page.
fn start(skiptoken: Option<&str>) -> Result<Cursor, Refusal> {
    match skiptoken {
        None => Ok(Cursor {
            after: None,
            page: 0,
            final_empty: false,
        }),
        Some(token) => Cursor::decode(token)
            .ok_or_else(|| Refusal::new(400, "UnknownError", "Invalid Skip Token.")),
    }
}
