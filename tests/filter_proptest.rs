//! Random well-typed filters: the compiled program (strata-filter through strata-dissect's
//! fields) against a plain interpreter written here, on every event of the demo capture
//! with its state. The interpreter shares nothing with the compiler: it walks its own tree,
//! extracts each field's text or number through `FieldRef`, and applies the rules of
//! libsinsp's comparisons directly (a missing field makes a check false, `!=` included).

use proptest::prelude::*;
use strata::dissect::{FieldRef, Registry, RenderOptions, Value};
use strata::scap::{Block, Capture};
use strata::sinsp::{EventCtx, Inspector};

#[derive(Debug, Clone, Copy)]
enum Kind {
    Text,
    Signed,
    Unsigned,
    Bool,
}

const FIELDS: &[(&str, Kind)] = &[
    ("proc.name", Kind::Text),
    ("proc.exe", Kind::Text),
    ("fd.name", Kind::Text),
    ("fd.typechar", Kind::Text),
    ("evt.type", Kind::Text),
    ("user.name", Kind::Text),
    ("proc.pid", Kind::Signed),
    ("fd.num", Kind::Signed),
    ("thread.tid", Kind::Signed),
    ("evt.num", Kind::Unsigned),
    ("user.uid", Kind::Unsigned),
    ("evt.failed", Kind::Bool),
    ("evt.is_io", Kind::Bool),
];

const WORDS: &[&str] = &[
    "curl",
    "bash",
    "open",
    "openat",
    "connect",
    "read",
    "write",
    "close",
    "/etc",
    "/etc/passwd",
    "/usr/lib",
    "lib",
    "4",
    "f",
    "u",
    "alice",
    "root",
    "execve",
    "",
    "x y",
    "so.6",
];

#[derive(Debug, Clone)]
enum Cond {
    Exists,
    Cmp(&'static str, Lit),
    In(Vec<Lit>),
}

#[derive(Debug, Clone)]
enum Lit {
    Text(String),
    Num(i64),
    Bool(bool),
}

#[derive(Debug, Clone)]
enum F {
    Check(usize, Cond),
    Not(Box<F>),
    And(Vec<F>),
    Or(Vec<F>),
}

/// Event type names (`evt.type` refuses other words).
const EVENTS: &[&str] = &[
    "open", "openat", "connect", "read", "write", "close", "execve", "clone",
];

fn lit(i: usize) -> BoxedStrategy<Lit> {
    if FIELDS[i].0 == "evt.type" {
        return prop::sample::select(EVENTS)
            .prop_map(|w| Lit::Text(w.into()))
            .boxed();
    }
    match FIELDS[i].1 {
        Kind::Text => prop::sample::select(WORDS)
            .prop_map(|w| Lit::Text(w.into()))
            .boxed(),
        Kind::Signed | Kind::Unsigned => prop_oneof![
            (0i64..20).prop_map(Lit::Num),
            (-3i64..5000).prop_map(Lit::Num),
        ]
        .boxed(),
        Kind::Bool => any::<bool>().prop_map(Lit::Bool).boxed(),
    }
}

fn check() -> impl Strategy<Value = F> {
    (0..FIELDS.len()).prop_flat_map(|i| {
        let kind = FIELDS[i].1;
        let ops: &'static [&'static str] = match kind {
            Kind::Text => &[
                "=",
                "!=",
                "contains",
                "startswith",
                "endswith",
                "glob",
                "icontains",
            ],
            Kind::Signed | Kind::Unsigned => &["=", "!=", "<", "<=", ">", ">="],
            Kind::Bool => &["=", "!="],
        };
        let cond = prop_oneof![
            1 => Just(Cond::Exists),
            6 => (prop::sample::select(ops), lit(i)).prop_map(|(o, l)| Cond::Cmp(o, l)),
            2 => prop::collection::vec(lit(i), 0..4).prop_map(Cond::In),
        ];
        cond.prop_map(move |c| F::Check(i, c))
    })
}

fn filter() -> impl Strategy<Value = F> {
    check().prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            inner.clone().prop_map(|f| F::Not(Box::new(f))),
            prop::collection::vec(inner.clone(), 2..4).prop_map(F::And),
            prop::collection::vec(inner, 2..4).prop_map(F::Or),
        ]
    })
}

fn lit_text(l: &Lit) -> String {
    match l {
        Lit::Text(s) => {
            let mut out = String::new();
            strata::filter::ast::write_value(&mut out, s.as_bytes()).unwrap();
            out
        }
        Lit::Num(n) => n.to_string(),
        Lit::Bool(b) => b.to_string(),
    }
}

fn text(f: &F) -> String {
    match f {
        F::Check(i, c) => {
            let name = FIELDS[*i].0;
            match c {
                Cond::Exists => format!("{name} exists"),
                Cond::Cmp(op, l) => format!("{name} {op} {}", lit_text(l)),
                Cond::In(items) => format!(
                    "{name} in ({})",
                    items.iter().map(lit_text).collect::<Vec<_>>().join(", ")
                ),
            }
        }
        F::Not(x) => format!("not ({})", text(x)),
        F::And(c) => format!("({})", c.iter().map(text).collect::<Vec<_>>().join(" and ")),
        F::Or(c) => format!("({})", c.iter().map(text).collect::<Vec<_>>().join(" or ")),
    }
}

/// A field's value for the interpreter.
enum V {
    Text(Vec<u8>),
    Num(i128),
    Bool(bool),
}

fn value(name: &str, ctx: &EventCtx<'_>, opts: &RenderOptions) -> Option<V> {
    let f = FieldRef::parse(Registry::builtin(), name).unwrap();
    let mut scratch = String::new();
    let v = f.extract(ctx, opts, &mut scratch)?;
    Some(match v {
        Value::Bool(b) => V::Bool(b),
        Value::I64(n) => V::Num(n as i128),
        Value::U64(n) => V::Num(n as i128),
        other => V::Text(
            other
                .as_bytes()
                .map(<[u8]>::to_vec)
                .unwrap_or_else(|| other.to_string().into_bytes()),
        ),
    })
}

/// fnmatch for the patterns this test makes: `*` anywhere, everything else literal.
fn glob(p: &[u8], s: &[u8]) -> bool {
    match p.split_first() {
        None => s.is_empty(),
        Some((b'*', rest)) => (0..=s.len()).any(|i| glob(rest, &s[i..])),
        Some((c, rest)) => s.first() == Some(c) && glob(rest, &s[1..]),
    }
}

fn cmp_one(op: &str, v: &V, l: &Lit) -> bool {
    match (v, l) {
        (V::Text(a), Lit::Text(b)) => {
            let b = b.as_bytes();
            match op {
                "=" => a == b,
                "!=" => a != b,
                "contains" => b.is_empty() || a.windows(b.len()).any(|w| w == b),
                "icontains" => {
                    b.is_empty() || a.windows(b.len()).any(|w| w.eq_ignore_ascii_case(b))
                }
                "startswith" => a.starts_with(b),
                "endswith" => a.ends_with(b),
                "glob" => glob(b, a),
                _ => unreachable!(),
            }
        }
        (V::Num(a), Lit::Num(b)) => {
            let b = *b as i128;
            match op {
                "=" => *a == b,
                "!=" => *a != b,
                "<" => *a < b,
                "<=" => *a <= b,
                ">" => *a > b,
                ">=" => *a >= b,
                _ => unreachable!(),
            }
        }
        (V::Bool(a), Lit::Bool(b)) => match op {
            "=" => a == b,
            "!=" => a != b,
            _ => unreachable!(),
        },
        _ => false,
    }
}

fn interpret(f: &F, ctx: &EventCtx<'_>, opts: &RenderOptions) -> bool {
    match f {
        F::Check(i, c) => {
            let Some(v) = value(FIELDS[*i].0, ctx, opts) else {
                return false;
            };
            match c {
                Cond::Exists => true,
                Cond::Cmp(op, l) => cmp_one(op, &v, l),
                Cond::In(items) => items.iter().any(|l| cmp_one("=", &v, l)),
            }
        }
        F::Not(x) => !interpret(x, ctx, opts),
        F::And(c) => c.iter().all(|x| interpret(x, ctx, opts)),
        F::Or(c) => c.iter().any(|x| interpret(x, ctx, opts)),
    }
}

/// Unsigned fields compare a negative constant as it wraps; the interpreter only makes
/// constants in range for them.
fn well_typed(f: &F) -> bool {
    match f {
        F::Check(i, Cond::Cmp(_, Lit::Num(n))) => {
            !matches!(FIELDS[*i].1, Kind::Unsigned) || *n >= 0
        }
        F::Check(i, Cond::In(items)) => items
            .iter()
            .all(|l| !matches!((FIELDS[*i].1, l), (Kind::Unsigned, Lit::Num(n)) if *n < 0)),
        F::Check(..) => true,
        F::Not(x) => well_typed(x),
        F::And(c) | F::Or(c) => c.iter().all(well_typed),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]
    #[test]
    fn compiled_filters_agree_with_an_interpreter(f in filter().prop_filter("in range", well_typed)) {
        let src = text(&f);
        let schema = strata::dissect::FilterSchema::new(Registry::builtin(), Default::default());
        let expr = strata::filter::parse(&src).map_err(|e| TestCaseError::fail(e.render(&src)))?;
        let program = strata::filter::compile(&schema, &expr)
            .map_err(|e| TestCaseError::fail(e.render(&src)))?;
        let capture = Capture::from_bytes(strata::scap::demo::capture()).unwrap();
        let opts = RenderOptions::default();
        let mut insp = Inspector::new();
        for block in capture.blocks() {
            let block = block.unwrap();
            let Block::Event(ev) = &block else {
                insp.process_block(&block);
                continue;
            };
            let ctx = insp.process(ev);
            let mut rec = strata::dissect::FilterRecord::new(&ctx, &opts);
            let got = program.matches(&mut rec);
            let want = interpret(&f, &ctx, &opts);
            prop_assert_eq!(got, want, "{} on event {}", src, ctx.num());
        }
    }
}
