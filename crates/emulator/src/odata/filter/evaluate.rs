//! A checked filter, and how a record is tested against it: on the JSON the caller
//! receives (parsed only when the filter needs more than the time and the sign-in
//! kind), the time field on the record's own ticks.

use std::cell::OnceCell;

use serde_json::Value;

use super::error::FilterError;
use super::schema::Schema;
use crate::data::{Dataset, Record, SignInType};
use crate::time::Ticks;

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
}

impl Op {
    pub(super) fn parse(word: &str) -> Option<Op> {
        Some(match word.to_ascii_lowercase().as_str() {
            "eq" => Op::Eq,
            "ne" => Op::Ne,
            "gt" => Op::Gt,
            "ge" => Op::Ge,
            "lt" => Op::Lt,
            "le" => Op::Le,
            _ => return None,
        })
    }

    fn holds(self, order: std::cmp::Ordering) -> bool {
        use std::cmp::Ordering::{Equal, Greater, Less};
        match self {
            Op::Eq => order == Equal,
            Op::Ne => order != Equal,
            Op::Gt => order == Greater,
            Op::Ge => order != Less,
            Op::Lt => order == Less,
            Op::Le => order != Greater,
        }
    }
}

/// A literal, typed as the property it is compared with requires.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Lit {
    Str(String),
    Int(i64),
    Bool(bool),
    Null,
    Time(Ticks),
}

impl Lit {
    pub(super) fn describe(&self) -> &'static str {
        match self {
            Lit::Str(_) => "a string",
            Lit::Int(_) => "a number",
            Lit::Bool(_) => "a boolean",
            Lit::Null => "null",
            Lit::Time(_) => "a DateTimeOffset",
        }
    }
}

/// What an operand names.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Target {
    /// A property of the record (slash path).
    Field(&'static str),
    /// Inside `any()`: the item, or a property of it.
    Item(Option<&'static str>),
}

/// A checked filter expression.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    And(Vec<Node>),
    Or(Vec<Node>),
    Cmp {
        target: Target,
        op: Op,
        literal: Lit,
    },
    StartsWith {
        target: Target,
        prefix: String,
        case_sensitive: bool,
    },
    Contains {
        target: Target,
        part: String,
    },
    Any {
        path: &'static str,
        body: Box<Node>,
    },
}

/// A checked filter: the expression, the time bounds it implies (inclusive ticks) for
/// the store's range scan and `--max-window`, and on beta sign-ins the kinds it can
/// select.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Filter {
    root: Option<Node>,
    time_field: &'static str,
    /// Lowest time included.
    pub lower: Option<Ticks>,
    /// Highest time included.
    pub upper: Option<Ticks>,
    /// The sign-in kinds the filter can select; `None`: no `signInEventTypes` clause,
    /// so interactive sign-ins only, as the service lists without one.
    pub kinds: Option<Vec<SignInType>>,
}

const EVENT_TYPES: &str = "signInEventTypes";

impl Filter {
    /// No filter: every record.
    pub(crate) fn everything(dataset: Dataset) -> Filter {
        Filter {
            time_field: dataset.time_field(),
            ..Filter::default()
        }
    }

    pub(super) fn new(root: Node, schema: &Schema) -> Result<Filter, FilterError> {
        let mut filter = Filter::everything(schema.dataset);
        bounds(&root, &mut filter);
        if mentions(&root, EVENT_TYPES) {
            let named = kinds_named(&root);
            let users = named.iter().any(|k| k.is_user());
            let workloads = named.iter().any(|k| !k.is_user());
            if users && workloads {
                return Err(FilterError::new(
                    "user and service-principal sign-in types cannot be combined",
                ));
            }
            filter.kinds = Some(
                SignInType::ALL
                    .into_iter()
                    .filter(|k| eval_kind(&root, *k) != Some(false))
                    .collect(),
            );
        }
        filter.root = Some(root);
        Ok(filter)
    }

    /// True when the bounds exclude everything.
    pub(crate) fn is_empty_window(&self) -> bool {
        matches!((self.lower, self.upper), (Some(l), Some(u)) if l > u)
    }

    /// True when `record`, rendered as `body` for the caller, passes the filter.
    pub(crate) fn matches(&self, record: &Record, body: &[u8]) -> bool {
        let Some(root) = &self.root else {
            return true;
        };
        let subject = Subject {
            record,
            body,
            json: OnceCell::new(),
            time_field: self.time_field,
        };
        subject.eval(root, None)
    }
}

impl SignInType {
    fn is_user(self) -> bool {
        matches!(
            self,
            SignInType::InteractiveUser | SignInType::NonInteractiveUser
        )
    }
}

/// One record under test; its JSON is parsed on first need.
struct Subject<'a> {
    record: &'a Record,
    body: &'a [u8],
    json: OnceCell<Value>,
    time_field: &'static str,
}

impl Subject<'_> {
    fn json(&self) -> &Value {
        self.json
            .get_or_init(|| serde_json::from_slice(self.body).unwrap_or(Value::Null))
    }

    fn eval(&self, node: &Node, item: Option<&Value>) -> bool {
        match node {
            Node::And(all) => all.iter().all(|n| self.eval(n, item)),
            Node::Or(any) => any.iter().any(|n| self.eval(n, item)),
            Node::Cmp {
                target: Target::Field(path),
                op,
                literal: Lit::Time(t),
            } if *path == self.time_field => op.holds(self.record.ticks.cmp(t)),
            Node::Cmp {
                target,
                op,
                literal,
            } => {
                let case_blind = item.is_some() && self.in_event_types(target);
                compare(self.value(target, item), *op, literal, case_blind)
            }
            Node::StartsWith {
                target,
                prefix,
                case_sensitive,
            } => self.value(target, item).as_str().is_some_and(|s| {
                if *case_sensitive {
                    s.starts_with(prefix.as_str())
                } else {
                    s.to_lowercase().starts_with(&prefix.to_lowercase())
                }
            }),
            Node::Contains { target, part } => self
                .value(target, item)
                .as_str()
                .is_some_and(|s| s.contains(part.as_str())),
            Node::Any { path, body } if *path == EVENT_TYPES => {
                let kind = match self.record.dataset {
                    Dataset::SignIns(kind) => Value::from(kind.event_type()),
                    _ => Value::Null,
                };
                self.eval(body, Some(&kind))
            }
            Node::Any { path, body } => at(self.json(), path)
                .as_array()
                .is_some_and(|items| items.iter().any(|i| self.eval(body, Some(i)))),
        }
    }

    fn in_event_types(&self, target: &Target) -> bool {
        matches!(target, Target::Item(None)) && matches!(self.record.dataset, Dataset::SignIns(_))
    }

    fn value<'v>(&'v self, target: &Target, item: Option<&'v Value>) -> &'v Value {
        match (target, item) {
            (Target::Field(path), _) => at(self.json(), path),
            (Target::Item(None), Some(item)) => item,
            (Target::Item(Some(path)), Some(item)) => at(item, path),
            (Target::Item(_), None) => &Value::Null,
        }
    }
}

/// The value at a slash path (null when missing).
fn at<'v>(value: &'v Value, path: &str) -> &'v Value {
    path.split('/')
        .fold(value, |v, part| v.get(part).unwrap_or(&Value::Null))
}

/// `value op literal`; strings compare exactly (signInEventTypes items regardless of
/// case, as Microsoft's own example writes 'noninteractiveUser').
fn compare(value: &Value, op: Op, literal: &Lit, case_blind: bool) -> bool {
    let order = match (value, literal) {
        (Value::String(s), Lit::Str(l)) if case_blind => {
            Some(s.to_lowercase().cmp(&l.to_lowercase()))
        }
        (Value::String(s), Lit::Str(l)) => Some(s.as_str().cmp(l.as_str())),
        (Value::Number(n), Lit::Int(l)) => n.as_i64().map(|n| n.cmp(l)),
        (Value::Bool(b), Lit::Bool(l)) => Some(b.cmp(l)),
        (Value::Null, Lit::Null) => Some(std::cmp::Ordering::Equal),
        _ => None,
    };
    match order {
        Some(order) => op.holds(order),
        // Different types (a null against a string): only `ne` holds.
        None => op == Op::Ne,
    }
}

/// The time bounds of the comparisons on the time field that every match must meet
/// (the top-level conjunction).
fn bounds(node: &Node, filter: &mut Filter) {
    match node {
        Node::And(all) => all.iter().for_each(|n| bounds(n, filter)),
        Node::Cmp {
            target: Target::Field(path),
            op,
            literal: Lit::Time(t),
        } if *path == filter.time_field => {
            let raise = |b: &mut Option<Ticks>, v: Ticks| *b = Some(b.map_or(v, |x| x.max(v)));
            let lower = |b: &mut Option<Ticks>, v: Ticks| *b = Some(b.map_or(v, |x| x.min(v)));
            match op {
                Op::Ge => raise(&mut filter.lower, *t),
                Op::Gt => raise(&mut filter.lower, t.saturating_add(1)),
                Op::Le => lower(&mut filter.upper, *t),
                Op::Lt => lower(&mut filter.upper, t.saturating_sub(1)),
                Op::Eq => {
                    raise(&mut filter.lower, *t);
                    lower(&mut filter.upper, *t);
                }
                Op::Ne => {}
            }
        }
        _ => {}
    }
}

fn mentions(node: &Node, collection: &str) -> bool {
    match node {
        Node::And(list) | Node::Or(list) => list.iter().any(|n| mentions(n, collection)),
        Node::Any { path, .. } => *path == collection,
        _ => false,
    }
}

/// The kinds named with `eq` inside `signInEventTypes/any(...)`.
fn kinds_named(node: &Node) -> Vec<SignInType> {
    fn named(node: &Node, inside: bool, out: &mut Vec<SignInType>) {
        match node {
            Node::And(list) | Node::Or(list) => list.iter().for_each(|n| named(n, inside, out)),
            Node::Any { path, body } => named(body, *path == EVENT_TYPES, out),
            Node::Cmp {
                op: Op::Eq,
                literal: Lit::Str(value),
                ..
            } if inside => out.extend(
                SignInType::ALL
                    .into_iter()
                    .filter(|k| k.event_type().eq_ignore_ascii_case(value)),
            ),
            _ => {}
        }
    }
    let mut out = Vec::new();
    named(node, false, &mut out);
    out
}

/// Whether a sign-in of `kind` can pass: `None` when it depends on more than its kind.
fn eval_kind(node: &Node, kind: SignInType) -> Option<bool> {
    match node {
        Node::And(all) => {
            let mut unknown = false;
            for n in all {
                match eval_kind(n, kind) {
                    Some(false) => return Some(false),
                    None => unknown = true,
                    Some(true) => {}
                }
            }
            if unknown { None } else { Some(true) }
        }
        Node::Or(_) | Node::Cmp { .. } | Node::StartsWith { .. } | Node::Contains { .. } => {
            eval_or(node, kind)
        }
        Node::Any { path, body } if *path == EVENT_TYPES => {
            let item = Value::from(kind.event_type());
            Some(item_matches(body, &item))
        }
        Node::Any { .. } => None,
    }
}

fn eval_or(node: &Node, kind: SignInType) -> Option<bool> {
    match node {
        Node::Or(any) => {
            let mut unknown = false;
            for n in any {
                match eval_kind(n, kind) {
                    Some(true) => return Some(true),
                    None => unknown = true,
                    Some(false) => {}
                }
            }
            if unknown { None } else { Some(false) }
        }
        _ => None,
    }
}

/// A lambda body over one `signInEventTypes` item.
fn item_matches(node: &Node, item: &Value) -> bool {
    match node {
        Node::And(all) => all.iter().all(|n| item_matches(n, item)),
        Node::Or(any) => any.iter().any(|n| item_matches(n, item)),
        Node::Cmp { op, literal, .. } => compare(item, *op, literal, true),
        Node::StartsWith { prefix, .. } => item
            .as_str()
            .is_some_and(|s| s.to_lowercase().starts_with(&prefix.to_lowercase())),
        Node::Contains { part, .. } => item.as_str().is_some_and(|s| s.contains(part.as_str())),
        Node::Any { .. } => false,
    }
}
