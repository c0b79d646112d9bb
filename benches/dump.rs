//! Writing captures (events/s of the capture read): a replicated capture held in memory, read
//! through `strata::Events` with the filter `evt.dir = <` (the exit events, about half), and
//! the selected events written by a `strata::Recorder` to `io::sink()`: `dump/read` reads and
//! filters only (the baseline), `dump/write` also writes the selected events after the state
//! tables, `dump/keep_state` also the unselected events the state needs, `dump/gzip` writes
//! gzip'd, and `dump/on_demand` writes as `dump/write` does with `Events::drain` and
//! `Events::state_on_demand` (the filter reads the event alone: no state engine), as
//! `sdump -w` does.
//!
//! The capture: `STRATA_DUMP_CAPTURE` (default `shared/corpus-wild/apache_event.scap`)
//! replicated `STRATA_DUMP_COPIES` times (default 4) into `<target>/bench-data`.
//! `scripts/compare-sysdig` (modes `write` and `fatfile`) measures whole processes against
//! `sysdig -w` instead.

use std::env;
use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use criterion::{Criterion, SamplingMode, Throughput};
use strata::{Events, Recorder};

const FILTER: &str = "evt.dir = <";

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

/// The replicated capture's bytes, made on first use.
fn capture() -> Vec<u8> {
    let src = env::var_os("STRATA_DUMP_CAPTURE").map_or_else(
        || shared_dir().join("corpus-wild").join("apache_event.scap"),
        PathBuf::from,
    );
    let copies: u32 = env::var("STRATA_DUMP_COPIES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(4);
    let stem = Path::new(&src)
        .file_stem()
        .map_or_else(|| "capture".into(), |s| s.to_string_lossy().into_owned());
    let dir = target_dir().join("bench-data");
    let path = dir.join(format!("dump-{stem}-x{copies}.scap"));
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

/// Reads the whole capture with the filter, recording with `rec` if given; the events handed
/// out.
#[inline(never)]
fn run(bytes: &[u8], rec: Option<Recorder>) -> u64 {
    let mut events = Events::from_bytes(bytes.to_vec())
        .and_then(|e| e.filter(FILTER))
        .expect("capture and filter");
    if let Some(r) = rec {
        events = events.record(r);
    }
    let mut n = 0;
    while let Some(ev) = events.next() {
        ev.expect("event");
        n += 1;
    }
    n
}

/// Drains the whole capture with the filter and the state engine only on demand, writing
/// with `rec`; the events selected.
#[inline(never)]
fn drain(bytes: &[u8], rec: Recorder) -> u64 {
    Events::from_bytes(bytes.to_vec())
        .and_then(|e| e.filter(FILTER))
        .expect("capture and filter")
        .record(rec)
        .state_on_demand(true)
        .drain()
        .expect("the capture reads")
}

fn dump(c: &mut Criterion) {
    let bytes = capture();
    let mut all = Events::from_bytes(bytes.clone()).expect("capture");
    let mut n = 0u64;
    while let Some(ev) = all.next() {
        ev.expect("event");
        n += 1;
    }
    let mut g = c.benchmark_group("dump");
    g.sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .measurement_time(Duration::from_secs(10));
    g.throughput(Throughput::Elements(n));
    g.bench_function("read", |b| b.iter(|| run(&bytes, None)));
    g.bench_function("write", |b| {
        b.iter(|| run(&bytes, Some(Recorder::to_writer(io::sink()))))
    });
    g.bench_function("keep_state", |b| {
        b.iter(|| {
            run(
                &bytes,
                Some(Recorder::to_writer(io::sink()).keep_state(true)),
            )
        })
    });
    g.bench_function("on_demand", |b| {
        b.iter(|| drain(&bytes, Recorder::to_writer(io::sink())))
    });
    g.bench_function("gzip", |b| {
        b.iter(|| run(&bytes, Some(Recorder::to_writer(io::sink()).gzip(true))))
    });
    g.finish();
}

criterion::criterion_group!(benches, dump);
criterion::criterion_main!(benches);
