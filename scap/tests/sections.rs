//! Sections, byte orders, options, foreign blocks, gzip output and the block-size cap.

use strata_scap::block::types;
use strata_scap::section::{OPT_COMMENT, encode_options};
use strata_scap::{
    Block, Capture, Endian, ErrorKind, ReadOptions, SectionHeader, SliceReader, StreamReader,
    Writer,
};

fn events(bytes: &[u8]) -> Vec<(u64, u64, u16, Vec<Vec<u8>>)> {
    SliceReader::new(bytes)
        .map(|b| b.unwrap())
        .filter_map(|b| match b {
            Block::Event(e) => Some((
                e.ts,
                e.tid,
                e.event_type,
                e.params_raw().map(<[u8]>::to_vec).collect(),
            )),
            _ => None,
        })
        .collect()
}

#[test]
fn several_sections_in_one_file() {
    let demo = strata_scap::demo::capture();
    let mut two = demo.clone();
    two.extend_from_slice(&demo);
    let sections = SliceReader::new(&two)
        .filter(|b| matches!(b, Ok(Block::Section(_))))
        .count();
    assert_eq!(sections, 2);
    assert_eq!(events(&two).len(), 2 * events(&demo).len());
}

#[test]
fn big_endian_sections_read_like_little_endian_ones() {
    let params: [&[u8]; 2] = [&0i64.to_be_bytes(), &3i64.to_be_bytes()];
    let mut w = Writer::new(Vec::new());
    w.write_section(&SectionHeader {
        endian: Endian::Big,
        ..SectionHeader::current()
    })
    .unwrap();
    w.write_event(1, 0, 123_456, 77, 5, &params).unwrap();
    let bytes = w.into_inner().unwrap();
    assert_eq!(&bytes[8..12], &[0x1a, 0x2b, 0x3c, 0x4d]);
    let blocks: Vec<_> = SliceReader::new(&bytes).map(Result::unwrap).collect();
    let Block::Section(s) = &blocks[0] else {
        panic!("{blocks:?}")
    };
    assert_eq!(s.endian, Endian::Big);
    let ev = blocks[1].as_event().unwrap();
    assert_eq!((ev.cpu, ev.ts, ev.tid, ev.event_type), (1, 123_456, 77, 5));
    assert_eq!(ev.param(1).unwrap().unwrap().to_string(), "3");
    let mut stream = StreamReader::new(&bytes[..]).unwrap();
    let mut n = 0;
    while let Some(b) = stream.next_block() {
        b.unwrap();
        n += 1;
    }
    assert_eq!(n, 2);
}

#[test]
fn section_options_are_kept_and_exposed() {
    let opts = encode_options(Endian::Little, &[(OPT_COMMENT, b"recorded by strata")]).unwrap();
    let mut w = Writer::new(Vec::new());
    w.write_section(&SectionHeader {
        options: &opts,
        minor: 3,
        ..SectionHeader::current()
    })
    .unwrap();
    w.write_event(0, 0, 1, 1, 5, &[&0i64.to_le_bytes(), &1i64.to_le_bytes()])
        .unwrap();
    let bytes = w.into_inner().unwrap();
    let first = SliceReader::new(&bytes).next().unwrap().unwrap();
    let Block::Section(s) = first else { panic!() };
    assert_eq!((s.major, s.minor), (1, 3));
    assert_eq!(s.comment(), Some(&b"recorded by strata"[..]));
    assert_eq!(events(&bytes).len(), 1);
}

#[test]
fn foreign_and_unknown_blocks_are_surfaced_and_skipped() {
    let mut w = Writer::new(Vec::new());
    w.write_section(&SectionHeader::current()).unwrap();
    w.write_raw(0x1, &[0u8; 8]).unwrap(); // a pcapng interface description block
    w.write_event(0, 0, 1, 1, 5, &[&0i64.to_le_bytes(), &1i64.to_le_bytes()])
        .unwrap();
    w.write_raw(0xBAD, b"custom!").unwrap(); // a pcapng custom block
    w.write_raw(0x7777_0001, &[]).unwrap();
    let bytes = w.into_inner().unwrap();
    let kinds: Vec<u32> = SliceReader::new(&bytes)
        .map(|b| b.unwrap().block_type())
        .collect();
    assert_eq!(kinds, [types::SHB, 0x1, types::EV_V2, 0xBAD, 0x7777_0001]);
    let others = SliceReader::new(&bytes)
        .filter(|b| matches!(b, Ok(Block::Other(_))))
        .count();
    assert_eq!(others, 3);
}

#[test]
fn gzip_output_reads_back_the_same() {
    let demo = strata_scap::demo::capture();
    let mut w = Writer::gzip(Vec::new());
    for b in SliceReader::new(&demo) {
        w.write_block(&b.unwrap()).unwrap();
    }
    let gz = w.into_inner().unwrap();
    assert_eq!(&gz[..2], &[0x1f, 0x8b]);
    assert!(gz.len() < demo.len());
    let cap = Capture::from_bytes(gz).unwrap();
    assert_eq!(cap.bytes(), &demo[..]);
}

#[test]
fn block_size_cap_is_a_precise_error() {
    let demo = strata_scap::demo::capture();
    let opts = ReadOptions::default().max_block_size(256);
    let mut errors = SliceReader::with_options(&demo, opts).filter_map(Result::err);
    let e = errors.next().expect("some demo block is over 256 bytes");
    assert!(
        matches!(e.kind, ErrorKind::BlockTooLarge { max: 256, .. }),
        "{e}"
    );
    assert!(e.block_type.is_some());
    let mut s = StreamReader::with_options(&demo[..], opts).unwrap();
    let mut stream_err = None;
    while let Some(b) = s.next_block() {
        if let Err(e) = b {
            stream_err = Some(e);
        }
    }
    assert_eq!(stream_err, Some(e));
}

#[test]
fn a_stream_that_lies_about_block_size_allocates_only_what_arrives() {
    // A header announcing a 200 MB block over a 40-byte input: a truncation error, quickly.
    let mut w = Writer::new(Vec::new());
    w.write_section(&SectionHeader::current()).unwrap();
    let mut bytes = w.into_inner().unwrap();
    bytes.extend_from_slice(&types::EV_V2.to_le_bytes());
    bytes.extend_from_slice(&200_000_000u32.to_le_bytes());
    bytes.extend_from_slice(&[0u8; 4]);
    let mut s = StreamReader::new(&bytes[..]).unwrap();
    assert!(s.next_block().unwrap().is_ok());
    let e = s.next_block().unwrap().unwrap_err();
    assert!(e.is_truncated(), "{e}");
    assert_eq!(e.offset, 28);
    assert!(s.next_block().is_none());
}

/// `current_event` gives the event `next_block` returned last, every one of them (the usual
/// path keeps the decoded layout; the other blocks give none).
#[test]
fn current_event_is_the_last_event_returned() {
    let demo = strata_scap::demo::capture();
    let mut r = StreamReader::new(&demo[..]).unwrap();
    let mut events = 0;
    loop {
        let ev = match r.next_block() {
            None => break,
            Some(Ok(Block::Event(e))) => {
                let p: Vec<Vec<u8>> = e.params_raw().map(<[u8]>::to_vec).collect();
                Some((e.ts, e.tid, e.event_type, e.cpu, e.len, p))
            }
            Some(Ok(_)) => None,
            Some(Err(e)) => panic!("{e}"),
        };
        let again = r.current_event().map(|e| {
            let p: Vec<Vec<u8>> = e.params_raw().map(<[u8]>::to_vec).collect();
            (e.ts, e.tid, e.event_type, e.cpu, e.len, p)
        });
        assert_eq!(again, ev);
        events += usize::from(ev.is_some());
    }
    assert!(events > 10, "{events} events");
}
