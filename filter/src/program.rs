//! A compiled filter and its evaluation: a tree of leaves, short-circuited, with constants
//! parsed, patterns compiled and nothing allocated per event (values copied out of an event,
//! for field comparisons and transformers, stay inline unless they are long).

use std::cmp::Ordering;
use std::net::IpAddr;

use smallvec::SmallVec;

use crate::ast::{Func, Modifier, Op};
use crate::compile::Warning;
use crate::glob::{PrefixTree, fnmatch};
use crate::schema::Type;
use crate::value::{Owned, Record, Single, Value, truncate_signed, truncate_unsigned};

/// A compiled filter. Build it with [`compile`](crate::compile); run it on events with
/// [`matches`](Program::matches).
#[derive(Debug, Clone)]
pub struct Program<F> {
    root: Node<F>,
    types: EventTypes,
    warnings: Vec<Warning>,
}

#[derive(Debug, Clone)]
pub(crate) enum Node<F> {
    And(Box<[Node<F>]>),
    Or(Box<[Node<F>]>),
    Not(Box<Node<F>>),
    Leaf(Box<Leaf<F>>),
}

/// Where values come from.
#[derive(Debug, Clone)]
pub(crate) enum Source<F> {
    Field(F),
    Const(Owned),
    List(Vec<Source<F>>),
    Transform(Func, Vec<Source<F>>),
    /// `len()` of a list: how many values it has.
    Count(Box<Source<F>>),
    /// `getopt(args, optstring)`, or with `[o]` the value of option `o`.
    Getopt(Box<Source<F>>, Box<Source<F>>, Option<Vec<u8>>),
}

/// Whether some or every value of the left side must pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Quant {
    Any,
    All,
}

#[derive(Debug, Clone)]
pub(crate) enum Right<F> {
    Exists,
    Consts(Box<[Owned]>),
    /// `in`/`intersects` on text with many constants: their text up to a NUL, as a set; and
    /// the constants.
    TextSet(Box<hashbrown::HashSet<Box<[u8]>>>, Box<[Owned]>),
    Regex(Box<[regex::Regex]>),
    PMatch(PrefixTree),
    Source(Source<F>),
}

#[derive(Debug, Clone)]
pub(crate) struct Leaf<F> {
    pub lhs: Source<F>,
    /// The left side's type after transformers.
    pub ty: Type,
    pub op: Op,
    pub modifier: Option<Modifier>,
    pub quant: Quant,
    pub right: Right<F>,
    /// Addresses compare as sysdig 0.29 compared them (raw bytes across families).
    pub legacy: bool,
    /// For `evt.type =`/`!=`/`in` on the field itself: the codes the names name and the
    /// uncertain codes, so that the check is a lookup.
    pub codes: Option<Box<(EventTypes, EventTypes)>>,
    /// Its place in a [`CheckTable`](crate::CheckTable), when compiled into one.
    pub slot: Option<u32>,
    /// Text compared with constants already cut at their first NUL.
    pub text_consts: bool,
    /// A single field's text compared with one constant by `=`, `!=` or `contains`
    /// ([`Leaf::eval`] answers it without the general path when the value is text).
    pub one_text: bool,
    /// For `contains` in `one_text`: the constant's searcher.
    pub finder: Option<Box<crate::substring::Substring>>,
    /// The event source compares the field with the constant ([`Record::compare_self`]).
    pub compares_self: bool,
}

/// Answers to the checks of a [`CheckTable`](crate::CheckTable) for the current event.
#[derive(Debug, Clone, Default)]
pub struct Answers {
    event: u32,
    stamps: Vec<u32>,
    values: Vec<bool>,
}

impl Answers {
    /// Room for the checks of a table of `len` checks.
    pub fn new(len: usize) -> Self {
        Answers {
            event: 1,
            stamps: vec![0; len],
            values: vec![false; len],
        }
    }

    /// Forgets every answer: call it before each new event.
    pub fn next_event(&mut self) {
        self.event = self.event.wrapping_add(1);
        if self.event == 0 {
            self.stamps.iter_mut().for_each(|s| *s = 0);
            self.event = 1;
        }
    }
}

type Values = SmallVec<[Owned; 4]>;

impl<F> Node<F> {
    fn fields<'a>(&'a self, out: &mut Vec<&'a F>) {
        match self {
            Node::And(v) | Node::Or(v) => v.iter().for_each(|n| n.fields(out)),
            Node::Not(n) => n.fields(out),
            Node::Leaf(l) => {
                l.lhs.fields(out);
                if let Right::Source(s) = &l.right {
                    s.fields(out);
                }
            }
        }
    }
}

impl<F> Node<F> {
    /// The fields that must have a value for the node to be true (a subset: `or` and `not`
    /// add none).
    fn required<'a>(&'a self, out: &mut Vec<&'a F>) {
        match self {
            Node::And(v) => v.iter().for_each(|n| n.required(out)),
            Node::Or(_) | Node::Not(_) => {}
            // A leaf on a field is false when the field has no value, whatever the operator
            // (`exists` included), unless the event source compares it itself.
            Node::Leaf(l) => {
                if let (Source::Field(f), false) = (&l.lhs, l.compares_self) {
                    out.push(f);
                }
            }
        }
    }
}

impl<F> Source<F> {
    fn fields<'a>(&'a self, out: &mut Vec<&'a F>) {
        match self {
            Source::Field(f) => out.push(f),
            Source::Const(_) => {}
            Source::List(v) | Source::Transform(_, v) => v.iter().for_each(|s| s.fields(out)),
            Source::Count(s) => s.fields(out),
            Source::Getopt(a, b, _) => {
                a.fields(out);
                b.fields(out);
            }
        }
    }
}

impl<F> Program<F> {
    pub(crate) fn new(root: Node<F>, types: EventTypes, warnings: Vec<Warning>) -> Self {
        Program {
            root,
            types,
            warnings,
        }
    }

    /// Whether the event `rec` passes the filter.
    pub fn matches<R: Record<Field = F> + ?Sized>(&self, rec: &mut R) -> bool {
        self.root.eval(rec)
    }

    /// The event types on which the filter can be true (a superset): an event of another type
    /// never passes, so it need not be evaluated. Only `evt.type` checks with `=`, `!=` and
    /// `in` narrow it, through `and`, `or` and `not`, as libsinsp and Falco compute it.
    pub fn event_types(&self) -> &EventTypes {
        &self.types
    }

    /// [`matches`](Self::matches), taking the answers to checks shared with other programs of
    /// the same [`CheckTable`](crate::CheckTable) from `answers` when an earlier program
    /// already computed them for this event ([`Answers::next_event`] between events).
    pub fn matches_shared<R: Record<Field = F> + ?Sized>(
        &self,
        rec: &mut R,
        answers: &mut Answers,
    ) -> bool {
        self.root.eval_shared(rec, answers)
    }

    /// Whether the event could pass judging by its type alone: the `evt.type` checks are
    /// decided on the event, every other check counts as unknown (true or false), with
    /// three-valued `and`, `or` and `not`. `false` means [`matches`](Self::matches) is false
    /// for every event whose `evt.type` checks answer as this one's do: for a generic event,
    /// every event of the same syscall name. A rule index uses it to narrow the rules to try
    /// on generic events, whose code alone says nothing of their name.
    pub fn may_match<R: Record<Field = F> + ?Sized>(&self, rec: &mut R) -> bool {
        self.root.tri(rec) != Some(false)
    }

    /// Fields without whose value on an event the filter is false there: those of the
    /// comparisons the filter's top-level `and` needs (the left side, when it is a field).
    /// A caller that can tell cheaply that such a field has no value on an event (an fd
    /// field on an event whose fd is not known) can refuse the event without evaluating.
    ///
    /// ```
    /// use strata_filter::{compile, parse, FieldError, FieldSpec, Schema, Type};
    ///
    /// // A schema whose fields are their names.
    /// struct Names;
    /// impl Schema for Names {
    ///     type Field = &'static str;
    ///     fn resolve(&self, name: &str, _: Option<&str>) -> Result<FieldSpec<&'static str>, FieldError> {
    ///         let known = ["fd.name", "proc.name", "evt.num"];
    ///         let f = known.into_iter().find(|k| *k == name).ok_or(FieldError::Unknown)?;
    ///         Ok(FieldSpec::new(f, Type::Charbuf))
    ///     }
    ///     fn names(&self) -> Vec<String> { vec![] }
    /// }
    /// let text = "fd.name contains /etc and (proc.name = cat or evt.num exists) and not proc.name = ls";
    /// let program = compile(&Names, &parse(text)?)?;
    /// // Neither side of the `or` is needed alone; `not` needs no value.
    /// assert_eq!(program.required_fields(), [&"fd.name"]);
    /// # Ok::<(), strata_filter::Error>(())
    /// ```
    pub fn required_fields(&self) -> Vec<&F> {
        let mut out = Vec::new();
        self.root.required(&mut out);
        out
    }

    /// Remarks on the filter (a constant that names a field, ...).
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    /// Every field the filter reads, on either side of a comparison, inside transformers
    /// included, in the order of the text (a field read twice comes twice). A caller can tell
    /// from it what an event must carry for the filter to be decided: a reader that keeps no
    /// state can run a filter whose fields come from the event alone.
    pub fn fields(&self) -> Vec<&F> {
        let mut out = Vec::new();
        self.root.fields(&mut out);
        out
    }
}

impl<F> Node<F> {
    /// Three-valued evaluation: `evt.type` checks decided, the others `None` (unknown).
    fn tri<R: Record<Field = F> + ?Sized>(&self, rec: &mut R) -> Option<bool> {
        match self {
            Node::And(c) | Node::Or(c) => {
                let decisive = matches!(self, Node::Or(_));
                let mut unknown = false;
                for n in c {
                    match n.tri(rec) {
                        Some(b) if b == decisive => return Some(decisive),
                        None => unknown = true,
                        Some(_) => {}
                    }
                }
                if unknown { None } else { Some(!decisive) }
            }
            Node::Not(n) => n.tri(rec).map(|b| !b),
            Node::Leaf(l) if l.codes.is_some() => Some(l.eval(rec)),
            Node::Leaf(_) => None,
        }
    }

    fn eval_shared<R: Record<Field = F> + ?Sized>(&self, rec: &mut R, a: &mut Answers) -> bool {
        // Leaves, the most of the nodes, are answered in the loop, without a call.
        match self {
            Node::And(c) => c.iter().all(|n| match n {
                Node::Leaf(l) => l.shared(rec, a),
                other => other.eval_shared(rec, a),
            }),
            Node::Or(c) => c.iter().any(|n| match n {
                Node::Leaf(l) => l.shared(rec, a),
                other => other.eval_shared(rec, a),
            }),
            Node::Not(n) => !n.eval_shared(rec, a),
            Node::Leaf(l) => l.shared(rec, a),
        }
    }

    fn eval<R: Record<Field = F> + ?Sized>(&self, rec: &mut R) -> bool {
        // Leaves, the most of the nodes, are answered in the loop, without a call (an
        // `evt.type` check by the event's code, inline).
        match self {
            Node::And(c) => c.iter().all(|n| match n {
                Node::Leaf(l) => l.by_code(rec).unwrap_or_else(|| l.eval(rec)),
                other => other.eval(rec),
            }),
            Node::Or(c) => c.iter().any(|n| match n {
                Node::Leaf(l) => l.by_code(rec).unwrap_or_else(|| l.eval(rec)),
                other => other.eval(rec),
            }),
            Node::Not(n) => !n.eval(rec),
            Node::Leaf(l) => l.eval(rec),
        }
    }
}

impl<F> Leaf<F> {
    /// The leaf's answer: from `a` when another program of the table already gave it for this
    /// event, from the event's code for an `evt.type` check, else evaluated (and kept).
    #[inline(always)]
    fn shared<R: Record<Field = F> + ?Sized>(&self, rec: &mut R, a: &mut Answers) -> bool {
        if let Some(s) = self.slot.map(|s| s as usize) {
            if a.stamps.get(s) == Some(&a.event) {
                return a.values[s];
            }
        } else if let Some(v) = self.by_code(rec) {
            return v;
        }
        self.eval_stored(rec, a)
    }

    /// Evaluates the leaf and keeps the answer in its slot of `a`, if it has one. Not inlined
    /// into the tree walk, which stays small.
    #[inline(never)]
    fn eval_stored<R: Record<Field = F> + ?Sized>(&self, rec: &mut R, a: &mut Answers) -> bool {
        let v = self.eval(rec);
        if let Some(s) = self.slot.map(|s| s as usize) {
            if s < a.stamps.len() {
                a.stamps[s] = a.event;
                a.values[s] = v;
            }
        }
        v
    }

    /// An `evt.type` check answered by the event's code, when the code says its type.
    #[inline(always)]
    fn by_code<R: Record<Field = F> + ?Sized>(&self, rec: &mut R) -> Option<bool> {
        let sets = self.codes.as_deref()?;
        let code = rec.event_code()?;
        let (named, uncertain) = sets;
        if uncertain.contains_exact(code) {
            return None;
        }
        let member = named.contains_exact(code);
        Some(if self.op == Op::Ne { !member } else { member })
    }

    fn eval<R: Record<Field = F> + ?Sized>(&self, rec: &mut R) -> bool {
        if let Some(v) = self.by_code(rec) {
            return v;
        }
        if self.compares_self {
            if let Source::Field(f) = &self.lhs {
                let values: &[Owned] = match &self.right {
                    Right::Consts(cs) | Right::TextSet(_, cs) => cs,
                    _ => &[],
                };
                return rec.compare_self(f, self.op, values);
            }
        }
        if self.one_text {
            if let (Source::Field(f), Right::Consts(cs)) = (&self.lhs, &self.right) {
                if let [Owned::Bytes(k)] = &cs[..] {
                    // The general path's answers for a value that is text, or none.
                    match rec.single(f) {
                        Single::One(Value::Bytes(b)) => {
                            return match &self.finder {
                                Some(f) => f.is_in(cstr(b)),
                                None => same(cstr(b), k) != (self.op == Op::Ne),
                            };
                        }
                        Single::Missing => return false,
                        _ => {}
                    }
                }
            }
        }
        self.eval_general(rec)
    }

    /// [`eval`](Self::eval) past its quick answers: every operator on every value. Out of
    /// line, so that the quick answers run without its frame.
    #[inline(never)]
    fn eval_general<R: Record<Field = F> + ?Sized>(&self, rec: &mut R) -> bool {
        let rhs_values: Values;
        let consts: &[Owned] = match &self.right {
            Right::Source(src) => {
                let mut v = Values::new();
                if !collect(src, rec, &mut v) || v.is_empty() {
                    return false;
                }
                rhs_values = v;
                &rhs_values
            }
            Right::Consts(c) | Right::TextSet(_, c) => c,
            _ => &[],
        };
        let exists = matches!(self.right, Right::Exists);
        let all = self.quant == Quant::All;
        if let Source::Field(f) = &self.lhs {
            // One value or none: no callback. Any and all of one value are that value's test.
            match rec.single(f) {
                Single::Missing => return false,
                Single::Empty => return exists || all,
                Single::One(v) => return exists || self.test(v, consts),
                Single::Many => {}
            }
        }
        // Any: starts false, the first passing value decides. All: starts true, the first
        // failing value decides.
        let mut result = all;
        let mut test = |v: Value<'_>| -> bool {
            if exists {
                return false;
            }
            if self.test(v, consts) != all {
                result = !all;
                return false;
            }
            true
        };
        let found = match &self.lhs {
            Source::Field(f) => rec.extract(f, &mut test),
            other => {
                let mut v = Values::new();
                let ok = collect(other, rec, &mut v);
                if ok {
                    for x in &v {
                        if !test(x.as_value()) {
                            break;
                        }
                    }
                }
                ok
            }
        };
        found && (exists || result)
    }

    /// Whether one value of the left side passes.
    fn test(&self, v: Value<'_>, consts: &[Owned]) -> bool {
        match &self.right {
            Right::Regex(res) => {
                let Value::Bytes(b) = v else {
                    return false;
                };
                // libsinsp matches text with invalid UTF-8 replaced by U+FFFD.
                let text = String::from_utf8_lossy(cstr(b));
                match self.modifier {
                    None => res.first().is_some_and(|re| re.is_match(&text)),
                    Some(m) => {
                        let n = res.iter().filter(|re| re.is_match(&text)).count();
                        count_passes(m, n, res.len())
                    }
                }
            }
            Right::PMatch(t) => match v {
                Value::Bytes(b) => t.matches(cstr(b)),
                _ => false,
            },
            Right::TextSet(set, _) => match v {
                Value::Bytes(b) => set.contains(cstr(b)),
                _ => false,
            },
            _ => {
                if let (Some(m), true, Value::Bytes(b)) = (self.modifier, self.text_consts, v) {
                    let a = cstr(b);
                    let pass = |c: &Owned| matches!(c, Owned::Bytes(k) if text(self.op, a, k));
                    return match m {
                        Modifier::AnyOf => consts.iter().any(pass),
                        Modifier::OneOf => consts.iter().filter(|c| pass(c)).count() == 1,
                        Modifier::AllOf => !consts.is_empty() && consts.iter().all(pass),
                    };
                }
                if let Some(m) = self.modifier {
                    let n = consts
                        .iter()
                        .filter(|c| scalar(self.op, self.ty, v, c))
                        .count();
                    return match m {
                        Modifier::OneOf => n == 1,
                        Modifier::AnyOf => n >= 1,
                        Modifier::AllOf => n == consts.len() && n > 0,
                    };
                }
                if self.text_consts {
                    if let Value::Bytes(b) = v {
                        let a = cstr(b);
                        let with = |op: Op, c: &Owned| match c {
                            Owned::Bytes(k) => text(op, a, k),
                            _ => false,
                        };
                        return match self.op {
                            Op::In | Op::Intersects => consts.iter().any(|c| with(Op::Eq, c)),
                            op => consts.first().is_some_and(|c| with(op, c)),
                        };
                    }
                }
                if self.legacy && self.ty.is_ip() {
                    if let Some(r) = ip_2022(self.op, v, consts) {
                        return r;
                    }
                }
                match self.op {
                    Op::In | Op::Intersects => consts.iter().any(|c| scalar(Op::Eq, self.ty, v, c)),
                    op => consts.first().is_some_and(|c| scalar(op, self.ty, v, c)),
                }
            }
        }
    }
}

/// Whether `n` passing values out of `of` satisfy modifier `m`.
fn count_passes(m: Modifier, n: usize, of: usize) -> bool {
    match m {
        Modifier::OneOf => n == 1,
        Modifier::AnyOf => n >= 1,
        Modifier::AllOf => n == of && n > 0,
    }
}

/// Text as C sees it: up to the first NUL.
/// `b` up to its first NUL. Most field values are short (a name, a direction, a port), for
/// which a scan eight bytes at a time beats the call into a vectorized search.
#[inline(always)]
fn cstr(b: &[u8]) -> &[u8] {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    if b.len() > 16 {
        return memchr::memchr(0, b).map_or(b, |i| &b[..i]);
    }
    // The lowest flagged byte of a word is its first zero byte (flags above it may be false).
    let zero = |w: u64| w.wrapping_sub(LO) & !w & HI;
    let word = |c: &[u8]| u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
    let n = b.len();
    if n < 8 {
        return b.iter().position(|&c| c == 0).map_or(b, |i| &b[..i]);
    }
    let z = zero(word(&b[..8]));
    if z != 0 {
        return &b[..(z.trailing_zeros() / 8) as usize];
    }
    // The last eight bytes, those already looked at (none of them zero) masked off.
    let z = zero(word(&b[n - 8..])) & (!0u64 << (8 * (16 - n)).min(63));
    match z {
        0 => b,
        z => &b[..n - 8 + (z.trailing_zeros() / 8) as usize],
    }
}

/// `a == b`, without a call to `memcmp` for short values.
#[inline(always)]
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len()
        && if a.len() > 16 {
            a == b
        } else {
            a.iter().zip(b).all(|(x, y)| x == y)
        }
}

fn as_i64(v: Value<'_>) -> Option<i64> {
    Some(match v {
        Value::Int(x) => x,
        Value::Uint(x) => x as i64,
        Value::Double(x) => x as i64,
        Value::Bool(b) => b as i64,
        _ => return None,
    })
}

fn as_u64(v: Value<'_>) -> Option<u64> {
    Some(match v {
        Value::Int(x) => x as u64,
        Value::Uint(x) => x,
        Value::Double(x) => x as u64,
        Value::Bool(b) => b as u64,
        _ => return None,
    })
}

fn ordered(op: Op, o: Option<Ordering>) -> bool {
    let Some(o) = o else { return op == Op::Ne };
    match op {
        Op::Eq | Op::In | Op::Intersects => o == Ordering::Equal,
        Op::Ne => o != Ordering::Equal,
        Op::Lt => o == Ordering::Less,
        Op::Le => o != Ordering::Greater,
        Op::Gt => o == Ordering::Greater,
        Op::Ge => o != Ordering::Less,
        _ => false,
    }
}

/// One comparison of a value with one constant, by the left side's type (libsinsp's
/// `flt_compare`).
fn scalar(op: Op, ty: Type, v: Value<'_>, c: &Owned) -> bool {
    match ty {
        Type::Int(bits) => {
            let (Some(a), Some(b)) = (as_i64(v), as_i64(c.as_value())) else {
                return false;
            };
            ordered(
                op,
                Some(truncate_signed(a, bits).cmp(&truncate_signed(b, bits))),
            )
        }
        Type::Uint(_) | Type::Port | Type::RelTime | Type::AbsTime => {
            let bits = match ty {
                Type::Uint(b) => b,
                Type::Port => 16,
                _ => 64,
            };
            let (Some(a), Some(b)) = (as_u64(v), as_u64(c.as_value())) else {
                return false;
            };
            ordered(
                op,
                Some(truncate_unsigned(a, bits).cmp(&truncate_unsigned(b, bits))),
            )
        }
        Type::Double => {
            let a = match v {
                Value::Double(x) => x,
                other => match as_i64(other) {
                    Some(x) => x as f64,
                    None => return false,
                },
            };
            let b = match c {
                Owned::Double(x) => *x,
                other => match as_i64(other.as_value()) {
                    Some(x) => x as f64,
                    None => return false,
                },
            };
            ordered(op, a.partial_cmp(&b))
        }
        Type::Bool => {
            let (Some(a), Some(b)) = (as_u64(v), as_u64(c.as_value())) else {
                return false;
            };
            ordered(op, Some((a != 0).cmp(&(b != 0))))
        }
        Type::Charbuf | Type::Fspath => {
            let (Value::Bytes(a), Owned::Bytes(b)) = (v, c) else {
                return false;
            };
            text(op, cstr(a), cstr(b))
        }
        Type::Bytebuf => {
            let (Value::Bytes(a), Owned::Bytes(b)) = (v, c) else {
                return false;
            };
            buffer(op, a, b)
        }
        Type::Ipv4Addr
        | Type::Ipv6Addr
        | Type::IpAddr
        | Type::Ipv4Net
        | Type::Ipv6Net
        | Type::IpNet => {
            let a = match v {
                Value::Ipv4(a) => IpAddr::V4(a),
                Value::Ipv6(a) => IpAddr::V6(a),
                _ => return false,
            };
            // Only sysdig 0.29 filters get here with an order: it compared the address bytes
            // as a host (little-endian) number.
            if let (IpAddr::V4(x), Owned::Ip(IpAddr::V4(y)), Op::Lt | Op::Le | Op::Gt | Op::Ge) =
                (a, c, op)
            {
                let key = |a: std::net::Ipv4Addr| u32::from_le_bytes(a.octets());
                return ordered(op, Some(key(x).cmp(&key(*y))));
            }
            let equal = match c {
                Owned::Ip(b) => a == *b,
                Owned::Net(b, len) => in_net(a, *b, *len),
                _ => return false,
            };
            match op {
                Op::Ne => !equal,
                _ => equal,
            }
        }
    }
}

/// sysdig 0.29's `=`/`!=`/`in` of an address and address constants of the other family: it
/// compared as many bytes as the event's address has with the constant's storage (its bytes,
/// then zeros). `None` where the families agree (the usual comparison applies).
fn ip_2022(op: Op, v: Value<'_>, consts: &[Owned]) -> Option<bool> {
    let (vb, v6): (SmallVec<[u8; 16]>, bool) = match v {
        Value::Ipv4(a) => (SmallVec::from_slice(&a.octets()), false),
        Value::Ipv6(a) => (SmallVec::from_slice(&a.octets()), true),
        _ => return None,
    };
    let raw = |c: &Owned| -> Option<[u8; 16]> {
        let mut b = [0u8; 16];
        match c {
            Owned::Ip(IpAddr::V4(a)) if v6 => b[..4].copy_from_slice(&a.octets()),
            Owned::Ip(IpAddr::V6(a)) if !v6 => b.copy_from_slice(&a.octets()),
            _ => return None,
        }
        Some(b)
    };
    if consts.iter().all(|c| raw(c).is_none()) {
        return None;
    }
    let eq = |c: &Owned| match raw(c) {
        Some(b) => b[..vb.len()] == vb[..],
        None => scalar(Op::Eq, crate::schema::Type::IpAddr, v, c),
    };
    Some(match op {
        Op::Ne => !consts.first().is_some_and(eq),
        Op::Eq => consts.first().is_some_and(eq),
        Op::In | Op::Intersects => consts.iter().any(eq),
        _ => return None,
    })
}

fn in_net(a: IpAddr, net: IpAddr, len: u8) -> bool {
    match (a, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let mask = if len == 0 {
                0
            } else {
                u32::MAX << (32 - len as u32)
            };
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let mask = if len == 0 {
                0
            } else {
                u128::MAX << (128 - len as u32)
            };
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

fn find(hay: &[u8], needle: &[u8]) -> bool {
    // (A window-by-window compare calls memcmp once per byte of the text.)
    memchr::memmem::find(hay, needle).is_some()
}

fn text(op: Op, a: &[u8], b: &[u8]) -> bool {
    match op {
        Op::Eq | Op::In | Op::Intersects => same(a, b),
        Op::Ne => !same(a, b),
        Op::Lt => a < b,
        Op::Le => a <= b,
        Op::Gt => a > b,
        Op::Ge => a >= b,
        Op::Contains => find(a, b),
        Op::IContains => b.is_empty() || a.windows(b.len()).any(|w| w.eq_ignore_ascii_case(b)),
        Op::StartsWith => a.starts_with(b),
        Op::EndsWith => a.ends_with(b),
        Op::Glob => fnmatch(b, a, false),
        Op::IGlob => fnmatch(b, a, true),
        _ => false,
    }
}

fn buffer(op: Op, a: &[u8], b: &[u8]) -> bool {
    match op {
        Op::Eq | Op::In | Op::Intersects => a == b,
        Op::Ne => a != b,
        Op::Contains | Op::BContains => find(a, b),
        Op::StartsWith | Op::BStartsWith => a.starts_with(b),
        Op::EndsWith => a.ends_with(b),
        _ => false,
    }
}

/// Collects the values of `src` into `out`; `false` if a field has no value or a
/// transformer fails.
fn collect<F, R: Record<Field = F> + ?Sized>(
    src: &Source<F>,
    rec: &mut R,
    out: &mut Values,
) -> bool {
    match src {
        Source::Field(f) => rec.extract(f, &mut |v| {
            out.push(Owned::from_value(v));
            true
        }),
        Source::Const(c) => {
            out.push(c.clone());
            true
        }
        Source::List(items) => items.iter().all(|s| collect(s, rec, out)),
        Source::Transform(func, args) => transform(*func, args, rec, out),
        Source::Getopt(args, optstring, opt) => {
            let (mut a, mut o) = (Values::new(), Values::new());
            if !collect(args, rec, &mut a) || !collect(optstring, rec, &mut o) {
                return false;
            }
            let Some(optstring) = o.first().and_then(bytes_of) else {
                return false;
            };
            let args: SmallVec<[&[u8]; 8]> =
                a.iter().map(|v| bytes_of(v).unwrap_or_default()).collect();
            getopt(&args, optstring, opt.as_deref(), out)
        }
        Source::Count(inner) => {
            let mut v = Values::new();
            if !collect(inner, rec, &mut v) {
                return false;
            }
            out.push(Owned::Uint(v.len() as u64));
            true
        }
    }
}

/// A value as text (numbers in decimal, addresses as usual), as `join` writes it.
fn write_text(v: &Owned, out: &mut SmallVec<[u8; 32]>) {
    use std::io::Write as _;
    let mut w = Vec::new();
    let _ = match v {
        Owned::Bytes(b) => {
            out.extend_from_slice(cstr(b));
            return;
        }
        Owned::Int(x) => write!(w, "{x}"),
        Owned::Uint(x) => write!(w, "{x}"),
        Owned::Double(x) => write!(w, "{x}"),
        Owned::Bool(b) => write!(w, "{b}"),
        Owned::Ip(a) => write!(w, "{a}"),
        Owned::Net(a, l) => write!(w, "{a}/{l}"),
    };
    out.extend_from_slice(&w);
}

/// getopt(3) over `args` with `optstring`, as libsinsp's transformer gives it: the options
/// found and their arguments in order (`?` for an unknown option, `""` for a missing
/// argument); or, with `opt`, the argument of the last `opt` (its own name for a flag).
/// Parsing stops at `--` or at the first argument that is not an option; `--long` options
/// are passed over.
fn getopt(args: &[&[u8]], optstring: &[u8], opt: Option<&[u8]>, out: &mut Values) -> bool {
    let spec = optstring.strip_prefix(b":").unwrap_or(optstring);
    let mut found: Option<SmallVec<[u8; 32]>> = None;
    let mut push = |name: Option<u8>, value: Option<&[u8]>, out: &mut Values| match opt {
        None => {
            if let Some(n) = name {
                out.push(Owned::Bytes(SmallVec::from_slice(&[n])));
            }
            if let Some(v) = value {
                out.push(Owned::Bytes(SmallVec::from_slice(v)));
            }
        }
        Some(o) => {
            if let Some(n) = name.filter(|&n| o == [n]) {
                found = Some(SmallVec::from_slice(value.unwrap_or(&[n])));
            }
        }
    };
    let mut i = 0;
    while i < args.len() {
        let a = args[i];
        if a == b"--" {
            break;
        }
        if a.starts_with(b"--") {
            i += 1;
            continue;
        }
        if a.len() < 2 || a[0] != b'-' {
            break;
        }
        let mut j = 1;
        while j < a.len() {
            let c = a[j];
            let pos = spec.iter().position(|&x| x == c && c != b':');
            let Some(pos) = pos else {
                push(Some(b'?'), None, out);
                j += 1;
                continue;
            };
            if spec.get(pos + 1) == Some(&b':') {
                if j + 1 < a.len() {
                    push(Some(c), Some(&a[j + 1..]), out);
                } else if i + 1 < args.len() {
                    push(Some(c), Some(args[i + 1]), out);
                    i += 1;
                } else {
                    // A missing argument: an empty value, and no name.
                    let name = opt.map(|_| c);
                    push(name, Some(b""), out);
                }
                break;
            }
            push(Some(c), None, out);
            j += 1;
        }
        i += 1;
    }
    match opt {
        None => true,
        Some(_) => match found {
            Some(v) => {
                out.push(Owned::Bytes(v));
                true
            }
            None => false,
        },
    }
}

fn bytes_of(o: &Owned) -> Option<&[u8]> {
    match o {
        Owned::Bytes(b) => Some(b),
        _ => None,
    }
}

fn transform<F, R: Record<Field = F> + ?Sized>(
    func: Func,
    args: &[Source<F>],
    rec: &mut R,
    out: &mut Values,
) -> bool {
    let mut vals = Values::new();
    match func {
        Func::Join => {
            let mut sep = Values::new();
            if !collect(&args[0], rec, &mut sep) || !collect(&args[1], rec, &mut vals) {
                return false;
            }
            let Some(sep) = sep.first().and_then(bytes_of) else {
                return false;
            };
            let mut s = SmallVec::<[u8; 32]>::new();
            for (i, v) in vals.iter().enumerate() {
                if i > 0 {
                    s.extend_from_slice(sep);
                }
                write_text(v, &mut s);
            }
            out.push(Owned::Bytes(s));
            true
        }
        Func::Concat => {
            let mut s = SmallVec::<[u8; 32]>::new();
            for a in args {
                vals.clear();
                if !collect(a, rec, &mut vals) {
                    return false;
                }
                let Some(b) = vals.first().and_then(bytes_of) else {
                    return false;
                };
                s.extend_from_slice(cstr(b));
            }
            out.push(Owned::Bytes(s));
            true
        }
        Func::Len => {
            if !collect(&args[0], rec, &mut vals) {
                return false;
            }
            let n = match vals.first() {
                Some(Owned::Bytes(b)) => cstr(b).len(),
                _ => return false,
            };
            out.push(Owned::Uint(n as u64));
            true
        }
        _ => {
            if !collect(&args[0], rec, &mut vals) {
                return false;
            }
            for v in vals {
                let Owned::Bytes(b) = v else {
                    return false;
                };
                let mapped: SmallVec<[u8; 32]> = match func {
                    Func::ToLower => b.iter().map(u8::to_ascii_lowercase).collect(),
                    Func::ToUpper => b.iter().map(u8::to_ascii_uppercase).collect(),
                    Func::Basename => {
                        let t = cstr(&b);
                        let start = t.iter().rposition(|&c| c == b'/').map_or(0, |i| i + 1);
                        SmallVec::from_slice(&t[start..])
                    }
                    Func::B64 => match b64_decode(cstr(&b)) {
                        Some(d) => d,
                        None => return false,
                    },
                    _ => b,
                };
                out.push(Owned::Bytes(mapped));
            }
            true
        }
    }
}

fn b64_decode(s: &[u8]) -> Option<SmallVec<[u8; 32]>> {
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => (c - b'A') as u32,
            b'a'..=b'z' => (c - b'a' + 26) as u32,
            b'0'..=b'9' => (c - b'0' + 52) as u32,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        })
    };
    // Padding may be left out; a lone sixth-bit character cannot end the text.
    if s.len() % 4 == 1 {
        return None;
    }
    let mut out = SmallVec::new();
    let chunks = s.len().div_ceil(4);
    for (k, chunk) in s.chunks(4).enumerate() {
        let last = k + 1 == chunks;
        let pad = chunk.iter().rev().take_while(|&&c| c == b'=').count() + (4 - chunk.len());
        if pad > 2 || (pad > 0 && !last) {
            return None;
        }
        let mut n = 0u32;
        for &c in &chunk[..4 - pad] {
            n = (n << 6) | val(c)?;
        }
        n <<= 6 * pad as u32;
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..3 - pad]);
    }
    Some(out)
}

/// A set of event codes: the answer of [`Program::event_types`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventTypes {
    words: Vec<u64>,
    universe: usize,
}

impl EventTypes {
    /// Every code below `universe`.
    pub fn all(universe: usize) -> Self {
        let mut s = Self::none(universe);
        for w in &mut s.words {
            *w = u64::MAX;
        }
        s.trim();
        s
    }

    /// No code.
    pub fn none(universe: usize) -> Self {
        EventTypes {
            words: vec![0; universe.div_ceil(64)],
            universe,
        }
    }

    fn trim(&mut self) {
        let r = self.universe % 64;
        if r != 0 {
            if let Some(w) = self.words.last_mut() {
                *w &= (1u64 << r) - 1;
            }
        }
    }

    /// Adds `code` (ignored when outside the universe).
    pub fn insert(&mut self, code: u16) {
        let c = code as usize;
        if c < self.universe {
            self.words[c / 64] |= 1 << (c % 64);
        }
    }

    /// Whether `code` is in the set. With an empty universe (a schema without event types)
    /// every code is.
    pub fn contains(&self, code: u16) -> bool {
        let c = code as usize;
        if self.universe == 0 {
            return true;
        }
        c < self.universe && self.words[c / 64] & (1 << (c % 64)) != 0
    }

    /// Whether `code` is in the set (none when the universe is empty).
    pub(crate) fn contains_exact(&self, code: u16) -> bool {
        let c = code as usize;
        c < self.universe && self.words[c / 64] & (1 << (c % 64)) != 0
    }

    /// Whether every code is in the set.
    pub fn is_all(&self) -> bool {
        self.len() == self.universe
    }

    /// How many codes are in the set.
    pub fn len(&self) -> usize {
        self.words.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// Whether no code is in the set.
    pub fn is_empty(&self) -> bool {
        self.universe > 0 && self.len() == 0
    }

    /// The codes in the set, in order.
    pub fn iter(&self) -> impl Iterator<Item = u16> + '_ {
        (0..self.universe)
            .filter(|&c| self.words[c / 64] & (1 << (c % 64)) != 0)
            .map(|c| c as u16)
    }

    pub(crate) fn union(&self, o: &Self) -> Self {
        EventTypes {
            words: self
                .words
                .iter()
                .zip(&o.words)
                .map(|(a, b)| a | b)
                .collect(),
            universe: self.universe,
        }
    }

    pub(crate) fn intersection(&self, o: &Self) -> Self {
        EventTypes {
            words: self
                .words
                .iter()
                .zip(&o.words)
                .map(|(a, b)| a & b)
                .collect(),
            universe: self.universe,
        }
    }

    pub(crate) fn complement(&self) -> Self {
        let mut s = EventTypes {
            words: self.words.iter().map(|w| !w).collect(),
            universe: self.universe,
        };
        s.trim();
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `cstr` cuts where a byte-by-byte scan cuts: a NUL at every place of texts of every
    /// length around the word sizes, among bytes next to zero in value and with high bits.
    #[test]
    fn cstr_cuts_at_the_first_nul() {
        for n in 0..=24usize {
            for fill in [b'a', 0x01, 0x80, 0xff] {
                for at in (0..n).map(Some).chain([None]) {
                    for second in [None, n.checked_sub(1)] {
                        let mut b = vec![fill; n];
                        for i in [at, second].into_iter().flatten() {
                            b[i] = 0;
                        }
                        let want = b.iter().position(|&c| c == 0).map_or(&b[..], |i| &b[..i]);
                        assert_eq!(cstr(&b), want, "{b:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn base64() {
        assert_eq!(b64_decode(b"aGVsbG8=").unwrap().as_slice(), b"hello");
        assert_eq!(b64_decode(b"aGk=").unwrap().as_slice(), b"hi");
        assert_eq!(b64_decode(b"").unwrap().as_slice(), b"");
        assert_eq!(b64_decode(b"aGk").unwrap().as_slice(), b"hi");
        assert!(b64_decode(b"aGkxa").is_none());
        assert!(b64_decode(b"a=Gk").is_none());
    }

    #[test]
    fn sets() {
        let mut a = EventTypes::none(100);
        a.insert(3);
        a.insert(99);
        assert_eq!(a.iter().collect::<Vec<_>>(), [3, 99]);
        assert_eq!(a.complement().len(), 98);
        assert!(EventTypes::all(100).is_all());
        assert!(EventTypes::all(0).contains(7));
    }

    #[test]
    fn comparisons() {
        let b = |s: &str| Owned::Bytes(s.as_bytes().into());
        assert!(scalar(
            Op::Lt,
            Type::Charbuf,
            Value::Bytes(b"abc"),
            &b("abd")
        ));
        assert!(scalar(
            Op::Eq,
            Type::Charbuf,
            Value::Bytes(b"ab\0c"),
            &b("ab")
        ));
        assert!(scalar(
            Op::IContains,
            Type::Charbuf,
            Value::Bytes(b"/USR/lib"),
            &b("usr")
        ));
        assert!(scalar(
            Op::StartsWith,
            Type::Charbuf,
            Value::Bytes(b"x"),
            &b("")
        ));
        assert!(scalar(
            Op::Gt,
            Type::Int(64),
            Value::Int(-1),
            &Owned::Int(-2)
        ));
        assert!(scalar(
            Op::Eq,
            Type::Uint(16),
            Value::Uint(70000),
            &Owned::Uint(4464)
        ));
        let net = Owned::Net("10.0.0.0".parse().unwrap(), 8);
        assert!(scalar(
            Op::Eq,
            Type::IpNet,
            Value::Ipv4([10, 1, 2, 3].into()),
            &net
        ));
        assert!(scalar(
            Op::Ne,
            Type::IpNet,
            Value::Ipv4([11, 1, 2, 3].into()),
            &net
        ));
        let v6 = Owned::Ip("::1".parse().unwrap());
        assert!(!scalar(
            Op::Eq,
            Type::IpAddr,
            Value::Ipv4([127, 0, 0, 1].into()),
            &v6
        ));
        assert!(scalar(
            Op::Ne,
            Type::IpAddr,
            Value::Ipv4([127, 0, 0, 1].into()),
            &v6
        ));
    }
}
