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
//! `evt.arg.fd`); transformers `tolower toupper b64 basename len join concat getopt` and `val()` for
//! comparing two fields; the `oneof anyof allof` modifiers. A missing field makes every
//! comparison false, `!=` included; `not` is how to ask for its absence. Nesting is bounded
//! ([`ParseOptions::max_depth`]).
//!
//! # Two eras
//!
//! [`Dialect::Sysdig029`] (given to [`parse_with`], and answered by a schema's
//! [`Schema::dialect`]) reads and compares filters as sysdig 0.29.3 (libsinsp of 2022) did,
//! where the same text meant something else then; everything only today's language has is
//! accepted too. Reading: the text is first read by the 2022 scanner (its rules are on the
//! `legacy` module: keywords found letter by letter, a `not` that does not toggle, no
//! precedence, `==` as `=` with a value starting with `=`, values up to the next blank or
//! bracket with `\\`, `\"` and `\xHH` escapes in all of them, empty values, `in` on
//! `proc.apid` comparing the process's own pid), and only if it refuses the text, by today's
//! grammar. Comparing:
//!
//! * `pmatch` compares path components exactly (today's treats `?`, `*`, `[` as globs);
//! * booleans may be ordered (`evt.failed > false`);
//! * an address and a constant of the other family compare their raw bytes as sysdig 0.29
//!   did (`fd.ip = ::` matches 0.0.0.0); today's: `=` false, `!=` true.
//!
//! Not reproduced (sysdig 0.29 accepted these, today's libsinsp refuses them, and so does
//! this crate): IPv6 networks without a prefix length (`fd.net = 2600::`, which sysdig 0.29
//! read as a /64), and `<`/`>` on addresses.
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
mod substring;
mod value;

pub use compile::{CheckTable, Warning, compile, compile_shared};

/// fnmatch(3) without flags over bytes, as the `glob` operator and libsinsp's
/// `glob_match` (container mounts by path) use it: `*` crosses `/`, `[...]` classes.
///
/// ```
/// assert!(strata_filter::glob_match(b"/var/*", b"/var/lib/x"));
/// assert!(!strata_filter::glob_match(b"/var/?", b"/var/lib"));
/// ```
pub fn glob_match(pattern: &[u8], text: &[u8]) -> bool {
    glob::fnmatch(pattern, text, false)
}
pub use error::{Error, Stage};
pub use parse::{ParseOptions, parse, parse_with};
pub use program::{Answers, EventTypes, Program};
pub use schema::{FieldError, FieldSpec, Multi, Schema, Type};
pub use value::{Owned, Record, Single, Value};

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
