//! `strata-filter`: libsinsp's filter language (the conditions of `sysdig` and Falco), as
//! layers that each stand alone.
//!
//! 1. [`parse`]: text to an [`ast::Expr`] with byte spans (the tokens are in `lex`, driven by
//!    the parser as libsinsp's are). Needs nothing else.
//! 2. [`compile`]: the tree checked against a [`Schema`] (the fields an event source offers;
//!    `strata-dissect` implements it for the built-in fields) into a [`Program`]: operators
//!    checked against field types, constants parsed once, patterns compiled.
//! 3. [`Program::matches`]: evaluation on one event, seen through the [`Record`] trait,
//!    short-circuited. [`Program::event_types`] tells which event types can match at all.
//!
//! Errors carry the span they are about and render with a caret line ([`Error::render`]).
//!
//! # The language
//!
//! libsinsp 0.25's: `and`, `or`, `not` (`not` binds tightest, then `and`), parentheses;
//! operators `= == != < <= > >= contains icontains bcontains startswith bstartswith endswith
//! glob iglob regex in intersects pmatch exists`; value lists `(a, 'b c', 3)`; quoted strings
//! with `\b \f \n \r \t \\ \/ \xHH` and the quote's escape; field arguments (`proc.aname[2]`,
//! `evt.arg.fd`); transformers `tolower toupper b64 basename len join concat` and `val()` for
//! comparing two fields; the `oneof anyof allof` modifiers. A missing field makes every
//! comparison false, `!=` included; `not` is how to ask for its absence. Nesting is bounded
//! ([`ParseOptions::max_depth`]). Not supported yet: the `getopt` transformer.
//!
//! # Two eras
//!
//! [`Dialect::Sysdig029`] reads filters as sysdig 0.29.3 (libsinsp of 2022) did where the
//! same text meant something else then; everything only today's language has is accepted
//! too. The differences:
//!
//! * string escapes in values: only `\\`, `\"` and `\xHH`; any other backslash pair is kept
//!   as written;
//! * `<`, `<=`, `>`, `>=` take any value (a string field compares as text), where today's
//!   parser wants a number;
//! * unknown event type names in `evt.type` checks match nothing instead of being an error
//!   (a [`Schema::strict_event_types`] decision of the event source).
//!
//! ```
//! use strata_filter::{compile, parse, FieldError, FieldSpec, Record, Schema, Type, Value};
//!
//! struct Fields;
//! impl Schema for Fields {
//!     type Field = ();
//!     fn resolve(&self, name: &str, _: Option<&str>) -> Result<FieldSpec<()>, FieldError> {
//!         if name == "fd.name" { Ok(FieldSpec::new((), Type::Charbuf)) } else { Err(FieldError::Unknown) }
//!     }
//!     fn names(&self) -> Vec<String> { vec!["fd.name".into()] }
//! }
//! struct Open(&'static str);
//! impl Record for Open {
//!     type Field = ();
//!     fn extract(&mut self, _: &(), each: &mut dyn FnMut(Value<'_>) -> bool) -> bool {
//!         each(Value::Bytes(self.0.as_bytes()));
//!         true
//!     }
//! }
//!
//! let program = compile(&Fields, &parse("fd.name glob '/etc/*' and not fd.name endswith .conf")?)?;
//! assert!(program.matches(&mut Open("/etc/passwd")));
//! assert!(!program.matches(&mut Open("/etc/ld.so.conf")));
//!
//! let text = "fd.nmae = x";
//! let err = compile(&Fields, &parse(text)?).unwrap_err();
//! assert_eq!(err.render(text), "unknown field \"fd.nmae\"; did you mean \"fd.name\"?\nfd.nmae = x\n^^^^^^^");
//! # Ok::<(), strata_filter::Error>(())
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod ast;
mod compile;
mod error;
mod glob;
mod legacy;
mod lex;
mod parse;
mod program;
mod schema;
mod value;

pub use compile::{Warning, compile};
pub use error::{Error, Stage};
pub use parse::{ParseOptions, parse, parse_with};
pub use program::{EventTypes, Program};
pub use schema::{FieldError, FieldSpec, Multi, Schema, Type};
pub use value::{Owned, Record, Value};

/// Which era's reading of the language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
#[non_exhaustive]
pub enum Dialect {
    /// libsinsp 0.25 (Falco, sysdig and Stratoshark today).
    #[default]
    Libsinsp,
    /// sysdig 0.29.3 (libsinsp of 2022): see the crate docs for what differs.
    Sysdig029,
}
