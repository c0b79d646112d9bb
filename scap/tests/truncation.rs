//! Truncating a capture at any byte gives every whole block, then one clean truncation error,
//! from both readers; never a panic.

use std::io::Read;
use std::path::PathBuf;

use strata_scap::{Block, SliceReader, StreamReader};

fn shared_dir() -> PathBuf {
    std::env::var_os("STRATA_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared")))
}

fn load(rel: &str) -> Vec<u8> {
    let p = shared_dir().join(rel);
    let raw = std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(&raw[..])
            .read_to_end(&mut out)
            .unwrap();
        out
    } else {
        raw
    }
}

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
    let bytes = load("corpus/test_ipv6_client.scap");
    let ends = block_ends(&bytes);
    for cut in 0..=bytes.len() {
        check_cut(&bytes, &ends, cut);
    }
}

#[test]
fn truncations_of_every_capture_near_block_edges() {
    for dir in ["corpus", "corpus-modern"] {
        let mut files: Vec<_> = std::fs::read_dir(shared_dir().join(dir))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.ends_with(".scap"))
            .collect();
        files.sort();
        assert!(!files.is_empty());
        for f in files {
            let bytes = load(&format!("{dir}/{f}"));
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
}

#[test]
fn stream_reader_agrees_on_truncated_gzip_and_plain_input() {
    let path = shared_dir().join("corpus/falco_cat_write.scap");
    let gz = std::fs::read(&path).unwrap();
    let plain = load("corpus/falco_cat_write.scap");
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
