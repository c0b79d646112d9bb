//! Runs arbitrary bytes as a capture through the state engine and renders every built-in
//! field of every event, in both flavors.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    strata_dissect::fuzzing::inspect(data);
});
