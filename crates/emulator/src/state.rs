//! What every connection shares, behind one `Arc`.

use crate::config::Config;
use crate::faults::Faults;
use crate::requests_log::RequestLog;
use crate::tenant::Tenant;

pub(crate) struct State {
    pub config: Config,
    /// The one emulated tenant; requests reach it through [`State::tenant`].
    tenant: Tenant,
    /// The `--*-every N` counters count per endpoint, across tenants.
    pub faults: Faults,
    pub log: RequestLog,
    /// `http` or `https`: with the Host header it gives the base URL a client used, which
    /// links and discovery documents point back to.
    pub scheme: &'static str,
    /// `ip:port`, for requests without a Host header.
    pub default_host: String,
}

impl State {
    pub(crate) fn new(config: Config, tenant: Tenant, scheme: &'static str, host: String) -> State {
        State {
            faults: Faults::new(config.faults.clone()),
            log: RequestLog::default(),
            tenant,
            scheme,
            default_host: host,
            config,
        }
    }

    /// The tenant that serves a request; there is one today.
    pub(crate) fn tenant(&self) -> &Tenant {
        &self.tenant
    }
}
