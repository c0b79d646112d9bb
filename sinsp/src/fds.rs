//! File descriptors: what each fd of a process is, and how libsinsp names it (`fd.name`).

use std::fmt::Write as _;
use std::net::{Ipv4Addr, Ipv6Addr};

use hashbrown::HashMap;
use strata_scap::param::{Ipv6Text, SockAddr, SockTuple, is_ipv4_mapped};

/// `PPM_O_CLOEXEC`: the fd is closed by a successful execve.
pub const O_CLOEXEC: u32 = 4096;
/// `PPM_O_DIRECTORY`.
pub const O_DIRECTORY: u32 = 1024;
/// `PPM_O_F_CREATED`: the open created the file (only known at exit).
pub const O_F_CREATED: u32 = 16384;

/// fd flag: the fd came from the capture's fd list.
pub const FLAG_FROM_PROC: u32 = 1 << 0;
/// fd flag: this side is the client of the connection.
pub const FLAG_ROLE_CLIENT: u32 = 1 << 2;
/// fd flag: this side is the server of the connection.
pub const FLAG_ROLE_SERVER: u32 = 1 << 3;
/// fd flag: the socket is connected.
pub const FLAG_SOCKET_CONNECTED: u32 = 1 << 13;
/// fd flag: the fd was copied from the parent by clone/fork.
pub const FLAG_IS_CLONED: u32 = 1 << 14;
/// fd flag: the path the open call gave is `name` itself (then `name_raw` stays empty, which
/// spares a copy for the common absolute path); see [`FdInfo::raw_name`].
pub const FLAG_RAW_IS_NAME: u32 = 1 << 15;
/// fd flag: the open said the file is in an overlayfs upper layer.
pub const FLAG_OVERLAY_UPPER: u32 = 1 << 17;
/// fd flag: the open said the file is in an overlayfs lower layer.
pub const FLAG_OVERLAY_LOWER: u32 = 1 << 18;

/// The kind of an fd (`scap_fd_type`), codes 0 to 21.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum FdType {
    /// 0: unknown.
    #[default]
    Unknown,
    /// 1: a file (old records without open flags).
    File,
    /// 2: a directory.
    Directory,
    /// 3: an IPv4 socket.
    Ipv4Sock,
    /// 4: an IPv6 socket.
    Ipv6Sock,
    /// 5: a listening IPv4 socket.
    Ipv4ServSock,
    /// 6: a listening IPv6 socket.
    Ipv6ServSock,
    /// 7: a pipe or FIFO.
    Fifo,
    /// 8: a unix socket.
    UnixSock,
    /// 9: an eventfd.
    Event,
    /// 10: a kind libscap does not model.
    Unsupported,
    /// 11: a signalfd.
    Signalfd,
    /// 12: an epoll fd.
    Eventpoll,
    /// 13: an inotify fd.
    Inotify,
    /// 14: a timerfd.
    Timerfd,
    /// 15: a netlink socket.
    Netlink,
    /// 16: a file with open flags.
    FileV2,
    /// 17: a BPF object.
    Bpf,
    /// 18: a userfaultfd.
    Userfaultfd,
    /// 19: an io_uring.
    IoUring,
    /// 20: a memfd.
    Memfd,
    /// 21: a pidfd.
    Pidfd,
}

impl FdType {
    /// The type of a `scap_fd_type` code (codes past 21 are `Unknown`).
    pub const fn from_code(code: u8) -> FdType {
        use FdType::*;
        match code {
            1 => File,
            2 => Directory,
            3 => Ipv4Sock,
            4 => Ipv6Sock,
            5 => Ipv4ServSock,
            6 => Ipv6ServSock,
            7 => Fifo,
            8 => UnixSock,
            9 => Event,
            10 => Unsupported,
            11 => Signalfd,
            12 => Eventpoll,
            13 => Inotify,
            14 => Timerfd,
            15 => Netlink,
            16 => FileV2,
            17 => Bpf,
            18 => Userfaultfd,
            19 => IoUring,
            20 => Memfd,
            21 => Pidfd,
            _ => Unknown,
        }
    }

    /// The character `fd.typechar` prints.
    pub const fn typechar(self) -> char {
        use FdType::*;
        match self {
            File | FileV2 => 'f',
            Directory => 'd',
            Ipv4Sock | Ipv4ServSock => '4',
            Ipv6Sock | Ipv6ServSock => '6',
            Fifo => 'p',
            UnixSock | Userfaultfd => 'u',
            Event => 'e',
            Signalfd => 's',
            Eventpoll => 'l',
            Inotify => 'i',
            Timerfd => 't',
            Netlink => 'n',
            Bpf => 'b',
            IoUring => 'r',
            Memfd => 'm',
            Pidfd => 'P',
            Unknown => 'o',
            Unsupported => 'X',
        }
    }

    /// The word `fd.type` prints.
    pub const fn name(self) -> &'static str {
        use FdType::*;
        match self {
            File | FileV2 => "file",
            Directory => "directory",
            Ipv4Sock | Ipv4ServSock => "ipv4",
            Ipv6Sock | Ipv6ServSock => "ipv6",
            Fifo => "pipe",
            UnixSock => "unix",
            Event => "event",
            Signalfd => "signalfd",
            Eventpoll => "eventpoll",
            Inotify => "inotify",
            Timerfd => "timerfd",
            Netlink => "netlink",
            Bpf => "bpf",
            Userfaultfd => "userfaultfd",
            IoUring => "io_uring",
            Memfd => "memfd",
            Pidfd => "pidfd",
            Unknown => "unknown",
            Unsupported => "unsupported",
        }
    }

    /// Whether this is a network or unix socket.
    pub const fn is_socket(self) -> bool {
        matches!(
            self,
            FdType::Ipv4Sock
                | FdType::Ipv6Sock
                | FdType::Ipv4ServSock
                | FdType::Ipv6ServSock
                | FdType::UnixSock
        )
    }
}

/// Layer-4 protocol codes (`scap_l4_proto`).
pub mod l4 {
    /// Unknown.
    pub const UNKNOWN: u8 = 0;
    /// Not a network socket.
    pub const NA: u8 = 1;
    /// TCP.
    pub const TCP: u8 = 2;
    /// UDP.
    pub const UDP: u8 = 3;
    /// ICMP.
    pub const ICMP: u8 = 4;
    /// Raw IP.
    pub const RAW: u8 = 5;
}

/// The addresses of a socket fd.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum SockInfo {
    /// Not a socket, or nothing known yet.
    #[default]
    None,
    /// A connected IPv4 socket (source and destination as libsinsp keeps them: client first).
    V4 {
        /// Source address.
        sip: Ipv4Addr,
        /// Source port.
        sport: u16,
        /// Destination address.
        dip: Ipv4Addr,
        /// Destination port.
        dport: u16,
    },
    /// A connected IPv6 socket.
    V6 {
        /// Source address.
        sip: Ipv6Addr,
        /// Source port.
        sport: u16,
        /// Destination address.
        dip: Ipv6Addr,
        /// Destination port.
        dport: u16,
    },
    /// A bound or listening IPv4 socket.
    V4Server {
        /// Address.
        ip: Ipv4Addr,
        /// Port.
        port: u16,
    },
    /// A bound or listening IPv6 socket.
    V6Server {
        /// Address.
        ip: Ipv6Addr,
        /// Port.
        port: u16,
    },
    /// A unix socket: kernel addresses of both ends.
    Unix {
        /// This end.
        source: u64,
        /// The peer.
        dest: u64,
    },
}

/// One file descriptor of a process.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct FdInfo {
    /// The fd number.
    pub fd: i64,
    /// What kind of fd it is.
    pub ty: FdType,
    /// The name as libsinsp gives it (`fd.name`): a normalized path, `sip:sport->dip:dport`,
    /// `srchex->dsthex path`, ... Bytes, since paths need not be UTF-8.
    pub name: Vec<u8>,
    /// The path as the open call gave it, unresolved (`fd.nameraw`), unless
    /// [`FLAG_RAW_IS_NAME`] says it is `name`; empty for fds not opened by a path. Read it
    /// with [`FdInfo::raw_name`].
    pub name_raw: Vec<u8>,
    /// `PPM_O_*` open flags.
    pub open_flags: u32,
    /// fd flags (`FLAG_*`: origin, client/server role, connection state).
    pub flags: u32,
    /// Inode number, if known.
    pub ino: u64,
    /// Device number, if known.
    pub dev: u32,
    /// Layer-4 protocol (`l4::*`).
    pub l4proto: u8,
    /// Socket addresses.
    pub sock: SockInfo,
    /// The process a pidfd refers to.
    pub pid: i64,
}

impl FdInfo {
    /// The character `fd.typechar` prints.
    pub fn typechar(&self) -> char {
        self.ty.typechar()
    }

    /// The path the open call gave, as it gave it (`fd.nameraw`); empty for fds that were
    /// not opened by a path (sockets, pipes, fds of the capture's fd list).
    pub fn raw_name(&self) -> &[u8] {
        if self.flags & FLAG_RAW_IS_NAME != 0 {
            &self.name
        } else {
            &self.name_raw
        }
    }

    /// Whether the open said the file is in an overlayfs upper layer.
    pub fn is_overlay_upper(&self) -> bool {
        self.flags & FLAG_OVERLAY_UPPER != 0
    }

    /// Whether this side of the socket is the server.
    pub fn is_server(&self) -> bool {
        self.flags & FLAG_ROLE_SERVER != 0
    }

    /// Whether this side of the socket is the client.
    pub fn is_client(&self) -> bool {
        self.flags & FLAG_ROLE_CLIENT != 0
    }

    /// Whether the fd is closed by execve.
    pub fn is_cloexec(&self) -> bool {
        self.open_flags & O_CLOEXEC != 0
    }

    /// Rebuilds `name` from the socket addresses, as libsinsp renders a tuple.
    pub(crate) fn rename_from_sock(&mut self) {
        self.name.clear();
        let name = &mut self.name;
        let mut s = String::new();
        match self.sock {
            SockInfo::V4 {
                sip,
                sport,
                dip,
                dport,
            } => {
                if matches!(self.l4proto, l4::ICMP | l4::RAW) {
                    let _ = write!(s, "{sip}->{dip}");
                } else {
                    let _ = write!(s, "{sip}:{sport}->{dip}:{dport}");
                }
            }
            SockInfo::V6 {
                sip,
                sport,
                dip,
                dport,
            } => {
                if matches!(self.l4proto, l4::ICMP | l4::RAW) {
                    let _ = write!(s, "{}->{}", Ipv6Text(sip), Ipv6Text(dip));
                } else {
                    let _ = write!(s, "{}:{sport}->{}:{dport}", Ipv6Text(sip), Ipv6Text(dip));
                }
            }
            SockInfo::V4Server { ip, port } => {
                let _ = write!(s, "{ip}:{port}");
            }
            SockInfo::V6Server { ip, port } => {
                let _ = write!(s, "{}:{port}", Ipv6Text(ip));
            }
            SockInfo::Unix { .. } | SockInfo::None => return,
        }
        name.extend_from_slice(s.as_bytes());
    }

    /// Whether the socket already holds this tuple's endpoints, in either direction. libsinsp
    /// (both eras) then leaves the fd alone, so its name keeps the orientation it had, such
    /// as a capture table's client-to-server.
    pub(crate) fn has_tuple(&self, t: &SockTuple<'_>) -> bool {
        match (self.ty, self.sock, t) {
            (
                FdType::Ipv4Sock,
                SockInfo::V4 {
                    sip,
                    sport,
                    dip,
                    dport,
                },
                _,
            ) => t.as_v4().is_some_and(|(s, sp, d, dp)| {
                (s, sp, d, dp) == (sip, sport, dip, dport)
                    || (d, dp, s, sp) == (sip, sport, dip, dport)
            }),
            (
                FdType::Ipv6Sock,
                SockInfo::V6 {
                    sip,
                    sport,
                    dip,
                    dport,
                },
                &SockTuple::V6 {
                    src,
                    sport: sp,
                    dst,
                    dport: dp,
                },
            ) if t.as_v4().is_none() => {
                (src, sp, dst, dp) == (sip, sport, dip, dport)
                    || (dst, dp, src, sp) == (sip, sport, dip, dport)
            }
            _ => false,
        }
    }

    /// Sets the socket from a tuple (IPv4-mapped IPv6 becomes IPv4) and renames the fd.
    /// Unix tuples set `source->dest path`. Returns false for families that carry nothing.
    pub(crate) fn set_from_tuple(&mut self, t: &SockTuple<'_>) -> bool {
        self.set_tuple(t, false)
    }

    /// [`set_from_tuple`](Self::set_from_tuple), except that a destination address or port
    /// the socket already has (as a socket of the same kind) stays: sysdig 0.29's connect
    /// filled only an unset destination.
    pub(crate) fn set_from_tuple_keeping_destination(&mut self, t: &SockTuple<'_>) -> bool {
        self.set_tuple(t, true)
    }

    fn set_tuple(&mut self, t: &SockTuple<'_>, keep_destination: bool) -> bool {
        if let Some((sip, sport, mut dip, mut dport)) = t.as_v4() {
            if let (
                true,
                FdType::Ipv4Sock,
                SockInfo::V4 {
                    dip: d, dport: p, ..
                },
            ) = (keep_destination, self.ty, self.sock)
            {
                if d != Ipv4Addr::UNSPECIFIED {
                    dip = d;
                }
                if p != 0 {
                    dport = p;
                }
            }
            self.ty = FdType::Ipv4Sock;
            self.sock = SockInfo::V4 {
                sip,
                sport,
                dip,
                dport,
            };
            self.rename_from_sock();
            return true;
        }
        match *t {
            SockTuple::V6 {
                src,
                sport,
                mut dst,
                mut dport,
            } => {
                if let (
                    true,
                    FdType::Ipv6Sock,
                    SockInfo::V6 {
                        dip: d, dport: p, ..
                    },
                ) = (keep_destination, self.ty, self.sock)
                {
                    if d != Ipv6Addr::UNSPECIFIED {
                        dst = d;
                    }
                    if p != 0 {
                        dport = p;
                    }
                }
                self.ty = FdType::Ipv6Sock;
                self.sock = SockInfo::V6 {
                    sip: src,
                    sport,
                    dip: dst,
                    dport,
                };
                self.rename_from_sock();
                true
            }
            SockTuple::Unix {
                src_ptr,
                dst_ptr,
                path,
            } => {
                self.ty = FdType::UnixSock;
                self.sock = SockInfo::Unix {
                    source: src_ptr,
                    dest: dst_ptr,
                };
                unix_name(&mut self.name, src_ptr, dst_ptr, path);
                true
            }
            _ => false,
        }
    }
}

/// `srchex->dsthex path`, the name libsinsp gives a connected unix socket.
pub(crate) fn unix_name(out: &mut Vec<u8>, src: u64, dst: u64, path: &[u8]) {
    out.clear();
    let s = format!("{src:x}->{dst:x} ");
    out.extend_from_slice(s.as_bytes());
    out.extend_from_slice(path);
}

/// Renders a socket address as a bound socket's name (`ip:port`, or the unix path).
pub(crate) fn sockaddr_name(out: &mut Vec<u8>, a: &SockAddr<'_>) {
    out.clear();
    match *a {
        SockAddr::V4 { addr, port } => out.extend_from_slice(format!("{addr}:{port}").as_bytes()),
        SockAddr::V6 { addr, port } => {
            if is_ipv4_mapped(&addr) {
                let o = addr.octets();
                let v4 = Ipv4Addr::new(o[12], o[13], o[14], o[15]);
                out.extend_from_slice(format!("{v4}:{port}").as_bytes());
            } else {
                out.extend_from_slice(format!("{}:{port}", Ipv6Text(addr)).as_bytes());
            }
        }
        SockAddr::Unix(p) => out.extend_from_slice(p),
        _ => {}
    }
}

/// The fds of one process, bounded: once `max` fds are open, new ones are ignored (as
/// libsinsp does), so a leaking process cannot grow memory without limit.
#[derive(Debug, Clone, Default)]
pub struct FdTable {
    map: HashMap<i64, FdInfo>,
    /// Whether an fd numbered below 0 was ever put in (only hostile or odd captures have
    /// one): the lookups of -1, which every event without an fd of its own makes, are then
    /// answered without hashing.
    negatives: bool,
    /// The fd numbers in the order libsinsp's table would list them.
    order: crate::std_order::StdOrder,
}

impl FdTable {
    /// The fd numbered `fd`.
    #[inline]
    pub fn get(&self, fd: i64) -> Option<&FdInfo> {
        if fd < 0 && !self.negatives {
            return None;
        }
        self.map.get(&fd)
    }

    /// The fd numbered `fd`, mutable.
    pub(crate) fn get_mut(&mut self, fd: i64) -> Option<&mut FdInfo> {
        self.map.get_mut(&fd)
    }

    /// Number of open fds.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Approximate bytes held: the map's slots and the fds' names.
    pub fn approx_bytes(&self) -> usize {
        self.map.capacity() * (std::mem::size_of::<(i64, FdInfo)>() + 1)
            + self
                .map
                .values()
                .map(|f| f.name.capacity() + f.name_raw.capacity())
                .sum::<usize>()
    }

    /// Whether no fd is open.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Every fd, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = &FdInfo> {
        self.map.values()
    }

    /// Every fd in the order libsinsp walks its table (a libstdc++ `unordered_map`, whose
    /// order follows the table's history): the order of `fd.types` and of a forked child's
    /// copy.
    pub fn iter_libsinsp_order(&self) -> impl Iterator<Item = &FdInfo> {
        self.order.keys().filter_map(|fd| self.map.get(&fd))
    }

    /// Adds or replaces an fd; returns false (dropping it) when the table is full.
    pub(crate) fn insert(&mut self, info: FdInfo, max: usize) -> bool {
        let mut spare = Vec::new();
        self.insert_recycling(info, max, &mut spare)
    }

    /// Like [`insert`](Self::insert), but the fd it replaces (or the one it refuses) goes to
    /// `spare`, so its name buffer can serve a later fd.
    pub(crate) fn insert_recycling(
        &mut self,
        info: FdInfo,
        max: usize,
        spare: &mut Vec<FdInfo>,
    ) -> bool {
        if self.map.len() >= max && !self.map.contains_key(&info.fd) {
            recycle(spare, info);
            return false;
        }
        let fd = info.fd;
        self.negatives |= fd < 0;
        match self.map.insert(fd, info) {
            Some(old) => recycle(spare, old),
            None => self.order.insert(fd),
        }
        true
    }

    /// Removes an fd, returning it.
    pub(crate) fn remove(&mut self, fd: i64) -> Option<FdInfo> {
        let f = self.map.remove(&fd)?;
        self.order.remove(fd);
        Some(f)
    }

    /// Keeps only the fds `keep` says yes to.
    pub(crate) fn retain(&mut self, mut keep: impl FnMut(&mut FdInfo) -> bool) {
        let order = &mut self.order;
        self.map.retain(|&fd, v| {
            let k = keep(v);
            if !k {
                order.remove(fd);
            }
            k
        });
    }
}

/// How many closed fds keep their buffers for reuse.
const SPARE_FDS: usize = 64;

/// Keeps a dropped fd's allocation for the next new fd, up to a small bound.
#[inline]
pub(crate) fn recycle(spare: &mut Vec<FdInfo>, f: FdInfo) {
    if spare.len() < SPARE_FDS {
        spare.push(f);
    }
}

/// A blank fd, reusing a spare one's name buffer when there is one.
pub(crate) fn blank_fd(spare: &mut Vec<FdInfo>, fd: i64, ty: FdType) -> FdInfo {
    let (mut name, mut name_raw) = spare
        .pop()
        .map(|f| (f.name, f.name_raw))
        .unwrap_or_default();
    name.clear();
    name_raw.clear();
    FdInfo {
        fd,
        ty,
        name,
        name_raw,
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A table answers for negative fd numbers once it holds one (a hostile capture's), and
    /// not before; removing it leaves the lookups right.
    #[test]
    fn negative_fds_are_found() {
        let mut t = FdTable::default();
        let fd = |n: i64| FdInfo {
            fd: n,
            name: format!("/f{n}").into_bytes(),
            ..Default::default()
        };
        assert!(t.insert(fd(3), 8));
        assert!(t.get(-1).is_none());
        assert!(t.insert(fd(-1), 8));
        assert_eq!(t.get(-1).map(|f| f.name.as_slice()), Some(&b"/f-1"[..]));
        assert_eq!(t.get(3).map(|f| f.fd), Some(3));
        assert!(t.remove(-1).is_some());
        assert!(t.get(-1).is_none());
        assert!(t.insert(fd(-7), 8));
        assert_eq!(t.get(-7).map(|f| f.fd), Some(-7));
    }

    #[test]
    fn ipv4_tuple_name() {
        let mut f = FdInfo {
            l4proto: l4::TCP,
            ..Default::default()
        };
        let t = SockTuple::V4 {
            src: Ipv4Addr::new(127, 0, 0, 1),
            sport: 47192,
            dst: Ipv4Addr::new(127, 0, 0, 1),
            dport: 80,
        };
        assert!(f.set_from_tuple(&t));
        assert_eq!(f.name, b"127.0.0.1:47192->127.0.0.1:80");
        assert_eq!(f.typechar(), '4');
    }

    #[test]
    fn a_known_tuple_either_way_round_is_held() {
        let (a, b) = (Ipv4Addr::new(10, 0, 0, 1), Ipv4Addr::new(10, 0, 0, 2));
        let mut f = FdInfo {
            l4proto: l4::UDP,
            ..Default::default()
        };
        let t = |src, sport, dst, dport| SockTuple::V4 {
            src,
            sport,
            dst,
            dport,
        };
        assert!(!f.has_tuple(&t(a, 5000, b, 53)));
        f.set_from_tuple(&t(a, 5000, b, 53));
        assert!(f.has_tuple(&t(a, 5000, b, 53)));
        assert!(f.has_tuple(&t(b, 53, a, 5000)));
        assert!(!f.has_tuple(&t(b, 53, a, 5001)));
    }

    #[test]
    fn ipv6_tuple_name_and_mapped() {
        let mut f = FdInfo::default();
        let t = SockTuple::V6 {
            src: "2001:db8::4".parse().unwrap(),
            sport: 54405,
            dst: "2001:db8::3".parse().unwrap(),
            dport: 1234,
        };
        f.set_from_tuple(&t);
        assert_eq!(f.name, b"2001:db8::4:54405->2001:db8::3:1234");
        let t = SockTuple::V6 {
            src: "::ffff:10.0.0.1".parse().unwrap(),
            sport: 1,
            dst: "::ffff:10.0.0.2".parse().unwrap(),
            dport: 2,
        };
        f.set_from_tuple(&t);
        assert_eq!(f.ty, FdType::Ipv4Sock);
        assert_eq!(f.name, b"10.0.0.1:1->10.0.0.2:2");
    }

    #[test]
    fn unix_and_server_names() {
        let mut out = Vec::new();
        unix_name(&mut out, 0, 0xffff88003c420800, b"/var/run/nscd/socket");
        assert_eq!(out, b"0->ffff88003c420800 /var/run/nscd/socket");
        sockaddr_name(
            &mut out,
            &SockAddr::V6 {
                addr: "2001:db8::3".parse().unwrap(),
                port: 1234,
            },
        );
        assert_eq!(out, b"2001:db8::3:1234");
    }

    #[test]
    fn table_is_bounded() {
        let mut t = FdTable::default();
        for fd in 0..10 {
            t.insert(
                FdInfo {
                    fd,
                    ..Default::default()
                },
                4,
            );
        }
        assert_eq!(t.len(), 4);
        assert!(t.insert(
            FdInfo {
                fd: 2,
                ..Default::default()
            },
            4
        ));
    }
}
