//! sdump's filters against sysdig 0.29.3 on every old-format capture (all of
//! `../shared/corpus`, and the captures of `../shared/corpus-wild` with no libsinsp answers
//! beside them), TZ=UTC.
//!
//! - [`filters_select_what_sysdig_selects`]: each filter of `tests/data/filters-sysdig.txt` (all
//!   of them accepted by sysdig 0.29.3) is run as `sdump -r CAPTURE -p "%evt.num" FILTER` and
//!   as `sysdig -r CAPTURE -p "%evt.num" FILTER` on every capture, and the two sets of `evt.num`
//!   must be equal. A line `refused-now<TAB>FILTER` is one that today's libsinsp refuses: sdump
//!   may refuse it too (exit status 2, on every capture), and if it accepts it, it must select
//!   what sysdig selects.
//! - [`refused_filters_are_refused`]: each filter of `tests/data/filters-sysdig-refused.txt`
//!   (`FILTER<TAB>sysdig's message`) is refused by sysdig with that message, and sdump exits
//!   with status 2 on it, except the lines marked `accepted-now<TAB>` (today's libsinsp accepts
//!   them), where only sysdig's side is checked.
//!
//! The runs are spread over the available cores. Each side's total time is printed. With
//! `STRATA_FILTER_SYSDIG_ONLY=1` only sysdig's side runs (the suite's own checks: every filter
//! accepted with nothing on stderr, every refused one refused with its message), for checking
//! the data files and timing the oracle. With `STRATA_FILTERS=TEXT` only the filters containing
//! TEXT run (the counts checked on the whole files are then not checked).
//!
//! Needs the corpus and sysdig on PATH: with `CI=true` their absence fails, elsewhere the tests
//! are skipped (with the reason on stderr).

mod common;

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

const ACCEPTED: &str = include_str!("data/filters-sysdig.txt");
const REFUSED: &str = include_str!("data/filters-sysdig-refused.txt");

/// The output format both programs print: one `evt.num` a line.
const FORMAT: &str = "%evt.num";

/// How many differing (capture, filter) pairs the failure message shows in detail.
const SHOWN: usize = 25;

/// Filters whose answer in sysdig 0.29.3 comes from memory it never set, so that no reading
/// of the capture can give it: they are run but their differences are not failures. Each must
/// still differ somewhere (else it is stale and fails the test).
const ORACLE_UNINIT: &[(&str, &str)] = &[(
    "fd.dev>0",
    "sysdig 0.29 reads fd.dev of a socket or pipe from memory it never set (0x559F on one run)",
)];

/// One filter of `filters-sysdig.txt`.
struct Accepted {
    line: usize,
    text: &'static str,
    /// Today's libsinsp refuses it, so sdump may as well.
    refused_now: bool,
}

/// One filter of `filters-sysdig-refused.txt`.
struct Refused {
    line: usize,
    text: &'static str,
    /// sysdig's message, on stderr.
    message: &'static str,
    /// Today's libsinsp accepts it, so sdump may as well.
    accepted_now: bool,
}

/// Whether the filter is in [`ORACLE_UNINIT`].
fn uninit(filter: &str) -> bool {
    ORACLE_UNINIT.iter().any(|(f, _)| *f == filter)
}

/// The lines that are neither blank nor comments, with their line numbers (from 1).
fn data_lines(data: &'static str) -> impl Iterator<Item = (usize, &'static str)> {
    data.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|(i, l)| (i + 1, l))
}

fn accepted() -> Vec<Accepted> {
    data_lines(ACCEPTED)
        .map(|(line, l)| match l.strip_prefix("refused-now\t") {
            Some(text) => Accepted {
                line,
                text,
                refused_now: true,
            },
            None => Accepted {
                line,
                text: l,
                refused_now: false,
            },
        })
        .collect()
}

fn refused() -> Vec<Refused> {
    data_lines(REFUSED)
        .map(|(line, l)| {
            let (accepted_now, rest) = match l.strip_prefix("accepted-now\t") {
                Some(rest) => (true, rest),
                None => (false, l),
            };
            let (text, message) = rest.rsplit_once('\t').unwrap_or_else(|| {
                panic!("filters-sysdig-refused.txt:{line}: no tab before sysdig's message")
            });
            Refused {
                line,
                text,
                message,
                accepted_now,
            }
        })
        .collect()
}

/// The filters to run: those containing `STRATA_FILTERS`, if set (`None`: all of them).
fn selection() -> Option<String> {
    std::env::var("STRATA_FILTERS").ok()
}

/// Whether only sysdig's side runs (`STRATA_FILTER_SYSDIG_ONLY=1`).
fn sysdig_only() -> bool {
    std::env::var_os("STRATA_FILTER_SYSDIG_ONLY").is_some_and(|v| v == "1")
}

fn stem(file: &Path) -> String {
    file.file_stem().unwrap().to_string_lossy().into_owned()
}

/// Runs `program -r FILE -p %evt.num FILTER` with TZ=UTC.
fn run(program: &Path, file: &Path, filter: &str) -> Output {
    Command::new(program)
        .env("TZ", "UTC")
        .arg("-r")
        .arg(file)
        .arg("-p")
        .arg(FORMAT)
        .arg(filter)
        .output()
        .unwrap_or_else(|e| panic!("run {}: {e}", program.display()))
}

/// The `evt.num` of each output line; a line that is not a number is an error.
fn event_numbers(out: &Output) -> Result<BTreeSet<u64>, String> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            l.trim()
                .parse()
                .map_err(|_| format!("output line is not an evt.num: {l:?}"))
        })
        .collect()
}

fn stderr_text(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).trim().to_string()
}

/// Runs `job(i)` for every `i` in `0..n` on as many threads as there are cores, and returns
/// the results in order.
fn parallel<T: Send>(n: usize, job: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let workers = std::thread::available_parallelism()
        .map_or(2, |p| p.get())
        .min(n.max(1));
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<T>>> = Mutex::new((0..n).map(|_| None).collect());
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= n {
                        break;
                    }
                    let r = job(i);
                    results.lock().unwrap()[i] = Some(r);
                }
            });
        }
    });
    results
        .into_inner()
        .unwrap()
        .into_iter()
        .map(|r| r.expect("every job ran"))
        .collect()
}

/// One side's answer for a (capture, filter) pair.
enum Answer {
    /// The events selected.
    Events(BTreeSet<u64>),
    /// sdump refused the filter (exit status 2).
    Refused(String),
    /// Anything else: a crash, another exit status, output that is not `evt.num` lines, or
    /// (for sysdig) anything on stderr.
    Failed(String),
}

fn sysdig_answer(sysdig: &Path, file: &Path, filter: &str) -> Answer {
    let out = run(sysdig, file, filter);
    let err = stderr_text(&out);
    if !out.status.success() || !err.is_empty() {
        return Answer::Failed(format!("sysdig {}: {err}", out.status));
    }
    match event_numbers(&out) {
        Ok(set) => Answer::Events(set),
        Err(e) => Answer::Failed(format!("sysdig: {e}")),
    }
}

fn sdump_answer(sdump: &Path, file: &Path, filter: &str) -> Answer {
    let out = run(sdump, file, filter);
    let err = stderr_text(&out);
    match out.status.code() {
        Some(0) => match event_numbers(&out) {
            Ok(set) => Answer::Events(set),
            Err(e) => Answer::Failed(format!("sdump: {e}")),
        },
        Some(2) => Answer::Refused(err),
        _ => Answer::Failed(format!("sdump {}: {err}", out.status)),
    }
}

/// Up to 10 numbers of a set, then how many more.
fn some(set: &BTreeSet<u64>) -> String {
    let mut s: Vec<String> = set.iter().take(10).map(u64::to_string).collect();
    if set.len() > 10 {
        s.push(format!("... ({} in all)", set.len()));
    }
    s.join(" ")
}

/// One write to stderr, past the test harness's capture, so a passing run shows it too.
fn report(text: &str) {
    let _ = std::io::stderr().write_all(text.as_bytes());
}

#[test]
fn filters_select_what_sysdig_selects() {
    let (Some(files), Some(sysdig)) = (common::old_format_captures(), common::sysdig()) else {
        return;
    };
    let mut filters = accepted();
    assert!(filters.len() >= 300, "only {} filters", filters.len());
    let selected = selection();
    if let Some(text) = &selected {
        filters.retain(|f| f.text.contains(text.as_str()));
    }
    let sdump = (!sysdig_only()).then(|| common::example("sdump"));
    let pairs: Vec<(usize, usize)> = (0..filters.len())
        .flat_map(|f| (0..files.len()).map(move |c| (f, c)))
        .collect();

    let started = Instant::now();
    let want = parallel(pairs.len(), |i| {
        let (f, c) = pairs[i];
        sysdig_answer(&sysdig, &files[c], filters[f].text)
    });
    let sysdig_time = started.elapsed();
    let started = Instant::now();
    let got = sdump.as_ref().map(|sdump| {
        parallel(pairs.len(), |i| {
            let (f, c) = pairs[i];
            sdump_answer(sdump, &files[c], filters[f].text)
        })
    });
    let sdump_time = started.elapsed();

    let mut failures = Vec::new();
    // Per filter: events sysdig selects, captures where it selects some, captures that differ.
    let mut per_filter = vec![(0usize, 0usize, 0usize); filters.len()];
    // Per capture: events sysdig selects over all filters, filters that differ.
    let mut per_capture = vec![(0usize, 0usize); files.len()];
    let mut sdump_refused: BTreeSet<usize> = BTreeSet::new();
    for (i, &(f, c)) in pairs.iter().enumerate() {
        let filter = &filters[f];
        let at = format!(
            "{} (filters-sysdig.txt:{}) on {}",
            filter.text,
            filter.line,
            stem(&files[c])
        );
        let want = match &want[i] {
            Answer::Events(set) => set,
            Answer::Failed(e) | Answer::Refused(e) => {
                failures.push(format!("{at}: sysdig does not accept it: {e}"));
                continue;
            }
        };
        per_filter[f].0 += want.len();
        per_filter[f].1 += usize::from(!want.is_empty());
        per_capture[c].0 += want.len();
        let Some(got) = &got else { continue };
        let differs = match &got[i] {
            Answer::Events(set) if set == want => None,
            Answer::Events(set) => Some(format!(
                "{at}: sysdig {} events, sdump {}\n  only sysdig: {}\n  only sdump:  {}",
                want.len(),
                set.len(),
                some(&want.difference(set).copied().collect()),
                some(&set.difference(want).copied().collect()),
            )),
            Answer::Refused(_) if filter.refused_now => {
                sdump_refused.insert(f);
                None
            }
            Answer::Refused(e) => Some(format!("{at}: sdump refuses it: {e}")),
            Answer::Failed(e) => Some(format!("{at}: {e}")),
        };
        if let Some(d) = differs {
            per_filter[f].2 += 1;
            per_capture[c].1 += 1;
            if !uninit(filter.text) {
                failures.push(d);
            }
        }
    }
    // A filter on memory sysdig never set must still differ somewhere, or it is listed for
    // nothing.
    if got.is_some() {
        for (f, filter) in filters.iter().enumerate() {
            if uninit(filter.text) && per_filter[f].2 == 0 {
                failures.push(format!(
                    "{} is listed in ORACLE_UNINIT but now selects what sysdig selects",
                    filter.text
                ));
            }
        }
    }
    // A refusal is about the filter, not the capture: all or none.
    for &f in &sdump_refused {
        let refusals = pairs
            .iter()
            .enumerate()
            .filter(|(i, p)| p.0 == f && matches!(got.as_ref().unwrap()[*i], Answer::Refused(_)))
            .count();
        if refusals != files.len() {
            failures.push(format!(
                "{} (filters-sysdig.txt:{}): sdump refuses it on {refusals} of {} captures",
                filters[f].text,
                filters[f].line,
                files.len()
            ));
        }
    }

    let mut text = String::new();
    for (c, file) in files.iter().enumerate() {
        let (events, differ) = per_capture[c];
        text.push_str(&format!(
            "{}: sysdig selects {events} events over all filters; {differ} filters differ\n",
            stem(file)
        ));
    }
    for (f, filter) in filters.iter().enumerate() {
        let (events, captures, differ) = per_filter[f];
        let refused = if sdump_refused.contains(&f) {
            " (sdump refuses it)"
        } else {
            ""
        };
        text.push_str(&format!(
            "{:>7} events on {captures:>2} captures, {differ} differ{refused}: {}\n",
            events, filter.text
        ));
    }
    let selecting_none = per_filter.iter().filter(|p| p.0 == 0).count();
    let mut summary = format!(
        "{} filters x {} captures: sysdig {} in {:.1} s; {} filters select nothing anywhere",
        filters.len(),
        files.len(),
        pairs.len(),
        sysdig_time.as_secs_f64(),
        selecting_none,
    );
    match &got {
        Some(_) => summary.push_str(&format!(
            "; sdump in {:.1} s, refusing {} refused-now filters; {} differences; {} filters on memory sysdig never set (ORACLE_UNINIT)\n",
            sdump_time.as_secs_f64(),
            sdump_refused.len(),
            failures.len(),
            filters.iter().filter(|f| uninit(f.text)).count()
        )),
        None => summary.push_str(" (STRATA_FILTER_SYSDIG_ONLY=1: sdump not run)\n"),
    }
    text.push_str(&summary);
    report(&text);
    assert!(
        selected.is_some() || selecting_none * 4 < filters.len(),
        "too many filters select nothing: {selecting_none}"
    );
    assert!(
        failures.is_empty(),
        "{} differences between sdump and sysdig 0.29.3; the first {}:\n{}",
        failures.len(),
        SHOWN.min(failures.len()),
        failures[..SHOWN.min(failures.len())].join("\n")
    );
}

/// sysdig's message for a refused filter: on the first capture where it exits non-zero or
/// writes to stderr (a run-time error needs an event that reaches the check), `None` if it
/// accepts the filter on every capture.
fn sysdig_refusal(sysdig: &Path, files: &[PathBuf], filter: &str) -> Option<String> {
    files.iter().find_map(|file| {
        let out = run(sysdig, file, filter);
        let err = stderr_text(&out);
        (!out.status.success() || !err.is_empty()).then_some(err)
    })
}

#[test]
fn refused_filters_are_refused() {
    let (Some(files), Some(sysdig)) = (common::old_format_captures(), common::sysdig()) else {
        return;
    };
    let mut filters = refused();
    assert!(
        filters.len() >= 30,
        "only {} refused filters",
        filters.len()
    );
    if let Some(text) = selection() {
        filters.retain(|f| f.text.contains(text.as_str()));
    }
    let sdump = (!sysdig_only()).then(|| common::example("sdump"));
    let started = Instant::now();
    let oracle = parallel(filters.len(), |i| {
        sysdig_refusal(&sysdig, &files, filters[i].text)
    });
    let sysdig_time = started.elapsed();
    let started = Instant::now();
    // sdump on the first capture that has events (a refusal does not depend on the capture).
    let file = &files[0];
    let statuses = sdump.as_ref().map(|sdump| {
        parallel(filters.len(), |i| {
            let out = run(sdump, file, filters[i].text);
            (out.status.code(), stderr_text(&out))
        })
    });
    let sdump_time = started.elapsed();

    let mut failures = Vec::new();
    let mut accepted_now = 0;
    for (i, filter) in filters.iter().enumerate() {
        let at = format!(
            "{} (filters-sysdig-refused.txt:{})",
            filter.text, filter.line
        );
        match &oracle[i] {
            None => failures.push(format!("{at}: sysdig accepts it")),
            Some(m) if m != filter.message => failures.push(format!(
                "{at}: sysdig says {m:?}, the file says {:?}",
                filter.message
            )),
            Some(_) => {}
        }
        let Some(statuses) = &statuses else { continue };
        match &statuses[i] {
            (Some(2), _) => {}
            _ if filter.accepted_now => accepted_now += 1,
            (code, err) => failures.push(format!(
                "{at}: sdump exits with {code:?}, not 2 (stderr: {err:?})"
            )),
        }
    }
    report(&format!(
        "{} refused filters: sysdig in {:.1} s{}\n",
        filters.len(),
        sysdig_time.as_secs_f64(),
        match statuses {
            Some(_) => format!(
                ", sdump in {:.1} s (on {}), accepting {accepted_now} accepted-now filters",
                sdump_time.as_secs_f64(),
                stem(file)
            ),
            None => " (STRATA_FILTER_SYSDIG_ONLY=1: sdump not run)".into(),
        }
    ));
    assert!(
        failures.is_empty(),
        "{} refused filters fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn data_files_are_well_formed() {
    let a = accepted();
    let mut seen = BTreeSet::new();
    for f in &a {
        assert!(
            seen.insert(f.text),
            "filters-sysdig.txt:{}: {} is listed twice",
            f.line,
            f.text
        );
        assert!(
            !f.text.starts_with('-'),
            "filters-sysdig.txt:{}: a filter starting with '-' reads as an option",
            f.line
        );
    }
    for f in refused() {
        assert!(
            !f.text.is_empty() && !f.message.is_empty(),
            "filters-sysdig-refused.txt:{}",
            f.line
        );
        assert!(
            !seen.contains(f.text),
            "filters-sysdig-refused.txt:{}: {} is also in filters-sysdig.txt",
            f.line,
            f.text
        );
    }
}
