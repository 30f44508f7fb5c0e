//! The `$filter` subset the reporting APIs accept, parsed and checked like the service.
//!
//! Accepted: comparisons on the dataset's time field (`eq ge gt le lt`, DateTimeOffset
//! literals unquoted, date-only allowed), `eq`/`ne` and `startswith(field,'x')` on a few
//! plain fields, `signInEventTypes/any(t: t eq '...')` (beta sign-ins), parentheses and
//! `and`. Everything else is refused with the codes the service uses:
//! `BadRequest` for syntax errors, unknown properties and type mismatches,
//! `Request_UnsupportedQuery` for valid OData the report does not support (`or`, `not`,
//! ranges on plain fields, functions, ...).
//!
//! | module | what |
//! |---|---|
//! | `lexer` | the text as tokens |
//! | `parser` | the grammar, and the checks against the report's [`Schema`] |
//! | `schema` | what the report has and supports, and the refusals that follow from it |
//! | `evaluate` | the checked [`Filter`] and how a record is tested against it |
//! | `error` | [`FilterError`](error::FilterError): a code and a message, as the service words them |

mod error;
mod evaluate;
mod lexer;
mod parser;
mod schema;

pub(crate) use evaluate::Filter;
pub(crate) use parser::parse;
pub(crate) use schema::Schema;
