//! Arbitrary bytes as the payload of every kind of fd, given to the dns dissector.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    strata_dissect::fuzzing::payload("dns", data);
});
