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

/// The `filter` fuzz body over the committed regressions, the suite of filters checked
/// against sysdig, and hostile texts: an error or a program, never a panic or a hang.
#[test]
fn filter_texts_never_panic() {
    let root = std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
    let mut texts: Vec<Vec<u8>> = Vec::new();
    if let Ok(dir) = std::fs::read_dir(root.join("fuzz/regressions/filter")) {
        for f in dir {
            texts.push(std::fs::read(f.unwrap().path()).unwrap());
        }
    }
    let suite = std::fs::read_to_string(root.join("tests/data/filters-sysdig.txt")).unwrap();
    let refused =
        std::fs::read_to_string(root.join("tests/data/filters-sysdig-refused.txt")).unwrap();
    for line in suite.lines().chain(refused.lines()) {
        let line = line.rsplit('\t').next_back().unwrap_or(line);
        let filter = line.split('\t').next().unwrap_or(line);
        texts.push(filter.as_bytes().to_vec());
    }
    for hostile in [
        "(".repeat(100_000),
        "not ".repeat(50_000) + "a.b exists",
        "a.b exists and ".repeat(10_000) + "a.b exists",
        "(a.b=1 and ".repeat(5_000),
        "proc.name in (".to_string() + &"x,".repeat(50_000) + "y)",
        "\"".repeat(1000),
        "proc.name regex '(a+)+$'".into(),
        "proc.name = \"\\x".into(),
        "tolower(".repeat(5_000),
    ] {
        texts.push(hostile.into_bytes());
    }
    for t in &texts {
        strata_dissect::fuzzing::filter(t);
    }
    assert!(texts.len() > 500);
}
