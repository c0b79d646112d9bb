//! sdump against sysdig 0.29.3 on every capture of `../shared/corpus` and on the old-format
//! captures from the wild in `../shared/corpus-wild` (TZ=UTC): the default
//! line and `-p` formats that together cover every core field, compared line by line by
//! `evt.num`. sdump runs with no flavor option: that these old-format captures are read as
//! sysdig 0.29 read them is sdump's own decision, from their first event.
//!
//! sdump follows libsinsp 0.25 on today's captures; on old ones it reproduces what sysdig 0.29
//! did differently where that is a matter of semantics, not bugs. The state engine's
//! differences are the switches of `strata_sinsp::Config` (`Config::sysdig_029` turns on each:
//! placeholder threads, `switch` pairing, the clone rules for unknown creators and pid
//! namespaces, the 2022 event table's fd flags, unchanged setresuid ids, the path rules,
//! what execve keeps, ...); the fields' differences are listed on
//! `strata_dissect::Flavor::Sysdig029` (the 2022 event, flag and syscall tables, fd
//! types guessed from the event, unprintable bytes, `NULL` addresses, the syslog decoder,
//! container addresses, the events it hides, ...). `evt.rawarg.NAME` is typed by the first
//! parameter of that name in the old table and printed without a format (so only strings and
//! 64-bit signed numbers print; sysdig stops with an error on other types, so the `rawarg`
//! format asks only for names it can print).
//!
//! Every line is identical, so [`KNOWN`] is empty. It is where a difference that truly cannot
//! be reconciled would be listed, event by event with its reason; any other differing line, and
//! any listed line that no longer differs, fails the test.
//!
//! Needs the corpus and sysdig on PATH: with `CI=true` their absence fails, elsewhere the tests
//! are skipped (with the reason on stderr).

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

/// Formats by name; `None` is sysdig's default line.
const FORMATS: &[(&str, Option<&str>)] = &[
    ("default", None),
    (
        "state",
        Some(
            "*%evt.num %evt.type %evt.dir %thread.tid %proc.pid %proc.name %proc.exe %proc.cmdline %fd.num %fd.typechar %fd.name %user.uid %group.gid",
        ),
    ),
    (
        "evt",
        Some(
            "*%evt.num %evt.time %evt.time.s %evt.datetime %evt.rawtime %evt.rawtime.s %evt.rawtime.ns %evt.reltime %evt.latency %evt.deltatime %evt.dir %evt.type %evt.cpu %evt.category %evt.res %evt.rawres %evt.failed",
        ),
    ),
    (
        "args",
        Some(
            "*%evt.num %evt.info | %evt.args | %evt.arg[0] | %evt.arg[1] | %evt.arg.fd | %evt.res",
        ),
    ),
    (
        "proc",
        Some(
            "*%evt.num %proc.pid %proc.exe %proc.name %proc.args %proc.cmdline %proc.exeline %proc.cwd %proc.ppid %proc.pname %proc.pcmdline %proc.apid[1] %proc.aname[1] %proc.apid[2] %proc.aname[2] %proc.aname[3] %proc.loginshellid %proc.tty %proc.sid %proc.sname",
        ),
    ),
    (
        "user",
        Some(
            "*%evt.num %thread.tid %thread.ismain %user.uid %user.name %user.homedir %user.shell %user.loginuid %user.loginname %group.gid %group.name %container.id",
        ),
    ),
    (
        "fd",
        Some(
            "*%evt.num %fd.num %fd.type %fd.typechar %fd.name %fd.directory %fd.filename %fd.cip %fd.sip %fd.cport %fd.sport %fd.l4proto %fd.sockfamily %fd.is_server",
        ),
    ),
    (
        "strict",
        Some("%evt.num %proc.name %fd.name %user.name %proc.pname"),
    ),
    ("ns", Some("*%evt.num %proc.vpid %thread.vtid")),
    (
        "rawarg",
        Some(
            "*%evt.num %evt.rawarg.res %evt.rawarg.name %evt.rawarg.size %evt.rawarg.mode %evt.rawarg.pid %evt.rawarg.exe %evt.rawarg.ptid %evt.arg.pgid %evt.arg.loginuid",
        ),
    ),
];

/// One known difference: the events of `file` whose `format` line differs, and why.
struct Known {
    format: &'static str,
    file: &'static str,
    /// evt.num values and ranges (`12 15-19`).
    events: &'static str,
    reason: &'static str,
}

const KNOWN: &[Known] = &[];

fn parse_events(s: &str) -> BTreeSet<u64> {
    let mut out = BTreeSet::new();
    for part in s.split_whitespace() {
        match part.split_once('-') {
            Some((a, b)) => out.extend(a.parse::<u64>().unwrap()..=b.parse::<u64>().unwrap()),
            None => {
                out.insert(part.parse().unwrap());
            }
        }
    }
    out
}

/// Lines keyed by their first column (`evt.num`).
fn keyed(text: &str) -> BTreeMap<u64, String> {
    text.lines()
        .filter_map(|l| Some((l.split(' ').next()?.parse().ok()?, l.to_string())))
        .collect()
}

fn run_sdump(file: &Path, format: Option<&str>) -> String {
    let mut cmd = Command::new(common::example("sdump"));
    cmd.env("TZ", "UTC").arg("-r").arg(file);
    if let Some(f) = format {
        cmd.arg("-p").arg(f);
    }
    let out = cmd.output().expect("run sdump");
    assert!(out.status.success(), "sdump failed on {}", file.display());
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn sdump_matches_sysdig_0_29() {
    let (Some(files), Some(sysdig)) = (common::old_format_captures(), common::sysdig()) else {
        return;
    };
    let mut failures = String::new();
    for k in KNOWN {
        assert!(FORMATS.iter().any(|f| f.0 == k.format), "{}", k.format);
        assert!(!parse_events(k.events).is_empty() && !k.reason.is_empty());
    }
    let mut used = vec![false; KNOWN.len()];
    for file in files {
        let stem = file.file_stem().unwrap().to_string_lossy().into_owned();
        for &(name, format) in FORMATS {
            let args: Vec<&str> = format.map_or(vec![], |f| vec!["-p", f]);
            let want = keyed(&common::run_sysdig(&sysdig, &file, &args));
            let got = keyed(&run_sdump(&file, format));
            let known = KNOWN
                .iter()
                .position(|k| k.format == name && k.file == stem);
            let allowed = known.map_or_else(BTreeSet::new, |i| parse_events(KNOWN[i].events));
            let mut differing = BTreeSet::new();
            for num in want.keys().chain(got.keys()) {
                if want.get(num) != got.get(num) {
                    differing.insert(*num);
                }
            }
            let equal = want.len().max(got.len()) - differing.len();
            eprintln!(
                "{stem} [{name}]: {equal} lines equal, {} differ ({} known)",
                differing.len(),
                allowed.len()
            );
            if let Some(i) = known {
                used[i] = true;
            }
            for num in differing.difference(&allowed).take(5) {
                failures.push_str(&format!(
                    "{stem} [{name}] {num}:\n  sysdig {}\n  sdump  {}\n",
                    want.get(num).map_or("(none)", String::as_str),
                    got.get(num).map_or("(none)", String::as_str)
                ));
            }
            for num in allowed.difference(&differing).take(5) {
                failures.push_str(&format!(
                    "{stem} [{name}] {num}: listed as known but now equal\n"
                ));
            }
        }
    }
    for (k, used) in KNOWN.iter().zip(used) {
        if !used {
            failures.push_str(&format!(
                "known entry {}/{} matches no run\n",
                k.format, k.file
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "sdump differs from sysdig 0.29.3:\n{failures}"
    );
}

/// `bytes` (a little-endian capture) with the event blocks `drop` picks (given their index
/// from 0 and their event type) left out; every other block is kept, so the tables at its
/// start still describe the machine as it was then.
fn drop_events(bytes: &[u8], drop: impl Fn(usize, u16) -> bool) -> Vec<u8> {
    let (mut out, mut off, mut seen) = (Vec::new(), 0usize, 0usize);
    while off + 8 <= bytes.len() {
        let t = u32::from_le_bytes(bytes[off..off + 4].try_into().unwrap());
        let len = u32::from_le_bytes(bytes[off + 4..off + 8].try_into().unwrap()) as usize;
        assert!(
            len >= 12 && off + len <= bytes.len(),
            "corpus block at {off}"
        );
        // Event blocks: cpu (and flags for EVF), then ts, tid, len, type.
        let preamble = match t {
            0x204 | 0x216 | 0x221 => Some(2),
            0x208 | 0x217 | 0x222 => Some(6),
            _ => None,
        };
        let keep = match preamble {
            Some(p) => {
                let at = off + 8 + p + 20;
                let ty = u16::from_le_bytes(bytes[at..at + 2].try_into().unwrap());
                seen += 1;
                !drop(seen - 1, ty)
            }
            None => true,
        };
        if keep {
            out.extend_from_slice(&bytes[off..off + len]);
        }
        off += len;
    }
    out
}

/// Captures no one recorded, made from each old capture (its tables kept): one with the first
/// half of its events cut away, so threads and fds are met mid-way, their creation lost, as
/// when the start of a capture is dropped; one with every enter event dropped (`procinfo`
/// kept), as under heavy drops. sysdig 0.29's ways with unknown callers, exits without their
/// enter and stale fds all show. Every line must be identical; nothing is listed as known.
#[test]
fn sdump_matches_sysdig_0_29_on_derived_captures() {
    const PROCINFO_E: u16 = 234;
    let (Some(files), Some(sysdig)) = (common::old_format_captures(), common::sysdig()) else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("strata-derived-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (mut failures, mut lines) = (String::new(), 0usize);
    for file in files {
        let stem = file.file_stem().unwrap().to_string_lossy().into_owned();
        let bytes = common::decompressed(&file);
        let events = common::walk_events(&bytes).len();
        let derived = [
            ("cut", drop_events(&bytes, |i, _| i < events / 2)),
            (
                "exits",
                drop_events(&bytes, |_, ty| ty % 2 == 0 && ty != PROCINFO_E),
            ),
        ];
        for (kind, data) in derived {
            let path = dir.join(format!("{stem}-{kind}.scap"));
            std::fs::write(&path, data).unwrap();
            for &(name, format) in FORMATS {
                let args: Vec<&str> = format.map_or(vec![], |f| vec!["-p", f]);
                let want = keyed(&common::run_sysdig(&sysdig, &path, &args));
                let got = keyed(&run_sdump(&path, format));
                lines += want.len();
                let differing: BTreeSet<u64> = want
                    .keys()
                    .chain(got.keys())
                    .filter(|n| want.get(n) != got.get(n))
                    .copied()
                    .collect();
                for num in differing.iter().take(5) {
                    failures.push_str(&format!(
                        "{stem}-{kind} [{name}] {num}:\n  sysdig {}\n  sdump  {}\n",
                        want.get(num).map_or("(none)", String::as_str),
                        got.get(num).map_or("(none)", String::as_str)
                    ));
                }
            }
        }
    }
    std::fs::remove_dir_all(&dir).ok();
    eprintln!("derived captures: {lines} sysdig lines compared");
    assert!(lines > 10_000, "too few lines compared: {lines}");
    assert!(
        failures.is_empty(),
        "sdump differs from sysdig 0.29.3 on derived captures:\n{failures}"
    );
}
