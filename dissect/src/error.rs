//! The crate's one error type: what went wrong compiling a field name or a format, and where.

/// An error from resolving a field name or compiling a format string.
///
/// Positions are byte offsets into the text that was given (the format string, or the field
/// name with its argument), so a caller can point at the offending character.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No registered field has this name.
    #[error("unknown field '{name}' at position {pos}")]
    UnknownField {
        /// The text that was looked up.
        name: String,
        /// Where it starts.
        pos: usize,
    },
    /// The field needs an argument (`proc.aname[2]`, `evt.arg.fd`) and none was given.
    #[error("field '{name}' at position {pos} requires an argument")]
    MissingArgument {
        /// The field's name.
        name: String,
        /// Where the field starts.
        pos: usize,
    },
    /// The field takes no argument of this kind, or the argument does not parse.
    #[error("bad argument for field '{name}' at position {pos}: {reason}")]
    BadArgument {
        /// The field's name.
        name: String,
        /// Where the argument starts.
        pos: usize,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A `%` that is not followed by a field name.
    #[error("invalid formatting token at position {pos}")]
    BadToken {
        /// Where the `%` is.
        pos: usize,
    },
    /// A user field named like a field already registered.
    #[error("cannot register field '{name}': a field of that name exists")]
    DuplicateField {
        /// The name.
        name: String,
    },
    /// A user field whose name is not dot-separated words of `[A-Za-z0-9_-]`.
    #[error("cannot register field '{name}': a field name is dot-separated words of [A-Za-z0-9_-]")]
    BadFieldName {
        /// The name.
        name: String,
    },
}
