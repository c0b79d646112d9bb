//! Helpers shared by the conformance tests: where the corpus is, an independent block walker,
//! and running the examples and the oracle.
#![allow(dead_code)]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The shared directory: `$STRATA_SHARED`, else `../shared` beside the workspace.
pub fn shared_dir() -> PathBuf {
    match std::env::var_os("STRATA_SHARED") {
        Some(p) => PathBuf::from(p),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared"),
    }
}

/// Every `.scap` file of `shared/<dir>`, sorted; panics if there are none, so a missing corpus
/// fails loudly instead of passing vacuously.
pub fn corpus(dir: &str) -> Vec<PathBuf> {
    let d = shared_dir().join(dir);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&d)
        .unwrap_or_else(|e| panic!("corpus directory {} unreadable: {e}", d.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "scap"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no captures in {}", d.display());
    files
}

/// Both corpora.
pub fn all_captures() -> Vec<PathBuf> {
    let mut v = corpus("corpus");
    v.extend(corpus("corpus-modern"));
    v
}

/// The file's bytes, gunzipped if needed (with flate2 directly, not through strata).
pub fn decompressed(path: &Path) -> Vec<u8> {
    let raw = std::fs::read(path).unwrap();
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

/// `sysdig` if installed. In CI (`CI=true`) its absence is a failure, not a skip.
pub fn sysdig() -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join("sysdig"))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        assert!(
            std::env::var("CI").map_or(true, |v| v != "true"),
            "sysdig is required in CI: run ../shared/tools/install-oracle"
        );
        eprintln!("sysdig not installed: skipping the oracle comparison");
    }
    found
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
