//! The grammar of `$filter`, checked against the list's [`Schema`] while it is read:
//!
//! ```text
//! expression := conjunction ('or' conjunction)*
//! conjunction := term ('and' term)*
//! term       := '(' expression ')' | function | lambda | comparison
//! function   := ('startswith' | 'contains') '(' operand ',' string ')'
//! lambda     := path '/any(' variable ':' expression ')'
//! comparison := operand operator literal
//! ```

use super::error::FilterError;
use super::evaluate::{Filter, Lit, Node, Op, Target};
use super::lexer::{Kind, Token, tokenize};
use super::schema::{self, CONTAINS, EQ, GE, GT, LE, LT, Prop, STARTS, Schema, Ty};
use crate::time::checked_ticks;

/// Deeper nesting than this is refused (and cannot exhaust the stack).
const MAX_DEPTH: usize = 32;

/// Parses and checks `text` against `schema`.
pub(crate) fn parse(text: &str, schema: &Schema) -> Result<Filter, FilterError> {
    let tokens = tokenize(text)?;
    let mut parser = Parser {
        text,
        tokens,
        at: 0,
        schema,
        depth: 0,
        lambda: None,
    };
    let root = parser.expression()?;
    if let Some(extra) = parser.peek() {
        return Err(FilterError::syntax(
            text,
            extra.pos,
            &format!("unexpected '{}'", extra.text),
        ));
    }
    Filter::new(root, schema)
}

/// The lambda being read: its variable and the collection it ranges over.
#[derive(Clone, Copy)]
struct Lambda<'v> {
    var: &'v str,
    prop: Prop,
}

struct Parser<'a> {
    text: &'a str,
    tokens: Vec<Token>,
    at: usize,
    schema: &'a Schema,
    depth: usize,
    lambda: Option<Lambda<'a>>,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Result<Token, FilterError> {
        let token = self.tokens.get(self.at).cloned().ok_or_else(|| {
            FilterError::syntax(self.text, self.text.len(), "unexpected end of the filter")
        })?;
        self.at += 1;
        Ok(token)
    }

    fn expect(&mut self, kind: Kind, what: &str) -> Result<Token, FilterError> {
        let token = self.next()?;
        if token.kind == kind {
            Ok(token)
        } else {
            Err(FilterError::syntax(
                self.text,
                token.pos,
                &format!("expected {what}, found '{}'", token.text),
            ))
        }
    }

    fn is_word(&self, word: &str) -> bool {
        self.peek()
            .is_some_and(|t| t.kind == Kind::Word && t.text.eq_ignore_ascii_case(word))
    }

    fn expression(&mut self) -> Result<Node, FilterError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(FilterError::new("the filter is nested too deeply"));
        }
        let mut any = vec![self.conjunction()?];
        while self.is_word("or") {
            self.at += 1;
            any.push(self.conjunction()?);
        }
        self.depth -= 1;
        Ok(if any.len() == 1 {
            any.remove(0)
        } else {
            Node::Or(any)
        })
    }

    fn conjunction(&mut self) -> Result<Node, FilterError> {
        let mut all = vec![self.term()?];
        while self.is_word("and") {
            self.at += 1;
            all.push(self.term()?);
        }
        Ok(if all.len() == 1 {
            all.remove(0)
        } else {
            Node::And(all)
        })
    }

    fn term(&mut self) -> Result<Node, FilterError> {
        let token = self.next()?;
        match &token.kind {
            Kind::Open => {
                let inner = self.expression()?;
                self.expect(Kind::Close, "')'")?;
                Ok(inner)
            }
            Kind::Word if token.text.eq_ignore_ascii_case("not") => {
                Err(FilterError::new("'not' is not supported"))
            }
            Kind::Word if self.peek().is_some_and(|t| t.kind == Kind::Open) => self.call(&token),
            Kind::Word => self.comparison(&token),
            _ => Err(FilterError::syntax(
                self.text,
                token.pos,
                &format!("expected a property, found '{}'", token.text),
            )),
        }
    }

    /// A function or a lambda: `name(` was seen.
    fn call(&mut self, name: &Token) -> Result<Node, FilterError> {
        if let Some(path) = name.text.strip_suffix("/any") {
            return self.lambda(path);
        }
        let (wanted, case_sensitive) = match name.text.to_ascii_lowercase().as_str() {
            "startswith" => (STARTS, self.schema.case_sensitive_functions()),
            "contains" => (CONTAINS, true),
            other => {
                return Err(FilterError::new(format!(
                    "function '{other}' is not supported"
                )));
            }
        };
        self.expect(Kind::Open, "'('")?;
        let operand = self.expect(Kind::Word, "a property")?;
        let (target, prop) = self.target(&operand.text)?;
        self.expect(Kind::Comma, "','")?;
        let literal = self.next()?;
        let Kind::Str(value) = literal.kind else {
            return Err(FilterError::syntax(
                self.text,
                literal.pos,
                "expected a string",
            ));
        };
        self.expect(Kind::Close, "')'")?;
        let item_type = match prop.ty {
            Ty::Strings => Ty::Str,
            other => other,
        };
        if item_type != Ty::Str || prop.ops & wanted == 0 {
            return Err(FilterError::new(format!(
                "{} is not supported on '{}'",
                name.text, operand.text
            )));
        }
        Ok(match wanted {
            STARTS => Node::StartsWith {
                target,
                prefix: value,
                case_sensitive,
            },
            _ => Node::Contains {
                target,
                part: value,
            },
        })
    }

    /// `path/any(var: expression)` over a collection property.
    fn lambda(&mut self, path: &str) -> Result<Node, FilterError> {
        if self.lambda.is_some() {
            return Err(FilterError::new("lambdas cannot be nested"));
        }
        let prop = self
            .schema
            .prop(path)
            .filter(|p| matches!(p.ty, Ty::Strings | Ty::Objects(_)))
            .ok_or_else(|| FilterError::new(format!("'{path}' cannot be filtered with any()")))?;
        self.expect(Kind::Open, "'('")?;
        let var = self.expect(Kind::Word, "a range variable")?;
        self.expect(Kind::Colon, "':'")?;
        let var: &'a str = source_text(self.text, &var);
        self.lambda = Some(Lambda { var, prop });
        let body = self.expression()?;
        self.lambda = None;
        self.expect(Kind::Close, "')'")?;
        Ok(Node::Any {
            path: prop.path,
            body: Box::new(body),
        })
    }

    /// What an operand names: a property of the record, or inside a lambda the item
    /// (`t`) or a property of it (`t/id`).
    fn target(&self, name: &str) -> Result<(Target, Prop), FilterError> {
        if let Some(lambda) = self.lambda {
            let rest = match name.strip_prefix(lambda.var) {
                Some("") => None,
                Some(rest) => Some(rest.strip_prefix('/').ok_or_else(|| unknown(name))?),
                None => return Err(unknown(name)),
            };
            return match (lambda.prop.ty, rest) {
                (Ty::Strings, None) => Ok((Target::Item(None), lambda.prop)),
                (Ty::Objects(members), Some(member)) => schema::member(members, member)
                    .map(|p| (Target::Item(Some(p.path)), p))
                    .ok_or_else(|| unknown(name)),
                _ => Err(unknown(name)),
            };
        }
        match self.schema.prop(name) {
            Some(prop) if !matches!(prop.ty, Ty::Strings | Ty::Objects(_)) => {
                Ok((Target::Field(prop.path), prop))
            }
            Some(_) => Err(FilterError::new(format!(
                "'{name}' is a collection: use {name}/any(...)"
            ))),
            None => Err(unknown(name)),
        }
    }

    fn comparison(&mut self, operand: &Token) -> Result<Node, FilterError> {
        let (target, prop) = self.target(&operand.text)?;
        let op_token = self.next()?;
        let op = Op::parse(&op_token.text).ok_or_else(|| {
            FilterError::syntax(
                self.text,
                op_token.pos,
                &format!("expected an operator, found '{}'", op_token.text),
            )
        })?;
        let literal_token = self.next()?;
        let literal = self.literal(&literal_token)?;
        let ty = match prop.ty {
            Ty::Strings => Ty::Str,
            other => other,
        };
        let bit = match op {
            Op::Eq => EQ,
            Op::Ne if ty == Ty::Time => 0,
            Op::Ne => EQ,
            Op::Gt => GT,
            Op::Ge => GE,
            Op::Lt => LT,
            Op::Le => LE,
        };
        if prop.ops & bit == 0 {
            return Err(FilterError::new(format!(
                "'{}' is not supported on '{}'",
                op_token.text, operand.text
            )));
        }
        let literal = match (ty, literal) {
            (Ty::Str, l @ (Lit::Str(_) | Lit::Null)) => l,
            (Ty::Int, l @ (Lit::Int(_) | Lit::Null)) => l,
            (Ty::Bool, l @ (Lit::Bool(_) | Lit::Null)) => l,
            (Ty::Time, Lit::Time(t)) if t < self.schema.oldest => {
                return Err(FilterError::new(format!(
                    "'{}' is before the retention window",
                    literal_token.text
                )));
            }
            (Ty::Time, l @ Lit::Time(_)) => l,
            (_, other) => {
                return Err(FilterError::new(format!(
                    "'{}' cannot be compared with {}",
                    operand.text,
                    other.describe()
                )));
            }
        };
        Ok(Node::Cmp {
            target,
            op,
            literal,
        })
    }

    fn literal(&self, token: &Token) -> Result<Lit, FilterError> {
        match &token.kind {
            Kind::Str(s) => Ok(Lit::Str(s.clone())),
            Kind::Number => {
                if let Ok(i) = token.text.parse::<i64>() {
                    return Ok(Lit::Int(i));
                }
                aad_common::time::parse_instant(&token.text)
                    .and_then(checked_ticks)
                    .map(Lit::Time)
                    .ok_or_else(|| {
                        FilterError::syntax(
                            self.text,
                            token.pos,
                            &format!("'{}' is not a number or a DateTimeOffset", token.text),
                        )
                    })
            }
            Kind::Word => match token.text.as_str() {
                "true" => Ok(Lit::Bool(true)),
                "false" => Ok(Lit::Bool(false)),
                "null" => Ok(Lit::Null),
                _ => Err(FilterError::syntax(
                    self.text,
                    token.pos,
                    &format!("expected a literal, found '{}'", token.text),
                )),
            },
            _ => Err(FilterError::syntax(
                self.text,
                token.pos,
                &format!("expected a literal, found '{}'", token.text),
            )),
        }
    }
}

/// The range variable as a slice of the filter text (tokens own copies; the variable
/// is compared against operand names, which are read from the same text).
fn source_text<'t>(text: &'t str, token: &Token) -> &'t str {
    text.get(token.pos..token.pos + token.text.len())
        .unwrap_or_default()
}

fn unknown(name: &str) -> FilterError {
    FilterError::new(format!("'{name}' cannot be filtered on here"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{Dataset, SignInType};
    use crate::time::{TICKS_PER_SECOND, to_ticks};

    fn schema(dataset: Dataset, v1: bool) -> Schema {
        Schema {
            dataset,
            v1,
            oldest: to_ticks(aad_common::time::parse_instant("2026-01-01").unwrap()),
        }
    }

    fn audit(text: &str) -> Result<Filter, FilterError> {
        parse(text, &schema(Dataset::DirectoryAudits, true))
    }

    fn sign_ins(text: &str, v1: bool) -> Result<Filter, FilterError> {
        parse(
            text,
            &schema(Dataset::SignIns(SignInType::InteractiveUser), v1),
        )
    }

    #[test]
    fn a_half_open_window_becomes_inclusive_ticks() {
        let f = audit("activityDateTime ge 2026-02-01T00:00:00Z and activityDateTime lt 2026-02-02T00:00:00.0000000Z").unwrap();
        let lo = to_ticks(aad_common::time::parse_instant("2026-02-01").unwrap());
        let hi = lo + 86_400 * TICKS_PER_SECOND;
        assert_eq!((f.lower, f.upper), (Some(lo), Some(hi - 1)));
        let f =
            audit("(activityDateTime gt 2026-02-01 and activityDateTime le 2026-02-02)").unwrap();
        assert_eq!((f.lower, f.upper), (Some(lo + 1), Some(hi)));
        // Inside `or`, a comparison bounds nothing.
        let f = audit("activityDateTime ge 2026-02-01 or category eq 'x'").unwrap();
        assert_eq!((f.lower, f.upper), (None, None));
    }

    #[test]
    fn what_the_service_refuses() {
        for text in [
            "",
            "activityDateTime ge",
            "activityDateTime gee 2026-02-01",
            "activityDateTime ge '2026-02-01'",
            "activityDateTime ge 2025-01-01",
            "activityDateTime ge -35000-01-01",
            "activityDateTime ne 2026-02-01",
            "resultReason eq 'x'",
            "category gt 'a'",
            "category eq 'unterminated",
            "not category eq 'a'",
            "contains(activityDisplayName,'user')",
            "startswith(loggedByService,'Core')",
            "targetResources/any(t: t/type eq 'User')",
            "targetResources eq 'x'",
            "(category eq 'a'",
        ] {
            assert!(audit(text).is_err(), "{text:?} is accepted");
        }
        for (text, v1) in [
            ("status/errorCode eq '0'", true),
            ("userPrincipalName eq 5", true),
            ("signInEventTypes/any(t: t eq 'interactiveUser')", true),
            ("riskEventTypes/any(r: r eq 'generic')", false),
            ("signInEventTypes eq 'interactiveUser'", false),
            (
                "signInEventTypes/any(t: t eq 'interactiveUser' or t eq 'servicePrincipal')",
                false,
            ),
        ] {
            assert!(sign_ins(text, v1).is_err(), "{text:?} is accepted");
        }
    }

    #[test]
    fn event_type_clauses_pick_the_kinds() {
        let kinds = |text: &str| sign_ins(text, false).unwrap().kinds;
        assert_eq!(kinds("appId eq 'x'"), None);
        assert_eq!(
            kinds("signInEventTypes/any(t: t ne 'interactiveUser')"),
            Some(vec![
                SignInType::NonInteractiveUser,
                SignInType::ServicePrincipal,
                SignInType::ManagedIdentity
            ])
        );
        assert_eq!(
            kinds("appId eq 'x' and signInEventTypes/any(t:t eq 'managedIdentity')"),
            Some(vec![SignInType::ManagedIdentity])
        );
        assert_eq!(
            kinds("signInEventTypes/any(t: t eq 'interactiveUser' or t eq 'noninteractiveUser')"),
            Some(vec![
                SignInType::InteractiveUser,
                SignInType::NonInteractiveUser
            ])
        );
    }

    #[test]
    fn nesting_is_bounded() {
        let deep = format!("{}appId eq 'x'{}", "(".repeat(200), ")".repeat(200));
        assert!(sign_ins(&deep, true).is_err());
    }
}
