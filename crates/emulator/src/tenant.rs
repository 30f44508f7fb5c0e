//! The emulated tenant as one value: its directory (applications, managed identities,
//! credentials, signing keys), its report data and its request budget. Everything a
//! request may touch that belongs to a tenant is here, so that serving several tenants
//! from one process is a matter of looking the right value up per request.

use crate::auth::jwt::SigningKey;
use crate::auth::keys::TokenKey;
use crate::auth::{self, AUDIT_ROLE, App, DIRECTORY_ROLE, Directory, Identity, POLICY_ROLES};
use crate::budget::Budget;
use crate::config::{Config, TenantSpec};
use crate::rng::Rng;
use crate::store::Store;

/// Client id of the application that lacks AuditLog.Read.All: fixed, so that tests and
/// the man page can name it.
pub(crate) const NOPERM_CLIENT_ID: &str = "9b8c7d6e-5f4a-4b3c-8d2e-1f0a9b8c7d6e";
/// Client id of the user-assigned managed identity: fixed, as a client configures it.
pub(crate) const USER_ASSIGNED_CLIENT_ID: &str = "4e3d2c1b-0a9f-4e8d-9c7b-6a5f4e3d2c1b";

pub(crate) struct Tenant {
    pub directory: Directory,
    pub store: Store,
    pub budget: Budget,
}

impl Tenant {
    /// Tenant `index` of `config`; its data is generated on first use. Every tenant
    /// signs with the one `token_key`, as Azure AD's keys serve all tenants.
    pub(crate) fn new(config: &Config, index: usize, token_key: TokenKey) -> Tenant {
        let spec = config.tenant_spec(index);
        Tenant {
            directory: directory(config, &spec, token_key),
            store: Store::new(spec.store),
            budget: Budget::new(config.faults.rate_limit),
        }
    }
}

/// The applications and identities are derived from the data seed, so their object ids
/// stay the same from run to run; secrets and keys are new at every start.
fn directory(config: &Config, spec: &TenantSpec, token_key: TokenKey) -> Directory {
    let mut rng = Rng::for_item(spec.store.context.seed, 0xd1, 0);
    let secret = spec.client_secret.clone().unwrap_or_else(random_secret);
    let mut certs = auth::trusted_certs(auth::DEMO_CLIENT_PEM);
    for pem in &config.client_certs {
        certs.extend(auth::trusted_certs(pem));
    }
    Directory {
        tenant_id: spec.tenant_id.clone(),
        tenant_domain: spec.domain.clone(),
        apps: vec![
            App {
                client_id: spec.client_id.clone(),
                object_id: rng.guid(),
                display_name: "Audit log collector",
                roles: vec![AUDIT_ROLE, DIRECTORY_ROLE, POLICY_ROLES[0]],
            },
            App {
                client_id: NOPERM_CLIENT_ID.to_string(),
                object_id: rng.guid(),
                display_name: "App without AuditLog.Read.All",
                roles: vec![],
            },
        ],
        identities: vec![
            Identity {
                client_id: rng.guid(),
                object_id: rng.guid(),
                user_assigned: false,
            },
            Identity {
                client_id: USER_ASSIGNED_CLIENT_ID.to_string(),
                object_id: rng.guid(),
                user_assigned: true,
            },
        ],
        secret,
        certs,
        identity_header: random_secret(),
        token_ttl: config.token_ttl,
        token_key,
        federation_key: SigningKey::random(format!("{}-federation", crate::NAME)),
    }
}

/// A secret like the portal's: 40 characters of letters, digits and `~._-`.
fn random_secret() -> String {
    use ring::rand::{SecureRandom, SystemRandom};
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789~._-";
    let mut bytes = [0u8; 40];
    let _ = SystemRandom::new().fill(&mut bytes);
    bytes
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect()
}
