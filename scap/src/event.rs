//! Events: the header of an event block and its parameters as borrowed byte slices.
//!
//! Nothing is decoded until asked for: [`Event::param_raw`] gives the bytes of one parameter and
//! [`Event::param`] decodes it to a typed [`ParamValue`]; [`Event::params_raw`] and
//! [`Event::params`] do the same for every parameter in one walk of the length array.

use crate::block::types;
use crate::bytes::Endian;
use crate::error::ErrorKind;
use crate::param::ParamValue;
use crate::table::{self, Direction, EventInfo, ParamInfo};

mod param_buf;
pub use param_buf::ParamBuf;

/// Length of the version 1 event header (no `nparams`), used by EV and EVF blocks.
pub const HEADER_V1_LEN: usize = 22;
/// Length of the version 2 event header (with `nparams`).
pub const HEADER_V2_LEN: usize = 26;

/// Types whose version 1 lengths were recorded 3 bytes too long by old writers.
const NOTIFICATION_E: u16 = 298;
const INFRASTRUCTURE_EVENT_E: u16 = 300;

/// One event, borrowed from its block.
///
/// 80 bytes: the event and what follows it in the block are one slice, and the parameter
/// lengths and data are offsets into it, checked once by [`Event::parse`]. An event the
/// readers return also keeps its whole block, so that writing it unchanged is one copy.
#[derive(Debug, Clone, Copy)]
pub struct Event<'a> {
    /// Timestamp, nanoseconds since the epoch.
    pub ts: u64,
    /// Thread id of the thread that generated it (`u64::MAX` for none).
    pub tid: u64,
    /// The block type it came in (EV, EVF, EV_V2, ...).
    pub block_type: u32,
    /// The block's dump flags (`SCAP_DF_*`); 0 for blocks without flags.
    pub dump_flags: u32,
    /// Length recorded in the header: header, length array and data.
    pub len: u32,
    /// The producer's buffer (CPU) index.
    pub cpu: u16,
    /// Event type code (index into [`table::events`]).
    pub event_type: u16,
    nparams: u32,
    /// Offsets in `raw()` of the parameter data (after the length array) and of its end.
    data_start: u32,
    data_end: u32,
    large: bool,
    endian: Endian,
    header_len: u8,
    /// The block body after its preamble: the event (`len` bytes), then the tail.
    rest: &'a [u8],
    /// The whole block as read (header, body, trailer), when a reader gave it; else empty.
    frame: &'a [u8],
}

/// What [`Event::parse`] found in a block, without the borrows: a reader keeps it to give the
/// same event again over the same bytes without decoding and checking them a second time.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Layout {
    ts: u64,
    tid: u64,
    block_type: u32,
    dump_flags: u32,
    len: u32,
    cpu: u16,
    event_type: u16,
    nparams: u32,
    data_start: u32,
    data_end: u32,
    large: bool,
    endian: Endian,
    header_len: u8,
    /// The length of `rest`, which ends where the block's body ends (before the trailer).
    rest_len: usize,
}

/// Events are equal when their contents are, whether or not a reader kept their block.
impl PartialEq for Event<'_> {
    fn eq(&self, o: &Self) -> bool {
        self.ts == o.ts
            && self.tid == o.tid
            && self.block_type == o.block_type
            && self.dump_flags == o.dump_flags
            && self.len == o.len
            && self.cpu == o.cpu
            && self.event_type == o.event_type
            && self.nparams == o.nparams
            && self.data_start == o.data_start
            && self.data_end == o.data_end
            && self.large == o.large
            && self.endian == o.endian
            && self.header_len == o.header_len
            && self.rest == o.rest
    }
}

impl Eq for Event<'_> {}

/// Dump flag: the event was kept only to keep state right and must not be shown.
pub const DF_STATE_ONLY: u32 = 1;

/// The fixed part of an event block: preamble and event header, without the parameters.
///
/// Decoding only this is the cheapest way to scan a capture (count, index by time or thread);
/// [`Event::parse`] builds on it and also validates the parameter lengths.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventHeader {
    /// The producer's buffer (CPU) index.
    pub cpu: u16,
    /// The block's dump flags; 0 for blocks without flags.
    pub dump_flags: u32,
    /// Timestamp, nanoseconds since the epoch.
    pub ts: u64,
    /// Thread id (`u64::MAX` for none).
    pub tid: u64,
    /// Event length from the header.
    pub len: u32,
    /// Event type code.
    pub event_type: u16,
    /// Parameter count of a version 2 header; `None` for version 1 headers, which lack it.
    pub nparams: Option<u32>,
    has_flags: bool,
}

impl EventHeader {
    /// Decodes the preamble and event header of an event block body, checking that the event
    /// fits the block.
    #[inline(always)]
    pub fn parse(block_type: u32, body: &[u8], endian: Endian) -> Result<Self, ErrorKind> {
        // One copy per byte order, each with its reads fixed at compile time.
        match endian {
            Endian::Little => Self::parse_in(block_type, body, Endian::Little),
            Endian::Big => Self::parse_in(block_type, body, Endian::Big),
        }
    }

    #[inline(always)]
    fn parse_in(block_type: u32, body: &[u8], endian: Endian) -> Result<Self, ErrorKind> {
        let (has_flags, v2) = match block_type {
            // What today's writers produce, tested first.
            types::EV_V2 => (false, true),
            types::EV | types::EV_INT => (false, false),
            types::EVF => (true, false),
            types::EV_V2_LARGE => (false, true),
            types::EVF_V2 | types::EVF_V2_LARGE => (true, true),
            _ => return Err(ErrorKind::Malformed("not an event block type")),
        };
        let pre = if has_flags { 6 } else { 2 };
        let header_len = if v2 { HEADER_V2_LEN } else { HEADER_V1_LEN };
        if body.len() < pre + header_len {
            return Err(ErrorKind::Overrun {
                what: "event header",
                needed: (pre + header_len) as u64,
                available: body.len() as u64,
            });
        }
        let h = &body[pre..];
        let len = endian.u32(h, 16).unwrap_or_default();
        if (len as usize) < header_len {
            return Err(ErrorKind::Malformed(
                "event length is shorter than the event header",
            ));
        }
        if len as usize > h.len() {
            return Err(ErrorKind::Overrun {
                what: "event",
                needed: len as u64,
                available: h.len() as u64,
            });
        }
        Ok(EventHeader {
            cpu: endian.u16(body, 0).unwrap_or_default(),
            dump_flags: if has_flags {
                endian.u32(body, 2).unwrap_or_default()
            } else {
                0
            },
            ts: endian.u64(h, 0).unwrap_or_default(),
            tid: endian.u64(h, 8).unwrap_or_default(),
            len,
            event_type: endian.u16(h, 20).unwrap_or_default(),
            nparams: if v2 { endian.u32(h, 22) } else { None },
            has_flags,
        })
    }

    /// Bytes before the event in its block: cpu, and flags for EVF blocks.
    #[inline]
    pub fn preamble_len(&self) -> usize {
        if self.has_flags { 6 } else { 2 }
    }

    /// Length of the event header: 26 bytes for version 2, 22 for version 1.
    #[inline]
    pub fn header_len(&self) -> usize {
        if self.nparams.is_some() {
            HEADER_V2_LEN
        } else {
            HEADER_V1_LEN
        }
    }
}

impl<'a> Event<'a> {
    /// Parses the body of an event block (`block_type` one of the EV/EVF kinds).
    ///
    /// Checks that the header, the length array and the parameters fit the event and the event
    /// its block; after that, reading parameters cannot fail on lengths.
    #[inline(always)]
    pub fn parse(block_type: u32, body: &'a [u8], endian: Endian) -> Result<Self, ErrorKind> {
        // One copy per byte order, each with its reads fixed at compile time.
        match endian {
            Endian::Little => Self::parse_in(block_type, body, Endian::Little),
            Endian::Big => Self::parse_in(block_type, body, Endian::Big),
        }
    }

    #[inline(always)]
    fn parse_in(block_type: u32, body: &'a [u8], endian: Endian) -> Result<Self, ErrorKind> {
        let hd = EventHeader::parse_in(block_type, body, endian)?;
        let (pre, header_len, v2) = (hd.preamble_len(), hd.header_len(), hd.nparams.is_some());
        // `EventHeader::parse` checked that the event fits the body.
        let rest = body.get(pre..).unwrap_or_default();
        let raw = rest.get(..hd.len as usize).unwrap_or_default();
        let info = table::event_info(hd.event_type);
        // Version 1 events predate 32-bit lengths: libscap converts them with u16 lengths.
        let large = v2
            && match info {
                Some(i) => i.large_payload(),
                None => matches!(block_type, types::EV_V2_LARGE | types::EVF_V2_LARGE),
            };
        let width = if large { 4 } else { 2 };
        let nparams = if let Some(n) = hd.nparams {
            if header_len as u64 + n as u64 * width as u64 > raw.len() as u64 {
                return Err(ErrorKind::Malformed(
                    "event parameter count overruns the event",
                ));
            }
            n
        } else {
            infer_v1_nparams(raw, hd.event_type, info, endian)?
        };
        let lens_end = header_len + nparams as usize * width;
        let Some(lens) = raw.get(header_len..lens_end) else {
            return Err(ErrorKind::Malformed(
                "event parameter lengths overrun the event",
            ));
        };
        let data_len = raw.len() - lens_end;
        let mut data_end = raw.len();
        if v2 {
            if sum_lens(lens, large, endian, data_len as u64) > data_len as u64 {
                return Err(ErrorKind::Malformed(
                    "event parameter lengths overrun the event",
                ));
            }
        } else if hd.event_type == NOTIFICATION_E || hd.event_type == INFRASTRUCTURE_EVENT_E {
            let sum = sum_lens(lens, large, endian, data_len as u64);
            data_end = lens_end + sum.min(data_len as u64) as usize;
        }
        Ok(Event {
            ts: hd.ts,
            tid: hd.tid,
            block_type,
            dump_flags: hd.dump_flags,
            len: hd.len,
            cpu: hd.cpu,
            event_type: hd.event_type,
            nparams,
            data_start: lens_end as u32,
            data_end: data_end as u32,
            large,
            endian,
            header_len: header_len as u8,
            rest,
            frame: &[],
        })
    }

    /// The table entry of this event's type, if the type is known.
    #[inline]
    pub fn info(&self) -> Option<&'static EventInfo> {
        table::event_info(self.event_type)
    }

    /// The event's name (`open`), or `unknown` for a type past the table.
    pub fn name(&self) -> &'static str {
        self.info().map_or("unknown", |i| i.name)
    }

    /// Enter or exit.
    pub fn direction(&self) -> Direction {
        Direction::of(self.event_type)
    }

    /// Number of parameters the event carries (may be fewer than today's table lists).
    #[inline]
    pub fn nparams(&self) -> usize {
        self.nparams as usize
    }

    /// Whether the event header is version 1 (22 bytes, from EV/EVF blocks).
    pub fn is_v1(&self) -> bool {
        self.header_len as usize == HEADER_V1_LEN
    }

    /// Whether parameter lengths are 32-bit.
    pub fn large_payload(&self) -> bool {
        self.large
    }

    /// Byte order of the event's integers.
    pub fn endian(&self) -> Endian {
        self.endian
    }

    /// The event bytes: header, length array and data.
    #[inline]
    pub fn raw(&self) -> &'a [u8] {
        self.rest.get(..self.len as usize).unwrap_or_default()
    }

    /// The same event, knowing `frame` is its whole block as read (header to trailer).
    #[inline(always)]
    pub(crate) fn framed(mut self, frame: &'a [u8]) -> Self {
        self.frame = frame;
        self
    }

    /// The event's [`Layout`] (for an event a reader decoded from a whole block).
    #[inline(always)]
    pub(crate) fn layout(&self) -> Layout {
        Layout {
            ts: self.ts,
            tid: self.tid,
            block_type: self.block_type,
            dump_flags: self.dump_flags,
            len: self.len,
            cpu: self.cpu,
            event_type: self.event_type,
            nparams: self.nparams,
            data_start: self.data_start,
            data_end: self.data_end,
            large: self.large,
            endian: self.endian,
            header_len: self.header_len,
            rest_len: self.rest.len(),
        }
    }

    /// The event of `layout` over `frame`, the block it was found in.
    #[inline]
    pub(crate) fn from_layout(layout: &Layout, frame: &'a [u8]) -> Option<Self> {
        let end = frame.len().checked_sub(4)?;
        let rest = frame.get(end.checked_sub(layout.rest_len)?..end)?;
        Some(Event {
            ts: layout.ts,
            tid: layout.tid,
            block_type: layout.block_type,
            dump_flags: layout.dump_flags,
            len: layout.len,
            cpu: layout.cpu,
            event_type: layout.event_type,
            nparams: layout.nparams,
            data_start: layout.data_start,
            data_end: layout.data_end,
            large: layout.large,
            endian: layout.endian,
            header_len: layout.header_len,
            rest,
            frame,
        })
    }

    /// The whole block the event was read from, if the reader gave it (else empty).
    pub(crate) fn frame(&self) -> &'a [u8] {
        self.frame
    }

    /// The event and the bytes after it in its block body: [`raw`](Self::raw) then
    /// [`tail`](Self::tail), contiguous.
    pub(crate) fn raw_and_tail(&self) -> &'a [u8] {
        self.rest
    }

    /// Bytes after the event inside its block body: padding and any pcapng options.
    pub fn tail(&self) -> &'a [u8] {
        self.rest.get(self.len as usize..).unwrap_or_default()
    }

    /// Whether the block marks the event as kept for state only (not to be shown).
    pub fn is_state_only(&self) -> bool {
        self.dump_flags & DF_STATE_ONLY != 0
    }

    /// The parameter length array.
    #[inline]
    fn lens(&self) -> &'a [u8] {
        self.raw()
            .get(self.header_len as usize..self.data_start as usize)
            .unwrap_or_default()
    }

    /// The parameter data, all parameters back to back.
    #[inline]
    fn data(&self) -> &'a [u8] {
        self.raw()
            .get(self.data_start as usize..self.data_end as usize)
            .unwrap_or_default()
    }

    /// The bytes of parameter `i`, or `None` if the event has fewer parameters.
    ///
    /// This sums the lengths of the parameters before `i`; to visit every parameter, use
    /// [`params_raw`](Self::params_raw) or [`params`](Self::params), which walk the lengths once.
    #[inline]
    pub fn param_raw(&self, i: usize) -> Option<&'a [u8]> {
        if i >= self.nparams() {
            return None;
        }
        let (lens, large, endian) = (self.lens(), self.large, self.endian);
        let start: usize = (0..i).map(|j| param_len(lens, j, large, endian)).sum();
        let n = param_len(lens, i, large, endian);
        self.data().get(start..start.checked_add(n)?)
    }

    /// The bytes of the parameter called `name` in the table.
    pub fn param_raw_by_name(&self, name: &str) -> Option<&'a [u8]> {
        self.param_raw(self.info()?.param_index(name)?)
    }

    /// The bytes of the first `out.len()` parameters, in order, into `out`, in one walk of
    /// the lengths; returns how many the event has of them (the rest of `out` is left as
    /// it was). For a reader of a few parameters of each of many events: cheaper than
    /// [`param_raw`](Self::param_raw) for each, or the [`params_raw`](Self::params_raw)
    /// iterator.
    ///
    /// ```
    /// use strata_scap::{Block, SliceReader};
    /// let bytes = strata_scap::demo::capture();
    /// for block in SliceReader::new(&bytes) {
    ///     let Ok(Block::Event(ev)) = block else { continue };
    ///     let mut first: [&[u8]; 3] = [&[]; 3];
    ///     let n = ev.params_raw_into(&mut first);
    ///     assert_eq!(n, ev.nparams().min(3));
    ///     for (i, raw) in first[..n].iter().enumerate() {
    ///         assert_eq!(Some(*raw), ev.param_raw(i));
    ///     }
    /// }
    /// ```
    #[inline]
    pub fn params_raw_into(&self, out: &mut [&'a [u8]]) -> usize {
        let n = out.len().min(self.nparams());
        let (lens, data) = (self.lens(), self.data());
        let mut at = 0usize;
        for (i, o) in out[..n].iter_mut().enumerate() {
            let len = param_len(lens, i, self.large, self.endian);
            // (Always there in a parsed event.)
            let Some(p) = at.checked_add(len).and_then(|end| data.get(at..end)) else {
                return i;
            };
            *o = p;
            at += len;
        }
        n
    }

    /// Every parameter's bytes, in order.
    #[inline]
    pub fn params_raw(&self) -> RawParams<'a> {
        RawParams {
            lens: self.lens(),
            data: self.data(),
            n: self.nparams,
            large: self.large,
            endian: self.endian,
        }
    }

    /// Parameter `i` decoded by its table type; `None` if absent, an error if malformed.
    ///
    /// To decode every parameter, [`params`](Self::params) is faster.
    #[inline]
    pub fn param(&self, i: usize) -> Option<Result<ParamValue<'a>, ErrorKind>> {
        let info = self.info()?.params.get(i)?;
        let raw = self.param_raw(i)?;
        Some(ParamValue::decode(info, raw, self.endian))
    }

    /// The parameter called `name`, decoded.
    pub fn param_by_name(&self, name: &str) -> Option<Result<ParamValue<'a>, ErrorKind>> {
        self.param(self.info()?.param_index(name)?)
    }

    /// Every parameter decoded by its table type, in order, walking the lengths once.
    ///
    /// It yields what [`param`](Self::param) gives for `0, 1, 2, ...` up to the first `None`:
    /// the parameters the event carries that the table knows (none for an unknown event type;
    /// an event from an older driver simply yields fewer). Each item is the decoded value or
    /// the error that parameter's bytes gave; iteration goes on after an error.
    ///
    /// ```
    /// use strata_scap::{Block, ParamValue, SliceReader};
    /// let bytes = strata_scap::demo::capture();
    /// for block in SliceReader::new(&bytes) {
    ///     let Ok(Block::Event(ev)) = block else { continue };
    ///     for (i, value) in ev.params().enumerate() {
    ///         let value: ParamValue = value.unwrap();
    ///         assert_eq!(Some(Ok(value)), ev.param(i));
    ///     }
    /// }
    /// ```
    #[inline]
    pub fn params(&self) -> Params<'a> {
        let infos = match self.info() {
            Some(info) => info.params.get(..self.nparams()).unwrap_or(info.params),
            None => &[],
        };
        Params {
            infos,
            lens: self.lens(),
            data: self.data(),
            large: self.large,
            endian: self.endian,
        }
    }
}

/// The length of parameter `i` in a length array (0 if it is not there).
#[inline(always)]
fn param_len(lens: &[u8], i: usize, large: bool, endian: Endian) -> usize {
    if large {
        endian.u32(lens, i * 4).unwrap_or_default() as usize
    } else {
        endian.u16(lens, i * 2).unwrap_or_default() as usize
    }
}

/// Iterator over an event's parameter slices; see [`Event::params_raw`].
#[derive(Debug, Clone)]
pub struct RawParams<'a> {
    /// The lengths not yet used, and the data not yet yielded.
    lens: &'a [u8],
    data: &'a [u8],
    /// Parameters left.
    n: u32,
    large: bool,
    endian: Endian,
}

impl<'a> Iterator for RawParams<'a> {
    type Item = &'a [u8];

    #[inline(always)]
    fn next(&mut self) -> Option<&'a [u8]> {
        if self.n == 0 {
            return None;
        }
        let (len, width) = if self.large {
            (self.endian.u32(self.lens, 0).map(|l| l as usize), 4)
        } else {
            (self.endian.u16(self.lens, 0).map(|l| l as usize), 2)
        };
        // Both always hold for a parsed event; stop for good if not.
        let split = len.and_then(|len| self.data.split_at_checked(len));
        let (Some((p, data)), Some(lens)) = (split, self.lens.get(width..)) else {
            self.n = 0;
            return None;
        };
        self.n -= 1;
        self.lens = lens;
        self.data = data;
        Some(p)
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(self.n as usize))
    }
}

impl std::iter::FusedIterator for RawParams<'_> {}

/// Iterator over an event's decoded parameters; see [`Event::params`].
#[derive(Debug, Clone)]
pub struct Params<'a> {
    /// The table entries of the parameters not yet decoded (no more than the event has).
    infos: &'static [ParamInfo],
    /// The lengths not yet used, and the data not yet decoded.
    lens: &'a [u8],
    data: &'a [u8],
    large: bool,
    endian: Endian,
}

impl<'a> Iterator for Params<'a> {
    type Item = Result<ParamValue<'a>, ErrorKind>;

    #[inline(always)]
    fn next(&mut self) -> Option<Self::Item> {
        let (info, infos) = self.infos.split_first()?;
        let len = if self.large {
            self.endian.u32(self.lens, 0).map(|l| (l as usize, 4))
        } else {
            self.endian.u16(self.lens, 0).map(|l| (l as usize, 2))
        };
        // Both always hold for a parsed event; stop for good if not.
        let Some((raw, data, lens)) = len.and_then(|(len, width)| {
            let (raw, data) = self.data.split_at_checked(len)?;
            Some((raw, data, self.lens.get(width..)?))
        }) else {
            self.infos = &[];
            return None;
        };
        self.infos = infos;
        self.lens = lens;
        self.data = data;
        Some(ParamValue::decode(info, raw, self.endian))
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(self.infos.len()))
    }
}

impl std::iter::FusedIterator for Params<'_> {}

/// The sum of a length array (every entry of `lens`, 2 or 4 bytes wide), or, as soon as it
/// passes `limit`, the part summed so far.
#[inline(always)]
fn sum_lens(lens: &[u8], large: bool, endian: Endian, limit: u64) -> u64 {
    // `endian` is a constant in each copy of `Event::parse_in`. The arrays are short: the
    // early exit keeps this a plain loop rather than a vectorized one with its setup.
    let mut sum = 0u64;
    if large {
        for c in lens.chunks_exact(4) {
            let b = [c[0], c[1], c[2], c[3]];
            sum += match endian {
                Endian::Little => u32::from_le_bytes(b),
                Endian::Big => u32::from_be_bytes(b),
            } as u64;
            if sum > limit {
                break;
            }
        }
    } else {
        for c in lens.chunks_exact(2) {
            let b = [c[0], c[1]];
            sum += match endian {
                Endian::Little => u16::from_le_bytes(b),
                Endian::Big => u16::from_be_bytes(b),
            } as u64;
            if sum > limit {
                break;
            }
        }
    }
    sum
}

/// Version 1 headers do not say how many parameters follow: like libscap, take the count (up to
/// today's table's) whose lengths end exactly at the event's end; there is at most one.
/// Inlined into each byte order's copy of `Event::parse_in`, where `endian` is a constant.
#[inline(always)]
fn infer_v1_nparams(
    raw: &[u8],
    event_type: u16,
    info: Option<&EventInfo>,
    endian: Endian,
) -> Result<u32, ErrorKind> {
    let Some(info) = info else { return Ok(0) };
    let mut len = raw.len() as u64;
    if event_type == NOTIFICATION_E || event_type == INFRASTRUCTURE_EVENT_E {
        len = len.saturating_sub(3);
    }
    let max = info.params.len().min(32);
    // Lengths that fit in the event: at most `avail` of the first `max`.
    let lens = raw.get(HEADER_V1_LEN..).unwrap_or_default();
    let avail = max.min(lens.len() / 2);
    let lens = &lens[..avail * 2];
    let at = |c: &[u8]| -> u64 {
        let b = [c[0], c[1]];
        (match endian {
            Endian::Little => u16::from_le_bytes(b),
            Endian::Big => u16::from_be_bytes(b),
        }) as u64
    };
    // The size that `n` parameters make grows strictly with `n` (each adds at least its
    // 2-byte length), so at most one `n` fits: the walk up stops at it or past it.
    let (mut size, mut n) = (HEADER_V1_LEN as u64, 0u32);
    for c in lens.chunks_exact(2) {
        if size >= len {
            break;
        }
        size += 2 + at(c);
        n += 1;
    }
    if size == len {
        return Ok(n);
    }
    Err(ErrorKind::Malformed(
        "cannot infer the parameter count of a version 1 event: lengths do not match its size",
    ))
}

/// Encodes an event (version 2 header) into `out`: header, length array, data.
///
/// Lengths are 32-bit when the type's table entry is large-payload, else 16-bit.
pub fn encode_event(
    out: &mut Vec<u8>,
    endian: Endian,
    ts: u64,
    tid: u64,
    event_type: u16,
    params: &[&[u8]],
) -> Result<(), ErrorKind> {
    let large = table::event_info(event_type).is_some_and(|i| i.large_payload());
    let width = if large { 4 } else { 2 };
    let data: u64 = params.iter().map(|p| p.len() as u64).sum();
    let len = HEADER_V2_LEN as u64 + (params.len() * width) as u64 + data;
    let len = u32::try_from(len).map_err(|_| ErrorKind::TooLargeToWrite {
        what: "event length",
        len,
        max: u32::MAX as u64,
    })?;
    endian.put_u64(out, ts);
    endian.put_u64(out, tid);
    endian.put_u32(out, len);
    endian.put_u16(out, event_type);
    endian.put_u32(out, params.len() as u32);
    for p in params {
        if large {
            endian.put_u32(out, p.len() as u32);
        } else {
            let l = u16::try_from(p.len()).map_err(|_| ErrorKind::TooLargeToWrite {
                what: "parameter length",
                len: p.len() as u64,
                max: u16::MAX as u64,
            })?;
            endian.put_u16(out, l);
        }
    }
    for p in params {
        out.extend_from_slice(p);
    }
    Ok(())
}

#[cfg(test)]
mod tests;
