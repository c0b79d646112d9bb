//! Payload dissectors: the bytes that I/O events carried, read as the protocol or file
//! format they hold, with fields named as Wireshark names them where it has the same field.
//!
//! A [`Dissector`] declares its fields, sees the data of each I/O event (`read`, `write`,
//! `send*`, `recv*`, their vectored forms, `pread`/`pwrite`) as a [`Payload`] with the fd's
//! context (a file's path, or a socket's transport, addresses and ports) and the direction,
//! and says whether it recognizes the bytes. Registered with
//! [`Registry::register_dissector`](crate::Registry::register_dissector), its fields are
//! named in formats and filters like any other (`http.request.method = POST and
//! proc.name = curl`); nothing is dissected for an event unless one of its fields is asked
//! for.
//!
//! Captures keep only the first bytes of each buffer (sysdig's default is 80): a dissector
//! answers the fields whose bytes are whole and leaves the others out, never failing; every
//! dissector's `NAME.cut` field says whether the capture cut the buffer
//! ([`Payload::truncated`]).
//!
//! A message that spans several events (a DNS length written before its message, an HTTP
//! head written in parts) is read on the event that completes it, from the bytes the same
//! stream's earlier events carried, when the source keeps them
//! ([`StateView::stream_before`]; for the state engine, `Config::stream_bytes`, which the
//! front door's `Events::with_streams` sets). Otherwise each event is read on its own, as
//! far as the event holding a message's start goes.

pub mod dns;
pub mod elf;
pub mod http;

use std::net::IpAddr;
use std::sync::Arc;

use strata_scap::ParamValue;
use strata_scap::table::EventFlags;

use crate::registry::{Arg, FieldInfo, FieldType};
use crate::render::RenderOptions;
use crate::state::StateView;
use crate::user::FieldClass;
use crate::value::Value;

/// Which way the bytes went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Direction {
    /// Read or received by the process.
    In,
    /// Written or sent by the process.
    Out,
}

/// The transport of a socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Transport {
    /// TCP: a byte stream.
    Tcp,
    /// UDP: each event one datagram.
    Udp,
    /// Anything else (raw, ICMP, unix, ...).
    Other,
}

/// What the event's fd is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FdContext<'a> {
    /// A file, by path.
    File {
        /// The path.
        path: &'a [u8],
    },
    /// An IP socket.
    Socket {
        /// TCP, UDP or other.
        transport: Transport,
        /// Client and server addresses, when known.
        ips: [Option<IpAddr>; 2],
        /// Client and server ports, when known.
        ports: [Option<u16>; 2],
    },
    /// Another kind of fd (pipe, unix socket, ...), or none known.
    Other,
}

impl FdContext<'_> {
    /// Whether this is a socket with `port` at either end.
    pub fn has_port(&self, port: u16) -> bool {
        matches!(self, FdContext::Socket { ports, .. } if ports.contains(&Some(port)))
    }

    /// The transport of a socket; [`Transport::Other`] for other fds.
    pub fn transport(&self) -> Transport {
        match self {
            FdContext::Socket { transport, .. } => *transport,
            _ => Transport::Other,
        }
    }
}

/// The bytes one I/O event carried, with where they went.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct Payload<'a> {
    /// The bytes the capture kept.
    pub data: &'a [u8],
    /// Whether the call moved more bytes than the capture kept.
    pub truncated: bool,
    /// How many bytes the call moved.
    pub moved: usize,
    /// The bytes earlier events carried on the same stream (see
    /// [`StateView::stream_before`]), empty when not kept.
    pub before: &'a [u8],
    /// Read or written.
    pub direction: Direction,
    /// The fd's kind and addresses.
    pub fd: FdContext<'a>,
}

impl<'a> Payload<'a> {
    /// A payload of `data` (for tests and other event sources).
    pub fn new(data: &'a [u8], direction: Direction, fd: FdContext<'a>) -> Self {
        Payload {
            data,
            truncated: false,
            moved: data.len(),
            before: &[],
            direction,
            fd,
        }
    }

    /// The same payload, after `before` on its stream.
    pub fn after(mut self, before: &'a [u8]) -> Self {
        self.before = before;
        self
    }

    /// The payload of `view`'s event: an I/O event with a data buffer that moved bytes.
    pub fn of(view: &'a dyn StateView) -> Option<Self> {
        let ev = view.event();
        let flags = ev.info()?.flags;
        let direction = if flags.contains(EventFlags::READS_FROM_FD) {
            Direction::In
        } else if flags.contains(EventFlags::WRITES_TO_FD) {
            Direction::Out
        } else {
            return None;
        };
        let data = match ev.param_by_name("data")? {
            Ok(ParamValue::Bytes(b) | ParamValue::Str(b)) if !b.is_empty() => b,
            _ => return None,
        };
        let moved = match ev.param_by_name("res") {
            Some(Ok(p)) => p.as_i64().unwrap_or(0),
            _ => data.len() as i64,
        };
        // The fd the event found, else the one its thread last used (where a filter runs
        // before the event's own parsing, as in sysdig 0.29).
        let info = view.event_fd_info().or_else(|| view.fd(view.event_fd()?));
        let fd = match info {
            Some(f) if f.typechar == b'f' => FdContext::File { path: f.name },
            Some(f) if matches!(f.typechar, b'4' | b'6') => {
                let (ips, ports) = view
                    .fd_ends()
                    .map_or(([None; 2], [None; 2]), |e| (e.ips, e.ports));
                FdContext::Socket {
                    transport: match f.l4char {
                        b't' => Transport::Tcp,
                        b'u' => Transport::Udp,
                        _ => Transport::Other,
                    },
                    ips,
                    ports,
                }
            }
            _ => FdContext::Other,
        };
        Some(Payload {
            data,
            truncated: moved > data.len() as i64,
            moved: moved.max(0) as usize,
            before: view.stream_before(),
            direction,
            fd,
        })
    }
}

/// Reads the payloads of one protocol or format.
pub trait Dissector: Send + Sync {
    /// The class name its fields are listed under (`dns`).
    fn name(&self) -> &str;

    /// Its fields; their position is the `field` number [`field`](Self::field) is asked for.
    fn fields(&self) -> Vec<FieldInfo>;

    /// Whether these bytes are this protocol's.
    fn recognizes(&self, payload: &Payload<'_>) -> bool;

    /// For a payload it does not recognize: whether it continues a message whose start the
    /// same stream's earlier events carried ([`Payload::before`]) and that it completes;
    /// if so, the whole message goes into `message` and is dissected in its place. The
    /// default: no message spans events.
    fn reassemble(&self, payload: &Payload<'_>, message: &mut Vec<u8>) -> bool {
        let _ = (payload, message);
        false
    }

    /// Field number `field` of a payload it recognizes; `None` when the payload has no such
    /// value or its bytes were cut before it. Text goes into `scratch`.
    fn field<'s>(
        &self,
        field: usize,
        payload: &Payload<'_>,
        arg: Option<&Arg>,
        scratch: &'s mut String,
    ) -> Option<Value<'s>>;
}

/// A dissector's fields as a [`FieldClass`], with `NAME.cut` after its own.
pub(crate) struct DissectorFields {
    d: Arc<dyn Dissector>,
    /// How many fields the dissector itself declares (`NAME.cut`'s number).
    own: usize,
}

impl DissectorFields {
    pub fn new(d: Arc<dyn Dissector>) -> Self {
        let own = d.fields().len();
        DissectorFields { d, own }
    }
}

impl FieldClass for DissectorFields {
    fn name(&self) -> &str {
        self.d.name()
    }

    fn fields(&self) -> Vec<FieldInfo> {
        let mut f = self.d.fields();
        let name = self.d.name();
        f.push(FieldInfo::new(
            format!("{name}.cut"),
            name.to_owned(),
            FieldType::Bool,
            "Whether the capture kept only part of the bytes the call moved (the other fields answer what was kept whole).",
        ));
        f
    }

    fn extract<'s>(
        &self,
        field: usize,
        view: &dyn StateView,
        arg: Option<&Arg>,
        _opts: &RenderOptions,
        scratch: &'s mut String,
    ) -> Option<Value<'s>> {
        let p = Payload::of(view)?;
        let mut whole = Vec::new();
        let p = if self.d.recognizes(&p) {
            p
        } else if self.d.reassemble(&p, &mut whole) {
            Payload { data: &whole, ..p }
        } else {
            return None;
        };
        // The field every dissector gets, after its own.
        if field == self.own {
            return Some(Value::Bool(p.truncated));
        }
        self.d.field(field, &p, arg, scratch)
    }
}

/// The dissectors Strata brings: DNS, HTTP, ELF.
pub fn builtin() -> Vec<Arc<dyn Dissector>> {
    vec![Arc::new(dns::Dns), Arc::new(http::Http), Arc::new(elf::Elf)]
}

/// The descriptions of a dissector's fields from a table of (name, type, doc line).
pub(crate) fn field_infos(
    class: &'static str,
    table: &[(&'static str, FieldType, &'static str)],
) -> Vec<FieldInfo> {
    table
        .iter()
        .map(|&(n, ty, doc)| FieldInfo::new(n, class, ty, doc))
        .collect()
}

/// Writes `items` as a list value: each followed by a NUL ([`Value::Strs`]).
pub(crate) fn push_item(scratch: &mut String, item: std::fmt::Arguments<'_>) {
    use std::fmt::Write as _;
    let _ = scratch.write_fmt(item);
    scratch.push('\0');
}
