//! Resolved settings: the command line turned into what the server needs.

use std::net::IpAddr;
use std::path::PathBuf;

use aad_common::time::RateSetting;
use aad_common::{Error, Result};

use crate::cli::{Args, NextLinkStyle};
use crate::data::GenContext;
use crate::faults::FaultSettings;
use crate::store::{LiveSettings, StoreSettings};
use crate::time::{TICKS_PER_SECOND, now_ticks, to_ticks};

/// The command line checked and resolved: the files it names are read, the durations
/// are in the units the server counts in. A field without a comment is its flag's value
/// (see [`Args`] for what each flag means).
#[derive(Debug, Clone)]
pub struct Config {
    pub(crate) bind: IpAddr,
    pub(crate) port: u16,
    pub(crate) tls: bool,
    pub(crate) cert_out: Option<PathBuf>,
    pub(crate) print_env: bool,
    pub(crate) env_dir: Option<PathBuf>,
    /// How the records are generated, and live mode.
    pub(crate) store: StoreSettings,
    pub(crate) tenant_id: String,
    pub(crate) tenant_domain: String,
    pub(crate) client_id: String,
    /// Read from `--client-secret-file`; `None` generates a new secret at every start.
    pub(crate) client_secret: Option<String>,
    /// The PEM texts of the `--client-cert` files.
    pub(crate) client_certs: Vec<String>,
    pub(crate) faults: FaultSettings,
    pub(crate) next_links: NextLinkStyle,
    pub(crate) next_link_base: Option<String>,
    /// Seconds.
    pub(crate) token_ttl: i64,
    pub(crate) no_premium: bool,
    pub(crate) verbose: bool,
    /// `--tenants`: how many tenants this process serves.
    pub(crate) tenants: usize,
    /// `--no-p2`.
    pub(crate) no_p2: bool,
    /// `--multi-tenant-app`: every tenant's application has the first one's client id.
    pub(crate) multi_tenant_app: bool,
}

/// One served tenant: who it is and how its data is made.
#[derive(Debug, Clone)]
pub(crate) struct TenantSpec {
    pub tenant_id: String,
    pub domain: String,
    pub client_id: String,
    /// `--client-secret-file` for the first tenant; `None` generates one.
    pub client_secret: Option<String>,
    pub store: StoreSettings,
}

/// The largest values the numeric flags take: each far above any use, and low enough
/// that no arithmetic on them overflows and no amount of them exhausts the machine.
pub(crate) mod limits {
    /// `--records`: rows per report.
    pub(crate) const RECORDS: usize = 10_000_000;
    /// `--live`: events per second per report.
    pub(crate) const LIVE_RATE: f64 = 10_000.0;
    /// `--latency-ms`: ten minutes.
    pub(crate) const LATENCY_MS: u64 = 600_000;
    /// `--retry-after`: a day.
    pub(crate) const RETRY_AFTER: u64 = 86_400;
    /// `--max-delay`: a day, in seconds.
    pub(crate) const MAX_DELAY: u64 = 86_400;
    /// `--max-window`: the retention, in seconds.
    pub(crate) const MAX_WINDOW: u64 = 30 * 86_400;
    /// `--token-ttl`: a year, in seconds.
    pub(crate) const TOKEN_TTL: u64 = 365 * 86_400;
    /// `--tenants`.
    pub(crate) const TENANTS: usize = 100;
    /// `--rate-limit`'s window: a day, in seconds.
    pub(crate) const RATE_WINDOW: u64 = 86_400;
    /// `--now`: years a tick count can hold with room for the retention arithmetic.
    pub(crate) const YEARS: std::ops::RangeInclusive<i32> = 1971..=9999;
}

/// A usage error when `value` is above `max`.
fn at_most<T: PartialOrd + std::fmt::Display>(flag: &str, value: T, max: T) -> Result<()> {
    if value > max {
        Err(Error::usage(format!("{flag}: at most {max}")))
    } else {
        Ok(())
    }
}

/// Checks every numeric flag against [`limits`].
fn check_numbers(args: &Args) -> Result<()> {
    at_most("--records", args.records, limits::RECORDS)?;
    at_most("--tenants", args.tenants, limits::TENANTS)?;
    if args.tenants == 0 {
        return Err(Error::usage("--tenants: use a number above 0"));
    }
    at_most("--latency-ms", args.latency_ms, limits::LATENCY_MS)?;
    at_most("--retry-after", args.retry_after, limits::RETRY_AFTER)?;
    at_most(
        "--max-delay (seconds)",
        args.max_delay.as_secs(),
        limits::MAX_DELAY,
    )?;
    at_most(
        "--token-ttl (seconds)",
        args.token_ttl.as_secs(),
        limits::TOKEN_TTL,
    )?;
    if let Some(window) = args.max_window {
        at_most(
            "--max-window (seconds)",
            window.as_secs(),
            limits::MAX_WINDOW,
        )?;
    }
    if let RateSetting::Limit(rate) = args.rate_limit {
        at_most(
            "--rate-limit (window seconds)",
            rate.per.as_secs(),
            limits::RATE_WINDOW,
        )?;
    }
    if let Some(rate) = args.live
        && !(rate > 0.0 && rate <= limits::LIVE_RATE)
    {
        return Err(Error::usage(format!(
            "--live: the rate must be above 0 and at most {} (events per second)",
            limits::LIVE_RATE
        )));
    }
    Ok(())
}

impl Config {
    /// Checks the arguments clap cannot check alone, and reads the secret and certificate
    /// files they name, so that a bad value is a usage error before anything is bound.
    pub fn from_args(args: &Args) -> Result<Config> {
        check_numbers(args)?;
        let anchor = match &args.now {
            Some(text) => {
                let t = aad_common::time::parse_instant(text).ok_or_else(|| {
                    Error::usage(format!("--now: '{text}' is not an RFC 3339 time or a date"))
                })?;
                if !limits::YEARS.contains(&chrono::Datelike::year(&t)) {
                    return Err(Error::usage(format!(
                        "--now: use a time from {} to {}",
                        limits::YEARS.start(),
                        limits::YEARS.end()
                    )));
                }
                to_ticks(t)
            }
            None => now_ticks(),
        };
        let live = args.live.map(|rate| LiveSettings {
            rate,
            max_delay: i64::try_from(args.max_delay.as_nanos() / 100).unwrap_or(i64::MAX),
            republish_fraction: args.republish_fraction,
            start: now_ticks(),
        });
        if args.days > crate::store::RETENTION_DAYS {
            return Err(Error::usage(format!(
                "--days: at most {} (the retention the emulator applies)",
                crate::store::RETENTION_DAYS
            )));
        }
        if !(0.0..=1.0).contains(&args.republish_fraction) {
            return Err(Error::usage(
                "--republish-fraction: use a number from 0 to 1",
            ));
        }
        for (name, value) in [
            ("--throttle-every", args.throttle_every),
            ("--fail-every", args.fail_every),
            ("--timeout-every", args.timeout_every),
            ("--truncate-every", args.truncate_every),
            ("--garble-every", args.garble_every),
            ("--malformed-every", args.malformed_every),
        ] {
            if value == Some(0) {
                return Err(Error::usage(format!("{name}: use a number above 0")));
            }
        }
        let client_secret = match &args.client_secret_file {
            Some(path) => Some(aad_common::io::read_secret(
                &path.to_string_lossy(),
                "client secret",
            )?),
            None => None,
        };
        let mut client_certs = Vec::new();
        for path in &args.client_cert {
            let pem = std::fs::read_to_string(path)
                .map_err(|e| Error::file("read certificate", path, e))?;
            if crate::auth::trusted_certs(&pem).is_empty() {
                return Err(Error::new(
                    aad_common::Status::File,
                    format!("no certificate found in '{}'", path.display()),
                ));
            }
            client_certs.push(pem);
        }
        Ok(Config {
            bind: args.bind,
            port: args.port,
            tls: args.tls,
            cert_out: args.cert_out.clone(),
            print_env: args.print_env,
            env_dir: args.env_dir.clone(),
            store: StoreSettings {
                context: GenContext::new(args.seed, &args.tenant, &args.tenant_domain, args.no_p2),
                records: args.records,
                days: args.days,
                anchor,
                live,
            },
            tenant_id: args.tenant.clone(),
            tenant_domain: args.tenant_domain.clone(),
            client_id: args.client_id.clone(),
            client_secret,
            client_certs,
            faults: FaultSettings {
                latency: std::time::Duration::from_millis(args.latency_ms),
                rate_limit: match args.rate_limit {
                    RateSetting::Off => None,
                    RateSetting::Limit(rate) => Some(rate),
                },
                throttle_every: args.throttle_every,
                retry_after: args.retry_after,
                retry_after_date: args.retry_after_date,
                fail_every: args.fail_every,
                timeout_every: args.timeout_every,
                truncate_every: args.truncate_every,
                garble_every: args.garble_every,
                malformed_every: args.malformed_every,
                empty_pages: args.empty_pages,
                max_window: args.max_window.map(|d| {
                    i64::try_from(d.as_secs()).unwrap_or(i64::MAX / TICKS_PER_SECOND)
                        * TICKS_PER_SECOND
                }),
            },
            next_links: args.next_links,
            next_link_base: args.next_link_base.clone(),
            token_ttl: i64::try_from(args.token_ttl.as_secs()).unwrap_or(i64::MAX / 2),
            no_premium: args.no_premium,
            verbose: args.verbose,
            tenants: args.tenants,
            no_p2: args.no_p2,
            multi_tenant_app: args.multi_tenant_app,
        })
    }
}

impl Config {
    /// Tenant `index` (0 is the flags' own). The others get ids, domains, client ids and
    /// data seeds derived from the seed and their number, so a run is repeatable and no
    /// two tenants share records.
    pub(crate) fn tenant_spec(&self, index: usize) -> TenantSpec {
        if index == 0 {
            return TenantSpec {
                tenant_id: self.tenant_id.clone(),
                domain: self.tenant_domain.clone(),
                client_id: self.client_id.clone(),
                client_secret: self.client_secret.clone(),
                store: self.store.clone(),
            };
        }
        let seed = self.store.context.seed;
        let mut rng = crate::rng::Rng::for_item(seed, 0x7e4a, index as u64);
        let tenant_id = rng.guid();
        let own_client_id = rng.guid();
        let client_id = if self.multi_tenant_app {
            self.client_id.clone()
        } else {
            own_client_id
        };
        let number = index + 1;
        let domain = match self.tenant_domain.split_once('.') {
            Some((name, rest)) => format!("{name}{number}.{rest}"),
            None => format!("{}{number}", self.tenant_domain),
        };
        let data_seed = seed ^ (index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let mut store = self.store.clone();
        store.context = GenContext::new(data_seed, &tenant_id, &domain, self.no_p2);
        TenantSpec {
            tenant_id,
            domain,
            client_id,
            client_secret: None,
            store,
        }
    }
}
