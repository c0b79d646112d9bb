//! [`StateView`] for `strata-sinsp`'s [`EventCtx`]: the `proc.*`, `thread.*`, `user.*`,
//! `group.*`, `fd.*` and `container.*` fields, read from the state engine's tables the way
//! libsinsp's filter checks read them.
//!
//! Nothing here allocates: composed text (`proc.cmdline`, `fd.directory`, ...) goes into the
//! caller's scratch buffer.

use strata_scap::table::Direction;
use strata_scap::{Event, ParamValue};
use strata_sinsp::fds::{FLAG_ROLE_CLIENT, FLAG_ROLE_SERVER, FdInfo, FdType, SockInfo, l4};
use strata_sinsp::{EventCtx, InterfaceAddr, ThreadInfo};

use crate::fields::Builtin as B;
use crate::registry::{Arg, FieldId, FieldInfo};
use crate::render::{Flavor, RenderOptions};
use crate::state::{FdView, StateView};
use crate::value::{Value, write_lossy};

impl StateView for EventCtx<'_> {
    fn event(&self) -> Event<'_> {
        *EventCtx::event(self)
    }

    fn num(&self) -> u64 {
        EventCtx::num(self)
    }

    fn first_ts(&self) -> u64 {
        EventCtx::first_ts(self)
    }

    fn prev_ts(&self) -> Option<u64> {
        (self.num() > 1).then(|| EventCtx::prev_ts(self))
    }

    fn enter_event(&self) -> Option<Event<'_>> {
        self.enter()
    }

    fn latency(&self) -> Option<u64> {
        Some(self.thread_latency())
    }

    fn has_thread(&self) -> bool {
        self.thread().is_some()
    }

    fn fd(&self, fd: i64) -> Option<FdView<'_>> {
        // The context looked the thread's fd table up once already.
        let f = self.fd_table()?.get(fd)?;
        Some(fd_view(f))
    }

    fn comm(&self, tid: i64) -> Option<&[u8]> {
        self.inspector().thread(tid).map(|t| t.comm.as_slice())
    }

    fn user_name(&self, uid: u32) -> Option<&[u8]> {
        let c = self.thread().map_or(&b""[..], |t| &t.container_id);
        let u = self.inspector().users().user(c, uid)?;
        Some(&u.name)
    }

    fn group_name(&self, gid: u32) -> Option<&[u8]> {
        let c = self.thread().map_or(&b""[..], |t| &t.container_id);
        let g = self.inspector().users().group(c, gid)?;
        Some(&g.name)
    }

    fn cwd(&self) -> Option<&[u8]> {
        EventCtx::cwd(self)
    }

    fn event_fd(&self) -> Option<i64> {
        self.thread()?;
        self.fd_num()
    }

    fn event_fd_info(&self) -> Option<FdView<'_>> {
        self.thread()?;
        self.event_fd_found().map(fd_view)
    }

    fn field<'s>(
        &'s self,
        id: FieldId,
        info: &FieldInfo,
        arg: Option<&Arg>,
        opts: &RenderOptions,
        scratch: &'s mut String,
    ) -> Option<Value<'s>> {
        let _ = id;
        let b = info.builtin?;
        let t = self.thread()?;
        let insp = self.inspector();
        let main = self.main_thread();
        let users = insp.users();
        let v = match b {
            B::ProcPid => Value::I64(t.pid),
            B::ProcExe => Value::Bytes(&t.exe),
            B::ProcName => Value::Bytes(&t.comm),
            B::ProcExepath => Value::Bytes(&t.exepath),
            B::ProcArgs => {
                join_args(scratch, None, t);
                Value::Str(scratch.as_str())
            }
            B::ProcCmdline => {
                join_args(scratch, Some(&t.comm), t);
                Value::Str(scratch.as_str())
            }
            B::ProcExeline => {
                // libsinsp writes the space after exe even without arguments.
                let _ = write_lossy(scratch, &t.exe);
                scratch.push(' ');
                join_args(scratch, None, t);
                Value::Str(scratch.as_str())
            }
            B::ProcCwd => Value::Bytes(EventCtx::cwd(self)?),
            B::ProcPpid => Value::I64(main?.ptid),
            B::ProcPname => Value::Bytes(&self.parent(t)?.comm),
            B::ProcPcmdline => {
                let p = self.parent(t)?;
                join_args(scratch, Some(&p.comm), p);
                Value::Str(scratch.as_str())
            }
            B::ProcApid | B::ProcAname => {
                let mut a = main?;
                let n = match arg {
                    Some(Arg::Index(n)) => *n,
                    _ => 0,
                };
                for _ in 0..n {
                    a = self.parent(a)?;
                }
                match b {
                    B::ProcApid => Value::I64(a.pid),
                    _ => Value::Bytes(&a.comm),
                }
            }
            B::ProcLoginshellid => {
                let mut found = None;
                let mut a = main;
                let mut steps = 0;
                while let Some(p) = a {
                    if p.exe.len() >= 2 && p.exe.ends_with(b"sh") {
                        found = Some(p.pid);
                    }
                    a = self.parent(p);
                    steps += 1;
                    if steps > MAX_ANCESTORS {
                        break;
                    }
                }
                Value::I64(found?)
            }
            B::ProcTty => Value::U64(t.tty as u64),
            B::ProcVpid if t.vpid != -1 => Value::I64(t.vpid),
            B::ProcVpgid => Value::I64(t.vpgid),
            B::ProcSid => Value::I64(t.sid),
            B::ProcSname => Value::Bytes(&self.session_leader(t)?.comm),
            B::ThreadIsmain => Value::Bool(t.is_main_thread()),
            // sysdig 0.29's placeholder threads had no vtid (its container-event thread, tid
            // −1, had −2).
            B::ThreadVtid
                if t.vtid != -1
                    && !(opts.flavor == Flavor::Sysdig029 && t.is_invalid() && t.tid >= 0) =>
            {
                Value::I64(t.vtid)
            }
            B::UserUid => Value::U64(t.uid as u64),
            B::UserName | B::UserHomedir | B::UserShell => {
                let u = users.user(&t.container_id, t.uid)?;
                Value::Bytes(match b {
                    B::UserName => &u.name,
                    B::UserHomedir => &u.homedir,
                    _ => &u.shell,
                })
            }
            B::UserLoginuid => Value::I64(t.loginuid as i32 as i64),
            B::UserLoginname => Value::Bytes(&users.user(&t.container_id, t.loginuid)?.name),
            // sysdig 0.29 typed group.gid as 64 bits and read the thread's 32-bit gid with
            // the 4 bytes after it: the low half of its count of live child threads.
            B::GroupGid if opts.flavor == Flavor::Sysdig029 => {
                // Only a main thread has child threads: the other threads of its process.
                let children = if t.tid != t.pid {
                    0
                } else {
                    self.inspector()
                        .threads()
                        .threads_of(t.pid)
                        .saturating_sub(1) as u64
                };
                Value::U64(t.gid as u64 | (children & 0xffff_ffff) << 32)
            }
            B::GroupGid => Value::U64(t.gid as u64),
            B::GroupName => Value::Bytes(&users.group(&t.container_id, t.gid)?.name),
            B::ContainerId => match t.container_id.as_slice() {
                b"" => Value::Str("host"),
                id => Value::Bytes(id),
            },
            _ => return self.fd_field(b, opts, scratch),
        };
        Some(v)
    }
}

/// Parent chains longer than this are taken as loops.
const MAX_ANCESTORS: usize = 1024;

/// `prefix arg1 arg2 ...` (or the arguments alone), space-separated.
fn join_args(out: &mut String, prefix: Option<&[u8]>, t: &ThreadInfo) {
    let mut first = true;
    if let Some(p) = prefix {
        let _ = write_lossy(out, p);
        first = false;
    }
    for a in t.args() {
        if !first {
            out.push(' ');
        }
        first = false;
        let _ = write_lossy(out, a);
    }
}

fn fd_view(f: &FdInfo) -> FdView<'_> {
    let v = FdView::new(f.typechar() as u8, f.ty.name(), &f.name);
    let ip = matches!(
        f.ty,
        FdType::Ipv4Sock | FdType::Ipv6Sock | FdType::Ipv4ServSock | FdType::Ipv6ServSock
    );
    // libsinsp's get_l4proto: a connection socket with no role yet (neither client nor
    // server) has no layer-4 protocol, unless it is raw.
    let no_role = matches!(f.ty, FdType::Ipv4Sock | FdType::Ipv6Sock)
        && !f.is_client()
        && !f.is_server()
        && f.l4proto != l4::RAW;
    if no_role {
        return v;
    }
    match f.l4proto {
        l4::TCP if ip => v.with_l4(b't'),
        l4::UDP if ip => v.with_l4(b'u'),
        l4::ICMP if ip => v.with_l4(b'i'),
        l4::RAW if ip => v.with_l4(b'r'),
        _ => v,
    }
}

/// Helpers over the context's thread and fd.
trait CtxExt<'a> {
    fn parent(&self, t: &ThreadInfo) -> Option<&'a ThreadInfo>;
    fn session_leader(&self, t: &'a ThreadInfo) -> Option<&'a ThreadInfo>;
    fn fd_field<'s>(
        &'s self,
        b: B,
        opts: &RenderOptions,
        scratch: &'s mut String,
    ) -> Option<Value<'s>>;
}

impl<'a> CtxExt<'a> for EventCtx<'a> {
    /// The parent thread (by `ptid`), as libsinsp looks it up: without creating one.
    fn parent(&self, t: &ThreadInfo) -> Option<&'a ThreadInfo> {
        self.inspector().thread(t.ptid)
    }

    /// The session leader: the thread whose tid is the session id, else the oldest ancestor
    /// still in the session.
    fn session_leader(&self, t: &'a ThreadInfo) -> Option<&'a ThreadInfo> {
        if let Some(l) = self.inspector().thread(t.sid) {
            return Some(l);
        }
        let mut leader = self.inspector().main_thread(t)?;
        let sid = leader.sid;
        let mut steps = 0;
        while let Some(p) = self.parent(leader) {
            if p.sid != sid || steps > MAX_ANCESTORS {
                break;
            }
            leader = p;
            steps += 1;
        }
        Some(leader)
    }

    fn fd_field<'s>(
        &'s self,
        b: B,
        opts: &RenderOptions,
        scratch: &'s mut String,
    ) -> Option<Value<'s>> {
        let ev = *EventCtx::event(self);
        // sysdig 0.29's event table did not flag mmap/mmap2 (codes 160 to 163) as using an fd.
        if opts.flavor == Flavor::Sysdig029 && matches!(ev.event_type, 160..=163) {
            return None;
        }
        let n = self.fd_num()?;
        if b == B::FdNum {
            return Some(Value::I64(n));
        }
        let flavor = opts.flavor;
        let Some(f) = self.fd() else {
            return match b {
                B::FdName => null_fd_name(self, &ev, flavor, scratch),
                // libsinsp cuts the name the event gives to its directory ("/" when none).
                B::FdDirectory => {
                    null_fd_name(self, &ev, flavor, &mut *scratch)?;
                    match scratch.rfind('/') {
                        Some(pos) if pos != 0 => {
                            if pos < scratch.len() - 1 {
                                scratch.truncate(pos);
                            }
                        }
                        _ => {
                            scratch.clear();
                            scratch.push('/');
                        }
                    }
                    Some(Value::Str(scratch.as_str()))
                }
                B::FdTypechar => {
                    scratch.push(null_fd_typechar(&ev, flavor));
                    Some(Value::Str(scratch.as_str()))
                }
                _ => None,
            };
        };
        let is_file = matches!(f.ty, FdType::File | FdType::FileV2 | FdType::Directory);
        let v = match b {
            B::FdName => {
                if failed_connect(&ev, flavor) {
                    return null_fd_name(self, &ev, flavor, scratch);
                }
                Value::Bytes(&f.name)
            }
            B::FdTypechar => {
                scratch.push(f.typechar());
                Value::Str(scratch.as_str())
            }
            B::FdType => Value::Str(f.ty.name()),
            B::FdDirectory if is_file => {
                let name = &f.name[..];
                match name.iter().rposition(|&c| c == b'/') {
                    Some(pos) if pos != 0 => {
                        if pos < name.len() - 1 {
                            Value::Bytes(&name[..pos])
                        } else {
                            Value::Bytes(name)
                        }
                    }
                    _ => Value::Str("/"),
                }
            }
            B::FdFilename if is_file => {
                let name = &f.name[..];
                match name.iter().rposition(|&c| c == b'/') {
                    Some(pos) if pos < name.len() - 1 => Value::Bytes(&name[pos + 1..]),
                    _ => Value::Bytes(name),
                }
            }
            B::FdCip => match f.sock {
                SockInfo::V4 { sip, .. } => Value::Ipv4(sip),
                SockInfo::V6 { sip, .. } => Value::Ipv6(sip),
                _ => return None,
            },
            B::FdSip => match f.sock {
                SockInfo::V4 { dip, .. } => Value::Ipv4(dip),
                SockInfo::V6 { dip, .. } => Value::Ipv6(dip),
                SockInfo::V4Server { ip, .. } => Value::Ipv4(ip),
                SockInfo::V6Server { ip, .. } => Value::Ipv6(ip),
                _ => return None,
            },
            B::FdCport => match f.sock {
                SockInfo::V4 { sport, .. } | SockInfo::V6 { sport, .. } => Value::Port(sport),
                // sysdig 0.29 fell through from the client port into the client protocol
                // for an fd with a role that is not a connected IP socket (a bound one, a
                // unix one): an empty string read as a port, printed 0.
                _ if flavor == Flavor::Sysdig029
                    && f.flags & (FLAG_ROLE_CLIENT | FLAG_ROLE_SERVER) != 0 =>
                {
                    Value::Port(0)
                }
                _ => return None,
            },
            B::FdSport => match f.sock {
                SockInfo::V4 { dport, .. } | SockInfo::V6 { dport, .. } => Value::Port(dport),
                SockInfo::V4Server { port, .. } | SockInfo::V6Server { port, .. } => {
                    Value::Port(port)
                }
                _ => return None,
            },
            B::FdL4proto => Value::Str(match fd_view(f).l4char {
                b't' => "tcp",
                b'u' => "udp",
                b'i' => "icmp",
                b'r' => "raw",
                _ => "<NA>",
            }),
            B::FdSockfamily => match f.ty {
                FdType::Ipv4Sock
                | FdType::Ipv6Sock
                | FdType::Ipv4ServSock
                | FdType::Ipv6ServSock => Value::Str("ip"),
                FdType::UnixSock => Value::Str("unix"),
                _ => return None,
            },
            // libsinsp: a server socket, or a connection whose destination is an address of
            // this machine: an IPv4 interface address, or in the /64 subnet of an IPv6 one
            // (`::` and `::1` included through `::1`; never inside a container).
            B::FdIsServer => Value::Bool(match (f.ty, f.sock) {
                (FdType::Ipv4ServSock | FdType::Ipv6ServSock, _) => true,
                // Nothing known yet reads as the unspecified address (libsinsp's zeroed
                // tuple).
                (FdType::Ipv4Sock, sock) => {
                    let dip = match sock {
                        SockInfo::V4 { dip, .. } => dip,
                        _ => std::net::Ipv4Addr::UNSPECIFIED,
                    };
                    self.inspector()
                        .interfaces()
                        .iter()
                        .any(|i| matches!(i.addr, InterfaceAddr::V4 { addr, .. } if addr == dip))
                }
                (FdType::Ipv6Sock, sock) => {
                    let dip = match sock {
                        SockInfo::V6 { dip, .. } => dip,
                        _ => std::net::Ipv6Addr::UNSPECIFIED,
                    };
                    self.thread().is_some_and(|t| t.container_id.is_empty())
                        && self.inspector().interfaces().iter().any(|i| {
                            matches!(i.addr, InterfaceAddr::V6 { addr, .. }
                                if addr.octets()[..8] == dip.octets()[..8])
                        })
                }
                _ => false,
            }),
            _ => return None,
        };
        Some(v)
    }
}

/// The exit of connect (its only version).
const CONNECT_X: u16 = 23;

/// Whether the event is a failed connect, whose fd sysdig 0.29 named as if it were not in the
/// table (libsinsp 0.25 keeps the socket's name: its parser leaves a failed connect alone).
fn failed_connect(ev: &Event<'_>, flavor: Flavor) -> bool {
    flavor == Flavor::Sysdig029
        && ev.event_type == CONNECT_X
        && matches!(ev.param(0), Some(Ok(ParamValue::Errno(r))) if r < 0)
}

/// `fd.name` of an event whose fd is not in the table: for exits of calls that create one,
/// the name they tried, else empty; nothing for enter events. The name is parameter 1 (for
/// libsinsp 0.25, also openat's and openat2's path resolved at their directory fd, and
/// open_by_handle_at's path).
fn null_fd_name<'s>(
    ctx: &EventCtx<'_>,
    ev: &Event<'_>,
    flavor: Flavor,
    out: &'s mut String,
) -> Option<Value<'s>> {
    use std::fmt::Write as _;
    if ev.direction() == Direction::Enter {
        return None;
    }
    let lib = flavor == Flavor::Libsinsp025;
    match ev.name() {
        "open" | "creat" | "accept" | "accept4" => {}
        "connect" if !lib => {}
        "openat" | "openat2" if lib => return opened_at_name(ctx, ev, out),
        "open_by_handle_at" if lib => {
            if let Some(Ok(ParamValue::Path(s) | ParamValue::Str(s))) = ev.param(3) {
                let _ = write_lossy(out, s);
            }
            return Some(Value::Str(out.as_str()));
        }
        _ => return Some(Value::Str(out.as_str())),
    }
    match ev.param(1) {
        Some(Ok(ParamValue::Path(s) | ParamValue::Str(s))) => {
            let _ = write_lossy(out, s);
        }
        Some(Ok(ParamValue::SockTuple(t))) => {
            let _ = write!(out, "{t}");
        }
        // libsinsp 0.25 prints an empty tuple `NULL`, an empty path `<NA>`.
        Some(Ok(ParamValue::Empty)) if lib => {
            let socket = matches!(ev.name(), "accept" | "accept4" | "connect");
            out.push_str(if socket { "NULL" } else { "<NA>" });
        }
        Some(Ok(ParamValue::Empty)) | None | Some(Err(_)) => {}
        Some(Ok(v)) => {
            let _ = write!(out, "{}", v.display(strata_scap::table::PrintFormat::Na));
        }
    }
    Some(Value::Str(out.as_str()))
}

/// libsinsp 0.25's `fd.name` of a failed openat or openat2: the path (parameter 2) resolved
/// at the directory fd (parameter 1); nothing when either is empty.
fn opened_at_name<'s>(
    ctx: &EventCtx<'_>,
    ev: &Event<'_>,
    out: &'s mut String,
) -> Option<Value<'s>> {
    let path = ev.param(2)?.ok()?.as_bytes().filter(|p| !p.is_empty())?;
    let dirfd = ev.param(1)?.ok()?.as_i64()?;
    let mut name = Vec::new();
    ctx.resolve_at(dirfd, path, &mut name);
    let _ = write_lossy(out, &name);
    Some(Value::Str(out.as_str()))
}

/// `fd.typechar` of an event whose fd is not in the table, guessed from the event type (libsinsp
/// 0.25 no longer guesses `f` for open).
fn null_fd_typechar(ev: &Event<'_>, flavor: Flavor) -> char {
    match ev.name() {
        "open" if flavor == Flavor::Libsinsp025 => 'o',
        "open" | "openat" | "openat2" | "creat" => 'f',
        "socket" | "accept" | "accept4" => '4',
        "pipe" | "pipe2" => 'p',
        "eventfd" | "eventfd2" => 'e',
        "signalfd" | "signalfd4" => 's',
        "timerfd_create" => 't',
        "inotify_init" | "inotify_init1" => 'i',
        _ => 'o',
    }
}

#[cfg(test)]
mod tests {
    use strata_scap::block::types::EV_V2;
    use strata_scap::event::encode_event;
    use strata_scap::{Endian, Event};
    use strata_sinsp::{Config, Inspector};

    use crate::{Flavor, Format, Registry, RenderOptions};

    const OPENAT_2_X: u16 = 307;
    const ACCEPT4_6_X: u16 = 389;
    const OPEN_X: u16 = 3;

    /// The lines `format` renders for `events` (code, timestamp, parameters) of thread 7, read
    /// in `flavor` (events the flavor hides give none).
    fn lines(flavor: Flavor, format: &str, events: &[(u16, u64, &[&[u8]])]) -> Vec<String> {
        let mut insp = Inspector::with_config(match flavor {
            Flavor::Sysdig029 => Config::sysdig_029(),
            _ => Config::default(),
        });
        let opts = RenderOptions::default().with_flavor(flavor);
        let mut f = Format::compile(Registry::builtin(), format, opts).unwrap();
        let mut out = Vec::new();
        for &(code, ts, params) in events {
            let mut b = 0u16.to_le_bytes().to_vec();
            encode_event(&mut b, Endian::Little, ts, 7, code, params).unwrap();
            let ev = Event::parse(EV_V2, &b, Endian::Little).unwrap();
            let ctx = insp.process(&ev);
            let mut line = String::new();
            if !ctx.is_hidden() && f.render(&ctx, &mut line) {
                out.push(line);
            }
        }
        out
    }

    /// `%fd.num %fd.typechar %fd.name` of one event of thread 7, read alone in `flavor`.
    fn fd_fields(flavor: Flavor, code: u16, params: &[&[u8]]) -> String {
        let format = "*%fd.num %fd.typechar %fd.name";
        lines(flavor, format, &[(code, 1, params)]).concat()
    }

    #[test]
    fn failed_calls_name_their_fd_from_the_event() {
        let lib = Flavor::Libsinsp025;
        let err = (-2i64).to_le_bytes();
        let (z4, z8) = ([0u8; 4], [0u8; 8]);
        // openat: the path resolved at its directory fd.
        let at = (-100i64).to_le_bytes();
        let openat = [&err[..], &at, b"/etc//x/../nope\0", &z4, &z4, &z4, &z8];
        assert_eq!(fd_fields(lib, OPENAT_2_X, &openat), "-1 f /etc/nope");
        // accept4: an IPv4 socket, named by its tuple; an empty one prints NULL.
        let eagain = (-11i64).to_le_bytes();
        let accept = [&eagain[..], &[], &[0u8], &z4, &z4, &z4];
        assert_eq!(fd_fields(lib, ACCEPT4_6_X, &accept), "-1 4 NULL");
        // open: libsinsp 0.25 no longer guesses a file.
        let open = [&err[..], b"/nope\0", &z4, &z4, &z4, &z8];
        assert_eq!(fd_fields(lib, OPEN_X, &open), "-1 o /nope");
        assert_eq!(fd_fields(Flavor::Sysdig029, OPEN_X, &open), "0 f /nope");
    }

    #[test]
    fn libsinsp_025_latency_is_always_0() {
        // openat's enter still reaches libsinsp 0.25's parser and pairs with its exit.
        const OPENAT_E: u16 = 306;
        let (at, z4, z8) = ((-100i64).to_le_bytes(), [0u8; 4], [0u8; 8]);
        let fd = 3i64.to_le_bytes();
        let open: [(u16, u64, &[&[u8]]); 2] = [
            (OPENAT_E, 100, &[&at, b"/etc/hosts\0", &z4, &z4]),
            (
                OPENAT_2_X,
                150,
                &[&fd, &at, b"/etc/hosts\0", &z4, &z4, &z4, &z8],
            ),
        ];
        let format = "*%evt.type %evt.latency %evt.wait_latency";
        let lib = lines(Flavor::Libsinsp025, format, &open);
        assert_eq!(lib, ["openat 0 0"], "the enter is hidden, the latency 0");
        let old = lines(Flavor::Sysdig029, format, &open);
        assert_eq!(old, ["openat 0 <NA>", "openat 50 <NA>"]);
    }
}
