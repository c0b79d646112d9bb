//! `Inspector::event_fd_of`, which a filter needing an fd asks of enter events instead of
//! building their context, finds the fd the context is about: on every event of every shared
//! capture, in both eras' behaviours, and on the old-format captures with their fd lists
//! made hostile (each thread's first fd renumbered -1, which the enters of calls that make an
//! fd look up).

mod common;

use strata::scap::{Block, SliceReader};
use strata::sinsp::{Config, Inspector};

/// Runs `bytes` through an inspector of `cfg`, checking every event; returns how many events
/// had an fd, and how many had fd -1.
fn check(name: &str, bytes: &[u8], cfg: Config) -> (usize, usize) {
    let mut insp = Inspector::with_config(cfg);
    let (mut with_fd, mut minus_one) = (0, 0);
    for block in SliceReader::new(bytes) {
        match block {
            Ok(Block::Event(ev)) => {
                let p = insp.update(&ev);
                let quick = insp.event_fd_of(&ev, p).map(|f| f as *const _);
                let ctx = insp.context_of(&ev, p);
                assert_eq!(
                    quick,
                    ctx.fd().map(|f| f as *const _),
                    "{name}: event {}",
                    ctx.num()
                );
                with_fd += usize::from(ctx.fd().is_some());
                minus_one += usize::from(ctx.fd().is_some_and(|f| f.fd == -1));
            }
            Ok(other) => insp.process_block(&other),
            Err(_) => break,
        }
    }
    (with_fd, minus_one)
}

/// `bytes` with the first fd of each fd list block renumbered -1.
fn hostile(bytes: &[u8]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    let mut r = SliceReader::new(bytes);
    while let Some(block) = r.next() {
        let Ok(Block::FdList(list)) = block else {
            continue;
        };
        if list.is_empty() {
            continue;
        }
        // Block header (8), the list's tid (8), the entry's length in version 2 (4).
        let at = r.block_offset() as usize + 16 + if list.is_v2() { 4 } else { 0 };
        out[at..at + 8].copy_from_slice(&(-1i64).to_le_bytes());
    }
    out
}

#[test]
fn event_fd_of_is_the_contexts_fd() {
    let Some(captures) = common::all_captures() else {
        return;
    };
    let mut with_fd = 0;
    for cap in captures {
        let bytes = common::decompressed(&cap);
        let name = cap.display().to_string();
        with_fd += check(&name, &bytes, Config::sysdig_029()).0;
        with_fd += check(&name, &bytes, Config::default()).0;
    }
    assert!(with_fd > 0, "no event with an fd");
}

#[test]
fn event_fd_of_finds_a_hostile_fd_minus_one() {
    let Some(captures) = common::old_format_captures() else {
        return;
    };
    let mut minus_one = 0;
    for cap in captures {
        let bytes = hostile(&common::decompressed(&cap));
        let name = cap.display().to_string();
        minus_one += check(&name, &bytes, Config::sysdig_029()).1;
        minus_one += check(&name, &bytes, Config::default()).1;
    }
    assert!(minus_one > 0, "no event looked fd -1 up");
}
