//! HTTP/1.x request and response heads, with Wireshark's field names (and the short names
//! `http.method`, `http.uri`, `http.version`, `http.status`, `http.header[NAME]`).
//!
//! A head is recognized by its first line, on a stream (a TCP socket, a unix socket, a
//! pipe), whatever the port (a head written in parts is read, whole, on the event that ends
//! it, when the stream's earlier bytes are kept): a request line (`METHOD TARGET HTTP/1.x`) or a status line
//! (`HTTP/1.x CODE PHRASE`). Headers are read up to the blank line that ends the head or
//! the end of the bytes the capture kept; a line the capture cut gives nothing, so every
//! value answered is whole (Wireshark, not reassembling, gives the kept part of such a line).
//! A method, a target or a code is answered as soon as the space after it was kept;
//! `http.request` and `http.response` mark heads as Wireshark does: not when the kept bytes
//! end inside a header's name (where Wireshark's reading stops short).

use super::{Dissector, FdContext, Payload, Transport};
use crate::registry::{Arg, ArgKind, FieldInfo, FieldType};
use crate::value::Value;

/// The HTTP dissector.
#[derive(Debug, Clone, Copy, Default)]
pub struct Http;

/// Where a field's value comes from.
#[derive(Clone, Copy)]
enum Src {
    /// Whether the head is a request (`http.request`) or a response (`http.response`).
    Is(bool),
    Method,
    Uri,
    /// The version: of requests, of responses, of either.
    Version(Option<bool>),
    Code,
    Phrase,
    /// The first header of this name (lower case).
    Header(&'static str),
    /// `Content-Length` as a number.
    ContentLength,
    /// Any header, named by the argument.
    AnyHeader,
}

/// The fields, in the order [`Dissector::field`] numbers them.
const FIELDS: &[(&str, FieldType, Src, &str)] = &[
    (
        "http.request",
        FieldType::Bool,
        Src::Is(true),
        "Present (true) for a request, as Wireshark marks them (not when the kept bytes end inside a header's name).",
    ),
    (
        "http.response",
        FieldType::Bool,
        Src::Is(false),
        "Present (true) for a response, as Wireshark marks them.",
    ),
    (
        "http.request.method",
        FieldType::Charbuf,
        Src::Method,
        "The request's method (GET, POST, ...).",
    ),
    (
        "http.request.uri",
        FieldType::Charbuf,
        Src::Uri,
        "The request's target, as written.",
    ),
    (
        "http.request.version",
        FieldType::Charbuf,
        Src::Version(Some(true)),
        "The request's HTTP version (HTTP/1.1).",
    ),
    (
        "http.response.version",
        FieldType::Charbuf,
        Src::Version(Some(false)),
        "The response's HTTP version.",
    ),
    (
        "http.response.code",
        FieldType::Uint64,
        Src::Code,
        "The response's status code.",
    ),
    (
        "http.response.phrase",
        FieldType::Charbuf,
        Src::Phrase,
        "The response's reason phrase.",
    ),
    (
        "http.host",
        FieldType::Charbuf,
        Src::Header("host"),
        "The Host header.",
    ),
    (
        "http.user_agent",
        FieldType::Charbuf,
        Src::Header("user-agent"),
        "The User-Agent header.",
    ),
    (
        "http.content_type",
        FieldType::Charbuf,
        Src::Header("content-type"),
        "The Content-Type header.",
    ),
    (
        "http.content_length_header",
        FieldType::Charbuf,
        Src::Header("content-length"),
        "The Content-Length header, as written.",
    ),
    (
        "http.content_length",
        FieldType::Uint64,
        Src::ContentLength,
        "The Content-Length header's number.",
    ),
    (
        "http.server",
        FieldType::Charbuf,
        Src::Header("server"),
        "The Server header.",
    ),
    (
        "http.location",
        FieldType::Charbuf,
        Src::Header("location"),
        "The Location header.",
    ),
    (
        "http.connection",
        FieldType::Charbuf,
        Src::Header("connection"),
        "The Connection header.",
    ),
    (
        "http.accept",
        FieldType::Charbuf,
        Src::Header("accept"),
        "The Accept header.",
    ),
    (
        "http.accept_encoding",
        FieldType::Charbuf,
        Src::Header("accept-encoding"),
        "The Accept-Encoding header.",
    ),
    (
        "http.accept_language",
        FieldType::Charbuf,
        Src::Header("accept-language"),
        "The Accept-Language header.",
    ),
    (
        "http.referer",
        FieldType::Charbuf,
        Src::Header("referer"),
        "The Referer header.",
    ),
    (
        "http.cookie",
        FieldType::Charbuf,
        Src::Header("cookie"),
        "The Cookie header.",
    ),
    (
        "http.set_cookie",
        FieldType::Charbuf,
        Src::Header("set-cookie"),
        "The Set-Cookie header.",
    ),
    (
        "http.authorization",
        FieldType::Charbuf,
        Src::Header("authorization"),
        "The Authorization header.",
    ),
    (
        "http.transfer_encoding",
        FieldType::Charbuf,
        Src::Header("transfer-encoding"),
        "The Transfer-Encoding header.",
    ),
    (
        "http.content_encoding",
        FieldType::Charbuf,
        Src::Header("content-encoding"),
        "The Content-Encoding header.",
    ),
    (
        "http.cache_control",
        FieldType::Charbuf,
        Src::Header("cache-control"),
        "The Cache-Control header.",
    ),
    (
        "http.date",
        FieldType::Charbuf,
        Src::Header("date"),
        "The Date header.",
    ),
    (
        "http.last_modified",
        FieldType::Charbuf,
        Src::Header("last-modified"),
        "The Last-Modified header.",
    ),
    (
        "http.x_forwarded_for",
        FieldType::Charbuf,
        Src::Header("x-forwarded-for"),
        "The X-Forwarded-For header.",
    ),
    (
        "http.upgrade",
        FieldType::Charbuf,
        Src::Header("upgrade"),
        "The Upgrade header.",
    ),
    // Short names.
    (
        "http.method",
        FieldType::Charbuf,
        Src::Method,
        "Short for http.request.method.",
    ),
    (
        "http.uri",
        FieldType::Charbuf,
        Src::Uri,
        "Short for http.request.uri.",
    ),
    (
        "http.version",
        FieldType::Charbuf,
        Src::Version(None),
        "The HTTP version of a request or a response.",
    ),
    (
        "http.status",
        FieldType::Uint64,
        Src::Code,
        "Short for http.response.code.",
    ),
    (
        "http.header",
        FieldType::Charbuf,
        Src::AnyHeader,
        "The first header of the name given, any case (http.header[X-Request-Id]).",
    ),
];

/// Request methods recognized (RFC 9110, WebDAV, PATCH).
const METHODS: &[&[u8]] = &[
    b"GET",
    b"POST",
    b"PUT",
    b"DELETE",
    b"HEAD",
    b"OPTIONS",
    b"PATCH",
    b"CONNECT",
    b"TRACE",
    b"PROPFIND",
    b"PROPPATCH",
    b"MKCOL",
    b"COPY",
    b"MOVE",
    b"LOCK",
    b"UNLOCK",
    b"SEARCH",
    b"REPORT",
    b"MKCALENDAR",
];

/// A head's first line, split.
struct Start<'a> {
    request: bool,
    /// Method and target (requests) or version and code (responses), each when the space
    /// after it was kept.
    first: &'a [u8],
    second: Option<&'a [u8]>,
    /// The rest of the line (version, or phrase) when its end was kept.
    third: Option<&'a [u8]>,
    /// Where the headers start, when the line ended.
    headers: Option<usize>,
}

fn start(d: &[u8]) -> Option<Start<'_>> {
    let line_end = find(d, b"\r\n");
    let line = &d[..line_end.unwrap_or(d.len())];
    let sp1 = line.iter().position(|&c| c == b' ')?;
    let first = &line[..sp1];
    let rest = &line[sp1 + 1..];
    let sp2 = rest.iter().position(|&c| c == b' ');
    let request = if is_version(first) {
        false
    } else if METHODS.contains(&first) {
        true
    } else {
        return None;
    };
    let second = sp2.map(|i| &rest[..i]);
    if !request {
        // A status line: a three-digit code.
        let code = second.or(line_end.map(|_| rest))?;
        if code.len() != 3 || !code.iter().all(u8::is_ascii_digit) {
            return None;
        }
    }
    let third = match (sp2, line_end) {
        (Some(i), Some(_)) => Some(&rest[i + 1..]),
        _ => None,
    };
    if request && third.is_some_and(|v| !is_version(v)) {
        return None;
    }
    Some(Start {
        request,
        first,
        second: if request {
            second
        } else {
            second.or(line_end.map(|_| rest))
        },
        third,
        headers: line_end.map(|e| e + 2),
    })
}

/// Whether the payload's fd is a stream: a TCP socket, a unix socket, a pipe (not a file, not
/// UDP).
fn is_stream(p: &Payload<'_>) -> bool {
    match p.fd {
        FdContext::Socket { transport, .. } => transport == Transport::Tcp,
        FdContext::File { .. } => false,
        _ => true,
    }
}

/// Whether Wireshark, not reassembling, marks the head (`http.request`, `http.response`):
/// unless the kept bytes end inside a header line that has no colon yet, where its reading
/// stops short.
fn marked(d: &[u8]) -> bool {
    if find(d, b"\r\n\r\n").is_some() {
        return true;
    }
    match d.windows(2).rposition(|w| w == b"\r\n") {
        None => true,
        Some(i) => {
            let last = &d[i + 2..];
            last.is_empty() || last.contains(&b':')
        }
    }
}

fn is_version(v: &[u8]) -> bool {
    v.len() == 8 && v.starts_with(b"HTTP/1.") && v[7].is_ascii_digit()
}

fn find(d: &[u8], pat: &[u8]) -> Option<usize> {
    d.windows(pat.len()).position(|w| w == pat)
}

/// The value of the first whole header named `name` (any case), leading blanks left out.
fn header<'a>(d: &'a [u8], from: usize, name: &[u8]) -> Option<&'a [u8]> {
    let mut at = from;
    loop {
        let end = at + find(&d[at..], b"\r\n")?;
        let line = &d[at..end];
        if line.is_empty() {
            return None;
        }
        if let Some(colon) = line.iter().position(|&c| c == b':') {
            if line[..colon].eq_ignore_ascii_case(name) {
                let v = &line[colon + 1..];
                let lead = v.iter().take_while(|&&c| c == b' ' || c == b'\t').count();
                return Some(&v[lead..]);
            }
        }
        at = end + 2;
    }
}

impl Dissector for Http {
    fn name(&self) -> &str {
        "http"
    }

    fn fields(&self) -> Vec<FieldInfo> {
        FIELDS
            .iter()
            .map(|&(n, ty, from, doc)| {
                let f = FieldInfo::new(n, "http", ty, doc);
                match from {
                    Src::AnyHeader => f.with_arg(ArgKind::Name, true),
                    _ => f,
                }
            })
            .collect()
    }

    fn recognizes(&self, p: &Payload<'_>) -> bool {
        is_stream(p) && start(p.data).is_some()
    }

    /// A head that earlier events of the stream began and this one ends: from the last
    /// head start the stream's kept bytes hold (whose end they do not), through this event's
    /// bytes, when those hold the blank line that ends it.
    fn reassemble(&self, p: &Payload<'_>, message: &mut Vec<u8>) -> bool {
        let b = p.before;
        if !is_stream(p) || b.is_empty() {
            return false;
        }
        let line_start = |i: usize| i == 0 || b[..i].ends_with(b"\r\n");
        let Some(i) = (0..b.len())
            .rev()
            .find(|&i| line_start(i) && start(&b[i..]).is_some())
        else {
            return false;
        };
        if find(&b[i..], b"\r\n\r\n").is_some() {
            return false;
        }
        message.extend_from_slice(&b[i..]);
        message.extend_from_slice(p.data);
        find(message, b"\r\n\r\n").is_some()
    }

    fn field<'s>(
        &self,
        field: usize,
        p: &Payload<'_>,
        arg: Option<&Arg>,
        scratch: &'s mut String,
    ) -> Option<Value<'s>> {
        let d = p.data;
        let s = start(d)?;
        let text = |b: &[u8], scratch: &'s mut String| {
            scratch.push_str(&String::from_utf8_lossy(b));
            Some(Value::Str(scratch.as_str()))
        };
        match FIELDS.get(field)?.2 {
            Src::Is(req) => (s.request == req && marked(d)).then_some(Value::Bool(true)),
            Src::Method if s.request => text(s.first, scratch),
            Src::Uri if s.request => text(s.second?, scratch),
            Src::Version(which) => {
                let v = if s.request { s.third? } else { s.first };
                if which.is_some_and(|r| r != s.request) {
                    return None;
                }
                text(v, scratch)
            }
            Src::Code if !s.request => {
                let c = std::str::from_utf8(s.second?).ok()?.parse().ok()?;
                Some(Value::U64(c))
            }
            Src::Phrase if !s.request => text(s.third?, scratch),
            Src::Header(name) => text(header(d, s.headers?, name.as_bytes())?, scratch),
            Src::ContentLength => {
                let v = header(d, s.headers?, b"content-length")?;
                let n = std::str::from_utf8(v).ok()?.trim().parse().ok()?;
                Some(Value::U64(n))
            }
            Src::AnyHeader => {
                let name = arg?.name()?;
                text(header(d, s.headers?, name.as_bytes())?, scratch)
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::payload::Direction;

    fn tcp(data: &[u8]) -> Payload<'_> {
        Payload::new(
            data,
            Direction::Out,
            FdContext::Socket {
                transport: Transport::Tcp,
                ips: [None, None],
                ports: [Some(40000), Some(80)],
            },
        )
    }

    fn get(p: &Payload<'_>, name: &str, arg: Option<&str>) -> Option<String> {
        let i = FIELDS.iter().position(|f| f.0 == name).unwrap();
        let arg = arg.map(|a| Arg::Name(a.into()));
        let mut s = String::new();
        Http.field(i, p, arg.as_ref(), &mut s)
            .map(|v| v.to_string())
    }

    #[test]
    fn request_head() {
        // curl_google's request.
        let r = b"GET / HTTP/1.1\r\nHost: www.google.com\r\nUser-Agent: curl/7.47.0\r\nAccept: */*\r\n\r\n";
        let p = tcp(r);
        assert!(Http.recognizes(&p));
        assert_eq!(get(&p, "http.request", None).as_deref(), Some("true"));
        assert_eq!(get(&p, "http.response", None), None);
        assert_eq!(get(&p, "http.request.method", None).as_deref(), Some("GET"));
        assert_eq!(get(&p, "http.uri", None).as_deref(), Some("/"));
        assert_eq!(get(&p, "http.version", None).as_deref(), Some("HTTP/1.1"));
        assert_eq!(
            get(&p, "http.host", None).as_deref(),
            Some("www.google.com")
        );
        assert_eq!(
            get(&p, "http.user_agent", None).as_deref(),
            Some("curl/7.47.0")
        );
        assert_eq!(
            get(&p, "http.header", Some("ACCEPT")).as_deref(),
            Some("*/*")
        );
        assert_eq!(get(&p, "http.response.code", None), None);
    }

    #[test]
    fn cut_heads_give_whole_values() {
        let r =
            b"POST /upload?x=1 HTTP/1.1\r\nHost: example.org\r\nContent-Length: 1234\r\nContent-Ty";
        let p = tcp(r);
        assert_eq!(get(&p, "http.method", None).as_deref(), Some("POST"));
        assert_eq!(
            get(&p, "http.content_length", None).as_deref(),
            Some("1234")
        );
        assert_eq!(get(&p, "http.content_type", None), None);
        // The first line cut after the target: method and target, no version.
        let p = tcp(b"GET /a/very/long/path HTTP/1");
        assert_eq!(
            get(&p, "http.uri", None).as_deref(),
            Some("/a/very/long/path")
        );
        assert_eq!(get(&p, "http.request.version", None), None);
        // Cut inside the target: the method only.
        let p = tcp(b"GET /a/very/lo");
        assert_eq!(get(&p, "http.method", None).as_deref(), Some("GET"));
        assert_eq!(get(&p, "http.uri", None), None);
    }

    #[test]
    fn response_head() {
        let r = b"HTTP/1.1 404 Not Found\r\nServer: Apache/2.4.7 (Ubuntu)\r\nContent-Type: text/html; charset=iso-8859-1\r\n\r\n<html>";
        let p = tcp(r);
        assert_eq!(get(&p, "http.response.code", None).as_deref(), Some("404"));
        assert_eq!(get(&p, "http.status", None).as_deref(), Some("404"));
        assert_eq!(
            get(&p, "http.response.phrase", None).as_deref(),
            Some("Not Found")
        );
        assert_eq!(
            get(&p, "http.response.version", None).as_deref(),
            Some("HTTP/1.1")
        );
        assert_eq!(get(&p, "http.request.version", None), None);
        assert_eq!(
            get(&p, "http.content_type", None).as_deref(),
            Some("text/html; charset=iso-8859-1")
        );
        assert_eq!(get(&p, "http.method", None), None);
    }

    #[test]
    fn heads_written_in_parts() {
        let first = b"HTTP/1.1 200 OK\r\nServer: nginx\r\n";
        let second = b"Content-Type: text/plain\r\n\r\nbody";
        let p = tcp(second).after(first);
        assert!(!Http.recognizes(&p));
        let mut whole = Vec::new();
        assert!(Http.reassemble(&p, &mut whole));
        let p = Payload { data: &whole, ..p };
        assert_eq!(get(&p, "http.response.code", None).as_deref(), Some("200"));
        assert_eq!(get(&p, "http.server", None).as_deref(), Some("nginx"));
        assert_eq!(
            get(&p, "http.content_type", None).as_deref(),
            Some("text/plain")
        );
        // Not yet ended: nothing; already ended before: nothing (a body).
        assert!(!Http.reassemble(&tcp(b"X-A: 1\r\n").after(first), &mut Vec::new()));
        let ended = b"HTTP/1.1 200 OK\r\nServer: nginx\r\n\r\n";
        assert!(!Http.reassemble(&tcp(b"more body\r\n\r\n").after(ended), &mut Vec::new()));
    }

    #[test]
    fn not_http() {
        for d in [
            &b"GETX / HTTP/1.1\r\n"[..],
            b"HTTP/1.1 20 OK\r\n",
            b"GET / SMTP/1.0\r\n",
            b"\x16\x03\x01",
        ] {
            assert!(!Http.recognizes(&tcp(d)), "{d:?}");
        }
        let udp = Payload::new(
            b"GET / HTTP/1.1\r\n",
            Direction::Out,
            FdContext::Socket {
                transport: Transport::Udp,
                ips: [None, None],
                ports: [None, None],
            },
        );
        assert!(!Http.recognizes(&udp));
    }
}
