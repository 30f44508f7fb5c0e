//! `$filter` as each audit-log list supports it, parsed, checked and evaluated as the
//! service does.
//!
//! Accepted: the property/operator pairs of each list's [`Schema`], `and`, `or` and
//! parentheses, `startswith` (and `contains` on provisioning), lambdas over
//! collections (`signInEventTypes/any(t: t eq 'servicePrincipal')`,
//! `targetResources/any(t: t/id eq '...')`), unquoted DateTimeOffset literals (a date
//! alone is midnight UTC) inside the retention window. Everything else (an unknown or
//! unsupported property or operator, a type mismatch, a quoted datetime, a date before
//! retention, bad syntax) is refused, and the service answers every refusal with 400
//! `BadRequest` "Invalid filter clause".
//!
//! | module | what |
//! |---|---|
//! | `lexer` | the text as tokens |
//! | `parser` | the grammar, checked against the [`Schema`] as it is read |
//! | `schema` | what each list supports, property by property |
//! | `evaluate` | the checked [`Filter`] and how a record is tested against it |
//! | `error` | `FilterError`: why a filter was refused |

mod error;
mod evaluate;
mod lexer;
mod parser;
mod schema;

pub(crate) use evaluate::Filter;
pub(crate) use parser::parse;
pub(crate) use schema::Schema;
