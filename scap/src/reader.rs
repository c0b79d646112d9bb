//! Readers: over a byte slice (zero-copy), over any `io::Read` (one reused buffer), and over a
//! file; gzip is recognized by its magic and decoded transparently, as libscap does.

use std::fs;
use std::io::{self, Read};
use std::path::Path;

use crate::block::{Block, BlockKind, RawBlock, types};
use crate::bytes::Endian;
use crate::error::{Error, ErrorKind, Result};
use crate::event::{Event, Layout};

/// The two bytes every gzip stream starts with.
pub const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Limits that keep hostile input from taking unbounded memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReadOptions {
    /// Largest block accepted, in bytes (header and trailer included). Default 256 MiB.
    pub max_block_size: u64,
    /// Largest decompressed size when a whole gzip'd capture is read into memory. Default 16 GiB.
    pub max_decompressed_size: u64,
    /// Resynchronize after a broken frame instead of ending (see [`recover`](Self::recover)).
    pub recover: bool,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            max_block_size: 256 << 20,
            max_decompressed_size: 16 << 30,
            recover: false,
        }
    }
}

impl ReadOptions {
    /// Sets the largest block accepted.
    pub fn max_block_size(mut self, bytes: u64) -> Self {
        self.max_block_size = bytes;
        self
    }

    /// Sets the largest decompressed size for in-memory reading.
    pub fn max_decompressed_size(mut self, bytes: u64) -> Self {
        self.max_decompressed_size = bytes;
        self
    }

    /// Recovery: a block whose frame is broken (a length that is too small, too large or
    /// past the end, a trailer that does not match its header, no section header) is
    /// reported as an error, then the reader scans forward, byte by byte, for the next
    /// plausible block (a known type, a sane length, a matching trailer, contents that decode,
    /// and for an event a timestamp near the last good one) and goes on from there; the bytes
    /// passed over are counted (`skipped_bytes`). Without it, a broken frame ends reading.
    pub fn recover(mut self, on: bool) -> Self {
        self.recover = on;
        self
    }
}

/// The largest block a resynchronizing reader takes as a candidate.
const RESYNC_MAX_BLOCK: u64 = 64 << 20;

/// How far an event's timestamp may lie before the last good one (1 hour) and after it (30
/// days) for the event to count as plausible when resynchronizing.
const RESYNC_BEFORE_NS: u64 = 3_600_000_000_000;
const RESYNC_AFTER_NS: u64 = 30 * 86_400_000_000_000;

/// The length of the block at the start of `data` (and its timestamp if it is an event) if it
/// is a plausible one to resume reading at, in a section of byte order `endian` (`None`: no
/// section yet, only a section header will do), after a last good event stamped `last_ts` (0:
/// none).
fn plausible(
    data: &[u8],
    endian: Option<Endian>,
    opts: &ReadOptions,
    last_ts: u64,
) -> Option<(usize, Option<u64>)> {
    let head: &[u8; 12] = data.first_chunk()?;
    let shb = Endian::Little.u32(head, 0) == Some(types::SHB);
    let endian = if shb {
        crate::section::SectionHeader::detect_endian(&head[8..]).ok()?
    } else {
        endian?
    };
    let t = endian.u32(head, 0)?;
    let len = endian.u32(head, 4)? as u64;
    let kind = BlockKind::of(t);
    if kind == BlockKind::Other || len < 12 || len > opts.max_block_size.min(RESYNC_MAX_BLOCK) {
        return None;
    }
    let len = len as usize;
    let block = data.get(..len)?;
    if endian.u32(block, len - 4)? as usize != len {
        return None;
    }
    let body = &block[8..len - 4];
    if kind == BlockKind::Event {
        let ev = Event::parse(t, body, endian).ok()?;
        let sane = last_ts == 0
            || (ev.ts.saturating_add(RESYNC_BEFORE_NS) >= last_ts
                && ev.ts <= last_ts.saturating_add(RESYNC_AFTER_NS));
        return sane.then_some((len, Some(ev.ts)));
    }
    let raw = RawBlock {
        offset: 0,
        block_type: t,
        body,
        endian,
    };
    Block::decode(raw).ok().map(|_| (len, None))
}

/// Whether the header at the start of `data` could begin a plausible block (a known type and
/// a sane length), before its whole length is read.
fn plausible_head(data: &[u8], endian: Option<Endian>, opts: &ReadOptions) -> Option<usize> {
    let head: &[u8; 12] = data.first_chunk()?;
    let endian = if Endian::Little.u32(head, 0) == Some(types::SHB) {
        crate::section::SectionHeader::detect_endian(&head[8..]).ok()?
    } else {
        endian?
    };
    let t = endian.u32(head, 0)?;
    let len = endian.u32(head, 4)? as u64;
    let ok = BlockKind::of(t) != BlockKind::Other
        && len >= 12
        && len <= opts.max_block_size.min(RESYNC_MAX_BLOCK);
    ok.then_some(len as usize)
}

/// Section state shared by both readers: the current byte order, and whether a section began.
#[derive(Debug, Clone, Copy, Default)]
struct SectionState {
    endian: Endian,
    started: bool,
}

impl SectionState {
    /// Checks a block header and returns `(block_type, total_length, endian)`.
    /// `head` holds at least the 8-byte header, plus the section magic for an SHB.
    #[inline(always)]
    fn frame(
        &mut self,
        head: &[u8],
        offset: u64,
        opts: &ReadOptions,
    ) -> Result<(u32, u64, Endian)> {
        let t = Endian::Little.u32(head, 0).unwrap_or_default();
        let err = |kind| Error::new(offset, Some(t), kind);
        let endian = if t == types::SHB {
            let magic = head.get(8..12).ok_or_else(|| {
                err(ErrorKind::Truncated {
                    needed: 12,
                    available: head.len() as u64,
                })
            })?;
            crate::section::SectionHeader::detect_endian(magic).map_err(err)?
        } else if !self.started {
            return Err(err(ErrorKind::NoSectionHeader(t)));
        } else {
            self.endian
        };
        let t = endian.u32(head, 0).unwrap_or_default();
        let err = |kind| Error::new(offset, Some(t), kind);
        let len = endian.u32(head, 4).unwrap_or_default();
        if len < 12 {
            return Err(err(ErrorKind::BadBlockLength(len)));
        }
        if len as u64 > opts.max_block_size {
            return Err(err(ErrorKind::BlockTooLarge {
                len: len as u64,
                max: opts.max_block_size,
            }));
        }
        Ok((t, len as u64, endian))
    }

    /// Checks the trailer and decodes a whole framed block.
    #[inline]
    fn finish<'a>(
        &mut self,
        block: &'a [u8],
        t: u32,
        endian: Endian,
        offset: u64,
    ) -> Result<Block<'a>> {
        let len = block.len();
        let err = |kind| Error::new(offset, Some(t), kind);
        let kind = BlockKind::of(t);
        if kind == BlockKind::Event {
            // The common case, decoded straight into the block (fewer moves of the event).
            return match Event::parse(t, &block[8..len - 4], endian) {
                Ok(ev) => Ok(Block::Event(ev.framed(block))),
                Err(e) => Err(err(e)),
            };
        }
        // libscap never compares event trailers; metadata trailers must match.
        if !matches!(kind, BlockKind::Event | BlockKind::Section) {
            let trailer = endian.u32(block, len - 4).unwrap_or_default();
            if trailer as usize != len {
                return Err(err(ErrorKind::TrailerMismatch {
                    header: len as u32,
                    trailer,
                }));
            }
        }
        let raw = RawBlock {
            offset,
            block_type: t,
            body: &block[8..len - 4],
            endian,
        };
        let decoded = Block::decode(raw).map_err(err)?;
        if let Block::Section(s) = &decoded {
            self.endian = s.endian;
            self.started = true;
        }
        Ok(decoded)
    }
}

/// Reads blocks from a byte slice; events borrow from it.
///
/// Yields every whole block; after a framing error (truncation, bad length) it yields the error
/// and then ends. A block whose framing is sound but whose content is malformed yields an error
/// and reading goes on with the next block.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use strata_scap::{Block, SliceReader};
/// let bytes = strata_scap::demo::capture();
/// let events = SliceReader::new(&bytes)
///     .filter_map(|b| b.ok())
///     .filter(|b| matches!(b, Block::Event(_)))
///     .count();
/// assert!(events > 0);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct SliceReader<'a> {
    data: &'a [u8],
    pos: usize,
    last: u64,
    state: SectionState,
    opts: ReadOptions,
    done: bool,
    end_error: Option<Error>,
    /// Recovery: bytes passed over, and the timestamp of the last good event.
    skipped: u64,
    last_ts: u64,
}

impl<'a> SliceReader<'a> {
    /// A reader over uncompressed capture bytes, with default limits.
    pub fn new(data: &'a [u8]) -> Self {
        Self::with_options(data, ReadOptions::default())
    }

    /// A reader with the given limits.
    pub fn with_options(data: &'a [u8], opts: ReadOptions) -> Self {
        SliceReader {
            data,
            pos: 0,
            last: 0,
            state: SectionState::default(),
            opts,
            done: false,
            end_error: None,
            skipped: 0,
            last_ts: 0,
        }
    }

    /// Byte offset of the block last returned.
    pub fn block_offset(&self) -> u64 {
        self.last
    }

    /// Bytes passed over by recovery ([`ReadOptions::recover`]).
    pub fn skipped_bytes(&self) -> u64 {
        self.skipped
    }

    /// Recovery: checks the block at the current position; if its frame is broken, returns
    /// the error and moves to the next plausible block (or to the end).
    #[cold]
    #[inline(never)]
    fn check_or_resync(&mut self) -> Option<Error> {
        let rest = &self.data[self.pos..];
        if rest.len() < 12 {
            // The usual path reports what is cut short.
            return None;
        }
        let offset = self.pos as u64;
        let endian = self.state.started.then_some(self.state.endian);
        if let Some((_, ts)) = plausible(rest, endian, &self.opts, 0) {
            if let Some(ts) = ts {
                self.last_ts = ts;
            }
            return None;
        }
        // The error the reader would give, else the trailer or contents that let it down.
        let err = match self.state.clone().frame(rest, offset, &self.opts) {
            Err(e) => e,
            Ok((t, len, _)) if len > rest.len() as u64 => Error::new(
                offset,
                Some(t),
                ErrorKind::Truncated {
                    needed: len,
                    available: rest.len() as u64,
                },
            ),
            Ok((t, len, e)) => {
                let trailer = e.u32(rest, len as usize - 4).unwrap_or_default();
                // A bad trailer with a good block after it: the length holds, as libscap
                // (which does not check event trailers) would have it.
                let next = &rest[len as usize..];
                if trailer as u64 != len
                    && !next.is_empty()
                    && plausible(next, endian, &self.opts, 0).is_none()
                {
                    Error::new(
                        offset,
                        Some(t),
                        ErrorKind::TrailerMismatch {
                            header: len as u32,
                            trailer,
                        },
                    )
                } else {
                    // A sound frame with bad contents: the usual path reports it and goes on.
                    return None;
                }
            }
        };
        self.last = offset;
        let from = self.pos + 1;
        let found = (from..self.data.len())
            .find(|&q| plausible(&self.data[q..], endian, &self.opts, self.last_ts).is_some());
        let to = found.unwrap_or(self.data.len());
        self.skipped += (to - self.pos) as u64;
        self.pos = to;
        Some(err)
    }

    /// Byte offset of the next block.
    pub fn position(&self) -> u64 {
        self.pos as u64
    }

    /// The next block framed but not decoded; `None` at the end.
    #[inline(always)]
    pub fn next_raw(&mut self) -> Option<Result<RawBlock<'a>>> {
        let (t, block, endian) = match self.next_framed()? {
            Ok(x) => x,
            Err(e) => return Some(Err(e)),
        };
        let len = block.len();
        Some(Ok(RawBlock {
            offset: self.last,
            block_type: t,
            body: &block[8..len - 4],
            endian,
        }))
    }

    #[inline(always)]
    fn next_framed(&mut self) -> Option<Result<(u32, &'a [u8], Endian)>> {
        if self.done {
            return None;
        }
        let rest = &self.data[self.pos..];
        if rest.is_empty() {
            self.done = true;
            return self.end_error.take().map(Err);
        }
        let offset = self.pos as u64;
        self.last = offset;
        if rest.len() < 8 {
            self.done = true;
            let t = if rest.len() >= 4 {
                Endian::Little.u32(rest, 0)
            } else {
                None
            };
            return Some(Err(Error::new(
                offset,
                t,
                ErrorKind::Truncated {
                    needed: 8,
                    available: rest.len() as u64,
                },
            )));
        }
        let (t, len, endian) = match self.state.frame(rest, offset, &self.opts) {
            Ok(x) => x,
            Err(e) => {
                self.done = true;
                return Some(Err(e));
            }
        };
        if len > rest.len() as u64 {
            self.done = true;
            return Some(Err(Error::new(
                offset,
                Some(t),
                ErrorKind::Truncated {
                    needed: len,
                    available: rest.len() as u64,
                },
            )));
        }
        let block = &rest[..len as usize];
        self.pos += len as usize;
        if t == types::SHB {
            // Keep the byte order even if the caller only frames.
            if let Ok(e) = crate::section::SectionHeader::detect_endian(&block[8..]) {
                self.state.endian = e;
                self.state.started = true;
            }
        }
        Some(Ok((t, block, endian)))
    }
}

impl<'a> Iterator for SliceReader<'a> {
    type Item = Result<Block<'a>>;

    #[inline(always)]
    fn next(&mut self) -> Option<Self::Item> {
        if self.opts.recover && !self.done {
            if let Some(e) = self.check_or_resync() {
                return Some(Err(e));
            }
            return self.next_plain();
        }
        self.next_plain()
    }
}

impl<'a> SliceReader<'a> {
    /// The next block without recovery.
    #[inline(always)]
    fn next_plain(&mut self) -> Option<Result<Block<'a>>> {
        if !self.done {
            let rest = &self.data[self.pos..];
            if let Some((len, t)) = whole_event(rest, &self.state, &self.opts) {
                let offset = self.pos as u64;
                self.last = offset;
                self.pos += len;
                return Some(event_block(&rest[..len], t, self.state.endian, offset));
            }
        }
        let (t, block, endian) = match self.next_framed()? {
            Ok(x) => x,
            Err(e) => return Some(Err(e)),
        };
        // Fast path: events are nearly every block, and their trailers are not checked.
        if is_event_block(t) {
            let body = &block[8..block.len() - 4];
            let at = self.last;
            return Some(
                Event::parse(t, body, endian)
                    .map(Block::Event)
                    .map_err(|k| Error::new(at, Some(t), k)),
            );
        }
        self.next_other(t, block, endian)
    }
}

impl<'a> SliceReader<'a> {
    /// Metadata and unknown blocks, kept out of the event loop.
    #[inline(never)]
    fn next_other(&mut self, t: u32, block: &'a [u8], endian: Endian) -> Option<Result<Block<'a>>> {
        let r = self.state.finish(block, t, endian, self.last);
        // A section header that does not parse leaves the rest unreadable.
        if r.is_err() && t == types::SHB {
            self.done = true;
        }
        Some(r)
    }
}

/// Whether a block type is one of the event kinds (a `matches!` the compiler keeps inline).
#[inline(always)]
fn is_event_block(t: u32) -> bool {
    matches!(
        t,
        types::EV_V2
            | types::EVF_V2
            | types::EV
            | types::EVF
            | types::EV_V2_LARGE
            | types::EVF_V2_LARGE
            | types::EV_INT
    )
}

/// The common case of both readers: an event block of the current section, whole in
/// `avail` (which starts at the block). Returns its length and type, or `None` for anything
/// else (a section header, metadata, a bad or cut length, no section yet), which the general
/// path then frames and reports exactly as before.
#[inline(always)]
fn whole_event(avail: &[u8], state: &SectionState, opts: &ReadOptions) -> Option<(usize, u32)> {
    if !state.started {
        return None;
    }
    let head: &[u8; 8] = avail.first_chunk()?;
    // Two whole-word loads, swapped for a big-endian section.
    let t = u32::from_le_bytes([head[0], head[1], head[2], head[3]]);
    let len = u32::from_le_bytes([head[4], head[5], head[6], head[7]]);
    let (t, len) = match state.endian {
        Endian::Little => (t, len),
        Endian::Big => (t.swap_bytes(), len.swap_bytes()),
    };
    // EV_V2, what today's writers produce, is tested first.
    if !(t == types::EV_V2 || is_event_block(t)) || len < 12 || len as u64 > opts.max_block_size {
        return None;
    }
    let len = len as usize;
    (len <= avail.len()).then_some((len, t))
}

/// Decodes a framed event block (header and trailer included) at `offset`.
#[inline(always)]
fn event_block(block: &[u8], t: u32, endian: Endian, offset: u64) -> Result<Block<'_>> {
    let body = &block[8..block.len() - 4];
    // The block types of today's and of older writers get a decoder each, in which the
    // layout of the header is a constant; what they cannot decode (rarer types, errors) is
    // decoded again out of line, where the error is made.
    let parsed = match t {
        types::EV_V2 => Event::parse(types::EV_V2, body, endian),
        types::EV => Event::parse(types::EV, body, endian),
        _ => return other_event_block(block, t, endian, offset),
    };
    match parsed {
        Ok(ev) => Ok(Block::Event(ev.framed(block))),
        Err(_) => other_event_block(block, t, endian, offset),
    }
}

/// [`event_block`] for the rarer event block types and for malformed events, out of line.
#[cold]
#[inline(never)]
fn other_event_block(block: &[u8], t: u32, endian: Endian, offset: u64) -> Result<Block<'_>> {
    match Event::parse(t, &block[8..block.len() - 4], endian) {
        Ok(ev) => Ok(Block::Event(ev.framed(block))),
        Err(k) => Err(Error::new(offset, Some(t), k)),
    }
}

/// Reads blocks from any `io::Read`, through one buffer reused for every block.
///
/// Gzip input is detected by its magic. Blocks borrow from the reader's buffer, so this is a
/// lending iterator: call [`StreamReader::next_block`] in a `while let` loop. The buffer is
/// refilled in large reads and grows only as data arrives (never on a length's say-so alone).
pub struct StreamReader<R: Read> {
    src: Source<R>,
    /// Bytes read; `buf[start..end]` is what is not yet consumed.
    buf: Vec<u8>,
    start: usize,
    end: usize,
    /// Length of the block last returned, consumed at the next call.
    pending: usize,
    /// The layout of that block's event when the usual path decoded one, for
    /// [`current_event`](Self::current_event).
    layout: Option<Layout>,
    /// Stream offset of `buf[start]`.
    offset: u64,
    last: u64,
    state: SectionState,
    opts: ReadOptions,
    done: bool,
    eof: bool,
    gzip_cut: bool,
    /// Recovery: bytes passed over, and the timestamp of the last good event.
    skipped: u64,
    last_ts: u64,
}

/// Usual buffer size: one read serves many blocks (large reads keep the
/// per-syscall cost low when the source is a plain file).
const STREAM_BUF: usize = 256 << 10;

/// The buffer's first size; it doubles as data arrives, up to [`STREAM_BUF`].
const FIRST_BUF: usize = 8 << 10;

enum Source<R: Read> {
    Plain(io::Chain<io::Cursor<Vec<u8>>, R>),
    Gzip(Box<flate2::read::MultiGzDecoder<io::Chain<io::Cursor<Vec<u8>>, R>>>),
}

impl<R: Read> Read for Source<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Source::Plain(r) => r.read(buf),
            Source::Gzip(r) => r.read(buf),
        }
    }
}

impl<R: Read> std::fmt::Debug for StreamReader<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamReader")
            .field("offset", &self.offset)
            .field("gzip", &matches!(self.src, Source::Gzip(_)))
            .finish_non_exhaustive()
    }
}

impl<R: Read> StreamReader<R> {
    /// A reader over `inner` with default limits; gzip is detected.
    pub fn new(inner: R) -> io::Result<Self> {
        Self::with_options(inner, ReadOptions::default())
    }

    /// A reader with the given limits.
    pub fn with_options(mut inner: R, opts: ReadOptions) -> io::Result<Self> {
        let mut head = Vec::with_capacity(2);
        (&mut inner).take(2).read_to_end(&mut head)?;
        let gz = head == GZIP_MAGIC;
        let chained = io::Cursor::new(head).chain(inner);
        let src = if gz {
            Source::Gzip(Box::new(flate2::read::MultiGzDecoder::new(chained)))
        } else {
            Source::Plain(chained)
        };
        Ok(StreamReader {
            src,
            buf: Vec::new(),
            start: 0,
            end: 0,
            pending: 0,
            layout: None,
            offset: 0,
            last: 0,
            state: SectionState::default(),
            opts,
            done: false,
            eof: false,
            gzip_cut: false,
            skipped: 0,
            last_ts: 0,
        })
    }

    /// Turns recovery on or off from the next block on ([`ReadOptions::recover`]).
    pub fn set_recover(&mut self, on: bool) {
        self.opts.recover = on;
    }

    /// Bytes passed over by recovery ([`ReadOptions::recover`]).
    pub fn skipped_bytes(&self) -> u64 {
        self.skipped
    }

    /// Whether the block `len` bytes on is plausible, or the input ends there.
    fn next_is_plausible(&mut self, len: usize, endian: Option<Endian>) -> bool {
        let n = self.fill(len + 12).unwrap_or(0);
        if n == len {
            return true;
        }
        let Some(next_len) =
            plausible_head(&self.buf[self.start + len..self.end], endian, &self.opts)
        else {
            return false;
        };
        if self.fill(len + next_len).is_err() {
            return false;
        }
        plausible(&self.buf[self.start + len..self.end], endian, &self.opts, 0).is_some()
    }

    /// Recovery: checks the block at the current position; if its frame is broken, returns
    /// the error and moves to the next plausible block (or to the end of the input).
    #[cold]
    #[inline(never)]
    fn check_or_resync(&mut self) -> Option<Error> {
        let offset = self.offset;
        let have = self.fill(12).ok()?;
        if have == 0 {
            return None;
        }
        let endian = self.state.started.then_some(self.state.endian);
        if let Some(len) = plausible_head(&self.buf[self.start..self.end], endian, &self.opts) {
            if self.fill(len).is_ok() {
                let avail = &self.buf[self.start..self.end];
                if let Some((_, ts)) = plausible(avail, endian, &self.opts, 0) {
                    if let Some(ts) = ts {
                        self.last_ts = ts;
                    }
                    return None;
                }
            }
        }
        if have < 12 {
            // The usual path reports what is cut short.
            return None;
        }
        let head = &self.buf[self.start..self.start + 12];
        let err = match self.state.clone().frame(head, offset, &self.opts) {
            Err(e) => e,
            Ok((t, len, e)) => {
                let n = self.fill(len as usize).unwrap_or(0);
                if (n as u64) < len {
                    Error::new(
                        offset,
                        Some(t),
                        ErrorKind::Truncated {
                            needed: len,
                            available: n as u64,
                        },
                    )
                } else {
                    let at = self.start + len as usize - 4;
                    let trailer = e.u32(&self.buf, at).unwrap_or_default();
                    if trailer as u64 == len || self.next_is_plausible(len as usize, endian) {
                        // A sound frame (a bad trailer with a good block after it: the length
                        // holds, as libscap has it); bad contents are the usual path's to report.
                        return None;
                    }
                    Error::new(
                        offset,
                        Some(t),
                        ErrorKind::TrailerMismatch {
                            header: len as u32,
                            trailer,
                        },
                    )
                }
            }
        };
        self.last = offset;
        loop {
            self.start += 1;
            self.offset += 1;
            self.skipped += 1;
            let have = self.fill(12).unwrap_or_default();
            if have < 12 {
                // Nothing plausible before the end: pass over the rest.
                self.start += have;
                self.offset += have as u64;
                self.skipped += have as u64;
                break;
            }
            let avail = &self.buf[self.start..self.end];
            let Some(len) = plausible_head(avail, endian, &self.opts) else {
                continue;
            };
            if self.fill(len).is_err() {
                continue;
            }
            let avail = &self.buf[self.start..self.end];
            if plausible(avail, endian, &self.opts, self.last_ts).is_some() {
                break;
            }
        }
        Some(err)
    }

    /// Whether the input was gzip-compressed.
    pub fn is_gzip(&self) -> bool {
        matches!(self.src, Source::Gzip(_))
    }

    /// Byte offset (in the decompressed stream) of the block last returned.
    pub fn block_offset(&self) -> u64 {
        self.last
    }

    /// Makes `want` unconsumed bytes available if the input has them; returns how many are.
    ///
    /// The buffer grows at most to twice what has arrived, so a length field alone cannot make
    /// it allocate.
    #[inline]
    fn fill(&mut self, want: usize) -> io::Result<usize> {
        let have = self.end - self.start;
        if have >= want {
            return Ok(have);
        }
        self.fill_slow(want)
    }

    #[inline(never)]
    fn fill_slow(&mut self, want: usize) -> io::Result<usize> {
        while self.end - self.start < want && !self.eof {
            if self.end == self.buf.len() {
                if self.start > 0 {
                    self.buf.copy_within(self.start..self.end, 0);
                    self.end -= self.start;
                    self.start = 0;
                }
                // Grown when full of unread data, and, from a small first size, every time it
                // fills until it reaches its usual size: a short input (a fuzzer's) allocates
                // and zeroes little.
                if self.end == self.buf.len() || self.buf.len() < STREAM_BUF {
                    let grown = (self.buf.len() * 2)
                        .max(FIRST_BUF)
                        .min(want.max(STREAM_BUF));
                    self.buf.resize(grown, 0);
                }
            }
            match self.src.read(&mut self.buf[self.end..]) {
                Ok(0) => self.eof = true,
                Ok(n) => self.end += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                // A gzip stream cut short: keep what it gave, the caller reports the truncation.
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
                    self.gzip_cut = true;
                    self.eof = true;
                }
                Err(e) => return Err(e),
            }
        }
        Ok(self.end - self.start)
    }

    /// The event block [`next_block`](Self::next_block) returned last, decoded again from
    /// the buffer that still holds it; `None` if that was not an event (or an error).
    ///
    /// A reader that looks at each event and hands out only some (a filter) cannot return
    /// the borrow of `next_block` from inside its loop; it stops the loop, then takes the
    /// event again here.
    pub fn current_event(&self) -> Option<Event<'_>> {
        let block = self.buf.get(self.start..self.start + self.pending)?;
        if let Some(ev) = self
            .layout
            .as_ref()
            .and_then(|l| Event::from_layout(l, block))
        {
            return Some(ev);
        }
        let t = self.state.endian.u32(block, 0)?;
        match event_block(block, t, self.state.endian, self.last) {
            Ok(Block::Event(ev)) => Some(ev),
            _ => None,
        }
    }

    /// The next block if it is an event already whole in the buffer that decodes (nearly
    /// every block), else `None` with nothing but the last block consumed: then
    /// [`next_block`](Self::next_block) gives what comes next, an event or anything else.
    ///
    /// The event comes as it is, not wrapped in a block: a caller that reads millions saves
    /// the moves. With `keep`, [`current_event`](Self::current_event) gives it again
    /// without decoding it a second time. Under recovery this always answers `None`.
    ///
    /// ```
    /// use strata_scap::{Block, StreamReader};
    /// let bytes = strata_scap::demo::capture();
    /// let mut reader = StreamReader::new(&bytes[..])?;
    /// let mut events = 0;
    /// loop {
    ///     if let Some(ev) = reader.next_whole_event(false) {
    ///         assert!(ev.ts > 0);
    ///         events += 1;
    ///         continue;
    ///     }
    ///     match reader.next_block() {
    ///         Some(Ok(Block::Event(_))) => events += 1,
    ///         Some(Ok(_)) => {}
    ///         Some(Err(e)) => return Err(e.into()),
    ///         None => break,
    ///     }
    /// }
    /// assert_eq!(events, strata_scap::SliceReader::new(&bytes).filter(|b| matches!(b, Ok(Block::Event(_)))).count());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[inline(always)]
    pub fn next_whole_event(&mut self, keep: bool) -> Option<Event<'_>> {
        if self.done || self.opts.recover {
            return None;
        }
        // The last block consumed, as `next_block` would first.
        self.start += self.pending;
        self.offset += self.pending as u64;
        self.pending = 0;
        self.layout = None;
        let (len, t) = whole_event(&self.buf[self.start..self.end], &self.state, &self.opts)?;
        let block = &self.buf[self.start..self.start + len];
        let body = &block[8..block.len() - 4];
        let ev = match t {
            types::EV_V2 => Event::parse(types::EV_V2, body, self.state.endian),
            types::EV => Event::parse(types::EV, body, self.state.endian),
            _ => return None,
        }
        .ok()?
        .framed(block);
        self.pending = len;
        self.last = self.offset;
        if keep {
            self.layout = Some(ev.layout());
        }
        Some(ev)
    }

    /// The next block, or `None` at a clean end of input.
    #[inline]
    pub fn next_block(&mut self) -> Option<Result<Block<'_>>> {
        if self.done {
            return None;
        }
        self.start += self.pending;
        self.offset += self.pending as u64;
        self.pending = 0;
        self.layout = None;
        if self.opts.recover {
            if let Some(e) = self.check_or_resync() {
                return Some(Err(e));
            }
        }
        let offset = self.offset;
        self.last = offset;
        // Nearly every block: an event already whole in the buffer.
        let avail = &self.buf[self.start..self.end];
        if let Some((len, t)) = whole_event(avail, &self.state, &self.opts) {
            self.pending = len;
            let block = &self.buf[self.start..self.start + len];
            let r = event_block(block, t, self.state.endian, offset);
            if let Ok(Block::Event(ev)) = &r {
                self.layout = Some(ev.layout());
            }
            return Some(r);
        }
        self.next_block_slow()
    }

    /// [`next_block`](Self::next_block) for everything but a whole event block: refills,
    /// section headers, metadata, errors.
    #[inline(never)]
    fn next_block_slow(&mut self) -> Option<Result<Block<'_>>> {
        let offset = self.offset;
        let io_err = |e: io::Error| Error::new(offset, None, e.into());
        let have = match self.fill(8) {
            Ok(n) => n,
            Err(e) => {
                self.done = true;
                return Some(Err(io_err(e)));
            }
        };
        if have == 0 {
            self.done = true;
            if self.gzip_cut {
                return Some(Err(Error::new(offset, None, ErrorKind::TruncatedGzip)));
            }
            return None;
        }
        if have < 8 {
            self.done = true;
            let t = Endian::Little.u32(&self.buf[self.start..self.end], 0);
            return Some(Err(Error::new(
                offset,
                t,
                ErrorKind::Truncated {
                    needed: 8,
                    available: have as u64,
                },
            )));
        }
        if Endian::Little.u32(&self.buf, self.start) == Some(types::SHB) {
            if let Err(e) = self.fill(12) {
                self.done = true;
                return Some(Err(io_err(e)));
            }
        }
        let head = &self.buf[self.start..self.end.min(self.start + 12)];
        let (t, len, endian) = match self.state.frame(head, offset, &self.opts) {
            Ok(x) => x,
            Err(e) => {
                self.done = true;
                return Some(Err(e));
            }
        };
        // `len` is within the configured cap, so it fits in memory terms.
        let len = len as usize;
        match self.fill(len) {
            Err(e) => {
                self.done = true;
                return Some(Err(Error::new(offset, Some(t), e.into())));
            }
            Ok(n) if n < len => {
                self.done = true;
                return Some(Err(Error::new(
                    offset,
                    Some(t),
                    ErrorKind::Truncated {
                        needed: len as u64,
                        available: n as u64,
                    },
                )));
            }
            Ok(_) => {}
        }
        self.pending = len;
        let block = &self.buf[self.start..self.start + len];
        let r = self.state.finish(block, t, endian, offset);
        if r.is_err() && t == types::SHB {
            self.done = true;
        }
        Some(r)
    }
}

/// Decompresses `bytes` if they are gzip, within `max` bytes; returns them as they are otherwise.
/// The flag says the gzip stream was cut short (the bytes are what it held).
pub fn decompress(bytes: Vec<u8>, max: u64) -> Result<(Vec<u8>, bool)> {
    if !bytes.starts_with(&GZIP_MAGIC) {
        return Ok((bytes, false));
    }
    let mut cut = false;
    let mut out = Vec::new();
    let got = flate2::read::MultiGzDecoder::new(&bytes[..])
        .take(max.saturating_add(1))
        .read_to_end(&mut out);
    match got {
        Ok(_) => {}
        // A truncated gzip file: keep what it holds, the block reader reports the truncation.
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => cut = true,
        Err(e) => return Err(Error::new(out.len() as u64, None, e.into())),
    }
    if out.len() as u64 > max {
        return Err(Error::new(max, None, ErrorKind::DecompressedTooLarge(max)));
    }
    Ok((out, cut))
}

/// A whole capture in memory (decompressed), to read with zero-copy [`SliceReader`]s.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capture {
    bytes: Vec<u8>,
    opts: ReadOptions,
    gzip_cut: bool,
}

impl Capture {
    /// Reads a capture file, decompressing it if it is gzip'd.
    pub fn open(path: impl AsRef<Path>) -> Result<Capture> {
        Self::open_with(path, ReadOptions::default())
    }

    /// Reads a capture file with the given limits.
    pub fn open_with(path: impl AsRef<Path>, opts: ReadOptions) -> Result<Capture> {
        let bytes = fs::read(path).map_err(|e| Error::new(0, None, e.into()))?;
        Self::from_bytes_with(bytes, opts)
    }

    /// A capture from bytes, gzip'd or not.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Capture> {
        Self::from_bytes_with(bytes, ReadOptions::default())
    }

    /// A capture from bytes with the given limits.
    pub fn from_bytes_with(bytes: Vec<u8>, opts: ReadOptions) -> Result<Capture> {
        let (bytes, gzip_cut) = decompress(bytes, opts.max_decompressed_size)?;
        Ok(Capture {
            bytes,
            opts,
            gzip_cut,
        })
    }

    /// The decompressed bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// A reader over the blocks; if the gzip stream was cut short, it ends with that error.
    pub fn blocks(&self) -> SliceReader<'_> {
        let mut r = SliceReader::with_options(&self.bytes, self.opts);
        if self.gzip_cut {
            let at = self.bytes.len() as u64;
            r.end_error = Some(Error::new(at, None, ErrorKind::TruncatedGzip));
        }
        r
    }
}
