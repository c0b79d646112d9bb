//! The one door to state: [`StateView`], which `strata-sinsp`'s event context implements.
//!
//! Dissection never owns state. Everything an extractor cannot read from the event's own bytes
//! (the event number, the capture start, the enter event of a pair, fd names, process names,
//! user and group names, the thread's cwd) is asked of a `StateView`, so this crate builds and is
//! tested before the state engine exists, and any other event source can plug in.

use crate::fields::Builtin as B;
use crate::registry::{Arg, FieldId, FieldInfo};
use crate::render::RenderOptions;
use crate::value::Value;
use strata_scap::Event;

/// What is known of one file descriptor of the event's thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct FdView<'a> {
    /// sysdig's type character (`f` file, `4` IPv4 socket, `u` unix socket, `p` pipe, ...).
    pub typechar: u8,
    /// The layer-4 protocol character of an IP socket: `t` TCP, `u` UDP, `i` ICMP, `r` raw;
    /// 0 when not applicable. libsinsp prints it after the type character (`<4t>`).
    pub l4char: u8,
    /// The fd's type name as `fd.type` prints it (`file`, `ipv4`, `unix`, ...).
    pub type_name: &'a str,
    /// The name: a path, or a connection tuple (`10.0.0.1:40000->1.2.3.4:80`).
    pub name: &'a [u8],
}

impl<'a> FdView<'a> {
    /// An fd view with no layer-4 character.
    pub const fn new(typechar: u8, type_name: &'a str, name: &'a [u8]) -> Self {
        FdView {
            typechar,
            l4char: 0,
            type_name,
            name,
        }
    }

    /// The same view with a layer-4 protocol character (`t`, `u`, `i`, `r`).
    pub const fn with_l4(mut self, l4char: u8) -> Self {
        self.l4char = l4char;
        self
    }
}

/// The ends of the event's IP socket as libsinsp's filter-only fields `fd.ip`, `fd.port`,
/// `fd.net` and `fd.proto` compare them: a connection's client and server (the unspecified
/// address and port 0 while not known), or a server socket's own address and port.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct FdEnds {
    /// The addresses: client and server, or the server socket's one.
    pub ips: [Option<std::net::IpAddr>; 2],
    /// The ports, in the same order.
    pub ports: [Option<u16>; 2],
    /// Whether the socket has a role (client or server): libsinsp's `fd.*ip.name`
    /// comparisons pass over sockets without one.
    pub role: bool,
}

/// One event together with whatever state is known about it.
///
/// Only [`event`](StateView::event) and [`num`](StateView::num) are required; every other
/// method has a "not known" default, which makes extraction behave like sysdig reading an event
/// whose thread it has never seen (fd names missing, `evt.latency` 0, ...).
///
/// The returned borrows live as long as `&self`, so an implementation can hand out slices of
/// its own tables without copying.
pub trait StateView {
    /// The event being dissected.
    fn event(&self) -> &Event<'_>;

    /// Its number in the capture, starting at 1 (every event block counts, including the ones
    /// sysdig does not print).
    fn num(&self) -> u64;

    /// Timestamp of the first event of the capture, for `evt.reltime`; defaults to this event's.
    fn first_ts(&self) -> u64 {
        self.event().ts
    }

    /// Timestamp of the previous event, for `evt.deltatime`; `None` for the first one.
    ///
    /// [`Format`](crate::Format) overrides this with the previous event *it* rendered, as
    /// sysdig's formatter does.
    fn prev_ts(&self) -> Option<u64> {
        None
    }

    /// For an exit event, the enter event of the same thread that the state engine kept, if
    /// it is the matching one. Used by `evt.latency` and by parameters that only the enter
    /// event carries.
    fn enter_event(&self) -> Option<Event<'_>> {
        None
    }

    /// `evt.latency` if the view keeps it (libsinsp keeps it per thread); `None` to compute
    /// it from [`enter_event`](StateView::enter_event).
    fn latency(&self) -> Option<u64> {
        None
    }

    /// Whether the state engine knows the event's thread. libsinsp resolves fds and relative
    /// paths only for known threads.
    fn has_thread(&self) -> bool {
        false
    }

    /// The fd `fd` of the event's thread, if it is in its table.
    fn fd(&self, fd: i64) -> Option<FdView<'_>> {
        let _ = fd;
        None
    }

    /// The command name (`comm`) of thread `tid`, if known.
    fn comm(&self, tid: i64) -> Option<&[u8]> {
        let _ = tid;
        None
    }

    /// The name of user `uid`, if known.
    fn user_name(&self, uid: u32) -> Option<&[u8]> {
        let _ = uid;
        None
    }

    /// The name of group `gid`, if known.
    fn group_name(&self, gid: u32) -> Option<&[u8]> {
        let _ = gid;
        None
    }

    /// The event thread's current working directory (with or without a trailing `/`).
    fn cwd(&self) -> Option<&[u8]> {
        None
    }

    /// The directory that fd `dirfd` names, for `*at` paths relative to it.
    fn dir_of_fd(&self, dirfd: i64) -> Option<&[u8]> {
        self.fd(dirfd).map(|f| f.name)
    }

    /// How many CPUs the capture's machine has, if known (0 when the machine block says so).
    /// libsinsp sizes its per-CPU clocks (`thread.exectime`) by it.
    fn num_cpus(&self) -> Option<u32> {
        None
    }

    /// Whether the event's thread is its process's main thread (false when not known).
    fn is_main_thread(&self) -> bool {
        false
    }

    /// The bytes earlier reads or writes carried on the event's stream (its process's fd, in
    /// its direction), newest last, when the source keeps them: for messages that span
    /// events. The default: none.
    fn stream_before(&self) -> &[u8] {
        &[]
    }

    /// Whether the event had its thread when it came, as sysdig 0.29's fields that read the
    /// event's own thread saw it: not for a clone's child whose exit made its thread. The
    /// default: [`has_thread`](Self::has_thread).
    fn had_thread(&self) -> bool {
        self.has_thread()
    }

    /// The capture machine's host name, if the capture gives one (`evt.hostname`).
    fn hostname(&self) -> Option<&[u8]> {
        None
    }

    /// The fd the event is about (`fd.num`). The default reads the event's `fd` parameter,
    /// or its enter event's; the state engine knows better (new fds, `mmap`, ...).
    fn event_fd(&self) -> Option<i64> {
        let from = |ev: Event<'_>| match ev.param_by_name("fd") {
            Some(Ok(p)) => p.as_i64(),
            _ => None,
        };
        from(*self.event()).or_else(|| self.enter_event().and_then(from))
    }

    /// The fd the event found itself, which `evt.category` reads: `None` when the state
    /// engine found none for this event even if `event_fd` names one (sysdig 0.29's exits
    /// without their enter). The default looks `event_fd` up.
    fn event_fd_info(&self) -> Option<FdView<'_>> {
        self.fd(self.event_fd()?)
    }

    /// The ends of the event's fd if it is an IP socket ([`FdEnds`]); `None` otherwise, or
    /// when not known.
    fn fd_ends(&self) -> Option<FdEnds> {
        None
    }

    /// Any field this crate does not compute itself (`proc.*`, `fd.*`, `user.*`,
    /// `container.*` fields, and user-registered fields). `None` means "no value".
    ///
    /// Text that must be composed is written into `scratch` (empty on entry) and borrowed
    /// from it. The default answers `proc.name`, `proc.cwd`, `fd.num`, `fd.name`, `fd.type`
    /// and `fd.typechar` from the small lookups above, and nothing else.
    fn field<'s>(
        &'s self,
        id: FieldId,
        info: &FieldInfo,
        arg: Option<&Arg>,
        opts: &RenderOptions,
        scratch: &'s mut String,
    ) -> Option<Value<'s>> {
        let _ = (id, arg, opts);
        match info.builtin? {
            B::ProcName => self.comm(self.event().tid as i64).map(Value::Bytes),
            B::ProcCwd => self.cwd().map(Value::Bytes),
            b @ (B::FdNum | B::FdName | B::FdTypechar | B::FdType) => {
                let fd = self.event_fd()?;
                let f = self.fd(fd)?;
                Some(match b {
                    B::FdNum => Value::I64(fd),
                    B::FdName => Value::Bytes(f.name),
                    B::FdType => Value::Str(f.type_name),
                    _ => {
                        scratch.push(f.typechar as char);
                        Value::Str(scratch.as_str())
                    }
                })
            }
            _ => None,
        }
    }
}

/// A [`StateView`] that knows nothing but the event and the counters the caller gives it.
///
/// Useful for tests and for stateless tools; `strata-sinsp` provides the real one.
#[derive(Debug, Clone, Copy)]
pub struct Stateless<'a> {
    /// The event.
    pub event: Event<'a>,
    /// Its number, from 1.
    pub num: u64,
    /// The first event's timestamp.
    pub first_ts: u64,
    /// The previous event's timestamp.
    pub prev_ts: Option<u64>,
    /// The matching enter event, for exit events.
    pub enter: Option<Event<'a>>,
}

impl<'a> Stateless<'a> {
    /// A view of `event` numbered `num`, as if it were the first event.
    pub fn new(event: Event<'a>, num: u64) -> Self {
        Stateless {
            event,
            num,
            first_ts: event.ts,
            prev_ts: None,
            enter: None,
        }
    }
}

impl StateView for Stateless<'_> {
    fn event(&self) -> &Event<'_> {
        &self.event
    }
    fn num(&self) -> u64 {
        self.num
    }
    fn first_ts(&self) -> u64 {
        self.first_ts
    }
    fn prev_ts(&self) -> Option<u64> {
        self.prev_ts
    }
    fn enter_event(&self) -> Option<Event<'_>> {
        self.enter
    }
}

/// Another view with `prev_ts` replaced; how [`Format`](crate::Format) gives `evt.deltatime`
/// sysdig's meaning (time since the previous event *printed*).
pub(crate) struct WithPrev<'v, S: ?Sized> {
    pub inner: &'v S,
    pub prev_ts: Option<u64>,
}

impl<S: StateView + ?Sized> StateView for WithPrev<'_, S> {
    fn event(&self) -> &Event<'_> {
        self.inner.event()
    }
    fn num(&self) -> u64 {
        self.inner.num()
    }
    fn first_ts(&self) -> u64 {
        self.inner.first_ts()
    }
    fn prev_ts(&self) -> Option<u64> {
        self.prev_ts
    }
    fn enter_event(&self) -> Option<Event<'_>> {
        self.inner.enter_event()
    }
    fn latency(&self) -> Option<u64> {
        self.inner.latency()
    }
    fn has_thread(&self) -> bool {
        self.inner.has_thread()
    }
    fn fd(&self, fd: i64) -> Option<FdView<'_>> {
        self.inner.fd(fd)
    }
    fn comm(&self, tid: i64) -> Option<&[u8]> {
        self.inner.comm(tid)
    }
    fn user_name(&self, uid: u32) -> Option<&[u8]> {
        self.inner.user_name(uid)
    }
    fn group_name(&self, gid: u32) -> Option<&[u8]> {
        self.inner.group_name(gid)
    }
    fn cwd(&self) -> Option<&[u8]> {
        self.inner.cwd()
    }
    fn dir_of_fd(&self, dirfd: i64) -> Option<&[u8]> {
        self.inner.dir_of_fd(dirfd)
    }
    fn event_fd(&self) -> Option<i64> {
        self.inner.event_fd()
    }
    fn event_fd_info(&self) -> Option<FdView<'_>> {
        self.inner.event_fd_info()
    }
    fn num_cpus(&self) -> Option<u32> {
        self.inner.num_cpus()
    }
    fn hostname(&self) -> Option<&[u8]> {
        self.inner.hostname()
    }
    fn fd_ends(&self) -> Option<FdEnds> {
        self.inner.fd_ends()
    }
    fn had_thread(&self) -> bool {
        self.inner.had_thread()
    }
    fn stream_before(&self) -> &[u8] {
        self.inner.stream_before()
    }
    fn is_main_thread(&self) -> bool {
        self.inner.is_main_thread()
    }
    fn field<'s>(
        &'s self,
        id: FieldId,
        info: &FieldInfo,
        arg: Option<&Arg>,
        opts: &RenderOptions,
        scratch: &'s mut String,
    ) -> Option<Value<'s>> {
        self.inner.field(id, info, arg, opts, scratch)
    }
}
