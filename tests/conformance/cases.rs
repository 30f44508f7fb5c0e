//! The machinery of the filter tables.
//!
//! A case is an OData `$filter` string and, written separately, a Rust predicate over
//! the record's JSON that says the same thing. The emulator's answer (every page) must
//! be exactly the records of the complete set, fetched unfiltered for the same
//! version, that the predicate accepts: the same multiset of records, compared as JSON.
//!
//! Compared values are picked from the data (the most common value of a property that
//! not every record has), so each case selects some records and not all: a case that
//! selects everything or nothing proves little. A case fails as "not discriminating"
//! when the data lacks such a value (the property is missing or constant); it still
//! sends its request, so an emulator that refuses a documented filter fails too.
//!
//! The helpers build the OData text from the property path and the predicate from an
//! accessor written by hand for the same property; the comparison each operator means
//! is spelled out in Rust here, not derived from the OData text.

use std::collections::HashMap;

use serde_json::Value;

use super::literal;

/// A predicate over one record.
pub type Pred = Box<dyn Fn(&Value) -> bool>;

/// Whether a record is inside a table's scope.
pub type Scope = fn(&Value) -> bool;

/// The part of a record a case looks at.
pub type Get = fn(&Value) -> &Value;

/// What the expected set must look like for the case to prove something.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// Some records, and not all of the scope.
    Discriminating,
    /// None (a literal in another letter case, where comparisons are case-sensitive).
    Empty,
    /// Every record (a property one tenant's records all share, such as `tenantId`).
    All,
}

/// One `$filter` and the predicate that means the same.
pub struct Case {
    pub odata: String,
    pub pred: Pred,
    pub expect: Expect,
    /// Why the case could not be made discriminating, when it could not.
    pub weak: Option<String>,
}

/// Cases over one record set, optionally all inside one scope (an OData clause that
/// every case is `and`-ed with, and its predicate).
pub struct Table<'a> {
    /// The records values are picked from (the scope's records).
    pick_from: Vec<&'a Value>,
    scope: Option<(String, Scope)>,
    pub cases: Vec<Case>,
}

impl<'a> Table<'a> {
    /// Cases over `records`.
    pub fn new(records: &'a [Value]) -> Table<'a> {
        Table {
            pick_from: records.iter().collect(),
            scope: None,
            cases: Vec::new(),
        }
    }

    /// Cases whose filters all start with `clause and ...`; values are picked from
    /// the records `pred` accepts.
    pub fn scoped(records: &'a [Value], clause: &str, pred: Scope) -> Table<'a> {
        Table {
            pick_from: records.iter().filter(|r| pred(r)).collect(),
            scope: Some((clause.to_string(), pred)),
            cases: Vec::new(),
        }
    }

    /// Adds a case as written (inside the scope, if any).
    pub fn case(&mut self, odata: impl Into<String>, pred: impl Fn(&Value) -> bool + 'static) {
        self.push(odata.into(), Box::new(pred), Expect::Discriminating, None);
    }

    /// Adds a case whose value could not be picked discriminating, when `weak` says so.
    pub fn case_weak(
        &mut self,
        odata: impl Into<String>,
        pred: impl Fn(&Value) -> bool + 'static,
        weak: Option<String>,
    ) {
        self.push(odata.into(), Box::new(pred), Expect::Discriminating, weak);
    }

    /// Adds a case whose expected set must be every record.
    pub fn all_case(&mut self, odata: impl Into<String>, pred: impl Fn(&Value) -> bool + 'static) {
        self.push(odata.into(), Box::new(pred), Expect::All, None);
    }

    /// Adds a case whose expected set must be empty.
    pub fn empty_case(
        &mut self,
        odata: impl Into<String>,
        pred: impl Fn(&Value) -> bool + 'static,
    ) {
        self.push(odata.into(), Box::new(pred), Expect::Empty, None);
    }

    fn push(&mut self, odata: String, pred: Pred, expect: Expect, weak: Option<String>) {
        let (odata, pred) = match &self.scope {
            None => (odata, pred),
            Some((clause, scope)) => {
                let scope = *scope;
                (
                    format!("{clause} and {odata}"),
                    Box::new(move |r: &Value| scope(r) && pred(r)) as Pred,
                )
            }
        };
        self.cases.push(Case {
            odata,
            pred,
            expect,
            weak,
        });
    }

    /// The most common string value of a property that not every scoped record has,
    /// or a placeholder and the reason it is weak.
    pub fn pick_str(&self, path: &str, get: Get) -> (String, Option<String>) {
        self.pick_where(path, get, |_| true)
    }

    /// Like [`Table::pick_str`], among the values `keep` accepts.
    pub fn pick_where(
        &self,
        path: &str,
        get: Get,
        keep: impl Fn(&str) -> bool,
    ) -> (String, Option<String>) {
        let values: Vec<&str> = self
            .pick_from
            .iter()
            .filter_map(|r| get(r).as_str())
            .filter(|v| keep(v))
            .collect();
        most_common_below(&values, self.pick_from.len())
            .map(|v| (v.to_string(), None))
            .unwrap_or_else(|| {
                (
                    "no-such-value".to_string(),
                    Some(format!(
                        "the data has no value of {path} that some records have and others not"
                    )),
                )
            })
    }

    /// `path eq 'v'`: the string property equals `v` exactly.
    pub fn eq_str(&mut self, path: &str, get: Get) {
        let (value, weak) = self.pick_str(path, get);
        let odata = format!("{path} eq {}", literal(&value));
        let pred = Box::new(move |r: &Value| get(r).as_str() == Some(value.as_str()));
        self.push(odata, pred, Expect::Discriminating, weak);
    }

    /// `path eq N`: the number property equals `N`.
    pub fn eq_int(&mut self, path: &str, get: Get) {
        let (value, weak) = self.pick_int(path, get, |_| true);
        let pred = Box::new(move |r: &Value| get(r).as_i64() == Some(value));
        self.push(
            format!("{path} eq {value}"),
            pred,
            Expect::Discriminating,
            weak,
        );
    }

    /// The most common number of a property, among those `keep` accepts, that not
    /// every scoped record has.
    pub fn pick_int(
        &self,
        path: &str,
        get: Get,
        keep: impl Fn(i64) -> bool,
    ) -> (i64, Option<String>) {
        let numbers: Vec<String> = self
            .pick_from
            .iter()
            .filter_map(|r| get(r).as_i64())
            .filter(|n| keep(*n))
            .map(|n| n.to_string())
            .collect();
        let refs: Vec<&str> = numbers.iter().map(String::as_str).collect();
        match most_common_below(&refs, self.pick_from.len()) {
            Some(v) => (v.parse::<i64>().expect("a number"), None),
            None => (-1, Some(format!("the data has no discriminating {path}"))),
        }
    }

    /// The most common string among `values` (one list per scoped record) that not
    /// every scoped record holds.
    pub fn pick_among(
        &self,
        what: &str,
        values: impl Fn(&Value) -> Vec<String>,
    ) -> (String, Option<String>) {
        let mut counts: HashMap<String, usize> = HashMap::new();
        for record in &self.pick_from {
            let mut seen = values(record);
            seen.sort_unstable();
            seen.dedup();
            for item in seen {
                *counts.entry(item).or_default() += 1;
            }
        }
        let total = self.pick_from.len();
        let found = counts
            .iter()
            .filter(|(_, n)| **n < total)
            .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
            .map(|(v, _)| v.clone());
        match found {
            Some(v) => (v, None),
            None => (
                "no-such-value".to_string(),
                Some(format!("the data has no discriminating {what}")),
            ),
        }
    }

    /// `func(path,'p')` for a prefix `p` of a common value, matched regardless of letter
    /// case. Unverified for these endpoints; chosen: case-insensitive, because
    /// Microsoft's troubleshooting guide recommends `startsWith(userPrincipalName, ...)`
    /// as the way around the case-sensitive `eq` on userPrincipalName.
    pub fn starts_with(&mut self, func: &str, path: &str, get: Get) {
        let (value, weak) = self.pick_str(path, get);
        let prefix = self.discriminating_prefix(&value, get);
        let odata = format!("{func}({path},{})", literal(&prefix));
        let pred = Box::new(move |r: &Value| {
            get(r)
                .as_str()
                .is_some_and(|s| s.to_lowercase().starts_with(&prefix.to_lowercase()))
        });
        self.push(odata, pred, Expect::Discriminating, weak);
    }

    /// `contains(path,'part')` for a part of a common value that not every record's
    /// property contains, case-sensitive (provisioning: "The filters are all case
    /// sensitive").
    pub fn contains(&mut self, path: &str, get: Get) {
        let (value, weak) = self.pick_str(path, get);
        let part = self.discriminating_part(&value, get);
        let odata = format!("contains({path},{})", literal(&part));
        let pred = Box::new(move |r: &Value| get(r).as_str().is_some_and(|s| s.contains(&part)));
        self.push(odata, pred, Expect::Discriminating, weak);
    }

    /// Eight characters of `value` (from its middle outwards) that not every record's
    /// property contains; the whole value when there are none.
    fn discriminating_part(&self, value: &str, get: Get) -> String {
        let chars: Vec<char> = value.chars().collect();
        let len = chars.len().min(8);
        let middle = (chars.len() - len) / 2;
        let mut starts: Vec<usize> = (0..=chars.len() - len).collect();
        starts.sort_by_key(|s| s.abs_diff(middle));
        for start in starts {
            let part: String = chars[start..start + len].iter().collect();
            let matching = self
                .pick_from
                .iter()
                .filter(|r| get(r).as_str().is_some_and(|s| s.contains(&part)))
                .count();
            if matching < self.pick_from.len() {
                return part;
            }
        }
        value.to_string()
    }

    /// `path/any(v: v eq 'x')` over a collection of strings.
    pub fn any_eq(&mut self, path: &str, get: Get) {
        let (value, weak) = self.pick_item(path, get);
        let odata = format!("{path}/any(v: v eq {})", literal(&value));
        let pred = Box::new(move |r: &Value| strings(get(r)).any(|s| s == value));
        self.push(odata, pred, Expect::Discriminating, weak);
    }

    /// `path/any(v: startswith(v, 'p'))` over a collection of strings.
    pub fn any_starts_with(&mut self, path: &str, get: Get) {
        let (value, weak) = self.pick_item(path, get);
        let prefix: String = value.chars().take(5).collect();
        let odata = format!("{path}/any(v: startswith(v, {}))", literal(&prefix));
        let pred = Box::new(move |r: &Value| {
            strings(get(r)).any(|s| s.to_lowercase().starts_with(&prefix.to_lowercase()))
        });
        self.push(odata, pred, Expect::Discriminating, weak);
    }

    /// The most common item of a collection of strings that not every record holds.
    fn pick_item(&self, path: &str, get: Get) -> (String, Option<String>) {
        self.pick_among(path, |r| strings(get(r)).map(str::to_string).collect())
    }

    /// The shortest prefix (3 characters or more) of `value` that not every record's
    /// property starts with.
    fn discriminating_prefix(&self, value: &str, get: Get) -> String {
        let chars: Vec<char> = value.chars().collect();
        for len in 3..=chars.len() {
            let prefix: String = chars[..len].iter().collect::<String>().to_lowercase();
            let matching = self
                .pick_from
                .iter()
                .filter(|r| {
                    get(r)
                        .as_str()
                        .is_some_and(|s| s.to_lowercase().starts_with(&prefix))
                })
                .count();
            if matching < self.pick_from.len() {
                return chars[..len].iter().collect();
            }
        }
        value.to_string()
    }

    /// Comparisons of a time property with two times of the data (`older` before
    /// `newer`): each operator of `ops` (the range operators with `older` as the lower
    /// and `newer` as the upper bound, `eq` with `newer`), the range between them with
    /// the first lower and upper operator of `ops`, and, when `ge` is one of them, a
    /// date-only literal (Microsoft's docs write `createdDateTime le 2018-01-24`).
    pub fn time_cases(&mut self, path: &str, get: Get, ops: &[&'static str]) {
        let (newer, older) = self.two_times(get);
        let (a, b) = (instant(&older), instant(&newer));
        let at = move |r: &Value| time_of(get(r));
        for &op in ops {
            let (literal, bound) = match op {
                "ge" | "gt" => (&older, a),
                _ => (&newer, b),
            };
            let odata = format!("{path} {op} {literal}");
            self.case(odata, move |r| at(r).is_some_and(|x| holds(op, x, bound)));
        }
        let lower = ops.iter().find(|op| ["ge", "gt"].contains(op));
        let upper = ops.iter().find(|op| ["le", "lt"].contains(op));
        if let (Some(&lo), Some(&hi)) = (lower, upper) {
            let odata = format!("{path} {lo} {older} and {path} {hi} {newer}");
            self.case(odata, move |r| {
                at(r).is_some_and(|x| holds(lo, x, a) && holds(hi, x, b))
            });
        }
        if ops.contains(&"ge") {
            let day = older.get(..10).unwrap_or("2026-01-01").to_string();
            let midnight = instant(&format!("{day}T00:00:00Z"));
            self.case(format!("{path} ge {day}"), move |r| {
                at(r).is_some_and(|x| x >= midnight)
            });
        }
    }

    /// A time of the data about a third of the way from the newest, and one about two
    /// thirds, as written in the records.
    pub fn two_times(&self, get: Get) -> (String, String) {
        let mut times: Vec<&str> = self
            .pick_from
            .iter()
            .filter_map(|r| get(r).as_str())
            .collect();
        times.sort_by_key(|t| std::cmp::Reverse(instant(t)));
        times.dedup();
        match times.len() {
            0 => (
                "2026-01-01T00:00:00Z".to_string(),
                "2026-01-02T00:00:00Z".to_string(),
            ),
            n => (times[n / 3].to_string(), times[(2 * n) / 3].to_string()),
        }
    }
}

/// What an OData comparison operator means, for instants.
fn holds(op: &str, x: Instant, bound: Instant) -> bool {
    match op {
        "eq" => x == bound,
        "ge" => x >= bound,
        "gt" => x > bound,
        "le" => x <= bound,
        "lt" => x < bound,
        other => panic!("no time operator {other}"),
    }
}

/// The most common value whose count is below `total`.
fn most_common_below<'v>(values: &[&'v str], total: usize) -> Option<&'v str> {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for v in values {
        *counts.entry(v).or_default() += 1;
    }
    best(counts, total)
}

/// Highest count below `total`; ties broken by the value, so the choice is stable.
fn best(counts: HashMap<&str, usize>, total: usize) -> Option<&str> {
    counts
        .into_iter()
        .filter(|(_, n)| *n < total)
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0)))
        .map(|(v, _)| v)
}

/// The strings of a JSON array (nothing for anything else).
pub fn strings(value: &Value) -> impl Iterator<Item = &str> {
    value
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
}

/// A point in time with its offset.
pub type Instant = chrono::DateTime<chrono::FixedOffset>;

/// An RFC 3339 instant; panics on anything else (the data's times must parse).
pub fn instant(text: &str) -> Instant {
    chrono::DateTime::parse_from_rfc3339(text).unwrap_or_else(|e| panic!("time {text:?}: {e}"))
}

/// The instant of a record's time property (`None` when it has none).
pub fn time_of(value: &Value) -> Option<Instant> {
    value.as_str().map(instant)
}
