//! Byte order and a bounds-checked cursor over borrowed bytes.
//!
//! Every integer of a capture is in the writer's byte order, which the section header declares;
//! network addresses inside parameters stay in network order whatever the section says.

use crate::error::ErrorKind;

/// The byte order of a section.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Endian {
    /// Little-endian (what every known writer produces).
    #[default]
    Little,
    /// Big-endian (a section whose magic reads byte-swapped).
    Big,
}

macro_rules! read_int {
    ($name:ident, $t:ty, $n:expr) => {
        #[doc = concat!("Reads a `", stringify!($t), "` at `at`, or `None` if it does not fit.")]
        #[inline(always)]
        pub fn $name(self, b: &[u8], at: usize) -> Option<$t> {
            let s: [u8; $n] = b.get(at..at.checked_add($n)?)?.try_into().ok()?;
            Some(match self {
                Endian::Little => <$t>::from_le_bytes(s),
                Endian::Big => <$t>::from_be_bytes(s),
            })
        }
    };
}

macro_rules! write_int {
    ($name:ident, $t:ty) => {
        #[doc = concat!("Appends a `", stringify!($t), "` in this byte order.")]
        #[inline(always)]
        pub fn $name(self, out: &mut Vec<u8>, v: $t) {
            match self {
                Endian::Little => out.extend_from_slice(&v.to_le_bytes()),
                Endian::Big => out.extend_from_slice(&v.to_be_bytes()),
            }
        }
    };
}

impl Endian {
    read_int!(u16, u16, 2);
    read_int!(u32, u32, 4);
    read_int!(u64, u64, 8);
    read_int!(i16, i16, 2);
    read_int!(i32, i32, 4);
    read_int!(i64, i64, 8);
    write_int!(put_u16, u16);
    write_int!(put_u32, u32);
    write_int!(put_u64, u64);
    write_int!(put_i64, i64);
}

/// A forward cursor over a byte slice that reports what it failed to read.
#[derive(Debug, Clone)]
pub(crate) struct Cursor<'a> {
    buf: &'a [u8],
    pos: usize,
    endian: Endian,
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(buf: &'a [u8], endian: Endian) -> Self {
        Cursor {
            buf,
            pos: 0,
            endian,
        }
    }

    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    pub(crate) fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    pub(crate) fn rest(&self) -> &'a [u8] {
        &self.buf[self.pos..]
    }

    pub(crate) fn bytes(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], ErrorKind> {
        if n > self.remaining() {
            return Err(ErrorKind::Overrun {
                what,
                needed: n as u64,
                available: self.remaining() as u64,
            });
        }
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    pub(crate) fn u8(&mut self, what: &'static str) -> Result<u8, ErrorKind> {
        Ok(self.bytes(1, what)?[0])
    }

    pub(crate) fn u16(&mut self, what: &'static str) -> Result<u16, ErrorKind> {
        let b = self.bytes(2, what)?;
        Ok(self.endian.u16(b, 0).unwrap_or_default())
    }

    pub(crate) fn u32(&mut self, what: &'static str) -> Result<u32, ErrorKind> {
        let b = self.bytes(4, what)?;
        Ok(self.endian.u32(b, 0).unwrap_or_default())
    }

    pub(crate) fn u64(&mut self, what: &'static str) -> Result<u64, ErrorKind> {
        let b = self.bytes(8, what)?;
        Ok(self.endian.u64(b, 0).unwrap_or_default())
    }

    /// A `str16`: u16 length then that many bytes, at most `max` long.
    pub(crate) fn str16(&mut self, what: &'static str, max: usize) -> Result<&'a [u8], ErrorKind> {
        let len = self.u16(what)? as usize;
        if len > max {
            return Err(ErrorKind::StringTooLong {
                what,
                len: len as u64,
                max: max as u64,
            });
        }
        self.bytes(len, what)
    }
}

/// Appends a `str16` (u16 length, bytes).
pub(crate) fn put_str16(
    out: &mut Vec<u8>,
    endian: Endian,
    s: &[u8],
    what: &'static str,
) -> Result<(), ErrorKind> {
    let len = u16::try_from(s.len()).map_err(|_| ErrorKind::TooLargeToWrite {
        what,
        len: s.len() as u64,
        max: u16::MAX as u64,
    })?;
    endian.put_u16(out, len);
    out.extend_from_slice(s);
    Ok(())
}
