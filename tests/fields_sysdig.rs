//! Every field of sysdig 0.29.3's list (`../shared/reference/sysdig-0.29.3-fields.tsv`), one
//! by one, against sysdig on every old-format capture (`../shared/corpus` and the old-format
//! ones of `../shared/corpus-wild`): `sdump -p "*%evt.num %FIELD ..."` must print, event by
//! event and field by field, what `sysdig -p` prints with TZ=UTC. Fields that take an
//! argument are checked with representative ones (`proc.aname[1]`, `thread.cgroup.memory`,
//! `container.mount[0]`, ...). The fields are asked for a class at a time, so that sysdig
//! stopping on one field (it does, see [`SYSDIG_STOPS`]) hides no other.
//!
//! What is not compared, and why, is listed below: [`MACHINE`] (sysdig's answer depends on
//! the memory of the machine reading the capture, not on the capture), [`SYSDIG_STOPS`] and
//! [`PENDING`] (fields not built yet, named so that the test fails once they match and the
//! list has to shrink). `scripts/field-matrix` prints the same comparison as a table.
//!
//! Needs the corpus and sysdig on PATH: with `CI=true` their absence fails, elsewhere the test
//! is skipped (with the reason on stderr).

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

/// Separates the fields of a line (no field prints it).
const SEP: &str = " @@| ";

/// sysdig refuses these in a format ("filter only"); the filter tests cover them.
const FILTER_ONLY: &[&str] = &[
    "fd.ip", "fd.port", "fd.proto", "fd.net", "fd.cnet", "fd.snet", "fd.lnet", "fd.rnet",
];

/// Fields that need an argument, with the arguments checked.
const WITH_ARGS: &[(&str, &[&str])] = &[
    (
        "evt.arg",
        &["evt.arg[0]", "evt.arg.fd", "evt.arg.name", "evt.arg.res"],
    ),
    ("evt.rawarg", &["evt.rawarg.res", "evt.rawarg.name"]),
    // Without an index, sysdig 0.29 read a field of no length (the process itself) and
    // wrote the name after it as text ("curlproc.aname"), keyed "" in JSON.
    ("proc.apid", &["proc.apid", "proc.apid[1]", "proc.apid[3]"]),
    (
        "proc.aname",
        &["proc.aname", "proc.aname[1]", "proc.aname[3]"],
    ),
    (
        "thread.cgroup",
        &["thread.cgroup.cpuset", "thread.cgroup.memory"],
    ),
    ("evt.type.is", &[]),
    ("evt.around", &[]),
    (
        "container.mount",
        &["container.mount[0]", "container.mount[/*]"],
    ),
    (
        "container.mount.source",
        &["container.mount.source[0]", "container.mount.source[/data]"],
    ),
    ("container.mount.dest", &["container.mount.dest[0]"]),
    ("container.mount.mode", &["container.mount.mode[0]"]),
    ("container.mount.rdwr", &["container.mount.rdwr[0]"]),
    (
        "container.mount.propagation",
        &["container.mount.propagation[0]"],
    ),
];

/// Fields whose sysdig answer comes from memory libsinsp never initialized: it differs from
/// run to run and machine to machine, so no capture decides it.
const MACHINE: &[(&str, &str)] = &[
    (
        "fd.dev",
        "the fd's device is never set for fds of the capture's table or sockets",
    ),
    ("fd.dev.major", "as fd.dev"),
    ("fd.dev.minor", "as fd.dev"),
];

/// In which comparison a [`KNOWN`] difference shows.
#[derive(PartialEq)]
#[allow(dead_code)]
enum Mode {
    /// In the text comparison.
    Text,
    Json,
    Both,
    /// Either comparison, in some runs only: sysdig's answer comes from memory it never set,
    /// so whether it differs changes with how sysdig is run (the fields asked alongside).
    Uninit,
}
use Mode::{Both, Json, Uninit};

/// (field, capture, reason, where): where sysdig's answer on one capture is not the
/// capture's.
const KNOWN: &[(&str, &str, &str, Mode)] = &[
    (
        "proc.is_exe_writable",
        "tcp_client_server",
        "sysdig 0.29 copies the flag from a parent whose own flag it never set (uninitialized memory: true in some runs)",
        Uninit,
    ),
    (
        "proc.is_exe_writable",
        "single_ipv6_conn",
        "the same uninitialized flag",
        Uninit,
    ),
];

/// Fields sysdig stops on ("invalid thread state") in some captures; compared where it does
/// not stop.
const SYSDIG_STOPS: &[&str] = &["thread.totexectime"];

/// Fields not built yet (the fields issue): allowed to differ, and the test fails when one of
/// them matches sysdig everywhere, so that it leaves this list.
const PENDING: &[&str] = &[];

/// The fields checked, in the list's order, arguments expanded.
fn fields(tsv: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in tsv.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let name = line.split('\t').next().unwrap();
        let spanlike = name.starts_with("span.") || name.starts_with("evtin.");
        if FILTER_ONLY.contains(&name)
            || name.ends_with(".label")
            || (spanlike && (name.ends_with(".tag") || name.ends_with("arg")))
        {
            continue;
        }
        match WITH_ARGS.iter().find(|(n, _)| *n == name) {
            Some((_, args)) => out.extend(args.iter().map(|a| a.to_string())),
            None => out.push(name.to_string()),
        }
    }
    out
}

/// Records by `evt.num`, each the values of `n` fields; a value with a newline continues its
/// record on the next lines.
fn records(text: &str, n: usize) -> BTreeMap<u64, Vec<String>> {
    let mut recs: Vec<String> = Vec::new();
    for line in text.split('\n') {
        let head = line.split(SEP).next().unwrap_or("");
        let starts =
            !head.is_empty() && head.bytes().all(|b| b.is_ascii_digit()) && line.contains(SEP);
        match recs.last_mut() {
            Some(last) if !starts => {
                last.push('\n');
                last.push_str(line);
            }
            _ => recs.push(line.to_string()),
        }
    }
    recs.into_iter()
        .filter_map(|r| {
            let mut parts = r.split(SEP);
            let num = parts.next()?.parse().ok()?;
            let vals: Vec<String> = parts.map(str::to_string).collect();
            (vals.len() == n).then_some((num, vals))
        })
        .collect()
}

fn run(cmd: &mut Command) -> (bool, String) {
    let out = cmd.env("TZ", "UTC").output().expect("run");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn every_field_matches_sysdig_0_29() {
    compare(false);
}

/// The same fields through `-j -p`, compared as parsed JSON (typed values, `null`s).
#[test]
fn every_field_as_json_matches_sysdig_0_29() {
    compare(true);
}

/// sysdig stops with "wrong event type" on these in JSON (it has no JSON for doubles).
const NO_JSON_IN_SYSDIG: &[&str] = &[
    "proc.fdusage",
    "thread.cpu",
    "thread.cpu.user",
    "thread.cpu.system",
];

/// Records of `-j` output by `evt.num`: each field's value as compact JSON text, `absent`
/// when the object lacks the key.
fn json_records(text: &str, group: &[String]) -> BTreeMap<u64, Vec<String>> {
    text.lines()
        .filter_map(|l| {
            let o: serde_json::Value = serde_json::from_str(l).ok()?;
            let num = o.get("evt.num")?.as_u64()?;
            let vals = group
                .iter()
                .map(|f| o.get(f.as_str()).map_or("absent".into(), |v| v.to_string()))
                .collect();
            Some((num, vals))
        })
        .collect()
}

fn compare(json: bool) {
    let (Some(files), Some(sysdig), Some(reference)) = (
        common::old_format_captures(),
        common::sysdig(),
        common::shared("reference"),
    ) else {
        return;
    };
    let tsv = std::fs::read_to_string(reference.join("sysdig-0.29.3-fields.tsv")).unwrap();
    let mut all = fields(&tsv);
    if json {
        all.retain(|f| !NO_JSON_IN_SYSDIG.contains(&f.as_str()));
    }
    // A class at a time; the fields sysdig may stop on alone.
    let mut groups: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for f in &all {
        // sysdig also stops in JSON on `evt.rawarg` of some types (errnos).
        let alone = SYSDIG_STOPS.contains(&f.as_str()) || (json && f.starts_with("evt.rawarg"));
        let key = if alone {
            f.clone()
        } else {
            f.split('.').next().unwrap().to_string()
        };
        groups.entry(key).or_default().push(f.clone());
    }
    let skip = |f: &str| MACHINE.iter().any(|(m, _)| *m == f);
    let mut failures = String::new();
    let mut pending_differs = BTreeSet::new();
    let mut known_used = vec![false; KNOWN.len()];
    let mut compared = 0u64;
    for file in &files {
        let stem = file.file_stem().unwrap().to_string_lossy().into_owned();
        for group in groups.values() {
            let fmt: String = std::iter::once("*%evt.num".to_string())
                .chain(group.iter().map(|f| format!("{SEP}%{f}")))
                .collect();
            let j: &[&str] = if json { &["-j"] } else { &[] };
            let (ok, want) = run(Command::new(&sysdig)
                .arg("-r")
                .arg(file)
                .args(j)
                .arg("-p")
                .arg(&fmt));
            let (sdump_ok, got) = run(Command::new(common::example("sdump"))
                .arg("-r")
                .arg(file)
                .args(j)
                .arg("-p")
                .arg(&fmt));
            assert!(sdump_ok, "sdump failed on {stem} with {fmt}");
            if !ok {
                assert!(
                    group.len() == 1
                        && (SYSDIG_STOPS.contains(&group[0].as_str())
                            || (json && group[0].starts_with("evt.rawarg"))),
                    "sysdig stopped on {stem} with {fmt}"
                );
                continue;
            }
            let printed = !want.trim().is_empty();
            let first_line = want.lines().next().unwrap_or_default().to_string();
            let (want, got) = if json {
                (json_records(&want, group), json_records(&got, group))
            } else {
                (records(&want, group.len()), records(&got, group.len()))
            };
            assert!(
                !printed || !want.is_empty(),
                "{stem}: sysdig's lines did not parse: {}",
                &first_line[..first_line.len().min(300)]
            );
            for (i, f) in group.iter().enumerate() {
                if skip(f) {
                    continue;
                }
                let mut diffs = Vec::new();
                for num in want.keys().chain(got.keys()).collect::<BTreeSet<_>>() {
                    let a = want.get(num).map(|v| v[i].as_str());
                    let b = got.get(num).map(|v| v[i].as_str());
                    compared += 1;
                    if a != b {
                        diffs.push(format!("#{num}: sysdig {a:?} sdump {b:?}"));
                    }
                }
                if diffs.is_empty() {
                    continue;
                }
                if PENDING.contains(&f.as_str()) {
                    pending_differs.insert(f.clone());
                    continue;
                }
                if let Some(k) = KNOWN.iter().position(|k| {
                    k.0 == f
                        && k.1 == stem
                        && (matches!(k.3, Both | Uninit) || (k.3 == Json) == json)
                }) {
                    known_used[k] = true;
                    continue;
                }
                failures.push_str(&format!(
                    "{f} on {stem}: {} lines differ, first {}\n",
                    diffs.len(),
                    diffs[0]
                ));
            }
        }
    }
    for p in PENDING {
        if !pending_differs.contains(*p) {
            failures.push_str(&format!(
                "{p} is PENDING but now matches sysdig: take it off the list\n"
            ));
        }
    }
    for (k, used) in KNOWN.iter().zip(known_used) {
        let applies = k.3 == Both || (k.3 == Json) == json;
        if applies && k.3 != Uninit && !used {
            failures.push_str(&format!("KNOWN {} on {} no longer differs\n", k.0, k.1));
        }
    }
    assert!(compared > 0, "nothing compared");
    let checked = all.len() - MACHINE.len() - PENDING.len();
    eprintln!(
        "{checked} fields of {} ({} pending, {} machine-dependent) on {} captures: {compared} values compared",
        all.len(),
        PENDING.len(),
        MACHINE.len(),
        files.len()
    );
    assert!(
        failures.is_empty(),
        "sdump differs from sysdig 0.29.3:\n{failures}"
    );
}

/// `sdump -j` against `sysdig -j` (its default keys), object by object as parsed JSON.
#[test]
fn default_json_matches_sysdig_j() {
    let (Some(files), Some(sysdig)) = (common::old_format_captures(), common::sysdig()) else {
        return;
    };
    let parse = |text: &str| -> Vec<serde_json::Value> {
        text.lines()
            .map(|l| serde_json::from_str(l).expect("a JSON object per line"))
            .collect()
    };
    let mut objects = 0;
    for file in &files {
        let stem = file.file_stem().unwrap().to_string_lossy().into_owned();
        let (ok, want) = run(Command::new(&sysdig).arg("-r").arg(file).arg("-j"));
        assert!(ok, "sysdig -j failed on {stem}");
        let (ok, got) = run(Command::new(common::example("sdump"))
            .arg("-r")
            .arg(file)
            .arg("-j"));
        assert!(ok, "sdump -j failed on {stem}");
        let (want, got) = (parse(&want), parse(&got));
        assert_eq!(want.len(), got.len(), "{stem}: how many objects");
        for (w, g) in want.iter().zip(&got) {
            assert_eq!(w, g, "{stem}");
        }
        objects += want.len();
    }
    eprintln!("{objects} objects equal on {} captures", files.len());
    assert!(objects > 0);
}
