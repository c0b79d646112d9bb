//! Typed field values, borrowed from the event or the state, and their sysdig text.

use std::fmt::{self, Write as _};
use std::net::{Ipv4Addr, Ipv6Addr};

use strata_scap::ParamValue;
use strata_scap::param::Ipv6Text;
use strata_scap::table::ParamInfo;

/// One extracted value. Nothing is formatted until it is written; strings and buffers borrow
/// from the event, the state, or the caller's scratch buffer.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Value<'a> {
    /// Text.
    Str(&'a str),
    /// Text that may not be UTF-8 (paths, names); written lossily.
    Bytes(&'a [u8]),
    /// A binary buffer; written with non-printable bytes as `.`.
    Buf(&'a [u8]),
    /// A signed integer.
    I64(i64),
    /// An unsigned integer.
    U64(u64),
    /// A boolean, written `true`/`false`.
    Bool(bool),
    /// A duration in nanoseconds, written as a number.
    RelTime(u64),
    /// Nanoseconds since the epoch, written as a number.
    AbsTime(u64),
    /// An IPv4 address.
    Ipv4(Ipv4Addr),
    /// An IPv6 address.
    Ipv6(Ipv6Addr),
    /// A port.
    Port(u16),
    /// A floating-point number.
    Double(f64),
    /// An event parameter, written as libsinsp's raw rendering of it.
    Param(ParamValue<'a>, &'static ParamInfo),
    /// Several values (the `fdlist.*` fields, ancestors); written comma-separated.
    List(&'a [Value<'a>]),
}

impl Value<'_> {
    /// The value as a signed integer, for integer kinds that fit.
    pub fn as_i64(&self) -> Option<i64> {
        match *self {
            Value::I64(v) => Some(v),
            Value::U64(v) | Value::RelTime(v) | Value::AbsTime(v) => i64::try_from(v).ok(),
            Value::Port(p) => Some(p as i64),
            Value::Bool(b) => Some(b as i64),
            Value::Param(p, _) => p.as_i64(),
            _ => None,
        }
    }

    /// The bytes of a text or buffer value.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match *self {
            Value::Str(s) => Some(s.as_bytes()),
            Value::Bytes(b) | Value::Buf(b) => Some(b),
            Value::Param(p, _) => p.as_bytes(),
            _ => None,
        }
    }
}

impl fmt::Display for Value<'_> {
    /// sysdig's text for the value, as `-p` prints it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Value::Str(s) => f.write_str(s),
            Value::Bytes(b) => write_lossy(f, b),
            Value::Buf(b) => write_printable(f, b),
            Value::I64(v) => write!(f, "{v}"),
            Value::U64(v) | Value::RelTime(v) | Value::AbsTime(v) => write!(f, "{v}"),
            Value::Bool(b) => f.write_str(if b { "true" } else { "false" }),
            Value::Ipv4(a) => write!(f, "{a}"),
            Value::Ipv6(a) => write!(f, "{}", Ipv6Text(a)),
            Value::Port(p) => write!(f, "{p}"),
            Value::Double(v) => write!(f, "{v:.6}"),
            Value::Param(p, info) => write!(f, "{}", p.display_param(info)),
            Value::List(items) => {
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_char(',')?;
                    }
                    v.fmt(f)?;
                }
                Ok(())
            }
        }
    }
}

/// Bytes as text, invalid UTF-8 replaced by U+FFFD.
pub(crate) fn write_lossy(w: &mut impl fmt::Write, b: &[u8]) -> fmt::Result {
    for chunk in b.utf8_chunks() {
        w.write_str(chunk.valid())?;
        if !chunk.invalid().is_empty() {
            w.write_char(char::REPLACEMENT_CHARACTER)?;
        }
    }
    Ok(())
}

/// Printable ASCII as it is, any other byte as `.` (libsinsp's normal buffer rendering).
pub(crate) fn write_printable(w: &mut impl fmt::Write, b: &[u8]) -> fmt::Result {
    for &c in b {
        w.write_char(if (0x20..0x7f).contains(&c) {
            c as char
        } else {
            '.'
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text() {
        assert_eq!(Value::Buf(b"a\0b\n").to_string(), "a.b.");
        assert_eq!(Value::Bytes(b"a\xffb").to_string(), "a\u{fffd}b");
        assert_eq!(Value::Bool(false).to_string(), "false");
        assert_eq!(Value::I64(-2).to_string(), "-2");
        let l = [Value::U64(1), Value::Str("x")];
        assert_eq!(Value::List(&l).to_string(), "1,x");
        assert_eq!(Value::Ipv6("::1".parse().unwrap()).to_string(), "::1");
    }
}
