//! Typed parameter values: decoding a parameter's bytes by its table type, encoding them back,
//! and printing them the way libsinsp does.
//!
//! [`ParamValue::decode`] borrows from the event: strings, buffers and lists stay slices of it
//! and nothing is allocated. Any parameter may be empty (length 0), meaning "not available"; that
//! decodes to [`ParamValue::Empty`] whatever the type.
//!
//! Printing follows libsinsp's `sinsp_evt::get_param_as_str`: [`ParamValue::display_param`] (or
//! [`ParamValue::display`] with just a print format) gives the *raw* string, and
//! [`ParamValue::resolved`] the part of the *resolved* string that needs no state: errno, flag,
//! signal and syscall names, and durations in seconds. What needs the thread, fd or user tables
//! (fd names, the comm of a pid, user names) is the state engine's job.
//!
//! ```
//! use strata_scap::bytes::Endian;
//! use strata_scap::param::ParamValue;
//! use strata_scap::table::{flag_table, ParamAux, ParamType};
//!
//! let file_flags = flag_table("file_flags").unwrap();
//! let v = ParamValue::decode_as(ParamType::Flags32, ParamAux::Flags(file_flags), &[7, 0, 0, 0],
//!     Endian::Little).unwrap();
//! assert_eq!(v.to_string(), "7");
//! assert_eq!(v.resolved().unwrap().to_string(), "O_CREAT|O_RDWR");
//! ```

use std::fmt::{self, Write as _};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::bytes::Endian;
use crate::error::ErrorKind;
use crate::table::{self, DynType, FlagTable, ParamAux, ParamInfo, ParamType, PrintFormat};

/// Socket family `PPM_AF_UNIX` (also called `AF_LOCAL`).
pub const PPM_AF_UNIX: u8 = 1;
/// Socket family `PPM_AF_INET`.
pub const PPM_AF_INET: u8 = 2;
/// Socket family `PPM_AF_INET6`.
pub const PPM_AF_INET6: u8 = 10;
/// `PPM_AT_FDCWD`: the directory fd value meaning "the current working directory".
pub const PPM_AT_FDCWD: i64 = -100;

/// The legacy marker of a missing string in old captures (followed by a NUL on the wire).
const LEGACY_NULL: &[u8] = b"(NULL)";

/// One decoded parameter, borrowing its bytes from the event.
///
/// Integers are widened (`Int` holds an INT8 as well as an INT64); the parameter type is needed
/// again to [`encode`](ParamValue::encode) them.
// `repr(C, u8)`: every variant's payload starts at offset 8, so moving a value copies whole
// words; with the default layout, small payloads packed after the tag made each move a
// byte-sized patchwork that stalls store forwarding (half the time of a decode loop).
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
#[repr(C, u8)]
pub enum ParamValue<'a> {
    /// A zero-length parameter: "not available". Also the legacy `(NULL)` string of old
    /// CHARBUF/FSPATH/FSRELPATH parameters.
    Empty,
    /// PT_INT8, PT_INT16, PT_INT32 or PT_INT64.
    Int(i64),
    /// PT_UINT8, PT_UINT16, PT_UINT32 or PT_UINT64.
    Uint(u64),
    /// PT_ERRNO: a non-negative result, or `-errno`.
    Errno(i64),
    /// PT_FD or PT_FD32: a file descriptor ([`PPM_AT_FDCWD`] for the cwd; negative = error).
    Fd(i64),
    /// PT_PID or PT_PID32: a process or thread id.
    Pid(i64),
    /// PT_CHARBUF: the string up to its first NUL (without the terminator).
    Str(&'a [u8]),
    /// PT_FSPATH: a path, relative to the thread's cwd if not absolute.
    Path(&'a [u8]),
    /// PT_FSRELPATH: a path, relative to the directory fd held by another parameter.
    RelPath {
        /// The path, without the NUL terminator.
        path: &'a [u8],
        /// The index of the parameter holding the directory fd (`DIRFD_PARAM(n)`).
        dirfd_param: u8,
    },
    /// PT_BYTEBUF: raw bytes (I/O data, or NUL-separated lists such as `args` and `env`).
    Bytes(&'a [u8]),
    /// PT_SOCKADDR.
    SockAddr(SockAddr<'a>),
    /// PT_SOCKTUPLE.
    SockTuple(SockTuple<'a>),
    /// PT_FDLIST: `(fd, poll flags)` pairs, decoded lazily.
    FdList(FdList<'a>),
    /// PT_SYSCALLID: a `ppm_sc` code.
    SyscallId(u16),
    /// PT_SIGTYPE: a signal number.
    Signal(u8),
    /// PT_RELTIME: a duration in nanoseconds (`u64::MAX` = none).
    RelTime(u64),
    /// PT_ABSTIME: nanoseconds since the epoch.
    AbsTime(u64),
    /// PT_PORT: a port number (in host order once decoded).
    Port(u16),
    /// PT_L4PROTO: a layer-4 protocol number.
    L4Proto(u8),
    /// PT_SOCKFAMILY: a `PPM_AF_*` socket family.
    SockFamily(u8),
    /// PT_BOOL (a u32 on the wire; non-zero is true).
    Bool(bool),
    /// PT_IPV4ADDR.
    Ipv4(Ipv4Addr),
    /// PT_IPV6ADDR.
    Ipv6(Ipv6Addr),
    /// PT_IPADDR: 4 or 16 bytes, the length telling which.
    IpAddr(IpAddr),
    /// PT_FLAGS8, PT_FLAGS16 or PT_FLAGS32: a bit mask and its name table.
    Flags {
        /// The bits.
        value: u32,
        /// The table of the parameter (`ParamAux::Flags`), if it has one.
        table: Option<&'static FlagTable>,
    },
    /// PT_ENUMFLAGS8, PT_ENUMFLAGS16 or PT_ENUMFLAGS32: an enum value and its name table.
    EnumFlags {
        /// The value.
        value: u32,
        /// The table of the parameter (`ParamAux::Flags`), if it has one.
        table: Option<&'static FlagTable>,
    },
    /// PT_MODE: `PPM_S_*` permission bits and their name table.
    Mode {
        /// The bits.
        value: u32,
        /// The table of the parameter (`ParamAux::Flags`), if it has one.
        table: Option<&'static FlagTable>,
    },
    /// PT_UID (`u32::MAX` = none).
    Uid(u32),
    /// PT_GID (`u32::MAX` = none).
    Gid(u32),
    /// PT_DOUBLE.
    Double(f64),
    /// PT_SIGSET: the low 32 bits of a `sigset_t` (bit i is signal i + 1).
    Sigset(u32),
    /// PT_CHARBUFARRAY: NUL-separated strings.
    StrArray(StrArray<'a>),
    /// PT_CHARBUF_PAIR_ARRAY: NUL-separated strings, alternately keys and values.
    PairArray(PairArray<'a>),
    /// PT_DYN: a value whose type the first byte selects; see [`DynValue::value`].
    Dyn(DynValue<'a>),
    /// A type with no portable wire encoding (PT_NONE, PT_IPV4NET, PT_IPV6NET, PT_IPNET): the
    /// bytes as they are.
    Raw(&'a [u8]),
}

/// A PT_SOCKADDR value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SockAddr<'a> {
    /// An IPv4 address and port.
    V4 {
        /// The address.
        addr: Ipv4Addr,
        /// The port.
        port: u16,
    },
    /// An IPv6 address and port.
    V6 {
        /// The address.
        addr: Ipv6Addr,
        /// The port.
        port: u16,
    },
    /// A unix socket path, without the NUL (abstract names come without their leading NUL).
    Unix(&'a [u8]),
    /// Another family, whose address the drivers do not record.
    Other {
        /// The `PPM_AF_*` family.
        family: u8,
    },
}

/// A PT_SOCKTUPLE value: source and destination of a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SockTuple<'a> {
    /// IPv4 endpoints.
    V4 {
        /// Source address.
        src: Ipv4Addr,
        /// Source port.
        sport: u16,
        /// Destination address.
        dst: Ipv4Addr,
        /// Destination port.
        dport: u16,
    },
    /// IPv6 endpoints (see [`SockTuple::as_v4`] for the IPv4-mapped case).
    V6 {
        /// Source address.
        src: Ipv6Addr,
        /// Source port.
        sport: u16,
        /// Destination address.
        dst: Ipv6Addr,
        /// Destination port.
        dport: u16,
    },
    /// Unix socket endpoints: kernel `struct sock` addresses (0 if none) and the path.
    Unix {
        /// The source socket's kernel address.
        src_ptr: u64,
        /// The destination socket's kernel address.
        dst_ptr: u64,
        /// The path, without the NUL.
        path: &'a [u8],
    },
    /// Another family, whose endpoints the drivers do not record.
    Other {
        /// The `PPM_AF_*` family.
        family: u8,
    },
}

/// A PT_FDLIST value: `(fd, poll flags)` pairs, read from the event's bytes on demand.
#[derive(Debug, Clone, Copy)]
pub struct FdList<'a> {
    entries: &'a [u8],
    endian: Endian,
}

/// A PT_CHARBUFARRAY value: NUL-separated strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StrArray<'a> {
    raw: &'a [u8],
}

/// A PT_CHARBUF_PAIR_ARRAY value: NUL-separated strings, alternately keys and values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PairArray<'a> {
    raw: &'a [u8],
}

/// A PT_DYN value: the index byte, the type it selects, and the bytes of the value.
///
/// The value is checked when the parameter is decoded and decoded again on each
/// [`value`](DynValue::value) call, which keeps [`ParamValue`] free of boxes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DynValue<'a> {
    /// The index into the parameter's dynamic type table.
    pub index: u8,
    /// The type and print format that the index selects.
    pub ty: DynType,
    /// The value's bytes (after the index byte).
    pub raw: &'a [u8],
    /// The byte order of the value.
    pub endian: Endian,
}

fn mismatch() -> ErrorKind {
    ErrorKind::Malformed("parameter value does not match the parameter type")
}

fn out_of_range() -> ErrorKind {
    ErrorKind::Malformed("parameter value is out of range for the parameter type")
}

/// libscap's name of a parameter type (`PT_INT32`).
pub const fn type_name(ty: ParamType) -> &'static str {
    use ParamType as T;
    match ty {
        T::None => "PT_NONE",
        T::Int8 => "PT_INT8",
        T::Int16 => "PT_INT16",
        T::Int32 => "PT_INT32",
        T::Int64 => "PT_INT64",
        T::Uint8 => "PT_UINT8",
        T::Uint16 => "PT_UINT16",
        T::Uint32 => "PT_UINT32",
        T::Uint64 => "PT_UINT64",
        T::Charbuf => "PT_CHARBUF",
        T::Bytebuf => "PT_BYTEBUF",
        T::Errno => "PT_ERRNO",
        T::Sockaddr => "PT_SOCKADDR",
        T::Socktuple => "PT_SOCKTUPLE",
        T::Fd => "PT_FD",
        T::Pid => "PT_PID",
        T::Fdlist => "PT_FDLIST",
        T::Fspath => "PT_FSPATH",
        T::Syscallid => "PT_SYSCALLID",
        T::Sigtype => "PT_SIGTYPE",
        T::Reltime => "PT_RELTIME",
        T::Abstime => "PT_ABSTIME",
        T::Port => "PT_PORT",
        T::L4proto => "PT_L4PROTO",
        T::Sockfamily => "PT_SOCKFAMILY",
        T::Bool => "PT_BOOL",
        T::Ipv4addr => "PT_IPV4ADDR",
        T::Dyn => "PT_DYN",
        T::Flags8 => "PT_FLAGS8",
        T::Flags16 => "PT_FLAGS16",
        T::Flags32 => "PT_FLAGS32",
        T::Uid => "PT_UID",
        T::Gid => "PT_GID",
        T::Double => "PT_DOUBLE",
        T::Sigset => "PT_SIGSET",
        T::Charbufarray => "PT_CHARBUFARRAY",
        T::CharbufPairArray => "PT_CHARBUF_PAIR_ARRAY",
        T::Ipv4net => "PT_IPV4NET",
        T::Ipv6addr => "PT_IPV6ADDR",
        T::Ipv6net => "PT_IPV6NET",
        T::Ipaddr => "PT_IPADDR",
        T::Ipnet => "PT_IPNET",
        T::Mode => "PT_MODE",
        T::Fsrelpath => "PT_FSRELPATH",
        T::Enumflags8 => "PT_ENUMFLAGS8",
        T::Enumflags16 => "PT_ENUMFLAGS16",
        T::Enumflags32 => "PT_ENUMFLAGS32",
        T::Fd32 => "PT_FD32",
        T::Pid32 => "PT_PID32",
    }
}

/// The wire size of a fixed-size type, or `None` for variable-size types.
pub const fn fixed_size(ty: ParamType) -> Option<usize> {
    use ParamType as T;
    Some(match ty {
        T::Int8
        | T::Uint8
        | T::Sigtype
        | T::L4proto
        | T::Sockfamily
        | T::Flags8
        | T::Enumflags8 => 1,
        T::Int16 | T::Uint16 | T::Syscallid | T::Port | T::Flags16 | T::Enumflags16 => 2,
        T::Int32
        | T::Uint32
        | T::Bool
        | T::Ipv4addr
        | T::Flags32
        | T::Uid
        | T::Gid
        | T::Sigset
        | T::Mode
        | T::Enumflags32
        | T::Fd32
        | T::Pid32 => 4,
        T::Int64 | T::Uint64 | T::Errno | T::Fd | T::Pid | T::Reltime | T::Abstime | T::Double => 8,
        T::Ipv6addr => 16,
        _ => return None,
    })
}

/// Checks that a fixed-size parameter has exactly the `N` bytes of its type `ty`.
#[inline(always)]
fn exact<const N: usize>(raw: &[u8], ty: ParamType) -> Result<[u8; N], ErrorKind> {
    match <[u8; N]>::try_from(raw) {
        Ok(b) => Ok(b),
        Err(_) => Err(size_error(raw.len(), N, ty)),
    }
}

/// The error of a fixed-size parameter of the wrong size (kept out of the decode loop).
#[cold]
#[inline(never)]
fn size_error(len: usize, n: usize, ty: ParamType) -> ErrorKind {
    if len < n {
        ErrorKind::Overrun {
            what: type_name(ty),
            needed: n as u64,
            available: len as u64,
        }
    } else {
        ErrorKind::Malformed("fixed-size parameter is longer than its type")
    }
}

macro_rules! fixed_int {
    ($name:ident, $t:ty, $n:expr) => {
        /// Decodes a fixed-size parameter of exactly this integer's size.
        #[inline(always)]
        fn $name(raw: &[u8], ty: ParamType, e: Endian) -> Result<$t, ErrorKind> {
            let b = exact::<$n>(raw, ty)?;
            Ok(match e {
                Endian::Little => <$t>::from_le_bytes(b),
                Endian::Big => <$t>::from_be_bytes(b),
            })
        }
    };
}

fixed_int!(fixed_u8, u8, 1);
fixed_int!(fixed_u16, u16, 2);
fixed_int!(fixed_u32, u32, 4);
fixed_int!(fixed_u64, u64, 8);
fixed_int!(fixed_i8, i8, 1);
fixed_int!(fixed_i16, i16, 2);
fixed_int!(fixed_i32, i32, 4);
fixed_int!(fixed_i64, i64, 8);

fn need(raw: &[u8], n: usize, what: &'static str) -> Result<(), ErrorKind> {
    if raw.len() < n {
        return Err(ErrorKind::Overrun {
            what,
            needed: n as u64,
            available: raw.len() as u64,
        });
    }
    Ok(())
}

/// The bytes up to the first NUL (all of them if there is none): a C string's text, as
/// libsinsp reads string parameters.
///
/// Eight bytes at a time: a word has a zero byte iff `(w - 0x01..01) & !w & 0x80..80` is not
/// zero, and its lowest set bit marks the first zero byte (little-endian load). Paths and names
/// are tens of bytes, so this is several times fewer steps than a byte loop.
///
/// ```
/// use strata_scap::param::until_nul;
/// assert_eq!(until_nul(b"/etc/hosts\0junk"), b"/etc/hosts");
/// assert_eq!(until_nul(b"no terminator"), b"no terminator");
/// ```
#[inline]
pub fn until_nul(b: &[u8]) -> &[u8] {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let mut chunks = b.chunks_exact(8);
    let mut base = 0;
    for c in chunks.by_ref() {
        let w = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        let z = w.wrapping_sub(LO) & !w & HI;
        if z != 0 {
            return &b[..base + (z.trailing_zeros() / 8) as usize];
        }
        base += 8;
    }
    match chunks.remainder().iter().position(|&c| c == 0) {
        Some(i) => &b[..base + i],
        None => b,
    }
}

fn ipv4_at(b: &[u8], at: usize) -> Ipv4Addr {
    let mut a = [0u8; 4];
    if let Some(s) = b.get(at..at + 4) {
        a.copy_from_slice(s);
    }
    Ipv4Addr::from(a)
}

fn ipv6_at(b: &[u8], at: usize) -> Ipv6Addr {
    let mut a = [0u8; 16];
    if let Some(s) = b.get(at..at + 16) {
        a.copy_from_slice(s);
    }
    Ipv6Addr::from(a)
}

impl<'a> ParamValue<'a> {
    /// Decodes a parameter by its table entry.
    #[inline(always)]
    pub fn decode(info: &ParamInfo, raw: &'a [u8], endian: Endian) -> Result<Self, ErrorKind> {
        Self::decode_as(info.ty, info.aux, raw, endian)
    }

    /// [`decode_as`](Self::decode_as) for the type whose `PT_*` number is `TY`, little-endian:
    /// one copy per type, with no dispatch on the type at run time.
    #[inline(always)]
    pub(crate) fn decode_typed<const TY: u8>(
        aux: ParamAux,
        raw: &'a [u8],
    ) -> Result<Self, ErrorKind> {
        let ty = const {
            match ParamType::from_code(TY) {
                Some(ty) => ty,
                None => panic!("not a parameter type code"),
            }
        };
        Self::decode_as(ty, aux, raw, Endian::Little)
    }

    /// Decodes a parameter of type `ty` whose `info` is `aux`.
    ///
    /// Zero bytes decode to [`ParamValue::Empty`] for every type. Fixed-size types must have
    /// exactly their size; composite types must hold what their header announces (trailing
    /// bytes are ignored, as libsinsp does). Strings end at their first NUL; a string without
    /// one is taken whole, and the legacy string `(NULL)` is [`ParamValue::Empty`]. A DYN
    /// parameter needs `aux` to be its [`ParamAux::Dyn`] table (and its value must decode), an
    /// FSRELPATH one its [`ParamAux::DirFd`]; FLAGS, ENUMFLAGS and MODE values carry the
    /// [`ParamAux::Flags`] table if there is one.
    #[inline(always)]
    pub fn decode_as(
        ty: ParamType,
        aux: ParamAux,
        raw: &'a [u8],
        endian: Endian,
    ) -> Result<Self, ErrorKind> {
        use ParamType as T;
        use ParamValue as V;
        if raw.is_empty() {
            return Ok(V::Empty);
        }
        let table = || match aux {
            ParamAux::Flags(t) => Some(t),
            _ => None,
        };
        let e = endian;
        Ok(match ty {
            T::None | T::Ipv4net | T::Ipv6net | T::Ipnet => V::Raw(raw),
            T::Int8 => V::Int(fixed_i8(raw, ty, e)? as i64),
            T::Int16 => V::Int(fixed_i16(raw, ty, e)? as i64),
            T::Int32 => V::Int(fixed_i32(raw, ty, e)? as i64),
            T::Int64 => V::Int(fixed_i64(raw, ty, e)?),
            T::Uint8 => V::Uint(fixed_u8(raw, ty, e)? as u64),
            T::Uint16 => V::Uint(fixed_u16(raw, ty, e)? as u64),
            T::Uint32 => V::Uint(fixed_u32(raw, ty, e)? as u64),
            T::Uint64 => V::Uint(fixed_u64(raw, ty, e)?),
            T::Charbuf | T::Fspath | T::Fsrelpath => {
                let s = until_nul(raw);
                if s == LEGACY_NULL {
                    return Ok(V::Empty);
                }
                match ty {
                    T::Charbuf => V::Str(s),
                    T::Fspath => V::Path(s),
                    _ => match aux {
                        ParamAux::DirFd(n) => V::RelPath {
                            path: s,
                            dirfd_param: n,
                        },
                        _ => {
                            return Err(ErrorKind::Malformed(
                                "FSRELPATH parameter without a dirfd parameter index",
                            ));
                        }
                    },
                }
            }
            T::Bytebuf => V::Bytes(raw),
            T::Errno => V::Errno(fixed_i64(raw, ty, e)?),
            T::Fd => V::Fd(fixed_i64(raw, ty, e)?),
            T::Fd32 => V::Fd(fixed_i32(raw, ty, e)? as i64),
            T::Pid => V::Pid(fixed_i64(raw, ty, e)?),
            T::Pid32 => V::Pid(fixed_i32(raw, ty, e)? as i64),
            T::Sockaddr => V::SockAddr(SockAddr::parse(raw, e)?),
            T::Socktuple => V::SockTuple(SockTuple::parse(raw, e)?),
            T::Fdlist => V::FdList(FdList::parse(raw, e)?),
            T::Syscallid => V::SyscallId(fixed_u16(raw, ty, e)?),
            T::Sigtype => V::Signal(fixed_u8(raw, ty, e)?),
            T::Reltime => V::RelTime(fixed_u64(raw, ty, e)?),
            T::Abstime => V::AbsTime(fixed_u64(raw, ty, e)?),
            T::Port => V::Port(fixed_u16(raw, ty, e)?),
            T::L4proto => V::L4Proto(fixed_u8(raw, ty, e)?),
            T::Sockfamily => V::SockFamily(fixed_u8(raw, ty, e)?),
            T::Bool => V::Bool(fixed_u32(raw, ty, e)? != 0),
            T::Ipv4addr => V::Ipv4(Ipv4Addr::from(exact::<4>(raw, ty)?)),
            T::Ipv6addr => V::Ipv6(Ipv6Addr::from(exact::<16>(raw, ty)?)),
            T::Ipaddr => match raw.len() {
                4 => V::IpAddr(IpAddr::V4(ipv4_at(raw, 0))),
                16 => V::IpAddr(IpAddr::V6(ipv6_at(raw, 0))),
                _ => {
                    return Err(ErrorKind::Malformed(
                        "PT_IPADDR parameter is neither 4 nor 16 bytes",
                    ));
                }
            },
            T::Dyn => {
                let ParamAux::Dyn(types) = aux else {
                    return Err(ErrorKind::Malformed(
                        "DYN parameter without a dynamic type table",
                    ));
                };
                let Some((&index, value)) = raw.split_first() else {
                    return Ok(V::Empty);
                };
                let Some(&dty) = types.get(index as usize) else {
                    return Err(ErrorKind::Malformed(
                        "DYN parameter index is out of its table",
                    ));
                };
                let d = DynValue {
                    index,
                    ty: dty,
                    raw: value,
                    endian: e,
                };
                d.value()?;
                V::Dyn(d)
            }
            T::Flags8 => V::Flags {
                value: fixed_u8(raw, ty, e)? as u32,
                table: table(),
            },
            T::Flags16 => V::Flags {
                value: fixed_u16(raw, ty, e)? as u32,
                table: table(),
            },
            T::Flags32 => V::Flags {
                value: fixed_u32(raw, ty, e)?,
                table: table(),
            },
            T::Enumflags8 => V::EnumFlags {
                value: fixed_u8(raw, ty, e)? as u32,
                table: table(),
            },
            T::Enumflags16 => V::EnumFlags {
                value: fixed_u16(raw, ty, e)? as u32,
                table: table(),
            },
            T::Enumflags32 => V::EnumFlags {
                value: fixed_u32(raw, ty, e)?,
                table: table(),
            },
            T::Mode => V::Mode {
                value: fixed_u32(raw, ty, e)?,
                table: table(),
            },
            T::Uid => V::Uid(fixed_u32(raw, ty, e)?),
            T::Gid => V::Gid(fixed_u32(raw, ty, e)?),
            T::Double => V::Double(f64::from_bits(fixed_u64(raw, ty, e)?)),
            T::Sigset => V::Sigset(fixed_u32(raw, ty, e)?),
            T::Charbufarray => V::StrArray(StrArray::new(raw)),
            T::CharbufPairArray => V::PairArray(PairArray::new(raw)),
        })
    }

    /// Appends the wire bytes of this value as a parameter of type `ty`.
    ///
    /// Strings get their NUL terminator; integers are written at the width of `ty` in `endian`
    /// (an error if the value does not fit). [`Empty`](Self::Empty) writes nothing, and
    /// [`Raw`](Self::Raw) is written as it is for any type. A value of another kind than `ty`
    /// is an error, except that the three string kinds (`Str`, `Path`, `RelPath`) stand for one
    /// another. For every value that encodes, decoding the bytes with the same type (and the
    /// `aux` the value came from) gives the value back, except where the format cannot tell:
    /// an empty `Bytes`, `StrArray` or `PairArray`, and the string `(NULL)`, read back as
    /// [`Empty`](Self::Empty). Strings and unix paths holding a NUL are an error. On error
    /// nothing is appended.
    pub fn encode(
        &self,
        ty: ParamType,
        out: &mut Vec<u8>,
        endian: Endian,
    ) -> Result<(), ErrorKind> {
        atomic(out, |out| self.encode_unchecked(ty, out, endian))
    }

    fn encode_unchecked(
        &self,
        ty: ParamType,
        out: &mut Vec<u8>,
        endian: Endian,
    ) -> Result<(), ErrorKind> {
        use ParamType as T;
        use ParamValue as V;
        let e = endian;
        match (*self, ty) {
            (V::Empty, _) => {}
            (V::Raw(b), _) => out.extend_from_slice(b),
            (V::Int(v), T::Int8) => out.push(i8::try_from(v).map_err(|_| out_of_range())? as u8),
            (V::Int(v), T::Int16) => {
                e.put_u16(out, i16::try_from(v).map_err(|_| out_of_range())? as u16)
            }
            (V::Int(v), T::Int32) => {
                e.put_u32(out, i32::try_from(v).map_err(|_| out_of_range())? as u32)
            }
            (V::Int(v), T::Int64)
            | (V::Errno(v), T::Errno)
            | (V::Fd(v), T::Fd)
            | (V::Pid(v), T::Pid) => e.put_i64(out, v),
            (V::Fd(v), T::Fd32) | (V::Pid(v), T::Pid32) => {
                e.put_u32(out, i32::try_from(v).map_err(|_| out_of_range())? as u32)
            }
            (V::Uint(v), T::Uint8) => out.push(u8::try_from(v).map_err(|_| out_of_range())?),
            (V::Uint(v), T::Uint16) => {
                e.put_u16(out, u16::try_from(v).map_err(|_| out_of_range())?)
            }
            (V::Uint(v), T::Uint32) => {
                e.put_u32(out, u32::try_from(v).map_err(|_| out_of_range())?)
            }
            (V::Uint(v), T::Uint64) | (V::RelTime(v), T::Reltime) | (V::AbsTime(v), T::Abstime) => {
                e.put_u64(out, v)
            }
            (
                V::Str(s) | V::Path(s) | V::RelPath { path: s, .. },
                T::Charbuf | T::Fspath | T::Fsrelpath,
            ) => put_cstr(out, s)?,
            (V::Bytes(b), T::Bytebuf | T::None | T::Ipv4net | T::Ipv6net | T::Ipnet) => {
                out.extend_from_slice(b)
            }
            (V::SockAddr(a), T::Sockaddr) => a.encode(out, e)?,
            (V::SockTuple(t), T::Socktuple) => t.encode(out, e)?,
            (V::FdList(l), T::Fdlist) => FdList::write(l.iter(), out, e)?,
            (V::SyscallId(v), T::Syscallid) | (V::Port(v), T::Port) => e.put_u16(out, v),
            (V::Signal(v), T::Sigtype)
            | (V::L4Proto(v), T::L4proto)
            | (V::SockFamily(v), T::Sockfamily) => out.push(v),
            (V::Bool(b), T::Bool) => e.put_u32(out, b as u32),
            (V::Ipv4(a), T::Ipv4addr) | (V::IpAddr(IpAddr::V4(a)), T::Ipaddr) => {
                out.extend_from_slice(&a.octets())
            }
            (V::Ipv6(a), T::Ipv6addr) | (V::IpAddr(IpAddr::V6(a)), T::Ipaddr) => {
                out.extend_from_slice(&a.octets())
            }
            (V::Dyn(d), T::Dyn) => {
                out.push(d.index);
                d.value()?.encode(d.ty.ty, out, e)?;
            }
            (V::Flags { value, .. }, T::Flags8) | (V::EnumFlags { value, .. }, T::Enumflags8) => {
                out.push(u8::try_from(value).map_err(|_| out_of_range())?)
            }
            (V::Flags { value, .. }, T::Flags16) | (V::EnumFlags { value, .. }, T::Enumflags16) => {
                e.put_u16(out, u16::try_from(value).map_err(|_| out_of_range())?)
            }
            (V::Flags { value, .. }, T::Flags32)
            | (V::EnumFlags { value, .. }, T::Enumflags32)
            | (V::Mode { value, .. }, T::Mode)
            | (V::Uid(value), T::Uid)
            | (V::Gid(value), T::Gid)
            | (V::Sigset(value), T::Sigset) => e.put_u32(out, value),
            (V::Double(v), T::Double) => e.put_u64(out, v.to_bits()),
            (V::StrArray(a), T::Charbufarray) => out.extend_from_slice(a.raw),
            (V::PairArray(a), T::CharbufPairArray) => out.extend_from_slice(a.raw),
            _ => return Err(mismatch()),
        }
        Ok(())
    }

    /// Whether the parameter is empty ("not available").
    pub const fn is_empty(&self) -> bool {
        matches!(self, ParamValue::Empty)
    }

    /// The value as a signed integer, for every integer-like kind whose value fits.
    pub fn as_i64(&self) -> Option<i64> {
        use ParamValue as V;
        match *self {
            V::Int(v) | V::Errno(v) | V::Fd(v) | V::Pid(v) => Some(v),
            _ => i64::try_from(self.as_u64()?).ok(),
        }
    }

    /// The value as an unsigned integer, for every integer-like kind whose value is not
    /// negative.
    pub fn as_u64(&self) -> Option<u64> {
        use ParamValue as V;
        Some(match *self {
            V::Int(v) | V::Errno(v) | V::Fd(v) | V::Pid(v) => u64::try_from(v).ok()?,
            V::Uint(v) | V::RelTime(v) | V::AbsTime(v) => v,
            V::SyscallId(v) | V::Port(v) => v as u64,
            V::Signal(v) | V::L4Proto(v) | V::SockFamily(v) => v as u64,
            V::Bool(b) => b as u64,
            V::Flags { value, .. } | V::EnumFlags { value, .. } | V::Mode { value, .. } => {
                value as u64
            }
            V::Uid(v) | V::Gid(v) | V::Sigset(v) => v as u64,
            V::Dyn(d) => return d.value().ok()?.as_u64(),
            _ => return None,
        })
    }

    /// The bytes of a string, path or buffer value.
    pub fn as_bytes(&self) -> Option<&'a [u8]> {
        use ParamValue as V;
        match *self {
            V::Str(s) | V::Path(s) | V::RelPath { path: s, .. } | V::Bytes(s) | V::Raw(s) => {
                Some(s)
            }
            _ => None,
        }
    }

    /// A DYN value replaced by the value it holds; any other value unchanged.
    pub fn flatten_dyn(self) -> Result<ParamValue<'a>, ErrorKind> {
        match self {
            ParamValue::Dyn(d) => d.value(),
            v => Ok(v),
        }
    }

    /// The raw rendering with print format `fmt` (see [`display_param`](Self::display_param)).
    ///
    /// Without the parameter type, negative integers print in hex and octal as 64-bit values,
    /// unsigned ones in decimal as 64-bit signed values, and an empty value prints `<NA>`.
    pub fn display(&self, fmt: PrintFormat) -> ParamDisplay<'a> {
        ParamDisplay {
            value: *self,
            fmt: Some(fmt),
            ty: None,
        }
    }

    /// libsinsp's raw rendering of this value as parameter `info`: its print format for
    /// integers, MODE and the value of a DYN, and its type for C's integer conversions (an
    /// INT8/16/32 in hex or octal is a 32-bit value; a UINT32 or UINT64 in decimal goes through
    /// a signed conversion) and for empty values (`NULL` for BYTEBUF, SOCKTUPLE, FDLIST, the
    /// arrays and DYN; `<NA>` otherwise).
    pub fn display_param(&self, info: &ParamInfo) -> ParamDisplay<'a> {
        ParamDisplay {
            value: *self,
            fmt: Some(info.fmt),
            ty: Some(info.ty),
        }
    }

    /// The stateless part of libsinsp's *resolved* rendering, if there is one: errno names of
    /// negative errnos and fds (`ENOENT`, `AT_FDCWD` for −100), flag names by the greedy walks
    /// (FLAGS, MODE), exact enum names (ENUMFLAGS), signal and syscall names, and durations in
    /// seconds (`0.5s`). `None` when nothing resolves (including PIDs, UIDs and non-negative fds,
    /// which need the state engine's tables).
    pub fn resolved(&self) -> Option<Resolved> {
        use ParamValue as V;
        let r = match *self {
            V::Errno(v) if v < 0 => Resolved::Name(table::errno_name(v.unsigned_abs())?),
            V::Fd(PPM_AT_FDCWD) => Resolved::Name("AT_FDCWD"),
            V::Fd(v) if v < 0 => Resolved::Name(table::errno_name(v.unsigned_abs())?),
            V::SyscallId(v) => Resolved::Name(table::syscall_name(v)?),
            V::Signal(v) => Resolved::Name(table::signal_name(v as u64)?),
            V::RelTime(v) if v != u64::MAX => Resolved::Seconds(v),
            V::Flags {
                value,
                table: Some(t),
            } => {
                flag_names(value, t).next()?;
                Resolved::Flags { value, table: t }
            }
            V::Mode {
                value,
                table: Some(t),
            } => {
                mode_names(value, t).next()?;
                Resolved::Mode { value, table: t }
            }
            V::EnumFlags {
                value,
                table: Some(t),
            } => {
                enum_names(value, t).next()?;
                Resolved::Enum { value, table: t }
            }
            V::Dyn(d) => return d.value().ok()?.resolved(),
            _ => return None,
        };
        Some(r)
    }
}

/// Runs `f`, taking back what it appended if it fails.
fn atomic(
    out: &mut Vec<u8>,
    f: impl FnOnce(&mut Vec<u8>) -> Result<(), ErrorKind>,
) -> Result<(), ErrorKind> {
    let start = out.len();
    let r = f(out);
    if r.is_err() {
        out.truncate(start);
    }
    r
}

fn put_cstr(out: &mut Vec<u8>, s: &[u8]) -> Result<(), ErrorKind> {
    if s.contains(&0) {
        return Err(ErrorKind::Malformed("string parameter contains a NUL byte"));
    }
    out.extend_from_slice(s);
    out.push(0);
    Ok(())
}

impl<'a> SockAddr<'a> {
    /// Parses the bytes of a PT_SOCKADDR parameter (family byte, then the address).
    pub fn parse(raw: &'a [u8], endian: Endian) -> Result<Self, ErrorKind> {
        let Some(&family) = raw.first() else {
            return Err(ErrorKind::Overrun {
                what: "PT_SOCKADDR",
                needed: 1,
                available: 0,
            });
        };
        Ok(match family {
            PPM_AF_INET => {
                need(raw, 7, "PT_SOCKADDR (IPv4)")?;
                SockAddr::V4 {
                    addr: ipv4_at(raw, 1),
                    port: endian.u16(raw, 5).unwrap_or_default(),
                }
            }
            PPM_AF_INET6 => {
                need(raw, 19, "PT_SOCKADDR (IPv6)")?;
                SockAddr::V6 {
                    addr: ipv6_at(raw, 1),
                    port: endian.u16(raw, 17).unwrap_or_default(),
                }
            }
            PPM_AF_UNIX => SockAddr::Unix(until_nul(&raw[1..])),
            family => SockAddr::Other { family },
        })
    }

    /// The `PPM_AF_*` family.
    pub const fn family(&self) -> u8 {
        match *self {
            SockAddr::V4 { .. } => PPM_AF_INET,
            SockAddr::V6 { .. } => PPM_AF_INET6,
            SockAddr::Unix(_) => PPM_AF_UNIX,
            SockAddr::Other { family } => family,
        }
    }

    /// Appends the wire bytes (nothing on error: a known family as `Other`, a NUL in a path).
    pub fn encode(&self, out: &mut Vec<u8>, endian: Endian) -> Result<(), ErrorKind> {
        atomic(out, |out| self.encode_unchecked(out, endian))
    }

    fn encode_unchecked(&self, out: &mut Vec<u8>, endian: Endian) -> Result<(), ErrorKind> {
        out.push(self.family());
        match *self {
            SockAddr::V4 { addr, port } => {
                out.extend_from_slice(&addr.octets());
                endian.put_u16(out, port);
            }
            SockAddr::V6 { addr, port } => {
                out.extend_from_slice(&addr.octets());
                endian.put_u16(out, port);
            }
            SockAddr::Unix(path) => put_cstr(out, path)?,
            SockAddr::Other { family } => {
                if matches!(family, PPM_AF_INET | PPM_AF_INET6 | PPM_AF_UNIX) {
                    return Err(mismatch());
                }
            }
        }
        Ok(())
    }
}

impl fmt::Display for SockAddr<'_> {
    /// `ip:port`, `ipv6:port`, the unix path, or `family N`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            SockAddr::V4 { addr, port } => write!(f, "{addr}:{port}"),
            SockAddr::V6 { addr, port } => write!(f, "{}:{port}", Ipv6Text(addr)),
            SockAddr::Unix(path) => write_lossy(f, path),
            SockAddr::Other { family } => write!(f, "family {family}"),
        }
    }
}

/// Whether libsinsp treats an IPv6 address as IPv4: `::ffff:a.b.c.d`, and also `::`.
pub fn is_ipv4_mapped(addr: &Ipv6Addr) -> bool {
    let o = addr.octets();
    o[..10].iter().all(|&b| b == 0)
        && ((o[10] == 0xff && o[11] == 0xff) || o[10..].iter().all(|&b| b == 0))
}

fn mapped_v4(addr: &Ipv6Addr) -> Ipv4Addr {
    ipv4_at(&addr.octets(), 12)
}

impl<'a> SockTuple<'a> {
    /// Parses the bytes of a PT_SOCKTUPLE parameter (family byte, then the endpoints).
    pub fn parse(raw: &'a [u8], endian: Endian) -> Result<Self, ErrorKind> {
        let Some(&family) = raw.first() else {
            return Err(ErrorKind::Overrun {
                what: "PT_SOCKTUPLE",
                needed: 1,
                available: 0,
            });
        };
        Ok(match family {
            PPM_AF_INET => {
                need(raw, 13, "PT_SOCKTUPLE (IPv4)")?;
                SockTuple::V4 {
                    src: ipv4_at(raw, 1),
                    sport: endian.u16(raw, 5).unwrap_or_default(),
                    dst: ipv4_at(raw, 7),
                    dport: endian.u16(raw, 11).unwrap_or_default(),
                }
            }
            PPM_AF_INET6 => {
                need(raw, 37, "PT_SOCKTUPLE (IPv6)")?;
                SockTuple::V6 {
                    src: ipv6_at(raw, 1),
                    sport: endian.u16(raw, 17).unwrap_or_default(),
                    dst: ipv6_at(raw, 19),
                    dport: endian.u16(raw, 35).unwrap_or_default(),
                }
            }
            PPM_AF_UNIX => {
                need(raw, 17, "PT_SOCKTUPLE (unix)")?;
                SockTuple::Unix {
                    src_ptr: endian.u64(raw, 1).unwrap_or_default(),
                    dst_ptr: endian.u64(raw, 9).unwrap_or_default(),
                    path: until_nul(&raw[17..]),
                }
            }
            family => SockTuple::Other { family },
        })
    }

    /// The `PPM_AF_*` family.
    pub const fn family(&self) -> u8 {
        match *self {
            SockTuple::V4 { .. } => PPM_AF_INET,
            SockTuple::V6 { .. } => PPM_AF_INET6,
            SockTuple::Unix { .. } => PPM_AF_UNIX,
            SockTuple::Other { family } => family,
        }
    }

    /// The IPv4 endpoints `(src, sport, dst, dport)`: of a V4 tuple, or of a V6 tuple whose two
    /// addresses are IPv4-mapped (or `::`), which libsinsp treats as IPv4 everywhere.
    pub fn as_v4(&self) -> Option<(Ipv4Addr, u16, Ipv4Addr, u16)> {
        match *self {
            SockTuple::V4 {
                src,
                sport,
                dst,
                dport,
            } => Some((src, sport, dst, dport)),
            SockTuple::V6 {
                src,
                sport,
                dst,
                dport,
            } if is_ipv4_mapped(&src) && is_ipv4_mapped(&dst) => {
                Some((mapped_v4(&src), sport, mapped_v4(&dst), dport))
            }
            _ => None,
        }
    }

    /// Appends the wire bytes (nothing on error: a known family as `Other`, a NUL in a path).
    pub fn encode(&self, out: &mut Vec<u8>, endian: Endian) -> Result<(), ErrorKind> {
        atomic(out, |out| self.encode_unchecked(out, endian))
    }

    fn encode_unchecked(&self, out: &mut Vec<u8>, endian: Endian) -> Result<(), ErrorKind> {
        out.push(self.family());
        match *self {
            SockTuple::V4 {
                src,
                sport,
                dst,
                dport,
            } => {
                out.extend_from_slice(&src.octets());
                endian.put_u16(out, sport);
                out.extend_from_slice(&dst.octets());
                endian.put_u16(out, dport);
            }
            SockTuple::V6 {
                src,
                sport,
                dst,
                dport,
            } => {
                out.extend_from_slice(&src.octets());
                endian.put_u16(out, sport);
                out.extend_from_slice(&dst.octets());
                endian.put_u16(out, dport);
            }
            SockTuple::Unix {
                src_ptr,
                dst_ptr,
                path,
            } => {
                endian.put_u64(out, src_ptr);
                endian.put_u64(out, dst_ptr);
                put_cstr(out, path)?;
            }
            SockTuple::Other { family } => {
                if matches!(family, PPM_AF_INET | PPM_AF_INET6 | PPM_AF_UNIX) {
                    return Err(mismatch());
                }
            }
        }
        Ok(())
    }
}

impl fmt::Display for SockTuple<'_> {
    /// `sip:sport->dip:dport` (IPv4-mapped IPv6 tuples in IPv4 form), unix
    /// `srchex->dsthex path`, or `family N`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some((src, sport, dst, dport)) = self.as_v4() {
            return write!(f, "{src}:{sport}->{dst}:{dport}");
        }
        match *self {
            SockTuple::V6 {
                src,
                sport,
                dst,
                dport,
            } => {
                write!(f, "{}:{sport}->{}:{dport}", Ipv6Text(src), Ipv6Text(dst))
            }
            SockTuple::Unix {
                src_ptr,
                dst_ptr,
                path,
            } => {
                write!(f, "{src_ptr:x}->{dst_ptr:x} ")?;
                write_lossy(f, path)
            }
            SockTuple::Other { family } => write!(f, "family {family}"),
            SockTuple::V4 { .. } => Ok(()),
        }
    }
}

/// Size of one PT_FDLIST entry: u64 fd, u16 flags.
const FDLIST_ENTRY: usize = 10;

impl<'a> FdList<'a> {
    /// Parses the bytes of a PT_FDLIST parameter: a u16 count, then the entries.
    pub fn parse(raw: &'a [u8], endian: Endian) -> Result<Self, ErrorKind> {
        need(raw, 2, "PT_FDLIST count")?;
        let n = endian.u16(raw, 0).unwrap_or_default() as usize;
        let len = n * FDLIST_ENTRY;
        need(&raw[2..], len, "PT_FDLIST entries")?;
        Ok(FdList {
            entries: &raw[2..2 + len],
            endian,
        })
    }

    /// Appends the wire bytes of a list of `(fd, flags)` entries; at most `u16::MAX` of them.
    pub fn write(
        entries: impl IntoIterator<Item = (i64, u16)>,
        out: &mut Vec<u8>,
        endian: Endian,
    ) -> Result<(), ErrorKind> {
        let start = out.len();
        endian.put_u16(out, 0);
        let mut n: u64 = 0;
        for (fd, flags) in entries {
            endian.put_i64(out, fd);
            endian.put_u16(out, flags);
            n += 1;
        }
        let Ok(n) = u16::try_from(n) else {
            out.truncate(start);
            return Err(ErrorKind::TooLargeToWrite {
                what: "PT_FDLIST entry count",
                len: n,
                max: u16::MAX as u64,
            });
        };
        let mut count = Vec::with_capacity(2);
        endian.put_u16(&mut count, n);
        out[start..start + 2].copy_from_slice(&count);
        Ok(())
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.entries.len() / FDLIST_ENTRY
    }

    /// Whether the list has no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Entry `i` as `(fd, flags)`.
    pub fn get(&self, i: usize) -> Option<(i64, u16)> {
        let at = i.checked_mul(FDLIST_ENTRY)?;
        Some((
            self.endian.i64(self.entries, at)?,
            self.endian.u16(self.entries, at + 8)?,
        ))
    }

    /// The entries, as `(fd, flags)`.
    pub fn iter(&self) -> FdListIter<'a> {
        FdListIter { list: *self, i: 0 }
    }
}

impl PartialEq for FdList<'_> {
    /// Lists are equal when their entries are, whatever their byte order.
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl Eq for FdList<'_> {}

impl<'a> IntoIterator for FdList<'a> {
    type Item = (i64, u16);
    type IntoIter = FdListIter<'a>;

    fn into_iter(self) -> FdListIter<'a> {
        self.iter()
    }
}

/// Iterator over the `(fd, flags)` entries of an [`FdList`].
#[derive(Debug, Clone)]
pub struct FdListIter<'a> {
    list: FdList<'a>,
    i: usize,
}

impl Iterator for FdListIter<'_> {
    type Item = (i64, u16);

    fn next(&mut self) -> Option<(i64, u16)> {
        let e = self.list.get(self.i)?;
        self.i += 1;
        Some(e)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.list.len().saturating_sub(self.i);
        (n, Some(n))
    }
}

impl ExactSizeIterator for FdListIter<'_> {}

impl fmt::Display for FdList<'_> {
    /// Space-separated `fd:flags` entries as libsinsp prints them, without the fd type
    /// character it inserts before the flags (`?` for an fd it does not know), which needs the
    /// fd table: the fd as unsigned decimal, the flags in lower-case hex, sign-extended from 16
    /// to 32 bits.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (fd, flags)) in self.iter().enumerate() {
            if i > 0 {
                f.write_char(' ')?;
            }
            write!(f, "{}:{:x}", fd as u64, flags as i16 as i32 as u32)?;
        }
        Ok(())
    }
}

/// Iterator over NUL-separated strings (one trailing NUL is ignored).
#[derive(Debug, Clone)]
pub struct NulSplit<'a> {
    rest: Option<&'a [u8]>,
}

impl<'a> NulSplit<'a> {
    /// Splits `raw` at each NUL, after dropping one trailing NUL; empty input gives nothing.
    pub fn new(raw: &'a [u8]) -> Self {
        let rest = match raw {
            [] => None,
            [body @ .., 0] => Some(body),
            body => Some(body),
        };
        NulSplit { rest }
    }
}

impl<'a> Iterator for NulSplit<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        let r = self.rest?;
        match r.iter().position(|&b| b == 0) {
            Some(i) => {
                self.rest = Some(&r[i + 1..]);
                Some(&r[..i])
            }
            None => {
                self.rest = None;
                Some(r)
            }
        }
    }
}

impl<'a> StrArray<'a> {
    /// Wraps NUL-separated strings.
    pub const fn new(raw: &'a [u8]) -> Self {
        StrArray { raw }
    }

    /// The bytes, as on the wire.
    pub const fn raw(&self) -> &'a [u8] {
        self.raw
    }

    /// The strings.
    pub fn iter(&self) -> NulSplit<'a> {
        NulSplit::new(self.raw)
    }

    /// Appends strings in this encoding: each followed by a NUL.
    pub fn write<'s>(strings: impl IntoIterator<Item = &'s [u8]>, out: &mut Vec<u8>) {
        for s in strings {
            out.extend_from_slice(s);
            out.push(0);
        }
    }
}

impl fmt::Display for StrArray<'_> {
    /// The strings joined by `.`, as libsinsp joins a CHARBUFARRAY.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, s) in self.iter().enumerate() {
            if i > 0 {
                f.write_char('.')?;
            }
            write_lossy(f, s)?;
        }
        Ok(())
    }
}

impl<'a> PairArray<'a> {
    /// Wraps NUL-separated strings, alternately keys and values.
    pub const fn new(raw: &'a [u8]) -> Self {
        PairArray { raw }
    }

    /// The bytes, as on the wire.
    pub const fn raw(&self) -> &'a [u8] {
        self.raw
    }

    /// The `(key, value)` pairs; a key without a value gets an empty one.
    pub fn iter(&self) -> PairIter<'a> {
        PairIter {
            inner: NulSplit::new(self.raw),
        }
    }
}

/// Iterator over the pairs of a [`PairArray`].
#[derive(Debug, Clone)]
pub struct PairIter<'a> {
    inner: NulSplit<'a>,
}

impl<'a> Iterator for PairIter<'a> {
    type Item = (&'a [u8], &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        let k = self.inner.next()?;
        Some((k, self.inner.next().unwrap_or_default()))
    }
}

impl fmt::Display for PairArray<'_> {
    /// `key:value` pairs joined by `,`, as libsinsp prints a CHARBUF_PAIR_ARRAY.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (k, v)) in self.iter().enumerate() {
            if i > 0 {
                f.write_char(',')?;
            }
            write_lossy(f, k)?;
            f.write_char(':')?;
            write_lossy(f, v)?;
        }
        Ok(())
    }
}

impl<'a> DynValue<'a> {
    /// The value, decoded as the selected type.
    pub fn value(&self) -> Result<ParamValue<'a>, ErrorKind> {
        ParamValue::decode_as(self.ty.ty, ParamAux::None, self.raw, self.endian)
    }
}

// ---------------------------------------------------------------------------------------------
// Names

/// The names of `value` in a FLAGS table, by libsinsp's greedy walk: in table order, a non-zero
/// entry matches when all its bits are still set, and its bits are then cleared; a zero entry
/// matches only when `value` is 0; the walk stops after a matching entry equal to `value`.
///
/// ```
/// use strata_scap::param::flag_names;
/// use strata_scap::table::flag_table;
/// let t = flag_table("file_flags").unwrap();
/// assert_eq!(flag_names(4097, t).collect::<Vec<_>>(), ["O_RDONLY", "O_CLOEXEC"]);
/// ```
pub fn flag_names(value: u32, table: &'static FlagTable) -> FlagNames {
    FlagNames {
        entries: table.entries,
        original: value,
        remaining: value,
        mode: false,
    }
}

/// The names of `value` in a MODE table, by libsinsp's walk for modes: like [`flag_names`],
/// except that the first entry equal to `value` ends the walk and is named whatever bits
/// earlier entries cleared.
///
/// ```
/// use strata_scap::param::mode_names;
/// use strata_scap::table::flag_table;
/// let t = flag_table("chmod_mode").unwrap();
/// assert_eq!(mode_names(0o640, t).collect::<Vec<_>>(), ["S_IRGRP", "S_IWUSR", "S_IRUSR"]);
/// ```
pub fn mode_names(value: u32, table: &'static FlagTable) -> FlagNames {
    FlagNames {
        mode: true,
        ..flag_names(value, table)
    }
}

/// Iterator returned by [`flag_names`] and [`mode_names`].
#[derive(Debug, Clone)]
pub struct FlagNames {
    entries: &'static [(&'static str, u32)],
    original: u32,
    remaining: u32,
    mode: bool,
}

impl Iterator for FlagNames {
    type Item = &'static str;

    fn next(&mut self) -> Option<&'static str> {
        while let Some((&(name, v), rest)) = self.entries.split_first() {
            self.entries = rest;
            if self.mode && v == self.original {
                self.entries = &[];
                return Some(name);
            }
            let hit = if v == 0 {
                self.original == 0
            } else {
                self.remaining & v == v
            };
            if hit {
                self.remaining &= !v;
                if v == self.original {
                    self.entries = &[];
                }
                return Some(name);
            }
        }
        None
    }
}

/// The names of `value` in an ENUMFLAGS table: every entry equal to it, in table order.
pub fn enum_names(value: u32, table: &'static FlagTable) -> EnumNames {
    EnumNames {
        entries: table.entries,
        value,
    }
}

/// Iterator returned by [`enum_names`].
#[derive(Debug, Clone)]
pub struct EnumNames {
    entries: &'static [(&'static str, u32)],
    value: u32,
}

impl Iterator for EnumNames {
    type Item = &'static str;

    fn next(&mut self) -> Option<&'static str> {
        while let Some((&(name, v), rest)) = self.entries.split_first() {
            self.entries = rest;
            if v == self.value {
                return Some(name);
            }
        }
        None
    }
}

/// The stateless resolved rendering of a parameter; see [`ParamValue::resolved`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Resolved {
    /// A single name: errno, `AT_FDCWD`, signal or syscall.
    Name(&'static str),
    /// FLAGS names by the greedy walk ([`flag_names`]), joined by `|`.
    Flags {
        /// The value.
        value: u32,
        /// Its table.
        table: &'static FlagTable,
    },
    /// MODE names by the mode walk ([`mode_names`]), joined by `|`.
    Mode {
        /// The value.
        value: u32,
        /// Its table.
        table: &'static FlagTable,
    },
    /// ENUMFLAGS names (exact matches), joined by `|`.
    Enum {
        /// The value.
        value: u32,
        /// Its table.
        table: &'static FlagTable,
    },
    /// A RELTIME in seconds, as C's `%lgs`.
    Seconds(u64),
}

fn join(f: &mut fmt::Formatter<'_>, names: impl Iterator<Item = &'static str>) -> fmt::Result {
    for (i, n) in names.enumerate() {
        if i > 0 {
            f.write_char('|')?;
        }
        f.write_str(n)?;
    }
    Ok(())
}

impl fmt::Display for Resolved {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Resolved::Name(n) => f.write_str(n),
            Resolved::Flags { value, table } => join(f, flag_names(value, table)),
            Resolved::Mode { value, table } => join(f, mode_names(value, table)),
            Resolved::Enum { value, table } => join(f, enum_names(value, table)),
            Resolved::Seconds(ns) => {
                write_g(f, ns as f64 / 1e9)?;
                f.write_char('s')
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Raw rendering

/// libsinsp's raw rendering of a value; see [`ParamValue::display_param`].
///
/// Types that libsinsp's `get_param_as_str` does not print (it shows `(n.a.)` for them) get a
/// natural rendering: BOOL as `true`/`false`, PORT, L4PROTO and SOCKFAMILY in decimal, IP
/// addresses as `inet_ntop` writes them, DOUBLE as `%lf`, the raw types like BYTEBUF. ABSTIME is
/// shown in UTC (libsinsp uses the local zone; see [`AbsTimeDisplay`]).
#[derive(Debug, Clone, Copy)]
pub struct ParamDisplay<'a> {
    value: ParamValue<'a>,
    /// `None`: each type's natural format.
    fmt: Option<PrintFormat>,
    ty: Option<ParamType>,
}

impl fmt::Display for ParamValue<'_> {
    /// The raw rendering with each type's natural print format: decimal, octal for MODE, and
    /// the dynamic type's own format for DYN.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        ParamDisplay {
            value: *self,
            fmt: None,
            ty: None,
        }
        .fmt(f)
    }
}

/// The bits C's `%X`/`%o` print for a signed integer: INT8/16/32 are promoted to 32-bit ints.
fn int_mask(ty: Option<ParamType>) -> u64 {
    match ty {
        Some(ParamType::Int8 | ParamType::Int16 | ParamType::Int32) => 0xffff_ffff,
        _ => u64::MAX,
    }
}

/// The value C's `%d` prints for an unsigned integer: a UINT32 as an `int32_t`, anything else
/// (UINT64, or of unknown width) as an `int64_t`.
fn uint_signed(v: u64, ty: Option<ParamType>) -> i64 {
    match ty {
        Some(ParamType::Uint32) => v as u32 as i32 as i64,
        _ => v as i64,
    }
}

/// An integer per print format: hex upper-case without `0x`, octal with a leading 0 (`%#o`),
/// 9-digit zero padded, or decimal.
fn write_int(f: &mut fmt::Formatter<'_>, signed: i64, bits: u64, fmt: PrintFormat) -> fmt::Result {
    match fmt {
        PrintFormat::Hex => write!(f, "{bits:X}"),
        PrintFormat::Oct if bits == 0 => f.write_char('0'),
        PrintFormat::Oct => write!(f, "0{bits:o}"),
        PrintFormat::PaddedDec => write!(f, "{signed:09}"),
        _ => write!(f, "{signed}"),
    }
}

impl fmt::Display for ParamDisplay<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use ParamValue as V;
        match self.value {
            V::Empty => f.write_str(match self.ty {
                Some(
                    ParamType::Bytebuf
                    | ParamType::Socktuple
                    | ParamType::Fdlist
                    | ParamType::Charbufarray
                    | ParamType::CharbufPairArray
                    | ParamType::Dyn,
                ) => "NULL",
                _ => "<NA>",
            }),
            V::Int(v) => write_int(
                f,
                v,
                v as u64 & int_mask(self.ty),
                self.fmt.unwrap_or(PrintFormat::Dec),
            ),
            // libsinsp prints unsigned integers through a signed conversion.
            V::Uint(v) => write_int(
                f,
                uint_signed(v, self.ty),
                v,
                self.fmt.unwrap_or(PrintFormat::Dec),
            ),
            V::Errno(v) | V::Fd(v) | V::Pid(v) => write!(f, "{v}"),
            V::Str(s) | V::Path(s) | V::RelPath { path: s, .. } => write_lossy(f, s),
            V::Bytes(b) | V::Raw(b) => write_printable(f, b),
            V::SockAddr(a) => a.fmt(f),
            V::SockTuple(t) => t.fmt(f),
            V::FdList(l) => l.fmt(f),
            V::SyscallId(v) | V::Port(v) => write!(f, "{v}"),
            V::Signal(v) | V::L4Proto(v) | V::SockFamily(v) => write!(f, "{v}"),
            V::RelTime(u64::MAX) => f.write_str("none"),
            V::RelTime(v) => write!(f, "{v}"),
            V::AbsTime(ns) => AbsTimeDisplay {
                ns,
                utc_offset_secs: 0,
            }
            .fmt(f),
            V::Bool(b) => f.write_str(if b { "true" } else { "false" }),
            V::Ipv4(a) | V::IpAddr(IpAddr::V4(a)) => a.fmt(f),
            V::Ipv6(a) | V::IpAddr(IpAddr::V6(a)) => Ipv6Text(a).fmt(f),
            V::Flags { value, .. } | V::EnumFlags { value, .. } => write!(f, "{value}"),
            V::Mode { value, .. } => {
                let fmt = self.fmt.unwrap_or(PrintFormat::Oct);
                write_int(f, value as i32 as i64, value as u64, fmt)
            }
            // `%d` of the u32: u32::MAX ("none") prints -1.
            V::Uid(v) | V::Gid(v) => write!(f, "{}", v as i32),
            V::Double(v) => write!(f, "{v:.6}"),
            V::Sigset(v) => {
                let mut first = true;
                for sig in 0..32u64 {
                    if v & (1 << sig) == 0 {
                        continue;
                    }
                    if let Some(name) = table::signal_name(sig + 1) {
                        if !first {
                            f.write_char(' ')?;
                        }
                        f.write_str(name)?;
                        first = false;
                    }
                }
                Ok(())
            }
            V::StrArray(a) => a.fmt(f),
            V::PairArray(a) => a.fmt(f),
            // libsinsp formats the value with the DYN parameter's own print format.
            V::Dyn(d) => match d.value() {
                Ok(v) => ParamDisplay {
                    value: v,
                    fmt: Some(self.fmt.unwrap_or(d.ty.fmt)),
                    ty: Some(d.ty.ty),
                }
                .fmt(f),
                Err(_) => write_printable(f, d.raw),
            },
        }
    }
}

/// Bytes as text, invalid UTF-8 replaced by U+FFFD.
fn write_lossy(f: &mut fmt::Formatter<'_>, b: &[u8]) -> fmt::Result {
    for chunk in b.utf8_chunks() {
        f.write_str(chunk.valid())?;
        if !chunk.invalid().is_empty() {
            f.write_char(char::REPLACEMENT_CHARACTER)?;
        }
    }
    Ok(())
}

/// Printable ASCII bytes as they are, every other byte as `.`.
fn write_printable(f: &mut fmt::Formatter<'_>, mut b: &[u8]) -> fmt::Result {
    while !b.is_empty() {
        let n = b
            .iter()
            .position(|c| !(0x20..0x7f).contains(c))
            .unwrap_or(b.len());
        // Printable ASCII is valid UTF-8.
        f.write_str(std::str::from_utf8(&b[..n]).unwrap_or_default())?;
        if n < b.len() {
            f.write_char('.')?;
            b = &b[n + 1..];
        } else {
            b = &[];
        }
    }
    Ok(())
}

/// An IPv6 address as glibc's `inet_ntop` writes it: the longest run of two or more zero groups
/// compressed, lower-case hex, and `::a.b.c.d` / `::ffff:a.b.c.d` for IPv4-compatible and
/// IPv4-mapped addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ipv6Text(pub Ipv6Addr);

impl fmt::Display for Ipv6Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut r = Ok(());
        ipv6_pieces(&self.0, |p| {
            if r.is_ok() {
                r = match p {
                    Ipv6Piece::Colon => f.write_char(':'),
                    Ipv6Piece::Group(g) => write!(f, "{g:x}"),
                    Ipv6Piece::V4(a) => a.fmt(f),
                };
            }
        });
        r
    }
}

/// One piece of an IPv6 address's text; see [`ipv6_pieces`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ipv6Piece {
    /// A `:`.
    Colon,
    /// A 16-bit group, written in lower-case hex without leading zeros.
    Group(u16),
    /// The last 32 bits as a dotted IPv4 address (IPv4-compatible and IPv4-mapped addresses).
    V4(Ipv4Addr),
}

/// The pieces of `addr`'s text as [`Ipv6Text`] writes it, in order, for writers that do not go
/// through `core::fmt`.
pub fn ipv6_pieces(addr: &Ipv6Addr, mut emit: impl FnMut(Ipv6Piece)) {
    let w = addr.segments();
    let (mut best_base, mut best_len) = (usize::MAX, 0);
    let mut i = 0;
    while i < 8 {
        if w[i] == 0 {
            let start = i;
            while i < 8 && w[i] == 0 {
                i += 1;
            }
            if i - start > best_len {
                (best_base, best_len) = (start, i - start);
            }
        } else {
            i += 1;
        }
    }
    if best_len < 2 {
        best_base = usize::MAX;
    }
    let in_run = |i: usize| best_base != usize::MAX && i >= best_base && i < best_base + best_len;
    for i in 0..8 {
        if in_run(i) {
            if i == best_base {
                emit(Ipv6Piece::Colon);
            }
            continue;
        }
        if i != 0 {
            emit(Ipv6Piece::Colon);
        }
        if i == 6 && best_base == 0 && (best_len == 6 || (best_len == 5 && w[5] == 0xffff)) {
            return emit(Ipv6Piece::V4(mapped_v4(addr)));
        }
        emit(Ipv6Piece::Group(w[i]));
    }
    if best_base != usize::MAX && best_base + best_len == 8 {
        emit(Ipv6Piece::Colon);
    }
}

/// An ABSTIME as libsinsp prints it, `YYYY-MM-DD HH:MM:SS.nnnnnnnnn +zzzz`, in the time zone
/// `utc_offset_secs` east of UTC (libsinsp uses the local zone; [`ParamValue`]'s `Display`
/// uses UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AbsTimeDisplay {
    /// Nanoseconds since the epoch.
    pub ns: u64,
    /// The zone's offset from UTC in seconds.
    pub utc_offset_secs: i32,
}

impl fmt::Display for AbsTimeDisplay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = (self.ns / 1_000_000_000) as i64 + self.utc_offset_secs as i64;
        let nsec = self.ns % 1_000_000_000;
        let days = secs.div_euclid(86_400);
        let sod = secs.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        let off = self.utc_offset_secs;
        let sign = if off < 0 { '-' } else { '+' };
        let off = off.unsigned_abs();
        write!(
            f,
            "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}.{nsec:09} {sign}{:02}{:02}",
            sod / 3600,
            sod / 60 % 60,
            sod % 60,
            off / 3600,
            off / 60 % 60
        )
    }
}

/// The proleptic Gregorian date `(year, month, day)` of a day count since 1970-01-01, for
/// rendering timestamps without a time library.
///
/// ```
/// assert_eq!(strata_scap::param::civil_from_days(0), (1970, 1, 1));
/// assert_eq!(strata_scap::param::civil_from_days(20_783), (2026, 11, 26));
/// ```
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + (m <= 2) as i64;
    (y, m, d)
}

/// A small fixed buffer to format numbers into without allocating.
struct StackBuf {
    buf: [u8; 48],
    len: usize,
}

impl StackBuf {
    fn new() -> Self {
        StackBuf {
            buf: [0; 48],
            len: 0,
        }
    }

    fn as_str(&self) -> &str {
        std::str::from_utf8(&self.buf[..self.len]).unwrap_or_default()
    }
}

impl fmt::Write for StackBuf {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len + s.len();
        self.buf
            .get_mut(self.len..end)
            .ok_or(fmt::Error)?
            .copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

fn trim_fraction(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

/// A float as C's `%g` (6 significant digits, trailing zeros dropped).
fn write_g(f: &mut fmt::Formatter<'_>, v: f64) -> fmt::Result {
    if v == 0.0 {
        return f.write_str(if v.is_sign_negative() { "-0" } else { "0" });
    }
    if v.is_nan() {
        return f.write_str("nan");
    }
    if v.is_infinite() {
        return f.write_str(if v > 0.0 { "inf" } else { "-inf" });
    }
    let mut sci = StackBuf::new();
    write!(sci, "{v:.5e}")?;
    let s = sci.as_str();
    let (mantissa, exp) = s.split_once('e').unwrap_or((s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if !(-4..6).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        write!(
            f,
            "{}e{sign}{:02}",
            trim_fraction(mantissa),
            exp.unsigned_abs()
        )
    } else {
        let mut fixed = StackBuf::new();
        write!(fixed, "{v:.*}", (5 - exp) as usize)?;
        f.write_str(trim_fraction(fixed.as_str()))
    }
}

#[cfg(test)]
mod until_nul_tests {
    use super::until_nul;

    #[test]
    fn finds_the_first_nul_at_every_position() {
        for len in 0..40 {
            let mut v: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
            assert_eq!(until_nul(&v), &v[..]);
            for z in 0..len {
                v[z] = 0;
                assert_eq!(until_nul(&v).len(), z, "len {len}, NUL at {z}");
                // A later NUL and bytes with the high bit set change nothing.
                let mut w = v.clone();
                if z + 1 < len {
                    w[z + 1] = 0x80;
                }
                w.push(0);
                assert_eq!(until_nul(&w).len(), z);
                v[z] = b'x';
            }
        }
        assert_eq!(
            until_nul(&[0x01, 0x80, 0xff, 0x00, 0x01]),
            &[0x01, 0x80, 0xff]
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::flag_table;
    use proptest::prelude::*;

    const L: Endian = Endian::Little;
    const B: Endian = Endian::Big;

    fn dec(ty: ParamType, raw: &[u8]) -> Result<ParamValue<'_>, ErrorKind> {
        ParamValue::decode_as(ty, ParamAux::None, raw, L)
    }

    fn enc(v: &ParamValue<'_>, ty: ParamType, endian: Endian) -> Vec<u8> {
        let mut out = Vec::new();
        v.encode(ty, &mut out, endian).unwrap();
        out
    }

    fn file_flags() -> &'static FlagTable {
        flag_table("file_flags").unwrap()
    }

    static DYN_TYPES: [DynType; 7] = [
        DynType {
            ty: ParamType::Bytebuf,
            fmt: PrintFormat::Hex,
        },
        DynType {
            ty: ParamType::Errno,
            fmt: PrintFormat::Dec,
        },
        DynType {
            ty: ParamType::Uint32,
            fmt: PrintFormat::Dec,
        },
        DynType {
            ty: ParamType::Uint64,
            fmt: PrintFormat::Hex,
        },
        DynType {
            ty: ParamType::Reltime,
            fmt: PrintFormat::Dec,
        },
        DynType {
            ty: ParamType::Sigtype,
            fmt: PrintFormat::Dec,
        },
        DynType {
            ty: ParamType::Charbuf,
            fmt: PrintFormat::Na,
        },
    ];

    /// The `aux` a parameter of type `ty` has in the table (for the tests).
    fn aux_for(ty: ParamType) -> ParamAux {
        use ParamType as T;
        match ty {
            T::Flags8 | T::Flags16 | T::Flags32 | T::Mode => ParamAux::Flags(file_flags()),
            T::Enumflags8 | T::Enumflags16 | T::Enumflags32 => {
                ParamAux::Flags(flag_table("socket_families").unwrap())
            }
            T::Dyn => ParamAux::Dyn(&DYN_TYPES),
            T::Fsrelpath => ParamAux::DirFd(1),
            _ => ParamAux::None,
        }
    }

    #[test]
    fn all_types_listed() {
        for (i, ty) in ParamType::ALL.iter().enumerate() {
            assert_eq!(*ty as usize, i);
            assert!(type_name(*ty).starts_with("PT_"));
        }
    }

    #[test]
    fn empty_for_every_type() {
        for ty in ParamType::ALL {
            assert_eq!(
                ParamValue::decode_as(ty, aux_for(ty), &[], L),
                Ok(ParamValue::Empty)
            );
        }
        for ty in [ParamType::Charbuf, ParamType::Fspath, ParamType::Fsrelpath] {
            let v = ParamValue::decode_as(ty, aux_for(ty), b"(NULL)\0", L).unwrap();
            assert_eq!(v, ParamValue::Empty);
        }
        let info = ParamInfo {
            name: "data",
            ty: ParamType::Bytebuf,
            fmt: PrintFormat::Na,
            aux: ParamAux::None,
        };
        assert_eq!(ParamValue::Empty.display_param(&info).to_string(), "NULL");
        assert_eq!(ParamValue::Empty.to_string(), "<NA>");
    }

    #[test]
    fn integers() {
        use ParamType as T;
        use ParamValue as V;
        assert_eq!(dec(T::Int8, &[0xff]), Ok(V::Int(-1)));
        assert_eq!(dec(T::Int16, &[0xfe, 0xff]), Ok(V::Int(-2)));
        assert_eq!(
            dec(T::Int32, &[1, 0, 0, 0x80]),
            Ok(V::Int(i32::MIN as i64 + 1))
        );
        assert_eq!(dec(T::Int64, &(-5i64).to_le_bytes()), Ok(V::Int(-5)));
        assert_eq!(dec(T::Uint8, &[200]), Ok(V::Uint(200)));
        assert_eq!(dec(T::Uint16, &[1, 2]), Ok(V::Uint(0x0201)));
        assert_eq!(dec(T::Uint32, &[1, 2, 3, 4]), Ok(V::Uint(0x04030201)));
        assert_eq!(
            dec(T::Uint64, &u64::MAX.to_le_bytes()),
            Ok(V::Uint(u64::MAX))
        );
        let be = ParamValue::decode_as(T::Uint32, ParamAux::None, &[1, 2, 3, 4], B);
        assert_eq!(be, Ok(V::Uint(0x01020304)));
        assert_eq!(dec(T::Errno, &(-2i64).to_le_bytes()), Ok(V::Errno(-2)));
        assert_eq!(dec(T::Fd, &(-100i64).to_le_bytes()), Ok(V::Fd(-100)));
        assert_eq!(dec(T::Fd32, &(-1i32).to_le_bytes()), Ok(V::Fd(-1)));
        assert_eq!(dec(T::Pid, &42i64.to_le_bytes()), Ok(V::Pid(42)));
        assert_eq!(dec(T::Pid32, &7i32.to_le_bytes()), Ok(V::Pid(7)));
        assert_eq!(dec(T::Syscallid, &[3, 0]), Ok(V::SyscallId(3)));
        assert_eq!(dec(T::Sigtype, &[9]), Ok(V::Signal(9)));
        assert_eq!(dec(T::Reltime, &5u64.to_le_bytes()), Ok(V::RelTime(5)));
        assert_eq!(dec(T::Abstime, &6u64.to_le_bytes()), Ok(V::AbsTime(6)));
        assert_eq!(dec(T::Port, &[0x50, 0]), Ok(V::Port(80)));
        assert_eq!(dec(T::L4proto, &[6]), Ok(V::L4Proto(6)));
        assert_eq!(dec(T::Sockfamily, &[2]), Ok(V::SockFamily(2)));
        assert_eq!(dec(T::Bool, &[0, 0, 0, 0]), Ok(V::Bool(false)));
        assert_eq!(dec(T::Bool, &[0, 1, 0, 0]), Ok(V::Bool(true)));
        assert_eq!(dec(T::Uid, &[0xff; 4]), Ok(V::Uid(u32::MAX)));
        assert_eq!(dec(T::Gid, &[5, 0, 0, 0]), Ok(V::Gid(5)));
        assert_eq!(dec(T::Double, &1.5f64.to_le_bytes()), Ok(V::Double(1.5)));
        assert_eq!(dec(T::Sigset, &[3, 0, 0, 0]), Ok(V::Sigset(3)));
        let ff = ParamAux::Flags(file_flags());
        assert_eq!(
            ParamValue::decode_as(T::Flags16, ff, &[7, 0], L),
            Ok(V::Flags {
                value: 7,
                table: Some(file_flags())
            })
        );
        assert_eq!(
            dec(T::Flags8, &[7]),
            Ok(V::Flags {
                value: 7,
                table: None
            })
        );
        assert_eq!(
            dec(T::Enumflags8, &[1]),
            Ok(V::EnumFlags {
                value: 1,
                table: None
            })
        );
        assert_eq!(
            dec(T::Enumflags32, &[1, 0, 0, 0]),
            Ok(V::EnumFlags {
                value: 1,
                table: None
            })
        );
        assert_eq!(
            dec(T::Mode, &[0xa4, 1, 0, 0]),
            Ok(V::Mode {
                value: 0o644,
                table: None
            })
        );
    }

    #[test]
    fn addresses_and_raw() {
        use ParamType as T;
        use ParamValue as V;
        assert_eq!(
            dec(T::Ipv4addr, &[10, 0, 0, 1]),
            Ok(V::Ipv4(Ipv4Addr::new(10, 0, 0, 1)))
        );
        let six = Ipv6Addr::LOCALHOST.octets();
        assert_eq!(dec(T::Ipv6addr, &six), Ok(V::Ipv6(Ipv6Addr::LOCALHOST)));
        assert_eq!(
            dec(T::Ipaddr, &[1, 2, 3, 4]),
            Ok(V::IpAddr(IpAddr::V4(Ipv4Addr::new(1, 2, 3, 4))))
        );
        assert_eq!(
            dec(T::Ipaddr, &six),
            Ok(V::IpAddr(IpAddr::V6(Ipv6Addr::LOCALHOST)))
        );
        assert!(dec(T::Ipaddr, &[1, 2, 3]).is_err());
        for ty in [T::None, T::Ipv4net, T::Ipv6net, T::Ipnet] {
            assert_eq!(dec(ty, &[1, 2]), Ok(V::Raw(&[1, 2])));
        }
    }

    #[test]
    fn wrong_sizes_error() {
        for ty in ParamType::ALL {
            let Some(n) = fixed_size(ty) else { continue };
            let short = vec![1u8; n - 1];
            let long = vec![1u8; n + 1];
            if n > 1 {
                assert!(
                    matches!(dec(ty, &short), Err(ErrorKind::Overrun { needed, .. }) if needed == n as u64),
                    "{ty:?}"
                );
            }
            assert!(
                matches!(dec(ty, &long), Err(ErrorKind::Malformed(_))),
                "{ty:?}"
            );
        }
        assert!(dec(ParamType::Sockaddr, &[PPM_AF_INET, 1, 2, 3, 4, 5]).is_err());
        assert!(dec(ParamType::Sockaddr, &[PPM_AF_INET6; 18]).is_err());
        assert!(dec(ParamType::Socktuple, &[PPM_AF_INET; 12]).is_err());
        assert!(dec(ParamType::Socktuple, &[PPM_AF_INET6; 36]).is_err());
        assert!(dec(ParamType::Socktuple, &[PPM_AF_UNIX; 16]).is_err());
        assert!(dec(ParamType::Fdlist, &[1]).is_err());
        assert!(dec(ParamType::Fdlist, &[2, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]).is_err());
    }

    #[test]
    fn strings() {
        use ParamType as T;
        use ParamValue as V;
        assert_eq!(dec(T::Charbuf, b"hello\0"), Ok(V::Str(b"hello")));
        assert_eq!(dec(T::Charbuf, b"\0"), Ok(V::Str(b"")));
        assert_eq!(dec(T::Charbuf, b"no-nul"), Ok(V::Str(b"no-nul")));
        assert_eq!(dec(T::Charbuf, b"a\0b\0"), Ok(V::Str(b"a")));
        assert_eq!(
            dec(T::Fspath, b"/etc/passwd\0"),
            Ok(V::Path(b"/etc/passwd"))
        );
        let rel = ParamValue::decode_as(T::Fsrelpath, ParamAux::DirFd(3), b"x\0", L);
        assert_eq!(
            rel,
            Ok(V::RelPath {
                path: b"x",
                dirfd_param: 3
            })
        );
        assert!(dec(T::Fsrelpath, b"x\0").is_err());
        assert_eq!(dec(T::Bytebuf, b"a\0b"), Ok(V::Bytes(b"a\0b")));
        let V::StrArray(a) = dec(T::Charbufarray, b"ls\0-l\0\0").unwrap() else {
            panic!()
        };
        assert_eq!(a.iter().collect::<Vec<_>>(), [&b"ls"[..], b"-l", b""]);
        assert_eq!(a.to_string(), "ls.-l.");
        let V::PairArray(p) = dec(T::CharbufPairArray, b"k\0v\0k2\0").unwrap() else {
            panic!()
        };
        assert_eq!(
            p.iter().collect::<Vec<_>>(),
            [(&b"k"[..], &b"v"[..]), (b"k2", b"")]
        );
        assert_eq!(p.to_string(), "k:v,k2:");
        assert_eq!(V::Str(b"caf\xc3\xa9 \xff").to_string(), "café \u{fffd}");
        assert_eq!(V::Bytes(b"GET /\r\n\x00\xff").to_string(), "GET /....");
    }

    #[test]
    fn sockaddr() {
        let mut raw = vec![PPM_AF_INET, 127, 0, 0, 1];
        raw.extend_from_slice(&8080u16.to_le_bytes());
        let v = dec(ParamType::Sockaddr, &raw).unwrap();
        let want = SockAddr::V4 {
            addr: Ipv4Addr::LOCALHOST,
            port: 8080,
        };
        assert_eq!(v, ParamValue::SockAddr(want));
        assert_eq!(v.to_string(), "127.0.0.1:8080");

        let mut raw = vec![PPM_AF_INET6];
        raw.extend_from_slice(&Ipv6Addr::LOCALHOST.octets());
        raw.extend_from_slice(&443u16.to_be_bytes());
        let v = ParamValue::decode_as(ParamType::Sockaddr, ParamAux::None, &raw, B).unwrap();
        assert_eq!(
            v,
            ParamValue::SockAddr(SockAddr::V6 {
                addr: Ipv6Addr::LOCALHOST,
                port: 443
            })
        );
        assert_eq!(v.to_string(), "::1:443");

        let v = dec(ParamType::Sockaddr, b"\x01/run/sock\0").unwrap();
        assert_eq!(v, ParamValue::SockAddr(SockAddr::Unix(b"/run/sock")));
        assert_eq!(v.to_string(), "/run/sock");
        let v = dec(ParamType::Sockaddr, &[16]).unwrap();
        assert_eq!(v, ParamValue::SockAddr(SockAddr::Other { family: 16 }));
        assert_eq!(v.to_string(), "family 16");
    }

    #[test]
    fn socktuple() {
        let mut raw = vec![PPM_AF_INET, 10, 0, 0, 1];
        raw.extend_from_slice(&40000u16.to_le_bytes());
        raw.extend_from_slice(&[1, 2, 3, 4]);
        raw.extend_from_slice(&80u16.to_le_bytes());
        let v = dec(ParamType::Socktuple, &raw).unwrap();
        assert_eq!(v.to_string(), "10.0.0.1:40000->1.2.3.4:80");
        let ParamValue::SockTuple(t) = v else {
            panic!()
        };
        assert_eq!(t.family(), PPM_AF_INET);

        let src: Ipv6Addr = "::ffff:10.0.0.1".parse().unwrap();
        let dst: Ipv6Addr = "::".parse().unwrap();
        let t6 = SockTuple::V6 {
            src,
            sport: 1,
            dst,
            dport: 2,
        };
        let bytes = enc(&ParamValue::SockTuple(t6), ParamType::Socktuple, L);
        assert_eq!(bytes.len(), 37);
        assert_eq!(
            dec(ParamType::Socktuple, &bytes),
            Ok(ParamValue::SockTuple(t6))
        );
        assert_eq!(t6.to_string(), "10.0.0.1:1->0.0.0.0:2");
        let real = SockTuple::V6 {
            src: "fe80::1".parse().unwrap(),
            sport: 1,
            dst,
            dport: 2,
        };
        assert_eq!(real.as_v4(), None);
        assert_eq!(real.to_string(), "fe80::1:1->:::2");

        let mut raw = vec![PPM_AF_UNIX];
        raw.extend_from_slice(&0xffff_8881_c5a0_e000u64.to_le_bytes());
        raw.extend_from_slice(&0u64.to_le_bytes());
        raw.extend_from_slice(b"/var/run/nscd/socket\0");
        let v = dec(ParamType::Socktuple, &raw).unwrap();
        assert_eq!(
            v,
            ParamValue::SockTuple(SockTuple::Unix {
                src_ptr: 0xffff_8881_c5a0_e000,
                dst_ptr: 0,
                path: b"/var/run/nscd/socket"
            })
        );
        assert_eq!(v.to_string(), "ffff8881c5a0e000->0 /var/run/nscd/socket");
        assert_eq!(
            dec(ParamType::Socktuple, &[17, 1, 2]).unwrap().to_string(),
            "family 17"
        );
    }

    #[test]
    fn fdlist() {
        let mut raw = Vec::new();
        FdList::write([(3, 1), (-1, 0x24)], &mut raw, L).unwrap();
        assert_eq!(raw.len(), 22);
        let v = dec(ParamType::Fdlist, &raw).unwrap();
        let ParamValue::FdList(l) = v else { panic!() };
        assert_eq!(l.len(), 2);
        assert_eq!(l.iter().collect::<Vec<_>>(), [(3, 1), (-1, 0x24)]);
        assert_eq!(v.to_string(), "3:1 18446744073709551615:24");
        let mut big = Vec::new();
        FdList::write([(3, 1), (-1, 0x24)], &mut big, B).unwrap();
        let big = ParamValue::decode_as(ParamType::Fdlist, ParamAux::None, &big, B).unwrap();
        assert_eq!(big, v);
        let mut neg = Vec::new();
        FdList::write([(5, 0x8001)], &mut neg, L).unwrap();
        let neg = dec(ParamType::Fdlist, &neg).unwrap();
        assert_eq!(neg.to_string(), "5:ffff8001");
        assert_eq!(dec(ParamType::Fdlist, &[0, 0]).unwrap().to_string(), "");
    }

    #[test]
    fn dyn_params() {
        let aux = ParamAux::Dyn(&DYN_TYPES);
        let mut raw = vec![3];
        raw.extend_from_slice(&255u64.to_le_bytes());
        let v = ParamValue::decode_as(ParamType::Dyn, aux, &raw, L).unwrap();
        let ParamValue::Dyn(d) = v else { panic!() };
        assert_eq!(d.index, 3);
        assert_eq!(d.value(), Ok(ParamValue::Uint(255)));
        assert_eq!(v.to_string(), "FF");
        assert_eq!(v.flatten_dyn(), Ok(ParamValue::Uint(255)));
        assert_eq!(enc(&v, ParamType::Dyn, L), raw);
        // With the parameter's info, its own print format applies (libsinsp's rule).
        let outer = ParamInfo {
            name: "val",
            ty: ParamType::Dyn,
            fmt: PrintFormat::Dec,
            aux,
        };
        assert_eq!(v.display_param(&outer).to_string(), "255");

        let mut raw = vec![1];
        raw.extend_from_slice(&(-2i64).to_le_bytes());
        let v = ParamValue::decode_as(ParamType::Dyn, aux, &raw, L).unwrap();
        assert_eq!(v.to_string(), "-2");
        assert_eq!(v.resolved().unwrap().to_string(), "ENOENT");

        assert!(ParamValue::decode_as(ParamType::Dyn, aux, &[99, 1], L).is_err());
        assert!(ParamValue::decode_as(ParamType::Dyn, aux, &[2, 1], L).is_err());
        assert!(dec(ParamType::Dyn, &[2, 1, 0, 0, 0]).is_err());
    }

    #[test]
    fn flags_greedy_walk() {
        let t = file_flags();
        let r = |v: u32| {
            ParamValue::Flags {
                value: v,
                table: Some(t),
            }
            .resolved()
            .map(|r| r.to_string())
        };
        assert_eq!(r(7).as_deref(), Some("O_CREAT|O_RDWR"));
        assert_eq!(r(0).as_deref(), Some("O_NONE"));
        assert_eq!(r(4097).as_deref(), Some("O_RDONLY|O_CLOEXEC"));
        assert_eq!(r(1).as_deref(), Some("O_RDONLY"));
        assert_eq!(r(3).as_deref(), Some("O_RDWR"));
        assert_eq!(r(0x4000_0000), None);
        let v = ParamValue::Flags {
            value: 7,
            table: Some(t),
        };
        assert_eq!(v.display(PrintFormat::Hex).to_string(), "7");
        assert_eq!(
            ParamValue::Flags {
                value: 7,
                table: None
            }
            .resolved(),
            None
        );

        let fam = flag_table("socket_families").unwrap();
        let e = ParamValue::EnumFlags {
            value: 1,
            table: Some(fam),
        };
        assert_eq!(e.resolved().unwrap().to_string(), "AF_LOCAL|AF_UNIX");
        assert_eq!(e.to_string(), "1");
        let e = ParamValue::EnumFlags {
            value: 2,
            table: Some(fam),
        };
        assert_eq!(e.resolved().unwrap().to_string(), "AF_INET");
        assert_eq!(
            ParamValue::EnumFlags {
                value: 9999,
                table: Some(fam)
            }
            .resolved(),
            None
        );
    }

    #[test]
    fn mode_and_print_formats() {
        use PrintFormat as F;
        let m = ParamValue::Mode {
            value: 0o644,
            table: None,
        };
        assert_eq!(m.to_string(), "0644");
        assert_eq!(
            ParamValue::Mode {
                value: 0,
                table: None
            }
            .to_string(),
            "0"
        );
        assert_eq!(m.display(F::Dec).to_string(), "420");
        let u = ParamValue::Uint(0xfd01);
        assert_eq!(u.display(F::Hex).to_string(), "FD01");
        assert_eq!(u.display(F::Oct).to_string(), "0176401");
        assert_eq!(u.display(F::Dec).to_string(), "64769");
        assert_eq!(
            ParamValue::Uint(42).display(F::PaddedDec).to_string(),
            "000000042"
        );
        assert_eq!(ParamValue::Uint(u64::MAX).to_string(), "-1");
        let i = ParamValue::Int(-1);
        assert_eq!(i.display(F::Hex).to_string(), "FFFFFFFFFFFFFFFF");
        let info = ParamInfo {
            name: "x",
            ty: ParamType::Int32,
            fmt: F::Hex,
            aux: ParamAux::None,
        };
        assert_eq!(i.display_param(&info).to_string(), "FFFFFFFF");
        assert_eq!(i.to_string(), "-1");
        assert_eq!(ParamValue::Uid(u32::MAX).to_string(), "-1");
        assert_eq!(ParamValue::Gid(1000).to_string(), "1000");
        assert_eq!(ParamValue::Bool(true).to_string(), "true");
        assert_eq!(ParamValue::Double(1.5).to_string(), "1.500000");
        assert_eq!(ParamValue::Sigset(1 | 1 << 8).to_string(), "SIGHUP SIGKILL");
        assert_eq!(ParamValue::Uid(0x8000_0000).to_string(), "-2147483648");

        let param = |ty, fmt| ParamInfo {
            name: "p",
            ty,
            fmt,
            aux: ParamAux::None,
        };
        let int8 = param(ParamType::Int8, F::Hex);
        assert_eq!(
            ParamValue::Int(-1).display_param(&int8).to_string(),
            "FFFFFFFF"
        );
        let int16 = param(ParamType::Int16, F::Oct);
        assert_eq!(
            ParamValue::Int(-1).display_param(&int16).to_string(),
            "037777777777"
        );
        let uint32 = param(ParamType::Uint32, F::Dec);
        let big = ParamValue::Uint(0xffff_fffe);
        assert_eq!(big.display_param(&uint32).to_string(), "-2");
        assert_eq!(big.to_string(), "4294967294");
        let uint64 = param(ParamType::Uint64, F::PaddedDec);
        assert_eq!(
            ParamValue::Uint(7).display_param(&uint64).to_string(),
            "000000007"
        );
        let mode_na = param(ParamType::Mode, F::Na);
        assert_eq!(m.display_param(&mode_na).to_string(), "420");
        let mode_oct = param(ParamType::Mode, F::Oct);
        assert_eq!(m.display_param(&mode_oct).to_string(), "0644");
    }

    #[test]
    fn mode_walk() {
        let chmod = flag_table("chmod_mode").unwrap();
        let mknod = flag_table("mknod_mode").unwrap();
        let r = |value, table| {
            ParamValue::Mode {
                value,
                table: Some(table),
            }
            .resolved()
            .map(|r| r.to_string())
        };
        assert_eq!(
            r(0o644, chmod).as_deref(),
            Some("S_IROTH|S_IRGRP|S_IWUSR|S_IRUSR")
        );
        assert_eq!(r(0o4000, chmod).as_deref(), Some("S_ISUID"));
        assert_eq!(r(0, chmod), None);
        // The entry equal to the value ends the walk even though S_IFCHR took some of its bits.
        assert_eq!(r(0o60000, mknod).as_deref(), Some("S_IFCHR|S_IFBLK"));
        assert_eq!(flag_names(0o60000, mknod).collect::<Vec<_>>(), ["S_IFCHR"]);
    }

    #[test]
    fn resolved_names() {
        assert_eq!(
            ParamValue::Errno(-2).resolved().unwrap().to_string(),
            "ENOENT"
        );
        assert_eq!(ParamValue::Errno(3).resolved(), None);
        assert_eq!(
            ParamValue::Fd(-100).resolved().unwrap().to_string(),
            "AT_FDCWD"
        );
        assert_eq!(ParamValue::Fd(-2).resolved().unwrap().to_string(), "ENOENT");
        assert_eq!(ParamValue::Fd(3).resolved(), None);
        assert_eq!(ParamValue::Pid(1).resolved(), None);
        assert_eq!(
            ParamValue::Signal(9).resolved().unwrap().to_string(),
            "SIGKILL"
        );
        assert_eq!(
            ParamValue::SyscallId(3).resolved().unwrap().to_string(),
            "read"
        );
        assert_eq!(ParamValue::Errno(i64::MIN).resolved(), None);
    }

    #[test]
    fn times() {
        let r = |ns: u64| ParamValue::RelTime(ns).resolved().unwrap().to_string();
        assert_eq!(r(500_000_000), "0.5s");
        assert_eq!(r(1_000_000_000), "1s");
        assert_eq!(r(0), "0s");
        assert_eq!(r(1), "1e-09s");
        assert_eq!(r(123_456_789), "0.123457s");
        assert_eq!(r(1_234_567_890_123), "1234.57s");
        assert_eq!(r(1_000_000_000_000_000), "1e+06s");
        assert_eq!(r(100_000), "0.0001s");
        assert_eq!(r(10_000), "1e-05s");
        assert_eq!(ParamValue::RelTime(u64::MAX).to_string(), "none");
        assert_eq!(ParamValue::RelTime(u64::MAX).resolved(), None);
        assert_eq!(ParamValue::RelTime(12).to_string(), "12");

        let t = ParamValue::AbsTime(1_700_000_000_123_456_789);
        assert_eq!(t.to_string(), "2023-11-14 22:13:20.123456789 +0000");
        let tz = AbsTimeDisplay {
            ns: 1_700_000_000_123_456_789,
            utc_offset_secs: -(5 * 3600 + 1800),
        };
        assert_eq!(tz.to_string(), "2023-11-14 16:43:20.123456789 -0530");
        assert_eq!(
            ParamValue::AbsTime(0).to_string(),
            "1970-01-01 00:00:00.000000000 +0000"
        );
        assert_eq!(
            AbsTimeDisplay {
                ns: 951_782_400_000_000_000,
                utc_offset_secs: 0
            }
            .to_string(),
            "2000-02-29 00:00:00.000000000 +0000"
        );
    }

    #[test]
    fn ipv6_text_like_inet_ntop() {
        let t = |s: &str| Ipv6Text(s.parse().unwrap()).to_string();
        assert_eq!(t("::"), "::");
        assert_eq!(t("::1"), "::1");
        assert_eq!(t("::ffff:1.2.3.4"), "::ffff:1.2.3.4");
        assert_eq!(t("::1.2.3.4"), "::1.2.3.4");
        assert_eq!(t("2001:db8::1"), "2001:db8::1");
        assert_eq!(t("2001:db8:0:1:0:0:0:1"), "2001:db8:0:1::1");
        assert_eq!(t("1:0:2:3:4:5:6:7"), "1:0:2:3:4:5:6:7");
        assert_eq!(t("fe80::"), "fe80::");
        assert_eq!(t("1:0:0:2:0:0:0:3"), "1:0:0:2::3");
    }

    #[test]
    fn encode_checks() {
        use ParamType as T;
        use ParamValue as V;
        let mut out = Vec::new();
        assert!(V::Int(300).encode(T::Int8, &mut out, L).is_err());
        assert!(V::Uint(1 << 40).encode(T::Uint32, &mut out, L).is_err());
        assert!(V::Fd(1 << 40).encode(T::Fd32, &mut out, L).is_err());
        assert!(
            V::Flags {
                value: 256,
                table: None
            }
            .encode(T::Flags8, &mut out, L)
            .is_err()
        );
        assert!(V::Str(b"a").encode(T::Uint32, &mut out, L).is_err());
        assert!(V::Str(b"a\0b").encode(T::Charbuf, &mut out, L).is_err());
        assert!(
            V::SockAddr(SockAddr::Other { family: 2 })
                .encode(T::Sockaddr, &mut out, L)
                .is_err()
        );
        assert!(out.is_empty());
        assert_eq!(enc(&V::Str(b"ab"), T::Charbuf, L), b"ab\0");
        assert_eq!(enc(&V::Path(b"ab"), T::Fsrelpath, L), b"ab\0");
        assert_eq!(enc(&V::Int(-2), T::Int16, B), [0xff, 0xfe]);
        assert_eq!(enc(&V::Empty, T::Int64, L), b"");
        assert_eq!(enc(&V::Raw(&[1, 2, 3]), T::Int64, L), [1, 2, 3]);
    }

    /// A valid value of type `ty`, built from random material.
    fn make_value<'a>(
        ty: ParamType,
        n: [u64; 4],
        text: &'a [u8],
        fdlist: FdList<'a>,
        dynv: DynValue<'a>,
    ) -> ParamValue<'a> {
        use ParamType as T;
        use ParamValue as V;
        let table = match aux_for(ty) {
            ParamAux::Flags(t) => Some(t),
            _ => None,
        };
        // Non-empty bytes (zero-length values read back as Empty).
        let bytes: &'a [u8] = if text.is_empty() { b"x" } else { text };
        let v4 = Ipv4Addr::from(n[1] as u32);
        let v6 = Ipv6Addr::from(((n[1] as u128) << 64) | n[2] as u128);
        match ty {
            T::None | T::Ipv4net | T::Ipv6net | T::Ipnet => V::Raw(bytes),
            T::Int8 => V::Int(n[0] as i8 as i64),
            T::Int16 => V::Int(n[0] as i16 as i64),
            T::Int32 => V::Int(n[0] as i32 as i64),
            T::Int64 => V::Int(n[0] as i64),
            T::Uint8 => V::Uint(n[0] as u8 as u64),
            T::Uint16 => V::Uint(n[0] as u16 as u64),
            T::Uint32 => V::Uint(n[0] as u32 as u64),
            T::Uint64 => V::Uint(n[0]),
            T::Charbuf if text == LEGACY_NULL => V::Empty,
            T::Charbuf => V::Str(text),
            T::Fspath => V::Path(text),
            T::Fsrelpath => V::RelPath {
                path: text,
                dirfd_param: 1,
            },
            T::Bytebuf => V::Bytes(bytes),
            T::Errno => V::Errno(n[0] as i64),
            T::Fd => V::Fd(n[0] as i64),
            T::Fd32 => V::Fd(n[0] as i32 as i64),
            T::Pid => V::Pid(n[0] as i64),
            T::Pid32 => V::Pid(n[0] as i32 as i64),
            T::Sockaddr => V::SockAddr(match n[3] % 4 {
                0 => SockAddr::V4 {
                    addr: v4,
                    port: n[0] as u16,
                },
                1 => SockAddr::V6 {
                    addr: v6,
                    port: n[0] as u16,
                },
                2 => SockAddr::Unix(text),
                _ => SockAddr::Other {
                    family: [0, 16, 17, 39][(n[0] % 4) as usize],
                },
            }),
            T::Socktuple => V::SockTuple(match n[3] % 4 {
                0 => SockTuple::V4 {
                    src: v4,
                    sport: n[0] as u16,
                    dst: Ipv4Addr::from(n[2] as u32),
                    dport: (n[0] >> 16) as u16,
                },
                1 => SockTuple::V6 {
                    src: v6,
                    sport: n[0] as u16,
                    dst: Ipv6Addr::from(n[2] as u128),
                    dport: (n[0] >> 16) as u16,
                },
                2 => SockTuple::Unix {
                    src_ptr: n[1],
                    dst_ptr: n[2],
                    path: text,
                },
                _ => SockTuple::Other {
                    family: [0, 16, 17, 39][(n[0] % 4) as usize],
                },
            }),
            T::Fdlist => V::FdList(fdlist),
            T::Syscallid => V::SyscallId(n[0] as u16),
            T::Sigtype => V::Signal(n[0] as u8),
            T::Reltime => V::RelTime(n[0]),
            T::Abstime => V::AbsTime(n[0]),
            T::Port => V::Port(n[0] as u16),
            T::L4proto => V::L4Proto(n[0] as u8),
            T::Sockfamily => V::SockFamily(n[0] as u8),
            T::Bool => V::Bool(n[0] & 1 == 1),
            T::Ipv4addr => V::Ipv4(v4),
            T::Ipv6addr => V::Ipv6(v6),
            T::Ipaddr if n[3] & 2 == 0 => V::IpAddr(IpAddr::V4(v4)),
            T::Ipaddr => V::IpAddr(IpAddr::V6(v6)),
            T::Dyn => V::Dyn(dynv),
            T::Flags8 => V::Flags {
                value: n[0] as u8 as u32,
                table,
            },
            T::Flags16 => V::Flags {
                value: n[0] as u16 as u32,
                table,
            },
            T::Flags32 => V::Flags {
                value: n[0] as u32,
                table,
            },
            T::Enumflags8 => V::EnumFlags {
                value: n[0] as u8 as u32,
                table,
            },
            T::Enumflags16 => V::EnumFlags {
                value: n[0] as u16 as u32,
                table,
            },
            T::Enumflags32 => V::EnumFlags {
                value: n[0] as u32,
                table,
            },
            T::Mode => V::Mode {
                value: n[0] as u32,
                table,
            },
            T::Uid => V::Uid(n[0] as u32),
            T::Gid => V::Gid(n[0] as u32),
            T::Double => {
                let d = f64::from_bits(n[0]);
                V::Double(if d.is_nan() { 0.25 } else { d })
            }
            T::Sigset => V::Sigset(n[0] as u32),
            T::Charbufarray => V::StrArray(StrArray::new(bytes)),
            T::CharbufPairArray => V::PairArray(PairArray::new(bytes)),
        }
    }

    /// Every parameter of the real event table decodes a value of its type, including each
    /// entry of its dynamic type table.
    #[test]
    fn every_table_param_decodes() {
        let mut fds = Vec::new();
        FdList::write([(1, 1)], &mut fds, L).unwrap();
        let fdlist = FdList::parse(&fds, L).unwrap();
        let n = [7, 0x0a00_0001, 2, 0];
        let mut checked = 0;
        for ev in crate::table::events() {
            for info in ev.params {
                let mut raws = Vec::new();
                if let ParamAux::Dyn(types) = info.aux {
                    for (i, dty) in types.iter().enumerate() {
                        let inner = make_value(
                            dty.ty,
                            n,
                            b"x",
                            fdlist,
                            DynValue {
                                index: 0,
                                ty: *dty,
                                raw: &[],
                                endian: L,
                            },
                        );
                        let mut raw = vec![i as u8];
                        inner.encode(dty.ty, &mut raw, L).unwrap();
                        raws.push(raw);
                    }
                } else {
                    let dummy = DynValue {
                        index: 0,
                        ty: DYN_TYPES[0],
                        raw: b"x",
                        endian: L,
                    };
                    let v = make_value(info.ty, n, b"x", fdlist, dummy);
                    let mut raw = Vec::new();
                    v.encode(info.ty, &mut raw, L).unwrap();
                    raws.push(raw);
                }
                for raw in &raws {
                    let v = ParamValue::decode(info, raw, L);
                    assert!(v.is_ok(), "{} {}: {v:?}", ev.enum_name, info.name);
                    let v = v.unwrap();
                    let _ = (
                        v.display_param(info).to_string(),
                        v.resolved().map(|r| r.to_string()),
                    );
                    checked += 1;
                }
            }
        }
        assert!(checked > 1000, "{checked}");
    }

    proptest! {
        #[test]
        fn round_trip(
            ty_index in 0usize..49,
            n in any::<[u64; 4]>(),
            text in proptest::collection::vec(1u8..=255, 0..40),
            fds in proptest::collection::vec(any::<(i64, u16)>(), 0..8),
            dyn_index in 0u8..7,
            big in any::<bool>(),
        ) {
            let ty = ParamType::ALL[ty_index];
            let endian = if big { B } else { L };
            let aux = aux_for(ty);
            let mut fd_raw = Vec::new();
            FdList::write(fds.iter().copied(), &mut fd_raw, endian).unwrap();
            let fdlist = FdList::parse(&fd_raw, endian).unwrap();
            let dty = DYN_TYPES[dyn_index as usize];
            let inner = make_value(dty.ty, n, &text, fdlist, DynValue { index: 0, ty: dty, raw: &[], endian });
            let mut inner_raw = Vec::new();
            inner.encode(dty.ty, &mut inner_raw, endian).unwrap();
            let dynv = DynValue { index: dyn_index, ty: dty, raw: &inner_raw, endian };

            let v = make_value(ty, n, &text, fdlist, dynv);
            let mut wire = Vec::new();
            v.encode(ty, &mut wire, endian).unwrap();
            if let Some(size) = fixed_size(ty) {
                prop_assert_eq!(wire.len(), size);
            }
            let back = ParamValue::decode_as(ty, aux, &wire, endian).unwrap();
            prop_assert_eq!(back, v);
            // Rendering never fails.
            let _ = back.to_string();
            let _ = back.resolved().map(|r| r.to_string());
        }

        #[test]
        fn decode_arbitrary_bytes_never_panics(
            raw in proptest::collection::vec(any::<u8>(), 0..64),
            big in any::<bool>(),
        ) {
            let endian = if big { B } else { L };
            let auxes = [
                ParamAux::None,
                ParamAux::Flags(file_flags()),
                ParamAux::Dyn(&DYN_TYPES),
                ParamAux::DirFd(0),
            ];
            for ty in ParamType::ALL {
                for aux in auxes {
                    let Ok(v) = ParamValue::decode_as(ty, aux, &raw, endian) else { continue };
                    let info = ParamInfo { name: "p", ty, fmt: PrintFormat::Hex, aux };
                    let _ = v.display_param(&info).to_string();
                    let _ = v.to_string();
                    let _ = v.resolved().map(|r| r.to_string());
                    let _ = (v.as_i64(), v.as_u64(), v.as_bytes());
                    // What decodes re-encodes, and decodes to the same thing again.
                    let mut once = Vec::new();
                    v.encode(ty, &mut once, endian).unwrap();
                    let again = ParamValue::decode_as(ty, aux, &once, endian).unwrap();
                    let mut twice = Vec::new();
                    again.encode(ty, &mut twice, endian).unwrap();
                    prop_assert_eq!(once, twice);
                }
            }
        }
    }
}
