//! Walks arbitrary bytes as a capture with the zero-copy reader, touching every block's
//! typed view and every event parameter, and checks the walk ends.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    strata_scap::fuzzing::read_slice(data);
});
