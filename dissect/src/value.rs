//! Typed field values, borrowed from the event or the state, and their sysdig text.

use std::fmt::{self, Write as _};
use std::net::{Ipv4Addr, Ipv6Addr};

use strata_scap::ParamValue;
use strata_scap::param::Ipv6Text;
use strata_scap::table::ParamInfo;

use crate::text::Text;
pub(crate) use crate::text::is_printable;

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
    /// Text of which only printable ASCII is written, any other byte left out: sysdig
    /// 0.29's fd names (libsinsp's `sanitize_string`). Its bytes, as
    /// [`as_bytes`](Value::as_bytes) gives them, are the name as it is, which is what
    /// libsinsp's filters compared.
    Sanitized(&'a [u8]),
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
    /// Several texts in one buffer, each ended by a NUL byte: a list-valued field whose
    /// items are built in the caller's scratch buffer (`fd.types`). Written as libsinsp
    /// writes a list, `(a,b)`; in JSON an array, or `null` when empty.
    Strs(&'a str),
}

impl<'a> Value<'a> {
    /// The items of a [`Value::Strs`] (none for other kinds).
    pub fn strs(&self) -> impl Iterator<Item = &'a str> {
        let s = match *self {
            Value::Strs(s) => s,
            _ => "",
        };
        s.split_terminator('\0')
    }

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
            Value::Bytes(b) | Value::Buf(b) | Value::Sanitized(b) => Some(b),
            Value::Param(p, _) => p.as_bytes(),
            _ => None,
        }
    }
}

impl Value<'_> {
    /// Appends the value's text to `out`: the same bytes as its [`Display`](fmt::Display), but
    /// strings, buffers and integers are copied or converted directly, without `core::fmt`.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        match *self {
            Value::Str(s) => out.extend_from_slice(s.as_bytes()),
            Value::Bytes(b) => out.push_lossy(b),
            Value::Buf(b) => out.push_printable(b),
            Value::Sanitized(b) => out.push_sanitized(b),
            Value::I64(v) => out.push_i64(v),
            Value::U64(v) | Value::RelTime(v) | Value::AbsTime(v) => out.push_u64(v),
            Value::Port(p) => out.push_u64(p as u64),
            Value::Ipv4(a) => out.push_ipv4(a),
            Value::Bool(b) => out.extend_from_slice(if b { b"true" } else { b"false" }),
            Value::List(items) => {
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    v.write_to(out);
                }
            }
            _ => Text::write_fmt(out, format_args!("{self}")),
        }
    }
}

/// Writes the printable ASCII bytes of `b`, leaving out the others, like `Text::push_sanitized`.
pub(crate) fn write_sanitized(w: &mut impl fmt::Write, b: &[u8]) -> fmt::Result {
    for part in b.split(|&c| !is_printable(c)) {
        if !part.is_empty() {
            // Printable ASCII is UTF-8.
            w.write_str(std::str::from_utf8(part).unwrap_or_default())?;
        }
    }
    Ok(())
}

impl fmt::Display for Value<'_> {
    /// sysdig's text for the value, as `-p` prints it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Value::Str(s) => f.write_str(s),
            Value::Bytes(b) => write_lossy(f, b),
            Value::Buf(b) => write_printable(f, b),
            Value::Sanitized(b) => write_sanitized(f, b),
            Value::I64(v) => write!(f, "{v}"),
            Value::U64(v) | Value::RelTime(v) | Value::AbsTime(v) => write!(f, "{v}"),
            Value::Bool(b) => f.write_str(if b { "true" } else { "false" }),
            Value::Ipv4(a) => write!(f, "{a}"),
            Value::Ipv6(a) => write!(f, "{}", Ipv6Text(a)),
            Value::Port(p) => write!(f, "{p}"),
            // libsinsp prints doubles with one decimal (`%.1lf`).
            Value::Double(v) => write!(f, "{v:.1}"),
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
            Value::Strs(_) => {
                f.write_char('(')?;
                for (i, v) in self.strs().enumerate() {
                    if i > 0 {
                        f.write_char(',')?;
                    }
                    f.write_str(v)?;
                }
                f.write_char(')')
            }
        }
    }
}

/// Bytes as text, invalid UTF-8 replaced by U+FFFD.
pub(crate) fn write_lossy(w: &mut impl fmt::Write, b: &[u8]) -> fmt::Result {
    if let Ok(s) = std::str::from_utf8(b) {
        return w.write_str(s);
    }
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
        assert_eq!(Value::Strs("file\0ipv4\0").to_string(), "(file,ipv4)");
        assert_eq!(Value::Strs("").to_string(), "()");
        assert_eq!(Value::Buf(b"a\0b\n").to_string(), "a.b.");
        assert_eq!(Value::Bytes(b"a\xffb").to_string(), "a\u{fffd}b");
        assert_eq!(
            Value::Sanitized(b"/run/x.sock\n\x7f\xc3\xa9\t!").to_string(),
            "/run/x.sock!"
        );
        assert_eq!(Value::Sanitized(b"\n").as_bytes(), Some(&b"\n"[..]));
        assert_eq!(Value::Bool(false).to_string(), "false");
        assert_eq!(Value::I64(-2).to_string(), "-2");
        let l = [Value::U64(1), Value::Str("x")];
        assert_eq!(Value::List(&l).to_string(), "1,x");
        assert_eq!(Value::Ipv6("::1".parse().unwrap()).to_string(), "::1");
    }

    #[test]
    fn write_to_matches_display() {
        let l = [Value::I64(-7), Value::Bytes(b"\xff\xfex")];
        let values = [
            Value::Str("abc"),
            Value::Bytes(b"a\xffb\xc3"),
            Value::Bytes("ünï".as_bytes()),
            Value::Buf(b"a\0b\n\x7f\x80"),
            Value::Sanitized(b"a\0b\n\x7f\x80~ "),
            Value::Sanitized(b"/tmp/x"),
            Value::I64(i64::MIN),
            Value::I64(0),
            Value::I64(-1),
            Value::U64(u64::MAX),
            Value::U64(9),
            Value::U64(10),
            Value::U64(99),
            Value::U64(100),
            Value::U64(1_000_001),
            Value::RelTime(12345),
            Value::Port(8080),
            Value::Bool(true),
            Value::Double(1.5),
            Value::Ipv4([10, 0, 0, 1].into()),
            Value::List(&l),
        ];
        for v in values {
            let mut out = Vec::new();
            v.write_to(&mut out);
            assert_eq!(String::from_utf8(out).unwrap(), v.to_string(), "{v:?}");
        }
    }
}
