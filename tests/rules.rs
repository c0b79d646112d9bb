//! Falco rules (`strata::Rules`, `strata-rules`) on the project's own rules files
//! (`tests/data/rules/base.yaml`, then `overrides.yaml`, which appends to, replaces and disables
//! what the first defines):
//!
//! - [`own_rules_load_as_falco_reports`]: the files load, with the warnings Falco gives them,
//!   and each construct compiled as Falco compiles it (lists in lists, macros in macros,
//!   exceptions of each shape, appends and overrides, the disabled rule, the other source).
//! - [`alerts_are_what_sysdig_selects_with_each_condition`]: on every old-format capture, the
//!   alerts of each rule are exactly the events sysdig 0.29.3 prints for the rule's compiled
//!   condition (`sysdig -r CAPTURE -p %evt.num CONDITION`, TZ=UTC); every enabled rule but one
//!   fires somewhere.
//! - [`alerts_are_what_the_filter_selects_on_modern_captures`]: on the libsinsp-format
//!   captures, the alerts of each rule are the events `Events::filter` selects with its
//!   condition (the filter layer is checked against libsinsp 0.25's answers elsewhere), and
//!   the index gives what trying every rule gives.
//! - [`errors_say_where`]: bad rules files give Falco's error codes, at the right item, line
//!   and column.
//!
//! Needs the corpus (and sysdig for the second test): with `CI=true` their absence fails,
//! elsewhere the tests are skipped with the reason on stderr.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use strata::dissect::Flavor;
use strata::rules::{Code, Priority};
use strata::{Events, Rules};

const BASE: &str = include_str!("data/rules/base.yaml");
const OVERRIDES: &str = include_str!("data/rules/overrides.yaml");

fn own_rules() -> Rules {
    Rules::from_texts(&[("base.yaml", BASE), ("overrides.yaml", OVERRIDES)])
        .expect("own rules load")
}

#[test]
fn own_rules_load_as_falco_reports() {
    let (rules, results) = Rules::load(&[("base.yaml", BASE), ("overrides.yaml", OVERRIDES)]);
    let rules = rules.expect("the files load");
    let codes = |i: usize| -> Vec<Code> { results[i].warnings.iter().map(|w| w.code).collect() };
    assert_eq!(results[0].summary(), "base.yaml: Ok, with warnings");
    assert_eq!(codes(0), [Code::WarnUnknownSource, Code::WarnNoEvttype]);
    assert_eq!(
        codes(1),
        [
            Code::WarnDeprecatedItem,
            Code::WarnDeprecatedItem,
            Code::WarnNoEvttype
        ]
    );
    let set = rules.rule_set(Flavor::Libsinsp025);
    let by_name: BTreeMap<&str, _> = set.rules().iter().map(|r| (r.name.as_str(), r)).collect();
    assert_eq!(by_name.len(), 5, "the k8s_audit rule is not compiled");
    let text = |name: &str| by_name[name].condition.to_string();

    // Lists in lists (one level) and macros in macros, in the tree.
    let code = text("Code opened");
    assert!(
        code.contains("fd.name pmatch (/lib, /usr/lib, /etc)"),
        "{code}"
    );
    assert!(code.contains("proc.name in (sh)"), "{code}");
    assert_eq!(by_name["Code opened"].tags, ["code", "filesystem"]);
    assert_eq!(by_name["Code opened"].priority, Priority::Informational);

    // Exceptions of each shape, one appended to by the second file.
    let tmp = text("Temp file written");
    for part in [
        "fd.name in (/tmp/file-1, /tmp/file-2, /tmp/file-3, /tmp/file-4, /tmp/file-5)",
        "proc.name = python and fd.name in (/tmp/file-9, /tmp/file-8)",
        "proc.name = python and fd.name = /tmp/file-7",
    ] {
        assert!(tmp.contains(part), "{part} not in {tmp}");
    }
    assert_eq!(
        by_name["Temp file written"].exception_fields,
        ["fd.name", "proc.name"]
    );

    // Appended condition and output, replaced priority and tags, the disabled rule.
    assert!(text("Library loaded by curl").contains("fd.name contains libk"));
    assert_eq!(
        by_name["Library loaded by curl"].output,
        "curl loads %fd.name (appended)"
    );
    assert_eq!(by_name["Connect to localhost"].priority, Priority::Critical);
    assert_eq!(by_name["Connect to localhost"].tags, ["local", "network"]);
    assert!(!by_name["Never fires"].enabled);
    assert!(text("Never fires").contains("evt.num = 1"));
}

/// `evt.num`s of each rule's alerts on `file`.
fn alerts_by_rule(rules: Rules, file: &Path, indexed: bool) -> BTreeMap<String, BTreeSet<u64>> {
    let mut out: BTreeMap<String, BTreeSet<u64>> = BTreeMap::new();
    let mut alerts = rules.run(Events::open(file).expect("capture opens"));
    if !indexed {
        alerts = alerts.without_index();
    }
    for a in alerts {
        let a = a.unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        out.entry(a.rule).or_default().insert(a.evt_num);
    }
    out
}

#[test]
fn alerts_are_what_sysdig_selects_with_each_condition() {
    let Some(files) = common::old_format_captures() else {
        return;
    };
    let Some(sysdig) = common::sysdig() else {
        return;
    };
    let rules = own_rules();
    let conditions: Vec<(String, String)> = rules
        .rule_set(Flavor::Sysdig029)
        .rules()
        .iter()
        .filter(|r| r.enabled)
        .map(|r| (r.name.clone(), r.condition.to_string()))
        .collect();
    let mut fired = BTreeSet::new();
    let mut compared = 0;
    for file in &files {
        let ours = alerts_by_rule(own_rules(), file, true);
        assert_eq!(
            ours,
            alerts_by_rule(own_rules(), file, false),
            "{}",
            file.display()
        );
        for (name, cond) in &conditions {
            let theirs: BTreeSet<u64> =
                common::run_sysdig(&sysdig, file, &["-p", "%evt.num", cond])
                    .lines()
                    .map(|l| l.trim().parse().expect("an evt.num"))
                    .collect();
            let got = ours.get(name).cloned().unwrap_or_default();
            assert_eq!(
                got,
                theirs,
                "{}: rule {name:?} (condition {cond})",
                file.display()
            );
            if !got.is_empty() {
                fired.insert(name.clone());
            }
            compared += theirs.len();
        }
    }
    eprintln!(
        "rules: {} rules on {} captures, {compared} alerts equal to sysdig's selections",
        conditions.len(),
        files.len()
    );
    let silent: Vec<_> = conditions
        .iter()
        .map(|(n, _)| n)
        .filter(|n| !fired.contains(*n))
        .collect();
    assert!(silent.is_empty(), "rules that never fired: {silent:?}");
}

#[test]
fn alerts_are_what_the_filter_selects_on_modern_captures() {
    let Some(mut files) = common::corpus("corpus-modern") else {
        return;
    };
    if let Some(wild) = common::corpus("corpus-wild") {
        files.extend(
            wild.into_iter()
                .filter(|f| f.with_extension("state.txt").exists()),
        );
    }
    let rules = own_rules();
    let conditions: Vec<(String, String)> = rules
        .rule_set(Flavor::Libsinsp025)
        .rules()
        .iter()
        .filter(|r| r.enabled)
        .map(|r| (r.name.clone(), r.condition.to_string()))
        .collect();
    let mut total = 0;
    for file in &files {
        let indexed = alerts_by_rule(own_rules(), file, true);
        assert_eq!(
            indexed,
            alerts_by_rule(own_rules(), file, false),
            "{}",
            file.display()
        );
        for (name, cond) in &conditions {
            let mut events = Events::open(file).unwrap().filter(cond).unwrap();
            let mut want = BTreeSet::new();
            while let Some(ev) = events.next() {
                want.insert(ev.unwrap().num());
            }
            total += want.len();
            assert_eq!(
                indexed.get(name).cloned().unwrap_or_default(),
                want,
                "{}: rule {name:?}",
                file.display()
            );
        }
    }
    assert!(total > 0, "no rule fired on any modern capture");
}

#[test]
fn errors_say_where() {
    let cases: &[(&str, Code, &str, (usize, usize))] = &[
        (
            "- rule: x\n  condition: [\n",
            Code::ErrYamlParse,
            "",
            (3, 1),
        ),
        (
            "rule: x\n",
            Code::ErrYamlValidate,
            "not yaml array of objects",
            (0, 0),
        ),
        (
            "- rule: r\n  desc: d\n  condition: proc.nmae = x\n  output: o\n  priority: INFO\n",
            Code::ErrCompileCondition,
            "unknown field \"proc.nmae\"",
            (3, 14),
        ),
        (
            "- rule: r\n  desc: d\n  condition: a_macro\n  output: o\n  priority: INFO\n",
            Code::ErrValidate,
            "Undefined macro 'a_macro' used in filter.",
            (3, 14),
        ),
        (
            "- rule: r\n  desc: d\n  condition: evt.num > 1\n  output: o\n  priority: LOUD\n",
            Code::ErrYamlValidate,
            "Invalid priority",
            (5, 13),
        ),
        (
            "- rule: r\n  desc: d\n  condition: evt.num > 1\n  output: '%proc.nmae'\n  priority: INFO\n",
            Code::ErrCompileOutput,
            "proc.nmae",
            (4, 11),
        ),
        (
            "- macro: a\n  condition: b\n- macro: b\n  condition: a\n- rule: r\n  desc: d\n  condition: a\n  output: o\n  priority: INFO\n",
            Code::ErrValidate,
            "Undefined macro 'b' used in filter.",
            (2, 14),
        ),
        (
            "- list: l\n  items: [a]\n  append: true\n  override:\n    items: append\n",
            Code::ErrYamlValidate,
            "cannot be used together",
            (1, 3),
        ),
        (
            "- rule: r\n  condition: and x\n  override:\n    condition: append\n",
            Code::ErrValidate,
            "no rule by that name already exists",
            (1, 3),
        ),
        (
            "- rule: r\n  desc: d\n  condition: evt.num > 1\n  output: o\n  priority: INFO\n  exceptions:\n    - name: e\n      fields: [proc.name, fd.name]\n      comps: [=]\n",
            Code::ErrValidate,
            "Fields and comps lists must have equal length",
            (7, 7),
        ),
        (
            "- required_engine_version: 9.0.0\n",
            Code::ErrValidate,
            "Rules require engine version 9.0.0",
            (1, 3),
        ),
    ];
    for (text, code, message, (line, col)) in cases {
        let (_, results) = Rules::load(&[("bad.yaml", text)]);
        let r = &results[0];
        assert_eq!(r.summary(), "bad.yaml: Invalid", "{text}");
        let e = &r.errors[0];
        assert_eq!(e.code, *code, "{text}: {e}");
        assert!(e.message.contains(message), "{text}: {e}");
        let pos = e.pos();
        assert_eq!((pos.line, pos.col), (*line, *col), "{text}: {e}");
    }
}

#[test]
fn alert_json_has_falcos_keys() {
    let text = "- rule: Outbound\n  desc: d\n  condition: evt.type = connect and evt.dir = <\n  output: '%proc.name %fd.name %proc.pid %evt.num'\n  priority: notice\n  tags: [b, a]\n";
    let rules = Rules::from_texts(&[("r.yaml", text)]).unwrap();
    let a = rules
        .run(Events::demo())
        .next()
        .expect("the demo connects")
        .unwrap();
    let json = a.json("host");
    assert!(
        json.starts_with("{\"hostname\":\"host\",\"output\":"),
        "{json}"
    );
    assert!(json.contains("\"priority\":\"Notice\",\"rule\":\"Outbound\",\"source\":\"syscall\",\"tags\":[\"a\",\"b\"],\"time\":\""), "{json}");
    assert!(
        json.contains(&format!("\"evt.num\":{}", a.evt_num)),
        "{json}"
    );
    assert!(json.ends_with("Z\"}"), "{json}");
    assert!(a.text().contains(": Notice "), "{}", a.text());
}

/// With `STRATA_FALCO_RULES=DIR` holding falcosecurity's `falco_rules.yaml`,
/// `falco-incubating_rules.yaml` and `falco-sandbox_rules.yaml` (not in the project: fetch
/// them), the three load together and, on every old-format capture, each enabled rule whose
/// compiled condition sysdig 0.29.3 accepts alerts on exactly the events sysdig selects with
/// it. Without the variable the test says so and passes (the files are not ours to commit).
#[test]
fn public_rules_when_given() {
    let Some(dir) = std::env::var_os("STRATA_FALCO_RULES") else {
        eprintln!("skipped public_rules_when_given: STRATA_FALCO_RULES not set");
        return;
    };
    let dir = Path::new(&dir);
    let names = [
        "falco_rules.yaml",
        "falco-incubating_rules.yaml",
        "falco-sandbox_rules.yaml",
    ];
    let texts: Vec<(String, String)> = names
        .iter()
        .map(|n| {
            (
                n.to_string(),
                std::fs::read_to_string(dir.join(n)).expect("a rules file"),
            )
        })
        .collect();
    let refs: Vec<(&str, &str)> = texts
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    let load = || Rules::from_texts(&refs).expect("the public rules load");
    let rules = load();
    let (Some(files), Some(sysdig)) = (common::old_format_captures(), common::sysdig()) else {
        return;
    };
    let conditions: Vec<(String, String)> = rules
        .rule_set(Flavor::Sysdig029)
        .rules()
        .iter()
        .filter(|r| r.enabled)
        .map(|r| (r.name.clone(), r.condition.to_string()))
        .collect();
    let probe = &files[0];
    let accepted: Vec<&(String, String)> = conditions
        .iter()
        .filter(|(_, c)| {
            std::process::Command::new(&sysdig)
                .args(["-r"])
                .arg(probe)
                .args(["-p", "%evt.num", c])
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .collect();
    let (mut alerts, mut differing) = (0, Vec::new());
    for file in &files {
        let ours = alerts_by_rule(load(), file, true);
        for (name, cond) in &accepted {
            let theirs: BTreeSet<u64> =
                common::run_sysdig(&sysdig, file, &["-p", "%evt.num", cond])
                    .lines()
                    .filter_map(|l| l.trim().parse().ok())
                    .collect();
            let got = ours.get(name).cloned().unwrap_or_default();
            alerts += theirs.len();
            if got != theirs {
                differing.push(format!(
                    "{}: {name:?}: ours {} sysdig {}",
                    file.display(),
                    got.len(),
                    theirs.len()
                ));
            }
        }
    }
    eprintln!(
        "public rules: {} enabled, {} accepted by sysdig 0.29.3, {} captures, {alerts} selected events, {} differing (capture, rule) pairs",
        conditions.len(),
        accepted.len(),
        files.len(),
        differing.len()
    );
    assert!(differing.is_empty(), "{}", differing.join("\n"));
}

#[test]
fn rules_are_enabled_disabled_and_filtered_by_priority_at_run_time() {
    let Some(files) = common::corpus("corpus") else {
        return;
    };
    let file = files
        .iter()
        .find(|f| f.ends_with("falco_open-multiple-files.scap"))
        .expect("falco_open-multiple-files in the corpus");
    let all = alerts_by_rule(own_rules(), file, true);
    assert!(all.contains_key("Temp file written"), "{all:?}");
    assert_eq!(
        own_rules().not_runnable(),
        [("Audit log rule".to_string(), "k8s_audit".to_string())]
    );
    // By name.
    let mut r = own_rules();
    assert_eq!(r.enable("Temp file written", false), 1);
    assert!(!alerts_by_rule(r, file, true).contains_key("Temp file written"));
    // By tag: both filesystem rules go, the others stay.
    let mut r = own_rules();
    assert_eq!(r.enable_tag("filesystem", false), 2);
    let left = alerts_by_rule(r, file, true);
    assert!(!left.contains_key("Temp file written") && !left.contains_key("Code opened"));
    // A rule the files disabled, enabled at run time (its condition never holds).
    let mut r = own_rules();
    let i = |r: &Rules| {
        r.rule_set(Flavor::Sysdig029)
            .rules()
            .iter()
            .position(|x| x.name == "Never fires")
            .unwrap()
    };
    let n = i(&r);
    assert!(!r.rule_set(Flavor::Sysdig029).is_active(n));
    assert_eq!(r.enable("Never fires", true), 1);
    assert!(r.rule_set(Flavor::Sysdig029).is_active(n));
    // Minimum priority: Warning keeps the Warning rule, Critical drops it.
    let mut r = own_rules();
    r.set_min_priority(Priority::Warning);
    assert!(alerts_by_rule(r, file, true).contains_key("Temp file written"));
    let mut r = own_rules();
    r.set_min_priority(Priority::Critical);
    assert!(!alerts_by_rule(r, file, true).contains_key("Temp file written"));
}

/// Hostile rules files: each gets an error (or loads), quickly and in bounded memory, never a
/// panic. The same bodies as the `rules` fuzz target's.
#[test]
fn hostile_rules_files_are_refused_in_bounds() {
    // YAML aliases nine levels deep, ten each: 10^9 nodes if expanded.
    let mut aliases = String::from("- list: a0\n  items: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        let p = i - 1;
        aliases.push_str(&format!(
            "- list: a{i}\n  items: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    // Macros that each use the one before twice: 2^40 nodes if substituted.
    let mut macros = String::from("- macro: m0\n  condition: evt.num = 1\n");
    for i in 1..40 {
        let p = i - 1;
        macros.push_str(&format!("- macro: m{i}\n  condition: (m{p} or m{p})\n"));
    }
    macros.push_str("- rule: r\n  desc: d\n  condition: m39\n  output: o\n  priority: INFO\n");
    // A macro that uses itself, through another.
    let looped = "- macro: a\n  condition: b\n- macro: b\n  condition: a\n- macro: a\n  condition: or b\n  append: true\n- rule: r\n  desc: d\n  condition: a\n  output: o\n  priority: INFO\n";
    let deep = format!(
        "- rule: r\n  desc: d\n  condition: {}evt.num = 1{}\n  output: o\n  priority: INFO\n",
        "(".repeat(5000),
        ")".repeat(5000)
    );
    let nested_yaml = "- ".repeat(10_000);
    for (what, text, code) in [
        ("aliases", aliases.as_str(), Code::ErrYamlParse),
        ("macros", macros.as_str(), Code::ErrValidate),
        ("loop", looped, Code::ErrValidate),
        ("deep condition", deep.as_str(), Code::ErrCompileCondition),
        ("nested yaml", nested_yaml.as_str(), Code::ErrYamlParse),
    ] {
        let started = std::time::Instant::now();
        let (rules, results) = Rules::load(&[("hostile.yaml", text)]);
        assert!(rules.is_none(), "{what}: loaded");
        assert_eq!(
            results[0].errors[0].code, code,
            "{what}: {}",
            results[0].errors[0]
        );
        assert!(started.elapsed().as_secs() < 10, "{what}: too slow");
    }
}
