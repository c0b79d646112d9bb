//! Falco's rules over captures: validates rules files, or prints the alerts of a capture.
//!
//! ```text
//! cargo run --release --example rules -- -V RULES.yaml...
//! cargo run --release --example rules -- -r CAPTURE [-j] [--min-priority P] [--no-index] RULES.yaml...
//! ```
//!
//! `-V` loads the files in order, as Falco does, and prints Falco's verdict on each
//! (`FILE: Ok`, `FILE: Ok, with warnings`, or `FILE: Invalid` with the errors: the way from
//! the file to the fault, line and column, and a caret under the fault in a condition);
//! `-v` adds the warnings. It exits 1 if any file is invalid.
//!
//! `-r` prints one alert per (event, rule) match, events in order and the rules of one event
//! in file order: Falco's text line (`HH:MM:SS.nnnnnnnnn: Priority output`, the time in the
//! zone of `TZ`), or with `-j` Falco's JSON. Rules of event sources other than `syscall` are
//! listed on stderr as not runnable here. `--no-index` tries every rule on every event (the
//! same alerts, to measure what the event-type index saves).
//!
//! `--conditions` prints each enabled rule's compiled condition (lists, exceptions and macros
//! in place), `NAME<TAB>CONDITION` a line, as the era of `--flavor` (default `libsinsp-0.25`,
//! or `sysdig-0.29`) compiled it: what `sysdig -r CAPTURE CONDITION` can be asked to compare.

use std::io::{self, Write};
use std::process::ExitCode;

use strata::rules::Priority;
use strata::{Events, Rules};

const USAGE: &str = "usage: rules -V [-v] RULES.yaml...\n       rules -r CAPTURE [-j] [--min-priority P] [--no-index] RULES.yaml...\n       rules --conditions [--flavor sysdig-0.29|libsinsp-0.25] RULES.yaml...";

fn main() -> ExitCode {
    let mut validate = false;
    let mut verbose = false;
    let mut capture = None;
    let mut json = false;
    let mut index = true;
    let mut min = None;
    let mut conditions = false;
    let mut flavor = strata::dissect::Flavor::Libsinsp025;
    let mut files = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "-V" => validate = true,
            "-v" => verbose = true,
            "-j" => json = true,
            "--no-index" => index = false,
            "--conditions" => conditions = true,
            "--flavor" => match args.next().as_deref() {
                Some("sysdig-0.29") => flavor = strata::dissect::Flavor::Sysdig029,
                Some("libsinsp-0.25") => flavor = strata::dissect::Flavor::Libsinsp025,
                _ => {
                    eprintln!("--flavor needs sysdig-0.29 or libsinsp-0.25");
                    return ExitCode::from(2);
                }
            },
            "-r" => capture = args.next(),
            "--min-priority" => match args.next().map(|p| p.parse::<Priority>()) {
                Some(Ok(p)) => min = Some(p),
                _ => {
                    eprintln!("--min-priority needs a priority (emergency ... debug)");
                    return ExitCode::from(2);
                }
            },
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            _ if a.starts_with('-') => {
                eprintln!("unknown option {a:?}\n{USAGE}");
                return ExitCode::from(2);
            }
            _ => files.push(a),
        }
    }
    if files.is_empty()
        || [validate, capture.is_some(), conditions]
            .iter()
            .filter(|&&b| b)
            .count()
            != 1
    {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    }
    let mut texts = Vec::new();
    for f in &files {
        match std::fs::read_to_string(f) {
            Ok(t) => texts.push((f.as_str(), t)),
            Err(e) => {
                eprintln!("{f}: {e}");
                return ExitCode::from(1);
            }
        }
    }
    let refs: Vec<(&str, &str)> = texts.iter().map(|(n, t)| (*n, t.as_str())).collect();
    let (rules, results) = Rules::load(&refs);
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    if validate {
        for r in &results {
            let _ = write!(out, "{}", r.render(verbose));
        }
        let _ = out.flush();
        return if results.iter().all(|r| r.is_ok()) {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        };
    }
    let Some(mut rules) = rules else {
        for r in results.iter().filter(|r| !r.is_ok()) {
            eprint!("{}", r.render(false));
        }
        return ExitCode::from(1);
    };
    if let Some(p) = min {
        rules.set_min_priority(p);
    }
    for (name, source) in rules.not_runnable() {
        eprintln!("rules: rule '{name}' is for event source '{source}', not run here");
    }
    if conditions {
        for r in rules.rule_set(flavor).rules().iter().filter(|r| r.enabled) {
            let _ = writeln!(out, "{}\t{}", r.name, r.condition);
        }
        let _ = out.flush();
        return ExitCode::SUCCESS;
    }
    let path = capture.unwrap_or_default();
    let events = match Events::open(&path) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("rules: {e}");
            return ExitCode::from(1);
        }
    };
    let hostname = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .or_else(|_| std::env::var("HOSTNAME"))
        .unwrap_or_default();
    let mut alerts = rules.run(events);
    if !index {
        alerts = alerts.without_index();
    }
    for a in alerts {
        match a {
            Ok(a) => {
                let line = if json { a.json(&hostname) } else { a.text() };
                if writeln!(out, "{line}").is_err() {
                    return ExitCode::SUCCESS;
                }
            }
            Err(e) => {
                let _ = out.flush();
                eprintln!("rules: {e}");
                return ExitCode::from(1);
            }
        }
    }
    let _ = out.flush();
    ExitCode::SUCCESS
}
