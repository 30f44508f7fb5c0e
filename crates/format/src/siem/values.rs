//! The value rules every mapping shares: when a source value counts as absent, how a
//! user principal name splits, what passes as an e-mail address, an IP address, a
//! country code or a coordinate pair. A value of a type the Graph schema does not give
//! the property counts as absent, so an unexpected shape yields a smaller event rather
//! than a wrong one (the record copy keeps the value).

use std::net::IpAddr;

use super::normalize::as_number;
use super::tree::Node;

/// The id Entra writes where there is none.
const ZERO_GUID: &str = "00000000-0000-0000-0000-000000000000";

/// A string that is present: not missing, null, empty or only white space.
pub(crate) fn text<'t>(node: Option<&'t Node<'_>>) -> Option<&'t str> {
    node.and_then(Node::as_str)
        .filter(|text| !text.trim().is_empty())
}

/// An id that is present: [`text`], and not the zero GUID.
pub(crate) fn id<'t>(node: Option<&'t Node<'_>>) -> Option<&'t str> {
    text(node).filter(|text| *text != ZERO_GUID)
}

/// A whole number, also when sent as a string holding one.
pub(crate) fn integer(node: Option<&Node<'_>>) -> Option<i64> {
    match as_number(node?)? {
        Node::Int(n) => Some(n),
        // 2^63 as f64 is the first value that does not fit.
        Node::Float(x) if x.fract() == 0.0 && x.abs() < 9.223_372_036_854_776e18 => Some(x as i64),
        _ => None,
    }
}

/// A finite number, also when sent as a string holding one.
pub(crate) fn float(node: Option<&Node<'_>>) -> Option<f64> {
    match as_number(node?)? {
        Node::Int(n) => Some(n as f64),
        Node::UInt(n) => Some(n as f64),
        Node::Float(x) => Some(x),
        _ => None,
    }
}

/// A boolean, only when it is one.
pub(crate) fn boolean(node: Option<&Node<'_>>) -> Option<bool> {
    node.and_then(Node::as_bool)
}

/// A user principal name split for ECS: at the last `@` when both sides are non-empty
/// (`name`, `domain`, and the whole value as `email`); else the whole value is `name`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Upn<'t> {
    pub(crate) name: &'t str,
    pub(crate) domain: Option<&'t str>,
    pub(crate) email: Option<&'t str>,
}

/// Splits `upn` (guest `#EXT#` names split the same way).
pub(crate) fn split_upn(upn: &str) -> Upn<'_> {
    match upn.rsplit_once('@') {
        Some((name, domain)) if !name.is_empty() && !domain.is_empty() => Upn {
            name,
            domain: Some(domain),
            email: Some(upn),
        },
        _ => Upn {
            name: upn,
            domain: None,
            email: None,
        },
    }
}

/// True when `text` matches OCSF's `email_t`:
/// `^[a-zA-Z0-9!#$%&'*+-/=?^_\`{|}~.]+@[a-zA-Z0-9-]+\.[a-zA-Z0-9-.]+$`
/// (`+-/` in the first class is a range: `+ , - . /`).
pub(crate) fn is_email(text: &str) -> bool {
    let local_char = |c: u8| c.is_ascii_alphanumeric() || b"!#$%&'*+,-./=?^_`{|}~".contains(&c);
    let label_char = |c: u8| c.is_ascii_alphanumeric() || c == b'-';
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    let Some((first, rest)) = domain.split_once('.') else {
        return false;
    };
    !local.is_empty()
        && local.bytes().all(local_char)
        && !first.is_empty()
        && first.bytes().all(label_char)
        && !rest.is_empty()
        && rest.bytes().all(|c| label_char(c) || c == b'.')
}

/// True for an IPv4 or IPv6 address as Rust reads it: dotted quad without leading
/// zeros, IPv6 without zone or brackets, no white space.
pub(crate) fn is_ip(text: &str) -> bool {
    text.parse::<IpAddr>().is_ok()
}

/// True for an IP address OCSF's `ip_t` takes: [`is_ip`], at most 40 characters (an
/// IPv6 address with an embedded IPv4 one can be longer).
pub(crate) fn is_ocsf_ip(text: &str) -> bool {
    text.len() <= 40 && is_ip(text)
}

/// A country code: two ASCII letters, upper-cased.
pub(crate) fn country(node: Option<&Node<'_>>) -> Option<String> {
    let text = node.and_then(Node::as_str)?;
    (text.len() == 2 && text.bytes().all(|c| c.is_ascii_alphabetic()))
        .then(|| text.to_ascii_uppercase())
}

/// Latitude and longitude of a `geoCoordinates` object: both numbers (or strings holding
/// numbers), finite, in range, and not both 0 (Entra's "unknown").
pub(crate) fn coordinates(geo: Option<&Node<'_>>) -> Option<(f64, f64)> {
    let geo = geo?;
    let lat = float(geo.get("latitude"))?;
    let lon = float(geo.get("longitude"))?;
    let in_range = lat.abs() <= 90.0 && lon.abs() <= 180.0;
    (in_range && !(lat == 0.0 && lon == 0.0)).then_some((lat, lon))
}

/// Equal ignoring ASCII case (Graph's enums and types are compared so).
pub(crate) fn same(a: Option<&str>, b: &str) -> bool {
    a.is_some_and(|a| a.eq_ignore_ascii_case(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(json: &str) -> Node<'_> {
        Node::parse(json).unwrap()
    }

    #[test]
    fn absent_values_are_missing_null_blank_or_the_zero_guid() {
        for json in ["null", "\"\"", "\" \\t\"", "5", "{}"] {
            assert_eq!(text(Some(&node(json))), None, "{json}");
        }
        assert_eq!(text(None), None);
        assert_eq!(text(Some(&node("\" x \""))), Some(" x "));
        let zero = node("\"00000000-0000-0000-0000-000000000000\"");
        assert_eq!(id(Some(&zero)), None);
        assert_eq!(text(Some(&zero)), Some(ZERO_GUID));
    }

    #[test]
    fn numbers_may_come_as_strings() {
        assert_eq!(integer(Some(&node("\"50126\""))), Some(50126));
        assert_eq!(integer(Some(&node("0"))), Some(0));
        assert_eq!(integer(Some(&node("2.0"))), Some(2));
        assert_eq!(integer(Some(&node("2.5"))), None);
        assert_eq!(integer(Some(&node("1e300"))), None);
        assert_eq!(integer(Some(&node("\"abc\""))), None);
        assert_eq!(float(Some(&node("\"-0.1276\""))), Some(-0.1276));
        assert_eq!(boolean(Some(&node("\"true\""))), None);
    }

    #[test]
    fn upns_split_at_the_last_at_sign() {
        assert_eq!(
            split_upn("bob_fabrikam.com#EXT#@contoso.onmicrosoft.com"),
            Upn {
                name: "bob_fabrikam.com#EXT#",
                domain: Some("contoso.onmicrosoft.com"),
                email: Some("bob_fabrikam.com#EXT#@contoso.onmicrosoft.com"),
            }
        );
        for whole in ["alex", "@contoso.com", "alex@", "a@b@"] {
            assert_eq!(split_upn(whole).name, whole);
            assert_eq!(split_upn(whole).email, None);
        }
        assert_eq!(split_upn("a@b@c").domain, Some("c"));
    }

    #[test]
    fn email_addresses_follow_ocsf_email_t() {
        for good in [
            "alexw@contoso.com",
            "o'brien@contoso.com",
            "bob_fabrikam.com#EXT#@contoso.onmicrosoft.com",
            "a+b,c/d@x-y.z.",
            "x@a.b-c",
        ] {
            assert!(is_email(good), "{good}");
        }
        for bad in [
            "alex", "a@b", "a@.b", "a@b.", "@b.c", "a b@c.d", "a@b@c.d", "é@c.d", "a@c.d\n",
        ] {
            assert!(!is_email(bad), "{bad}");
        }
    }

    #[test]
    fn ips_are_what_rust_reads() {
        for good in [
            "131.107.159.37",
            "2001:db8:4860::8844",
            "::1",
            "::ffff:1.2.3.4",
        ] {
            assert!(is_ip(good), "{good}");
        }
        for bad in [
            "",
            "203.0.113.XXX",
            "<null>",
            "01.2.3.4",
            "fe80::1%eth0",
            "[::1]",
            " 1.2.3.4",
        ] {
            assert!(!is_ip(bad), "{bad}");
        }
        let long = "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255";
        assert!(is_ip(long) && !is_ocsf_ip(long));
        assert!(is_ocsf_ip("2001:db8:4860::8844"));
    }

    #[test]
    fn countries_are_two_letters() {
        assert_eq!(country(Some(&node("\"us\""))), Some("US".to_string()));
        for json in ["\"\"", "\"USA\"", "\"1A\"", "\"É\"", "null"] {
            assert_eq!(country(Some(&node(json))), None, "{json}");
        }
    }

    #[test]
    fn coordinates_need_both_in_range_and_not_zero_zero() {
        let geo = |json| coordinates(Some(&node(json)));
        assert_eq!(
            geo(r#"{"latitude":47.674,"longitude":"-122.1215"}"#),
            Some((47.674, -122.1215))
        );
        assert_eq!(geo(r#"{"latitude":0.0,"longitude":0.0}"#), None);
        assert_eq!(geo(r#"{"latitude":0.0,"longitude":5}"#), Some((0.0, 5.0)));
        assert_eq!(geo(r#"{"latitude":91,"longitude":5}"#), None);
        assert_eq!(geo(r#"{"latitude":1,"longitude":null}"#), None);
        assert_eq!(geo(r#"[1,2]"#), None);
    }
}
