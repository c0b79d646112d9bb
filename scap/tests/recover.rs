//! Recovery (`ReadOptions::recover`): a capture damaged in one place yields every event before
//! and after the damage, through both readers, and says how many bytes it passed over.

use strata_scap::{Block, ReadOptions, SliceReader, StreamReader};

/// An event as (ts, tid, type).
type Id = (u64, u64, u16);

/// A damage done to a capture, named.
type Damage = (&'static str, Box<dyn Fn(&mut Vec<u8>)>);

/// (offset, length) of every block.
type Blocks = Vec<(usize, usize)>;

/// (offset, length) of every block, and each event with its block's index.
fn layout(bytes: &[u8]) -> (Blocks, Vec<(usize, Id)>) {
    let mut r = SliceReader::new(bytes);
    let mut blocks = Vec::new();
    let mut events = Vec::new();
    while let Some(b) = r.next() {
        let b = b.expect("the demo capture reads");
        let at = r.block_offset() as usize;
        let len = r.position() as usize - at;
        if let Block::Event(ev) = b {
            events.push((blocks.len(), (ev.ts, ev.tid, ev.event_type)));
        }
        blocks.push((at, len));
    }
    (blocks, events)
}

/// Events read with recovery, errors seen, bytes skipped: through the slice reader.
fn read_slice(bytes: &[u8]) -> (Vec<Id>, usize, u64) {
    let mut r = SliceReader::with_options(bytes, ReadOptions::default().recover(true));
    let (mut evs, mut errs) = (Vec::new(), 0);
    for b in r.by_ref() {
        match b {
            Ok(Block::Event(ev)) => evs.push((ev.ts, ev.tid, ev.event_type)),
            Ok(_) => {}
            Err(_) => errs += 1,
        }
    }
    (evs, errs, r.skipped_bytes())
}

/// The same through the stream reader.
fn read_stream(bytes: &[u8]) -> (Vec<Id>, usize, u64) {
    let mut r = StreamReader::with_options(bytes, ReadOptions::default().recover(true)).unwrap();
    let (mut evs, mut errs) = (Vec::new(), 0);
    while let Some(b) = r.next_block() {
        match b {
            Ok(Block::Event(ev)) => evs.push((ev.ts, ev.tid, ev.event_type)),
            Ok(_) => {}
            Err(_) => errs += 1,
        }
    }
    (evs, errs, r.skipped_bytes())
}

/// Every event but those of blocks `lost`.
fn without(events: &[(usize, Id)], lost: &[usize]) -> Vec<Id> {
    events
        .iter()
        .filter(|(b, _)| !lost.contains(b))
        .map(|(_, e)| *e)
        .collect()
}

#[test]
fn a_damaged_block_costs_that_block_only() {
    let bytes = strata_scap::demo::capture();
    let (blocks, events) = layout(&bytes);
    let middle = events[events.len() / 2].0;
    let (at, len) = blocks[middle];
    let damages: [Damage; 3] = [
        (
            "length zeroed",
            Box::new(move |b: &mut Vec<u8>| b[at + 4..at + 8].fill(0)),
        ),
        (
            "length past the end",
            Box::new(move |b: &mut Vec<u8>| b[at + 4..at + 8].fill(0x7f)),
        ),
        (
            "header garbled",
            Box::new(move |b: &mut Vec<u8>| b[at..at + 8].fill(0xa5)),
        ),
    ];
    for (what, damage) in &damages {
        let mut bad = bytes.clone();
        damage(&mut bad);
        // Without recovery, reading ends at the damage.
        let plain: Vec<_> = SliceReader::new(&bad).collect();
        assert!(plain.last().unwrap().is_err(), "{what}");
        let want = without(&events, &[middle]);
        for (reader, (got, errs, skipped)) in
            [("slice", read_slice(&bad)), ("stream", read_stream(&bad))]
        {
            assert_eq!(got, want, "{what}, {reader} reader: every other event");
            assert_eq!(errs, 1, "{what}, {reader} reader: one error");
            assert_eq!(
                skipped, len as u64,
                "{what}, {reader} reader: the block's bytes skipped"
            );
        }
    }
}

#[test]
fn a_bad_event_trailer_before_a_good_block_is_read_as_libscap_reads_it() {
    let bytes = strata_scap::demo::capture();
    let (blocks, events) = layout(&bytes);
    let (at, len) = blocks[events[events.len() / 2].0];
    let mut bad = bytes.clone();
    bad[at + len - 4..at + len].fill(0x5a);
    let want = without(&events, &[]);
    assert_eq!(read_slice(&bad), (want.clone(), 0, 0));
    assert_eq!(read_stream(&bad), (want, 0, 0));
}

#[test]
fn bytes_inserted_between_blocks_are_passed_over() {
    let bytes = strata_scap::demo::capture();
    let (blocks, events) = layout(&bytes);
    let (at, _) = blocks[events[events.len() / 3].0];
    let mut bad = bytes.clone();
    bad.splice(at..at, [0xde, 0xad, 0xbe]);
    let want = without(&events, &[]);
    for (got, errs, skipped) in [read_slice(&bad), read_stream(&bad)] {
        assert_eq!(got, want);
        assert_eq!((errs, skipped), (1, 3));
    }
}

#[test]
fn an_undamaged_capture_reads_the_same_with_recovery() {
    let bytes = strata_scap::demo::capture();
    let (_, events) = layout(&bytes);
    let want = without(&events, &[]);
    assert_eq!(read_slice(&bytes), (want.clone(), 0, 0));
    assert_eq!(read_stream(&bytes), (want, 0, 0));
}
