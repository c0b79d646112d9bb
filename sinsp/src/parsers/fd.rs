//! fd events: open/openat/openat2/creat, sockets, pipes, anonymous fds, dup/fcntl, close, and
//! the socket I/O events that fill in missing addresses.

use strata_scap::param::{PPM_AT_FDCWD, ParamValue, SockAddr, SockTuple};

use crate::fds::{
    self, FLAG_OVERLAY_LOWER, FLAG_OVERLAY_UPPER, FLAG_RAW_IS_NAME, FLAG_ROLE_CLIENT,
    FLAG_ROLE_SERVER, FLAG_SOCKET_CONNECTED, FdInfo, FdType, O_CLOEXEC, O_DIRECTORY, O_F_CREATED,
    SockInfo, l4,
};
use crate::inspector::Inspector;
use crate::params::{Args, P};
use crate::paths;

/// Open flags known only at exit: created, overlay upper/lower layer.
const EXIT_ONLY_FLAGS: u32 = O_F_CREATED | FD_UPPER_LAYER | FD_LOWER_LAYER;
/// `PPM_FD_UPPER_LAYER`: an open flag the exit adds, the file is in an overlayfs upper layer.
const FD_UPPER_LAYER: u32 = 1 << 15;
/// `PPM_FD_LOWER_LAYER`: the same for a lower layer.
const FD_LOWER_LAYER: u32 = 1 << 16;
const EINPROGRESS: i64 = 115;
const F_DUPFD: u64 = 1;
const F_DUPFD_CLOEXEC: u64 = 26;
const CLOSE_RANGE_CLOEXEC: u32 = 4;

/// A cheap fingerprint of an fd name (FNV-1a), to tell whether a handler renamed the fd.
fn name_fp(name: &[u8]) -> (usize, u64) {
    let h = name.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    });
    (name.len(), h)
}

/// Records a new fd: in the table (if it has room) and as the event's fd. A new fd with a
/// name counts as renamed (libsinsp compares it with the empty name it started from).
fn add_fd(insp: &mut Inspector, tid: i64, f: FdInfo) {
    insp.fd_renamed = !f.name.is_empty();
    let max = insp.cfg.max_fds_per_process;
    let fd = f.fd;
    let mut spare = std::mem::take(&mut insp.spare_fds);
    let dropped = insp
        .fds_mut(tid)
        .is_some_and(|t| !t.insert_recycling(f, max, &mut spare));
    insp.fds_dropped += u64::from(dropped);
    insp.spare_fds = spare;
    if let Some(t) = insp.threads.get_mut(tid) {
        t.lastevent_fd = fd;
    }
}

fn new_fd(insp: &mut Inspector, fd: i64, ty: FdType) -> FdInfo {
    fds::blank_fd(&mut insp.spare_fds, fd, ty)
}

fn nonempty<'e>(v: Option<ParamValue<'e>>) -> Option<&'e [u8]> {
    v?.as_bytes().filter(|s| !s.is_empty())
}

pub(super) fn open(insp: &mut Inspector, tid: i64, a: &Args<'_, '_>) {
    let Some(fd) = a.res() else { return };
    if fd < 0 || tid == -1 {
        return;
    }
    let by_handle = a.ev.name() == "open_by_handle_at";
    let name_p = if by_handle { P::Path } else { P::Name };
    // The exit's parameters in one walk of its lengths.
    let [name_s, dirfd_s, flags_s, dev_s, ino_s] =
        a.own_slots([name_p, P::Dirfd, P::Flags, P::Dev, P::Ino]);
    let own_flags = a.own_u64_in(flags_s).unwrap_or(0) as u32;
    // The enter copy of the name is taken before the kernel reads user memory again (TOCTOU).
    let (path, dirfd, mut oflags) = match nonempty(a.of_enter(name_p)) {
        Some(p) => {
            let dirfd = a.of_enter(P::Dirfd).and_then(|v| v.as_i64());
            let ef = a.of_enter(P::Flags).and_then(|v| v.as_u64()).unwrap_or(0) as u32;
            (p, dirfd, ef | (own_flags & EXIT_ONLY_FLAGS))
        }
        None => (
            a.text_in(name_s).unwrap_or_default(),
            a.value_in(dirfd_s).and_then(|v| v.as_i64()),
            own_flags,
        ),
    };
    if a.ev.name() == "creat" {
        let cf = a.u32(P::CreatFlags).unwrap_or(0);
        oflags = (if cf & 1 != 0 { FD_UPPER_LAYER } else { 0 })
            | (if cf & 2 != 0 { FD_LOWER_LAYER } else { 0 });
    }
    let mut f = new_fd(
        insp,
        fd,
        if oflags & O_DIRECTORY != 0 {
            FdType::Directory
        } else {
            FdType::FileV2
        },
    );
    // The name is built where it is kept.
    let name = &mut f.name;
    name.clear();
    if by_handle || path.first() == Some(&b'/') {
        paths::concat_into(name, b"/", path, insp.cfg.path_rules);
    } else {
        match dirfd {
            Some(d) if d != PPM_AT_FDCWD => match insp.fds_of(tid).and_then(|t| t.get(d)) {
                Some(dir) => paths::concat_into(name, &dir.name, path, insp.cfg.path_rules),
                None => {
                    name.extend_from_slice(b"<UNKNOWN>");
                    name.extend_from_slice(path);
                }
            },
            _ => {
                let cwd = insp.threads.get(tid).map(|t| insp.cwd(t)).unwrap_or(b"");
                paths::concat_into(name, cwd, path, insp.cfg.path_rules);
            }
        }
    }
    if name.len() > 1023 {
        name.clear();
        name.extend_from_slice(b"/DIR_TOO_LONG/FILENAME_TOO_LONG");
    }
    if path == f.name.as_slice() {
        f.flags |= FLAG_RAW_IS_NAME;
    } else {
        f.name_raw.extend_from_slice(path);
    }
    if oflags & FD_UPPER_LAYER != 0 {
        f.flags |= FLAG_OVERLAY_UPPER;
    }
    if oflags & FD_LOWER_LAYER != 0 {
        f.flags |= FLAG_OVERLAY_LOWER;
    }
    f.open_flags = oflags;
    f.dev = a.u64_in(P::Dev, dev_s).unwrap_or(0) as u32;
    f.ino = a.u64_in(P::Ino, ino_s).unwrap_or(0);
    add_fd(insp, tid, f);
}

/// libsinsp's guess of the layer-4 protocol from socket(2)'s type and protocol.
fn l4_of(ty: u32, proto: u32) -> u8 {
    match proto {
        6 => l4::TCP,
        17 => l4::UDP,
        1 | 58 => l4::ICMP,
        255 => l4::RAW,
        0 => match ty & 0xff {
            1 => l4::TCP,
            2 => l4::UDP,
            3 => l4::RAW,
            _ => l4::UNKNOWN,
        },
        _ if ty & 0xff == 3 => l4::RAW,
        _ => l4::UNKNOWN,
    }
}

pub(super) fn socket(insp: &mut Inspector, tid: i64, a: &Args<'_, '_>) {
    let Some(fd) = a.res().filter(|&r| r >= 0) else {
        return;
    };
    let domain = a.u32(P::Domain).unwrap_or(0);
    let ty = match domain {
        1 => FdType::UnixSock,
        2 => FdType::Ipv4Sock,
        10 => FdType::Ipv6Sock,
        16 => FdType::Netlink,
        _ => FdType::Unknown,
    };
    let mut f = new_fd(insp, fd, ty);
    if matches!(ty, FdType::Ipv4Sock | FdType::Ipv6Sock) {
        f.l4proto = l4_of(a.u32(P::Type).unwrap_or(0), a.u32(P::Proto).unwrap_or(0));
    }
    f.open_flags = a.own(P::Flags).and_then(|v| v.as_u64()).unwrap_or(0) as u32;
    add_fd(insp, tid, f);
}

pub(super) fn socketpair(insp: &mut Inspector, tid: i64, a: &Args<'_, '_>) {
    if a.res().is_none_or(|r| r < 0) {
        return;
    }
    let (Some(fd1), Some(fd2)) = (a.i64(P::Fd1), a.i64(P::Fd2)) else {
        return;
    };
    if fd1 == fd2 {
        return;
    }
    let source = a.u64(P::Source).unwrap_or(0);
    let peer = a.u64(P::Peer).unwrap_or(0);
    for fd in [fd1, fd2] {
        let mut f = new_fd(insp, fd, FdType::UnixSock);
        f.sock = SockInfo::Unix { source, dest: peer };
        add_fd(insp, tid, f);
    }
}

/// The event's fd (from the enter event or the exit's fd parameter), mutable.
fn event_fd(insp: &mut Inspector, tid: i64) -> Option<&mut FdInfo> {
    let fd = insp.threads.get(tid)?.lastevent_fd;
    insp.fds_mut(tid)?.get_mut(fd)
}

/// getsockopt(SOL_SOCKET, SO_ERROR) exits: the socket's pending error tells whether it
/// connected (libsinsp's `parse_getsockopt_exit`).
pub(super) fn getsockopt(insp: &mut Inspector, tid: i64, a: &Args<'_, '_>) {
    const SOL_SOCKET: i64 = 1;
    const SO_ERROR: i64 = 4;
    const IDX_ERRNO: u8 = 1;
    if a.res().is_none_or(|r| r < 0) {
        return;
    }
    let level = a.i64(P::Level);
    let optname = a.i64(P::Optname);
    if level != Some(SOL_SOCKET) || optname != Some(SO_ERROR) {
        return;
    }
    let Some(d) = a.dyn_value(P::Val).filter(|d| d.index == IDX_ERRNO) else {
        return;
    };
    let Some(err) = d.value().ok().and_then(|v| v.as_i64()) else {
        return;
    };
    let Some(f) = event_fd(insp, tid) else { return };
    if err < 0 {
        f.flags &= !FLAG_SOCKET_CONNECTED;
    } else {
        f.flags |= FLAG_SOCKET_CONNECTED;
    }
}

pub(super) fn connect(insp: &mut Inspector, tid: i64, a: &Args<'_, '_>) {
    let res = a.res().unwrap_or(0);
    if res < 0 && res != -EINPROGRESS {
        return;
    }
    let tuple = match a.own(P::Tuple) {
        Some(ParamValue::SockTuple(t)) => Some(t),
        _ => None,
    };
    let addr = match a.get(P::Addr) {
        Some(ParamValue::SockAddr(s)) => Some(s),
        _ => None,
    };
    let keep_destination = insp.cfg.connect_keeps_destination;
    let Some(f) = event_fd(insp, tid) else { return };
    let before = name_fp(&f.name);
    match tuple {
        Some(t) if !matches!(t, SockTuple::Other { .. }) => {
            let udp_server = f.is_server() && f.l4proto == l4::UDP;
            if keep_destination {
                f.set_from_tuple_keeping_destination(&t);
            } else {
                f.set_from_tuple(&t);
            }
            if udp_server {
                swap(f);
            }
        }
        _ => {
            // No tuple (TCP fast open, old captures): the destination alone.
            if let Some(SockAddr::Unix(p)) = addr {
                f.ty = FdType::UnixSock;
                f.name.clear();
                f.name.extend_from_slice(p);
            }
        }
    }
    if f.flags & (FLAG_ROLE_CLIENT | FLAG_ROLE_SERVER) == 0 {
        f.flags |= FLAG_ROLE_CLIENT;
    }
    f.flags |= FLAG_SOCKET_CONNECTED;
    let renamed = name_fp(&f.name) != before;
    insp.fd_renamed = renamed;
}

/// Swaps source and destination, keeping names client→server.
fn swap(f: &mut FdInfo) {
    f.sock = match f.sock {
        SockInfo::V4 {
            sip,
            sport,
            dip,
            dport,
        } => SockInfo::V4 {
            sip: dip,
            sport: dport,
            dip: sip,
            dport: sport,
        },
        SockInfo::V6 {
            sip,
            sport,
            dip,
            dport,
        } => SockInfo::V6 {
            sip: dip,
            sport: dport,
            dip: sip,
            dport: sport,
        },
        s => s,
    };
    f.rename_from_sock();
}

pub(super) fn accept(insp: &mut Inspector, tid: i64, a: &Args<'_, '_>) {
    let Some(fd) = a.res().filter(|&r| r >= 0) else {
        return;
    };
    let mut f = new_fd(insp, fd, FdType::Unknown);
    if let Some(ParamValue::SockTuple(t)) = a.own(P::Tuple) {
        f.l4proto = l4::TCP;
        f.set_from_tuple(&t);
    }
    f.flags |= FLAG_ROLE_SERVER | FLAG_SOCKET_CONNECTED;
    if let Some(fl) = a.own(P::Flags).and_then(|v| v.as_i64()) {
        f.open_flags = fl as u32 & O_CLOEXEC;
    }
    add_fd(insp, tid, f);
}

pub(super) fn bind(insp: &mut Inspector, tid: i64, a: &Args<'_, '_>) {
    if a.res().is_none_or(|r| r < 0) {
        return;
    }
    let Some(ParamValue::SockAddr(addr)) = a.own(P::Addr) else {
        return;
    };
    let Some(f) = event_fd(insp, tid) else { return };
    let before = name_fp(&f.name);
    match addr {
        SockAddr::V4 { addr: ip, port } if port > 0 => {
            f.ty = FdType::Ipv4ServSock;
            f.sock = SockInfo::V4Server { ip, port };
            f.flags |= FLAG_ROLE_SERVER;
        }
        SockAddr::V6 { addr: ip, port } if port > 0 => {
            if strata_scap::param::is_ipv4_mapped(&ip) {
                let o = ip.octets();
                f.ty = FdType::Ipv4ServSock;
                f.sock = SockInfo::V4Server {
                    ip: std::net::Ipv4Addr::new(o[12], o[13], o[14], o[15]),
                    port,
                };
            } else {
                f.ty = FdType::Ipv6ServSock;
                f.sock = SockInfo::V6Server { ip, port };
            }
            f.flags |= FLAG_ROLE_SERVER;
        }
        _ => {}
    }
    fds::sockaddr_name(&mut f.name, &addr);
    let renamed = name_fp(&f.name) != before;
    insp.fd_renamed = renamed;
}

pub(super) fn pipe(insp: &mut Inspector, tid: i64, a: &Args<'_, '_>) {
    if a.res().is_none_or(|r| r < 0) {
        return;
    }
    let (Some(fd1), Some(fd2)) = (a.i64(P::Fd1), a.i64(P::Fd2)) else {
        return;
    };
    let ino = a.u64(P::Ino).unwrap_or(0);
    let fl = a.own(P::Flags).and_then(|v| v.as_u64()).unwrap_or(0) as u32;
    for fd in [fd1, fd2] {
        let mut f = new_fd(insp, fd, FdType::Fifo);
        f.ino = ino;
        f.open_flags = fl;
        add_fd(insp, tid, f);
    }
}

pub(super) fn anon(insp: &mut Inspector, tid: i64, a: &Args<'_, '_>, ty: FdType) {
    let Some(fd) = a.res().filter(|&r| r >= 0) else {
        return;
    };
    let mut f = new_fd(insp, fd, ty);
    if ty == FdType::Event && a.ev.name() == "eventfd2" {
        f.open_flags = a.u32(P::Flags).unwrap_or(0);
    }
    add_fd(insp, tid, f);
}

pub(super) fn memfd(insp: &mut Inspector, tid: i64, a: &Args<'_, '_>) {
    let Some(fd) = a.res().filter(|&r| r >= 0) else {
        return;
    };
    let mut f = new_fd(insp, fd, FdType::Memfd);
    f.name
        .extend_from_slice(a.bytes(P::Name).unwrap_or_default());
    f.open_flags = a.u32(P::Flags).unwrap_or(0);
    add_fd(insp, tid, f);
}

pub(super) fn pidfd_open(insp: &mut Inspector, tid: i64, a: &Args<'_, '_>) {
    let Some(fd) = a.res().filter(|&r| r >= 0) else {
        return;
    };
    let mut f = new_fd(insp, fd, FdType::Pidfd);
    f.pid = a.i64(P::Pid).unwrap_or(-1);
    f.name = format!("/proc/{}", f.pid).into_bytes();
    add_fd(insp, tid, f);
}

pub(super) fn pidfd_getfd(insp: &mut Inspector, tid: i64, a: &Args<'_, '_>) {
    let Some(fd) = a.res().filter(|&r| r >= 0) else {
        return;
    };
    let (Some(pidfd), Some(target)) = (a.i64(P::PidFd), a.i64(P::TargetFd)) else {
        return;
    };
    let Some(pid) = insp.fds_of(tid).and_then(|t| t.get(pidfd)).map(|f| f.pid) else {
        return;
    };
    let Some(mut f) = insp.fds_of(pid).and_then(|t| t.get(target)).cloned() else {
        return;
    };
    f.fd = fd;
    f.open_flags |= O_CLOEXEC;
    add_fd(insp, tid, f);
}

fn clone_fd(insp: &mut Inspector, tid: i64, from: i64, to: i64, cloexec: bool) {
    let Some(mut f) = insp.fds_of(tid).and_then(|t| t.get(from)).cloned() else {
        return;
    };
    f.fd = to;
    f.open_flags &= !O_CLOEXEC;
    if cloexec {
        f.open_flags |= O_CLOEXEC;
    }
    // Like any fd added, the copy becomes the event's fd (both libsinsp eras); it keeps
    // the name it had, so it is not renamed.
    add_fd(insp, tid, f);
    insp.fd_renamed = false;
}

pub(super) fn dup(insp: &mut Inspector, tid: i64, a: &Args<'_, '_>) {
    let Some(res) = a.res().filter(|&r| r >= 0) else {
        return;
    };
    let Some(old) = insp.threads.get(tid).map(|t| t.lastevent_fd) else {
        return;
    };
    let old = if old == -1 {
        a.i64(P::Oldfd).unwrap_or(-1)
    } else {
        old
    };
    let cloexec = a.ev.name() == "dup3" && a.u32(P::Flags).unwrap_or(0) & O_CLOEXEC != 0;
    if res == old {
        return;
    }
    clone_fd(insp, tid, old, res, cloexec);
    if let Some(t) = insp.threads.get_mut(tid) {
        if res == 0 {
            t.flags |= crate::threads::flags::PIPE_DST;
        } else if res == 1 {
            t.flags |= crate::threads::flags::PIPE_SRC;
        }
    }
}

pub(super) fn fcntl(insp: &mut Inspector, tid: i64, a: &Args<'_, '_>) {
    let Some(res) = a.res().filter(|&r| r >= 0) else {
        return;
    };
    let cmd = a.u64(P::Cmd).unwrap_or(0);
    if cmd != F_DUPFD && cmd != F_DUPFD_CLOEXEC {
        return;
    }
    let Some(old) = insp.threads.get(tid).map(|t| t.lastevent_fd) else {
        return;
    };
    clone_fd(insp, tid, old, res, cmd == F_DUPFD_CLOEXEC);
}

pub(super) fn close(insp: &mut Inspector, tid: i64, a: &Args<'_, '_>) {
    if a.res().is_none_or(|r| r < 0) {
        return;
    }
    let Some(fd) = insp.threads.get(tid).map(|t| t.lastevent_fd) else {
        return;
    };
    if fd >= 0 {
        insp.schedule_close(tid, fd);
    }
}

pub(super) fn close_range(insp: &mut Inspector, tid: i64, a: &Args<'_, '_>) {
    if a.res().is_none_or(|r| r < 0) {
        return;
    }
    let first = a.u64(P::First).unwrap_or(0) as i64;
    let last = a.u64(P::Last).unwrap_or(0) as i64;
    let cloexec = a.u32(P::Flags).unwrap_or(0) & CLOSE_RANGE_CLOEXEC != 0;
    if let Some(t) = insp.fds_mut(tid) {
        t.retain(|f| {
            if f.fd < first || f.fd > last {
                return true;
            }
            if cloexec {
                f.open_flags |= O_CLOEXEC;
                return true;
            }
            false
        });
    }
}

/// Socket reads and writes: fill in addresses that connect/accept did not give.
pub(super) fn io(insp: &mut Inspector, tid: i64, a: &Args<'_, '_>, send: bool) {
    if a.res().is_none_or(|r| r < 0) {
        return;
    }
    // Data moved: an IP connection is connected (libsinsp's `parse_rw_exit`).
    if let Some(f) = event_fd(insp, tid) {
        if matches!(f.ty, FdType::Ipv4Sock | FdType::Ipv6Sock) {
            f.flags |= FLAG_SOCKET_CONNECTED;
        }
    }
    let Some(ParamValue::SockTuple(t)) = a.get(P::Tuple) else {
        return;
    };
    if matches!(t, SockTuple::Other { .. }) {
        return;
    }
    let t = fill_from_interfaces(insp, t);
    let Some(fdnum) = insp.threads.get(tid).map(|t| t.lastevent_fd) else {
        return;
    };
    if fdnum < 0 {
        return;
    }
    let known = insp.fds_of(tid).and_then(|t| t.get(fdnum)).is_some();
    if !known {
        if !send || matches!(t, SockTuple::Unix { .. }) || !insp.cfg.infer_socket_from_send {
            return;
        }
        // A send on an fd never seen: infer a UDP socket from the tuple's family.
        let mut f = new_fd(insp, fdnum, FdType::Unknown);
        f.l4proto = l4::UDP;
        // It moved data: connected, as any IP socket that does.
        f.flags |= FLAG_ROLE_CLIENT | FLAG_SOCKET_CONNECTED;
        f.set_from_tuple(&t);
        add_fd(insp, tid, f);
        return;
    }
    let Some(f) = event_fd(insp, tid) else { return };
    if !f.ty.is_socket() || (!f.name.is_empty() && f.l4proto == l4::TCP) {
        return;
    }
    if matches!(f.ty, FdType::UnixSock) || f.has_tuple(&t) {
        return;
    }
    if f.l4proto == l4::UNKNOWN {
        f.l4proto = l4::UDP;
    }
    if f.flags & (FLAG_ROLE_CLIENT | FLAG_ROLE_SERVER) == 0 {
        f.flags |= if send {
            FLAG_ROLE_CLIENT
        } else {
            FLAG_ROLE_SERVER
        };
    }
    let before = name_fp(&f.name);
    f.set_from_tuple(&t);
    let swap_it = if send { f.is_server() } else { f.is_client() };
    if swap_it {
        swap(f);
    }
    let renamed = name_fp(&f.name) != before;
    insp.fd_renamed = renamed;
}

/// Fills unspecified addresses of a tuple from the interface list, as libsinsp does: the
/// interface on the other address's subnet, else the first non-loopback address.
fn fill_from_interfaces<'e>(insp: &Inspector, t: SockTuple<'e>) -> SockTuple<'e> {
    use crate::users::InterfaceAddr as A;
    use std::net::{Ipv4Addr, Ipv6Addr};
    let v4 = |ip: Ipv4Addr, other: Ipv4Addr| -> Ipv4Addr {
        if !ip.is_unspecified() {
            return ip;
        }
        let o = u32::from(other);
        let mut first = None;
        for i in insp.interfaces() {
            if let A::V4 { addr, netmask, .. } = i.addr {
                let m = u32::from(netmask);
                if u32::from(addr) & m == o & m {
                    return addr;
                }
                if first.is_none() && !addr.is_loopback() {
                    first = Some(addr);
                }
            }
        }
        first.unwrap_or(ip)
    };
    let v6 = |ip: Ipv6Addr, other: Ipv6Addr| -> Ipv6Addr {
        if !ip.is_unspecified() {
            return ip;
        }
        let o = u128::from(other);
        let mut first = None;
        for i in insp.interfaces() {
            if let A::V6 { addr, netmask, .. } = i.addr {
                let m = u128::from(netmask);
                if u128::from(addr) & m == o & m {
                    return addr;
                }
                if first.is_none() && !addr.is_loopback() {
                    first = Some(addr);
                }
            }
        }
        first.unwrap_or(ip)
    };
    match t {
        SockTuple::V4 {
            src,
            sport,
            dst,
            dport,
        } => SockTuple::V4 {
            src: v4(src, dst),
            sport,
            dst: v4(dst, src),
            dport,
        },
        SockTuple::V6 {
            src,
            sport,
            dst,
            dport,
        } if t.as_v4().is_none() => SockTuple::V6 {
            src: v6(src, dst),
            sport,
            dst: v6(dst, src),
            dport,
        },
        t => t,
    }
}
