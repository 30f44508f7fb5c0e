//! What every OCSF event shares: the `user`, `actor`, `group`, `entity`, endpoint and
//! device objects, and [`Event`], which the families fill and which writes itself in the
//! mapping's key order with `type_uid` = `class_uid * 100 + activity_id`, `metadata`,
//! `cloud` and `unmapped` (the record's properties that no attribute took, normalized).

use std::borrow::Cow;

use crate::siem::normalize::{self, Numeric};
use crate::siem::out::Writer;
use crate::siem::record::Record;
use crate::siem::tree::Node;
use crate::siem::values::is_email;

use super::class::{Class, Enum, enumerated};

/// An OCSF `user` object; written only when it has a `uid` or a `name`.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct User<'t> {
    pub(crate) uid: Option<&'t str>,
    /// The user principal name: `name`, and `email_addr` when it is one.
    pub(crate) upn: Option<&'t str>,
    /// A name that is not a UPN (applications, provisioned identities).
    pub(crate) name: Option<&'t str>,
    pub(crate) display_name: Option<&'t str>,
    /// 1 User or 4 Service.
    pub(crate) service: bool,
}

impl<'t> User<'t> {
    /// `name`: the UPN, else the plain name, else (without a uid) the display name.
    fn name(&self) -> Option<&'t str> {
        self.upn
            .or(self.name)
            .or(self.display_name.filter(|_| self.uid.is_none()))
    }

    /// The user, only when it has a `uid` (an application's service principal).
    pub(crate) fn only_with_uid(self) -> Self {
        if self.uid.is_some() {
            self
        } else {
            User::default()
        }
    }

    /// True when OCSF can name this user (`uid` or `name`).
    pub(crate) fn is_named(&self) -> bool {
        self.uid.is_some() || self.name().is_some()
    }

    fn write(&self, w: &mut Writer<'_>, key: &'static str) {
        if !self.is_named() {
            return;
        }
        let user = w.object(key);
        w.str("uid", self.uid);
        w.str("name", self.name());
        w.str("email_addr", self.upn.filter(|upn| is_email(upn)));
        w.str("display_name", self.display_name);
        let kind = if self.service {
            Enum::known(4, "Service")
        } else {
            Enum::known(1, "User")
        };
        w.int("type_id", kind.id);
        w.str("type", Some(kind.label));
        w.close(user);
    }
}

/// An OCSF `actor`: a user, or an application (with its service principal as user).
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Actor<'t> {
    pub(crate) user: User<'t>,
    pub(crate) app_name: Option<&'t str>,
    pub(crate) app_uid: Option<&'t str>,
}

/// An OCSF `group` (also `subgroup`).
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Group<'t> {
    pub(crate) uid: Option<&'t str>,
    pub(crate) name: Option<&'t str>,
    pub(crate) kind: Option<&'t str>,
}

impl Group<'_> {
    /// True when OCSF can name this group (`uid` or `name`).
    pub(crate) fn is_named(&self) -> bool {
        self.uid.is_some() || self.name.is_some()
    }
}

/// An OCSF `entity` (managed_entity).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Entity<'t> {
    pub(crate) uid: Option<&'t str>,
    pub(crate) name: Option<&'t str>,
    pub(crate) kind: Enum<'t>,
}

/// `src_endpoint`: an address with what Entra knows of it, or the service's name.
#[derive(Debug, Default)]
pub(crate) struct Endpoint<'t> {
    pub(crate) ip: Option<&'t str>,
    pub(crate) svc_name: Option<&'t str>,
    pub(crate) autonomous_system: Option<i64>,
    pub(crate) city: Option<&'t str>,
    pub(crate) region: Option<&'t str>,
    pub(crate) country: Option<&'t str>,
    pub(crate) coordinates: Option<(f64, f64)>,
}

/// The host profile's `device`.
#[derive(Debug, Default)]
pub(crate) struct Device<'t> {
    pub(crate) uid: Option<&'t str>,
    pub(crate) name: Option<&'t str>,
    pub(crate) os: Option<(&'t str, Enum<'t>)>,
    pub(crate) is_compliant: Option<bool>,
    pub(crate) is_managed: Option<bool>,
}

/// One OCSF event, before it is written.
pub(crate) struct Event<'t> {
    pub(crate) class: &'static Class,
    pub(crate) activity: Enum<'t>,
    pub(crate) severity: Enum<'t>,
    pub(crate) status: Enum<'t>,
    pub(crate) status_code: Option<Cow<'t, str>>,
    pub(crate) status_detail: Option<&'t str>,
    pub(crate) message: Option<Cow<'t, str>>,
    pub(crate) duration: Option<i64>,
    /// `metadata.product.feature.name`.
    pub(crate) feature: &'t str,
    pub(crate) uid: Option<&'t str>,
    pub(crate) correlation_uid: Option<&'t str>,
    pub(crate) tenant: Option<&'t str>,
    pub(crate) actor: Option<Actor<'t>>,
    pub(crate) user: Option<User<'t>>,
    pub(crate) group: Option<Group<'t>>,
    pub(crate) subgroup: Option<Group<'t>>,
    pub(crate) privileges: Option<Cow<'t, str>>,
    pub(crate) entity: Option<Entity<'t>>,
    /// `api.operation` and `api.service.name`.
    pub(crate) api: Option<(&'t str, Option<&'t str>)>,
    pub(crate) src_endpoint: Endpoint<'t>,
    /// `service.uid` and `service.name`.
    pub(crate) service: (Option<&'t str>, Option<&'t str>),
    /// `dst_endpoint.uid` and `dst_endpoint.svc_name`.
    pub(crate) dst_endpoint: (Option<&'t str>, Option<&'t str>),
    pub(crate) session_uid: Option<&'t str>,
    pub(crate) user_agent: Option<&'t str>,
    pub(crate) auth_protocol: Option<Enum<'t>>,
    pub(crate) logon_type: Option<Enum<'t>>,
    pub(crate) is_mfa: Option<bool>,
    pub(crate) is_remote: Option<bool>,
    pub(crate) device: Option<Device<'t>>,
}

impl<'t> Event<'t> {
    /// An event of `class` with nothing but the class, activity and feature set.
    pub(crate) fn new(class: &'static Class, activity: Enum<'t>, feature: &'t str) -> Event<'t> {
        Event {
            class,
            activity,
            severity: Enum::known(1, "Informational"),
            status: Enum::known(0, "Unknown"),
            status_code: None,
            status_detail: None,
            message: None,
            duration: None,
            feature,
            uid: None,
            correlation_uid: None,
            tenant: None,
            actor: None,
            user: None,
            group: None,
            subgroup: None,
            privileges: None,
            entity: None,
            api: None,
            src_endpoint: Endpoint::default(),
            service: (None, None),
            dst_endpoint: (None, None),
            session_uid: None,
            user_agent: None,
            auth_protocol: None,
            logon_type: None,
            is_mfa: None,
            is_remote: None,
            device: None,
        }
    }

    /// Appends the event, with `unmapped` taken from `record`.
    pub(crate) fn write(&self, record: &Record<'_>, unmapped: &Unmapped, w: &mut Writer<'_>) {
        let doc = w.document();
        let class = self.class;
        w.int("class_uid", class.uid);
        w.str("class_name", Some(class.name));
        w.int("category_uid", class.category_uid);
        w.str("category_name", Some(class.category_name));
        enumerated(w, "activity_id", "activity_name", self.activity);
        let caption = if self.activity.id == 99 {
            "Other"
        } else {
            self.activity.label
        };
        w.int("type_uid", class.uid * 100 + self.activity.id);
        w.str("type_name", Some(&format!("{}: {caption}", class.name)));
        w.int("time", record.time.epoch_millis());
        enumerated(w, "severity_id", "severity", self.severity);
        enumerated(w, "status_id", "status", self.status);
        w.str("status_code", self.status_code.as_deref());
        w.str("status_detail", self.status_detail);
        w.str("message", self.message.as_deref());
        if let Some(duration) = self.duration {
            w.int("duration", duration);
        }
        self.metadata(record.kind.category(), record.time_text, w);
        if let Some(actor) = &self.actor {
            let object = w.object("actor");
            actor.user.write(w, "user");
            w.str("app_name", actor.app_name);
            w.str("app_uid", actor.app_uid);
            w.close(object);
        }
        if let Some(user) = &self.user {
            user.write(w, "user");
        }
        for (key, group) in [("group", &self.group), ("subgroup", &self.subgroup)] {
            if let Some(group) = group {
                let object = w.object(key);
                w.str("uid", group.uid);
                w.str("name", group.name);
                w.str("type", group.kind);
                w.close(object);
            }
        }
        if let Some(privilege) = &self.privileges {
            let list = w.array("privileges");
            w.element_str(privilege);
            w.close(list);
        }
        self.entity_and_api(w);
        self.endpoints(w);
        if let Some(protocol) = self.auth_protocol {
            enumerated(w, "auth_protocol_id", "auth_protocol", protocol);
        }
        if let Some(logon_type) = self.logon_type {
            enumerated(w, "logon_type_id", "logon_type", logon_type);
        }
        w.bool("is_mfa", self.is_mfa);
        w.bool("is_remote", self.is_remote);
        self.device(w);
        let cloud = w.object("cloud");
        w.str("provider", Some("Azure"));
        w.close(cloud);
        unmapped.write(record, w);
        w.close(doc);
    }

    fn metadata(&self, log_name: &str, original_time: &str, w: &mut Writer<'_>) {
        let metadata = w.object("metadata");
        w.str("version", Some("1.8.0"));
        let product = w.object("product");
        w.str("name", Some("Microsoft Entra ID"));
        w.str("vendor_name", Some("Microsoft"));
        let feature = w.object("feature");
        w.str("name", Some(self.feature));
        w.close(feature);
        w.close(product);
        let profiles = w.array("profiles");
        w.element_str("cloud");
        if self.device.is_some() {
            w.element_str("host");
        }
        w.close(profiles);
        w.str("uid", self.uid);
        w.str("correlation_uid", self.correlation_uid);
        w.str("original_time", Some(original_time));
        w.str("log_name", Some(log_name));
        w.str("tenant_uid", self.tenant);
        w.close(metadata);
    }

    fn entity_and_api(&self, w: &mut Writer<'_>) {
        if let Some(entity) = &self.entity {
            let object = w.object("entity");
            w.str("uid", entity.uid);
            w.str("name", entity.name);
            enumerated(w, "type_id", "type", entity.kind);
            w.close(object);
        }
        if let Some((operation, service)) = self.api {
            let api = w.object("api");
            w.str("operation", Some(operation));
            let object = w.object("service");
            w.str("name", service);
            w.close(object);
            w.close(api);
        }
    }

    fn endpoints(&self, w: &mut Writer<'_>) {
        let src = &self.src_endpoint;
        let endpoint = w.object("src_endpoint");
        w.str("ip", src.ip);
        w.str("svc_name", src.svc_name);
        let asn = w.object("autonomous_system");
        if let Some(number) = src.autonomous_system {
            w.int("number", number);
        }
        w.close(asn);
        if src.city.is_some() || src.region.is_some() || src.country.is_some() {
            let location = w.object("location");
            w.str("city", src.city);
            w.str("region", src.region);
            w.str("country", src.country);
            if let Some((lat, long)) = src.coordinates {
                w.float("lat", lat);
                w.float("long", long);
            }
            w.close(location);
        }
        w.close(endpoint);
        let service = w.object("service");
        w.str("uid", self.service.0);
        w.str("name", self.service.1);
        w.close(service);
        let dst = w.object("dst_endpoint");
        w.str("uid", self.dst_endpoint.0);
        w.str("svc_name", self.dst_endpoint.1);
        w.close(dst);
        let session = w.object("session");
        w.str("uid", self.session_uid);
        w.close(session);
        let request = w.object("http_request");
        w.str("user_agent", self.user_agent);
        w.close(request);
    }

    fn device(&self, w: &mut Writer<'_>) {
        let Some(device) = &self.device else { return };
        let object = w.object("device");
        enumerated(w, "type_id", "type", Enum::known(0, "Unknown"));
        w.str("uid", device.uid);
        w.str("name", device.name);
        if let Some((name, kind)) = device.os {
            let os = w.object("os");
            w.str("name", Some(name));
            enumerated(w, "type_id", "type", kind);
            w.close(os);
        }
        w.bool("is_compliant", device.is_compliant);
        w.bool("is_managed", device.is_managed);
        w.close(object);
    }
}

/// Which top-level properties `unmapped` leaves out: the candidates an attribute took
/// or that carry nothing.
pub(crate) struct Unmapped {
    /// Whether a property is left out when absent or when an attribute took it.
    pub(crate) candidate: fn(&str) -> bool,
    /// The candidates an attribute took.
    pub(crate) taken: Vec<&'static str>,
    /// The record's numeric properties (`normalize`).
    pub(crate) numbers: &'static [Numeric],
}

impl Unmapped {
    fn write(&self, record: &Record<'_>, w: &mut Writer<'_>) {
        let skip = |name: &str, value: &Node<'_>| {
            (self.candidate)(name) && (is_absent(value) || self.taken.contains(&name))
        };
        normalize::write_object(w, "unmapped", record.members, self.numbers, skip);
    }
}

/// Null, an empty or blank string, or the zero GUID: carries nothing.
fn is_absent(value: &Node<'_>) -> bool {
    match value {
        Node::Null => true,
        Node::Str(text) => text.trim().is_empty() || text == "00000000-0000-0000-0000-000000000000",
        _ => false,
    }
}
