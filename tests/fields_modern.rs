//! Every field of `../shared/golden-modern/fields.txt` (the 226 fields libsinsp 0.25 defines
//! that take no argument and answer deterministically, and five with arguments) against
//! libsinsp 0.25's own typed values: for every event of every capture of
//! `../shared/corpus-modern` (answers in `../shared/golden-modern/NAME.fields.json.gz`) and
//! of the libsinsp-format captures of `../shared/corpus-wild` (answers beside them), the JSON
//! object that `sdump -j -p "*%evt.num %F1 %F2 ..."` prints (`Format::render_json`) must have,
//! field by field, libsinsp's value: `null` where it has none, booleans, numbers, text.
//!
//! [`PENDING`] names the fields not built yet, or not yet as libsinsp 0.25 answers them; the
//! test fails when one of them starts to match everywhere, so the list only shrinks.
//!
//! `proc.exe_ino.ctime_duration_proc_start` is not in the goldens (libscap leaves it unset
//! for the threads of a capture's process list, so it differs from run to run); its unit test
//! is in `strata-dissect` (`sinsp_view.rs`).
//!
//! Needs the shared captures: with `CI=true` their absence fails, elsewhere the test is
//! skipped (with the reason on stderr).

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use strata::dissect::{Format, Registry};

/// Fields where libsinsp 0.25's answer is not the capture's, with the reason.
const KNOWN: &[(&str, &str)] = &[
    (
        "evt.buffer",
        "for an empty data parameter libsinsp 0.25 prints what its buffer held before (stale memory)",
    ),
    (
        "util.cnt",
        "the oracle also reads it for the events it does not print (procinfo, the leading ones), so its counts run ahead",
    ),
];

/// Fields not built yet, or not yet as libsinsp 0.25 answers them (the fields issue).
const PENDING: &[&str] = &[];

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

/// libsinsp's objects by `evt.num`.
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

#[test]
fn modern_fields_equal_libsinsp_025() {
    let (Some(cases), Some(golden)) = (cases(), common::shared("golden-modern")) else {
        return;
    };
    assert!(
        cases.len() >= 16,
        "only {} captures with answers",
        cases.len()
    );
    let list = std::fs::read_to_string(golden.join("fields.txt")).expect("fields.txt");
    let all: Vec<&str> = list.lines().filter(|l| !l.trim().is_empty()).collect();
    let reg = Registry::builtin();
    // The fields the registry knows; the others must be pending.
    let mut known = Vec::new();
    let mut failures = Vec::new();
    for f in &all {
        match strata::dissect::FieldRef::parse(reg, f) {
            Ok(_) => known.push(*f),
            Err(e) if !PENDING.contains(f) => failures.push(format!("{f}: {e}")),
            Err(_) => {}
        }
    }
    let text: String = std::iter::once("*%evt.num".to_string())
        .chain(known.iter().map(|f| format!(" %{f}")))
        .collect();
    let mut differ: BTreeMap<&str, (usize, String)> = BTreeMap::new();
    let mut events = 0;
    for (capture, answers_path) in &cases {
        let want = answers(answers_path);
        let stem = capture.file_stem().unwrap().to_string_lossy().into_owned();
        let mut seen = 0;
        let mut it = strata::Events::open(capture).expect("open the capture");
        // The oracle (libsinsp's sinsp-example) formats process events, network and I/O
        // events, plugin events and the rest with four formatters of the same format, each
        // with its own state (what `util.cnt` counts, for one).
        let format = Format::compile(reg, &text, it.options().with_max_buf_len(0)).unwrap();
        let mut formats = [format.clone(), format.clone(), format.clone(), format];
        let mut line = Vec::new();
        while let Some(ev) = it.next() {
            let ev = ev.expect("a readable event");
            let info = ev.event().info();
            let which = match info.map(|i| (i.category.kind(), i.category.source())) {
                Some((6, _)) => 0,
                Some((3 | 32 | 33, _)) => 1,
                Some((_, src)) if src & strata::scap::table::Category::PLUGIN != 0 => 2,
                _ => 3,
            };
            let format = &mut formats[which];
            if format.options().flavor != ev.options().flavor {
                format.set_flavor(ev.options().flavor);
            }
            line.clear();
            assert!(format.render_json(&ev.ctx(), &mut line));
            let Some(o) = want.get(&ev.num()) else {
                failures.push(format!("{stem} #{}: not in libsinsp's answers", ev.num()));
                continue;
            };
            let got: serde_json::Value = serde_json::from_slice(&line).unwrap();
            seen += 1;
            for f in &known {
                let (w, g) = (&o[*f], &got[*f]);
                if w != g {
                    differ
                        .entry(f)
                        .or_insert_with(|| {
                            (0, format!("{stem} #{}: libsinsp {w}, strata {g}", ev.num()))
                        })
                        .0 += 1;
                }
            }
        }
        if seen != want.len() {
            failures.push(format!(
                "{stem}: libsinsp answered for {} events, strata showed {seen} of them",
                want.len()
            ));
        }
        events += seen;
    }
    let pending: BTreeSet<&str> = PENDING.iter().copied().collect();
    for (f, _) in KNOWN {
        if !differ.contains_key(f) {
            failures.push(format!("{f} is KNOWN to differ but now equals libsinsp"));
        }
    }
    for (f, (n, first)) in &differ {
        if !pending.contains(f) && !KNOWN.iter().any(|k| k.0 == *f) {
            failures.push(format!("{f}: {n} events differ, first {first}"));
        }
    }
    for p in PENDING {
        if known.contains(p) && !differ.contains_key(p) {
            failures.push(format!(
                "{p} is PENDING but now equals libsinsp: take it off"
            ));
        }
    }
    eprintln!(
        "{} captures, {events} events, {} of {} fields equal ({} pending, {} known to differ); {} problems",
        cases.len(),
        known.len() - known.iter().filter(|f| pending.contains(*f)).count() - KNOWN.len(),
        all.len(),
        PENDING.len(),
        KNOWN.len(),
        failures.len()
    );
    let shown: Vec<_> = failures.iter().take(60).cloned().collect();
    assert!(failures.is_empty(), "{}", shown.join("\n"));
}
