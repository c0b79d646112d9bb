//! File-descriptor list blocks (FDL `0x203`, FDL_V2 `0x218`, pre-release `0x8001ABCD`).
//!
//! One block per thread: the thread id, then one entry per open fd. [`FdList::parse`] validates
//! the whole body up front without allocating; [`FdList::entries`] decodes entries lazily,
//! borrowing names from the body. Encoding reproduces a parsed body byte for byte.

use std::iter::FusedIterator;

use crate::block::types::{FDL, FDL_INT, FDL_V2};
use crate::bytes::{Cursor, Endian, put_str16};
use crate::error::ErrorKind;

/// Longest fd name libscap accepts (`SCAP_MAX_PATH_SIZE` − 1).
const MAX_NAME: usize = 1023;
/// Highest fd type code this module knows.
const LAST_KNOWN_TYPE: u8 = 21;

/// A validated fd list block body: one thread's file descriptors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FdList<'a> {
    block_type: u32,
    tid: u64,
    body: &'a [u8],
    used: usize,
    len: usize,
    endian: Endian,
}

impl<'a> FdList<'a> {
    /// Validates the thread id and every entry of a block body (padding included).
    pub fn parse(block_type: u32, body: &'a [u8], endian: Endian) -> Result<Self, ErrorKind> {
        let v2 = is_v2(block_type)?;
        let mut c = Cursor::new(body, endian);
        let tid = c.u64("fd list tid")?;
        let (mut used, mut len) = (c.pos(), 0);
        while body.len() - used >= 4 {
            let (_, n) = parse_entry(v2, &body[used..], endian)?;
            used += n;
            len += 1;
        }
        Ok(FdList {
            block_type,
            tid,
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

    /// Whether entries carry a length prefix (FDL_V2).
    pub fn is_v2(&self) -> bool {
        self.block_type == FDL_V2
    }

    /// The thread the fds belong to.
    pub fn tid(&self) -> u64 {
        self.tid
    }

    /// The number of fd entries.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the thread has no fd entries.
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
    pub fn entries(&self) -> FdEntries<'a> {
        FdEntries {
            v2: self.is_v2(),
            rest: &self.body[8..self.used],
            endian: self.endian,
            left: self.len,
        }
    }

    /// Appends the body (tid and entries re-encoded, no padding) in byte order `endian`.
    pub fn encode(&self, out: &mut Vec<u8>, endian: Endian) -> Result<(), ErrorKind> {
        let start = out.len();
        endian.put_u64(out, self.tid);
        for e in self.entries() {
            if let Err(k) = e.encode_inner(self.is_v2(), out, endian) {
                out.truncate(start);
                return Err(k);
            }
        }
        Ok(())
    }

    /// Appends a body for thread `tid` holding `entries` in the layout of `block_type`.
    pub fn encode_entries(
        block_type: u32,
        tid: u64,
        entries: &[FdEntry<'_>],
        out: &mut Vec<u8>,
        endian: Endian,
    ) -> Result<(), ErrorKind> {
        let v2 = is_v2(block_type)?;
        let start = out.len();
        endian.put_u64(out, tid);
        for e in entries {
            if let Err(k) = e.encode_inner(v2, out, endian) {
                out.truncate(start);
                return Err(k);
            }
        }
        Ok(())
    }
}

fn is_v2(block_type: u32) -> Result<bool, ErrorKind> {
    match block_type {
        FDL | FDL_INT => Ok(false),
        FDL_V2 => Ok(true),
        _ => Err(ErrorKind::Malformed("not an fd list block type")),
    }
}

/// Iterator over the entries of an [`FdList`].
#[derive(Debug, Clone)]
pub struct FdEntries<'a> {
    v2: bool,
    rest: &'a [u8],
    endian: Endian,
    left: usize,
}

impl<'a> Iterator for FdEntries<'a> {
    type Item = FdEntry<'a>;

    fn next(&mut self) -> Option<FdEntry<'a>> {
        if self.left == 0 || self.rest.len() < 4 {
            return None;
        }
        match parse_entry(self.v2, self.rest, self.endian) {
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

impl ExactSizeIterator for FdEntries<'_> {}
impl FusedIterator for FdEntries<'_> {}

/// One file descriptor of a thread.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FdEntry<'a> {
    /// FDL_V2 entry length as on disk (includes itself); `None` computes it when encoding.
    ///
    /// When `Some(n)` is encoded, `n` decides whether a FILE_V2 `dev` is written, as it
    /// decides whether one is read, and `extra` must fill the rest exactly. `Some(0)` is
    /// libscap's "no length": no `dev`, no extra bytes, no unknown-type payload.
    pub entry_len: Option<u32>,
    /// The fd number.
    pub fd: i64,
    /// Inode number (0 if unknown).
    pub ino: u64,
    /// The fd type and its type-specific data.
    pub info: FdInfo<'a>,
    /// Bytes of an FDL_V2 entry after the last known field (fields of a newer writer).
    pub extra: &'a [u8],
}

impl Default for FdEntry<'_> {
    fn default() -> Self {
        FdEntry {
            entry_len: None,
            fd: 0,
            ino: 0,
            info: FdInfo::Unknown,
            extra: &[],
        }
    }
}

impl<'a> FdEntry<'a> {
    /// An entry with a computed length and no extra bytes.
    pub fn new(fd: i64, ino: u64, info: FdInfo<'a>) -> Self {
        FdEntry {
            entry_len: None,
            fd,
            ino,
            info,
            extra: &[],
        }
    }

    /// Appends this entry in the layout of `block_type` (FDL or FDL_V2).
    pub fn encode(
        &self,
        block_type: u32,
        out: &mut Vec<u8>,
        endian: Endian,
    ) -> Result<(), ErrorKind> {
        let v2 = is_v2(block_type)?;
        let start = out.len();
        let r = self.encode_inner(v2, out, endian);
        if r.is_err() {
            out.truncate(start);
        }
        r
    }

    fn encode_inner(&self, v2: bool, out: &mut Vec<u8>, endian: Endian) -> Result<(), ErrorKind> {
        let start = out.len();
        if v2 {
            endian.put_u32(out, 0);
        } else if !self.extra.is_empty() {
            return Err(ErrorKind::Malformed(
                "extra fd entry bytes need an FDL_V2 entry length",
            ));
        }
        endian.put_u64(out, self.fd as u64);
        endian.put_u64(out, self.ino);
        out.push(self.info.fd_type());
        let name = |out: &mut Vec<u8>, s: &[u8]| put_name(out, endian, s);
        match self.info {
            FdInfo::Unknown => {}
            FdInfo::File(s)
            | FdInfo::Directory(s)
            | FdInfo::Fifo(s)
            | FdInfo::Event(s)
            | FdInfo::Unsupported(s)
            | FdInfo::Signalfd(s)
            | FdInfo::Eventpoll(s)
            | FdInfo::Inotify(s)
            | FdInfo::Timerfd(s)
            | FdInfo::Netlink(s)
            | FdInfo::Bpf(s)
            | FdInfo::Userfaultfd(s)
            | FdInfo::IoUring(s)
            | FdInfo::Memfd(s)
            | FdInfo::Pidfd(s) => name(out, s)?,
            FdInfo::Ipv4Socket {
                sip,
                dip,
                sport,
                dport,
                l4proto,
            } => {
                out.extend_from_slice(&sip);
                out.extend_from_slice(&dip);
                endian.put_u16(out, sport);
                endian.put_u16(out, dport);
                out.push(l4proto);
            }
            FdInfo::Ipv6Socket {
                sip,
                dip,
                sport,
                dport,
                l4proto,
            } => {
                out.extend_from_slice(&sip);
                out.extend_from_slice(&dip);
                endian.put_u16(out, sport);
                endian.put_u16(out, dport);
                out.push(l4proto);
            }
            FdInfo::Ipv4ServerSocket { ip, port, l4proto } => {
                out.extend_from_slice(&ip);
                endian.put_u16(out, port);
                out.push(l4proto);
            }
            FdInfo::Ipv6ServerSocket { ip, port, l4proto } => {
                out.extend_from_slice(&ip);
                endian.put_u16(out, port);
                out.push(l4proto);
            }
            FdInfo::UnixSocket {
                source,
                destination,
                path,
            } => {
                endian.put_u64(out, source);
                endian.put_u64(out, destination);
                name(out, path)?;
            }
            FdInfo::FileV2 {
                open_flags,
                name: s,
                dev,
            } => {
                endian.put_u32(out, open_flags);
                name(out, s)?;
                let room = |n: u32| n != 0 && out.len() - start + 4 <= n as usize;
                let write = match self.entry_len {
                    _ if !v2 => None,
                    Some(n) => room(n).then(|| dev.unwrap_or(0)),
                    None => dev,
                };
                if let Some(d) = write {
                    endian.put_u32(out, d);
                }
            }
            FdInfo::Other { fd_type, payload } => {
                if !v2 {
                    return Err(ErrorKind::Malformed(
                        "an unknown fd type needs an FDL_V2 block",
                    ));
                }
                if fd_type <= LAST_KNOWN_TYPE {
                    return Err(ErrorKind::Malformed("FdInfo::Other with a known fd type"));
                }
                if self.entry_len == Some(0) && !payload.is_empty() {
                    return Err(ErrorKind::Malformed(
                        "an fd payload needs a non-zero entry length",
                    ));
                }
                out.extend_from_slice(payload);
            }
        }
        if !v2 {
            return Ok(());
        }
        let core = out.len() - start;
        let n = match self.entry_len {
            Some(0) if self.extra.is_empty() => return Ok(()),
            Some(n) if n as usize == core + self.extra.len() => n as usize,
            Some(_) => {
                return Err(ErrorKind::Malformed(
                    "fd entry length disagrees with its fields and extra bytes",
                ));
            }
            None => core + self.extra.len(),
        };
        out.extend_from_slice(self.extra);
        let n = u32::try_from(n).map_err(|_| ErrorKind::TooLargeToWrite {
            what: "fd entry length",
            len: n as u64,
            max: u32::MAX as u64,
        })?;
        let b = match endian {
            Endian::Little => n.to_le_bytes(),
            Endian::Big => n.to_be_bytes(),
        };
        out[start..start + 4].copy_from_slice(&b);
        Ok(())
    }
}

fn put_name(out: &mut Vec<u8>, endian: Endian, s: &[u8]) -> Result<(), ErrorKind> {
    if s.len() > MAX_NAME {
        return Err(ErrorKind::TooLargeToWrite {
            what: "fd name",
            len: s.len() as u64,
            max: MAX_NAME as u64,
        });
    }
    put_str16(out, endian, s, "fd name")
}

/// An fd's type (`scap_fd_type`) with its type-specific data.
///
/// Addresses are the raw bytes of the file (network order, whatever the section's byte
/// order); ports are integers in the section's byte order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FdInfo<'a> {
    /// Type 0: unknown (never written by libscap; no payload).
    Unknown,
    /// Type 1: a file (legacy record without open flags).
    File(&'a [u8]),
    /// Type 2: a directory.
    Directory(&'a [u8]),
    /// Type 3: an IPv4 socket.
    Ipv4Socket {
        /// Source address.
        sip: [u8; 4],
        /// Destination address.
        dip: [u8; 4],
        /// Source port.
        sport: u16,
        /// Destination port.
        dport: u16,
        /// Layer-4 protocol (`scap_l4_proto`: 2 TCP, 3 UDP, ...).
        l4proto: u8,
    },
    /// Type 4: an IPv6 socket.
    Ipv6Socket {
        /// Source address.
        sip: [u8; 16],
        /// Destination address.
        dip: [u8; 16],
        /// Source port.
        sport: u16,
        /// Destination port.
        dport: u16,
        /// Layer-4 protocol.
        l4proto: u8,
    },
    /// Type 5: a listening IPv4 socket.
    Ipv4ServerSocket {
        /// Bound address.
        ip: [u8; 4],
        /// Bound port.
        port: u16,
        /// Layer-4 protocol.
        l4proto: u8,
    },
    /// Type 6: a listening IPv6 socket.
    Ipv6ServerSocket {
        /// Bound address.
        ip: [u8; 16],
        /// Bound port.
        port: u16,
        /// Layer-4 protocol.
        l4proto: u8,
    },
    /// Type 7: a pipe or FIFO (e.g. `pipe:[12345]`).
    Fifo(&'a [u8]),
    /// Type 8: a unix socket.
    UnixSocket {
        /// Kernel address of this end.
        source: u64,
        /// Kernel address of the peer.
        destination: u64,
        /// Socket path.
        path: &'a [u8],
    },
    /// Type 9: an eventfd.
    Event(&'a [u8]),
    /// Type 10: an fd of a kind libscap does not model.
    Unsupported(&'a [u8]),
    /// Type 11: a signalfd.
    Signalfd(&'a [u8]),
    /// Type 12: an epoll fd.
    Eventpoll(&'a [u8]),
    /// Type 13: an inotify fd.
    Inotify(&'a [u8]),
    /// Type 14: a timerfd.
    Timerfd(&'a [u8]),
    /// Type 15: a netlink socket.
    Netlink(&'a [u8]),
    /// Type 16: a file with open flags.
    FileV2 {
        /// `PPM_O_*` open flags.
        open_flags: u32,
        /// File path.
        name: &'a [u8],
        /// Device number, present only in FDL_V2 entries long enough to hold it.
        dev: Option<u32>,
    },
    /// Type 17: a BPF object fd.
    Bpf(&'a [u8]),
    /// Type 18: a userfaultfd.
    Userfaultfd(&'a [u8]),
    /// Type 19: an io_uring fd.
    IoUring(&'a [u8]),
    /// Type 20: a memfd.
    Memfd(&'a [u8]),
    /// Type 21: a pidfd.
    Pidfd(&'a [u8]),
    /// A type code above 21 (FDL_V2 only): the payload, kept opaque.
    Other {
        /// The type code.
        fd_type: u8,
        /// Everything after the type byte up to the entry length.
        payload: &'a [u8],
    },
}

impl<'a> FdInfo<'a> {
    /// The `scap_fd_type` code.
    pub fn fd_type(&self) -> u8 {
        match self {
            FdInfo::Unknown => 0,
            FdInfo::File(_) => 1,
            FdInfo::Directory(_) => 2,
            FdInfo::Ipv4Socket { .. } => 3,
            FdInfo::Ipv6Socket { .. } => 4,
            FdInfo::Ipv4ServerSocket { .. } => 5,
            FdInfo::Ipv6ServerSocket { .. } => 6,
            FdInfo::Fifo(_) => 7,
            FdInfo::UnixSocket { .. } => 8,
            FdInfo::Event(_) => 9,
            FdInfo::Unsupported(_) => 10,
            FdInfo::Signalfd(_) => 11,
            FdInfo::Eventpoll(_) => 12,
            FdInfo::Inotify(_) => 13,
            FdInfo::Timerfd(_) => 14,
            FdInfo::Netlink(_) => 15,
            FdInfo::FileV2 { .. } => 16,
            FdInfo::Bpf(_) => 17,
            FdInfo::Userfaultfd(_) => 18,
            FdInfo::IoUring(_) => 19,
            FdInfo::Memfd(_) => 20,
            FdInfo::Pidfd(_) => 21,
            FdInfo::Other { fd_type, .. } => *fd_type,
        }
    }

    /// The name or path, for the types that carry one.
    pub fn name(&self) -> Option<&'a [u8]> {
        match *self {
            FdInfo::File(s)
            | FdInfo::Directory(s)
            | FdInfo::Fifo(s)
            | FdInfo::Event(s)
            | FdInfo::Unsupported(s)
            | FdInfo::Signalfd(s)
            | FdInfo::Eventpoll(s)
            | FdInfo::Inotify(s)
            | FdInfo::Timerfd(s)
            | FdInfo::Netlink(s)
            | FdInfo::Bpf(s)
            | FdInfo::Userfaultfd(s)
            | FdInfo::IoUring(s)
            | FdInfo::Memfd(s)
            | FdInfo::Pidfd(s) => Some(s),
            FdInfo::UnixSocket { path, .. } => Some(path),
            FdInfo::FileV2 { name, .. } => Some(name),
            _ => None,
        }
    }
}

fn array<const N: usize>(c: &mut Cursor<'_>, what: &'static str) -> Result<[u8; N], ErrorKind> {
    let b = c.bytes(N, what)?;
    let mut a = [0u8; N];
    a.copy_from_slice(b);
    Ok(a)
}

/// Parses one entry at the start of `buf`; returns it and its on-disk size.
fn parse_entry(v2: bool, buf: &[u8], endian: Endian) -> Result<(FdEntry<'_>, usize), ErrorKind> {
    let mut c = Cursor::new(buf, endian);
    let entry_len = if v2 {
        Some(c.u32("fd entry length")?)
    } else {
        None
    };
    // The entry's end, when its length is known and non-zero.
    let end = match entry_len {
        Some(n) if n != 0 => {
            let n = n as usize;
            if n > buf.len() {
                return Err(ErrorKind::Overrun {
                    what: "fd entry",
                    needed: n as u64,
                    available: buf.len() as u64,
                });
            }
            Some(n)
        }
        _ => None,
    };
    let fd = c.u64("fd number")? as i64;
    let ino = c.u64("fd inode")?;
    let fd_type = c.u8("fd type")?;
    let info = match fd_type {
        0 => FdInfo::Unknown,
        1 => FdInfo::File(c.str16("fd name", MAX_NAME)?),
        2 => FdInfo::Directory(c.str16("fd name", MAX_NAME)?),
        3 => FdInfo::Ipv4Socket {
            sip: array(&mut c, "fd ipv4 address")?,
            dip: array(&mut c, "fd ipv4 address")?,
            sport: c.u16("fd port")?,
            dport: c.u16("fd port")?,
            l4proto: c.u8("fd l4proto")?,
        },
        4 => FdInfo::Ipv6Socket {
            sip: array(&mut c, "fd ipv6 address")?,
            dip: array(&mut c, "fd ipv6 address")?,
            sport: c.u16("fd port")?,
            dport: c.u16("fd port")?,
            l4proto: c.u8("fd l4proto")?,
        },
        5 => FdInfo::Ipv4ServerSocket {
            ip: array(&mut c, "fd ipv4 address")?,
            port: c.u16("fd port")?,
            l4proto: c.u8("fd l4proto")?,
        },
        6 => FdInfo::Ipv6ServerSocket {
            ip: array(&mut c, "fd ipv6 address")?,
            port: c.u16("fd port")?,
            l4proto: c.u8("fd l4proto")?,
        },
        7 => FdInfo::Fifo(c.str16("fd name", MAX_NAME)?),
        8 => FdInfo::UnixSocket {
            source: c.u64("fd unix source")?,
            destination: c.u64("fd unix destination")?,
            path: c.str16("fd name", MAX_NAME)?,
        },
        9 => FdInfo::Event(c.str16("fd name", MAX_NAME)?),
        10 => FdInfo::Unsupported(c.str16("fd name", MAX_NAME)?),
        11 => FdInfo::Signalfd(c.str16("fd name", MAX_NAME)?),
        12 => FdInfo::Eventpoll(c.str16("fd name", MAX_NAME)?),
        13 => FdInfo::Inotify(c.str16("fd name", MAX_NAME)?),
        14 => FdInfo::Timerfd(c.str16("fd name", MAX_NAME)?),
        15 => FdInfo::Netlink(c.str16("fd name", MAX_NAME)?),
        16 => {
            let open_flags = c.u32("fd open flags")?;
            let name = c.str16("fd name", MAX_NAME)?;
            let dev = match end {
                Some(n) if c.pos() + 4 <= n => Some(c.u32("fd dev")?),
                _ => None,
            };
            FdInfo::FileV2 {
                open_flags,
                name,
                dev,
            }
        }
        17 => FdInfo::Bpf(c.str16("fd name", MAX_NAME)?),
        18 => FdInfo::Userfaultfd(c.str16("fd name", MAX_NAME)?),
        19 => FdInfo::IoUring(c.str16("fd name", MAX_NAME)?),
        20 => FdInfo::Memfd(c.str16("fd name", MAX_NAME)?),
        21 => FdInfo::Pidfd(c.str16("fd name", MAX_NAME)?),
        _ if !v2 => {
            return Err(ErrorKind::Malformed("unknown fd type in an FDL v1 block"));
        }
        _ => {
            let payload = match end {
                Some(n) if n >= c.pos() => c.bytes(n - c.pos(), "fd payload")?,
                _ => &[],
            };
            FdInfo::Other { fd_type, payload }
        }
    };
    let core = c.pos();
    let Some(n) = end else {
        return Ok((
            FdEntry {
                entry_len,
                fd,
                ino,
                info,
                extra: &[],
            },
            core,
        ));
    };
    if n < core {
        return Err(ErrorKind::Malformed(
            "fd entry length is smaller than its fields",
        ));
    }
    Ok((
        FdEntry {
            entry_len,
            fd,
            ino,
            info,
            extra: &buf[core..n],
        },
        n,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{Rng, blocks, corpus_files, pad4};

    const V6A: [u8; 16] = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
    const V6B: [u8; 16] = [0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2];

    /// One entry of every known type.
    fn known() -> Vec<FdEntry<'static>> {
        let infos = [
            FdInfo::Unknown,
            FdInfo::File(b"/etc/passwd"),
            FdInfo::Directory(b"/tmp"),
            FdInfo::Ipv4Socket {
                sip: [10, 0, 0, 1],
                dip: [8, 8, 8, 8],
                sport: 40000,
                dport: 53,
                l4proto: 3,
            },
            FdInfo::Ipv6Socket {
                sip: V6A,
                dip: V6B,
                sport: 1,
                dport: 443,
                l4proto: 2,
            },
            FdInfo::Ipv4ServerSocket {
                ip: [0, 0, 0, 0],
                port: 22,
                l4proto: 2,
            },
            FdInfo::Ipv6ServerSocket {
                ip: V6A,
                port: 80,
                l4proto: 2,
            },
            FdInfo::Fifo(b"pipe:[12345]"),
            FdInfo::UnixSocket {
                source: 0xffff_8800_0000_1000,
                destination: 0,
                path: b"/run/s",
            },
            FdInfo::Event(b"anon_inode:[eventfd]"),
            FdInfo::Unsupported(b"anon_inode:[x]"),
            FdInfo::Signalfd(b"anon_inode:[signalfd]"),
            FdInfo::Eventpoll(b"anon_inode:[eventpoll]"),
            FdInfo::Inotify(b"anon_inode:inotify"),
            FdInfo::Timerfd(b"anon_inode:[timerfd]"),
            FdInfo::Netlink(b""),
            FdInfo::FileV2 {
                open_flags: 0x41,
                name: b"/var/log/x",
                dev: Some(0x803),
            },
            FdInfo::FileV2 {
                open_flags: 1,
                name: b"/dev/null",
                dev: None,
            },
            FdInfo::Bpf(b"anon_inode:bpf-map"),
            FdInfo::Userfaultfd(b"anon_inode:[userfaultfd]"),
            FdInfo::IoUring(b"anon_inode:[io_uring]"),
            FdInfo::Memfd(b"/memfd:x (deleted)"),
            FdInfo::Pidfd(b"anon_inode:[pidfd]"),
        ];
        infos
            .into_iter()
            .enumerate()
            .map(|(i, info)| FdEntry::new(i as i64, 100 + i as u64, info))
            .collect()
    }

    #[test]
    fn round_trip_both_versions_and_orders() {
        for bt in [FDL, FDL_INT, FDL_V2] {
            for endian in [Endian::Little, Endian::Big] {
                let mut entries = known();
                if bt == FDL_V2 {
                    entries.push(FdEntry::new(
                        99,
                        0,
                        FdInfo::Other {
                            fd_type: 200,
                            payload: b"xyz",
                        },
                    ));
                    entries.push(FdEntry {
                        extra: b"\x07\x08",
                        ..FdEntry::new(98, 0, FdInfo::Fifo(b"p"))
                    });
                }
                let mut body = Vec::new();
                FdList::encode_entries(bt, 4242, &entries, &mut body, endian).unwrap();
                let fl = FdList::parse(bt, &body, endian).unwrap();
                assert_eq!(
                    (fl.tid(), fl.len(), fl.block_type()),
                    (4242, entries.len(), bt)
                );
                assert_eq!(fl.is_v2(), bt == FDL_V2);
                for (got, want) in fl.entries().zip(&entries) {
                    let mut want = want.clone();
                    if bt == FDL_V2 {
                        assert!(got.entry_len.is_some_and(|n| n >= 21));
                        want.entry_len = got.entry_len;
                    } else if let FdInfo::FileV2 { dev, .. } = &mut want.info {
                        *dev = None;
                    }
                    assert_eq!(got, want);
                }
                let mut again = Vec::new();
                fl.encode(&mut again, endian).unwrap();
                assert_eq!(again, body);
                let other = if endian == Endian::Little {
                    Endian::Big
                } else {
                    Endian::Little
                };
                let mut swapped = Vec::new();
                fl.encode(&mut swapped, other).unwrap();
                assert!(
                    FdList::parse(bt, &swapped, other)
                        .unwrap()
                        .entries()
                        .eq(fl.entries())
                );
            }
        }
    }

    #[test]
    fn tid_only_and_padding() {
        let mut body = Vec::new();
        FdList::encode_entries(FDL_V2, 7, &[], &mut body, Endian::Little).unwrap();
        assert_eq!(body.len(), 8);
        let fl = FdList::parse(FDL_V2, &body, Endian::Little).unwrap();
        assert!(fl.is_empty() && fl.tid() == 7);
        body.extend_from_slice(&[0, 0, 0]);
        assert_eq!(
            FdList::parse(FDL_V2, &body, Endian::Little)
                .unwrap()
                .padding(),
            &[0, 0, 0]
        );
        assert!(matches!(
            FdList::parse(FDL_V2, &body[..7], Endian::Little),
            Err(ErrorKind::Overrun { .. })
        ));
        assert!(FdList::parse(0x206, &body, Endian::Little).is_err());
    }

    /// An FDL_V2 FILE_V2 entry without dev, then `room` bytes 1, 2, 3, ... inside its length.
    fn file_v2_with_room(room: usize) -> Vec<u8> {
        let e = FdEntry::new(
            3,
            9,
            FdInfo::FileV2 {
                open_flags: 2,
                name: b"/f",
                dev: None,
            },
        );
        let mut body = Vec::new();
        FdList::encode_entries(FDL_V2, 1, &[e], &mut body, Endian::Little).unwrap();
        let n = (body.len() - 8 + room) as u32;
        body[8..12].copy_from_slice(&n.to_le_bytes());
        body.extend((1..=room).map(|i| i as u8));
        body
    }

    #[test]
    fn file_v2_dev_only_when_the_length_has_room() {
        for room in 0..10 {
            let body = file_v2_with_room(room);
            let fl = FdList::parse(FDL_V2, &body, Endian::Little).unwrap();
            let e = fl.entries().next().unwrap();
            let FdInfo::FileV2 { dev, .. } = e.info else {
                panic!()
            };
            if room < 4 {
                assert_eq!((dev, e.extra.len()), (None, room));
            } else {
                assert_eq!(
                    (dev, e.extra.len()),
                    (Some(u32::from_le_bytes([1, 2, 3, 4])), room - 4)
                );
            }
            let mut again = Vec::new();
            fl.encode(&mut again, Endian::Little).unwrap();
            assert_eq!(again, body);
        }
        // Entry length 0: libscap's "no length", so no dev.
        let mut body = file_v2_with_room(0);
        body[8..12].fill(0);
        let e = FdList::parse(FDL_V2, &body, Endian::Little)
            .unwrap()
            .entries()
            .next()
            .unwrap();
        assert_eq!(e.entry_len, Some(0));
        assert!(matches!(e.info, FdInfo::FileV2 { dev: None, .. }));
    }

    #[test]
    fn unknown_types() {
        let le = Endian::Little;
        let mut body = Vec::new();
        let e = FdEntry::new(
            5,
            6,
            FdInfo::Other {
                fd_type: 22,
                payload: b"\x01\x02\x03\x04\x05",
            },
        );
        FdList::encode_entries(FDL_V2, 1, &[e.clone(), e.clone()], &mut body, le).unwrap();
        let fl = FdList::parse(FDL_V2, &body, le).unwrap();
        assert_eq!(fl.len(), 2);
        assert_eq!(fl.entries().next().unwrap().info, e.info);
        // FDL v1 cannot skip an unknown type.
        let mut v1 = Vec::new();
        FdList::encode_entries(
            FDL,
            1,
            &[FdEntry::new(5, 6, FdInfo::Pidfd(b""))],
            &mut v1,
            le,
        )
        .unwrap();
        v1[8 + 16] = 22;
        assert!(matches!(
            FdList::parse(FDL, &v1, le),
            Err(ErrorKind::Malformed(_))
        ));
        assert!(e.encode(FDL, &mut Vec::new(), le).is_err());
        let known_as_other = FdEntry::new(
            5,
            6,
            FdInfo::Other {
                fd_type: 3,
                payload: b"",
            },
        );
        assert!(known_as_other.encode(FDL_V2, &mut Vec::new(), le).is_err());
    }

    #[test]
    fn malformed_inputs() {
        let le = Endian::Little;
        let long = [b'a'; 1024];
        for bt in [FDL, FDL_V2] {
            let mut body = Vec::new();
            let e = FdEntry::new(1, 2, FdInfo::File(&long[..1023]));
            FdList::encode_entries(bt, 1, &[e], &mut body, le).unwrap();
            assert!(FdList::parse(bt, &body, le).is_ok());
            let at = 8 + if bt == FDL_V2 { 4 } else { 0 } + 17;
            body[at..at + 2].copy_from_slice(&1024u16.to_le_bytes());
            assert!(matches!(
                FdList::parse(bt, &body, le),
                Err(ErrorKind::StringTooLong {
                    len: 1024,
                    max: 1023,
                    ..
                })
            ));
            let mut out = vec![1];
            let e = FdEntry::new(1, 2, FdInfo::File(&long));
            assert!(matches!(
                FdList::encode_entries(bt, 1, &[e], &mut out, le),
                Err(ErrorKind::TooLargeToWrite { .. })
            ));
            assert_eq!(out, [1]);
        }
        let mut body = Vec::new();
        FdList::encode_entries(FDL_V2, 1, &known(), &mut body, le).unwrap();
        let first = u32::from_le_bytes(body[8..12].try_into().unwrap());
        for bad in [1, 4, 20, first - 1] {
            let mut b = body.clone();
            b[8..12].copy_from_slice(&bad.to_le_bytes());
            assert!(FdList::parse(FDL_V2, &b, le).is_err(), "entry_len {bad}");
        }
        let mut b = body.clone();
        b[8..12].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(matches!(
            FdList::parse(FDL_V2, &b, le),
            Err(ErrorKind::Overrun { .. })
        ));
        let bad = FdEntry {
            entry_len: Some(3),
            ..FdEntry::new(1, 2, FdInfo::Fifo(b""))
        };
        assert!(bad.encode(FDL_V2, &mut Vec::new(), le).is_err());
        let bad = FdEntry {
            extra: b"x",
            ..FdEntry::new(1, 2, FdInfo::Fifo(b""))
        };
        assert!(bad.encode(FDL, &mut Vec::new(), le).is_err());
    }

    #[test]
    fn truncation_never_panics_and_errors_mid_entry() {
        for bt in [FDL, FDL_V2] {
            let mut body = Vec::new();
            let mut ends = vec![8];
            let e = known();
            FdList::encode_entries(bt, 1, &[], &mut body, Endian::Little).unwrap();
            for x in &e {
                x.encode(bt, &mut body, Endian::Little).unwrap();
                ends.push(body.len());
            }
            for cut in 0..=body.len() {
                let r = FdList::parse(bt, &body[..cut], Endian::Little);
                let clean = ends.iter().any(|&x| (x..x + 4).contains(&cut));
                assert_eq!(r.is_ok(), clean, "{bt:#x} cut at {cut}");
            }
        }
    }

    #[test]
    fn mutated_bodies_parse_or_fail_cleanly_and_round_trip() {
        let mut rng = Rng(0x2545_F491_4F6C_DD1D);
        for bt in [FDL, FDL_V2] {
            let mut orig = Vec::new();
            FdList::encode_entries(bt, 77, &known(), &mut orig, Endian::Little).unwrap();
            for _ in 0..5000 {
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
                if let Ok(fl) = FdList::parse(bt, &b, Endian::Little) {
                    assert_eq!(fl.entries().count(), fl.len());
                    let mut again = Vec::new();
                    fl.encode(&mut again, Endian::Little).unwrap();
                    assert_eq!(again, b[..b.len() - fl.padding().len()]);
                }
            }
        }
    }

    #[test]
    fn corpus_round_trip() {
        let Some(files) = corpus_files() else {
            return;
        };
        let (mut seen, mut entries) = (0, 0);
        for (name, data) in &files {
            for (t, body, endian) in blocks(data) {
                if !matches!(t, FDL | FDL_INT | FDL_V2) {
                    continue;
                }
                let fl = FdList::parse(t, body, endian)
                    .unwrap_or_else(|e| panic!("{name}: FDL parse: {e}"));
                assert!(fl.tid() > 0, "{name}: tid");
                assert_eq!(fl.entries().count(), fl.len());
                for e in fl.entries() {
                    assert!(e.fd >= 0 && e.fd < 1 << 20, "{name}: fd {}", e.fd);
                    assert!(
                        !matches!(e.info, FdInfo::Other { .. }),
                        "{name}: unknown fd type"
                    );
                }
                entries += fl.len();
                let mut out = Vec::new();
                fl.encode(&mut out, endian).unwrap();
                pad4(&mut out);
                assert_eq!(out, body, "{name}: FDL re-encoding differs");
                seen += 1;
            }
        }
        assert!(files.is_empty() || (seen > 0 && entries > seen));
    }
}
