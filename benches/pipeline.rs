//! Throughput of the whole pipeline (events/s) over an in-memory capture of a few MB: what
//! `sdump -p "%evt.num %proc.name %fd.name"` does per event, minus the I/O.
//!
//! - `pipeline/state`: every block through the [`Inspector`] (state only).
//! - `pipeline/format`: state, then the format rendered into one reused buffer (hidden events
//!   skipped as sdump skips them).
//! - `pipeline/fd-name-contains`: state, then `fd.name` extracted and searched for a substring
//!   that never matches, by hand (what a `fd.name contains X` filter will do; the filter
//!   language does not exist yet).
//!
//! The capture is `shared/corpus/curl_google.scap` replicated (`shared/tools/replicate-capture`)
//! into `<target>/bench-data/curl_google-x<COPIES>.scap` on first use. Variables:
//! `STRATA_SHARED` (default `<workspace>/../shared`), `STRATA_PIPELINE_COPIES` (default 40,
//! about 3.7 MB and 60 000 events).

use std::env;
use std::hint::black_box;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use criterion::{Criterion, SamplingMode, Throughput};
use strata_dissect::{FieldRef, Format, Registry, RenderOptions, TimeZone};
use strata_scap::{Block, Capture};
use strata_sinsp::Inspector;

const FORMAT: &str = "%evt.num %proc.name %fd.name";
const NEEDLE: &[u8] = b"/no/such/dir/";

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

/// The replicated capture, made on first use.
fn capture() -> Capture {
    let copies: u32 = env::var("STRATA_PIPELINE_COPIES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(40);
    let dir = target_dir().join("bench-data");
    let path = dir.join(format!("curl_google-x{copies}.scap"));
    if !path.exists() {
        std::fs::create_dir_all(&dir).expect("create bench-data");
        let shared = shared_dir();
        let status = Command::new("python3")
            .arg(shared.join("tools").join("replicate-capture"))
            .arg(shared.join("corpus").join("curl_google.scap"))
            .arg(&path)
            .arg(copies.to_string())
            .status()
            .expect("run replicate-capture (python3)");
        assert!(status.success(), "replicate-capture failed");
    }
    Capture::open(&path).expect("read the bench capture")
}

#[inline(never)]
fn state_only(cap: &Capture) -> u64 {
    let mut insp = Inspector::new();
    let mut sum = 0u64;
    for block in cap.blocks() {
        match block.expect("valid capture") {
            Block::Event(ev) => {
                let ctx = insp.process(&ev);
                sum = sum.wrapping_add(ctx.fd_num().unwrap_or(0) as u64);
            }
            other => insp.process_block(&other),
        }
    }
    sum
}

#[inline(never)]
fn state_and_format(cap: &Capture, format: &mut Format, line: &mut Vec<u8>) -> u64 {
    let mut insp = Inspector::new();
    let mut bytes = 0u64;
    for block in cap.blocks() {
        match block.expect("valid capture") {
            Block::Event(ev) => {
                let ctx = insp.process(&ev);
                if ctx.is_initial_state() || ev.name() == "procinfo" {
                    continue;
                }
                line.clear();
                if format.render_into(&ctx, line) {
                    bytes += line.len() as u64;
                }
            }
            other => insp.process_block(&other),
        }
    }
    bytes
}

#[inline(never)]
fn state_and_contains(
    cap: &Capture,
    field: &FieldRef,
    opts: &RenderOptions,
    scratch: &mut String,
    text: &mut Vec<u8>,
) -> u64 {
    let mut insp = Inspector::new();
    let mut hits = 0u64;
    for block in cap.blocks() {
        match block.expect("valid capture") {
            Block::Event(ev) => {
                let ctx = insp.process(&ev);
                if let Some(v) = field.extract(&ctx, opts, scratch) {
                    text.clear();
                    v.write_to(text);
                    if text.windows(NEEDLE.len()).any(|w| w == NEEDLE) {
                        hits += 1;
                    }
                }
            }
            other => insp.process_block(&other),
        }
    }
    hits
}

fn pipeline(c: &mut Criterion) {
    let cap = capture();
    let events = cap
        .blocks()
        .filter(|b| matches!(b, Ok(Block::Event(_))))
        .count() as u64;
    let reg = Registry::builtin();
    let opts = RenderOptions::default().with_tz(TimeZone::UTC);

    let mut g = c.benchmark_group("pipeline");
    g.sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .throughput(Throughput::Elements(events));

    g.bench_function("state", |b| b.iter(|| black_box(state_only(&cap))));

    let mut format = Format::compile(reg, FORMAT, opts).expect("format compiles");
    let mut line = Vec::new();
    g.bench_function("format", |b| {
        b.iter(|| black_box(state_and_format(&cap, &mut format, &mut line)))
    });

    let field = FieldRef::parse(reg, "fd.name").expect("fd.name exists");
    let (mut scratch, mut text) = (String::new(), Vec::new());
    let hits = state_and_contains(&cap, &field, &opts, &mut scratch, &mut text);
    assert_eq!(hits, 0, "the needle must not match");
    g.bench_function("fd-name-contains", |b| {
        b.iter(|| {
            black_box(state_and_contains(
                &cap,
                &field,
                &opts,
                &mut scratch,
                &mut text,
            ))
        })
    });
    g.finish();
}

criterion::criterion_group!(benches, pipeline);
criterion::criterion_main!(benches);
