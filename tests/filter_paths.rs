//! Under a filter, `strata::Events` takes the events it refuses through a loop of its own;
//! a recorder (here writing nowhere) sends every event through the general loop instead.
//! Both select the same events, with the same fields, on every shared capture.

mod common;

use std::io;

use strata::{Events, Recorder};

const FILTERS: &[&str] = &[
    "evt.type in (open, openat) and fd.name contains /etc",
    "evt.type in (open, openat) and fd.name contains /zzz",
    "proc.name = bash or fd.type = ipv4",
    "evt.dir = < and evt.failed = true",
    "not evt.type in (switch, read, write)",
    "fd.name exists and evt.type = close",
];

/// `evt.num` and `fd.name` of each event `events` hands out.
fn selected(mut events: Events) -> Vec<(u64, Option<String>)> {
    let mut out = Vec::new();
    while let Some(ev) = events.next() {
        let Ok(ev) = ev else { break };
        out.push((ev.num(), ev.field("fd.name").ok().flatten()));
    }
    out
}

#[test]
fn the_filtered_loop_selects_what_the_general_one_does() {
    let Some(captures) = common::all_captures() else {
        return;
    };
    let mut total = 0;
    for cap in captures {
        let bytes = common::decompressed(&cap);
        for f in FILTERS {
            let open = || Events::from_bytes(bytes.clone()).and_then(|e| e.filter(f));
            let (Ok(quick), Ok(general)) = (open(), open()) else {
                continue;
            };
            let general = general.record(Recorder::to_writer(io::sink()));
            let (a, b) = (selected(quick), selected(general));
            assert_eq!(a, b, "{}: {f}", cap.display());
            total += a.len();
        }
    }
    assert!(total > 0, "no event selected");
}
