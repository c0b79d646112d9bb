//! Text to [`Expr`]: libsinsp's grammar, by recursive descent with a depth bound.
//!
//! ```text
//! Filter    ::= Or
//! Or        ::= And { 'or' (Blank And | '(' Or ')') }
//! And       ::= Not { 'and' (Blank Not | '(' Or ')') }
//! Not       ::= { 'not' Blank } ( 'not(' Or ')' | Check )
//! Check     ::= '(' Or ')' | Operand Condition | Identifier
//! Operand   ::= FieldName [ '[' Arg ']' ] | Transformer
//! Condition ::= 'exists' | NumOp (Number | RhsOperand) | StrOp [Modifier List] (Value | RhsOperand)
//!             | ListOp (List | Identifier | RhsOperand)
//! ```
//!
//! `not` binds tighter than `and`, `and` tighter than `or`; `and`/`or` chains are flattened
//! into one node.

use crate::ast::{Check, Expr, Field, Func, Modifier, Op, Operand, Rhs, TArg, Transform};
use crate::lex::Lexer;
use crate::{Dialect, Error};

/// How to parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ParseOptions {
    /// How deep the parser may recurse before it refuses the filter (libsinsp: 100; each
    /// parenthesis costs five levels, as in libsinsp).
    pub max_depth: u32,
    /// Which era's spelling of the language to accept.
    pub dialect: Dialect,
}

impl Default for ParseOptions {
    fn default() -> Self {
        ParseOptions {
            max_depth: 100,
            dialect: Dialect::Libsinsp,
        }
    }
}

impl ParseOptions {
    /// The options with `dialect`.
    pub fn with_dialect(mut self, dialect: Dialect) -> Self {
        self.dialect = dialect;
        self
    }

    /// The options with a different depth bound.
    pub fn with_max_depth(mut self, max_depth: u32) -> Self {
        self.max_depth = max_depth;
        self
    }
}

/// Parses a filter with the default options (libsinsp 0.25's language).
///
/// ```
/// use strata_filter::{parse, ast::Expr};
/// let e = parse("proc.name = bash and not fd.name contains /etc").unwrap();
/// assert!(matches!(e, Expr::And(ref c, _) if c.len() == 2));
/// assert_eq!(e.to_string(), "(proc.name = bash and not (fd.name contains /etc))");
/// ```
pub fn parse(text: &str) -> Result<Expr, Error> {
    parse_with(text, ParseOptions::default())
}

/// Parses a filter. In [`Dialect::Sysdig029`], the text is read as sysdig 0.29.3 read it
/// when that reading accepts it, else with today's grammar.
pub fn parse_with(text: &str, opts: ParseOptions) -> Result<Expr, Error> {
    if opts.dialect == Dialect::Sysdig029 {
        if let Ok(e) = crate::legacy::parse_legacy(text, opts.max_depth) {
            return Ok(e);
        }
    }
    if text.is_empty() {
        return Err(Error::syntax("filter input string is empty", 0));
    }
    let mut p = Parser {
        lx: Lexer::new(text),
        opts,
        depth: 0,
        last: String::new(),
    };
    let e = p.or()?;
    if !p.lx.at_end() {
        return Err(p.err(format!(
            "unexpected token after '{}', expecting 'or', 'and'",
            p.last
        )));
    }
    Ok(e)
}

struct Parser<'t> {
    lx: Lexer<'t>,
    opts: ParseOptions,
    depth: u32,
    /// The last token read, for messages.
    last: String,
}

const TRANSFORMERS: [(&str, Func); 8] = [
    ("tolower(", Func::ToLower),
    ("toupper(", Func::ToUpper),
    ("b64(", Func::B64),
    ("basename(", Func::Basename),
    ("len(", Func::Len),
    ("join(", Func::Join),
    ("concat(", Func::Concat),
    ("getopt(", Func::Getopt),
];

const OPERATORS: &str = "'exists', '<=', '<', '>=', '>', '==', '=', '!=', 'glob', 'iglob', \
'contains', 'icontains', 'bcontains', 'startswith', 'bstartswith', 'endswith', 'regex', \
'intersects', 'in', 'pmatch'";

const TRANSFORMER_NAMES: &str =
    "'val', 'tolower', 'toupper', 'b64', 'basename', 'len', 'join', 'concat', 'getopt'";

impl<'t> Parser<'t> {
    fn err(&self, msg: impl Into<String>) -> Error {
        Error::syntax(msg, self.lx.pos)
    }

    fn enter(&mut self) -> Result<(), Error> {
        self.depth += 1;
        if self.depth >= self.opts.max_depth {
            return Err(self.err(format!(
                "exceeded max depth limit of {}",
                self.opts.max_depth
            )));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    fn token(&mut self, s: &str) -> bool {
        if self.lx.lit(s) {
            self.last.clear();
            self.last.push_str(s);
            true
        } else {
            false
        }
    }

    fn got(&mut self, s: Option<&str>) -> Option<String> {
        let s = s?;
        self.last.clear();
        self.last.push_str(s);
        Some(s.to_string())
    }

    fn or(&mut self) -> Result<Expr, Error> {
        self.chain("or", Self::and, Expr::Or)
    }

    fn and(&mut self) -> Result<Expr, Error> {
        self.chain("and", Self::not, Expr::And)
    }

    /// `next { word (Blank next | '(' Or ')') }`, flattened into one `make` node.
    fn chain(
        &mut self,
        word: &'static str,
        next: fn(&mut Self) -> Result<Expr, Error>,
        make: fn(Vec<Expr>, crate::ast::Span) -> Expr,
    ) -> Result<Expr, Error> {
        self.enter()?;
        let start = self.lx.pos;
        self.lx.blank();
        let mut children = vec![next(self)?];
        self.lx.blank();
        while self.token(word) {
            let child = if self.lx.blank() {
                next(self)?
            } else if self.token("(") {
                self.embedded()?
            } else {
                return Err(self.err(format!("expected blank or '(' after '{word}'")));
            };
            children.push(child);
            self.lx.blank();
        }
        self.leave();
        Ok(if children.len() == 1 {
            children.pop().expect("one child")
        } else {
            make(children, start..self.lx.pos)
        })
    }

    fn not(&mut self) -> Result<Expr, Error> {
        self.enter()?;
        self.lx.blank();
        let start = self.lx.pos;
        let mut negate = false;
        loop {
            let save = self.lx.pos;
            if self.lx.lit("not")
                && self.lx.peek() != 0
                && matches!(
                    self.lx.peek(),
                    b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r'
                )
            {
                while matches!(
                    self.lx.peek(),
                    b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r'
                ) {
                    self.lx.pos += 1;
                }
                negate = !negate;
                self.last = "not".into();
                continue;
            }
            self.lx.pos = save;
            break;
        }
        let child = if self.token("not(") {
            negate = !negate;
            self.embedded()?
        } else {
            self.check()?
        };
        self.leave();
        Ok(if negate {
            Expr::Not(Box::new(child), start..self.lx.pos)
        } else {
            child
        })
    }

    /// After a `(`: an expression and its `)`.
    fn embedded(&mut self) -> Result<Expr, Error> {
        self.enter()?;
        self.lx.blank();
        let e = self.or()?;
        self.lx.blank();
        if !self.token(")") {
            return Err(self.err("expected a ')' token"));
        }
        self.leave();
        Ok(e)
    }

    fn check(&mut self) -> Result<Expr, Error> {
        self.enter()?;
        self.lx.blank();
        let start = self.lx.pos;
        let e = if self.token("(") {
            self.embedded()?
        } else if let Some(name) = self.lx.field_name() {
            let name = self.got(Some(name)).unwrap_or_default();
            let f = self.field_rest(name, start)?;
            self.condition(Operand::Field(f), start)?
        } else if let Some(func) = self.transformer_open() {
            self.lx.blank();
            let t = self.transform_rest(func, start)?;
            self.condition(Operand::Transform(t), start)?
        } else if let Some(id) = self.lx.identifier() {
            let id = self.got(Some(id)).unwrap_or_default();
            Expr::Ident(id, start..self.lx.pos)
        } else {
            return Err(self.err("expected a '(' token, a field check, or an identifier"));
        };
        self.leave();
        Ok(e)
    }

    fn transformer_open(&mut self) -> Option<Func> {
        for (s, f) in TRANSFORMERS {
            if self.token(s) {
                return Some(f);
            }
        }
        None
    }

    fn field_rest(&mut self, name: String, start: usize) -> Result<Field, Error> {
        self.enter()?;
        let arg = self.optional_arg()?;
        self.leave();
        Ok(Field {
            name,
            arg,
            span: start..self.lx.pos,
        })
    }

    fn optional_arg(&mut self) -> Result<Option<String>, Error> {
        if !self.token("[") {
            return Ok(None);
        }
        let arg = match self.lx.quoted()? {
            Some(q) => String::from_utf8_lossy(&q).into_owned(),
            None => match self.lx.field_arg_bare() {
                Some(s) => s.to_string(),
                None => {
                    return Err(self
                        .err("expected a valid field argument: a quoted string or a bare string"));
                }
            },
        };
        self.last = arg.clone();
        if !self.token("]") {
            return Err(self.err("expected a ']' token"));
        }
        Ok(Some(arg))
    }

    /// After `name(`: the arguments, `)` and an optional `[arg]`.
    fn transform_rest(&mut self, func: Func, start: usize) -> Result<Transform, Error> {
        self.enter()?;
        self.lx.blank();
        let mut args = Vec::new();
        loop {
            args.push(self.transform_arg()?);
            self.lx.blank();
            if !self.token(",") {
                break;
            }
        }
        self.lx.blank();
        if !self.token(")") {
            return Err(self.err("expected a ')' token closing the transformer"));
        }
        let arg = self.optional_arg()?;
        self.leave();
        Ok(Transform {
            func,
            args,
            arg,
            span: start..self.lx.pos,
        })
    }

    fn transform_arg(&mut self) -> Result<TArg, Error> {
        self.enter()?;
        self.lx.blank();
        let start = self.lx.pos;
        let a = if let Some(n) = self.lx.hex_number().or_else(|| self.lx.number()) {
            TArg::Value(n.as_bytes().to_vec(), start..self.lx.pos)
        } else if let Some(q) = self.lx.quoted()? {
            TArg::Value(q, start..self.lx.pos)
        } else if self.token("(") {
            self.transform_list(start)?
        } else if let Some(func) = self.transformer_open() {
            TArg::Transform(self.transform_rest(func, start)?)
        } else if let Some(name) = self.lx.field_name() {
            let name = self.got(Some(name)).unwrap_or_default();
            TArg::Field(self.field_rest(name, start)?)
        } else {
            return Err(self.err(
                "expected field transformer argument: field, transformer, quoted string, number, or transformer list",
            ));
        };
        self.leave();
        Ok(a)
    }

    /// After a `(` inside a transformer's arguments.
    fn transform_list(&mut self, start: usize) -> Result<TArg, Error> {
        let mut items = Vec::new();
        self.lx.blank();
        if self.token(")") {
            return Ok(TArg::List(items, start..self.lx.pos));
        }
        loop {
            self.lx.blank();
            let at = self.lx.pos;
            let item = if let Some(name) = self.lx.field_name() {
                let name = self.got(Some(name)).unwrap_or_default();
                TArg::Field(self.field_rest(name, at)?)
            } else if let Some(func) = self.transformer_open() {
                self.lx.blank();
                TArg::Transform(self.transform_rest(func, at)?)
            } else if let Some(q) = self.lx.quoted()? {
                TArg::Value(q, at..self.lx.pos)
            } else if let Some(n) = self.lx.hex_number().or_else(|| self.lx.number()) {
                TArg::Value(n.as_bytes().to_vec(), at..self.lx.pos)
            } else {
                return Err(self.err(
                    "expected transformer list argument: field, transformer, quoted string, or number",
                ));
            };
            items.push(item);
            self.lx.blank();
            if !self.token(",") {
                break;
            }
        }
        if !self.token(")") {
            return Err(self.err("expected ')'"));
        }
        Ok(TArg::List(items, start..self.lx.pos))
    }

    fn condition(&mut self, left: Operand, start: usize) -> Result<Expr, Error> {
        self.enter()?;
        self.lx.blank();
        let op_start = self.lx.pos;
        let mut modifier = None;
        let (op, right) = if self.token("exists") {
            (Op::Exists, Rhs::None)
        } else if let Some(op) = self.num_op() {
            (op, self.num_value_or_operand()?)
        } else if let Some(op) = self.str_op() {
            let symbol = matches!(op, Op::Eq | Op::Ne);
            let had_blank = !symbol || self.lx.blank();
            let save = (self.lx.pos, self.last.clone());
            let m = if had_blank { self.modifier() } else { None };
            if let Some(m) = m.filter(|_| self.list_follows() && !self.bool_keyword_follows()) {
                modifier = Some(m);
                (op, self.list_value()?)
            } else {
                (self.lx.pos, self.last) = save;
                (op, self.str_value_or_operand()?)
            }
        } else if let Some(op) = self.list_op() {
            (op, self.list_value_or_operand()?)
        } else {
            return Err(self.err(format!(
                "expected a valid check operator: one of {OPERATORS}"
            )));
        };
        let op_span = op_start..op_start + op_len(op);
        self.leave();
        Ok(Expr::Check(Box::new(Check {
            left,
            op,
            modifier,
            right,
            span: start..self.lx.pos,
            op_span,
        })))
    }

    fn num_op(&mut self) -> Option<Op> {
        for (s, op) in [("<=", Op::Le), ("<", Op::Lt), (">=", Op::Ge), (">", Op::Gt)] {
            if self.token(s) {
                return Some(op);
            }
        }
        None
    }

    fn str_op(&mut self) -> Option<Op> {
        for (s, op) in [("==", Op::Eq), ("=", Op::Eq), ("!=", Op::Ne)] {
            if self.token(s) {
                return Some(op);
            }
        }
        for (s, op) in [
            ("glob", Op::Glob),
            ("iglob", Op::IGlob),
            ("contains", Op::Contains),
            ("icontains", Op::IContains),
            ("bcontains", Op::BContains),
            ("startswith", Op::StartsWith),
            ("bstartswith", Op::BStartsWith),
            ("endswith", Op::EndsWith),
            ("regex", Op::Regex),
        ] {
            if self.lx.word_then_blank(s) {
                self.last = s.into();
                return Some(op);
            }
        }
        None
    }

    fn modifier(&mut self) -> Option<Modifier> {
        for (s, m) in [
            ("oneof", Modifier::OneOf),
            ("anyof", Modifier::AnyOf),
            ("allof", Modifier::AllOf),
        ] {
            if self.lx.word_then_blank(s) {
                self.last = s.into();
                return Some(m);
            }
        }
        None
    }

    fn list_follows(&self) -> bool {
        self.lx.peek() == b'(' || self.lx.identifier_follows()
    }

    fn bool_keyword_follows(&self) -> bool {
        let rest = &self.lx.text.as_bytes()[self.lx.pos..];
        ["and", "or", "not"].iter().any(|kw| {
            rest.starts_with(kw.as_bytes())
                && rest
                    .get(kw.len())
                    .is_none_or(|c| !c.is_ascii_alphanumeric())
        })
    }

    fn list_op(&mut self) -> Option<Op> {
        for (s, op) in [
            ("intersects", Op::Intersects),
            ("in", Op::In),
            ("pmatch", Op::PMatch),
        ] {
            if self.token(s) {
                return Some(op);
            }
        }
        None
    }

    fn value(&mut self) -> Result<Option<Vec<u8>>, Error> {
        if let Some(q) = self.lx.quoted()? {
            self.last = String::from_utf8_lossy(&q).into_owned();
            return Ok(Some(q));
        }
        let b = self.lx.bare_string();
        Ok(self.got(b).map(String::into_bytes))
    }

    fn num_value_or_operand(&mut self) -> Result<Rhs, Error> {
        self.enter()?;
        self.lx.blank();
        let start = self.lx.pos;
        if let Some(o) = self.rhs_operand()? {
            self.leave();
            return Ok(Rhs::Operand(o));
        }
        let Some(n) = self.lx.hex_number().or_else(|| self.lx.number()) else {
            return Err(self.err(format!(
                "expected a number value or a field with a valid transformer: {TRANSFORMER_NAMES}"
            )));
        };
        let n = self.got(Some(n)).unwrap_or_default();
        self.leave();
        Ok(Rhs::Value(n.into_bytes(), start..self.lx.pos))
    }

    fn str_value_or_operand(&mut self) -> Result<Rhs, Error> {
        self.enter()?;
        self.lx.blank();
        let start = self.lx.pos;
        if let Some(o) = self.rhs_operand()? {
            self.leave();
            return Ok(Rhs::Operand(o));
        }
        let Some(v) = self.value()? else {
            return Err(self.err(format!(
                "expected a string value or a field with a valid transformer: {TRANSFORMER_NAMES}"
            )));
        };
        self.leave();
        Ok(Rhs::Value(v, start..self.lx.pos))
    }

    /// `(a, b, c)`, or `None` if no `(` is at the cursor.
    fn try_list(&mut self) -> Result<Option<Rhs>, Error> {
        let start = self.lx.pos;
        if !self.token("(") {
            return Ok(None);
        }
        let mut items = Vec::new();
        self.lx.blank();
        let at = self.lx.pos;
        if let Some(v) = self.value()? {
            items.push((v, at..self.lx.pos));
            self.lx.blank();
            while self.token(",") {
                self.lx.blank();
                let at = self.lx.pos;
                let Some(v) = self.value()? else {
                    return Err(self.err("expected a string value"));
                };
                items.push((v, at..self.lx.pos));
                self.lx.blank();
            }
        }
        if !self.token(")") {
            return Err(self.err("expected a ')' token"));
        }
        Ok(Some(Rhs::List(items, start..self.lx.pos)))
    }

    fn list_value(&mut self) -> Result<Rhs, Error> {
        self.enter()?;
        self.lx.blank();
        let start = self.lx.pos;
        let r = if let Some(l) = self.try_list()? {
            l
        } else if let Some(id) = self.lx.identifier() {
            let id = self.got(Some(id)).unwrap_or_default();
            Rhs::ListName(id, start..self.lx.pos)
        } else {
            return Err(self.err("expected a list or an identifier"));
        };
        self.leave();
        Ok(r)
    }

    fn list_value_or_operand(&mut self) -> Result<Rhs, Error> {
        self.enter()?;
        self.lx.blank();
        let start = self.lx.pos;
        let r = if let Some(l) = self.try_list()? {
            l
        } else if let Some(o) = self.rhs_operand()? {
            Rhs::Operand(o)
        } else if let Some(id) = self.lx.identifier() {
            let id = self.got(Some(id)).unwrap_or_default();
            Rhs::ListName(id, start..self.lx.pos)
        } else {
            return Err(self.err(format!(
                "expected a list, an identifier, or a field with a valid transformer: {TRANSFORMER_NAMES}"
            )));
        };
        self.leave();
        Ok(r)
    }

    /// `val(field)` or a transformer on the right side; `None` if neither is at the cursor.
    fn rhs_operand(&mut self) -> Result<Option<Operand>, Error> {
        self.enter()?;
        self.lx.blank();
        let start = self.lx.pos;
        let r = if self.token("val(") {
            self.lx.blank();
            let at = self.lx.pos;
            let Some(name) = self.lx.field_name() else {
                return Err(self.err("expected a field within 'val' transformer"));
            };
            let name = self.got(Some(name)).unwrap_or_default();
            let f = self.field_rest(name, at)?;
            self.lx.blank();
            if !self.token(")") {
                return Err(self.err("expected a ')' token closing the transformer"));
            }
            let arg = self.optional_arg()?;
            Some(Operand::Transform(Transform {
                func: Func::Val,
                args: vec![TArg::Field(f)],
                arg,
                span: start..self.lx.pos,
            }))
        } else if let Some(func) = self.transformer_open() {
            self.lx.blank();
            Some(Operand::Transform(self.transform_rest(func, start)?))
        } else {
            None
        };
        self.leave();
        Ok(r)
    }
}

fn op_len(op: Op) -> usize {
    op.as_str().len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> String {
        parse(s)
            .unwrap_or_else(|e| panic!("{s:?}: {}", e.render(s)))
            .to_string()
    }

    fn bad(s: &str) -> Error {
        parse(s).expect_err(s)
    }

    #[test]
    fn precedence_and_flattening() {
        assert_eq!(
            ok("a.b=1 or c.d=2 and e.f=3"),
            "(a.b = 1 or (c.d = 2 and e.f = 3))"
        );
        assert_eq!(
            ok("a.b=1 and c.d=2 and e.f=3"),
            "(a.b = 1 and c.d = 2 and e.f = 3)"
        );
        assert_eq!(ok("not not a.b exists"), "a.b exists");
        assert_eq!(ok("not(a.b exists)"), "not (a.b exists)");
        assert_eq!(
            ok("a.b exists and(c.d exists)"),
            "(a.b exists and c.d exists)"
        );
        assert_eq!(ok("x.y existsand m"), "(x.y exists and m)");
        assert_eq!(ok("notb"), "notb");
        assert_eq!(ok("not_macro"), "not_macro");
    }

    #[test]
    fn values() {
        assert_eq!(ok("a.b = not"), "a.b = not");
        assert_eq!(ok("proc.name == oneof"), "proc.name = oneof");
        assert_eq!(ok("a.g in (1, 'a', b.c)"), "a.g in (1, a, b.c)");
        assert_eq!(ok("a.g in ()"), "a.g in ()");
        assert_eq!(ok("a.b pmatch(/x)"), "a.b pmatch (/x)");
        assert_eq!(ok("a.b = 'x y'"), "a.b = \"x y\"");
        assert_eq!(ok("a.b = oneof (x, y)"), "a.b = oneof (x, y)");
        assert_eq!(
            ok("a.b = oneof and c.d exists"),
            "(a.b = oneof and c.d exists)"
        );
        assert_eq!(ok("a.b[1] = x"), "a.b[1] = x");
        assert_eq!(ok("a.b[\"\"] exists"), "a.b[\"\"] exists");
        assert_eq!(ok("a.b < -0.5e+3"), "a.b < -0.5e+3");
        assert_eq!(ok("a.b = val(c.d)"), "a.b = val(c.d)");
        assert_eq!(ok("tolower(a.b) = x"), "tolower(a.b) = x");
        assert_eq!(
            ok("join(',', (a.b, 'x')) = x"),
            "join(\",\", (a.b, \"x\")) = x"
        );
    }

    #[test]
    fn refusals() {
        for s in [
            "",
            "a.b",
            "a.b = (x)",
            "a.b in (x,)",
            "a.b in (,)",
            "a.b in ( 1 ,, , b)",
            "fd.name=/var/lo);g/x",
            "a.b containsvalue",
            "a.b in oneof (x)",
            "a.b exists andb c.d exists",
            "a.b exists aand c.d exists",
            "macro > 12",
            "b64 (a.b) = x",
            "a.b = val(tolower(c.d))",
            "a.b < abc",
            "a.b exists or",
            "(a.b exists",
            "a.b[x",
            "\"a\\q\" = 1",
        ] {
            assert!(parse(s).is_err(), "{s:?} parsed as {:?}", parse(s));
        }
        assert_eq!(bad("").message, "filter input string is empty");
        assert_eq!(bad("a.b exists )").span, 11..11);
    }

    #[test]
    fn depth_is_bounded() {
        let deep = "(".repeat(100_000) + "a.b exists" + &")".repeat(100_000);
        assert!(bad(&deep).message.contains("max depth"));
        let nots = "not ".repeat(100_000) + "a.b exists";
        assert!(parse(&nots).is_ok());
        let ok18 = "(".repeat(18) + "a.b exists" + &")".repeat(18);
        assert!(parse(&ok18).is_ok());
    }
}
