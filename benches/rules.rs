//! Falco rules over a replicated capture held in memory (events/s): `strata::Rules::run`, the
//! alerts of every (event, rule) match (reading and the state engine included, loading the
//! rules not), through the event-type index (`rules/indexed`) and trying every rule on every
//! event (`rules/unindexed`); and loading the files (`rules/load`: read, check and compile
//! for both eras).
//!
//! The rules files: with `STRATA_FALCO_RULES=DIR`, falcosecurity's `falco_rules.yaml`,
//! `falco-incubating_rules.yaml` and `falco-sandbox_rules.yaml` from DIR (not in the project:
//! fetch them), loaded in that order; else the project's own (`tests/data/rules`). The capture:
//! `STRATA_RULES_CAPTURE` (default `shared/corpus-wild/apache_event.scap`, a web server's
//! opens and reads: the busiest for the public rules) replicated `STRATA_RULES_COPIES` times
//! (default 4, about 9 MB and 140 000 events) into `<target>/bench-data`.
//!
//! `scripts/compare-rules` measures whole processes against sysdig 0.29.3 instead.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use criterion::{BatchSize, Criterion, SamplingMode, Throughput};

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn shared_dir() -> PathBuf {
    match env::var_os("STRATA_SHARED") {
        Some(p) => PathBuf::from(p),
        None => workspace().join("..").join("shared"),
    }
}

fn target_dir() -> PathBuf {
    match env::var_os("CARGO_TARGET_DIR") {
        Some(p) => workspace().join(p),
        None => workspace().join("target"),
    }
}

/// (name, text) of the rules files benched.
fn rules_files() -> Vec<(String, String)> {
    let (dir, names): (PathBuf, &[&str]) = match env::var_os("STRATA_FALCO_RULES") {
        Some(d) => (
            PathBuf::from(d),
            &[
                "falco_rules.yaml",
                "falco-incubating_rules.yaml",
                "falco-sandbox_rules.yaml",
            ],
        ),
        None => (
            workspace().join("tests/data/rules"),
            &["base.yaml", "overrides.yaml"],
        ),
    };
    names
        .iter()
        .map(|n| {
            let p = dir.join(n);
            let text =
                std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (n.to_string(), text)
        })
        .collect()
}

/// The replicated capture's bytes, made on first use.
fn capture() -> Vec<u8> {
    let src = env::var_os("STRATA_RULES_CAPTURE").map_or_else(
        || shared_dir().join("corpus-wild").join("apache_event.scap"),
        PathBuf::from,
    );
    let copies: u32 = env::var("STRATA_RULES_COPIES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(4);
    let stem = Path::new(&src)
        .file_stem()
        .map_or_else(|| "capture".into(), |s| s.to_string_lossy().into_owned());
    let dir = target_dir().join("bench-data");
    let path = dir.join(format!("rules-{stem}-x{copies}.scap"));
    if !path.exists() {
        std::fs::create_dir_all(&dir).expect("create bench-data");
        let status = Command::new("python3")
            .arg(shared_dir().join("tools").join("replicate-capture"))
            .arg(&src)
            .arg(&path)
            .arg(copies.to_string())
            .status()
            .expect("run replicate-capture (python3)");
        assert!(status.success(), "replicate-capture failed");
    }
    std::fs::read(&path).expect("read the bench capture")
}

fn load(files: &[(String, String)]) -> strata::Rules {
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    strata::Rules::from_texts(&refs).expect("the rules load")
}

/// Alerts of the whole capture; `indexed` picks the way rules are tried.
fn run(rules: strata::Rules, bytes: &[u8], indexed: bool) -> usize {
    let events = strata::Events::from_bytes(bytes.to_vec()).expect("capture");
    let mut alerts = rules.run(events);
    if !indexed {
        alerts = alerts.without_index();
    }
    let mut n = 0;
    for a in alerts {
        a.expect("alert");
        n += 1;
    }
    n
}

fn rules(c: &mut Criterion) {
    let files = rules_files();
    let bytes = capture();
    let mut events = strata::Events::from_bytes(bytes.clone()).expect("capture");
    let mut n = 0u64;
    while let Some(ev) = events.next() {
        ev.expect("event");
        n += 1;
    }
    let mut g = c.benchmark_group("rules");
    g.sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    g.throughput(Throughput::Elements(n));
    for (name, indexed) in [("indexed", true), ("unindexed", false)] {
        g.bench_function(name, |b| {
            b.iter_batched(
                || load(&files),
                |r| run(r, &bytes, indexed),
                BatchSize::PerIteration,
            )
        });
    }
    g.throughput(Throughput::Elements(1));
    g.bench_function("load", |b| b.iter(|| load(&files)));
    g.finish();
}

criterion::criterion_group!(benches, rules);
criterion::criterion_main!(benches);
