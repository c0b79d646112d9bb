//! Replays the `inspect` fuzz body over every capture of the shared corpora, their
//! truncations and byte flips: the state engine and every field must survive them.

use std::io::Read;
use std::path::{Path, PathBuf};

fn shared() -> PathBuf {
    match std::env::var_os("STRATA_SHARED") {
        Some(p) => PathBuf::from(p),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared"),
    }
}

fn captures() -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for dir in ["corpus", "corpus-modern"] {
        let d = shared().join(dir);
        let mut files: Vec<PathBuf> = std::fs::read_dir(&d)
            .unwrap_or_else(|e| panic!("{}: {e}", d.display()))
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "scap"))
            .collect();
        files.sort();
        for f in files {
            let raw = std::fs::read(&f).unwrap();
            let mut bytes = Vec::new();
            if raw.starts_with(&[0x1f, 0x8b]) {
                flate2::read::MultiGzDecoder::new(&raw[..])
                    .read_to_end(&mut bytes)
                    .unwrap();
            } else {
                bytes = raw;
            }
            out.push(bytes);
        }
    }
    assert!(out.len() >= 24, "the shared corpora are missing");
    out
}

#[test]
fn every_capture_and_its_damage_goes_through_every_field() {
    for bytes in captures() {
        strata_dissect::fuzzing::inspect(&bytes);
        // Truncated at a few places, and with bytes flipped at a fixed stride.
        for cut in [bytes.len() / 3, bytes.len() / 2, bytes.len() - 1] {
            strata_dissect::fuzzing::inspect(&bytes[..cut]);
        }
        let mut flipped = bytes.clone();
        let mut i = 64;
        while i < flipped.len() {
            flipped[i] ^= 0xa5;
            i += 997;
        }
        strata_dissect::fuzzing::inspect(&flipped);
    }
}
