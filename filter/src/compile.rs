//! [`Expr`] to [`Program`]: every field resolved through a [`Schema`], every operator checked
//! against its field's type, every constant parsed once.

use std::ops::Range;

use crate::ast::{Check, Expr, Field, Func, Modifier, Op, Operand, Rhs, TArg, Transform};
use crate::glob::PrefixTree;
use crate::program::{EventTypes, Leaf, Node, Program, Quant, Right, Source};
use crate::schema::{FieldError, FieldSpec, Multi, Schema, Type};
use crate::value::{Owned, parse_constant};
use crate::{Dialect, Error};

/// A remark on a filter that compiles but may not mean what was meant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// What may be wrong.
    pub message: String,
    /// Where, in bytes of the filter text.
    pub span: Range<usize>,
}

/// Compiles `expr` against the fields of `schema`.
///
/// ```
/// use strata_filter::{compile, parse, FieldSpec, FieldError, Record, Schema, Type, Value};
///
/// struct Fields;
/// impl Schema for Fields {
///     type Field = u8;
///     fn resolve(&self, name: &str, _arg: Option<&str>) -> Result<FieldSpec<u8>, FieldError> {
///         match name {
///             "proc.name" => Ok(FieldSpec::new(0, Type::Charbuf)),
///             "proc.pid" => Ok(FieldSpec::new(1, Type::Int(64))),
///             _ => Err(FieldError::Unknown),
///         }
///     }
/// }
/// struct Ev(&'static str, i64);
/// impl Record for Ev {
///     type Field = u8;
///     fn extract(&mut self, f: &u8, each: &mut dyn FnMut(Value<'_>) -> bool) -> bool {
///         each(if *f == 0 { Value::Bytes(self.0.as_bytes()) } else { Value::Int(self.1) });
///         true
///     }
/// }
///
/// let p = compile(&Fields, &parse("proc.name in (bash, sh) and proc.pid > 100").unwrap()).unwrap();
/// assert!(p.matches(&mut Ev("bash", 101)));
/// assert!(!p.matches(&mut Ev("zsh", 101)));
/// let err = compile(&Fields, &parse("proc.pid contains 1").unwrap()).unwrap_err();
/// assert_eq!(err.message, "'contains' operator not supported for numeric filters");
/// ```
pub fn compile<S: Schema>(schema: &S, expr: &Expr) -> Result<Program<S::Field>, Error> {
    compile_with(schema, expr, None)
}

/// [`compile`], with the checks of the program entered in `table`, so that programs compiled
/// into the same table share the answer to a check they have in common (the same text, as
/// `Display` prints it): [`Program::matches_shared`] computes it once per event for all of
/// them. For many rules built from the same macros (Falco's `open_read`, `spawned_process`).
pub fn compile_shared<S: Schema>(
    schema: &S,
    expr: &Expr,
    table: &mut CheckTable,
) -> Result<Program<S::Field>, Error> {
    compile_with(schema, expr, Some(table))
}

fn compile_with<S: Schema>(
    schema: &S,
    expr: &Expr,
    table: Option<&mut CheckTable>,
) -> Result<Program<S::Field>, Error> {
    let mut c = Compiler {
        schema,
        warnings: Vec::new(),
        table,
    };
    let root = c.node(expr)?;
    let types = event_types(schema, expr, false, &root);
    Ok(Program::new(root, types, c.warnings))
}

/// From how many constants an `in` on text is looked up in a set.
const TEXT_SET_MIN: usize = 8;

/// Text as C sees it: up to the first NUL.
fn cstr(b: &[u8]) -> &[u8] {
    memchr::memchr(0, b).map_or(b, |i| &b[..i])
}

struct Compiler<'s, S: Schema> {
    schema: &'s S,
    warnings: Vec<Warning>,
    table: Option<&'s mut CheckTable>,
}

/// Checks of several programs, each text given one slot ([`compile_shared`]).
#[derive(Debug, Clone, Default)]
pub struct CheckTable {
    slots: std::collections::HashMap<String, u32>,
}

impl CheckTable {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many distinct checks it holds.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    fn slot(&mut self, text: String) -> u32 {
        let n = self.slots.len() as u32;
        *self.slots.entry(text).or_insert(n)
    }
}

/// The type and list-ness of a source.
#[derive(Clone, Copy)]
struct Shape {
    ty: Type,
    list: bool,
}

impl<S: Schema> Compiler<'_, S> {
    fn node(&mut self, e: &Expr) -> Result<Node<S::Field>, Error> {
        Ok(match e {
            // `a and (b and c)` is evaluated as `a and b and c` (one step less per level of
            // macros); the order, and so the short-circuit, stays.
            Expr::And(c, _) => {
                let mut flat = Vec::with_capacity(c.len());
                for x in c {
                    match self.node(x)? {
                        Node::And(inner) => flat.extend(inner.into_vec()),
                        other => flat.push(other),
                    }
                }
                Node::And(flat.into())
            }
            Expr::Or(c, _) => {
                let merged = self.merge_alternatives(c);
                let mut flat = Vec::with_capacity(c.len());
                for (i, x) in c.iter().enumerate() {
                    let node = match &merged[i] {
                        Some(Some(check)) => self.node(&Expr::Check(Box::new(check.clone())))?,
                        Some(None) => continue,
                        None => self.node(x)?,
                    };
                    match node {
                        Node::Or(inner) => flat.extend(inner.into_vec()),
                        other => flat.push(other),
                    }
                }
                Node::Or(flat.into())
            }
            Expr::Not(x, _) => Node::Not(Box::new(self.node(x)?)),
            Expr::Ident(name, span) => {
                return Err(Error::check(
                    format!("unexpected identifier '{name}' (an undefined macro?)"),
                    span.clone(),
                ));
            }
            Expr::Check(c) => {
                let mut leaf = self.check(c)?;
                // An `evt.type` lookup costs less than its sharing would.
                if leaf.codes.is_none() {
                    leaf.slot = self.table.as_mut().map(|t| t.slot(e.to_string()));
                }
                Node::Leaf(Box::new(leaf))
            }
        })
    }

    /// Alternatives of an `or` that compare one single-valued text field with one constant by
    /// the same operator (`fd.name startswith /a or fd.name startswith /b`), merged into one
    /// check with `anyof` (`fd.name startswith anyof (/a, /b)`): the field is read once, and
    /// the answer is the same, a missing field included. For each child: `None` to compile it
    /// as it is, `Some(Some(check))` for the merged check at its group's first member,
    /// `Some(None)` for the other members.
    fn merge_alternatives(&mut self, children: &[Expr]) -> Vec<Option<Option<Check>>> {
        let mut out: Vec<Option<Option<Check>>> = vec![None; children.len()];
        let mut groups: Vec<(String, Op, Vec<usize>)> = Vec::new();
        for (i, x) in children.iter().enumerate() {
            let Expr::Check(c) = x else { continue };
            let (Operand::Field(f), Rhs::Value(..), None) = (&c.left, &c.right, c.modifier) else {
                continue;
            };
            if !matches!(
                c.op,
                Op::Eq
                    | Op::StartsWith
                    | Op::EndsWith
                    | Op::Contains
                    | Op::IContains
                    | Op::Glob
                    | Op::IGlob
            ) {
                continue;
            }
            let single_text = self
                .schema
                .resolve(&f.name, f.arg.as_deref())
                .is_ok_and(|spec| {
                    spec.multi == Multi::Single
                        && !spec.event_type
                        && !spec.no_rhs
                        && spec.ops.is_none()
                        && matches!(spec.ty, Type::Charbuf | Type::Fspath)
                });
            if !single_text {
                continue;
            }
            let key = c.left.to_string();
            match groups
                .iter_mut()
                .find(|(k, op, _)| *k == key && *op == c.op)
            {
                Some((_, _, members)) => members.push(i),
                None => groups.push((key, c.op, vec![i])),
            }
        }
        for (_, _, members) in groups.into_iter().filter(|(_, _, m)| m.len() > 1) {
            let Expr::Check(first) = &children[members[0]] else {
                continue;
            };
            let values = members
                .iter()
                .filter_map(|&i| match &children[i] {
                    Expr::Check(c) => match &c.right {
                        Rhs::Value(v, s) => Some((v.clone(), s.clone())),
                        _ => None,
                    },
                    _ => None,
                })
                .collect();
            let merged = Check {
                left: first.left.clone(),
                op: first.op,
                modifier: Some(Modifier::AnyOf),
                right: Rhs::List(values, first.span.clone()),
                span: first.span.clone(),
                op_span: first.op_span.clone(),
            };
            out[members[0]] = Some(Some(merged));
            for &i in &members[1..] {
                out[i] = Some(None);
            }
        }
        out
    }

    fn resolve(&mut self, f: &Field) -> Result<FieldSpec<S::Field>, Error> {
        self.schema
            .resolve(&f.name, f.arg.as_deref())
            .map_err(|e| match e {
                FieldError::Unknown => {
                    let full = f.to_string();
                    let mut msg = format!("unknown field \"{full}\"");
                    if let Some(s) = suggest(&f.name, &self.schema.names()) {
                        msg.push_str(&format!("; did you mean \"{s}\"?"));
                    }
                    Error::check(msg, f.span.clone())
                }
                FieldError::BadArgument(why) => {
                    Error::check(format!("field \"{f}\": {why}"), f.span.clone())
                }
            })
    }

    /// A source with its shape; `plain` is the spec when it is a bare field.
    #[allow(clippy::type_complexity)]
    fn operand(
        &mut self,
        o: &Operand,
    ) -> Result<(Source<S::Field>, Shape, Option<FieldSpec<S::Field>>), Error> {
        match o {
            Operand::Field(f) => {
                let spec = self.resolve(f)?;
                let shape = Shape {
                    ty: spec.ty,
                    list: spec.multi == Multi::List,
                };
                Ok((Source::Field(spec.field.clone()), shape, Some(spec)))
            }
            Operand::Transform(t) => {
                let (s, shape) = self.transform(t)?;
                // `val(field)` is the field itself.
                if t.func == Func::Val {
                    if let [TArg::Field(f)] = t.args.as_slice() {
                        let spec = self.resolve(f)?;
                        return Ok((s, shape, Some(spec)));
                    }
                }
                Ok((s, shape, None))
            }
        }
    }

    fn targ(&mut self, a: &TArg) -> Result<(Source<S::Field>, Shape), Error> {
        match a {
            TArg::Field(f) => {
                let spec = self.resolve(f)?;
                if spec.no_transformer {
                    return Err(Error::check(
                        format!("field '{f}' does not support transformers"),
                        f.span.clone(),
                    ));
                }
                let shape = Shape {
                    ty: spec.ty,
                    list: spec.multi == Multi::List,
                };
                Ok((Source::Field(spec.field), shape))
            }
            TArg::Transform(t) => self.transform(t),
            TArg::Value(v, _) => Ok((
                Source::Const(Owned::Bytes(v.as_slice().into())),
                Shape {
                    ty: Type::Charbuf,
                    list: false,
                },
            )),
            TArg::List(items, span) => {
                let mut v = Vec::with_capacity(items.len());
                for i in items {
                    let (s, shape) = self.targ(i)?;
                    if shape.list {
                        return Err(Error::check(
                            "a transformer list holds single values, not lists",
                            span.clone(),
                        ));
                    }
                    v.push(s);
                }
                Ok((
                    Source::List(v),
                    Shape {
                        ty: Type::Charbuf,
                        list: true,
                    },
                ))
            }
        }
    }

    fn transform(&mut self, t: &Transform) -> Result<(Source<S::Field>, Shape), Error> {
        let name = t.func.as_str();
        let bad = |msg: String| Error::check(msg, t.span.clone());
        if t.arg.is_some() && t.func != Func::Getopt {
            return Err(bad(format!(
                "transformer '{name}' does not take an argument"
            )));
        }
        if t.func == Func::Val {
            let [TArg::Field(f)] = t.args.as_slice() else {
                return Err(bad("'val' takes exactly one field".into()));
            };
            let spec = self.resolve(f)?;
            if spec.no_rhs {
                return Err(Error::check(
                    format!("field '{f}' cannot be compared with another field"),
                    f.span.clone(),
                ));
            }
            let shape = Shape {
                ty: spec.ty,
                list: spec.multi == Multi::List,
            };
            return Ok((Source::Field(spec.field), shape));
        }
        let mut args = Vec::with_capacity(t.args.len());
        let mut shapes = Vec::with_capacity(t.args.len());
        for a in &t.args {
            let (s, sh) = self.targ(a)?;
            args.push(s);
            shapes.push(sh);
        }
        let incompatible = |sh: Shape| {
            bad(format!(
                "field type '{}' is not supported by '{name}' transformer",
                sh.ty
            ))
        };
        let one = |n: usize| -> Result<Shape, Error> {
            if shapes.len() != n {
                return Err(bad(format!(
                    "transformer '{name}' takes {n} argument{}",
                    if n == 1 { "" } else { "s" }
                )));
            }
            Ok(shapes[0])
        };
        let out = match t.func {
            Func::ToLower | Func::ToUpper | Func::Basename => {
                let sh = one(1)?;
                if !sh.ty.is_text() {
                    return Err(incompatible(sh));
                }
                sh
            }
            Func::B64 => {
                let sh = one(1)?;
                if !(sh.ty.is_text() || sh.ty == Type::Bytebuf) {
                    return Err(incompatible(sh));
                }
                sh
            }
            Func::Len => {
                let sh = one(1)?;
                if !(sh.list || sh.ty.is_text() || sh.ty == Type::Bytebuf) {
                    return Err(incompatible(sh));
                }
                Shape {
                    ty: Type::Uint(64),
                    list: false,
                }
            }
            Func::Join => {
                if shapes.len() != 2 {
                    return Err(bad("transformer 'join' takes a separator and a list".into()));
                }
                if shapes[0].list || !shapes[0].ty.is_text() {
                    return Err(bad("the separator of 'join' must be a string".into()));
                }
                if !shapes[1].list || !shapes[1].ty.is_text() {
                    return Err(bad(
                        "the second argument of 'join' must be a list of strings".into(),
                    ));
                }
                Shape {
                    ty: Type::Charbuf,
                    list: false,
                }
            }
            Func::Concat => {
                if shapes.len() < 2 {
                    return Err(bad(
                        "transformer 'concat' takes at least two arguments".into()
                    ));
                }
                if let Some(sh) = shapes.iter().find(|s| s.list || !s.ty.is_text()) {
                    return Err(incompatible(*sh));
                }
                Shape {
                    ty: Type::Charbuf,
                    list: false,
                }
            }
            Func::Getopt => {
                if shapes.len() != 2 {
                    return Err(bad(
                        "transformer 'getopt' takes a list of arguments and an option string"
                            .into(),
                    ));
                }
                if !shapes[0].list
                    || !shapes[0].ty.is_text()
                    || shapes[1].list
                    || !shapes[1].ty.is_text()
                {
                    return Err(bad(
                        "transformer 'getopt' takes a list of strings and a string".into(),
                    ));
                }
                let opt = match &t.arg {
                    Some(o) if o.is_empty() => {
                        return Err(bad("getopt's [option] must name an option".into()));
                    }
                    Some(o) => Some(o.as_bytes().to_vec()),
                    None => None,
                };
                let shape = Shape {
                    ty: Type::Charbuf,
                    list: opt.is_none(),
                };
                let mut it = args.into_iter();
                let (a, o) = (it.next().expect("two"), it.next().expect("two"));
                return Ok((Source::Getopt(Box::new(a), Box::new(o), opt), shape));
            }
            Func::Val => unreachable!("handled above"),
        };
        if t.func == Func::Len && shapes[0].list {
            let arg = args.pop().expect("one argument");
            return Ok((Source::Count(Box::new(arg)), out));
        }
        Ok((Source::Transform(t.func, args), out))
    }

    fn check(&mut self, c: &Check) -> Result<Leaf<S::Field>, Error> {
        let (lhs, shape, spec) = self.operand(&c.left)?;
        let op = c.op;
        let op_err = |msg: String| Error::check(msg, c.op_span.clone());
        let multi = match (&spec, &c.left) {
            (Some(s), Operand::Field(_)) => s.multi,
            _ if shape.list => Multi::List,
            _ => Multi::Single,
        };
        if let (Some(s), Operand::Field(_)) = (&spec, &c.left) {
            if let Some(ops) = s.ops.filter(|ops| !ops.contains(&op)) {
                let names: Vec<String> = ops.iter().map(|o| format!("'{}'", o.as_str())).collect();
                let names = match names.split_last() {
                    Some((last, [])) => format!("the {last} operator"),
                    Some((last, rest)) => format!("the {} and {last} operators", rest.join(", ")),
                    None => "no operator".to_string(),
                };
                return Err(op_err(format!("field '{}' only supports {names}", c.left)));
            }
        }
        let legacy = self.schema.dialect() == Dialect::Sysdig029;
        // sysdig 0.29 ordered booleans as numbers (addresses too, but only until an IPv6
        // socket stopped it with an error: refused here).
        let ordered_2022 = legacy
            && matches!(op, Op::Lt | Op::Le | Op::Gt | Op::Ge)
            && shape.ty == Type::Bool
            && !shape.list;
        if !ordered_2022 {
            comparable(op, c.modifier, shape).map_err(op_err)?;
        }
        let event_type = matches!((&spec, &c.left), (Some(s), Operand::Field(_)) if s.event_type);
        let quant = match multi {
            Multi::List if op == Op::In => Quant::All,
            Multi::Either if op == Op::Ne && c.modifier.is_none() => Quant::All,
            _ => Quant::Any,
        };
        let right = match &c.right {
            Rhs::None => Right::Exists,
            Rhs::Operand(o) => {
                if matches!(op, Op::PMatch | Op::Regex) {
                    return Err(op_err(format!(
                        "operator '{}' cannot compare with a field",
                        op.as_str()
                    )));
                }
                if let Some(s) = &spec {
                    if s.no_rhs {
                        return Err(Error::check(
                            format!("field '{}' cannot be compared with another field", c.left),
                            c.left.span(),
                        ));
                    }
                }
                let (src, rshape, _) = self.operand(o)?;
                let same = rshape.list == shape.list
                    && (rshape.ty == shape.ty || (rshape.ty.is_text() && shape.ty.is_text()));
                if !same || matches!(shape.ty, Type::IpNet | Type::Ipv4Net | Type::Ipv6Net) {
                    return Err(Error::check(
                        format!(
                            "field '{}' has type '{}{}' while the right-hand side field '{}' has incompatible type '{}{}'",
                            c.left,
                            shape.ty,
                            if shape.list { " (list)" } else { "" },
                            o,
                            rshape.ty,
                            if rshape.list { " (list)" } else { "" },
                        ),
                        o.span(),
                    ));
                }
                Right::Source(src)
            }
            Rhs::Value(v, span) => {
                // A single name after a list operator is a one-item list.
                if !op.takes_list() && c.modifier.is_none() {
                    self.warn_field_value(v, span);
                }
                self.constants(op, shape.ty, event_type, &[(v.clone(), span.clone())])?
            }
            Rhs::ListName(n, span) => self.constants(
                op,
                shape.ty,
                event_type,
                &[(n.as_bytes().to_vec(), span.clone())],
            )?,
            Rhs::List(items, _) => {
                if !op.takes_list() && c.modifier.is_none() {
                    return Err(op_err(format!(
                        "operator '{}' does not take a list",
                        op.as_str()
                    )));
                }
                for (v, s) in items {
                    self.warn_field_value(v, s);
                }
                self.constants(op, shape.ty, event_type, items)?
            }
        };
        let right = match (right, op) {
            (Right::Consts(cs), Op::PMatch) => {
                // sysdig 0.29 compared path components exactly; today's take globs.
                let mut t = PrefixTree::new(!legacy);
                for c in cs.iter() {
                    if let Owned::Bytes(b) = c {
                        t.add(b);
                    }
                }
                Right::PMatch(t)
            }
            // A long list of text compared whole: a set (equality up to the first NUL, as
            // C compares it; the original list is kept for the rest).
            (Right::Consts(cs), Op::In | Op::Intersects)
                if c.modifier.is_none()
                    && matches!(shape.ty, Type::Charbuf | Type::Fspath)
                    && cs.len() >= TEXT_SET_MIN =>
            {
                let set = cs
                    .iter()
                    .filter_map(|c| match c {
                        Owned::Bytes(b) => Some(cstr(b).to_vec().into_boxed_slice()),
                        _ => None,
                    })
                    .collect();
                Right::TextSet(Box::new(set), cs)
            }
            // Text constants cut at their first NUL once, as every comparison would cut them.
            (Right::Consts(cs), _) if matches!(shape.ty, Type::Charbuf | Type::Fspath) => {
                Right::Consts(
                    cs.iter()
                        .map(|c| match c {
                            Owned::Bytes(b) => Owned::Bytes(cstr(b).into()),
                            other => other.clone(),
                        })
                        .collect(),
                )
            }
            (r, _) => r,
        };
        let text_consts =
            matches!(shape.ty, Type::Charbuf | Type::Fspath) && matches!(right, Right::Consts(_));
        let codes = (event_type
            && c.modifier.is_none()
            && matches!(op, Op::Eq | Op::Ne | Op::In)
            && self.schema.event_code_count() > 0)
            .then(|| self.code_sets(&c.right))
            .flatten();
        // One field's text against one constant with `=`, `!=` or `contains`: the commonest
        // checks, given a path of their own.
        let one_text = text_consts
            && c.modifier.is_none()
            && matches!(op, Op::Eq | Op::Ne | Op::Contains)
            && matches!(lhs, Source::Field(_))
            && matches!(&right, Right::Consts(cs) if cs.len() == 1 && matches!(cs[0], Owned::Bytes(_)));
        let compares_self =
            matches!((&spec, &c.left), (Some(s), Operand::Field(_)) if s.compares_self);
        let constants_only = match &right {
            Right::Consts(cs) => op.takes_list() || cs.len() == 1,
            Right::TextSet(..) | Right::Exists => true,
            _ => false,
        };
        if compares_self && !constants_only {
            return Err(op_err(format!(
                "field '{}' is compared with constants only",
                c.left
            )));
        }
        // (A searcher built once, not at every event.)
        let finder = match (&right, one_text && op == Op::Contains) {
            (Right::Consts(cs), true) => match &cs[..] {
                [Owned::Bytes(k)] => Some(Box::new(crate::substring::Substring::new(k))),
                _ => None,
            },
            _ => None,
        };
        Ok(Leaf {
            finder,
            codes,
            lhs,
            ty: shape.ty,
            op,
            modifier: c.modifier,
            quant,
            right,
            legacy,
            slot: None,
            text_consts,
            one_text,
            compares_self,
        })
    }

    fn constants(
        &mut self,
        op: Op,
        ty: Type,
        event_type: bool,
        items: &[(Vec<u8>, Range<usize>)],
    ) -> Result<Right<S::Field>, Error> {
        let mut out = Vec::with_capacity(items.len());
        for (v, span) in items {
            let bad = |m: String| Error::check(m, span.clone());
            if event_type && self.schema.strict_event_types() {
                let name = std::str::from_utf8(v).unwrap_or_default();
                if self.schema.event_codes(name).is_none() {
                    return Err(bad(format!(
                        "unknown event type {}",
                        String::from_utf8_lossy(v)
                    )));
                }
            }
            // libsinsp keeps constants in buffers of at most 256 bytes.
            if v.len() > MAX_CONSTANT {
                return Err(bad(format!(
                    "filter parameter too long: {}...",
                    String::from_utf8_lossy(&v[..32])
                )));
            }
            out.push(parse_constant(v, ty, op).map_err(bad)?);
        }
        if op == Op::Regex {
            let mut res = Vec::with_capacity(out.len());
            for (c, (_, span)) in out.iter().zip(items) {
                let Owned::Bytes(b) = c else {
                    continue;
                };
                let pat = String::from_utf8_lossy(b);
                let re = regex::RegexBuilder::new(&format!("^(?:{pat})$"))
                    .size_limit(1 << 20)
                    .build()
                    .map_err(|e| {
                        Error::check(format!("invalid regex pattern: {e}"), span.clone())
                    })?;
                res.push(re);
            }
            return Ok(Right::Regex(res.into_boxed_slice()));
        }
        Ok(Right::Consts(out.into_boxed_slice()))
    }

    /// The codes an event-type check's values name, and the uncertain codes; `None` when a
    /// value names none the schema knows (the check then compares names).
    #[allow(clippy::type_complexity)]
    fn code_sets(&self, right: &Rhs) -> Option<Box<(EventTypes, EventTypes)>> {
        let n = self.schema.event_code_count();
        let values: Vec<&[u8]> = match right {
            Rhs::Value(v, _) => vec![v],
            Rhs::List(items, _) => items.iter().map(|(v, _)| &v[..]).collect(),
            Rhs::ListName(v, _) => vec![v.as_bytes()],
            _ => return None,
        };
        let mut named = EventTypes::none(n);
        for v in values {
            for code in self.schema.event_codes(std::str::from_utf8(v).ok()?)? {
                named.insert(code);
            }
        }
        let mut uncertain = EventTypes::none(n);
        for code in self.schema.uncertain_event_codes() {
            uncertain.insert(code);
        }
        Some(Box::new((named, uncertain)))
    }

    fn warn_field_value(&mut self, v: &[u8], span: &Range<usize>) {
        let Ok(v) = std::str::from_utf8(v) else {
            return;
        };
        let looks_like_field = {
            let mut lx = crate::lex::Lexer::new(v);
            lx.field_name().is_some_and(|n| n.len() == v.len())
        };
        if looks_like_field && self.schema.resolve(v, None).is_ok() {
            self.warnings.push(Warning {
                message: format!("'{v}' may be a valid field misused as a const string value"),
                span: span.clone(),
            });
        }
    }
}

/// The longest constant libsinsp takes (its value buffers stop at 256 bytes, NUL included).
const MAX_CONSTANT: usize = 255;

/// libsinsp's `flt_is_comparable`: whether `op` applies to values of `shape`.
fn comparable(op: Op, modifier: Option<Modifier>, shape: Shape) -> Result<(), String> {
    if op == Op::Exists {
        return Ok(());
    }
    let name = op.as_str();
    if shape.list {
        let types_ok = matches!(
            shape.ty,
            Type::Charbuf
                | Type::Fspath
                | Type::Uint(64)
                | Type::RelTime
                | Type::AbsTime
                | Type::Bool
                | Type::IpAddr
                | Type::IpNet
        );
        if !types_ok {
            return Err(format!(
                "list filters are not supported for type '{}'",
                shape.ty
            ));
        }
        return match op {
            Op::In | Op::Intersects if modifier.is_none() => Ok(()),
            _ => Err(format!("'{name}' operator not supported list filters")),
        };
    }
    let ok = match shape.ty {
        t if t.is_numeric() => matches!(
            op,
            Op::Eq | Op::Ne | Op::Lt | Op::Le | Op::Gt | Op::Ge | Op::In | Op::Intersects
        ),
        Type::Bool => matches!(op, Op::Eq | Op::Ne | Op::In | Op::Intersects),
        t if t.is_text() => !matches!(op, Op::BContains | Op::BStartsWith),
        Type::Bytebuf => matches!(
            op,
            Op::Eq
                | Op::Ne
                | Op::Contains
                | Op::In
                | Op::StartsWith
                | Op::EndsWith
                | Op::Intersects
                | Op::BContains
                | Op::BStartsWith
        ),
        t if t.is_ip() => {
            if modifier.is_some() && !matches!(op, Op::Eq | Op::Ne) {
                return Err(format!(
                    "'{name}' with modifier not supported for ip address and network filters"
                ));
            }
            matches!(op, Op::Eq | Op::Ne | Op::In | Op::Intersects)
        }
        _ => false,
    };
    if ok {
        return Ok(());
    }
    let kind = match shape.ty {
        t if t.is_numeric() || t == Type::Bool => "numeric",
        t if t.is_text() => "string",
        Type::Bytebuf => "buffer",
        _ => "ip address and network",
    };
    Err(format!(
        "'{name}' operator not supported for {kind} filters"
    ))
}

/// The closest known name to `name` by edit distance, if close enough to be a typo.
fn suggest(name: &str, names: &[String]) -> Option<String> {
    let limit = (name.len() / 3).clamp(1, 3);
    names
        .iter()
        .map(|n| (edit_distance(name.as_bytes(), n.as_bytes()), n))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, n)| (*d, n.len()))
        .map(|(_, n)| n.clone())
}

fn edit_distance(a: &[u8], b: &[u8]) -> usize {
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, &ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// libsinsp's `ppm_event_codes`: the event types on which `e` can be true, `not` pushed down
/// to the leaves; only `evt.type` leaves with `=`, `!=`, `in` and constants narrow the set.
fn event_types<S: Schema>(
    schema: &S,
    e: &Expr,
    negated: bool,
    _root: &Node<S::Field>,
) -> EventTypes {
    let n = schema.event_code_count();
    let uncertain = schema.uncertain_event_codes();
    fn walk<S: Schema>(schema: &S, e: &Expr, negated: bool, n: usize, u: &[u16]) -> EventTypes {
        match e {
            Expr::And(c, _) | Expr::Or(c, _) => {
                let intersect = matches!(e, Expr::And(..)) != negated;
                let mut it = c.iter().map(|x| walk(schema, x, negated, n, u));
                let first = it.next().unwrap_or_else(|| EventTypes::all(n));
                it.fold(first, |acc, s| {
                    if intersect {
                        acc.intersection(&s)
                    } else {
                        acc.union(&s)
                    }
                })
            }
            Expr::Not(x, _) => walk(schema, x, !negated, n, u),
            Expr::Ident(..) => EventTypes::all(n),
            Expr::Check(c) => {
                let Operand::Field(f) = &c.left else {
                    return EventTypes::all(n);
                };
                let is_type = schema
                    .resolve(&f.name, f.arg.as_deref())
                    .is_ok_and(|s| s.event_type);
                if !is_type || c.modifier.is_some() {
                    return EventTypes::all(n);
                }
                let values: Vec<&[u8]> = match (&c.op, &c.right) {
                    (Op::Eq | Op::Ne, Rhs::Value(v, _)) => vec![v],
                    (Op::In, Rhs::List(items, _)) => items.iter().map(|(v, _)| &v[..]).collect(),
                    (Op::In, Rhs::Value(v, _)) => vec![v],
                    (Op::In, Rhs::ListName(v, _)) => vec![v.as_bytes()],
                    _ => return EventTypes::all(n),
                };
                let mut set = EventTypes::none(n);
                for v in values {
                    let name = std::str::from_utf8(v).unwrap_or_default();
                    for code in schema.event_codes(name).unwrap_or_default() {
                        set.insert(code);
                    }
                }
                if c.op == Op::Ne {
                    set = set.complement();
                }
                if negated {
                    set = set.complement();
                }
                for &code in u {
                    set.insert(code);
                }
                set
            }
        }
    }
    walk(schema, e, negated, n, &uncertain)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions() {
        let names = vec![
            "proc.name".to_string(),
            "proc.pname".into(),
            "fd.name".into(),
        ];
        assert_eq!(suggest("proc.nmae", &names).as_deref(), Some("proc.name"));
        assert_eq!(suggest("proc.nam", &names).as_deref(), Some("proc.name"));
        assert_eq!(suggest("zzz.qqq", &names), None);
    }
}
