//! Walks arbitrary bytes through the streaming reader (gzip detection included) and checks it
//! agrees with the slice reader on plain input.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    strata_scap::fuzzing::read_stream(data);
});
