//! Throughput of the `.scap` codec against its peers, side by side in one run.
//!
//! - `walk`: frame every block of a large in-memory capture (bytes/s): strata's raw framing,
//!   strata's typed iterator with event header decode, pcap-parser's pcapng block parser, and a
//!   bare bounds-checked loop as a ceiling.
//! - `decode`: decode every parameter of every event to typed values (events/s): strata against
//!   falco_event (the Falco plugin SDK's decoder), both starting from the same event bytes.
//!   strata is timed both ways: all of an event's values at once into a reused buffer
//!   (`decode_params`, the one compared), and one at a time (`params`). Before those, the
//!   compared pair is also timed in alternation and the per-round ratio printed.
//!
//! The capture is made on first use by `shared/tools/replicate-capture` into
//! `<target>/bench-data/`. See `benches/README.md`.

use std::env;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use criterion::{BenchmarkGroup, Criterion, SamplingMode, Throughput, measurement::WallTime};
use strata_scap::{Block, Endian, Event, ParamBuf, SliceReader};

/// Event block types (EV, EVF, EV_V2, EVF_V2): the ones replicate-capture copies.
const EVENT_BLOCKS: [u32; 4] = [0x204, 0x208, 0x216, 0x217];
/// EV_V2: the event block with today's 26-byte header (which falco_event reads), and no flags.
const EV_V2: u32 = strata_scap::block::types::EV_V2;

/// Default source capture, in `<shared>/corpus-modern/`.
const DEFAULT_CAPTURE: &str = "single_ipv6_conn.scap";
/// Default size of the replicated capture, in MB.
const DEFAULT_MB: u64 = 300;
/// Default number of events decoded per iteration in the `decode` group.
const DEFAULT_DECODE_EVENTS: usize = 1_000_000;

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn shared_dir() -> PathBuf {
    match env::var_os("STRATA_SHARED") {
        Some(p) => PathBuf::from(p),
        None => workspace().join("..").join("shared"),
    }
}

fn target_dir() -> PathBuf {
    match env::var_os("CARGO_TARGET_DIR") {
        Some(p) => workspace().join(p), // an absolute path replaces the base
        None => workspace().join("target"),
    }
}

/// Bytes of the event blocks of a (little-endian, uncompressed) capture: what one copy adds.
fn event_bytes(data: &[u8]) -> u64 {
    let (mut off, mut total) = (0usize, 0u64);
    while let Some(h) = data.get(off..off + 8) {
        let t = u32::from_le_bytes(h[0..4].try_into().unwrap());
        let len = u32::from_le_bytes(h[4..8].try_into().unwrap()) as usize;
        if len < 12 || off + len > data.len() {
            break;
        }
        if EVENT_BLOCKS.contains(&t) {
            total += len as u64;
        }
        off += len;
    }
    total
}

/// The bytes as they are, or gunzipped if they are gzip (as replicate-capture accepts).
fn gunzip(bytes: Vec<u8>) -> Vec<u8> {
    use std::io::Read;
    if !bytes.starts_with(&[0x1f, 0x8b]) {
        return bytes;
    }
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(&bytes[..])
        .read_to_end(&mut out)
        .expect("gunzip");
    out
}

/// Makes (once) and loads the replicated capture.
fn load_capture() -> (String, Vec<u8>) {
    let shared = shared_dir();
    let name = env::var("STRATA_BENCH_CAPTURE").unwrap_or_else(|_| DEFAULT_CAPTURE.to_string());
    let src = if Path::new(&name).is_absolute() {
        PathBuf::from(&name)
    } else {
        shared.join("corpus-modern").join(&name)
    };
    let src_bytes = std::fs::read(&src).unwrap_or_else(|e| {
        panic!(
            "reading {} (set STRATA_SHARED / STRATA_BENCH_CAPTURE): {e}",
            src.display()
        )
    });
    let src_bytes = gunzip(src_bytes);
    let per_copy = event_bytes(&src_bytes);
    assert!(
        per_copy > 0,
        "{} holds no little-endian event blocks",
        src.display()
    );
    let mb: u64 = env_or("STRATA_BENCH_MB", DEFAULT_MB);
    let copies = (mb * 1_000_000).div_ceil(per_copy).max(1);
    let stem = src
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("capture")
        .to_string();
    let stem = stem.trim_end_matches(".scap").to_string();
    let dir = target_dir().join("bench-data");
    let out = dir.join(format!("{stem}-x{copies}.scap"));
    if !out.exists() {
        std::fs::create_dir_all(&dir).expect("creating the bench-data dir");
        let tmp = dir.join(format!("{stem}-x{copies}.scap.part"));
        let tool = shared.join("tools").join("replicate-capture");
        eprintln!(
            "bench: making {} ({copies} copies of {})",
            out.display(),
            src.display()
        );
        let status = Command::new("python3")
            .arg(&tool)
            .arg(&src)
            .arg(&tmp)
            .arg(copies.to_string())
            .status()
            .unwrap_or_else(|e| panic!("running {}: {e}", tool.display()));
        assert!(status.success(), "{} failed: {status}", tool.display());
        std::fs::rename(&tmp, &out).expect("renaming the capture into place");
    }
    let bytes = std::fs::read(&out).expect("reading the replicated capture");
    (format!("{stem} x{copies}"), bytes)
}

/// Default measuring time per bench, in seconds.
const DEFAULT_SECONDS: u64 = 5;

/// Longer measuring (`STRATA_BENCH_SECONDS`) averages over more of a shared machine's slow and
/// fast spells, which otherwise fall on one side of a comparison and not the other.
fn configure(g: &mut BenchmarkGroup<'_, WallTime>) {
    let seconds: u64 = env_or("STRATA_BENCH_SECONDS", DEFAULT_SECONDS);
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(seconds.max(1)))
        .sampling_mode(SamplingMode::Flat);
}

// ---------------------------------------------------------------------------------------------
// walk

/// strata: framing only.
#[inline(never)]
fn strata_raw(bytes: &[u8]) -> u64 {
    let mut r = SliceReader::new(bytes);
    let mut acc = 0u64;
    while let Some(b) = r.next_raw() {
        let b = b.expect("framing");
        acc = acc.wrapping_add(b.block_type as u64 ^ b.body.len() as u64);
    }
    acc
}

/// strata: framing plus the event header of every event block (`RawBlock::event_header`).
#[inline(never)]
fn strata_headers(bytes: &[u8]) -> u64 {
    let mut acc = 0u64;
    let mut r = SliceReader::new(bytes);
    while let Some(b) = r.next_raw() {
        if let Some(h) = b.expect("block").event_header() {
            let h = h.expect("header");
            acc = acc.wrapping_add(h.ts ^ h.tid ^ h.len as u64 ^ h.event_type as u64);
        }
    }
    acc
}

/// strata: typed blocks: event headers decoded and parameter lengths validated.
#[inline(never)]
fn strata_events(bytes: &[u8]) -> u64 {
    let mut acc = 0u64;
    for b in SliceReader::new(bytes) {
        if let Block::Event(ev) = b.expect("block") {
            acc = acc.wrapping_add(ev.ts ^ ev.tid ^ ev.len as u64);
        }
    }
    acc
}

/// pcap-parser: every block through its pcapng block parser (scap's own types come back as
/// `Unknown`, the section header as a pcapng SHB).
#[inline(never)]
fn pcap_parser_walk(bytes: &[u8]) -> u64 {
    use pcap_parser::pcapng::{Block as PBlock, parse_block_le};
    let mut rest = bytes;
    let mut acc = 0u64;
    while !rest.is_empty() {
        let (next, block) = parse_block_le(rest).expect("pcap-parser");
        let n = match &block {
            PBlock::Unknown(u) => u.data.len() as u64,
            PBlock::SectionHeader(s) => s.block_len1 as u64,
            other => other.magic() as u64,
        };
        acc = acc.wrapping_add(block.magic() as u64 ^ n);
        rest = next;
    }
    acc
}

/// The ceiling: read type and length, check bounds, advance.
#[inline(never)]
fn bare_walk(bytes: &[u8]) -> u64 {
    let mut off = 0usize;
    let mut acc = 0u64;
    while let Some(h) = bytes.get(off..off + 8) {
        let t = u32::from_le_bytes(h[0..4].try_into().unwrap());
        let len = u32::from_le_bytes(h[4..8].try_into().unwrap()) as usize;
        if len < 12 || len > bytes.len() - off {
            break;
        }
        acc = acc.wrapping_add(t as u64 ^ len as u64);
        off += len;
    }
    acc
}

fn bench_walk(c: &mut Criterion, label: &str, bytes: &[u8]) {
    // The peers must agree on what they walk before anything is timed.
    let blocks = SliceReader::new(bytes).count();
    let (mut pp_blocks, mut rest) = (0usize, bytes);
    while !rest.is_empty() {
        rest = pcap_parser::pcapng::parse_block_le(rest)
            .expect("pcap-parser")
            .0;
        pp_blocks += 1;
    }
    assert_eq!(
        blocks, pp_blocks,
        "strata and pcap-parser see different block counts"
    );
    eprintln!(
        "bench walk: {label}: {} MB, {blocks} blocks",
        bytes.len() / 1_000_000
    );

    let mut g = c.benchmark_group("walk");
    configure(&mut g);
    g.throughput(Throughput::Bytes(bytes.len() as u64));
    g.bench_function("strata/next_raw", |b| {
        b.iter(|| black_box(strata_raw(black_box(bytes))))
    });
    g.bench_function("strata/headers", |b| {
        b.iter(|| black_box(strata_headers(black_box(bytes))))
    });
    g.bench_function("strata/events", |b| {
        b.iter(|| black_box(strata_events(black_box(bytes))))
    });
    g.bench_function("pcap-parser/parse_block_le", |b| {
        b.iter(|| black_box(pcap_parser_walk(black_box(bytes))))
    });
    g.bench_function("bare-loop", |b| {
        b.iter(|| black_box(bare_walk(black_box(bytes))))
    });
    g.finish();
}

// ---------------------------------------------------------------------------------------------
// decode

/// strata: parse the event header from the block body, then decode every parameter into a
/// reused buffer (`Event::decode_params`: code compiled per list of parameter types).
#[inline(never)]
fn strata_decode(bodies: &[&[u8]]) -> (usize, usize) {
    let (mut ok, mut params) = (0usize, 0usize);
    let mut buf = ParamBuf::new();
    for body in bodies {
        let Ok(ev) = Event::parse(EV_V2, body, Endian::Little) else {
            continue;
        };
        match ev.decode_params(&mut buf) {
            Ok(all) => {
                black_box(all);
                params += all.len();
                ok += 1;
            }
            Err(e) => {
                black_box(e);
            }
        }
    }
    (ok, params)
}

/// strata: the same one value at a time (`Event::params`, one walk of the length array).
#[inline(never)]
fn strata_decode_next(bodies: &[&[u8]]) -> (usize, usize) {
    let (mut ok, mut params) = (0usize, 0usize);
    for body in bodies {
        let Ok(ev) = Event::parse(EV_V2, body, Endian::Little) else {
            continue;
        };
        let mut good = 0usize;
        for v in ev.params() {
            match v {
                Ok(v) => {
                    black_box(v);
                    good += 1;
                }
                Err(e) => {
                    black_box(e);
                }
            }
        }
        params += good;
        ok += (good == ev.nparams()) as usize;
    }
    (ok, params)
}

/// strata, reference: header and every parameter's bytes, nothing decoded.
#[inline(never)]
fn strata_raw_params(bodies: &[&[u8]]) -> usize {
    let mut n = 0usize;
    for body in bodies {
        let Ok(ev) = Event::parse(EV_V2, body, Endian::Little) else {
            continue;
        };
        for p in ev.params_raw() {
            black_box(p);
            n += 1;
        }
    }
    n
}

/// falco_event: header, then every parameter into its event type's struct.
#[inline(never)]
fn falco_decode(events: &[&[u8]]) -> usize {
    use falco_event::events::RawEvent;
    use falco_event_schema::events::AnyEvent;
    let mut ok = 0usize;
    for raw in events {
        let Ok(ev) = RawEvent::from(raw) else {
            continue;
        };
        match ev.load::<AnyEvent>() {
            Ok(e) => {
                black_box(e);
                ok += 1;
            }
            Err(e) => {
                black_box(e);
            }
        }
    }
    ok
}

fn bench_decode(c: &mut Criterion, label: &str, bytes: &[u8]) {
    let max: usize = env_or("STRATA_BENCH_DECODE_EVENTS", DEFAULT_DECODE_EVENTS);
    // Both sides get a Vec of slices into the same capture memory: strata the EV_V2 block
    // bodies (2-byte cpu id, then the event), falco_event the events themselves.
    let mut r = SliceReader::new(bytes);
    let mut bodies: Vec<&[u8]> = Vec::new();
    let mut events: Vec<&[u8]> = Vec::new();
    let mut skipped = 0usize;
    while let Some(b) = r.next_raw() {
        let b = b.expect("framing");
        if b.block_type != EV_V2 || b.endian != Endian::Little {
            skipped += EVENT_BLOCKS.contains(&b.block_type) as usize;
            continue;
        }
        let ev = Event::parse(b.block_type, b.body, b.endian).expect("event header");
        bodies.push(b.body);
        events.push(ev.raw());
        if events.len() == max {
            break;
        }
    }
    let n = events.len();
    let (strata_ok, strata_params) = strata_decode(&bodies);
    // Both ways of decoding must give the same values, event by event.
    let mut buf = ParamBuf::new();
    for body in &bodies {
        let ev = Event::parse(EV_V2, body, Endian::Little).expect("event");
        let all: Vec<_> = ev.params().collect();
        match ev.decode_params(&mut buf) {
            Ok(slice) => assert!(
                slice.iter().copied().map(Ok).eq(all),
                "decode_params differs"
            ),
            Err(e) => assert!(all.contains(&Err(e)), "decode_params fails differently"),
        }
    }
    assert_eq!(
        (strata_ok, strata_params),
        strata_decode_next(&bodies),
        "decode_params and params count differently"
    );
    let falco_ok = falco_decode(&events);
    eprintln!(
        "bench decode: {label}: {n} EV_V2 events ({skipped} other event blocks skipped), \
         {strata_params} params; fully decoded: strata {strata_ok}, falco_event {falco_ok}"
    );

    interleaved_ratio(&bodies, &events);

    let mut g = c.benchmark_group("decode");
    configure(&mut g);
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function("strata/params", |b| {
        b.iter(|| black_box(strata_decode(black_box(&bodies))))
    });
    g.bench_function("strata/params_next", |b| {
        b.iter(|| black_box(strata_decode_next(black_box(&bodies))))
    });
    g.bench_function("strata/params_raw", |b| {
        b.iter(|| black_box(strata_raw_params(black_box(&bodies))))
    });
    g.bench_function("falco_event/load_any", |b| {
        b.iter(|| black_box(falco_decode(black_box(&events))))
    });
    g.finish();
}

/// Default number of interleaved rounds in [`interleaved_ratio`].
const DEFAULT_ROUNDS: usize = 20;

/// strata's `decode_params` and falco_event timed in alternation, one pass each per round, and
/// the ratio of their times taken round by round. A slow spell of the machine then falls on both
/// sides of a ratio, not on one bench of criterion's and not the other; the median and spread
/// are printed beside criterion's figures. `STRATA_BENCH_ROUNDS=0` skips it.
fn interleaved_ratio(bodies: &[&[u8]], events: &[&[u8]]) {
    use std::time::Instant;
    let rounds: usize = env_or("STRATA_BENCH_ROUNDS", DEFAULT_ROUNDS);
    if rounds == 0 {
        return;
    }
    let mut ratios = Vec::with_capacity(rounds);
    let (mut best_strata, mut best_falco) = (f64::MAX, f64::MAX);
    for _ in 0..rounds {
        let t = Instant::now();
        black_box(strata_decode(black_box(bodies)));
        let strata = t.elapsed().as_secs_f64();
        let t = Instant::now();
        black_box(falco_decode(black_box(events)));
        let falco = t.elapsed().as_secs_f64();
        ratios.push(falco / strata);
        best_strata = best_strata.min(strata);
        best_falco = best_falco.min(falco);
    }
    ratios.sort_by(f64::total_cmp);
    let n = bodies.len() as f64 / 1e6;
    eprintln!(
        "bench decode: interleaved, {rounds} rounds: decode_params / falco_event events/s \
         ratio median {:.2}x (lowest {:.2}x, highest {:.2}x); best rounds {:.1} M / {:.1} M = \
         {:.2}x",
        ratios[rounds / 2],
        ratios[0],
        ratios[rounds - 1],
        n / best_strata,
        n / best_falco,
        best_falco / best_strata
    );
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    let (label, bytes) = load_capture();
    bench_walk(&mut c, &label, &bytes);
    bench_decode(&mut c, &label, &bytes);
    c.final_summary();
}
