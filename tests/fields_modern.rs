//! The libsinsp 0.25 fields Falco's rules use that sysdig 0.29.3 lacked (`proc.pexe`,
//! `proc.aexe`, `fd.nameraw`, `thread.cap_effective`, `proc.exe_ino`, `fs.path.nameraw`, ...),
//! with the related ones they build on (`proc.exepath`, `proc.vpgid`), against libsinsp 0.25's
//! own values: for every event of every capture of `../shared/corpus-modern` (answers in
//! `../shared/golden-modern/NAME.fields.json.gz`) and of the libsinsp-format captures of
//! `../shared/corpus-wild` (answers beside them), each field's typed value through
//! `strata::Events` equals libsinsp's: `null` where it has none, booleans, numbers, text.
//!
//! `proc.exe_ino.ctime_duration_proc_start` is not in the goldens (libscap leaves it unset
//! for the threads of a capture's process list, so it differs from run to run); its unit test
//! is in `strata-dissect` (`sinsp_view.rs`).
//!
//! Needs the shared captures: with `CI=true` their absence fails, elsewhere the test is
//! skipped (with the reason on stderr).

mod common;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use strata::dissect::{FieldRef, Registry, Value};

/// The fields checked, each in `../shared/golden-modern/fields.txt`.
const FIELDS: &[&str] = &[
    "proc.exepath",
    "proc.pexe",
    "proc.aexe",
    "proc.pexepath",
    "proc.aexepath",
    "proc.vpgid",
    "proc.vpgid.name",
    "proc.vpgid.exe",
    "proc.vpgid.exepath",
    "proc.is_vpgid_leader",
    "proc.is_exe_writable",
    "proc.is_exe_upper_layer",
    "proc.is_exe_lower_layer",
    "proc.is_exe_from_memfd",
    "proc.exe_ino",
    "proc.exe_ino.ctime",
    "proc.exe_ino.mtime",
    "thread.cap_permitted",
    "thread.cap_inheritable",
    "thread.cap_effective",
    "fd.nameraw",
    "fd.is_upper_layer",
    "fd.is_lower_layer",
    "fs.path.nameraw",
    "evt.is_open_read",
    "evt.is_open_write",
    "evt.is_open_exec",
];

/// (capture, answers) pairs.
fn cases() -> Option<Vec<(PathBuf, PathBuf)>> {
    let mut out = Vec::new();
    let golden = common::shared("golden-modern")?;
    for cap in common::corpus("corpus-modern")? {
        let stem = cap.file_stem()?.to_string_lossy().into_owned();
        out.push((cap, golden.join(format!("{stem}.fields.json.gz"))));
    }
    for cap in common::corpus("corpus-wild")? {
        let answers = cap.with_extension("fields.json.gz");
        if answers.exists() {
            out.push((cap, answers));
        }
    }
    Some(out)
}

/// libsinsp's values by `evt.num`, for the fields of [`FIELDS`].
fn answers(path: &Path) -> BTreeMap<u64, serde_json::Map<String, serde_json::Value>> {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut out = BTreeMap::new();
    for line in BufReader::new(flate2::read::GzDecoder::new(file)).lines() {
        let line = line.expect("gzip'd JSON lines");
        let serde_json::Value::Object(o) = serde_json::from_str(&line).expect("a JSON object")
        else {
            panic!("{}: not an object: {line}", path.display());
        };
        let num = o["evt.num"].as_u64().expect("evt.num");
        out.insert(num, o);
    }
    out
}

/// Whether Strata's value is libsinsp's typed one.
fn same(want: &serde_json::Value, got: Option<Value<'_>>) -> bool {
    use serde_json::Value as J;
    match (want, got) {
        (J::Null, None) => true,
        (J::Bool(w), Some(Value::Bool(g))) => *w == g,
        (J::Number(w), Some(g)) => match (w.as_i64(), w.as_u64()) {
            (Some(w), _) if g.as_i64() == Some(w) => true,
            (_, Some(w)) => matches!(g, Value::U64(g) | Value::AbsTime(g) if g == w),
            _ => false,
        },
        (J::String(w), Some(g)) => g.as_bytes().is_some() && g.to_string() == *w,
        _ => false,
    }
}

#[test]
fn modern_fields_equal_libsinsp_025() {
    let Some(cases) = cases() else {
        return;
    };
    assert!(
        cases.len() >= 16,
        "only {} captures with answers",
        cases.len()
    );
    let reg = Registry::builtin();
    let fields: Vec<FieldRef> = FIELDS
        .iter()
        .map(|f| FieldRef::parse(reg, f).unwrap())
        .collect();
    let (mut events, mut failures) = (0, Vec::new());
    let mut scratch = String::new();
    for (capture, golden) in &cases {
        let want = answers(golden);
        let stem = capture.file_stem().unwrap().to_string_lossy().into_owned();
        let mut seen = 0;
        let mut it = strata::Events::open(capture).expect("open the capture");
        while let Some(ev) = it.next() {
            let ev = ev.expect("a readable event");
            let Some(o) = want.get(&ev.num()) else {
                failures.push(format!("{stem} #{}: not in libsinsp's answers", ev.num()));
                continue;
            };
            seen += 1;
            for (name, f) in FIELDS.iter().zip(&fields) {
                let w = &o[*name];
                let got = f.extract(ev.ctx(), ev.options(), &mut scratch);
                if !same(w, got) {
                    let got = got.map_or("<NA>".into(), |v| format!("{v:?}"));
                    failures.push(format!(
                        "{stem} #{} {name}: libsinsp {w}, strata {got}",
                        ev.num()
                    ));
                }
            }
        }
        if seen != want.len() {
            failures.push(format!(
                "{stem}: libsinsp answered for {} events, strata showed {seen} of them",
                want.len()
            ));
        }
        eprintln!("{stem}: {seen} events compared");
        events += seen;
    }
    eprintln!(
        "{} captures, {events} events, {} fields each; {} differences",
        cases.len(),
        FIELDS.len(),
        failures.len()
    );
    let shown: Vec<_> = failures.iter().take(40).cloned().collect();
    assert!(failures.is_empty(), "{}", shown.join("\n"));
}
