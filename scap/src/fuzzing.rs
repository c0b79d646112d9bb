//! The bodies of the cargo-fuzz targets (`fuzz/`), kept here so that stable `cargo test` can
//! replay seeds and regressions through the same code. Each function panics only when an
//! invariant of the crate is broken; malformed input must come back as errors.

use std::fmt::Write as _;

use crate::block::Block;
use crate::error::ErrorKind;
use crate::event::Event;
use crate::param::ParamValue;
use crate::reader::{ReadOptions, SliceReader, StreamReader};
use crate::section::SectionHeader;
use crate::table;
use crate::writer::Writer;

/// A `fmt::Write` that keeps only a count, so formatting is exercised without growing memory.
struct Sink(usize);

impl std::fmt::Write for Sink {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0 += s.len();
        Ok(())
    }
}

/// Limits small enough that the fuzzer's memory stays bounded.
fn opts() -> ReadOptions {
    ReadOptions::default()
        .max_block_size(1 << 20)
        .max_decompressed_size(16 << 20)
}

/// Decodes and formats every parameter of an event.
fn touch_event(ev: &Event<'_>, sink: &mut Sink) {
    let _ = (ev.name(), ev.direction(), ev.is_state_only());
    assert_eq!(ev.params_raw().count(), ev.nparams());
    // All at once agrees with one at a time (by `Debug`, where a NaN equals itself).
    let mut buf = crate::ParamBuf::new();
    let each: Vec<_> = ev.params().collect();
    match ev.decode_params(&mut buf) {
        Ok(all) => assert_eq!(
            format!(
                "{:?}",
                all.iter()
                    .copied()
                    .map(Ok::<_, ErrorKind>)
                    .collect::<Vec<_>>()
            ),
            format!("{each:?}"),
            "decode_params and params differ"
        ),
        Err(e) => assert_eq!(
            each.iter().find_map(|v| v.clone().err()),
            Some(e),
            "decode_params fails, but not with params' first error"
        ),
    }
    for i in 0..ev.nparams() {
        let raw = ev
            .param_raw(i)
            .expect("validated events have all their parameters");
        let Some(info) = ev.info().and_then(|inf| inf.params.get(i)) else {
            continue;
        };
        match ev.param(i) {
            Some(Ok(v)) => {
                let _ = write!(sink, "{}", v.display_param(info));
                if let Some(r) = v.resolved() {
                    let _ = write!(sink, "({r})");
                }
                // What decodes re-encodes to something that decodes to the same value.
                let mut again = Vec::new();
                if v.encode(info.ty, &mut again, ev.endian()).is_ok() {
                    let back = ParamValue::decode(info, &again, ev.endian());
                    assert!(back.is_ok(), "re-encoded {:?} does not decode", raw);
                }
            }
            Some(Err(e)) => {
                let _ = write!(sink, "{e}");
            }
            None => unreachable!("parameter {i} exists"),
        }
    }
}

/// Visits everything a block exposes.
fn touch_block(block: &Block<'_>, sink: &mut Sink) {
    match block {
        Block::Section(s) => {
            let _ = s.iter_options().count();
        }
        Block::MachineInfo(m) => {
            let _ = write!(sink, "{:?}", m.hostname());
        }
        Block::ProcessList(p) => assert_eq!(p.entries().count(), p.len()),
        Block::FdList(f) => assert_eq!(f.entries().count(), f.len()),
        Block::InterfaceList(i) => assert_eq!(i.entries().count(), i.len()),
        Block::UserList(u) => assert_eq!(u.entries().count(), u.len()),
        Block::Event(ev) => touch_event(ev, sink),
        Block::Other(_) => {}
    }
}

/// Writes `block` after `section`, reads it back, and checks that writing what was read gives
/// the same bytes again.
fn check_rewrite(section: &SectionHeader<'_>, block: &Block<'_>) {
    if matches!(block, Block::Section(_)) {
        return;
    }
    let write = |b: &Block<'_>| {
        let mut w = Writer::new(Vec::new());
        w.write_section(section)
            .expect("a parsed section header writes");
        w.write_block(b)
            .map(|()| w.into_inner().expect("Vec cannot fail"))
    };
    let Ok(first) = write(block) else { return };
    let mut blocks = SliceReader::new(&first);
    blocks.next().expect("section").expect("section re-reads");
    let again = blocks
        .next()
        .expect("block")
        .expect("a written block re-reads");
    let second = write(&again).expect("a re-read block writes");
    assert_eq!(first, second, "writing is not stable");
}

/// Fuzz body: reads `data` with the slice reader, touching and re-writing every block.
pub fn read_slice(data: &[u8]) {
    let mut sink = Sink(0);
    let mut section = SectionHeader::current();
    let mut items = 0usize;
    for block in SliceReader::with_options(data, opts()) {
        items += 1;
        assert!(
            items <= data.len() / 12 + 1,
            "more blocks than the input can hold"
        );
        let Ok(block) = block else { continue };
        touch_block(&block, &mut sink);
        if let Block::Section(s) = &block {
            section = SectionHeader { options: &[], ..*s };
        }
        check_rewrite(&section, &block);
    }
}

/// A source that gives at most 11 bytes per read, so that the stream reader never holds a whole
/// block (12 bytes at least) before asking for it: every block then takes its general path
/// (refill, framing, decoding), not the fast path of an event already in the buffer.
struct Trickle<'a>(&'a [u8]);

impl std::io::Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf.len().min(self.0.len()).min(11);
        buf[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}

/// Fuzz body: reads `data` with the stream reader, from memory and 11 bytes at a time; on
/// plain input both must agree with the slice reader block for block, error for error.
pub fn read_stream(data: &[u8]) {
    read_stream_from(data, data, true);
    read_stream_from(data, Trickle(data), false);
    read_recovering(data, data);
    read_recovering(data, Trickle(data));
}

/// With recovery, on plain input, both readers agree block for block, error for error, and
/// on the bytes passed over; each error is followed by a block or the end.
fn read_recovering(data: &[u8], src: impl std::io::Read) {
    let o = opts().recover(true);
    let Ok(mut stream) = StreamReader::with_options(src, o) else {
        return;
    };
    if stream.is_gzip() {
        while stream.next_block().is_some() {}
        return;
    }
    let mut slice = SliceReader::with_options(data, o);
    let mut items = 0usize;
    while let Some(b) = stream.next_block() {
        items += 1;
        assert!(
            items <= 2 * (data.len() / 12 + 1),
            "more items than recovery can make of the input"
        );
        let s = slice.next().expect("the slice reader has as many items");
        match (&b, &s) {
            (Ok(x), Ok(y)) => assert_eq!(x, y),
            (Err(x), Err(y)) => assert_eq!(x, y),
            _ => panic!("recovering readers disagree: stream {b:?}, slice {s:?}"),
        }
    }
    assert!(slice.next().is_none(), "the slice reader has more items");
    assert_eq!(stream.skipped_bytes(), slice.skipped_bytes());
    assert!(slice.skipped_bytes() <= data.len() as u64);
}

fn read_stream_from(data: &[u8], src: impl std::io::Read, touch: bool) {
    let mut sink = Sink(0);
    let Ok(mut stream) = StreamReader::with_options(src, opts()) else {
        return;
    };
    let gzip = stream.is_gzip();
    let mut slice = SliceReader::with_options(data, opts());
    let mut items = 0usize;
    while let Some(b) = stream.next_block() {
        items += 1;
        if let (Ok(block), true) = (&b, touch) {
            touch_block(block, &mut sink);
        }
        if gzip {
            continue;
        }
        assert!(
            items <= data.len() / 12 + 1,
            "more blocks than the input can hold"
        );
        let s = slice.next().expect("the slice reader has as many items");
        match (&b, &s) {
            (Ok(x), Ok(y)) => assert_eq!(x, y),
            (Err(x), Err(y)) => assert_eq!(x, y),
            _ => panic!("readers disagree: stream {b:?}, slice {s:?}"),
        }
    }
    if !gzip {
        assert!(slice.next().is_none(), "the slice reader has more items");
    }
}

/// Fuzz body: decodes bytes as one parameter picked from the event table by the first two bytes,
/// then the rest as an event body of every event block type.
pub fn decode_params(data: &[u8]) {
    let mut sink = Sink(0);
    if data.len() < 2 {
        return;
    }
    let pick = u16::from_le_bytes([data[0], data[1]]) as usize;
    let all: usize = table::events().iter().map(|e| e.params.len()).sum();
    let mut k = pick % all;
    let info = table::events()
        .iter()
        .flat_map(|e| e.params.iter())
        .find(|_| {
            let hit = k == 0;
            k = k.saturating_sub(1);
            hit
        })
        .expect("k indexes a parameter");
    for endian in [crate::Endian::Little, crate::Endian::Big] {
        if let Ok(v) = ParamValue::decode(info, &data[2..], endian) {
            let _ = write!(sink, "{}", v.display_param(info));
            if let Some(r) = v.resolved() {
                let _ = write!(sink, "({r})");
            }
        }
    }
    use crate::block::types::*;
    for bt in [EV, EVF, EV_V2, EVF_V2, EV_V2_LARGE, EVF_V2_LARGE] {
        if let Ok(ev) = Event::parse(bt, &data[2..], crate::Endian::Little) {
            touch_event(&ev, &mut sink);
        }
    }
}
