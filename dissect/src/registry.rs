//! The field registry: every field's name, class, type, argument syntax and doc, and the
//! parser for `name`, `name.ARG` and `name[ARG]`.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::OnceLock;

use crate::error::Error;
use crate::fields::defs::{BUILTINS, Builtin, Def};
use crate::fields::modern::MODERN;
use crate::state::StateView;
use crate::user::{Extractor, FieldClass, FnExtractor, One, UserSource};
use crate::value::Value;
use std::sync::Arc;

/// The type of a field's values, as sysdig declares it (`PT_*` names in libsinsp).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FieldType {
    /// 16-bit signed integer.
    Int16,
    /// 32-bit signed integer.
    Int32,
    /// 64-bit signed integer.
    Int64,
    /// 32-bit unsigned integer.
    Uint32,
    /// 64-bit unsigned integer.
    Uint64,
    /// Text.
    Charbuf,
    /// Raw bytes.
    Bytebuf,
    /// Boolean.
    Bool,
    /// Nanoseconds since the epoch.
    AbsTime,
    /// A duration in nanoseconds.
    RelTime,
    /// Floating point.
    Double,
    /// An IPv4 or IPv6 address.
    IpAddr,
    /// An IPv4 or IPv6 network (filters only).
    IpNet,
    /// A TCP/UDP port.
    Port,
    /// The type depends on the argument (`evt.rawarg.NAME` takes the parameter's type).
    Dynamic,
}

impl FieldType {
    /// sysdig's name of the type (`UINT64`, `CHARBUF`, ...).
    pub const fn name(self) -> &'static str {
        match self {
            FieldType::Int16 => "INT16",
            FieldType::Int32 => "INT32",
            FieldType::Int64 => "INT64",
            FieldType::Uint32 => "UINT32",
            FieldType::Uint64 => "UINT64",
            FieldType::Charbuf => "CHARBUF",
            FieldType::Bytebuf => "BYTEBUF",
            FieldType::Bool => "BOOL",
            FieldType::AbsTime => "ABSTIME",
            FieldType::RelTime => "RELTIME",
            FieldType::Double => "DOUBLE",
            FieldType::IpAddr => "IPADDR",
            FieldType::IpNet => "IPNET",
            FieldType::Port => "PORT",
            FieldType::Dynamic => "DYNAMIC",
        }
    }
}

/// The class (group) of a built-in field, as `sysdig -l` lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Class {
    /// `evt.*` and `syscall.type`: the event itself.
    Evt,
    /// `proc.*` and `thread.*`.
    Process,
    /// `user.*`.
    User,
    /// `group.*`.
    Group,
    /// `container.*`.
    Container,
    /// `fd.*`.
    Fd,
    /// `fdlist.*`: the fds of poll-like events.
    FdList,
    /// `syslog.*`: messages written to /dev/log.
    Syslog,
    /// `k8s.*`.
    K8s,
    /// `mesos.*` and `marathon.*`.
    Mesos,
    /// `span.*`: tracer spans.
    Span,
    /// `evtin.*`: events inside tracer spans.
    EvtIn,
    /// `fs.path.*`: the path a file-system call acts on (libsinsp 0.25).
    FsPath,
    /// `util.*`: helpers of output formats (libsinsp 0.25).
    Util,
}

impl Class {
    /// The class name sysdig shows (`evt`, `process`, ...).
    pub const fn name(self) -> &'static str {
        match self {
            Class::Evt => "evt",
            Class::Process => "process",
            Class::User => "user",
            Class::Group => "group",
            Class::Container => "container",
            Class::Fd => "fd",
            Class::FdList => "fdlist",
            Class::Syslog => "syslog",
            Class::K8s => "k8s",
            Class::Mesos => "mesos",
            Class::Span => "span",
            Class::EvtIn => "evtin",
            Class::FsPath => "fs.path",
            Class::Util => "util",
        }
    }
}

/// Which argument syntax a field accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ArgKind {
    /// No argument.
    None,
    /// A number in brackets: `proc.aname[2]`.
    Index,
    /// A name after a dot (`evt.rawarg.fd`) or in brackets (`k8s.pod.label[app]`).
    Name,
    /// Either of the above: `evt.arg.fd` or `evt.arg[0]`.
    IndexOrName,
    /// A number or free text (a path glob) in brackets: `container.mount[/usr/*]`.
    IndexOrKey,
}

impl ArgKind {
    const fn takes_index(self) -> bool {
        matches!(
            self,
            ArgKind::Index | ArgKind::IndexOrName | ArgKind::IndexOrKey
        )
    }
    const fn takes_dot_name(self) -> bool {
        matches!(self, ArgKind::Name | ArgKind::IndexOrName)
    }
    const fn takes_bracket_text(self) -> bool {
        matches!(
            self,
            ArgKind::Name | ArgKind::IndexOrName | ArgKind::IndexOrKey
        )
    }
}

/// A parsed field argument.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Arg {
    /// `[N]`.
    Index(i64),
    /// `.NAME` or `[NAME]`.
    Name(Box<str>),
}

impl Arg {
    /// The name, for a name argument.
    pub fn name(&self) -> Option<&str> {
        match self {
            Arg::Name(n) => Some(n),
            Arg::Index(_) => None,
        }
    }
}

/// A field's index in its [`Registry`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FieldId(pub u32);

/// What the registry knows of one field.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FieldInfo {
    /// Its name without argument (`proc.aname`).
    pub name: Cow<'static, str>,
    /// Its class (`process`).
    pub class: Cow<'static, str>,
    /// Its value type.
    pub ty: FieldType,
    /// The argument syntax it accepts.
    pub arg: ArgKind,
    /// Whether an argument must be given.
    pub arg_required: bool,
    /// One line saying what it holds.
    pub doc: Cow<'static, str>,
    /// For built-in fields, which one (extraction dispatches on it).
    pub builtin: Option<Builtin>,
    /// Whether its values are lists ([`Value::Strs`]): `fd.types`, the
    /// DNS record fields. JSON writes them as arrays and exports as list columns.
    pub list: bool,
    /// For fields registered with an extractor, where their values come from.
    pub(crate) user: Option<UserSource>,
}

impl FieldInfo {
    /// A description of a user field, with no argument.
    pub fn new(
        name: impl Into<Cow<'static, str>>,
        class: impl Into<Cow<'static, str>>,
        ty: FieldType,
        doc: impl Into<Cow<'static, str>>,
    ) -> Self {
        FieldInfo {
            name: name.into(),
            class: class.into(),
            ty,
            arg: ArgKind::None,
            arg_required: false,
            doc: doc.into(),
            builtin: None,
            list: false,
            user: None,
        }
    }

    /// The same field with list values ([`Value::Strs`]).
    pub fn as_list(mut self) -> Self {
        self.list = true;
        self
    }

    /// The same field accepting arguments of `kind`.
    pub fn with_arg(mut self, kind: ArgKind, required: bool) -> Self {
        self.arg = kind;
        self.arg_required = required;
        self
    }
}

/// Every field that formats and filters may name.
///
/// ```
/// use strata_dissect::{Arg, Registry};
/// let reg = Registry::builtin();
/// let (id, arg) = reg.lookup("proc.aname[2]").unwrap();
/// assert_eq!(reg.info(id).name, "proc.aname");
/// assert_eq!(arg, Some(Arg::Index(2)));
/// assert!(reg.lookup("evt.arg.fd").is_some());
/// assert!(reg.lookup("no.such.field").is_none());
/// ```
#[derive(Debug, Clone)]
pub struct Registry {
    fields: Vec<FieldInfo>,
    by_name: HashMap<Cow<'static, str>, FieldId>,
}

impl Default for Registry {
    fn default() -> Self {
        Self::new()
    }
}

/// Parsed `name[arg]` text: the field, its argument, and how many bytes it took.
pub(crate) struct Parsed {
    pub id: FieldId,
    pub arg: Option<Arg>,
    pub len: usize,
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'-'
}

impl Registry {
    /// A registry holding the built-in fields (no payload dissector's: see
    /// [`with_dissectors`](Self::with_dissectors)): sysdig 0.29.3's list, then the libsinsp 0.25
    /// fields Falco's rules use that it lacks (`proc.pexe`, `proc.aexe[N]`, `fd.nameraw`,
    /// `thread.cap_effective`, `proc.exe_ino`, ...).
    ///
    /// The later fields are known in every [`Flavor`](crate::Flavor): sysdig 0.29 refused
    /// them, but no filter it accepted changes meaning, and a user of today's libsinsp gets
    /// libsinsp 0.25's answer on any capture. On captures whose events lack the parameters
    /// behind them (before 2022) that answer is libsinsp 0.25's there too: `<NA>` for the
    /// executable's inode and times, no capabilities, `false` for the executable's flags.
    pub fn new() -> Self {
        let all = || BUILTINS.iter().chain(MODERN.iter());
        let n = BUILTINS.len() + MODERN.len();
        let mut reg = Registry {
            fields: Vec::with_capacity(n),
            by_name: HashMap::with_capacity(n),
        };
        for d in all() {
            let d: &Def = d;
            let id = FieldId(reg.fields.len() as u32);
            reg.fields.push(FieldInfo {
                name: Cow::Borrowed(d.name),
                class: Cow::Borrowed(d.class.name()),
                ty: d.ty,
                arg: d.arg,
                arg_required: d.arg_required,
                doc: Cow::Borrowed(d.doc),
                builtin: Some(d.id),
                list: d.id == Builtin::FdTypes,
                user: None,
            });
            reg.by_name.insert(Cow::Borrowed(d.name), id);
        }
        reg
    }

    /// [`new`](Self::new)'s fields and those of the payload dissectors Strata brings
    /// ([`payload::builtin`](crate::payload::builtin): DNS, HTTP, ELF).
    pub fn with_dissectors() -> Self {
        let mut reg = Self::new();
        for d in crate::payload::builtin() {
            reg.register_dissector(d)
                .expect("the dissectors' fields have names of their own");
        }
        reg
    }

    /// A shared registry of every field Strata brings ([`with_dissectors`](Self::with_dissectors)),
    /// built once.
    pub fn builtin() -> &'static Registry {
        static REG: OnceLock<Registry> = OnceLock::new();
        REG.get_or_init(Registry::with_dissectors)
    }

    /// Adds the fields of a payload dissector, listed under its name (see
    /// [`payload`](crate::payload)); all of them or none, as
    /// [`register_class`](Self::register_class).
    pub fn register_dissector(
        &mut self,
        dissector: Arc<dyn crate::payload::Dissector>,
    ) -> Result<Vec<FieldId>, Error> {
        self.add_class(crate::payload::DissectorFields::new(dissector), true)
    }

    /// Whether field `id` is a payload dissector's.
    pub fn is_dissector_field(&self, id: FieldId) -> bool {
        self.info(id).user.as_ref().is_some_and(|u| u.dissector)
    }

    /// Adds a user field whose values the [`StateView`] answers
    /// ([`StateView::field`], which gets the returned id): for an
    /// event source of one's own. Its name must be new and made of `[A-Za-z0-9_-]` words
    /// joined by dots.
    pub fn register(&mut self, info: FieldInfo) -> Result<FieldId, Error> {
        self.check_name(&info.name)?;
        Ok(self.push(info, None))
    }

    /// Adds a user field computed by `extractor`, for events of any view (the state engine's
    /// included). Name rules as for [`register`](Self::register).
    pub fn register_extractor(
        &mut self,
        info: FieldInfo,
        extractor: impl Extractor + 'static,
    ) -> Result<FieldId, Error> {
        self.check_name(&info.name)?;
        let class = Arc::new(One {
            info: info.clone(),
            extractor,
        });
        Ok(self.push(
            info,
            Some(UserSource {
                class,
                index: 0,
                dissector: false,
            }),
        ))
    }

    /// Like [`register_extractor`](Self::register_extractor), with a closure for the
    /// extractor: `|view, arg, opts, scratch| -> Option<Value>`.
    pub fn register_fn<F>(&mut self, info: FieldInfo, f: F) -> Result<FieldId, Error>
    where
        F: for<'s> Fn(
                &dyn StateView,
                Option<&Arg>,
                &crate::RenderOptions,
                &'s mut String,
            ) -> Option<Value<'s>>
            + Send
            + Sync
            + 'static,
    {
        self.register_extractor(info, FnExtractor(f))
    }

    /// Adds every field of `class`, listed under its name: all of them, or none when one
    /// name is taken or not a field name.
    pub fn register_class(
        &mut self,
        class: impl FieldClass + 'static,
    ) -> Result<Vec<FieldId>, Error> {
        self.add_class(class, false)
    }

    fn add_class(
        &mut self,
        class: impl FieldClass + 'static,
        dissector: bool,
    ) -> Result<Vec<FieldId>, Error> {
        let fields = class.fields();
        let mut seen = std::collections::HashSet::new();
        for f in &fields {
            self.check_name(&f.name)?;
            if !seen.insert(f.name.clone()) {
                return Err(Error::DuplicateField {
                    name: f.name.to_string(),
                });
            }
        }
        let name: Cow<'static, str> = Cow::Owned(class.name().to_owned());
        let class: Arc<dyn FieldClass> = Arc::new(class);
        Ok(fields
            .into_iter()
            .enumerate()
            .map(|(index, mut info)| {
                info.class = name.clone();
                let source = UserSource {
                    class: class.clone(),
                    index,
                    dissector,
                };
                self.push(info, Some(source))
            })
            .collect())
    }

    fn check_name(&self, name: &str) -> Result<(), Error> {
        if name.is_empty()
            || name
                .split('.')
                .any(|w| w.is_empty() || !w.bytes().all(is_ident))
        {
            return Err(Error::BadFieldName {
                name: name.to_string(),
            });
        }
        if self.by_name.contains_key(name) {
            return Err(Error::DuplicateField {
                name: name.to_string(),
            });
        }
        Ok(())
    }

    fn push(&mut self, mut info: FieldInfo, user: Option<UserSource>) -> FieldId {
        info.builtin = None;
        info.user = user;
        let id = FieldId(self.fields.len() as u32);
        self.by_name.insert(info.name.clone(), id);
        self.fields.push(info);
        id
    }

    /// The field called `name` (no argument).
    pub fn id(&self, name: &str) -> Option<FieldId> {
        self.by_name.get(name).copied()
    }

    /// What is known of field `id`.
    ///
    /// # Panics
    /// If `id` does not come from this registry.
    pub fn info(&self, id: FieldId) -> &FieldInfo {
        &self.fields[id.0 as usize]
    }

    /// Every field, in registration order.
    pub fn iter(&self) -> impl Iterator<Item = (FieldId, &FieldInfo)> {
        self.fields
            .iter()
            .enumerate()
            .map(|(i, f)| (FieldId(i as u32), f))
    }

    /// Number of fields.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// Whether the registry has no field (never true for [`Registry::new`]).
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// Resolves a whole field reference: `evt.num`, `proc.aname[2]`, `evt.arg.fd`,
    /// `evt.arg[0]`, `container.mount[/usr/*]`. `None` if it names no field or its argument
    /// does not fit the field.
    pub fn lookup(&self, name_with_arg: &str) -> Option<(FieldId, Option<Arg>)> {
        self.resolve(name_with_arg).ok()
    }

    /// Like [`lookup`](Self::lookup), with an error saying what is wrong and where.
    pub fn resolve(&self, name_with_arg: &str) -> Result<(FieldId, Option<Arg>), Error> {
        let p = self.parse_prefix(name_with_arg, 0)?;
        if p.len != name_with_arg.len() {
            let name = self.info(p.id).name.to_string();
            return Err(Error::BadArgument {
                name,
                pos: p.len,
                reason: "unexpected text after the field",
            });
        }
        Ok((p.id, p.arg))
    }

    /// Parses the field reference at the start of `text` (which starts at `base` in the
    /// caller's text, for error positions). Text after the reference is not looked at, except
    /// to tell where a name ends.
    pub(crate) fn parse_prefix(&self, text: &str, base: usize) -> Result<Parsed, Error> {
        let b = text.as_bytes();
        let mut run = b
            .iter()
            .position(|&c| !(is_ident(c) || c == b'.'))
            .unwrap_or(b.len());
        while run > 0 && b[run - 1] == b'.' {
            run -= 1;
        }
        let unknown = || Error::UnknownField {
            name: text[..run].to_string(),
            pos: base,
        };
        if run == 0 {
            return Err(unknown());
        }
        // The whole run, then shorter prefixes at dots: the longest field name wins.
        let mut cut = Some(run);
        while let Some(end) = cut {
            if let Some(&id) = self.by_name.get(&text[..end]) {
                let info = self.info(id);
                if end == run {
                    return self.finish(id, text, end, base);
                }
                if info.arg.takes_dot_name() {
                    let arg = Arg::Name(text[end + 1..run].into());
                    return Ok(Parsed {
                        id,
                        arg: Some(arg),
                        len: run,
                    });
                }
                return self.finish(id, text, end, base);
            }
            cut = text[..end].rfind('.');
        }
        Err(unknown())
    }

    /// A field matched `text[..end]`: parse a bracket argument if one follows and fits.
    fn finish(&self, id: FieldId, text: &str, end: usize, base: usize) -> Result<Parsed, Error> {
        let info = self.info(id);
        let bad = |pos, reason| Error::BadArgument {
            name: info.name.to_string(),
            pos: base + pos,
            reason,
        };
        if text[end..].starts_with('[') && info.arg != ArgKind::None {
            let close = text[end..]
                .find(']')
                .ok_or_else(|| bad(end, "missing ']'"))?;
            let inner = &text[end + 1..end + close];
            let arg = match inner.trim().parse::<i64>() {
                Ok(n) if info.arg.takes_index() => Arg::Index(n),
                _ if info.arg.takes_bracket_text() && !inner.is_empty() => Arg::Name(inner.into()),
                _ => return Err(bad(end + 1, "expected a number")),
            };
            return Ok(Parsed {
                id,
                arg: Some(arg),
                len: end + close + 1,
            });
        }
        if info.arg_required {
            return Err(Error::MissingArgument {
                name: info.name.to_string(),
                pos: base,
            });
        }
        Ok(Parsed {
            id,
            arg: None,
            len: end,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_are_in_registry_order() {
        let reg = &Registry::new();
        for (_, f) in reg.iter() {
            let b = f.builtin.unwrap();
            assert_eq!(crate::fields::def(b).name, f.name);
        }
    }

    #[test]
    fn every_tsv_field_is_registered() {
        let reg = &Registry::new();
        assert_eq!(reg.len(), 256 + crate::fields::modern::MODERN.len());
        let aexe = reg.info(reg.id("proc.aexe").unwrap());
        assert_eq!((aexe.arg, aexe.arg_required), (ArgKind::Index, false));
        assert_eq!(reg.info(reg.id("evt.cpu").unwrap()).ty, FieldType::Int16);
        assert_eq!(reg.info(reg.id("fd.cip").unwrap()).class, "fd");
        assert_eq!(reg.info(reg.id("thread.tid").unwrap()).class, "process");
        assert!(reg.iter().all(|(_, f)| !f.doc.is_empty()));
    }

    #[test]
    fn arguments() {
        let reg = Registry::builtin();
        let name = |s: &str| {
            reg.lookup(s)
                .map(|(id, a)| (reg.info(id).name.to_string(), a))
        };
        assert_eq!(
            name("evt.arg[1]"),
            Some(("evt.arg".into(), Some(Arg::Index(1))))
        );
        assert_eq!(
            name("evt.rawarg.fd"),
            Some(("evt.rawarg".into(), Some(Arg::Name("fd".into()))))
        );
        assert_eq!(
            name("thread.cgroup.cpu.acct"),
            Some(("thread.cgroup".into(), Some(Arg::Name("cpu.acct".into()))))
        );
        assert_eq!(
            name("container.mount.dest[/usr/*]"),
            Some((
                "container.mount.dest".into(),
                Some(Arg::Name("/usr/*".into()))
            ))
        );
        assert_eq!(name("evt.latency.s"), Some(("evt.latency.s".into(), None)));
        assert_eq!(name("proc.aname"), Some(("proc.aname".into(), None)));
        assert!(matches!(
            reg.resolve("evt.rawarg"),
            Err(Error::MissingArgument { .. })
        ));
        assert!(matches!(
            reg.resolve("proc.aname[x]"),
            Err(Error::BadArgument { pos: 11, .. })
        ));
        assert!(reg.lookup("evt.num[1]").is_none());
        assert!(reg.lookup("evt.nums").is_none());
    }

    #[test]
    fn user_fields() {
        let mut reg = Registry::new();
        let id = reg
            .register(FieldInfo::new(
                "http.method",
                "http",
                FieldType::Charbuf,
                "HTTP method.",
            ))
            .unwrap();
        assert_eq!(reg.lookup("http.method"), Some((id, None)));
        assert!(matches!(
            reg.register(FieldInfo::new("evt.num", "x", FieldType::Uint64, "dup")),
            Err(Error::DuplicateField { name }) if name == "evt.num"
        ));
        assert!(matches!(
            reg.register(FieldInfo::new("bad..name", "x", FieldType::Uint64, "bad")),
            Err(Error::BadFieldName { .. })
        ));
    }

    /// Two fields sharing a class.
    struct Pair;

    impl FieldClass for Pair {
        fn name(&self) -> &str {
            "pair"
        }
        fn fields(&self) -> Vec<FieldInfo> {
            ["pair.num", "pair.double"]
                .iter()
                .map(|n| FieldInfo::new(*n, "ignored", FieldType::Uint64, "A number."))
                .collect()
        }
        fn extract<'s>(
            &self,
            field: usize,
            view: &dyn StateView,
            _: Option<&Arg>,
            _: &crate::RenderOptions,
            _: &'s mut String,
        ) -> Option<Value<'s>> {
            Some(Value::U64(view.num() * (field as u64 + 1)))
        }
    }

    #[test]
    fn field_classes_register_whole_or_not_at_all() {
        let mut reg = Registry::new();
        let ids = reg.register_class(Pair).unwrap();
        assert_eq!(ids.len(), 2);
        assert_eq!(reg.info(ids[1]).class, "pair");
        // Taken names: nothing of the second class is added.
        let before = reg.len();
        assert!(matches!(
            reg.register_class(Pair),
            Err(Error::DuplicateField { .. })
        ));
        assert_eq!(reg.len(), before);
        let demo = strata_scap::demo::capture();
        let ev = strata_scap::SliceReader::new(&demo)
            .find_map(|b| match b {
                Ok(strata_scap::Block::Event(e)) => Some(e),
                _ => None,
            })
            .unwrap();
        let view = crate::Stateless::new(ev, 7);
        let f = crate::FieldRef::parse(&reg, "pair.double").unwrap();
        let mut scratch = String::new();
        assert_eq!(
            f.extract(&view, &Default::default(), &mut scratch),
            Some(Value::U64(14))
        );
    }
}
