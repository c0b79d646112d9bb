//! `sdump` on every capture of `../shared/corpus-modern`, with the format of
//! `../shared/golden-modern/README.md`, prints exactly `NAME.state.txt` (what libsinsp 0.25
//! prints); so it does on the captures of `../shared/corpus-wild` written by libsinsp-based
//! tools, which still have enter events (those with a `NAME.state.txt` beside them).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

const FORMAT: &str = "*%evt.num %evt.type %evt.dir %thread.tid %proc.pid %proc.name %proc.exe \
                      %proc.cmdline %fd.num %fd.typechar %fd.name %user.uid %group.gid";

/// Runs sdump on each capture and compares with its golden file; returns the first
/// differences of each capture.
fn compare(captures: &[(PathBuf, PathBuf)]) -> String {
    let mut failures = String::new();
    for (file, golden) in captures {
        let stem = file.file_stem().unwrap().to_string_lossy().into_owned();
        let want =
            std::fs::read_to_string(golden).unwrap_or_else(|e| panic!("{}: {e}", golden.display()));
        let out = Command::new(common::example("sdump"))
            .env("TZ", "UTC")
            .arg("-r")
            .arg(file)
            .arg("-p")
            .arg(FORMAT)
            .output()
            .expect("run sdump");
        assert!(out.status.success(), "sdump failed on {stem}");
        let got = String::from_utf8_lossy(&out.stdout);
        let (w, g): (Vec<&str>, Vec<&str>) = (want.lines().collect(), got.lines().collect());
        let bad = (0..w.len().max(g.len()))
            .filter(|&i| w.get(i) != g.get(i))
            .collect::<Vec<_>>();
        eprintln!("{stem}: {} lines, {} differ", w.len(), bad.len());
        for &i in bad.iter().take(5) {
            failures.push_str(&format!(
                "{stem} line {}:\n  want {}\n  got  {}\n",
                i + 1,
                w.get(i).unwrap_or(&"(none)"),
                g.get(i).unwrap_or(&"(none)")
            ));
        }
    }
    failures
}

/// The golden file beside `file` in `dir`: `dir/NAME.state.txt`.
fn golden_in(dir: &Path, file: &Path) -> PathBuf {
    let stem = file.file_stem().unwrap().to_string_lossy();
    dir.join(format!("{stem}.state.txt"))
}

#[test]
fn sdump_prints_the_libsinsp_golden_lines() {
    let (Some(files), Some(golden)) = (
        common::corpus("corpus-modern"),
        common::shared("golden-modern"),
    ) else {
        return;
    };
    let captures: Vec<_> = files
        .into_iter()
        .map(|f| {
            let g = golden_in(&golden, &f);
            (f, g)
        })
        .collect();
    let failures = compare(&captures);
    assert!(failures.is_empty(), "{failures}");
}

/// Captures in libsinsp's format that still have enter events: libsinsp 0.25 drops and does
/// not count them, and completes each exit from its enter.
#[test]
fn sdump_prints_the_libsinsp_golden_lines_of_wild_captures() {
    let (Some(files), Some(dir)) = (common::corpus("corpus-wild"), common::shared("corpus-wild"))
    else {
        return;
    };
    let any = !files.is_empty();
    let captures: Vec<_> = files
        .into_iter()
        .map(|f| {
            let g = golden_in(&dir, &f);
            (f, g)
        })
        .filter(|(_, g)| g.exists())
        .collect();
    assert!(
        !any || !captures.is_empty(),
        "no golden files in {}",
        dir.display()
    );
    let failures = compare(&captures);
    assert!(failures.is_empty(), "{failures}");
}

#[test]
fn sdump_filters_and_reads_the_demo() {
    let run = |args: &[&str]| {
        Command::new(common::example("sdump"))
            .env("TZ", "UTC")
            .args(args)
            .output()
            .expect("run sdump")
    };
    let out = run(&[]);
    assert!(out.status.success());
    let all = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(all.lines().count() > 10 && all.contains("curl"), "{all}");
    // A filter selects the lines whose event type is connect, and only those.
    let out = run(&["evt.type", "=", "connect"]);
    assert!(out.status.success());
    let some = String::from_utf8_lossy(&out.stdout);
    let expected: Vec<&str> = all.lines().filter(|l| l.contains(" connect ")).collect();
    assert!(!expected.is_empty());
    assert_eq!(some.lines().collect::<Vec<_>>(), expected);
    // A bad filter: exit 2, the message with a caret under the fault.
    let out = run(&["proc.nmae=curl"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("did you mean \"proc.name\"") && err.contains("^^^^^^^^^"),
        "{err}"
    );
}
