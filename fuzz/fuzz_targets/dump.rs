//! Arbitrary bytes as a capture, read through `strata::Events` (a filter selecting about half
//! the events) and written by a `Recorder` with the state kept, then the written capture read
//! back whole: no panic, no hang, and what was written reads without error.
#![no_main]
use std::cell::RefCell;
use std::io::{self, Write};
use std::rc::Rc;

use libfuzzer_sys::fuzz_target;

/// A writer whose bytes stay reachable after the recorder has taken it.
#[derive(Clone, Default)]
struct Shared(Rc<RefCell<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(events) = strata::Events::from_bytes(data.to_vec()) else {
        return;
    };
    let Ok(events) = events.filter("evt.dir = <") else {
        return;
    };
    let out = Shared::default();
    let mut events = events.record(strata::Recorder::to_writer(out.clone()).keep_state(true));
    let mut failed = false;
    while let Some(ev) = events.next() {
        if ev.is_err() {
            failed = true;
            break;
        }
    }
    drop(events);
    let written = out.0.borrow().clone();
    let _ = failed;
    if written.is_empty() {
        return;
    }
    // A capture the dumper wrote must read back without error.
    let mut back = strata::Events::from_bytes(written).expect("the written capture opens");
    while let Some(ev) = back.next() {
        ev.expect("the written capture reads");
    }
});
