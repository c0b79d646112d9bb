//! Extracting fields allocates nothing once warm: twenty common fields rendered for every
//! event of real captures, the second time through (the format's buffers sized by the first
//! pass), with every heap allocation counted while rendering (the state engine, which does
//! allocate for new threads and fds, runs outside the count). `pipeline/fields20` in
//! `benches/pipeline.rs` times the same format.
//!
//! Needs the shared captures: with `CI=true` their absence fails, elsewhere the test is
//! skipped.

mod common;

use strata::dissect::{Format, Registry};

/// The same twenty fields as `benches/pipeline.rs`.
const FIELDS20: &str = "*%evt.num %evt.time %evt.type %evt.dir %evt.cpu %evt.res %evt.latency %thread.tid %proc.pid %proc.name %proc.exe %proc.cmdline %proc.ppid %proc.pname %user.name %group.name %fd.num %fd.name %fd.type %container.id";

/// Renders every event of `path` with `format`; returns (events, allocations while
/// rendering, bytes written).
fn pass(path: &std::path::Path, format: &mut Format, count: bool) -> (u64, u64, u64) {
    let mut events = strata::Events::open(path).expect("open");
    let mut line = Vec::with_capacity(1 << 16);
    let (mut n, mut allocs, mut bytes) = (0, 0, 0);
    while let Some(ev) = events.next() {
        let ev = ev.expect("a readable event");
        if format.options().flavor != ev.options().flavor {
            format.set_flavor(ev.options().flavor);
        }
        line.clear();
        let info = allocation_counter::measure(|| {
            if format.render_into(&ev.ctx(), &mut line) {
                bytes += line.len() as u64;
            }
        });
        if count {
            allocs += info.count_total;
        }
        n += 1;
    }
    (n, allocs, bytes)
}

#[test]
fn twenty_fields_allocate_nothing_once_warm() {
    let Some(files) = common::old_format_captures() else {
        return;
    };
    let reg = Registry::builtin();
    let mut total = 0;
    for path in files.iter().filter(|p| {
        p.file_stem()
            .is_some_and(|s| s == "curl_google" || s == "nginx_container")
    }) {
        let mut events = strata::Events::open(path).expect("open");
        let opts = *events.options();
        drop(events.next());
        let mut format = Format::compile(reg, FIELDS20, opts).expect("compiles");
        pass(path, &mut format, false);
        let (n, allocs, bytes) = pass(path, &mut format, true);
        assert!(n > 1000 && bytes > 0, "{}: {n} events", path.display());
        assert_eq!(
            allocs,
            0,
            "{}: allocations while rendering {n} events",
            path.display()
        );
        total += n;
    }
    assert!(total > 0, "no capture checked");
}
