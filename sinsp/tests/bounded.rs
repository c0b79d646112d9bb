//! Bounded state: an endless stream of thread creations whose procexits are lost must not grow
//! the thread table past its configured size.

use strata_scap::section::SectionHeader;
use strata_scap::{Block, Capture, Writer};
use strata_sinsp::{Config, Inspector};

const CLONE_20_X: u16 = 223;

fn clone_exit(w: &mut Writer<&mut Vec<u8>>, ts: u64, parent: i64, child: i64) {
    let i64b = |v: i64| v.to_le_bytes().to_vec();
    let u32b = |v: u32| v.to_le_bytes().to_vec();
    let u64b = |v: u64| v.to_le_bytes().to_vec();
    let params: Vec<Vec<u8>> = vec![
        i64b(child),           // res: the child, caller side
        b"/bin/sh\0".to_vec(), // exe
        b"-c\0".to_vec(),      // args
        i64b(parent),          // tid
        i64b(parent),          // pid
        i64b(1),               // ptid
        b"/\0".to_vec(),       // cwd
        i64b(1024),            // fdlimit
        u64b(0),
        u64b(0),
        u32b(0),
        u32b(0),
        u32b(0),
        b"sh\0".to_vec(), // comm
        Vec::new(),       // cgroups
        u32b(0),          // flags: a new process
        u32b(0),
        u32b(0),
        i64b(parent), // vtid: the caller's own, as the params describe the caller
        i64b(parent), // vpid
        u64b(0),
    ];
    let refs: Vec<&[u8]> = params.iter().map(Vec::as_slice).collect();
    w.write_event(0, 0, ts, parent as u64, CLONE_20_X, &refs)
        .expect("write");
}

#[test]
fn thread_table_stays_capped_without_procexits() {
    let mut buf = Vec::new();
    {
        let mut w = Writer::new(&mut buf);
        w.write_section(&SectionHeader::current()).expect("shb");
        for i in 0..20_000i64 {
            clone_exit(&mut w, 1_000 + i as u64, 100, 1_000 + i);
        }
        w.into_inner().expect("flush");
    }
    let cap = Capture::from_bytes(buf).expect("capture");
    let mut cfg = Config::default();
    cfg.max_threads = 256;
    let mut insp = Inspector::with_config(cfg);
    let mut max_seen = 0;
    for b in cap.blocks() {
        match b.expect("block") {
            Block::Event(ev) => {
                let _ = insp.process(&ev);
                max_seen = max_seen.max(insp.threads().len());
            }
            other => insp.process_block(&other),
        }
    }
    assert_eq!(insp.events_seen(), 20_000);
    assert!(max_seen <= 256, "table grew to {max_seen}");
    assert!(
        insp.threads().evicted() > 19_000,
        "evicted {}",
        insp.threads().evicted()
    );
    // The newest child is there, with its process fields.
    let t = insp.thread(20_999).expect("newest child kept");
    assert_eq!((t.pid, t.comm.as_slice()), (20_999, &b"sh"[..]));
}
