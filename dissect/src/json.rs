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
    let ts = view.event().ts;
    if let Some(b) = field.info().builtin {
        match b {
            B::EvtTime
            | B::EvtTimeS
            | B::EvtTimeIso8601
            | B::EvtDatetime
            | B::EvtDatetimeS
            | B::EvtOutputtime => return Json::from(ts),
            B::EvtRawtimeNs => return Json::from(ts % 1_000_000_000),
            // A hexadecimal number, so text.
            B::FdDev => {
                return field
                    .extract(view, opts, scratch)
                    .map_or(Json::Null, |v| Json::from(v.to_string()));
            }
            B::EvtReltime | B::EvtReltimeNs | B::EvtLatencyNs | B::EvtDeltatimeNs => {
                // The number the padded text is made of.
                return match field.extract(view, opts, scratch) {
                    Some(v) => number_of(&v).map_or(Json::Null, Json::from),
                    None => Json::Null,
                };
            }
            _ => {}
        }
    }
    let Some(v) = field.extract(view, opts, scratch) else {
        return Json::Null;
    };
    if let Value::Strs(_) = v {
        // A list: each item as text, `null` for none.
        let items: Vec<Json> = v
            .strs()
            .map(|s| Json::from(sanitize_025(s.to_owned())))
            .collect();
        return if items.is_empty() {
            Json::Null
        } else {
            Json::Array(items)
        };
    }
    let j = typed(&v, field.info().ty);
    match (j, opts.flavor) {
        (Json::String(s), crate::render::Flavor::Libsinsp025) => Json::String(sanitize_025(s)),
        (j, _) => j,
    }
}

/// libsinsp 0.25's `sanitize_string` on text that is already UTF-8: control characters, DEL,
/// C1 controls and Unicode non-characters become U+FFFD (invalid sequences already did).
fn sanitize_025(s: String) -> String {
    let bad = |c: char| {
        let cp = c as u32;
        cp < 0x20
            || (0x7f..=0x9f).contains(&cp)
            || (0xfdd0..=0xfdef).contains(&cp)
            || cp & 0xfffe == 0xfffe
    };
    if !s.chars().any(bad) {
        return s;
    }
    s.chars()
        .map(|c| if bad(c) { '\u{fffd}' } else { c })
        .collect()
}

/// `v` typed by the declared type `ty`.
pub(crate) fn typed(v: &Value<'_>, ty: FieldType) -> Json {
    use FieldType as T;
    match ty {
        T::Int16
        | T::Int32
        | T::Int64
        | T::Uint32
        | T::Uint64
        | T::AbsTime
        | T::RelTime
        | T::Port => match v {
            Value::U64(u) | Value::RelTime(u) | Value::AbsTime(u) => Json::from(*u),
            _ => v
                .as_i64()
                .map(Json::from)
                .or_else(|| number_of(v).map(Json::from))
                .unwrap_or_else(|| Json::from(v.to_string())),
        },
        T::Bool => match v {
            Value::Bool(b) => Json::Bool(*b),
            _ => v
                .as_i64()
                .map_or_else(|| Json::from(v.to_string()), |i| Json::Bool(i != 0)),
        },
        // libsinsp has no text for a network, only this.
        T::IpNet => Json::from("<IPNET>"),
        T::Double => match v {
            Value::Double(d) => Json::from(*d),
            _ => Json::from(v.to_string()),
        },
        T::Dynamic => serde_json::to_value(v).unwrap_or(Json::Null),
        T::Charbuf | T::Bytebuf | T::IpAddr => Json::from(v.to_string()),
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
            sanitize_025("a\nb\u{85}c\u{fdd0}d\u{fffd}".into()),
            "a\u{fffd}b\u{fffd}c\u{fffd}d\u{fffd}"
        );
        assert_eq!(sanitize_025("plain é".into()), "plain é");
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
