//! The writer: frames blocks (header, body, zero padding, trailer) onto any `io::Write`,
//! optionally through gzip.

use std::io::{self, Write};

use crate::block::{Block, types};
use crate::bytes::Endian;
use crate::error::{Error, ErrorKind, Result};
use crate::event::{Event, encode_event};
use crate::section::SectionHeader;

/// Writes blocks in the byte order of the last section header written.
///
/// Reading a capture and writing back every block gives the same bytes.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use strata_scap::{Block, SliceReader, Writer};
/// let original = strata_scap::demo::capture();
/// let mut w = Writer::new(Vec::new());
/// for block in SliceReader::new(&original) {
///     w.write_block(&block?)?;
/// }
/// assert_eq!(w.into_inner()?, original);
/// # Ok(()) }
/// ```
///
/// Blocks are gathered in a buffer of the writer's own and handed to `W` in large writes (a
/// block is several small pieces, and a call per piece through a `dyn Write` costs more than
/// the copy); [`flush`](Writer::flush) or [`into_inner`](Writer::into_inner) hands over the
/// rest, and so does dropping the writer (errors then are lost).
pub struct Writer<W: Write> {
    /// `None` only after [`into_inner`](Writer::into_inner) took it.
    out: Option<Sink<W>>,
    endian: Endian,
    body: Vec<u8>,
    /// Framed blocks not yet handed to `out`.
    stage: Vec<u8>,
    written: u64,
}

/// Bytes gathered before they are handed to the inner writer.
const STAGE: usize = 64 << 10;

enum Sink<W: Write> {
    Plain(W),
    Gzip(flate2::write::GzEncoder<W>),
}

impl<W: Write> std::fmt::Debug for Writer<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer")
            .field("written", &self.written)
            .finish_non_exhaustive()
    }
}

impl<W: Write> Writer<W> {
    /// A writer of uncompressed blocks.
    pub fn new(out: W) -> Self {
        Writer {
            out: Some(Sink::Plain(out)),
            endian: Endian::Little,
            body: Vec::new(),
            stage: Vec::new(),
            written: 0,
        }
    }

    /// A writer that gzips its output (zlib's default level, as libscap does).
    pub fn gzip(out: W) -> Self {
        let enc = flate2::write::GzEncoder::new(out, flate2::Compression::default());
        Writer {
            out: Some(Sink::Gzip(enc)),
            endian: Endian::Little,
            body: Vec::new(),
            stage: Vec::new(),
            written: 0,
        }
    }

    /// Bytes written so far (before compression).
    pub fn bytes_written(&self) -> u64 {
        self.written
    }

    /// The byte order blocks are written in.
    pub fn endian(&self) -> Endian {
        self.endian
    }

    fn err(&self, block_type: u32, kind: ErrorKind) -> Error {
        Error::new(self.written, Some(block_type), kind)
    }

    /// Writes a block with the given type and body: header, body, zero padding, trailer.
    pub fn write_raw(&mut self, block_type: u32, body: &[u8]) -> Result<()> {
        self.write_parts(block_type, &[body])
    }

    /// Writes a block whose body is `parts` back to back, without gathering them first.
    fn write_parts(&mut self, block_type: u32, parts: &[&[u8]]) -> Result<()> {
        let len: usize = parts.iter().map(|p| p.len()).sum();
        let pad = (4 - len % 4) % 4;
        let total = 12 + len as u64 + pad as u64;
        let total32 = u32::try_from(total).map_err(|_| {
            self.err(
                block_type,
                ErrorKind::TooLargeToWrite {
                    what: "block",
                    len: total,
                    max: u32::MAX as u64,
                },
            )
        })?;
        let word = |v: u32| match self.endian {
            Endian::Little => v.to_le_bytes(),
            Endian::Big => v.to_be_bytes(),
        };
        let (t, n) = (word(block_type), word(total32));
        if self.stage.capacity() == 0 {
            self.stage.reserve(STAGE + 4096);
        }
        let stage = &mut self.stage;
        stage.extend_from_slice(&t);
        stage.extend_from_slice(&n);
        for p in parts {
            stage.extend_from_slice(p);
        }
        stage.extend_from_slice(&[0u8; 3][..pad]);
        stage.extend_from_slice(&n);
        self.written += total;
        if self.stage.len() >= STAGE {
            self.hand_over()
                .map_err(|e| self.err(block_type, e.into()))?;
        }
        Ok(())
    }

    /// Hands the gathered blocks to the inner writer.
    fn hand_over(&mut self) -> io::Result<()> {
        if self.stage.is_empty() {
            return Ok(());
        }
        let r = match &mut self.out {
            Some(Sink::Plain(w)) => w.write_all(&self.stage),
            Some(Sink::Gzip(w)) => w.write_all(&self.stage),
            None => Ok(()),
        };
        self.stage.clear();
        r
    }

    /// Hands every block written so far to the inner writer and flushes it.
    pub fn flush(&mut self) -> Result<()> {
        let at = self.written;
        let r = self.hand_over().and_then(|()| match &mut self.out {
            Some(Sink::Plain(w)) => w.flush(),
            Some(Sink::Gzip(w)) => w.flush(),
            None => Ok(()),
        });
        r.map_err(|e| Error::new(at, None, e.into()))
    }

    /// Writes a section header and switches to its byte order.
    pub fn write_section(&mut self, shb: &SectionHeader<'_>) -> Result<()> {
        self.endian = shb.endian;
        let mut body = std::mem::take(&mut self.body);
        body.clear();
        shb.encode(&mut body);
        let r = self.write_raw(types::SHB, &body);
        self.body = body;
        r
    }

    /// Writes any block, re-encoding it from its typed form.
    pub fn write_block(&mut self, block: &Block<'_>) -> Result<()> {
        match block {
            Block::Section(s) => return self.write_section(s),
            // As read: copied, not re-encoded.
            Block::Event(ev) if ev.endian() == self.endian => {
                return self.write_event_flagged(ev, 0);
            }
            _ => {}
        }
        let t = block.block_type();
        let e = self.endian;
        let mut body = std::mem::take(&mut self.body);
        body.clear();
        let enc = match block {
            Block::Section(_) => Ok(()),
            Block::MachineInfo(b) => b.encode(&mut body, e),
            Block::ProcessList(b) => b.encode(&mut body, e),
            Block::FdList(b) => b.encode(&mut body, e),
            Block::InterfaceList(b) => b.encode(&mut body, e),
            Block::UserList(b) => b.encode(&mut body, e),
            Block::Event(ev) => {
                encode_event_block(&mut body, ev, e);
                Ok(())
            }
            Block::Other(r) => {
                body.extend_from_slice(r.body);
                Ok(())
            }
        };
        let r = match enc {
            Ok(()) => self.write_raw(t, &body),
            Err(k) => Err(self.err(t, k)),
        };
        self.body = body;
        r
    }

    /// Writes `ev` as read, in the flagged variant of its block type (EVF, EVF_V2 or
    /// EVF_V2_LARGE) carrying `dump_flags`; with no flags, in its own block type. This is how a
    /// dumper marks an event it keeps for state only ([`DF_STATE_ONLY`](crate::event::DF_STATE_ONLY)).
    pub fn write_event_flagged(&mut self, ev: &Event<'_>, dump_flags: u32) -> Result<()> {
        let t = match (dump_flags, ev.block_type) {
            (0, t) => t,
            (_, types::EV | types::EVF) => types::EVF,
            (_, types::EV_V2_LARGE | types::EVF_V2_LARGE) => types::EVF_V2_LARGE,
            _ => types::EVF_V2,
        };
        let e = self.endian;
        // Unchanged (same type, flags and byte order) and well framed (readers do not check an
        // event's trailer; a file written here is framed right): the block as it was read, in
        // one copy.
        let frame = ev.frame();
        if !frame.is_empty()
            && t == ev.block_type
            && e == ev.endian()
            && (dump_flags == 0 || dump_flags == ev.dump_flags)
            && frame.len() % 4 == 0
            && e.u32(frame, frame.len() - 4) == Some(frame.len() as u32)
        {
            if self.stage.capacity() == 0 {
                self.stage.reserve(STAGE + 4096);
            }
            self.stage.extend_from_slice(frame);
            self.written += frame.len() as u64;
            if self.stage.len() >= STAGE {
                self.hand_over().map_err(|err| self.err(t, err.into()))?;
            }
            return Ok(());
        }
        let word = |v: u32| match e {
            Endian::Little => v.to_le_bytes(),
            Endian::Big => v.to_be_bytes(),
        };
        let cpu = match e {
            Endian::Little => ev.cpu.to_le_bytes(),
            Endian::Big => ev.cpu.to_be_bytes(),
        };
        let flagged = matches!(t, types::EVF | types::EVF_V2 | types::EVF_V2_LARGE);
        let flags = if dump_flags == 0 {
            ev.dump_flags
        } else {
            dump_flags
        };
        // The block in three copies: header and preamble, the event with what followed it,
        // padding and trailer.
        let body = ev.raw_and_tail();
        let pre_len = if flagged { 6 } else { 2 };
        let len = pre_len + body.len();
        let pad = (4 - len % 4) % 4;
        let total = 12 + len as u64 + pad as u64;
        let Ok(total32) = u32::try_from(total) else {
            return Err(self.err(
                t,
                ErrorKind::TooLargeToWrite {
                    what: "block",
                    len: total,
                    max: u32::MAX as u64,
                },
            ));
        };
        let (tw, nw, fw) = (word(t), word(total32), word(flags));
        let head = [
            tw[0], tw[1], tw[2], tw[3], nw[0], nw[1], nw[2], nw[3], cpu[0], cpu[1], fw[0], fw[1],
            fw[2], fw[3],
        ];
        let end = [0, 0, 0, nw[0], nw[1], nw[2], nw[3]];
        if self.stage.capacity() == 0 {
            self.stage.reserve(STAGE + 4096);
        }
        self.stage.extend_from_slice(&head[..8 + pre_len]);
        self.stage.extend_from_slice(body);
        self.stage.extend_from_slice(&end[3 - pad..]);
        self.written += total;
        if self.stage.len() >= STAGE {
            self.hand_over().map_err(|e| self.err(t, e.into()))?;
        }
        Ok(())
    }

    /// Writes a new event (26-byte header) in an EV_V2 block, or EV_V2_LARGE when the type is
    /// large-payload; EVF variants when `dump_flags` is not 0.
    pub fn write_event(
        &mut self,
        cpu: u16,
        dump_flags: u32,
        ts: u64,
        tid: u64,
        event_type: u16,
        params: &[&[u8]],
    ) -> Result<()> {
        let large = crate::table::event_info(event_type).is_some_and(|i| i.large_payload());
        let t = match (dump_flags != 0, large) {
            (false, false) => types::EV_V2,
            (true, false) => types::EVF_V2,
            (false, true) => types::EV_V2_LARGE,
            (true, true) => types::EVF_V2_LARGE,
        };
        let e = self.endian;
        let mut body = std::mem::take(&mut self.body);
        body.clear();
        e.put_u16(&mut body, cpu);
        if dump_flags != 0 {
            e.put_u32(&mut body, dump_flags);
        }
        let r = match encode_event(&mut body, e, ts, tid, event_type, params) {
            Ok(()) => self.write_raw(t, &body),
            Err(k) => Err(self.err(t, k)),
        };
        self.body = body;
        r
    }

    /// Flushes and returns the inner writer (finishing the gzip stream if any).
    pub fn into_inner(mut self) -> io::Result<W> {
        self.hand_over()?;
        match self.out.take() {
            Some(Sink::Plain(mut w)) => {
                w.flush()?;
                Ok(w)
            }
            Some(Sink::Gzip(g)) => g.finish(),
            None => Err(io::Error::other("the writer was already taken")),
        }
    }
}

impl<W: Write> Drop for Writer<W> {
    fn drop(&mut self) {
        // What was written reaches the inner writer, as with a `BufWriter`.
        let _ = self.hand_over();
    }
}

/// The body of an event block: preamble, the event bytes as read, and what followed them.
fn encode_event_block(body: &mut Vec<u8>, ev: &Event<'_>, e: Endian) {
    e.put_u16(body, ev.cpu);
    if matches!(
        ev.block_type,
        types::EVF | types::EVF_V2 | types::EVF_V2_LARGE
    ) {
        e.put_u32(body, ev.dump_flags);
    }
    body.extend_from_slice(ev.raw());
    body.extend_from_slice(ev.tail());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SliceReader;

    /// An event is copied as read, unless its trailer is wrong (readers do not check it):
    /// then it is framed anew.
    #[test]
    fn events_are_copied_as_read_and_framed_right() {
        let mut bytes = crate::demo::capture();
        let mut blocks = SliceReader::new(&bytes);
        let at = loop {
            match blocks.next() {
                Some(Ok(Block::Event(ev))) if ev.block_type == types::EV_V2 => {
                    break blocks.block_offset() as usize;
                }
                Some(_) => {}
                None => panic!("the demo capture has events"),
            }
        };
        let len = u32::from_le_bytes(bytes[at + 4..at + 8].try_into().unwrap()) as usize;
        let copy = |bytes: &[u8]| {
            let mut w = Writer::new(Vec::new());
            for b in SliceReader::new(bytes) {
                w.write_block(&b.unwrap()).unwrap();
            }
            w.into_inner().unwrap()
        };
        assert_eq!(copy(&bytes), bytes);
        // A wrong trailer on the first event: read all the same, written right.
        bytes[at + len - 4..at + len].copy_from_slice(&[9, 9, 9, 9]);
        let out = copy(&bytes);
        assert_eq!(out.len(), bytes.len());
        assert_eq!(out[at + len - 4..at + len], (len as u32).to_le_bytes());
        assert_eq!(out[..at + len - 4], bytes[..at + len - 4]);
        assert_eq!(out[at + len..], bytes[at + len..]);
    }
}
