//! Mutation test (issue 13): every capture of `../shared/corpus` and `../shared/corpus-wild`,
//! mutated with a fixed seed (truncated, bits flipped, ranges zeroed, blocks duplicated,
//! swapped or dropped, byte ranges duplicated), each mutant run through the whole pipeline:
//! the state engine with every built-in field rendered in both flavors
//! (`strata_dissect::fuzzing::inspect`), and `strata::Events` with a filter and a recorder
//! keeping state, without and with recovery, and with the filter alone. No mutant may panic;
//! each one's time and the process's peak memory are printed.
//!
//! The short form (CI) makes 1,000 mutants of the first 64 KB of each capture. The long form:
//! `STRATA_MUTANTS=N` makes N mutants of the whole captures (`STRATA_MUTANTS=10000 cargo test
//! --release --test mutants -- --nocapture`).

mod common;

use std::io;
use std::time::{Duration, Instant};

use strata::{Events, Recorder};

/// xorshift64*: a fixed sequence, so a failing mutant can be made again.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// (offset, length) of each whole block of `bytes`.
fn blocks(bytes: &[u8]) -> Vec<(usize, usize)> {
    let mut r = strata::scap::SliceReader::new(bytes);
    let mut out = Vec::new();
    while let Some(b) = r.next_raw() {
        if b.is_err() {
            break;
        }
        let at = r.block_offset() as usize;
        out.push((at, r.position() as usize - at));
    }
    out
}

/// One mutant of `bytes` (whose blocks are `bl`), and what was done.
fn mutate(bytes: &[u8], bl: &[(usize, usize)], rng: &mut Rng) -> (Vec<u8>, &'static str) {
    let mut m = bytes.to_vec();
    let n = m.len().max(1);
    let kind = rng.below(8);
    let what = match kind {
        0 => {
            m.truncate(rng.below(n));
            "truncated"
        }
        1 => {
            for _ in 0..1 + rng.below(8) {
                let i = rng.below(n);
                if let Some(b) = m.get_mut(i) {
                    *b ^= 1 << rng.below(8);
                }
            }
            "bits flipped"
        }
        2 => {
            let at = rng.below(n);
            let end = (at + 1 + rng.below(64)).min(m.len());
            if at < end {
                m[at..end].fill(0);
            }
            "range zeroed"
        }
        3..=5 if bl.len() > 2 => {
            let (a, alen) = bl[1 + rng.below(bl.len() - 1)];
            let (b, blen) = bl[1 + rng.below(bl.len() - 1)];
            match kind {
                3 => {
                    let copy = m[a..a + alen].to_vec();
                    m.splice(a..a, copy);
                    "block duplicated"
                }
                4 => {
                    m.drain(a..a + alen);
                    "block dropped"
                }
                _ => {
                    let (first, second) = if a < b {
                        ((a, alen), (b, blen))
                    } else {
                        ((b, blen), (a, alen))
                    };
                    if first.0 + first.1 <= second.0 {
                        let x = m[first.0..first.0 + first.1].to_vec();
                        let y = m[second.0..second.0 + second.1].to_vec();
                        m.splice(second.0..second.0 + second.1, x);
                        m.splice(first.0..first.0 + first.1, y);
                    }
                    "blocks swapped"
                }
            }
        }
        6 => {
            let at = rng.below(n);
            let end = (at + 1 + rng.below(256)).min(m.len());
            if at < end {
                let copy = m[at..end].to_vec();
                m.splice(at..at, copy);
            }
            "range duplicated"
        }
        _ => {
            let at = rng.below(n);
            for b in m.iter_mut().skip(at).take(1 + rng.below(16)) {
                *b = rng.next() as u8;
            }
            "bytes replaced"
        }
    };
    (m, what)
}

/// The whole pipeline on one mutant.
fn run(m: &[u8]) {
    strata_dissect::fuzzing::inspect(m);
    // (Without a recorder, the events the filter refuses go through a loop of their own.)
    for (recover, record) in [(false, true), (true, true), (false, false)] {
        let Ok(events) = Events::from_bytes(m.to_vec()) else {
            continue;
        };
        let events = events
            .recover(recover)
            .filter(
                "evt.type in (open, openat, connect) or fd.name contains /etc or proc.name = bash",
            )
            .expect("the filter compiles");
        let mut events = match record {
            true => events.record(Recorder::to_writer(io::sink()).keep_state(true)),
            false => events,
        };
        let mut errors = 0usize;
        while let Some(ev) = events.next() {
            if let Ok(ev) = ev {
                let _ = ev.field("fd.name");
            } else {
                errors += 1;
                assert!(
                    errors <= m.len() / 12 + 2,
                    "more errors than the input can hold"
                );
            }
        }
    }
}

/// Peak resident memory of this process (VmHWM), kB.
fn peak_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

#[test]
fn mutants_never_panic() {
    let (Some(mut caps), Some(wild)) = (common::corpus("corpus"), common::corpus("corpus-wild"))
    else {
        return;
    };
    caps.extend(wild);
    let long: Option<usize> = std::env::var("STRATA_MUTANTS")
        .ok()
        .and_then(|v| v.parse().ok());
    let total = long.unwrap_or(1000);
    let per = total.div_ceil(caps.len());
    let mut rng = Rng(0x005e_ed0f_5742_a7a5);
    let (mut made, mut slowest, mut kinds) = (
        0usize,
        (Duration::ZERO, String::new()),
        std::collections::BTreeMap::new(),
    );
    for cap in &caps {
        let whole = common::decompressed(cap);
        let bytes = if long.is_some() {
            whole
        } else {
            // The first 64 KB, cut at a block boundary.
            let end = blocks(&whole)
                .iter()
                .map(|(at, len)| at + len)
                .take_while(|&e| e <= 64 << 10)
                .last()
                .unwrap_or(whole.len().min(64 << 10));
            whole[..end].to_vec()
        };
        let bl = blocks(&bytes);
        for i in 0..per {
            let (m, what) = mutate(&bytes, &bl, &mut rng);
            *kinds.entry(what).or_insert(0usize) += 1;
            let t = Instant::now();
            let r = std::panic::catch_unwind(|| run(&m));
            let took = t.elapsed();
            if took > slowest.0 {
                slowest = (took, format!("{} mutant {i} ({what})", cap.display()));
            }
            if r.is_err() {
                let path = std::env::temp_dir()
                    .join(format!("strata-mutant-{}-{i}.scap", std::process::id()));
                let _ = std::fs::write(&path, &m);
                panic!(
                    "{} mutant {i} ({what}) panicked; kept as {}",
                    cap.display(),
                    path.display()
                );
            }
            made += 1;
        }
    }
    let peak = peak_kb();
    eprintln!(
        "{made} mutants of {} captures ({kinds:?}), each without and with recovery: no panic; slowest {:.2?} ({}); peak RSS {} MB",
        caps.len(),
        slowest.0,
        slowest.1,
        peak / 1024
    );
    assert!(made >= total);
    // Bounded memory: the captures, their mutants and the bounded state, well under 2 GB.
    assert!(peak < 2 << 20, "peak RSS {peak} kB");
}
