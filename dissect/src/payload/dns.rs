//! DNS messages (RFC 1035) over UDP and TCP port 53, with Wireshark's field names.
//!
//! A message over UDP is one datagram; over TCP it follows its two-byte length, in the same
//! event or, when the stream's earlier bytes are kept, written just before. Names follow
//! compression pointers, with a bound on the jumps, and print as Wireshark prints them
//! (labels joined by dots, `<Root>` for the root). The header's flags are present as
//! Wireshark shows them: `dns.flags.authoritative`, `dns.flags.recavail`,
//! `dns.flags.authenticated` and `dns.flags.rcode` only in responses. A message cut by the
//! capture gives what its whole records hold.

use std::net::{Ipv4Addr, Ipv6Addr};

use super::{Dissector, Payload, Transport, push_item};
use crate::registry::{Arg, FieldInfo, FieldType};
use crate::value::Value;

/// The DNS dissector.
#[derive(Debug, Clone, Copy, Default)]
pub struct Dns;

/// The fields, in the order [`Dissector::field`] numbers them.
const FIELDS: &[(&str, FieldType, &str)] = &[
    ("dns.id", FieldType::Uint64, "Transaction id."),
    (
        "dns.flags.response",
        FieldType::Bool,
        "Whether the message is a response.",
    ),
    (
        "dns.flags.opcode",
        FieldType::Uint64,
        "Kind of query (0 standard, 4 notify, 5 update).",
    ),
    (
        "dns.flags.authoritative",
        FieldType::Bool,
        "Whether the server is an authority for the domain (responses).",
    ),
    (
        "dns.flags.truncated",
        FieldType::Bool,
        "Whether the message was truncated to fit the transport.",
    ),
    (
        "dns.flags.recdesired",
        FieldType::Bool,
        "Whether recursion is asked for.",
    ),
    (
        "dns.flags.recavail",
        FieldType::Bool,
        "Whether the server can recurse (responses).",
    ),
    ("dns.flags.z", FieldType::Bool, "The reserved flag."),
    (
        "dns.flags.authenticated",
        FieldType::Bool,
        "Whether the answer was authenticated by the server (responses).",
    ),
    (
        "dns.flags.checkdisable",
        FieldType::Bool,
        "Whether unauthenticated data is acceptable.",
    ),
    (
        "dns.flags.rcode",
        FieldType::Uint64,
        "Response code (0 no error, 3 no such name; responses).",
    ),
    (
        "dns.count.queries",
        FieldType::Uint64,
        "Number of questions.",
    ),
    (
        "dns.count.answers",
        FieldType::Uint64,
        "Number of answer records.",
    ),
    (
        "dns.count.auth_rr",
        FieldType::Uint64,
        "Number of authority records.",
    ),
    (
        "dns.count.add_rr",
        FieldType::Uint64,
        "Number of additional records.",
    ),
    (
        "dns.qry.name",
        FieldType::Charbuf,
        "The names asked about (a list).",
    ),
    (
        "dns.qry.type",
        FieldType::Uint64,
        "The types asked for (a list: 1 A, 28 AAAA, ...).",
    ),
    (
        "dns.qry.class",
        FieldType::Uint64,
        "The classes asked for (a list: 1 IN).",
    ),
    (
        "dns.resp.name",
        FieldType::Charbuf,
        "The owner names of the records (a list).",
    ),
    (
        "dns.resp.type",
        FieldType::Uint64,
        "The records' types (a list).",
    ),
    (
        "dns.resp.ttl",
        FieldType::Uint64,
        "The records' time to live in seconds (a list).",
    ),
    (
        "dns.a",
        FieldType::IpAddr,
        "The IPv4 addresses of A records (a list).",
    ),
    (
        "dns.aaaa",
        FieldType::IpAddr,
        "The IPv6 addresses of AAAA records (a list).",
    ),
    (
        "dns.cname",
        FieldType::Charbuf,
        "The canonical names of CNAME records (a list).",
    ),
    (
        "dns.ns",
        FieldType::Charbuf,
        "The name servers of NS records (a list).",
    ),
    (
        "dns.ptr.domain_name",
        FieldType::Charbuf,
        "The names of PTR records (a list).",
    ),
    // Short names.
    (
        "dns.opcode",
        FieldType::Uint64,
        "Short for dns.flags.opcode.",
    ),
    ("dns.rcode", FieldType::Uint64, "Short for dns.flags.rcode."),
    ("dns.qname", FieldType::Charbuf, "Short for dns.qry.name."),
    ("dns.qtype", FieldType::Uint64, "Short for dns.qry.type."),
    (
        "dns.answers",
        FieldType::Charbuf,
        "The data of the answer records as text: addresses and names (a list).",
    ),
];

/// Field numbers.
mod f {
    pub const ID: usize = 0;
    pub const RESPONSE: usize = 1;
    pub const OPCODE: usize = 2;
    pub const AUTHORITATIVE: usize = 3;
    pub const TRUNCATED: usize = 4;
    pub const RECDESIRED: usize = 5;
    pub const RECAVAIL: usize = 6;
    pub const Z: usize = 7;
    pub const AUTHENTICATED: usize = 8;
    pub const CHECKDISABLE: usize = 9;
    pub const RCODE: usize = 10;
    pub const QUERIES: usize = 11;
    pub const ANSWERS: usize = 12;
    pub const AUTH_RR: usize = 13;
    pub const ADD_RR: usize = 14;
    pub const QRY_NAME: usize = 15;
    pub const QRY_TYPE: usize = 16;
    pub const QRY_CLASS: usize = 17;
    pub const RESP_NAME: usize = 18;
    pub const RESP_TYPE: usize = 19;
    pub const RESP_TTL: usize = 20;
    pub const A: usize = 21;
    pub const AAAA: usize = 22;
    pub const CNAME: usize = 23;
    pub const NS: usize = 24;
    pub const PTR: usize = 25;
    pub const OPCODE_SHORT: usize = 26;
    pub const RCODE_SHORT: usize = 27;
    pub const QNAME_SHORT: usize = 28;
    pub const QTYPE_SHORT: usize = 29;
    pub const ANSWERS_DATA: usize = 30;
}

/// Record types with names as data.
const T_A: u16 = 1;
const T_NS: u16 = 2;
const T_CNAME: u16 = 5;
const T_PTR: u16 = 12;
const T_AAAA: u16 = 28;

/// At most this many compression pointers are followed in one name.
const MAX_JUMPS: usize = 32;
/// At most this many questions and records are read (a message has 65,535 of each at most;
/// a 64 KB message cannot hold more than a few thousand).
const MAX_RECORDS: usize = 4096;

/// The message of a payload: after the length over TCP.
fn message<'a>(p: &Payload<'a>) -> Option<&'a [u8]> {
    let m = match p.fd.transport() {
        // The length written on its own just before (as resolvers often write it): it must
        // be the bytes this event moved.
        Transport::Tcp if written_before(p) => p.data,
        Transport::Tcp => {
            let len = u16::from_be_bytes([*p.data.first()?, *p.data.get(1)?]) as usize;
            let m = &p.data[2..];
            // A length that does not fit a header, or bytes beyond it: not a message start.
            if len < 12 || m.len() > len {
                return None;
            }
            m
        }
        _ => p.data,
    };
    (m.len() >= 12).then_some(m)
}

/// Whether the stream's kept bytes end with a two-byte length that is this event's size.
fn written_before(p: &Payload<'_>) -> bool {
    let b = p.before;
    b.len() >= 2 && {
        let len = u16::from_be_bytes([b[b.len() - 2], b[b.len() - 1]]) as usize;
        len == p.moved && len >= 12
    }
}

fn u16_at(m: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*m.get(at)?, *m.get(at + 1)?]))
}

fn u32_at(m: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(m.get(at..at + 4)?.try_into().ok()?))
}

/// Reads the name at `at`; returns where the name ends in place (after its last label or
/// its first pointer). With `out`, writes the name's text there.
fn name(m: &[u8], mut at: usize, mut out: Option<&mut String>) -> Option<usize> {
    let mut end = None;
    let mut jumps = 0;
    let mut labels = 0;
    loop {
        let len = *m.get(at)? as usize;
        match len >> 6 {
            0 if len == 0 => {
                if labels == 0 {
                    if let Some(o) = out.as_deref_mut() {
                        o.push_str("<Root>");
                    }
                }
                return Some(end.unwrap_or(at + 1));
            }
            0 => {
                let label = m.get(at + 1..at + 1 + len)?;
                if let Some(o) = out.as_deref_mut() {
                    if labels > 0 {
                        o.push('.');
                    }
                    push_label(o, label);
                }
                labels += 1;
                at += 1 + len;
            }
            3 => {
                let target = (len & 0x3f) << 8 | *m.get(at + 1)? as usize;
                end.get_or_insert(at + 2);
                jumps += 1;
                // Pointers must lead backwards, and not forever.
                if jumps > MAX_JUMPS || target >= at {
                    return None;
                }
                at = target;
            }
            _ => return None,
        }
    }
}

/// A label's bytes as Wireshark writes them: printable ASCII as is, the rest as `\ddd`.
fn push_label(o: &mut String, label: &[u8]) {
    for &c in label {
        if (0x21..0x7f).contains(&c) {
            o.push(c as char);
        } else {
            use std::fmt::Write as _;
            let _ = write!(o, "\\{c:03}");
        }
    }
}

/// One question or record, as found.
struct Entry {
    name_at: usize,
    ty: u16,
    class: u16,
    /// TTL and data: records only.
    ttl: u32,
    data: Option<(usize, usize)>,
}

/// Calls `each` for every whole question (`records` false) or answer, authority and
/// additional record (`records` true), in order; stops at the first that is cut.
fn walk(m: &[u8], records: bool, mut each: impl FnMut(&Entry)) {
    let count = |i: usize| u16_at(m, 4 + 2 * i).unwrap_or(0) as usize;
    let questions = count(0).min(MAX_RECORDS);
    let rrs = (count(1) + count(2) + count(3)).min(MAX_RECORDS);
    let mut at = 12;
    for i in 0..questions + if records { rrs } else { 0 } {
        let Some(after) = name(m, at, None) else {
            return;
        };
        let (Some(ty), Some(class)) = (u16_at(m, after), u16_at(m, after + 2)) else {
            return;
        };
        let mut e = Entry {
            name_at: at,
            ty,
            class,
            ttl: 0,
            data: None,
        };
        at = after + 4;
        if i >= questions {
            let (Some(ttl), Some(len)) = (u32_at(m, at), u16_at(m, at + 4)) else {
                return;
            };
            let start = at + 6;
            let end = start + len as usize;
            if end > m.len() {
                return;
            }
            e.ttl = ttl;
            e.data = Some((start, end));
            at = end;
        }
        if records == (i >= questions) {
            each(&e);
        }
    }
}

impl Dissector for Dns {
    fn name(&self) -> &str {
        "dns"
    }

    fn fields(&self) -> Vec<FieldInfo> {
        let mut infos = super::field_infos("dns", FIELDS);
        // The questions and records, and their short names, are lists.
        for (i, info) in infos.iter_mut().enumerate() {
            if (f::QRY_NAME..=f::PTR).contains(&i) || i >= f::QNAME_SHORT {
                info.list = true;
            }
        }
        infos
    }

    fn recognizes(&self, p: &Payload<'_>) -> bool {
        matches!(p.fd.transport(), Transport::Udp | Transport::Tcp)
            && p.fd.has_port(53)
            && message(p).is_some()
    }
    fn field<'s>(
        &self,
        field: usize,
        p: &Payload<'_>,
        _arg: Option<&Arg>,
        scratch: &'s mut String,
    ) -> Option<Value<'s>> {
        let m = message(p)?;
        // The short names read as the long ones.
        let field = match field {
            f::OPCODE_SHORT => f::OPCODE,
            f::RCODE_SHORT => f::RCODE,
            f::QNAME_SHORT => f::QRY_NAME,
            f::QTYPE_SHORT => f::QRY_TYPE,
            other => other,
        };
        let flags = u16_at(m, 2)?;
        let response = flags & 0x8000 != 0;
        let bit = |b: u16| Some(Value::Bool(flags & b != 0));
        let answer_only = |v: Option<Value<'s>>| if response { v } else { None };
        let count = |i: usize| Some(Value::U64(u16_at(m, 4 + 2 * i)? as u64));
        match field {
            f::ID => Some(Value::U64(u16_at(m, 0)? as u64)),
            f::RESPONSE => Some(Value::Bool(response)),
            f::OPCODE => Some(Value::U64((flags >> 11 & 0xf) as u64)),
            f::AUTHORITATIVE => answer_only(bit(0x0400)),
            f::TRUNCATED => bit(0x0200),
            f::RECDESIRED => bit(0x0100),
            f::RECAVAIL => answer_only(bit(0x0080)),
            f::Z => bit(0x0040),
            f::AUTHENTICATED => answer_only(bit(0x0020)),
            f::CHECKDISABLE => bit(0x0010),
            f::RCODE => answer_only(Some(Value::U64((flags & 0xf) as u64))),
            f::QUERIES => count(0),
            f::ANSWERS => count(1),
            f::AUTH_RR => count(2),
            f::ADD_RR => count(3),
            _ => {
                list(m, field, scratch);
                (!scratch.is_empty()).then_some(Value::Strs(scratch.as_str()))
            }
        }
    }
}

/// Writes the items of list field `field` into `out`.
fn list(m: &[u8], field: usize, out: &mut String) {
    let questions = matches!(field, f::QRY_NAME | f::QRY_TYPE | f::QRY_CLASS);
    if field == f::ANSWERS_DATA {
        // The answer section only: the first ANCOUNT records.
        let answers = u16_at(m, 6).unwrap_or(0) as usize;
        let mut seen = 0;
        walk(m, true, |e| {
            seen += 1;
            if seen > answers {
                return;
            }
            let mark = out.len();
            for f in [f::A, f::AAAA, f::CNAME, f::NS, f::PTR] {
                record_data(m, e, f, out);
                if out.len() > mark {
                    break;
                }
            }
        });
        return;
    }
    walk(m, !questions, |e| match field {
        f::QRY_NAME | f::RESP_NAME => {
            let mark = out.len();
            if name(m, e.name_at, Some(out)).is_some() {
                out.push('\0');
            } else {
                out.truncate(mark);
            }
        }
        f::QRY_TYPE | f::RESP_TYPE => push_item(out, format_args!("{}", e.ty)),
        f::QRY_CLASS => push_item(out, format_args!("{}", e.class)),
        f::RESP_TTL => push_item(out, format_args!("{}", e.ttl)),
        _ => record_data(m, e, field, out),
    });
}

/// Writes the data of record `e` as field `field` (`dns.a`, `dns.aaaa`, `dns.cname`,
/// `dns.ns`, `dns.ptr.domain_name`) gives it, if the record is of that field's type.
fn record_data(m: &[u8], e: &Entry, field: usize, out: &mut String) {
    let Some((start, end)) = e.data else { return };
    let d = &m[start..end];
    match (field, e.ty, d.len()) {
        (f::A, T_A, 4) => push_item(
            out,
            format_args!("{}", Ipv4Addr::new(d[0], d[1], d[2], d[3])),
        ),
        (f::AAAA, T_AAAA, 16) => {
            let a: [u8; 16] = d.try_into().expect("16 bytes");
            push_item(out, format_args!("{}", Ipv6Addr::from(a)));
        }
        (f::CNAME, T_CNAME, _) | (f::NS, T_NS, _) | (f::PTR, T_PTR, _) => {
            let mark = out.len();
            match name(m, start, Some(out)) {
                Some(_) => out.push('\0'),
                None => out.truncate(mark),
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::payload::{Direction, FdContext};

    fn udp(data: &[u8]) -> Payload<'_> {
        Payload::new(
            data,
            Direction::In,
            FdContext::Socket {
                transport: Transport::Udp,
                ips: [None, None],
                ports: [Some(40251), Some(53)],
            },
        )
    }

    fn get(p: &Payload<'_>, name: &str) -> Option<String> {
        let i = FIELDS.iter().position(|f| f.0 == name).unwrap();
        let mut s = String::new();
        Dns.field(i, p, None, &mut s).map(|v| match v {
            Value::Strs(_) => v.strs().collect::<Vec<_>>().join(","),
            v => v.to_string(),
        })
    }

    /// curl_google's query and answer (an AAAA of www.google.com).
    const QUERY: &str = "0702010000010000000000000377777706676f6f676c6503636f6d00001c0001";
    const ANSWER: &str = "0702818000010001000000000377777706676f6f676c6503636f6d00001c0001c00c001c00010000012b00102607f8b0400408020000000000002004";

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn query_and_answer() {
        let q = hex(QUERY);
        let p = udp(&q);
        assert!(Dns.recognizes(&p));
        assert_eq!(get(&p, "dns.id").as_deref(), Some("1794"));
        assert_eq!(get(&p, "dns.flags.response").as_deref(), Some("false"));
        assert_eq!(get(&p, "dns.flags.rcode"), None);
        assert_eq!(get(&p, "dns.qry.name").as_deref(), Some("www.google.com"));
        assert_eq!(get(&p, "dns.qry.type").as_deref(), Some("28"));
        assert_eq!(get(&p, "dns.aaaa"), None);
        let a = hex(ANSWER);
        let p = udp(&a);
        assert_eq!(get(&p, "dns.flags.rcode").as_deref(), Some("0"));
        assert_eq!(get(&p, "dns.resp.name").as_deref(), Some("www.google.com"));
        assert_eq!(get(&p, "dns.resp.ttl").as_deref(), Some("299"));
        assert_eq!(
            get(&p, "dns.aaaa").as_deref(),
            Some("2607:f8b0:4004:802::2004")
        );
        // Cut inside the answer: the question is whole, the record is not.
        let p = udp(&a[..40]);
        assert_eq!(get(&p, "dns.qry.name").as_deref(), Some("www.google.com"));
        assert_eq!(get(&p, "dns.resp.name"), None);
        assert_eq!(get(&p, "dns.count.answers").as_deref(), Some("1"));
    }

    #[test]
    fn tcp_messages_follow_their_length() {
        let q = hex(QUERY);
        let mut framed = (q.len() as u16).to_be_bytes().to_vec();
        framed.extend_from_slice(&q);
        let p = Payload::new(
            &framed,
            Direction::Out,
            FdContext::Socket {
                transport: Transport::Tcp,
                ips: [None, None],
                ports: [Some(5000), Some(53)],
            },
        );
        assert_eq!(get(&p, "dns.qry.name").as_deref(), Some("www.google.com"));
        // The length alone (written first on its own) is not a message.
        let p = Payload {
            data: &framed[..2],
            ..p
        };
        assert!(!Dns.recognizes(&p));
    }

    #[test]
    fn a_length_written_alone_then_its_message() {
        let q = hex(QUERY);
        let tcp = FdContext::Socket {
            transport: Transport::Tcp,
            ips: [None, None],
            ports: [Some(5000), Some(53)],
        };
        let len = (q.len() as u16).to_be_bytes();
        let p = Payload::new(&q, Direction::Out, tcp).after(&len);
        assert!(Dns.recognizes(&p));
        assert_eq!(get(&p, "dns.qry.name").as_deref(), Some("www.google.com"));
        assert_eq!(get(&p, "dns.id").as_deref(), Some("1794"));
        // A length that is not this event's size: the bytes are read as framed themselves
        // (here a length of 1794, then a header that does not parse as the query).
        let other = 20u16.to_be_bytes();
        let p = Payload::new(&q, Direction::Out, tcp).after(&other);
        assert_ne!(get(&p, "dns.qry.name").as_deref(), Some("www.google.com"));
    }

    #[test]
    fn hostile_names_end() {
        // A pointer to itself, a pointer forward, a label past the end.
        for bad in [&b"\xc0\x0c"[..], b"\xc0\x20", b"\x3fabc"] {
            let mut m = hex(QUERY)[..12].to_vec();
            m.extend_from_slice(bad);
            m.extend_from_slice(&[0, 1, 0, 1]);
            assert_eq!(get(&udp(&m), "dns.qry.name"), None);
        }
        // The root, and bytes that are not printable.
        let mut m = hex(QUERY)[..12].to_vec();
        m.extend_from_slice(b"\x00\x00\x02\x00\x01\x02a\x01\x00\x00\x01\x00\x01");
        m[5] = 2;
        assert_eq!(
            get(&udp(&m), "dns.qry.name").as_deref(),
            Some("<Root>,a\\001")
        );
    }
}
