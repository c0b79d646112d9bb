//! Replays the `inspect` fuzz body over every capture of the shared corpora, their
//! truncations and byte flips: the state engine and every field must survive them.

/// Every capture of both corpora, decompressed; `None` (skipped) without them.
fn captures() -> Option<Vec<Vec<u8>>> {
    let files = strata_testkit::all_captures()?;
    assert!(files.len() >= 24, "the shared corpora are incomplete");
    Some(
        files
            .iter()
            .map(|f| strata_testkit::decompressed(f))
            .collect(),
    )
}

#[test]
fn every_capture_and_its_damage_goes_through_every_field() {
    let Some(captures) = captures() else {
        return;
    };
    for bytes in captures {
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
