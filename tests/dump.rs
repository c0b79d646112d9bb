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

/// The lines `events` prints in the core format, in UTC.
fn lines(events: Events) -> Result<Vec<String>, String> {
    lines_then(events, |_| {})
}

/// [`lines`], then `then` on the events once read to the end.
fn lines_then(mut events: Events, then: impl FnOnce(&Events)) -> Result<Vec<String>, String> {
    let reg = Registry::builtin();
    let mut opts = *events.options();
    opts.tz = strata::dissect::TimeZone::UTC;
    let mut format = Format::compile(reg, CORE, opts).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    while let Some(ev) = events.next() {
        let ev = ev.map_err(|e| e.to_string())?;
        let flavor = ev.options().flavor;
        if format.options().flavor != flavor {
            format.set_flavor(flavor);
        }
        let mut line = Vec::new();
        if format.render_into(ev.ctx(), &mut line) {
            out.push(String::from_utf8_lossy(&line).into_owned());
        }
    }
    then(&events);
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
    lines(open(capture, Some(filter))?.record(rec))
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
            match open(&out, Some(filter)).and_then(|e| lines(e)) {
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

/// sysdig 0.29.3's lines for `file` under `filter`, and whether it read the file without error.
fn sysdig_lines(sysdig: &Path, file: &Path, filter: &str) -> (String, bool) {
    let out = std::process::Command::new(sysdig)
        .env("TZ", "UTC")
        .arg("-r")
        .arg(file)
        .arg("-p")
        .arg(CORE)
        .arg(filter)
        .output()
        .expect("run sysdig");
    let err = String::from_utf8_lossy(&out.stderr);
    let ok = out.status.success() && !err.contains("rror") && !err.contains("corrupted");
    (String::from_utf8_lossy(&out.stdout).into_owned(), ok)
}

/// The same on the old-format captures, read by sysdig 0.29.3: the file Strata writes reads
/// in sysdig as the original does, interface lists of 2014-2017 included.
#[test]
fn sysdig_reads_written_files_as_the_original() {
    let (Some(caps), Some(filters), Some(sysdig)) = (
        common::old_format_captures(),
        filters(),
        common::sysdig(),
    ) else {
        return;
    };
    let dir = scratch("sysdig");
    let work: Vec<(PathBuf, String)> = caps
        .iter()
        .flat_map(|c| filters.iter().map(move |f| (c.clone(), f.clone())))
        .collect();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results = std::sync::Mutex::new((0usize, 0usize, Vec::new()));
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some((cap, filter)) = work.get(i) else {
                        break;
                    };
                    let (want, read) = sysdig_lines(&sysdig, cap, filter);
                    if !read {
                        // sysdig cannot read this capture, or refuses this filter.
                        continue;
                    }
                    let out = dir.join(format!("{i}.scap"));
                    let rec = Recorder::to_path(&out).keep_state(true);
                    let wrote = open(cap, Some(filter)).and_then(|e| lines(e.record(rec)));
                    let mut r = results.lock().unwrap();
                    if let Err(e) = wrote {
                        r.2.push(format!("{} {filter:?}: writing: {e}", cap.display()));
                        continue;
                    }
                    drop(r);
                    let (got, read_back) = sysdig_lines(&sysdig, &out, filter);
                    let _ = std::fs::remove_file(&out);
                    let mut r = results.lock().unwrap();
                    r.0 += 1;
                    r.1 += want.lines().count();
                    if !read_back {
                        r.2.push(format!("{} {filter:?}: sysdig cannot read the written file", cap.display()));
                    } else if got != want {
                        let (a, b): (Vec<_>, Vec<_>) = (want.lines().collect(), got.lines().collect());
                        let first = a.iter().zip(&b).position(|(x, y)| x != y).unwrap_or(a.len().min(b.len()));
                        r.2.push(format!(
                            "{} {filter:?}: sysdig prints {} lines of the original, {} of the written file; first difference at {first}:\n  original {:?}\n  written  {:?}",
                            cap.display(), a.len(), b.len(), a.get(first), b.get(first)
                        ));
                    }
                }
            });
        }
    });
    let _ = std::fs::remove_dir_all(&dir);
    let (runs, events, failures) = results.into_inner().unwrap();
    eprintln!(
        "{} old-format captures x {} filters: {runs} read by sysdig 0.29.3 before and after, {events} selected lines; {} differ",
        caps.len(),
        filters.len(),
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(runs > caps.len() * 15, "only {runs} runs");
}

/// Every capture written whole (no filter) reads back without error, in Strata and, for the
/// old-format ones, in sysdig 0.29.3, with the same lines.
#[test]
fn whole_captures_written_read_back_without_error() {
    let Some(caps) = common::all_captures() else {
        return;
    };
    let sysdig = common::old_format_captures().and_then(|old| Some((old, common::sysdig()?)));
    let dir = scratch("whole");
    let mut failures = Vec::new();
    for (i, cap) in caps.iter().enumerate() {
        let out = dir.join(format!("{i}.scap.gz"));
        let rec = Recorder::to_path(&out).gzip(true);
        let want = match open(cap, None).and_then(|e| lines(e.record(rec))) {
            Ok(l) => l,
            Err(e) => {
                failures.push(format!("{}: writing: {e}", cap.display()));
                continue;
            }
        };
        match open(&out, None).and_then(|e| lines(e)) {
            Ok(got) if got == want => {}
            Ok(got) => failures.push(format!(
                "{}: {} lines, {} read back",
                cap.display(),
                want.len(),
                got.len()
            )),
            Err(e) => failures.push(format!("{}: reading back: {e}", cap.display())),
        }
        if let Some((old, sysdig)) = &sysdig {
            if old.contains(cap) {
                let (a, read) = sysdig_lines(sysdig, cap, "");
                let (b, read_back) = sysdig_lines(sysdig, &out, "");
                if read && !read_back {
                    failures.push(format!("{}: sysdig cannot read the written file", cap.display()));
                } else if read && a != b {
                    failures.push(format!("{}: sysdig's lines differ", cap.display()));
                }
            }
        }
        let _ = std::fs::remove_file(&out);
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The core lines of every event handed out, each with the events handed out before it.
fn all_lines(path: &Path) -> Result<Vec<String>, String> {
    lines(open(path, None)?)
}

/// A recorder started after the N-th event (several N per capture) writes a file in which
/// every later event reads as it did in the whole capture.
#[test]
fn files_started_mid_capture_read_later_events_as_the_whole() {
    let Some(caps) = common::all_captures() else {
        return;
    };
    let dir = scratch("mid");
    let (mut runs, mut failures, mut lossy) = (0, Vec::new(), Vec::new());
    for (i, cap) in caps.iter().enumerate() {
        let whole = match all_lines(cap) {
            Ok(l) => l,
            Err(e) => {
                failures.push(format!("{}: {e}", cap.display()));
                continue;
            }
        };
        let n = whole.len();
        let mut starts = vec![1, n / 7, n / 4, n / 2, 2 * n / 3, n * 9 / 10, n.saturating_sub(2)];
        starts.retain(|&s| s > 0 && s < n);
        starts.dedup();
        for start in starts {
            let out = dir.join(format!("{i}-{start}.scap"));
            let mut events = open(cap, None).unwrap();
            let mut seen = 0;
            while seen < start {
                match events.next() {
                    Some(Ok(ev)) => {
                        let mut buf = Vec::new();
                        let reg = Registry::builtin();
                        let mut opts = *ev.options();
                        opts.tz = strata::dissect::TimeZone::UTC;
                        let mut f = Format::compile(reg, CORE, opts).unwrap();
                        if f.render_into(ev.ctx(), &mut buf) {
                            seen += 1;
                        }
                    }
                    other => panic!("{}: ended early: {:?}", cap.display(), other.map(|r| r.err())),
                }
            }
            events
                .start_recording(Recorder::to_path(&out))
                .expect("start recording");
            let mut loss = strata::sinsp::StateLoss::default();
            let rest = lines_then(events, |e| {
                loss = *e.recorder().expect("recording").state_loss();
            })
            .expect("read the rest");
            assert_eq!(rest, whole[start..], "{}: the rest as read", cap.display());
            runs += 1;
            match all_lines(&out) {
                Ok(got) if got == rest => {}
                Ok(got) if !loss.is_empty() => {
                    lossy.push(format!("{} from line {start}: {loss:?}", cap.display()));
                    let _ = got;
                }
                Ok(got) => {
                    let first = rest.iter().zip(&got).position(|(a, b)| a != b).unwrap_or(rest.len().min(got.len()));
                    failures.push(format!(
                        "{} from line {start}: {} later lines, read back {}; first difference at {first}:\n  whole     {:?}\n  read back {:?}",
                        cap.display(),
                        rest.len(),
                        got.len(),
                        rest.get(first),
                        got.get(first)
                    ));
                }
                Err(e) => failures.push(format!("{} from line {start}: reading back: {e}", cap.display())),
            }
            let _ = std::fs::remove_file(&out);
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    eprintln!(
        "{} captures: {runs} files started mid-capture; {} differ where the dumper reported state it could not write:\n  {}\n{} differ otherwise",
        caps.len(),
        lossy.len(),
        lossy.join("\n  "),
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // The reported losses are the exception, not the rule.
    assert!(lossy.len() * 10 < runs, "{} of {runs} lossy", lossy.len());
}
