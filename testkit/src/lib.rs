//! What Strata's tests need from outside the repository: the captures of the shared directory
//! (`../shared` beside the workspace, or `$STRATA_SHARED`) and the `sysdig` oracle.
//!
//! A test asks here and gets `None` when they are missing: the test prints why it is skipped
//! and returns, so `cargo test --workspace` passes on a bare clone. With `CI=true` a missing
//! corpus or oracle is a failure instead.
//!
//! ```
//! fn every_capture_is_readable() {
//!     let Some(files) = strata_testkit::all_captures() else {
//!         return; // skipped: the reason is printed
//!     };
//!     for f in files {
//!         assert!(!strata_testkit::decompressed(&f).is_empty());
//!     }
//! }
//! ```

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// The shared directory: `$STRATA_SHARED`, else `shared` beside the workspace.
pub fn shared_dir() -> PathBuf {
    match std::env::var_os("STRATA_SHARED") {
        Some(p) => PathBuf::from(p),
        // This crate sits at the workspace's top level: its grandparent holds the workspace.
        None => Path::new(env!("CARGO_MANIFEST_DIR"))
            .ancestors()
            .nth(2)
            .expect("the workspace has a parent directory")
            .join("shared"),
    }
}

/// Whether missing test data is a failure rather than a skip: `CI=true`.
pub fn required() -> bool {
    std::env::var_os("CI").is_some_and(|v| v == "true")
}

/// Reports that the running test is skipped and why; with `CI=true`, fails it instead.
///
/// The line goes straight to stderr, past the test harness's capture, so a passing run shows it.
/// A panic (here and in the functions that call this) names the test's line.
#[track_caller]
pub fn skip(reason: &str) {
    assert!(
        !required(),
        "{reason}; with CI=true this fails rather than skips"
    );
    let test = std::thread::current()
        .name()
        .filter(|n| *n != "main")
        .map_or(String::new(), |n| format!(" {n}"));
    // One write, so that lines of tests running in parallel do not interleave.
    let _ = std::io::stderr().write_all(format!("skipped{test}: {reason}\n").as_bytes());
}

/// `rel` in the shared directory (a file or directory), or `None` (skipped) if it does not exist.
#[track_caller]
pub fn shared(rel: &str) -> Option<PathBuf> {
    let path = shared_dir().join(rel);
    if path.exists() {
        return Some(path);
    }
    skip(&format!("{} not found (set STRATA_SHARED)", path.display()));
    None
}

/// Every `.scap` file of the shared directory `dir` (`corpus`, `corpus-modern`), sorted, or
/// `None` (skipped) if there is no such directory. A directory without captures fails: the data
/// is there but broken, and no test may pass vacuously.
#[track_caller]
pub fn corpus(dir: &str) -> Option<Vec<PathBuf>> {
    let d = shared_dir().join(dir);
    if !d.is_dir() {
        skip(&format!(
            "corpus directory {} not found (set STRATA_SHARED)",
            d.display()
        ));
        return None;
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(&d)
        .unwrap_or_else(|e| panic!("corpus directory {} unreadable: {e}", d.display()))
        .map(|e| e.expect("read the corpus directory").path())
        .filter(|p| p.extension().is_some_and(|x| x == "scap"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no captures in {}", d.display());
    Some(files)
}

/// Every shared capture: `corpus` (old format, sysdig's era), `corpus-modern`, then
/// `corpus-wild` (recorded by others, both formats; sysdig 0.29.3 cannot read some of them).
#[track_caller]
pub fn all_captures() -> Option<Vec<PathBuf>> {
    let mut files = corpus("corpus")?;
    files.extend(corpus("corpus-modern")?);
    files.extend(corpus("corpus-wild")?);
    Some(files)
}

/// The file's bytes, gunzipped if they are gzip (with flate2 directly, not through strata).
pub fn decompressed(path: &Path) -> Vec<u8> {
    let raw = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    if !raw.starts_with(&[0x1f, 0x8b]) {
        return raw;
    }
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(&raw[..])
        .read_to_end(&mut out)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    out
}

/// `sysdig` on `PATH` (the oracle: sysdig 0.29.3), or `None` (skipped) if it is not installed.
#[track_caller]
pub fn sysdig() -> Option<PathBuf> {
    tool("sysdig")
}

/// Program `name` on `PATH` (`sysdig`, `tshark`: the oracles `../shared/tools/install-oracle`
/// installs), or `None` (skipped) if it is not installed.
#[track_caller]
pub fn tool(name: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(name))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        skip(&format!(
            "{name} not found on PATH (install it with ../shared/tools/install-oracle)"
        ));
    }
    found
}
