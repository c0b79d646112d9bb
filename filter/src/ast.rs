//! The syntax tree of a filter, every node with the byte span of its text.
//!
//! It is what [`parse`](crate::parse) returns and [`compile`](crate::compile) reads. A caller
//! can also build or rewrite one (Falco substitutes macros on it), and print it back with
//! [`Display`](std::fmt::Display), which quotes values as libsinsp's `as_string` does.

use std::fmt;
use std::ops::Range;

/// A byte range of the filter text.
pub type Span = Range<usize>;

/// A boolean expression.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Expr {
    /// All of the children (two or more).
    And(Vec<Expr>, Span),
    /// Any of the children (two or more).
    Or(Vec<Expr>, Span),
    /// The negation of the child.
    Not(Box<Expr>, Span),
    /// A name that is not a field: a macro reference, for a layer above to substitute.
    Ident(String, Span),
    /// A comparison.
    Check(Box<Check>),
}

impl Expr {
    /// The span of the expression's text.
    pub fn span(&self) -> Span {
        match self {
            Expr::And(_, s) | Expr::Or(_, s) | Expr::Not(_, s) | Expr::Ident(_, s) => s.clone(),
            Expr::Check(c) => c.span.clone(),
        }
    }

    /// Moves every span of the tree `by` bytes on: for a layer that splices trees parsed
    /// from several texts into one (Falco's macros) and keeps each text at its own offset,
    /// so that an error's span still says which text, and where in it.
    pub fn offset_spans(&mut self, by: usize) {
        fn sp(s: &mut Span, by: usize) {
            s.start += by;
            s.end += by;
        }
        fn field(f: &mut Field, by: usize) {
            sp(&mut f.span, by);
        }
        fn transform(t: &mut Transform, by: usize) {
            sp(&mut t.span, by);
            for a in &mut t.args {
                targ(a, by);
            }
        }
        fn targ(a: &mut TArg, by: usize) {
            match a {
                TArg::Field(f) => field(f, by),
                TArg::Transform(t) => transform(t, by),
                TArg::Value(_, s) => sp(s, by),
                TArg::List(items, s) => {
                    sp(s, by);
                    for i in items {
                        targ(i, by);
                    }
                }
            }
        }
        fn operand(o: &mut Operand, by: usize) {
            match o {
                Operand::Field(f) => field(f, by),
                Operand::Transform(t) => transform(t, by),
            }
        }
        match self {
            Expr::And(c, s) | Expr::Or(c, s) => {
                sp(s, by);
                for x in c {
                    x.offset_spans(by);
                }
            }
            Expr::Not(x, s) => {
                sp(s, by);
                x.offset_spans(by);
            }
            Expr::Ident(_, s) => sp(s, by),
            Expr::Check(c) => {
                sp(&mut c.span, by);
                sp(&mut c.op_span, by);
                operand(&mut c.left, by);
                match &mut c.right {
                    Rhs::None => {}
                    Rhs::Value(_, s) | Rhs::ListName(_, s) => sp(s, by),
                    Rhs::List(items, s) => {
                        sp(s, by);
                        for (_, s) in items {
                            sp(s, by);
                        }
                    }
                    Rhs::Operand(o) => operand(o, by),
                }
            }
        }
    }
}

/// `LEFT OP [MODIFIER] RIGHT`, or `LEFT exists`.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    /// The field, or a transformer of fields, that is compared.
    pub left: Operand,
    /// The operator.
    pub op: Op,
    /// `oneof`, `anyof` or `allof` after a string operator.
    pub modifier: Option<Modifier>,
    /// What it is compared with.
    pub right: Rhs,
    /// The whole check.
    pub span: Span,
    /// The operator's text.
    pub op_span: Span,
}

/// A field reference: `proc.name`, `proc.aname[2]`, `evt.arg.fd`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// The name as written (an argument after a dot is part of it: `evt.arg.fd`).
    pub name: String,
    /// The text in brackets, unescaped; `Some("")` for `name[""]`.
    pub arg: Option<String>,
    /// The reference's text.
    pub span: Span,
}

/// A transformer applied to arguments: `tolower(proc.name)`, `join(",", proc.args)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Transform {
    /// Which transformer.
    pub func: Func,
    /// Its arguments.
    pub args: Vec<TArg>,
    /// `getopt(...)[o]`: the argument in brackets after it.
    pub arg: Option<String>,
    /// The transformer's text.
    pub span: Span,
}

/// An argument of a transformer.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum TArg {
    /// A field.
    Field(Field),
    /// A nested transformer.
    Transform(Transform),
    /// A quoted string (its bytes, unescaped) or a number.
    Value(Vec<u8>, Span),
    /// A parenthesised list of the other kinds.
    List(Vec<TArg>, Span),
}

/// The left side of a check, or a field on the right side.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Operand {
    /// A field.
    Field(Field),
    /// A transformer (or `val(field)`).
    Transform(Transform),
}

impl Operand {
    /// The operand's text span.
    pub fn span(&self) -> Span {
        match self {
            Operand::Field(f) => f.span.clone(),
            Operand::Transform(t) => t.span.clone(),
        }
    }
}

/// The right side of a check.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Rhs {
    /// Nothing (`exists`).
    None,
    /// One value: its bytes, unescaped (`"\xff"` is one byte).
    Value(Vec<u8>, Span),
    /// `(a, b, c)`: values with their spans, and the list's span.
    List(Vec<(Vec<u8>, Span)>, Span),
    /// A list given by name (`in shell_binaries`), for a layer above to substitute.
    ListName(String, Span),
    /// A field (`val(proc.pid)`) or a transformer.
    Operand(Operand),
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Op {
    /// `=` or `==`.
    Eq,
    /// `!=`.
    Ne,
    /// `<`.
    Lt,
    /// `<=`.
    Le,
    /// `>`.
    Gt,
    /// `>=`.
    Ge,
    /// `contains`.
    Contains,
    /// `icontains`.
    IContains,
    /// `bcontains` (hex right side).
    BContains,
    /// `startswith`.
    StartsWith,
    /// `bstartswith` (hex right side).
    BStartsWith,
    /// `endswith`.
    EndsWith,
    /// `glob`.
    Glob,
    /// `iglob`.
    IGlob,
    /// `regex`.
    Regex,
    /// `in`.
    In,
    /// `intersects`.
    Intersects,
    /// `pmatch`.
    PMatch,
    /// `exists`.
    Exists,
}

impl Op {
    /// The operator as written (`=` for both `=` and `==`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Ne => "!=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Contains => "contains",
            Op::IContains => "icontains",
            Op::BContains => "bcontains",
            Op::StartsWith => "startswith",
            Op::BStartsWith => "bstartswith",
            Op::EndsWith => "endswith",
            Op::Glob => "glob",
            Op::IGlob => "iglob",
            Op::Regex => "regex",
            Op::In => "in",
            Op::Intersects => "intersects",
            Op::PMatch => "pmatch",
            Op::Exists => "exists",
        }
    }

    /// Whether the right side is a list (`in`, `intersects`, `pmatch`).
    pub const fn takes_list(self) -> bool {
        matches!(self, Op::In | Op::Intersects | Op::PMatch)
    }
}

/// `oneof`, `anyof`, `allof`: how many values of the list must satisfy the operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Modifier {
    /// Exactly one.
    OneOf,
    /// At least one.
    AnyOf,
    /// All (and the list is not empty).
    AllOf,
}

impl Modifier {
    /// The modifier as written.
    pub const fn as_str(self) -> &'static str {
        match self {
            Modifier::OneOf => "oneof",
            Modifier::AnyOf => "anyof",
            Modifier::AllOf => "allof",
        }
    }
}

/// A transformer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Func {
    /// `val(field)`: the field itself, on the right side.
    Val,
    /// `tolower`.
    ToLower,
    /// `toupper`.
    ToUpper,
    /// `b64`: base64 decoding.
    B64,
    /// `basename`.
    Basename,
    /// `len`.
    Len,
    /// `join(separator, list)`.
    Join,
    /// `concat(a, b, ...)`.
    Concat,
    /// `getopt(args, optstring)[opt]`.
    Getopt,
}

impl Func {
    /// The transformer's name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Func::Val => "val",
            Func::ToLower => "tolower",
            Func::ToUpper => "toupper",
            Func::B64 => "b64",
            Func::Basename => "basename",
            Func::Len => "len",
            Func::Join => "join",
            Func::Concat => "concat",
            Func::Getopt => "getopt",
        }
    }
}

/// Writes value `s` so that the parser reads it back: bare when it can be, else quoted with
/// `"` and escaped (libsinsp's `escape_str`, plus `\xHH` for bytes that are not UTF-8 text).
pub fn write_value(f: &mut impl fmt::Write, s: &[u8]) -> fmt::Result {
    let text = std::str::from_utf8(s).ok();
    let needs = text.is_none()
        || s.is_empty()
        || s.iter().any(|&c| {
            matches!(
                c,
                b'\x08'
                    | b'\x0b'
                    | b'\x0c'
                    | b'\n'
                    | b'\r'
                    | b'\t'
                    | b' '
                    | b'='
                    | b'\\'
                    | b'"'
                    | b'\''
                    | b'('
                    | b')'
                    | b','
                    | 0
            )
        });
    if !needs {
        return f.write_str(text.unwrap_or_default());
    }
    f.write_char('"')?;
    for chunk in s.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\x08' => f.write_str("\\b")?,
                '\x0c' => f.write_str("\\f")?,
                '\n' => f.write_str("\\n")?,
                '\r' => f.write_str("\\r")?,
                '\t' => f.write_str("\\t")?,
                // Not `\\\\`: libsinsp's lexer never ends a quoted string at a quote that
                // follows a backslash, so a value ending in one could not be read back.
                '\\' => f.write_str("\\x5c")?,
                '"' => f.write_str("\\\"")?,
                '\0' => f.write_str("\\x00")?,
                '\x0b' => f.write_str("\\x0b")?,
                c => f.write_char(c)?,
            }
        }
        for b in chunk.invalid() {
            write!(f, "\\x{b:02x}")?;
        }
    }
    f.write_char('"')
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)?;
        if let Some(a) = &self.arg {
            f.write_char('[')?;
            if a.is_empty() || a.contains(['[', ']', '"', '\'', ' ', '\t', '\n', '\r', '\\']) {
                write_value(f, a.as_bytes())?;
            } else {
                f.write_str(a)?;
            }
            f.write_char(']')?;
        }
        Ok(())
    }
}

use std::fmt::Write as _;

impl fmt::Display for TArg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TArg::Field(x) => x.fmt(f),
            TArg::Transform(t) => t.fmt(f),
            TArg::Value(v, _) => {
                // Numbers print bare, strings quoted: a transformer argument is a quoted string.
                if !v.is_empty() && v.iter().all(|c| c.is_ascii_digit()) {
                    f.write_str(std::str::from_utf8(v).unwrap_or_default())
                } else {
                    f.write_char('"')?;
                    let mut tmp = String::new();
                    write_value(&mut tmp, v)?;
                    let inner = tmp
                        .strip_prefix('"')
                        .and_then(|t| t.strip_suffix('"'))
                        .unwrap_or(&tmp);
                    f.write_str(inner)?;
                    f.write_char('"')
                }
            }
            TArg::List(items, _) => {
                f.write_char('(')?;
                for (i, a) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    a.fmt(f)?;
                }
                f.write_char(')')
            }
        }
    }
}

impl fmt::Display for Transform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}(", self.func.as_str())?;
        for (i, a) in self.args.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            a.fmt(f)?;
        }
        f.write_char(')')?;
        if let Some(a) = &self.arg {
            f.write_char('[')?;
            write_value(f, a.as_bytes())?;
            f.write_char(']')?;
        }
        Ok(())
    }
}

impl fmt::Display for Operand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Operand::Field(x) => x.fmt(f),
            Operand::Transform(t) => t.fmt(f),
        }
    }
}

impl fmt::Display for Expr {
    /// The expression in the filter language, fully parenthesised, so that parsing the text
    /// gives the same tree (spans aside).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::And(c, _) | Expr::Or(c, _) => {
                let word = if matches!(self, Expr::And(..)) {
                    " and "
                } else {
                    " or "
                };
                f.write_char('(')?;
                for (i, e) in c.iter().enumerate() {
                    if i > 0 {
                        f.write_str(word)?;
                    }
                    e.fmt(f)?;
                }
                f.write_char(')')
            }
            // Parenthesised: `not not x` would read back as `x`.
            Expr::Not(e, _) => write!(f, "not ({e})"),
            Expr::Ident(n, _) => f.write_str(n),
            Expr::Check(c) => {
                write!(f, "{} {}", c.left, c.op.as_str())?;
                if let Some(m) = c.modifier {
                    write!(f, " {}", m.as_str())?;
                }
                match &c.right {
                    Rhs::None => Ok(()),
                    Rhs::Value(v, _) => {
                        f.write_char(' ')?;
                        write_value(f, v)
                    }
                    Rhs::List(items, _) => {
                        f.write_str(" (")?;
                        for (i, (v, _)) in items.iter().enumerate() {
                            if i > 0 {
                                f.write_str(", ")?;
                            }
                            write_value(f, v)?;
                        }
                        f.write_char(')')
                    }
                    Rhs::ListName(n, _) => write!(f, " {n}"),
                    Rhs::Operand(o) => match o {
                        Operand::Field(x) => write!(f, " val({x})"),
                        Operand::Transform(t) => write!(f, " {t}"),
                    },
                }
            }
        }
    }
}
