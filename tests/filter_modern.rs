//! Filters on today's captures against libsinsp 0.25: for every capture of
//! `../shared/corpus-modern` (answers in `../shared/golden-modern/NAME.filters.txt`) and every
//! libsinsp-format capture of `../shared/corpus-wild` (answers beside it), each filter of
//! `../shared/golden-modern/filters.txt` selects through `strata::Events` exactly the events
//! libsinsp 0.25 selected (by `evt.num`).
//!
//! Needs the shared captures: with `CI=true` their absence fails, elsewhere the test is
//! skipped (with the reason on stderr).

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// (capture, answers) pairs.
fn cases() -> Option<Vec<(PathBuf, PathBuf)>> {
    let mut out = Vec::new();
    let golden = common::shared("golden-modern")?;
    for cap in common::corpus("corpus-modern")? {
        let stem = cap.file_stem()?.to_string_lossy().into_owned();
        out.push((cap, golden.join(format!("{stem}.filters.txt"))));
    }
    for cap in common::corpus("corpus-wild")? {
        let answers = cap.with_extension("filters.txt");
        if answers.exists() {
            out.push((cap, answers));
        }
    }
    Some(out)
}

fn selected(capture: &Path, filter: &str) -> Result<BTreeSet<u64>, String> {
    let mut events = strata::Events::open(capture)
        .and_then(|e| e.filter(filter))
        .map_err(|e| e.to_string())?;
    let mut nums = BTreeSet::new();
    while let Some(ev) = events.next() {
        nums.insert(ev.map_err(|e| e.to_string())?.num());
    }
    Ok(nums)
}

#[test]
fn filters_select_what_libsinsp_025_selects() {
    let Some(cases) = cases() else {
        return;
    };
    assert!(
        cases.len() >= 16,
        "only {} captures with answers",
        cases.len()
    );
    let (mut filters, mut lines, mut failures) = (0, 0, Vec::new());
    for (capture, answers) in &cases {
        let text = std::fs::read_to_string(answers)
            .unwrap_or_else(|e| panic!("{}: {e}", answers.display()));
        for line in text.lines().filter(|l| !l.is_empty()) {
            let (filter, nums) = line.split_once('\t').unwrap_or((line, ""));
            let want: BTreeSet<u64> = nums
                .split_whitespace()
                .map(|n| n.parse().expect("evt.num"))
                .collect();
            filters += 1;
            lines += want.len();
            match selected(capture, filter) {
                Ok(got) if got == want => {}
                Ok(got) => failures.push(format!(
                    "{} {filter:?}: libsinsp {} events, strata {}; only libsinsp {:?}, only strata {:?}",
                    capture.display(),
                    want.len(),
                    got.len(),
                    want.difference(&got).take(5).collect::<Vec<_>>(),
                    got.difference(&want).take(5).collect::<Vec<_>>(),
                )),
                Err(e) => failures.push(format!("{} {filter:?}: {e}", capture.display())),
            }
        }
    }
    eprintln!(
        "{} captures, {filters} filter runs, {lines} selected events; {} differ",
        cases.len(),
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
