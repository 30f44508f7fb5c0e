//! The `$filter` text as tokens, each with its position for error messages.

use super::error::FilterError;

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Kind {
    Word,
    Str(String),
    Number,
    Open,
    Close,
    Comma,
    Colon,
}

#[derive(Debug, Clone)]
pub(super) struct Token {
    pub(super) kind: Kind,
    pub(super) text: String,
    pub(super) pos: usize,
}

pub(super) fn tokenize(text: &str) -> Result<Vec<Token>, FilterError> {
    let mut tokens = Vec::new();
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut i = 0;
    while i < chars.len() {
        let (pos, c) = chars[i];
        match c {
            c if c.is_whitespace() => i += 1,
            '(' | ')' | ',' | ':' => {
                let kind = match c {
                    '(' => Kind::Open,
                    ')' => Kind::Close,
                    ',' => Kind::Comma,
                    _ => Kind::Colon,
                };
                tokens.push(Token {
                    kind,
                    text: c.to_string(),
                    pos,
                });
                i += 1;
            }
            '\'' => {
                let mut value = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => {
                            return Err(FilterError::syntax(
                                text,
                                pos,
                                "unterminated string literal",
                            ));
                        }
                        Some((_, '\'')) if chars.get(i + 1).map(|c| c.1) == Some('\'') => {
                            value.push('\'');
                            i += 2;
                        }
                        Some((_, '\'')) => {
                            i += 1;
                            break;
                        }
                        Some((_, ch)) => {
                            value.push(*ch);
                            i += 1;
                        }
                    }
                }
                let end = chars.get(i).map_or(text.len(), |c| c.0);
                tokens.push(Token {
                    kind: Kind::Str(value),
                    text: text[pos..end].to_string(),
                    pos,
                });
            }
            c if c.is_ascii_digit() || c == '-' => {
                let start = i;
                while i < chars.len()
                    && (chars[i].1.is_ascii_alphanumeric()
                        || matches!(chars[i].1, '-' | ':' | '.' | '+'))
                {
                    i += 1;
                }
                let end = chars.get(i).map_or(text.len(), |c| c.0);
                tokens.push(Token {
                    kind: Kind::Number,
                    text: text[chars[start].0..end].to_string(),
                    pos,
                });
            }
            c if c.is_alphabetic() || c == '_' || c == '$' || c == '@' => {
                let start = i;
                while i < chars.len()
                    && (chars[i].1.is_alphanumeric()
                        || matches!(chars[i].1, '_' | '/' | '.' | '$' | '@'))
                {
                    i += 1;
                }
                let end = chars.get(i).map_or(text.len(), |c| c.0);
                tokens.push(Token {
                    kind: Kind::Word,
                    text: text[chars[start].0..end].to_string(),
                    pos,
                });
            }
            _ => {
                return Err(FilterError::syntax(
                    text,
                    pos,
                    &format!("unexpected character '{c}'"),
                ));
            }
        }
    }
    if tokens.is_empty() {
        return Err(FilterError::syntax(text, 0, "the expression is empty"));
    }
    Ok(tokens)
}
