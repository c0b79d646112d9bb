//! Helpers shared by the conformance tests: the corpus and the oracle (from `strata-testkit`),
//! an independent block walker, and running the examples and the oracle.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

// Where the captures and the oracle are, and skipping without them (with `CI=true`, failing).
// Each test binary uses some of them.
#[allow(unused_imports)]
pub use strata_testkit::{all_captures, corpus, decompressed, shared, sysdig, tool};

/// One event block as an independent walker sees it.
#[derive(Debug, PartialEq, Eq)]
pub struct WalkedEvent {
    pub ts: u64,
    pub cpu: u16,
    pub tid: i64,
    pub event_type: u16,
    pub len: u32,
}

/// A deliberately simple walker, sharing no code with strata: little-endian framing, fixed
/// offsets for the preamble and event header of the six event block types.
pub fn walk_events(bytes: &[u8]) -> Vec<WalkedEvent> {
    let u16_at = |o: usize| u16::from_le_bytes([bytes[o], bytes[o + 1]]);
    let u32_at = |o: usize| u32::from_le_bytes(bytes[o..o + 4].try_into().unwrap());
    let u64_at = |o: usize| u64::from_le_bytes(bytes[o..o + 8].try_into().unwrap());
    let mut out = Vec::new();
    let mut off = 0;
    while off + 8 <= bytes.len() {
        let (t, len) = (u32_at(off), u32_at(off + 4) as usize);
        assert!(
            len >= 12 && off + len <= bytes.len(),
            "corpus file is not well framed"
        );
        let pre = match t {
            0x204 | 0x216 | 0x221 | 0x8010ABCD => Some(2),
            0x208 | 0x217 | 0x222 => Some(6),
            _ => None,
        };
        if let Some(pre) = pre {
            let h = off + 8 + pre;
            out.push(WalkedEvent {
                cpu: u16_at(off + 8),
                ts: u64_at(h),
                tid: u64_at(h + 8) as i64,
                len: u32_at(h + 16),
                event_type: u16_at(h + 20),
            });
        }
        off += len;
    }
    out
}

/// Path of a compiled example of this package (cargo builds examples for `cargo test`).
pub fn example(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap().parent().unwrap().join("examples");
    let p = dir.join(name);
    assert!(
        p.exists(),
        "example {} not built (run through cargo test)",
        p.display()
    );
    p
}

/// Runs sysdig on a file with TZ=UTC and returns its stdout.
pub fn run_sysdig(sysdig: &Path, file: &Path, args: &[&str]) -> String {
    let out = Command::new(sysdig)
        .env("TZ", "UTC")
        .arg("-r")
        .arg(file)
        .args(args)
        .output()
        .expect("run sysdig");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The old-format captures: all of `../shared/corpus`, and those of `../shared/corpus-wild`
/// that have no libsinsp answers beside them (`NAME.state.txt` marks libsinsp's own format);
/// `None` (skipped) without them.
pub fn old_format_captures() -> Option<Vec<PathBuf>> {
    let mut files = corpus("corpus")?;
    files.extend(
        corpus("corpus-wild")?
            .into_iter()
            .filter(|f| !f.with_extension("state.txt").exists()),
    );
    Some(files)
}
