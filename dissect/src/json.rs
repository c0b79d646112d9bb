//! Typed JSON, as libsinsp's JSON output gives fields: numbers for numeric and time types,
//! strings for text and addresses, booleans, `null` for a field without a value.
//!
//! [`Value`] serializes by its own kind; [`field_json`] types a field's value by the
//! field's declared type, as libsinsp does (`evt.time` is text in a line and the event's
//! timestamp in JSON; `evt.rawtime.ns` a padded text and a number).

use serde::ser::{Serialize, SerializeSeq, Serializer};
use serde_json::Value as Json;

use crate::fields::{Builtin as B, FieldRef};
use crate::registry::FieldType;
use crate::render::RenderOptions;
use crate::state::StateView;
use crate::value::Value;

impl Serialize for Value<'_> {
    /// Numbers for integers, durations, times and ports; booleans; strings (text written as
    /// in a line) for the rest; an array for several values.
    fn serialize<Ser: Serializer>(&self, s: Ser) -> Result<Ser::Ok, Ser::Error> {
        match *self {
            Value::I64(v) => s.serialize_i64(v),
            Value::U64(v) | Value::RelTime(v) | Value::AbsTime(v) => s.serialize_u64(v),
            Value::Port(p) => s.serialize_u16(p),
            Value::Bool(b) => s.serialize_bool(b),
            Value::Double(d) => s.serialize_f64(d),
            Value::List(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for v in items {
                    seq.serialize_element(v)?;
                }
                seq.end()
            }
            Value::Strs(_) if self.strs().next().is_none() => s.serialize_none(),
            Value::Strs(_) => s.collect_seq(self.strs()),
            Value::Param(p, _) => match (p.as_i64(), p.as_u64()) {
                (_, Some(u)) if p.as_bytes().is_none() => s.serialize_u64(u),
                (Some(i), _) if p.as_bytes().is_none() => s.serialize_i64(i),
                _ => s.collect_str(self),
            },
            _ => s.collect_str(self),
        }
    }
}

/// A field's value typed as libsinsp's JSON output types it, without building JSON: what
/// [`field_json`] writes, for writers that store values by type (Arrow columns).
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Typed<'a> {
    /// No value (`<NA>`; JSON's `null`).
    Null,
    /// A signed number.
    Int(i64),
    /// An unsigned number.
    Uint(u64),
    /// A floating-point number.
    Double(f64),
    /// A boolean.
    Bool(bool),
    /// Text.
    Text(&'a str),
    /// A list of texts, at least one, each ended by a NUL byte ([`items`](Typed::items)).
    List(&'a str),
}

impl<'a> Typed<'a> {
    /// The items of a [`Typed::List`] (none for other kinds).
    pub fn items(&self) -> impl Iterator<Item = &'a str> {
        let s = match *self {
            Typed::List(s) => s,
            _ => "",
        };
        s.split_terminator('\0')
    }

    /// As JSON: numbers, booleans, strings, an array of strings for a list.
    pub fn to_json(&self) -> Json {
        match *self {
            Typed::Null => Json::Null,
            Typed::Int(i) => Json::from(i),
            Typed::Uint(u) => Json::from(u),
            Typed::Double(d) => Json::from(d),
            Typed::Bool(b) => Json::Bool(b),
            Typed::Text(s) => Json::from(s),
            Typed::List(_) => Json::Array(self.items().map(Json::from).collect()),
        }
    }
}

/// The field's value for `view`'s event as libsinsp's JSON output types it: the event's
/// timestamp for the time fields (`evt.time`, `evt.datetime`, `evt.outputtime`, ...), the
/// number behind the padded texts (`evt.rawtime.ns`, `evt.latency.ns`, ...), else the
/// value typed by the field's declared type (a text field stays text even when its value
/// looks like a number), `null` when there is none.
pub fn field_json<S: StateView + ?Sized>(
    field: &FieldRef,
    view: &S,
    opts: &RenderOptions,
    scratch: &mut String,
) -> Json {
    field_typed(field, view, opts, scratch, &mut String::new()).to_json()
}

/// [`field_json`]'s value as [`Typed`]: text borrowed from the event or the state where it
/// is there as it is written, else written into `text` (as list items are); `scratch` is the
/// extraction's, as [`FieldRef::extract`]'s.
pub fn field_typed<'a, S: StateView + ?Sized>(
    field: &FieldRef,
    view: &'a S,
    opts: &RenderOptions,
    scratch: &'a mut String,
    text: &'a mut String,
) -> Typed<'a> {
    text.clear();
    if let Some(v) = field.plain_value(view, opts) {
        let kind = typed(&v, field.info().ty, text);
        return finish(kind, opts, text);
    }
    let ts = view.event().ts;
    if let Some(b) = field.info().builtin {
        match b {
            B::EvtTime
            | B::EvtTimeS
            | B::EvtTimeIso8601
            | B::EvtDatetime
            | B::EvtDatetimeS
            | B::EvtOutputtime => return Typed::Uint(ts),
            B::EvtRawtimeNs => return Typed::Uint(ts % 1_000_000_000),
            // A hexadecimal number, so text.
            B::FdDev => {
                return match field.extract(view, opts, scratch) {
                    Some(v) => {
                        write_text(&v, text);
                        Typed::Text(text)
                    }
                    None => Typed::Null,
                };
            }
            B::EvtReltime | B::EvtReltimeNs | B::EvtLatencyNs | B::EvtDeltatimeNs => {
                // The number the padded text is made of.
                return match field.extract(view, opts, scratch) {
                    Some(v) => number_of(&v).map_or(Typed::Null, Typed::Uint),
                    None => Typed::Null,
                };
            }
            _ => {}
        }
    }
    let Some(v) = field.extract(view, opts, scratch) else {
        return Typed::Null;
    };
    let kind = typed(&v, field.info().ty, text);
    finish(kind, opts, text)
}

/// What [`typed`] made of a value, as [`Typed`]: text sanitized as libsinsp 0.25 does, an
/// empty list as none.
#[inline(always)]
fn finish<'a>(kind: Kind<'a>, opts: &RenderOptions, text: &'a mut String) -> Typed<'a> {
    match kind {
        Kind::Text(borrowed) if opts.flavor != crate::render::Flavor::Libsinsp025 => {
            Typed::Text(borrowed.unwrap_or(text))
        }
        Kind::Text(borrowed) => {
            let clean = match borrowed {
                Some(b) => sanitize_025(b),
                None => sanitize_025(text),
            };
            match (clean, borrowed) {
                (Some(clean), _) => {
                    *text = clean;
                    Typed::Text(text)
                }
                (None, Some(b)) => Typed::Text(b),
                (None, None) => Typed::Text(text),
            }
        }
        Kind::List => {
            if text.is_empty() {
                Typed::Null
            } else {
                Typed::List(text)
            }
        }
        Kind::Other(t) => t,
    }
}

/// What [`typed`] made of a value: text (borrowed from the value, or else written to the
/// caller's buffer), list items (written there), or a value of its own.
enum Kind<'a> {
    Text(Option<&'a str>),
    List,
    Other(Typed<'static>),
}

/// libsinsp 0.25's `sanitize_string` on text that is already UTF-8: control characters, DEL,
/// C1 controls and Unicode non-characters become U+FFFD (invalid sequences already did).
/// `None` when nothing changes.
fn sanitize_025(s: &str) -> Option<String> {
    let bad = |c: char| {
        let cp = c as u32;
        cp < 0x20
            || (0x7f..=0x9f).contains(&cp)
            || (0xfdd0..=0xfdef).contains(&cp)
            || cp & 0xfffe == 0xfffe
    };
    s.chars().any(bad).then(|| {
        s.chars()
            .map(|c| if bad(c) { '\u{fffd}' } else { c })
            .collect()
    })
}

/// Appends `v`'s text to `text`.
fn write_text(v: &Value<'_>, text: &mut String) {
    if let Value::Str(s) = v {
        text.push_str(s);
        return;
    }
    let mut bytes = std::mem::take(text).into_bytes();
    v.write_to(&mut bytes);
    *text = match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    };
}

/// The text of `v` as it is in the value, when it is there (UTF-8, and all of it written).
fn borrowed_text<'a>(v: &Value<'a>) -> Option<&'a str> {
    match *v {
        Value::Str(s) => Some(s),
        Value::Bytes(b) => std::str::from_utf8(b).ok(),
        Value::Buf(b) | Value::Sanitized(b) if crate::text::all_printable(b) => {
            std::str::from_utf8(b).ok()
        }
        _ => None,
    }
}

/// `v` typed by the declared type `ty`; text that is not in `v` as written, and list items,
/// go to `text`.
#[inline(always)]
fn typed<'a>(v: &Value<'a>, ty: FieldType, text: &mut String) -> Kind<'a> {
    use FieldType as T;
    let as_text = |text: &mut String| match borrowed_text(v) {
        Some(b) => Kind::Text(Some(b)),
        None => {
            write_text(v, text);
            Kind::Text(None)
        }
    };
    if let Value::Strs(_) = v {
        // A list: each item as text, sanitized.
        for item in v.strs() {
            match sanitize_025(item) {
                Some(clean) => text.push_str(&clean),
                None => text.push_str(item),
            }
            text.push('\0');
        }
        return Kind::List;
    }
    match ty {
        T::Int16
        | T::Int32
        | T::Int64
        | T::Uint32
        | T::Uint64
        | T::AbsTime
        | T::RelTime
        | T::Port => match v {
            Value::U64(u) | Value::RelTime(u) | Value::AbsTime(u) => Kind::Other(Typed::Uint(*u)),
            _ => match v.as_i64() {
                Some(i) => Kind::Other(Typed::Int(i)),
                None => match number_of(v) {
                    Some(u) => Kind::Other(Typed::Uint(u)),
                    None => as_text(text),
                },
            },
        },
        T::Bool => match v {
            Value::Bool(b) => Kind::Other(Typed::Bool(*b)),
            _ => match v.as_i64() {
                Some(i) => Kind::Other(Typed::Bool(i != 0)),
                None => as_text(text),
            },
        },
        // libsinsp has no text for a network, only this.
        T::IpNet => Kind::Text(Some("<IPNET>")),
        T::Double => match v {
            Value::Double(d) => Kind::Other(Typed::Double(*d)),
            _ => as_text(text),
        },
        T::Dynamic => dynamic(v, text),
        T::Charbuf | T::Bytebuf | T::IpAddr => as_text(text),
    }
}

/// A value of a field whose type depends on the event, typed by its own kind.
fn dynamic<'a>(v: &Value<'a>, text: &mut String) -> Kind<'a> {
    match *v {
        Value::I64(i) => Kind::Other(Typed::Int(i)),
        Value::U64(u) | Value::RelTime(u) | Value::AbsTime(u) => Kind::Other(Typed::Uint(u)),
        Value::Port(p) => Kind::Other(Typed::Uint(p as u64)),
        Value::Bool(b) => Kind::Other(Typed::Bool(b)),
        Value::Double(d) => Kind::Other(Typed::Double(d)),
        Value::List(items) => {
            for item in items {
                write_text(item, text);
                text.push('\0');
            }
            Kind::List
        }
        Value::Param(p, _) if p.as_bytes().is_none() => match (p.as_u64(), p.as_i64()) {
            (Some(u), _) => Kind::Other(Typed::Uint(u)),
            (None, Some(i)) => Kind::Other(Typed::Int(i)),
            _ => {
                write_text(v, text);
                Kind::Text(None)
            }
        },
        _ => match borrowed_text(v) {
            Some(b) => Kind::Text(Some(b)),
            None => {
                write_text(v, text);
                Kind::Text(None)
            }
        },
    }
}

/// A number written as text (`"000000123"`), or a numeric value.
fn number_of(v: &Value<'_>) -> Option<u64> {
    match v {
        Value::U64(u) | Value::RelTime(u) | Value::AbsTime(u) => Some(*u),
        Value::Str(s) => s.parse().ok(),
        _ => v.as_i64().and_then(|i| u64::try_from(i).ok()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::Registry;
    use crate::state::Stateless;
    use crate::time::TimeZone;
    use strata_scap::{Block, Capture};

    #[test]
    fn values_serialize_by_kind() {
        let j = |v: Value<'_>| serde_json::to_string(&v).unwrap();
        assert_eq!(j(Value::I64(-3)), "-3");
        assert_eq!(j(Value::Strs("file\0ipv4\0")), r#"["file","ipv4"]"#);
        assert_eq!(j(Value::Strs("")), "null");
        assert_eq!(j(Value::AbsTime(7)), "7");
        assert_eq!(j(Value::Bool(true)), "true");
        assert_eq!(j(Value::Str("a\"b")), r#""a\"b""#);
        assert_eq!(j(Value::Bytes(b"/tmp")), r#""/tmp""#);
        assert_eq!(j(Value::Ipv4([10, 0, 0, 1].into())), r#""10.0.0.1""#);
        assert_eq!(
            j(Value::List(&[Value::U64(1), Value::Str("x")])),
            r#"[1,"x"]"#
        );
    }

    #[test]
    fn sanitized_as_libsinsp_025() {
        assert_eq!(
            sanitize_025("a\nb\u{85}c\u{fdd0}d\u{fffd}").as_deref(),
            Some("a\u{fffd}b\u{fffd}c\u{fffd}d\u{fffd}")
        );
        assert_eq!(sanitize_025("plain é"), None);
    }

    /// The plain fields' shortcut gives what their extraction gives, on every event of the
    /// demo capture, in both eras' readings.
    #[test]
    fn plain_values_are_the_extracted_ones() {
        use crate::render::Flavor;
        let cap = Capture::from_bytes(strata_scap::demo::capture()).unwrap();
        let reg = Registry::builtin();
        let names = [
            "evt.num",
            "evt.cpu",
            "evt.dir",
            "evt.type",
            "thread.tid",
            "evt.rawtime",
        ];
        let mut n = 0;
        for (i, b) in cap.blocks().enumerate() {
            let Block::Event(ev) = b.unwrap() else {
                continue;
            };
            let view = Stateless::new(ev, i as u64);
            for flavor in [Flavor::Sysdig029, Flavor::Libsinsp025] {
                let opts = RenderOptions::default().with_flavor(flavor);
                for name in names {
                    let f = FieldRef::parse(reg, name).unwrap();
                    let fast = f.plain_value(&view, &opts).expect("a plain field");
                    let mut s = String::new();
                    assert_eq!(Some(fast), f.extract(&view, &opts, &mut s), "{name}");
                    n += 1;
                }
            }
        }
        assert!(n > 100, "{n}");
    }

    #[test]
    fn fields_are_typed_as_declared() {
        let cap = Capture::from_bytes(strata_scap::demo::capture()).unwrap();
        let ev = cap
            .blocks()
            .find_map(|b| match b.unwrap() {
                Block::Event(e) => Some(e),
                _ => None,
            })
            .unwrap();
        let view = Stateless::new(ev, 1);
        let opts = RenderOptions::default().with_tz(TimeZone::UTC);
        let reg = Registry::builtin();
        let mut s = String::new();
        let f = |name: &str, s: &mut String| {
            field_json(&FieldRef::parse(reg, name).unwrap(), &view, &opts, s)
        };
        assert_eq!(f("evt.num", &mut s), Json::from(1u64));
        assert_eq!(f("evt.time", &mut s), Json::from(ev.ts));
        assert_eq!(
            f("evt.rawtime.ns", &mut s),
            Json::from(ev.ts % 1_000_000_000)
        );
        assert!(f("evt.type", &mut s).is_string());
        assert_eq!(f("fd.name", &mut s), Json::Null);
    }
}
