//! The tokens of a `--where` expression, each with the column (1-based, in characters)
//! where it starts, for error messages.

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    /// `~`: the string matches a regular expression.
    Match,
}

impl Op {
    /// The operator as written.
    pub(super) fn text(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Ne => "!=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Match => "~",
        }
    }
}

/// One token.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Token {
    Open,
    Close,
    Comma,
    Op(Op),
    /// A quoted string, escapes removed.
    Str(String),
    /// Anything else: a path, a number, a keyword. `escaped` when it held a backslash
    /// (so `\and` is a path, never the keyword).
    Word {
        text: String,
        escaped: bool,
    },
}

/// A token and the column where it starts.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Spanned {
    pub(super) token: Token,
    pub(super) column: usize,
}

/// A problem at a column of the expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SyntaxError {
    pub(crate) column: usize,
    pub(crate) message: String,
}

impl SyntaxError {
    pub(super) fn at(column: usize, message: impl Into<String>) -> SyntaxError {
        SyntaxError {
            column,
            message: message.into(),
        }
    }
}

/// Characters that end a word.
fn ends_word(c: char) -> bool {
    c.is_whitespace() || "()=!<>~,'\"".contains(c)
}

/// Splits `text` into tokens.
pub(super) fn tokens(text: &str) -> Result<Vec<Spanned>, SyntaxError> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let column = i + 1;
        let next = chars.get(i + 1).copied();
        let (token, len) = match c {
            c if c.is_whitespace() => {
                i += 1;
                continue;
            }
            '(' => (Token::Open, 1),
            ')' => (Token::Close, 1),
            ',' => (Token::Comma, 1),
            '=' => (Token::Op(Op::Eq), 1),
            '~' => (Token::Op(Op::Match), 1),
            '!' if next == Some('=') => (Token::Op(Op::Ne), 2),
            '!' => return Err(SyntaxError::at(column, "'!' alone: write != or not")),
            '<' if next == Some('=') => (Token::Op(Op::Le), 2),
            '<' => (Token::Op(Op::Lt), 1),
            '>' if next == Some('=') => (Token::Op(Op::Ge), 2),
            '>' => (Token::Op(Op::Gt), 1),
            '\'' | '"' => {
                let (text, len) = quoted(&chars[i..], column)?;
                (Token::Str(text), len)
            }
            _ => {
                let (text, escaped, len) = word(&chars[i..], column)?;
                (Token::Word { text, escaped }, len)
            }
        };
        out.push(Spanned { token, column });
        i += len;
    }
    Ok(out)
}

/// A quoted string at the start of `chars`: its text and how many characters it took.
/// A backslash makes the next character literal.
fn quoted(chars: &[char], column: usize) -> Result<(String, usize), SyntaxError> {
    let quote = chars[0];
    let mut text = String::new();
    let mut i = 1;
    while i < chars.len() {
        match chars[i] {
            '\\' if i + 1 < chars.len() => {
                text.push(chars[i + 1]);
                i += 2;
            }
            c if c == quote => return Ok((text, i + 1)),
            c => {
                text.push(c);
                i += 1;
            }
        }
    }
    Err(SyntaxError::at(
        column,
        format!("the string has no closing {quote}"),
    ))
}

/// A word at the start of `chars`, kept with its escapes (paths unescape them), whether
/// it had any, and how many characters it took.
fn word(chars: &[char], column: usize) -> Result<(String, bool, usize), SyntaxError> {
    let mut text = String::new();
    let mut escaped = false;
    let mut i = 0;
    while i < chars.len() && !ends_word(chars[i]) {
        if chars[i] == '\\' {
            let Some(&next) = chars.get(i + 1) else {
                return Err(SyntaxError::at(
                    column + i,
                    "a backslash at the end escapes nothing",
                ));
            };
            text.push('\\');
            text.push(next);
            escaped = true;
            i += 2;
        } else {
            text.push(chars[i]);
            i += 1;
        }
    }
    Ok((text, escaped, i))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<Token> {
        tokens(text).unwrap().into_iter().map(|t| t.token).collect()
    }

    fn word(text: &str) -> Token {
        Token::Word {
            text: text.to_string(),
            escaped: text.contains('\\'),
        }
    }

    #[test]
    fn operators_words_and_strings() {
        assert_eq!(
            kinds(r#"a.b!=0 and(x<=-1.5or y~'it''s') c>="q\"" d<e>f"#),
            [
                word("a.b"),
                Token::Op(Op::Ne),
                word("0"),
                word("and"),
                Token::Open,
                word("x"),
                Token::Op(Op::Le),
                word("-1.5or"),
                word("y"),
                Token::Op(Op::Match),
                Token::Str("it".into()),
                Token::Str("s".into()),
                Token::Close,
                word("c"),
                Token::Op(Op::Ge),
                Token::Str("q\"".into()),
                word("d"),
                Token::Op(Op::Lt),
                word("e"),
                Token::Op(Op::Gt),
                word("f"),
            ]
        );
    }

    #[test]
    fn escapes_keep_special_characters_in_words() {
        assert_eq!(kinds(r"a\ b\=c"), [word(r"a\ b\=c")]);
        assert_eq!(kinds(r"'a\'b'"), [Token::Str("a'b".into())]);
    }

    #[test]
    fn errors_say_where() {
        assert_eq!(
            tokens("a ! b").unwrap_err(),
            SyntaxError::at(3, "'!' alone: write != or not")
        );
        assert_eq!(tokens("a = 'open").unwrap_err().column, 5);
        assert_eq!(tokens(r"ab\").unwrap_err().column, 3);
    }
}
