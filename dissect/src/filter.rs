//! The built-in fields as a filter [`Schema`], and an event seen through a [`StateView`] as a
//! filter [`Record`]: what `strata-filter` needs to run sysdig and Falco conditions.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use strata_filter::ast::Op;
use strata_filter::{
    FieldError, FieldSpec, Multi, Owned, Record, Schema, Single, Type, Value as FValue,
};
use strata_scap::table::{self, Direction, ParamType};

use crate::fields::{Builtin as B, FieldRef};
use crate::format::ExecClock;
use crate::registry::{Arg, FieldType, Registry};
use crate::render::{Flavor, RenderOptions};
use crate::state::StateView;
use crate::value::Value;

/// How many ancestors a check on `proc.aname` (no index) walks at most.
const MAX_ANCESTORS: usize = 64;

/// A field as the filter layer holds it.
#[derive(Debug, Clone)]
pub struct FilterField {
    kind: Kind,
    ty: Type,
}

#[derive(Debug, Clone)]
enum Kind {
    /// One value.
    One(FieldRef),
    /// `proc.aname`, `proc.apid`, `proc.aexe`, `proc.aexepath` without an index: the parent,
    /// the grandparent, ...
    Ancestors(Arc<[FieldRef]>),
    /// `evt.rawarg.NAME` as sysdig 0.29 compared it: the parameter's bytes read at the full
    /// width of the type its table gave the first parameter of that name.
    RawArg029(Box<str>),
    /// `fd.ip`, `fd.net` (addresses) or `fd.port`, `fd.proto` (ports): the client's and the
    /// server's, from [`StateView::fd_ends`].
    Ends { ports: bool },
    /// `evt.dir`, read straight from the event: the commonest check of a copy that keeps
    /// exits or enters costs a comparison of one byte.
    Dir,
    /// `fd.name_changed` as sysdig 0.29's filters saw it: they ran before the parser
    /// compared the fd's names, so `false` for any event with an fd (the `FieldRef` is the
    /// field itself, whose value tells whether there is one).
    NotYetRenamed(FieldRef),
    /// `evt.deltatime` (or its `.s`, `.ns`) as sysdig 0.29's filters had it: each check
    /// kept the time of the last event it looked at, so that under a filter it is the time
    /// since the previous event that reached that check (0 the first time).
    Delta {
        /// 1 for nanoseconds, `1_000_000_000` for the `.s` and `.ns` parts.
        unit: u64,
        /// Whether the part below the unit (`.ns`) is wanted rather than the whole units.
        rem: bool,
        /// The time of the last event this check looked at, 0 before the first.
        last: Arc<AtomicU64>,
    },
    /// `evt.latency.human` as sysdig 0.29's filters had it: each check kept its text, which
    /// an event without a thread left as the previous event's (nothing before the first).
    LatencyHuman {
        /// The latency last written, if any.
        last: Arc<Mutex<Option<u64>>>,
    },
    /// `thread.exectime` (`total` false) or `thread.totexectime`: each check keeps its own
    /// clock of context switches per CPU, as each of libsinsp's does (and as each occurrence
    /// in a format does).
    Exec {
        total: bool,
        clock: Arc<Mutex<ExecClock>>,
    },
    /// `fd.cip.name`, `fd.sip.name`, `fd.lip.name` or `fd.rip.name`, compared as libsinsp
    /// compares them (see [`Domain`]).
    Domain(Box<Domain>),
}

/// A domain-name field of a connection. libsinsp has no name for an address: it compares
/// `fd.sip.name = NAME` by resolving NAME on the machine that reads the capture and looking
/// for the server's address among the answers (`!=`: not among them; `in`: among any's),
/// on IP connections with a role only. Other operators it refuses (today's `exists` asks
/// whether the event has an fd).
#[derive(Debug, Clone)]
struct Domain {
    /// The field itself, for the paths that extract it (a transformer's argument).
    this: FieldRef,
    /// The end whose address is compared: 0 the client, 1 the server; `None` for the local
    /// and remote ends, which `addr` extracts.
    end: Option<usize>,
    /// `fd.lip` or `fd.rip`.
    addr: Option<FieldRef>,
    /// `fd.type`, which has a value when the event has an fd.
    fd: FieldRef,
}

/// The operators `fd.*ip.name` take in each era.
const DOMAIN_OPS_2022: &[Op] = &[Op::Eq, Op::Ne, Op::In];
const DOMAIN_OPS: &[Op] = &[Op::Eq, Op::Ne, Op::In, Op::Exists];

/// `evt.dir`'s text for `ev`.
fn dir_text(ev: &strata_scap::Event<'_>) -> &'static [u8] {
    match ev.direction() {
        Direction::Enter => b">",
        Direction::Exit => b"<",
    }
}

/// Fields whose value comes from the event and its place in the capture alone, the same
/// whatever the state engine knows (see [`FilterField::from_event_alone`]).
const EVENT_ALONE: &[&str] = &[
    "evt.num",
    "evt.type",
    "evt.dir",
    "evt.cpu",
    "evt.rawtime",
    "evt.rawtime.s",
    "evt.rawtime.ns",
];

impl FilterField {
    /// Whether the field's value is the same for every event of one event code (`evt.dir`,
    /// `evt.type`), generic syscall events (codes 0 and 1, named by a parameter) aside: a
    /// filter on such fields alone can be decided once per code.
    pub fn from_event_type(&self) -> bool {
        match &self.kind {
            Kind::Dir => true,
            Kind::One(f) => f.arg.is_none() && matches!(f.info().builtin, Some(B::EvtType)),
            _ => false,
        }
    }

    /// Whether checks on the field keep state from one event to the next (sysdig 0.29's
    /// `evt.deltatime`: the time since the last event the check saw; `thread.exectime`), so
    /// that which events the filter is run on changes what it answers.
    pub fn keeps_state(&self) -> bool {
        matches!(
            self.kind,
            Kind::Delta { .. } | Kind::Exec { .. } | Kind::LatencyHuman { .. }
        )
    }

    /// Whether the field has no value on an enter event whose fd the state does not hold
    /// (`fd.name`: an enter never names the fd it is about to make, and an fd of the table is
    /// named by the table). With [`Program::required_fields`](strata_filter::Program::required_fields)
    /// a caller refuses such events without evaluating the filter.
    ///
    /// ```
    /// use strata_dissect::{FilterSchema, Flavor, Registry};
    /// let schema = FilterSchema::new(Registry::builtin(), Flavor::default());
    /// let expr = strata_filter::parse("evt.type = open and fd.name contains /etc").unwrap();
    /// let program = strata_filter::compile(&schema, &expr).unwrap();
    /// let needs: Vec<bool> = program.required_fields().iter().map(|f| f.needs_fd_on_enter()).collect();
    /// assert_eq!(needs, [false, true]);
    /// ```
    pub fn needs_fd_on_enter(&self) -> bool {
        match &self.kind {
            Kind::One(f) => {
                f.arg.is_none() && f.is_fd_field() && f.info().builtin == Some(B::FdName)
            }
            _ => false,
        }
    }

    /// Whether the field is `evt.dir`, whose value is the same for every event of one
    /// event code, generic ones included.
    pub fn is_direction(&self) -> bool {
        matches!(self.kind, Kind::Dir)
    }

    /// Whether the field's value comes from the event alone (its number, type, direction,
    /// cpu, timestamp), so that a reader that keeps no state decides the filter as the state
    /// engine would: give such a field a [`Stateless`](crate::Stateless) view with the
    /// event's number and it answers as with the whole state.
    pub fn from_event_alone(&self) -> bool {
        match &self.kind {
            Kind::Dir => true,
            Kind::One(f) => f.arg.is_none() && EVENT_ALONE.contains(&&*f.info().name),
            _ => false,
        }
    }
}

/// The fields of a [`Registry`] for filters, read as the tools of `flavor`'s era read them.
///
/// ```
/// use strata_dissect::{FilterSchema, Flavor, Registry};
/// let schema = FilterSchema::new(Registry::builtin(), Flavor::default());
/// let expr = strata_filter::parse("evt.type in (open, openat) and fd.name contains /etc").unwrap();
/// let program = strata_filter::compile(&schema, &expr).unwrap();
/// // Only opens can pass: the events of other types need not be looked at.
/// let types = program.event_types();
/// assert!(types.contains(3) && !types.contains(7)); // open's exit, read's exit
/// ```
#[derive(Debug, Clone, Copy)]
pub struct FilterSchema<'r> {
    reg: &'r Registry,
    flavor: Flavor,
}

impl<'r> FilterSchema<'r> {
    /// The fields of `reg`, in `flavor`'s reading.
    pub fn new(reg: &'r Registry, flavor: Flavor) -> Self {
        FilterSchema { reg, flavor }
    }
}

fn field_type(ty: FieldType) -> Type {
    match ty {
        FieldType::Int16 => Type::Int(16),
        FieldType::Int32 => Type::Int(32),
        FieldType::Int64 => Type::Int(64),
        FieldType::Uint32 => Type::Uint(32),
        FieldType::Uint64 => Type::Uint(64),
        FieldType::Charbuf => Type::Charbuf,
        FieldType::Bytebuf => Type::Bytebuf,
        FieldType::Bool => Type::Bool,
        FieldType::AbsTime => Type::AbsTime,
        FieldType::RelTime => Type::RelTime,
        FieldType::Double => Type::Double,
        FieldType::IpAddr => Type::IpAddr,
        FieldType::IpNet => Type::IpNet,
        FieldType::Port => Type::Port,
        _ => Type::Charbuf,
    }
}

/// The filter type of an event parameter's raw value.
fn param_type(t: ParamType) -> Type {
    use ParamType as P;
    match t {
        P::Int8 => Type::Int(8),
        P::Int16 => Type::Int(16),
        P::Int32 => Type::Int(32),
        P::Int64 | P::Errno | P::Fd | P::Pid => Type::Int(64),
        P::Uint8 | P::Flags8 | P::Sigtype | P::L4proto | P::Sockfamily => Type::Uint(8),
        P::Uint16 | P::Flags16 | P::Syscallid => Type::Uint(16),
        P::Port => Type::Port,
        P::Uint32 | P::Flags32 | P::Uid | P::Gid | P::Mode | P::Sigset => Type::Uint(32),
        P::Uint64 => Type::Uint(64),
        P::Reltime => Type::RelTime,
        P::Abstime => Type::AbsTime,
        P::Bool => Type::Bool,
        P::Double => Type::Double,
        P::Bytebuf => Type::Bytebuf,
        P::Ipv4addr => Type::Ipv4Addr,
        P::Ipv6addr => Type::Ipv6Addr,
        P::Ipaddr => Type::IpAddr,
        _ => Type::Charbuf,
    }
}

/// The type of the first parameter called `name` in the event table.
fn first_param_type(name: &str) -> Option<ParamType> {
    (0..table::PPM_EVENT_MAX)
        .filter_map(table::event_info)
        .flat_map(|e| e.params.iter())
        .find(|p| p.name == name)
        .map(|p| p.ty)
}

fn rawarg_type(name: &str) -> Option<Type> {
    first_param_type(name).map(param_type)
}

/// Whether some event has a parameter called `name`.
fn param_name_exists(name: &str) -> bool {
    first_param_type(name).is_some() || crate::old_table::rawarg_type_029(name).is_some()
}

/// The first event code called `name` (`evt.type.is.NAME` matches it and the next code).
pub(crate) fn first_code(name: &str) -> Option<u16> {
    codes_by_name().get(name)?.first().copied()
}

/// Event codes by the names `evt.type` gives them: every event's name, and every syscall
/// name (a syscall without an event of its own arrives as a generic event).
fn codes_by_name() -> &'static HashMap<&'static str, Vec<u16>> {
    static MAP: OnceLock<HashMap<&'static str, Vec<u16>>> = OnceLock::new();
    MAP.get_or_init(|| {
        let mut m: HashMap<&'static str, Vec<u16>> = HashMap::new();
        for code in 0..table::PPM_EVENT_MAX {
            if let Some(e) = table::event_info(code) {
                m.entry(e.name).or_default().push(code);
            }
        }
        for sc in 0..=u16::MAX {
            let Some(name) = table::syscall_name(sc) else {
                if sc > 1024 {
                    break;
                }
                continue;
            };
            // A syscall without an event of its own arrives as a generic event (an uncertain
            // code, which event-type sets always keep).
            m.entry(name).or_default();
        }
        m
    })
}

impl Schema for FilterSchema<'_> {
    type Field = FilterField;

    fn resolve(&self, name: &str, arg: Option<&str>) -> Result<FieldSpec<FilterField>, FieldError> {
        let text = match arg {
            Some(a) => format!("{name}[{a}]"),
            None => name.to_string(),
        };
        let (id, parsed) = self.reg.resolve(&text).map_err(|e| match e {
            crate::Error::UnknownField { .. } => FieldError::Unknown,
            other => FieldError::BadArgument(other.to_string()),
        })?;
        let info = self.reg.info(id);
        let bad = |why: String| Err(FieldError::BadArgument(why));
        // What libsinsp's field parsers refuse (in both eras).
        match (info.builtin, &parsed) {
            (Some(B::EvtArg | B::EvtRawarg), Some(Arg::Name(n))) if !param_name_exists(n) => {
                return bad(format!("unknown event argument {n}"));
            }
            // `evt.arg[x]`: a bracket argument must be a number.
            (Some(B::EvtArg), Some(Arg::Name(_))) if arg.is_some() => {
                return bad("the index of evt.arg[N] must be a number".into());
            }
            (Some(B::EvtTypeIs), Some(Arg::Name(n)))
                if n.parse::<u16>().is_err() && first_code(n).is_none() =>
            {
                return bad(format!("unknown event type {n}"));
            }
            _ => {}
        }
        let mut ty = field_type(info.ty);
        let rawarg_029 = info.ty == FieldType::Dynamic && self.flavor == Flavor::Sysdig029;
        if info.ty == FieldType::Dynamic {
            let pname = parsed.as_ref().and_then(Arg::name).unwrap_or_default();
            let found = if rawarg_029 {
                crate::old_table::rawarg_type_029(pname).map(param_type)
            } else {
                rawarg_type(pname)
            };
            ty = found.ok_or_else(|| {
                FieldError::BadArgument(format!("no event has a parameter called '{pname}'"))
            })?;
            // Parameters whose values libsinsp cannot compare.
            let first = if rawarg_029 {
                crate::old_table::rawarg_type_029(pname)
            } else {
                first_param_type(pname)
            };
            let refused = match first {
                Some(ParamType::Bytebuf | ParamType::Sigtype | ParamType::Double) => true,
                Some(ParamType::Pid) => rawarg_029,
                _ => false,
            };
            if refused {
                return bad(format!(
                    "evt.rawarg.{pname}: its type has no filter comparison"
                ));
            }
        }
        let one = |id, arg| FieldRef::new(self.reg, id, arg);
        let (kind, multi, plain) = match (info.builtin, &parsed) {
            // No index, or −1: any ancestor.
            (
                Some(B::ProcAname | B::ProcApid | B::ProcAexe | B::ProcAexepath),
                None | Some(Arg::Index(-1)),
            ) => {
                let refs: Arc<[FieldRef]> = (1..=MAX_ANCESTORS as i64)
                    .map(|i| one(id, Some(Arg::Index(i))))
                    .collect();
                (Kind::Ancestors(refs), Multi::Any, true)
            }
            // fd.proto compares ports too, in both eras (`fd.proto=http` is port 80).
            (Some(b @ (B::FdIp | B::FdPort | B::FdNet | B::FdProto)), _) => (
                Kind::Ends {
                    ports: matches!(b, B::FdPort | B::FdProto),
                },
                Multi::Either,
                true,
            ),
            (Some(b @ (B::FdCipName | B::FdSipName | B::FdLipName | B::FdRipName)), _) => {
                let builtin = |name: &str| {
                    self.reg
                        .resolve(name)
                        .map(|(id, _)| one(id, None))
                        .map_err(|_| FieldError::Unknown)
                };
                let addr = match b {
                    B::FdLipName => Some(builtin("fd.lip")?),
                    B::FdRipName => Some(builtin("fd.rip")?),
                    _ => None,
                };
                let domain = Domain {
                    this: one(id, parsed.clone()),
                    end: match b {
                        B::FdCipName => Some(0),
                        B::FdSipName => Some(1),
                        _ => None,
                    },
                    addr,
                    fd: builtin("fd.type")?,
                };
                (Kind::Domain(Box::new(domain)), Multi::Single, false)
            }
            (Some(b @ (B::EvtDeltatime | B::EvtDeltatimeS | B::EvtDeltatimeNs)), _)
                if self.flavor == Flavor::Sysdig029 =>
            {
                let kind = Kind::Delta {
                    unit: if b == B::EvtDeltatime {
                        1
                    } else {
                        1_000_000_000
                    },
                    rem: b == B::EvtDeltatimeNs,
                    last: Arc::new(AtomicU64::new(0)),
                };
                (kind, Multi::Single, false)
            }
            // (sysdig 0.29 stops with "invalid thread state ID" on some captures when a
            // filter names `thread.totexectime`: its per-thread sums live in thread memory
            // reserved as the filter is compiled.)
            (Some(B::EvtLatencyHuman), _) if self.flavor == Flavor::Sysdig029 => (
                Kind::LatencyHuman {
                    last: Default::default(),
                },
                Multi::Single,
                false,
            ),
            (Some(b @ (B::ThreadExectime | B::ThreadTotexectime)), _) => {
                let kind = Kind::Exec {
                    total: b == B::ThreadTotexectime,
                    clock: Default::default(),
                };
                (kind, Multi::Single, false)
            }
            (Some(B::EvtDir), None) => (Kind::Dir, Multi::Single, false),
            (Some(B::FdNameChanged), _) if self.flavor == Flavor::Sysdig029 => (
                Kind::NotYetRenamed(one(id, parsed.clone())),
                Multi::Single,
                false,
            ),
            _ if rawarg_029 => (
                Kind::RawArg029(
                    parsed
                        .as_ref()
                        .and_then(Arg::name)
                        .unwrap_or_default()
                        .into(),
                ),
                Multi::Single,
                true,
            ),
            _ => (
                Kind::One(one(id, parsed.clone())),
                Multi::Single,
                info.ty == FieldType::Dynamic,
            ),
        };
        let mut spec = FieldSpec::new(FilterField { kind, ty }, ty).with_multi(multi);
        if plain {
            spec = spec.plain_only();
        }
        if matches!(info.builtin, Some(B::EvtType)) {
            spec = spec.as_event_type();
        }
        // Fields compared by the event source: `evt.around[T] = D` (filter only) passes
        // events within D milliseconds of time T; the `fd.*ip.name` compare addresses.
        spec.ops = match (&spec.field.kind, info.builtin) {
            (_, Some(B::EvtAround)) => Some(&[Op::Eq]),
            (Kind::Domain(_), _) if self.flavor == Flavor::Sysdig029 => Some(DOMAIN_OPS_2022),
            (Kind::Domain(_), _) => Some(DOMAIN_OPS),
            _ => None,
        };
        spec.compares_self = spec.ops.is_some();
        Ok(spec)
    }

    fn names(&self) -> Vec<String> {
        self.reg.iter().map(|(_, f)| f.name.to_string()).collect()
    }

    fn event_codes(&self, name: &str) -> Option<Vec<u16>> {
        if let Some(codes) = codes_by_name().get(name) {
            return Some(codes.clone());
        }
        // Names only sysdig 0.29's tables had: its name of generic events whose syscall it
        // did not know, its unused slots, and two old syscall names.
        match (self.flavor, name) {
            (
                Flavor::Sysdig029,
                "<unknown>" | "newselect" | "NA1" | "NA2" | "NA3" | "NA4" | "NA5" | "sysdigevent",
            ) => Some(Vec::new()),
            _ => None,
        }
    }

    fn uncertain_event_codes(&self) -> Vec<u16> {
        // Generic syscall events: their type name is that of the syscall they carry.
        vec![0, 1]
    }

    fn event_code_count(&self) -> usize {
        table::PPM_EVENT_MAX as usize
    }

    fn dialect(&self) -> strata_filter::Dialect {
        match self.flavor {
            Flavor::Sysdig029 => strata_filter::Dialect::Sysdig029,
            _ => strata_filter::Dialect::Libsinsp,
        }
    }
}

/// One event, with its state, as filters see it.
///
/// ```
/// use strata_dissect::{FilterRecord, FilterSchema, Flavor, Registry, RenderOptions, Stateless};
/// use strata_scap::{Block, Capture};
///
/// let schema = FilterSchema::new(Registry::builtin(), Flavor::default());
/// let program = strata_filter::compile(&schema, &strata_filter::parse("evt.dir = '<'").unwrap()).unwrap();
/// let opts = RenderOptions::default();
/// let capture = Capture::from_bytes(strata_scap::demo::capture()).unwrap();
/// let mut exits = 0;
/// for (i, block) in capture.blocks().enumerate() {
///     if let Ok(Block::Event(ev)) = block {
///         let view = Stateless::new(ev, i as u64 + 1);
///         exits += program.matches(&mut FilterRecord::new(&view, &opts)) as usize;
///     }
/// }
/// assert!(exits > 0);
/// ```
pub struct FilterRecord<'v, S: StateView + ?Sized> {
    view: &'v S,
    opts: &'v RenderOptions,
    scratch: String,
}

impl<'v, S: StateView + ?Sized> FilterRecord<'v, S> {
    /// The event of `view`, its fields extracted with `opts`.
    pub fn new(view: &'v S, opts: &'v RenderOptions) -> Self {
        FilterRecord {
            view,
            opts,
            scratch: String::new(),
        }
    }

    /// The same with a scratch buffer to reuse (composed values are written there), so a
    /// caller that keeps one allocates nothing per event.
    pub fn with_scratch(view: &'v S, opts: &'v RenderOptions, scratch: String) -> Self {
        FilterRecord {
            view,
            opts,
            scratch,
        }
    }

    /// The scratch buffer, to reuse for the next event.
    pub fn into_scratch(self) -> String {
        self.scratch
    }

    /// Writes a [`Kind::LatencyHuman`] check's text into the scratch buffer; `false` for
    /// internal events, which have none.
    fn latency_human(&mut self, last: &Mutex<Option<u64>>) -> bool {
        const EC_INTERNAL: u32 = 256;
        let ev = self.view.event();
        if ev.info().is_some_and(|i| i.category.0 & EC_INTERNAL != 0) {
            return false;
        }
        let mut last = last.lock().unwrap_or_else(|e| e.into_inner());
        if self.view.had_thread() {
            *last = Some(self.view.latency().unwrap_or(0));
        }
        self.scratch.clear();
        if let Some(ns) = *last {
            crate::time::write_human_duration(&mut self.scratch, ns);
        }
        true
    }

    /// `fd.sip.name OP NAMES` and kin (see [`Domain`]).
    fn compare_domain(&mut self, d: &Domain, op: Op, names: &[Owned]) -> bool {
        if op == Op::Exists {
            return d
                .fd
                .extract(self.view, self.opts, &mut self.scratch)
                .is_some();
        }
        // An IP connection (a server socket has one end) with a role.
        let Some(ends) = self.view.fd_ends().filter(|e| e.role && e.ips[1].is_some()) else {
            return false;
        };
        let addr = match (d.end, &d.addr) {
            (Some(end), _) => ends.ips[end],
            (None, Some(r)) => match r.extract(self.view, self.opts, &mut self.scratch) {
                Some(Value::Ipv4(a)) => Some(a.into()),
                Some(Value::Ipv6(a)) => Some(a.into()),
                _ => None,
            },
            (None, None) => None,
        };
        let Some(addr) = addr else {
            return false;
        };
        let resolves_to = |name: &Owned| match name {
            Owned::Bytes(n) => crate::resolve::addresses(n).contains(&addr),
            _ => false,
        };
        match op {
            Op::Eq => names.first().is_some_and(resolves_to),
            Op::Ne => !names.first().is_some_and(resolves_to),
            Op::In => names.iter().any(resolves_to),
            _ => false,
        }
    }
}

/// A [`Kind::Delta`] check's value for an event at `ts`, which becomes its last.
fn delta(kind: &Kind, ts: u64) -> u64 {
    let Kind::Delta { unit, rem, last } = kind else {
        return 0;
    };
    let prev = last.swap(ts, Ordering::Relaxed);
    let d = if prev == 0 { 0 } else { ts.wrapping_sub(prev) };
    if *rem { d % unit } else { d / unit }
}

/// `u`'s low `bits` as a signed number.
fn sign_extend(u: u64, bits: u8) -> i64 {
    match bits {
        8 => u as u8 as i8 as i64,
        16 => u as u16 as i16 as i64,
        32 => u as u32 as i32 as i64,
        _ => u as i64,
    }
}

/// Hands `v` to `each` as the filter's value of a field of type `ty`; `false` to stop.
fn hand(v: Value<'_>, ty: Type, each: &mut dyn FnMut(FValue<'_>) -> bool) -> bool {
    match convert(v, ty) {
        Converted::One(fv) => each(fv),
        Converted::Empty => true,
        Converted::List(items) => {
            for &i in items {
                if !hand(i, ty, each) {
                    return false;
                }
            }
            true
        }
        // Each item as the field's type has it (numbers and addresses written as text).
        Converted::Strs(s) => {
            for i in s.split_terminator('\0') {
                if !hand(Value::Str(i), ty, each) {
                    return false;
                }
            }
            true
        }
    }
}

/// A value as the filter layer takes it.
enum Converted<'a> {
    One(FValue<'a>),
    /// A value that gives none of the field's type (a number that is not one).
    Empty,
    List(&'a [Value<'a>]),
    /// Texts, NUL-ended ([`Value::Strs`]).
    Strs(&'a str),
}

fn convert(v: Value<'_>, ty: Type) -> Converted<'_> {
    let fv = match v {
        // A number composed as text (`evt.reltime`, ...).
        Value::Str(s) if ty.is_numeric() => match (s.parse::<u64>(), s.parse::<i64>()) {
            (Ok(u), _) => FValue::Uint(u),
            (_, Ok(i)) => FValue::Int(i),
            _ => return Converted::Empty,
        },
        // An address written as text (a list item).
        Value::Str(s)
            if matches!(
                ty,
                Type::IpAddr
                    | Type::Ipv4Addr
                    | Type::Ipv6Addr
                    | Type::IpNet
                    | Type::Ipv4Net
                    | Type::Ipv6Net
            ) =>
        {
            match s.parse::<std::net::IpAddr>() {
                Ok(std::net::IpAddr::V4(a)) => FValue::Ipv4(a),
                Ok(std::net::IpAddr::V6(a)) => FValue::Ipv6(a),
                Err(_) => return Converted::Empty,
            }
        }
        Value::Str(s) => FValue::Bytes(s.as_bytes()),
        Value::Bytes(b) | Value::Buf(b) | Value::Sanitized(b) => FValue::Bytes(b),
        Value::I64(x) => FValue::Int(x),
        Value::U64(x) | Value::RelTime(x) | Value::AbsTime(x) => FValue::Uint(x),
        Value::Port(p) => FValue::Uint(p as u64),
        Value::Bool(b) => FValue::Bool(b),
        Value::Double(d) => FValue::Double(d),
        Value::Ipv4(a) => FValue::Ipv4(a),
        Value::Ipv6(a) => FValue::Ipv6(a),
        Value::Param(p, _) => match ty {
            Type::Int(_) => match p.as_i64() {
                Some(x) => FValue::Int(x),
                None => return Converted::Empty,
            },
            t if t.is_numeric() || t == Type::Bool => {
                match p.as_u64().or_else(|| p.as_i64().map(|x| x as u64)) {
                    Some(x) => FValue::Uint(x),
                    None => return Converted::Empty,
                }
            }
            _ => match p.as_bytes() {
                Some(b) => FValue::Bytes(b),
                None => return Converted::Empty,
            },
        },
        Value::List(items) => return Converted::List(items),
        Value::Strs(s) => return Converted::Strs(s),
    };
    Converted::One(fv)
}

impl<S: StateView + ?Sized> Record for FilterRecord<'_, S> {
    type Field = FilterField;

    /// `evt.around[T] = D`: T within D milliseconds of the event's time (libsinsp's
    /// unsigned arithmetic, wrapping as it does); `fd.*ip.name`, by the addresses a name
    /// resolves to.
    fn compare_self(&mut self, field: &FilterField, op: Op, values: &[Owned]) -> bool {
        let r = match &field.kind {
            Kind::One(r) => r,
            Kind::Domain(d) => return self.compare_domain(d, op, values),
            _ => return false,
        };
        let [value] = values else {
            return false;
        };
        let Some(Arg::Index(t)) = r.arg else {
            return false;
        };
        let d = match *value {
            strata_filter::Owned::Uint(d) => d,
            strata_filter::Owned::Int(d) => d as u64,
            _ => return false,
        };
        let ts = self.view.event().ts;
        let delta = d.wrapping_mul(1_000_000);
        let t = t as u64;
        t >= ts.wrapping_sub(delta) && t <= ts.wrapping_add(delta)
    }

    fn event_code(&self) -> Option<u16> {
        Some(self.view.event().event_type)
    }

    fn single(&mut self, field: &FilterField) -> Single<'_> {
        let r = match &field.kind {
            Kind::One(r) => r,
            Kind::Dir => return Single::One(FValue::Bytes(dir_text(self.view.event()))),
            Kind::NotYetRenamed(r) => {
                return match r.extract(self.view, self.opts, &mut self.scratch) {
                    Some(_) => Single::One(FValue::Bool(false)),
                    None => Single::Missing,
                };
            }
            Kind::Domain(d) => &d.this,
            Kind::Delta { .. } => {
                return Single::One(FValue::Uint(delta(&field.kind, self.view.event().ts)));
            }
            Kind::Exec { total, clock } => {
                let mut clock = clock.lock().unwrap_or_else(|e| e.into_inner());
                return match clock.value(*total, self.view, self.opts.flavor) {
                    Some(t) => Single::One(FValue::Uint(t)),
                    None => Single::Missing,
                };
            }
            Kind::LatencyHuman { last } => {
                return match self.latency_human(last) {
                    true => Single::One(FValue::Bytes(self.scratch.as_bytes())),
                    false => Single::Missing,
                };
            }
            _ => return Single::Many,
        };
        match r.extract(self.view, self.opts, &mut self.scratch) {
            None => Single::Missing,
            // (Text, the commonest value, as `convert` gives it, without the call.)
            Some(Value::Bytes(b) | Value::Buf(b) | Value::Sanitized(b)) => {
                Single::One(FValue::Bytes(b))
            }
            Some(v) => match convert(v, field.ty) {
                Converted::One(fv) => Single::One(fv),
                Converted::Empty => Single::Empty,
                Converted::List(_) | Converted::Strs(_) => Single::Many,
            },
        }
    }

    fn extract(&mut self, field: &FilterField, each: &mut dyn FnMut(FValue<'_>) -> bool) -> bool {
        match &field.kind {
            Kind::Dir => {
                each(FValue::Bytes(dir_text(self.view.event())));
                true
            }
            Kind::One(r) => match r.extract(self.view, self.opts, &mut self.scratch) {
                Some(v) => {
                    hand(v, field.ty, each);
                    true
                }
                None => false,
            },
            Kind::Delta { .. } => {
                each(FValue::Uint(delta(&field.kind, self.view.event().ts)));
                true
            }
            Kind::LatencyHuman { last } => {
                if !self.latency_human(last) {
                    return false;
                }
                each(FValue::Bytes(self.scratch.as_bytes()));
                true
            }
            Kind::Exec { total, clock } => {
                let mut clock = clock.lock().unwrap_or_else(|e| e.into_inner());
                match clock.value(*total, self.view, self.opts.flavor) {
                    Some(t) => {
                        each(FValue::Uint(t));
                        true
                    }
                    None => false,
                }
            }
            Kind::Domain(d) => match d.this.extract(self.view, self.opts, &mut self.scratch) {
                Some(v) => {
                    hand(v, field.ty, each);
                    true
                }
                None => false,
            },
            Kind::NotYetRenamed(r) => match r.extract(self.view, self.opts, &mut self.scratch) {
                Some(_) => {
                    hand(Value::Bool(false), field.ty, each);
                    true
                }
                None => false,
            },
            Kind::Ancestors(refs) => {
                let mut any = false;
                for r in refs.iter() {
                    let Some(v) = r.extract(self.view, self.opts, &mut self.scratch) else {
                        break;
                    };
                    any = true;
                    if !hand(v, field.ty, each) {
                        break;
                    }
                }
                any
            }
            Kind::RawArg029(name) => {
                let ev = self.view.event();
                let Some(raw) = crate::old_table::rawarg_raw_029(ev, name) else {
                    return false;
                };
                let endian = ev.endian();
                // Read at the type's full width; bytes the parameter lacks read as 0.
                let mut wide = [0u8; 8];
                let n = raw.len().min(8);
                wide[..n].copy_from_slice(&raw[..n]);
                let v = match field.ty {
                    Type::Int(bits) | Type::Uint(bits) => {
                        let u = match bits {
                            8 => wide[0] as u64,
                            16 => endian.u16(&wide, 0).unwrap_or(0) as u64,
                            32 => endian.u32(&wide, 0).unwrap_or(0) as u64,
                            _ => endian.u64(&wide, 0).unwrap_or(0),
                        };
                        match field.ty {
                            Type::Int(_) => FValue::Int(sign_extend(u, bits)),
                            _ => FValue::Uint(u),
                        }
                    }
                    Type::Port => FValue::Uint(endian.u16(&wide, 0).unwrap_or(0) as u64),
                    t if t.is_numeric() || t == Type::Bool => {
                        FValue::Uint(endian.u64(&wide, 0).unwrap_or(0))
                    }
                    _ => {
                        let end = raw.iter().position(|&c| c == 0).unwrap_or(raw.len());
                        FValue::Bytes(&raw[..end])
                    }
                };
                each(v);
                true
            }
            Kind::Ends { ports } => {
                let Some(ends) = self.view.fd_ends() else {
                    return false;
                };
                for i in 0..2 {
                    let v = match (ports, ends.ips[i], ends.ports[i]) {
                        (true, _, Some(p)) => FValue::Uint(p as u64),
                        (false, Some(std::net::IpAddr::V4(a)), _) => FValue::Ipv4(a),
                        (false, Some(std::net::IpAddr::V6(a)), _) => FValue::Ipv6(a),
                        _ => continue,
                    };
                    if !each(v) {
                        break;
                    }
                }
                true
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::net::{IpAddr, Ipv4Addr};

    use super::*;
    use crate::state::FdEnds;
    use crate::test_support::{View, body, event};

    fn program(text: &str, flavor: Flavor) -> Result<strata_filter::Program<FilterField>, String> {
        let expr = strata_filter::parse(text).map_err(|e| e.to_string())?;
        strata_filter::compile(&FilterSchema::new(Registry::builtin(), flavor), &expr)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn each_deltatime_check_keeps_its_own_clock() {
        let opts = RenderOptions::default().with_flavor(Flavor::Sysdig029);
        let p = program(
            "evt.deltatime < 100 or evt.deltatime > 1000",
            Flavor::Sysdig029,
        )
        .unwrap();
        let b = body(3, &[]);
        let answers: Vec<bool> = [1000, 1050, 3000, 3010]
            .into_iter()
            .map(|ts| {
                let mut ev = event(&b);
                ev.ts = ts;
                p.matches(&mut FilterRecord::new(&View::new(ev), &opts))
            })
            .collect();
        // At 3000 the first check sees 1950 ns; the second, asked for the first time, 0.
        assert_eq!(answers, [true, true, false, true]);
        assert!(p.fields().iter().all(|f| f.keeps_state()));
    }

    /// An event on a connection from 192.0.2.1 to `server`, with a role or not.
    struct Conn<'a> {
        view: View<'a>,
        server: Ipv4Addr,
        role: bool,
    }

    impl StateView for Conn<'_> {
        fn event(&self) -> &strata_scap::Event<'_> {
            self.view.event()
        }
        fn num(&self) -> u64 {
            1
        }
        fn fd_ends(&self) -> Option<FdEnds> {
            Some(FdEnds {
                ips: [Some(IpAddr::from([192, 0, 2, 1])), Some(self.server.into())],
                ports: [Some(40000), Some(80)],
                role: self.role,
            })
        }
    }

    #[test]
    fn domain_names_compare_the_addresses_a_name_resolves_to() {
        let opts = RenderOptions::default().with_flavor(Flavor::Sysdig029);
        let b = body(3, &[]);
        let pass = |text: &str, server: [u8; 4], role: bool| {
            let p = program(text, Flavor::Sysdig029).unwrap();
            let conn = Conn {
                view: View::new(event(&b)),
                server: server.into(),
                role,
            };
            p.matches(&mut FilterRecord::new(&conn, &opts))
        };
        // (An address is a name that resolves to itself.)
        assert!(pass("fd.sip.name = 192.0.2.7", [192, 0, 2, 7], true));
        assert!(!pass("fd.sip.name != 192.0.2.7", [192, 0, 2, 7], true));
        assert!(pass("fd.sip.name != 192.0.2.8", [192, 0, 2, 7], true));
        assert!(pass(
            "fd.cip.name in (192.0.2.9, 192.0.2.1)",
            [192, 0, 2, 7],
            true
        ));
        assert!(!pass("fd.cip.name = 192.0.2.7", [192, 0, 2, 7], true));
        // A socket without a role passes neither.
        assert!(!pass("fd.sip.name = 192.0.2.7", [192, 0, 2, 7], false));
        assert!(!pass("fd.sip.name != 192.0.2.8", [192, 0, 2, 7], false));
        // sysdig 0.29 takes `=`, `!=` and `in` only; today's libsinsp `exists` too.
        let err = program("fd.cip.name exists", Flavor::Sysdig029).unwrap_err();
        assert!(
            err.contains("only supports the '=', '!=' and 'in' operators"),
            "{err}"
        );
        assert!(program("fd.cip.name exists", Flavor::Libsinsp025).is_ok());
        assert!(program("fd.sip.name contains x", Flavor::Libsinsp025).is_err());
    }
}
