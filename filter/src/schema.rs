//! What the filter layer needs to know of fields: the [`Schema`] trait an event source
//! implements, and the [`Type`] of a field's values.

use std::fmt;

use crate::Dialect;
use crate::ast::Op;

/// The type of a field's values, as libsinsp declares it (`PT_*`). It decides how constants
/// are parsed and which operators apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Type {
    /// Signed integer of 8, 16, 32 or 64 bits (also errno, fd, pid).
    Int(u8),
    /// Unsigned integer of 8, 16, 32 or 64 bits (also flags, modes, uid/gid).
    Uint(u8),
    /// Floating point; constants are integers, as in libsinsp.
    Double,
    /// `true` or `false`.
    Bool,
    /// Text (`CHARBUF`).
    Charbuf,
    /// A path (`FSPATH`); compares as text.
    Fspath,
    /// Raw bytes (`BYTEBUF`).
    Bytebuf,
    /// A duration in nanoseconds.
    RelTime,
    /// Nanoseconds since the epoch.
    AbsTime,
    /// A TCP/UDP port; constants may be service names.
    Port,
    /// An IPv4 address.
    Ipv4Addr,
    /// An IPv6 address.
    Ipv6Addr,
    /// An IPv4 or IPv6 address.
    IpAddr,
    /// An address compared with IPv4 networks (`a.b.c.d/len`).
    Ipv4Net,
    /// An address compared with IPv6 networks.
    Ipv6Net,
    /// An address compared with IPv4 or IPv6 networks.
    IpNet,
}

impl Type {
    /// libsinsp's name of the type (`INT64`, `CHARBUF`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Type::Int(8) => "INT8",
            Type::Int(16) => "INT16",
            Type::Int(32) => "INT32",
            Type::Int(_) => "INT64",
            Type::Uint(8) => "UINT8",
            Type::Uint(16) => "UINT16",
            Type::Uint(32) => "UINT32",
            Type::Uint(_) => "UINT64",
            Type::Double => "DOUBLE",
            Type::Bool => "BOOL",
            Type::Charbuf => "CHARBUF",
            Type::Fspath => "FSPATH",
            Type::Bytebuf => "BYTEBUF",
            Type::RelTime => "RELTIME",
            Type::AbsTime => "ABSTIME",
            Type::Port => "PORT",
            Type::Ipv4Addr => "IPV4ADDR",
            Type::Ipv6Addr => "IPV6ADDR",
            Type::IpAddr => "IPADDR",
            Type::Ipv4Net => "IPV4NET",
            Type::Ipv6Net => "IPV6NET",
            Type::IpNet => "IPNET",
        }
    }

    /// Whether values are numbers (compared numerically).
    pub fn is_numeric(self) -> bool {
        matches!(
            self,
            Type::Int(_)
                | Type::Uint(_)
                | Type::Double
                | Type::RelTime
                | Type::AbsTime
                | Type::Port
        )
    }

    /// Whether values are text.
    pub fn is_text(self) -> bool {
        matches!(self, Type::Charbuf | Type::Fspath)
    }

    /// Whether values are addresses.
    pub fn is_ip(self) -> bool {
        matches!(
            self,
            Type::Ipv4Addr
                | Type::Ipv6Addr
                | Type::IpAddr
                | Type::Ipv4Net
                | Type::Ipv6Net
                | Type::IpNet
        )
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How a field with several values answers a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Multi {
    /// One value.
    #[default]
    Single,
    /// A list (libsinsp's `EPF_IS_LIST`): only `in` (every value is in the set),
    /// `intersects` (some value is) and `exists` apply.
    List,
    /// Any value satisfying the operator makes the check true, `!=` included
    /// (`proc.aname` without an index: some ancestor).
    Any,
    /// Either end of a connection (`fd.ip`, `fd.port`): `=` and the others are true if some
    /// value matches; `!=` only if no value is equal.
    Either,
}

/// A field as resolved by a [`Schema`]: the source's handle and what the filter layer needs.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct FieldSpec<F> {
    /// The event source's own handle, handed back at extraction.
    pub field: F,
    /// The values' type.
    pub ty: Type,
    /// How several values answer.
    pub multi: Multi,
    /// Whether transformers may not be applied (libsinsp's `EPF_NO_TRANSFORMER`).
    pub no_transformer: bool,
    /// Whether the field may not be compared with another field (`EPF_NO_RHS`).
    pub no_rhs: bool,
    /// Whether it names event types (`evt.type`): values are checked by
    /// [`Schema::event_codes`], and [`Program::event_types`](crate::Program::event_types)
    /// indexes on it.
    pub event_type: bool,
    /// The only operators the field may be compared with, `None` for any: libsinsp's
    /// filter-only fields take few (`evt.around` `=` alone; `fd.sip.name` and kin `=`, `!=`
    /// and `in`).
    pub ops: Option<&'static [Op]>,
    /// Whether the event source compares the field with its constants itself
    /// ([`Record::compare_self`](crate::Record::compare_self)), as libsinsp compares
    /// `evt.around` (a window around a time) and `fd.sip.name` (the server's address among
    /// those a name resolves to).
    pub compares_self: bool,
}

impl<F> FieldSpec<F> {
    /// A single-valued field of type `ty` with no restriction.
    pub fn new(field: F, ty: Type) -> Self {
        FieldSpec {
            field,
            ty,
            multi: Multi::Single,
            no_transformer: false,
            no_rhs: false,
            event_type: false,
            ops: None,
            compares_self: false,
        }
    }

    /// The same with `multi`.
    pub fn with_multi(mut self, multi: Multi) -> Self {
        self.multi = multi;
        self
    }

    /// The same, refusing transformers and field comparison (libsinsp's
    /// `EPF_NO_TRANSFORMER | EPF_NO_RHS`).
    pub fn plain_only(mut self) -> Self {
        self.no_transformer = true;
        self.no_rhs = true;
        self
    }

    /// The same, marked as the event-type field.
    pub fn as_event_type(mut self) -> Self {
        self.event_type = true;
        self
    }
}

/// Why a schema refused a field reference.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FieldError {
    /// No field of that name.
    Unknown,
    /// The field exists, but not with this argument (or it needs one); the reason.
    BadArgument(String),
}

/// The fields an event source offers to filters. `strata-dissect` implements it for the
/// built-in fields; any other source can bring its own.
pub trait Schema {
    /// The source's handle for a resolved field.
    type Field: Clone;

    /// Resolves `name` (as written: `proc.name`, `evt.arg.fd`) with the argument written in
    /// brackets after it, if any.
    fn resolve(&self, name: &str, arg: Option<&str>) -> Result<FieldSpec<Self::Field>, FieldError>;

    /// Every field name, for "did you mean" suggestions.
    fn names(&self) -> Vec<String> {
        Vec::new()
    }

    /// For an event-type field: the codes of the events a value names, or `None` if it
    /// names none. The default knows no event types.
    fn event_codes(&self, name: &str) -> Option<Vec<u16>> {
        let _ = name;
        None
    }

    /// Codes of events whose type name is not known from the code alone (a generic syscall
    /// event names its syscall in a parameter): every event-type check may match them, so
    /// [`Program::event_types`](crate::Program::event_types) always keeps them.
    fn uncertain_event_codes(&self) -> Vec<u16> {
        Vec::new()
    }

    /// How many event codes there are (the universe of
    /// [`Program::event_types`](crate::Program::event_types)); 0 when the source has none.
    fn event_code_count(&self) -> usize {
        0
    }

    /// Whether a value naming no event type is an error (as in libsinsp, both eras) or
    /// simply matches no event.
    fn strict_event_types(&self) -> bool {
        true
    }

    /// Which era's meaning the fields' comparisons have (see the crate docs for what
    /// [`Dialect::Sysdig029`] changes).
    fn dialect(&self) -> Dialect {
        Dialect::Libsinsp
    }
}
