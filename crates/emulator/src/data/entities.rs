//! The tenant's stable entities: the users, groups, applications, service principals,
//! managed identities, resources and conditional-access policies that recur across
//! events with the same ids and names, so that real queries ("every change to group X",
//! "every sign-in of user Y") find something. Derived from the seed and the tenant, so
//! each tenant has its own.

use super::pools::{self, HOSTILE};
use crate::rng::Rng;

/// The tenant Microsoft's first-party applications and resources belong to.
pub(crate) const MICROSOFT_TENANT: &str = "f8cdef31-a31e-4b4a-93e4-5f571e91255a";

/// A user of the tenant (or a guest), with the device and places they sign in from.
#[derive(Debug, Clone)]
pub(crate) struct User {
    pub id: String,
    /// Attacker-chosen for a few users: display names are whatever a user set.
    pub display: String,
    pub upn: String,
    pub guest: bool,
    /// Index into [`pools::PLACES`]: home, and where the user travels to.
    pub home: usize,
    pub away: usize,
    pub ip: String,
    pub device_id: String,
    pub device_name: Option<String>,
    pub os: &'static str,
    pub browser: &'static str,
    pub user_agent: String,
    pub compliant: Option<bool>,
    pub managed: Option<bool>,
    pub trust: Option<&'static str>,
    /// Signs in through a federated identity provider.
    pub federated: bool,
}

/// An application users sign in to: its id and name never change.
#[derive(Debug, Clone)]
pub(crate) struct Application {
    pub app_id: String,
    pub name: String,
    pub owner_tenant: String,
    pub service_principal_id: String,
}

/// A workload identity that signs in by itself: a service principal or a managed
/// identity (`msi` is `systemAssigned` or `userAssigned`).
#[derive(Debug, Clone)]
pub(crate) struct Workload {
    pub app_id: String,
    pub service_principal_id: String,
    pub name: String,
    pub msi: Option<&'static str>,
    pub resource_id: Option<String>,
}

/// An API the sign-ins ask a token for.
#[derive(Debug, Clone)]
pub(crate) struct Resource {
    pub id: String,
    pub name: &'static str,
    pub owner_tenant: String,
    pub service_principal_id: String,
}

/// A conditional-access policy and how it is set.
#[derive(Debug, Clone)]
pub(crate) struct Policy {
    pub id: String,
    pub name: &'static str,
    pub state: PolicyState,
    pub grant: &'static [&'static str],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PolicyState {
    On,
    Off,
    ReportOnly,
}

#[derive(Debug, Clone)]
pub(crate) struct Group {
    pub id: String,
    pub name: String,
}

/// Everything that recurs, for one tenant.
#[derive(Debug, Clone)]
pub(crate) struct Entities {
    pub users: Vec<User>,
    /// Indexes into `users` of the administrators who make most directory changes.
    pub admins: Vec<usize>,
    pub apps: Vec<Application>,
    pub service_principals: Vec<Workload>,
    pub managed_identities: Vec<Workload>,
    pub resources: Vec<Resource>,
    pub policies: Vec<Policy>,
    pub groups: Vec<Group>,
    /// The foreign tenant guests come from.
    pub guest_tenant: String,
}

const USERS: usize = 40;

const TENANT_APPS: &[&str] = &["Contoso HR Portal", "Contoso Expenses", "Fabrikam CRM"];

/// A third-party application whose publisher chose its name.
const HOSTILE_APP: &str = "<script>alert('x')</script> & ]]> \"Free\", gift";

const WORKLOADS: &[&str] = &[
    "Contoso HR Sync",
    "Microsoft Azure AD Connect",
    "Backup Agent",
    "Intune Connector",
    "=cmd|' /C calc'!A0",
];

const IDENTITIES: &[(&str, &str)] = &[
    ("vm-audit-collector", "systemAssigned"),
    ("func-invoice-processor", "systemAssigned"),
    ("audit-reader-identity", "userAssigned"),
];

const RESOURCES: &[&str] = &[
    "Microsoft Graph",
    "Office 365 Exchange Online",
    "Windows Azure Service Management API",
    "Office 365 SharePoint Online",
    "Contoso HR API",
];

const POLICIES: &[(&str, PolicyState, &[&str])] = &[
    ("Require MFA for admins", PolicyState::On, &["Mfa"]),
    ("Block legacy authentication", PolicyState::On, &["Block"]),
    (
        "Require compliant device",
        PolicyState::On,
        &["RequireCompliantDevice"],
    ),
    (
        "Require MFA for all users",
        PolicyState::ReportOnly,
        &["Mfa"],
    ),
    (
        "Block access from untrusted countries",
        PolicyState::Off,
        &["Block"],
    ),
];

const GROUPS: &[&str] = &[
    "Finance Team",
    "Sales EMEA",
    "All Company",
    "IT Admins",
    "Project Ωmega",
    "Contractors",
    "Helpdesk",
    "=HYPERLINK(\"http://evil.example/\",\"Payroll\")",
];

impl Entities {
    /// The entities of the tenant `tenant_id` under `seed`.
    pub(crate) fn new(seed: u64, tenant_id: &str, domain: &str) -> Entities {
        let mut rng = Rng::for_item(seed, 0xe7, 0);
        let guest_tenant = rng.guid();
        let mut users: Vec<User> = Vec::with_capacity(USERS);
        for i in 0..USERS {
            let mut made = user(&mut rng, i, domain);
            // One principal name per user: a second Adele Vance gets a number.
            if users.iter().any(|u| u.upn == made.upn) {
                made.upn = made.upn.replacen('@', &format!("{i}@"), 1);
            }
            users.push(made);
        }
        let admins = vec![0, 3, 7, 12, 19];
        let mut apps: Vec<Application> = pools::APPS
            .iter()
            .map(|(id, name)| Application {
                app_id: (*id).to_string(),
                name: (*name).to_string(),
                owner_tenant: MICROSOFT_TENANT.to_string(),
                service_principal_id: rng.guid(),
            })
            .collect();
        for name in TENANT_APPS.iter().chain([&HOSTILE_APP]) {
            let owner = if *name == HOSTILE_APP {
                guest_tenant.clone()
            } else {
                tenant_id.to_string()
            };
            apps.push(Application {
                app_id: rng.guid(),
                name: (*name).to_string(),
                owner_tenant: owner,
                service_principal_id: rng.guid(),
            });
        }
        let service_principals = WORKLOADS
            .iter()
            .map(|name| Workload {
                app_id: rng.guid(),
                service_principal_id: rng.guid(),
                name: (*name).to_string(),
                msi: None,
                resource_id: None,
            })
            .collect();
        let managed_identities = IDENTITIES
            .iter()
            .map(|(name, msi)| Workload {
                app_id: rng.guid(),
                service_principal_id: rng.guid(),
                name: (*name).to_string(),
                msi: Some(msi),
                resource_id: Some(format!(
                    "/subscriptions/{}/resourceGroups/prod/providers/Microsoft.Compute/virtualMachines/{name}",
                    rng.guid()
                )),
            })
            .collect();
        let resource_ids = [
            "00000003-0000-0000-c000-000000000000",
            "00000002-0000-0ff1-ce00-000000000000",
            "797f4846-ba00-4fd7-ba43-dac1f8f63013",
            "00000003-0000-0ff1-ce00-000000000000",
        ];
        let resources = RESOURCES
            .iter()
            .enumerate()
            .map(|(i, name)| Resource {
                id: resource_ids
                    .get(i)
                    .map_or_else(|| rng.guid(), |id| (*id).to_string()),
                name,
                owner_tenant: if i < resource_ids.len() {
                    MICROSOFT_TENANT.to_string()
                } else {
                    tenant_id.to_string()
                },
                service_principal_id: rng.guid(),
            })
            .collect();
        let policies = POLICIES
            .iter()
            .map(|(name, state, grant)| Policy {
                id: rng.guid(),
                name,
                state: *state,
                grant,
            })
            .collect();
        let groups = GROUPS
            .iter()
            .map(|name| Group {
                id: rng.guid(),
                name: (*name).to_string(),
            })
            .collect();
        Entities {
            users,
            admins,
            apps,
            service_principals,
            managed_identities,
            resources,
            policies,
            groups,
            guest_tenant,
        }
    }
}

/// User `i`: a name from the pools (every sixth one attacker-chosen), a home and a
/// travel destination, one device.
fn user(rng: &mut Rng, i: usize, domain: &str) -> User {
    let (display, upn) = pools::person(rng, domain);
    let guest = i % 9 == 8;
    let upn = if guest {
        format!(
            "{}_fabrikam.com#EXT#@{domain}",
            upn.split('@').next().unwrap_or("guest")
        )
    } else {
        upn
    };
    let display = if i % 6 == 5 {
        HOSTILE[(i / 6) % HOSTILE.len()].to_string()
    } else {
        display
    };
    let home = rng.below(pools::PLACES.len() as u64) as usize;
    let away = rng.below(pools::PLACES.len() as u64) as usize;
    let os: &'static str = pools::SYSTEMS[rng.below(pools::SYSTEMS.len() as u64) as usize];
    let browser: &'static str = pools::BROWSERS[rng.below(pools::BROWSERS.len() as u64) as usize];
    let user_agent = if i % 11 == 10 {
        // A very long value, as some clients send.
        let n = 4000 + rng.below(4000) as usize;
        "long-user-agent-".repeat(n / 16 + 1)[..n].to_string()
    } else {
        pools::pick_maybe_hostile(rng, pools::USER_AGENTS)
    };
    User {
        id: rng.guid(),
        display,
        upn,
        guest,
        home,
        away,
        ip: pools::ip(rng),
        device_id: if rng.chance(0.6) {
            rng.guid()
        } else {
            String::new()
        },
        device_name: rng
            .chance(0.5)
            .then(|| format!("DESKTOP-{:05X}", rng.below(0xFFFFF))),
        os,
        browser,
        user_agent,
        compliant: (!rng.chance(0.3)).then(|| rng.chance(0.8)),
        managed: (!rng.chance(0.3)).then(|| rng.chance(0.7)),
        trust: rng.chance(0.5).then_some("Azure AD joined"),
        federated: i % 13 == 4,
    }
}
