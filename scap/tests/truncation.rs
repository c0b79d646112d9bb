//! Truncating a capture at any byte gives every whole block, then one clean truncation error,
//! from both readers; never a panic.

use strata_scap::{Block, SliceReader, StreamReader};
use strata_testkit::{all_captures, decompressed, shared};

/// End offsets of every block, from the framing alone.
fn block_ends(bytes: &[u8]) -> Vec<usize> {
    let mut ends = Vec::new();
    let mut off = 0;
    while off + 8 <= bytes.len() {
        let len = u32::from_le_bytes(bytes[off + 4..off + 8].try_into().unwrap()) as usize;
        off += len;
        ends.push(off);
    }
    assert_eq!(off, bytes.len());
    ends
}

/// Checks one truncated input: `whole` blocks come back whole, then a truncation error unless
/// the cut falls between blocks.
fn check_cut(bytes: &[u8], ends: &[usize], cut: usize) {
    let input = &bytes[..cut];
    let whole = ends.iter().take_while(|&&e| e <= cut).count();
    let at_boundary = cut == 0 || ends.contains(&cut);
    let mut ok = 0;
    let mut errors = Vec::new();
    for b in SliceReader::new(input) {
        match b {
            Ok(_) => ok += 1,
            Err(e) => errors.push(e),
        }
    }
    assert_eq!(ok, whole, "cut at {cut}");
    if at_boundary {
        assert!(errors.is_empty(), "cut at {cut}: {errors:?}");
    } else {
        assert_eq!(errors.len(), 1, "cut at {cut}: {errors:?}");
        let e = &errors[0];
        assert!(e.is_truncated(), "cut at {cut}: {e}");
        assert_eq!(
            e.offset as usize,
            if whole == 0 { 0 } else { ends[whole - 1] }
        );
        assert!(e.to_string().contains("truncated"), "{e}");
    }
}

#[test]
fn every_truncation_point_of_a_capture() {
    let Some(path) = shared("corpus/test_ipv6_client.scap") else {
        return;
    };
    let bytes = decompressed(&path);
    let ends = block_ends(&bytes);
    for cut in 0..=bytes.len() {
        check_cut(&bytes, &ends, cut);
    }
}

#[test]
fn truncations_of_every_capture_near_block_edges() {
    let Some(files) = all_captures() else {
        return;
    };
    for f in files {
        let bytes = decompressed(&f);
        let ends = block_ends(&bytes);
        // Around every 97th block end: the boundary itself and its neighbours.
        for &e in ends.iter().step_by(97) {
            for cut in [
                e.saturating_sub(1),
                e,
                (e + 1).min(bytes.len()),
                (e + 9).min(bytes.len()),
            ] {
                check_cut(&bytes, &ends, cut);
            }
        }
    }
}

#[test]
fn stream_reader_agrees_on_truncated_gzip_and_plain_input() {
    let Some(path) = shared("corpus/falco_cat_write.scap") else {
        return;
    };
    let gz = std::fs::read(&path).unwrap();
    let plain = decompressed(&path);
    let total = SliceReader::new(&plain)
        .filter(|b| matches!(b, Ok(Block::Event(_))))
        .count();
    for cut in [gz.len(), gz.len() - 1, gz.len() / 2, 100, 11] {
        let mut r = StreamReader::new(&gz[..cut]).unwrap();
        assert!(r.is_gzip());
        let (mut events, mut errors) = (0, 0);
        while let Some(b) = r.next_block() {
            match b {
                Ok(Block::Event(_)) => events += 1,
                Ok(_) => {}
                Err(e) => {
                    assert!(e.is_truncated(), "gzip cut at {cut}: {e}");
                    errors += 1;
                }
            }
        }
        assert!(errors <= 1);
        // The in-memory reader says the same.
        let cap = strata_scap::Capture::from_bytes(gz[..cut].to_vec()).unwrap();
        let mut in_memory = (0, 0);
        for b in cap.blocks() {
            match b {
                Ok(Block::Event(_)) => in_memory.0 += 1,
                Ok(_) => {}
                Err(e) => {
                    assert!(e.is_truncated(), "in-memory gzip cut at {cut}: {e}");
                    in_memory.1 += 1;
                }
            }
        }
        assert_eq!(in_memory, (events, errors), "gzip cut at {cut}");
        if cut == gz.len() {
            assert_eq!((events, errors), (total, 0));
        } else if cut <= gz.len() / 2 {
            // (A cut in the gzip trailer alone loses no data.)
            assert!(
                events < total && errors == 1,
                "gzip cut at {cut}: {events} {errors}"
            );
        }
    }
}
