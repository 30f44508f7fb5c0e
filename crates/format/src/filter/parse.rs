//! The `--where` grammar, from tokens to a tree whose paths are numbered slots:
//!
//! ```text
//! expr       = and { "or" and }
//! and        = unary { "and" unary }
//! unary      = "not" unary | "(" expr ")" | test
//! test       = PATH "exists"
//!            | PATH ( "=" | "!=" | "<" | "<=" | ">" | ">=" ) value
//!            | PATH "~" STRING
//!            | PATH "in" "(" value { "," value } ")"
//! value      = STRING | NUMBER | "true" | "false" | "null"
//! ```

use regex::Regex;

use super::lex::{Op, Spanned, SyntaxError, Token, tokens};
use crate::fields::parse_path;
use crate::times::{Instant, instant};

/// A literal on the right of a test.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Literal {
    Null,
    Bool(bool),
    Number(f64),
    /// A string, and its instant when it is an RFC 3339 time.
    Str(String, Option<Instant>),
}

/// The expression, its paths replaced by slots.
#[derive(Debug, Clone)]
pub(super) enum Expr {
    Or(Box<Expr>, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Exists(usize),
    /// `=`, `!=`, `<`, `<=`, `>`, `>=`.
    Compare(usize, Op, Literal),
    Match(usize, Regex),
    In(usize, Vec<Literal>),
}

/// An expression and the paths its slots stand for.
#[derive(Debug, Clone)]
pub(super) struct Parsed {
    pub(super) expr: Expr,
    pub(super) paths: Vec<Vec<String>>,
}

/// Words that are not paths unless escaped.
const KEYWORDS: &[&str] = &["and", "or", "not", "in", "exists", "true", "false", "null"];

/// Parses a whole expression.
pub(super) fn parse(text: &str) -> Result<Parsed, SyntaxError> {
    let mut parser = Parser {
        tokens: tokens(text)?,
        at: 0,
        end: text.chars().count() + 1,
        paths: Vec::new(),
    };
    if parser.tokens.is_empty() {
        return Err(SyntaxError::at(1, "the expression is empty"));
    }
    let expr = parser.or()?;
    if let Some(extra) = parser.tokens.get(parser.at) {
        return Err(SyntaxError::at(
            extra.column,
            "expected 'and', 'or' or the end here",
        ));
    }
    Ok(Parsed {
        expr,
        paths: parser.paths,
    })
}

struct Parser {
    tokens: Vec<Spanned>,
    at: usize,
    /// The column just past the text, for "expected ... at the end".
    end: usize,
    paths: Vec<Vec<String>>,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at).map(|t| &t.token)
    }

    fn column(&self) -> usize {
        self.tokens.get(self.at).map_or(self.end, |t| t.column)
    }

    fn next(&mut self) -> Option<Spanned> {
        let token = self.tokens.get(self.at).cloned();
        self.at += 1;
        token
    }

    /// True (and consumed) when the next token is the unescaped keyword `word`.
    fn keyword(&mut self, word: &str) -> bool {
        let found =
            matches!(self.peek(), Some(Token::Word { text, escaped: false }) if text == word);
        if found {
            self.at += 1;
        }
        found
    }

    fn or(&mut self) -> Result<Expr, SyntaxError> {
        let mut left = self.and()?;
        while self.keyword("or") {
            left = Expr::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, SyntaxError> {
        let mut left = self.unary()?;
        while self.keyword("and") {
            left = Expr::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, SyntaxError> {
        if self.keyword("not") {
            return Ok(Expr::Not(Box::new(self.unary()?)));
        }
        if self.peek() == Some(&Token::Open) {
            self.at += 1;
            let inner = self.or()?;
            if self.peek() != Some(&Token::Close) {
                return Err(SyntaxError::at(self.column(), "expected ')'"));
            }
            self.at += 1;
            return Ok(inner);
        }
        self.test()
    }

    fn test(&mut self) -> Result<Expr, SyntaxError> {
        let slot = self.path()?;
        if self.keyword("exists") {
            return Ok(Expr::Exists(slot));
        }
        if self.keyword("in") {
            return self.list().map(|values| Expr::In(slot, values));
        }
        let column = self.column();
        let Some(Token::Op(op)) = self.next().map(|t| t.token) else {
            return Err(SyntaxError::at(
                column,
                "expected an operator (= != < <= > >= ~), 'in' or 'exists'",
            ));
        };
        let column = self.column();
        let value = self.value()?;
        match (op, value) {
            (Op::Match, Literal::Str(pattern, _)) => Regex::new(&pattern)
                .map(|regex| Expr::Match(slot, regex))
                .map_err(|e| {
                    let reason = e.to_string().lines().last().unwrap_or("").to_string();
                    SyntaxError::at(column, format!("not a regular expression: {reason}"))
                }),
            (Op::Match, _) => Err(SyntaxError::at(
                column,
                "~ needs a quoted regular expression",
            )),
            (Op::Lt | Op::Le | Op::Gt | Op::Ge, Literal::Null | Literal::Bool(_)) => {
                Err(SyntaxError::at(
                    column,
                    format!("{} orders numbers and strings only", op.text()),
                ))
            }
            (op, value) => Ok(Expr::Compare(slot, op, value)),
        }
    }

    /// A path: its slot, shared by every test of the same path.
    fn path(&mut self) -> Result<usize, SyntaxError> {
        let column = self.column();
        let (text, escaped) = match self.next().map(|t| t.token) {
            Some(Token::Word { text, escaped }) => (text, escaped),
            _ => return Err(SyntaxError::at(column, "expected a field path")),
        };
        if !escaped && KEYWORDS.contains(&text.as_str()) {
            return Err(SyntaxError::at(
                column,
                format!(
                    "expected a field path, found '{text}' (write \\{text} for a key of that name)"
                ),
            ));
        }
        let path = parse_path(&text).map_err(|e| SyntaxError::at(column, e))?;
        let slot = match self.paths.iter().position(|p| *p == path) {
            Some(slot) => slot,
            None => {
                self.paths.push(path);
                self.paths.len() - 1
            }
        };
        Ok(slot)
    }

    /// `( value, ... )` after `in`.
    fn list(&mut self) -> Result<Vec<Literal>, SyntaxError> {
        if self.peek() != Some(&Token::Open) {
            return Err(SyntaxError::at(self.column(), "expected '(' after 'in'"));
        }
        self.at += 1;
        let mut values = vec![self.value()?];
        loop {
            match self.peek() {
                Some(Token::Comma) => {
                    self.at += 1;
                    values.push(self.value()?);
                }
                Some(Token::Close) => {
                    self.at += 1;
                    return Ok(values);
                }
                _ => return Err(SyntaxError::at(self.column(), "expected ',' or ')'")),
            }
        }
    }

    fn value(&mut self) -> Result<Literal, SyntaxError> {
        let column = self.column();
        let expected = || {
            SyntaxError::at(
                column,
                "expected a value: a quoted string, a number, true, false or null",
            )
        };
        match self.next().map(|t| t.token) {
            Some(Token::Str(text)) => {
                let time = instant(&text);
                Ok(Literal::Str(text, time))
            }
            Some(Token::Word {
                text,
                escaped: false,
            }) => match text.as_str() {
                "true" => Ok(Literal::Bool(true)),
                "false" => Ok(Literal::Bool(false)),
                "null" => Ok(Literal::Null),
                number => serde_json::from_str::<serde_json::Number>(number)
                    .ok()
                    .and_then(|n| n.as_f64())
                    .map(Literal::Number)
                    .ok_or_else(|| {
                        SyntaxError::at(
                            column,
                            format!("'{number}' is not a value: quote strings ('{number}')"),
                        )
                    }),
            },
            _ => Err(expected()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(text: &str) -> String {
        fn show(e: &Expr) -> String {
            match e {
                Expr::Or(a, b) => format!("({} or {})", show(a), show(b)),
                Expr::And(a, b) => format!("({} and {})", show(a), show(b)),
                Expr::Not(a) => format!("not {}", show(a)),
                Expr::Exists(s) => format!("${s} exists"),
                Expr::Compare(s, op, v) => format!("${s} {} {v:?}", op.text()),
                Expr::Match(s, r) => format!("${s} ~ {r}"),
                Expr::In(s, v) => format!("${s} in {v:?}"),
            }
        }
        let parsed = parse(text).unwrap();
        show(&parsed.expr)
    }

    #[test]
    fn and_binds_tighter_than_or_and_not_tightest() {
        assert_eq!(
            shape("a = 1 or b exists and not c != 'x'"),
            "($0 = Number(1.0) or ($1 exists and not $2 != Str(\"x\", None)))"
        );
        assert_eq!(
            shape("(a = 1 or b = 2) and a < 3"),
            "(($0 = Number(1.0) or $1 = Number(2.0)) and $0 < Number(3.0))"
        );
        assert_eq!(
            shape("x in ('a', 2, null, true)"),
            "$0 in [Str(\"a\", None), Number(2.0), Null, Bool(true)]"
        );
        assert_eq!(shape("n ~ '^a.c$'"), "$0 ~ ^a.c$");
        assert_eq!(shape(r"\and exists"), "$0 exists");
    }

    #[test]
    fn paths_share_slots() {
        let parsed = parse(r"a.b = 1 or a.b = 2 or t.0.id exists or x\.y exists").unwrap();
        assert_eq!(
            parsed.paths,
            [
                vec!["a".to_string(), "b".to_string()],
                vec!["t".to_string(), "0".to_string(), "id".to_string()],
                vec!["x.y".to_string()],
            ]
        );
    }

    #[test]
    fn string_times_are_parsed_once() {
        assert!(shape("t > '2026-11-29T00:00:00Z'").contains("Some((17"));
    }

    fn error(text: &str) -> (usize, String) {
        let e = parse(text).unwrap_err();
        (e.column, e.message)
    }

    #[test]
    fn errors_have_a_column_and_a_reason() {
        assert_eq!(error("").0, 1);
        assert_eq!(error("a = ").0, 5);
        assert!(error("a = ").1.starts_with("expected a value"));
        assert_eq!(error("a = open").0, 5);
        assert!(error("a = open").1.contains("quote strings"));
        assert_eq!(error("a 1").0, 3);
        assert_eq!(error("(a = 1").0, 7);
        assert_eq!(error("a = 1 b = 2").0, 7);
        assert_eq!(error("and = 1").0, 1);
        assert_eq!(error("a < true").0, 5);
        assert_eq!(error("a ~ 1").0, 5);
        assert!(error("a ~ '('").1.starts_with("not a regular expression"));
        assert_eq!(error("a in 1").0, 6);
        assert_eq!(error("a in (1 2)").0, 9);
        assert_eq!(error("a..b exists").0, 1);
        assert_eq!(error("= 1").0, 1);
    }
}
