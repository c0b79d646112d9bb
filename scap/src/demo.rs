//! A small, realistic capture that Strata makes with its own writer, for examples and docs.
//!
//! The scenario, in today's format (exit events carrying every parameter): on host
//! `strata-demo`, user `alice`'s login shell (`bash`, pid 4100, child of `sshd`) forks; the
//! child execs `curl -s http://example.com/`, which loads the dynamic linker cache and libc,
//! reads `/etc/resolv.conf`, resolves `example.com` over UDP, connects over TCP to port 80,
//! sends a request, reads the response, writes the page to its terminal and exits; the shell
//! reaps it. The metadata blocks (machine, interfaces, users, processes, fds) come first; then,
//! as libsinsp's writer does today, the users and groups again as `useradded`/`groupadded`
//! events.

use crate::block::types;
use crate::bytes::Endian;
use crate::fdlist::{FdEntry, FdInfo, FdList};
use crate::iflist::{InterfaceAddr, InterfaceEntry, InterfaceList};
use crate::machine::MachineInfo;
use crate::proclist::{ProcessEntry, ProcessList};
use crate::section::SectionHeader;
use crate::userlist::{UserEntry, UserList};
use crate::writer::Writer;

/// 2026-11-26 09:00:00 UTC, in nanoseconds.
pub const START_TS: u64 = 1_795_683_600_000_000_000;

const SHELL: i64 = 4100;
const SSHD: i64 = 4050;
const CURL: i64 = 4242;
const HOST: [u8; 4] = [10, 0, 0, 5];
const DNS: [u8; 4] = [10, 0, 0, 2];
const WEB: [u8; 4] = [93, 184, 215, 14];
const ENV: &[u8] = b"HOME=/home/alice\0USER=alice\0SHELL=/bin/bash\0TERM=xterm-256color\0PATH=/usr/local/bin:/usr/bin:/bin\0";
/// uid, gid, name, home, shell.
type UserRow = (u32, u32, &'static [u8], &'static [u8], &'static [u8]);
const USERS: [UserRow; 2] = [
    (0, 0, b"root", b"/root", b"/bin/bash"),
    (1000, 1000, b"alice", b"/home/alice", b"/bin/bash"),
];
const GROUPS: [(u32, &[u8]); 2] = [(0, b"root"), (1000, b"alice")];
const USERADDED_E: u16 = 354;
const GROUPADDED_E: u16 = 358;
const CGROUPS: &[u8] = b"cpuset=/user.slice\0cpu=/user.slice/user-1000.slice/session-3.scope\0memory=/user.slice/user-1000.slice/session-3.scope\0";
/// `/dev/pts/0` as a tty number.
const TTY: u32 = 34816;

// Event codes of today's table used below.
const CLOSE_X: u16 = 5;
const READ_X: u16 = 7;
const WRITE_X: u16 = 9;
const GENERIC_X: u16 = 1;
const SOCKET_X: u16 = 19;
const CONNECT_X: u16 = 23;
const SENDTO_X: u16 = 31;
const RECVFROM_X: u16 = 35;
const FSTAT_X: u16 = 71;
const BRK_X: u16 = 159;
const MMAP_X: u16 = 161;
const PROCEXIT_E: u16 = 186;
const CLONE_X: u16 = 223;
const EXECVE_X: u16 = 293;
const OPENAT_X: u16 = 307;

const O_RDONLY_CLOEXEC: u32 = 1 | 0x1000;
const AT_FDCWD: i64 = -100;
/// libsinsp keeps the first 80 bytes of I/O buffers by default.
const SNAPLEN: usize = 80;

fn i64p(v: i64) -> Vec<u8> {
    v.to_le_bytes().to_vec()
}
fn u64p(v: u64) -> Vec<u8> {
    v.to_le_bytes().to_vec()
}
fn u32p(v: u32) -> Vec<u8> {
    v.to_le_bytes().to_vec()
}
fn u8p(v: u8) -> Vec<u8> {
    vec![v]
}
fn u16p(v: u16) -> Vec<u8> {
    v.to_le_bytes().to_vec()
}
fn strp(s: &str) -> Vec<u8> {
    let mut v = s.as_bytes().to_vec();
    v.push(0);
    v
}
fn buf(data: &[u8]) -> Vec<u8> {
    data[..data.len().min(SNAPLEN)].to_vec()
}
fn sockaddr4(ip: [u8; 4], port: u16) -> Vec<u8> {
    let mut v = vec![2];
    v.extend_from_slice(&ip);
    v.extend_from_slice(&port.to_le_bytes());
    v
}
fn tuple4(sip: [u8; 4], sport: u16, dip: [u8; 4], dport: u16) -> Vec<u8> {
    let mut v = vec![2];
    v.extend_from_slice(&sip);
    v.extend_from_slice(&sport.to_le_bytes());
    v.extend_from_slice(&dip);
    v.extend_from_slice(&dport.to_le_bytes());
    v
}

/// Writes events one after another, advancing the clock.
struct Script<W: std::io::Write> {
    w: Writer<W>,
    ts: u64,
}

impl<W: std::io::Write> Script<W> {
    fn ev(&mut self, after_us: u64, tid: i64, ty: u16, params: &[Vec<u8>]) {
        self.ts += after_us * 1000 + 317;
        let refs: Vec<&[u8]> = params.iter().map(Vec::as_slice).collect();
        let cpu = if tid == CURL { 1 } else { 0 };
        self.w
            .write_event(cpu, 0, self.ts, tid as u64, ty, &refs)
            .expect("demo events fit their tables");
    }

    fn open(&mut self, after_us: u64, path: &str, ino: u64) {
        let p = vec![
            i64p(3),
            i64p(AT_FDCWD),
            strp(path),
            u32p(O_RDONLY_CLOEXEC),
            u32p(0),
            u32p(0xfd01),
            u64p(ino),
        ];
        self.ev(after_us, CURL, OPENAT_X, &p);
    }

    fn read(&mut self, after_us: u64, fd: i64, data: &[u8], size: u32) {
        let p = vec![i64p(data.len() as i64), buf(data), i64p(fd), u32p(size)];
        self.ev(after_us, CURL, READ_X, &p);
    }

    fn write(&mut self, after_us: u64, fd: i64, data: &[u8]) {
        let p = vec![
            i64p(data.len() as i64),
            buf(data),
            i64p(fd),
            u32p(data.len() as u32),
        ];
        self.ev(after_us, CURL, WRITE_X, &p);
    }

    /// An mmap of `len` bytes of `fd`; `pf` holds the protection and mapping flags.
    fn mmap(&mut self, after_us: u64, res: u64, vm_kb: u32, len: u64, pf: (u32, u32), fd: i64) {
        let (prot, flags) = pf;
        let p = vec![
            u64p(res),
            u32p(vm_kb),
            u32p(vm_kb / 8),
            u32p(0),
            u64p(0),
            u64p(len),
            u32p(prot),
            u32p(flags),
            i64p(fd),
            u64p(0),
        ];
        self.ev(after_us, CURL, MMAP_X, &p);
    }

    fn close(&mut self, after_us: u64, fd: i64) {
        self.ev(after_us, CURL, CLOSE_X, &[i64p(0), i64p(fd)]);
    }

    /// A clone exit as seen by `tid` (the parent gets the child's tid, the child 0).
    fn clone(&mut self, after_us: u64, tid: i64, res: i64) {
        let p = vec![
            i64p(res),
            strp("-bash"),
            Vec::new(),
            i64p(tid),
            i64p(tid),
            i64p(if tid == CURL { SHELL } else { SSHD }),
            strp("/home/alice"),
            i64p(1024),
            u64p(0),
            u64p(if tid == CURL { 0 } else { 2210 }),
            u32p(9384),
            u32p(5412),
            u32p(0),
            strp("bash"),
            CGROUPS.to_vec(),
            u32p(0),
            u32p(1000),
            u32p(1000),
            i64p(tid),
            i64p(tid),
            u64p(0),
        ];
        self.ev(after_us, tid, CLONE_X, &p);
    }
}

fn metadata<W: std::io::Write>(w: &mut Writer<W>) -> crate::Result<()> {
    let e = Endian::Little;
    w.write_section(&SectionHeader::current())?;

    let mut body = Vec::new();
    let mi = MachineInfo {
        num_cpus: 2,
        memory_size_bytes: 8 << 30,
        boot_ts_epoch: START_TS - 3 * 86_400 * 1_000_000_000,
        ..MachineInfo::new(b"strata-demo")
    };
    mi.encode(&mut body, e)
        .map_err(|k| crate::Error::new(0, Some(types::MI), k))?;
    w.write_raw(types::MI, &body)?;

    let ifaces = [
        InterfaceEntry::new(
            InterfaceAddr::Ipv4 {
                addr: [127, 0, 0, 1],
                netmask: [255, 0, 0, 0],
                bcast: [127, 0, 0, 1],
                linkspeed: Some(0),
            },
            b"lo",
        ),
        InterfaceEntry::new(
            InterfaceAddr::Ipv4 {
                addr: HOST,
                netmask: [255, 255, 255, 0],
                bcast: [10, 0, 0, 255],
                linkspeed: Some(1000),
            },
            b"eth0",
        ),
        InterfaceEntry::new(
            InterfaceAddr::Ipv6 {
                addr: std::net::Ipv6Addr::LOCALHOST.octets(),
                netmask: [0xff; 16],
                bcast: [0; 16],
                linkspeed: Some(0),
            },
            b"lo",
        ),
    ];
    let werr = |t| move |k| crate::Error::new(0, Some(t), k);
    body.clear();
    InterfaceList::encode_entries(types::IL_V2, &ifaces, &mut body, e)
        .map_err(werr(types::IL_V2))?;
    w.write_raw(types::IL_V2, &body)?;

    let mut users: Vec<UserEntry> = USERS
        .iter()
        .map(|&(uid, gid, name, home, shell)| UserEntry::user(uid, gid, name, home, shell))
        .collect();
    users.extend(
        GROUPS
            .iter()
            .map(|&(gid, name)| UserEntry::group(gid, name)),
    );
    body.clear();
    UserList::encode_entries(types::UL_V2, &users, &mut body, e).map_err(werr(types::UL_V2))?;
    w.write_raw(types::UL_V2, &body)?;

    let init = ProcessEntry {
        tid: 1,
        pid: 1,
        ptid: 0,
        sid: 1,
        vpgid: 1,
        comm: b"systemd",
        exe: b"/sbin/init",
        exepath: b"/usr/lib/systemd/systemd",
        args: b"splash\0",
        cwd: b"/",
        fdlimit: 524_288,
        vtid: 1,
        vpid: 1,
        root: b"/",
        pgid: 1,
        ..ProcessEntry::default()
    };
    let sshd = ProcessEntry {
        tid: SSHD as u64,
        pid: SSHD as u64,
        ptid: 1,
        sid: SSHD,
        vpgid: SSHD,
        comm: b"sshd",
        exe: b"sshd: alice@pts/0",
        exepath: b"/usr/sbin/sshd",
        cwd: b"/",
        fdlimit: 1024,
        vtid: SSHD,
        vpid: SSHD,
        root: b"/",
        pgid: SSHD,
        ..ProcessEntry::default()
    };
    let shell = ProcessEntry {
        tid: SHELL as u64,
        pid: SHELL as u64,
        ptid: SSHD as u64,
        sid: SHELL,
        vpgid: SHELL,
        comm: b"bash",
        exe: b"-bash",
        exepath: b"/usr/bin/bash",
        cwd: b"/home/alice",
        fdlimit: 1024,
        uid: 1000,
        gid: 1000,
        vmsize_kb: 9384,
        vmrss_kb: 5412,
        pfminor: 2210,
        env: ENV,
        vtid: SHELL,
        vpid: SHELL,
        cgroups: CGROUPS,
        root: b"/",
        tty: TTY,
        loginuid: 1000,
        pgid: SHELL,
        ..ProcessEntry::default()
    };
    body.clear();
    ProcessList::encode_entries(types::PL_V9, &[init, sshd, shell], &mut body, e)
        .map_err(werr(types::PL_V9))?;
    w.write_raw(types::PL_V9, &body)?;

    let pts = FdInfo::FileV2 {
        open_flags: 3,
        name: b"/dev/pts/0",
        dev: Some(0x1a),
    };
    let fdls: [(i64, Vec<FdEntry<'_>>); 3] = [
        (
            1,
            vec![FdEntry::new(
                0,
                5,
                FdInfo::FileV2 {
                    open_flags: 1,
                    name: b"/dev/null",
                    dev: Some(5),
                },
            )],
        ),
        (
            SSHD,
            vec![FdEntry::new(
                3,
                40_001,
                FdInfo::Ipv4Socket {
                    sip: [10, 0, 0, 9],
                    dip: HOST,
                    sport: 50_422,
                    dport: 22,
                    l4proto: 2,
                },
            )],
        ),
        (
            SHELL,
            vec![
                FdEntry::new(0, 3, pts),
                FdEntry::new(1, 3, pts),
                FdEntry::new(2, 3, pts),
                FdEntry::new(255, 3, pts),
            ],
        ),
    ];
    for (tid, fds) in &fdls {
        body.clear();
        FdList::encode_entries(types::FDL_V2, *tid as u64, fds, &mut body, e)
            .map_err(werr(types::FDL_V2))?;
        w.write_raw(types::FDL_V2, &body)?;
    }
    Ok(())
}

/// The demo capture's bytes (uncompressed).
///
/// ```
/// let bytes = strata_scap::demo::capture();
/// assert!(bytes.len() > 1000);
/// ```
pub fn capture() -> Vec<u8> {
    let mut w = Writer::new(Vec::new());
    metadata(&mut w).expect("demo metadata fits its blocks");
    // No thread: tid -1; the container id is empty for the host.
    let cstr = |b: &[u8]| [b, b"\0"].concat();
    for (uid, gid, name, home, shell) in USERS {
        let p = [
            u32p(uid),
            u32p(gid),
            cstr(name),
            cstr(home),
            cstr(shell),
            cstr(b""),
        ];
        let refs: Vec<&[u8]> = p.iter().map(Vec::as_slice).collect();
        w.write_event(0, 0, START_TS, u64::MAX, USERADDED_E, &refs)
            .expect("demo events fit their tables");
    }
    for (gid, name) in GROUPS {
        let p = [u32p(gid), cstr(name), cstr(b"")];
        let refs: Vec<&[u8]> = p.iter().map(Vec::as_slice).collect();
        w.write_event(0, 0, START_TS, u64::MAX, GROUPADDED_E, &refs)
            .expect("demo events fit their tables");
    }
    let mut s = Script { w, ts: START_TS };

    // The shell forks; the child execs curl.
    s.clone(0, SHELL, CURL);
    s.clone(41, CURL, 0);
    let args = b"-s\0http://example.com/\0";
    let exec = vec![
        i64p(0),
        strp("curl"),
        args.to_vec(),
        i64p(CURL),
        i64p(CURL),
        i64p(SHELL),
        strp("/home/alice"),
        u64p(1024),
        u64p(0),
        u64p(84),
        u32p(2084),
        u32p(1012),
        u32p(0),
        strp("curl"),
        CGROUPS.to_vec(),
        ENV.to_vec(),
        u32p(TTY),
        i64p(CURL),
        u32p(1000),
        u32p(0),
        u64p(0),
        u64p(0),
        u64p(0),
        u64p(1_442_117),
        u64p(START_TS - 90 * 86_400 * 1_000_000_000),
        u64p(START_TS - 90 * 86_400 * 1_000_000_000),
        u32p(1000),
        strp("/usr/bin/curl"),
        i64p(CURL),
        u32p(1000),
        strp("/usr/bin/curl"),
    ];
    s.ev(388, CURL, EXECVE_X, &exec);
    s.ev(
        52,
        CURL,
        BRK_X,
        &[
            u64p(0x55d0_c2a0_0000),
            u32p(2084),
            u32p(1012),
            u32p(0),
            u64p(0),
        ],
    );

    // The dynamic linker: its cache, then libc.
    s.open(31, "/etc/ld.so.cache", 131_090);
    s.ev(4, CURL, FSTAT_X, &[i64p(0), i64p(3)]);
    s.mmap(6, 0x7f3a_1c2d_0000, 2148, 61_234, (1, 2), 3);
    s.close(3, 3);
    s.open(12, "/lib/x86_64-linux-gnu/libc.so.6", 1_446_921);
    let mut elf = b"\x7fELF\x02\x01\x01\x03".to_vec();
    elf.resize(832, 0);
    s.read(5, 3, &elf, 832);
    s.mmap(9, 0x7f3a_1c0a_8000, 4204, 2_125_328, (1 | 4, 2 | 1024), 3);
    s.close(7, 3);

    // Name resolution: resolv.conf, then a DNS query over UDP.
    s.open(420, "/etc/resolv.conf", 262_159);
    s.read(
        6,
        3,
        b"nameserver 10.0.0.2\nsearch example.internal\n",
        4096,
    );
    s.close(4, 3);
    s.ev(
        33,
        CURL,
        SOCKET_X,
        &[i64p(3), u32p(2), u32p(2), u32p(0), u32p(0)],
    );
    let dns_tuple = tuple4(HOST, 41_235, DNS, 53);
    s.ev(
        8,
        CURL,
        CONNECT_X,
        &[i64p(0), dns_tuple.clone(), i64p(3), sockaddr4(DNS, 53)],
    );
    let mut query = vec![0x4a, 0x1c, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0];
    query.extend_from_slice(b"\x07example\x03com\x00\x00\x01\x00\x01");
    s.ev(
        15,
        CURL,
        SENDTO_X,
        &[
            i64p(query.len() as i64),
            buf(&query),
            i64p(3),
            u32p(query.len() as u32),
            dns_tuple.clone(),
        ],
    );
    let mut answer = query.clone();
    answer[2] = 0x81;
    answer[3] = 0x80;
    answer[7] = 1;
    answer.extend_from_slice(&[0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0x0e, 0x10, 0, 4]);
    answer.extend_from_slice(&WEB);
    s.ev(
        2810,
        CURL,
        RECVFROM_X,
        &[
            i64p(answer.len() as i64),
            buf(&answer),
            dns_tuple,
            i64p(3),
            u32p(512),
        ],
    );
    s.close(11, 3);

    // HTTP over TCP.
    s.ev(
        40,
        CURL,
        SOCKET_X,
        &[i64p(3), u32p(2), u32p(1), u32p(6), u32p(0)],
    );
    let web_tuple = tuple4(HOST, 50_514, WEB, 80);
    s.ev(
        21_300,
        CURL,
        CONNECT_X,
        &[i64p(0), web_tuple, i64p(3), sockaddr4(WEB, 80)],
    );
    s.write(
        60,
        3,
        b"GET / HTTP/1.1\r\nHost: example.com\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n\r\n",
    );
    let mut response = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=UTF-8\r\nContent-Length: 1256\r\n\r\n".to_vec();
    let page =
        b"<!doctype html>\n<html>\n<head>\n    <title>Example Domain</title>\n</head>\n</html>\n";
    response.extend_from_slice(page);
    s.read(20_750, 3, &response, 102_400);
    s.write(40, 1, page);
    s.close(35, 3);

    // curl exits; the shell reaps it.
    s.ev(
        90,
        CURL,
        PROCEXIT_E,
        &[i64p(0), i64p(0), u8p(0), u8p(0), i64p(SHELL)],
    );
    s.ev(130, SHELL, GENERIC_X, &[u16p(69), u16p(61)]);
    s.w.into_inner().expect("writing to a Vec cannot fail")
}

#[cfg(test)]
mod tests {
    use crate::{Block, SliceReader};

    #[test]
    fn every_block_and_parameter_decodes() {
        let bytes = super::capture();
        let mut events = 0;
        for block in SliceReader::new(&bytes) {
            if let Block::Event(ev) = block.unwrap() {
                events += 1;
                let info = ev.info().unwrap();
                assert_eq!(
                    ev.nparams(),
                    info.params.len(),
                    "{} has every parameter",
                    info.name
                );
                for i in 0..ev.nparams() {
                    ev.param(i)
                        .unwrap()
                        .unwrap_or_else(|e| panic!("{} param {i}: {e}", info.name));
                }
            }
        }
        assert!(events > 25);
    }
}
