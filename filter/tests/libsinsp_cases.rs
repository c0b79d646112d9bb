//! libsinsp's own filter tests (falcosecurity/libs `userspace/libsinsp/test/filter_*` and
//! `filterchecks/*`, after 0.25.4), restated as data in `data/libsinsp-cases.jsonl`: each
//! case is a filter, whether libsinsp's parser or compiler refuses it, and otherwise what it
//! answers on one event, given as the values of the fields the filter uses.
//!
//! The fields are a [`Schema`] built from the file's first line (their types and flags as
//! libsinsp declares them); the event is a [`Record`] of the case's values. libsinsp's mock
//! checks `c.true` and `c.false`, whose answer ignores operator and value, become checks that
//! are always true or false.
//!
//! Every case must give libsinsp's answer, except those in [`KNOWN`], each with its reason.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;

use serde_json::Value as Json;
use strata_filter::ast::{Check, Expr, Field, Op, Operand, Rhs};
use strata_filter::{
    FieldError, FieldSpec, Multi, Record, Schema, Stage, Type, Value, compile, parse,
};

/// Cases where we knowingly answer otherwise, by filter, with the reason.
const KNOWN: &[(&str, &str)] = &[];

struct Fields {
    specs: HashMap<String, Json>,
    events: HashMap<&'static str, Vec<u16>>,
}

fn type_of(t: &str) -> Option<Type> {
    Some(match t {
        "CHARBUF" => Type::Charbuf,
        "FSPATH" | "FSRELPATH" => Type::Fspath,
        "BYTEBUF" => Type::Bytebuf,
        "INT8" => Type::Int(8),
        "INT16" => Type::Int(16),
        "INT32" => Type::Int(32),
        "INT64" | "ERRNO" | "PID" | "FD" => Type::Int(64),
        "UINT8" | "FLAGS8" => Type::Uint(8),
        "UINT16" | "FLAGS16" => Type::Uint(16),
        "UINT32" | "FLAGS32" | "MODE" | "UID" | "GID" => Type::Uint(32),
        "UINT64" => Type::Uint(64),
        "BOOL" => Type::Bool,
        "ABSTIME" => Type::AbsTime,
        "RELTIME" => Type::RelTime,
        "DOUBLE" => Type::Double,
        "IPADDR" => Type::IpAddr,
        "IPV4ADDR" => Type::Ipv4Addr,
        "IPV6ADDR" => Type::Ipv6Addr,
        "IPNET" => Type::IpNet,
        "IPV4NET" => Type::Ipv4Net,
        "IPV6NET" => Type::Ipv6Net,
        "PORT" => Type::Port,
        _ => return None,
    })
}

/// The field handle: the name as written (with its argument) and the value type.
#[derive(Clone, Debug)]
struct Handle {
    key: String,
    ty: Type,
}

impl Schema for Fields {
    type Field = Handle;

    fn resolve(&self, name: &str, arg: Option<&str>) -> Result<FieldSpec<Handle>, FieldError> {
        // The longest declared name that is the whole name or a prefix of it at a dot.
        let mut base = name;
        let mut dot_arg = None;
        while !self.specs.contains_key(base) {
            let Some(i) = base.rfind('.') else {
                return Err(FieldError::Unknown);
            };
            dot_arg = Some(&name[i + 1..]);
            base = &base[..i];
        }
        let spec = &self.specs[base];
        if spec.get("unregistered").and_then(Json::as_bool) == Some(true) {
            return Err(FieldError::Unknown);
        }
        let args = spec.get("args").and_then(Json::as_str).unwrap_or("none");
        let bad = |s: &str| Err(FieldError::BadArgument(s.to_string()));
        match (args, dot_arg, arg) {
            ("none", None, None) => {}
            ("none", ..) => return bad("takes no argument"),
            ("index-required" | "index-optional", None, Some(a)) => {
                if a.trim().parse::<i64>().is_err() {
                    return bad("the index must be a number");
                }
            }
            ("index-optional", None, None) => {}
            ("name-optional", _, None) => {}
            ("name-required", Some(_), None) => {}
            ("name-or-index-required", Some(_), None) => {}
            ("name-or-index-required", None, Some(a)) => {
                if a.parse::<i64>().is_err() {
                    return bad("the index must be a number");
                }
            }
            _ => return bad("argument does not fit"),
        }
        let mut ty = spec
            .get("type")
            .and_then(Json::as_str)
            .and_then(type_of)
            .unwrap_or(Type::Charbuf);
        if let (Some(types), Some(a)) = (spec.get("arg_types"), dot_arg) {
            match types.get(a).and_then(Json::as_str) {
                Some(t) => match type_of(t) {
                    Some(t) => ty = t,
                    None => return bad("parameter type has no filter comparison"),
                },
                None => return bad("no such parameter"),
            }
        }
        let key = match arg {
            Some(a) => format!("{name}[{a}]"),
            None => name.to_string(),
        };
        let flag = |k: &str| spec.get(k).and_then(Json::as_bool) == Some(true);
        let multi = if flag("list") {
            Multi::List
        } else if flag("either_side") {
            Multi::Either
        } else if flag("any_ancestor") && arg.is_none() {
            Multi::Any
        } else {
            Multi::Single
        };
        let mut fs = FieldSpec::new(Handle { key, ty }, ty).with_multi(multi);
        fs.no_transformer = flag("no_transformer");
        fs.no_rhs = flag("no_rhs");
        if base == "evt.around" {
            fs.ops = Some(&[strata_filter::ast::Op::Eq]);
        }
        if base == "evt.type" {
            fs = fs.as_event_type();
        }
        Ok(fs)
    }

    fn names(&self) -> Vec<String> {
        self.specs.keys().cloned().collect()
    }

    fn event_codes(&self, name: &str) -> Option<Vec<u16>> {
        self.events.get(name).cloned()
    }

    fn event_code_count(&self) -> usize {
        strata_scap::table::PPM_EVENT_MAX as usize
    }
}

fn event_names() -> HashMap<&'static str, Vec<u16>> {
    let mut m: HashMap<&'static str, Vec<u16>> = HashMap::new();
    for code in 0..strata_scap::table::PPM_EVENT_MAX {
        if let Some(e) = strata_scap::table::event_info(code) {
            m.entry(e.name).or_default().push(code);
        }
    }
    for sc in 0..1024 {
        if let Some(n) = strata_scap::table::syscall_name(sc) {
            m.entry(n).or_default().extend([0, 1]);
        }
    }
    m
}

/// One event: the values of a case.
struct Event<'c> {
    values: &'c serde_json::Map<String, Json>,
    latin1: bool,
    scratch: Vec<u8>,
}

fn bytes_of(s: &str, latin1: bool, out: &mut Vec<u8>) {
    out.clear();
    if latin1 {
        out.extend(s.chars().map(|c| c as u32 as u8));
    } else {
        out.extend_from_slice(s.as_bytes());
    }
}

impl Record for Event<'_> {
    type Field = Handle;

    fn extract(&mut self, f: &Handle, each: &mut dyn FnMut(Value<'_>) -> bool) -> bool {
        if f.key == "t.true" {
            each(Value::Bool(true));
            return true;
        }
        let Some(v) = self.values.get(&f.key) else {
            return false;
        };
        let items: Vec<&Json> = match v {
            Json::Null => return false,
            Json::Array(a) => a.iter().collect(),
            one => vec![one],
        };
        for item in items {
            let go = match item {
                Json::String(s) => {
                    if f.ty.is_ip() {
                        match s.parse::<IpAddr>() {
                            Ok(IpAddr::V4(a)) => each(Value::Ipv4(a)),
                            Ok(IpAddr::V6(a)) => each(Value::Ipv6(a)),
                            Err(_) => true,
                        }
                    } else {
                        let mut buf = std::mem::take(&mut self.scratch);
                        // Byte buffers are always written one character per byte.
                        bytes_of(s, self.latin1 || f.ty == Type::Bytebuf, &mut buf);
                        let go = each(Value::Bytes(&buf));
                        self.scratch = buf;
                        go
                    }
                }
                Json::Bool(b) => each(Value::Bool(*b)),
                Json::Number(n) => {
                    if let Some(u) = n.as_u64() {
                        match f.ty {
                            Type::Int(_) => each(Value::Int(u as i64)),
                            Type::Double => each(Value::Double(u as f64)),
                            _ => each(Value::Uint(u)),
                        }
                    } else if let Some(i) = n.as_i64() {
                        match f.ty {
                            Type::Double => each(Value::Double(i as f64)),
                            _ => each(Value::Int(i)),
                        }
                    } else {
                        each(Value::Double(n.as_f64().unwrap_or(0.0)))
                    }
                }
                _ => true,
            };
            if !go {
                break;
            }
        }
        true
    }
}

/// libsinsp's mocks `c.true` / `c.false` (answer fixed whatever the operator) as checks that
/// are always true or always false.
fn replace_mocks(e: &mut Expr) {
    match e {
        Expr::And(c, _) | Expr::Or(c, _) => c.iter_mut().for_each(replace_mocks),
        Expr::Not(x, _) => replace_mocks(x),
        Expr::Check(c) => {
            let name = match &c.left {
                Operand::Field(f) => f.name.as_str(),
                _ => return,
            };
            let fixed = match name {
                "c.true" => "t.true",
                "c.false" | "c.buffer" => "t.false",
                _ => return,
            };
            let span = c.span.clone();
            **c = Check {
                left: Operand::Field(Field {
                    name: fixed.into(),
                    arg: None,
                    span: span.clone(),
                }),
                op: Op::Exists,
                modifier: None,
                right: Rhs::None,
                span: span.clone(),
                op_span: span,
            };
        }
        _ => {}
    }
}

/// Whether compiling would hit a mock with an operator it cannot take (libsinsp's mocks are
/// CHARBUF and accept what the type accepts): checked on the original tree.
fn outcome(fields: &Fields, case: &Json) -> String {
    let text = case["filter"].as_str().unwrap_or_default();
    let mut expr = match parse(text) {
        Ok(e) => e,
        Err(_) => return "syntax".into(),
    };
    if let Err(e) = compile(fields, &expr) {
        assert_eq!(e.stage, Stage::Check);
        return "compile".into();
    }
    replace_mocks(&mut expr);
    let program = match compile(fields, &expr) {
        Ok(p) => p,
        Err(e) => return format!("compile after mock replacement: {}", e.message),
    };
    let empty = serde_json::Map::new();
    let mut ev = Event {
        values: case["values"].as_object().unwrap_or(&empty),
        latin1: case.get("latin1").and_then(Json::as_bool) == Some(true),
        scratch: Vec::new(),
    };
    program.matches(&mut ev).to_string()
}

#[test]
fn libsinsp_filter_tests() {
    let text = include_str!("data/libsinsp-cases.jsonl");
    let mut lines = text.lines();
    let head: Json = serde_json::from_str(lines.next().unwrap()).unwrap();
    let mut specs: HashMap<String, Json> = head["schema"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    specs.insert(
        "t.true".into(),
        serde_json::json!({"type": "BOOL", "args": "none"}),
    );
    specs.insert(
        "t.false".into(),
        serde_json::json!({"type": "BOOL", "args": "none"}),
    );
    let fields = Fields {
        specs,
        events: event_names(),
    };
    let known: BTreeMap<&str, &str> = KNOWN.iter().copied().collect();
    let mut by_kind: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut bad = Vec::new();
    let mut stale = Vec::new();
    for line in lines.filter(|l| !l.trim().is_empty()) {
        let case: Json = serde_json::from_str(line).unwrap();
        let expect = case["expect"].as_str().unwrap().to_string();
        let filter = case["filter"].as_str().unwrap();
        let got = outcome(&fields, &case);
        let e = by_kind.entry(expect.clone()).or_default();
        e.0 += 1;
        let ok = got == expect;
        if ok {
            e.1 += 1;
        }
        match (ok, known.contains_key(filter)) {
            (false, false) => bad.push(format!(
                "{}: {:?} expected {expect}, got {got}",
                case["src"].as_str().unwrap_or("?"),
                if filter.len() > 200 {
                    &filter[..200]
                } else {
                    filter
                }
            )),
            (true, true) => stale.push(filter.to_string()),
            _ => {}
        }
    }
    for (k, (n, ok)) in &by_kind {
        eprintln!("{k}: {ok}/{n}");
    }
    assert!(
        stale.is_empty(),
        "listed in KNOWN but now right: {stale:#?}"
    );
    assert!(
        bad.is_empty(),
        "{} cases differ:\n{}",
        bad.len(),
        bad.join("\n")
    );
}
