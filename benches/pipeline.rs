//! Throughput of the whole pipeline (events/s) over an in-memory capture of a few MB: what
//! `sdump -p "%evt.num %proc.name %fd.name"` does per event, minus the I/O.
//!
//! - `pipeline/state`: every block through the [`Inspector`] (state only).
//! - `pipeline/format`: state, then the format rendered into one reused buffer (hidden events
//!   skipped as sdump skips them).
//! - `pipeline/fields20`: state, then twenty common fields rendered per event ([`FIELDS20`]).
//! - `pipeline/fd-name-contains`: state, then `fd.name` extracted and searched for a substring
//!   that never matches, by hand (the floor under a `fd.name contains X` filter).
//! - `pipeline/filter`: the front door, `strata::Events` with the filter
//!   `evt.type in (open, openat) and fd.name contains /zzz` (what `sdump FILTER` does).
//! - `filter-eval/NAME`: the evaluation alone of ten typical filters, per event (each event's
//!   context is built untimed; the time is that of `Program::matches`, averaged over 16
//!   calls per event).
//!
//! - `vs-sysdig/sysdig` and `vs-sysdig/sdump`: whole processes, `sysdig -r FILE -p FORMAT` and
//!   `sdump -r FILE -p FORMAT` (the release example, built first) on the same larger capture
//!   (`STRATA_VS_SYSDIG_COPIES`, default 1265, about 100 MB), output discarded, in the same
//!   run. Skipped with a message when sysdig is not installed
//!   (`shared/tools/install-oracle`). `scripts/compare-sysdig` adds peak memory.
//!
//! The capture is `shared/corpus/curl_google.scap` replicated (`shared/tools/replicate-capture`)
//! into `<target>/bench-data/corpus-curl_google-x<COPIES>.scap` on first use (the `corpus-` prefix keeps it apart from the
//! scap bench's replicas of `corpus-modern`). Variables:
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

/// Twenty fields users print most (the same as `tests/fields_alloc.rs`).
pub const FIELDS20: &str = "*%evt.num %evt.time %evt.type %evt.dir %evt.cpu %evt.res %evt.latency %thread.tid %proc.pid %proc.name %proc.exe %proc.cmdline %proc.ppid %proc.pname %user.name %group.name %fd.num %fd.name %fd.type %container.id";
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
    Capture::open(capture_path("STRATA_PIPELINE_COPIES", 40)).expect("read the bench capture")
}

/// `curl_google.scap` replicated `$var` times (default `default`), made on first use.
fn capture_path(var: &str, default: u32) -> PathBuf {
    let copies: u32 = env::var(var)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default);
    let dir = target_dir().join("bench-data");
    let path = dir.join(format!("corpus-curl_google-x{copies}.scap"));
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
    path
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
    let events = event_count(&cap);
    let reg = Registry::builtin();
    let opts = RenderOptions::default().with_tz(TimeZone::UTC);

    let mut g = c.benchmark_group("pipeline");
    configure(&mut g, events);

    g.bench_function("state", |b| b.iter(|| black_box(state_only(&cap))));

    let mut format = Format::compile(reg, FORMAT, opts).expect("format compiles");
    let mut line = Vec::new();
    g.bench_function("format", |b| {
        b.iter(|| black_box(state_and_format(&cap, &mut format, &mut line)))
    });

    let mut twenty = Format::compile(reg, FIELDS20, opts).expect("format compiles");
    g.bench_function("fields20", |b| {
        b.iter(|| black_box(state_and_format(&cap, &mut twenty, &mut line)))
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

    let bytes = std::fs::read(capture_path("STRATA_PIPELINE_COPIES", 40)).expect("read");
    g.bench_function("filter", |b| {
        b.iter(|| {
            let mut events = strata::Events::from_bytes(bytes.clone())
                .and_then(|e| e.filter(PIPELINE_FILTER))
                .expect("filter compiles");
            let mut n = 0u64;
            while let Some(ev) = events.next() {
                n += ev.expect("valid capture").num();
            }
            black_box(n)
        })
    });
    g.finish();
}

const PIPELINE_FILTER: &str = "evt.type in (open, openat) and fd.name contains /zzz";

/// Ten filters of the kinds people write, by name.
const FILTERS: &[(&str, &str)] = &[
    ("type", "evt.type = open"),
    ("type-and-contains", PIPELINE_FILTER),
    ("proc-name", "proc.name = curl"),
    ("fd-startswith", "fd.name startswith /etc"),
    ("socket-port", "fd.typechar = 4 and fd.sport = 80"),
    ("no-fd", "not fd.name exists"),
    (
        "name-list",
        "proc.name in (bash, sh, zsh, curl, wget) and evt.dir = <",
    ),
    ("glob", "fd.name glob '/usr/lib/*.so*'"),
    ("ancestor", "proc.aname = bash"),
    ("failed-file", "evt.failed = true and fd.type = file"),
];

fn filter_eval(c: &mut Criterion) {
    use strata_dissect::{FilterRecord, FilterSchema};
    use strata_filter::{compile, parse};
    let cap = capture();
    let events = event_count(&cap);
    let opts = RenderOptions::default().with_tz(TimeZone::UTC);
    let schema = FilterSchema::new(Registry::builtin(), opts.flavor);
    let mut g = c.benchmark_group("filter-eval");
    g.sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .throughput(Throughput::Elements(events));
    const REPEAT: u32 = 16;
    for (name, text) in FILTERS {
        let program = compile(&schema, &parse(text).expect("parses")).expect("compiles");
        g.bench_function(*name, |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                let mut scratch = String::new();
                for _ in 0..iters {
                    let mut insp = Inspector::new();
                    for block in cap.blocks() {
                        match block.expect("valid capture") {
                            Block::Event(ev) => {
                                let ctx = insp.process(&ev);
                                let start = std::time::Instant::now();
                                for _ in 0..REPEAT {
                                    let mut rec = FilterRecord::with_scratch(
                                        &ctx,
                                        &opts,
                                        std::mem::take(&mut scratch),
                                    );
                                    black_box(program.matches(&mut rec));
                                    scratch = rec.into_scratch();
                                }
                                total += start.elapsed();
                            }
                            other => insp.process_block(&other),
                        }
                    }
                }
                total / REPEAT
            })
        });
    }
    g.finish();
}

/// Runs one tool on the capture with the format, output discarded; panics if it fails.
fn run_tool(program: &std::path::Path, file: &std::path::Path) {
    let status = Command::new(program)
        .env("TZ", "UTC")
        .arg("-r")
        .arg(file)
        .arg("-p")
        .arg(FORMAT)
        .stdout(std::process::Stdio::null())
        .status()
        .expect("run the tool");
    assert!(status.success(), "{} failed", program.display());
}

fn vs_sysdig(c: &mut Criterion) {
    let Some(sysdig) = env::var_os("PATH").and_then(|paths| {
        env::split_paths(&paths)
            .map(|d| d.join("sysdig"))
            .find(|p| p.is_file())
    }) else {
        eprintln!("vs-sysdig: sysdig is not installed (shared/tools/install-oracle); skipped");
        return;
    };
    let status = Command::new(env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .args(["build", "--release", "--example", "sdump"])
        .current_dir(workspace())
        .status()
        .expect("run cargo build");
    assert!(status.success(), "building the sdump example failed");
    let sdump = target_dir().join("release").join("examples").join("sdump");
    let file = capture_path("STRATA_VS_SYSDIG_COPIES", 1265);
    let events = Capture::open(&file)
        .expect("read the capture")
        .blocks()
        .filter(|b| matches!(b, Ok(Block::Event(_))))
        .count() as u64;

    let mut g = c.benchmark_group("vs-sysdig");
    g.sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(20))
        .throughput(Throughput::Elements(events));
    g.bench_function("sysdig", |b| b.iter(|| run_tool(&sysdig, &file)));
    g.bench_function("sdump", |b| b.iter(|| run_tool(&sdump, &file)));
    g.finish();
}

/// How many events the capture holds.
fn event_count(cap: &Capture) -> u64 {
    cap.blocks()
        .filter(|b| matches!(b, Ok(Block::Event(_))))
        .count() as u64
}

/// Ten samples of three seconds after a second's warm-up, counted in events: the settings
/// of the groups that read the whole replicated capture.
fn configure(g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>, events: u64) {
    g.sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .throughput(Throughput::Elements(events));
}

/// Payload dissectors: a format without dissector fields renders at the same cost whether
/// the registry holds the dissectors or not (nothing is dissected unless asked), and the
/// cost per event of asking for one field of each dissector.
fn dissect(c: &mut Criterion) {
    let cap = capture();
    let events = event_count(&cap);
    let opts = RenderOptions::default().with_tz(TimeZone::UTC);
    let mut g = c.benchmark_group("dissect");
    configure(&mut g, events);
    let base = "*%evt.num %proc.name %fd.name";
    let plain = Registry::new();
    let with = Registry::with_dissectors();
    let mut line = Vec::new();
    for (name, reg, text) in [
        ("no-dissectors", &plain, base.to_string()),
        ("dissectors-unasked", &with, base.to_string()),
        (
            "dissectors-asked",
            &with,
            format!("{base} %http.method %dns.qry.name %elf.machine"),
        ),
    ] {
        let mut f = Format::compile(reg, &text, opts).expect("format compiles");
        g.bench_function(name, |b| {
            b.iter(|| black_box(state_and_format(&cap, &mut f, &mut line)))
        });
    }
    g.finish();
}

criterion::criterion_group!(benches, pipeline, filter_eval, vs_sysdig, dissect);
criterion::criterion_main!(benches);
