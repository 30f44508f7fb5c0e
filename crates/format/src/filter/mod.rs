//! `--where EXPR`: which records are written. The expression's paths are selected in one
//! pass over the record (`Select`, as for `--fields`), then the tests are evaluated on
//! the raw values.
//!
//! Values are typed as JSON types them and only values of one type compare: a JSON
//! number with a number, a JSON string with a quoted string (`0` and `"0"` differ).
//! Strings compare by code point, except that two RFC 3339 times compare as instants.
//! A missing value and null both equal `null`; every other test is false on them
//! (`!=` is `not =`, so `a != 1` holds for a missing `a`). Objects and arrays only
//! `exists`. A path step on an array must be an index: `targetResources.0.id`; a path
//! through an array without one finds nothing.
//!
//! | module | what |
//! |---|---|
//! | `lex` | the tokens, with their columns for error messages |
//! | `parse` | the grammar, into a tree of tests on numbered paths |

mod lex;
mod parse;

use std::borrow::Cow;
use std::cmp::Ordering;

use serde_json::value::RawValue;

use crate::bad_input::Bad;
use crate::raw::{Kind, push_str};
use crate::select::{Cells, Select, recycle};
use crate::times::instant;

use lex::Op;
pub(crate) use lex::SyntaxError;
use parse::{Expr, Literal};

/// A compiled `--where` expression; cloned for each thread that formats records.
#[derive(Debug, Clone)]
pub(crate) struct Filter {
    expr: Expr,
    select: Select,
    spare: Cells<'static>,
}

impl Filter {
    /// Compiles `text`; the error has the column of the problem.
    pub(crate) fn new(text: &str) -> Result<Filter, SyntaxError> {
        let parsed = parse::parse(text)?;
        Ok(Filter {
            expr: parsed.expr,
            select: Select::of_paths(&parsed.paths),
            spare: Vec::new(),
        })
    }

    /// True when `record` (its JSON text) is to be written; bad when it is not a JSON
    /// object or a string it compares cannot be decoded.
    pub(crate) fn keeps(&mut self, record: &str) -> Result<bool, Bad> {
        let mut cells = recycle(std::mem::take(&mut self.spare));
        let kept = self
            .select
            .cells(record, &mut cells)
            .and_then(|()| holds(&self.expr, &cells, record));
        self.spare = recycle(cells);
        kept
    }
}

/// A value as `--where` sees it.
#[derive(Debug)]
enum Value<'a> {
    /// Missing or null.
    Null,
    Bool(bool),
    Number(f64),
    Str(Cow<'a, str>),
    /// An object or an array.
    Compound,
}

fn value<'a>(raw: Option<&'a RawValue>, record: &str) -> Result<Value<'a>, Bad> {
    let Some(raw) = raw else {
        return Ok(Value::Null);
    };
    let json = raw.get();
    Ok(match Kind::of(json) {
        Kind::Null => Value::Null,
        Kind::Bool => Value::Bool(json == "true"),
        Kind::Number => Value::Number(json.parse().unwrap_or(f64::NAN)),
        Kind::Object | Kind::Array => Value::Compound,
        Kind::String => {
            let inner = &json[1..json.len() - 1];
            if memchr::memchr(b'\\', inner.as_bytes()).is_none() {
                Value::Str(Cow::Borrowed(inner))
            } else {
                let mut text = String::new();
                push_str(json, &mut text).map_err(|_| Bad::string(json, record))?;
                Value::Str(Cow::Owned(text))
            }
        }
    })
}

fn holds(expr: &Expr, cells: &Cells<'_>, record: &str) -> Result<bool, Bad> {
    Ok(match expr {
        Expr::Or(a, b) => holds(a, cells, record)? || holds(b, cells, record)?,
        Expr::And(a, b) => holds(a, cells, record)? && holds(b, cells, record)?,
        Expr::Not(a) => !holds(a, cells, record)?,
        Expr::Exists(slot) => !matches!(value(cells[*slot], record)?, Value::Null),
        Expr::In(slot, literals) => {
            let value = value(cells[*slot], record)?;
            literals.iter().any(|literal| equal(&value, literal))
        }
        Expr::Match(slot, regex) => match value(cells[*slot], record)? {
            Value::Str(text) => regex.is_match(&text),
            _ => false,
        },
        Expr::Compare(slot, op, literal) => {
            let value = value(cells[*slot], record)?;
            match op {
                Op::Eq => equal(&value, literal),
                Op::Ne => !equal(&value, literal),
                Op::Lt => order(&value, literal) == Some(Ordering::Less),
                Op::Le => order(&value, literal).is_some_and(Ordering::is_le),
                Op::Gt => order(&value, literal) == Some(Ordering::Greater),
                Op::Ge => order(&value, literal).is_some_and(Ordering::is_ge),
                Op::Match => false,
            }
        }
    })
}

fn equal(value: &Value<'_>, literal: &Literal) -> bool {
    match (value, literal) {
        (Value::Null, Literal::Null) => true,
        (Value::Bool(a), Literal::Bool(b)) => a == b,
        (Value::Number(a), Literal::Number(b)) => a == b,
        (Value::Str(_), Literal::Str(..)) => order(value, literal) == Some(Ordering::Equal),
        _ => false,
    }
}

/// How `value` orders against `literal`; `None` across types.
fn order(value: &Value<'_>, literal: &Literal) -> Option<Ordering> {
    match (value, literal) {
        (Value::Number(a), Literal::Number(b)) => a.partial_cmp(b),
        (Value::Str(a), Literal::Str(b, time)) => {
            match time.and_then(|b| instant(a).map(|a| a.cmp(&b))) {
                Some(by_time) => Some(by_time),
                None => Some(a.as_ref().cmp(b.as_str())),
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIGNIN: &str = r#"{"status":{"errorCode":50126,"failureReason":"Invalid password"},"n":"0","createdDateTime":"2026-11-29T21:47:56.0730881Z","app":"Microsoft Teams","tags":["a"],"nul":null,"esc":"caf\u00e9","t":[{"id":"x"}],"ok":true}"#;

    fn keeps(expr: &str) -> bool {
        Filter::new(expr).unwrap().keeps(SIGNIN).unwrap()
    }

    #[test]
    fn numbers_compare_with_numbers_only() {
        assert!(keeps("status.errorCode != 0"));
        assert!(keeps("status.errorCode = 50126"));
        assert!(keeps("status.errorCode = 5.0126e4"));
        assert!(keeps(
            "status.errorCode > 100 and status.errorCode <= 50126"
        ));
        assert!(!keeps("status.errorCode = '50126'"));
        assert!(!keeps("n = 0"), "a quoted number in the data is a string");
        assert!(keeps("n = '0'"));
        assert!(!keeps("n < 1"));
    }

    #[test]
    fn strings_compare_by_code_point_and_times_as_instants() {
        assert!(keeps("app = 'Microsoft Teams'"));
        assert!(keeps("app < 'N' and app > 'Microsoft'"));
        assert!(keeps("esc = 'café'"));
        assert!(keeps("createdDateTime > '2026-11-29T21:47:56Z'"));
        assert!(keeps("createdDateTime < '2026-11-29T22:47:57+01:00'"));
        assert!(keeps("createdDateTime = '2026-11-29T21:47:56.07308810Z'"));
        assert!(
            keeps("createdDateTime >= '2026-11-29'"),
            "a date is a string"
        );
    }

    #[test]
    fn missing_and_null_equal_null_and_fail_every_other_test() {
        assert!(keeps("gone = null and nul = null"));
        assert!(keeps("gone != 1"));
        assert!(!keeps("gone = 1 or gone < 1 or gone > 1 or gone ~ ''"));
        assert!(!keeps("gone exists or nul exists"));
        assert!(keeps("tags exists and status exists and not status = null"));
        assert!(!keeps("tags = 'a' or status = 1"));
    }

    #[test]
    fn regexes_in_and_arrays() {
        assert!(keeps("app ~ 'Teams$'"));
        assert!(keeps("app ~ '(?i)^microsoft'"));
        assert!(
            !keeps("status.errorCode ~ '5'"),
            "~ applies to strings only"
        );
        assert!(keeps("status.errorCode in (1, 50126)"));
        assert!(keeps("app in ('x', 'Microsoft Teams')"));
        assert!(keeps("t.0.id = 'x' and not t.id exists"));
        assert!(keeps("ok = true and not ok = false"));
    }

    #[test]
    fn records_that_are_not_objects_are_bad() {
        let mut filter = Filter::new("a exists").unwrap();
        assert!(filter.keeps("[1]").is_err());
        assert!(filter.keeps(r#"{"a":"\ud800"}"#).is_err());
        assert!(!filter.keeps(r#"{"b":"\ud800"}"#).unwrap());
    }
}
