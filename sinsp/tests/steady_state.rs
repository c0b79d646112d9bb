//! Once warm, processing events on known threads and fds allocates nothing.

use strata_scap::block::types;
use strata_scap::fdlist::{FdEntry, FdInfo as ScapFd, FdList};
use strata_scap::proclist::{ProcessEntry, ProcessList};
use strata_scap::section::SectionHeader;
use strata_scap::{Block, Endian, Event, SliceReader, Writer};
use strata_sinsp::Inspector;

const CLOSE_X: u16 = 5;
const READ_X: u16 = 7;
const WRITE_X: u16 = 9;
const OPENAT_X: u16 = 307;
const TID: i64 = 500;

fn capture(rounds: usize) -> Vec<u8> {
    let e = Endian::Little;
    let mut w = Writer::new(Vec::new());
    w.write_section(&SectionHeader::current()).unwrap();
    // ProcessEntry is non-exhaustive: start from the defaults, set what matters.
    let mut proc_ = ProcessEntry::default();
    proc_.tid = TID as u64;
    proc_.pid = TID as u64;
    proc_.ptid = 1;
    proc_.comm = b"worker";
    proc_.exe = b"/usr/bin/worker";
    proc_.exepath = b"/usr/bin/worker";
    proc_.cwd = b"/srv";
    let mut body = Vec::new();
    ProcessList::encode_entries(types::PL_V9, &[proc_], &mut body, e).unwrap();
    w.write_raw(types::PL_V9, &body).unwrap();
    body.clear();
    let log = ScapFd::FileV2 {
        open_flags: 2,
        name: b"/var/log/worker.log",
        dev: Some(1),
    };
    FdList::encode_entries(
        types::FDL_V2,
        TID as u64,
        &[FdEntry::new(3, 9, log)],
        &mut body,
        e,
    )
    .unwrap();
    w.write_raw(types::FDL_V2, &body).unwrap();
    let i = |v: i64| v.to_le_bytes();
    let u = |v: u32| v.to_le_bytes();
    let mut ts = 1_000_000;
    for _ in 0..rounds {
        ts += 1000;
        let (fd, dirfd, ino) = (i(4), i(-100), 77u64.to_le_bytes());
        let (flags, zero) = (u(1), u(0));
        w.write_event(
            0,
            0,
            ts,
            TID as u64,
            OPENAT_X,
            &[&fd, &dirfd, b"data/in.txt\0", &flags, &zero, &zero, &ino],
        )
        .unwrap();
        w.write_event(
            0,
            0,
            ts + 1,
            TID as u64,
            READ_X,
            &[&i(5), b"hello", &fd, &u(4096)],
        )
        .unwrap();
        w.write_event(
            0,
            0,
            ts + 2,
            TID as u64,
            WRITE_X,
            &[&i(5), b"hello", &i(3), &u(5)],
        )
        .unwrap();
        w.write_event(0, 0, ts + 3, TID as u64, CLOSE_X, &[&i(0), &fd])
            .unwrap();
    }
    w.into_inner().unwrap()
}

#[test]
fn no_allocation_per_event_once_warm() {
    let bytes = capture(2_000);
    let blocks: Vec<Block<'_>> = SliceReader::new(&bytes).map(Result::unwrap).collect();
    let events: Vec<Event<'_>> = blocks
        .iter()
        .filter_map(|b| b.as_event().copied())
        .collect();
    let mut insp = Inspector::new();
    for b in blocks.iter().filter(|b| b.as_event().is_none()) {
        insp.process_block(b);
    }
    let (warm, steady) = events.split_at(400);
    let mut names = 0usize;
    for ev in warm {
        insp.process(ev);
    }
    let info = allocation_counter::measure(|| {
        for ev in steady {
            let ctx = insp.process(ev);
            if let (Some(t), Some(fd)) = (ctx.thread(), ctx.fd()) {
                names += t.comm.len() + fd.name.len();
            }
        }
    });
    assert!(names > 0, "the events resolved their thread and fd");
    assert_eq!(
        info.count_total,
        0,
        "allocations over {} steady-state events",
        steady.len()
    );
}
