//! What every connection shares, behind one `Arc`.

use crate::config::Config;
use crate::faults::Faults;
use crate::requests_log::RequestLog;
use crate::tenant::Tenant;

pub(crate) struct State {
    pub config: Config,
    /// The emulated tenants (`--tenants`), the flags' own first.
    tenants: Vec<Tenant>,
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
    pub(crate) fn new(
        config: Config,
        tenants: Vec<Tenant>,
        scheme: &'static str,
        host: String,
    ) -> State {
        State {
            faults: Faults::new(config.faults.clone()),
            log: RequestLog::default(),
            tenants,
            scheme,
            default_host: host,
            config,
        }
    }

    /// The first tenant: the one the flags describe, which serves requests that name
    /// no tenant.
    pub(crate) fn tenant(&self) -> &Tenant {
        &self.tenants[0]
    }

    /// The tenant a path names by id or domain.
    pub(crate) fn tenant_named(&self, name: &str) -> Option<&Tenant> {
        self.tenants.iter().find(|t| t.directory.is_tenant(name))
    }

    /// The tenant `/_emulator/*?tenant=` names: by id, domain or number (1 is the first).
    pub(crate) fn tenant_for_test(&self, name: Option<&str>) -> Option<&Tenant> {
        match name {
            None => Some(self.tenant()),
            Some(n) => match n.parse::<usize>() {
                Ok(number) => number.checked_sub(1).and_then(|i| self.tenants.get(i)),
                Err(_) => self.tenant_named(n),
            },
        }
    }

    pub(crate) fn tenants(&self) -> &[Tenant] {
        &self.tenants
    }
}
