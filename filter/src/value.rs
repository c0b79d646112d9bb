//! Values: what a [`Record`] hands over per event ([`Value`]), what constants and copied
//! values hold ([`Owned`]), and the parsing of constants to a field's [`Type`].

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use smallvec::SmallVec;

use crate::ast::Op;
use crate::schema::Type;

/// One value of a field for one event, borrowed from wherever the event source keeps it.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Value<'a> {
    /// A signed integer.
    Int(i64),
    /// An unsigned integer (also durations, times, ports).
    Uint(u64),
    /// A floating-point number.
    Double(f64),
    /// A boolean.
    Bool(bool),
    /// Text or a buffer.
    Bytes(&'a [u8]),
    /// An IPv4 address.
    Ipv4(Ipv4Addr),
    /// An IPv6 address.
    Ipv6(Ipv6Addr),
}

/// One event as a filter sees it: the values of fields.
///
/// ```
/// use strata_filter::{Record, Value};
/// /// A record whose only field, 0, is the text "bash".
/// struct One;
/// impl Record for One {
///     type Field = u32;
///     fn extract(&mut self, f: &u32, each: &mut dyn FnMut(Value<'_>) -> bool) -> bool {
///         if *f != 0 { return false; }
///         each(Value::Bytes(b"bash"));
///         true
///     }
/// }
/// ```
pub trait Record {
    /// The handle a [`Schema`](crate::Schema) resolved the field to.
    type Field;

    /// Hands each value of `field` for this event to `each`, stopping early when it returns
    /// `false`; returns whether the field has a value at all (`false` is libsinsp's failed
    /// extraction, which makes every comparison false). A single-valued field calls `each`
    /// once; a list may call it any number of times, including none.
    fn extract(&mut self, field: &Self::Field, each: &mut dyn FnMut(Value<'_>) -> bool) -> bool;

    /// The event's type code, if the source has codes (the ones of
    /// [`Schema::event_codes`](crate::Schema::event_codes)): an event-type check then tests
    /// the code instead of comparing names.
    fn event_code(&self) -> Option<u16> {
        None
    }

    /// The value of `field` when it has at most one, returned rather than handed to a
    /// callback: the fast way for the usual single-valued field. The default,
    /// [`Single::Many`], sends the caller to [`extract`](Self::extract), which must give the
    /// same answer.
    fn single(&mut self, field: &Self::Field) -> Single<'_> {
        let _ = field;
        Single::Many
    }

    /// For a field whose spec says [`compares_self`](crate::FieldSpec::compares_self):
    /// whether the event passes `field OP values` (no values for `exists`, one for the
    /// operators that take one). The default: it does not.
    fn compare_self(&mut self, field: &Self::Field, op: Op, values: &[Owned]) -> bool {
        let _ = (field, op, values);
        false
    }
}

/// What [`Record::single`] found.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Single<'a> {
    /// The field has no value (a failed extraction).
    Missing,
    /// The field has a value, which gives none of the filter's type.
    Empty,
    /// The field's one value.
    One(Value<'a>),
    /// Ask [`Record::extract`]: the field may have several values.
    Many,
}

/// A value that owns its bytes: constants, and values copied out of an event when two fields
/// are compared or a transformer rewrites them. Short bytes stay inline.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Owned {
    /// A signed integer.
    Int(i64),
    /// An unsigned integer.
    Uint(u64),
    /// A floating-point number.
    Double(f64),
    /// A boolean.
    Bool(bool),
    /// Text or a buffer.
    Bytes(SmallVec<[u8; 32]>),
    /// An address.
    Ip(IpAddr),
    /// A network: address and prefix length.
    Net(IpAddr, u8),
}

impl Owned {
    /// A copy of `v`.
    pub fn from_value(v: Value<'_>) -> Self {
        match v {
            Value::Int(x) => Owned::Int(x),
            Value::Uint(x) => Owned::Uint(x),
            Value::Double(x) => Owned::Double(x),
            Value::Bool(x) => Owned::Bool(x),
            Value::Bytes(b) => Owned::Bytes(SmallVec::from_slice(b)),
            Value::Ipv4(a) => Owned::Ip(IpAddr::V4(a)),
            Value::Ipv6(a) => Owned::Ip(IpAddr::V6(a)),
        }
    }

    /// The value as a borrowed [`Value`] (a network gives its address).
    pub fn as_value(&self) -> Value<'_> {
        match self {
            Owned::Int(x) => Value::Int(*x),
            Owned::Uint(x) => Value::Uint(*x),
            Owned::Double(x) => Value::Double(*x),
            Owned::Bool(x) => Value::Bool(*x),
            Owned::Bytes(b) => Value::Bytes(b),
            Owned::Ip(IpAddr::V4(a)) | Owned::Net(IpAddr::V4(a), _) => Value::Ipv4(*a),
            Owned::Ip(IpAddr::V6(a)) | Owned::Net(IpAddr::V6(a), _) => Value::Ipv6(*a),
        }
    }
}

/// Parses constant `text` for a field of type `ty` compared with `op`, as libsinsp's value
/// parser does; the error says why not.
pub(crate) fn parse_constant(raw: &[u8], ty: Type, op: Op) -> Result<Owned, String> {
    if matches!(ty, Type::Charbuf | Type::Fspath | Type::Bytebuf)
        && !matches!(op, Op::BContains | Op::BStartsWith)
    {
        if ty != Type::Bytebuf && raw.contains(&0) {
            return Err("filter value cannot contain a NUL byte (\\x00)".into());
        }
        return Ok(Owned::Bytes(SmallVec::from_slice(raw)));
    }
    let lossy = String::from_utf8_lossy(raw);
    let text: &str = &lossy;
    let not_number = || format!("{text} is not a valid number");
    if op == Op::BContains || op == Op::BStartsWith {
        return hex_bytes(text).map(|b| Owned::Bytes(SmallVec::from_vec(b)));
    }
    match ty {
        Type::Int(bits) => {
            let v = parse_signed(text).ok_or_else(not_number)?;
            Ok(Owned::Int(truncate_signed(v, bits)))
        }
        Type::Uint(bits) => Ok(Owned::Uint(truncate_unsigned(
            parse_unsigned(text).ok_or_else(not_number)?,
            bits,
        ))),
        Type::RelTime | Type::AbsTime => {
            Ok(Owned::Uint(parse_unsigned(text).ok_or_else(not_number)?))
        }
        Type::Double => {
            // libsinsp reads a DOUBLE constant as a 32-bit integer.
            let v: i32 = text.parse().map_err(|_| not_number())?;
            Ok(Owned::Double(v as f64))
        }
        Type::Bool => match text {
            "true" => Ok(Owned::Bool(true)),
            "false" => Ok(Owned::Bool(false)),
            _ => Err(format!("{text} is not a valid boolean")),
        },
        // Digits go through a C++ int (an error beyond it), then 16 bits; else a service name.
        Type::Port if text.is_empty() => Ok(Owned::Uint(0)),
        Type::Port => {
            match (!text.is_empty() && text.bytes().all(|c| c.is_ascii_digit())).then(|| {
                text.parse::<i32>()
                    .map_err(|_| format!("{text} is not a valid port"))
            }) {
                Some(v) => Ok(Owned::Uint(truncate_unsigned(v? as u64, 16))),
                None => service_port(text)
                    .map(|p| Owned::Uint(p as u64))
                    .ok_or_else(|| format!("unrecognized port {text}")),
            }
        }
        Type::Charbuf | Type::Fspath | Type::Bytebuf => {
            Ok(Owned::Bytes(SmallVec::from_slice(text.as_bytes())))
        }
        Type::Ipv4Addr => text
            .parse::<Ipv4Addr>()
            .map(|a| Owned::Ip(a.into()))
            .map_err(|_| format!("unrecognized IPv4 address {text}")),
        Type::Ipv6Addr => text
            .parse::<Ipv6Addr>()
            .map(|a| Owned::Ip(a.into()))
            .map_err(|_| format!("unrecognized IPv6 address {text}")),
        Type::IpAddr => {
            if text.contains('.') {
                parse_constant(raw, Type::Ipv4Addr, op)
            } else {
                parse_constant(raw, Type::Ipv6Addr, op)
            }
        }
        Type::Ipv4Net | Type::Ipv6Net | Type::IpNet => {
            let v4 = match ty {
                Type::Ipv4Net => true,
                Type::Ipv6Net => false,
                _ => text.contains('.'),
            };
            let bad = || format!("unrecognized IP network {text}");
            let (addr, len) = text.split_once('/').ok_or_else(bad)?;
            let len: u8 = len.parse().map_err(|_| bad())?;
            let addr: IpAddr = if v4 {
                IpAddr::V4(addr.parse().map_err(|_| bad())?)
            } else {
                IpAddr::V6(addr.parse().map_err(|_| bad())?)
            };
            if len > if v4 { 32 } else { 128 } {
                return Err(bad());
            }
            Ok(Owned::Net(addr, len))
        }
    }
}

/// The digits of a number as libsinsp's `sscanf` reads them: leading blanks and a sign
/// allowed, nothing after; the sign and whether the digits overflow 64 bits.
fn digits(text: &str) -> Option<(bool, Option<u64>)> {
    let t = text.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (neg, d) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    if d.is_empty() || !d.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    Some((neg, d.parse::<u64>().ok()))
}

/// A decimal signed number; out of range it saturates, as `strtoll` does.
fn parse_signed(text: &str) -> Option<i64> {
    let (neg, v) = digits(text)?;
    Some(match (neg, v) {
        (false, Some(v)) => i64::try_from(v).unwrap_or(i64::MAX),
        (true, Some(v)) if v <= i64::MAX as u64 + 1 => (v as i128).wrapping_neg() as i64,
        (false, None) => i64::MAX,
        (true, _) => i64::MIN,
    })
}

/// A decimal unsigned number; a leading `-` wraps as C's `%u` does, and out of range it
/// saturates.
fn parse_unsigned(text: &str) -> Option<u64> {
    let (neg, v) = digits(text)?;
    let v = v.unwrap_or(u64::MAX);
    Some(if neg { v.wrapping_neg() } else { v })
}

pub(crate) fn truncate_signed(v: i64, bits: u8) -> i64 {
    match bits {
        8 => v as i8 as i64,
        16 => v as i16 as i64,
        32 => v as i32 as i64,
        _ => v,
    }
}

pub(crate) fn truncate_unsigned(v: u64, bits: u8) -> u64 {
    match bits {
        8 => v as u8 as u64,
        16 => v as u16 as u64,
        32 => v as u32 as u64,
        _ => v,
    }
}

fn hex_bytes(text: &str) -> Result<Vec<u8>, String> {
    let t = text.as_bytes();
    if t.len() % 2 != 0 || !t.iter().all(u8::is_ascii_hexdigit) {
        return Err(format!("invalid hex string: {text}"));
    }
    Ok(t.chunks(2)
        .map(|h| u8::from_str_radix(std::str::from_utf8(h).unwrap_or("0"), 16).unwrap_or(0))
        .collect())
}

/// A service name's port from `/etc/services`, as `getservbyname` gives it to libsinsp.
fn service_port(name: &str) -> Option<u16> {
    let text = std::fs::read_to_string("/etc/services").ok()?;
    text.lines().find_map(|line| {
        let line = line.split('#').next()?;
        let mut words = line.split_whitespace();
        let service = words.next()?;
        let port = words.next()?.split('/').next()?.parse().ok()?;
        (service == name || words.any(|alias| alias == name)).then_some(port)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constants() {
        let p = |t: &str, ty| parse_constant(t.as_bytes(), ty, Op::Eq);
        assert_eq!(p("-3", Type::Int(64)), Ok(Owned::Int(-3)));
        assert!(p("0x10", Type::Int(64)).is_err());
        assert!(p("3x", Type::Int(64)).is_err());
        assert_eq!(p("300", Type::Uint(8)), Ok(Owned::Uint(44)));
        assert_eq!(p("-1", Type::Uint(32)), Ok(Owned::Uint(u32::MAX as u64)));
        assert!(p("1.0", Type::Double).is_err());
        assert_eq!(p("2", Type::Double), Ok(Owned::Double(2.0)));
        assert!(p("True", Type::Bool).is_err());
        assert!(matches!(p("10.0.0.0/8", Type::IpNet), Ok(Owned::Net(_, 8))));
        assert!(p("10.0.0.0", Type::IpNet).is_err());
        assert!(p("::ffff:1.2.3.4", Type::IpAddr).is_err());
        assert_eq!(
            parse_constant(b"6869", Type::Bytebuf, Op::BContains),
            Ok(Owned::Bytes(SmallVec::from_slice(b"hi")))
        );
        assert!(parse_constant(b"686", Type::Bytebuf, Op::BContains).is_err());
        assert!(p("a\0b", Type::Charbuf).is_err());
    }
}
