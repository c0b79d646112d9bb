//! The event table: what every event type is called, which way it goes, and what its
//! parameters are.
//!
//! The tables are generated (see `generated.rs`) from the data files in `scap/data/`, whose facts
//! come from falcosecurity/libs' `driver/event_table.c`, `flags_table.c` and
//! `dynamic_params_table.c`. Event codes index the table directly; all historical versions of
//! each event are kept, because old captures use them.

mod generated;

pub use generated::PPM_EVENT_MAX;
pub(crate) use generated::visit;

/// A consumer of an event's parameters in order, their types known where it is called: the
/// generated [`visit`] calls `param` with the type as a const argument, so that each type's
/// decoder is compiled once, with no dispatch on the type at run time.
pub(crate) trait TypedParams {
    /// Why a visit stopped before the last parameter.
    type Stop;
    /// Takes parameter `index`, whose type is the `PT_*` number `TY` and whose length is 32-bit
    /// if `LARGE` (16-bit if not); an `Err` ends the visit.
    fn param<const TY: u8, const LARGE: bool>(&mut self, index: usize) -> Result<(), Self::Stop>;
}

/// Whether an event is the enter or the exit half of a system call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// The enter event (even codes); shown as `>` by sysdig.
    Enter,
    /// The exit event (odd codes); shown as `<` by sysdig.
    Exit,
}

impl Direction {
    /// The direction of an event code: even codes enter, odd codes exit.
    pub const fn of(code: u16) -> Direction {
        if code & 1 == 0 {
            Direction::Enter
        } else {
            Direction::Exit
        }
    }

    /// sysdig's one-character rendering: `>` for enter, `<` for exit.
    pub const fn as_char(self) -> char {
        match self {
            Direction::Enter => '>',
            Direction::Exit => '<',
        }
    }
}

/// Event flags (`EF_*`): what an event does to file descriptors and state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct EventFlags(pub u32);

impl EventFlags {
    /// Creates a file descriptor (open, socket, ...).
    pub const CREATES_FD: u32 = 1;
    /// Destroys a file descriptor (close).
    pub const DESTROYS_FD: u32 = 2;
    /// Operates on a file descriptor given as a parameter.
    pub const USES_FD: u32 = 4;
    /// Reads from a file descriptor.
    pub const READS_FROM_FD: u32 = 8;
    /// Writes to a file descriptor.
    pub const WRITES_TO_FD: u32 = 16;
    /// Must reach the state engine even when filtered out.
    pub const MODIFIES_STATE: u32 = 32;
    /// Placeholder slot of the table; never produced.
    pub const UNUSED: u32 = 64;
    /// A blocking (wait) system call.
    pub const WAITS: u32 = 128;
    /// Does not reset the per-thread "last event" tracking.
    pub const SKIP_PARSE_RESET: u32 = 256;
    /// Superseded version, found only in older captures.
    pub const OLD_VERSION: u32 = 512;
    /// Parameter lengths are 32-bit instead of 16-bit.
    pub const LARGE_PAYLOAD: u32 = 2048;
    /// Known to libscap's converter of old event versions.
    pub const CONVERTER_MANAGED: u32 = 4096;

    /// Whether every bit of `bits` is set.
    pub const fn contains(self, bits: u32) -> bool {
        self.0 & bits == bits
    }
}

/// Event category (`EC_*`): a syscall category in the low bits, OR-ed with a source bit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Category(pub u32);

impl Category {
    /// Source bit: a system call.
    pub const SYSCALL: u32 = 512;
    /// Source bit: a kernel tracepoint.
    pub const TRACEPOINT: u32 = 1024;
    /// Source bit: a plugin.
    pub const PLUGIN: u32 = 2048;
    /// Source bit: a meta event synthesized by the producer.
    pub const METAEVENT: u32 = 4096;
    /// Source bit: a BPF iterator.
    pub const ITER: u32 = 8192;

    /// The syscall category alone (`EC_FILE`, `EC_NET`, ...), without the source bit.
    pub const fn kind(self) -> u32 {
        self.0 & (Self::SYSCALL - 1)
    }

    /// The source bits alone.
    pub const fn source(self) -> u32 {
        self.0 & !(Self::SYSCALL - 1)
    }

    /// sysdig's name of the syscall category (`file`, `net`, `IO_READ`, ...), as `evt.category`
    /// prints it.
    pub const fn name(self) -> &'static str {
        match self.kind() {
            1 => "other",
            2 => "file",
            3 => "net",
            4 => "ipc",
            5 => "memory",
            6 => "process",
            7 => "sleep",
            8 => "system",
            9 => "signal",
            10 => "user",
            11 => "time",
            12 => "processing",
            32 => "io-read",
            33 => "io-write",
            34 => "io-other",
            64 => "wait",
            128 => "scheduler",
            256 => "internal",
            _ => "unknown",
        }
    }
}

/// Parameter type (`PT_*`): how a parameter's bytes are encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
#[allow(missing_docs)]
pub enum ParamType {
    None = 0,
    Int8 = 1,
    Int16 = 2,
    Int32 = 3,
    Int64 = 4,
    Uint8 = 5,
    Uint16 = 6,
    Uint32 = 7,
    Uint64 = 8,
    Charbuf = 9,
    Bytebuf = 10,
    Errno = 11,
    Sockaddr = 12,
    Socktuple = 13,
    Fd = 14,
    Pid = 15,
    Fdlist = 16,
    Fspath = 17,
    Syscallid = 18,
    Sigtype = 19,
    Reltime = 20,
    Abstime = 21,
    Port = 22,
    L4proto = 23,
    Sockfamily = 24,
    Bool = 25,
    Ipv4addr = 26,
    Dyn = 27,
    Flags8 = 28,
    Flags16 = 29,
    Flags32 = 30,
    Uid = 31,
    Gid = 32,
    Double = 33,
    Sigset = 34,
    Charbufarray = 35,
    CharbufPairArray = 36,
    Ipv4net = 37,
    Ipv6addr = 38,
    Ipv6net = 39,
    Ipaddr = 40,
    Ipnet = 41,
    Mode = 42,
    Fsrelpath = 43,
    Enumflags8 = 44,
    Enumflags16 = 45,
    Enumflags32 = 46,
    Fd32 = 47,
    Pid32 = 48,
}

impl ParamType {
    /// Every type, in `PT_*` order: the index is the code.
    pub const ALL: [ParamType; 49] = {
        use ParamType as T;
        [
            T::None,
            T::Int8,
            T::Int16,
            T::Int32,
            T::Int64,
            T::Uint8,
            T::Uint16,
            T::Uint32,
            T::Uint64,
            T::Charbuf,
            T::Bytebuf,
            T::Errno,
            T::Sockaddr,
            T::Socktuple,
            T::Fd,
            T::Pid,
            T::Fdlist,
            T::Fspath,
            T::Syscallid,
            T::Sigtype,
            T::Reltime,
            T::Abstime,
            T::Port,
            T::L4proto,
            T::Sockfamily,
            T::Bool,
            T::Ipv4addr,
            T::Dyn,
            T::Flags8,
            T::Flags16,
            T::Flags32,
            T::Uid,
            T::Gid,
            T::Double,
            T::Sigset,
            T::Charbufarray,
            T::CharbufPairArray,
            T::Ipv4net,
            T::Ipv6addr,
            T::Ipv6net,
            T::Ipaddr,
            T::Ipnet,
            T::Mode,
            T::Fsrelpath,
            T::Enumflags8,
            T::Enumflags16,
            T::Enumflags32,
            T::Fd32,
            T::Pid32,
        ]
    };

    /// The type whose `PT_*` number is `code`, if there is one.
    ///
    /// ```
    /// use strata_scap::table::ParamType;
    /// assert_eq!(ParamType::from_code(14), Some(ParamType::Fd));
    /// assert_eq!(ParamType::from_code(ParamType::Pid32 as u8 + 1), None);
    /// ```
    pub const fn from_code(code: u8) -> Option<Self> {
        if (code as usize) < Self::ALL.len() {
            Some(Self::ALL[code as usize])
        } else {
            None
        }
    }
}

/// Print format (`PF_*`) of a numeric parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum PrintFormat {
    /// Not applicable.
    Na = 0,
    /// Decimal.
    Dec = 1,
    /// Upper-case hexadecimal without `0x`.
    Hex = 2,
    /// Decimal padded with zeros to 9 digits.
    PaddedDec = 3,
    /// An identifier.
    Id = 4,
    /// A direction.
    Dir = 5,
    /// Octal with a leading zero.
    Oct = 6,
}

/// A flag or enum name table (`file_flags`, `socket_families`, ...), in libs' table order.
#[derive(Debug, PartialEq, Eq)]
pub struct FlagTable {
    /// The table's name in falcosecurity/libs (`file_flags`).
    pub name: &'static str,
    /// `(name, value)` pairs in table order; values are PPM-normalized, not raw Linux values.
    pub entries: &'static [(&'static str, u32)],
}

/// One entry of a dynamic parameter's type table (`PT_DYN`): the index byte selects it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DynType {
    /// The type of the value that follows the index byte.
    pub ty: ParamType,
    /// Its print format.
    pub fmt: PrintFormat,
}

/// What a parameter's `info` points at; its meaning depends on the parameter type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamAux {
    /// Nothing.
    None,
    /// The name table of a FLAGS, ENUMFLAGS or MODE parameter.
    Flags(&'static FlagTable),
    /// The type table of a DYN parameter.
    Dyn(&'static [DynType]),
    /// For an FSRELPATH parameter: the index of the parameter holding the directory fd.
    DirFd(u8),
}

/// One parameter of an event type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParamInfo {
    /// Its name (`fd`, `res`, `name`, ...).
    pub name: &'static str,
    /// How its bytes are encoded.
    pub ty: ParamType,
    /// How it prints, for numbers.
    pub fmt: PrintFormat,
    /// Its name table, dynamic type table or dirfd index.
    pub aux: ParamAux,
}

/// One event type of the table.
#[derive(Debug, PartialEq, Eq)]
pub struct EventInfo {
    /// The event code (`ppm_event_code`), also its index in the table.
    pub code: u16,
    /// The enum name in libs (`PPME_SYSCALL_OPEN_E`).
    pub enum_name: &'static str,
    /// The event's name (`open`); all versions of a syscall share it.
    pub name: &'static str,
    /// Its category and source.
    pub category: Category,
    /// Its flags.
    pub flags: EventFlags,
    /// Its parameters, in wire order.
    pub params: &'static [ParamInfo],
    /// Which distinct list of parameter types `params` has: the arm of [`visit`] that decodes
    /// this event with code compiled for its types.
    pub(crate) signature: u8,
}

impl EventInfo {
    /// Enter or exit.
    pub const fn direction(&self) -> Direction {
        Direction::of(self.code)
    }

    /// Whether parameter lengths are 32-bit (`EF_LARGE_PAYLOAD`).
    pub const fn large_payload(&self) -> bool {
        self.flags.contains(EventFlags::LARGE_PAYLOAD)
    }

    /// The index of the parameter called `name`, if any.
    pub fn param_index(&self, name: &str) -> Option<usize> {
        self.params.iter().position(|p| p.name == name)
    }
}

/// The table entry of an event code, or `None` past the end of the table.
///
/// ```
/// use strata_scap::table::{event_info, Direction};
/// let open = event_info(3).unwrap();
/// assert_eq!(open.name, "open");
/// assert_eq!(open.direction(), Direction::Exit);
/// ```
#[inline]
pub fn event_info(code: u16) -> Option<&'static EventInfo> {
    generated::EVENTS.get(code as usize)
}

/// Every event type, indexed by code.
pub fn events() -> &'static [EventInfo] {
    &generated::EVENTS
}

/// A flag table by its libs name (`file_flags`).
pub fn flag_table(name: &str) -> Option<&'static FlagTable> {
    generated::FLAG_TABLES
        .iter()
        .copied()
        .find(|t| t.name == name)
}

/// The name of a positive errno value (`2` gives `ENOENT`).
pub fn errno_name(errno: u64) -> Option<&'static str> {
    generated::ERRNO_NAMES
        .binary_search_by_key(&errno, |&(v, _)| v)
        .ok()
        .map(|i| generated::ERRNO_NAMES[i].1)
}

/// The name of a signal number (`9` gives `SIGKILL`).
pub fn signal_name(sig: u64) -> Option<&'static str> {
    generated::SIGNAL_NAMES
        .binary_search_by_key(&sig, |&(v, _)| v)
        .ok()
        .map(|i| generated::SIGNAL_NAMES[i].1)
}

/// The name of a `ppm_sc` system call code (`3` gives `read`).
pub fn syscall_name(ppm_sc: u16) -> Option<&'static str> {
    generated::SYSCALL_NAMES
        .get(ppm_sc as usize)
        .copied()
        .filter(|n| !n.is_empty())
}

#[cfg(test)]
mod tests;
