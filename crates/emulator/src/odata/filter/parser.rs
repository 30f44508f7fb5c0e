//! The grammar of the accepted `$filter` subset (`expression := term ('and' term)*`),
//! checked against the report's [`Schema`] while it is parsed.

use super::error::FilterError;
use super::evaluate::{Filter, Predicate};
use super::lexer::{Kind, Token, tokenize};
use super::schema::Schema;
use crate::data::AttrValue;
use crate::time::{Ticks, to_ticks};

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
}

impl Op {
    fn parse(word: &str) -> Option<Op> {
        Some(match word {
            "eq" => Op::Eq,
            "ne" => Op::Ne,
            "gt" => Op::Gt,
            "ge" => Op::Ge,
            "lt" => Op::Lt,
            "le" => Op::Le,
            _ => return None,
        })
    }

    fn kind_name(self) -> &'static str {
        match self {
            Op::Eq => "Equal",
            Op::Ne => "NotEqual",
            Op::Gt => "GreaterThan",
            Op::Ge => "GreaterThanOrEqual",
            Op::Lt => "LessThan",
            Op::Le => "LessThanOrEqual",
        }
    }
}

/// A literal operand.
#[derive(Debug, Clone, PartialEq)]
enum Literal {
    Time(Ticks),
    Str(String),
    Int(i64),
    Bool(bool),
    Null,
}

impl Literal {
    fn edm_type(&self) -> &'static str {
        match self {
            Literal::Time(_) => "Edm.DateTimeOffset",
            Literal::Str(_) => "Edm.String",
            Literal::Int(_) => "Edm.Int32",
            Literal::Bool(_) => "Edm.Boolean",
            Literal::Null => "<null>",
        }
    }
}

/// Parses and checks a `$filter` value.
pub(crate) fn parse(text: &str, schema: &Schema<'_>) -> Result<Filter, FilterError> {
    let tokens = tokenize(text)?;
    let mut parser = Parser {
        text,
        tokens,
        at: 0,
        schema,
        filter: Filter::default(),
    };
    parser.expression()?;
    if let Some(tok) = parser.tokens.get(parser.at) {
        return Err(FilterError::syntax(
            text,
            tok.pos,
            &format!("unexpected '{}'", tok.text),
        ));
    }
    Ok(parser.filter)
}

struct Parser<'a> {
    text: &'a str,
    tokens: Vec<Token>,
    at: usize,
    schema: &'a Schema<'a>,
    filter: Filter,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Result<Token, FilterError> {
        let tok = self.tokens.get(self.at).cloned().ok_or_else(|| {
            FilterError::syntax(self.text, self.text.len(), "the expression ended early")
        })?;
        self.at += 1;
        Ok(tok)
    }

    fn expect_token(&mut self, kind: Kind, what: &str) -> Result<Token, FilterError> {
        let tok = self.next()?;
        if std::mem::discriminant(&tok.kind) != std::mem::discriminant(&kind) {
            return Err(FilterError::syntax(
                self.text,
                tok.pos,
                &format!("expected {what}, found '{}'", tok.text),
            ));
        }
        Ok(tok)
    }

    fn is_word(&self, word: &str) -> bool {
        self.peek()
            .is_some_and(|t| t.kind == Kind::Word && t.text.eq_ignore_ascii_case(word))
    }

    /// expression := term ('and' term)*
    fn expression(&mut self) -> Result<(), FilterError> {
        self.term()?;
        loop {
            if self.is_word("and") {
                self.at += 1;
                self.term()?;
            } else if self.is_word("or") {
                return Err(FilterError::unsupported(format!(
                    "Unsupported operator 'or' in filter clause for resource '{}'.",
                    self.schema.resource()
                )));
            } else {
                return Ok(());
            }
        }
    }

    /// term := '(' expression ')' | function | lambda | comparison
    fn term(&mut self) -> Result<(), FilterError> {
        let tok = self.next()?;
        match &tok.kind {
            Kind::Open => {
                self.expression()?;
                self.expect_token(Kind::Close, "')'")?;
                Ok(())
            }
            Kind::Word if tok.text.eq_ignore_ascii_case("not") => Err(FilterError::unsupported(
                "Unsupported operator 'not' in filter clause.".to_string(),
            )),
            Kind::Word if self.peek().is_some_and(|t| t.kind == Kind::Open) => self.function(tok),
            Kind::Word => self.comparison(tok),
            _ => Err(FilterError::syntax(
                self.text,
                tok.pos,
                &format!("expected a property, found '{}'", tok.text),
            )),
        }
    }

    fn function(&mut self, name: Token) -> Result<(), FilterError> {
        if let Some(field) = name.text.strip_suffix("/any") {
            return self.lambda(field, &name);
        }
        if !name.text.eq_ignore_ascii_case("startswith") {
            return Err(FilterError::unsupported(format!(
                "Unsupported function '{}' in filter clause.",
                name.text
            )));
        }
        self.expect_token(Kind::Open, "'('")?;
        let field = self.expect_token(Kind::Word, "a property")?;
        self.expect_token(Kind::Comma, "','")?;
        let prefix = self.next()?;
        let Kind::Str(prefix) = prefix.kind else {
            return Err(FilterError::syntax(
                self.text,
                prefix.pos,
                "startswith needs a string literal",
            ));
        };
        self.expect_token(Kind::Close, "')'")?;
        self.schema.check_plain_field(&field.text)?;
        self.filter.predicates.push(Predicate::StartsWith {
            field: field.text,
            prefix,
        });
        Ok(())
    }

    /// `signInEventTypes/any(t: t eq 'value')`
    fn lambda(&mut self, field: &str, name: &Token) -> Result<(), FilterError> {
        if field != "signInEventTypes" {
            self.schema.check_property(field)?;
            return Err(self.schema.unsupported_property(field));
        }
        if !self.schema.event_types {
            return Err(self.schema.unknown_property(field));
        }
        self.expect_token(Kind::Open, "'('")?;
        let var = self.expect_token(Kind::Word, "a range variable")?;
        self.expect_token(Kind::Colon, "':'")?;
        let var_again = self.expect_token(Kind::Word, "the range variable")?;
        if var_again.text != var.text {
            return Err(FilterError::syntax(
                self.text,
                var_again.pos,
                &format!("unknown identifier '{}'", var_again.text),
            ));
        }
        let op = self.next()?;
        if op.text != "eq" {
            return Err(FilterError::unsupported(format!(
                "Unsupported operator '{}' in signInEventTypes/any(); use eq.",
                op.text
            )));
        }
        let value = self.next()?;
        let Kind::Str(value) = value.kind else {
            return Err(FilterError::syntax(
                self.text,
                value.pos,
                "expected a string literal",
            ));
        };
        self.expect_token(Kind::Close, "')'")?;
        if let Some(previous) = &self.filter.event_type
            && previous != &value
        {
            // Two different kinds joined by 'and' select nothing; the service allows it.
            self.filter.lower = Some(i64::MAX);
        }
        let _ = name;
        self.filter.event_type = Some(value);
        Ok(())
    }

    fn comparison(&mut self, field: Token) -> Result<(), FilterError> {
        let op_tok = self.next()?;
        let op = Op::parse(&op_tok.text.to_ascii_lowercase()).ok_or_else(|| {
            FilterError::syntax(
                self.text,
                op_tok.pos,
                &format!(
                    "expected an operator (eq, ne, gt, ge, lt, le), found '{}'",
                    op_tok.text
                ),
            )
        })?;
        let lit_tok = self.next()?;
        let literal = self.literal(&lit_tok)?;
        let name = field.text.as_str();
        let dataset = self.schema.dataset;
        if name == dataset.time_field() {
            let Literal::Time(t) = literal else {
                return Err(incompatible("Edm.DateTimeOffset", &literal, op));
            };
            let f = &mut self.filter;
            let raise = |b: &mut Option<Ticks>, v: Ticks| *b = Some(b.map_or(v, |x| x.max(v)));
            let lower_upper =
                |b: &mut Option<Ticks>, v: Ticks| *b = Some(b.map_or(v, |x| x.min(v)));
            match op {
                Op::Ge => raise(&mut f.lower, t),
                Op::Gt => raise(&mut f.lower, t.saturating_add(1)),
                Op::Le => lower_upper(&mut f.upper, t),
                Op::Lt => lower_upper(&mut f.upper, t.saturating_sub(1)),
                Op::Eq => {
                    raise(&mut f.lower, t);
                    lower_upper(&mut f.upper, t);
                }
                Op::Ne => {
                    return Err(FilterError::unsupported(format!(
                        "Unsupported operator 'ne' for property '{name}'."
                    )));
                }
            }
            return Ok(());
        }
        self.schema.check_plain_field(name)?;
        let negate = match op {
            Op::Eq => false,
            Op::Ne => true,
            _ => {
                return Err(FilterError::unsupported(format!(
                    "Unsupported operator '{}' for property '{name}' of resource '{}'.",
                    op_tok.text,
                    self.schema.resource()
                )));
            }
        };
        let value = match literal {
            Literal::Str(s) => AttrValue::Str(s),
            Literal::Int(i) => AttrValue::Int(i),
            Literal::Bool(b) => AttrValue::Bool(b),
            Literal::Null => AttrValue::Null,
            Literal::Time(_) => return Err(incompatible("Edm.String", &literal, op)),
        };
        self.filter.predicates.push(Predicate::Equals {
            field: name.to_string(),
            value,
            negate,
        });
        Ok(())
    }

    fn literal(&self, tok: &Token) -> Result<Literal, FilterError> {
        match &tok.kind {
            Kind::Str(s) => Ok(Literal::Str(s.clone())),
            Kind::Number => {
                if let Ok(i) = tok.text.parse::<i64>() {
                    return Ok(Literal::Int(i));
                }
                aad_common::time::parse_instant(&tok.text)
                    .map(|t| Literal::Time(to_ticks(t)))
                    .ok_or_else(|| {
                        FilterError::syntax(
                            self.text,
                            tok.pos,
                            &format!("'{}' is not a valid DateTimeOffset or number", tok.text),
                        )
                    })
            }
            Kind::Word => match tok.text.as_str() {
                "true" => Ok(Literal::Bool(true)),
                "false" => Ok(Literal::Bool(false)),
                "null" => Ok(Literal::Null),
                _ => Err(FilterError::syntax(
                    self.text,
                    tok.pos,
                    &format!("expected a literal, found '{}'", tok.text),
                )),
            },
            _ => Err(FilterError::syntax(
                self.text,
                tok.pos,
                &format!("expected a literal, found '{}'", tok.text),
            )),
        }
    }
}

fn incompatible(expected: &str, literal: &Literal, op: Op) -> FilterError {
    FilterError {
        code: "BadRequest",
        message: format!(
            "A binary operator with incompatible types was detected. Found operand types '{expected}' and '{}' for operator kind '{}'.",
            literal.edm_type(),
            op.kind_name()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{Dataset, SignInType};

    fn props(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    fn audit(text: &str) -> Result<Filter, FilterError> {
        let properties = props(&[
            "id",
            "category",
            "activityDateTime",
            "resultReason",
            "initiatedBy",
            "result",
        ]);
        parse(
            text,
            &Schema {
                dataset: Dataset::DirectoryAudits,
                properties: &properties,
                event_types: false,
            },
        )
    }

    #[test]
    fn half_open_window_becomes_inclusive_ticks() {
        let f = audit("activityDateTime ge 2024-01-01T00:00:00Z and activityDateTime lt 2024-01-02T00:00:00.0000000Z").unwrap();
        let lo = to_ticks(aad_common::time::parse_instant("2024-01-01").unwrap());
        let hi = to_ticks(aad_common::time::parse_instant("2024-01-02").unwrap());
        assert_eq!(f.lower, Some(lo));
        assert_eq!(f.upper, Some(hi - 1));
        let f =
            audit("(activityDateTime gt 2024-01-01 and activityDateTime le 2024-01-02)").unwrap();
        assert_eq!(f.lower, Some(lo + 1));
        assert_eq!(f.upper, Some(hi));
    }

    #[test]
    fn refusals_use_the_service_codes() {
        assert_eq!(audit("activityDateTime ge").unwrap_err().code, "BadRequest");
        assert_eq!(
            audit("activityDateTime gee 2024-01-01").unwrap_err().code,
            "BadRequest"
        );
        assert_eq!(audit("nosuch eq 'x'").unwrap_err().code, "BadRequest");
        assert!(
            audit("nosuch eq 'x'")
                .unwrap_err()
                .message
                .contains("Could not find a property named 'nosuch'")
        );
        assert_eq!(
            audit("resultReason eq 'x'").unwrap_err().code,
            "Request_UnsupportedQuery"
        );
        assert_eq!(
            audit("category eq 'a' or category eq 'b'")
                .unwrap_err()
                .code,
            "Request_UnsupportedQuery"
        );
        assert_eq!(
            audit("category gt 'a'").unwrap_err().code,
            "Request_UnsupportedQuery"
        );
        assert_eq!(
            audit("activityDateTime ge '2024-01-01'").unwrap_err().code,
            "BadRequest"
        );
        assert_eq!(
            audit("category eq 'unterminated").unwrap_err().code,
            "BadRequest"
        );
        assert_eq!(audit("").unwrap_err().code, "BadRequest");
    }

    #[test]
    fn plain_field_predicates() {
        let f = audit("category eq 'UserManagement' and startswith(initiatedBy/user/userPrincipalName,'adele')").unwrap();
        assert_eq!(f.predicates.len(), 2);
        let f = audit("category eq 'it''s'").unwrap();
        assert_eq!(
            f.predicates[0],
            Predicate::Equals {
                field: "category".into(),
                value: AttrValue::Str("it's".into()),
                negate: false
            }
        );
    }

    #[test]
    fn sign_in_event_types_only_on_beta() {
        let properties = props(&["id", "createdDateTime", "signInEventTypes"]);
        let beta = Schema {
            dataset: Dataset::SignIns(SignInType::InteractiveUser),
            properties: &properties,
            event_types: true,
        };
        let f = parse(
            "signInEventTypes/any(t: t eq 'nonInteractiveUser') and createdDateTime ge 2024-01-01",
            &beta,
        )
        .unwrap();
        assert_eq!(f.event_type.as_deref(), Some("nonInteractiveUser"));
        let v1 = Schema {
            event_types: false,
            ..beta
        };
        assert_eq!(
            parse("signInEventTypes/any(t: t eq 'x')", &v1)
                .unwrap_err()
                .code,
            "BadRequest"
        );
    }
}
