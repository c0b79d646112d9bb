//! Process list blocks (PL v1 to v9 and the pre-release `_INT` numbers): one entry per thread.
//!
//! [`ProcessList::parse`] validates a whole block body up front, without allocating;
//! [`ProcessList::entries`] then decodes the entries lazily, borrowing every string from the
//! body. Encoding reproduces a parsed body byte for byte (PL v9 entry lengths, the 0.10.0
//! field-order quirk and unknown trailing bytes are all kept).

use std::iter::FusedIterator;

use crate::block::types::{
    PL_V1, PL_V1_INT, PL_V2, PL_V2_INT, PL_V3, PL_V3_INT, PL_V4, PL_V5, PL_V6, PL_V7, PL_V8, PL_V9,
};
use crate::bytes::{Cursor, Endian, put_str16};
use crate::error::ErrorKind;

/// Longest comm, exe, exepath, cwd and root libscap accepts (`SCAP_MAX_PATH_SIZE`).
const MAX_PATH: usize = 1024;
/// Longest args, env and cgroups libscap accepts.
const MAX_LONG: usize = 4096;
/// Size of the pre-0.10 tail (loginuid, exe_writable, three capability sets).
const PRE_0_10_TAIL: usize = 29;

/// A validated process list block body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProcessList<'a> {
    block_type: u32,
    version: u8,
    body: &'a [u8],
    used: usize,
    len: usize,
    endian: Endian,
}

impl<'a> ProcessList<'a> {
    /// The entry layout version (1 to 9) of a process list block type, or `None` if it is not one.
    pub const fn version_for(block_type: u32) -> Option<u8> {
        Some(match block_type {
            PL_V1 | PL_V1_INT => 1,
            PL_V2 | PL_V2_INT => 2,
            PL_V3 | PL_V3_INT => 3,
            PL_V4 => 4,
            PL_V5 => 5,
            PL_V6 => 6,
            PL_V7 => 7,
            PL_V8 => 8,
            PL_V9 => 9,
            _ => return None,
        })
    }

    /// Validates every entry of a block body (padding included) and returns the list.
    pub fn parse(block_type: u32, body: &'a [u8], endian: Endian) -> Result<Self, ErrorKind> {
        let version = Self::version_for(block_type)
            .ok_or(ErrorKind::Malformed("not a process list block type"))?;
        let (mut used, mut len) = (0, 0);
        while body.len() - used >= 4 {
            let (_, n) = parse_entry(version, &body[used..], endian)?;
            used += n;
            len += 1;
        }
        Ok(ProcessList {
            block_type,
            version,
            body,
            used,
            len,
            endian,
        })
    }

    /// The block type code this list was read with.
    pub fn block_type(&self) -> u32 {
        self.block_type
    }

    /// The entry layout version, 1 to 9.
    pub fn version(&self) -> u8 {
        self.version
    }

    /// The number of entries (threads).
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the list has no entries.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The whole body as given to [`parse`](Self::parse).
    pub fn body(&self) -> &'a [u8] {
        self.body
    }

    /// The 0 to 3 bytes after the last entry, ignored as padding.
    pub fn padding(&self) -> &'a [u8] {
        &self.body[self.used..]
    }

    /// The entries, decoded one at a time.
    pub fn entries(&self) -> ProcessEntries<'a> {
        ProcessEntries {
            version: self.version,
            rest: &self.body[..self.used],
            endian: self.endian,
            left: self.len,
        }
    }

    /// Appends the body (entries re-encoded, no padding) in byte order `endian`.
    pub fn encode(&self, out: &mut Vec<u8>, endian: Endian) -> Result<(), ErrorKind> {
        let start = out.len();
        for e in self.entries() {
            if let Err(k) = e.encode_version(self.version, out, endian) {
                out.truncate(start);
                return Err(k);
            }
        }
        Ok(())
    }

    /// Appends a body holding `entries` in the layout of `block_type` (no padding).
    pub fn encode_entries(
        block_type: u32,
        entries: &[ProcessEntry<'_>],
        out: &mut Vec<u8>,
        endian: Endian,
    ) -> Result<(), ErrorKind> {
        let version = Self::version_for(block_type)
            .ok_or(ErrorKind::Malformed("not a process list block type"))?;
        let start = out.len();
        for e in entries {
            if let Err(k) = e.encode_version(version, out, endian) {
                out.truncate(start);
                return Err(k);
            }
        }
        Ok(())
    }
}

/// Iterator over the entries of a [`ProcessList`].
#[derive(Debug, Clone)]
pub struct ProcessEntries<'a> {
    version: u8,
    rest: &'a [u8],
    endian: Endian,
    left: usize,
}

impl<'a> Iterator for ProcessEntries<'a> {
    type Item = ProcessEntry<'a>;

    fn next(&mut self) -> Option<ProcessEntry<'a>> {
        if self.left == 0 || self.rest.len() < 4 {
            return None;
        }
        match parse_entry(self.version, self.rest, self.endian) {
            Ok((e, n)) => {
                self.rest = &self.rest[n..];
                self.left -= 1;
                Some(e)
            }
            Err(_) => {
                self.left = 0;
                None
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl ExactSizeIterator for ProcessEntries<'_> {}
impl FusedIterator for ProcessEntries<'_> {}

/// One thread of a process list; fields a version lacks hold their documented defaults.
///
/// Strings are the raw bytes of the file (no NUL terminator; args, env and cgroups are
/// NUL-separated lists).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProcessEntry<'a> {
    /// PL v9 entry length as on disk (includes itself); `None` computes it when encoding.
    ///
    /// When `Some(n)` is encoded, `n` decides which optional v9 tail fields are written, as
    /// it decides which are read (fields that do not fit are left out), and `extra` must fill
    /// the rest exactly. `Some(0)` is libscap's "no length": no tail fields, no extra bytes.
    pub entry_len: Option<u32>,
    /// Thread id.
    pub tid: u64,
    /// Process (thread-group) id.
    pub pid: u64,
    /// Parent thread id at scan time.
    pub ptid: u64,
    /// Session id (v6+; −1 when absent).
    pub sid: i64,
    /// Process group id inside the pid namespace (v8+; −1 when absent).
    pub vpgid: i64,
    /// Command name.
    pub comm: &'a [u8],
    /// argv\[0\].
    pub exe: &'a [u8],
    /// Resolved executable path (v7+).
    pub exepath: &'a [u8],
    /// argv\[1..\], NUL-separated.
    pub args: &'a [u8],
    /// Current working directory.
    pub cwd: &'a [u8],
    /// Open-file limit.
    pub fdlimit: i64,
    /// `PPM_CL_*` flags.
    pub flags: u32,
    /// User id.
    pub uid: u32,
    /// Group id.
    pub gid: u32,
    /// Virtual memory size in KiB (v2+).
    pub vmsize_kb: u32,
    /// Resident set size in KiB (v2+).
    pub vmrss_kb: u32,
    /// Swapped-out size in KiB (v2+).
    pub vmswap_kb: u32,
    /// Major page faults (v2+).
    pub pfmajor: u64,
    /// Minor page faults (v2+).
    pub pfminor: u64,
    /// Environment, NUL-separated `K=V` (v3+).
    pub env: &'a [u8],
    /// Thread id inside the pid namespace (v4+; −1 when absent).
    pub vtid: i64,
    /// Process id inside the pid namespace (v4+; −1 when absent).
    pub vpid: i64,
    /// Cgroups, NUL-separated `subsys=path` (v4+).
    pub cgroups: &'a [u8],
    /// Root directory (v5+).
    pub root: &'a [u8],
    /// Monotonic start time of the pid namespace's init, ns (v9 tail, 0.10.0+ layout; else 0).
    pub pidns_init_start_ts: u64,
    /// Controlling terminal (v9 tail, 0.10.0+ layout; else 0).
    pub tty: u32,
    /// Login uid (v9 tail; `0xFFFFFFFF` = unset or absent).
    pub loginuid: u32,
    /// Whether the executable is writable, as the raw byte (v9 tail; else 0).
    pub exe_writable: u8,
    /// Inheritable capabilities (v9 tail; else 0).
    pub cap_inheritable: u64,
    /// Permitted capabilities (v9 tail; else 0).
    pub cap_permitted: u64,
    /// Effective capabilities (v9 tail; else 0).
    pub cap_effective: u64,
    /// Whether the executable is in an overlayfs upper layer, raw byte (v9 tail; else 0).
    pub exe_upper_layer: u8,
    /// Executable inode number (v9 tail; else 0).
    pub exe_ino: u64,
    /// Executable inode ctime (v9 tail; else 0).
    pub exe_ino_ctime: u64,
    /// Executable inode mtime (v9 tail; else 0).
    pub exe_ino_mtime: u64,
    /// Whether the executable comes from a memfd, raw byte (v9 tail; else 0).
    pub exe_from_memfd: u8,
    /// Whether the executable is in an overlayfs lower layer, raw byte (v9 tail; else 0).
    pub exe_lower_layer: u8,
    /// Process group id in the host pid namespace (v9 tail; −1 when absent).
    pub pgid: i64,
    /// Bytes of a v9 entry after the last known field (fields of a newer writer).
    pub extra: &'a [u8],
}

impl Default for ProcessEntry<'_> {
    fn default() -> Self {
        ProcessEntry {
            entry_len: None,
            tid: 0,
            pid: 0,
            ptid: 0,
            sid: -1,
            vpgid: -1,
            comm: &[],
            exe: &[],
            exepath: &[],
            args: &[],
            cwd: &[],
            fdlimit: 0,
            flags: 0,
            uid: 0,
            gid: 0,
            vmsize_kb: 0,
            vmrss_kb: 0,
            vmswap_kb: 0,
            pfmajor: 0,
            pfminor: 0,
            env: &[],
            vtid: -1,
            vpid: -1,
            cgroups: &[],
            root: &[],
            pidns_init_start_ts: 0,
            tty: 0,
            loginuid: u32::MAX,
            exe_writable: 0,
            cap_inheritable: 0,
            cap_permitted: 0,
            cap_effective: 0,
            exe_upper_layer: 0,
            exe_ino: 0,
            exe_ino_ctime: 0,
            exe_ino_mtime: 0,
            exe_from_memfd: 0,
            exe_lower_layer: 0,
            pgid: -1,
            extra: &[],
        }
    }
}

/// The optional fields after `root` in a v9 entry, in the 0.10.0+ on-disk order.
#[derive(Debug, Clone, Copy)]
enum Tail {
    PidnsInitStartTs,
    Tty,
    Loginuid,
    ExeWritable,
    CapInheritable,
    CapPermitted,
    CapEffective,
    ExeUpperLayer,
    ExeIno,
    ExeInoCtime,
    ExeInoMtime,
    ExeFromMemfd,
    ExeLowerLayer,
    Pgid,
}

const TAIL: [Tail; 14] = [
    Tail::PidnsInitStartTs,
    Tail::Tty,
    Tail::Loginuid,
    Tail::ExeWritable,
    Tail::CapInheritable,
    Tail::CapPermitted,
    Tail::CapEffective,
    Tail::ExeUpperLayer,
    Tail::ExeIno,
    Tail::ExeInoCtime,
    Tail::ExeInoMtime,
    Tail::ExeFromMemfd,
    Tail::ExeLowerLayer,
    Tail::Pgid,
];

impl Tail {
    const fn size(self) -> usize {
        match self {
            Tail::ExeWritable | Tail::ExeUpperLayer | Tail::ExeFromMemfd | Tail::ExeLowerLayer => 1,
            Tail::Tty | Tail::Loginuid => 4,
            _ => 8,
        }
    }

    /// The tail fields to consider, given the room after `root`: pre-0.10 writers put
    /// loginuid first, 0.10.0+ writers put pidns_init_start_ts and tty before it.
    fn layout(room: usize) -> &'static [Tail] {
        if room <= PRE_0_10_TAIL {
            &TAIL[2..]
        } else {
            &TAIL[..]
        }
    }
}

/// Parses one entry at the start of `buf`; returns it and its on-disk size.
fn parse_entry(
    version: u8,
    buf: &[u8],
    endian: Endian,
) -> Result<(ProcessEntry<'_>, usize), ErrorKind> {
    let mut c = Cursor::new(buf, endian);
    let mut e = ProcessEntry::default();
    if version >= 9 {
        e.entry_len = Some(c.u32("process entry length")?);
    }
    e.tid = c.u64("process tid")?;
    e.pid = c.u64("process pid")?;
    e.ptid = c.u64("process ptid")?;
    if version >= 6 {
        e.sid = c.u64("process sid")? as i64;
    }
    if version >= 8 {
        e.vpgid = c.u64("process vpgid")? as i64;
    }
    e.comm = c.str16("process comm", MAX_PATH)?;
    e.exe = c.str16("process exe", MAX_PATH)?;
    if version >= 7 {
        e.exepath = c.str16("process exepath", MAX_PATH)?;
    }
    e.args = c.str16("process args", MAX_LONG)?;
    e.cwd = c.str16("process cwd", MAX_PATH)?;
    e.fdlimit = c.u64("process fdlimit")? as i64;
    e.flags = c.u32("process flags")?;
    e.uid = c.u32("process uid")?;
    e.gid = c.u32("process gid")?;
    if version >= 2 {
        e.vmsize_kb = c.u32("process vmsize_kb")?;
        e.vmrss_kb = c.u32("process vmrss_kb")?;
        e.vmswap_kb = c.u32("process vmswap_kb")?;
        e.pfmajor = c.u64("process pfmajor")?;
        e.pfminor = c.u64("process pfminor")?;
    }
    if version >= 3 {
        e.env = c.str16("process env", MAX_LONG)?;
    }
    if version >= 4 {
        e.vtid = c.u64("process vtid")? as i64;
        e.vpid = c.u64("process vpid")? as i64;
        e.cgroups = c.str16("process cgroups", MAX_LONG)?;
    }
    if version >= 5 {
        e.root = c.str16("process root", MAX_PATH)?;
    }
    let core = c.pos();
    let n = match e.entry_len {
        None | Some(0) => return Ok((e, core)),
        Some(n) => n as usize,
    };
    if n < core {
        return Err(ErrorKind::Malformed(
            "process entry length is smaller than its fields",
        ));
    }
    if n > buf.len() {
        return Err(ErrorKind::Overrun {
            what: "process entry",
            needed: n as u64,
            available: buf.len() as u64,
        });
    }
    let mut t = Cursor::new(&buf[core..n], endian);
    for &f in Tail::layout(n - core) {
        if t.remaining() < f.size() {
            continue;
        }
        match f {
            Tail::PidnsInitStartTs => e.pidns_init_start_ts = t.u64("process tail")?,
            Tail::Tty => e.tty = t.u32("process tail")?,
            Tail::Loginuid => e.loginuid = t.u32("process tail")?,
            Tail::ExeWritable => e.exe_writable = t.u8("process tail")?,
            Tail::CapInheritable => e.cap_inheritable = t.u64("process tail")?,
            Tail::CapPermitted => e.cap_permitted = t.u64("process tail")?,
            Tail::CapEffective => e.cap_effective = t.u64("process tail")?,
            Tail::ExeUpperLayer => e.exe_upper_layer = t.u8("process tail")?,
            Tail::ExeIno => e.exe_ino = t.u64("process tail")?,
            Tail::ExeInoCtime => e.exe_ino_ctime = t.u64("process tail")?,
            Tail::ExeInoMtime => e.exe_ino_mtime = t.u64("process tail")?,
            Tail::ExeFromMemfd => e.exe_from_memfd = t.u8("process tail")?,
            Tail::ExeLowerLayer => e.exe_lower_layer = t.u8("process tail")?,
            Tail::Pgid => e.pgid = t.u64("process tail")? as i64,
        }
    }
    e.extra = t.rest();
    Ok((e, n))
}

/// Appends a str16 after checking it against the reader's limit.
fn put_limited(
    out: &mut Vec<u8>,
    endian: Endian,
    s: &[u8],
    what: &'static str,
    max: usize,
) -> Result<(), ErrorKind> {
    if s.len() > max {
        return Err(ErrorKind::TooLargeToWrite {
            what,
            len: s.len() as u64,
            max: max as u64,
        });
    }
    put_str16(out, endian, s, what)
}

fn patch_u32(out: &mut [u8], at: usize, v: u32, endian: Endian) {
    let b = match endian {
        Endian::Little => v.to_le_bytes(),
        Endian::Big => v.to_be_bytes(),
    };
    out[at..at + 4].copy_from_slice(&b);
}

impl<'a> ProcessEntry<'a> {
    /// Appends this entry in the layout of `block_type`; fields that layout lacks are dropped.
    pub fn encode(
        &self,
        block_type: u32,
        out: &mut Vec<u8>,
        endian: Endian,
    ) -> Result<(), ErrorKind> {
        let version = ProcessList::version_for(block_type)
            .ok_or(ErrorKind::Malformed("not a process list block type"))?;
        let start = out.len();
        let r = self.encode_version(version, out, endian);
        if r.is_err() {
            out.truncate(start);
        }
        r
    }

    fn encode_version(
        &self,
        version: u8,
        out: &mut Vec<u8>,
        endian: Endian,
    ) -> Result<(), ErrorKind> {
        let start = out.len();
        if version >= 9 {
            endian.put_u32(out, 0);
        } else if !self.extra.is_empty() {
            return Err(ErrorKind::Malformed(
                "extra process entry bytes need a PL v9 entry length",
            ));
        }
        endian.put_u64(out, self.tid);
        endian.put_u64(out, self.pid);
        endian.put_u64(out, self.ptid);
        if version >= 6 {
            endian.put_i64(out, self.sid);
        }
        if version >= 8 {
            endian.put_i64(out, self.vpgid);
        }
        put_limited(out, endian, self.comm, "process comm", MAX_PATH)?;
        put_limited(out, endian, self.exe, "process exe", MAX_PATH)?;
        if version >= 7 {
            put_limited(out, endian, self.exepath, "process exepath", MAX_PATH)?;
        }
        put_limited(out, endian, self.args, "process args", MAX_LONG)?;
        put_limited(out, endian, self.cwd, "process cwd", MAX_PATH)?;
        endian.put_i64(out, self.fdlimit);
        endian.put_u32(out, self.flags);
        endian.put_u32(out, self.uid);
        endian.put_u32(out, self.gid);
        if version >= 2 {
            endian.put_u32(out, self.vmsize_kb);
            endian.put_u32(out, self.vmrss_kb);
            endian.put_u32(out, self.vmswap_kb);
            endian.put_u64(out, self.pfmajor);
            endian.put_u64(out, self.pfminor);
        }
        if version >= 3 {
            put_limited(out, endian, self.env, "process env", MAX_LONG)?;
        }
        if version >= 4 {
            endian.put_i64(out, self.vtid);
            endian.put_i64(out, self.vpid);
            put_limited(out, endian, self.cgroups, "process cgroups", MAX_LONG)?;
        }
        if version >= 5 {
            put_limited(out, endian, self.root, "process root", MAX_PATH)?;
        }
        if version < 9 {
            return Ok(());
        }
        let core = out.len() - start;
        let n = match self.entry_len {
            Some(0) if self.extra.is_empty() => return Ok(()),
            Some(0) => {
                return Err(ErrorKind::Malformed(
                    "extra process entry bytes need a non-zero entry length",
                ));
            }
            Some(n) => {
                let n = n as usize;
                if n < core {
                    return Err(ErrorKind::Malformed(
                        "process entry length is smaller than its fields",
                    ));
                }
                let mut left = n - core;
                for &f in Tail::layout(n - core) {
                    if f.size() <= left {
                        self.put_tail(f, out, endian);
                        left -= f.size();
                    }
                }
                if self.extra.len() != left {
                    return Err(ErrorKind::Malformed(
                        "process entry length disagrees with its fields and extra bytes",
                    ));
                }
                n
            }
            None => {
                for &f in &TAIL {
                    self.put_tail(f, out, endian);
                }
                out.len() - start + self.extra.len()
            }
        };
        out.extend_from_slice(self.extra);
        let n = u32::try_from(n).map_err(|_| ErrorKind::TooLargeToWrite {
            what: "process entry length",
            len: n as u64,
            max: u32::MAX as u64,
        })?;
        patch_u32(out, start, n, endian);
        Ok(())
    }

    fn put_tail(&self, f: Tail, out: &mut Vec<u8>, endian: Endian) {
        match f {
            Tail::PidnsInitStartTs => endian.put_u64(out, self.pidns_init_start_ts),
            Tail::Tty => endian.put_u32(out, self.tty),
            Tail::Loginuid => endian.put_u32(out, self.loginuid),
            Tail::ExeWritable => out.push(self.exe_writable),
            Tail::CapInheritable => endian.put_u64(out, self.cap_inheritable),
            Tail::CapPermitted => endian.put_u64(out, self.cap_permitted),
            Tail::CapEffective => endian.put_u64(out, self.cap_effective),
            Tail::ExeUpperLayer => out.push(self.exe_upper_layer),
            Tail::ExeIno => endian.put_u64(out, self.exe_ino),
            Tail::ExeInoCtime => endian.put_u64(out, self.exe_ino_ctime),
            Tail::ExeInoMtime => endian.put_u64(out, self.exe_ino_mtime),
            Tail::ExeFromMemfd => out.push(self.exe_from_memfd),
            Tail::ExeLowerLayer => out.push(self.exe_lower_layer),
            Tail::Pgid => endian.put_i64(out, self.pgid),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{Rng, blocks, corpus_files, pad4};

    const ALL: [u32; 12] = [
        PL_V1, PL_V1_INT, PL_V2, PL_V2_INT, PL_V3, PL_V3_INT, PL_V4, PL_V5, PL_V6, PL_V7, PL_V8,
        PL_V9,
    ];

    fn full() -> ProcessEntry<'static> {
        ProcessEntry {
            tid: 10,
            pid: 10,
            ptid: 1,
            sid: 7,
            vpgid: 8,
            comm: b"bash",
            exe: b"/bin/bash",
            exepath: b"/usr/bin/bash",
            args: b"-c\0ls\0",
            cwd: b"/root",
            fdlimit: 1024,
            flags: 0x4000,
            uid: 1000,
            gid: 1001,
            vmsize_kb: 1,
            vmrss_kb: 2,
            vmswap_kb: 3,
            pfmajor: 4,
            pfminor: 5,
            env: b"A=B\0",
            vtid: 11,
            vpid: 12,
            cgroups: b"cpu=/\0",
            root: b"/",
            pidns_init_start_ts: 13,
            tty: 14,
            loginuid: 15,
            exe_writable: 1,
            cap_inheritable: 16,
            cap_permitted: 17,
            cap_effective: 18,
            exe_upper_layer: 1,
            exe_ino: 19,
            exe_ino_ctime: 20,
            exe_ino_mtime: 21,
            exe_from_memfd: 1,
            exe_lower_layer: 1,
            pgid: 22,
            ..ProcessEntry::default()
        }
    }

    fn second() -> ProcessEntry<'static> {
        ProcessEntry {
            tid: 11,
            pid: 10,
            ptid: 1,
            comm: b"worker",
            ..ProcessEntry::default()
        }
    }

    /// What a layout version keeps of `e`.
    fn expected(e: &ProcessEntry<'static>, v: u8) -> ProcessEntry<'static> {
        let d = ProcessEntry::default();
        let mut x = e.clone();
        if v < 2 {
            (x.vmsize_kb, x.vmrss_kb, x.vmswap_kb, x.pfmajor, x.pfminor) = (0, 0, 0, 0, 0);
        }
        if v < 3 {
            x.env = d.env;
        }
        if v < 4 {
            (x.vtid, x.vpid, x.cgroups) = (d.vtid, d.vpid, d.cgroups);
        }
        if v < 5 {
            x.root = d.root;
        }
        if v < 6 {
            x.sid = d.sid;
        }
        if v < 7 {
            x.exepath = d.exepath;
        }
        if v < 8 {
            x.vpgid = d.vpgid;
        }
        if v < 9 {
            // No tail fields before v9: every one keeps its default.
            x = d.clone().with_core_of(&x);
        }
        x
    }

    impl<'a> ProcessEntry<'a> {
        /// `self` with every field up to `root` taken from `o`.
        fn with_core_of(self, o: &ProcessEntry<'a>) -> ProcessEntry<'a> {
            ProcessEntry {
                tid: o.tid,
                pid: o.pid,
                ptid: o.ptid,
                sid: o.sid,
                vpgid: o.vpgid,
                comm: o.comm,
                exe: o.exe,
                exepath: o.exepath,
                args: o.args,
                cwd: o.cwd,
                fdlimit: o.fdlimit,
                flags: o.flags,
                uid: o.uid,
                gid: o.gid,
                vmsize_kb: o.vmsize_kb,
                vmrss_kb: o.vmrss_kb,
                vmswap_kb: o.vmswap_kb,
                pfmajor: o.pfmajor,
                pfminor: o.pfminor,
                env: o.env,
                vtid: o.vtid,
                vpid: o.vpid,
                cgroups: o.cgroups,
                root: o.root,
                ..self
            }
        }
    }

    #[test]
    fn round_trip_every_version_and_order() {
        for bt in ALL {
            let v = ProcessList::version_for(bt).unwrap();
            for endian in [Endian::Little, Endian::Big] {
                let mut body = Vec::new();
                ProcessList::encode_entries(bt, &[full(), second()], &mut body, endian).unwrap();
                let pl = ProcessList::parse(bt, &body, endian).unwrap();
                assert_eq!((pl.len(), pl.version(), pl.block_type()), (2, v, bt));
                assert!(pl.padding().is_empty());
                let got: Vec<_> = pl.entries().collect();
                assert_eq!(pl.entries().len(), 2);
                for (g, want) in got.iter().zip([full(), second()]) {
                    let mut want = expected(&want, v);
                    if v == 9 {
                        assert!(g.entry_len.is_some());
                        want.entry_len = g.entry_len;
                    }
                    assert_eq!(g, &want, "version {v}");
                }
                let mut again = Vec::new();
                pl.encode(&mut again, endian).unwrap();
                assert_eq!(again, body);
                // Byte-order conversion keeps every value.
                let other = if endian == Endian::Little {
                    Endian::Big
                } else {
                    Endian::Little
                };
                let mut swapped = Vec::new();
                pl.encode(&mut swapped, other).unwrap();
                let pl2 = ProcessList::parse(bt, &swapped, other).unwrap();
                assert!(pl2.entries().eq(pl.entries()));
            }
        }
    }

    #[test]
    fn v9_full_entry_has_every_tail_field() {
        let mut body = Vec::new();
        full().encode(PL_V9, &mut body, Endian::Little).unwrap();
        let e = ProcessList::parse(PL_V9, &body, Endian::Little)
            .unwrap()
            .entries()
            .next()
            .unwrap();
        assert_eq!(e.entry_len, Some(body.len() as u32));
        assert_eq!(
            (e.pidns_init_start_ts, e.tty, e.loginuid, e.pgid),
            (13, 14, 15, 22)
        );
        assert!(e.extra.is_empty());
        // Unknown trailing bytes from a newer writer are kept.
        let newer = ProcessEntry {
            extra: b"\x01\x02\x03",
            ..full()
        };
        let mut body = Vec::new();
        ProcessList::encode_entries(PL_V9, &[newer, second()], &mut body, Endian::Little).unwrap();
        pad4(&mut body);
        let pl = ProcessList::parse(PL_V9, &body, Endian::Little).unwrap();
        assert_eq!(pl.len(), 2);
        assert_eq!(pl.entries().next().unwrap().extra, b"\x01\x02\x03");
        let mut again = Vec::new();
        pl.encode(&mut again, Endian::Little).unwrap();
        assert_eq!(again, body[..body.len() - pl.padding().len()]);
    }

    /// A v9 entry of `full()`'s core with `room` tail bytes 1, 2, 3, ...
    fn with_room(room: usize) -> Vec<u8> {
        let mut body = Vec::new();
        ProcessEntry {
            entry_len: Some(0),
            ..full()
        }
        .encode(PL_V9, &mut body, Endian::Little)
        .unwrap();
        let n = (body.len() + room) as u32;
        body[..4].copy_from_slice(&n.to_le_bytes());
        body.extend((1..=room).map(|i| i as u8));
        body
    }

    #[test]
    fn v9_tail_layouts() {
        for room in 0..=90 {
            let body = with_room(room);
            let pl = ProcessList::parse(PL_V9, &body, Endian::Little).unwrap();
            assert_eq!(pl.len(), 1);
            let e = pl.entries().next().unwrap();
            let mut again = Vec::new();
            pl.encode(&mut again, Endian::Little).unwrap();
            assert_eq!(again, body, "room {room}");
            match room {
                0 => assert_eq!((e.loginuid, e.pgid, e.extra), (u32::MAX, -1, &[][..])),
                5 => {
                    assert_eq!(e.loginuid, u32::from_le_bytes([1, 2, 3, 4]));
                    assert_eq!((e.exe_writable, e.extra), (5, &[][..]));
                }
                // Per-field greed, as libscap: after the caps do not fit, the u8s still do.
                20 => {
                    assert_eq!(e.loginuid, u32::from_le_bytes([1, 2, 3, 4]));
                    assert_eq!(
                        e.cap_inheritable,
                        u64::from_le_bytes([6, 7, 8, 9, 10, 11, 12, 13])
                    );
                    assert_eq!((e.cap_permitted, e.cap_effective), (0, 0));
                    assert_eq!(
                        (e.exe_upper_layer, e.exe_from_memfd, e.exe_lower_layer),
                        (14, 15, 16)
                    );
                    assert_eq!(e.extra, &[17, 18, 19, 20]);
                }
                29 => {
                    assert_eq!((e.pidns_init_start_ts, e.tty), (0, 0));
                    assert_eq!(e.loginuid, u32::from_le_bytes([1, 2, 3, 4]));
                    assert_eq!(
                        e.cap_effective,
                        u64::from_le_bytes([22, 23, 24, 25, 26, 27, 28, 29])
                    );
                    assert!(e.extra.is_empty());
                }
                30 => {
                    assert_eq!(
                        e.pidns_init_start_ts,
                        u64::from_le_bytes([1, 2, 3, 4, 5, 6, 7, 8])
                    );
                    assert_eq!(e.tty, u32::from_le_bytes([9, 10, 11, 12]));
                    assert_eq!(e.loginuid, u32::from_le_bytes([13, 14, 15, 16]));
                    assert_eq!(e.exe_writable, 17);
                }
                66 => {
                    assert_eq!(
                        e.exe_ino_mtime,
                        u64::from_le_bytes([59, 60, 61, 62, 63, 64, 65, 66])
                    );
                    assert_eq!((e.exe_from_memfd, e.pgid, e.extra), (0, -1, &[][..]));
                }
                76 => {
                    assert_eq!(e.pgid, i64::from_le_bytes([69, 70, 71, 72, 73, 74, 75, 76]));
                    assert!(e.extra.is_empty());
                }
                90 => assert_eq!(e.extra, &(77..=90).collect::<Vec<u8>>()[..]),
                _ => {}
            }
        }
    }

    #[test]
    fn zero_entry_len_means_no_tail() {
        let mut body = Vec::new();
        let e = ProcessEntry {
            entry_len: Some(0),
            ..full()
        };
        ProcessList::encode_entries(PL_V9, &[e.clone(), e], &mut body, Endian::Little).unwrap();
        let pl = ProcessList::parse(PL_V9, &body, Endian::Little).unwrap();
        assert_eq!(pl.len(), 2);
        let got = pl.entries().next().unwrap();
        assert_eq!(
            (got.entry_len, got.loginuid, got.pgid),
            (Some(0), u32::MAX, -1)
        );
        let mut again = Vec::new();
        pl.encode(&mut again, Endian::Little).unwrap();
        assert_eq!(again, body);
    }

    fn two_entry_body(bt: u32) -> (Vec<u8>, usize) {
        let mut body = Vec::new();
        full().encode(bt, &mut body, Endian::Little).unwrap();
        let first = body.len();
        second().encode(bt, &mut body, Endian::Little).unwrap();
        (body, first)
    }

    #[test]
    fn truncation_never_panics_and_errors_mid_entry() {
        for bt in [PL_V1, PL_V5, PL_V9] {
            let (body, first) = two_entry_body(bt);
            for cut in 0..=body.len() {
                let r = ProcessList::parse(bt, &body[..cut], Endian::Little);
                let clean = cut < 4 || (first..first + 4).contains(&cut) || cut == body.len();
                assert_eq!(r.is_ok(), clean, "{bt:#x} cut at {cut}: {r:?}");
                if let Ok(pl) = r {
                    assert_eq!(pl.entries().count(), pl.len());
                }
            }
        }
    }

    #[test]
    fn malformed_inputs() {
        let le = Endian::Little;
        assert!(matches!(
            ProcessList::parse(0x203, &[], le),
            Err(ErrorKind::Malformed(_))
        ));
        // comm of 1025 bytes, args of 4097 bytes.
        let long = vec![b'a'; 4097];
        let mut body = Vec::new();
        ProcessEntry {
            comm: &long[..1024],
            args: &long[..4096],
            ..full()
        }
        .encode(PL_V1, &mut body, le)
        .unwrap();
        assert!(ProcessList::parse(PL_V1, &body, le).is_ok());
        let comm_len_at = 24;
        body[comm_len_at..comm_len_at + 2].copy_from_slice(&1025u16.to_le_bytes());
        assert!(matches!(
            ProcessList::parse(PL_V1, &body, le),
            Err(ErrorKind::StringTooLong {
                len: 1025,
                max: 1024,
                ..
            })
        ));
        let mut body = Vec::new();
        ProcessEntry {
            args: &long[..4096],
            ..ProcessEntry::default()
        }
        .encode(PL_V1, &mut body, le)
        .unwrap();
        let args_len_at = 24 + 2 + 2;
        body[args_len_at..args_len_at + 2].copy_from_slice(&4097u16.to_le_bytes());
        assert!(matches!(
            ProcessList::parse(PL_V1, &body, le),
            Err(ErrorKind::StringTooLong { len: 4097, .. })
        ));
        // Bad v9 entry lengths.
        let good = with_room(0);
        let core = good.len() as u32;
        for bad in [1, 3, 4, core - 1] {
            let mut b = good.clone();
            b[..4].copy_from_slice(&bad.to_le_bytes());
            assert!(matches!(
                ProcessList::parse(PL_V9, &b, le),
                Err(ErrorKind::Malformed(_))
            ));
        }
        let mut b = good.clone();
        b[..4].copy_from_slice(&(core + 4).to_le_bytes());
        assert!(matches!(
            ProcessList::parse(PL_V9, &b, le),
            Err(ErrorKind::Overrun { .. })
        ));
        b[..4].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(matches!(
            ProcessList::parse(PL_V9, &b, le),
            Err(ErrorKind::Overrun { .. })
        ));
    }

    #[test]
    fn encoding_refuses_what_cannot_be_read_back() {
        let le = Endian::Little;
        let long = vec![b'a'; 1025];
        let mut out = vec![9];
        let bad = ProcessEntry {
            comm: &long,
            ..full()
        };
        assert!(matches!(
            ProcessList::encode_entries(PL_V9, &[full(), bad], &mut out, le),
            Err(ErrorKind::TooLargeToWrite {
                len: 1025,
                max: 1024,
                ..
            })
        ));
        assert_eq!(out, [9], "output is rolled back on error");
        let extra = ProcessEntry {
            extra: b"x",
            ..full()
        };
        assert!(extra.encode(PL_V8, &mut out, le).is_err());
        assert!(
            ProcessEntry {
                entry_len: Some(0),
                ..extra.clone()
            }
            .encode(PL_V9, &mut out, le)
            .is_err()
        );
        assert!(
            ProcessEntry {
                entry_len: Some(10),
                ..full()
            }
            .encode(PL_V9, &mut out, le)
            .is_err()
        );
        let core = with_room(0).len() as u32;
        assert!(
            ProcessEntry {
                entry_len: Some(core + 5),
                ..extra
            }
            .encode(PL_V9, &mut out, le)
            .is_err()
        );
        assert!(full().encode(0x999, &mut out, le).is_err());
        assert_eq!(out, [9]);
    }

    #[test]
    fn mutated_bodies_parse_or_fail_cleanly_and_round_trip() {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        for bt in [PL_V1, PL_V3, PL_V5, PL_V8, PL_V9] {
            let (orig, _) = two_entry_body(bt);
            for _ in 0..3000 {
                let mut b = orig.clone();
                for _ in 0..=rng.below(4) {
                    let i = rng.below(b.len());
                    b[i] = match rng.below(3) {
                        0 => 0,
                        1 => 0xff,
                        _ => rng.next() as u8,
                    };
                }
                b.truncate(b.len() - rng.below(3));
                if let Ok(pl) = ProcessList::parse(bt, &b, Endian::Little) {
                    assert_eq!(pl.entries().count(), pl.len());
                    let mut again = Vec::new();
                    pl.encode(&mut again, Endian::Little).unwrap();
                    assert_eq!(again, b[..b.len() - pl.padding().len()]);
                }
            }
        }
    }

    #[test]
    fn corpus_round_trip() {
        let Some(files) = corpus_files() else {
            return;
        };
        let mut seen = 0;
        for (name, data) in &files {
            for (t, body, endian) in blocks(data) {
                let Some(v) = ProcessList::version_for(t) else {
                    continue;
                };
                let pl = ProcessList::parse(t, body, endian)
                    .unwrap_or_else(|e| panic!("{name}: PL parse: {e}"));
                assert_eq!(pl.version(), v);
                assert!(!pl.is_empty(), "{name}: empty process list");
                assert_eq!(pl.entries().count(), pl.len());
                for e in pl.entries() {
                    assert!(e.tid > 0 && e.pid > 0, "{name}: tid/pid");
                    assert!(!e.comm.is_empty(), "{name}: comm");
                }
                let mut out = Vec::new();
                pl.encode(&mut out, endian).unwrap();
                pad4(&mut out);
                assert_eq!(out, body, "{name}: PL re-encoding differs");
                seen += 1;
            }
        }
        assert!(files.is_empty() || seen > 0);
    }
}
