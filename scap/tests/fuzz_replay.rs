//! Replays the fuzz targets' bodies on stable: over every corpus capture (whole, gzip'd, and
//! with bytes flipped), over committed fuzz regressions, and over arbitrary bytes (proptest).

use std::path::PathBuf;

use proptest::prelude::*;
use strata_scap::fuzzing;

/// Every capture of both corpora: (as stored, decompressed); `None` (skipped) without them.
fn captures() -> Option<Vec<(Vec<u8>, Vec<u8>)>> {
    let files = strata_testkit::all_captures()?;
    let read = |p: &PathBuf| (std::fs::read(p).unwrap(), strata_testkit::decompressed(p));
    Some(files.iter().map(read).collect())
}

#[test]
fn fuzz_bodies_accept_the_corpus() {
    let Some(captures) = captures() else {
        return;
    };
    for (raw, plain) in captures {
        fuzzing::read_slice(&plain);
        fuzzing::read_stream(&plain);
        fuzzing::read_stream(&raw);
    }
}

#[test]
fn fuzz_bodies_survive_flipped_bytes() {
    // A deterministic walk of single-byte corruptions over the first blocks of each capture.
    let Some(captures) = captures() else {
        return;
    };
    for (_, plain) in captures {
        let head = &plain[..plain.len().min(6000)];
        for i in (0..head.len()).step_by(7) {
            let mut m = head.to_vec();
            m[i] ^= 0x5a;
            fuzzing::read_slice(&m);
            fuzzing::read_stream(&m);
        }
    }
}

#[test]
fn committed_regressions_still_pass() {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../fuzz/regressions"));
    let Ok(targets) = std::fs::read_dir(&dir) else {
        return;
    };
    for t in targets {
        let t = t.unwrap().path();
        let name = t.file_name().unwrap().to_string_lossy().into_owned();
        for f in std::fs::read_dir(&t).unwrap() {
            let data = std::fs::read(f.unwrap().path()).unwrap();
            match name.as_str() {
                "read_slice" => fuzzing::read_slice(&data),
                "read_stream" => fuzzing::read_stream(&data),
                "decode_params" => fuzzing::decode_params(&data),
                // Replayed by strata-dissect's tests.
                "inspect" | "filter" => {}
                other => panic!("regressions for unknown target {other}"),
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..2048)) {
        fuzzing::read_slice(&data);
        fuzzing::read_stream(&data);
        fuzzing::decode_params(&data);
    }

    #[test]
    fn arbitrary_bodies_after_a_valid_header(body in proptest::collection::vec(any::<u8>(), 0..512),
                                             ty in prop::sample::select(vec![0x201u32, 0x203, 0x204, 0x205, 0x206, 0x208, 0x211, 0x215, 0x216, 0x217, 0x218, 0x219, 0x220, 0x221])) {
        // A section header, then one block of a known type with an arbitrary body.
        let mut w = strata_scap::Writer::new(Vec::new());
        w.write_section(&strata_scap::SectionHeader::current()).unwrap();
        w.write_raw(ty, &body).unwrap();
        let bytes = w.into_inner().unwrap();
        fuzzing::read_slice(&bytes);
        fuzzing::read_stream(&bytes);
    }
}
